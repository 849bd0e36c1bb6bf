package board

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// engineLog is an engine's debug log, kept to read what it did.
type engineLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *engineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// fetches are the log's lines of fetches taken in: "changes=true" for
// those of what changed.
func (l *engineLog) fetches() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range strings.Split(l.buf.String(), "\n") {
		if strings.Contains(line, "msg=rebased") {
			out = append(out, line)
		}
	}
	return out
}

func (l *engineLog) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// head is the server's change-log position.
func (env *testEnv) head() int64 {
	env.t.Helper()
	var head int64
	if err := env.st.Read(context.Background(), func(tx *store.Tx) (err error) {
		head, err = tx.ChangeHead()
		return err
	}); err != nil {
		env.t.Fatal(err)
	}
	return head
}

// make creates a task straight through the store, as another process on
// the database would (no connection of this test's to drop).
func (env *testEnv) make(title string) {
	env.t.Helper()
	col := env.colID("To Do")
	if err := env.st.Write(context.Background(), func(tx *store.Tx) error {
		return tx.CreateTask(&store.Task{ProjectID: env.project, SpaceID: env.space, StatusID: &col, Title: title, Priority: "none", CreatorID: env.userID})
	}); err != nil {
		env.t.Fatal(err)
	}
}

// waitFor handles the driver's messages until ok holds.
func (d *driver) waitFor(what string, ok func() bool) {
	d.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		if ok() {
			return
		}
		select {
		case msg := <-d.msgs:
			d.outstanding.Add(-1)
			d.handle(msg)
		case <-time.After(20 * time.Millisecond):
		}
	}
	d.t.Fatalf("%s: never happened (seq %d, feed from %d)", what, d.e.seq, d.e.live.from)
}

// TestStartWithACacheAsksOnlyWhatChanged: a board closed with its cache
// opens again on what changed since (created, changed, archived,
// deleted elsewhere), asked for as such, and a change made offline
// meanwhile waits in the outbox and reaches the server.
func TestStartWithACacheAsksOnlyWhatChanged(t *testing.T) {
	env := newTestEnv(t, 41)
	ctx := context.Background()
	ids := map[string]string{}
	for _, title := range []string{"stays", "changes", "archived", "deleted", "moved offline"} {
		k, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: title})
		if err != nil {
			t.Fatal(err)
		}
		ids[title] = k.ID
	}
	dir := t.TempDir()
	d := env.driver(dir, env.token)
	d.settle(10 * time.Second)
	if d.e.seq < 1 || d.e.seq > env.head() {
		t.Fatalf("after a fetch the board is complete up to %d (the log's head is %d)", d.e.seq, env.head())
	}
	seq := d.e.seq
	d.close()
	if c, err := readCache(d.e.journal.cache); err != nil || c.Seq != seq || len(c.Cards) != 5 {
		t.Fatalf("the cache keeps seq %d and %d cards (%v), want %d and 5", c.Seq, len(c.Cards), err, seq)
	}

	// Offline: a change waits in the outbox.
	env.proxy.set(faults{Reset: 1})
	d = env.driver(dir, env.token)
	if !d.do(d.e.State().Shift(ids["moved offline"], 1, t0)) {
		t.Fatal("the move was not made")
	}
	d.pumpFor(100 * time.Millisecond)
	d.e.Abandon()

	// Elsewhere, meanwhile.
	var p api.TaskPatch
	p.Title.Set("changed")
	if _, err := env.direct.UpdateTask(ctx, ids["changes"], p); err != nil {
		t.Fatal(err)
	}
	var a api.TaskPatch
	a.IsArchived.Set(true)
	if _, err := env.direct.UpdateTask(ctx, ids["archived"], a); err != nil {
		t.Fatal(err)
	}
	if err := env.direct.DeleteTask(ctx, ids["deleted"]); err != nil {
		t.Fatal(err)
	}
	if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "new"}); err != nil {
		t.Fatal(err)
	}

	env.proxy.set(faults{})
	var log engineLog
	d = env.driverWith(dir, env.token, func(d *driver) { d.log = log.logger() })
	if d.e.Status().Waiting != 1 {
		t.Fatalf("%d changes wait in the outbox, want the move", d.e.Status().Waiting)
	}
	d.settle(10 * time.Second)
	fetches := log.fetches()
	if len(fetches) == 0 || !strings.Contains(fetches[0], "changes=true") {
		t.Fatalf("the start did not ask for what changed:\n%s", strings.Join(fetches, "\n"))
	}
	st := d.e.State()
	if d.card("changed") == nil || d.card("changes") != nil || d.card("new") == nil || d.card("deleted") != nil {
		t.Fatalf("after the start the board has To Do = %s", titles(st, env.colID("To Do")))
	}
	if c := d.card("archived"); c == nil || !c.Archived {
		t.Fatalf("the card archived elsewhere: %+v", c)
	}
	if c := d.card("moved offline"); c == nil || c.StatusID != env.colID("In Progress") {
		t.Fatalf("the card moved offline: %+v", c)
	}
	if got := env.serverTasks()["moved offline"]; len(got) != 1 || *got[0].StatusID != env.colID("In Progress") {
		t.Fatalf("the server has the card moved offline as %+v", got)
	}
	if d.e.seq <= seq {
		t.Fatalf("the board's position stayed at %d", d.e.seq)
	}
	d.close()
}

