package board

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
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
	}), nil, 0); err != nil {
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
