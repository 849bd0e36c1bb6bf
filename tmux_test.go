package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/internal/testenv"
)

// tmuxSession is the built lanes binary running in a detached tmux session
// on a private tmux server.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", "lanes") }

// waitFor polls the screen until every want is on it.
func (s *tmuxSession) waitFor(what string, want ...string) string {
	s.t.Helper()
	return s.waitForWithin(what, 20*time.Second, want...)
}

// waitGone waits until the screen no longer shows gone (a dialog closed).
// Keys sent right after Escape would reach lanes with it, as Alt and the
// key: wait for what Escape closes to go first.
func (s *tmuxSession) waitGone(what, gone string) {
	s.t.Helper()
	var screen string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if screen = s.screen(); !strings.Contains(screen, gone) {
			return
		}
	}
	s.t.Fatalf("%s: %q never went; the screen:\n%s", what, gone, screen)
}

// waitForWithin is waitFor with a deadline of d from now.
func (s *tmuxSession) waitForWithin(what string, d time.Duration, want ...string) string {
	s.t.Helper()
	var screen string
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		screen = s.screen()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(screen, w)
		}
		if ok {
			return screen
		}
	}
	s.t.Fatalf("%s: never saw %q; the screen:\n%s", what, want, screen)
	return ""
}

// tmuxServer is a private tmux server for the test, named after tag,
// killed when the test ends.
func tmuxServer(t *testing.T, tag string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("this test drives lanes in tmux, which is not installed (.ci/run installs it)")
	}
	s := &tmuxSession{t: t, socket: fmt.Sprintf("lanes-%s-%d", tag, os.Getpid())}
	// A session that outlives the test's own: tmux exits when its last
	// session ends, and a new-session racing that exit fails with "server
	// exited unexpectedly", so the server must never be left empty.
	s.tmux("new-session", "-d", "-s", "keep", "sleep 3600")
	socket := strings.TrimSpace(s.tmux("display", "-p", "-t", "keep", "#{socket_path}"))
	t.Cleanup(func() {
		exec.Command("tmux", "-L", s.socket, "kill-server").Run()
		os.Remove(socket) // tmux leaves it behind
	})
	return s
}

// run starts cmd (a shell command line) in the session "lanes" on a
// 120×40 terminal, replacing one that is there; the pane stays after cmd
// ends, so what it said can be read.
func (s *tmuxSession) run(cmd string) {
	s.t.Helper()
	exec.Command("tmux", "-L", s.socket, "kill-session", "-t", "lanes").Run()
	s.tmux("new-session", "-d", "-s", "lanes", "-x", "120", "-y", "40", cmd+"; echo \"lanes exited $?\"; sleep 60")
}

// binary is the lanes binary the tests run, built once per test run (into
// a directory TestMain removes) by the first test that needs it.
var binary struct {
	once     sync.Once
	dir, bin string
	err      error
}

func TestMain(m *testing.M) {
	// No test reads or writes the real home's config or logs: each test
	// that wants a config file or a log sets its own.
	state, err := os.MkdirTemp("", "lanes-test-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("LANES_STATE", state)
	os.Setenv("XDG_CONFIG_HOME", filepath.Join(state, "config"))
	code := m.Run()
	os.RemoveAll(state)
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// builtLanes is the built lanes binary.
func builtLanes(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "lanes-test-bin-"); binary.err != nil {
			return
		}
		binary.bin = filepath.Join(binary.dir, "lanes")
		if out, err := exec.Command("go", "build", "-o", binary.bin, ".").CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatalf("build lanes: %v", binary.err)
	}
	return binary.bin
}

// The binary, in a real terminal: a first start shows the example cards;
// a card made, moved right and completed is where it was after a restart.
func TestBoardInTmux(t *testing.T) {
	s := tmuxServer(t, "board")
	bin := builtLanes(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	start := func() {
		s.run(fmt.Sprintf("HOME=%s XDG_CONFIG_HOME=%s/config LANES_DATA=%s %s", dir, dir, data, bin))
	}

	start()
	s.waitFor("first start", "To Do", "Welcome to lanes", "Move a card with H and L", "synced")

	s.tmux("send-keys", "-t", "lanes", "n")
	s.tmux("send-keys", "-t", "lanes", "-l", "Ship the tmux test")
	s.tmux("send-keys", "-t", "lanes", "Enter")
	screen := s.waitFor("new card", "Ship the tmux test", "synced")
	if !strings.Contains(testenv.Column(screen, "To Do"), "Ship the tmux test") {
		t.Fatalf("the new card is not in To Do:\n%s", screen)
	}
	s.tmux("send-keys", "-t", "lanes", "L")
	s.waitFor("moved right", "In Progress              2")
	s.tmux("send-keys", "-t", "lanes", "Space")
	screen = s.waitFor("completed", "Done                     1", "synced")
	if !strings.Contains(testenv.Column(screen, "Done"), "Ship the tmux test") {
		t.Fatalf("the completed card is not in Done:\n%s", screen)
	}
	s.tmux("send-keys", "-t", "lanes", "q")
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(s.screen(), "To Do") && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}

	start()
	screen = s.waitFor("second start", "Done                     1", "Ship the tmux test")
	if !strings.Contains(testenv.Column(screen, "Done"), "Ship the tmux test") {
		t.Fatalf("after a restart the card is not in Done:\n%s", screen)
	}
	if strings.Count(screen, "Welcome to lanes") != 1 {
		t.Fatalf("the example cards were added twice:\n%s", screen)
	}
}