// TestCacheFromAnotherDatabaseReadsWhole: a cache whose position this
// server never had (another database at the same address) is answered
// 410, and the board is read whole.
func TestCacheFromAnotherDatabaseReadsWhole(t *testing.T) {
	env := newTestEnv(t, 42)
	ctx := context.Background()
	if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "here"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	o := Options{Dir: dir, Server: env.srv.URL, ProjectID: env.project}
	stale := NewState(cols4, []*Card{{ID: "elsewhere", Title: "from the other database", StatusID: "todo", Position: "a0", Version: 9}})
	base := o.Dir + "/boards/" + fileKey(o.Server, o.ProjectID)
	if err := SaveCache(o, stale); err != nil {
		t.Fatal(err)
	}
	if err := writeCache(base+cacheSuffix, stale, nil, env.head()+1_000_000); err != nil {
		t.Fatal(err)
	}
	var log engineLog
	d := env.driverWith(dir, env.token, func(d *driver) { d.log = log.logger() })
	d.settle(10 * time.Second)
	if d.card("here") == nil || d.card("from the other database") != nil {
		t.Fatalf("the board after a 410: To Do = %s", titles(d.e.State(), env.colID("To Do")))
	}
	if fetches := log.fetches(); len(fetches) != 1 || !strings.Contains(fetches[0], "changes=false") {
		t.Fatalf("fetches:\n%s", strings.Join(fetches, "\n"))
	}
	if d.e.seq < 1 || d.e.seq > env.head() {
		t.Fatalf("the board's position is %d, the server's head %d", d.e.seq, env.head())
	}
	d.close()
}

