package main

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/internal/taskadetest"
	"github.com/lanesboard/lanes/internal/testenv"
)

// forwarder stands between lanes and a server in this process: a TCP
// listener that passes each connection on to target while the server is
// up, and while it is down closes every connection it holds and each new
// one at once, as a server gone away does, on the same address
// throughout.
type forwarder struct {
	addr, target string
	ln           net.Listener

	mu    sync.Mutex
	up    bool
	conns map[net.Conn]bool
}

func newForwarder(t *testing.T, target string) *forwarder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarder{addr: ln.Addr().String(), target: target, ln: ln, up: true, conns: map[net.Conn]bool{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.pass(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		f.down()
	})
	return f
}

// pass forwards c to the target until either end closes, or the server
// is taken down.
func (f *forwarder) pass(c net.Conn) {
	f.mu.Lock()
	up := f.up
	f.mu.Unlock()
	if !up {
		c.Close()
		return
	}
	s, err := net.DialTimeout("tcp", f.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	f.mu.Lock()
	if !f.up { // taken down meanwhile
		f.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	f.conns[c], f.conns[s] = true, true
	f.mu.Unlock()
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		io.Copy(dst, src)
		// Either way ending ends both: a half-closed connection to a
		// server gone away would otherwise wait for nothing.
		dst.Close()
		src.Close()
	}
	wg.Add(2)
	go pipe(s, c)
	go pipe(c, s)
	wg.Wait()
	f.mu.Lock()
	delete(f.conns, c)
	delete(f.conns, s)
	f.mu.Unlock()
}

// down takes the server away: every open connection is closed, and new
// ones are closed as they come.
func (f *forwarder) down() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.up = false
	for c := range f.conns {
		c.Close()
	}
}

// bringUp brings the server back.
func (f *forwarder) bringUp() {
	f.mu.Lock()
	f.up = true
	f.mu.Unlock()
}

// taskadeProject is a Taskade test server with one person (ada) in the
// workspace Acme, whose project Launch has the columns To Do, Doing and
// Done.
type taskadeProject struct {
	t       *testing.T
	srv     *taskadetest.Server
	token   string
	project string
	cols    map[string]string // name → id
}

func newTaskadeProject(t *testing.T, cards ...string) *taskadeProject {
	t.Helper()
	srv := taskadetest.New(t)
	p := &taskadeProject{t: t, srv: srv, token: srv.AddUser("ada", "Ada Lovelace"), cols: map[string]string{}}
	ws := srv.AddWorkspace("Acme", "ada")
	p.project = srv.AddProject(ws, "Launch")
	for _, name := range []string{"To Do", "Doing", "Done"} {
		p.cols[name] = srv.AddTask(p.project, "", name)
	}
	for _, c := range cards {
		srv.AddTask(p.project, p.cols["To Do"], c)
	}
	return p
}

// tasks are the server's tasks of text.
func (p *taskadeProject) tasks(text string) []taskadetest.Task {
	var out []taskadetest.Task
	for _, k := range p.srv.Tasks(p.project) {
		if k.Text == text {
			out = append(out, k)
		}
	}
	return out
}

// where says where the server has the card of text: in which column,
// and whether it is completed; an error unless there is exactly one.
func (p *taskadeProject) where(text string) (col string, completed bool, err error) {
	ks := p.tasks(text)
	if len(ks) != 1 {
		return "", false, fmt.Errorf("the server has it %d times, want once", len(ks))
	}
	for name, id := range p.cols {
		if ks[0].ParentID == id {
			return name, ks[0].Completed, nil
		}
	}
	return "", ks[0].Completed, fmt.Errorf("the server has it under %s, not under a column", ks[0].ParentID)
}

// waitServer waits until the server has the card of text exactly once,
// in col, completed or not as done says.
func (p *taskadeProject) waitServer(what, text, col string, done bool) {
	p.t.Helper()
	var (
		got       string
		completed bool
		err       error
	)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got, completed, err = p.where(text); err == nil && got == col && completed == done {
			return
		}
	}
	p.t.Fatalf("%s: %q on the server is in %q, completed %v (%v); want in %q, completed %v", what, text, got, completed, err, col, done)
}

