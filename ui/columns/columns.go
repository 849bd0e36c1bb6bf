// Package columns is the board itself: the project's columns side by
// side with their cards, the selection, and the keys that act on cards
// there (moving, completing, archiving, the new card and title inputs,
// the filter, the delete question).
package columns

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/ui/common"
)

// mode is what keys on the board do: browse, or type into the input, or
// answer the delete question.
type mode int

const (
	browsing     mode = iota
	adding            // typing a new card's title
	editing           // typing the selected card's title
	filtering         // typing the filter
	confirming        // asking whether to delete the selected card
	colMenu           // the column menu is open
	colAdding         // typing a new column's name
	colRenaming       // typing the focused column's new name
	colWip            // typing the focused column's WIP limit
	colDeleting       // asking where a deleted column's cards go
	labelPicking      // the label picker is open
)

// Model is the board's columns and the selection on them.
type Model struct {
	ctx      *common.Context
	mode     mode
	focus    int               // index of the focused column
	selected string            // the selected card's id
	remember map[string]string // the last selected card of each column
	top      map[string]int    // the first visible card of each column
	input    common.Input
	filter   board.Filter
	filterTx string
	moveTo   int      // colDeleting: the index of the column its cards go to
	holding  int      // colDeleting: how many cards the column held when asked
	dragging string   // the card the mouse holds, pressed and not yet let go
	picker   picker   // labelPicking: the label picker
	lanes    laneView // the swimlane view, or none
	cache    *cache   // shared by the model's copies; only Update and View use it
}

// New is the board over ctx's engine, nothing selected yet (Follow
// selects).
func New(ctx *common.Context) Model {
	return Model{ctx: ctx, remember: map[string]string{}, top: map[string]int{}, input: common.NewInput(), cache: newCache()}
}

// Reset forgets the selection, the scroll and the filter: another
// project is open.
func (m *Model) Reset() {
	m.selected, m.focus, m.filter, m.filterTx = "", 0, board.Filter{}, ""
	m.remember, m.top = map[string]string{}, map[string]int{}
}

// Selected is the selected card's id ("" for none).
func (m *Model) Selected() string { return m.selected }

// Focus is the index of the focused column.
func (m *Model) Focus() int { return m.focus }

// Capturing is whether every key belongs to the board: it is typing into
// its input or asking the delete question.
func (m *Model) Capturing() bool { return m.mode != browsing }

// Typing is whether keys are text for the board's input.
func (m *Model) Typing() bool {
	switch m.mode {
	case adding, editing, filtering, colAdding, colRenaming, colWip, labelPicking:
		return true
	}
	return false
}

// Columns are the columns shown; a board with none shows a hint instead.
func (m *Model) Columns() []board.Column { return m.ctx.Engine.State().Columns() }

func (m *Model) focusedColumn() (board.Column, bool) {
	cols := m.Columns()
	if len(cols) == 0 {
		return board.Column{}, false
	}
	m.focus = max(0, min(m.focus, len(cols)-1))
	return cols[m.focus], true
}

// visible is the focused column's cards as shown (after the filter).
func (m *Model) visible(col string) []string {
	return m.ctx.Engine.State().Visible(col, m.filterNow())
}

func (m *Model) filterNow() board.Filter {
	f := m.filter
	f.Now = m.ctx.Now()
	return f
}

// Follow keeps the selection on the same card, by id, whatever changed:
// the card's new id once the server gave it one, its new column if it moved,
// or the nearest card if it is gone.
func (m *Model) Follow() {
	e := m.ctx.Engine
	s := e.State()
	col, ok := m.focusedColumn()
	if !ok {
		m.selected = ""
		return
	}
	m.selected = e.Resolve(m.selected)
	if c, found := s.Card(m.selected); found && m.selected != "" && !c.Archived && c.ParentID == "" {
		if where := s.ColumnOf(c); where != col.ID {
			for i, cc := range m.Columns() {
				if cc.ID == where {
					m.focus, col = i, cc
				}
			}
		}
		if indexOf(m.visible(col.ID), m.selected) >= 0 {
			m.remember[col.ID] = m.selected
			m.scrollTo(col.ID)
			return
		}
	}
	ids := m.visible(col.ID)
	if len(ids) == 0 {
		m.selected = ""
		return
	}
	i := indexOf(ids, m.remember[col.ID])
	if i < 0 {
		i = min(m.top[col.ID], len(ids)-1)
	}
	m.selected = ids[i]
	m.remember[col.ID] = m.selected
	m.scrollTo(col.ID)
}

