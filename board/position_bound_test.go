package board

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
)

// After a card whose key can only grow (the largest integer), the board
// keeps making cards at the end of the column, one after another as a
// person does: none is refused, the server keeps every key short, and the
// order is the order they were made in.
func TestNewCardsAfterTheLargestKey(t *testing.T) {
	env := newTestEnv(t, 25)
	ctx := context.Background()
	todo := env.colID("To Do")
	if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "card 000", Position: strings.Repeat("z", 27)}); err != nil {
		t.Fatal(err)
	}
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	var want []string
	for i := 1; i <= 110; i++ {
		title := fmt.Sprintf("card %03d", i)
		want = append(want, title)
		if !d.do(d.e.State().NewCard(env.project, todo, title, time.Now())) {
			t.Fatalf("%s refused on the board", title)
		}
		d.settle(10 * time.Second)
	}
	for _, n := range d.notices {
		if strings.Contains(n, "Couldn't") {
			t.Fatalf("the server refused a change: %s", n)
		}
	}
	got := serverOrder(t, env)
	if strings.Join(got, ",") != "card 000,"+strings.Join(want, ",") {
		t.Fatalf("the server's order:\n%v", got)
	}
}

// A card put between neighbours whose key passes what the server makes is
// sent all the same: the server takes it and renumbers the column, the
// card where it was put.
func TestReorderPastTheBound(t *testing.T) {
	env := newTestEnv(t, 26)
	ctx := context.Background()
	near := "a0" + strings.Repeat("0", 45) + "1" // 48 characters, just short enough
	for _, c := range []struct{ title, pos string }{{"first", "a0"}, {"second", near}, {"third", ""}} {
		if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: c.title, Position: c.pos}); err != nil {
			t.Fatal(err)
		}
	}
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	third := d.card("third")
	m := must(t)(d.e.State().Reorder(third.ID, -1, time.Now()))
	if len(*m.Position) <= PositionBound {
		t.Fatalf("the key between %q and %q is only %d long: the test needs a longer one", "a0", near, len(*m.Position))
	}
	d.do(m, nil)
	d.settle(5 * time.Second)
	got := serverOrder(t, env)
	if strings.Join(got, ",") != "first,third,second" || len(d.notices) > 0 {
		t.Fatalf("the server's order %v (notices %q), want first,third,second", got, d.notices)
	}
}

// A key between close neighbours may pass what the server makes (it
// renumbers the column) but never what it accepts: lanes does not make
// such a key to send.
func TestNoKeyTheServerRefuses(t *testing.T) {
	a := "a0"
	b := "a0" + strings.Repeat("0", 125) + "1" // 128 characters, valid
	if k, err := place(a, b); err == nil {
		t.Fatalf("place made %q (%d characters)", k, len(k))
	} else if !errors.Is(err, errBadPosition) {
		t.Fatalf("place: %v", err)
	}
	s := NewState([]Column{{ID: "todo"}}, []*Card{
		{ID: "x", StatusID: "todo", Position: a, Priority: PriorityNone},
		{ID: "y", StatusID: "todo", Position: b, Priority: PriorityNone},
		{ID: "z", StatusID: "todo", Position: "a1", Priority: PriorityNone},
	})
	if m, err := s.Reorder("z", -1, time.Now()); err == nil {
		t.Fatalf("Reorder made a key of %d characters", len(*m.Position))
	}
	end := strings.Repeat("z", 128) // the largest integer and a fraction: nothing after it fits
	s = NewState([]Column{{ID: "todo"}, {ID: "doing"}}, []*Card{
		{ID: "x", StatusID: "todo", Position: end, Priority: PriorityNone},
		{ID: "y", StatusID: "doing", Position: "a0", Priority: PriorityNone},
	})
	m, err := s.MoveTo("y", "todo", time.Now())
	if err != nil || m.Position != nil {
		t.Fatalf("a move to after a key nothing fits after: %+v, %v; want no key (the server appends)", m.Position, err)
	}
}

// serverOrder is the titles of the project's cards in the server's order,
// each checked to have a key within the bound.
func serverOrder(t *testing.T, env *testEnv) []string {
	t.Helper()
	list, err := env.direct.Tasks(context.Background(), env.project, api.ListTasksOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range list {
		if len(k.Position) > PositionBound {
			t.Fatalf("%s has a key of %d characters on the server", k.Title, len(k.Position))
		}
		got = append(got, k.Title)
	}
	return got
}
