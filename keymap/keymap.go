// Package keymap holds every key binding of the board, with its help text,
// and applies the person's overrides from the config file. Views never
// compare raw key strings; they ask the KeyMap in force.
package keymap

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// KeyMap is the board's bindings. Build it with Default, then Override.
type KeyMap struct {
	Left, Right, Up, Down, Top, Bottom    key.Binding
	MoveLeft, MoveRight, MoveUp, MoveDown key.Binding
	Complete, Archive, Undo, Redo         key.Binding
	PriorityUp, PriorityDown              key.Binding
	New, Edit, Details, Delete            key.Binding
	Filter, Projects, Standup, Refresh    key.Binding
	Theme, Help, Quit                     key.Binding
	// Columns opens the column menu, Labels the focused card's label
	// picker, View cycles columns → swimlanes by assignee, priority and
	// label, Palette the command palette, Editor the description in
	// $EDITOR (on the details screen), Search the search of every
	// project on the server (the filter, /, narrows the open board).
	Columns, Labels, View, Palette, Editor, Search key.Binding
}

// Default is the bindings lanes ships with: vim keys and arrows both.
func Default() KeyMap {
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(strings.Join(keys, "/"), help))
	}
	return KeyMap{
		Left:         b("column left", "h", "left"),
		Right:        b("column right", "l", "right"),
		Up:           b("card up", "k", "up"),
		Down:         b("card down", "j", "down"),
		Top:          b("first card", "g", "home"),
		Bottom:       b("last card", "G", "end"),
		MoveLeft:     b("move card left", "H", "shift+left"),
		MoveRight:    b("move card right", "L", "shift+right"),
		MoveUp:       b("move card up", "K", "shift+up"),
		MoveDown:     b("move card down", "J", "shift+down"),
		Complete:     key.NewBinding(key.WithKeys(" ", "x"), key.WithHelp("space/x", "complete / reopen")),
		Archive:      b("archive", "a"),
		Undo:         b("undo", "u"),
		Redo:         b("redo", "U"),
		PriorityUp:   b("raise priority", "+", "="),
		PriorityDown: b("lower priority", "-"),
		New:          b("new card", "n"),
		Edit:         b("edit title", "e"),
		Details:      b("details", "enter"),
		Delete:       b("delete", "D"),
		Filter:       b("filter", "/"),
		Projects:     b("switch project", "p"),
		Standup:      b("standup", "s"),
		Refresh:      b("refresh", "r"),
		Theme:        b("theme", "T"),
		Help:         b("help", "?"),
		Quit:         b("quit", "q", "ctrl+c"),
		Columns:      b("column menu", "C"),
		Labels:       b("labels", "t"),
		View:         b("cycle view", "v"),
		Palette:      b("command palette", ":", "ctrl+k"),
		Editor:       b("description in $EDITOR", "E"),
		Search:       b("search all projects", "F"),
	}
}

// Actions are the bindings by the names the config file uses.
func (k *KeyMap) Actions() map[string]*key.Binding {
	return map[string]*key.Binding{
		"left": &k.Left, "right": &k.Right, "up": &k.Up, "down": &k.Down, "top": &k.Top, "bottom": &k.Bottom,
		"move_left": &k.MoveLeft, "move_right": &k.MoveRight, "move_up": &k.MoveUp, "move_down": &k.MoveDown,
		"complete": &k.Complete, "archive": &k.Archive, "undo": &k.Undo, "redo": &k.Redo,
		"priority_up": &k.PriorityUp, "priority_down": &k.PriorityDown,
		"new": &k.New, "edit": &k.Edit, "details": &k.Details, "delete": &k.Delete,
		"filter": &k.Filter, "projects": &k.Projects, "standup": &k.Standup, "refresh": &k.Refresh,
		"theme": &k.Theme, "help": &k.Help, "quit": &k.Quit,
		"columns": &k.Columns, "labels": &k.Labels, "view": &k.View, "palette": &k.Palette, "editor": &k.Editor,
		"search_all": &k.Search,
	}
}

