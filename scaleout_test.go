package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
)

// The scale-out tests: three `lanes serve` processes (the built binary)
// over one PostgreSQL schema, as behind a load balancer.

// project is a project the tests write in, and its columns.
type project struct {
	id, space string
	columns   []string // status ids, board order
	done      string   // the done column
}

// sharedSetup is two team spaces owned by ann with bob a member, each
// with its General project.
type sharedSetup struct {
	c              *cluster
	hc             *http.Client
	annID, bobID   string
	annTok, bobTok string
	projects       []project
}

func newSharedSetup(t *testing.T, c *cluster, spaces int) *sharedSetup {
	t.Helper()
	s := &sharedSetup{c: c, hc: httpClient(10 * time.Second)}
	s.annID, s.annTok = c.user("ann")
	s.bobID, s.bobTok = c.user("bob")
	base := c.procs[0].URL()
	for i := range spaces {
		var sp struct{ Space api.Space }
		slug := fmt.Sprintf("team-%d", i)
		must(t, s.hc, "POST", base+"/api/spaces", s.annTok, map[string]any{"name": "Team " + slug, "slug": slug}, 201).decode(&sp)
		must(t, s.hc, "POST", base+"/api/spaces/"+sp.Space.ID+"/members", s.annTok, map[string]any{"userId": s.bobID, "role": "member"}, 201)
		var ps []api.Project
		must(t, s.hc, "GET", base+"/api/projects?spaceId="+sp.Space.ID, s.annTok, nil, 200).decode(&ps)
		if len(ps) != 1 {
			t.Fatalf("a new space has %d projects, want its General one", len(ps))
		}
		var sts []api.Status
		must(t, s.hc, "GET", base+"/api/statuses?projectId="+ps[0].ID, s.annTok, nil, 200).decode(&sts)
		p := project{id: ps[0].ID, space: sp.Space.ID}
		for _, st := range sts {
			p.columns = append(p.columns, st.ID)
			if st.IsDone {
				p.done = st.ID
			}
		}
		if len(p.columns) < 3 || p.done == "" {
			t.Fatalf("a new project has columns %+v: want at least three, one of them done", sts)
		}
		s.projects = append(s.projects, p)
	}
	return s
}

// tasks lists every task of a project (active and archived) from one
// process.
func (s *sharedSetup) tasks(t *testing.T, base, projectID string) []api.Task {
	t.Helper()
	var active, archived []api.Task
	must(t, s.hc, "GET", base+"/api/tasks?projectId="+projectID, s.annTok, nil, 200).decode(&active)
	must(t, s.hc, "GET", base+"/api/tasks?projectId="+projectID+"&archived=true", s.annTok, nil, 200).decode(&archived)
	return append(active, archived...)
}