// Select selects the card id, in whichever column it is.
func (m *Model) Select(id string) {
	m.selected = id
	m.Follow()
}

func indexOf(ids []string, id string) int {
	if id == "" {
		return -1
	}
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// scrollTo moves the column's window so the selected card is in it.
func (m *Model) scrollTo(col string) {
	ids := m.visible(col)
	i := indexOf(ids, m.selected)
	per := m.cardsPerColumn()
	top := m.top[col]
	if i >= 0 {
		if i < top {
			top = i
		}
		if i >= top+per {
			top = i - per + 1
		}
	}
	m.top[col] = max(0, min(top, len(ids)-per))
}

func (m *Model) selectIndex(i int) {
	col, ok := m.focusedColumn()
	if !ok {
		return
	}
	ids := m.visible(col.ID)
	if len(ids) == 0 {
		return
	}
	i = max(0, min(i, len(ids)-1))
	m.selected = ids[i]
	m.remember[col.ID] = m.selected
	m.scrollTo(col.ID)
}

// FocusColumn focuses the i-th column and its last selected card.
func (m *Model) FocusColumn(i int) {
	cols := m.Columns()
	if i < 0 || i >= len(cols) {
		return
	}
	m.focus = i
	m.selected = m.remember[cols[i].ID]
	// The card last selected there may have moved on since (moved right,
	// then h back): it would pull the focus after it.
	s := m.ctx.Engine.State()
	if c, ok := s.Card(m.ctx.Engine.Resolve(m.selected)); !ok || c.Archived || s.ColumnOf(c) != cols[i].ID {
		m.selected = ""
	}
	m.Follow()
}

// openInput starts typing into the board's input in mode md.
func (m *Model) openInput(md mode, placeholder, value string) tea.Cmd {
	m.mode = md
	what := "Titles"
	if md == filtering {
		what = "" // a filter is never cut with a word
	}
	return m.input.Open(what, common.TitleLimit, placeholder, value)
}

// do hands a mutation to the engine; the board changes in this Update.
func (m Model) do(mut board.Mutation, err error) (Model, tea.Cmd) {
	cmd, ok := m.ctx.Do(mut, err)
	if !ok {
		return m, nil
	}
	if mut.Kind == board.KindCreate {
		m.selected = mut.TaskID
	}
	m.Follow()
	m.overLimit(mut)
	return m, cmd
}

// Update handles a key or a click on the board. The keys that open
// another screen (help, details, the switcher, standup), refresh or quit
// are the caller's, which hands the board only the rest.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.MouseMsg:
		return m.mouse(msg)
	case tea.KeyMsg:
		switch m.mode {
		case adding, editing, filtering, colAdding, colRenaming, colWip:
			return m.typing(msg)
		case confirming:
			return m.confirmDelete(msg)
		case colMenu:
			return m.columnMenuKey(msg)
		case colDeleting:
			return m.deleteKey(msg)
		case labelPicking:
			return m.pickerKey(msg)
		}
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(msg tea.KeyMsg) (Model, tea.Cmd) {
	k, s, now := m.ctx.Keys, m.ctx.Engine.State(), m.ctx.Now()
	col, hasCol := m.focusedColumn()
	idx := -1
	if hasCol {
		idx = indexOf(m.visible(col.ID), m.selected)
	}
	switch {
	case m.lanes.by != laneNone && (key.Matches(msg, k.Up) || key.Matches(msg, k.Down) || key.Matches(msg, k.Left) || key.Matches(msg, k.Right)):
		m.laneStep(msg)
	case key.Matches(msg, k.Left):
		m.FocusColumn(m.focus - 1)
	case key.Matches(msg, k.Right):
		m.FocusColumn(m.focus + 1)
	case key.Matches(msg, k.Up):
		m.selectIndex(idx - 1)
	case key.Matches(msg, k.Down):
		m.selectIndex(idx + 1)
	case key.Matches(msg, k.Top):
		m.selectIndex(0)
	case key.Matches(msg, k.Bottom):
		m.selectIndex(1 << 30)
	case key.Matches(msg, k.Undo):
		cmds, undid, err := m.ctx.Engine.Undo()
		if err != nil {
			m.ctx.Message = err.Error()
			return m, nil
		}
		m.ctx.Message = undid
		m.Follow()
		return m, m.ctx.Wrap(cmds)
	case key.Matches(msg, k.Filter):
		return m, m.openInput(filtering, "words  @user  #label  !priority  due:overdue", m.filterTx)
	case key.Matches(msg, k.Columns):
		return m.OpenColumnMenu(), nil
	case key.Matches(msg, k.View):
		m.CycleView()
		return m, nil
	case key.Matches(msg, k.New):
		if !hasCol || m.ctx.RefuseReadOnly() {
			return m, nil
		}
		return m, m.openInput(adding, "title of the new card", "")
	case m.selected == "":
		// Everything below acts on the selected card.
	case key.Matches(msg, k.Labels):
		return m.OpenLabels()
	case m.lanes.by != laneNone && (key.Matches(msg, k.MoveUp) || key.Matches(msg, k.MoveDown)):
		return m.laneReorder(key.Matches(msg, k.MoveDown))
	case key.Matches(msg, k.MoveLeft):
		return m.do(s.Shift(m.selected, -1, now))
	case key.Matches(msg, k.MoveRight):
		return m.do(s.Shift(m.selected, 1, now))
	case key.Matches(msg, k.MoveUp):
		return m.do(s.Reorder(m.selected, -1, now))
	case key.Matches(msg, k.MoveDown):
		return m.do(s.Reorder(m.selected, 1, now))
	case key.Matches(msg, k.Complete):
		return m.do(s.ToggleDone(m.selected, now))
	case key.Matches(msg, k.Archive):
		next := m.neighbour(idx)
		m, cmd := m.do(s.SetArchived(m.selected, true, now))
		if m.ctx.Message == "" {
			m.selected = next
			m.ctx.Message = "Archived (" + common.KeyName(k.Undo) + " undoes)"
			m.Follow()
		}
		return m, cmd
	case key.Matches(msg, k.PriorityUp):
		return m.do(s.StepPriority(m.selected, 1, now))
	case key.Matches(msg, k.PriorityDown):
		return m.do(s.StepPriority(m.selected, -1, now))
	case key.Matches(msg, k.Edit):
		if m.ctx.RefuseReadOnly() {
			return m, nil
		}
		c, _ := s.Card(m.selected)
		return m, m.openInput(editing, "title", safe.Line(c.Title))
	case key.Matches(msg, k.Delete):
		if m.ctx.RefuseReadOnly() {
			return m, nil
		}
		m.mode = confirming
	}
	return m, nil
}

// neighbour is the card to select once the one at i leaves the column.
func (m *Model) neighbour(i int) string {
	col, ok := m.focusedColumn()
	if !ok {
		return ""
	}
	ids := m.visible(col.ID)
	switch {
	case i+1 < len(ids):
		return ids[i+1]
	case i-1 >= 0 && i-1 < len(ids):
		return ids[i-1]
	}
	return ""
}

// typing handles keys while the inline input is open.
func (m Model) typing(msg tea.KeyMsg) (Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		if m.mode == filtering {
			m.filter, m.filterTx = board.Filter{}, ""
		}
		m.mode = browsing
		m.lanes.forget()
		m.input.Blur()
		m.Follow()
		return m, nil
	case tea.KeyEnter:
		value := m.input.Value()
		md := m.mode
		m.mode = browsing
		m.input.Blur()
		s, now := m.ctx.Engine.State(), m.ctx.Now()
		switch md {
		case adding:
			col, _ := m.focusedColumn()
			mut, err := s.NewCard(m.ctx.ProjectID, col.ID, value, now)
			if strings.TrimSpace(value) == "" {
				return m, nil
			}
			m, cmd := m.do(mut, err)
			m.input.ToldOfCut(m.ctx)
			return m, cmd
		case editing:
			c, ok := s.Card(m.selected)
			// The input showed the title cleaned; unchanged, it is not sent.
			if !ok || c.Title == strings.TrimSpace(value) || safe.Line(c.Title) == strings.TrimSpace(value) {
				return m, nil
			}
			m, cmd := m.do(s.Edit(m.selected, &value, nil, now))
			m.input.ToldOfCut(m.ctx)
			return m, cmd
		case colAdding, colRenaming, colWip:
			return m.columnInputDone(md, value)
		case filtering:
			m.filter, m.filterTx = m.parseFilter(value), value
			m.lanes.forget()
			m.Follow()
			if !m.filter.Empty() {
				m.ctx.Message = fmt.Sprintf("Filter: %s (%s clears)", value, "esc on /")
			}
			return m, nil
		}
	}
	cmd := m.input.Type(msg, m.ctx)
	if m.mode == filtering {
		m.filter, m.filterTx = m.parseFilter(m.input.Value()), m.input.Value()
		m.lanes.forget()
		m.Follow()
	}
	return m, cmd
}

