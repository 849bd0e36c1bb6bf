package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// Typing on the help screen narrows the keys shown: "move" leaves the
// four moves; letters like q are typed, not obeyed; esc clears what was
// typed, a second esc goes back to the board.
func TestHelpFilters(t *testing.T) {
	e := newEnv(t)
	m := e.model(t.TempDir(), e.token)
	t.Cleanup(m.Engine().Abandon)
	m.ctx.Width, m.ctx.Height = 100, 30
	press := func(ks ...tea.KeyMsg) {
		t.Helper()
		for _, k := range ks {
			next, _ := m.Update(k)
			m = next.(Model)
		}
	}
	runes := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	esc := tea.KeyMsg{Type: tea.KeyEsc}

	press(runes("?"), runes("q"), runes("u"), tea.KeyMsg{Type: tea.KeyBackspace}, tea.KeyMsg{Type: tea.KeyBackspace})
	if m.mode != modeHelp {
		t.Fatalf("q on the help screen left it (mode %d)", m.mode)
	}
	press(runes("m"), runes("ove"))
	v := m.View()
	for _, want := range []string{"Keys matching: move", "move card left", "move card right", "move card up", "move card down"} {
		if !strings.Contains(v, want) {
			t.Errorf("help narrowed to move lacks %q:\n%s", want, v)
		}
	}
	for _, gone := range []string{"column left", "undo", "quit", "Filter: words match"} {
		if strings.Contains(v, gone) {
			t.Errorf("help narrowed to move still shows %q:\n%s", gone, v)
		}
	}
	golden(t, "help-move-100x30", v)

	press(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}, runes("DOWN"))
	if v := m.View(); !strings.Contains(v, "move card down") || strings.Contains(v, "move card up") {
		t.Fatalf("help narrowed to \"move down\":\n%s", v)
	}
	press(runes("zz"))
	if v := m.View(); !strings.Contains(v, "No key matches that.") {
		t.Fatalf("help narrowed to nothing:\n%s", v)
	}

	press(esc)
	if v := m.View(); m.mode != modeHelp || !strings.Contains(v, "column left") || !strings.Contains(v, "quit") {
		t.Fatalf("esc did not clear what was typed (mode %d):\n%s", m.mode, v)
	}
	press(esc)
	if m.mode != modeBoard {
		t.Fatalf("a second esc left the mode at %d", m.mode)
	}
	// ? with nothing typed goes back too, and the help opens empty again.
	press(runes("?"), runes("x"), esc, runes("?"))
	if m.mode != modeBoard || m.help.Filter() != "" {
		t.Fatalf("? on the help screen: mode %d, filter %q", m.mode, m.help.Filter())
	}
}

// Help opened and typed into at once ("?undo" in one read, as a fast
// typist's keys arrive) narrows to undo.
func TestHelpFiltersKeysInOneRead(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "?undo")
	waitScreen(t, tm, "Keys matching: undo")
	m := finish(t, tm)
	if v := m.View(); !strings.Contains(v, "undo") || strings.Contains(v, "redo") || strings.Contains(v, "quit") {
		t.Fatalf("help narrowed to undo:\n%s", v)
	}
}
