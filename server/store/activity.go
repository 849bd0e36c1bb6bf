package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"
)

// FieldChange is what an update did to one field of a task: its value
// before and after, as the API spells them. A description's text is left
// out (From and To both null): the activity says it was edited, the task
// itself has the text.
type FieldChange struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Activity is one entry of a task's history: who did what, and when.
type Activity struct {
	// Seq is the change log's sequence number of the change: entries of
	// one task sort by it, and a page ends before it.
	Seq  int64  `json:"id"`
	Kind string `json:"kind"`
	// TaskID is the task the entry belongs to (a subtask's own entries
	// are its own).
	TaskID string `json:"taskId"`
	// ActorID and ActorName are who made the change; null for the
	// server's own (a member leaving unassigns them from every task).
	ActorID   *string `json:"actorId"`
	ActorName *string `json:"actorName"`
	// Changes are the fields an update changed; for a comment, the
	// comment's id and text (the first 200 characters).
	Changes   map[string]FieldChange `json:"changes"`
	CreatedAt string                 `json:"createdAt"`
}

// maxActivityExcerpt bounds how much of a comment its activity keeps.
const maxActivityExcerpt = 200

func (t *Tx) addActivity(seq int64, e event) error {
	var changes []byte
	if e.Changes != nil {
		var err error
		if changes, err = json.Marshal(e.Changes); err != nil {
			return fmt.Errorf("encode activity: %w", err)
		}
	}
	var actor *string
	if t.actor != "" {
		actor = &t.actor
	}
	if _, err := t.exec(`INSERT INTO activity (seq, task_id, kind, actor_id, changes, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		seq, e.TaskID, e.Kind, actor, changes, t.stamp()); err != nil {
		return fmt.Errorf("keep %s activity: %w", e.Kind, err)
	}
	return nil
}

// TaskActivity is a task's history, newest first: at most limit entries
// older than before (0: from the newest).
func (t *Tx) TaskActivity(taskID string, before int64, limit int) ([]Activity, error) {
	q := `SELECT a.seq, a.kind, a.task_id, a.actor_id, u.name, a.changes, a.created_at
		FROM activity a LEFT JOIN users u ON u.id = a.actor_id WHERE a.task_id = ?`
	args := []any{taskID}
	if before > 0 {
		q += ` AND a.seq < ?`
		args = append(args, before)
	}
	rows, err := t.query(q+` ORDER BY a.seq DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read activity: %w", err)
	}
	defer rows.Close()
	out := []Activity{}
	for rows.Next() {
		var a Activity
		var changes *string
		if err := rows.Scan(&a.Seq, &a.Kind, &a.TaskID, &a.ActorID, &a.ActorName, &changes, &a.CreatedAt); err != nil {
			return nil, fmt.Errorf("read activity: %w", err)
		}
		if changes != nil {
			if err := json.Unmarshal([]byte(*changes), &a.Changes); err != nil {
				return nil, fmt.Errorf("read activity %d: %w", a.Seq, err)
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// forgetActivity drops the history of tasks that are gone for good.
func (t *Tx) forgetActivity(taskIDs []string) error {
	for _, id := range taskIDs {
		if _, err := t.exec(`DELETE FROM activity WHERE task_id = ?`, id); err != nil {
			return fmt.Errorf("forget activity: %w", err)
		}
	}
	return nil
}

// remember keeps a copy of k as read, so that writing it back can say
// which fields changed.
func (k *Task) remember() {
	was := *k
	was.was = nil
	was.AssigneeIDs = slices.Clone(k.AssigneeIDs)
	was.LabelIDs = slices.Clone(k.LabelIDs)
	k.was = &was
}

// Changed reports whether k differs from the task as the store read it
// (true when it was not read through the store, so nothing says it is
// the same): whether writing it back is a change at all.
func (k *Task) Changed() bool {
	return k.was == nil || len(k.changes()) > 0 || !samePtr(k.was.ReopenStatusID, k.ReopenStatusID)
}

// changes are the fields of k that differ from when it was read (nil when
// it was not read through TaskByID).
func (k *Task) changes() map[string]FieldChange {
	a := k.was
	if a == nil {
		return nil
	}
	out := map[string]FieldChange{}
	add := func(field string, from, to any) { out[field] = FieldChange{From: from, To: to} }
	if !samePtr(a.StatusID, k.StatusID) {
		add("statusId", a.StatusID, k.StatusID)
	}
	if a.Title != k.Title {
		add("title", a.Title, k.Title)
	}
	if !samePtr(a.Description, k.Description) {
		add("description", nil, nil)
	}
	if a.Priority != k.Priority {
		add("priority", a.Priority, k.Priority)
	}
	if !samePtr(a.DueDate, k.DueDate) {
		add("dueDate", a.DueDate, k.DueDate)
	}
	if !samePtr(a.CompletedAt, k.CompletedAt) {
		add("completedAt", a.CompletedAt, k.CompletedAt)
	}
	if a.IsArchived != k.IsArchived {
		add("isArchived", a.IsArchived, k.IsArchived)
	}
	if !samePtr(a.EstimatedHours, k.EstimatedHours) {
		add("estimatedHours", a.EstimatedHours, k.EstimatedHours)
	}
	if a.Position != k.Position {
		add("position", a.Position, k.Position)
	}
	if !slices.Equal(a.AssigneeIDs, k.AssigneeIDs) {
		add("assigneeIds", a.AssigneeIDs, k.AssigneeIDs)
	}
	if !slices.Equal(a.LabelIDs, k.LabelIDs) {
		add("labelIds", a.LabelIDs, k.LabelIDs)
	}
	if a.CommentCount != k.CommentCount {
		add("commentCount", a.CommentCount, k.CommentCount)
	}
	return out
}

func samePtr[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// Excerpt is the start of s, at most max bytes, cut at a rune boundary,
// with "…" when it was cut.
func Excerpt(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max] + "…"
}