func (m Model) confirmDelete(msg tea.KeyMsg) (Model, tea.Cmd) {
	m.mode = browsing
	if msg.String() != "y" && msg.String() != "Y" {
		m.ctx.Message = "Not deleted"
		return m, nil
	}
	col, _ := m.focusedColumn()
	next := m.neighbour(indexOf(m.visible(col.ID), m.selected))
	m, cmd := m.do(m.ctx.Engine.State().Delete(m.selected, m.ctx.Now()))
	if m.ctx.Message == "" {
		m.selected = next
		m.ctx.Message = "Deleted"
		if m.ctx.Engine.CanRestore() {
			m.ctx.Message = "Deleted (" + common.KeyName(m.ctx.Keys.Undo) + " undoes)"
		}
		m.Follow()
	}
	return m, cmd
}

// mouse handles the mouse on the board (in the columns view): a click
// selects the card under it; dragging a card to another column and letting
// go there moves it; the wheel scrolls the column under the pointer.
func (m Model) mouse(msg tea.MouseMsg) (Model, tea.Cmd) {
	if m.mode != browsing || m.lanes.by != laneNone {
		return m, nil
	}
	switch {
	case msg.Action == tea.MouseActionPress && (msg.Button == tea.MouseButtonWheelUp || msg.Button == tea.MouseButtonWheelDown):
		m.wheel(msg.X, msg.Button == tea.MouseButtonWheelDown)
	case msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft:
		m.dragging = ""
		if id, col, ok := m.hit(msg.X, msg.Y); ok {
			m.focus, m.selected = col, id
			m.dragging = id
			m.Follow()
		}
	case msg.Action == tea.MouseActionRelease && m.dragging != "":
		id := m.dragging
		m.dragging = ""
		col, ok := m.columnAt(msg.X)
		c, found := m.ctx.Engine.State().Card(id)
		if !ok || !found || m.ctx.Engine.State().ColumnOf(c) == m.Columns()[col].ID {
			return m, nil
		}
		m.selected = id
		return m.do(m.ctx.Engine.State().MoveTo(id, m.Columns()[col].ID, m.ctx.Now()))
	}
	return m, nil
}

