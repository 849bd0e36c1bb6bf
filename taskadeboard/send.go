package taskadeboard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/wire"
)

// Taskade has no idempotency keys and no versions, and an answer can be
// lost after the server made the change (the connection reset, lanes was
// killed). The engine sends such a change again, under the same key; what
// Send does with it keeps every change made exactly once:
//
//   - A create is recorded (durably, in the knowledge file) before it is
//     first sent, with the tasks of the same text already under its
//     parent. Sent again, lanes first reads the project: a task of that
//     text under that parent that was not there before (and that no other
//     create has taken) is the one the lost answer would have named, and
//     is adopted; only if there is none is it sent again.
//   - An edit of a title is re-sent only if the server's text still
//     differs from the one lanes sends (it may have landed).
//   - A move, a completion, a date, a note, assignees and field values set
//     a value: sending one again changes nothing more.
//   - A delete of what is already gone is what was asked for.
//
// A record stays until its change is answered or refused (a create's, for
// attemptsKept: see done), and is dropped after attemptsKept if nothing
// comes for it.
type attempt struct {
	Op     string    `json:"op"`
	Parent string    `json:"parent,omitempty"` // a create's parent ("" for a column)
	Text   string    `json:"text,omitempty"`
	Before []string  `json:"before,omitempty"` // same-text tasks there when it was first sent
	Made   string    `json:"made,omitempty"`   // the task a create made, once known
	At     time.Time `json:"at"`
}

// Send makes one change of a card (board.Remote).
func (r *Remote) Send(ctx context.Context, q board.Request) (*board.Card, error) {
	r.load()
	// What is there decides where a card goes and whether it is gone.
	if err := r.ensureListed(ctx); err != nil {
		return nil, err
	}
	var id string
	switch q.Op {
	case board.OpCreate:
		m := q.Create
		parent, title := m.ParentID, ""
		if parent == "" && m.StatusID != nil {
			parent = *m.StatusID
		}
		if m.Title != nil {
			title = *m.Title
		}
		if parent == "" {
			return nil, refused("a card needs a column")
		}
		made, err := r.create(ctx, q.Key, parent, title, m.Position)
		if err != nil {
			return nil, err
		}
		id = made
		p := board.Patch{Due: m.Due, Priority: m.Priority}
		if m.Description != nil && *m.Description != "" {
			p.Description = m.Description
		}
		if m.ParentID == "" && r.isDoneColumn(parent) {
			// Made in the Done column: a done card, as the board shows it.
			at := m.At
			p.CompletedAt = &at
		}
		if err := r.patch(ctx, q.Key, id, p); err != nil {
			return nil, err
		}
	case board.OpPatch:
		id = q.TaskID
		if err := r.patch(ctx, q.Key, id, q.Patch); err != nil {
			return nil, err
		}
	case board.OpDelete:
		if err := r.c.DeleteTask(ctx, r.project, q.TaskID); err != nil && !taskade.IsNotFound(err) {
			return nil, classify("delete", err)
		}
		r.forget(q.TaskID)
		r.done(ctx, q.Key)
		return nil, nil
	case board.OpAssign, board.OpUnassign:
		id = q.TaskID
		if err := r.assign(ctx, id, q.UserID, q.Op == board.OpAssign); err != nil {
			return nil, err
		}
	case board.OpComment:
		return nil, refused(r.Lacks(board.FeatureComments))
	case board.OpRestore:
		return nil, refused("Taskade keeps no deleted task to bring back")
	default:
		return nil, refused(fmt.Sprintf("lanes can't send %q to Taskade", q.Op))
	}
	r.done(ctx, q.Key)
	c := r.cardOf(id)
	if c == nil {
		return nil, &board.Failure{Class: board.Gone, Message: "it is no longer in the project"}
	}
	return c, nil
}

func refused(msg string) error { return &board.Failure{Class: board.Refused, Message: msg} }