// changeLog is a space's change log as the database holds it.
func (c *cluster) changeLog(t testing.TB, space string) []feedEvent {
	t.Helper()
	var out []feedEvent
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.db)
	if err != nil {
		t.Fatalf("connect to the cluster's schema: %v", err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT seq, kind FROM changes WHERE space_id = $1 ORDER BY seq`, space)
	if err != nil {
		t.Fatalf("read the change log: %v", err)
	}
	for rows.Next() {
		var e feedEvent
		if err := rows.Scan(&e.seq, &e.kind); err != nil {
			t.Fatalf("read the change log: %v", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read the change log: %v", err)
	}
	return out
}

// ownTask is a task one writer made and alone changes: after the run it
// must be as the last acknowledged answer left it.
type ownTask struct {
	id, title string
	project   int
	last      api.Task // the last acknowledged answer
	comments  int      // comments acknowledged
	deleted   bool
	unsure    bool // a write to it was never answered: its state is unknown
}

// sharedTask is a task every writer moves and comments on.
type sharedTask struct {
	id       string
	project  int
	comments atomic.Int64 // comments acknowledged, by anyone
}

// writer is one of the clients writing through the proxy.
type writer struct {
	n      int
	token  string
	setup  *sharedSetup
	base   func() string
	hc     *http.Client
	rng    *rand.Rand
	shared []*sharedTask

	own          []*ownTask
	unsureTitles []string // creates never answered: each may exist at most once
	acked        int
	attempts     int
	problems     []string
}

// note records a write answered in a way a correct server would not.
func (w *writer) note(format string, args ...any) {
	w.problems = append(w.problems, fmt.Sprintf("writer %d: ", w.n)+fmt.Sprintf(format, args...))
}

// write sends one write until it is answered; ok is false when it never was.
func (w *writer) write(ctx context.Context, method, path string, body any) (answer, bool) {
	a, n, err := writeOnce(ctx, w.hc, w.base, method, path, w.token, body)
	w.attempts += n
	if err != nil {
		return answer{}, false
	}
	return a, true
}

func (w *writer) live() []*ownTask {
	var out []*ownTask
	for _, o := range w.own {
		if !o.deleted && !o.unsure {
			out = append(out, o)
		}
	}
	return out
}

// step makes one random write and checks its answer.
func (w *writer) step(ctx context.Context) {
	live := w.live()
	r := w.rng.IntN(100)
	switch {
	case r < 30 || len(live) < 3:
		w.create(ctx)
	case r < 40:
		w.onShared(ctx)
	default:
		w.change(ctx, live[w.rng.IntN(len(live))], r)
	}
}

func (w *writer) create(ctx context.Context) {
	pi := w.rng.IntN(len(w.setup.projects))
	p := w.setup.projects[pi]
	title := fmt.Sprintf("w%02d-%04d", w.n, len(w.own)+len(w.unsureTitles))
	body := map[string]any{"projectId": p.id, "title": title}
	if w.rng.IntN(2) == 0 {
		body["statusId"] = p.columns[w.rng.IntN(len(p.columns)-1)] // an open column
	}
	a, ok := w.write(ctx, "POST", "/api/tasks", body)
	if !ok {
		w.unsureTitles = append(w.unsureTitles, title)
		return
	}
	var out struct{ Task api.Task }
	if a.status != 201 || a.decode(&out) != nil || out.Task.Title != title {
		w.note("create %s: %s", title, a)
		return
	}
	w.acked++
	w.own = append(w.own, &ownTask{id: out.Task.ID, title: title, project: pi, last: out.Task})
}

func (w *writer) change(ctx context.Context, o *ownTask, r int) {
	p := w.setup.projects[o.project]
	var (
		method = "PATCH"
		path   = "/api/tasks/" + o.id
		body   any
		want   = 200
	)
	switch {
	case r < 55: // move to another open column
		col := p.columns[w.rng.IntN(len(p.columns)-1)]
		body = map[string]any{"statusId": col}
	case r < 65: // complete, or reopen
		if o.last.CompletedAt == nil {
			body = map[string]any{"completedAt": time.Now().UTC().Format(time.RFC3339)}
		} else {
			body = map[string]any{"completedAt": nil}
		}
	case r < 78:
		body = map[string]any{"priority": []string{"low", "medium", "high", "urgent", "none"}[w.rng.IntN(5)],
			"description": fmt.Sprintf("edited by writer %d at %d", w.n, w.rng.IntN(1e6))}
	case r < 92:
		method, path, want = "POST", path+"/comments", 201
		body = map[string]any{"content": fmt.Sprintf("comment %d by writer %d", o.comments+1, w.n)}
	default:
		method, body = "DELETE", nil
	}
	a, ok := w.write(ctx, method, path, body)
	if !ok {
		o.unsure = true
		return
	}
	if a.status != want {
		w.note("%s %s %v: %s", method, path, body, a)
		return
	}
	w.acked++
	switch method {
	case "PATCH":
		var out struct{ Task api.Task }
		if err := a.decode(&out); err != nil || out.Task.ID != o.id {
			w.note("%s %s: %s", method, path, a)
			return
		}
		o.last = out.Task
	case "POST":
		o.comments++
	case "DELETE":
		o.deleted = true
	}
}

func (w *writer) onShared(ctx context.Context) {
	s := w.shared[w.rng.IntN(len(w.shared))]
	p := w.setup.projects[s.project]
	if w.rng.IntN(2) == 0 {
		a, ok := w.write(ctx, "PATCH", "/api/tasks/"+s.id, map[string]any{"statusId": p.columns[w.rng.IntN(len(p.columns))]})
		if ok && a.status != 200 {
			w.note("move shared task: %s", a)
		} else if ok {
			w.acked++
		}
		return
	}
	a, ok := w.write(ctx, "POST", "/api/tasks/"+s.id+"/comments", map[string]any{"content": fmt.Sprintf("shared note by writer %d", w.n)})
	switch {
	case !ok:
		// Unknown whether it was made: the shared counts can't be checked.
		s.comments.Store(-1 << 40)
	case a.status != 201:
		w.note("comment on shared task: %s", a)
	default:
		w.acked++
		s.comments.Add(1)
	}
}

// engineDriver runs a board engine as the TUI does: each Cmd in its own
// goroutine, each answer handed to Update on the test's goroutine.
type engineDriver struct {
	e      *board.Engine
	msgs   chan any
	cancel context.CancelFunc
	made   []string // temporary ids of the cards it made
	n      int
}

func openEngine(t *testing.T, proxyURL, token string, p project, actor string) *engineDriver {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := api.New(proxyURL, token, api.WithTimeout(3*time.Second), api.WithRetry(3, 10*time.Millisecond, 100*time.Millisecond))
	e, err := board.Open(ctx, board.Options{Dir: t.TempDir(), Server: proxyURL, ProjectID: p.id, SpaceID: p.space, Actor: actor,
		Remote: board.NewRemote(c), BackoffBase: 10 * time.Millisecond, BackoffCap: 200 * time.Millisecond})
	if err != nil {
		cancel()
		t.Fatalf("open the board: %v", err)
	}
	d := &engineDriver{e: e, msgs: make(chan any, 4096), cancel: cancel}
	t.Cleanup(func() { e.Abandon(); cancel() })
	d.run(append(e.Start(), e.Live()))
	return d
}

func (d *engineDriver) run(cmds []board.Cmd) {
	for _, c := range cmds {
		go func() { d.msgs <- c() }()
	}
}

// pump hands the engine its answers for a while.
func (d *engineDriver) pump(dur time.Duration) {
	deadline := time.After(dur)
	for {
		select {
		case m := <-d.msgs:
			cmds, _ := d.e.Update(m)
			d.run(cmds)
		case <-deadline:
			return
		}
	}
}

// act makes one random change on the board, as a person would with keys.
func (d *engineDriver) act(rng *rand.Rand, p project) {
	s := d.e.State()
	now := time.Now()
	var (
		m   board.Mutation
		err error
	)
	var mine []string
	for _, id := range d.made {
		if _, ok := s.Card(d.e.Resolve(id)); ok {
			mine = append(mine, d.e.Resolve(id))
		}
	}
	r := rng.IntN(100)
	switch {
	case r < 30 || len(mine) < 3:
		d.n++
		m, err = s.NewCard(p.id, p.columns[rng.IntN(len(p.columns)-1)], fmt.Sprintf("board-%03d", d.n), now)
		if err == nil {
			d.made = append(d.made, m.TaskID)
		}
	case r < 55:
		m, err = s.MoveTo(mine[rng.IntN(len(mine))], p.columns[rng.IntN(len(p.columns))], now)
	case r < 70:
		m, err = s.ToggleDone(mine[rng.IntN(len(mine))], now)
	case r < 85:
		desc := fmt.Sprintf("board edit %d", rng.IntN(1e6))
		m, err = s.Edit(mine[rng.IntN(len(mine))], nil, &desc, now)
	case r < 95:
		m, err = s.AddComment(mine[rng.IntN(len(mine))], "from the board", now)
	default:
		m, err = s.Delete(mine[rng.IntN(len(mine))], now)
	}
	if err != nil {
		return // a change that makes no sense on the board as it is
	}
	cmds, err := d.e.Do(m)
	if err == nil {
		d.run(cmds)
	}
}

// boardDiff says how a board's cards differ from the server's tasks ("" if
// they agree): every card and task by id, and what a person sees of each.
func boardDiff(s *board.State, tasks []api.Task) string {
	cards := map[string]*board.Card{}
	for _, col := range s.Columns() {
		for _, id := range s.Column(col.ID) {
			if c, ok := s.Card(id); ok {
				cards[id] = c
			}
		}
	}
	var diffs []string
	seen := map[string]bool{}
	for i := range tasks {
		want := board.CardFromTask(&tasks[i])
		seen[want.ID] = true
		got, ok := cards[want.ID]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s %q: on the server, not on the board", want.ID, want.Title))
			continue
		}
		if d := cardDiff(got, want); d != "" {
			diffs = append(diffs, fmt.Sprintf("%s %q: %s", want.ID, want.Title, d))
		}
	}
	for id, c := range cards {
		if !seen[id] {
			diffs = append(diffs, fmt.Sprintf("%s %q: on the board, not on the server", id, c.Title))
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "\n")
}

func cardDiff(got, want *board.Card) string {
	var d []string
	check := func(field string, g, w any) {
		if g != w {
			d = append(d, fmt.Sprintf("%s %v, server %v", field, g, w))
		}
	}
	check("title", got.Title, want.Title)
	check("column", got.StatusID, want.StatusID)
	check("position", got.Position, want.Position)
	check("description", got.Description, want.Description)
	check("priority", got.Priority, want.Priority)
	check("done", got.CompletedAt != nil, want.CompletedAt != nil)
	if got.CompletedAt != nil && want.CompletedAt != nil {
		check("completed", got.CompletedAt.UnixMilli(), want.CompletedAt.UnixMilli())
	}
	check("comments", got.Comments, want.Comments)
	check("version", got.Version, want.Version)
	return strings.Join(d, "; ")
}

// TestScaleOut runs three `lanes serve` processes over one PostgreSQL
// database behind a round-robin proxy: twenty clients write at random
// through the proxy (each write under one idempotency key, sent again on a
// network failure as the board does), a feed subscriber follows each space
// straight from each process, a board's sync engine works through the
// proxy, and one process is killed (SIGKILL) and started again mid-run.
// Afterwards every acknowledged write is there exactly once, each task
// with one writer is as its last acknowledged change left it, every
// subscriber saw the whole change log in order, and the board agrees with
// the server.
func TestScaleOut(t *testing.T) {
	const (
		writers = 20
		runFor  = 8 * time.Second
		killAt  = 2500 * time.Millisecond
		backAt  = 4500 * time.Millisecond
	)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	c := newCluster(t, 3)
	s := newSharedSetup(t, c, 2)
	tokens := []string{s.annTok, s.bobTok, c.token("ann", "ann-2"), c.token("bob", "bob-2")}

	// A few tasks in each project that everyone moves and comments on.
	var shared []*sharedTask
	for pi, p := range s.projects {
		for k := range 3 {
			var out struct{ Task api.Task }
			must(t, s.hc, "POST", c.proxy.URL()+"/api/tasks", s.annTok, map[string]any{"projectId": p.id, "title": fmt.Sprintf("shared-%d-%d", pi, k)}, 201).decode(&out)
			shared = append(shared, &sharedTask{id: out.Task.ID, project: pi})
		}
	}

	var bases []string
	for _, p := range c.procs {
		bases = append(bases, p.URL())
	}
	var subs []*subscriber
	for pi, p := range s.projects {
		for i := range c.procs {
			subs = append(subs, subscribe(t, fmt.Sprintf("subscriber of space %d on p%d", pi, i), s.annTok, p.space, bases, i))
		}
	}
	for _, sub := range subs {
		sub.waitConnected(t)
	}

	// One write in 15 is done but its answer lost: its retry, under the
	// same key, most likely goes to another process.
	c.proxy.loseEvery.Store(15)
	eng := openEngine(t, c.proxy.URL(), s.annTok, s.projects[0], s.annID)
	eng.pump(500 * time.Millisecond)

	// The writers.
	ctx, cancel := context.WithTimeout(context.Background(), runFor+30*time.Second)
	defer cancel()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	ws := make([]*writer, writers)
	hc := httpClient(5 * time.Second)
	for i := range ws {
		ws[i] = &writer{n: i, token: tokens[i%len(tokens)], setup: s, base: c.proxy.URL, hc: hc,
			rng: rand.New(rand.NewPCG(seed, uint64(i))), shared: shared}
		wg.Add(1)
		go func(w *writer) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				w.step(ctx)
			}
		}(ws[i])
	}

	// The board's person, the crash and the restart, on this goroutine.
	start := time.Now()
	rng := rand.New(rand.NewPCG(seed, 1000))
	killed, restarted := false, false
	for time.Since(start) < runFor {
		switch {
		case !killed && time.Since(start) > killAt:
			c.killProc(1)
			killed = true
			t.Logf("p1 killed at %v", time.Since(start).Round(time.Millisecond))
		case killed && !restarted && time.Since(start) > backAt:
			c.restartProc(1)
			restarted = true
			t.Logf("p1 back at %v", time.Since(start).Round(time.Millisecond))
		}
		eng.act(rng, s.projects[0])
		eng.pump(150 * time.Millisecond)
	}
	close(stop)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		default:
			eng.pump(50 * time.Millisecond)
		}
	}
	elapsed := time.Since(start)

	var problems []string
	acked, attempts := 0, 0
	for _, w := range ws {
		problems = append(problems, w.problems...)
		acked += w.acked
		attempts += w.attempts
	}
	c.proxy.loseEvery.Store(0)
	t.Logf("%d writes acknowledged in %v (%.0f/s), %d attempts, %d answers lost by the proxy; requests per process through the proxy: p0 %d, p1 %d, p2 %d",
		acked, elapsed.Round(time.Millisecond), float64(acked)/elapsed.Seconds(), attempts, c.proxy.lost.Load(),
		c.proxy.sent[0].Load(), c.proxy.sent[1].Load(), c.proxy.sent[2].Load())
	if len(problems) > 0 {
		t.Errorf("writes answered wrongly:\n%s", strings.Join(problems, "\n"))
	}
	if acked < writers*10 {
		t.Errorf("only %d writes were acknowledged: the run did too little to show anything", acked)
	}

	// Every acknowledged write is there, once.
	base := c.procs[0].URL()
	for pi, p := range s.projects {
		tasks := s.tasks(t, base, p.id)
		byID := map[string]api.Task{}
		titles := map[string]int{}
		for _, k := range tasks {
			byID[k.ID] = k
			titles[k.Title]++
		}
		for title, n := range titles {
			if n > 1 {
				t.Errorf("project %d: %d tasks titled %q: a retried create was made twice", pi, n, title)
			}
		}
		known := map[string]bool{}
		for _, w := range ws {
			for _, title := range w.unsureTitles {
				known[title] = true
			}
			for _, o := range w.own {
				if o.project != pi {
					continue
				}
				known[o.title] = true
				got, ok := byID[o.id]
				switch {
				case o.deleted && ok:
					t.Errorf("%s (%s) was deleted, acknowledged, but is still there", o.title, o.id)
				case o.deleted:
				case !ok:
					t.Errorf("%s (%s): its create was acknowledged, but it is not there", o.title, o.id)
				case o.unsure:
				default:
					if d := taskDiff(got, o.last); d != "" {
						t.Errorf("%s: not as its last acknowledged change left it: %s", o.title, d)
					}
					if got.CommentCount != o.comments {
						t.Errorf("%s: %d comments acknowledged, %d there", o.title, o.comments, got.CommentCount)
					}
				}
			}
		}
		for _, sh := range shared {
			if sh.project != pi {
				continue
			}
			got, ok := byID[sh.id]
			if !ok {
				t.Errorf("shared task %s is gone", sh.id)
				continue
			}
			known[got.Title] = true
			if n := sh.comments.Load(); n >= 0 && int64(got.CommentCount) != n {
				t.Errorf("shared task %q: %d comments acknowledged, %d there", got.Title, n, got.CommentCount)
			}
		}
		for _, k := range tasks {
			if !known[k.Title] && !strings.HasPrefix(k.Title, "board-") {
				t.Errorf("project %d: task %q (%s) was never asked for", pi, k.Title, k.ID)
			}
		}
	}

	// Every process lists each project the same, byte for byte: the lists
	// each keeps (patched with the changes it heard of, or read afresh
	// after the restart) agree.
	for pi, p := range s.projects {
		var lists []string
		for _, pr := range c.procs {
			lists = append(lists, string(must(t, s.hc, "GET", pr.URL()+"/api/tasks?projectId="+p.id, s.annTok, nil, 200).body))
		}
		for i := 1; i < len(lists); i++ {
			if lists[i] != lists[0] {
				t.Errorf("project %d: p%d lists\n%s\np0 lists\n%s", pi, i, lists[i], lists[0])
			}
		}
	}

	// Every subscriber saw the whole log of its space, in order, once.
	for _, p := range s.projects {
		log := c.changeLog(t, p.space)
		head := log[len(log)-1].seq
		for _, sub := range subs {
			if sub.space != p.space {
				continue
			}
			if !waitFor(10*time.Second, func() bool { return sub.lastSeq() >= head }) {
				t.Errorf("%s is at %d, 10 s after the log reached %d", sub.name, sub.lastSeq(), head)
			}
			sub.mu.Lock()
			got := slices.Clone(sub.events)
			disorder := slices.Clone(sub.disorder)
			connects, moves := sub.connects, sub.moves
			sub.mu.Unlock()
			if len(disorder) > 0 {
				t.Errorf("%s got events out of order or twice: %v", sub.name, disorder)
			}
			if d := logDiff(got, log); d != "" {
				t.Errorf("%s did not see the change log as it is: %s", sub.name, d)
			}
			t.Logf("%s: %d events, %d streams, %d moves to another process", sub.name, len(got), connects, moves)
		}
	}

	// The board converges with the server.
	var last string
	converged := false
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		eng.pump(250 * time.Millisecond)
		if eng.e.Status().Waiting > 0 {
			last = fmt.Sprintf("%d changes still waiting (%+v)", eng.e.Status().Waiting, eng.e.Status())
			continue
		}
		tasks := s.tasks(t, base, s.projects[0].id)
		last = boardDiff(eng.e.State(), tasks)
		if last == "" {
			if d := boardDiff(eng.e.Confirmed(), tasks); d != "" {
				last = "confirmed state: " + d
				continue
			}
			converged = true
			break
		}
	}
	if !converged {
		t.Errorf("the board did not converge with the server within 15 s:\n%s", last)
	}
	t.Logf("the board made %d cards", eng.n)
	if t.Failed() {
		for _, p := range c.procs {
			t.Logf("%s", p.log())
		}
	}
}

// taskDiff says how a task differs from the acknowledged answer it should
// still match.
func taskDiff(got, want api.Task) string {
	var d []string
	str := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	tm := func(p *time.Time) string {
		if p == nil {
			return "<nil>"
		}
		return p.UTC().Format(time.RFC3339Nano)
	}
	check := func(field, g, w string) {
		if g != w {
			d = append(d, fmt.Sprintf("%s is %q, acknowledged %q", field, g, w))
		}
	}
	check("title", got.Title, want.Title)
	check("statusId", str(got.StatusID), str(want.StatusID))
	check("position", got.Position, want.Position)
	check("priority", string(got.Priority), string(want.Priority))
	check("description", str(got.Description), str(want.Description))
	check("completedAt", tm(got.CompletedAt), tm(want.CompletedAt))
	return strings.Join(d, "; ")
}

// logDiff compares the events a subscriber got with the change log.
func logDiff(got, log []feedEvent) string {
	if len(got) != len(log) {
		var missing, extra []int64
		have := map[int64]bool{}
		for _, e := range got {
			have[e.seq] = true
		}
		in := map[int64]bool{}
		for _, e := range log {
			in[e.seq] = true
			if !have[e.seq] {
				missing = append(missing, e.seq)
			}
		}
		for _, e := range got {
			if !in[e.seq] {
				extra = append(extra, e.seq)
			}
		}
		return fmt.Sprintf("%d events, the log has %d; missing %v; not in the log %v", len(got), len(log), missing, extra)
	}
	for i := range got {
		if got[i].seq != log[i].seq || got[i].kind != log[i].kind {
			return fmt.Sprintf("event %d is %d %s, the log's is %d %s", i, got[i].seq, got[i].kind, log[i].seq, log[i].kind)
		}
	}
	return ""
}

// TestScaleOutIdempotencyAcrossProcesses: one write sent at once to two
// processes under one Idempotency-Key is done once, and both get the same
// answer; the key with another body is refused on a third.
func TestScaleOutIdempotencyAcrossProcesses(t *testing.T) {
	c := newCluster(t, 3)
	s := newSharedSetup(t, c, 1)
	p := s.projects[0]
	hc := httpClient(10 * time.Second)
	for round := range 20 {
		key := newKey()
		title := fmt.Sprintf("once-%02d", round)
		body := map[string]any{"projectId": p.id, "title": title}
		var (
			wg      sync.WaitGroup
			answers [2]answer
			errs    [2]error
			ready   = make(chan struct{})
		)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				answers[i], errs[i] = send(context.Background(), hc, "POST", c.procs[(round+i)%3].URL()+"/api/tasks", s.annTok, key, body)
			}()
		}
		close(ready)
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if answers[i].status != 201 {
				t.Fatalf("round %d: process %d answered %s", round, (round+i)%3, answers[i])
			}
		}
		if string(answers[0].body) != string(answers[1].body) {
			t.Errorf("round %d: one key, two answers:\n%s\n%s", round, answers[0].body, answers[1].body)
		}
		replays := 0
		for _, a := range answers {
			if a.header.Get("Idempotent-Replayed") == "true" {
				replays++
			}
		}
		if replays != 1 {
			t.Errorf("round %d: %d answers say they were replayed, want 1", round, replays)
		}
		other, err := send(context.Background(), hc, "POST", c.procs[(round+2)%3].URL()+"/api/tasks", s.annTok, key,
			map[string]any{"projectId": p.id, "title": title + " again"})
		if err != nil {
			t.Fatal(err)
		}
		if other.status != 409 || !strings.Contains(string(other.body), "idempotency_mismatch") {
			t.Errorf("round %d: the key with another body on a third process: %s, want 409 idempotency_mismatch", round, other)
		}
	}
	titles := map[string]int{}
	for _, k := range s.tasks(t, c.procs[1].URL(), p.id) {
		titles[k.Title]++
	}
	for round := range 20 {
		title := fmt.Sprintf("once-%02d", round)
		if titles[title] != 1 {
			t.Errorf("%d tasks titled %s, want 1", titles[title], title)
		}
		if titles[title+" again"] != 0 {
			t.Errorf("the refused write %s again was made", title)
		}
	}
}

// TestScaleOutAppendsToOneColumn: creates appended to one column from
// several processes at once get distinct positions, rising in the order
// they were made (the order of their task.created changes), and rising in
// each client's order of acknowledgements.
func TestScaleOutAppendsToOneColumn(t *testing.T) {
	const clients, each = 6, 12
	c := newCluster(t, 3)
	s := newSharedSetup(t, c, 1)
	p := s.projects[0]
	hc := httpClient(10 * time.Second)
	made := make([][]api.Task, clients)
	var wg sync.WaitGroup
	errs := make(chan string, clients*each)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range each {
				base := c.procs[(i+k)%3].URL()
				a, _, err := writeOnce(context.Background(), hc, func() string { return base }, "POST", "/api/tasks", s.annTok,
					map[string]any{"projectId": p.id, "statusId": p.columns[1], "title": fmt.Sprintf("append-%d-%02d", i, k)})
				var out struct{ Task api.Task }
				if err != nil || a.status != 201 || a.decode(&out) != nil {
					errs <- fmt.Sprintf("client %d create %d: %v %s", i, k, err, a)
					return
				}
				made[i] = append(made[i], out.Task)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if t.Failed() {
		t.FailNow()
	}
	positions := map[string]string{}
	for i, ts := range made {
		for k := 1; k < len(ts); k++ {
			if ts[k].Position <= ts[k-1].Position {
				t.Errorf("client %d: create %d answered at %q after create %d at %q", i, k, ts[k].Position, k-1, ts[k-1].Position)
			}
		}
		for _, k := range ts {
			positions[k.ID] = k.Position
		}
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT object_id FROM changes WHERE space_id = $1 AND kind = 'task.created' ORDER BY seq`, p.space)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var prev string
	seen := map[string]bool{}
	for _, id := range ids {
		pos, ok := positions[id]
		if !ok {
			continue
		}
		if seen[pos] {
			t.Errorf("two tasks at position %q", pos)
		}
		seen[pos] = true
		if pos <= prev {
			t.Errorf("task %s was made after one at %q but sits at %q", id, prev, pos)
		}
		prev = pos
	}
	if len(seen) != clients*each {
		t.Errorf("%d distinct positions for %d creates", len(seen), clients*each)
	}
	// The list shows the column in that order.
	var listed []string
	for _, k := range s.tasks(t, c.procs[2].URL(), p.id) {
		if k.StatusID != nil && *k.StatusID == p.columns[1] {
			listed = append(listed, k.ID)
		}
	}
	var want []string
	for _, id := range ids {
		if _, ok := positions[id]; ok {
			want = append(want, id)
		}
	}
	if !slices.Equal(listed, want) {
		t.Errorf("the column lists its tasks as\n%v\nwant the order they were made\n%v", listed, want)
	}
}

