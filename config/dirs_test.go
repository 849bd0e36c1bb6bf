package config

import (
	"path/filepath"
	"testing"
)

// Each directory comes from its flag, then lanes' own variable, then
// XDG's (if absolute, as the XDG spec asks), then the home directory.
func TestDirsPrecedence(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, v := range []string{"LANES_CONFIG", "LANES_DATA", "LANES_STATE", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"} {
		t.Setenv(v, "")
	}
	check := func(what, got, want string, err error) {
		t.Helper()
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", what, got, err, want)
		}
	}
	p, err := Path("")
	check("config, by default", p, filepath.Join(home, ".config", "lanes", "config.toml"), err)
	d, err := DataDir("")
	check("data, by default", d, filepath.Join(home, ".local", "share", "lanes"), err)
	s, err := StateDir()
	check("state, by default", s, filepath.Join(home, ".local", "state", "lanes"), err)

	t.Setenv("XDG_CONFIG_HOME", "relative/not/allowed")
	t.Setenv("XDG_STATE_HOME", "/xdg/state")
	p, err = Path("")
	check("config, with a relative XDG_CONFIG_HOME", p, filepath.Join(home, ".config", "lanes", "config.toml"), err)
	s, err = StateDir()
	check("state, with XDG_STATE_HOME", s, "/xdg/state/lanes", err)

	t.Setenv("LANES_CONFIG", "/env/config.toml")
	t.Setenv("LANES_DATA", "/env/data")
	t.Setenv("LANES_STATE", "/env/state")
	p, err = Path("")
	check("config, with LANES_CONFIG", p, "/env/config.toml", err)
	s, err = StateDir()
	check("state, with LANES_STATE", s, "/env/state", err)
	p, err = Path("/flag/config.toml")
	check("config, with --config", p, "/flag/config.toml", err)
	d, err = DataDir("/flag/data")
	check("data, with --data", d, "/flag/data", err)
}
