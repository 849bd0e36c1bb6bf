package taskade

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

// maxCreate is the API's limit on tasks per create.
const maxCreate = 20

// Tasks lists every task of a project, all depths, in the order the
// server gives (Taskade's: document order, a parent before its children).
// It follows the cursor paging (after = the last id) to an empty page, or
// to a page shorter than the limit asked for. A task seen twice (moved
// while paging) is kept once, where it was first seen, with what was read
// last. If a later page is refused (400 or 404: its cursor task was
// deleted meanwhile), the listing starts over, twice at most. A page that
// brings nothing new, or ends on the cursor it was asked after, stops
// with an error, as does a project past 1,000,000 tasks.
func (c *Client) Tasks(ctx context.Context, projectID string) ([]Task, error) {
	if err := checkID("project", projectID); err != nil {
		return nil, fmt.Errorf("list the tasks: %w", err)
	}
	for restarts := 0; ; restarts++ {
		all, err := c.tasks(ctx, projectID)
		var gone *cursorGone
		if errors.As(err, &gone) && restarts < 2 {
			continue
		}
		return all, err
	}
}

// cursorGone is a page after the first refused as not found or invalid:
// most likely its cursor task was deleted since the page before.
type cursorGone struct{ err error }

func (e *cursorGone) Error() string { return e.err.Error() }
func (e *cursorGone) Unwrap() error { return e.err }

func (c *Client) tasks(ctx context.Context, projectID string) ([]Task, error) {
	fail := func(page int, format string, args ...any) ([]Task, error) {
		return nil, fmt.Errorf("list the tasks of project %s: page %d: %s", projectID, page, fmt.Sprintf(format, args...))
	}
	base := projectPath(projectID) + "/tasks"
	var all []Task
	index := map[string]int{}
	received := 0
	cursor := ""
	for page := 1; ; page++ {
		q := url.Values{}
		if c.pageSize > 0 {
			q.Set("limit", strconv.Itoa(c.pageSize))
		}
		if cursor != "" {
			q.Set("after", cursor)
		}
		path := base
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		var items []Task
		if err := c.items(ctx, get(path), &items); err != nil {
			err = fmt.Errorf("list the tasks of project %s: page %d: %w", projectID, page, err)
			if cursor != "" && (IsValidation(err) || IsNotFound(err)) {
				err = &cursorGone{err}
			}
			return nil, err
		}
		if len(items) == 0 {
			return all, nil
		}
		received += len(items)
		if received > 2*maxTasks {
			return fail(page, "the server sent more than %d tasks: stopped", 2*maxTasks)
		}
		fresh := 0
		for _, t := range items {
			if t.ID == "" {
				return fail(page, "a task has no id")
			}
			if i, ok := index[t.ID]; ok {
				all[i] = t
				continue
			}
			index[t.ID] = len(all)
			all = append(all, t)
			fresh++
		}
		if len(all) > maxTasks {
			return fail(page, "the project has more than %d tasks: stopped", maxTasks)
		}
		last := items[len(items)-1].ID
		if fresh == 0 || last == cursor {
			return fail(page, "the server sent the tasks after %s again: paging would not end, stopped", bound(cursor, 60))
		}
		cursor = last
		if c.pageSize > 0 && len(items) < c.pageSize {
			return all, nil
		}
	}
}

// Task reads one task. A task the server answers null for is nil, nil; one
// it does not know (or the user can't see) is an error IsNotFound holds of.
func (c *Client) Task(ctx context.Context, projectID, taskID string) (*Task, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return nil, fmt.Errorf("read the task: %w", err)
	}
	var t Task
	ok, err := c.item(ctx, get(taskPath(projectID, taskID)), &t, true)
	if err != nil {
		return nil, fmt.Errorf("read task %s: %w", taskID, err)
	}
	if !ok {
		return nil, nil
	}
	if t.ID == "" {
		return nil, fmt.Errorf("read task %s: the answer's task has no id", taskID)
	}
	return &t, nil
}

type wireNewTask struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
	TaskID      string `json:"taskId,omitempty"`
	Placement   string `json:"placement"`
}

