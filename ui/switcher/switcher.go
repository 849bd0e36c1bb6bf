// Package switcher is the project switcher: the projects a person can
// open, narrowed as they type, and the one they choose opened.
package switcher

import (
	"context"
	"sort"
	"strings"
	"unicode"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/ui/common"
)

// Choice is a project the switcher offers.
type Choice struct {
	SpaceID, Space     string
	ProjectID, Project string
	ReadOnly           string // why this person can't change it, if so (a Viewer)
}

// Label is the choice as shown: space and project names are someone
// else's text.
func (c Choice) Label() string { return safe.Line(c.Space + " / " + c.Project) }

// Source lists the projects a person can open and opens one. The board
// calls it only from commands, never from Update.
type Source interface {
	Projects(ctx context.Context) ([]Choice, error)
	Open(ctx context.Context, c Choice) (*board.Engine, error)
}

// ChoicesMsg is the projects the source listed, or why it could not.
type ChoicesMsg struct {
	Choices []Choice
	Err     error
}

// OpenedMsg is the project chosen, opened (Engine) or not (Err). Its
// engine is the caller's to put in front and start.
type OpenedMsg struct {
	Choice Choice
	Engine *board.Engine
	Err    error
}

// Model is the project switcher.
type Model struct {
	ctx     *common.Context
	src     Source
	input   textinput.Model
	choices []Choice
	shown   []Choice
	sel     int
	loading bool
	closed  bool // the last Update went back to the board
}

// New is the switcher over src (nil: there is only this project).
func New(ctx *common.Context, src Source) Model {
	in := textinput.New()
	in.CharLimit = common.TitleLimit
	in.Placeholder = "project"
	return Model{ctx: ctx, src: src, input: in}
}

// Open shows the switcher and loads the projects; ok is false, and the
// message says why, when there is nothing to switch to.
func (m Model) Open() (_ Model, _ tea.Cmd, ok bool) {
	if m.src == nil {
		m.ctx.Message = "There is only this project here."
		return m, nil, false
	}
	m.choices, m.shown, m.sel, m.loading, m.closed = nil, nil, 0, true, false
	m.input.SetValue("")
	m.input.CursorEnd()
	focus := m.input.Focus()
	src := m.src
	return m, tea.Batch(focus, func() tea.Msg {
		cs, err := src.Projects(context.Background())
		return ChoicesMsg{cs, err}
	}), true
}

// OpenChoice opens the project c as enter in the switcher does (the
// project search opens the project of a card it found so): the status
// line says so, and the command answers with an OpenedMsg. Nil when there
// is no source to open it from.
func (m *Model) OpenChoice(c Choice) tea.Cmd {
	if m.src == nil {
		return nil
	}
	m.ctx.Message = "Opening " + c.Label() + "…"
	src := m.src
	return func() tea.Msg {
		e, err := src.Open(context.Background(), c)
		return OpenedMsg{c, e, err}
	}
}

// Closed is whether the last Update went back to the board.
func (m *Model) Closed() bool { return m.closed }

// Update handles a key in the switcher, and the projects it asked for.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	m.closed = false
	switch msg := msg.(type) {
	case ChoicesMsg:
		m.loading = false
		if msg.Err != nil {
			m.closed, m.ctx.Message = true, "Couldn't list the projects: "+msg.Err.Error()
			return m, nil
		}
		m.choices = msg.Choices
		m.shown = fuzzy(msg.Choices, m.input.Value())
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.closed = true
		m.input.Blur()
		return m, nil
	case "up", "ctrl+p", "ctrl+k":
		m.sel = max(0, m.sel-1)
		return m, nil
	case "down", "ctrl+n", "ctrl+j":
		m.sel = max(0, min(len(m.shown)-1, m.sel+1))
		return m, nil
	case "enter":
		if m.sel >= len(m.shown) {
			return m, nil
		}
		c := m.shown[m.sel]
		m.closed = true
		m.input.Blur()
		if c.ProjectID == m.ctx.ProjectID {
			return m, nil
		}
		return m, m.OpenChoice(c)
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.shown, m.sel = fuzzy(m.choices, m.input.Value()), 0
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
		label := []rune(strings.ToLower(c.Label()))
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

// View draws the switcher (the caller adds the status line).
func (m Model) View() string {
	st := &m.ctx.Styles
	var b strings.Builder
	b.WriteString(st.Heading.Render("Open a project") + "\n\n" + m.input.View() + "\n\n")
	switch {
	case m.loading:
		b.WriteString(st.Muted.Render("Loading…"))
	case len(m.shown) == 0:
		b.WriteString(st.Muted.Render("No project matches."))
	}
	rows := max(3, m.ctx.Height-10)
	start := max(0, min(m.sel-rows+1, len(m.shown)-rows))
	for i := start; i < min(len(m.shown), start+rows); i++ {
		c := m.shown[i]
		line := ansi.Truncate(c.Label(), max(10, m.ctx.Width-12), "…")
		if c.ProjectID == m.ctx.ProjectID {
			line += st.Muted.Render("  (open)")
		}
		if i == m.sel {
			b.WriteString(st.CardSelected.Render(line) + "\n")
		} else {
			b.WriteString("  " + line + "\n")
		}
	}
	b.WriteString("\n" + st.Muted.Render("type to filter · ↑/↓ choose · enter open · esc back"))
	return st.Dialog.Width(max(30, min(m.ctx.Width-2, 80))).Render(b.String())
}