// sseOpen opens a feed straight from a process and reports when it ends.
func sseOpen(t *testing.T, name, token, space string, bases []string, home int) *subscriber {
	t.Helper()
	s := subscribe(t, name, token, space, bases[home:home+1], 0)
	s.waitConnected(t)
	return s
}

// TestScaleOutRevokedTokenEverywhere: a token revoked with `lanes token
// revoke --db` is refused by every process within 5 s, and the feeds it
// had open on each end within 5 s.
func TestScaleOutRevokedTokenEverywhere(t *testing.T) {
	c := newCluster(t, 3)
	s := newSharedSetup(t, c, 1)
	p := s.projects[0]
	carlTok := c.token("bob", "carl-feed")
	carlID := c.tokenID("carl-feed")
	bases := c.urls()
	hc := httpClient(5 * time.Second)
	var feeds []*subscriber
	for i := range c.procs {
		// Each process has the token in its sign-in cache.
		must(t, hc, "GET", bases[i]+"/api/me", carlTok, nil, 200)
		feeds = append(feeds, sseOpen(t, fmt.Sprintf("feed on p%d", i), carlTok, p.space, bases, i))
	}
	revoked := time.Now()
	out := c.lanes("token", "revoke", carlID)
	if !strings.Contains(out, "revoked token "+carlID) {
		t.Fatalf("lanes token revoke said %q", out)
	}
	for i, b := range bases {
		var last answer
		ok := waitFor(5*time.Second, func() bool {
			last, _ = send(context.Background(), hc, "GET", b+"/api/me", carlTok, "", nil)
			return last.status == 401
		})
		if !ok {
			t.Errorf("p%d still answers the revoked token 5 s later: %s", i, last)
		} else {
			t.Logf("p%d refuses the token %v after the revocation", i, time.Since(revoked).Round(time.Millisecond))
		}
	}
	for _, f := range feeds {
		var end time.Time
		if !waitFor(time.Until(revoked.Add(5*time.Second)), func() bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.streamEnds) > 0 {
				end = f.streamEnds[0]
			}
			return !end.IsZero()
		}) {
			t.Errorf("%s is still open 5 s after the revocation", f.name)
			continue
		}
		t.Logf("%s ended %v after the revocation", f.name, end.Sub(revoked).Round(time.Millisecond))
		// Opened again, it is refused.
		if !waitFor(2*time.Second, func() bool { e, _ := f.endedWith(); return e != nil }) {
			t.Errorf("%s opened again after the revocation", f.name)
		} else if err, _ := f.endedWith(); !strings.HasPrefix(err.Error(), "401") {
			t.Errorf("%s, opened again, was answered %v, want 401", f.name, err)
		}
	}
	// The other tokens still work everywhere.
	for _, b := range bases {
		must(t, hc, "GET", b+"/api/me", s.bobTok, nil, 200)
	}
}

