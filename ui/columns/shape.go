package columns

import (
	"fmt"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
)

// The column menu (the Columns key, C): a line of one-letter choices under
// the board for the focused column. Its keys are the menu's own, like the
// details screen's, and shown in the prompt.
var columnMenu = []struct{ key, what string }{
	{"a", "add a column after this one"}, {"r", "rename"}, {"<", "move left"}, {">", "move right"},
	{"w", "set or clear the WIP limit"}, {"d", "make it a done column, or an open one"}, {"x", "delete (asks where its cards go)"}, {"esc", "close"},
}

// OpenColumnMenu opens the menu of the focused column, when the board may
// change its columns.
func (m Model) OpenColumnMenu() Model {
	if _, ok := m.focusedColumn(); !ok || m.ctx.RefuseReadOnly() || m.refuseReshape() {
		return m
	}
	m.mode = colMenu
	return m
}

// refuseReshape says why this board's columns and labels can't change,
// when so.
func (m *Model) refuseReshape() bool {
	return m.lacks("")
}

// lacks says (in the status line) why the server can't do f, or can't
// change columns and labels at all (f ""), and reports whether it can't.
func (m *Model) lacks(f board.Feature) bool {
	if f != "" {
		if why := m.ctx.Engine.Lacks(f); why != "" {
			m.ctx.Message = "Can't do that: " + why
			return true
		}
	}
	if why := m.ctx.Engine.CantReshape(); why != "" {
		m.ctx.Message = "Can't do that: " + why
		return true
	}
	return false
}

func (m Model) columnMenuKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	col, ok := m.focusedColumn()
	m.mode = browsing
	if !ok {
		return m, nil
	}
	s, now := m.ctx.Engine.State(), m.ctx.Now()
	switch msg.String() {
	case "a":
		return m, m.openNamed(colAdding, "name of the new column", "")
	case "r":
		return m, m.openNamed(colRenaming, "column name", safe.Line(col.Name))
	case "<", "h", "left":
		m, cmd := m.do(s.MoveColumn(col.ID, -1, now))
		m.focus = s.ColumnIndex(col.ID) - 1
		m.Follow()
		return m, cmd
	case ">", "l", "right":
		m, cmd := m.do(s.MoveColumn(col.ID, 1, now))
		m.focus = min(s.ColumnIndex(col.ID)+1, len(m.Columns())-1)
		m.Follow()
		return m, cmd
	case "w":
		if m.lacks(board.FeatureWipLimits) {
			return m, nil
		}
		cur := ""
		if col.WipLimit > 0 {
			cur = strconv.Itoa(col.WipLimit)
		}
		m.mode = colWip
		return m, m.input.Open("", 4, "cards at most (empty: no limit)", cur)
	case "d":
		m, cmd := m.do(s.ToggleColumnDone(col.ID, now))
		if m.ctx.Message == "" {
			kind := "an open column"
			if c, ok := m.ctx.Engine.State().ColumnByID(col.ID); ok && c.IsDone {
				kind = "a done column: its cards count as complete"
			}
			m.ctx.Message = fmt.Sprintf("%s is now %s", quote(col.Name), kind)
		}
		return m, cmd
	case "x", "D":
		// The rules (not the only column, nor the only done one) are
		// checked now, with where the cards would go by default.
		n, to, cols := s.CardsIn(col.ID), "", m.Columns()
		if n > 0 && len(cols) > 1 {
			to = cols[m.defaultMoveTo()].ID
		}
		if _, err := s.DeleteColumn(col.ID, to, now); err != nil {
			m.ctx.Message = "Can't do that: " + err.Error()
			return m, nil
		}
		m.mode, m.moveTo, m.holding = colDeleting, m.defaultMoveTo(), n
		return m, nil
	}
	return m, nil
}

// openNamed opens the input for a column's name.
func (m *Model) openNamed(md mode, placeholder, value string) tea.Cmd {
	m.mode = md
	return m.input.Open("Column names", board.MaxColumnName, placeholder, value)
}

// namedKey handles enter on a column's name or WIP limit.
func (m Model) columnInputDone(md mode, value string) (Model, tea.Cmd) {
	col, ok := m.focusedColumn()
	if !ok {
		return m, nil
	}
	s, now := m.ctx.Engine.State(), m.ctx.Now()
	switch md {
	case colAdding:
		if strings.TrimSpace(value) == "" {
			return m, nil
		}
		mut, err := s.AddColumn(col.ID, value, now)
		m, cmd := m.do(mut, err)
		if err == nil {
			m.FocusColumn(m.ctx.Engine.State().ColumnIndex(mut.TaskID))
			m.ctx.Message = "Added the column " + quote(*mut.Title)
		}
		return m, cmd
	case colRenaming:
		if strings.TrimSpace(value) == safe.Line(col.Name) {
			return m, nil
		}
		return m.do(s.RenameColumn(col.ID, value, now))
	case colWip:
		value = strings.TrimSpace(value)
		n := 0
		if value != "" {
			var err error
			if n, err = strconv.Atoi(value); err != nil || n < 0 {
				m.ctx.Message = fmt.Sprintf("A WIP limit is a whole number from 1 to %d; empty or 0 clears it", board.MaxWipLimit)
				return m, nil
			}
		}
		if n == col.WipLimit {
			return m, nil
		}
		m, cmd := m.do(s.SetWipLimit(col.ID, n, now))
		if m.ctx.Message == "" {
			m.ctx.Message = fmt.Sprintf("%s: no WIP limit", quote(col.Name))
			if n > 0 {
				m.ctx.Message = fmt.Sprintf("%s: at most %d cards", quote(col.Name), n)
			}
		}
		return m, cmd
	}
	return m, nil
}

