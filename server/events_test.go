package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

type sseEvent struct {
	ID         int64
	Kind, Data string
}

// feed is an open change feed read event by event.
type feed struct {
	t    *testing.T
	res  *http.Response
	evs  chan sseEvent
	done chan struct{}
}

func openFeed(t *testing.T, e *testEnv, token, query string, headers ...string) *feed {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/events?"+query, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		res.Body.Close()
		t.Fatalf("feed answered %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	f := &feed{t: t, res: res, evs: make(chan sseEvent, 100), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Kind != "" && ev.Kind != "ready" {
					f.evs <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID, _ = strconv.ParseInt(line[4:], 10, 64)
			case strings.HasPrefix(line, "event: "):
				ev.Kind = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[6:]
			}
		}
	}()
	t.Cleanup(f.close)
	return f
}

func (f *feed) next() sseEvent {
	f.t.Helper()
	select {
	case ev := <-f.evs:
		return ev
	case <-time.After(10 * time.Second):
		f.t.Fatal("no event within 10 s")
		return sseEvent{}
	}
}

func (f *feed) none(d time.Duration) {
	f.t.Helper()
	select {
	case ev := <-f.evs:
		f.t.Fatalf("an event that should not be: %+v", ev)
	case <-time.After(d):
	}
}

func (f *feed) close() { f.res.Body.Close(); <-f.done }

// A feed opened without a position starts at the head and sees each change
// once, in order, as it is made.
func TestEventsFollowChanges(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	e.createTask(u, bd.ProjectID, map[string]any{"title": "before the feed"})
	f := openFeed(t, e, u.Token, "spaceId="+bd.SpaceID)
	k := e.createTask(u, bd.ProjectID, map[string]any{"title": "Ship it"})
	e.patchTask(u, k.ID, map[string]any{"priority": "urgent"})
	created, updated := f.next(), f.next()
	if created.Kind != "task.created" || !strings.Contains(created.Data, `"title":"Ship it"`) {
		t.Fatalf("first event %+v", created)
	}
	if updated.Kind != "task.updated" || updated.ID <= created.ID || !strings.Contains(updated.Data, `"priority":"urgent"`) {
		t.Fatalf("second event %+v after %d", updated, created.ID)
	}
	f.none(300 * time.Millisecond)
}

// Cut the connection, change things, reconnect with Last-Event-ID (or
// ?after=): exactly the missed events come, none twice.
func TestEventsResume(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	f := openFeed(t, e, u.Token, "spaceId="+bd.SpaceID)
	e.createTask(u, bd.ProjectID, map[string]any{"title": "one"})
	last := f.next()
	f.close()
	e.createTask(u, bd.ProjectID, map[string]any{"title": "two"})
	e.createTask(u, bd.ProjectID, map[string]any{"title": "three"})
	for _, how := range [][]string{{"Last-Event-ID", strconv.FormatInt(last.ID, 10)}, nil} {
		query := "spaceId=" + bd.SpaceID
		if how == nil {
			query += "&after=" + strconv.FormatInt(last.ID, 10)
		}
		g := openFeed(t, e, u.Token, query, how...)
		a, b := g.next(), g.next()
		if !strings.Contains(a.Data, `"title":"two"`) || !strings.Contains(b.Data, `"title":"three"`) || a.ID != last.ID+1 {
			t.Fatalf("resumed with %v: %+v then %+v", how, a, b)
		}
		g.none(200 * time.Millisecond)
		g.close()
	}
}