// create makes a task of text under parent (or at the top level, for a
// column, when parent is ""), placed at pos among its siblings (nil: the
// end), unless an earlier send of the same key made it already.
func (r *Remote) create(ctx context.Context, key, parent, text string, pos *string) (string, error) {
	r.mu.Lock()
	a := r.attempts[key]
	r.mu.Unlock()
	switch {
	case a != nil && a.Made != "":
		// Made; what followed it is owed. lanes knows the task if it
		// wrote the record, but read the project if it does not.
		r.mu.Lock()
		_, known := r.tasks[a.Made]
		r.mu.Unlock()
		if !known {
			if err := r.list(ctx); err != nil {
				return "", err
			}
		}
		return a.Made, nil
	case a != nil:
		// Sent before, answer unknown: did it land? If a lanes killed
		// since sent it, its request may still be on its way: wait until
		// it would have landed.
		r.mu.Lock()
		mine := r.mine[key]
		r.mine[key] = true
		at := a.At
		r.mu.Unlock()
		// A time in the future (a clock that was ahead) waits no longer
		// than a request can take.
		if wait := min(time.Until(at.Add(r.settle)), r.settle); !mine && wait > 0 {
			if err := wire.Sleep(ctx, wait); err != nil {
				return "", classify("add", err)
			}
		}
		// From the list on, no other create of this Remote is on its
		// way: one that was would be in the list and not yet taken, and
		// this one would adopt its task.
		r.placeMu.Lock()
		defer r.placeMu.Unlock()
		if err := r.list(ctx); err != nil {
			return "", err
		}
		if id := r.adopt(key, a); id != "" {
			return id, r.save(ctx, true)
		}
		// Sent again: a lanes killed from here on must wait for this
		// request to land, not only for the first.
		r.mu.Lock()
		a.At = r.now()
		r.mu.Unlock()
		if err := r.save(ctx, true); err != nil {
			return "", &board.Failure{Class: board.Transient, Message: "can't record the change before sending it: " + err.Error(), Err: err}
		}
	default:
		// The same-text tasks already there are as the server had them
		// when this Remote last read it (Send and Reshape read it first).
		r.mu.Lock()
		a = &attempt{Op: "create", Parent: parent, Text: text, Before: r.sameText(parent, text), At: r.now()}
		r.attempts[key], r.mine[key] = a, true
		r.mu.Unlock()
		if err := r.save(ctx, true); err != nil {
			r.mu.Lock()
			delete(r.attempts, key)
			r.mu.Unlock()
			return "", &board.Failure{Class: board.Transient, Message: "can't record the change before sending it: " + err.Error(), Err: err}
		}
		r.placeMu.Lock()
		defer r.placeMu.Unlock()
	}
	r.mu.Lock()
	nt := r.placement(parent, "", pos)
	r.mu.Unlock()
	nt.Text = text
	made, err := r.c.CreateTasks(ctx, r.project, []taskade.NewTask{nt})
	if err == nil && len(made) == 0 {
		err = fmt.Errorf("Taskade made no task")
	}
	if err != nil {
		f := classify("add", err)
		var te *taskade.Error
		if failureClass(f) == board.Refused && !errors.As(err, &te) && !errors.Is(err, taskade.ErrInvalid) {
			// Taskade answered, but not with a task lanes can take: it
			// may well have made it. As after a lost answer, the record
			// stays and the next send looks for it.
			return "", &board.Failure{Class: board.Transient, Message: "Taskade's answer to a create can't be read: " + shortErr(err), Err: err}
		}
		if failureClass(f) == board.Refused || failureClass(f) == board.Gone {
			r.done(ctx, key) // refused: it was not made
		}
		return "", f
	}
	t := made[0]
	r.mu.Lock()
	if old, known := r.tasks[t.ID]; known && (old.ParentID != parent || old.Text != text) || slices.Contains(a.Before, t.ID) {
		// Another task (a broken answer): as after a lost one, the next
		// send looks for what was made.
		r.mu.Unlock()
		return "", &board.Failure{Class: board.Transient, Message: "Taskade answered a create with another task"}
	}
	a.Made = t.ID
	// Where lanes asked for it (a list says if Taskade put it elsewhere):
	// an answer's parent may be anything, the task itself included.
	t.ParentID = parent
	r.place(t, pos, nt)
	r.dirty = true
	r.mu.Unlock()
	r.save(ctx, false)
	return t.ID, nil
}

