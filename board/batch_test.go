package board

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// goOffline cuts the board off from the server: the proxy resets every
// request.
func (d *driver) goOffline() {
	d.t.Helper()
	d.env.proxy.set(faults{Reset: 1})
}

// offlineWork makes n changes while the server can't be reached: new
// cards, and moves, priorities, due dates and comments spread over the
// cards there are, as a person working on a train would. It returns how
// many changes the engine took.
func (d *driver) offlineWork(n int, seed uint64, seedOnly bool) int {
	d.t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	cols := d.e.State().Columns()
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	made := 0
	for i := 0; made < n; i++ {
		if i > 4*n {
			d.t.Fatalf("only %d of %d changes were taken", made, n)
		}
		d.drain()
		s := d.e.State()
		var ids []string
		for _, c := range s.Columns() {
			ids = append(ids, s.Column(c.ID)...)
		}
		now := time.Now()
		if len(ids) < 20 || rng.IntN(4) == 0 {
			m, err := s.NewCard(d.env.project, cols[rng.IntN(len(cols))].ID, fmt.Sprintf("offline %d", i), now)
			if d.do(m, err) {
				made++
			}
			continue
		}
		id := ids[rng.IntN(len(ids))]
		var m Mutation
		var err error
		switch k := rng.IntN(4); {
		case k == 0:
			m, err = s.Shift(id, []int{-1, 1}[rng.IntN(2)], now)
		case k == 1:
			m, err = s.StepPriority(id, 1, now)
		case k == 2 || seedOnly:
			due := day.AddDate(0, 0, rng.IntN(30))
			m, err = s.SetDue(id, &due, now)
		default:
			m, err = s.AddComment(id, fmt.Sprintf("note %d", i), now)
		}
		if d.do(m, err) {
			made++
		}
	}
	return made
}

// sameAsServer fails unless every card on the board is on the server as
// the board shows it, and the server has no card the board lacks.
func (d *driver) sameAsServer(comments bool) {
	d.t.Helper()
	onServer := map[string]api.Task{}
	for _, ts := range d.env.serverTasks() {
		for _, k := range ts {
			onServer[k.ID] = k
		}
	}
	n := 0
	d.e.State().each(func(c *Card) {
		n++
		k, ok := onServer[c.ID]
		switch {
		case !ok:
			d.t.Errorf("%q (%s) is on the board, not on the server", c.Title, c.ID)
		case k.StatusID == nil || *k.StatusID != c.StatusID || string(k.Priority) != string(c.Priority):
			d.t.Errorf("%q: the server has column %v priority %s, the board %s %s", c.Title, k.StatusID, k.Priority, c.StatusID, c.Priority)
		case (k.DueDate == nil) != (c.Due == nil) || (c.Due != nil && !k.DueDate.Equal(*c.Due)):
			d.t.Errorf("%q: due %v on the server, %v on the board", c.Title, k.DueDate, c.Due)
		case comments && k.CommentCount != c.Comments:
			d.t.Errorf("%q: %d comments on the server, %d on the board", c.Title, k.CommentCount, c.Comments)
		}
	})
	if n != len(onServer) {
		d.t.Errorf("the board has %d cards, the server %d", n, len(onServer))
	}
}

// A board back online with 500 changes waiting sends them in a few
// batches, not 500 requests, and the server ends up with exactly them.
// Against a seed-only server the same board sends one request per change
// and asks for no batch.
func TestOutboxDrainsInBatches(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []server.Option
		seedOnly bool
	}{
		{"lanes", nil, false},
		{"seed", []server.Option{server.WithAPI(server.APISeed)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, 3, tc.opts...)
			d := env.driver(t.TempDir(), env.token)
			d.waitLoaded(time.Minute)
			d.settle(10 * time.Second)

			d.goOffline()
			made := d.offlineWork(500, 3, tc.seedOnly)
			waiting := d.e.Status().Waiting
			before, batches := env.proxy.count("forwarded"), env.proxy.count("batch")
			env.proxy.set(faults{})
			d.settle(time.Minute)
			trips, sent := env.proxy.count("forwarded")-before, env.proxy.count("batch")-batches
			t.Logf("%d changes (%d waiting) sent in %d requests, %d of them batches", made, waiting, trips, sent)
			if len(d.notices) > 0 {
				t.Errorf("changes refused or dropped: %q", d.notices)
			}
			if waiting != made {
				t.Errorf("%d changes waiting of %d made offline", waiting, made)
			}
			d.sameAsServer(!tc.seedOnly)
			if tc.seedOnly {
				if sent != 0 {
					t.Errorf("%d batches sent to a seed-only server", sent)
				}
				if trips < 100 {
					t.Errorf("%d requests to a seed-only server for %d changes", trips, made)
				}
			} else if trips > 30 || sent == 0 {
				t.Errorf("%d requests (%d batches) for %d changes, want a few batches", trips, sent, made)
			}
			d.close()
		})
	}
}