// The real binary on a Taskade project, in a real terminal: L, space and
// n reach Taskade (a card under Doing; one completed under Done; a new
// one, made once); with Taskade away the board opens from its cache as
// it was, says it is offline, and takes a move that reaches Taskade when
// it is back, the status line then saying when it synced; and the keys of
// what Taskade lacks say so.
func TestTaskadeBoardInTmux(t *testing.T) {
	bin := builtLanes(t)
	p := newTaskadeProject(t, "Write the brief", "Draft the spec", "Book the venue")
	u, err := url.Parse(p.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	fwd := newForwarder(t, u.Host)
	s := tmuxServer(t, "taskade")
	home := t.TempDir()
	board := boardCmd(bin, home, filepath.Join(home, "data"),
		"--backend", "taskade", "--server", "http://"+fwd.addr+"/api/v1", "--token", p.token, "--project", "Launch")
	keys := func(k ...string) { s.tmux(append([]string{"send-keys", "-t", "lanes"}, k...)...) }
	inColumn := func(screen, col, title string) {
		t.Helper()
		if !strings.Contains(testenv.Column(screen, col), title) {
			t.Fatalf("%q is not in %s on the screen:\n%s", title, col, screen)
		}
	}

	s.run(board)
	s.waitFor("the board", "Acme / Launch", "To Do", "Doing", "Write the brief", "Book the venue", "synced")
	// L: the first card of To Do into Doing.
	keys("L")
	p.waitServer("moved right", "Write the brief", "Doing", false)
	// h back to To Do, whose first card is now Draft the spec; space
	// completes it, which in Taskade is into Done, completed.
	keys("h", "Space")
	p.waitServer("completed", "Draft the spec", "Done", true)
	// A new card, in To Do (h from wherever space left the focus).
	keys("h", "h", "n")
	s.waitFor("the new card prompt", "title of the new card")
	keys("-l", "Order the banners")
	keys("Enter")
	p.waitServer("made", "Order the banners", "To Do", false)
	screen := s.waitFor("all of it on the board", "Order the banners", "synced")
	inColumn(screen, "Doing", "Write the brief")
	inColumn(screen, "Done", "Draft the spec")
	keys("q")
	s.waitFor("quit", "lanes exited 0")
	if _, _, err := p.where("Order the banners"); err != nil {
		t.Fatalf("after quitting, the new card: %v", err)
	}

	// Taskade away: the board from its cache, as it was left.
	fwd.down()
	s.run(board)
	screen = s.waitFor("the board from its cache", "Acme / Launch", "Write the brief", "Order the banners", "offline · 0 waiting")
	inColumn(screen, "Doing", "Write the brief")
	inColumn(screen, "Done", "Draft the spec")
	inColumn(screen, "To Do", "Order the banners")
	inColumn(screen, "To Do", "Book the venue")
	if strings.Contains(screen, "synced") {
		t.Fatalf("a board that can't reach Taskade says it is synced:\n%s", screen)
	}
	// A move made offline waits; To Do's first card is Book the venue.
	keys("L")
	screen = s.waitFor("a move, offline", "offline · 1 waiting")
	inColumn(screen, "Doing", "Book the venue")

	// Taskade back: the move reaches it, and the board says when it synced.
	fwd.bringUp()
	p.waitServer("the offline move, once Taskade is back", "Book the venue", "Doing", false)
	syncedAt := regexp.MustCompile(`synced \d\d:\d\d`)
	for deadline := time.Now().Add(20 * time.Second); !syncedAt.MatchString(screen); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the status line never said when the board synced:\n%s", screen)
		}
		screen = s.screen()
	}
	inColumn(screen, "Doing", "Book the venue")

	// What Taskade lacks is said at the key, and nothing is sent.
	keys("a")
	s.waitFor("archive", "Taskade has no archive")
	keys("+")
	s.waitFor("priority", "this Taskade project has no Priority field")
	if screen := s.screen(); !syncedAt.MatchString(screen) {
		t.Fatalf("a refused key left something waiting:\n%s", screen)
	}
	keys("q")
	s.waitFor("quit", "lanes exited 0")

	for _, want := range []struct {
		text, col string
		done      bool
	}{
		{"Write the brief", "Doing", false},
		{"Book the venue", "Doing", false},
		{"Draft the spec", "Done", true},
		{"Order the banners", "To Do", false},
	} {
		if col, done, err := p.where(want.text); err != nil || col != want.col || done != want.done {
			t.Errorf("at the end %q on the server is in %q, completed %v (%v); want %q, completed %v", want.text, col, done, err, want.col, want.done)
		}
	}
}
