package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/config"
)

func TestConfigPathAndInit(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	want := filepath.Join(cfgHome, "lanes", "config.toml")
	if got := strings.TrimSpace(mustRun(t, t.TempDir(), "config", "path")); got != want {
		t.Fatalf("config path = %q, want %q", got, want)
	}
	mustRun(t, t.TempDir(), "config", "init")
	c, err := config.Load(want)
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

// A mistake in the config file is reported as the README promises: the
// file, the line, and what is wanted there, in words rather than Go types.
func TestConfigMistakesNameFileAndLine(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	t.Setenv("LANES_SERVER", "")
	t.Setenv("LANES_TOKEN", "")
	p := filepath.Join(cfgHome, "lanes", "config.toml")
	os.MkdirAll(filepath.Dir(p), 0o700)
	for _, c := range []struct{ name, body, want string }{
		{"unknown key name", "theme = \"auto\"\n\n[keys]\nmove_left = [\"H\"]\nmove_right = [\"L\", \"ctrl+shift+banana\"]\n",
			`line 5: [keys] move_right: unknown key "ctrl+shift+banana"`},
		{"key clash", "[keys]\n# H and L\nmove_left = [\"h\"]\n",
			`line 3: [keys] move_left: "h" is bound to both left and move_left`},
		{"unknown action", "[keys]\nmove_left = [\"H\"]\nteleport = [\"t\"]\n",
			`line 3: [keys] teleport: no such action`},
		{"no keys", "[keys]\n\nquit = []\n", "line 3: [keys] quit: needs at least one key"},
		{"keys not a list", "[keys]\nquit = \"q\"\n", `line 2: [keys] quit must be a list, like quit = ["H", "<"]`},
		{"keys not a table", "keys = 5\n", "line 1: keys must be a table"},
		{"order not a list", "[standup]\ntimebox = \"2m\"\norder = \"alice\"\n",
			`line 3: [standup] order must be a list, like order = ["alice", "bob"]`},
		{"server not a url", "project = \"Launch\"\nserver = \"not a url\"\n",
			`line 2: server must be the task server's address, like "https://tasks.krokanti.com"`},
		{"server not text", "server = 7420\n", `line 1: server must be text in quotes, like server = "https://tasks.krokanti.com"`},
		{"unknown standup setting", "[standup]\nlength = \"2m\"\n", `line 2: unknown setting "standup.length"`},
		{"token twice", "token = \"a\"\n\ntoken_command = \"echo b\"\n", "line 3: set token or token_command, not both"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(p, []byte(c.body), 0o600)
			stdout, _, err := run(t, context.Background(), t.TempDir(), "standup")
			if err == nil || !strings.Contains(err.Error(), p+" "+c.want) {
				t.Fatalf("lanes standup with\n%s\ngave %v\nwant an error saying %q", c.body, err, p+" "+c.want)
			}
			for _, bad := range []string{"toml:", "incompatible types", "slice", "--server"} {
				if strings.Contains(err.Error(), bad) {
					t.Errorf("the error speaks Go or of flags (%q): %v", bad, err)
				}
			}
			if stdout != "" {
				t.Errorf("printed %q before failing", stdout)
			}
		})
	}
}

// lanes config keys shows the space bar as "space", not as a blank.
func TestConfigKeysShowsSpace(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	out := mustRun(t, t.TempDir(), "config", "keys")
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "complete" {
			if !strings.HasPrefix(strings.Join(f[1:], " "), "space x ") {
				t.Fatalf("complete's keys shown as %q", l)
			}
			return
		}
	}
	t.Fatalf("no complete in\n%s", out)
}

// A server in the file with no token for it says to add one to the file,
// not to pass a flag the person never used.
func TestConfigServerWithoutToken(t *testing.T) {
	cfgHome := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfgHome)
	t.Setenv("LANES_SERVER", "")
	t.Setenv("LANES_TOKEN", "")
	p := filepath.Join(cfgHome, "lanes", "config.toml")
	os.MkdirAll(filepath.Dir(p), 0o700)
	os.WriteFile(p, []byte("server = \"http://127.0.0.1:9\"\n"), 0o600)
	_, _, err := run(t, context.Background(), t.TempDir(), "standup")
	if err == nil || !strings.Contains(err.Error(), p+`: server = "http://127.0.0.1:9" needs a token: add token_command`) {
		t.Fatalf("lanes standup with a server and no token in the file: %v", err)
	}
}

// --config and LANES_CONFIG choose the config file: lanes config path
// prints it, lanes config init writes it, and a mistake in it is reported
// at its path, whichever way it was named.
func TestConfigFileChosen(t *testing.T) {
	dir := t.TempDir()
	byFlag, byEnv := filepath.Join(dir, "flag.toml"), filepath.Join(dir, "env.toml")
	t.Setenv("LANES_CONFIG", byEnv)
	if got := strings.TrimSpace(mustRun(t, t.TempDir(), "config", "path")); got != byEnv {
		t.Fatalf("with LANES_CONFIG, config path = %q, want %q", got, byEnv)
	}
	if got := strings.TrimSpace(mustRun(t, t.TempDir(), "--config", byFlag, "config", "path")); got != byFlag {
		t.Fatalf("with --config and LANES_CONFIG, config path = %q, want the flag's %q", got, byFlag)
	}
	mustRun(t, t.TempDir(), "--config", byFlag, "config", "init")
	if _, err := config.Load(byFlag); err != nil {
		t.Fatalf("config init --config wrote a file that does not load: %v", err)
	}
	os.WriteFile(byEnv, []byte("server = 42\n"), 0o600)
	os.WriteFile(byFlag, []byte("[standup]\ntimebox = \"forever\"\n"), 0o600)
	for _, c := range []struct {
		args       []string
		path, want string
	}{
		{[]string{"standup"}, byEnv, "line 1: server must be text in quotes"},
		{[]string{"--config", byFlag, "standup"}, byFlag, "line 2: standup timebox must be a duration"},
	} {
		_, _, err := run(t, context.Background(), t.TempDir(), c.args...)
		if err == nil || !strings.Contains(err.Error(), c.path+" "+c.want) {
			t.Errorf("lanes %s: %v, want %q at %s", strings.Join(c.args, " "), err, c.want, c.path)
		}
	}
}
