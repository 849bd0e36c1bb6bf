package board

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	t0    = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	cols4 = []Column{{ID: "todo", Name: "To Do"}, {ID: "doing", Name: "In Progress"}, {ID: "review", Name: "In Review"}, {ID: "done", Name: "Done", IsDone: true}}
)

func ptr[T any](v T) *T { return &v }

// fixture is a small board: a, b, c in To Do, d in Doing, e done, s1 and s2
// subtasks of a.
func fixture() *State {
	done := t0.Add(-time.Hour)
	return NewState(cols4, []*Card{
		{ID: "a", ProjectID: "p", StatusID: "todo", Title: "Alpha", Position: "a0", Priority: PriorityNone},
		{ID: "b", ProjectID: "p", StatusID: "todo", Title: "Bravo", Position: "a1", Priority: PriorityHigh, Assignees: []string{"u1"}},
		{ID: "c", ProjectID: "p", StatusID: "todo", Title: "Charlie", Position: "a2"},
		{ID: "d", ProjectID: "p", StatusID: "doing", Title: "Delta", Position: "a0"},
		{ID: "e", ProjectID: "p", StatusID: "done", Title: "Echo", Position: "a0", CompletedAt: &done},
		{ID: "s1", ProjectID: "p", StatusID: "todo", ParentID: "a", Title: "Sub one", Position: "a0"},
		{ID: "s2", ProjectID: "p", StatusID: "todo", ParentID: "a", Title: "Sub two", Position: "a1", CompletedAt: &done},
	})
}

// titles is a column as its card titles, the way a person reads it.
func titles(s *State, column string) string {
	var out []string
	for _, id := range s.Column(column) {
		c, _ := s.Card(id)
		out = append(out, c.Title)
	}
	return strings.Join(out, ",")
}

// must unwraps a constructor's result, failing the test on an error.
func must(t *testing.T) func(Mutation, error) Mutation {
	return func(m Mutation, err error) Mutation {
		t.Helper()
		if err != nil {
			t.Fatalf("make mutation: %v", err)
		}
		return m
	}
}

