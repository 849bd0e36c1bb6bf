package board

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/server"
)

// undo runs the engine's Undo as the UI does and hands back its words.
func (d *driver) undo() (string, error) {
	d.t.Helper()
	cmds, undid, err := d.e.Undo()
	for _, c := range cmds {
		d.handle(c())
	}
	return undid, err
}

// Undo after a delete brings the card back at once, with its subtask, and
// the server restores it with its comment; only the delete is undone (the
// priority raised before it stays), and the words say which change it was.
// The next undo is of the change before.
func TestUndoDeleteBringsTheCardBack(t *testing.T) {
	env := newTestEnv(t, 21)
	ctx := context.Background()
	a, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Card A"})
	b, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Card B", StatusID: &env.cols[2].ID})
	sub, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Card B's subtask", ParentTaskID: &b.ID})
	if _, err := env.direct.AddComment(ctx, b.ID, "keep this"); err != nil {
		t.Fatal(err)
	}
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().StepPriority(a.ID, 1, time.Now()))
	d.do(d.e.State().Delete(b.ID, time.Now()))
	d.settle(5 * time.Second)
	if _, ok := env.serverTasks()["Card B"]; ok {
		t.Fatal("the delete did not reach the server")
	}

	undid, err := d.undo()
	if err != nil || undid != `Undid delete "Card B"` {
		t.Fatalf("undo said %q, %v; want it to name the delete", undid, err)
	}
	if c := d.card("Card B"); c == nil || c.ID != b.ID || c.StatusID != env.cols[2].ID || len(d.e.State().Subtasks(b.ID)) != 1 {
		t.Fatalf("before the server answers, the card is %+v with subtasks %v; want it back where it was", c, d.e.State().Subtasks(b.ID))
	}
	d.settle(5 * time.Second)
	back := env.serverTasks()["Card B"]
	if len(back) != 1 || back[0].ID != b.ID || *back[0].StatusID != env.cols[2].ID {
		t.Fatalf("the server has %+v, want Card B back under its id", back)
	}
	detail, err := env.direct.Task(ctx, b.ID)
	if err != nil || len(detail.Subtasks) != 1 || detail.Subtasks[0].ID != sub.ID || len(detail.Comments) != 1 {
		t.Fatalf("the restored card's subtasks and comments: %+v, %v", detail, err)
	}
	if got := env.serverTasks()["Card A"]; len(got) != 1 || got[0].Priority != api.PriorityLow {
		t.Fatalf("Card A on the server: %+v; the undo of the delete must leave its priority raised", got)
	}
	if c := d.card("Card B's subtask"); c == nil || d.e.Pending(b.ID) {
		t.Fatalf("after the server answered, the subtask is %+v and the card pending %v", c, d.e.Pending(b.ID))
	}

	undid, err = d.undo()
	if err != nil || undid != `Undid raise priority of "Card A"` {
		t.Fatalf("the second undo said %q, %v", undid, err)
	}
	d.settle(5 * time.Second)
	if got := env.serverTasks()["Card A"]; len(got) != 1 || got[0].Priority != api.PriorityNone {
		t.Fatalf("Card A on the server after the second undo: %+v", got)
	}
	if _, err := d.undo(); err == nil || err.Error() != "Nothing to undo" {
		t.Fatalf("a third undo: %v", err)
	}
	d.close()
}

