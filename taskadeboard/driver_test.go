package taskadeboard

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/taskadetest"
)

// env is a Taskade test server with one person and one project whose
// columns are To Do, Doing and Done.
type env struct {
	t       testing.TB
	srv     *taskadetest.Server
	token   string
	ws      string
	project string
	cols    map[string]string // name → id
}

func newEnv(t testing.TB, opts ...taskadetest.Option) *env {
	s := taskadetest.New(t, opts...)
	e := &env{t: t, srv: s, token: s.AddUser("ada", "Ada Lovelace"), cols: map[string]string{}}
	s.AddUser("bob", "Bob")
	e.ws = s.AddWorkspace("Acme", "ada", "bob")
	e.project = s.AddProject(e.ws, "Launch")
	for _, name := range []string{"To Do", "Doing", "Done"} {
		e.cols[name] = s.AddTask(e.project, "", name)
	}
	return e
}

func (e *env) client() *taskade.Client {
	return taskade.New(e.srv.URL, e.token, taskade.WithRetry(3, time.Millisecond, 20*time.Millisecond), taskade.WithTimeout(5*time.Second))
}

// card adds a card to a column on the server, as someone in Taskade would.
func (e *env) card(col, text string) string { return e.srv.AddTask(e.project, e.cols[col], text) }

// titles are the texts of a column's cards on the server, in order.
func (e *env) titles(col string) []string {
	var out []string
	for _, t := range e.srv.Tasks(e.project) {
		if t.ParentID == e.cols[col] {
			out = append(out, t.Text)
		}
	}
	return out
}

// task is the server's task of text (failing unless there is exactly one).
func (e *env) task(text string) taskadetest.Task {
	e.t.Helper()
	var found []taskadetest.Task
	for _, t := range e.srv.Tasks(e.project) {
		if t.Text == text {
			found = append(found, t)
		}
	}
	if len(found) != 1 {
		e.t.Fatalf("the server has %d tasks %q, want 1", len(found), text)
	}
	return found[0]
}

// driver runs a board engine on the project as Bubble Tea would: each
// Cmd in a goroutine, each message back through Update, one at a time.
type driver struct {
	t           testing.TB
	env         *env
	dir         string
	e           *board.Engine
	r           *Remote
	cancel      context.CancelFunc // ends the engine's context, as a kill would
	msgs        chan any
	outstanding atomic.Int64
	notices     []string
}

func (e *env) driver(dir string) *driver {
	d := &driver{t: e.t, env: e, dir: dir, msgs: make(chan any, 1024)}
	d.open()
	return d
}

func (d *driver) open() {
	d.t.Helper()
	acc := New(d.env.client())
	o := board.Options{Dir: d.dir, Server: d.env.srv.URL, ProjectID: d.env.project, SpaceID: d.env.ws,
		BackoffBase: time.Millisecond, BackoffCap: 20 * time.Millisecond}
	if os.Getenv("LANES_DEBUG_ENGINE") != "" {
		o.Log = slog.New(slog.NewTextHandler(testWriter{d.t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	o.Remote = acc.Remote(o)
	d.r = o.Remote.(*Remote)
	d.r.settle = 300 * time.Millisecond // the test server answers in far less
	r := d.r
	// Details read in the background write the knowledge file: wait for
	// them before the test's directory goes.
	d.t.Cleanup(func() {
		for range 500 {
			r.mu.Lock()
			busy := r.reading
			r.mu.Unlock()
			if !busy {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		r.saveMu.Lock() // a write under way ends
		r.saveMu.Unlock()
	})
	ctx, cancel := context.WithCancel(context.Background())
	d.t.Cleanup(cancel)
	e, err := board.Open(ctx, o)
	if err != nil {
		cancel()
		d.t.Fatal(err)
	}
	d.e, d.cancel = e, cancel
	d.run(e.Start())
}

func (d *driver) run(cmds []board.Cmd) {
	for _, c := range cmds {
		d.outstanding.Add(1)
		ch := d.msgs
		go func() { ch <- c() }()
	}
}

func (d *driver) handle(msg any) {
	cmds, _ := d.e.Update(msg)
	d.notices = append(d.notices, d.e.Notices()...)
	if err := d.e.State().Check(); err != nil {
		d.t.Fatalf("after %T the board is inconsistent: %v", msg, err)
	}
	d.run(cmds)
}

// do makes a change as a key would; it fails the test if the board
// refuses it.
func (d *driver) do(m board.Mutation, err error) {
	d.t.Helper()
	if err == nil {
		var cmds []board.Cmd
		cmds, err = d.e.Do(m)
		for _, c := range cmds {
			d.handle(c())
		}
	}
	if err != nil {
		d.t.Fatalf("the board refused %s: %v", m.Kind, err)
	}
}

// settle handles messages until nothing waits and no Cmd is out.
func (d *driver) settle() {
	d.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if d.e.Status().Waiting == 0 && d.outstanding.Load() == 0 {
			return
		}
		select {
		case msg := <-d.msgs:
			d.outstanding.Add(-1)
			d.handle(msg)
		case <-time.After(20 * time.Millisecond):
		}
	}
	d.t.Fatalf("the board did not settle: %+v, %d commands out; notices %q", d.e.Status(), d.outstanding.Load(), d.notices)
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

// refresh fetches the board again and waits for it.
func (d *driver) refresh() {
	d.t.Helper()
	before := d.e.Status().Fetched
	if c := d.e.Refresh(); c != nil {
		d.run([]board.Cmd{c})
	}
	deadline := time.Now().Add(10 * time.Second)
	for d.e.Status().Fetched == before && time.Now().Before(deadline) {
		select {
		case msg := <-d.msgs:
			d.outstanding.Add(-1)
			d.handle(msg)
		case <-time.After(20 * time.Millisecond):
		}
	}
	d.settle()
}

// details fetches the board until the details being read are shown.
func (d *driver) details() {
	d.t.Helper()
	for range 100 {
		d.refresh()
		d.r.mu.Lock()
		busy := d.r.reading || d.r.unshown
		d.r.mu.Unlock()
		if !busy {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	d.t.Fatal("the details were not read")
}

// crash drops the engine as kill -9 would, and opens a new one (with a
// new Remote: what it knew in memory is gone too) on the same directory.
func (d *driver) crash() {
	d.e.Abandon()
	// As kill -9: the old lanes does nothing more. Its requests on the
	// wire may still land, but it writes no more files (a write under way
	// ends first).
	d.cancel()
	d.r.saveMu.Lock()
	d.r.saveMu.Unlock()
	d.msgs = make(chan any, 1024) // answers to the old engine are lost
	d.outstanding.Store(0)
	d.open()
}

// card is the board's card titled title.
func (d *driver) card(title string) *board.Card {
	d.t.Helper()
	s := d.e.State()
	for _, col := range s.Columns() {
		for _, id := range s.Column(col.ID) {
			if c, _ := s.Card(id); c.Title == title {
				return c
			}
		}
	}
	d.t.Fatalf("no card %q on the board", title)
	return nil
}

// column is the board's column of a card, by name.
func (d *driver) column(title string) string {
	c := d.card(title)
	col, _ := d.e.State().ColumnByID(d.e.State().ColumnOf(c))
	return col.Name
}

// titles are a column's cards on the board, in order.
func (d *driver) titles(col string) []string {
	s := d.e.State()
	var out []string
	for _, id := range s.Column(d.env.cols[col]) {
		c, _ := s.Card(id)
		out = append(out, c.Title)
	}
	return out
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func same(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func noticeHas(ns []string, part string) bool {
	for _, n := range ns {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}
