package sshd

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lanesboard/lanes/config"
	"github.com/lanesboard/lanes/internal/testenv"
)

// Each person's theme is theirs: a choice is kept in their own directory
// and read back for them alone; LANES_THEME sent by the client wins for
// its session; a file that is not a theme is no choice.
func TestThemePerPerson(t *testing.T) {
	s := &Server{cfg: Config{Dir: t.TempDir()}}
	if got := s.sessionTheme("alice", nil); got != "auto" {
		t.Fatalf("nothing chosen: %q, want auto", got)
	}
	if err := s.saveTheme("alice", "light"); err != nil {
		t.Fatal(err)
	}
	if got := s.sessionTheme("alice", map[string]string{}); got != "light" {
		t.Fatalf("alice chose light: her next session starts %q", got)
	}
	if got := s.sessionTheme("bob", nil); got != "auto" {
		t.Fatalf("alice's choice reached bob: %q", got)
	}
	if got := s.sessionTheme("alice", map[string]string{"LANES_THEME": "dark"}); got != "dark" {
		t.Fatalf("alice's client sent LANES_THEME=dark: %q", got)
	}
	if got := s.sessionTheme("alice", map[string]string{"LANES_THEME": "\x1b[2J"}); got != "light" {
		t.Fatalf("a LANES_THEME that is no theme: %q, want her saved light", got)
	}
	if err := s.saveTheme("alice", "neon"); err == nil {
		t.Fatal("saved a theme that does not exist")
	}
	if err := os.WriteFile(filepath.Join(s.cfg.Dir, "ssh", "alice", "theme"), []byte("purple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := s.sessionTheme("alice", nil); got != "auto" {
		t.Fatalf("a theme file that holds no theme: %q, want auto", got)
	}
}

// Over a real session: T cycles the theme and the host remembers each
// person's choice for their next session; LANES_THEME sent by the client
// wins for its session, and is not remembered by itself.
func TestSSHThemeIsRemembered(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob")
	e.start(Config{})
	open := func(name string, env map[string]string) *testenv.Term {
		t.Helper()
		s := testenv.OpenTerm(t, e.addr, e.hostKey, name, e.keys[name], testenv.TermSpec{W: 100, H: 30, Env: env})
		s.WaitFor(name+"'s board", "Personal / General", "synced")
		return s
	}
	quit := func(s *testenv.Term) {
		t.Helper()
		s.Keys("q")
		if err := s.Exit(); err != nil {
			t.Fatalf("q: %v", err)
		}
	}
	alice := open("alice", nil)
	alice.Keys("T")
	alice.WaitFor("T from auto", "theme: dark")
	alice.Keys("T")
	alice.WaitFor("T from dark", "theme: light")
	e.waitSaved(t, "alice", "light")
	quit(alice)

	// Her next session starts light: T goes on to auto.
	alice = open("alice", nil)
	alice.Keys("T")
	alice.WaitFor("T from her remembered light", "theme: auto")
	alice.Keys("T")
	alice.WaitFor("T from auto", "theme: dark")
	e.waitSaved(t, "alice", "dark")
	quit(alice)

	// Bob's is his own.
	bob := open("bob", nil)
	bob.Keys("T")
	bob.WaitFor("T from bob's auto", "theme: dark")
	e.waitSaved(t, "bob", "dark")
	quit(bob)

	// Her light terminal says so itself, and T there is a choice of hers
	// like any other.
	alice = open("alice", map[string]string{"LANES_THEME": "light"})
	e.waitSaved(t, "alice", "dark") // sending LANES_THEME chose nothing
	alice.Keys("T")
	alice.WaitFor("T from LANES_THEME's light", "theme: auto")
	e.waitSaved(t, "alice", "auto")
	quit(alice)
}

// waitSaved waits until name's remembered theme is want: the save runs
// beside the board, as a command.
func (e *sshEnv) waitSaved(t *testing.T, name, want string) {
	t.Helper()
	s := &Server{cfg: Config{Dir: e.dir}}
	got := ""
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = config.ReadTheme(s.themeFile(name)); got == want {
			return
		}
	}
	t.Fatalf("%s's remembered theme is %q, want %q", name, got, want)
}