// Override rebinds actions (by config name) to new keys, keeping each
// action's help text. An unknown action, an empty key list, a key no
// terminal can send, or two actions on one key is an *OverrideError naming
// the action.
func (k *KeyMap) Override(overrides map[string][]string) error {
	actions := k.Actions()
	names := make([]string, 0, len(overrides))
	for name := range overrides {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b, ok := actions[name]
		if !ok {
			return &OverrideError{name, fmt.Errorf("no such action (the actions: %s)", strings.Join(ActionNames(), ", "))}
		}
		keys, err := ParseKeys(overrides[name])
		if err != nil {
			return &OverrideError{name, err}
		}
		*b = key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKeys(keys), b.Help().Desc))
	}
	owner := map[string]string{}
	for _, name := range ActionNames() {
		for _, kk := range actions[name].Keys() {
			if other, taken := owner[kk]; taken {
				// Blame the action the person rebound, not the default
				// it ran into.
				blame := name
				if _, rebound := overrides[name]; !rebound {
					blame = other
				}
				return &OverrideError{blame, fmt.Errorf("%q is bound to both %s and %s", Name(kk), other, name)}
			}
			owner[kk] = name
		}
	}
	return nil
}

// An OverrideError is a key override that can't be applied.
type OverrideError struct {
	Action string // as the config file names it
	Err    error
}

func (e *OverrideError) Error() string { return e.Action + ": " + e.Err.Error() }
func (e *OverrideError) Unwrap() error { return e.Err }

// ParseKeys is the keys of one action as Bubble Tea names them (see
// ParseKey); at least one.
func ParseKeys(keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, errors.New("needs at least one key")
	}
	out := make([]string, len(keys))
	for i, kk := range keys {
		var err error
		if out[i], err = ParseKey(kk); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ParseKey is the key named k as Bubble Tea reports it when pressed: a
// single printable character, one of Bubble Tea's key names (enter, tab,
// ctrl+a, shift+left, pgup, f1, …) or "space", each also with "alt+" in
// front. A binding to any other name could never fire, so it is an error
// that names the key.
func ParseKey(k string) (string, error) {
	rest, _ := strings.CutPrefix(k, "alt+")
	if rest == "space" {
		return strings.TrimSuffix(k, "space") + " ", nil
	}
	if r, n := utf8.DecodeRuneInString(rest); n == len(rest) && r != utf8.RuneError && unicode.IsPrint(r) {
		return k, nil
	}
	for t := tea.KeyF20; t <= 127; t++ {
		if t != tea.KeyRunes && t.String() == rest && rest != "" {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown key %q: a key is one character (like \"x\" or \"<\"), space, or a name like enter, tab, esc, ctrl+a, shift+left, pgup or f1, with alt+ in front if wanted", k)
}

// Name is how a key is shown to people: the space bar as "space".
func Name(k string) string {
	if rest, ok := strings.CutSuffix(k, " "); ok && (rest == "" || rest == "alt+") {
		return rest + "space"
	}
	return k
}

func helpKeys(keys []string) string {
	shown := make([]string, len(keys))
	for i, k := range keys {
		shown[i] = Name(k)
	}
	return strings.Join(shown, "/")
}

// ActionNames lists the actions the config file can rebind, sorted.
func ActionNames() []string {
	var k KeyMap
	var names []string
	for name := range k.Actions() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// ShortHelp is the one-line help under the board.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Left, k.Down, k.MoveRight, k.Complete, k.New, k.Details, k.Filter, k.Help, k.Quit}
}

// FullHelp is the help screen, in groups.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Left, k.Right, k.Up, k.Down, k.Top, k.Bottom},
		{k.MoveLeft, k.MoveRight, k.MoveUp, k.MoveDown, k.Complete, k.Archive, k.Undo, k.Redo},
		{k.PriorityUp, k.PriorityDown, k.New, k.Edit, k.Details, k.Delete, k.Labels, k.Editor},
		{k.Filter, k.Search, k.View, k.Columns, k.Palette, k.Projects, k.Standup, k.Refresh, k.Theme, k.Help, k.Quit},
	}
}
