package taskade_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/internal/taskadetest"
)

const (
	routeWorkspaces = "GET /workspaces"
	routeCreate     = "POST /projects/{projectId}/tasks/"
	routeSetText    = "PUT /projects/{projectId}/tasks/{taskId}"
	routeComplete   = "POST /projects/{projectId}/tasks/{taskId}/complete"
)

// A 429 was not applied: a read and a write are both sent again, after
// the Retry-After, which a caller that can't wait that long hears about
// at once instead.
func TestRateLimitedRetriedAfterRetryAfter(t *testing.T) {
	t.Run("read", func(t *testing.T) {
		t.Parallel()
		b := newBoard(t)
		log := &debugLog{}
		c := b.client(taskade.WithDebugLog(log))
		b.s.FailNext(1, http.StatusTooManyRequests, time.Second)
		if _, err := c.Workspaces(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := b.s.Hits(routeWorkspaces); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
		if len(log.lines(" 429 ")) != 1 || len(log.lines(" 200 ")) != 1 {
			t.Errorf("log:\n%s", log)
		}

		// With 300ms to spare, a Retry-After of 1s is not waited for.
		b.s.FailNext(1, http.StatusTooManyRequests, time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := c.Workspaces(ctx)
		var e *taskade.Error
		if !taskade.IsRateLimited(err) || !errors.As(err, &e) || e.RetryAfter != time.Second {
			t.Errorf("a read that can't wait: %v", err)
		}
		if n := b.s.Hits(routeWorkspaces); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	t.Run("write", func(t *testing.T) {
		t.Parallel()
		b := newBoard(t)
		_, cards := b.column("Todo", "card")
		c := b.client()
		b.s.FailNext(1, http.StatusTooManyRequests, time.Second)
		if tk, err := c.Complete(context.Background(), b.project, cards[0]); err != nil || !tk.Completed {
			t.Fatalf("%+v, %v", tk, err)
		}
		if n := b.s.Hits(routeComplete); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
		if st, _ := b.s.Task(b.project, cards[0]); !st.Completed {
			t.Error("not completed")
		}
	})
}

// A 5xx is retried for a read, up to the retries; a write is not retried
// (it may have been applied) and its caller gets the 5xx.
func TestServerErrors(t *testing.T) {
	b := newBoard(t)
	ctx := context.Background()
	_, cards := b.column("Todo", "card")
	c := b.client() // 3 retries

	b.s.FailNext(2, http.StatusServiceUnavailable, 0)
	if ws, err := c.Workspaces(ctx); err != nil || len(ws) != 1 {
		t.Fatalf("a read after two 503s: %v, %v", ws, err)
	}
	if n := b.s.Hits(routeWorkspaces); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}

	b.s.FailNext(4, http.StatusInternalServerError, 0)
	_, err := c.Workspaces(ctx)
	if !taskade.IsServerError(err) || !strings.Contains(err.Error(), "500") {
		t.Errorf("a read failing past its retries: %v", err)
	}
	if n := b.s.Hits(routeWorkspaces); n != 7 {
		t.Errorf("%d requests, want 7 (3 + 1 and 3 retries)", n)
	}

	b.s.FailNext(1, http.StatusServiceUnavailable, 0)
	_, err = c.SetText(ctx, b.project, cards[0], "changed")
	if !taskade.IsServerError(err) {
		t.Errorf("a write given a 503: %v", err)
	}
	if n := b.s.Hits(routeSetText); n != 1 {
		t.Errorf("the write was sent %d times, want once", n)
	}
	if tk, err := c.SetText(ctx, b.project, cards[0], "changed"); err != nil || tk.Text != "changed" {
		t.Errorf("the next write: %+v, %v", tk, err)
	}
}

// A write whose answer never comes is a NetworkError: it was applied, and
// it is not sent again (that would make the task twice).
func TestDroppedWriteIsNetworkError(t *testing.T) {
	b := newBoard(t)
	ctx := context.Background()
	col, cards := b.column("Todo", "card")
	c := b.client()

	b.s.DropNext(http.MethodPost, 1)
	_, err := c.CreateTasks(ctx, b.project, []taskade.NewTask{{Text: "new", TaskID: col, Placement: taskade.BeforeEnd}})
	var ne *taskade.NetworkError
	if !errors.As(err, &ne) || !taskade.IsNetwork(err) || ne.Method != http.MethodPost || !strings.HasSuffix(ne.Path, "/tasks/") {
		t.Fatalf("%v; want a *NetworkError", err)
	}
	if n := b.s.Hits(routeCreate); n != 1 {
		t.Errorf("the create was sent %d times, want once", n)
	}
	if st := stored(b.s, b.project); len(st) != 3 || st[2].Text != "new" {
		t.Errorf("the store holds %+v: the dropped create was applied once", st)
	}

	b.s.DropNext(http.MethodPut, 1)
	if _, err := c.SetText(ctx, b.project, cards[0], "edited"); !taskade.IsNetwork(err) {
		t.Errorf("a dropped PUT: %v", err)
	}
	if st, _ := b.s.Task(b.project, cards[0]); st.Text != "edited" || b.s.Hits(routeSetText) != 1 {
		t.Errorf("stored %q after %d requests", st.Text, b.s.Hits(routeSetText))
	}

	// A dropped read is simply read again.
	b.s.DropNext(http.MethodGet, 1)
	if ws, err := c.Workspaces(ctx); err != nil || len(ws) != 1 {
		t.Errorf("a dropped read: %v, %v", ws, err)
	}
}

// With the server's rate-limit headers, the client waits for the window
// to reset rather than draw a 429, even from several goroutines at once.
func TestRateLimitHeadersRespected(t *testing.T) {
	b := newBoard(t, taskadetest.WithRateLimit(3, time.Second))
	ctx := context.Background()
	log := &debugLog{}
	c := b.client(taskade.WithDebugLog(log))

	if _, err := c.Workspaces(ctx); err != nil {
		t.Fatal(err)
	}
	rem, reset, known := c.RateLimit()
	if !known || rem != 2 || reset.IsZero() {
		t.Errorf("RateLimit after one request: %d, %s, %v", rem, reset, known)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Go(func() {
			if _, err := c.Workspaces(ctx); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := b.s.Requests(); n != 6 {
		t.Errorf("the server got %d requests for 6 reads: some drew a 429", n)
	}
	if l := log.lines(" 429 "); len(l) != 0 {
		t.Errorf("429s: %q", l)
	}
}

// Waiting for a window, or for a Retry-After, ends with the caller's
// context; a caller whose deadline comes before the window resets is told
// at once, without a request.
func TestContextEndsTheWait(t *testing.T) {
	b := newBoard(t, taskadetest.WithRateLimit(1, time.Minute))
	c := b.client()
	if _, err := c.Workspaces(context.Background()); err != nil {
		t.Fatal(err)
	}
	sent := b.s.Requests()

	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Workspaces(short)
	var e *taskade.Error
	if !taskade.IsRateLimited(err) || !errors.As(err, &e) || e.RetryAfter <= 0 || e.RetryAfter > time.Minute {
		t.Errorf("a deadline before the window resets: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(50 * time.Millisecond) // let it start waiting
		cancel()
	}()
	if _, err := c.Workspaces(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while waiting for the window: %v", err)
	}
	if n := b.s.Requests(); n != sent {
		t.Errorf("%d requests sent while the window was used up", n-sent)
	}

	// Waiting out a Retry-After.
	b2 := newBoard(t)
	c2 := b2.client()
	b2.s.FailNext(1, http.StatusTooManyRequests, time.Second)
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	_, err = c2.Workspaces(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "429") {
		t.Errorf("cancelled while waiting out a Retry-After: %v", err)
	}
	if n := b2.s.Hits(routeWorkspaces); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// One line per request, with method, URL, status and duration; never the
// token.
func TestDebugLog(t *testing.T) {
	b := newBoard(t)
	log := &debugLog{}
	c := b.client(taskade.WithDebugLog(log))
	ctx := context.Background()
	if _, err := c.Workspaces(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Project(ctx, "AAAAAAAAAAAAAAAA"); !taskade.IsNotFound(err) {
		t.Fatal(err)
	}
	if _, err := c.CreateTasks(ctx, b.project, []taskade.NewTask{{Text: "x", Placement: taskade.BeforeEnd}}); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	lines := log.lines("")
	if len(lines) != 3 || int64(len(lines)) != b.s.Requests() {
		t.Fatalf("%d lines for %d requests:\n%s", len(lines), b.s.Requests(), out)
	}
	for i, want := range []string{
		"GET " + b.s.URL + "/workspaces 200 ",
		"GET " + b.s.URL + "/projects/AAAAAAAAAAAAAAAA 404 ",
		"POST " + b.s.URL + "/projects/" + b.project + "/tasks/ 200 ",
	} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d: %q, want %q in it", i, lines[i], want)
		}
	}
	if strings.Contains(out, b.token) || strings.Contains(out, "tskdp_") || strings.Contains(strings.ToLower(out), "bearer") {
		t.Errorf("the log shows the token:\n%s", out)
	}
}

// What the API would refuse is refused before sending, with an error
// saying why.
func TestRefusedBeforeSending(t *testing.T) {
	b := newBoard(t)
	ctx := context.Background()
	c := b.client()
	col, cards := b.column("Todo", "card")
	card := cards[0]
	p := b.project
	many := make([]taskade.NewTask, 21)
	for i := range many {
		many[i] = taskade.NewTask{Text: "x", Placement: taskade.BeforeEnd}
	}
	long := strings.Repeat("x", 2001)
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"21 tasks", func() error { _, err := c.CreateTasks(ctx, p, many); return err }, "at most 20"},
		{"no tasks", func() error { _, err := c.CreateTasks(ctx, p, nil); return err }, "no tasks"},
		{"a create with a line break", func() error {
			_, err := c.CreateTasks(ctx, p, []taskade.NewTask{{Text: "a\nb", Placement: taskade.BeforeEnd}})
			return err
		}, "line break"},
		{"a create too long", func() error {
			_, err := c.CreateTasks(ctx, p, []taskade.NewTask{{Text: long, Placement: taskade.BeforeEnd}})
			return err
		}, "2001 characters"},
		{"top level before a task", func() error {
			_, err := c.CreateTasks(ctx, p, []taskade.NewTask{{Text: "x", Placement: taskade.BeforeBegin}})
			return err
		}, "top-level"},
		{"no placement", func() error {
			_, err := c.CreateTasks(ctx, p, []taskade.NewTask{{Text: "x", TaskID: col}})
			return err
		}, "placement"},
		{"an unknown placement", func() error {
			_, err := c.CreateTasks(ctx, p, []taskade.NewTask{{Text: "x", TaskID: col, Placement: "inside"}})
			return err
		}, `"inside"`},
		{"no project", func() error {
			_, err := c.CreateTasks(ctx, "", []taskade.NewTask{{Text: "x", Placement: taskade.BeforeEnd}})
			return err
		}, "project id is empty"},
		{"a text with CR", func() error { _, err := c.SetText(ctx, p, card, "a\rb"); return err }, "line break"},
		{"a text too long", func() error { _, err := c.SetText(ctx, p, card, long); return err }, "2001"},
		{"no task", func() error { _, err := c.SetText(ctx, p, "", "x"); return err }, "task id is empty"},
		{"a dot-dot task", func() error { _, err := c.Complete(ctx, p, ".."); return err }, "path segment"},
		{"a move to nowhere", func() error { _, err := c.Move(ctx, p, card, "", taskade.BeforeEnd); return err }, "target task id is empty"},
		{"a move inside", func() error { _, err := c.Move(ctx, p, card, col, "inside"); return err }, "position"},
		{"a move next to itself", func() error { _, err := c.Move(ctx, p, card, card, taskade.AfterEnd); return err }, "itself"},
		{"an empty note", func() error { _, err := c.SetNote(ctx, p, card, taskade.Note{}); return err }, "ClearNote"},
		{"a note of two lines", func() error { _, err := c.SetNote(ctx, p, card, taskade.Note{Value: "a\nb"}); return err }, "line break"},
		{"an HTML note", func() error {
			_, err := c.SetNote(ctx, p, card, taskade.Note{Type: "text/html", Value: "<b>"})
			return err
		}, "text/html"},
		{"a note too long", func() error { _, err := c.SetNote(ctx, p, card, taskade.Note{Value: long}); return err }, "2001"},
		{"a 13th month", func() error {
			_, err := c.SetDate(ctx, p, card, taskade.TaskDate{Start: taskade.Date{Date: "2026-13-01"}})
			return err
		}, "YYYY-MM-DD"},
		{"25 o'clock", func() error {
			_, err := c.SetDate(ctx, p, card, taskade.TaskDate{Start: taskade.Date{Date: "2026-12-01", Time: "25:00"}})
			return err
		}, "HH:MM"},
		{"a zone that is not one", func() error {
			_, err := c.SetDate(ctx, p, card, taskade.TaskDate{Start: taskade.Date{Date: "2026-12-01", Timezone: "Europe/Oslo; rm"}})
			return err
		}, "IANA"},
		{"an end before the start", func() error {
			_, err := c.SetDate(ctx, p, card, taskade.TaskDate{Start: taskade.Date{Date: "2026-12-01"}, End: &taskade.Date{Date: "2026-11-30"}})
			return err
		}, "before the start"},
		{"nobody to assign", func() error { _, err := c.SetAssignees(ctx, p, card, nil); return err }, "no handles"},
		{"an empty handle", func() error { _, err := c.SetAssignees(ctx, p, card, []string{"ann", ""}); return err }, "handle id is empty"},
		{"unassign nobody", func() error { _, err := c.Unassign(ctx, p, card, ""); return err }, "handle id is empty"},
		{"a boolean field value", func() error { return c.SetField(ctx, p, card, "f", true) }, "not bool"},
		{"an empty field value", func() error { return c.SetField(ctx, p, card, "f", "") }, "ClearField"},
		{"NaN", func() error { return c.SetField(ctx, p, card, "f", math.NaN()) }, "finite"},
		{"a control character in an id", func() error { _, err := c.Project(ctx, "abc\x1b[2J"); return err }, "control"},
	} {
		err := tc.call()
		if !errors.Is(err, taskade.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want ErrInvalid saying %q", tc.name, err, tc.want)
		}
	}
	if n := b.s.Requests(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// The transport and User-Agent options are used; a body goes with its
// Content-Type, and a request without one has none.
func TestOptionsAndHeaders(t *testing.T) {
	type seen struct{ ua, auth, accept, ctype string }
	var mu sync.Mutex
	var got []seen
	var transported atomic.Int64
	c, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, seen{r.UserAgent(), r.Header.Get("Authorization"), r.Header.Get("Accept"), r.Header.Get("Content-Type")})
		mu.Unlock()
		answer(w, 200, `{"ok":true,"item":{"id":"t"}}`)
	}, taskade.WithUserAgent("lanes/1.2.3"), taskade.WithTransport(countingTransport{n: &transported}))
	ctx := context.Background()
	if _, err := c.Complete(ctx, "p", "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetText(ctx, "p", "t", "x"); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{"lanes/1.2.3", "Bearer tskdp_hostile", "application/json", ""},
		{"lanes/1.2.3", "Bearer tskdp_hostile", "application/json", "application/json"},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("headers %+v, want %+v", got, want)
	}
	if transported.Load() != 2 {
		t.Errorf("%d requests through the transport, want 2", transported.Load())
	}
	if c.BaseURL() == "" || strings.HasSuffix(c.BaseURL(), "/") {
		t.Errorf("BaseURL %q", c.BaseURL())
	}
	if got := taskade.New(taskade.DefaultURL+"/", "x").BaseURL(); got != "https://www.taskade.com/api/v1" {
		t.Errorf("BaseURL %q", got)
	}
}

type countingTransport struct{ n *atomic.Int64 }

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}
