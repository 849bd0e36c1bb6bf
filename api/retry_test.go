package api_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

func httpServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// A read over its rate limit waits as long as Retry-After says, then gets
// its answer; a read whose context cannot wait that long gets the 429.
func TestRateLimitedReadWaitsRetryAfter(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, server.APIFull, server.WithRateLimit(60), server.WithClock(clock))
	ann := e.user("ann")
	// When the client logs the 429, a second passes on the server's clock.
	log := &debugLog{}
	log.onLine = func(l string) {
		if strings.Contains(l, " 429 ") {
			mu.Lock()
			now = now.Add(1100 * time.Millisecond)
			mu.Unlock()
		}
	}
	c := e.client(ann, api.WithDebugLog(log))
	ctx := context.Background()
	for i := 0; i < 60; i++ { // the minute's whole limit, the first 59 s before the rest
		if _, err := c.Spaces(ctx); err != nil {
			t.Fatalf("request %d within the limit: %v", i, err)
		}
		if i == 0 {
			mu.Lock()
			now = now.Add(59 * time.Second)
			mu.Unlock()
		}
	}
	start := time.Now()
	if _, err := c.Spaces(ctx); err != nil {
		t.Fatalf("a read over the limit should wait and succeed: %v", err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("retried after %s; Retry-After said 1s", waited)
	}
	if n := len(log.lines(" 429 ")); n != 1 {
		t.Errorf("%d answers were 429, want 1", n)
	}

	// Out of the limit again; this caller can wait only 100ms.
	log.onLine = nil
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	var err error
	for i := 0; i < 61 && err == nil; i++ {
		_, err = c.Spaces(short)
	}
	var ae *api.Error
	if !api.IsRateLimited(err) || !errors.As(err, &ae) || ae.RetryAfter < time.Second || !strings.Contains(err.Error(), "Rate limit exceeded") {
		t.Fatalf("a read that cannot wait: %v, want the 429 with its Retry-After", err)
	}
	// A write is never retried: it gets the 429 for its caller to decide.
	mu.Lock()
	now = now.Add(time.Hour) // a fresh minute
	mu.Unlock()
	_, p := personal(t, c)
	err = nil
	for i := 0; i < 500 && !api.IsRateLimited(err); i++ { // spend it, without waiting
		quick, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_, err = c.Spaces(quick)
		cancel()
	}
	before := len(log.lines("POST"))
	_, err = c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "x"})
	if !api.IsRateLimited(err) || len(log.lines("POST"))-before != 1 {
		t.Fatalf("a rate-limited write: %v after %d attempts, want the 429 after one", err, len(log.lines("POST"))-before)
	}
}

// A read that meets a dead server retries, then says it can't reach it; a
// write tries once.
func TestNetworkFailure(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	log := &debugLog{}
	c := e.client(ann, api.WithDebugLog(log))
	ctx := context.Background()
	_, p := personal(t, c)
	e.srv.Close() // the server goes away mid-session

	_, err := c.Tasks(ctx, p.ID, api.ListTasksOptions{})
	var ne *api.NetworkError
	if !api.IsNetwork(err) || !errors.As(err, &ne) || !strings.Contains(err.Error(), "can't reach the server") {
		t.Fatalf("a read of a closed server: %v (%T), want a network error", err, err)
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		t.Fatal("a network error is not an answer from the server")
	}
	if n := len(log.lines("GET " + e.srv.URL + "/api/tasks")); n != 4 {
		t.Errorf("the read was tried %d times, want 1 + 3 retries", n)
	}
	_, err = c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "x"}, api.IdempotencyKey("k1"))
	if !api.IsNetwork(err) {
		t.Fatalf("a write to a closed server: %v", err)
	}
	if n := len(log.lines("POST")); n != 1 {
		t.Errorf("the write was tried %d times, want once", n)
	}
	for _, l := range log.lines("") {
		if strings.Contains(l, ann.Token) || strings.Contains(l, "Bearer") {
			t.Fatalf("the debug log shows the token: %s", l)
		}
	}
}

