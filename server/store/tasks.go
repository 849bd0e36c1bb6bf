package store

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// listCols are a task's own columns; taskCols add its space through the
// project join.
const (
	listCols = `t.id, t.project_id, t.status_id, t.parent_task_id, t.title, t.description, t.priority, t.due_date,
	t.completed_at, t.is_archived, t.estimated_hours, t.position, t.creator_id, t.comment_count,
	t.created_at, t.updated_at, t.version, t.reopen_status_id`
	taskCols = listCols + `, p.space_id`
)

// scanTaskInto reads listCols into k, then any extra columns into extra.
func scanTaskInto(row interface{ Scan(...any) error }, k *Task, extra ...any) error {
	var archived int
	dest := append([]any{&k.ID, &k.ProjectID, &k.StatusID, &k.ParentTaskID, &k.Title, &k.Description, &k.Priority, &k.DueDate,
		&k.CompletedAt, &archived, &k.EstimatedHours, &k.Position, &k.CreatorID, &k.CommentCount,
		&k.CreatedAt, &k.UpdatedAt, &k.Version, &k.ReopenStatusID}, extra...)
	if err := row.Scan(dest...); err != nil {
		return notFound(err)
	}
	k.IsArchived = archived == 1
	k.AssigneeIDs = []string{}
	k.LabelIDs = []string{}
	return nil
}

// scanTask reads taskCols.
func scanTask(row interface{ Scan(...any) error }) (*Task, error) {
	var k Task
	if err := scanTaskInto(row, &k, &k.SpaceID); err != nil {
		return nil, err
	}
	return &k, nil
}

// TaskByID finds a task with its assignees and labels.
func (t *Tx) TaskByID(id string) (*Task, error) {
	k, err := scanTask(t.queryRow(`SELECT `+taskCols+` FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id = ?`, id))
	if err != nil {
		return nil, err
	}
	if err := t.readAssignees(k); err != nil {
		return nil, err
	}
	if err := t.readLabels(k); err != nil {
		return nil, err
	}
	k.remember()
	return k, nil
}

// readPeopleAndLabels fills in each task's assignees and labels.
func (t *Tx) readPeopleAndLabels(tasks []Task) error {
	for i := range tasks {
		if err := t.readAssignees(&tasks[i]); err != nil {
			return err
		}
		if err := t.readLabels(&tasks[i]); err != nil {
			return err
		}
	}
	return nil
}

// readAssignees fills in the task's assignees.
func (t *Tx) readAssignees(k *Task) error {
	rows, err := t.query(`SELECT user_id FROM task_assignees WHERE task_id = ? ORDER BY assigned_at, user_id`, k.ID)
	if err != nil {
		return fmt.Errorf("read assignees: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return fmt.Errorf("read assignees: %w", err)
		}
		k.AssigneeIDs = append(k.AssigneeIDs, u)
	}
	return rows.Err()
}

// ColumnRanks is each of a project's columns' place in board order, from
// 1; a task in no column ranks 0, before them all.
func (t *Tx) ColumnRanks(projectID string) (map[string]int, error) {
	cols, err := t.Statuses(projectID)
	if err != nil {
		return nil, err
	}
	rank := make(map[string]int, len(cols))
	for i, c := range cols {
		rank[c.ID] = i + 1
	}
	return rank, nil
}

