package taskadeboard

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/lanesboard/lanes/board"
)

// live starts the board's poll loop, as the board's program does.
func (d *driver) live() { d.run([]board.Cmd{d.e.Live()}) }

// waitFor handles messages until ok holds (or fails the test after a
// while).
func (d *driver) waitFor(what string, ok func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			d.t.Fatalf("waited in vain for %s; notices %q", what, d.notices)
		}
		d.pumpFor(10 * time.Millisecond)
	}
}

func TestTheBoardPollsForWhatOthersDo(t *testing.T) {
	env := newEnv(t)
	env.card("To Do", "Mine")
	d := env.driver(t.TempDir())
	d.r.every = 20 * time.Millisecond
	d.settle()
	d.live()
	st := d.e.Status()
	if !st.Polling || st.SyncedAt.IsZero() {
		t.Fatalf("status %+v: want polling, with when it last synced", st)
	}
	// Someone adds a card and renames another in Taskade.
	env.card("Doing", "Theirs")
	env.srv.SetText(env.project, d.card("Mine").ID, "Mine, renamed by Bob")
	d.waitFor("their changes on the board", func() bool {
		return same(d.titles("Doing"), []string{"Theirs"}) && same(d.titles("To Do"), []string{"Mine, renamed by Bob"})
	})
}

func TestOwnChangesAreFollowedByAFetch(t *testing.T) {
	env := newEnv(t)
	env.card("To Do", "Card")
	d := env.driver(t.TempDir())
	d.settle()
	d.details() // read: the loop now polls every 15 s
	d.live()
	lists := env.srv.Hits(listRoute)
	d.do(d.e.State().Shift(d.card("Card").ID, 2, time.Now())) // to Done: Taskade completes it
	d.waitFor("a fetch soon after the change", func() bool { return env.srv.Hits(listRoute) > lists })
	if !d.card("Card").Done() {
		t.Fatal("the card moved to Done is not done")
	}
}

// A poll that finds the project as it was writes nothing to disk; one
// that finds a change writes what lanes keeps of the project again.
func TestAnUnchangedPollWritesNothing(t *testing.T) {
	env := newEnv(t)
	env.card("To Do", "Card")
	dir := t.TempDir()
	r := NewRemote(env.client(), env.project, dir, env.srv.URL)
	ctx := context.Background()
	if _, err := r.Fetch(ctx, env.project); err != nil {
		t.Fatal(err)
	}
	waitDetails(r)
	if _, err := r.Fetch(ctx, env.project); err != nil { // shows the details read
		t.Fatal(err)
	}
	if err := os.Remove(r.path); err != nil {
		t.Fatalf("no knowledge file after a fetch: %v", err)
	}
	if _, err := r.Fetch(ctx, env.project); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an unchanged poll wrote the knowledge file (%v)", err)
	}
	env.card("Doing", "New in Taskade")
	if _, err := r.Fetch(ctx, env.project); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.path); err != nil {
		t.Fatalf("a poll that found a new card did not write the knowledge file: %v", err)
	}
	waitDetails(r) // the new card's, read in the background, are written before the directory goes
}