// CreateTasks makes 1 to 20 tasks in one request, each placed as its
// Placement says, applied in order (so several AfterBegin of one task
// come out reversed). It returns the tasks made, as the server listed
// them. If the server lists a different number than were sent, the tasks
// it listed come back with an error: the create happened, so sending it
// again would make them twice.
func (c *Client) CreateTasks(ctx context.Context, projectID string, tasks []NewTask) ([]Task, error) {
	fail := func(err error) ([]Task, error) { return nil, fmt.Errorf("create tasks: %w", err) }
	if err := checkID("project", projectID); err != nil {
		return fail(err)
	}
	switch {
	case len(tasks) == 0:
		return fail(invalid("no tasks to create"))
	case len(tasks) > maxCreate:
		return fail(invalid("%d tasks in one create; Taskade takes at most %d", len(tasks), maxCreate))
	}
	body := struct {
		Tasks []wireNewTask `json:"tasks"`
	}{Tasks: make([]wireNewTask, len(tasks))}
	for i, t := range tasks {
		if err := checkText(fmt.Sprintf("text of task %d", i+1), t.Text, true); err != nil {
			return fail(err)
		}
		if t.TaskID == "" {
			if t.Placement != AfterBegin && t.Placement != BeforeEnd {
				return fail(invalid("task %d: a top-level task's placement is %q or %q, not %q", i+1, AfterBegin, BeforeEnd, t.Placement))
			}
		} else {
			if err := checkID("placement's task", t.TaskID); err != nil {
				return fail(fmt.Errorf("task %d: %w", i+1, err))
			}
			if err := checkPosition("placement", t.Placement); err != nil {
				return fail(fmt.Errorf("task %d: %w", i+1, err))
			}
		}
		body.Tasks[i] = wireNewTask{ContentType: TextPlain, Content: t.Text, TaskID: t.TaskID, Placement: t.Placement}
	}
	k := call{method: http.MethodPost, path: projectPath(projectID) + "/tasks/", body: body}
	var made []Task
	if _, err := c.item(ctx, k, &made, false); err != nil {
		return fail(err)
	}
	for _, t := range made {
		if t.ID == "" {
			return fail(fmt.Errorf("%s %s: a created task has no id", k.method, k.path))
		}
	}
	if len(made) != len(tasks) {
		return made, fmt.Errorf("create tasks: sent %d, the server lists %d made", len(tasks), len(made))
	}
	return made, nil
}

func checkPosition(what, p string) error {
	switch p {
	case BeforeBegin, AfterBegin, BeforeEnd, AfterEnd:
		return nil
	}
	return invalid("the %s %q is not one of %s, %s, %s, %s", what, p, BeforeBegin, AfterBegin, BeforeEnd, AfterEnd)
}

// SetText replaces a task's text, sent as text/plain: one line of at most
// 2000 characters.
func (c *Client) SetText(ctx context.Context, projectID, taskID, text string) (Task, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return Task{}, fmt.Errorf("set the task's text: %w", err)
	}
	if err := checkText("text", text, true); err != nil {
		return Task{}, fmt.Errorf("set the text of task %s: %w", taskID, err)
	}
	body := struct {
		ContentType string `json:"contentType"`
		Content     string `json:"content"`
	}{TextPlain, text}
	t, err := c.task(ctx, call{method: http.MethodPut, path: taskPath(projectID, taskID), body: body})
	if err != nil {
		return Task{}, fmt.Errorf("set the text of task %s: %w", taskID, err)
	}
	return t, nil
}

// Complete marks a task done (its subtasks are left as they are).
func (c *Client) Complete(ctx context.Context, projectID, taskID string) (Task, error) {
	return c.completion(ctx, projectID, taskID, "complete")
}

// Uncomplete marks a task not done.
func (c *Client) Uncomplete(ctx context.Context, projectID, taskID string) (Task, error) {
	return c.completion(ctx, projectID, taskID, "uncomplete")
}

func (c *Client) completion(ctx context.Context, projectID, taskID, verb string) (Task, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return Task{}, fmt.Errorf("%s the task: %w", verb, err)
	}
	t, err := c.task(ctx, call{method: http.MethodPost, path: taskPath(projectID, taskID) + "/" + verb})
	if err != nil {
		return Task{}, fmt.Errorf("%s task %s: %w", verb, taskID, err)
	}
	return t, nil
}