// Tasks lists a project's tasks, active or archived, in board order: by
// column, then position. The rows come off the column index already in
// position order; only the columns are put in board order here, which
// spares the database a sort of the whole project.
func (t *Tx) Tasks(projectID string, archived bool) ([]Task, error) {
	var spaceID string
	if err := t.queryRow(`SELECT space_id FROM projects WHERE id = ?`, projectID).Scan(&spaceID); err != nil {
		return nil, fmt.Errorf("list tasks: %w", notFound(err))
	}
	rank, err := t.ColumnRanks(projectID)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(`SELECT `+listCols+` FROM tasks t`+t.s.e.indexedBy("tasks_by_column")+`
		WHERE t.project_id = ? AND t.is_archived = ?
		ORDER BY t.status_id, t.position, t.id`, projectID, boolInt(archived))
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	out := []Task{}
	for rows.Next() {
		k := Task{SpaceID: spaceID}
		if err := scanTaskInto(rows, &k); err != nil {
			return nil, fmt.Errorf("list tasks: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	colRank := func(k *Task) int {
		if k.StatusID == nil {
			return 0
		}
		return rank[*k.StatusID]
	}
	slices.SortStableFunc(out, func(a, b Task) int { return cmp.Compare(colRank(&a), colRank(&b)) })
	index := make(map[string]int, len(out))
	for i := range out {
		index[out[i].ID] = i
	}
	arows, err := t.query(`SELECT a.task_id, a.user_id FROM task_assignees a
		JOIN tasks t ON t.id = a.task_id WHERE t.project_id = ? ORDER BY a.assigned_at, a.user_id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list assignees: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var taskID, userID string
		if err := arows.Scan(&taskID, &userID); err != nil {
			return nil, fmt.Errorf("list assignees: %w", err)
		}
		if i, ok := index[taskID]; ok {
			out[i].AssigneeIDs = append(out[i].AssigneeIDs, userID)
		}
	}
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("list assignees: %w", err)
	}
	arows.Close()
	lrows, err := t.query(`SELECT l.task_id, l.label_id FROM task_labels l
		JOIN tasks t ON t.id = l.task_id WHERE t.project_id = ? ORDER BY l.task_id, l.label_id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list labels: %w", err)
	}
	defer lrows.Close()
	for lrows.Next() {
		var taskID, labelID string
		if err := lrows.Scan(&taskID, &labelID); err != nil {
			return nil, fmt.Errorf("list labels: %w", err)
		}
		if i, ok := index[taskID]; ok {
			out[i].LabelIDs = append(out[i].LabelIDs, labelID)
		}
	}
	return out, lrows.Err()
}

// columnIs is the condition that a task is in the column statusID (nil:
// in none) and its argument, in a form both engines' indexes serve (IS
// NOT DISTINCT FROM would not use PostgreSQL's).
func columnIs(statusID *string) (string, []any) {
	if statusID == nil {
		return "status_id IS NULL", nil
	}
	return "status_id = ?", []any{*statusID}
}

// EndOfColumn is a position after every task (archived ones too) in the column.
func (t *Tx) EndOfColumn(projectID string, statusID *string) (string, error) {
	var last *string
	col, arg := columnIs(statusID)
	if err := t.queryRow(`SELECT max(position) FROM tasks WHERE project_id = ? AND `+col, append([]any{projectID}, arg...)...).Scan(&last); err != nil {
		return "", fmt.Errorf("find end of column: %w", err)
	}
	if last == nil {
		return FirstPosition, nil
	}
	return PositionAfter(*last), nil
}

// CreateTask inserts k; an empty Position puts it at the end of its column.
func (t *Tx) CreateTask(k *Task) error {
	k.ID = NewID()
	k.CreatedAt, k.UpdatedAt = t.stamp(), t.stamp()
	k.Version = 1
	if k.AssigneeIDs == nil {
		k.AssigneeIDs = []string{}
	}
	k.LabelIDs = sortedIDs(k.LabelIDs)
	sent := k.Position != ""
	if !sent {
		pos, err := t.EndOfColumn(k.ProjectID, k.StatusID)
		if err != nil {
			return err
		}
		k.Position = pos
	}
	// A key after the column's last is no other card's.
	if err := t.keepApart(k, sent); err != nil {
		return err
	}
	if err := t.insertTask(k); err != nil {
		return fmt.Errorf("create task: %w", err)
	}
	if err := t.insertLabels(k); err != nil {
		return err
	}
	if err := t.log(event{SpaceID: k.SpaceID, Kind: "task.created", ObjectID: k.ID, Payload: k, TaskID: k.ID}); err != nil {
		return err
	}
	k.remember()
	return nil
}

func (t *Tx) insertTask(k *Task) error {
	_, err := t.exec(`INSERT INTO tasks (id, project_id, status_id, parent_task_id, title, description, priority, due_date,
		completed_at, is_archived, estimated_hours, position, creator_id, comment_count, created_at, updated_at, version, reopen_status_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.ProjectID, k.StatusID, k.ParentTaskID, k.Title, k.Description, k.Priority, k.DueDate,
		k.CompletedAt, boolInt(k.IsArchived), k.EstimatedHours, k.Position, k.CreatorID, k.CommentCount,
		k.CreatedAt, k.UpdatedAt, k.Version, k.ReopenStatusID)
	return err
}

// UpdateTask writes k's editable fields back and bumps its version.
func (t *Tx) UpdateTask(k *Task) error {
	if err := t.keepApart(k, true); err != nil {
		return err
	}
	return t.writeTask(k)
}

// writeTask is UpdateTask without a look at the other keys of k's column:
// for rebalance, which is giving them all new ones.
func (t *Tx) writeTask(k *Task) error {
	k.UpdatedAt = t.stamp()
	k.Version++
	if _, err := t.exec(`UPDATE tasks SET status_id = ?, title = ?, description = ?, priority = ?, due_date = ?,
		completed_at = ?, is_archived = ?, estimated_hours = ?, position = ?, comment_count = ?, updated_at = ?, version = ?,
		reopen_status_id = ?
		WHERE id = ?`,
		k.StatusID, k.Title, k.Description, k.Priority, k.DueDate, k.CompletedAt, boolInt(k.IsArchived),
		k.EstimatedHours, k.Position, k.CommentCount, k.UpdatedAt, k.Version, k.ReopenStatusID, k.ID); err != nil {
		return fmt.Errorf("update task: %w", err)
	}
	e := event{SpaceID: k.SpaceID, Kind: "task.updated", ObjectID: k.ID, Payload: k, Changes: k.changes()}
	// A card's history holds what people did to it: not the keys of a
	// column respaced around it (rebalance), nor the count a comment's own
	// entry already tells.
	if _, counted := e.Changes["commentCount"]; !t.respacing && (len(e.Changes) > 1 || len(e.Changes) == 1 && !counted) {
		e.TaskID = k.ID
	}
	if err := t.log(e); err != nil {
		return err
	}
	k.remember()
	return nil
}

// keepApart keeps k's key short and, unless the caller knows no other
// card can have it (mayBeTaken false), k's own. A key another card of the
// column has is moved to just after that card's: two clients that put
// different cards into one gap at the same moment, each from the same view
// of the column, both send the key between the same two neighbours, and a
// board that made its key for the end of a column before someone else
// added a card there sends that card's key. Left so, no key would fit
// between the two cards, and a board could never put a card there. A key
// grown past PositionBound has its column rebalanced, so no key the server
// writes ever nears what it accepts.
func (t *Tx) keepApart(k *Task, mayBeTaken bool) error {
	if mayBeTaken {
		col, arg := columnIs(k.StatusID)
		others := append(append([]any{k.ProjectID}, arg...), k.Position, k.ID)
		var taken bool
		if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM tasks WHERE project_id = ? AND `+col+` AND position = ? AND id != ?)`,
			others...).Scan(&taken); err != nil {
			return fmt.Errorf("look for a card at position %q: %w", k.Position, err)
		}
		if taken {
			var next *string
			if err := t.queryRow(`SELECT min(position) FROM tasks WHERE project_id = ? AND `+col+` AND position > ? AND id != ?`,
				others...).Scan(&next); err != nil {
				return fmt.Errorf("find the card after position %q: %w", k.Position, err)
			}
			if next == nil {
				k.Position = PositionAfter(k.Position)
			} else {
				k.Position = PositionBetween(k.Position, *next)
			}
		}
	}
	if len(k.Position) > PositionBound {
		return t.rebalance(k)
	}
	return nil
}

// rebalance gives every task of k's column (its project and status,
// archived tasks and subtasks too, since they share the keys) evenly spaced
// short keys in the order they had, k at the place its own key gives it.
// The other tasks whose keys change are written here, each as a change of
// its own; k's new key is left on k for the caller to write.
func (t *Tx) rebalance(k *Task) error {
	type slot struct{ id, position string }
	inCol, arg := columnIs(k.StatusID)
	rows, err := t.query(`SELECT id, position FROM tasks
		WHERE project_id = ? AND `+inCol+` AND id != ? ORDER BY position, id`, append(append([]any{k.ProjectID}, arg...), k.ID)...)
	if err != nil {
		return fmt.Errorf("rebalance column: %w", err)
	}
	var col []slot
	for rows.Next() {
		var s slot
		if err := rows.Scan(&s.id, &s.position); err != nil {
			rows.Close()
			return fmt.Errorf("rebalance column: %w", err)
		}
		col = append(col, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rebalance column: %w", err)
	}
	at, _ := slices.BinarySearchFunc(col, slot{k.ID, k.Position}, func(a, b slot) int {
		return cmp.Or(cmp.Compare(a.position, b.position), cmp.Compare(a.id, b.id))
	})
	col = slices.Insert(col, at, slot{k.ID, k.Position})
	keys := SpreadPositions(len(col))
	// The other cards' new keys are no one's change: no webhook hears of them.
	t.respacing = true
	defer func() { t.respacing = false }()
	for i, s := range col {
		if i == at {
			k.Position = keys[i]
			continue
		}
		if s.position == keys[i] {
			continue
		}
		other, err := t.TaskByID(s.id)
		if err != nil {
			return fmt.Errorf("rebalance column: %w", err)
		}
		other.Position = keys[i]
		if err := t.writeTask(other); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTask deletes a task and its subtasks, keeping them (with their
// comments and assignees) in the trash so RestoreTask can bring them back.
func (t *Tx) DeleteTask(k *Task) error {
	tree, err := t.taskTree(k.ID)
	if err != nil {
		return err
	}
	snap := trashSnapshot{Tasks: []Task{}, Assignees: []trashedAssignee{}, Comments: []Comment{}}
	for _, id := range tree {
		sub, err := t.TaskByID(id)
		if err != nil {
			return fmt.Errorf("keep deleted task: %w", err)
		}
		snap.Tasks = append(snap.Tasks, *sub)
		arows, err := t.query(`SELECT user_id, assigned_at FROM task_assignees WHERE task_id = ? ORDER BY assigned_at, user_id`, id)
		if err != nil {
			return fmt.Errorf("keep deleted task's assignees: %w", err)
		}
		for arows.Next() {
			a := trashedAssignee{TaskID: id}
			if err := arows.Scan(&a.UserID, &a.AssignedAt); err != nil {
				arows.Close()
				return fmt.Errorf("keep deleted task's assignees: %w", err)
			}
			snap.Assignees = append(snap.Assignees, a)
		}
		arows.Close()
		comments, err := t.Comments(id)
		if err != nil {
			return err
		}
		snap.Comments = append(snap.Comments, comments...)
	}
	body, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("keep deleted task: %w", err)
	}
	if _, err := t.exec(`INSERT INTO trash (task_id, project_id, space_id, deleted_at, snapshot) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (task_id) DO UPDATE SET project_id = excluded.project_id, space_id = excluded.space_id,
			deleted_at = excluded.deleted_at, snapshot = excluded.snapshot`,
		k.ID, k.ProjectID, k.SpaceID, t.stamp(), body); err != nil {
		return fmt.Errorf("keep deleted task: %w", err)
	}
	if _, err := t.exec(`DELETE FROM tasks WHERE id = ?`, k.ID); err != nil {
		return fmt.Errorf("delete task: %w", err)
	}
	for _, id := range append(tree[1:], k.ID) {
		if err := t.log(event{SpaceID: k.SpaceID, Kind: "task.deleted", ObjectID: id, TaskID: id,
			Payload: map[string]string{"id": id, "projectId": k.ProjectID}}); err != nil {
			return err
		}
	}
	return nil
}

// taskTree is the task's id and its subtasks' at every depth, parents
// before their children.
func (t *Tx) taskTree(id string) ([]string, error) {
	rows, err := t.query(`WITH RECURSIVE tree(id, depth) AS (
			SELECT id, 0 FROM tasks WHERE parent_task_id = ?
			UNION ALL SELECT c.id, tree.depth + 1 FROM tasks c JOIN tree ON c.parent_task_id = tree.id)
		SELECT id FROM tree ORDER BY depth`, id)
	if err != nil {
		return nil, fmt.Errorf("find subtasks: %w", err)
	}
	defer rows.Close()
	tree := []string{id}
	for rows.Next() {
		var sub string
		if err := rows.Scan(&sub); err != nil {
			return nil, fmt.Errorf("find subtasks: %w", err)
		}
		tree = append(tree, sub)
	}
	return tree, rows.Err()
}

// TrashRetention is how long a deleted task can be restored.
const TrashRetention = 30 * 24 * time.Hour

// Trashed is a deleted task as the trash keeps it.
type Trashed struct {
	ProjectID string
	SpaceID   string
	DeletedAt string
	// Tasks are the task and its subtasks as they were, parents first.
	Tasks     []Task
	assignees []trashedAssignee
	comments  []Comment
}

// trashSnapshot is a trash row's snapshot column.
type trashSnapshot struct {
	Tasks     []Task            `json:"tasks"`
	Assignees []trashedAssignee `json:"assignees"`
	Comments  []Comment         `json:"comments"`
}

type trashedAssignee struct {
	TaskID     string `json:"taskId"`
	UserID     string `json:"userId"`
	AssignedAt string `json:"assignedAt"`
}

// Trashed finds a deleted task that can still be restored; ErrNotFound if
// it was never deleted (or only as another task's subtask), or is purged.
func (t *Tx) Trashed(id string) (*Trashed, error) {
	var tr Trashed
	var body []byte
	err := t.queryRow(`SELECT project_id, space_id, deleted_at, snapshot FROM trash WHERE task_id = ? AND deleted_at >= ?`,
		id, FormatTime(t.now.Add(-TrashRetention))).Scan(&tr.ProjectID, &tr.SpaceID, &tr.DeletedAt, &body)
	if err != nil {
		return nil, notFound(err)
	}
	var snap trashSnapshot
	if err := json.Unmarshal(body, &snap); err != nil {
		return nil, fmt.Errorf("read deleted task %s: %w", id, err)
	}
	if len(snap.Tasks) == 0 || snap.Tasks[0].ID != id {
		return nil, fmt.Errorf("read deleted task %s: the kept copy has no such task", id)
	}
	tr.Tasks, tr.assignees, tr.comments = snap.Tasks, snap.Assignees, snap.Comments
	return &tr, nil
}

// RestoreTask puts a deleted task and its subtasks back under their ids,
// with the columns, positions and parent the caller has settled on the
// Tasks (SpaceID set). An assignee who has left the space stays off, a
// comment whose author is gone stays out, a label deleted since stays
// off; everything else comes back. Each
// task is reported as task.restored, with a new version.
func (t *Tx) RestoreTask(tr *Trashed) error {
	root := &tr.Tasks[0]
	if err := t.keepApart(root, true); err != nil {
		return err
	}
	member := map[string]bool{}
	isMember := func(userID string) (bool, error) {
		if ok, seen := member[userID]; seen {
			return ok, nil
		}
		_, err := t.RoleIn(tr.SpaceID, userID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return false, err
		}
		member[userID] = err == nil
		return err == nil, nil
	}
	assignees := map[string][]trashedAssignee{}
	for _, a := range tr.assignees {
		ok, err := isMember(a.UserID)
		if err != nil {
			return fmt.Errorf("restore assignees: %w", err)
		}
		if ok {
			assignees[a.TaskID] = append(assignees[a.TaskID], a)
		}
	}
	author := map[string]bool{}
	comments := map[string][]Comment{}
	for _, c := range tr.comments {
		ok, seen := author[c.AuthorID]
		if !seen {
			if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)`, c.AuthorID).Scan(&ok); err != nil {
				return fmt.Errorf("restore comments: %w", err)
			}
			author[c.AuthorID] = ok
		}
		if ok {
			comments[c.TaskID] = append(comments[c.TaskID], c)
		}
	}
	labels, err := t.labelIDs(tr.ProjectID)
	if err != nil {
		return err
	}
	for i := range tr.Tasks {
		k := &tr.Tasks[i]
		k.UpdatedAt = t.stamp()
		k.Version++
		k.CommentCount = len(comments[k.ID])
		k.AssigneeIDs = []string{}
		k.LabelIDs = sortedIDs(slices.DeleteFunc(k.LabelIDs, func(id string) bool { return !labels[id] }))
		if err := t.insertTask(k); err != nil {
			return fmt.Errorf("restore task: %w", err)
		}
		if err := t.insertLabels(k); err != nil {
			return err
		}
		for _, a := range assignees[k.ID] {
			if _, err := t.exec(`INSERT INTO task_assignees (task_id, user_id, assigned_at) VALUES (?, ?, ?)`, k.ID, a.UserID, a.AssignedAt); err != nil {
				return fmt.Errorf("restore assignees: %w", err)
			}
			k.AssigneeIDs = append(k.AssigneeIDs, a.UserID)
		}
		for _, c := range comments[k.ID] {
			if _, err := t.exec(`INSERT INTO comments (id, task_id, author_id, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				c.ID, c.TaskID, c.AuthorID, c.Content, c.CreatedAt, c.UpdatedAt); err != nil {
				return fmt.Errorf("restore comments: %w", err)
			}
		}
		if err := t.log(event{SpaceID: k.SpaceID, Kind: "task.restored", ObjectID: k.ID, Payload: k, TaskID: k.ID}); err != nil {
			return err
		}
		k.remember()
	}
	if _, err := t.exec(`DELETE FROM trash WHERE task_id = ?`, root.ID); err != nil {
		return fmt.Errorf("restore task: %w", err)
	}
	return nil
}

// PruneTrash forgets tasks deleted longer than TrashRetention ago (at most
// a thousand a call, oldest first, so it stays cheap).
func (t *Tx) PruneTrash() error {
	before := FormatTime(t.now.Add(-TrashRetention))
	rows, err := t.query(`SELECT task_id, snapshot FROM trash WHERE deleted_at < ? ORDER BY deleted_at LIMIT 1000`, before)
	if err != nil {
		return fmt.Errorf("prune trash: %w", err)
	}
	var roots, gone []string
	for rows.Next() {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return fmt.Errorf("prune trash: %w", err)
		}
		roots, gone = append(roots, id), append(gone, id)
		// The subtasks deleted with it go with it, and their history too.
		var snap trashSnapshot
		if json.Unmarshal(body, &snap) == nil {
			for _, k := range snap.Tasks {
				if k.ID != id {
					gone = append(gone, k.ID)
				}
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("prune trash: %w", err)
	}
	for _, id := range roots {
		if _, err := t.exec(`DELETE FROM trash WHERE task_id = ?`, id); err != nil {
			return fmt.Errorf("prune trash: %w", err)
		}
	}
	return t.forgetActivity(gone)
}

// Subtasks lists a task's direct subtasks in position order.
func (t *Tx) Subtasks(parentID string) ([]Task, error) {
	rows, err := t.query(`SELECT `+taskCols+` FROM tasks t JOIN projects p ON p.id = t.project_id
		WHERE t.parent_task_id = ? ORDER BY t.position, t.id`, parentID)
	if err != nil {
		return nil, fmt.Errorf("list subtasks: %w", err)
	}
	defer rows.Close()
	out := []Task{}
	for rows.Next() {
		k, err := scanTask(rows)
		if err != nil {
			return nil, fmt.Errorf("list subtasks: %w", err)
		}
		out = append(out, *k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list subtasks: %w", err)
	}
	rows.Close()
	return out, t.readPeopleAndLabels(out)
}

// Assign adds userID to the task's assignees; assigning twice changes nothing.
func (t *Tx) Assign(k *Task, userID string) error {
	for _, a := range k.AssigneeIDs {
		if a == userID {
			return nil
		}
	}
	if _, err := t.exec(`INSERT INTO task_assignees (task_id, user_id, assigned_at) VALUES (?, ?, ?)`, k.ID, userID, t.stamp()); err != nil {
		return fmt.Errorf("assign task: %w", err)
	}
	k.AssigneeIDs = append(k.AssigneeIDs, userID)
	return t.UpdateTask(k)
}

// Unassign removes userID from the task's assignees, if there.
func (t *Tx) Unassign(k *Task, userID string) error {
	kept := k.AssigneeIDs[:0:0]
	for _, a := range k.AssigneeIDs {
		if a != userID {
			kept = append(kept, a)
		}
	}
	if len(kept) == len(k.AssigneeIDs) {
		return nil
	}
	if _, err := t.exec(`DELETE FROM task_assignees WHERE task_id = ? AND user_id = ?`, k.ID, userID); err != nil {
		return fmt.Errorf("unassign task: %w", err)
	}
	k.AssigneeIDs = kept
	return t.UpdateTask(k)
}

// UnassignInSpace takes a user off every task of a space (they left it).
func (t *Tx) UnassignInSpace(spaceID, userID string) error {
	rows, err := t.query(`SELECT a.task_id FROM task_assignees a
		JOIN tasks t ON t.id = a.task_id JOIN projects p ON p.id = t.project_id
		WHERE a.user_id = ? AND p.space_id = ?`, userID, spaceID)
	if err != nil {
		return fmt.Errorf("find assigned tasks: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("find assigned tasks: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		k, err := t.TaskByID(id)
		if err != nil {
			return err
		}
		if err := t.Unassign(k, userID); err != nil {
			return err
		}
	}
	return nil
}

// AddComment adds a comment to k and counts it on the task.
func (t *Tx) AddComment(k *Task, authorID, content string) (*Comment, error) {
	c := &Comment{ID: NewID(), TaskID: k.ID, AuthorID: authorID, Content: content, CreatedAt: t.stamp(), UpdatedAt: t.stamp()}
	if _, err := t.exec(`INSERT INTO comments (id, task_id, author_id, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.TaskID, c.AuthorID, c.Content, c.CreatedAt, c.UpdatedAt); err != nil {
		return nil, fmt.Errorf("add comment: %w", err)
	}
	if err := t.queryRow(`SELECT name FROM users WHERE id = ?`, authorID).Scan(&c.AuthorName); err != nil {
		return nil, fmt.Errorf("read comment author: %w", notFound(err))
	}
	if err := t.log(event{SpaceID: k.SpaceID, Kind: "comment.created", ObjectID: c.ID, Payload: c, TaskID: k.ID,
		Changes: map[string]FieldChange{"commentId": {To: c.ID}, "content": {To: Excerpt(c.Content, maxActivityExcerpt)}}}); err != nil {
		return nil, err
	}
	k.CommentCount++
	return c, t.UpdateTask(k)
}

// Comments lists a task's comments, oldest first.
func (t *Tx) Comments(taskID string) ([]Comment, error) {
	rows, err := t.query(`SELECT c.id, c.task_id, c.author_id, u.name, c.content, c.created_at, c.updated_at
		FROM comments c JOIN users u ON u.id = c.author_id WHERE c.task_id = ? ORDER BY c.created_at, c.id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	defer rows.Close()
	out := []Comment{}
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.ID, &c.TaskID, &c.AuthorID, &c.AuthorName, &c.Content, &c.CreatedAt, &c.UpdatedAt); err != nil {
			return nil, fmt.Errorf("list comments: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// tasksByIDsBatch is how many ids one query of TasksByIDs names.
const tasksByIDsBatch = 500

// TasksByIDs reads the tasks with the given ids that exist, each with its
// assignees and labels as TaskByID gives them, in no particular order: a
// few queries per 500 ids rather than three per task. Ids of tasks that
// are gone are left out.
func (t *Tx) TasksByIDs(ids []string) ([]Task, error) {
	out := []Task{}
	for len(ids) > 0 {
		n := min(len(ids), tasksByIDsBatch)
		batch := ids[:n]
		ids = ids[n:]
		in := "?" + strings.Repeat(", ?", len(batch)-1)
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
		}
		first := len(out)
		rows, err := t.query(`SELECT `+taskCols+` FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("read tasks: %w", err)
		}
		for rows.Next() {
			k, err := scanTask(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("read tasks: %w", err)
			}
			out = append(out, *k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read tasks: %w", err)
		}
		index := make(map[string]int, len(out)-first)
		for i := first; i < len(out); i++ {
			index[out[i].ID] = i
		}
		if err := t.readRelated(`SELECT task_id, user_id FROM task_assignees WHERE task_id IN (`+in+`) ORDER BY assigned_at, user_id`, args,
			func(i int, v string) { out[i].AssigneeIDs = append(out[i].AssigneeIDs, v) }, index); err != nil {
			return nil, fmt.Errorf("read assignees: %w", err)
		}
		if err := t.readRelated(`SELECT task_id, label_id FROM task_labels WHERE task_id IN (`+in+`) ORDER BY label_id`, args,
			func(i int, v string) { out[i].LabelIDs = append(out[i].LabelIDs, v) }, index); err != nil {
			return nil, fmt.Errorf("read labels: %w", err)
		}
	}
	return out, nil
}

// readRelated runs a query of (task id, value) rows and hands each value
// to add with its task's place in index.
func (t *Tx) readRelated(query string, args []any, add func(i int, v string), index map[string]int) error {
	rows, err := t.query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			return err
		}
		if i, ok := index[id]; ok {
			add(i, v)
		}
	}
	return rows.Err()
}
