// Package config reads lanes' config file: where it is (XDG, --config,
// LANES_CONFIG), what it holds, and what is wrong with it, at its line.
package config

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/lanesboard/lanes/keymap"
)

// Config is the config file: what to open and how it looks.
type Config struct {
	Backend      string              `toml:"backend"` // "" (a lanes or Krokanti server) or "taskade"
	Server       string              `toml:"server"`
	Token        string              `toml:"token"`
	TokenCommand string              `toml:"token_command"`
	Space        string              `toml:"space"`
	Project      string              `toml:"project"`
	Theme        string              `toml:"theme"`
	Keys         map[string][]string `toml:"keys"`
	Standup      Standup             `toml:"standup"`
}

// Standup is how standup runs: who speaks in what order, for how long.
type Standup struct {
	Order   []string `toml:"order"`   // user names; the rest follow by name
	Timebox string   `toml:"timebox"` // per person, like "2m" or "90s"
}

// TimeboxOrDefault is the time each person gets (2 minutes unless set).
func (s Standup) TimeboxOrDefault() time.Duration {
	d, err := time.ParseDuration(s.Timebox)
	if err != nil || d <= 0 {
		return 2 * time.Minute
	}
	return d
}

// Default is what lanes config init writes: every setting, commented.
const Default = `# lanes configuration. Flags and environment variables win over this file.

# The task server to open (a lanes server or a Krokanti one). Leave it out
# to use the local server lanes starts on its data directory.
# server = "https://tasks.krokanti.com"

# What the server speaks: "lanes" (a lanes or Krokanti server, the
# default) or "taskade" (your Taskade projects; server defaults to
# https://www.taskade.com/api/v1 and the token is a Taskade personal token
# from Settings → API).
# backend = "taskade"

# The API token for server, or a command that prints it (so the token can
# live in a password manager instead of this file).
# token = "kt_..."
# token_command = "pass show krokanti/token"

# What to open: a space (name, slug or id) and a project (name or id).
# space = "team"
# project = "Launch"

# Colours: "auto" (follow the terminal), "dark", "light" or "none".
# NO_COLOR in the environment also turns colours off. T on the board
# cycles auto, dark and light; its last choice wins over this setting,
# and LANES_THEME over both.
# theme = "auto"

# Standup (s on the board, or lanes standup): the speaking order by user
# name (everyone else follows, by name) and each person's timebox.
[standup]
# order = ["alice", "bob"]
# timebox = "2m"

# Key overrides: an action and the keys that do it (replacing the default).
# "lanes config keys" lists the actions. A key is one character ("x", "<")
# or a name: space, enter, tab, esc, backspace, up, shift+left, ctrl+a,
# pgup, home, f1, … (alt+ in front for Alt).
[keys]
# move_left = ["H", "<"]
# move_right = ["L", ">"]
`

// Load reads the config file; a missing one is an empty config. A bad
// one is an error naming the file and the line, and saying what is wanted.
func Load(path string) (Config, error) {
	var c Config
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read the config file: %w", err)
	}
	// Each setting is decoded on its own, from a Primitive, so that
	// whatever is wrong with it can be reported at its line: the decoder
	// places an error returned while decoding a Primitive at the
	// Primitive's key.
	var top map[string]toml.Primitive
	md, err := toml.Decode(string(raw), &top)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return c, fmt.Errorf("%s line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return c, fmt.Errorf("%s: %w", path, err)
	}
	f := configFile{path: path, md: &md}
	var tokenAt toml.Primitive
	for _, name := range f.names(nil) {
		v := top[name]
		switch name {
		case "backend":
			if c.Backend, err = f.str(v, name, `"taskade"`); err == nil {
				switch c.Backend {
				case "", "lanes", "krokanti", "taskade":
				default:
					err = f.check(v, fmt.Errorf("backend must be lanes or taskade, got %q", c.Backend))
				}
			}
		case "server":
			if c.Server, err = f.str(v, name, `"https://tasks.krokanti.com"`); err == nil {
				err = f.check(v, CheckServerURL(c.Server))
			}
		case "token":
			c.Token, err = f.str(v, name, `"kt_..."`)
			tokenAt = v
		case "token_command":
			c.TokenCommand, err = f.str(v, name, `"pass show krokanti/token"`)
			tokenAt = v
		case "space":
			c.Space, err = f.str(v, name, `"team"`)
		case "project":
			c.Project, err = f.str(v, name, `"Launch"`)
		case "theme":
			if c.Theme, err = f.str(v, name, `"auto"`); err == nil {
				switch c.Theme {
				case "", "auto", "dark", "light", "none":
				default:
					err = f.check(v, fmt.Errorf("theme must be auto, dark, light or none, got %q", c.Theme))
				}
			}
		case "standup":
			c.Standup, err = f.standup(v)
		case "keys":
			c.Keys, err = f.keys(v)
		default:
			err = f.check(v, fmt.Errorf("unknown setting %q", name))
		}
		if err != nil {
			return c, err
		}
	}
	if c.Token != "" && c.TokenCommand != "" {
		return c, f.check(tokenAt, errors.New("set token or token_command, not both"))
	}
	return c, nil
}

// configFile is the config file being read, for decoding its settings one
// by one and placing what is wrong at its line.
type configFile struct {
	path string
	md   *toml.MetaData
}

