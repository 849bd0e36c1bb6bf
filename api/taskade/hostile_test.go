package taskade_test

// Answers no honest Taskade gives, from a bare httptest handler: the test
// server (internal/taskadetest) answers only as the API says.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api/taskade"
)

// hostile serves h and counts the requests.
func hostile(t *testing.T, h http.HandlerFunc, opts ...taskade.Option) (*taskade.Client, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	opts = append([]taskade.Option{taskade.WithRetry(2, time.Millisecond, 2*time.Millisecond), taskade.WithTimeout(5 * time.Second)}, opts...)
	c := taskade.New(srv.URL+"/api/v1", "tskdp_hostile", opts...)
	return c, &n
}

func answer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// A server that answers every tasks page with the same page can't keep
// the client paging: it stops at the second page with an error.
func TestTasksStopsOnARepeatedPage(t *testing.T) {
	c, n := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, `{"ok":true,"items":[{"id":"a"},{"id":"b"}]}`)
	}, taskade.WithPageSize(2))
	_, err := taskade.New("", "").Tasks(context.Background(), "")
	if !errors.Is(err, taskade.ErrInvalid) {
		t.Errorf("an empty project id: %v", err)
	}
	tasks, err := c.Tasks(context.Background(), "p")
	if err == nil || !strings.Contains(err.Error(), "again") {
		t.Fatalf("got %d tasks, %v; want an error about the repeated page", len(tasks), err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

// A page of new tasks that still ends on the cursor asked after would
// keep the cursor where it is forever.
func TestTasksStopsOnAPageEndingOnItsCursor(t *testing.T) {
	var page atomic.Int64
	c, n := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		p := page.Add(1)
		after := r.URL.Query().Get("after")
		if after == "" {
			after = "first"
		}
		answer(w, 200, fmt.Sprintf(`{"ok":true,"items":[{"id":"new%d"},{"id":%q}]}`, p, after))
	}, taskade.WithPageSize(2))
	_, err := c.Tasks(context.Background(), "p")
	if err == nil || !strings.Contains(err.Error(), "paging would not end") {
		t.Fatalf("%v; want an error", err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

// A task seen twice (moved while paging) is kept once, with what was read
// last; the list still ends.
func TestTasksKeepsADuplicateOnce(t *testing.T) {
	c, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("after") {
		case "":
			answer(w, 200, `{"ok":true,"items":[{"id":"a","text":"A"},{"id":"b","text":"B old"}]}`)
		case "b":
			answer(w, 200, `{"ok":true,"items":[{"id":"b","text":"B new","completed":true},{"id":"c","parentId":"a"}]}`)
		default:
			answer(w, 200, `{"ok":true,"items":[]}`)
		}
	}, taskade.WithPageSize(2))
	tasks, err := c.Tasks(context.Background(), "p")
	if err != nil {
		t.Fatal(err)
	}
	want := []taskade.Task{{ID: "a", Text: "A"}, {ID: "b", Text: "B new", Completed: true}, {ID: "c", ParentID: "a"}}
	if fmt.Sprint(tasks) != fmt.Sprint(want) {
		t.Errorf("tasks %+v, want %+v", tasks, want)
	}
}

// A page-paged list whose server ignores ?page stops at the second page.
func TestPagePagingStopsWhenTheServerRepeats(t *testing.T) {
	c, n := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`{"ok":true,"items":[`)
		for i := range 100 {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":"p%02d","name":"P"}`, i)
		}
		b.WriteString(`]}`)
		answer(w, 200, b.String())
	})
	_, err := c.MyProjects(context.Background())
	if err == nil || !strings.Contains(err.Error(), "not paging") {
		t.Fatalf("%v; want an error", err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

// What the envelope must hold: ok, true, and the item asked for.
func TestEnvelopeIsChecked(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, body string
		want       string
	}{
		{"ok false in a 200", `{"ok":false,"message":"no \u001b[2Jway","code":"x"}`, "200 no ␛[2Jway (the answer said ok:false)"},
		{"no ok", `{"item":{"id":"p"}}`, `no "ok"`},
		{"no item", `{"ok":true}`, `no "item"`},
		{"null item", `{"ok":true,"item":null}`, `"item" is null`},
		{"wrong item", `{"ok":true,"item":[1]}`, `not what lanes expects`},
		{"item without id", `{"ok":true,"item":{"name":"x"}}`, `has no id`},
		{"not JSON", `<html>hi</html>`, `not Taskade's JSON`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) { answer(w, 200, tc.body) })
			_, err := c.Project(ctx, "p")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v; want %q", err, tc.want)
			}
		})
	}
	// Unknown keys are fine.
	c, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, `{"ok":true,"new":1,"item":{"id":"p","name":"N","color":"red"}}`)
	})
	if p, err := c.Project(ctx, "p"); err != nil || p != (taskade.Project{ID: "p", Name: "N"}) {
		t.Errorf("unknown keys: %+v, %v", p, err)
	}
	// A list must be a list.
	c, _ = hostile(t, func(w http.ResponseWriter, r *http.Request) { answer(w, 200, `{"ok":true,"items":{}}`) })
	if _, err := c.Workspaces(ctx); err == nil {
		t.Error("items as an object accepted")
	}
	// A null task, a null date, a null note are nil.
	c, _ = hostile(t, func(w http.ResponseWriter, r *http.Request) { answer(w, 200, `{"ok":true,"item":null}`) })
	if tk, err := c.Task(ctx, "p", "t"); tk != nil || err != nil {
		t.Errorf("null task: %v, %v", tk, err)
	}
	if d, err := c.Date(ctx, "p", "t"); d != nil || err != nil {
		t.Errorf("null date: %v, %v", d, err)
	}
	if nt, err := c.Note(ctx, "p", "t"); nt != nil || err != nil {
		t.Errorf("null note: %v, %v", nt, err)
	}
}

