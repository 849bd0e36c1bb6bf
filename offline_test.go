package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
)

// serveAt runs `lanes serve` on data at addr (rate limit off: a board
// retrying is not what is tested) until the returned stop is called or
// the test ends.
func serveAt(t *testing.T, data, addr string) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut testenv.SyncBuffer
	root := newRoot(&out, &errOut)
	root.SetArgs([]string{"--data", data, "serve", "--addr", addr, "--rate-limit", "0"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("lanes serve on %s stopped with %v", addr, err)
			}
		})
	}
	t.Cleanup(stop)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(errOut.String(), "lanes serving"); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("lanes serve on %s stopped: %v\n%s", addr, err, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("lanes serve never said it serves:\n%s", errOut.String())
		}
	}
	return stop
}

// freeAddr is a loopback address nothing listens on (now).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// blackHole listens on addr and accepts connections but never answers on
// them, as a hung server or a broken proxy does, until closed.
func blackHole(t *testing.T, addr string) (closeIt func()) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	var once sync.Once
	closeIt = func() {
		once.Do(func() {
			ln.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
	}
	t.Cleanup(closeIt)
	return closeIt
}

// shq quotes s for the shell.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// boardCmd is the shell command that runs the built lanes as a person with
// a home of their own in dir and the data directory data.
func boardCmd(bin, dir, data string, args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shq(a)
	}
	return fmt.Sprintf("HOME=%s XDG_CONFIG_HOME=%s LANES_DATA=%s %s %s", shq(dir), shq(filepath.Join(dir, "config")), shq(data), shq(bin), strings.Join(q, " "))
}

// titles are the titles of the project's cards on the server.
func titles(t *testing.T, c *api.Client, projectID string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tasks, err := c.Tasks(ctx, projectID, api.ListTasksOptions{})
	if err != nil {
		t.Fatalf("list the cards on the server: %v", err)
	}
	var out []string
	for _, k := range tasks {
		out = append(out, k.Title)
	}
	return out
}

