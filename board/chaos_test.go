package board

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

var chaosFull = flag.Bool("lanes.chaos", false, "run the full randomized fault test: 10,000 mutations over 300 cards")

// modelCard is what a person intended for one card, kept by plain
// bookkeeping beside the engine.
type modelCard struct {
	col      string
	done     bool
	priority Priority
	archived bool
	deleted  bool
	comments int
	due      *time.Time
}

// TestChaos makes random changes through the engine while a proxy resets
// connections, drops answers after the server committed, answers 503 and
// 429, and adds latency, and while the engine is thrown away and rebuilt
// from its data directory at random moments (as after kill -9). Then it
// checks the server holds exactly what was intended: no change lost, none
// applied twice, no card duplicated. The seed is LANES_CHAOS_SEED or 42.
//
// The server takes batches, so the changes that pile up while the proxy
// fails go many to a request, and a batch's answer dropped after the
// server committed it is sent again whole.
func TestChaos(t *testing.T) {
	mutations, maxCards := 1000, 80
	if testing.Short() {
		mutations, maxCards = 300, 40
	}
	if *chaosFull {
		mutations, maxCards = 10_000, 300
	}
	env := runChaos(t, mutations, maxCards, false)
	if env.proxy.count("batch") == 0 {
		t.Error("no batch was sent: the test did not exercise batching")
	}
}

// TestChaosOneRequestPerChange is TestChaos as against a server without
// batches: every change its own request.
func TestChaosOneRequestPerChange(t *testing.T) {
	mutations, maxCards := 500, 50
	if testing.Short() {
		mutations, maxCards = 200, 30
	}
	if *chaosFull {
		mutations, maxCards = 10_000, 300
	}
	env := runChaos(t, mutations, maxCards, true)
	if n := env.proxy.count("batch"); n != 0 {
		t.Errorf("%d batches sent by an engine told to send none", n)
	}
}

