package store

import (
	"fmt"
	"slices"
	"strings"
)

const labelCols = `id, project_id, name, color, created_at`

func scanLabel(row interface{ Scan(...any) error }) (*Label, error) {
	var l Label
	if err := row.Scan(&l.ID, &l.ProjectID, &l.Name, &l.Color, &l.CreatedAt); err != nil {
		return nil, notFound(err)
	}
	return &l, nil
}

// Labels lists a project's labels by name, ignoring case.
func (t *Tx) Labels(projectID string) ([]Label, error) {
	if ls, ok := t.remembered().labels[projectID]; ok {
		return slices.Clone(ls), nil
	}
	ls, err := t.labels(projectID)
	if err == nil {
		t.remembered().labels[projectID] = slices.Clone(ls)
	}
	return ls, err
}

func (t *Tx) labels(projectID string) ([]Label, error) {
	rows, err := t.query(`SELECT `+labelCols+` FROM labels WHERE project_id = ? ORDER BY lower(name), name, id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list labels: %w", err)
	}
	defer rows.Close()
	out := []Label{}
	for rows.Next() {
		l, err := scanLabel(rows)
		if err != nil {
			return nil, fmt.Errorf("list labels: %w", err)
		}
		out = append(out, *l)
	}
	return out, rows.Err()
}

// LabelByID finds a label.
func (t *Tx) LabelByID(id string) (*Label, error) {
	l, err := scanLabel(t.queryRow(`SELECT `+labelCols+` FROM labels WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("find label: %w", err)
	}
	return l, nil
}

// labelNameTaken says whether another label of the project has the name,
// in any case. SQLite's lower() in the unique index folds only ASCII;
// this folds the rest too.
func (t *Tx) labelNameTaken(l *Label) (bool, error) {
	labels, err := t.Labels(l.ProjectID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(labels, func(o Label) bool { return o.ID != l.ID && strings.EqualFold(o.Name, l.Name) }), nil
}

// CreateLabel adds l to its project; ErrConflict if the project has a
// label of that name in any case.
func (t *Tx) CreateLabel(spaceID string, l *Label) error {
	if taken, err := t.labelNameTaken(l); err != nil {
		return err
	} else if taken {
		return fmt.Errorf("create label %q: %w", l.Name, ErrConflict)
	}
	l.ID, l.CreatedAt = NewID(), t.stamp()
	if _, err := t.exec(`INSERT INTO labels (`+labelCols+`) VALUES (?, ?, ?, ?, ?)`, l.ID, l.ProjectID, l.Name, l.Color, l.CreatedAt); err != nil {
		return fmt.Errorf("create label %q: %w", l.Name, err)
	}
	return t.logChange(spaceID, "label.created", l.ID, l)
}

// UpdateLabel writes l's name and colour back; ErrConflict if another
// label of the project has the name in any case.
func (t *Tx) UpdateLabel(spaceID string, l *Label) error {
	if taken, err := t.labelNameTaken(l); err != nil {
		return err
	} else if taken {
		return fmt.Errorf("rename label to %q: %w", l.Name, ErrConflict)
	}
	if _, err := t.exec(`UPDATE labels SET name = ?, color = ? WHERE id = ?`, l.Name, l.Color, l.ID); err != nil {
		return fmt.Errorf("update label: %w", err)
	}
	return t.logChange(spaceID, "label.updated", l.ID, l)
}

// DeleteLabel takes l off every task that has it (each a task.updated
// with a new version, so boards holding those tasks drop it too), then
// deletes it.
func (t *Tx) DeleteLabel(spaceID string, l *Label) error {
	rows, err := t.query(`SELECT task_id FROM task_labels WHERE label_id = ? ORDER BY task_id`, l.ID)
	if err != nil {
		return fmt.Errorf("find the label's tasks: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("find the label's tasks: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find the label's tasks: %w", err)
	}
	// Each task is read with the label still on, so its update (its
	// activity, its webhook event) says the label came off.
	for _, id := range ids {
		k, err := t.TaskByID(id)
		if err != nil {
			return err
		}
		k.LabelIDs = slices.DeleteFunc(k.LabelIDs, func(id string) bool { return id == l.ID })
		if err := t.UpdateTask(k); err != nil {
			return err
		}
	}
	if _, err := t.exec(`DELETE FROM task_labels WHERE label_id = ?`, l.ID); err != nil {
		return fmt.Errorf("take label off its tasks: %w", err)
	}
	if _, err := t.exec(`DELETE FROM labels WHERE id = ?`, l.ID); err != nil {
		return fmt.Errorf("delete label: %w", err)
	}
	return t.logChange(spaceID, "label.deleted", l.ID, map[string]string{"id": l.ID, "projectId": l.ProjectID})
}

// SetTaskLabels replaces the task's labels with ids (which the caller has
// checked are its project's) and puts them, sorted, on k. Like a field
// set on k, it is the caller's UpdateTask that bumps the version and
// reports the change.
func (t *Tx) SetTaskLabels(k *Task, ids []string) error {
	if _, err := t.exec(`DELETE FROM task_labels WHERE task_id = ?`, k.ID); err != nil {
		return fmt.Errorf("set task's labels: %w", err)
	}
	k.LabelIDs = sortedIDs(ids)
	return t.insertLabels(k)
}

// insertLabels writes k.LabelIDs (sorted, with no repeats) for k.
func (t *Tx) insertLabels(k *Task) error {
	for _, id := range k.LabelIDs {
		if _, err := t.exec(`INSERT INTO task_labels (task_id, label_id) VALUES (?, ?)`, k.ID, id); err != nil {
			return fmt.Errorf("set task's labels: %w", err)
		}
	}
	return nil
}

// sortedIDs is ids sorted with repeats dropped, never nil.
func sortedIDs(ids []string) []string {
	out := append([]string{}, ids...)
	slices.Sort(out)
	return slices.Compact(out)
}

// readLabels fills in the task's labels.
func (t *Tx) readLabels(k *Task) error {
	rows, err := t.query(`SELECT label_id FROM task_labels WHERE task_id = ? ORDER BY label_id`, k.ID)
	if err != nil {
		return fmt.Errorf("read labels: %w", err)
	}
	defer rows.Close()
	k.LabelIDs = []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("read labels: %w", err)
		}
		k.LabelIDs = append(k.LabelIDs, id)
	}
	return rows.Err()
}

// labelIDs is the set of a project's label ids.
func (t *Tx) labelIDs(projectID string) (map[string]bool, error) {
	labels, err := t.Labels(projectID)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(labels))
	for _, l := range labels {
		set[l.ID] = true
	}
	return set, nil
}
