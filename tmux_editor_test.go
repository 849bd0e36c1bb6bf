package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// E on a card's details runs $EDITOR in the board's terminal: the board
// gives the terminal up (the normal screen, no mouse reports, the cursor
// shown, keys by line) and takes it back when the editor exits (the
// board drawn again in the alternate screen, the mouse reported), and
// what the editor wrote is saved.
func TestEditorInTmux(t *testing.T) {
	s := tmuxServer(t, "editor")
	bin := builtLanes(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	// The editor says it runs, reads a line typed into the terminal (so
	// the terminal must be back to lines) and writes it to the file.
	editor := filepath.Join(dir, "editor.sh")
	script := "#!/bin/sh\nprintf 'in the editor, type a line: '\nread line\nprintf 'Written in %s\\n' \"$line\" > \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	env := fmt.Sprintf("HOME=%s XDG_CONFIG_HOME=%s/config LANES_DATA=%s VISUAL= EDITOR=%s", dir, dir, data, editor)
	s.run(env + " " + bin)
	s.waitFor("first start", "Welcome to lanes", "synced")
	modes := func() string {
		return strings.TrimSpace(s.tmux("display", "-p", "-t", "lanes", "alt #{alternate_on} cursor #{cursor_flag} mouse #{mouse_button_flag}#{mouse_sgr_flag}"))
	}
	if got := modes(); got != "alt 1 cursor 0 mouse 11" {
		t.Fatalf("the board runs with %q", got)
	}

	s.tmux("send-keys", "-t", "lanes", "Enter")
	s.waitFor("details", "Welcome to lanes")
	s.tmux("send-keys", "-t", "lanes", "E")
	s.waitFor("the editor", "in the editor, type a line:")
	if got := modes(); got != "alt 0 cursor 1 mouse 00" {
		t.Fatalf("while the editor runs the terminal is %q", got)
	}
	s.tmux("send-keys", "-t", "lanes", "-l", "tmux by the editor")
	s.tmux("send-keys", "-t", "lanes", "Enter")
	s.waitFor("back on the board", "Saved the description from the editor")
	if got := modes(); got != "alt 1 cursor 0 mouse 11" {
		t.Fatalf("back from the editor the terminal is %q", got)
	}
	if screen := s.screen(); strings.Contains(screen, "in the editor") {
		t.Fatalf("the editor's text is left on the board:\n%s", screen)
	}
	s.tmux("send-keys", "-t", "lanes", "q") // the details closed
	s.waitFor("the board", "To Do", "In Progress")
	s.tmux("send-keys", "-t", "lanes", "q")
	s.waitFor("quit", "lanes exited 0")
	if got := modes(); got != "alt 0 cursor 1 mouse 00" {
		t.Fatalf("after quitting the terminal is %q", got)
	}

	out := runLanesEnv(t, bin, isolatedEnv(dir), "--data", data, "export", "--format", "markdown")
	if !strings.Contains(out, "Written in tmux by the editor") {
		t.Fatalf("the description the editor wrote is not on the server:\n%s", out)
	}
}
