package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// : then "mov" narrows the palette to the four moves, best first.
func TestPaletteGolden(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, ":")
	waitScreen(t, tm, "Command palette")
	keys(tm, "mov")
	m := finish(t, tm)
	golden(t, "palette-mov-100x30", m.View())
}

// Enter in the palette runs the action chosen as its key would: "mov
// right" then enter moves the selected card right on the server, and
// ctrl+k then "undo" takes it back; esc closes without running anything.
func TestPaletteRunsTheAction(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 120, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	inColumn := func(i int) func() bool {
		return func() bool {
			a, ok := e.serverTask("Write the launch post")
			return ok && *a.StatusID == e.cols[i].ID
		}
	}
	keys(tm, ":", "move right", "enter")
	e.eventually("card A moved right from the palette", inColumn(1))
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlK})
	keys(tm, "undo", "enter")
	waitScreen(t, tm, `Undid move "Write the launch post"`)
	e.eventually("card A moved back from the palette", inColumn(0))

	// esc closes; the letters typed were the filter's, not the board's.
	keys(tm, ":", "LLL", "esc")
	// The editor works on the details screen, and says so.
	keys(tm, ":", "editor", "enter")
	waitScreen(t, tm, "description in $EDITOR works on a card's details: enter opens them, then E")
	m := finish(t, tm)
	if m.mode != modeBoard {
		t.Fatalf("after the palette ran the editor the mode is %d, want the board", m.mode)
	}
	if a, _ := e.serverTask("Write the launch post"); a.StatusID == nil || *a.StatusID != e.cols[0].ID {
		t.Fatal("letters typed into the palette moved the card")
	}
	if v := m.View(); strings.Contains(v, "Command palette") {
		t.Fatalf("the palette is still open:\n%s", v)
	}
}

// The palette lists every action of the keymap, the person's rebinding
// included, and runs the action by its key as rebound.
func TestPaletteFollowsTheKeymap(t *testing.T) {
	e := newEnv(t)
	m := e.model(t.TempDir(), e.token)
	t.Cleanup(m.Engine().Abandon)
	if err := m.ctx.Keys.Override(map[string][]string{"help": {"f1"}}); err != nil {
		t.Fatal(err)
	}
	m.ctx.Width, m.ctx.Height = 100, 60
	next, _ := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{':'}})
	m = next.(Model)
	v := m.View()
	for _, a := range m.ctx.Keys.List() {
		if !strings.Contains(v, a.Binding.Help().Desc) {
			t.Errorf("the palette does not list %s:\n%s", a.Name, v)
		}
	}
	if !strings.Contains(v, "f1") {
		t.Fatalf("the palette does not show help's new key:\n%s", v)
	}
	for _, k := range "help" {
		next, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{k}})
		m = next.(Model)
	}
	next, _ = m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if m = next.(Model); m.mode != modeHelp {
		t.Fatalf("help from the palette left the mode at %d", m.mode)
	}
}
