package board

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// testEnv is a real lanes server (httptest, SQLite in a temp dir) with a
// fault proxy in front, a project, and tokens.
type testEnv struct {
	t       testing.TB
	st      *store.Store
	srv     *httptest.Server
	proxy   *faultProxy
	userID  string
	ts      *testenv.Server
	token   string
	space   string
	project string
	direct  *api.Client // straight to the server, for checking what it holds
	cols    []api.Status
}

func newTestEnv(t testing.TB, seed uint64, opts ...server.Option) *testEnv {
	t.Helper()
	ctx := context.Background()
	ts := testenv.Start(t, opts...)
	srv := ts.HTTP
	env := &testEnv{t: t, st: ts.Store, srv: srv, ts: ts}
	env.userID, env.token = ts.User(t, "owner")
	env.proxy = newFaultProxy(t, strings.TrimPrefix(srv.URL, "http://"), seed)
	env.direct = env.client(srv.URL, env.token)
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

func (env *testEnv) client(base, token string) *api.Client {
	env.t.Helper()
	return api.New(base, token, api.WithTimeout(3*time.Second), api.WithRetry(3, time.Millisecond, 10*time.Millisecond))
}

// serverTasks is every task on the server, archived too, by title.
func (env *testEnv) serverTasks() map[string][]api.Task {
	env.t.Helper()
	out := map[string][]api.Task{}
	for _, archived := range []bool{false, true} {
		ts, err := env.direct.Tasks(context.Background(), env.project, api.ListTasksOptions{Archived: archived})
		if err != nil {
			env.t.Fatal(err)
		}
		for _, t := range ts {
			out[t.Title] = append(out[t.Title], t)
		}
	}
	return out
}

// driver runs an engine as Bubble Tea would: each Cmd in its own goroutine,
// each answer handed to Update one at a time, on this goroutine.
type driver struct {
	t           testing.TB
	env         *testEnv
	dir         string
	token       string
	e           *Engine
	msgs        chan any
	outstanding atomic.Int64
	notices     []string
	// debug (LANES_DEBUG_ENGINE=1) logs every change, answer and fetch.
	debug bool
	// log, if set, is the engine's Options.Log.
	log *slog.Logger
	// noBatch sends one request per change though the server takes
	// batches (Options.NoBatch).
	noBatch bool
	// direct talks to the server itself, not through the fault proxy
	// (which holds each answer whole, so it can't carry a live feed),
	// waiting wait (if set) before trying a failed read again.
	direct bool
	wait   time.Duration
	// preview opens as a screen does (Options.Preview).
	preview bool
}

func (env *testEnv) driver(dir, token string) *driver {
	return env.driverWith(dir, token, nil)
}

// driverWith is driver with set changing the driver before it opens.
func (env *testEnv) driverWith(dir, token string, set func(*driver)) *driver {
	d := &driver{t: env.t, env: env, dir: dir, token: token, msgs: make(chan any, 1024), debug: os.Getenv("LANES_DEBUG_ENGINE") != ""}
	if set != nil {
		set(d)
	}
	d.open()
	return d
}

func (d *driver) open() {
	d.t.Helper()
	client := d.env.client(d.env.proxy.URL(), d.token)
	if d.direct {
		client = d.env.client(d.env.srv.URL, d.token)
		if d.wait > 0 {
			client = api.New(d.env.srv.URL, d.token, api.WithTimeout(3*time.Second), api.WithRetry(3, d.wait, d.wait))
		}
	}
	e, err := Open(context.Background(), Options{
		Dir: d.dir, Server: d.env.srv.URL, ProjectID: d.env.project, SpaceID: d.spaceID(),
		Remote:      NewRemote(client),
		BackoffBase: time.Millisecond, BackoffCap: 20 * time.Millisecond, Log: d.log, NoBatch: d.noBatch, Preview: d.preview,
	})
	if err != nil {
		d.t.Fatal(err)
	}
	d.e = e
	if d.debug {
		var ps []string
		for _, m := range e.pending {
			ps = append(ps, fmt.Sprintf("%s/%s/%s", m.ID[:8], m.Kind, m.TaskID))
		}
		var gones []string
		for _, dl := range e.journal.o.deltas {
			if dl.line.Gone != "" {
				gones = append(gones, dl.line.Gone)
			}
		}
		d.t.Logf("opened: renamed %v; pending %v; gone deltas %v; cards %d", e.renamed, ps, gones, e.confirmed.Len())
		e.dropped = func(m Mutation, err error) {
			createPending := false
			for _, q := range e.pending {
				createPending = createPending || (q.Kind == KindCreate && q.TaskID == m.TaskID)
			}
			var same []string
			for _, q := range e.pending {
				if q.TaskID == m.TaskID {
					same = append(same, fmt.Sprintf("%s/%s/seq%d", q.ID[:8], q.Kind, q.Seq))
				}
			}
			_, inConf := e.confirmed.Card(m.TaskID)
			d.t.Logf("dropped %s %s %s seq%d: %v (create pending %v, in confirmed %v, pending on it %v)", m.ID[:8], m.Kind, m.TaskID, m.Seq, err, createPending, inConf, same)
		}
	}
	d.run(e.Start())
}

// spaceID is the project's space, for a driver that follows the live
// feed (the others never ask for it, as before).
func (d *driver) spaceID() string {
	if d.direct {
		return d.env.space
	}
	return ""
}

func (d *driver) run(cmds []Cmd) {
	for _, c := range cmds {
		d.outstanding.Add(1)
		go func() { d.msgs <- c() }()
	}
}

func (d *driver) handle(msg any) {
	var had map[string]bool
	if d.debug {
		had = map[string]bool{}
		d.e.confirmed.each(func(c *Card) { had[c.ID] = true })
	}
	cmds, _ := d.e.Update(msg)
	if d.debug {
		now := map[string]bool{}
		d.e.confirmed.each(func(c *Card) { now[c.ID] = true })
		for id := range had {
			if !now[id] {
				d.t.Logf("confirmed lost %s on %T %+v", id, msg, describeMsg(msg))
			}
		}
	}
	n := d.e.Notices()
	if d.debug {
		switch m := msg.(type) {
		case sentMsg:
			d.t.Logf("sent %s %s key=%s err=%v", m.req.Op, m.req.TaskID, m.req.Key, m.err)
		case fetchedMsg:
			d.t.Logf("fetched mark=%d cards=%d err=%v", m.mark, len(m.board.Cards), m.err)
		}
		if len(n) > 0 {
			d.t.Logf("notices after %T: %q", msg, n)
		}
	}
	d.notices = append(d.notices, n...)
	d.checkStates(fmt.Sprintf("after %T", msg))
	d.run(cmds)
}

// do hands a mutation to the engine; its outbox write runs at once, so a
// crash after do returns loses nothing (the change was accepted).
func (d *driver) do(m Mutation, err error) bool {
	d.t.Helper()
	if err != nil {
		return false
	}
	cmds, err := d.e.Do(m)
	if err != nil {
		return false
	}
	if d.debug {
		d.t.Logf("do %s %s %s", m.ID[:8], m.Kind, m.TaskID)
	}
	d.checkStates("after Do " + string(m.Kind))
	for _, c := range cmds {
		d.handle(c())
	}
	return true
}

func (d *driver) checkStates(when string) {
	d.t.Helper()
	if err := d.e.view.Check(); err != nil {
		d.t.Fatalf("%s: the view is inconsistent: %v", when, err)
	}
	if err := d.e.confirmed.Check(); err != nil {
		d.t.Fatalf("%s: the confirmed state is inconsistent: %v", when, err)
	}
}

// pumpFor handles messages for a while.
func (d *driver) pumpFor(dur time.Duration) {
	deadline := time.After(dur)
	for {
		select {
		case msg := <-d.msgs:
			d.outstanding.Add(-1)
			d.handle(msg)
		case <-deadline:
			return
		}
	}
}

// settle handles messages until nothing is pending or in flight.
func (d *driver) settle(limit time.Duration) {
	d.t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if d.e.Status().Waiting == 0 && d.outstanding.Load() == 0 {
			return
		}
		select {
		case msg := <-d.msgs:
			d.outstanding.Add(-1)
			d.handle(msg)
		case <-time.After(50 * time.Millisecond):
		}
	}
	var why []string
	for _, m := range d.e.pending {
		why = append(why, fmt.Sprintf("%s %s task=%s persisted=%v inflight=%v", m.ID[:8], m.Kind, m.TaskID, d.e.persisted[m.ID], d.e.inflight[m.TaskID]))
	}
	d.t.Fatalf("engine did not settle: %+v, %d commands out, paused=%v fetching=%v\n%s", d.e.Status(), d.outstanding.Load(), d.e.paused, d.e.fetching, strings.Join(why, "\n"))
}

