package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/api"
)

// fakeEditor writes a shell script to stand in for the person's editor
// and makes it $VISUAL, with an argument before the file as editors are
// often given ("code --wait"). The script checks it got the argument and
// a file holding the card's description, then runs body on the file ($2).
func fakeEditor(t *testing.T, body string) {
	t.Helper()
	script := filepath.Join(t.TempDir(), "editor.sh")
	text := "#!/bin/sh\n[ \"$1\" = --wait ] || exit 90\ngrep -q 'Old words' \"$2\" || exit 91\n" + body + "\n"
	if err := os.WriteFile(script, []byte(text), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", script+" --wait")
	t.Setenv("EDITOR", "false") // VISUAL comes first
}

// describe gives the first card a description on the server.
func (e *env) describe(title, desc string) api.Task {
	e.t.Helper()
	k := mustTask(e, title)
	got, err := e.direct.UpdateTask(context.Background(), k.ID, api.TaskPatch{Description: api.Set(desc)})
	if err != nil {
		e.t.Fatal(err)
	}
	return *got
}

// noFilesLeft fails if the editor's file is still in dir.
func noFilesLeft(t *testing.T, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil || len(left) != 0 {
		t.Fatalf("the editor's directory holds %v, %v; want its file removed", left, err)
	}
}

// E on the details runs $VISUAL on the description; what it writes is
// saved to the server, and its file is removed.
func TestEditorSavesTheDescription(t *testing.T) {
	e := newEnv(t)
	e.describe("Write the launch post", "Old words")
	fakeEditor(t, `printf '# Launch\n\nShip **it**\n' > "$2"`)
	dir := t.TempDir()
	tm := e.board(e.token, 100, 30, func(c *Config) { c.EditorDir = dir })
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "enter")
	waitScreen(t, tm, "Old words")
	keys(tm, "E")
	waitScreen(t, tm, "Saved the description from the editor")
	e.eventually("the editor's description on the server", func() bool {
		k := mustTask(e, "Write the launch post")
		return k.Description != nil && *k.Description == "# Launch\n\nShip **it**"
	})
	finish(t, tm)
	noFilesLeft(t, dir)
}

// An editor that exits without changing the text saves nothing and says
// so; one that fails (status 3) saves nothing of what it wrote.
func TestEditorUnchangedOrFailed(t *testing.T) {
	for _, c := range []struct{ name, body, says string }{
		{"unchanged", "exit 0", "The description is unchanged"},
		{"newline only", `printf '\n' >> "$2"`, "The description is unchanged"},
		{"failed", `printf 'Half done' > "$2"; exit 3`, "The editor exited with status 3: the description was not saved"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			before := e.describe("Write the launch post", "Old words")
			fakeEditor(t, c.body)
			dir := t.TempDir()
			tm := e.board(e.token, 120, 30, func(c *Config) { c.EditorDir = dir })
			waitScreen(t, tm, "synced", "Write the launch")
			keys(tm, "enter")
			waitScreen(t, tm, "Old words")
			keys(tm, "E")
			waitScreen(t, tm, c.says)
			m := finish(t, tm)
			if st := m.Engine().Status(); st.Waiting != 0 {
				t.Fatalf("%d changes wait to be sent", st.Waiting)
			}
			if k := mustTask(e, "Write the launch post"); k.Version != before.Version || *k.Description != "Old words" {
				t.Fatalf("the card on the server changed: %+v", k)
			}
			noFilesLeft(t, dir)
		})
	}
}

// Where no editor may run (lanes ssh), E says why and starts nothing;
// a read-only person is told they can't change anything.
func TestEditorRefused(t *testing.T) {
	e := newEnv(t)
	fakeEditor(t, `printf 'Changed' > "$2"`)
	dir := t.TempDir()
	tm := e.board(e.token, 120, 30, func(c *Config) {
		c.EditorDir, c.NoEditor = dir, "no editor runs on this host for a remote user; edit with e"
	})
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "enter", "E")
	waitScreen(t, tm, "no editor runs on this host for a remote user; edit with e")
	finish(t, tm)
	noFilesLeft(t, dir)

	tm = e.board(e.token, 120, 30, func(c *Config) { c.EditorDir, c.ReadOnly = dir, "You're a viewer here" })
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "enter", "E")
	waitScreen(t, tm, "You're a viewer here")
	m := finish(t, tm)
	noFilesLeft(t, dir)
	if strings.Contains(m.View(), "Saved") {
		t.Fatal("a read-only board saved from the editor")
	}
}