// Move puts a task (with its subtasks) at position relative to the target
// task: BeforeBegin or AfterEnd makes it the target's sibling, AfterBegin
// or BeforeEnd its first or last child. To move a card to another column,
// target the column with BeforeEnd (last card) or a card with
// BeforeBegin/AfterEnd.
func (c *Client) Move(ctx context.Context, projectID, taskID, targetID, position string) (Task, error) {
	if err := checkIDs("project", projectID, "task", taskID, "target task", targetID); err != nil {
		return Task{}, fmt.Errorf("move the task: %w", err)
	}
	if err := checkPosition("position", position); err != nil {
		return Task{}, fmt.Errorf("move task %s: %w", taskID, err)
	}
	if targetID == taskID {
		return Task{}, fmt.Errorf("move task %s: %w", taskID, invalid("a task can't be placed relative to itself"))
	}
	type target struct {
		TaskID   string `json:"taskId"`
		Position string `json:"position"`
	}
	body := struct {
		Target target `json:"target"`
	}{target{targetID, position}}
	t, err := c.task(ctx, call{method: http.MethodPut, path: taskPath(projectID, taskID) + "/move", body: body})
	if err != nil {
		return Task{}, fmt.Errorf("move task %s: %w", taskID, err)
	}
	return t, nil
}

// DeleteTask deletes a task and its subtasks.
func (c *Client) DeleteTask(ctx context.Context, projectID, taskID string) error {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return fmt.Errorf("delete the task: %w", err)
	}
	if err := c.ok(ctx, call{method: http.MethodDelete, path: taskPath(projectID, taskID)}); err != nil {
		return fmt.Errorf("delete task %s: %w", taskID, err)
	}
	return nil
}

// Date reads a task's date: nil when it has none. An end that is a period
// rather than a day is left out (End nil).
func (c *Client) Date(ctx context.Context, projectID, taskID string) (*TaskDate, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return nil, fmt.Errorf("read the task's date: %w", err)
	}
	var w wireTaskDate
	ok, err := c.item(ctx, get(taskPath(projectID, taskID)+"/date"), &w, true)
	if err != nil {
		return nil, fmt.Errorf("read the date of task %s: %w", taskID, err)
	}
	if !ok {
		return nil, nil
	}
	d, err := readTaskDate(w)
	if err != nil {
		return nil, fmt.Errorf("read the date of task %s: %w", taskID, err)
	}
	return d, nil
}

var (
	timeRE = regexp.MustCompile(`^(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$`)
	zoneRE = regexp.MustCompile(`^[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*$`)
)

func checkDate(what string, d Date) error {
	if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
		return invalid("the %s %q is not a day as YYYY-MM-DD", what, d.Date)
	}
	if d.Time != "" && !timeRE.MatchString(d.Time) {
		return invalid("the %s's time %q is not HH:MM or HH:MM:SS", what, d.Time)
	}
	if d.Timezone != "" && (len(d.Timezone) > 64 || !zoneRE.MatchString(d.Timezone)) {
		return invalid("the %s's time zone %q is not an IANA name", what, d.Timezone)
	}
	return nil
}

// SetDate sets a task's date: a day (with an optional time and zone), or a
// range when d.End is set.
func (c *Client) SetDate(ctx context.Context, projectID, taskID string, d TaskDate) (Task, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return Task{}, fmt.Errorf("set the task's date: %w", err)
	}
	if err := checkDate("start date", d.Start); err != nil {
		return Task{}, fmt.Errorf("set the date of task %s: %w", taskID, err)
	}
	body := struct {
		Start wireDate  `json:"start"`
		End   *wireDate `json:"end,omitempty"`
	}{Start: d.Start.wire()}
	if d.End != nil {
		if err := checkDate("end date", *d.End); err != nil {
			return Task{}, fmt.Errorf("set the date of task %s: %w", taskID, err)
		}
		if d.End.Date < d.Start.Date {
			return Task{}, fmt.Errorf("set the date of task %s: %w", taskID, invalid("the end %s is before the start %s", d.End.Date, d.Start.Date))
		}
		w := d.End.wire()
		body.End = &w
	}
	t, err := c.task(ctx, call{method: http.MethodPut, path: taskPath(projectID, taskID) + "/date", body: body})
	if err != nil {
		return Task{}, fmt.Errorf("set the date of task %s: %w", taskID, err)
	}
	return t, nil
}

