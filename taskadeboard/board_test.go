package taskadeboard

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/taskadetest"
)

func TestProjectIsDrawnAsTaskadesBoardView(t *testing.T) {
	env := newEnv(t)
	env.card("To Do", "Write the brief")
	spec := env.card("To Do", "Draft the spec")
	env.srv.AddTask(env.project, spec, "Ask legal")
	env.card("Doing", "Build it")
	shipped := env.card("Done", "Shipped v1")
	env.srv.SetCompleted(env.project, shipped, true)
	env.srv.SetDate(env.project, spec, "2026-12-24")
	env.srv.SetAssignees(env.project, spec, "bob")
	env.srv.SetNote(env.project, spec, "Two pages at most")

	d := env.driver(t.TempDir())
	d.settle()
	d.details()
	s := d.e.State()
	var names []string
	for _, c := range s.Columns() {
		names = append(names, c.Name)
	}
	if !same(names, []string{"To Do", "Doing", "Done"}) {
		t.Fatalf("columns %q, want the top-level tasks", names)
	}
	if done, ok := s.FirstColumn(true); !ok || done.Name != "Done" {
		t.Fatalf("the done column is %+v, want the one named Done", done)
	}
	if got := d.titles("To Do"); !same(got, []string{"Write the brief", "Draft the spec"}) {
		t.Fatalf("To Do holds %q", got)
	}
	c := d.card("Draft the spec")
	subs := s.Subtasks(c.ID)
	if len(subs) != 1 {
		t.Fatalf("the card has %d subtasks, want its child", len(subs))
	}
	if sub, _ := s.Card(subs[0]); sub.Title != "Ask legal" {
		t.Fatalf("subtask %q", sub.Title)
	}
	if c.Due == nil || c.Due.Format(time.DateOnly) != "2026-12-24" || !same(c.Assignees, []string{"bob"}) || c.Description != "Two pages at most" {
		t.Fatalf("the card's details are not read: due %v, assignees %q, description %q", c.Due, c.Assignees, c.Description)
	}
	if !d.card("Shipped v1").Done() {
		t.Fatal("a completed task is not a done card")
	}
}

func TestKeysChangeTheTaskadeProject(t *testing.T) {
	env := newEnv(t)
	env.card("To Do", "One")
	env.card("To Do", "Two")
	env.card("To Do", "Three")
	d := env.driver(t.TempDir())
	d.settle()
	now := time.Now()

	// L: into the next column, at its end.
	d.do(d.e.State().Shift(d.card("One").ID, 1, now))
	// J: down past its neighbour.
	d.do(d.e.State().Reorder(d.card("Two").ID, 1, now))
	// n: a new card at the end of To Do.
	d.do(d.e.State().NewCard(env.project, env.cols["To Do"], "Four", now))
	// e: a new title.
	d.do(d.e.State().Edit(d.card("Three").ID, ptr("Three, renamed"), nil, now))
	d.settle()
	if got := env.titles("To Do"); !same(got, []string{"Three, renamed", "Two", "Four"}) {
		t.Fatalf("the server's To Do is %q", got)
	}
	if got := env.titles("Doing"); !same(got, []string{"One"}) {
		t.Fatalf("the server's Doing is %q", got)
	}

	// space: completing moves the card to Done and completes it.
	d.do(d.e.State().ToggleDone(d.card("Two").ID, now))
	// L from Doing to Done completes it too.
	d.do(d.e.State().Shift(d.card("One").ID, 1, now))
	d.settle()
	for _, title := range []string{"Two", "One"} {
		if got := env.task(title); !got.Completed || got.ParentID != env.cols["Done"] {
			t.Fatalf("%q on the server: %+v, want completed in Done", title, got)
		}
	}
	// space again: reopened, out of Done.
	d.do(d.e.State().ToggleDone(d.card("Two").ID, now))
	d.settle()
	if got := env.task("Two"); got.Completed || got.ParentID == env.cols["Done"] {
		t.Fatalf("reopened card on the server: %+v", got)
	}

	// Due date, description, assignee.
	due := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	id := d.card("Four").ID
	d.do(d.e.State().SetDue(id, &due, now))
	d.do(d.e.State().Edit(id, nil, ptr("line one\nline two"), now))
	d.do(d.e.State().SetAssigned(id, "bob", true, now))
	d.settle()
	got := env.task("Four")
	if got.Date != "2027-01-15" || got.Note != "line one line two" || !same(got.Assignees, []string{"bob"}) {
		t.Fatalf("the server's card: %+v", got)
	}
	d.do(d.e.State().SetAssigned(id, "bob", false, now))
	d.do(d.e.State().SetDue(id, nil, now))
	d.settle()
	if got := env.task("Four"); got.Date != "" || len(got.Assignees) != 0 {
		t.Fatalf("cleared on the server: %+v", got)
	}

	// D: gone from the server, subtasks and all.
	d.do(d.e.State().NewSubtask(id, "A step", now))
	d.settle()
	d.do(d.e.State().Delete(d.card("Four").ID, now))
	d.settle()
	for _, task := range env.srv.Tasks(env.project) {
		if task.Text == "Four" || task.Text == "A step" {
			t.Fatalf("%q is still on the server", task.Text)
		}
	}
	// A fetch now changes nothing the board shows.
	before := d.titles("To Do")
	d.refresh()
	if after := d.titles("To Do"); !same(before, after) {
		t.Fatalf("a fetch changed To Do from %q to %q", before, after)
	}
}

