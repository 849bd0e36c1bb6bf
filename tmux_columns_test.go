package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/internal/testenv"
)

// In a real terminal: the column menu adds a column after To Do, renames
// it, a card is moved into it, and its WIP limit is set; the header says
// so at once, and the server (read back with lanes export once the board
// has quit) holds all of it.
func TestColumnsInTmux(t *testing.T) {
	s := tmuxServer(t, "columns")
	bin := builtLanes(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	env := fmt.Sprintf("HOME=%s XDG_CONFIG_HOME=%s/config LANES_DATA=%s", dir, dir, data)
	s.run(env + " " + bin)
	s.waitFor("first start", "To Do", "Welcome to lanes", "synced")
	keys := func(k ...string) { s.tmux(append([]string{"send-keys", "-t", "lanes"}, k...)...) }
	// squeezed waits for wants on the screen with its runs of spaces made
	// one, as column headers pad names from counts.
	squeezed := func(what string, want ...string) string {
		t.Helper()
		var screen string
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			screen = s.screen()
			flat := strings.Join(strings.Fields(screen), " ")
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(flat, w)
			}
			if ok {
				return screen
			}
		}
		t.Fatalf("%s: never saw %q; the screen:\n%s", what, want, screen)
		return ""
	}
	text := func(t string) { s.tmux("send-keys", "-t", "lanes", "-l", t) }

	keys("C")
	s.waitFor("the column menu", "add a column after this one", "rename", "WIP limit")
	keys("a")
	text("Blocked")
	keys("Enter")
	s.waitFor("the new column", "Added the column", "Blocked")
	keys("C", "r")
	for range len("Blocked") {
		keys("BSpace")
	}
	text("Waiting on others")
	keys("Enter")
	// The header, not the input's echo of what was typed.
	screen := squeezed("renamed", "│ Waiting on others 0 │", "synced")
	if strings.Contains(screen, "Blocked") {
		t.Fatalf("the old name is still shown:\n%s", screen)
	}
	// Back to To Do, and its first card one column right: into the new one.
	keys("h", "L")
	screen = squeezed("moved in", "Waiting on others 1 │", "synced")
	if testenv.Column(screen, "Waiting on others") == "" {
		t.Fatalf("no column Waiting on others:\n%s", screen)
	}
	keys("C", "w")
	text("1")
	keys("Enter")
	squeezed("limited", "Waiting on others 1/1", "at most 1 cards", "synced")
	// One more card in: over the limit, said at once, and it still moves.
	keys("h", "L")
	squeezed("over the limit", "Waiting on others 2/1", "over its WIP limit: 2 of 1")
	s.waitFor("synced", "synced")
	keys("q")
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(s.screen(), "To Do") && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}

	cmd := exec.Command(bin, "export")
	cmd.Env = append(cmd.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir+"/config", "LANES_DATA="+data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lanes export: %v\n%s", err, out)
	}
	var b struct {
		Columns []struct {
			Name     string `json:"name"`
			WipLimit *int   `json:"wipLimit"`
		} `json:"columns"`
		Cards []struct {
			Title  string `json:"title"`
			Column string `json:"column"`
		} `json:"cards"`
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatalf("lanes export wrote %v:\n%s", err, out)
	}
	if len(b.Columns) != 5 || b.Columns[1].Name != "Waiting on others" || b.Columns[1].WipLimit == nil || *b.Columns[1].WipLimit != 1 {
		t.Fatalf("the server's columns: %+v", b.Columns)
	}
	in := 0
	for _, c := range b.Cards {
		if c.Column == "Waiting on others" {
			in++
		}
	}
	if in != 2 {
		t.Fatalf("the server has %d cards in the new column, want 2: %s", in, out)
	}
}
