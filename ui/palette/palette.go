// Package palette is the command palette: every action of the keymap by
// its help, its config name and its keys, narrowed as the person types,
// the one chosen run as though its key were pressed.
package palette

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/ui/common"
)

// queryLimit bounds what the filter holds, in characters.
const queryLimit = 100

// The palette's own keys, fixed: letters are the filter's.
var paletteKeys = struct{ Up, Down, Run, Close key.Binding }{
	Up:    key.NewBinding(key.WithKeys("up", "ctrl+p", "shift+tab")),
	Down:  key.NewBinding(key.WithKeys("down", "ctrl+n", "tab")),
	Run:   key.NewBinding(key.WithKeys("enter")),
	Close: key.NewBinding(key.WithKeys("esc")),
}

// entry is an action as listed: the filter's view of it and what is drawn.
type entry struct {
	action keymap.Action
	cand   common.Fuzzy
	desc   string // cleaned for drawing
	keys   string
}

// Model is the command palette.
type Model struct {
	ctx    *common.Context
	input  common.Input
	all    []entry
	shown  []int // indexes into all, best match first
	cursor int   // index into shown
	closed bool  // the last Update closed the palette
	chosen *keymap.Action
}

// NewCandidate is the filter's view of an action described by its help
// text, config name ("move_left", read as "move left") and keys.
func NewCandidate(desc, name string, keys []string) common.Fuzzy {
	return common.NewFuzzy(desc + "  " + strings.ReplaceAll(name, "_", " ") + "  " + strings.Join(keys, " "))
}

// New is the palette over ctx's keys, closed until Open.
func New(ctx *common.Context) Model { return Model{ctx: ctx, input: common.NewInput()} }

// Open lists every action of the keymap in force, the filter empty.
func (m Model) Open() (Model, tea.Cmd) {
	m = Model{ctx: m.ctx, input: m.input}
	for _, a := range m.ctx.Keys.List() {
		h := a.Binding.Help()
		m.all = append(m.all, entry{action: a, cand: NewCandidate(h.Desc, a.Name, a.Binding.Keys()),
			desc: safe.Line(h.Desc), keys: safe.Line(h.Key)})
	}
	m.refilter()
	return m, m.input.Open("", queryLimit, "type to narrow the actions", "")
}

// Closed is whether the last Update closed the palette.
func (m *Model) Closed() bool { return m.closed }

// Chosen is the action the person ran, once the palette has closed on it.
func (m *Model) Chosen() (keymap.Action, bool) {
	if m.chosen == nil {
		return keymap.Action{}, false
	}
	return *m.chosen, true
}

// Query is what the filter holds.
func (m *Model) Query() string { return m.input.Value() }

// Update handles a key: letters narrow the list, up and down choose,
// enter runs the action chosen and esc closes.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	m.closed, m.chosen = false, nil
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, paletteKeys.Close),
		k.Type != tea.KeyRunes && key.Matches(k, m.ctx.Keys.Palette):
		m.closed = true
		m.input.Blur()
		return m, nil
	case key.Matches(k, paletteKeys.Run):
		if len(m.shown) == 0 {
			return m, nil
		}
		a := m.all[m.shown[m.cursor]].action
		m.closed, m.chosen = true, &a
		m.input.Blur()
		return m, nil
	case key.Matches(k, paletteKeys.Up):
		m.cursor = max(0, m.cursor-1)
		return m, nil
	case key.Matches(k, paletteKeys.Down):
		m.cursor = max(0, min(len(m.shown)-1, m.cursor+1))
		return m, nil
	}
	before := m.input.Value()
	cmd := m.input.Type(k, m.ctx)
	if m.input.Value() != before {
		m.refilter()
	}
	return m, cmd
}

// refilter lists the actions the filter matches, the best chosen.
func (m *Model) refilter() {
	cands := make([]common.Fuzzy, len(m.all))
	for i := range m.all {
		cands[i] = m.all[i].cand
	}
	m.shown, m.cursor = common.FuzzyFilter(cands, m.input.Value()), 0
}

// View draws the palette in the middle of the screen, one line left
// under it for the status line.
func (m Model) View() string {
	st := &m.ctx.Styles
	width, height := m.ctx.Width, max(1, m.ctx.Height-1)
	w := max(30, min(width-st.Dialog.GetHorizontalFrameSize()-2, 70))
	rows := max(3, min(len(m.all), height-9))
	dw, kw := 0, 0
	for _, e := range m.all {
		dw, kw = max(dw, lipgloss.Width(e.desc)), max(kw, lipgloss.Width(e.keys))
	}
	var b strings.Builder
	b.WriteString(st.Heading.Render("Command palette") + "\n\n")
	b.WriteString(ansi.Truncate(m.input.View(), w, "…") + "\n\n")
	if len(m.shown) == 0 {
		b.WriteString(st.Muted.Render(ansi.Truncate("No action matches "+safe.Line(m.input.Value()), w, "…")) + "\n")
	}
	top := max(0, m.cursor-rows+1)
	for i := top; i < len(m.shown) && i < top+rows; i++ {
		e := m.all[m.shown[i]]
		line := pad(e.desc, dw) + "  " + st.Muted.Render(pad(e.keys, kw))
		if e.action.Where != "" {
			line += "  " + st.Muted.Render("on "+e.action.Where)
		}
		line = ansi.Truncate(line, w-2, "…")
		if i == m.cursor {
			b.WriteString(st.CardSelected.Render(line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	more := ""
	if n := len(m.shown); n > rows {
		more = fmt.Sprintf(" · %d/%d", min(top+rows, n), n)
	}
	b.WriteString("\n" + st.Muted.Render("enter runs · ↑/↓ choose · esc closes"+more))
	dialog := st.Dialog.Width(w + st.Dialog.GetHorizontalPadding()).Render(b.String())
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, dialog)
}

func pad(s string, w int) string { return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s))) }
