package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// collector gathers a feed's events.
type collector struct {
	mu  sync.Mutex
	evs []api.Event
}

func (c *collector) add(e api.Event) { c.mu.Lock(); c.evs = append(c.evs, e); c.mu.Unlock() }

func (c *collector) titles() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.evs {
		var k struct{ Title string }
		json.Unmarshal(e.Data, &k)
		out = append(out, e.Kind+" "+k.Title)
	}
	return out
}

func (c *collector) waitFor(t *testing.T, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got := c.titles(); len(got) >= n {
			return got
		}
	}
	t.Fatalf("only %v arrived, want %d events", c.titles(), n)
	return nil
}

// Follow sees every change once, in order, across a connection the server
// cuts in the middle.
func TestFollowResumesAcrossACutConnection(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	c := e.client(ann)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sp, p := personal(t, c)
	col := &collector{}
	done := make(chan error, 1)
	// The feed waits 300 ms before reconnecting, so the changes below are
	// made while it is away: only resuming from its last event finds them.
	feed := e.client(ann, api.WithRetry(3, 300*time.Millisecond, 300*time.Millisecond))
	go func() { done <- feed.Follow(ctx, sp.ID, 0, col.add) }()
	time.Sleep(200 * time.Millisecond) // let it connect at the head
	if _, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "one"}); err != nil {
		t.Fatal(err)
	}
	col.waitFor(t, 1)
	e.srv.CloseClientConnections() // the network drops the feed
	for _, title := range []string{"two", "three"} {
		// With a key, Go's transport may resend it on a pooled connection
		// the cut left dead, as the board's writes would be.
		if _, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: title}, api.IdempotencyKey("k-"+title)); err != nil {
			t.Fatal(err)
		}
	}
	col.waitFor(t, 3)
	time.Sleep(200 * time.Millisecond) // nothing more should come
	got := col.titles()
	want := []string{"task.created one", "task.created two", "task.created three"}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow ended with %v", err)
	}
}

// A seed-only server has no feed; Follow says so at once.
func TestFollowOnASeedServer(t *testing.T) {
	e := newEnv(t, server.APISeed)
	c := e.client(e.user("ann"))
	sp, _ := personal(t, c)
	if err := c.Follow(context.Background(), sp.ID, 0, func(api.Event) {}); !errors.Is(err, api.ErrNotSupported) {
		t.Fatalf("Follow on a seed server: %v", err)
	}
}

// A space one is not in is an error, not an endless retry.
func TestFollowAStrangersSpace(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann, sam := e.client(e.user("ann")), e.client(e.user("sam"))
	sp, _ := personal(t, ann)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sam.Follow(ctx, sp.ID, 0, func(api.Event) {}); !api.IsNotFound(err) {
		t.Fatalf("following someone else's space: %v", err)
	}
}

// A feed opened while the server is away (a board opened offline) waits
// for it and follows once it is back, rather than giving up on live
// changes for good.
func TestFollowWaitsForAServerThatIsAway(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	c := e.client(ann)
	sp, p := personal(t, c)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing answers there yet
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	feed := api.New("http://"+addr, ann.Token, api.WithRetry(3, 20*time.Millisecond, 100*time.Millisecond), api.WithTimeout(2*time.Second))
	col := &collector{}
	done := make(chan error, 1)
	go func() { done <- feed.Follow(ctx, sp.ID, 0, col.add) }()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Follow gave up while the server was away: %v", err)
	default:
	}
	// The server comes back at that address.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", e.srv.Listener.Addr().String())
			if err != nil {
				in.Close()
				continue
			}
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	// The feed starts at the head once it connects: keep changing the
	// board until a change comes through.
	for i := 0; len(col.titles()) == 0; i++ {
		if i > 100 {
			t.Fatal("no change came through the feed after the server came back")
		}
		if _, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "back"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
