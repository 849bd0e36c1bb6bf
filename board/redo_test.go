package board

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
)

// redo runs the engine's Redo as the UI does and hands back its words.
func (d *driver) redo() (string, error) {
	d.t.Helper()
	cmds, redid, err := d.e.Redo()
	for _, c := range cmds {
		d.handle(c())
	}
	return redid, err
}

// serverCard is the one task titled title on the server, or fails.
func (env *testEnv) serverCard(title string) api.Task {
	env.t.Helper()
	got := env.serverTasks()[title]
	if len(got) != 1 {
		env.t.Fatalf("the server has %d cards titled %q, want 1", len(got), title)
	}
	return got[0]
}

// A move and a priority change undone are made again by Redo in the
// reverse order of the undos, each named, and the server ends where it
// was before the undos; then there is nothing to redo, and the last redo
// can itself be undone.
func TestRedoMakesUndoneChangesAgain(t *testing.T) {
	env := newTestEnv(t, 31)
	ctx := context.Background()
	a, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Card A"})
	b, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Card B"})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().Shift(a.ID, 1, time.Now()))
	d.do(d.e.State().StepPriority(b.ID, 1, time.Now()))
	d.settle(5 * time.Second)

	for _, want := range []string{`Undid raise priority of "Card B"`, `Undid move "Card A"`} {
		if undid, err := d.undo(); err != nil || undid != want {
			t.Fatalf("undo said %q, %v; want %q", undid, err, want)
		}
	}
	d.settle(5 * time.Second)
	if got := env.serverCard("Card A"); *got.StatusID != env.cols[0].ID {
		t.Fatalf("Card A is in %s after the undo, want the first column", *got.StatusID)
	}

	redid, err := d.redo()
	if err != nil || redid != `Redid move "Card A"` {
		t.Fatalf("redo said %q, %v; want it to name the move", redid, err)
	}
	if c := d.card("Card A"); c.StatusID != env.cols[1].ID {
		t.Fatalf("before the server answers, Card A is in %s; want the second column", c.StatusID)
	}
	d.settle(5 * time.Second)
	if got := env.serverCard("Card A"); *got.StatusID != env.cols[1].ID {
		t.Fatalf("Card A on the server after the redo: in %s, want the second column", *got.StatusID)
	}
	if redid, err = d.redo(); err != nil || redid != `Redid raise priority of "Card B"` {
		t.Fatalf("the second redo said %q, %v", redid, err)
	}
	d.settle(5 * time.Second)
	if got := env.serverCard("Card B"); got.Priority != api.PriorityLow {
		t.Fatalf("Card B's priority after the redo: %s, want low", got.Priority)
	}
	if _, err := d.redo(); err == nil || err.Error() != "Nothing to redo" {
		t.Fatalf("a third redo: %v", err)
	}

	// The redo is a change like any: undo takes it back, and redo again.
	if undid, err := d.undo(); err != nil || undid != `Undid raise priority of "Card B"` {
		t.Fatalf("undo of the redo said %q, %v", undid, err)
	}
	if redid, err := d.redo(); err != nil || redid != `Redid raise priority of "Card B"` {
		t.Fatalf("redo after undoing the redo said %q, %v", redid, err)
	}
	d.settle(5 * time.Second)
	if got := env.serverCard("Card B"); got.Priority != api.PriorityLow {
		t.Fatalf("Card B's priority at the end: %s, want low", got.Priority)
	}
	d.close()
}

// A change the person makes after an undo leaves nothing to redo: the
// undone change is not made again over it.
func TestANewChangeEndsRedo(t *testing.T) {
	env := newTestEnv(t, 32)
	ctx := context.Background()
	a, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Card A"})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().Shift(a.ID, 2, time.Now()))
	if _, err := d.undo(); err != nil {
		t.Fatal(err)
	}
	d.do(d.e.State().StepPriority(a.ID, 1, time.Now()))
	if redid, err := d.redo(); err == nil || err.Error() != "Nothing to redo" {
		t.Fatalf("redo after a new change said %q, %v; want nothing to redo", redid, err)
	}
	d.settle(5 * time.Second)
	if got := env.serverCard("Card A"); *got.StatusID != env.cols[0].ID || got.Priority != api.PriorityLow {
		t.Fatalf("Card A on the server: in %s at %s; want the first column at low", *got.StatusID, got.Priority)
	}
	// The new change is undone as usual, and the move stays undone.
	if undid, err := d.undo(); err != nil || undid != `Undid raise priority of "Card A"` {
		t.Fatalf("undo said %q, %v", undid, err)
	}
	if undid, err := d.undo(); err == nil || undid != "" {
		t.Fatalf("a second undo said %q, %v; the move was undone already", undid, err)
	}
	d.close()
}

