package keymap

import (
	"errors"
	"fmt"
	"slices"
	"sort"
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

// Every key Bubble Tea can report can be bound, and nothing else: a name
// no terminal sends would make a binding that never fires.
func TestParseKey(t *testing.T) {
	for typ := tea.KeyF20; typ <= 127; typ++ {
		if typ == tea.KeyRunes || typ.String() == "" {
			continue
		}
		for _, msg := range []tea.KeyMsg{{Type: typ}, {Type: typ, Alt: true}} {
			if _, err := ParseKey(msg.String()); err != nil {
				t.Errorf("%q, which Bubble Tea reports, is refused: %v", msg.String(), err)
			}
		}
	}
	for _, k := range []string{"x", "H", "<", "+", "é", "日", "alt+x", "ctrl+shift+right", "f12"} {
		if got, err := ParseKey(k); err != nil || got != k {
			t.Errorf("ParseKey(%q) = %q, %v", k, got, err)
		}
	}
	for k, want := range map[string]string{"space": " ", "alt+space": "alt+ "} {
		if got, err := ParseKey(k); err != nil || got != want {
			t.Errorf("ParseKey(%q) = %q, %v; want %q", k, got, err, want)
		}
	}
	for _, k := range []string{"ctrl+shift+banana", "banana", "", "ctrl+i", "Enter", "alt+", "xy", "\x1b"} {
		_, err := ParseKey(k)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", k)) {
			t.Errorf("ParseKey(%q): %v, want an error naming the key", k, err)
		}
	}
}

func TestOverrideRefusesUnknownKeys(t *testing.T) {
	k := Default()
	err := k.Override(map[string][]string{"move_left": {"H", "ctrl+shift+banana"}})
	var oe *OverrideError
	if !errors.As(err, &oe) || oe.Action != "move_left" || !strings.Contains(err.Error(), `"ctrl+shift+banana"`) {
		t.Fatalf("an unknown key name: %v", err)
	}
	k = Default()
	if err := k.Override(map[string][]string{"complete": {"space", "c"}}); err != nil {
		t.Fatal(err)
	}
	if !key.Matches(press(" "), k.Complete) || k.Complete.Help().Key != "space/c" {
		t.Fatalf("complete on \"space\": help %+v", k.Complete.Help())
	}
	k = Default()
	err = k.Override(map[string][]string{"archive": {"space"}})
	if !errors.As(err, &oe) || oe.Action != "archive" || !strings.Contains(err.Error(), `"space" is bound to both archive and complete`) {
		t.Fatalf("a clash on the space bar: %v", err)
	}
}

func TestName(t *testing.T) {
	for k, want := range map[string]string{" ": "space", "alt+ ": "alt+space", "x": "x", "shift+left": "shift+left"} {
		if got := Name(k); got != want {
			t.Errorf("Name(%q) = %q, want %q", k, got, want)
		}
	}
}

// T cycles the theme; it is an action like the others: named "theme" in
// the config file, rebindable, and listed in the help screen.
func TestThemeAction(t *testing.T) {
	k := Default()
	if !key.Matches(press("T"), k.Theme) || k.Theme.Help().Desc != "theme" {
		t.Fatalf("theme by default: keys %v, help %+v", k.Theme.Keys(), k.Theme.Help())
	}
	if err := k.Override(map[string][]string{"theme": {"ctrl+t"}}); err != nil {
		t.Fatal(err)
	}
	if key.Matches(press("T"), k.Theme) || k.Theme.Help() != (key.Help{Key: "ctrl+t", Desc: "theme"}) {
		t.Fatalf("theme rebound to ctrl+t: keys %v, help %+v", k.Theme.Keys(), k.Theme.Help())
	}
	for _, g := range k.FullHelp() {
		for _, b := range g {
			if b.Help().Desc == "theme" {
				return
			}
		}
	}
	t.Fatal("the help screen does not list the theme key")
}

// The palette's list has every action once, in the help screen's order,
// and keeps a person's rebinding.
func TestListHasEveryActionOnce(t *testing.T) {
	k := Default()
	if err := k.Override(map[string][]string{"redo": {"ctrl+r"}}); err != nil {
		t.Fatal(err)
	}
	list := k.List()
	var names []string
	for _, a := range list {
		names = append(names, a.Name)
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	if !slices.Equal(sorted, ActionNames()) {
		t.Fatalf("the list names %v, want every action once: %v", names, ActionNames())
	}
	if names[0] != "left" || names[len(names)-1] != "quit" {
		t.Fatalf("the list is not in the help screen's order: %v", names)
	}
	for _, a := range list {
		switch a.Name {
		case "redo":
			if !slices.Equal(a.Binding.Keys(), []string{"ctrl+r"}) || a.Binding.Help().Desc != "redo" {
				t.Fatalf("redo in the list: %v %q", a.Binding.Keys(), a.Binding.Help().Desc)
			}
		case "editor":
			if a.Where != "details" {
				t.Fatalf("the editor works on %q, want details", a.Where)
			}
		default:
			if a.Where != "" {
				t.Fatalf("%s works on %q, want the board", a.Name, a.Where)
			}
		}
	}
}

// Every default key can be pressed as a message, which the binding
// matches; a name no key has can't.
func TestMsgIsTheKeyPressed(t *testing.T) {
	k := Default()
	for _, a := range k.List() {
		for _, kk := range a.Binding.Keys() {
			msg, ok := Msg(kk)
			if !ok || !key.Matches(msg, a.Binding) {
				t.Errorf("%s: Msg(%q) = %v (%q), %v", a.Name, kk, msg, msg.String(), ok)
			}
		}
	}
	for _, kk := range []string{"alt+x", "alt+enter", "ctrl+a", "f1", "pgup", " "} {
		if msg, ok := Msg(kk); !ok || msg.String() != kk {
			t.Errorf("Msg(%q) = %q, %v", kk, msg.String(), ok)
		}
	}
	for _, kk := range []string{"", "hyper+x", "xy"} {
		if _, ok := Msg(kk); ok {
			t.Errorf("Msg(%q) is a key", kk)
		}
	}
}
