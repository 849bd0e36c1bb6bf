package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
)

// View draws the screen in front, and under it the status line (and on
// the board, the help line).
func (m Model) View() string {
	if m.quitting {
		return ""
	}
	switch m.mode {
	case modeHelp:
		return m.help.View()
	case modeDetails:
		// A card gone while its details were open leaves the board.
		if v := m.details.View(); v != "" {
			return lipgloss.JoinVertical(lipgloss.Left, v, m.statusLine())
		}
	case modeSwitch:
		return m.switcher.View() + "\n" + m.statusLine()
	case modePalette:
		return m.palette.View() + "\n" + m.statusLine()
	case modeSearch:
		return m.search.View() + "\n" + m.statusLine()
	case modeStandup:
		return lipgloss.JoinVertical(lipgloss.Left, m.standup.View(), m.statusLine())
	}
	status, help := m.statusLine(), m.drawHelpLine()
	if m.board.Empty() {
		return lipgloss.JoinVertical(lipgloss.Left, m.board.View(0), status, help)
	}
	sw, hw := lipgloss.Width(status), lipgloss.Width(help)
	full := max(m.board.Width(), sw, hw)
	var b strings.Builder
	b.WriteString(m.board.View(full))
	b.WriteString(status + strings.Repeat(" ", full-sw) + "\n")
	b.WriteString(help + strings.Repeat(" ", full-hw))
	return b.String()
}

// statusLine is the space and project, how the board stands with the
// server, and the last message (or what the board is asking).
func (m *Model) statusLine() string {
	st, e := &m.ctx.Styles, m.ctx.Engine
	where := safe.Line(m.ctx.SpaceName + " / " + m.ctx.Project)
	s := e.Status()
	var sync string
	switch {
	case s.State == board.Unavailable:
		sync = st.StatusBad.Render("✗ not loaded")
	case s.State == board.Synced && !s.Fresh:
		// Only the cache so far: nothing says it is what the server holds.
		sync = st.StatusWarn.Render("⟳ loading")
	case s.State == board.Synced && s.Polling && !s.SyncedAt.IsZero():
		// No live feed: say how fresh the board is.
		sync = st.StatusOK.Render("● synced " + s.SyncedAt.Format("15:04"))
	case s.State == board.Synced:
		sync = st.StatusOK.Render("● synced")
	case s.State == board.Syncing:
		sync = st.StatusWarn.Render(fmt.Sprintf("⟳ syncing %d", s.Waiting))
	case s.State == board.Offline:
		sync = st.StatusBad.Render(fmt.Sprintf("✗ offline · %d waiting", s.Waiting))
	case s.State == board.TokenRefused:
		sync = st.StatusBad.Render(fmt.Sprintf("✗ token refused · %d waiting", s.Waiting))
	case s.State == board.Waiting:
		sync = st.StatusWarn.Render(fmt.Sprintf("… rate limited · %d waiting", s.Waiting))
	}
	msg, asking := m.board.Prompt()
	if !asking {
		// Messages quote titles and the server's sentences.
		msg = st.Message.Render(safe.Line(m.ctx.Message))
	}
	left := st.Heading.Render(where) + "  " + sync + "  "
	if m.ctx.ReadOnly != "" {
		left += st.StatusWarn.Render("read-only") + "  "
	}
	return st.StatusBar.Render(left + ansi.Truncate(msg, max(0, m.ctx.Width-lipgloss.Width(left)-2), "…"))
}

// drawHelpLine is the one-line help under the board, drawn once per width.
func (m *Model) drawHelpLine() string {
	if h, ok := m.helpLine[m.ctx.Width]; ok {
		return h
	}
	st := &m.ctx.Styles
	var parts []string
	for _, b := range m.ctx.Keys.ShortHelp() {
		h := b.Help()
		parts = append(parts, h.Key+" "+st.Muted.Render(h.Desc))
	}
	h := st.StatusBar.Render(ansi.Truncate(strings.Join(parts, "  "), max(0, m.ctx.Width-2), "…"))
	m.helpLine[m.ctx.Width] = h
	return h
}