// TestLiveFeedKeepsThePosition: the feed, once it joins up with the
// board, carries the board's position along, so a board closed after
// hours live asks for only what came after its last event.
func TestLiveFeedKeepsThePosition(t *testing.T) {
	env := newTestEnv(t, 43)
	ctx := context.Background()
	dir := t.TempDir()
	d := env.driverWith(dir, env.token, func(d *driver) { d.direct = true })
	d.settle(10 * time.Second)
	d.run([]Cmd{d.e.Live()})
	t.Cleanup(func() { d.e.stopLive() }) // else the server waits for the feed at the end
	d.waitFor("the feed joins up with the board", d.e.joined)
	for _, title := range []string{"one", "two", "three"} {
		if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	head := env.head()
	d.waitFor("the feed brings the cards", func() bool { return d.card("three") != nil && d.e.seq == head })
	// An event the board can't read is a change it missed: the position
	// stays, and what changed is fetched.
	fetched := d.e.Status().Fetched
	d.e.live.ch <- api.Event{Seq: head + 5, Kind: "task.updated", Data: []byte(`{"id":`)}
	d.waitFor("the event is taken in", func() bool { return d.e.live.from == math.MaxInt64 })
	if d.e.seq != head || d.e.joined() {
		t.Fatalf("after an event it could not read, the board is complete up to %d (joined %v)", d.e.seq, d.e.joined())
	}
	d.waitFor("what changed is fetched", func() bool { return d.e.Status().Fetched > fetched })
	d.e.stopLive()
	d.close()
	if c, _ := readCache(d.e.journal.cache); c.Seq != head {
		t.Fatalf("the cache's position is %d, the head %d", c.Seq, head)
	}
}

// TestFeedGapIsClosed: a feed that lost changes (the log pruned past
// where it was, 410) has the board read again (what changed, or, when the
// log no longer has it, all of it) and follows on from the head, joined
// up again; a feed that joins the board late (it started after the
// board's position) has what came in between fetched.
func TestFeedGapIsClosed(t *testing.T) {
	env := newTestEnv(t, 44)
	dir := t.TempDir()
	var log engineLog
	// The feed waits seconds before it reconnects: time to make changes
	// it does not see, and prune them from the log.
	d := env.driverWith(dir, env.token, func(d *driver) { d.direct, d.wait, d.log = true, 4*time.Second, log.logger() })
	d.settle(10 * time.Second)
	d.run([]Cmd{d.e.Live()})
	t.Cleanup(func() { d.e.stopLive() }) // else the server waits for the feed at the end
	d.waitFor("the feed joins up with the board", d.e.joined)
	env.srv.CloseClientConnections() // the feed drops
	env.make("missed one")
	env.make("missed two")
	db, err := sql.Open("sqlite", "file:"+env.st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM changes WHERE seq < (SELECT max(seq) FROM changes)`); err != nil {
		t.Fatal(err)
	}
	d.waitFor("the board is read again and the feed joins up", func() bool {
		return d.card("missed two") != nil && d.e.joined() && d.e.seq == env.head()
	})
	if f := log.fetches(); strings.Count(strings.Join(f, "\n"), "changes=false") != 2 {
		t.Fatalf("the pruned log did not have the board read whole once more:\n%s", strings.Join(f, "\n"))
	}
	env.make("after")
	d.waitFor("the feed brings what follows", func() bool { return d.card("after") != nil && d.e.seq == env.head() })

	// A feed that starts after the board's position: what came between is
	// fetched as what changed.
	d.e.stopLive()
	d.waitFor("the feed stops", func() bool { return d.outstanding.Load() == 0 })
	before := len(log.fetches())
	env.make("between")
	d.e.live = live{}
	d.run([]Cmd{d.e.Live()})
	d.waitFor("the gap is fetched", func() bool { return d.card("between") != nil && d.e.joined() })
	if f := log.fetches()[before:]; len(f) != 1 || !strings.Contains(f[0], "changes=true") {
		t.Fatalf("the gap was fetched as:\n%s", strings.Join(f, "\n"))
	}

	// The feed saying it lost changes while the log still holds the
	// board's position: what changed is asked for, not the whole board.
	d.e.stopLive()
	d.waitFor("the feed stops", func() bool { return d.outstanding.Load() == 0 })
	before = len(log.fetches())
	env.make("during the gap")
	d.handle(LiveMsg{e: d.e, err: fmt.Errorf("follow: %w", api.ErrResyncRequired)})
	d.waitFor("what changed is fetched", func() bool { return d.card("during the gap") != nil })
	if f := log.fetches()[before:]; len(f) == 0 || !strings.Contains(f[0], "changes=true") {
		t.Fatalf("after the feed's gap the board was fetched as:\n%s", strings.Join(f, "\n"))
	}
	d.e.stopLive()
	d.e.Abandon()
}

// TestBoardsWithoutSince: a seed-only server, and a lanes server from
// before since (no X-Lanes-Seq, since ignored), give whole boards as
// before, and the board keeps no position.
func TestBoardsWithoutSince(t *testing.T) {
	t.Run("seed", func(t *testing.T) {
		env := newTestEnv(t, 45, server.WithAPI(server.APISeed))
		ctx := context.Background()
		if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "seeded"}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		d := env.driver(dir, env.token)
		d.settle(10 * time.Second)
		if d.card("seeded") == nil || d.e.seq != 0 {
			t.Fatalf("a seed server's board: seq %d, card %v", d.e.seq, d.card("seeded"))
		}
		d.close()
		if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "later"}); err != nil {
			t.Fatal(err)
		}
		d = env.driver(dir, env.token)
		d.settle(10 * time.Second)
		if d.card("later") == nil {
			t.Fatal("the board opened from its cache missed a card")
		}
		d.close()
	})
	t.Run("lanes before since", func(t *testing.T) {
		env := newTestEnv(t, 46)
		// The server as it was: since ignored, no position said.
		h := env.srv.Config.Handler
		old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			q.Del("since")
			r.URL.RawQuery = q.Encode()
			h.ServeHTTP(stripSeq{w}, r)
		}))
		defer old.Close()
		env.proxy = newFaultProxy(t, strings.TrimPrefix(old.URL, "http://"), 46)
		ctx := context.Background()
		if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "first"}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		d := env.driver(dir, env.token)
		d.settle(10 * time.Second)
		if d.card("first") == nil || d.e.seq != 0 {
			t.Fatalf("seq %d, card %v", d.e.seq, d.card("first"))
		}
		d.close()
		if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "second"}); err != nil {
			t.Fatal(err)
		}
		d = env.driver(dir, env.token)
		d.settle(10 * time.Second)
		if d.card("second") == nil || d.card("first") == nil {
			t.Fatal("the board from a server before since lost a card")
		}
		d.close()
	})
}

// stripSeq drops the headers a lanes server from before since did not
// send.
type stripSeq struct{ http.ResponseWriter }

func (s stripSeq) WriteHeader(code int) {
	s.Header().Del("X-Lanes-Seq")
	s.Header().Del("ETag")
	s.ResponseWriter.WriteHeader(code)
}

func (s stripSeq) Write(b []byte) (int, error) {
	s.Header().Del("X-Lanes-Seq")
	s.Header().Del("ETag")
	return s.ResponseWriter.Write(b)
}

func (s stripSeq) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
