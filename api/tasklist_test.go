package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// wrapped is a real lanes server (SQLite in the test's temp dir) behind
// a handler that can see and change what passes: what a proxy, an older
// server or a cut connection would do to it.
type wrapped struct {
	t     *testing.T
	st    *store.Store
	srv   *httptest.Server
	token string
	user  string

	mu   sync.Mutex
	wrap func(w http.ResponseWriter, r *http.Request, next http.Handler)
	seen []*http.Request
}

func newWrapped(t *testing.T) *wrapped {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "lanes.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(st, server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), server.WithRateLimit(0))
	w := &wrapped{t: t, st: st}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.seen = append(w.seen, r.Clone(context.Background()))
		wrap := w.wrap
		w.mu.Unlock()
		if wrap != nil && strings.HasPrefix(r.URL.Path, "/api/tasks") && r.URL.Query().Has("projectId") {
			wrap(rw, r, h)
			return
		}
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(func() { w.srv.Close(); st.Close() })
	var u *store.User
	if err := st.Write(context.Background(), func(tx *store.Tx) (err error) {
		u, err = tx.CreateUser("owner", nil, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	w.user = u.ID
	if w.token, _, err = server.IssueToken(context.Background(), st, u.ID, "test"); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *wrapped) setWrap(f func(w http.ResponseWriter, r *http.Request, next http.Handler)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.wrap = f
}

// lists are the task-list requests the server has seen.
func (w *wrapped) lists() []*http.Request {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []*http.Request
	for _, r := range w.seen {
		if r.URL.Path == "/api/tasks" && r.Method == http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

func (w *wrapped) client(opts ...api.Option) *api.Client {
	all := append([]api.Option{api.WithRetry(3, time.Millisecond, 5*time.Millisecond), api.WithTimeout(10 * time.Second)}, opts...)
	return api.New(w.srv.URL, w.token, all...)
}

// seed puts n tasks, with descriptions, in the user's General project
// straight through the store, and returns the project's id.
func (w *wrapped) seed(n int) string {
	w.t.Helper()
	c := w.client()
	_, p := personal(w.t, c)
	sts, err := c.Statuses(context.Background(), p.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	for done := 0; done < n; {
		err := w.st.Write(context.Background(), func(tx *store.Tx) error {
			for k := 0; k < 500 && done < n; k++ {
				desc := strings.Repeat("words ", 20)
				t := &store.Task{ProjectID: p.ID, SpaceID: p.SpaceID, StatusID: &sts[done%len(sts)].ID, Title: fmt.Sprintf("task %d", done),
					Description: &desc, Priority: "medium", CreatorID: w.user}
				if err := tx.CreateTask(t); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			w.t.Fatal(err)
		}
	}
	return p.ID
}

// recorded is an answer of the real server, held to be sent on changed.
func recorded(next http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	return rec
}

func send(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// gzipping compresses the server's answers for a client that asks, as a
// lanes server does for its lists (and any proxy may).
func gzipping(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := recorded(next, r)
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") || rec.Header().Get("Content-Encoding") != "" {
		send(w, rec, rec.Body.Bytes())
		return
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(rec.Body.Bytes())
	zw.Close()
	rec.Header().Set("Content-Encoding", "gzip")
	send(w, rec, buf.Bytes())
}

// TestTaskListCompression: from a server on this machine the list is
// asked for uncompressed (decompressing costs more than carrying it);
// asked for gzip, a gzipped answer reads the same.
func TestTaskListCompression(t *testing.T) {
	w := newWrapped(t)
	project := w.seed(300)
	w.setWrap(gzipping)
	ctx := context.Background()
	plain, err := w.client().Tasks(ctx, project, api.ListTasksOptions{})
	if err != nil || len(plain) != 300 {
		t.Fatalf("list: %d tasks, %v", len(plain), err)
	}
	if got := w.lists()[0].Header.Get("Accept-Encoding"); got != "identity" {
		t.Fatalf("a list from a loopback server was asked for with Accept-Encoding %q, want identity", got)
	}
	zipped, err := w.client(api.WithListCompression(true)).Tasks(ctx, project, api.ListTasksOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.lists()[1].Header.Get("Accept-Encoding"); got != "gzip" {
		t.Fatalf("a list asked for compressed went with Accept-Encoding %q", got)
	}
	if !reflect.DeepEqual(plain, zipped) {
		t.Fatal("the gzipped list reads otherwise than the plain one")
	}
	// A server that gzips what was not asked for is read all the same;
	// one that sends an encoding lanes can't read is an error that says so.
	w.setWrap(func(rw http.ResponseWriter, r *http.Request, next http.Handler) {
		r.Header.Set("Accept-Encoding", "gzip")
		gzipping(rw, r, next)
	})
	if again, err := w.client().Tasks(ctx, project, api.ListTasksOptions{}); err != nil || !reflect.DeepEqual(again, plain) {
		t.Fatalf("an unasked-for gzip answer: %d tasks, %v", len(again), err)
	}
	w.setWrap(func(rw http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := recorded(next, r)
		rec.Header().Set("Content-Encoding", "br")
		send(rw, rec, rec.Body.Bytes())
	})
	if _, err := w.client().Tasks(ctx, project, api.ListTasksOptions{}); err == nil || !strings.Contains(err.Error(), `encoded as "br"`) {
		t.Fatalf("an answer in an encoding lanes can't read: %v", err)
	}
}

// TestTaskListCutOff: a list whose answer is cut off midway is read
// again (it is a read); handed on task by task (Each), it is not, and the
// error says the server could not be reached. A list that ends early but
// cleanly is malformed, not a network failure.
func TestTaskListCutOff(t *testing.T) {
	w := newWrapped(t)
	project := w.seed(500)
	var cuts atomic.Int32
	cuts.Store(1)
	w.setWrap(func(rw http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := recorded(next, r)
		if cuts.Add(-1) < 0 {
			send(rw, rec, rec.Body.Bytes())
			return
		}
		body := rec.Body.Bytes()
		rw.Header().Set("Content-Length", fmt.Sprint(len(body)))
		rw.WriteHeader(rec.Code)
		rw.Write(body[:len(body)/2])
		rw.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection drops
	})
	ctx := context.Background()
	c := w.client()
	tasks, err := c.Tasks(ctx, project, api.ListTasksOptions{})
	if err != nil || len(tasks) != 500 {
		t.Fatalf("a list cut off once: %d tasks, %v", len(tasks), err)
	}
	if n := len(w.lists()); n != 2 {
		t.Fatalf("%d requests for a list cut off once, want 2", n)
	}
	cuts.Store(1)
	seen := 0
	_, err = c.TaskList(ctx, project, api.ListTasksOptions{Each: func(*api.Task) { seen++ }})
	if !api.IsNetwork(err) || seen == 0 || seen >= 500 {
		t.Fatalf("a list handed on task by task and cut off: %d tasks handed on, error %v", seen, err)
	}
	if n := len(w.lists()); n != 3 {
		t.Fatalf("a list handed on in part was asked for again (%d requests)", n)
	}
	w.setWrap(func(rw http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := recorded(next, r)
		send(rw, rec, rec.Body.Bytes()[:rec.Body.Len()/2])
	})
	if _, err := c.Tasks(ctx, project, api.ListTasksOptions{}); err == nil || api.IsNetwork(err) || !strings.Contains(err.Error(), "not what lanes expects") {
		t.Fatalf("a list that ends early: %v", err)
	}
}

// TestTasksSinceFromAServerWithout: a lanes server from before since
// ignores the parameter and sends the whole list; the client says the
// server can't, and knows it from then on.
func TestTasksSinceFromAServerWithout(t *testing.T) {
	w := newWrapped(t)
	project := w.seed(20)
	w.setWrap(func(rw http.ResponseWriter, r *http.Request, next http.Handler) {
		q := r.URL.Query()
		q.Del("since") // as a server from before since reads the request
		r.URL.RawQuery = q.Encode()
		next.ServeHTTP(rw, r)
	})
	c := w.client()
	ctx := context.Background()
	if _, err := c.TasksSince(ctx, project, 1); !errors.Is(err, api.ErrNotSupported) {
		t.Fatalf("since from a server without it: %v", err)
	}
	if c.Supports(api.FeatureSince) {
		t.Fatal("the client still thinks the server has since")
	}
	n := len(w.lists())
	if _, err := c.TasksSince(ctx, project, 1); !errors.Is(err, api.ErrNotSupported) || len(w.lists()) != n {
		t.Fatalf("asked again: %v, %d requests", err, len(w.lists())-n)
	}
}