func failureClass(err error) board.FailureClass {
	if f, ok := err.(*board.Failure); ok {
		return f.Class
	}
	return board.Transient
}

// sameText are the tasks of text under parent.
func (r *Remote) sameText(parent, text string) []string {
	var out []string
	for _, id := range r.kids[parent] {
		if r.tasks[id].Text == text {
			out = append(out, id)
		}
	}
	return out
}

// adopt is the task an unanswered create of a made, if the list shows
// one: of its text, under its parent, new since, and not another's.
func (r *Remote) adopt(key string, a *attempt) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	taken := map[string]bool{}
	for k, o := range r.attempts {
		if k != key && o.Made != "" {
			taken[o.Made] = true
		}
	}
	for _, id := range r.kids[a.Parent] {
		if r.tasks[id].Text == a.Text && !slices.Contains(a.Before, id) && !taken[id] {
			a.Made = id
			r.dirty = true
			return id
		}
	}
	return ""
}

// done forgets the record of a change once it is answered or refused;
// but a create that made a task is remembered (for attemptsKept): the
// engine notes the answer in its outbox after this, and lanes killed
// between the two sends the create again, which must then find the task
// it made rather than make another.
func (r *Remote) done(ctx context.Context, key string) {
	r.mu.Lock()
	a, had := r.attempts[key]
	if had && a.Made != "" {
		r.mu.Unlock()
		return
	}
	delete(r.attempts, key)
	if had {
		r.dirty = true
	}
	r.mu.Unlock()
	if had {
		r.save(ctx, false)
	}
}

// placement is where a task goes to stand at pos among parent's children
// (moving is the task moving; "" for a new one): before the first child
// whose key is after pos, else after the last, else into parent.
func (r *Remote) placement(parent, moving string, pos *string) taskade.NewTask {
	var sibs []string
	for _, id := range r.kids[parent] {
		if id != moving {
			sibs = append(sibs, id)
		}
	}
	if pos != nil {
		for _, id := range sibs {
			if r.tasks[id].Key > *pos {
				return taskade.NewTask{TaskID: id, Placement: taskade.BeforeBegin}
			}
		}
	}
	if len(sibs) > 0 {
		return taskade.NewTask{TaskID: sibs[len(sibs)-1], Placement: taskade.AfterEnd}
	}
	if parent == "" {
		return taskade.NewTask{Placement: taskade.BeforeEnd}
	}
	return taskade.NewTask{TaskID: parent, Placement: taskade.BeforeEnd}
}

// place puts t where nt put it, in what lanes knows, with the key pos (or
// one after its new neighbour).
func (r *Remote) place(t taskade.Task, pos *string, nt taskade.NewTask) {
	old, had := r.tasks[t.ID]
	n := &task{Task: t}
	if had {
		*n = *old
		n.Task = t
		r.kids[old.ParentID] = slices.DeleteFunc(r.kids[old.ParentID], func(id string) bool { return id == t.ID })
	}
	r.changes++
	n.seq = r.changes
	r.tasks[t.ID] = n
	sibs := r.kids[t.ParentID]
	i := len(sibs)
	if nt.Placement == taskade.BeforeBegin {
		if j := slices.Index(sibs, nt.TaskID); j >= 0 {
			i = j
		}
	}
	if nt.Placement == taskade.AfterEnd {
		if j := slices.Index(sibs, nt.TaskID); j >= 0 {
			i = j + 1
		}
	}
	r.kids[t.ParentID] = slices.Insert(sibs, i, t.ID)
	n.Key = ""
	if pos != nil {
		n.Key = *pos
	}
	r.rekey(t.ParentID)
}