// TestScaleOutRemovedMemberEverywhere: a member removed through one
// process is refused the space by the others within 5 s, and the feeds
// they had open there end within 5 s.
func TestScaleOutRemovedMemberEverywhere(t *testing.T) {
	c := newCluster(t, 3)
	s := newSharedSetup(t, c, 1)
	p := s.projects[0]
	bases := c.urls()
	hc := httpClient(5 * time.Second)
	var feeds []*subscriber
	for i := 1; i < 3; i++ {
		must(t, hc, "GET", bases[i]+"/api/tasks?projectId="+p.id, s.bobTok, nil, 200)
		feeds = append(feeds, sseOpen(t, fmt.Sprintf("bob's feed on p%d", i), s.bobTok, p.space, bases, i))
	}
	removed := time.Now()
	must(t, hc, "DELETE", bases[0]+"/api/spaces/"+p.space+"/members/"+s.bobID, s.annTok, nil, 200)
	// Changes after the removal, which bob must not hear.
	must(t, hc, "POST", bases[1]+"/api/tasks", s.annTok, map[string]any{"projectId": p.id, "title": "after bob left"}, 201)
	var removal int64
	for _, e := range c.changeLog(t, p.space) {
		if e.kind == "member.removed" {
			removal = e.seq
		}
	}
	if removal == 0 {
		t.Fatal("the change log has no member.removed")
	}
	for i := 1; i < 3; i++ {
		var last answer
		ok := waitFor(5*time.Second, func() bool {
			last, _ = send(context.Background(), hc, "GET", bases[i]+"/api/tasks?projectId="+p.id, s.bobTok, "", nil)
			return last.status == 404 || last.status == 403
		})
		if !ok {
			t.Errorf("p%d still shows bob the project 5 s after he was removed: %s", i, last)
		}
		a, err := send(context.Background(), hc, "POST", bases[i]+"/api/tasks", s.bobTok, newKey(), map[string]any{"projectId": p.id, "title": "after removal"})
		if err != nil || (a.status != 404 && a.status != 403) {
			t.Errorf("p%d let bob create a task after he was removed: %v %s", i, err, a)
		}
	}
	for _, f := range feeds {
		if !waitFor(5*time.Second-time.Since(removed), func() bool { e, _ := f.endedWith(); return e != nil }) {
			t.Errorf("%s is still open (or opens again) 5 s after bob was removed", f.name)
			continue
		}
		err, at := f.endedWith()
		t.Logf("%s ended %v after the removal, then was refused: %v", f.name, at.Sub(removed).Round(time.Millisecond), err)
		f.mu.Lock()
		for _, e := range f.events {
			if e.seq >= removal {
				t.Errorf("%s heard %s (%d), at or after bob's removal (%d)", f.name, e.kind, e.seq, removal)
			}
		}
		f.mu.Unlock()
	}
}

