// Package search is the search of every project on the server: a query
// typed, sent on enter, the cards and comments found listed best first,
// and the one chosen handed back to be opened (the board opens its
// details, switching project first if it is in another). The filter (/)
// is another thing: it narrows the open board, on the board.
package search

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/ui/common"
	"github.com/lanesboard/lanes/ui/switcher"
)

// queryLimit bounds what the query holds, in characters (the server takes
// at most board.MaxSearchQuery bytes).
const queryLimit = 100

// The search's own keys, fixed: letters are the query's.
var searchKeys = struct{ Up, Down, Enter, Close key.Binding }{
	Up:    key.NewBinding(key.WithKeys("up", "ctrl+p", "shift+tab")),
	Down:  key.NewBinding(key.WithKeys("down", "ctrl+n", "tab")),
	Enter: key.NewBinding(key.WithKeys("enter")),
	Close: key.NewBinding(key.WithKeys("esc")),
}

// ProjectsMsg is the projects the source listed, to name the project of
// each hit and open it; Err if it could not list them.
type ProjectsMsg struct {
	Choices []switcher.Choice
	Err     error
}

// Found is the hit chosen, and its project as the switcher would open it
// (Known is false when lanes can't open it here).
type Found struct {
	Hit     board.SearchHit
	Project switcher.Choice
	Known   bool
}

// Model is the search.
type Model struct {
	ctx       *common.Context
	src       switcher.Source // lists the projects (nil: only this one)
	input     common.Input
	asked     string // the query sent last
	searching bool   // its answer is on its way
	hits      []board.SearchHit
	sel       int
	note      string // why the last search found nothing, or failed
	projects  map[string]switcher.Choice
	closed    bool // the last Update closed the search
	chosen    *Found
}

// New is the search, closed until Open; src names and opens the projects
// of what it finds (nil: only the open project can be opened).
func New(ctx *common.Context, src switcher.Source) Model {
	return Model{ctx: ctx, src: src, input: common.NewInput()}
}

// Open shows the search with an empty query, and lists the projects to
// name the hits with.
func (m Model) Open() (Model, tea.Cmd) {
	m = Model{ctx: m.ctx, src: m.src, input: m.input, projects: m.projects}
	cmds := []tea.Cmd{m.input.Open("", queryLimit, "words to find in every project", "")}
	if src := m.src; src != nil {
		cmds = append(cmds, func() tea.Msg {
			cs, err := src.Projects(context.Background())
			return ProjectsMsg{cs, err}
		})
	}
	return m, tea.Batch(cmds...)
}

// Closed is whether the last Update closed the search.
func (m *Model) Closed() bool { return m.closed }

// Chosen is the hit the person chose, once the search has closed on it.
func (m *Model) Chosen() (Found, bool) {
	if m.chosen == nil {
		return Found{}, false
	}
	return *m.chosen, true
}

// Hits are the hits of the last search answered, best first.
func (m *Model) Hits() []board.SearchHit { return m.hits }

// Update handles a key, the search's answer and the projects listed:
// letters make the query, enter searches (or, the query searched, opens
// the hit chosen), up and down choose, esc closes.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	m.closed, m.chosen = false, nil
	switch msg := msg.(type) {
	case ProjectsMsg:
		if msg.Err == nil {
			m.projects = make(map[string]switcher.Choice, len(msg.Choices))
			for _, c := range msg.Choices {
				m.projects[c.ProjectID] = c
			}
		}
		// Without the list, hits are told by their snippet, and one in
		// another project says it can't be opened.
		return m, nil
	case board.SearchMsg:
		return m.answered(msg), nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(k tea.KeyMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(k, searchKeys.Close):
		m.closed = true
		m.input.Blur()
		return m, nil
	case key.Matches(k, searchKeys.Up):
		m.sel = max(0, m.sel-1)
		return m, nil
	case key.Matches(k, searchKeys.Down):
		m.sel = max(0, min(len(m.hits)-1, m.sel+1))
		return m, nil
	case key.Matches(k, searchKeys.Enter):
		q := strings.TrimSpace(m.input.Value())
		switch {
		case q == "":
			return m, nil
		case q != m.asked || len(m.hits) == 0 && !m.searching:
			m.asked, m.searching, m.note = q, true, ""
			return m, m.ctx.Wrap([]board.Cmd{m.ctx.Engine.Search(q, true)})
		case m.searching || m.sel >= len(m.hits):
			return m, nil
		}
		h := m.hits[m.sel]
		p, known := m.project(h.ProjectID)
		m.closed, m.chosen = true, &Found{Hit: h, Project: p, Known: known}
		m.input.Blur()
		return m, nil
	}
	return m, m.input.Type(k, m.ctx)
}

