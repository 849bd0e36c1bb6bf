package config

import (
	"os"
	"path/filepath"
	"testing"
)

// A remembered theme reads back as written, leaves no temporary file
// behind, and only a theme T cycles through is written or read.
func TestThemeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "people", "alice", "theme")
	if got := ReadTheme(path); got != "" {
		t.Fatalf("no file: %q", got)
	}
	for _, theme := range []string{"light", "dark", "auto"} {
		if err := WriteTheme(path, theme); err != nil {
			t.Fatal(err)
		}
		if got := ReadTheme(path); got != theme {
			t.Fatalf("wrote %q, read %q", theme, got)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("the directory holds %d files, want the theme alone", len(entries))
	}
	for _, bad := range []string{"none", "neon", ""} {
		if err := WriteTheme(path, bad); err == nil {
			t.Errorf("wrote the theme %q", bad)
		}
	}
	os.WriteFile(path, []byte("light"+string(make([]byte, 100))), 0o600)
	if got := ReadTheme(path); got != "" {
		t.Fatalf("a file that is not a theme read as %q", got)
	}
	if got := FirstTheme("", " Dark ", "light"); got != "dark" {
		t.Fatalf("FirstTheme picked %q, want the first theme, dark", got)
	}
	if got := FirstTheme("none", "neon"); got != "auto" {
		t.Fatalf("FirstTheme of no theme: %q, want auto", got)
	}
}
