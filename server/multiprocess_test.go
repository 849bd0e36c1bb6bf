package server_test

// Several lanes servers over one PostgreSQL database, as separate processes
// behind a load balancer would be: each server here has its own store (its
// own connection pool and its own LISTEN connection) over the same schema,
// and nothing in memory is shared between them. The tests check what a
// client notices when its requests land on different servers.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	boardstate "github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/pgtest"
	"github.com/lanesboard/lanes/server/store"
)

// servers starts n servers over one fresh PostgreSQL schema, each with a
// store of its own.
func servers(t *testing.T, n int) []*testEnv {
	t.Helper()
	db := pgtest.URL(t)
	envs := make([]*testEnv, n)
	for i := range envs {
		envs[i] = newTestEnvOn(t, openStoreAt(t, db))
		envs[i].db = db
	}
	return envs
}

// within is the feed's next event, failing the test unless it comes
// within d.
func (f *feed) within(d time.Duration) sseEvent {
	f.t.Helper()
	select {
	case ev := <-f.evs:
		return ev
	case <-time.After(d):
		f.t.Fatalf("no event within %s", d)
		return sseEvent{}
	}
}

// endsWithin fails the test unless the feed's stream ends within d of
// since, and says how long it took.
func (f *feed) endsWithin(d time.Duration, since time.Time) time.Duration {
	f.t.Helper()
	select {
	case <-f.done:
		return time.Since(since)
	case <-time.After(d - time.Since(since)):
		f.t.Fatalf("the feed is still open %s later", d)
		return 0
	}
}

// titleOf is the title in a task event's payload.
func titleOf(t *testing.T, ev sseEvent) string {
	t.Helper()
	var k struct{ Title string }
	if err := json.Unmarshal([]byte(ev.Data), &k); err != nil {
		t.Fatalf("event %d %s: payload %q: %v", ev.ID, ev.Kind, ev.Data, err)
	}
	return k.Title
}

// A change committed through one server reaches a feed on another at once,
// as the same event (the same sequence number) a feed on the first server
// gets; and a client that loses its server and resumes on another with the
// Last-Event-ID it had misses nothing and gets nothing twice.
func TestMultiProcessFeed(t *testing.T) {
	envs := servers(t, 2)
	a, b := envs[0], envs[1]
	ann := a.newUser("ann")
	bd := a.personalBoard(ann)
	fa := openFeed(t, a, ann.Token, "spaceId="+bd.SpaceID)
	fb := openFeed(t, b, ann.Token, "spaceId="+bd.SpaceID)

	start := time.Now()
	k := a.createTask(ann, bd.ProjectID, map[string]any{"title": "made on A"})
	onB := fb.within(2 * time.Second)
	t.Logf("B's feed had A's change %s after A answered", time.Since(start).Round(time.Millisecond))
	onA := fa.next()
	if onB.ID != onA.ID || onB.Kind != "task.created" || onA.Kind != "task.created" || titleOf(t, onB) != "made on A" {
		t.Fatalf("B's feed got %+v, A's %+v: want the same task.created", onB, onA)
	}
	// And the other way round.
	b.patchTask(ann, k.ID, map[string]any{"title": "renamed on B"})
	back := fa.within(2 * time.Second)
	if again := fb.next(); again.ID != back.ID || back.ID <= onA.ID || back.Kind != "task.updated" || titleOf(t, back) != "renamed on B" {
		t.Fatalf("after a change on B: A's feed got %+v, B's %+v", back, again)
	}

	// The client following A loses it, work goes on through both servers,
	// and the client resumes on B from the last event A sent it.
	fa.close()
	var missed []string
	for i := range 6 {
		title := fmt.Sprint("while away ", i)
		envs[i%2].createTask(ann, bd.ProjectID, map[string]any{"title": title})
		missed = append(missed, title)
	}
	fb2 := openFeed(t, b, ann.Token, "spaceId="+bd.SpaceID, "Last-Event-ID", fmt.Sprint(back.ID))
	last := back.ID
	var resumed []sseEvent
	for _, want := range missed {
		ev := fb2.next()
		if ev.ID <= last || ev.Kind != "task.created" || titleOf(t, ev) != want {
			t.Fatalf("resumed on B after %d: got %+v, want %q after %d", back.ID, ev, want, last)
		}
		last = ev.ID
		resumed = append(resumed, ev)
	}
	fb2.none(300 * time.Millisecond)
	// The resumed feed agrees with the one that never left B, and goes on
	// live.
	for _, r := range resumed {
		if ev := fb.next(); ev != r {
			t.Fatalf("B's first feed had %+v where the resumed one had %+v", ev, r)
		}
	}
	a.createTask(ann, bd.ProjectID, map[string]any{"title": "after the resume"})
	live, other := fb2.within(2*time.Second), fb.within(2*time.Second)
	if live.ID != other.ID || live.ID <= last || titleOf(t, live) != "after the resume" {
		t.Fatalf("after the resume: %+v, the other feed %+v", live, other)
	}
}