// An error's message is cut short and made safe for a terminal; an error
// body that is not JSON still gives the status; one past 64 KiB is not read.
func TestErrorMessagesAreBoundedAndSafe(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("x", 5000)
	c, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		answer(w, 400, `{"ok":false,"message":"bad \u001b]0;pwned\u0007 `+long+`","code":"bad\nrequest","statusMessage":"Bad Request"}`)
	})
	_, err := c.Project(ctx, "p")
	var e *taskade.Error
	if !errors.As(err, &e) || e.Status != 400 || !taskade.IsValidation(err) {
		t.Fatalf("%v; want a 400 *Error", err)
	}
	if strings.ContainsAny(e.Message, "\x1b\x07") || !strings.HasPrefix(e.Message, "bad ␛]0;pwned␇ xxx") || len([]rune(e.Message)) > 501 {
		t.Errorf("message not made safe and short: %q…", e.Message[:40])
	}
	if e.Code != "bad request" || e.StatusMessage != "Bad Request" {
		t.Errorf("code %q, status message %q", e.Code, e.StatusMessage)
	}

	c, _ = hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		fmt.Fprint(w, "<html>"+strings.Repeat("y", 100<<10)+"</html>")
	})
	_, err = c.Workspaces(ctx)
	if !errors.As(err, &e) || e.Status != 502 || !taskade.IsServerError(err) || !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Errorf("an HTML 502: %v", err)
	}
}

// A success body over 32 MiB is refused, not read into memory whole:
// at once when its length is declared, else at 32 MiB.
func TestHugeAnswerRefused(t *testing.T) {
	for _, declared := range []bool{true, false} {
		t.Run(fmt.Sprint("length declared ", declared), func(t *testing.T) { hugeAnswer(t, declared) })
	}
}

func hugeAnswer(t *testing.T, declared bool) {
	c, n := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if declared {
			w.Header().Set("Content-Length", fmt.Sprint(40<<20+100))
		}
		fmt.Fprint(w, `{"ok":true,"items":[{"id":"a","text":"`)
		chunk := []byte(strings.Repeat("z", 1<<20))
		for range 40 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		fmt.Fprint(w, `"}]}`)
	})
	_, err := c.Workspaces(context.Background())
	if err == nil || !strings.Contains(err.Error(), "over 32 MiB") {
		t.Fatalf("%v; want the answer refused", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("%d requests: a too-large answer is not worth retrying", got)
	}
}

// An answer cut off mid-body is a NetworkError: retried for a read.
func TestAnswerCutOffIsNetworkError(t *testing.T) {
	var calls atomic.Int64
	c, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			fmt.Fprint(w, `{"ok":true,"items":[`)
			return // the server closes the connection short of 1000 bytes
		}
		answer(w, 200, `{"ok":true,"items":[{"id":"w1","name":"W"}]}`)
	})
	ws, err := c.Workspaces(context.Background())
	if err != nil || len(ws) != 1 || calls.Load() != 2 {
		t.Errorf("after a cut-off answer: %v, %v, %d calls", ws, err, calls.Load())
	}
	calls.Store(0)
	_, err = c.Complete(context.Background(), "p", "t")
	if !taskade.IsNetwork(err) || calls.Load() != 1 {
		t.Errorf("a write cut off: %v after %d calls; want a NetworkError, not retried", err, calls.Load())
	}
}

// A Retry-After past a minute is not waited for: the caller hears it.
func TestLongRetryAfterReturned(t *testing.T) {
	c, n := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		answer(w, 429, `{"ok":false,"message":"Too many","code":"rate_limited","statusMessage":"Too Many Requests"}`)
	})
	_, err := c.Workspaces(context.Background())
	var e *taskade.Error
	if !taskade.IsRateLimited(err) || !errors.As(err, &e) || e.RetryAfter != time.Hour || n.Load() != 1 {
		t.Errorf("%v after %d requests", err, n.Load())
	}
	if !strings.Contains(err.Error(), "try again in 1h0m0s") {
		t.Errorf("the error does not say when: %v", err)
	}
}

// Dates read tolerantly: an ISO date-time gives its day.
func TestDateReadTolerantly(t *testing.T) {
	c, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		answer(w, 200, `{"ok":true,"item":{"start":{"date":"2026-07-21T09:00:00.000Z","time":null,"timezone":null},"end":null}}`)
	})
	d, err := c.Date(context.Background(), "p", "t")
	if err != nil || d == nil || d.Start != (taskade.Date{Date: "2026-07-21"}) || d.End != nil {
		t.Errorf("%+v, %v", d, err)
	}
}

// A server that refuses every cursor gets the listing started over twice,
// no more.
func TestTasksStartOverAtMostTwice(t *testing.T) {
	c, n := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("after") {
			answer(w, 400, `{"ok":false,"message":"no such task","code":"bad_request","statusMessage":"Bad Request"}`)
			return
		}
		answer(w, 200, `{"ok":true,"items":[{"id":"a"},{"id":"b"}]}`)
	}, taskade.WithPageSize(2))
	_, err := c.Tasks(context.Background(), "p")
	if !taskade.IsValidation(err) || !strings.Contains(err.Error(), "no such task") {
		t.Errorf("%v; want the 400", err)
	}
	if got := n.Load(); got != 6 {
		t.Errorf("%d requests, want 6", got)
	}
}
