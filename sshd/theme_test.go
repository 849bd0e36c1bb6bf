package sshd

import (
	"os"
	"path/filepath"
	"testing"
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