// defaultMoveTo is where a deleted column's cards go unless the person
// picks another: the column to its left, or else to its right.
func (m *Model) defaultMoveTo() int {
	if m.focus > 0 {
		return m.focus - 1
	}
	return 1
}

// deleteKey handles the delete question: ←/→ pick where the cards go,
// enter (or y) deletes, anything else keeps the column.
func (m Model) deleteKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	cols := m.Columns()
	col, ok := m.focusedColumn()
	if !ok {
		m.mode = browsing
		return m, nil
	}
	step := func(d int) {
		for i := 0; i < len(cols); i++ {
			m.moveTo = (m.moveTo + d + len(cols)) % len(cols)
			if m.moveTo != m.focus {
				return
			}
		}
	}
	switch msg.String() {
	case "left", "h", "<":
		step(-1)
		return m, nil
	case "right", "l", ">":
		step(1)
		return m, nil
	case "enter", "y", "Y":
	default:
		m.mode = browsing
		m.ctx.Message = "Kept the column " + quote(col.Name)
		return m, nil
	}
	m.mode = browsing
	to := ""
	s := m.ctx.Engine.State()
	if s.CardsIn(col.ID) > 0 && m.moveTo >= 0 && m.moveTo < len(cols) {
		to = cols[m.moveTo].ID
	}
	m, cmd := m.do(s.DeleteColumn(col.ID, to, m.ctx.Now()))
	if m.ctx.Message == "" {
		m.ctx.Message = "Deleted the column " + quote(col.Name)
		if to != "" {
			target, _ := s.ColumnByID(to)
			m.ctx.Message += "; its cards are in " + quote(target.Name)
		}
		m.focus = max(0, min(m.focus, len(m.Columns())-1))
		m.selected = ""
		m.Follow()
	}
	return m, cmd
}

// shapePrompt is the status line while the column menu or one of its
// questions is open.
func (m *Model) shapePrompt() string {
	st := m.ctx.Styles
	col, _ := m.focusedColumn()
	name := quote(col.Name)
	switch m.mode {
	case colMenu:
		return "Column " + name + ": pick from the menu"
	case colAdding:
		return "New column after " + name + ": " + m.input.View()
	case colRenaming:
		return "Rename " + name + ": " + m.input.View()
	case colWip:
		return "WIP limit of " + name + ": " + m.input.View()
	case colDeleting:
		if m.holding == 0 {
			return st.StatusBad.Render("Delete the empty column " + name + "? y/N")
		}
		cols := m.Columns()
		target := "?"
		if m.moveTo >= 0 && m.moveTo < len(cols) {
			target = quote(cols[m.moveTo].Name)
		}
		return st.StatusBad.Render(fmt.Sprintf("Delete the column %s? Its cards go to %s", name, target)) +
			st.Muted.Render("  ←/→ choose  enter delete  esc keep")
	}
	return ""
}

// quote is a name from the server, cleaned and quoted for a message.
func quote(name string) string {
	return strconv.Quote(ansi.Truncate(safe.Line(name), 30, "…"))
}

// overLimit says so in the status line when the card just moved or made
// into a column takes it over its WIP limit (a soft limit: it moves).
func (m *Model) overLimit(mut board.Mutation) {
	if mut.StatusID == nil || (mut.Kind != board.KindMove && mut.Kind != board.KindCreate && mut.Kind != board.KindComplete && mut.Kind != board.KindReopen) {
		return
	}
	s := m.ctx.Engine.State()
	col, ok := s.ColumnByID(*mut.StatusID)
	if n := len(s.Column(col.ID)); ok && col.Over(n) {
		m.ctx.Message = fmt.Sprintf("%s is over its WIP limit: %d of %d", quote(col.Name), n, col.WipLimit)
	}
}

// wipCount is a column header's count: "4/3" when the column has a limit.
func wipCount(col board.Column, n int) string {
	if col.WipLimit > 0 {
		return fmt.Sprintf("%d/%d", n, col.WipLimit)
	}
	return strconv.Itoa(n)
}

// menuView draws the column menu in the middle of the board.
func (m *Model) menuView(width, height int) string {
	st := &m.ctx.Styles
	col, _ := m.focusedColumn()
	inner := min(50, max(20, width-6))
	lines := []string{st.Heading.Render(ansi.Truncate("Column "+quote(col.Name), inner, "…")), ""}
	for _, it := range columnMenu {
		lines = append(lines, ansi.Truncate(fmt.Sprintf("%-4s", it.key)+st.Muted.Render(it.what), inner, "…"))
	}
	box := st.Dialog.Width(inner + 2).Render(strings.Join(lines, "\n"))
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, box)
}