// crash throws the engine away as kill -9 would and starts a new one on the
// same data directory. Answers still on their way to the old one are lost.
func (d *driver) crash() {
	if d.debug {
		d.t.Logf("crash")
	}
	d.e.Abandon()
	d.open()
}

func (d *driver) close() {
	d.settle(10 * time.Second)
	if err := d.e.Close(); err != nil {
		d.t.Fatal(err)
	}
}

func (d *driver) card(title string) *Card {
	var found *Card
	d.e.State().each(func(c *Card) {
		if c.Title == title {
			found = c
		}
	})
	return found
}

func (env *testEnv) colID(name string) string {
	for _, c := range env.cols {
		if c.Name == name {
			return c.ID
		}
	}
	env.t.Fatalf("no column %s", name)
	return ""
}

func TestEngineShowsAtOnceThenConfirms(t *testing.T) {
	env := newTestEnv(t, 1)
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	s := d.e.State()
	m, err := s.NewCard(env.project, "", "Write the docs", time.Now())
	if !d.do(m, err) {
		t.Fatal("create refused")
	}
	// Before any answer from the server, the card is on the board.
	if c := d.card("Write the docs"); c == nil || !IsTemp(c.ID) || !d.e.Pending(c.ID) {
		t.Fatalf("new card not shown at once as pending: %+v", c)
	}
	if d.e.Status().State != Syncing || d.e.Status().Waiting != 1 {
		t.Fatalf("status %+v, want syncing with 1 waiting", d.e.Status())
	}
	// Moving it before the server answers is fine: it waits for the create.
	d.do(d.e.State().Shift(m.TaskID, 1, time.Now()))
	d.do(d.e.State().Shift(m.TaskID, 1, time.Now()))
	d.settle(5 * time.Second)
	c := d.card("Write the docs")
	if c == nil || IsTemp(c.ID) || d.e.Resolve(m.TaskID) != c.ID {
		t.Fatalf("after confirmation the card has id %v; Resolve gives %s", c, d.e.Resolve(m.TaskID))
	}
	onServer := env.serverTasks()["Write the docs"]
	if len(onServer) != 1 || *onServer[0].StatusID != env.colID("In Review") {
		t.Fatalf("server has %+v, want one card in In Review", onServer)
	}
	if st := d.e.Status(); st.State != Synced || st.Waiting != 0 {
		t.Fatalf("status %+v, want synced", st)
	}
	d.close()
}

