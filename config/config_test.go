package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("config %q: %v, want an error with the path and %q", c.body, err, c.want)
		}
	}
}

func TestConfigTokenCommand(t *testing.T) {
	c := Config{TokenCommand: "echo kt_from_command"}
	if tok, err := c.ResolveToken(context.Background()); err != nil || tok != "kt_from_command" {
		t.Fatalf("token_command gave %q, %v", tok, err)
	}
	c = Config{TokenCommand: "exit 3"}
	if _, err := c.ResolveToken(context.Background()); err == nil || !strings.Contains(err.Error(), "exit 3") {
		t.Fatalf("a failing token_command: %v", err)
	}
}

// Every key Bubble Tea reports is accepted in [keys], as is "space", and
// the board takes the result.
func TestConfigKeysAcceptsRealKeys(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.toml")
	os.WriteFile(p, []byte("[keys]\ncomplete = [\"space\", \"c\"]\nmove_left = [\"alt+h\", \"ctrl+shift+left\", \"<\"]\nquit = [\"q\", \"ctrl+c\", \"f10\"]\n"), 0o600)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Keys) != 3 || c.Keys["complete"][0] != "space" {
		t.Fatalf("keys read: %v", c.Keys)
	}
}