// answered takes the search's answer, if it is the last one asked. A
// failure keeps the query and the hits shown and says why.
func (m Model) answered(msg board.SearchMsg) Model {
	if msg.Query != m.asked || !m.searching {
		return m // an answer to a query since changed
	}
	m.searching = false
	switch {
	case errors.Is(msg.Err, board.ErrNoSearch):
		m.note = msg.Err.Error()
	case msg.Err != nil:
		m.note = "Couldn't search: " + msg.Err.Error()
	case len(msg.Hits) == 0:
		m.hits, m.sel = nil, 0
		m.note = "Nothing found for " + msg.Query
	default:
		m.hits, m.sel = msg.Hits, 0
	}
	return m
}

// project is the project with this id as the switcher would open it: the
// open one, or one the source listed.
func (m *Model) project(id string) (switcher.Choice, bool) {
	if id == m.ctx.ProjectID {
		return switcher.Choice{ProjectID: id, Space: m.ctx.SpaceName, Project: m.ctx.Project, ReadOnly: m.ctx.ReadOnly}, true
	}
	c, ok := m.projects[id]
	return c, ok
}

// View draws the search in the middle of the screen, one line left under
// it for the status line. Titles, snippets and names are someone else's:
// cleaned before they are drawn.
func (m Model) View() string {
	st := &m.ctx.Styles
	width, height := m.ctx.Width, max(1, m.ctx.Height-1)
	w := max(30, min(width-st.Dialog.GetHorizontalFrameSize()-2, 90))
	rows := max(1, (height-10)/2) // hits shown, two lines each
	var b strings.Builder
	b.WriteString(st.Heading.Render("Search all projects") + "\n\n")
	b.WriteString(ansi.Truncate(m.input.View(), w, "…") + "\n\n")
	switch {
	case m.searching:
		b.WriteString(st.Muted.Render("Searching…") + "\n")
	case m.note != "":
		b.WriteString(st.Muted.Render(ansi.Truncate(safe.Line(m.note), w, "…")) + "\n")
	case m.asked == "":
		b.WriteString(st.Muted.Render("Titles, descriptions and comments, in every space you are in") + "\n")
	}
	top := max(0, m.sel-rows+1)
	for i := top; i < len(m.hits) && i < top+rows; i++ {
		h := m.hits[i]
		kind := "card"
		if h.Kind == board.HitComment {
			kind = "comment"
		}
		title := ansi.Truncate(safe.Line(h.Title), max(0, w-len(kind)-6), "…") + st.Muted.Render("  "+kind)
		var where []string
		if p, ok := m.project(h.ProjectID); ok {
			where = append(where, p.Label())
		}
		if h.Snippet != "" && h.Snippet != h.Title { // a title found is its own snippet
			where = append(where, safe.Line(h.Snippet))
		}
		below := st.Muted.Render(ansi.Truncate(strings.Join(where, " · "), w-4, "…"))
		if i == m.sel {
			b.WriteString(st.CardSelected.Render(title) + "\n")
		} else {
			b.WriteString("  " + title + "\n")
		}
		b.WriteString("    " + below + "\n")
	}
	help := "enter searches, then opens the card chosen · ↑/↓ choose · esc closes"
	if n := len(m.hits); n > rows {
		help += fmt.Sprintf(" · %d/%d", min(top+rows, n), n)
	}
	b.WriteString("\n" + st.Muted.Render(ansi.Truncate(help, w, "…")))
	dialog := st.Dialog.Width(w + st.Dialog.GetHorizontalPadding()).Render(b.String())
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, dialog)
}
