package columns

import (
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/ui/common"
)

// picker is the label picker of one card (the Labels key, t): the
// project's labels narrowed by what is typed, space or tab puts the one
// under the cursor on the card or takes it off, and enter on a name no
// label has makes that label and puts it on.
type picker struct {
	card   string
	cursor int
}

// labelColors are the colours new labels get, in turn.
var labelColors = [...]string{"#e11d48", "#2563eb", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d"}

// OpenLabels opens the label picker on the selected card.
func (m Model) OpenLabels() (Model, tea.Cmd) {
	if m.selected == "" || m.ctx.RefuseReadOnly() || m.refuseReshape() || m.lacks(board.FeatureLabels) {
		return m, nil
	}
	m.mode, m.picker = labelPicking, picker{card: m.selected}
	return m, m.input.Open("Label names", board.MaxLabelName, "type to find or name a new label", "")
}

// pickerLabels is the project's labels the query finds, best first.
func (m *Model) pickerLabels() []board.Label {
	all := m.ctx.Engine.State().Labels()
	cands := make([]common.Fuzzy, len(all))
	for i, l := range all {
		cands[i] = common.NewFuzzy(safe.Line(l.Name))
	}
	found := common.FuzzyFilter(cands, m.input.Value())
	out := make([]board.Label, len(found))
	for i, k := range found {
		out[i] = all[k]
	}
	return out
}

func (m Model) pickerKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	ls := m.pickerLabels()
	s, now := m.ctx.Engine.State(), m.ctx.Now()
	toggle := func() (Model, tea.Cmd) {
		if m.picker.cursor >= len(ls) {
			return m, nil
		}
		return m.do(s.ToggleLabel(m.picker.card, ls[m.picker.cursor].ID, now))
	}
	switch msg.String() {
	case "esc":
		m.mode = browsing
		m.input.Blur()
		return m, nil
	case "up", "ctrl+p":
		m.picker.cursor = max(0, m.picker.cursor-1)
		return m, nil
	case "down", "ctrl+n":
		m.picker.cursor = max(0, min(len(ls)-1, m.picker.cursor+1))
		return m, nil
	case "tab":
		return toggle()
	case " ":
		if strings.TrimSpace(m.input.Value()) == "" {
			return toggle()
		}
	case "enter":
		name := strings.TrimSpace(m.input.Value())
		m.mode = browsing
		m.input.Blur()
		if name == "" {
			return m, nil
		}
		if l, ok := s.LabelNamed(name); ok {
			return m.do(s.ToggleLabel(m.picker.card, l.ID, now))
		}
		color := labelColors[len(s.Labels())%len(labelColors)]
		add, err := s.NewLabel(m.ctx.ProjectID, name, color, now)
		cmd1, ok := m.ctx.Do(add, err)
		if !ok {
			return m, nil
		}
		m, cmd2 := m.do(m.ctx.Engine.State().ToggleLabel(m.picker.card, add.TaskID, now))
		if m.ctx.Message == "" {
			m.ctx.Message = "Made the label " + quote(name)
		}
		return m, tea.Batch(cmd1, cmd2)
	}
	cmd := m.input.Type(msg, m.ctx)
	m.picker.cursor = 0
	return m, cmd
}

// pickerView draws the label picker in the middle of the board.
func (m *Model) pickerView(width, height int) string {
	st := &m.ctx.Styles
	s := m.ctx.Engine.State()
	card, _ := s.Card(m.picker.card)
	title := ""
	if card != nil {
		title = card.Title
	}
	inner := min(44, max(20, width-6))
	lines := []string{st.Heading.Render(ansi.Truncate("Labels of "+safe.Line(title), inner, "…")), ""}
	ls := m.pickerLabels()
	rows := max(1, height-10)
	first := max(0, min(m.picker.cursor-rows+1, len(ls)-rows))
	for i := first; i < len(ls) && i < first+rows; i++ {
		l := ls[i]
		mark := "[ ]"
		if card != nil && card.HasLabel(l.ID) {
			mark = "[x]"
		}
		line := mark + " " + m.labelTag(l, inner-4)
		if i == m.picker.cursor {
			line = st.CardSelected.Render(line)
		} else {
			line = "  " + line // where the selected row has its bar
		}
		lines = append(lines, line)
	}
	q := strings.TrimSpace(m.input.Value())
	if len(ls) == 0 && q == "" {
		lines = append(lines, st.Muted.Render("No labels yet: type a name, then enter"))
	}
	lines = append(lines, "")
	if _, exact := s.LabelNamed(q); q != "" && !exact {
		lines = append(lines, st.Muted.Render(ansi.Truncate(fmt.Sprintf("enter: make the label %q", safe.Line(q)), inner, "…")))
	}
	lines = append(lines, st.Muted.Render("space/tab put on or take off · ↑/↓ · esc"))
	box := st.Dialog.Width(inner + 2).Render(strings.Join(lines, "\n"))
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, box)
}

// labelTag is a label as cards show it, #name in its colour, at most
// width cells.
func (m *Model) labelTag(l board.Label, width int) string {
	text := ansi.Truncate("#"+safe.Line(l.Name), max(2, width), "…")
	st := m.ctx.Styles.Meta
	if board.IsColor(l.Color) { // anything else from a server is ignored
		st = m.ctx.Renderer.NewStyle().Foreground(lipgloss.Color(l.Color))
	}
	return st.Render(text)
}

// labelsChanged forgets drawn cards when the project's labels changed
// (renamed, recoloured, new): cards show them.
func (m *Model) labelsChanged() {
	ls := m.ctx.Engine.State().Labels()
	if !slices.Equal(ls, m.cache.labels) {
		m.cache.labels = ls
		clear(m.cache.cards)
	}
}