func TestWhatTaskadeLacksIsSaidAtTheKey(t *testing.T) {
	env := newEnv(t)
	env.card("To Do", "Card")
	d := env.driver(t.TempDir())
	d.settle()
	id := d.card("Card").ID
	now := time.Now()
	for _, tc := range []struct {
		what string
		m    func() (board.Mutation, error)
		want string
	}{
		{"comment", func() (board.Mutation, error) { return d.e.State().AddComment(id, "hi", now) }, "no comments"},
		{"archive", func() (board.Mutation, error) { return d.e.State().SetArchived(id, true, now) }, "no archive"},
		{"priority", func() (board.Mutation, error) { return d.e.State().StepPriority(id, 1, now) }, "no Priority field"},
		{"estimate", func() (board.Mutation, error) { h := 2.0; return d.e.State().SetEstimate(id, &h, now) }, "no estimates"},
		{"WIP", func() (board.Mutation, error) { return d.e.State().SetWipLimit(env.cols["Doing"], 3, now) }, "no WIP limits"},
	} {
		m, err := tc.m()
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.e.Do(m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Do said %v, want %q", tc.what, err, tc.want)
		}
	}
	if d.e.Status().Waiting != 0 {
		t.Fatalf("a refused change waits in the outbox: %+v", d.e.Status())
	}
	if d.e.CanRestore() {
		t.Fatal("undo of a delete is offered, but Taskade can't restore")
	}
}

// A Taskade board keeps no activity lanes can read and can't be searched:
// said in Taskade's terms, as the board's sentinels.
func TestTaskadeHasNoActivityOrSearch(t *testing.T) {
	env := newEnv(t)
	env.card("To Do", "Card")
	d := env.driver(t.TempDir())
	d.settle()
	act := d.e.LoadActivity(d.card("Card").ID)().(board.ActivityMsg)
	if !errors.Is(act.Err, board.ErrNoActivity) || !strings.Contains(act.Err.Error(), "Taskade's API keeps no history") {
		t.Fatalf("activity on Taskade: %v", act.Err)
	}
	found := d.e.Search("card", true)().(board.SearchMsg)
	if !errors.Is(found.Err, board.ErrNoSearch) || !strings.Contains(found.Err.Error(), "Taskade's API has no search") {
		t.Fatalf("search on Taskade: %v", found.Err)
	}
}

func TestPriorityAndLabelsAreTheProjectsFields(t *testing.T) {
	env := newEnv(t)
	pf, popts := env.srv.AddSelectField(env.project, "Priority", "Low", "Medium", "High", "Urgent")
	lf, lopts := env.srv.AddSelectField(env.project, "Labels", "bug", "docs")
	card := env.card("To Do", "Card")
	env.srv.SetFieldValue(env.project, card, pf, popts[2])
	env.srv.SetFieldValue(env.project, card, lf, lopts[1])
	d := env.driver(t.TempDir())
	d.settle()
	d.details()
	c := d.card("Card")
	if c.Priority != board.PriorityHigh {
		t.Fatalf("priority %q, want high from the field", c.Priority)
	}
	if l, ok := d.e.State().LabelByID(c.Labels[0]); len(c.Labels) != 1 || !ok || l.Name != "docs" {
		t.Fatalf("labels %q, want docs", c.Labels)
	}
	d.do(d.e.State().StepPriority(c.ID, 1, time.Now()))
	d.do(d.e.State().SetLabels(c.ID, []string{lopts[0]}, time.Now()))
	d.settle()
	got := env.task("Card")
	if got.Fields[pf] != popts[3] || got.Fields[lf] != lopts[0] {
		t.Fatalf("the server's fields %v, want urgent and bug", got.Fields)
	}
}