func runChaos(t *testing.T, mutations, maxCards int, noBatch bool) *testEnv {
	seed := uint64(42)
	if s, err := strconv.ParseUint(os.Getenv("LANES_CHAOS_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(seed, 0x1a2e5))
	env := newTestEnv(t, seed)
	doneCol := map[string]bool{}
	for _, c := range env.cols {
		doneCol[c.ID] = c.IsDone
	}
	env.proxy.set(faults{Reset: 0.05, Drop: 0.05, Unavailable: 0.03, RateLimit: 0.02, MaxLatency: 2 * time.Millisecond})
	d := env.driverWith(t.TempDir(), env.token, func(d *driver) { d.noBatch = noBatch })
	d.waitLoaded(time.Minute)
	model := map[string]*modelCard{}
	created, crashes, accepted := 0, 0, 0
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	for i := 0; i < mutations; i++ {
		d.drain()
		if rng.Float64() < 0.01 {
			d.crash()
			crashes++
		}
		s := d.e.State()
		var ids []string
		for _, c := range s.Columns() {
			ids = append(ids, s.Column(c.ID)...)
		}
		now := time.Now()
		if len(ids) == 0 || (created < maxCards && rng.Float64() < 0.12) {
			col := env.cols[rng.IntN(len(env.cols))].ID
			title := fmt.Sprintf("card %d", created)
			if d.do(s.NewCard(env.project, col, title, now)) {
				model[title] = &modelCard{col: col, done: doneCol[col], priority: PriorityNone}
				created++
				accepted++
			}
			continue
		}
		pick := ids[rng.IntN(len(ids))]
		c, ok := s.Card(pick)
		if !ok {
			t.Fatalf("step %d: column lists card %s, which the board does not have (temp %v)", i, pick, IsTemp(pick))
		}
		mc := model[c.Title]
		if mc == nil {
			t.Fatalf("step %d: the board shows %q, which was never made", i, c.Title)
		}
		var m Mutation
		var err error
		switch op := rng.IntN(100); {
		case op < 25:
			m, err = s.Shift(c.ID, []int{-1, 1}[rng.IntN(2)], now)
		case op < 40:
			m, err = s.ToggleDone(c.ID, now)
		case op < 55:
			m, err = s.StepPriority(c.ID, []int{-1, 1}[rng.IntN(2)], now)
		case op < 67:
			m, err = s.Reorder(c.ID, []int{-1, 1}[rng.IntN(2)], now)
		case op < 79:
			m, err = s.AddComment(c.ID, fmt.Sprintf("comment %d", i), now)
		case op < 87:
			if rng.IntN(3) == 0 {
				m, err = s.SetDue(c.ID, nil, now)
			} else {
				due := day.AddDate(0, 0, rng.IntN(30))
				m, err = s.SetDue(c.ID, &due, now)
			}
		case op < 94:
			m, err = s.SetArchived(c.ID, true, now)
		default:
			m, err = s.Delete(c.ID, now)
		}
		if !d.do(m, err) {
			continue
		}
		accepted++
		switch m.Kind {
		case KindMove:
			mc.col, mc.done = *m.StatusID, doneCol[*m.StatusID]
		case KindComplete, KindReopen:
			mc.done = m.Kind == KindComplete
			if m.StatusID != nil {
				mc.col = *m.StatusID
			}
		case KindPriority:
			mc.priority = *m.Priority
		case KindComment:
			mc.comments++
		case KindDue:
			mc.due = m.Due
		case KindArchive:
			mc.archived = true
		case KindDelete:
			mc.deleted = true
		}
	}
	env.proxy.set(faults{})
	d.settle(30 * time.Second)
	t.Logf("seed %d: %d mutations accepted, %d cards, %d crashes; proxy: %s", seed, accepted, created, crashes, env.proxy.summary())
	if accepted < mutations*3/4 {
		t.Errorf("only %d of %d changes were accepted: the test did not exercise the engine", accepted, mutations)
	}
	if len(d.notices) > 0 {
		t.Errorf("the engine refused or dropped changes under faults alone: %q", d.notices)
	}

	onServer := env.serverTasks()
	for title, mc := range model {
		got := onServer[title]
		delete(onServer, title)
		if mc.deleted {
			if len(got) != 0 {
				t.Errorf("%s: deleted, but the server has %d", title, len(got))
			}
			continue
		}
		if len(got) != 1 {
			t.Errorf("%s: the server has %d copies, want 1", title, len(got))
			continue
		}
		k := got[0]
		switch {
		case k.StatusID == nil || *k.StatusID != mc.col:
			t.Errorf("%s: in column %v, want %s", title, k.StatusID, mc.col)
		case (k.CompletedAt != nil) != mc.done:
			t.Errorf("%s: completed %v, want %v", title, k.CompletedAt != nil, mc.done)
		case string(k.Priority) != string(mc.priority):
			t.Errorf("%s: priority %s, want %s", title, k.Priority, mc.priority)
		case k.IsArchived != mc.archived:
			t.Errorf("%s: archived %v, want %v", title, k.IsArchived, mc.archived)
		case k.CommentCount != mc.comments:
			t.Errorf("%s: %d comments, want %d (a comment lost or made twice)", title, k.CommentCount, mc.comments)
		case (k.DueDate == nil) != (mc.due == nil) || (mc.due != nil && !k.DueDate.Equal(*mc.due)):
			t.Errorf("%s: due %v, want %v", title, k.DueDate, mc.due)
		}
	}
	for title, extra := range onServer {
		t.Errorf("the server has %d card(s) %q that nobody made", len(extra), title)
	}
	d.close()
	return env
}

// waitLoaded handles messages until the engine has the board's columns.
func (d *driver) waitLoaded(limit time.Duration) {
	d.t.Helper()
	deadline := time.Now().Add(limit)
	for len(d.e.State().Columns()) == 0 {
		if time.Now().After(deadline) {
			d.t.Fatalf("the board never loaded: %+v", d.e.Status())
		}
		select {
		case msg := <-d.msgs:
			d.outstanding.Add(-1)
			d.handle(msg)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// drain handles whatever answers have arrived, without waiting.
func (d *driver) drain() {
	for {
		select {
		case msg := <-d.msgs:
			d.outstanding.Add(-1)
			d.handle(msg)
		default:
			return
		}
	}
}