func TestEngineRefusalSnapsBackWithReason(t *testing.T) {
	env := newTestEnv(t, 2)
	ctx := context.Background()
	// A team space where a viewer looks at the owner's card.
	sp, err := env.direct.CreateSpace(ctx, api.SpaceCreate{Name: "Team", Slug: "team-refusal"})
	if err != nil {
		t.Fatal(err)
	}
	projects, _ := env.direct.Projects(ctx, sp.ID)
	env.project = projects[0].ID
	env.cols, _ = env.direct.Statuses(ctx, env.project)
	if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Ship it"}); err != nil {
		t.Fatal(err)
	}
	viewer, vtok := env.ts.User(t, "vera")
	if _, err := env.direct.AddMember(ctx, sp.ID, viewer, api.RoleViewer); err != nil {
		t.Fatal(err)
	}
	d := env.driver(t.TempDir(), vtok)
	d.settle(5 * time.Second)
	c := d.card("Ship it")
	if c == nil {
		t.Fatal("viewer does not see the card")
	}
	d.do(d.e.State().Shift(c.ID, 1, time.Now()))
	if got := d.e.State().ColumnOf(d.card("Ship it")); got != env.colID("In Progress") {
		t.Fatalf("the move did not show at once")
	}
	d.settle(5 * time.Second)
	if got := d.e.State().ColumnOf(d.card("Ship it")); got != env.colID("To Do") {
		t.Fatalf("refused move did not snap back: in %s", got)
	}
	reason, ok := d.e.RefusedReason(c.ID)
	if !ok || !strings.Contains(reason, "Viewers can't") {
		t.Fatalf("refused reason %q", reason)
	}
	if len(d.notices) == 0 || !strings.Contains(d.notices[len(d.notices)-1], `Couldn't move "Ship it": Viewers can't`) {
		t.Fatalf("notices %q, want the reason in words", d.notices)
	}
	d.close()
}