// wheel scrolls the column under x three cards down (or up). In the
// focused column a selection scrolled out of sight moves to the nearest
// card in sight, so the column stays where the wheel left it.
func (m *Model) wheel(x int, down bool) {
	i, ok := m.columnAt(x)
	if !ok {
		return
	}
	col := m.Columns()[i].ID
	step := -3
	if down {
		step = 3
	}
	ids, per := m.visible(col), m.cardsPerColumn()
	top := max(0, min(m.top[col]+step, len(ids)-per))
	m.top[col] = top
	if i != m.focus || len(ids) == 0 {
		return
	}
	switch at := indexOf(ids, m.selected); {
	case at < top:
		m.selected = ids[top]
	case at >= top+per:
		m.selected = ids[min(len(ids)-1, top+per-1)]
	}
	m.remember[col] = m.selected
}

// columnAt is the index of the column drawn at x.
func (m *Model) columnAt(x int) (int, bool) {
	first, shown, width := m.Layout()
	if shown == 0 || width <= 0 || x < 0 {
		return 0, false
	}
	i := first + x/width
	if i >= len(m.Columns()) || i >= first+shown {
		return 0, false
	}
	return i, true
}

// Prompt is what the status line shows while the board asks something
// (a title, the filter, whether to delete); ok is false otherwise.
func (m *Model) Prompt() (string, bool) {
	st := m.ctx.Styles
	switch m.mode {
	case colMenu, colAdding, colRenaming, colWip, colDeleting:
		return m.shapePrompt(), true
	case labelPicking:
		return "Labels: " + m.input.View(), true
	case editing:
		if m.input.Cut() > 0 {
			return st.StatusWarn.Render(fmt.Sprintf("Title (cut to %d characters):", m.input.CharLimit)) + " " + m.input.View(), true
		}
		return "Title: " + m.input.View(), true
	case filtering:
		return "Filter: " + m.input.View(), true
	case confirming:
		title := ""
		if c, ok := m.ctx.Engine.State().Card(m.selected); ok {
			title = c.Title
		}
		return st.StatusBad.Render(fmt.Sprintf("Delete %q for good? y/N", ansi.Truncate(safe.Line(title), 30, "…"))), true
	}
	return "", false
}
