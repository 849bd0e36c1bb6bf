package keymap

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// Action is one action of the keymap as the command palette lists it.
type Action struct {
	Name    string      // as the config file names it
	Binding key.Binding // its keys and one-line help
	// Where is the screen the action works on when it is not the board:
	// "details" for the description in $EDITOR; "" for the board.
	Where string
}

// WhereDetails is Action.Where of an action of a card's details screen.
const WhereDetails = "details"

// List is every action in force, in the help screen's order (FullHelp),
// each with its config name; an action the help screen leaves out comes
// after, by name. The keymap is the one source of what the board can do,
// for the help screen and the command palette alike.
func (k *KeyMap) List() []Action {
	actions := k.Actions()
	byDesc := make(map[string]string, len(actions))
	for name, b := range actions {
		byDesc[b.Help().Desc] = name
	}
	var out []Action
	seen := map[string]bool{}
	add := func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		a := Action{Name: name, Binding: *actions[name]}
		if name == "editor" {
			a.Where = WhereDetails
		}
		out = append(out, a)
	}
	for _, group := range k.FullHelp() {
		for _, b := range group {
			if name, ok := byDesc[b.Help().Desc]; ok {
				add(name)
			}
		}
	}
	rest := make([]string, 0, len(actions))
	for name := range actions {
		rest = append(rest, name)
	}
	sort.Strings(rest)
	for _, name := range rest {
		add(name)
	}
	return out
}

// Msg is the key press Bubble Tea reports for the key k (as a binding
// names it: "x", " ", "enter", "ctrl+k", "alt+left"), so an action can be
// run as though its key were pressed. ok is false for a name no key
// press has.
func Msg(k string) (msg tea.KeyMsg, ok bool) {
	rest, alt := strings.CutPrefix(k, "alt+")
	if r, n := utf8.DecodeRuneInString(rest); n == len(rest) && n > 0 && r != utf8.RuneError {
		msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: alt}
		if r == ' ' {
			msg.Type = tea.KeySpace
		}
		return msg, msg.String() == k
	}
	for t := tea.KeyF20; t <= 127; t++ {
		if rest != "" && t != tea.KeyRunes && t != tea.KeySpace && t.String() == rest {
			msg = tea.KeyMsg{Type: t, Alt: alt}
			return msg, msg.String() == k
		}
	}
	return tea.KeyMsg{}, false
}