// A position older than the log keeps is 410 resync_required; a bad one
// is a 400 naming the field; a space you are not in is a 404.
func TestEventsErrors(t *testing.T) {
	e := newTestEnv(t)
	u, stranger := e.newUser("ann"), e.newUser("sam")
	bd := e.personalBoard(u)
	for i := 0; i < 3; i++ {
		e.createTask(u, bd.ProjectID, map[string]any{"title": "old"})
	}
	// Prune as if a week had passed, through a second handle on the file.
	later, err := store.OpenDB(context.Background(), e.db, store.WithClock(func() time.Time { return time.Now().Add(store.ChangeRetention + time.Hour) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := later.Write(context.Background(), func(tx *store.Tx) error { return tx.PruneChanges() }); err != nil {
		t.Fatal(err)
	}
	later.Close()
	e.do(u.Token, "GET", "/api/events?spaceId="+bd.SpaceID+"&after=1", nil).wantErr(t, 410, "resync_required")
	e.do(u.Token, "GET", "/api/events?spaceId="+bd.SpaceID+"&after=soon", nil).wantErr(t, 400, "validation_failed")
	e.do(u.Token, "GET", "/api/events?spaceId="+bd.SpaceID+"&after=99999", nil).wantErr(t, 400, "validation_failed")
	e.do(stranger.Token, "GET", "/api/events?spaceId="+bd.SpaceID, nil).wantErr(t, 404, "not_found")
	e.do("", "GET", "/api/events?spaceId="+bd.SpaceID, nil).wantErr(t, 401, "")
	// From the head it still works.
	f := openFeed(t, e, u.Token, "spaceId="+bd.SpaceID)
	e.createTask(u, bd.ProjectID, map[string]any{"title": "new"})
	if ev := f.next(); !strings.Contains(ev.Data, `"title":"new"`) {
		t.Fatalf("after pruning: %+v", ev)
	}
}

// Stopping the server ends open feeds at once instead of waiting out the
// drain.
func TestServeEndsFeedsOnShutdown(t *testing.T) {
	st := openTestStore(t)
	e := newTestEnvOn(t, st)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.New(st, server.WithRateLimit(0)).Serve(ctx, ln, 20*time.Second) }()
	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/api/events?spaceId="+bd.SpaceID, nil)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("feed: %v %v", res, err)
	}
	defer res.Body.Close()
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("shutdown took %s with a feed open", d)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("shutdown waited on the open feed")
	}
}

// Many feeds on two spaces share the process's reads of the log: each
// hears exactly its own space's changes, in order, once; a feed opened
// later from a position older than anything the process has read gets the
// same, and so does one opened from where another left off.
func TestManyFeedsEachHearTheirSpace(t *testing.T) {
	e := newTestEnv(t)
	ann := e.newUser("ann")
	bob := e.newUser("bob")
	a, b := e.personalBoard(ann), e.personalBoard(bob)
	start := openFeed(t, e, ann.Token, "spaceId="+a.SpaceID)
	e.createTask(ann, a.ProjectID, map[string]any{"title": "before the crowd"})
	first := start.next()
	start.close()

	var feeds []*feed
	for i := range 24 {
		if i%2 == 0 {
			feeds = append(feeds, openFeed(t, e, ann.Token, "spaceId="+a.SpaceID))
		} else {
			feeds = append(feeds, openFeed(t, e, bob.Token, "spaceId="+b.SpaceID))
		}
	}
	const n = 15
	for i := range n {
		e.createTask(ann, a.ProjectID, map[string]any{"title": fmt.Sprintf("ann %d", i)})
		e.createTask(bob, b.ProjectID, map[string]any{"title": fmt.Sprintf("bob %d", i)})
	}
	hear := func(f *feed, who string, from int64) {
		t.Helper()
		last := from
		for i := range n {
			ev := f.next()
			if ev.ID <= last || !strings.Contains(ev.Data, fmt.Sprintf(`"title":"%s %d"`, who, i)) {
				t.Fatalf("%s's feed, change %d: %+v after %d", who, i, ev, last)
			}
			last = ev.ID
		}
		f.none(100 * time.Millisecond)
	}
	for i, f := range feeds {
		who := map[bool]string{true: "ann", false: "bob"}[i%2 == 0]
		hear(f, who, first.ID)
		f.close()
	}
	late := openFeed(t, e, ann.Token, "spaceId="+a.SpaceID+"&after="+strconv.FormatInt(first.ID, 10))
	hear(late, "ann", first.ID)
	late.close()
	// From the log's start, older than the ring: read from the database
	// until it catches up.
	all := openFeed(t, e, ann.Token, "spaceId="+a.SpaceID+"&after=0")
	for ev := all.next(); ev.ID != first.ID; ev = all.next() {
		if ev.ID > first.ID {
			t.Fatalf("from the start: %+v, never the first task (%d)", ev, first.ID)
		}
	}
	hear(all, "ann", first.ID)
	all.close()
}