func TestEngineOfflineKeepsEveryChangeAndMergesThem(t *testing.T) {
	env := newTestEnv(t, 3)
	ctx := context.Background()
	task, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Offline card"})
	if err != nil {
		t.Fatal(err)
	}
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	env.proxy.set(faults{Reset: 1}) // the network is gone
	for i := 0; i < 3; i++ {
		d.do(d.e.State().Shift(task.ID, 1, time.Now()))
	}
	d.do(d.e.State().StepPriority(task.ID, 2, time.Now()))
	d.pumpFor(300 * time.Millisecond)
	st := d.e.Status()
	if st.State != Offline || st.Waiting != 4 {
		t.Fatalf("status %+v, want offline with 4 waiting", st)
	}
	if c := d.card("Offline card"); c.StatusID != env.colID("Done") || c.Priority != PriorityMedium {
		t.Fatalf("the board does not show the offline changes: %+v", c)
	}
	before := env.proxy.count("forwarded")
	env.proxy.set(faults{})
	d.settle(10 * time.Second)
	if sent := env.proxy.count("forwarded") - before; sent != 1 {
		t.Errorf("%d requests reached the server, want the 4 changes merged into 1 PATCH", sent)
	}
	got := env.serverTasks()["Offline card"][0]
	if *got.StatusID != env.colID("Done") || got.CompletedAt == nil || got.Priority != "medium" {
		t.Fatalf("server has %+v", got)
	}
	d.close()
}

func TestEngineReplaysOutboxAfterCrash(t *testing.T) {
	env := newTestEnv(t, 4)
	dir := t.TempDir()
	d := env.driver(dir, env.token)
	d.settle(5 * time.Second)
	env.proxy.set(faults{Reset: 1})
	m, err := d.e.State().NewCard(env.project, "", "Survives a crash", time.Now())
	d.do(m, err)
	d.do(d.e.State().StepPriority(m.TaskID, 4, time.Now()))
	c, err := d.e.State().AddComment(m.TaskID, "first!", time.Now())
	d.do(c, err)
	d.pumpFor(100 * time.Millisecond)
	d.crash()
	// The new engine shows the changes at once, from its outbox.
	if c := d.card("Survives a crash"); c == nil || c.Priority != PriorityUrgent {
		t.Fatalf("after the crash the board lost the change: %+v", c)
	}
	env.proxy.set(faults{})
	d.settle(10 * time.Second)
	got := env.serverTasks()["Survives a crash"]
	if len(got) != 1 || got[0].Priority != "urgent" || got[0].CommentCount != 1 {
		t.Fatalf("server has %+v, want one urgent card with one comment", got)
	}
	d.close()
}

