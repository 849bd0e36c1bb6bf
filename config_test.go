package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigPathAndInit(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	want := filepath.Join(cfgHome, "lanes", "config.toml")
	if got := strings.TrimSpace(mustRun(t, t.TempDir(), "config", "path")); got != want {
		t.Fatalf("config path = %q, want %q", got, want)
	}
	mustRun(t, t.TempDir(), "config", "init")
	c, err := loadConfig(want)
	if err != nil {
		t.Fatalf("the written default does not load: %v", err)
	}
	if c.Server != "" || len(c.Keys) != 0 {
		t.Fatalf("the default sets something: %+v", c)
	}
	if _, _, err := run(t, context.Background(), t.TempDir(), "config", "init"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("init over an existing file: %v", err)
	}
	mustRun(t, t.TempDir(), "config", "init", "--force")
	if out := mustRun(t, t.TempDir(), "config", "keys"); !strings.Contains(out, "move_right") || !strings.Contains(out, "shift+right") {
		t.Fatalf("config keys printed:\n%s", out)
	}
}

func TestBadConfigNamesTheLine(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ body, want string }{
		{"server = \"http://x\"\nproject = \n", "line 2"},
		{"server = \"http://x\"\n\ncolour = \"red\"\n", `line 3: unknown setting "colour"`},
		{"theme = \"neon\"\n", "line 1: theme must be auto, dark, light or none"},
		{"token = \"a\"\ntoken_command = \"echo b\"\n", "not both"},
		{"[keys]\nmove_right = 5\n", "line 2"},
	} {
		p := filepath.Join(dir, "config.toml")
		os.WriteFile(p, []byte(c.body), 0o600)
		_, err := loadConfig(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("config %q: %v, want an error with the path and %q", c.body, err, c.want)
		}
	}
}

func TestConfigTokenCommand(t *testing.T) {
	c := config{TokenCommand: "echo kt_from_command"}
	if tok, err := c.token(context.Background()); err != nil || tok != "kt_from_command" {
		t.Fatalf("token_command gave %q, %v", tok, err)
	}
	c = config{TokenCommand: "exit 3"}
	if _, err := c.token(context.Background()); err == nil || !strings.Contains(err.Error(), "exit 3") {
		t.Fatalf("a failing token_command: %v", err)
	}
}

// The board refuses to start on a config whose key overrides clash, and
// says where.
func TestBoardReportsBadKeyOverrides(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	p := filepath.Join(cfgHome, "lanes", "config.toml")
	os.MkdirAll(filepath.Dir(p), 0o700)
	os.WriteFile(p, []byte("[keys]\nmove_right = [\"j\"]\n"), 0o600)
	_, _, err := run(t, context.Background(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "[keys]") || !strings.Contains(err.Error(), p) {
		t.Fatalf("a clashing override: %v", err)
	}
}

// The last board opened is remembered per server.
func TestLastBoard(t *testing.T) {
	dir := t.TempDir()
	if _, ok := readLast(dir, "local"); ok {
		t.Fatal("a fresh data dir remembers a board")
	}
	writeLast(dir, lastBoard{Server: "local", Space: "s1", Project: "p1"})
	if l, ok := readLast(dir, "local"); !ok || l.Project != "p1" || l.Space != "s1" {
		t.Fatalf("readLast = %+v, %v", l, ok)
	}
	if _, ok := readLast(dir, "https://tasks.krokanti.com"); ok {
		t.Fatal("the local board was offered for another server")
	}
}
