package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
)

// Choice is a project the switcher offers.
type Choice struct {
	SpaceID, Space     string
	ProjectID, Project string
	ReadOnly           string // why this person can't change it, if so (a Viewer)
}

// label is the choice as shown: space and project names are someone
// else's text.
func (c Choice) label() string { return safe.Line(c.Space + " / " + c.Project) }

// Switcher lists the projects a person can open and opens one. The board
// calls it only from commands, never from Update.
type Switcher interface {
	Projects(ctx context.Context) ([]Choice, error)
	Open(ctx context.Context, c Choice) (*board.Engine, error)
}

type (
	choicesMsg struct {
		choices []Choice
		err     error
	}
	openedMsg struct {
		choice Choice
		e      *board.Engine
		err    error
	}
	closedMsg struct{ err error }
)

// switcher is the state of the project switcher.
type switcher struct {
	choices []Choice
	shown   []Choice
	sel     int
	loading bool
}

// openSwitcher shows the switcher and loads the projects.
func (m Model) openSwitcher() (tea.Model, tea.Cmd) {
	if m.cfg.Switcher == nil {
		m.message = "There is only this project here."
		return m, nil
	}
	m.sw = switcher{loading: true}
	focus := m.openInput(modeSwitch, "project", "")
	sw := m.cfg.Switcher
	return m, tea.Batch(focus, func() tea.Msg {
		cs, err := sw.Projects(context.Background())
		return choicesMsg{cs, err}
	})
}

// switcherMsg handles the switcher's I/O answers; ok is false for others.
func (m Model) switcherMsg(msg tea.Msg) (Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case choicesMsg:
		m.sw.loading = false
		if msg.err != nil {
			m.mode, m.message = modeBoard, "Couldn't list the projects: "+msg.err.Error()
			return m, nil, true
		}
		m.sw.choices = msg.choices
		m.sw.shown = fuzzy(msg.choices, m.input.Value())
		return m, nil, true
	case openedMsg:
		if msg.err != nil {
			m.message = fmt.Sprintf("Couldn't open %s: %v", msg.choice.label(), msg.err)
			return m, nil, true
		}
		old := m.e
		m.e = msg.e
		m.cfg.SpaceName, m.cfg.ProjectID, m.cfg.Project = msg.choice.Space, msg.choice.ProjectID, msg.choice.Project
		m.cfg.ReadOnly = msg.choice.ReadOnly
		m.selected, m.focus, m.filter, m.filterTx = "", 0, board.Filter{}, ""
		m.refreshWait, m.refusals = false, m.e.Refusals()
		m.remember, m.top = map[string]string{}, map[string]int{}
		m.message = "Opened " + msg.choice.label()
		m.follow()
		return m, tea.Batch(wrap(append(m.e.Start(), m.e.Live())), func() tea.Msg { return closedMsg{old.Close()} }), true
	case closedMsg:
		if msg.err != nil {
			m.message = "The previous board did not close cleanly: " + msg.err.Error()
		}
		return m, nil, true
	}
	return m, nil, false
}

// switcherKey handles a key in the switcher.
func (m Model) switcherKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.mode = modeBoard
		m.input.Blur()
		return m, nil
	case "up", "ctrl+p", "ctrl+k":
		m.sw.sel = max(0, m.sw.sel-1)
		return m, nil
	case "down", "ctrl+n", "ctrl+j":
		m.sw.sel = max(0, min(len(m.sw.shown)-1, m.sw.sel+1))
		return m, nil
	case "enter":
		if m.sw.sel >= len(m.sw.shown) {
			return m, nil
		}
		c := m.sw.shown[m.sw.sel]
		m.mode = modeBoard
		m.input.Blur()
		if c.ProjectID == m.cfg.ProjectID {
			return m, nil
		}
		m.message = "Opening " + c.label() + "…"
		sw := m.cfg.Switcher
		return m, func() tea.Msg {
			e, err := sw.Open(context.Background(), c)
			return openedMsg{c, e, err}
		}
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.sw.shown, m.sw.sel = fuzzy(m.sw.choices, m.input.Value()), 0
	return m, cmd
}

// fuzzy keeps the choices whose label holds the query's letters in order,
// best first: a closer match (fewer gaps, earlier start) ranks higher.
func fuzzy(choices []Choice, query string) []Choice {
	q := []rune(strings.ToLower(strings.TrimSpace(query)))
	type scored struct {
		c     Choice
		score int
	}
	var out []scored
	for _, c := range choices {
		label := []rune(strings.ToLower(c.label()))
		qi, score, last := 0, 0, -1
		for i, r := range label {
			if qi < len(q) && r == q[qi] {
				if last >= 0 {
					score += i - last - 1 // gaps cost
				} else {
					score += i // so does a late start
				}
				if i > 0 && !unicode.IsLetter(label[i-1]) {
					score -= 2 // word starts are worth more
				}
				last = i
				qi++
			}
		}
		if qi == len(q) {
			out = append(out, scored{c, score})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score < out[j].score })
	res := make([]Choice, len(out))
	for i, s := range out {
		res[i] = s.c
	}
	return res
}

// switcherView draws the switcher over the status line.
func (m Model) switcherView() string {
	var b strings.Builder
	b.WriteString(m.st.Heading.Render("Open a project") + "\n\n" + m.input.View() + "\n\n")
	switch {
	case m.sw.loading:
		b.WriteString(m.st.Muted.Render("Loading…"))
	case len(m.sw.shown) == 0:
		b.WriteString(m.st.Muted.Render("No project matches."))
	}
	rows := max(3, m.height-10)
	start := max(0, min(m.sw.sel-rows+1, len(m.sw.shown)-rows))
	for i := start; i < min(len(m.sw.shown), start+rows); i++ {
		c := m.sw.shown[i]
		line := ansi.Truncate(c.label(), max(10, m.width-12), "…")
		if c.ProjectID == m.cfg.ProjectID {
			line += m.st.Muted.Render("  (open)")
		}
		if i == m.sw.sel {
			b.WriteString(m.st.CardSelected.Render(line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	b.WriteString("\n" + m.st.Muted.Render("type to filter · ↑/↓ choose · enter open · esc back"))
	return m.st.Dialog.Width(max(30, min(m.width-2, 80))).Render(b.String()) + "\n" + m.statusLine()
}
