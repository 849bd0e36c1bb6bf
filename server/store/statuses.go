package store

import (
	"fmt"
	"slices"
)

// A project's columns are kept at positions 0..n-1 with no gaps: every
// write that adds, moves or removes one renumbers the rest, and each
// column whose position changes is a change of its own (status.updated),
// so a board following the feed always holds the same order.

const statusCols = `id, project_id, name, color, position, is_done, wip_limit`

func scanStatus(row interface{ Scan(...any) error }) (*Status, error) {
	var s Status
	var done int
	if err := row.Scan(&s.ID, &s.ProjectID, &s.Name, &s.Color, &s.Position, &done, &s.WipLimit); err != nil {
		return nil, notFound(err)
	}
	s.IsDone = done == 1
	return &s, nil
}

// StatusByID finds a column.
func (t *Tx) StatusByID(id string) (*Status, error) {
	s, err := scanStatus(t.queryRow(`SELECT `+statusCols+` FROM statuses WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("find column: %w", err)
	}
	return s, nil
}

// CreateStatus adds st to its project as the column at index at (past the
// end, or negative, means after the last), shifting the columns from
// there one place right. st gets its id and position.
func (t *Tx) CreateStatus(spaceID string, st *Status, at int) error {
	cols, err := t.Statuses(st.ProjectID)
	if err != nil {
		return err
	}
	st.ID = NewID()
	if at < 0 || at > len(cols) {
		at = len(cols)
	}
	st.Position = at
	if _, err := t.exec(`INSERT INTO statuses (`+statusCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		st.ID, st.ProjectID, st.Name, st.Color, st.Position, boolInt(st.IsDone), st.WipLimit); err != nil {
		return fmt.Errorf("create column %q: %w", st.Name, err)
	}
	if err := t.logChange(spaceID, "status.created", st.ID, st); err != nil {
		return err
	}
	return t.renumber(spaceID, slices.Insert(cols, at, *st))
}

// UpdateStatus writes st's name, colour, done flag and limit, and moves it
// to index at among its project's columns (clamped to them), the others
// shifting to make room.
func (t *Tx) UpdateStatus(spaceID string, st *Status, at int) error {
	cols, err := t.Statuses(st.ProjectID)
	if err != nil {
		return err
	}
	cols = slices.DeleteFunc(cols, func(c Status) bool { return c.ID == st.ID })
	at = max(0, min(at, len(cols)))
	st.Position = at
	if _, err := t.exec(`UPDATE statuses SET name = ?, color = ?, position = ?, is_done = ?, wip_limit = ? WHERE id = ?`,
		st.Name, st.Color, st.Position, boolInt(st.IsDone), st.WipLimit, st.ID); err != nil {
		return fmt.Errorf("update column: %w", err)
	}
	if err := t.logChange(spaceID, "status.updated", st.ID, st); err != nil {
		return err
	}
	return t.renumber(spaceID, slices.Insert(cols, at, *st))
}

// DeleteStatus removes a column and closes the gap it leaves. Its tasks
// must have been moved out first: any left would lose their column.
// moveTo, where they went, rides along on the change.
func (t *Tx) DeleteStatus(spaceID string, st *Status, moveTo *string) error {
	if _, err := t.exec(`DELETE FROM statuses WHERE id = ?`, st.ID); err != nil {
		return fmt.Errorf("delete column: %w", err)
	}
	if err := t.logChange(spaceID, "status.deleted", st.ID,
		map[string]any{"id": st.ID, "projectId": st.ProjectID, "moveTo": moveTo}); err != nil {
		return err
	}
	cols, err := t.Statuses(st.ProjectID)
	if err != nil {
		return err
	}
	return t.renumber(spaceID, cols)
}

// renumber gives the columns, in the order given, positions 0..n-1,
// writing (and logging) only those whose position changes.
func (t *Tx) renumber(spaceID string, order []Status) error {
	for i := range order {
		st := &order[i]
		if st.Position == i {
			continue
		}
		st.Position = i
		if _, err := t.exec(`UPDATE statuses SET position = ? WHERE id = ?`, i, st.ID); err != nil {
			return fmt.Errorf("renumber columns: %w", err)
		}
		if err := t.logChange(spaceID, "status.updated", st.ID, st); err != nil {
			return err
		}
	}
	return nil
}

// ColumnTaskCount counts the tasks in a column, archived tasks and
// subtasks too.
func (t *Tx) ColumnTaskCount(statusID string) (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM tasks WHERE status_id = ?`, statusID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count column's tasks: %w", err)
	}
	return n, nil
}

// ColumnTasks lists every task in a column (archived tasks and subtasks
// too) in position order, each with its assignees and labels.
func (t *Tx) ColumnTasks(statusID string) ([]Task, error) {
	return t.tasksWhere(`t.status_id = ? ORDER BY t.position, t.id`, statusID)
}

// TasksReopeningTo lists the tasks outside a column that would reopen
// into it (their reopenStatusId), in position order.
func (t *Tx) TasksReopeningTo(statusID string) ([]Task, error) {
	return t.tasksWhere(`t.reopen_status_id = ? AND t.status_id IS DISTINCT FROM ? ORDER BY t.position, t.id`, statusID, statusID)
}

// tasksWhere reads whole tasks (taskCols, assignees, labels) matching
// where, which ends with its ORDER BY.
func (t *Tx) tasksWhere(where string, args ...any) ([]Task, error) {
	rows, err := t.query(`SELECT `+taskCols+` FROM tasks t JOIN projects p ON p.id = t.project_id WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	out := []Task{}
	for rows.Next() {
		k, err := scanTask(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		out = append(out, *k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	if err := t.readPeopleAndLabels(out); err != nil {
		return nil, err
	}
	// Read to be changed (a column deleted or made done moves, completes or
	// reopens them): an update then says what changed, for the task's
	// activity and for webhooks, as one read by TaskByID does.
	for i := range out {
		out[i].remember()
	}
	return out, nil
}