// TestScaleOutListenReconnects: when PostgreSQL drops the connections the
// processes LISTEN on, they listen again; a change made meanwhile, and
// changes made after, reach a subscriber on another process within 2 s,
// and none is missed.
func TestScaleOutListenReconnects(t *testing.T) {
	c := newCluster(t, 3)
	s := newSharedSetup(t, c, 1)
	p := s.projects[0]
	bases := c.urls()
	arrived := map[string]chan time.Time{}
	var mu sync.Mutex
	subs := []*subscriber{}
	for i := 1; i < 3; i++ {
		sub := subscribe(t, fmt.Sprintf("subscriber on p%d", i), s.annTok, p.space, bases[i:i+1], 0)
		sub.hear(func(e feedEvent) {
			var k struct{ Title string }
			json.Unmarshal(e.data, &k)
			mu.Lock()
			ch := arrived[fmt.Sprintf("%d/%s", i, k.Title)]
			mu.Unlock()
			if ch != nil {
				ch <- e.at
			}
		})
		sub.waitConnected(t)
		subs = append(subs, sub)
	}
	listeners := func() []int32 {
		var pids []int32
		c.pg(func(ctx context.Context, conn *pgx.Conn) error {
			rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%' ORDER BY pid`, c.app)
			if err != nil {
				return err
			}
			pids, err = pgx.CollectRows(rows, pgx.RowTo[int32])
			return err
		})
		return pids
	}
	before := listeners()
	if len(before) != 3 {
		t.Fatalf("%d connections LISTEN, want one per process (3)", len(before))
	}
	hc := httpClient(5 * time.Second)
	create := func(title string) {
		t.Helper()
		mu.Lock()
		chans := map[int]chan time.Time{}
		for i := 1; i < 3; i++ {
			chans[i] = make(chan time.Time, 1)
			arrived[fmt.Sprintf("%d/%s", i, title)] = chans[i]
		}
		mu.Unlock()
		sent := time.Now()
		must(t, hc, "POST", bases[0]+"/api/tasks", s.annTok, map[string]any{"projectId": p.id, "title": title}, 201)
		for i, ch := range chans {
			select {
			case at := <-ch:
				t.Logf("%s reached p%d's subscriber in %v", title, i, at.Sub(sent).Round(time.Millisecond))
			case <-time.After(2 * time.Second):
				t.Errorf("%s did not reach p%d's subscriber within 2 s", title, i)
			}
		}
	}
	create("before")
	var killed int
	c.pg(func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`, c.app).Scan(&killed)
	})
	if killed != 3 {
		t.Fatalf("terminated %d listening connections, want 3", killed)
	}
	create("while-reconnecting")
	var after []int32
	if !waitFor(5*time.Second, func() bool {
		after = listeners()
		return len(after) == 3 && !slices.ContainsFunc(after, func(pid int32) bool { return slices.Contains(before, pid) })
	}) {
		t.Fatalf("5 s after their connections were dropped the processes listen on %v (before: %v)", after, before)
	}
	for k := range 5 {
		create(fmt.Sprintf("after-%d", k))
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
	}
	c.wantSubscribersHeardTheLog(t, p.space, subs)
}

// TestScaleOutDatabaseConnectionsDropped: PostgreSQL drops every
// connection the processes hold, as a restart or a failover of the
// database would. Nothing had started on the connections the processes
// kept idle in their pools, so no request may fail for it: the first
// sign-in, read and write after the drop each succeed on every process,
// and a subscriber on each sees every change.
func TestScaleOutDatabaseConnectionsDropped(t *testing.T) {
	c := newCluster(t, 3)
	s := newSharedSetup(t, c, 1)
	p := s.projects[0]
	fresh := c.token("ann", "never-used") // in no process's sign-in cache
	bases := c.urls()
	var subs []*subscriber
	for i := range c.procs {
		sub := subscribe(t, fmt.Sprintf("subscriber on p%d", i), s.annTok, p.space, bases, i)
		sub.waitConnected(t)
		subs = append(subs, sub)
	}
	hc := httpClient(5 * time.Second)
	// Every process has its pool's connections open and idle.
	for i, b := range bases {
		var wg sync.WaitGroup
		for k := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				send(context.Background(), hc, "POST", b+"/api/tasks", s.annTok, newKey(), map[string]any{"projectId": p.id, "title": fmt.Sprintf("before-%d-%d", i, k)})
			}()
		}
		wg.Wait()
	}
	var dropped int
	c.pg(func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, c.app).Scan(&dropped)
	})
	if dropped < 6 {
		t.Fatalf("dropped %d connections; want at least two per process", dropped)
	}
	t.Logf("dropped %d connections", dropped)
	for i, b := range bases {
		for _, r := range []struct {
			method, path, token string
			body                any
			want                int
		}{
			{"GET", "/api/me", fresh, nil, 200},
			{"GET", "/api/tasks?projectId=" + p.id, s.annTok, nil, 200},
			{"POST", "/api/tasks", s.annTok, map[string]any{"projectId": p.id, "title": fmt.Sprintf("after-%d", i)}, 201},
			{"POST", "/api/tasks", s.bobTok, map[string]any{"projectId": p.id, "title": fmt.Sprintf("after-%d-bob", i)}, 201},
		} {
			a, err := send(context.Background(), hc, r.method, b+r.path, r.token, newKey(), r.body)
			if err != nil || a.status != r.want {
				t.Errorf("p%d, %s %s after the drop: %v %s, want %d", i, r.method, r.path, err, a, r.want)
			}
		}
	}
	if t.Failed() {
		for _, pr := range c.procs {
			for _, l := range strings.Split(pr.log(), "\n") {
				if strings.Contains(l, "level=ERROR") {
					t.Log(l)
				}
			}
		}
	}
	c.wantSubscribersHeardTheLog(t, p.space, subs)
}

// wantSubscribersHeardTheLog waits (up to 5 s) for each subscriber to reach
// the end of space's change log, and fails unless each heard exactly the
// log: every change, in order, once.
func (c *cluster) wantSubscribersHeardTheLog(t *testing.T, space string, subs []*subscriber) {
	t.Helper()
	log := c.changeLog(t, space)
	for _, sub := range subs {
		if !waitFor(5*time.Second, func() bool { return sub.lastSeq() >= log[len(log)-1].seq }) {
			t.Errorf("%s stopped at %d; the log is at %d", sub.name, sub.lastSeq(), log[len(log)-1].seq)
		}
		sub.mu.Lock()
		if d := logDiff(sub.events, log); d != "" {
			t.Errorf("%s: %s", sub.name, d)
		}
		sub.mu.Unlock()
	}
}

// urls is each process's address, in order.
func (c *cluster) urls() []string {
	var out []string
	for _, pr := range c.procs {
		out = append(out, pr.URL())
	}
	return out
}