// ClearDate removes a task's date.
func (c *Client) ClearDate(ctx context.Context, projectID, taskID string) (Task, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return Task{}, fmt.Errorf("clear the task's date: %w", err)
	}
	t, err := c.task(ctx, call{method: http.MethodDelete, path: taskPath(projectID, taskID) + "/date"})
	if err != nil {
		return Task{}, fmt.Errorf("clear the date of task %s: %w", taskID, err)
	}
	return t, nil
}

// Note reads a task's note: nil when it has none.
func (c *Client) Note(ctx context.Context, projectID, taskID string) (*Note, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return nil, fmt.Errorf("read the task's note: %w", err)
	}
	var n Note
	ok, err := c.item(ctx, get(taskPath(projectID, taskID)+"/note"), &n, true)
	if err != nil {
		return nil, fmt.Errorf("read the note of task %s: %w", taskID, err)
	}
	if !ok {
		return nil, nil
	}
	n.Type = bound(n.Type, 100)
	return &n, nil
}

// SetNote sets a task's note: n.Value is one line of 1 to 2000
// characters, n.Type text/plain (the default when "") or text/markdown.
// To remove a note, ClearNote.
func (c *Client) SetNote(ctx context.Context, projectID, taskID string, n Note) (Note, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return Note{}, fmt.Errorf("set the task's note: %w", err)
	}
	fail := func(err error) (Note, error) { return Note{}, fmt.Errorf("set the note of task %s: %w", taskID, err) }
	if n.Type == "" {
		n.Type = TextPlain
	}
	if n.Type != TextPlain && n.Type != TextMarkdown {
		return fail(invalid("the note's type %q is not %s or %s", n.Type, TextPlain, TextMarkdown))
	}
	if n.Value == "" {
		return fail(invalid("the note is empty (ClearNote removes a note)"))
	}
	if err := checkText("note", n.Value, true); err != nil {
		return fail(err)
	}
	var out Note
	if _, err := c.item(ctx, call{method: http.MethodPut, path: taskPath(projectID, taskID) + "/note", body: n}, &out, false); err != nil {
		return fail(err)
	}
	out.Type = bound(out.Type, 100)
	return out, nil
}

// ClearNote removes a task's note.
func (c *Client) ClearNote(ctx context.Context, projectID, taskID string) error {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return fmt.Errorf("clear the task's note: %w", err)
	}
	if err := c.ok(ctx, call{method: http.MethodDelete, path: taskPath(projectID, taskID) + "/note"}); err != nil {
		return fmt.Errorf("clear the note of task %s: %w", taskID, err)
	}
	return nil
}

// Assignees lists the users assigned to a task.
func (c *Client) Assignees(ctx context.Context, projectID, taskID string) ([]User, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return nil, fmt.Errorf("list the task's assignees: %w", err)
	}
	var out []User
	if err := c.items(ctx, get(taskPath(projectID, taskID)+"/assignees"), &out); err != nil {
		return nil, fmt.Errorf("list the assignees of task %s: %w", taskID, err)
	}
	for _, u := range out {
		if u.Handle == "" {
			return nil, fmt.Errorf("list the assignees of task %s: an assignee has no handle", taskID)
		}
	}
	return out, nil
}

// maxHandles bounds one SetAssignees.
const maxHandles = 100