// One Idempotency-Key sent many times at once, to two servers, makes one
// task: every answer is the same, all but one are replays, and later
// retries replay on either server; another request with the key is refused
// on either.
func TestMultiProcessIdempotency(t *testing.T) {
	envs := servers(t, 2)
	ann := envs[0].newUser("ann")
	bd := envs[0].personalBoard(ann)
	body := map[string]any{"projectId": bd.ProjectID, "title": "exactly once", "statusId": bd.col(t, "In Progress")}
	const n = 24
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		resps = make([]testResp, n)
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			e := envs[i%2]
			resps[i], errs[i] = testSend(e.srv.Client(), e.srv.URL, ann.Token, "POST", "/api/tasks", body, "Idempotency-Key", "one-card")
		}()
	}
	close(start)
	wg.Wait()
	fresh := 0
	for i, r := range resps {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if r.Status != 201 || !bytes.Equal(r.Body, resps[0].Body) {
			t.Fatalf("request %d (server %d): %d %s; request 0: %d %s", i, i%2, r.Status, r.Body, resps[0].Status, resps[0].Body)
		}
		switch r.Header.Get("Idempotent-Replayed") {
		case "":
			fresh++
		case "true":
		default:
			t.Fatalf("request %d: Idempotent-Replayed %q", i, r.Header.Get("Idempotent-Replayed"))
		}
	}
	if fresh != 1 {
		t.Fatalf("%d of %d answers were not replays, want exactly 1", fresh, n)
	}
	var created struct{ Task tTask }
	resps[0].want(t, 201, &created)
	for i, e := range envs {
		list := e.listTasks(ann, bd.ProjectID, false)
		if len(list) != 1 || list[0].ID != created.Task.ID {
			t.Fatalf("server %d lists %d tasks (%s), want the one made", i, len(list), titlesOf(list))
		}
	}
	for i, e := range envs {
		r := e.do(ann.Token, "POST", "/api/tasks", body, "Idempotency-Key", "one-card").want(t, 201, nil)
		if !bytes.Equal(r.Body, resps[0].Body) || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("a later retry on server %d: %s replayed=%q, want %s replayed", i, r.Body, r.Header.Get("Idempotent-Replayed"), resps[0].Body)
		}
		other := map[string]any{"projectId": bd.ProjectID, "title": "something else"}
		e.do(ann.Token, "POST", "/api/tasks", other, "Idempotency-Key", "one-card").wantErr(t, 409, "idempotency_mismatch")
	}
	if list := envs[1].listTasks(ann, bd.ProjectID, false); len(list) != 1 {
		t.Fatalf("after the retries: %d tasks (%s), want 1", len(list), titlesOf(list))
	}
}

// appended is a card put at the end of a column by the server, and when.
type appended struct {
	id         string
	sent, done time.Time
}