func TestApplyEveryMutation(t *testing.T) {
	type check func(t *testing.T, s *State)
	card := func(t *testing.T, s *State, id string) *Card {
		t.Helper()
		c, ok := s.Card(id)
		if !ok {
			t.Fatalf("card %s missing", id)
		}
		return c
	}
	cases := []struct {
		name  string
		make  func(s *State) (Mutation, error)
		check check
	}{
		{"create at end of column", func(s *State) (Mutation, error) { return s.NewCard("p", "todo", "  Foxtrot  ", t0) },
			func(t *testing.T, s *State) {
				if got := titles(s, "todo"); got != "Alpha,Bravo,Charlie,Foxtrot" {
					t.Errorf("To Do = %s", got)
				}
			}},
		{"create subtask", func(s *State) (Mutation, error) { return s.NewSubtask("a", "Sub three", t0) },
			func(t *testing.T, s *State) {
				if done, total := s.SubtaskCounts("a"); done != 1 || total != 3 {
					t.Errorf("subtasks of a = %d/%d, want 1/3", done, total)
				}
				if got := titles(s, "todo"); got != "Alpha,Bravo,Charlie" {
					t.Errorf("a subtask must not show as a card: To Do = %s", got)
				}
			}},
		{"edit title", func(s *State) (Mutation, error) { return s.Edit("a", ptr("Alpha two"), nil, t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "a"); c.Title != "Alpha two" || c.Description != "" {
					t.Errorf("a = %q / %q", c.Title, c.Description)
				}
			}},
		{"edit description", func(s *State) (Mutation, error) { return s.Edit("a", nil, ptr("line 1\nline 2"), t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "a"); c.Title != "Alpha" || c.Description != "line 1\nline 2" {
					t.Errorf("a = %q / %q", c.Title, c.Description)
				}
			}},
		{"move right", func(s *State) (Mutation, error) { return s.Shift("b", 1, t0) },
			func(t *testing.T, s *State) {
				if got := titles(s, "todo") + "|" + titles(s, "doing"); got != "Alpha,Charlie|Delta,Bravo" {
					t.Errorf("board = %s", got)
				}
			}},
		{"move into done completes", func(s *State) (Mutation, error) { return s.MoveTo("d", "done", t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "d"); c.CompletedAt == nil || !c.CompletedAt.Equal(t0) {
					t.Errorf("d completedAt = %v, want %v", c.CompletedAt, t0)
				}
			}},
		{"move out of done reopens", func(s *State) (Mutation, error) { return s.Shift("e", -1, t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "e"); c.CompletedAt != nil || c.StatusID != "review" {
					t.Errorf("e = %s done=%v", c.StatusID, c.Done())
				}
			}},
		{"reorder down", func(s *State) (Mutation, error) { return s.Reorder("a", 1, t0) },
			func(t *testing.T, s *State) {
				if got := titles(s, "todo"); got != "Bravo,Alpha,Charlie" {
					t.Errorf("To Do = %s", got)
				}
			}},
		{"reorder up to the top", func(s *State) (Mutation, error) { return s.Reorder("c", -2, t0) },
			func(t *testing.T, s *State) {
				if got := titles(s, "todo"); got != "Charlie,Alpha,Bravo" {
					t.Errorf("To Do = %s", got)
				}
			}},
		{"complete", func(s *State) (Mutation, error) { return s.ToggleDone("a", t0) },
			func(t *testing.T, s *State) {
				if got := titles(s, "done"); got != "Echo,Alpha" {
					t.Errorf("Done = %s", got)
				}
				if c := card(t, s, "a"); !c.Done() {
					t.Error("a not done")
				}
			}},
		{"reopen", func(s *State) (Mutation, error) { return s.ToggleDone("e", t0) },
			func(t *testing.T, s *State) {
				if got := titles(s, "todo"); got != "Alpha,Bravo,Charlie,Echo" {
					t.Errorf("To Do = %s", got)
				}
				if c := card(t, s, "e"); c.Done() {
					t.Error("e still done")
				}
			}},
		{"complete subtask stays put", func(s *State) (Mutation, error) { return s.ToggleDone("s1", t0) },
			func(t *testing.T, s *State) {
				if done, total := s.SubtaskCounts("a"); done != 2 || total != 2 {
					t.Errorf("subtasks = %d/%d", done, total)
				}
			}},
		{"archive", func(s *State) (Mutation, error) { return s.SetArchived("b", true, t0) },
			func(t *testing.T, s *State) {
				if got := titles(s, "todo"); got != "Alpha,Charlie" {
					t.Errorf("To Do = %s", got)
				}
				if c := card(t, s, "b"); !c.Archived {
					t.Error("b not archived")
				}
			}},
		{"priority up", func(s *State) (Mutation, error) { return s.StepPriority("b", 1, t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "b"); c.Priority != PriorityUrgent {
					t.Errorf("b priority %s", c.Priority)
				}
			}},
		{"priority set", func(s *State) (Mutation, error) { return s.SetPriority("a", PriorityLow, t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "a"); c.Priority != PriorityLow {
					t.Errorf("a priority %s", c.Priority)
				}
			}},
		{"due set", func(s *State) (Mutation, error) { return s.SetDue("a", ptr(t0.Add(24*time.Hour)), t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "a"); c.Due == nil || !c.Due.Equal(t0.Add(24*time.Hour)) {
					t.Errorf("a due %v", c.Due)
				}
			}},
		{"estimate set", func(s *State) (Mutation, error) { return s.SetEstimate("a", ptr(2.5), t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "a"); c.Estimate == nil || *c.Estimate != 2.5 {
					t.Errorf("a estimate %v", c.Estimate)
				}
			}},
		{"assign", func(s *State) (Mutation, error) { return s.SetAssigned("a", "u2", true, t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "a"); !reflect.DeepEqual(c.Assignees, []string{"u2"}) {
					t.Errorf("a assignees %v", c.Assignees)
				}
			}},
		{"unassign", func(s *State) (Mutation, error) { return s.SetAssigned("b", "u1", false, t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "b"); len(c.Assignees) != 0 {
					t.Errorf("b assignees %v", c.Assignees)
				}
			}},
		{"comment", func(s *State) (Mutation, error) { return s.AddComment("a", "looks good", t0) },
			func(t *testing.T, s *State) {
				if c := card(t, s, "a"); c.Comments != 1 {
					t.Errorf("a comments %d", c.Comments)
				}
			}},
		{"delete takes subtasks", func(s *State) (Mutation, error) { return s.Delete("a", t0) },
			func(t *testing.T, s *State) {
				if _, ok := s.Card("a"); ok {
					t.Error("a still there")
				}
				if _, ok := s.Card("s1"); ok {
					t.Error("subtask s1 still there")
				}
				if got := titles(s, "todo"); got != "Bravo,Charlie" {
					t.Errorf("To Do = %s", got)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := fixture()
			m := must(t)(c.make(before))
			after, err := Apply(before, m)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			c.check(t, after)
			// Apply never changes the state it was given.
			if got := titles(before, "todo"); got != "Alpha,Bravo,Charlie" {
				t.Errorf("the original board changed: To Do = %s", got)
			}
			if b, _ := before.Card("b"); b.Priority != PriorityHigh || len(b.Assignees) != 1 || b.Archived {
				t.Errorf("the original card b changed: %+v", b)
			}
			// And the same mutation on the same state gives the same board.
			again, _ := Apply(before, m)
			for _, col := range cols4 {
				if titles(again, col.ID) != titles(after, col.ID) {
					t.Errorf("Apply is not repeatable in %s", col.ID)
				}
			}
		})
	}
}

func TestConstructorsRefuse(t *testing.T) {
	s := fixture()
	for name, err := range map[string]error{
		"left of first":   second(s.Shift("a", -1, t0)),
		"right of last":   second(s.Shift("e", 1, t0)),
		"above top":       second(s.Reorder("a", -1, t0)),
		"below bottom":    second(s.Reorder("c", 1, t0)),
		"none-1":          second(s.StepPriority("a", -1, t0)),
		"empty title":     second(s.NewCard("p", "todo", "   ", t0)),
		"unknown card":    second(s.ToggleDone("zz", t0)),
		"long title":      second(s.NewCard("p", "todo", strings.Repeat("x", 501), t0)),
		"negative hours":  second(s.SetEstimate("a", ptr(-1.0), t0)),
		"blank comment":   second(s.AddComment("a", " ", t0)),
		"edit blank":      second(s.Edit("a", ptr(""), nil, t0)),
		"no such column":  second(s.MoveTo("a", "nope", t0)),
		"same column":     second(s.MoveTo("a", "todo", t0)),
		"subtask of none": second(s.NewSubtask("zz", "x", t0)),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestApplyToDeletedCardIsGone(t *testing.T) {
	s := fixture()
	m := must(t)(s.StepPriority("b", -1, t0))
	del := must(t)(s.Delete("b", t0))
	s2, _ := Apply(s, del)
	if _, err := Apply(s2, m); !errors.Is(err, ErrGone) {
		t.Fatalf("change to a deleted card: %v, want ErrGone", err)
	}
}

// TestRebaseKeepsRemoteFieldsYouDidNotTouch is the reconciliation rule: a
// fresh server state replaces the confirmed one, and pending changes apply on
// top, so the server wins for every field the person did not change.
func TestRebaseKeepsRemoteFieldsYouDidNotTouch(t *testing.T) {
	local := fixture()
	mine := must(t)(local.StepPriority("a", 2, t0)) // a: none → medium
	move := must(t)(local.Shift("c", 1, t0))        // c: To Do → Doing

	// Meanwhile someone else renamed a, moved d to Review, and deleted c.
	remote := NewState(cols4, []*Card{
		{ID: "a", ProjectID: "p", StatusID: "todo", Title: "Alpha (renamed)", Position: "a0", Priority: PriorityNone},
		{ID: "b", ProjectID: "p", StatusID: "todo", Title: "Bravo", Position: "a1"},
		{ID: "d", ProjectID: "p", StatusID: "review", Title: "Delta", Position: "a0"},
	})
	view, refused := rebase(remote, []Mutation{mine, move})
	a, _ := view.Card("a")
	if a.Title != "Alpha (renamed)" || a.Priority != PriorityMedium {
		t.Errorf("a = %q %s, want the remote title and my priority", a.Title, a.Priority)
	}
	if got := titles(view, "review"); got != "Delta" {
		t.Errorf("Review = %s, want the remote move", got)
	}
	if len(refused) != 1 || refused[0].m.ID != move.ID || !errors.Is(refused[0].err, ErrGone) {
		t.Errorf("refused = %+v, want the move of the deleted card", refused)
	}
}

func TestRewriteTempIDs(t *testing.T) {
	s := fixture()
	create := must(t)(s.NewCard("p", "todo", "New", t0))
	s2, _ := Apply(s, create)
	sub := must(t)(s2.NewSubtask(create.TaskID, "Child", t0))
	move := must(t)(s2.Shift(create.TaskID, 1, t0))
	for _, m := range []*Mutation{&sub, &move} {
		if !m.Rewrite(create.TaskID, "real-id") {
			t.Errorf("%s did not name the temp id", m.Kind)
		}
	}
	if sub.ParentID != "real-id" || move.TaskID != "real-id" {
		t.Fatalf("rewrite: sub parent %s, move task %s", sub.ParentID, move.TaskID)
	}
	if unrelated := must(t)(s.ToggleDone("a", t0)); unrelated.Rewrite(create.TaskID, "real-id") {
		t.Error("rewrote a mutation that did not name the temp id")
	}
}

func TestInvertUndoesEachKind(t *testing.T) {
	makers := map[string]func(s *State) (Mutation, error){
		"move":     func(s *State) (Mutation, error) { return s.Shift("b", 2, t0) },
		"reorder":  func(s *State) (Mutation, error) { return s.Reorder("a", 2, t0) },
		"complete": func(s *State) (Mutation, error) { return s.ToggleDone("b", t0) },
		"reopen":   func(s *State) (Mutation, error) { return s.ToggleDone("e", t0) },
		"archive":  func(s *State) (Mutation, error) { return s.SetArchived("b", true, t0) },
		"priority": func(s *State) (Mutation, error) { return s.StepPriority("b", -2, t0) },
		"edit":     func(s *State) (Mutation, error) { return s.Edit("b", ptr("B!"), ptr("desc"), t0) },
		"due":      func(s *State) (Mutation, error) { return s.SetDue("b", ptr(t0), t0) },
		"estimate": func(s *State) (Mutation, error) { return s.SetEstimate("b", ptr(3.0), t0) },
		"assign":   func(s *State) (Mutation, error) { return s.SetAssigned("b", "u9", true, t0) },
	}
	for name, mk := range makers {
		t.Run(name, func(t *testing.T) {
			s := fixture()
			m := must(t)(mk(s))
			target := m.TaskID
			before, _ := s.Card(target)
			s2, err := Apply(s, m)
			if err != nil {
				t.Fatal(err)
			}
			inv, ok := Invert(before, m, t0.Add(time.Minute))
			if !ok {
				t.Fatal("not invertible")
			}
			s3, err := Apply(s2, inv)
			if err != nil {
				t.Fatal(err)
			}
			for _, col := range cols4 {
				if titles(s3, col.ID) != titles(s, col.ID) {
					t.Errorf("column %s after undo = %s, want %s", col.ID, titles(s3, col.ID), titles(s, col.ID))
				}
			}
			got, _ := s3.Card(target)
			if fmt.Sprint(cardFields(got)) != fmt.Sprint(cardFields(before)) {
				t.Errorf("after undo\n got %v\nwant %v", cardFields(got), cardFields(before))
			}
		})
	}
	if _, ok := Invert(&Card{ID: "a"}, Mutation{Kind: KindDelete, TaskID: "a"}, t0); ok {
		t.Error("a delete claims to be undoable")
	}
}

func cardFields(c *Card) []any {
	var due, done, est any
	if c.Due != nil {
		due = c.Due.String()
	}
	if c.CompletedAt != nil {
		done = c.CompletedAt.String()
	}
	if c.Estimate != nil {
		est = *c.Estimate
	}
	return []any{c.Title, c.Description, c.StatusID, c.Priority, due, done, c.Archived, est, c.Assignees}
}

func TestFilter(t *testing.T) {
	s := fixture()
	now := t0
	overdue := t0.Add(-48 * time.Hour)
	s, _ = Apply(s, must(t)(s.SetDue("c", &overdue, t0)))
	cases := []struct {
		f    Filter
		want string
	}{
		{Filter{}, "Alpha,Bravo,Charlie"},
		{Filter{Text: "RAV"}, "Bravo"},
		{Filter{Text: "a h"}, "Alpha,Charlie"},
		{Filter{Assignee: "u1"}, "Bravo"},
		{Filter{Priority: PriorityHigh}, "Bravo"},
		{Filter{Overdue: true, Now: now}, "Charlie"},
		{Filter{Text: "zzz"}, ""},
	}
	for _, c := range cases {
		var got []string
		for _, id := range s.Visible("todo", c.f) {
			card, _ := s.Card(id)
			got = append(got, card.Title)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%+v: %v, want %s", c.f, got, c.want)
		}
	}
}