// The board opens without its server: from its cache, with the change
// waiting in the outbox, whether the server's address refuses connections
// or takes them and never answers; it takes new changes, and when the
// server is back on the same address both reach it.
func TestBoardOpensWithServerAway(t *testing.T) {
	bin := builtLanes(t)
	srvData, home := t.TempDir(), t.TempDir()
	data := filepath.Join(home, "data")
	tok := strings.TrimSpace(mustRun(t, srvData, "token", "create"))
	addr := freeAddr(t)
	base := "http://" + addr
	stop := serveAt(t, srvData, addr)
	c := api.New(base, tok)
	_, project, err := launch.Pick(context.Background(), c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTask(context.Background(), api.TaskCreate{ProjectID: project.ID, Title: "Made while online"}); err != nil {
		t.Fatal(err)
	}
	s := tmuxServer(t, "offline")
	board := boardCmd(bin, home, data, "--server", base, "--token", tok)

	// Online once: the board is cached. Then the server stops, and a
	// change made meanwhile waits in the outbox when lanes quits.
	s.run(board)
	s.waitFor("first start, online", "Personal / General", "Made while online", "synced")
	stop()
	s.tmux("send-keys", "-t", "lanes", "n")
	s.tmux("send-keys", "-t", "lanes", "-l", "Made while away")
	s.tmux("send-keys", "-t", "lanes", "Enter")
	s.waitFor("a change with the server stopped", "Made while away", "offline · 1 waiting")
	s.tmux("send-keys", "-t", "lanes", "q")
	s.waitFor("quit", "lanes exited 0")

	// A server that takes the connection and never answers.
	closeHole := blackHole(t, addr)
	s.run(board)
	s.waitFor("start against a server that never answers", "Personal / General", "Made while online", "Made while away")
	s.tmux("send-keys", "-t", "lanes", "q")
	s.waitFor("quit", "lanes exited 0")
	closeHole()

	// Nothing on the address: connections are refused.
	s.run(board)
	s.waitFor("start against a refusing address", "Personal / General", "To Do", "Made while online", "Made while away", "offline · 1 waiting")
	s.tmux("send-keys", "-t", "lanes", "n")
	s.tmux("send-keys", "-t", "lanes", "-l", "Made while still away")
	s.tmux("send-keys", "-t", "lanes", "Enter")
	s.waitFor("a new change, offline", "Made while still away", "offline · 2 waiting")

	serveAt(t, srvData, addr)
	s.waitFor("the server is back", "synced")
	got := titles(t, c, project.ID)
	for _, want := range []string{"Made while online", "Made while away", "Made while still away"} {
		n := 0
		for _, g := range got {
			if g == want {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q is on the server %d times, want once; the server has %q", want, n, got)
		}
	}
	s.tmux("send-keys", "-t", "lanes", "q")
	s.waitFor("quit", "lanes exited 0")
}

// With no copy of any board from a server that is away, lanes says which
// server it could not reach, and soon: a server that takes connections
// and never answers must not hold it for the client's read retries.
func TestBoardWithoutCacheNamesTheServer(t *testing.T) {
	bin := builtLanes(t)
	for i, away := range []struct {
		name  string
		start func(addr string)
	}{
		{"refused", func(string) {}},
		{"never answers", func(addr string) { blackHole(t, addr) }},
	} {
		t.Run(away.name, func(t *testing.T) {
			s := tmuxServer(t, fmt.Sprintf("nocache%d", i))
			home := t.TempDir()
			addr := freeAddr(t)
			away.start(addr)
			s.run(boardCmd(bin, home, filepath.Join(home, "data"), "--server", "http://"+addr, "--token", "kt_"+strings.Repeat("x", 43)))
			screen := s.waitForWithin("the error", 10*time.Second, "lanes exited 1")
			flat := strings.Join(strings.Fields(screen), " ")
			if !regexp.MustCompile(`can't reach the task server ` + regexp.QuoteMeta("http://"+addr)).MatchString(flat) {
				t.Fatalf("the error does not name the server http://%s:\n%s", addr, screen)
			}
		})
	}
}

// lanes ssh --server starts while the task server is away (warning in
// its log), and a person's board opens from their last session's cache,
// takes changes, and sends them when the server is back.
func TestSSHBoardWithServerAway(t *testing.T) {
	srvData := t.TempDir()
	mustRun(t, srvData, "user", "create", "alice")
	tok := strings.TrimSpace(mustRun(t, srvData, "token", "create", "--user", "alice"))
	addr := freeAddr(t)
	base := "http://" + addr
	stop := serveAt(t, srvData, addr)

	data := t.TempDir()
	key := testenv.NewKey(t)
	testenv.AddAuthorizedKey(t, filepath.Join(data, "authorized_keys"), key.PublicKey(), "alice", `environment="LANES_TOKEN=`+tok+`"`)
	ssh := startSSH(t, data, "--server", base)
	alice := testenv.OpenTerm(t, ssh.addr, ssh.hostKey, "alice", key, testenv.TermSpec{W: 100, H: 30})
	alice.WaitFor("online", "Personal / General", "synced")
	alice.Keys("n")
	alice.WaitFor("new card prompt", "title of the new card")
	alice.Keys("Made online\r")
	alice.WaitFor("card made", "Made online", "synced")
	// "synced" may still be the frame from before the card: quit only once
	// the server has it, or the card rightly waits in the outbox.
	online := api.New(base, tok)
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, p, err := launch.Pick(context.Background(), online, "", "")
		var tasks []api.Task
		if err == nil {
			tasks, err = online.Tasks(context.Background(), p.ID, api.ListTasksOptions{})
		}
		if err == nil && slices.ContainsFunc(tasks, func(k api.Task) bool { return k.Title == "Made online" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never had the card made online: %v", err)
		}
	}
	alice.Keys("q")
	if err := alice.Exit(); err != nil {
		t.Fatalf("q: %v", err)
	}
	if err := ssh.stop(); err != nil {
		t.Fatalf("lanes ssh stopped with %v", err)
	}
	stop()

	ssh = startSSH(t, data, "--server", base)
	ssh.waitLog(t, "a warning that the server is away", "the task server does not answer")
	alice = testenv.OpenTerm(t, ssh.addr, ssh.hostKey, "alice", key, testenv.TermSpec{W: 100, H: 30})
	alice.WaitFor("the board from its cache", "Personal / General", "Made online", "offline · 0 waiting")
	alice.Keys("n")
	alice.WaitFor("new card prompt", "title of the new card")
	alice.Keys("Made away\r")
	alice.WaitFor("a change, offline", "Made away", "offline · 1 waiting")

	serveAt(t, srvData, addr)
	alice.WaitFor("the server is back", "synced")
	c := api.New(base, tok)
	_, project, err := launch.Pick(context.Background(), c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(t, c, project.ID); !slices.Contains(got, "Made online") || !slices.Contains(got, "Made away") || len(got) != 2 {
		t.Fatalf("the server has %q, want both cards once", got)
	}
	alice.Keys("q")
	alice.Exit()
}

// A last board that is no longer the person's (taken out of its space)
// still opens from its cache, and the board says it couldn't load it;
// the next start opens their own board instead.
func TestLastBoardGoneIsSaid(t *testing.T) {
	bin := builtLanes(t)
	srvData, home := t.TempDir(), t.TempDir()
	data := filepath.Join(home, "data")
	mustRun(t, srvData, "user", "create", "alice")
	mustRun(t, srvData, "space", "create", "Team")
	mustRun(t, srvData, "space", "add", "Team", "alice")
	tok := strings.TrimSpace(mustRun(t, srvData, "token", "create", "--user", "alice"))
	base := startServe(t, srvData, "--rate-limit", "0")
	s := tmuxServer(t, "gone")

	s.run(boardCmd(bin, home, data, "--server", base, "--token", tok, "--space", "Team"))
	s.waitFor("the team board", "Team / General", "synced")
	s.tmux("send-keys", "-t", "lanes", "q")
	s.waitFor("quit", "lanes exited 0")
	mustRun(t, srvData, "space", "remove", "Team", "alice")

	s.run(boardCmd(bin, home, data, "--server", base, "--token", tok))
	if screen := s.waitFor("the last board, gone", "Team / General", "Couldn't load the board", "not loaded"); strings.Contains(screen, "synced") {
		t.Fatalf("a board the server refused says it is synced:\n%s", screen)
	}
	s.tmux("send-keys", "-t", "lanes", "q")
	s.waitFor("quit", "lanes exited 0")
	s.run(boardCmd(bin, home, data, "--server", base, "--token", tok))
	s.waitFor("the next start", "Personal / General", "synced")
	s.tmux("send-keys", "-t", "lanes", "q")
	s.waitFor("quit", "lanes exited 0")
}