func TestEngineSecondProcessIsTold(t *testing.T) {
	env := newTestEnv(t, 5)
	dir := t.TempDir()
	d := env.driver(dir, env.token)
	_, err := Open(context.Background(), Options{Dir: dir, Server: env.srv.URL, ProjectID: env.project, Remote: NewRemote(env.direct)})
	if err == nil || !strings.Contains(err.Error(), "another lanes process") {
		t.Fatalf("second engine on the same data dir: %v, want it told another lanes has it", err)
	}
	d.close()
}

func TestEngineRebasesOnRemoteChanges(t *testing.T) {
	env := newTestEnv(t, 6)
	ctx := context.Background()
	a, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Shared card"})
	b, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Doomed card"})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	env.proxy.set(faults{Reset: 1})
	d.do(d.e.State().StepPriority(a.ID, 3, time.Now())) // mine: priority high
	d.do(d.e.State().StepPriority(b.ID, 1, time.Now()))
	// Someone else renames a and deletes b.
	var p api.TaskPatch
	p.Title.Set("Shared card (renamed)")
	if _, err := env.direct.UpdateTask(ctx, a.ID, p); err != nil {
		t.Fatal(err)
	}
	if err := env.direct.DeleteTask(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	env.proxy.set(faults{})
	d.run([]Cmd{d.e.Refresh()})
	d.settle(10 * time.Second)
	c := d.card("Shared card (renamed)")
	if c == nil || c.Priority != PriorityHigh {
		t.Fatalf("after rebase the card is %+v, want their title with my priority", c)
	}
	if d.card("Doomed card") != nil {
		t.Fatal("the card deleted elsewhere is still on the board")
	}
	joined := strings.Join(d.notices, "\n")
	if !strings.Contains(joined, "deleted elsewhere") {
		t.Fatalf("no word about the dropped change: %q", joined)
	}
	got := env.serverTasks()["Shared card (renamed)"]
	if len(got) != 1 || got[0].Priority != "high" {
		t.Fatalf("server has %+v", got)
	}
	d.close()
}

func TestEngineUndo(t *testing.T) {
	env := newTestEnv(t, 7)
	ctx := context.Background()
	task, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Undo me"})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().Shift(task.ID, 1, time.Now()))
	d.do(d.e.State().SetArchived(task.ID, true, time.Now()))
	d.settle(5 * time.Second)
	for i := 0; i < 2; i++ {
		cmds, _, err := d.e.Undo()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cmds {
			d.handle(c())
		}
	}
	if _, _, err := d.e.Undo(); err == nil {
		t.Fatal("a third undo had something to undo")
	}
	d.settle(5 * time.Second)
	got := env.serverTasks()["Undo me"]
	if len(got) != 1 || got[0].IsArchived || *got[0].StatusID != env.colID("To Do") {
		t.Fatalf("after two undos the server has %+v", got)
	}
	d.close()
}

func TestEnginePaintsFromCache(t *testing.T) {
	env := newTestEnv(t, 8)
	ctx := context.Background()
	for _, title := range []string{"One", "Two", "Three"} {
		env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: title})
	}
	dir := t.TempDir()
	d := env.driver(dir, env.token)
	d.close()
	env.proxy.set(faults{Reset: 1})
	e, err := Open(ctx, Options{Dir: dir, Server: env.srv.URL, ProjectID: env.project, Remote: NewRemote(env.client(env.proxy.URL(), env.token))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if got := titles(e.State(), env.colID("To Do")); got != "One,Two,Three" {
		t.Fatalf("from the cache, before any request: To Do = %q", got)
	}
}

func describeMsg(msg any) string {
	switch m := msg.(type) {
	case sentMsg:
		return fmt.Sprintf("sent %s %s err=%v", m.req.Op, m.req.TaskID, m.err)
	case fetchedMsg:
		return fmt.Sprintf("fetched mark=%d cards=%d", m.mark, len(m.board.Cards))
	}
	return ""
}
