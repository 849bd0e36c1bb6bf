package keymap

import (
	"strings"
	"testing"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

func press(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "shift+right":
		return tea.KeyMsg{Type: tea.KeyShiftRight}
	case " ":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func TestDefaultsVimAndArrows(t *testing.T) {
	k := Default()
	cases := []struct {
		key  string
		b    key.Binding
		name string
	}{
		{"h", k.Left, "left"}, {"left", k.Left, "left arrow"}, {"L", k.MoveRight, "move right"},
		{"shift+right", k.MoveRight, "shift+right"}, {" ", k.Complete, "space"}, {"x", k.Complete, "x"},
		{"enter", k.Details, "details"}, {"?", k.Help, "help"},
	}
	for _, c := range cases {
		if !key.Matches(press(c.key), c.b) {
			t.Errorf("%q does not trigger %s", c.key, c.name)
		}
	}
}

func TestDefaultsHaveNoClashes(t *testing.T) {
	k := Default()
	if err := k.Override(nil); err != nil {
		t.Fatalf("the defaults clash: %v", err)
	}
}

func TestOverride(t *testing.T) {
	k := Default()
	if err := k.Override(map[string][]string{"archive": {"A", "ctrl+a"}, "complete": {"c"}}); err != nil {
		t.Fatal(err)
	}
	if !key.Matches(press("A"), k.Archive) || key.Matches(press("a"), k.Archive) {
		t.Error("archive not rebound to A")
	}
	if k.Archive.Help().Key != "A/ctrl+a" || k.Archive.Help().Desc != "archive" {
		t.Errorf("help after override = %+v", k.Archive.Help())
	}
	for name, ov := range map[string]map[string][]string{
		"unknown action": {"teleport": {"t"}},
		"no keys":        {"quit": {}},
		"clash":          {"archive": {"h"}},
	} {
		k := Default()
		err := k.Override(ov)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if name == "clash" && !strings.Contains(err.Error(), `"h" is bound to both`) {
			t.Errorf("clash error %q does not name the key", err)
		}
	}
}

func TestHelpListsEveryAction(t *testing.T) {
	k := Default()
	n := 0
	for _, g := range k.FullHelp() {
		n += len(g)
	}
	if n != len(ActionNames()) {
		t.Fatalf("full help has %d bindings, there are %d actions", n, len(ActionNames()))
	}
}