// A comment can't be taken back: undo says so and changes nothing (the
// priority raised before the comment stays raised); the next undo is of
// that change, and says so.
func TestUndoSaysWhatItCantUndo(t *testing.T) {
	env := newTestEnv(t, 22)
	ctx := context.Background()
	a, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Card A"})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().StepPriority(a.ID, 1, time.Now()))
	d.do(d.e.State().AddComment(a.ID, "said and done", time.Now()))
	d.settle(5 * time.Second)
	undid, err := d.undo()
	if err == nil || undid != "" || !strings.HasPrefix(err.Error(), `Can't undo the comment on "Card A"`) {
		t.Fatalf("undo of a comment: %q, %v", undid, err)
	}
	d.settle(5 * time.Second)
	if c := d.card("Card A"); c.Priority != PriorityLow || c.Comments != 1 || d.e.Status().Waiting != 0 {
		t.Fatalf("after a refused undo the card is %+v, %d waiting", c, d.e.Status().Waiting)
	}
	if got := env.serverTasks()["Card A"]; got[0].Priority != api.PriorityLow {
		t.Fatalf("the refused undo changed the server: %+v", got[0])
	}
	if undid, err = d.undo(); err != nil || undid != `Undid raise priority of "Card A"` {
		t.Fatalf("the undo after: %q, %v", undid, err)
	}
	d.close()
}