// forget takes a deleted task and its subtasks out of what lanes knows.
func (r *Remote) forget(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tasks[id]
	if !ok {
		return
	}
	r.kids[t.ParentID] = slices.DeleteFunc(r.kids[t.ParentID], func(k string) bool { return k == id })
	var gone []string
	r.walk([]string{id}, func(k string) { gone = append(gone, k) })
	for _, k := range gone {
		delete(r.kids, k)
		delete(r.tasks, k)
	}
	r.dirty = true
}

// patch sends what p sets, one request for each part, in an order that
// leaves the card right if it stops half way and is sent again: place
// first, then completion, then the rest.
func (r *Remote) patch(ctx context.Context, key, id string, p board.Patch) error {
	r.mu.Lock()
	t, ok := r.tasks[id]
	var cur task
	if ok {
		cur = *t
	}
	fields := r.fields
	r.mu.Unlock()
	if !ok {
		return &board.Failure{Class: board.Gone, Message: "it is no longer in the project"}
	}
	col := r.columnOf(id)
	// Where it goes.
	target := col
	if p.StatusID != nil && cur.ParentID == col {
		target = *p.StatusID
	}
	moved := target != col || p.Position != nil
	if moved {
		parent := cur.ParentID
		if target != col {
			parent = target
		}
		if err := r.move(ctx, id, parent, p.Position); err != nil {
			return err
		}
	}
	// Done or not: asked for, or the Done column's rule on a move.
	complete := r.settled(moved, target, cur.Completed)
	switch {
	case p.CompletedAt != nil:
		complete = ptr(true)
	case p.ClearCompleted:
		complete = ptr(false)
	}
	if complete != nil {
		if err := r.setCompleted(ctx, id, *complete, p.CompletedAt); err != nil {
			return err
		}
	}
	if p.Title != nil {
		if err := r.setText(ctx, key, id, *p.Title); err != nil {
			return err
		}
	}
	if p.Description != nil {
		note := oneLine(*p.Description)
		var err error
		if note == "" {
			err = r.cleared(ctx, id, r.c.ClearNote(ctx, r.project, id))
		} else {
			_, err = r.c.SetNote(ctx, r.project, id, taskade.Note{Type: taskade.TextPlain, Value: note})
		}
		if err != nil {
			return classify("change the description", err)
		}
		r.update(id, func(t *task) { t.Note = note })
	}
	switch {
	case p.ClearDue:
		if _, err := r.c.ClearDate(ctx, r.project, id); r.cleared(ctx, id, err) != nil {
			return classify("clear the due date", err)
		}
		r.update(id, func(t *task) { t.Due = nil })
	case p.Due != nil:
		day := p.Due.Format(time.DateOnly)
		if _, err := r.c.SetDate(ctx, r.project, id, taskade.TaskDate{Start: taskade.Date{Date: day}}); err != nil {
			return classify("set the due date", err)
		}
		d, _ := time.Parse(time.DateOnly, day)
		r.update(id, func(t *task) { t.Due = &d })
	}
	if p.Priority != nil {
		if err := r.setPriority(ctx, fields, id, *p.Priority); err != nil {
			return err
		}
	}
	if p.Labels != nil {
		if err := r.setLabels(ctx, fields, id, *p.Labels); err != nil {
			return err
		}
	}
	if p.Estimate != nil || p.ClearEstimate {
		return refused(r.Lacks(board.FeatureEstimate))
	}
	if p.Archived != nil {
		return refused(r.Lacks(board.FeatureArchive))
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// oneLine is a description as a Taskade note holds it: one line (a note
// may hold no line break), its lines joined by spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cleared is err from clearing something of task id (its note, date,
// field, an assignee), or nil when it is a 404 for what was already clear:
// Taskade says 404 both for "it had none" and "the task is gone", so lanes
// asks whether the task is still there.
func (r *Remote) cleared(ctx context.Context, id string, err error) error {
	if !taskade.IsNotFound(err) {
		return err
	}
	if t, terr := r.c.Task(ctx, r.project, id); terr == nil && t != nil {
		return nil
	}
	return err
}

// columnOf is the column task id is in, as lanes knows it.
func (r *Remote) columnOf(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.column(id)
}

// hasDoneColumn says the project has a column named Done.
func (r *Remote) hasDoneColumn() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range r.kids[""] {
		if isDone(r.tasks[id].Text) {
			return true
		}
	}
	return false
}

func (r *Remote) isDoneColumn(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tasks[id]
	return ok && t.ParentID == "" && isDone(t.Text)
}

// update changes what lanes knows of task id.
func (r *Remote) update(id string, fn func(*task)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.tasks[id]; ok {
		fn(t)
		r.changes++
		t.seq = r.changes
		r.dirty = true
	}
}

// move puts task id under parent at pos among its children.
func (r *Remote) move(ctx context.Context, id, parent string, pos *string) error {
	r.placeMu.Lock()
	defer r.placeMu.Unlock()
	r.mu.Lock()
	nt := r.placement(parent, id, pos)
	r.mu.Unlock()
	target, where := nt.TaskID, nt.Placement
	if target == "" {
		return refused("lanes can't move a column to an empty board")
	}
	_, err := r.c.Move(ctx, r.project, id, target, where)
	if err != nil {
		return classify("move", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tasks[id]
	if !ok {
		return nil
	}
	// Where lanes asked for it: the answer's parent may be anything (the
	// task itself, or its own subtask), and a list says if Taskade put
	// it elsewhere.
	moved := t.Task
	moved.ParentID = parent
	r.place(moved, pos, nt)
	r.dirty = true
	return nil
}

// setText sets a task's text, unless an earlier send of the same key
// already did (see attempt).
func (r *Remote) setText(ctx context.Context, key, id, text string) error {
	r.mu.Lock()
	_, again := r.attempts[key]
	r.mu.Unlock()
	if again {
		t, err := r.c.Task(ctx, r.project, id)
		if err != nil {
			return classify("rename", err)
		}
		if t == nil {
			return &board.Failure{Class: board.Gone, Message: "it is no longer in the project"}
		}
		if t.Text == text {
			r.update(id, func(t *task) { t.Text = text })
			return nil
		}
	} else {
		r.mu.Lock()
		r.attempts[key] = &attempt{Op: "edit", Text: text, At: r.now()}
		r.mu.Unlock()
		if err := r.save(ctx, true); err != nil {
			r.mu.Lock()
			delete(r.attempts, key)
			r.mu.Unlock()
			return &board.Failure{Class: board.Transient, Message: "can't record the change before sending it: " + err.Error(), Err: err}
		}
	}
	got, err := r.c.SetText(ctx, r.project, id, text)
	if err != nil {
		return classify("rename", err)
	}
	r.update(id, func(t *task) { t.Text = cmp.Or(got.Text, text) })
	return nil
}

// assign adds or takes off an assignee (a Taskade handle).
func (r *Remote) assign(ctx context.Context, id, handle string, on bool) error {
	if !on {
		if _, err := r.c.Unassign(ctx, r.project, id, handle); r.cleared(ctx, id, err) != nil {
			return classify("unassign", err)
		}
		r.update(id, func(t *task) {
			t.Assignees = slices.DeleteFunc(slices.Clone(t.Assignees), func(h string) bool { return h == handle })
		})
		return nil
	}
	// The whole set goes, read afresh: whether Taskade's PUT adds to the
	// assignees or replaces them, the card ends with what it has now
	// (someone may have assigned another since lanes last read it) and
	// the new one.
	us, err := r.c.Assignees(ctx, r.project, id)
	if err != nil {
		return classify("assign", err)
	}
	var have []string
	for _, u := range us {
		if u.Handle != "" {
			have = append(have, u.Handle)
		}
	}
	if !slices.Contains(have, handle) {
		have = append(have, handle)
	}
	if _, err := r.c.SetAssignees(ctx, r.project, id, have); err != nil {
		return classify("assign", err)
	}
	r.update(id, func(t *task) { t.Assignees = have })
	return nil
}

func (r *Remote) setPriority(ctx context.Context, fs fieldSet, id string, p board.Priority) error {
	if fs.priority == nil {
		return refused(cmp.Or(r.Lacks(board.FeaturePriority), "this Taskade project has no Priority field"))
	}
	var err error
	if p == board.PriorityNone {
		err = r.cleared(ctx, id, r.c.ClearField(ctx, r.project, id, fs.priority.ID))
	} else {
		opt, ok := fs.priorityOption(p)
		if !ok {
			return refused(fmt.Sprintf("the Priority field has no option %q", p))
		}
		err = r.c.SetField(ctx, r.project, id, fs.priority.ID, opt)
	}
	if err != nil {
		return classify("change the priority", err)
	}
	r.update(id, func(t *task) { t.Priority = p })
	return nil
}

func (r *Remote) setLabels(ctx context.Context, fs fieldSet, id string, labels []string) error {
	if fs.labels == nil {
		return refused(cmp.Or(r.Lacks(board.FeatureLabels), "this Taskade project has no Labels field"))
	}
	var err error
	switch len(labels) {
	case 0:
		err = r.cleared(ctx, id, r.c.ClearField(ctx, r.project, id, fs.labels.ID))
	case 1:
		err = r.c.SetField(ctx, r.project, id, fs.labels.ID, labels[0])
	default:
		return refused("Taskade's Labels field holds one label per card")
	}
	if err != nil {
		return classify("change the labels", err)
	}
	r.update(id, func(t *task) { t.Labels = slices.Clone(labels) })
	return nil
}

// ensureListed reads the project unless lanes has since it started:
// changes waiting at start are sent before the first fetch, and where
// one goes (and whether its card is gone) depends on what is there. Send
// and Reshape call it before anything else.
func (r *Remote) ensureListed(ctx context.Context) error {
	r.mu.Lock()
	listed := r.listed
	r.mu.Unlock()
	if listed {
		return nil
	}
	return r.list(ctx)
}

// Reshape changes a column: a top-level task (board.Remote).
func (r *Remote) Reshape(ctx context.Context, q board.Request) (board.Shape, error) {
	r.load()
	if err := r.ensureListed(ctx); err != nil {
		return board.Shape{}, err
	}
	m := q.Shape
	switch q.Op {
	case board.OpColumnCreate:
		if m.WipLimit != nil && *m.WipLimit > 0 {
			return board.Shape{}, refused(r.Lacks(board.FeatureWipLimits))
		}
		name := ""
		if m.Title != nil {
			name = *m.Title
		}
		id, err := r.create(ctx, q.Key, "", name, r.columnKey(m.Index))
		if err != nil {
			return board.Shape{}, err
		}
		r.done(ctx, q.Key)
		return board.Shape{Column: &board.Column{ID: id, Name: name, IsDone: isDone(name)}}, nil
	case board.OpColumnPatch:
		if m.WipLimit != nil || m.Done != nil {
			what := board.FeatureWipLimits
			if m.Done != nil {
				what = board.FeatureDoneToggle
			}
			return board.Shape{}, refused(r.Lacks(what))
		}
		if m.Index != nil {
			if err := r.move(ctx, q.TaskID, "", r.columnKey(m.Index, q.TaskID)); err != nil {
				return board.Shape{}, err
			}
		}
		if m.Title != nil {
			if err := r.setText(ctx, q.Key, q.TaskID, *m.Title); err != nil {
				return board.Shape{}, err
			}
		}
		r.done(ctx, q.Key)
		r.mu.Lock()
		defer r.mu.Unlock()
		t, ok := r.tasks[q.TaskID]
		if !ok {
			return board.Shape{}, &board.Failure{Class: board.Gone, Message: "the column is no longer in the project"}
		}
		return board.Shape{Column: &board.Column{ID: t.ID, Name: t.Text, IsDone: isDone(t.Text)}}, nil
	case board.OpColumnDelete:
		// Its cards go first (deleting a task deletes what is under it):
		// those Taskade has there now, not only those the last fetch saw,
		// or a card added there meanwhile would go with the column.
		r.mu.Lock()
		known := slices.Clone(r.kids[q.TaskID])
		r.mu.Unlock()
		if err := r.list(ctx); err != nil {
			return board.Shape{}, err
		}
		r.mu.Lock()
		cards := slices.Clone(r.kids[q.TaskID])
		if m.StatusID != nil {
			// Moved by an earlier send whose answer was lost: its
			// completion may still be owed.
			for _, id := range known {
				if t, ok := r.tasks[id]; ok && t.ParentID == *m.StatusID && !slices.Contains(cards, id) {
					cards = append(cards, id)
				}
			}
		}
		r.mu.Unlock()
		if m.StatusID == nil && len(cards) > 0 {
			return board.Shape{}, refused("the column has cards in Taskade now: move them first")
		}
		for _, id := range cards {
			if err := r.moveOut(ctx, id, *m.StatusID); err != nil {
				return board.Shape{}, err
			}
		}
		if err := r.c.DeleteTask(ctx, r.project, q.TaskID); err != nil && !taskade.IsNotFound(err) {
			return board.Shape{}, classify("delete the column", err)
		}
		r.forget(q.TaskID)
		r.done(ctx, q.Key)
		return board.Shape{}, nil
	case board.OpLabelCreate:
		return board.Shape{}, refused("Taskade's API can't add options to the Labels field: add the label in Taskade")
	}
	return board.Shape{}, refused(fmt.Sprintf("lanes can't send %q to Taskade", q.Op))
}

// moveOut moves a card out of a column being deleted to the end of column
// to (unless an earlier send whose answer was lost did), completing or
// reopening it as a move does (settled).
func (r *Remote) moveOut(ctx context.Context, id, to string) error {
	if r.columnOf(id) != to {
		if err := r.move(ctx, id, to, nil); err != nil {
			return err
		}
	}
	r.mu.Lock()
	t, ok := r.tasks[id]
	completed := ok && t.Completed
	r.mu.Unlock()
	if !ok {
		return nil
	}
	if complete := r.settled(true, to, completed); complete != nil {
		return r.setCompleted(ctx, id, *complete, nil)
	}
	return nil
}

// settled is what a card's completion becomes when it is moved (or
// reordered) into column target, as the board has it
// (board.State.settleCompletion): complete in the done column, open in
// any other on a board that has a done column; nil when it stays as it is.
func (r *Remote) settled(moved bool, target string, completed bool) *bool {
	switch {
	case !moved:
	case r.isDoneColumn(target) && !completed:
		return ptr(true)
	case !r.isDoneColumn(target) && r.hasDoneColumn() && completed:
		return ptr(false)
	}
	return nil
}

// setCompleted completes (at at, if given) or reopens task id, on Taskade
// and in what lanes knows.
func (r *Remote) setCompleted(ctx context.Context, id string, done bool, at *time.Time) error {
	var err error
	if done {
		_, err = r.c.Complete(ctx, r.project, id)
	} else {
		_, err = r.c.Uncomplete(ctx, r.project, id)
	}
	if err != nil {
		return classify("complete", err)
	}
	r.update(id, func(t *task) {
		t.Completed = done
		switch {
		case done && t.CompletedAt == nil:
			when := r.now()
			if at != nil {
				when = *at
			}
			t.CompletedAt = &when
		case !done:
			t.CompletedAt = nil
		}
	})
	return nil
}

// columnKey is a position key for a column at index (nil: the end),
// among the columns other than skip.
func (r *Remote) columnKey(index *int, skip ...string) *string {
	if index == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var keys []string
	for _, id := range r.kids[""] {
		if !slices.Contains(skip, id) {
			keys = append(keys, r.tasks[id].Key)
		}
	}
	i := min(max(*index, 0), len(keys))
	before, after := "", ""
	if i > 0 {
		before = keys[i-1]
	}
	if i < len(keys) {
		after = keys[i]
	}
	k, err := board.Between(before, after)
	if err != nil {
		return nil
	}
	return &k
}