// A new card undone (deleted) is brought back by redo under its id, and a
// delete undone is deleted again; undoing the redone create deletes it
// once more.
func TestRedoCreateAndDelete(t *testing.T) {
	env := newTestEnv(t, 33)
	ctx := context.Background()
	b, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Card B"})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().NewCard(env.project, "", "Card N", time.Now()))
	d.settle(5 * time.Second)
	id := env.serverCard("Card N").ID
	if undid, err := d.undo(); err != nil || undid != `Undid create "Card N"` {
		t.Fatalf("undo of the create said %q, %v", undid, err)
	}
	d.settle(5 * time.Second)
	if _, ok := env.serverTasks()["Card N"]; ok {
		t.Fatal("the undone create is still on the server")
	}
	if redid, err := d.redo(); err != nil || redid != `Redid create "Card N"` {
		t.Fatalf("redo of the create said %q, %v", redid, err)
	}
	if c := d.card("Card N"); c == nil || c.ID != id {
		t.Fatalf("after the redo the card is %+v, want it back as %s", c, id)
	}
	d.settle(5 * time.Second)
	if got := env.serverCard("Card N"); got.ID != id {
		t.Fatalf("the server brought back %s, want %s", got.ID, id)
	}
	if undid, err := d.undo(); err != nil || undid != `Undid create "Card N"` {
		t.Fatalf("undo of the redone create said %q, %v", undid, err)
	}
	d.settle(5 * time.Second)
	if _, ok := env.serverTasks()["Card N"]; ok {
		t.Fatal("undoing the redone create left the card on the server")
	}

	d.do(d.e.State().Delete(b.ID, time.Now()))
	if _, err := d.undo(); err != nil {
		t.Fatal(err)
	}
	d.settle(5 * time.Second)
	env.serverCard("Card B")
	if redid, err := d.redo(); err != nil || redid != `Redid delete "Card B"` {
		t.Fatalf("redo of the delete said %q, %v", redid, err)
	}
	d.settle(5 * time.Second)
	if _, ok := env.serverTasks()["Card B"]; ok {
		t.Fatal("the redone delete left Card B on the server")
	}
	d.close()
}

// A card made and undone before the server answered the create is
// brought back under the id the server gave it.
func TestRedoCreateAnsweredAfterTheUndo(t *testing.T) {
	env := newTestEnv(t, 34)
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	m := must(t)(d.e.State().NewCard(env.project, "", "Card Q", time.Now()))
	cmds, err := d.e.Do(m)
	if err != nil {
		t.Fatal(err)
	}
	// The create is on disk but not yet sent: the card has its temporary
	// id when it is undone.
	held := make([]any, len(cmds))
	for i, c := range cmds {
		held[i] = c()
	}
	if _, err := d.undo(); err != nil {
		t.Fatal(err)
	}
	for _, msg := range held {
		d.handle(msg)
	}
	d.settle(5 * time.Second) // the create is answered, then the delete
	if _, ok := env.serverTasks()["Card Q"]; ok {
		t.Fatal("the undone create is on the server")
	}
	if redid, err := d.redo(); err != nil || redid != `Redid create "Card Q"` {
		t.Fatalf("redo said %q, %v", redid, err)
	}
	d.settle(5 * time.Second)
	got := env.serverCard("Card Q")
	if c := d.card("Card Q"); c == nil || c.ID != got.ID {
		t.Fatalf("the board has %+v, the server %s", c, got.ID)
	}
	d.close()
}

// Two hundred changes can be undone and then redone, one at a time, and
// the server ends with the last.
func TestUndoRedoTwoHundredSteps(t *testing.T) {
	env := newTestEnv(t, 35)
	ctx := context.Background()
	a, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "v0"})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	const n = 205
	for i := 1; i <= n; i++ {
		title := fmt.Sprint("v", i)
		d.do(d.e.State().Edit(a.ID, &title, nil, time.Now()))
	}
	for i := n; i > n-200; i-- {
		want := fmt.Sprintf(`Undid edit "v%d"`, i-1)
		if undid, err := d.undo(); err != nil || undid != want {
			t.Fatalf("undo %d said %q, %v; want %q", n-i+1, undid, err, want)
		}
	}
	if _, err := d.undo(); err == nil {
		t.Fatal("more than 200 changes were undone; history keeps 200")
	}
	if c, _ := d.e.State().Card(a.ID); c.Title != "v5" {
		t.Fatalf("after 200 undos the title is %q, want v5", c.Title)
	}
	for i := 1; i <= 200; i++ {
		if _, err := d.redo(); err != nil {
			t.Fatalf("redo %d: %v", i, err)
		}
	}
	if _, err := d.redo(); err == nil || err.Error() != "Nothing to redo" {
		t.Fatalf("redo 201: %v", err)
	}
	d.settle(10 * time.Second)
	if got := env.serverTasks()[fmt.Sprint("v", n)]; len(got) != 1 {
		t.Fatalf("after 200 redos the server has %v", env.serverTasks())
	}
	d.close()
}