// Each change in a batch is answered as alone: a move into a column
// deleted elsewhere is refused and snaps back with a message, a change to a
// card deleted elsewhere is dropped as gone, and the changes beside them in
// the same batch land.
func TestOutboxBatchAnswersEachChange(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t, 4)
	d := env.driver(t.TempDir(), env.token)
	d.waitLoaded(time.Minute)
	extra, err := env.direct.CreateStatus(ctx, api.StatusCreate{ProjectID: env.project, Name: "Extra"})
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"mover", "keeper", "talker", "doomed"} {
		m, err := d.e.State().NewCard(env.project, "", title, time.Now())
		if !d.do(m, err) {
			t.Fatalf("create %s refused", title)
		}
	}
	d.settle(10 * time.Second)
	if c := d.e.Refresh(); c != nil {
		d.run([]Cmd{c})
	}
	d.settle(10 * time.Second)
	if _, ok := d.e.State().ColumnByID(extra.ID); !ok {
		t.Fatal("the board never saw the new column")
	}
	card := func(title string) *Card {
		c := d.card(title)
		if c == nil {
			t.Fatalf("no card %q", title)
		}
		return c
	}
	mover, keeper, talker, doomed := card("mover"), card("keeper"), card("talker"), card("doomed")
	from := mover.StatusID

	d.goOffline()
	now := time.Now()
	for _, mk := range []func() (Mutation, error){
		func() (Mutation, error) { return d.e.State().MoveTo(mover.ID, extra.ID, now) },
		func() (Mutation, error) { return d.e.State().StepPriority(keeper.ID, 2, now) },
		func() (Mutation, error) { return d.e.State().AddComment(talker.ID, "still here", now) },
		func() (Mutation, error) { return d.e.State().StepPriority(doomed.ID, 1, now) },
	} {
		if !d.do(mk()) {
			t.Fatal("a change was refused offline")
		}
	}
	if err := env.direct.DeleteStatus(ctx, extra.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := env.direct.DeleteTask(ctx, doomed.ID); err != nil {
		t.Fatal(err)
	}
	batches := env.proxy.count("batch")
	env.proxy.set(faults{})
	d.settle(10 * time.Second)
	if env.proxy.count("batch") == batches {
		t.Fatal("the changes were not sent as a batch")
	}
	notices := strings.Join(d.notices, "\n")
	if !strings.Contains(notices, "Couldn't move") || !strings.Contains(notices, "not a column") {
		t.Errorf("no word of the refused move: %q", d.notices)
	}
	if !strings.Contains(notices, "deleted elsewhere") {
		t.Errorf("no word of the card deleted elsewhere: %q", d.notices)
	}
	if c := d.card("mover"); c == nil || c.StatusID != from {
		t.Errorf("the refused move did not snap back: %+v", c)
	}
	if d.card("doomed") != nil {
		t.Error("the card deleted elsewhere is still on the board")
	}
	on := env.serverTasks()
	if k := on["keeper"]; len(k) != 1 || k[0].Priority == api.PriorityNone {
		t.Errorf("keeper on the server: %+v", k)
	}
	if k := on["talker"]; len(k) != 1 || k[0].CommentCount != 1 {
		t.Errorf("talker on the server: %+v", k)
	}
	d.close()
}

// A change to a card the person then deleted, which finds the card already
// gone (an earlier run of lanes did the delete and was killed before its
// outbox said so), is dropped without a word, as is the delete: gone is
// what they asked for. A card gone that they did not delete is still news.
func TestChangesBeforeOwnDeleteNeedNoWord(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t, 6)
	d := env.driver(t.TempDir(), env.token)
	d.waitLoaded(time.Minute)
	for _, title := range []string{"deleted twice", "deleted elsewhere"} {
		m, err := d.e.State().NewCard(env.project, "", title, time.Now())
		if !d.do(m, err) {
			t.Fatal("create refused")
		}
	}
	d.settle(10 * time.Second)
	twice, elsewhere := d.card("deleted twice"), d.card("deleted elsewhere")
	d.goOffline()
	now := time.Now()
	for _, mk := range []func() (Mutation, error){
		func() (Mutation, error) { return d.e.State().StepPriority(twice.ID, 1, now) },
		func() (Mutation, error) { return d.e.State().AddComment(twice.ID, "before the delete", now) },
		func() (Mutation, error) { return d.e.State().Delete(twice.ID, now) },
		func() (Mutation, error) { return d.e.State().StepPriority(elsewhere.ID, 1, now) },
	} {
		if !d.do(mk()) {
			t.Fatal("a change was refused offline")
		}
	}
	for _, id := range []string{twice.ID, elsewhere.ID} {
		if err := env.direct.DeleteTask(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	env.proxy.set(faults{})
	d.settle(10 * time.Second)
	if len(d.notices) != 1 || !strings.Contains(d.notices[0], "deleted elsewhere") {
		t.Fatalf("notices %q, want one, for the card deleted elsewhere", d.notices)
	}
	if d.card("deleted twice") != nil || d.card("deleted elsewhere") != nil {
		t.Fatal("a deleted card is still on the board")
	}
	d.close()
}
