package ui

import (
	"fmt"
	"io"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lanesboard/lanes/board"
)

// At 80×24 three of the four columns fit: the board says at each edge how
// many are hidden there and which.
func TestHiddenColumnsAreNamed(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch", "1 more: Done ▶")
	keys(tm, "l", "l", "l")
	waitScreen(t, tm, "◀ 1 more: To Do")
	m := finish(t, tm)
	top := strings.SplitN(m.View(), "\n", 2)[0]
	if !strings.Contains(top, "◀ 1 more: To Do") || strings.Contains(top, "▶") {
		t.Fatalf("with Done in view, the top of the board says %q", top)
	}
}

// However narrow or wide, the hints fit the frame: every line is as wide
// as the board, and each edge counts what is hidden beyond it.
func TestHiddenColumnHintsFit(t *testing.T) {
	names := []string{"Backlog", "To Do", "In Progress", "Waiting on the customer to reply", "In Review", "Done"}
	var cols []board.Column
	for i, n := range names {
		cols = append(cols, board.Column{ID: fmt.Sprint("c", i), Name: n})
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	m := cachedModel(t, cols, Config{Renderer: r})
	for w := 20; w <= 170; w += 3 {
		for focus := range cols {
			m = update(m, tea.WindowSizeMsg{Width: w, Height: 20})
			m.board.FocusColumn(focus)
			first, shown, _ := m.board.Layout()
			v := m.View()
			// Columns share the width evenly, so a few cells may be over.
			lines := strings.Split(v, "\n")
			for i, l := range lines {
				if lw := lipgloss.Width(l); lw != lipgloss.Width(lines[0]) || lw > max(w, 26) || lw < w-shown {
					t.Fatalf("at width %d, focus %d, line %d is %d wide: %q", w, focus, i, lw, l)
				}
			}
			top := lines[0]
			if (first > 0) != strings.Contains(top, "◀") || (first+shown < len(cols)) != strings.Contains(top, "▶") {
				t.Fatalf("at width %d, focus %d (columns %d to %d shown), the top says %q", w, focus, first, first+shown-1, top)
			}
			if first > 0 && w >= 60 && !strings.Contains(top, fmt.Sprintf("◀ %d more", first)) {
				t.Fatalf("at width %d, %d hidden on the left, the top says %q", w, first, top)
			}
			if right := len(cols) - first - shown; right > 0 && w >= 60 && !strings.Contains(top, fmt.Sprintf("%d more", right)) {
				t.Fatalf("at width %d, %d hidden on the right, the top says %q", w, right, top)
			}
		}
	}
}