// Before lanes has heard from the server, it can't know whether a delete
// can be undone, so it does not pretend to.
func TestUndoDeleteBeforeTheServerIsKnown(t *testing.T) {
	env := newTestEnv(t, 23)
	ctx := context.Background()
	b, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Card B"})
	dir := t.TempDir()
	d := env.driver(dir, env.token)
	d.close()
	env.proxy.set(faults{Reset: 1}) // the server is away
	e, err := Open(ctx, Options{Dir: dir, Server: env.srv.URL, ProjectID: env.project, Remote: NewRemote(env.client(env.proxy.URL(), env.token))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Do(must(t)(e.State().Delete(b.ID, time.Now()))); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.Undo()
	if err == nil || !strings.Contains(err.Error(), `Can't undo the delete of "Card B": lanes has not yet reached the server`) {
		t.Fatalf("undo of a delete on a server not yet reached: %v", err)
	}
	if _, ok := e.State().Card(b.ID); ok {
		t.Fatal("the refused undo brought the card back")
	}
}

// A restart from a cache written before a card was restored shows it:
// a restore after a delete in the outbox brings it back, a delete alone
// does not.
func TestOpenKeepsARestoredCard(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, Server: "http://example.invalid", ProjectID: "p"}
	base := filepath.Join(dir, "boards", fileKey(opts.Server, opts.ProjectID))
	cols := []Column{{ID: "todo"}, {ID: "done", IsDone: true}}
	card := func(c Card) outboxLine {
		raw, _ := json.Marshal(c)
		return outboxLine{Card: raw}
	}
	o, _, err := openOutbox(base + ".outbox")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeCache(base+cacheSuffix, NewState(cols, []*Card{
		{ID: "back", Title: "Back", StatusID: "todo", Position: "a0", Priority: PriorityNone, Version: 1},
		{ID: "gone", Title: "Gone", StatusID: "todo", Position: "a1", Priority: PriorityNone, Version: 1},
	})); err != nil {
		t.Fatal(err)
	}
	o.confirmed(1, outboxLine{Gone: "back"})
	o.confirmed(2, outboxLine{Gone: "gone"})
	o.confirmed(3, outboxLine{Restored: "back"})
	o.confirmed(3, card(Card{ID: "back", Title: "Back", StatusID: "todo", Position: "a0", Priority: PriorityNone, Version: 2}))
	o.confirmed(3, card(Card{ID: "sub", ParentID: "back", Title: "Sub", StatusID: "todo", Position: "a0", Priority: PriorityNone, Version: 2}))
	o.close()

	e, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := e.State()
	if c, ok := s.Card("back"); !ok || c.Version != 2 || len(s.Subtasks("back")) != 1 {
		t.Fatalf("the restored card after a restart: %+v, subtasks %v", c, s.Subtasks("back"))
	}
	if _, ok := s.Card("gone"); ok {
		t.Fatal("a card deleted and never restored is back")
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

// x on a card completed from In Review reopens it into In Review: at once
// on the board (before the server answers) and on the server.
func TestReopenIntoTheColumnItWasCompletedFrom(t *testing.T) {
	env := newTestEnv(t, 24)
	ctx := context.Background()
	review, done := env.colID("In Review"), env.colID("Done")
	k, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Reviewed", StatusID: &review})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	// Quick hands: reopened before the server answered the completion.
	if c := d.card("Reviewed"); c.StatusID != done || c.ReopenStatusID != review {
		t.Fatalf("completed at once into %s remembering %q", c.StatusID, c.ReopenStatusID)
	}
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	if c := d.card("Reviewed"); c.StatusID != review || c.Done() {
		t.Fatalf("reopened at once into %s (done %v), want In Review", c.StatusID, c.Done())
	}
	d.settle(5 * time.Second)
	if got := env.serverTasks()["Reviewed"]; len(got) != 1 || *got[0].StatusID != review || got[0].CompletedAt != nil {
		t.Fatalf("the server has %+v", got)
	}

	// Completed and confirmed, then reopened from what the server said.
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	d.settle(5 * time.Second)
	if c, _ := d.e.Confirmed().Card(k.ID); c.ReopenStatusID != review {
		t.Fatalf("the server's copy remembers %q, want In Review", c.ReopenStatusID)
	}
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	if c := d.card("Reviewed"); c.StatusID != review {
		t.Fatalf("reopened at once into %s, want In Review", c.StatusID)
	}
	d.settle(5 * time.Second)
	if got := env.serverTasks()["Reviewed"]; *got[0].StatusID != review {
		t.Fatalf("the server has it in %s", *got[0].StatusID)
	}
	d.close()
}

// Against a seed-only server, which does not say where a card was
// completed from, x reopens into the first column, and u after D says it
// can't undo the delete.
func TestSeedServerReopensIntoTheFirstColumn(t *testing.T) {
	env := newSeedTestEnv(t, 27)
	ctx := context.Background()
	review, todo := env.colID("In Review"), env.colID("To Do")
	k, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Reviewed", StatusID: &review})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	d.settle(5 * time.Second)
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	if c := d.card("Reviewed"); c.StatusID != todo {
		t.Fatalf("reopened at once into %s, want the first column", c.StatusID)
	}
	d.settle(5 * time.Second)
	if got := env.serverTasks()["Reviewed"]; *got[0].StatusID != todo || got[0].CompletedAt != nil {
		t.Fatalf("the server has it in %s", *got[0].StatusID)
	}
	d.do(d.e.State().Delete(k.ID, time.Now()))
	d.settle(5 * time.Second)
	if _, _, err := d.e.Undo(); err == nil || !strings.Contains(err.Error(), "this server can't restore deleted cards") {
		t.Fatalf("undo of a delete on a seed server: %v", err)
	}
	if d.card("Reviewed") != nil || d.e.Status().Waiting != 0 {
		t.Fatal("the refused undo changed the board")
	}
	d.close()
}

// newSeedTestEnv is newTestEnv on a server with only the seed's API.
func newSeedTestEnv(t *testing.T, seed uint64) *testEnv {
	t.Helper()
	ctx := context.Background()
	ts := testenv.Start(t, server.WithAPI(server.APISeed))
	env := &testEnv{t: t, st: ts.Store, srv: ts.HTTP, ts: ts}
	env.userID, env.token = ts.User(t, "owner")
	env.proxy = newFaultProxy(t, strings.TrimPrefix(ts.HTTP.URL, "http://"), seed)
	env.direct = env.client(ts.HTTP.URL, env.token)
	spaces, err := env.direct.Spaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env.space = spaces[0].ID
	projects, err := env.direct.Projects(ctx, env.space)
	if err != nil {
		t.Fatal(err)
	}
	env.project = projects[0].ID
	if env.cols, err = env.direct.Statuses(ctx, env.project); err != nil {
		t.Fatal(err)
	}
	return env
}

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
	list, err := env.direct.Tasks(ctx, env.project, api.ListTasksOptions{})
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
	list, err := env.direct.Tasks(ctx, env.project, api.ListTasksOptions{})
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
