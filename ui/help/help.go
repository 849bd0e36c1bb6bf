// Package help is the help screen: every key binding in force, the
// person's overrides included, and how the filter reads.
package help

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lanesboard/lanes/ui/common"
)

// Model is the help screen.
type Model struct {
	ctx    *common.Context
	closed bool // the last Update went back to the board
}

// New is the help screen over ctx's keys.
func New(ctx *common.Context) Model { return Model{ctx: ctx} }

// Closed is whether the last Update went back to the board.
func (m *Model) Closed() bool { return m.closed }

// Update goes back to the board on any key.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	_, m.closed = msg.(tea.KeyMsg)
	return m, nil
}

// View lists every binding in force, in the keymap's groups, as many
// side by side as the terminal has room for.
func (m Model) View() string {
	st, width, height := &m.ctx.Styles, m.ctx.Width, m.ctx.Height
	var cols []string
	for _, group := range m.ctx.Keys.FullHelp() {
		var lines []string
		for _, b := range group {
			h := b.Help()
			lines = append(lines, fmt.Sprintf("%-14s %s", h.Key, st.Muted.Render(h.Desc)))
		}
		cols = append(cols, lipgloss.NewStyle().MarginRight(4).Render(strings.Join(lines, "\n")))
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
	filterHelp := st.Muted.Width(min(room, max(w, 40))).Render("Filter: words match titles; @name an assignee; !high a priority; due:overdue open cards past due.")
	body := st.Heading.Render("lanes · keys") + "\n\n" + strings.Join(rows, "\n\n") + "\n\n" + filterHelp + "\n\n" + st.Muted.Render("Press any key to go back.")
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, st.Dialog.Render(body))
}