// names are the keys directly under table (nil: the top level) in the
// order the file has them.
func (f configFile) names(table toml.Key) []string {
	var names []string
	seen := map[string]bool{}
	for _, k := range f.md.Keys() {
		if len(k) > len(table) && slices.Equal(k[:len(table)], table) && !seen[k[len(table)]] {
			seen[k[len(table)]] = true
			names = append(names, k[len(table)])
		}
	}
	return names
}

// check is err at the line of v's key ("config.toml line 3: …"), or nil
// if err is nil.
func (f configFile) check(v toml.Primitive, err error) error {
	if err == nil {
		return nil
	}
	var pe toml.ParseError
	if errors.As(f.md.PrimitiveDecode(v, &failWith{err}), &pe) && pe.Position.Line > 0 {
		return fmt.Errorf("%s line %d: %w", f.path, pe.Position.Line, err)
	}
	return fmt.Errorf("%s: %w", f.path, err)
}

// failWith is a value whose decoding fails with err: decoding it from a
// Primitive is how check learns the Primitive's line.
type failWith struct{ err error }

func (e *failWith) UnmarshalTOML(any) error { return e.err }

// str is a setting that must be a string; example is one, quoted, for the
// message when it is not.
func (f configFile) str(v toml.Primitive, name, example string) (string, error) {
	var raw any
	if err := f.md.PrimitiveDecode(v, &raw); err != nil {
		return "", fmt.Errorf("%s: %w", f.path, err)
	}
	s, ok := raw.(string)
	if !ok {
		return "", f.check(v, fmt.Errorf("%s must be text in quotes, like %s = %s", name, name, example))
	}
	return s, nil
}

// list is a setting that must be a list of strings.
func (f configFile) list(v toml.Primitive, what, example string) ([]string, error) {
	var raw any
	if err := f.md.PrimitiveDecode(v, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	items, ok := raw.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, isStr := it.(string)
		ok = ok && isStr
		out = append(out, s)
	}
	if !ok {
		return nil, f.check(v, fmt.Errorf("%s must be a list, like %s", what, example))
	}
	return out, nil
}

// table is the settings of a [table], by name.
func (f configFile) table(v toml.Primitive, name string) (map[string]toml.Primitive, error) {
	var raw any
	if err := f.md.PrimitiveDecode(v, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	if _, ok := raw.(map[string]any); !ok {
		return nil, f.check(v, fmt.Errorf("%s must be a table: a line [%s] with its settings under it", name, name))
	}
	var t map[string]toml.Primitive
	if err := f.md.PrimitiveDecode(v, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", f.path, err)
	}
	return t, nil
}

func (f configFile) standup(v toml.Primitive) (Standup, error) {
	var s Standup
	t, err := f.table(v, "standup")
	if err != nil {
		return s, err
	}
	for _, name := range f.names(toml.Key{"standup"}) {
		v := t[name]
		switch name {
		case "order":
			s.Order, err = f.list(v, "[standup] order", `order = ["alice", "bob"]`)
		case "timebox":
			if s.Timebox, err = f.str(v, "timebox", `"2m"`); err == nil {
				if d, perr := time.ParseDuration(s.Timebox); perr != nil || d <= 0 {
					err = f.check(v, fmt.Errorf("standup timebox must be a duration like \"2m\" or \"90s\", got %q", s.Timebox))
				}
			}
		default:
			err = f.check(v, fmt.Errorf("unknown setting %q", "standup."+name))
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// keys are the [keys] overrides, checked as the board will apply them, so
// that a key no terminal sends, an unknown action or a clash is reported
// with its line ("config.toml line 12: [keys] move_left: …").
func (f configFile) keys(v toml.Primitive) (map[string][]string, error) {
	t, err := f.table(v, "keys")
	if err != nil {
		return nil, err
	}
	keys := map[string][]string{}
	for _, name := range f.names(toml.Key{"keys"}) {
		list, err := f.list(t[name], "[keys] "+name, name+` = ["H", "<"]`)
		if err != nil {
			return nil, err
		}
		if _, err := keymap.ParseKeys(list); err != nil {
			return nil, f.check(t[name], fmt.Errorf("[keys] %s: %w", name, err))
		}
		keys[name] = list
	}
	km := keymap.Default()
	if err := km.Override(keys); err != nil {
		var oe *keymap.OverrideError
		if errors.As(err, &oe) {
			return nil, f.check(t[oe.Action], fmt.Errorf("[keys] %w", oe))
		}
		return nil, fmt.Errorf("%s: [keys]: %w", f.path, err)
	}
	return keys, nil
}

// CheckServerURL says what is wrong with a server URL from the file.
func CheckServerURL(s string) error {
	if s == "" {
		return nil // the local server, as with no setting
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("server must be the task server's address, like \"https://tasks.krokanti.com\" or \"http://127.0.0.1:7420\", got %q", s)
	}
	return nil
}

// ResolveToken is the configured token, running token_command if that is how it
// is given.
func (c Config) ResolveToken(ctx context.Context) (string, error) {
	if c.TokenCommand == "" {
		return c.Token, nil
	}
	out, err := exec.CommandContext(ctx, "sh", "-c", c.TokenCommand).Output()
	if err != nil {
		return "", fmt.Errorf("run token_command %q: %w", c.TokenCommand, err)
	}
	return strings.TrimSpace(string(out)), nil
}
