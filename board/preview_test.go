package board

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server/store"
)

// seedColumn puts n tasks in the project's first column straight through
// the store.
func (env *testEnv) seedColumn(n int) {
	env.t.Helper()
	col := env.colID("To Do")
	for done := 0; done < n; {
		if err := env.st.Write(context.Background(), func(tx *store.Tx) error {
			for k := 0; k < 500 && done < n; k++ {
				if err := tx.CreateTask(&store.Task{ProjectID: env.project, SpaceID: env.space, StatusID: &col,
					Title: fmt.Sprintf("card %04d", done), Priority: "none", CreatorID: env.userID}); err != nil {
					return err
				}
				done++
			}
			return nil
		}); err != nil {
			env.t.Fatal(err)
		}
	}
}

// TestPreviewPaintsTheHeadThenTheWholeBoard: a large board opened for a
// screen shows its columns' first cards (and their sizes) at once, takes
// no change until the rest of its cache is read, and then is the very
// board a plain open gives, with the outbox's waiting change sent and
// what the feed brought meanwhile taken in.
func TestPreviewPaintsTheHeadThenTheWholeBoard(t *testing.T) {
	env := newTestEnv(t, 51)
	env.seedColumn(cacheSmall + 300)
	dir := t.TempDir()
	d := env.driver(dir, env.token)
	d.settle(20 * time.Second)
	d.close()

	// Offline: a change to a card far down the column waits in the outbox.
	env.proxy.set(faults{Reset: 1})
	d = env.driver(dir, env.token)
	far := d.card(fmt.Sprintf("card %04d", cacheSmall+200))
	if !d.do(d.e.State().StepPriority(far.ID, 2, t0)) {
		t.Fatal("the change was not made")
	}
	d.pumpFor(50 * time.Millisecond)
	d.e.Abandon()
	plain, err := Open(context.Background(), Options{Dir: dir, Server: env.srv.URL, ProjectID: env.project, Remote: nowhere{}})
	if err != nil {
		t.Fatal(err)
	}
	want := plain.State()
	plain.Abandon()

	env.proxy.set(faults{})
	e, err := Open(context.Background(), Options{Dir: dir, Server: env.srv.URL, ProjectID: env.project, Remote: NewRemote(env.client(env.proxy.URL(), env.token)), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	todo := env.colID("To Do")
	st := e.State()
	if !e.Loading() || len(st.Column(todo)) != cacheHead || st.ColumnSize(todo) != cacheSmall+300 || st.Len() != cacheHead {
		t.Fatalf("the preview: loading %v, %d cards shown of %d (size %d)", e.Loading(), len(st.Column(todo)), cacheSmall+300, st.ColumnSize(todo))
	}
	for i, id := range st.Column(todo) {
		if id != want.Column(todo)[i] {
			t.Fatalf("card %d of the preview is %s, the board's %s", i, id, want.Column(todo)[i])
		}
	}
	if _, err := e.Do(Mutation{Kind: KindArchive, TaskID: st.Column(todo)[0]}); !errors.Is(err, ErrLoading) {
		t.Fatalf("a change while loading: %v", err)
	}
	if e.Refresh() != nil {
		t.Fatal("a fetch set out before the board was read")
	}
	// A change elsewhere arrives on the feed while the rest is read.
	var p api.TaskPatch
	p.Title.Set("renamed elsewhere")
	first, err := env.direct.UpdateTask(context.Background(), st.Column(todo)[0], p)
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte(fmt.Sprintf(`{"id":%q,"projectId":%q,"statusId":%q,"title":"renamed elsewhere","position":%q,"priority":"none","version":%d}`,
		first.ID, env.project, todo, first.Position, first.Version))
	if cmds, _ := e.Update(LiveMsg{e: e, events: []api.Event{{Seq: 1, Kind: "task.updated", Data: raw}}}); len(cmds) != 1 {
		t.Fatalf("the feed's change while loading gave %d commands, want the next Live", len(cmds))
	}
	d = &driver{t: t, env: env, dir: dir, token: env.token, e: e, msgs: make(chan any, 1024)}
	cmds := e.Start()
	if len(cmds) != 1 {
		t.Fatalf("Start while loading gave %d commands, want the cache's rest", len(cmds))
	}
	d.handle(cmds[0]())
	if e.Loading() {
		t.Fatal("still loading after the rest was read")
	}
	got := e.State()
	if got.Len() != want.Len() || len(got.Column(todo)) != len(want.Column(todo)) {
		t.Fatalf("after the rest: %d cards, want %d", got.Len(), want.Len())
	}
	if c, _ := got.Card(far.ID); c.Priority != PriorityMedium {
		t.Fatalf("the waiting change: priority %s", c.Priority)
	}
	if c, _ := got.Card(first.ID); c.Title != "renamed elsewhere" {
		t.Fatalf("the feed's change: %q", c.Title)
	}
	d.settle(20 * time.Second)
	if tasks := env.serverTasks()[far.Title]; len(tasks) != 1 || tasks[0].Priority != api.PriorityMedium {
		t.Fatalf("the server has the far card as %+v", tasks)
	}
	d.close()
}