// Three servers, clients appending to one column and others moving cards
// within it, all at once: at the end every card of the column has a
// position of its own, every server lists the column in the same order,
// and cards appended one after the other (the second sent after the first
// was answered) are in that order unless someone moved them.
func TestMultiProcessPositions(t *testing.T) {
	envs := servers(t, 3)
	ann := envs[0].newUser("ann")
	bd := envs[0].personalBoard(ann)
	col := bd.col(t, "To Do")
	for i := range 10 {
		envs[i%3].createTask(ann, bd.ProjectID, map[string]any{"title": fmt.Sprint("early ", i), "statusId": col})
	}
	seed := time.Now().UnixNano()
	t.Logf("moves chosen with seed %d", seed)

	const appenders, appends, movers, moves = 3, 12, 3, 12
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added []appended
		moved = map[string]bool{}
		fails []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fails = append(fails, fmt.Sprintf(format, args...))
	}
	for w := range appenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range appends {
				e := envs[(w+i)%3]
				sent := time.Now()
				res, err := testSend(e.srv.Client(), e.srv.URL, ann.Token, "POST", "/api/tasks",
					map[string]any{"projectId": bd.ProjectID, "title": fmt.Sprintf("append %d.%d", w, i), "statusId": col})
				done := time.Now()
				var out struct{ Task tTask }
				if err != nil || res.Status != 201 || json.Unmarshal(res.Body, &out) != nil {
					fail("append %d.%d: %v %d %s", w, i, err, res.Status, res.Body)
					return
				}
				mu.Lock()
				added = append(added, appended{id: out.Task.ID, sent: sent, done: done})
				mu.Unlock()
			}
		}()
	}
	for w := range movers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(seed), uint64(w)))
			for i := range moves {
				e := envs[(w+i+1)%3]
				// As a board does: read the column, take a card out, and
				// put it between two of the others (or at either end)
				// with a key made from their positions.
				res, err := testSend(e.srv.Client(), e.srv.URL, ann.Token, "GET", "/api/tasks?projectId="+bd.ProjectID, nil)
				var list []tTask
				if err != nil || res.Status != 200 || json.Unmarshal(res.Body, &list) != nil {
					fail("mover %d: list: %v %d %s", w, err, res.Status, res.Body)
					return
				}
				list = slices.DeleteFunc(list, func(k tTask) bool { return str(k.StatusID) != fmt.Sprintf("%q", col) })
				card := list[rnd.IntN(len(list))]
				rest := slices.DeleteFunc(slices.Clone(list), func(k tTask) bool { return k.ID == card.ID })
				gap := rnd.IntN(len(rest) + 1)
				if rnd.IntN(4) == 0 {
					gap = len(rest) // to the end
				}
				var before, after string
				if gap > 0 {
					before = rest[gap-1].Position
				}
				if gap < len(rest) {
					after = rest[gap].Position
				}
				key, err := boardstate.Between(before, after)
				if err != nil {
					fail("mover %d: no key between %q and %q: %v", w, before, after, err)
					return
				}
				res, err = testSend(e.srv.Client(), e.srv.URL, ann.Token, "PATCH", "/api/tasks/"+card.ID, map[string]any{"position": key})
				if err != nil || res.Status != 200 {
					fail("mover %d: move %q to %q: %v %d %s", w, card.Title, key, err, res.Status, res.Body)
					return
				}
				mu.Lock()
				moved[card.ID] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("%d requests failed:\n%s", len(fails), strings.Join(fails, "\n"))
	}

	// Every server lists the same column, in the same order, each card at
	// a position of its own.
	var order []tTask
	for i, e := range envs {
		list := e.listTasks(ann, bd.ProjectID, false)
		list = slices.DeleteFunc(list, func(k tTask) bool { return str(k.StatusID) != fmt.Sprintf("%q", col) })
		if i == 0 {
			order = list
			continue
		}
		if titlesOf(list) != titlesOf(order) {
			t.Fatalf("server %d lists the column as\n%s\nserver 0 as\n%s", i, titlesOf(list), titlesOf(order))
		}
	}
	if want := 10 + appenders*appends; len(order) != want {
		t.Fatalf("the column has %d cards, want %d", len(order), want)
	}
	at := map[string]int{}
	for i, k := range order {
		at[k.ID] = i
		if i > 0 && k.Position <= order[i-1].Position {
			t.Errorf("%q at %q is listed after %q at %q", k.Title, k.Position, order[i-1].Title, order[i-1].Position)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	// Appends that did not overlap are in the order they were answered.
	checked := 0
	for _, x := range added {
		for _, y := range added {
			if moved[x.id] || moved[y.id] || !x.done.Before(y.sent) {
				continue
			}
			checked++
			if at[x.id] >= at[y.id] {
				t.Fatalf("%q, appended first, is listed at %d, after %q at %d, appended after it was answered",
					order[at[x.id]].Title, at[x.id], order[at[y.id]].Title, at[y.id])
			}
		}
	}
	t.Logf("%d cards moved; %d pairs of appends checked for order", len(moved), checked)
}

// A token revoked through one server's database is refused by another
// server at once (its NOTIFY clears the other's remembered sign-ins), and
// the other server's open feed for it ends within 5 s, quiet or not,
// delivering nothing written after the revocation.
func TestMultiProcessRevocation(t *testing.T) {
	envs := servers(t, 2)
	a, b := envs[0], envs[1]
	ann := a.newUser("ann")
	other := a.newToken(ann, "another device") // stays good
	bd := a.personalBoard(ann)
	revoke := func(tokenID string) time.Time {
		t.Helper()
		err := a.st.Write(context.Background(), func(tx *store.Tx) error { _, err := tx.RevokeToken(tokenID); return err })
		if err != nil {
			t.Fatal(err)
		}
		return time.Now()
	}
	refused := func(u testUser, since time.Time) time.Duration {
		t.Helper()
		var after time.Duration
		waitFor(t, 5*time.Second-time.Since(since), "server B refuses the revoked token", func() bool {
			res, err := testSend(b.srv.Client(), b.srv.URL, u.Token, "GET", "/api/me", nil)
			if err == nil && res.Status == 401 {
				after = time.Since(since)
				return true
			}
			return false
		})
		return after
	}

	// A quiet feed: nothing is written after the revocation to wake it.
	fb := openFeed(t, b, ann.Token, "spaceId="+bd.SpaceID)
	// B remembers the sign-in, as it would for a busy client.
	b.do(ann.Token, "GET", "/api/me", nil).want(t, 200, nil)
	revoked := revoke(ann.TokenID)
	refusedAfter := refused(ann, revoked)
	ended := fb.endsWithin(5*time.Second, revoked)
	t.Logf("after the revocation on A: B refused the token in %s; B's quiet feed ended in %s",
		refusedAfter.Round(time.Millisecond), ended.Round(time.Millisecond))
	a.do(ann.Token, "GET", "/api/me", nil).wantErr(t, 401, "")
	b.do(ann.Token, "GET", "/api/events?spaceId="+bd.SpaceID, nil).wantErr(t, 401, "")

	// A busy one: the space changes right after the revocation.
	laptop := a.newToken(ann, "laptop")
	fb = openFeed(t, b, laptop.Token, "spaceId="+bd.SpaceID)
	b.do(laptop.Token, "GET", "/api/me", nil).want(t, 200, nil)
	revoked = revoke(laptop.TokenID)
	for i := range 3 {
		a.createTask(other, bd.ProjectID, map[string]any{"title": fmt.Sprint("after the revocation ", i)})
	}
	ended = fb.endsWithin(5*time.Second, revoked)
	refusedAfter = refused(laptop, revoked)
	t.Logf("after the second revocation on A: B refused the token in %s; B's busy feed ended in %s", refusedAfter.Round(time.Millisecond), ended.Round(time.Millisecond))
	close(fb.evs)
	for ev := range fb.evs {
		t.Fatalf("B's feed delivered, after the revocation: %+v", ev)
	}
	b.do(other.Token, "GET", "/api/me", nil).want(t, 200, nil)
}

// A member removed, or made a viewer, through one server loses what that
// took on another server within 5 s: the space, the feed, the writes.
func TestMultiProcessMembership(t *testing.T) {
	envs := servers(t, 2)
	a, b := envs[0], envs[1]
	tm := newTeam(t, a)
	members := "/api/spaces/" + tm.SpaceID + "/members/"
	projects := "/api/projects?spaceId=" + tm.SpaceID
	b.do(tm.Member.Token, "GET", projects, nil).want(t, 200, nil)
	fb := openFeed(t, b, tm.Member.Token, "spaceId="+tm.SpaceID)

	a.do(tm.Owner.Token, "DELETE", members+tm.Member.ID, nil).want(t, 200, nil)
	removed := time.Now()
	var goneAfter time.Duration
	waitFor(t, 5*time.Second, "server B hides the space from the removed member", func() bool {
		res, err := testSend(b.srv.Client(), b.srv.URL, tm.Member.Token, "GET", projects, nil)
		if err == nil && res.Status == 404 {
			goneAfter = time.Since(removed)
			return true
		}
		return false
	})
	ended := fb.endsWithin(5*time.Second, removed)
	t.Logf("after the removal on A: B answered 404 in %s, B's feed ended in %s", goneAfter.Round(time.Millisecond), ended.Round(time.Millisecond))
	b.do(tm.Member.Token, "GET", projects, nil).wantErr(t, 404, "not_found")

	task := map[string]any{"projectId": tm.Board.ProjectID, "title": "by the admin"}
	b.do(tm.Admin.Token, "POST", "/api/tasks", task).want(t, 201, nil)
	a.do(tm.Owner.Token, "PATCH", members+tm.Admin.ID, map[string]any{"role": "viewer"}).want(t, 200, nil)
	downgraded := time.Now()
	var refusedAfter time.Duration
	waitFor(t, 5*time.Second, "server B refuses a write by the new viewer", func() bool {
		res, err := testSend(b.srv.Client(), b.srv.URL, tm.Admin.Token, "POST", "/api/tasks", task)
		switch {
		case err != nil:
			return false
		case res.Status == 403:
			refusedAfter = time.Since(downgraded)
			return true
		case res.Status != 201:
			t.Fatalf("a write by the admin turned viewer: %d %s", res.Status, res.Body)
		}
		return false
	})
	t.Logf("after the downgrade on A: B refused the write in %s", refusedAfter.Round(time.Millisecond))
	b.do(tm.Admin.Token, "POST", "/api/tasks", task).wantErr(t, 403, "forbidden")
	b.do(tm.Admin.Token, "GET", projects, nil).want(t, 200, nil) // a viewer still reads
}

// A task list one server has cached shows a change made through another
// server on the very next request.
func TestMultiProcessListCache(t *testing.T) {
	envs := servers(t, 2)
	a, b := envs[0], envs[1]
	ann := a.newUser("ann")
	bd := a.personalBoard(ann)
	k := a.createTask(ann, bd.ProjectID, map[string]any{"title": "first"})
	a.createTask(ann, bd.ProjectID, map[string]any{"title": "second", "statusId": bd.col(t, "In Progress")})
	path := "/api/tasks?projectId=" + bd.ProjectID
	same := func(when string) []tTask {
		t.Helper()
		onB := b.do(ann.Token, "GET", path, nil).want(t, 200, nil)
		onA := a.do(ann.Token, "GET", path, nil).want(t, 200, nil)
		if !bytes.Equal(onB.Body, onA.Body) {
			t.Fatalf("%s: B lists\n%s\nA lists\n%s", when, onB.Body, onA.Body)
		}
		// One list, one ETag, whichever process answers: a client that
		// read it from A gets 304 from B.
		if tag := onA.Header.Get("ETag"); tag == "" || tag != onB.Header.Get("ETag") {
			t.Fatalf("%s: A's ETag %s, B's %s", when, tag, onB.Header.Get("ETag"))
		}
		if r := b.do(ann.Token, "GET", path, nil, "If-None-Match", onA.Header.Get("ETag")); r.Status != 304 {
			t.Fatalf("%s: B answers A's ETag with %d, want 304", when, r.Status)
		}
		var list []tTask
		onB.want(t, 200, &list)
		return list
	}
	first := same("at first")
	before := b.do(ann.Token, "GET", path, nil).want(t, 200, nil).Header.Get("ETag")
	same("again, from the caches")

	a.patchTask(ann, k.ID, map[string]any{"title": "first, renamed"})
	if list := same("after a rename on A"); titles(list) != "first, renamed|second" || len(first) != 2 {
		t.Fatalf("after a rename on A, B lists %s", titles(list))
	}
	if r := b.do(ann.Token, "GET", path, nil, "If-None-Match", before); r.Status != 200 {
		t.Fatalf("after a rename on A, B answers the old ETag with %d, want 200", r.Status)
	}
	third := a.createTask(ann, bd.ProjectID, map[string]any{"title": "third"})
	if list := same("after a create on A"); len(list) != 3 || list[1].ID != third.ID {
		t.Fatalf("after a create on A, B lists %s", titles(list))
	}
	a.do(ann.Token, "DELETE", "/api/tasks/"+k.ID, nil).want(t, 200, nil)
	if list := same("after a delete on A"); titles(list) != "third|second" {
		t.Fatalf("after a delete on A, B lists %s", titles(list))
	}
	// A change that is not a task's: the columns' order.
	a.do(ann.Token, "PATCH", "/api/statuses/"+bd.col(t, "In Progress"), map[string]any{"position": 0}).want(t, 200, nil)
	if list := same("after a column move on A"); titles(list) != "second|third" {
		t.Fatalf("after a column move on A, B lists %s", titles(list))
	}
	// And the other way round.
	b.patchTask(ann, third.ID, map[string]any{"priority": "urgent"})
	if list := same("after a change on B"); list[1].Priority != "urgent" {
		t.Fatalf("after a change on B: %+v", list[1])
	}
}

// The notification channel a schema's lanes processes listen on. The store
// derives it this way (postgres.go); the test names it to find the
// listening connections, and fails if it finds none, so a change there
// can't make this test pass by killing nothing.
func listenChannel(t *testing.T, db string) string {
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	h := fnv.New32a()
	h.Write([]byte("lanes:" + u.Query().Get("search_path")))
	return fmt.Sprintf("lanes_%08x", h.Sum32())
}

// listeners runs query (about the backends listening on channel, $1 being
// their LISTEN statement) on the tests' PostgreSQL and returns the count
// it gives.
func listeners(t *testing.T, query, channel string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.Base())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, query, `LISTEN `+pgx.Identifier{channel}.Sanitize()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const (
	countListeners = `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND starts_with(query, $1 || ';')`
	killListeners  = `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND starts_with(query, $1 || ';')) AS killed WHERE pg_terminate_backend`
)

// When PostgreSQL drops the servers' LISTEN connections, they listen
// again: a feed on one server still gets what another commits, every
// change once, and soon as promptly as before.
func TestMultiProcessListenerReconnect(t *testing.T) {
	envs := servers(t, 2)
	a, b := envs[0], envs[1]
	ann := a.newUser("ann")
	bd := a.personalBoard(ann)
	fb := openFeed(t, b, ann.Token, "spaceId="+bd.SpaceID)
	a.createTask(ann, bd.ProjectID, map[string]any{"title": "before"})
	if ev := fb.within(2 * time.Second); titleOf(t, ev) != "before" {
		t.Fatalf("before the listeners were dropped: %+v", ev)
	}

	channel := listenChannel(t, a.db)
	if n := listeners(t, killListeners, channel); n != 2 {
		t.Fatalf("terminated %d connections listening on %s, want the 2 servers'", n, channel)
	}
	killed := time.Now()
	var made []string
	for i := range 3 {
		title := fmt.Sprint("while deaf ", i)
		a.createTask(ann, bd.ProjectID, map[string]any{"title": title})
		made = append(made, title)
	}
	for _, want := range made {
		if ev := fb.within(5 * time.Second); titleOf(t, ev) != want {
			t.Fatalf("after the listeners were dropped: %+v, want %q", ev, want)
		}
	}
	t.Logf("B's feed had the changes made while it was not listening %s after the drop", time.Since(killed).Round(time.Millisecond))
	fb.none(300 * time.Millisecond)

	waitFor(t, 5*time.Second, "both servers listen again", func() bool { return listeners(t, countListeners, channel) == 2 })
	start := time.Now()
	a.createTask(ann, bd.ProjectID, map[string]any{"title": "after"})
	if ev := fb.within(2 * time.Second); titleOf(t, ev) != "after" {
		t.Fatalf("once listening again: %+v", ev)
	}
	t.Logf("listening again, B's feed had A's change %s after A answered", time.Since(start).Round(time.Millisecond))
}

// Two servers over one database each run a delivery worker: every change,
// made through either, reaches the receiver once and in order, never two
// deliveries of the subscription at once, though both workers wake for
// every change and a flaky receiver makes them retry.
func TestMultiProcessWebhooks(t *testing.T) {
	db := pgtest.URL(t)
	envs := []*testEnv{newHookEnvOn(t, db, openStoreAt(t, db)), newHookEnvOn(t, db, openStoreAt(t, db))}
	u := envs[0].newUser("ada")
	b := envs[0].personalBoard(u)
	rcv := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		if sum := sha256.Sum256([]byte(c.Delivery + fmt.Sprint(n))); sum[0] < 40 {
			return 503
		}
		return 204
	})
	envs[1].newWebhook(u, b.SpaceID, rcv.URL(), []string{"task.added"}, nil)
	const n = 200
	for i := range n {
		envs[i%2].createTask(u, b.ProjectID, map[string]any{"title": fmt.Sprint(i)})
	}
	calls := rcv.wait("every change accepted", func(c []hookCall) bool { return len(accepted(c)) >= n })
	checkInOrder(t, calls)
	for i, c := range accepted(calls) {
		var k tTask
		json.Unmarshal(c.payload(t).Data, &k)
		if k.Title != fmt.Sprint(i) {
			t.Fatalf("delivery %d was of task %q, want %d", i, k.Title, i)
		}
	}
	if m := rcv.most(); m != 1 {
		t.Fatalf("the receiver was sent %d deliveries at once", m)
	}
}
