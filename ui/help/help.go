// Package help is the help screen: every key binding in force, the
// person's overrides included, and how the filter reads. Typing narrows
// the bindings shown.
package help

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/ui/common"
)

// filterLimit bounds what the filter holds, in characters.
const filterLimit = 100

// Model is the help screen.
type Model struct {
	ctx    *common.Context
	closed bool   // the last Update went back to the board
	filter string // what was typed: the bindings shown must match it
}

// New is the help screen over ctx's keys.
func New(ctx *common.Context) Model { return Model{ctx: ctx} }

// Closed is whether the last Update went back to the board.
func (m *Model) Closed() bool { return m.closed }

// Filter is what was typed to narrow the bindings.
func (m *Model) Filter() string { return m.filter }

// Update narrows the bindings shown to those matching what is typed
// (backspace takes a letter back). Esc clears what was typed, or with
// nothing typed goes back to the board, as enter does, and as the help
// key does before anything is typed.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	m.closed = false
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case k.Type == tea.KeyEsc && m.filter != "":
		m.filter = ""
	case k.Type == tea.KeyEsc, k.Type == tea.KeyEnter,
		m.filter == "" && key.Matches(k, m.ctx.Keys.Help):
		m.closed, m.filter = true, ""
	case k.Type == tea.KeyBackspace:
		if _, n := utf8.DecodeLastRuneInString(m.filter); n > 0 {
			m.filter = m.filter[:len(m.filter)-n]
		}
	case k.Type == tea.KeyCtrlU:
		m.filter = ""
	case (k.Type == tea.KeyRunes || k.Type == tea.KeySpace) && !k.Alt:
		typed := safe.Line(string(k.Runes)) // a paste may hold anything
		if k.Type == tea.KeySpace {
			typed = " "
		}
		if room := filterLimit - utf8.RuneCountInString(m.filter); room > 0 {
			if r := []rune(typed); len(r) > room {
				typed = string(r[:room])
			}
			m.filter += typed
		}
	}
	return m, nil
}

// matches is whether a binding's keys and help have every word of the
// filter in them, in any case.
func matches(words []string, keys, desc string) bool {
	text := strings.ToLower(keys + " " + desc)
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// View lists every binding in force that matches the filter, in the
// keymap's groups, as many side by side as the terminal has room for.
func (m Model) View() string {
	st, width, height := &m.ctx.Styles, m.ctx.Width, m.ctx.Height
	words := strings.Fields(strings.ToLower(m.filter))
	var cols []string
	for _, group := range m.ctx.Keys.FullHelp() {
		var lines []string
		for _, b := range group {
			h := b.Help()
			if matches(words, h.Key, h.Desc) {
				lines = append(lines, fmt.Sprintf("%-14s %s", h.Key, st.Muted.Render(h.Desc)))
			}
		}
		if len(lines) > 0 {
			cols = append(cols, lipgloss.NewStyle().MarginRight(4).Render(strings.Join(lines, "\n")))
		}
	}
	room := max(20, width-st.Dialog.GetHorizontalFrameSize())
	var rows []string
	for len(cols) > 0 {
		n := 1
		for n < len(cols) && lipgloss.Width(lipgloss.JoinHorizontal(lipgloss.Top, cols[:n+1]...)) <= room {
			n++
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cols[:n]...))
		cols = cols[n:]
	}
	w := 0
	for _, r := range rows {
		w = max(w, lipgloss.Width(r))
	}
	w = min(room, max(w, 40))
	typed := st.Muted.Render("Type to narrow the keys.")
	if m.filter != "" {
		typed = "Keys matching: " + ansi.Truncate(m.filter, max(0, w-16), "…") + "▏"
	}
	body := st.Heading.Render("lanes · keys") + "\n" + typed + "\n\n"
	if len(rows) == 0 {
		body += st.Muted.Render("No key matches that.")
	} else {
		body += strings.Join(rows, "\n\n")
	}
	if len(words) == 0 {
		body += "\n\n" + st.Muted.Width(w).Render("Filter: words match titles; @name an assignee; !high a priority; due:overdue open cards past due.")
	}
	back := "Esc goes back."
	if m.filter != "" {
		back = "Esc clears what was typed."
	}
	body += "\n\n" + st.Muted.Render(back)
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, st.Dialog.Render(body))
}