func TestColumnsAreTopLevelTasks(t *testing.T) {
	env := newEnv(t)
	env.card("Doing", "Work")
	d := env.driver(t.TempDir())
	d.settle()
	now := time.Now()
	top := func() []string {
		var out []string
		for _, task := range env.srv.Tasks(env.project) {
			if task.ParentID == "" {
				out = append(out, task.Text)
			}
		}
		return out
	}
	// C a: a column after To Do; C r: renamed; C >: moved right.
	d.do(d.e.State().AddColumn(env.cols["To Do"], "Review", now))
	d.settle()
	if got := top(); !same(got, []string{"To Do", "Review", "Doing", "Done"}) {
		t.Fatalf("Taskade's top-level tasks %q", got)
	}
	review := d.e.State().Columns()[1].ID
	d.do(d.e.State().RenameColumn(review, "QA", now))
	d.do(d.e.State().MoveColumn(review, 1, now))
	d.settle()
	if got := top(); !same(got, []string{"To Do", "Doing", "QA", "Done"}) {
		t.Fatalf("Taskade's top-level tasks %q after rename and move", got)
	}
	// C x: Doing deleted, its card moved to QA first.
	qa := env.task("QA").ID
	d.do(d.e.State().DeleteColumn(env.cols["Doing"], qa, now))
	d.settle()
	if got := top(); !same(got, []string{"To Do", "QA", "Done"}) {
		t.Fatalf("Taskade's top-level tasks %q after the delete", got)
	}
	if got := env.task("Work"); got.ParentID != qa {
		t.Fatalf("the deleted column's card is under %q, want QA", got.ParentID)
	}
	// C d: which column is done is its name's business in Taskade.
	if _, err := d.e.Do(mustMutation(t)(d.e.State().ToggleColumnDone(qa, now))); err == nil || !strings.Contains(err.Error(), `named "Done"`) {
		t.Fatalf("making a column done: %v", err)
	}
	d.refresh()
	var names []string
	for _, c := range d.e.State().Columns() {
		names = append(names, c.Name)
	}
	if !same(names, []string{"To Do", "QA", "Done"}) {
		t.Fatalf("the board's columns %q", names)
	}
}

func mustMutation(t *testing.T) func(board.Mutation, error) board.Mutation {
	return func(m board.Mutation, err error) board.Mutation {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
}

func TestUndoOnTaskade(t *testing.T) {
	env := newEnv(t)
	env.card("To Do", "Back and forth")
	d := env.driver(t.TempDir())
	d.settle()
	d.do(d.e.State().Shift(d.card("Back and forth").ID, 1, time.Now()))
	d.settle()
	cmds, _, err := d.e.Undo()
	if err != nil {
		t.Fatal(err)
	}
	d.run(cmds)
	d.settle()
	if got := env.titles("To Do"); !same(got, []string{"Back and forth"}) {
		t.Fatalf("after u, Taskade's To Do is %q", got)
	}
	d.do(d.e.State().Delete(d.card("Back and forth").ID, time.Now()))
	d.settle()
	if _, _, err := d.e.Undo(); err == nil || !strings.Contains(err.Error(), "restore") {
		t.Fatalf("undo of a delete on Taskade: %v, want it said it can't", err)
	}
}

// A card completed in Taskade but left in an open column: reordered on a
// board with a Done column it is reopened, on the board and in Taskade
// alike; on a board with none, completion is the card's own and a move
// leaves it be.
func TestCompletionFollowsTheBoardOnAMove(t *testing.T) {
	for _, withDone := range []bool{true, false} {
		env := newEnv(t)
		if !withDone {
			env.srv.SetText(env.project, env.cols["Done"], "Shipped")
		}
		a := env.card("Doing", "Finished early")
		env.card("Doing", "Other")
		env.srv.SetCompleted(env.project, a, true)
		d := env.driver(t.TempDir())
		d.settle()
		d.do(d.e.State().Reorder(d.card("Finished early").ID, 1, time.Now()))
		d.settle()
		d.refresh()
		onBoard, onTaskade := d.card("Finished early").Done(), env.task("Finished early").Completed
		if onBoard != onTaskade || onBoard == withDone {
			t.Errorf("with a Done column %v: done on the board %v, in Taskade %v; want both %v", withDone, onBoard, onTaskade, !withDone)
		}
	}
}

// Assigning keeps whoever was assigned in Taskade since lanes last read
// the card, on a Taskade whose PUT replaces the set (the harsher reading
// of the spec).
func TestAssigningKeepsAnAssigneeAddedInTaskade(t *testing.T) {
	env := newEnv(t, taskadetest.WithAssigneesReplaced())
	env.srv.AddUser("cy", "Cy")
	env.srv.AddMember(env.ws, "cy")
	id := env.card("To Do", "Shared")
	d := env.driver(t.TempDir())
	d.settle()
	d.details()
	env.srv.SetAssignees(env.project, id, "cy") // in Taskade, meanwhile
	d.do(d.e.State().SetAssigned(id, "bob", true, time.Now()))
	d.settle()
	if got := env.task("Shared").Assignees; !same(got, []string{"cy", "bob"}) && !same(got, []string{"bob", "cy"}) {
		t.Fatalf("Taskade's assignees %q, want cy kept and bob added", got)
	}
}