// SetAssignees assigns users (by handle, each a project member) to a task.
// Whether Taskade adds them to the assignees or replaces those is not
// specified (its test server adds); Unassign removes one.
func (c *Client) SetAssignees(ctx context.Context, projectID, taskID string, handles []string) (Task, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return Task{}, fmt.Errorf("assign the task: %w", err)
	}
	fail := func(err error) (Task, error) { return Task{}, fmt.Errorf("assign task %s: %w", taskID, err) }
	switch {
	case len(handles) == 0:
		return fail(invalid("no handles (Unassign removes an assignee)"))
	case len(handles) > maxHandles:
		return fail(invalid("%d handles in one request; at most %d", len(handles), maxHandles))
	}
	for _, h := range handles {
		if err := checkID("user handle", h); err != nil {
			return fail(err)
		}
	}
	body := struct {
		Handles []string `json:"handles"`
	}{handles}
	t, err := c.task(ctx, call{method: http.MethodPut, path: taskPath(projectID, taskID) + "/assignees", body: body})
	if err != nil {
		return fail(err)
	}
	return t, nil
}

// Unassign removes one user from a task's assignees.
func (c *Client) Unassign(ctx context.Context, projectID, taskID, handle string) (Task, error) {
	if err := checkIDs("project", projectID, "task", taskID, "user handle", handle); err != nil {
		return Task{}, fmt.Errorf("unassign: %w", err)
	}
	t, err := c.task(ctx, call{method: http.MethodDelete, path: taskPath(projectID, taskID) + "/assignees/" + esc(handle)})
	if err != nil {
		return Task{}, fmt.Errorf("unassign %s from task %s: %w", handle, taskID, err)
	}
	return t, nil
}

// FieldValues lists a task's values of the project's custom fields.
func (c *Client) FieldValues(ctx context.Context, projectID, taskID string) ([]FieldValue, error) {
	if err := checkIDs("project", projectID, "task", taskID); err != nil {
		return nil, fmt.Errorf("list the task's field values: %w", err)
	}
	var raw []wireFieldValue
	if err := c.items(ctx, get(taskPath(projectID, taskID)+"/fields"), &raw); err != nil {
		return nil, fmt.Errorf("list the field values of task %s: %w", taskID, err)
	}
	out := make([]FieldValue, 0, len(raw))
	for _, w := range raw {
		if w.FieldID == "" {
			return nil, fmt.Errorf("list the field values of task %s: a value has no field id", taskID)
		}
		v := FieldValue{FieldID: w.FieldID}
		if !isNull(w.Value) {
			v.Value = w.Value
		}
		out = append(out, v)
	}
	return out, nil
}

// maxFieldString bounds a string field value.
const maxFieldString = 10_000

// SetField sets a task's value of a field: a non-empty string (a Select's
// option id, a text) or a number (float64, or any Go integer).
func (c *Client) SetField(ctx context.Context, projectID, taskID, fieldID string, value any) error {
	if err := checkIDs("project", projectID, "task", taskID, "field", fieldID); err != nil {
		return fmt.Errorf("set the task's field: %w", err)
	}
	fail := func(err error) error { return fmt.Errorf("set field %s of task %s: %w", fieldID, taskID, err) }
	var v any
	switch x := value.(type) {
	case string:
		if x == "" {
			return fail(invalid("the value is empty (ClearField removes a value)"))
		}
		if textLen(x) > maxFieldString {
			return fail(invalid("the value is over %d characters", maxFieldString))
		}
		v = x
	case float64:
		v = x
	case float32:
		v = float64(x)
	case int:
		v = x
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		v = x
	default:
		return fail(invalid("a field value is a string or a number, not %T", value))
	}
	if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return fail(invalid("the value %v is not a finite number", f))
	}
	body := struct {
		Value any `json:"value"`
	}{v}
	if err := c.ok(ctx, call{method: http.MethodPut, path: taskPath(projectID, taskID) + "/fields/" + esc(fieldID), body: body}); err != nil {
		return fail(err)
	}
	return nil
}

// ClearField removes a task's value of a field.
func (c *Client) ClearField(ctx context.Context, projectID, taskID, fieldID string) error {
	if err := checkIDs("project", projectID, "task", taskID, "field", fieldID); err != nil {
		return fmt.Errorf("clear the task's field: %w", err)
	}
	if err := c.ok(ctx, call{method: http.MethodDelete, path: taskPath(projectID, taskID) + "/fields/" + esc(fieldID)}); err != nil {
		return fmt.Errorf("clear field %s of task %s: %w", fieldID, taskID, err)
	}
	return nil
}