// A read that gets a 5xx retries; the server's failure is told apart.
func TestServerErrorIsRetried(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	log := &debugLog{}
	c := e.client(ann, api.WithDebugLog(log))
	ctx := context.Background()
	sp, _ := personal(t, c)
	e.st.Close() // the database goes away under the running server

	_, err := c.Projects(ctx, sp.ID)
	if !api.IsServerError(err) || api.IsNetwork(err) {
		t.Fatalf("a read when the server fails: %v, want a server error", err)
	}
	if n := len(log.lines(" 500 ")); n != 4 {
		t.Errorf("%d attempts got a 500, want 1 + 3 retries", n)
	}
}

// Cancelling the context stops a call at once, even mid-backoff, and says
// it was cancelled rather than blaming the network.
func TestContextCancellation(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	ctx := context.Background()
	dead, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.client(ann).Spaces(dead); !errors.Is(err, context.Canceled) || api.IsNetwork(err) {
		t.Fatalf("a cancelled call: %v", err)
	}

	slow := api.New(e.srv.URL, ann.Token, api.WithRetry(5, 10*time.Second, 10*time.Second))
	e.srv.Close()
	ctx2, cancel2 := context.WithCancel(ctx)
	go func() { time.Sleep(100 * time.Millisecond); cancel2() }()
	start := time.Now()
	_, err := slow.Spaces(ctx2)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled during backoff: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancel took %s to stop the call", d)
	}
}

// dropAnswer lets the request reach the real server, reads the whole
// answer, then reports the connection lost: the client cannot know the
// write happened.
type dropAnswer struct {
	next    http.RoundTripper
	dropped atomic.Int32
	armed   atomic.Bool
}

func (d *dropAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := d.next.RoundTrip(r)
	if err != nil || r.Method == http.MethodGet || !d.armed.CompareAndSwap(true, false) {
		return res, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	d.dropped.Add(1)
	return nil, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
}

// An idempotent create whose answer was lost, sent again with the same
// key, makes exactly one task; the retry gets that task back.
func TestIdempotentCreateAfterDroppedAnswer(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	drop := &dropAnswer{next: http.DefaultTransport}
	c := e.client(ann, api.WithTransport(drop))
	ctx := context.Background()
	_, p := personal(t, c)

	drop.armed.Store(true)
	in := api.TaskCreate{ProjectID: p.ID, Title: "Only once"}
	_, err := c.CreateTask(ctx, in, api.IdempotencyKey("create-1"))
	if !api.IsNetwork(err) || drop.dropped.Load() != 1 {
		t.Fatalf("first try: %v (dropped %d), want a network error", err, drop.dropped.Load())
	}
	k, err := c.CreateTask(ctx, in, api.IdempotencyKey("create-1"))
	if err != nil || k.Title != "Only once" {
		t.Fatalf("the retry: %+v, %v", k, err)
	}
	tasks, err := c.Tasks(ctx, p.ID, api.ListTasksOptions{})
	if err != nil || len(tasks) != 1 || tasks[0].ID != k.ID {
		t.Fatalf("after a dropped answer and a retry the project holds %d tasks (%v), want exactly the one", len(tasks), err)
	}
	// The same key on a different request is refused, not replayed.
	_, err = c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Something else"}, api.IdempotencyKey("create-1"))
	if !api.IsConflict(err) {
		t.Fatalf("a reused key: %v, want a conflict", err)
	}
	var ae *api.Error
	if errors.As(err, &ae); ae.Code != "idempotency_mismatch" {
		t.Fatalf("code %q", ae.Code)
	}
}

// Concurrent calls on one client are safe (run with -race).
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	c := e.client(ann)
	ctx := context.Background()
	_, p := personal(t, c)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 10; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "t"})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := c.Statuses(ctx, p.ID)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if tasks, _ := c.Tasks(ctx, p.ID, api.ListTasksOptions{}); len(tasks) != 10 {
		t.Fatalf("%d tasks after 10 concurrent creates", len(tasks))
	}
}
