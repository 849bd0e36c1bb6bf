// Package ui is the board in the terminal: Bubble Tea models and views over
// a board.Engine. It draws what the engine holds and turns keys into the
// engine's mutations; all I/O is the engine's, run as commands.
package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/keymap"
)

// The server's limits on what one line of input may hold, in characters.
const (
	titleLimit   = 500
	commentLimit = board.MaxComment
)

// refreshing is the status line while a refresh the person asked for is on
// its way.
const refreshing = "Refreshing…"

type mode int

const (
	modeBoard mode = iota
	modeNew
	modeEdit
	modeFilter
	modeConfirmDelete
	modeHelp
	modeDetails      // the selected card's details
	modeDetailsInput // typing a due date, subtask or comment there
	modeDetailsDesc  // editing the description there
	modeSwitch       // the project switcher
	modeStandup      // standup: the team one person at a time
)

// Config is what the board needs besides its engine.
type Config struct {
	Keys      keymap.KeyMap
	Renderer  *lipgloss.Renderer
	SpaceName string
	ProjectID string
	Project   string            // the project's name
	Names     map[string]string // user id → name, for people the engine's members lack
	ReadOnly  string            // why this person can't change anything, if so
	Now       func() time.Time
	Switcher  Switcher // the project switcher's source (nil: no switching)
	// StandupOrder is the speaking order by user name; Timebox each
	// person's time (2 minutes if zero).
	StandupOrder []string
	Timebox      time.Duration
	OpenStandup  bool // start in standup rather than on the board
	// RefusedFor is how long a card the server refused keeps its
	// "✗ refused" mark once it is back as the server has it (5 seconds if
	// zero); the status line says why for longer.
	RefusedFor time.Duration
}

// Model is the board screen.
type Model struct {
	e        *board.Engine
	cfg      Config
	keys     keymap.KeyMap
	st       Styles
	width    int
	height   int
	mode     mode
	focus    int               // index of the focused column
	selected string            // the selected card's id
	remember map[string]string // the last selected card of each column
	top      map[string]int    // the first visible card of each column
	input    textinput.Model
	filter   board.Filter
	filterTx string
	message  string
	quitting bool
	cache    *renderCache // shared by the model's copies; only Update and View use it
	det      detail
	sw       switcher
	su       standup

	// refreshWait: a refresh the person asked for is on its way; it is
	// done once the engine has answered more fetches than refreshMark.
	refreshWait bool
	refreshMark int64
	refusals    int64 // the engine's refusals already given a timer
	cut         int   // characters the input's limit cut off since it opened
}

// renderCache keeps drawn cards between frames.
type renderCache struct {
	cards   map[cardKey]drawnCard
	headers map[headerKey]string
	borders map[borderKey][4]string // top, side, bottom, and blank padding
	help    map[int]string          // the help line, by width
	standup standupCache
}

// New builds the board over an opened engine.
func New(e *board.Engine, cfg Config) Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Renderer == nil {
		cfg.Renderer = lipgloss.DefaultRenderer()
	}
	if cfg.Timebox <= 0 {
		cfg.Timebox = 2 * time.Minute
	}
	if cfg.RefusedFor <= 0 {
		cfg.RefusedFor = 5 * time.Second
	}
	in := textinput.New()
	in.CharLimit = titleLimit
	m := Model{e: e, cfg: cfg, keys: cfg.Keys, st: NewStyles(cfg.Renderer), width: 80, height: 24,
		remember: map[string]string{}, top: map[string]int{}, input: in, cache: &renderCache{cards: map[cardKey]drawnCard{}, headers: map[headerKey]string{}, borders: map[borderKey][4]string{}, help: map[int]string{}}}
	m.follow()
	if cfg.OpenStandup {
		m.startStandup()
	}
	return m
}

// Engine is the board's engine: the one it opened with, or the last the
// project switcher opened.
func (m Model) Engine() *board.Engine { return m.e }

// wrap turns the engine's commands into Bubble Tea's.
func wrap(cmds []board.Cmd) tea.Cmd {
	out := make([]tea.Cmd, 0, len(cmds))
	for _, c := range cmds {
		if c != nil {
			out = append(out, func() tea.Msg { return c() })
		}
	}
	return tea.Batch(out...)
}

// Init starts the engine: fetch the board, send what the outbox holds.
func (m Model) Init() tea.Cmd {
	start := wrap(append(m.e.Start(), m.e.Live()))
	if m.mode == modeStandup {
		return tea.Batch(start, m.standupCmds())
	}
	return start
}

// Update handles one message and returns at once; I/O is in the commands.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmds, ok := m.e.Update(msg); ok {
		m.takeNotices()
		if mm, ok := msg.(board.MembersMsg); ok {
			m.membersArrived(mm)
		}
		m.follow()
		m.refreshPeople()
		m.refreshDone()
		return m, tea.Batch(wrap(cmds), m.watchRefusals())
	}
	if msg, ok := msg.(refusalSeenMsg); ok {
		if msg.e == m.e {
			m.e.ForgetRefusals(msg.n)
		}
		return m, nil
	}
	if next, cmd, ok := m.switcherMsg(msg); ok {
		return next, cmd
	}
	if next, cmd, ok := m.standupMsg(msg); ok {
		return next, cmd
	}
	if next, ok := m.detailsMsg(msg); ok {
		return next, nil
	}
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.typingMode() {
			return m.keysOneByOne(msg)
		}
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.follow()
		return m, nil
	case tea.MouseMsg:
		return m.mouse(msg)
	case tea.KeyMsg:
		switch m.mode {
		case modeNew, modeEdit, modeFilter:
			return m.typing(msg)
		case modeConfirmDelete:
			return m.confirmDelete(msg)
		case modeHelp:
			m.mode = modeBoard
			return m, nil
		case modeDetails, modeDetailsInput, modeDetailsDesc:
			return m.detailsKey(msg)
		case modeSwitch:
			return m.switcherKey(msg)
		case modeStandup:
			return m.standupKey(msg)
		}
		return m.boardKey(msg)
	}
	return m, nil
}

// typingMode is whether keys are text for an input rather than commands.
func (m *Model) typingMode() bool {
	switch m.mode {
	case modeNew, modeEdit, modeFilter, modeDetailsInput, modeDetailsDesc, modeSwitch:
		return true
	}
	return false
}

// keysOneByOne handles letters that reached the board together as one
// message, as Bubble Tea reports keys typed faster than it reads them
// ("nShip" when n is followed at once by a title): each is its own key,
// and once one opens an input the rest are typed into it.
func (m Model) keysOneByOne(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	first := tea.KeyMsg{Type: tea.KeyRunes, Runes: msg.Runes[:1], Alt: msg.Alt}
	rest := tea.KeyMsg{Type: tea.KeyRunes, Runes: msg.Runes[1:]}
	next, cmd1 := m.Update(first)
	if next, ok := next.(Model); ok {
		next, cmd2 := next.Update(rest)
		return next, tea.Batch(cmd1, cmd2)
	}
	return next, cmd1
}

func (m *Model) takeNotices() {
	if n := m.e.Notices(); len(n) > 0 {
		m.message = n[len(n)-1]
	}
}

// membersArrived takes note of a new member list: cards and standup show
// names, so what was drawn with the old list is drawn again.
func (m *Model) membersArrived(msg board.MembersMsg) {
	clear(m.cache.cards)
	m.cache.standup.teamOK = false
	if msg.Err == nil || !m.det.picking {
		return // a board opening on a server that can't list them says nothing
	}
	if len(m.e.Members()) == 0 {
		m.det.picking = false
		m.message = "Couldn't list the people in this space: " + msg.Err.Error()
		return
	}
	m.message = "These are the people as last listed; the server didn't answer: " + msg.Err.Error()
}

// refreshDone says how the refresh the person asked for went, once the
// engine has its answer.
func (m *Model) refreshDone() {
	st := m.e.Status()
	if !m.refreshWait || st.Fetched <= m.refreshMark {
		return
	}
	m.refreshWait = false
	switch {
	case st.FetchErr != "":
		m.message = "Couldn't refresh: " + st.FetchErr
	case m.message == refreshing:
		m.message = "Refreshed"
	}
}

// refusalSeenMsg says the cards refused up to the n-th refusal have shown
// their mark long enough.
type refusalSeenMsg struct {
	e *board.Engine
	n int64
}

// watchRefusals starts the timer that takes the "✗ refused" mark off
// cards the server has just refused.
func (m *Model) watchRefusals() tea.Cmd {
	n := m.e.Refusals()
	if n <= m.refusals {
		return nil
	}
	m.refusals = n
	e := m.e
	return tea.Tick(m.cfg.RefusedFor, func(time.Time) tea.Msg { return refusalSeenMsg{e, n} })
}

// columns are the columns shown; a board with none shows a hint instead.
func (m *Model) columns() []board.Column { return m.e.State().Columns() }

func (m *Model) focusedColumn() (board.Column, bool) {
	cols := m.columns()
	if len(cols) == 0 {
		return board.Column{}, false
	}
	m.focus = max(0, min(m.focus, len(cols)-1))
	return cols[m.focus], true
}

// visible is the focused column's cards as shown (after the filter).
func (m *Model) visible(col string) []string {
	return m.e.State().Visible(col, m.filterNow())
}

func (m *Model) filterNow() board.Filter {
	f := m.filter
	f.Now = m.cfg.Now()
	return f
}

// follow keeps the selection on the same card, by id, whatever changed:
// the card's new id once the server gave it one, its new column if it moved,
// or the nearest card if it is gone.
func (m *Model) follow() {
	s := m.e.State()
	col, ok := m.focusedColumn()
	if !ok {
		m.selected = ""
		return
	}
	m.selected = m.e.Resolve(m.selected)
	if c, found := s.Card(m.selected); found && m.selected != "" && !c.Archived && c.ParentID == "" {
		if where := s.ColumnOf(c); where != col.ID {
			for i, cc := range m.columns() {
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

func (m *Model) focusColumn(i int) {
	cols := m.columns()
	if i < 0 || i >= len(cols) {
		return
	}
	m.focus = i
	m.selected = m.remember[cols[i].ID]
	m.follow()
}

// openInput starts typing into the one-line input in mode md, with value
// already there and the cursor after it.
func (m *Model) openInput(md mode, placeholder, value string) tea.Cmd {
	m.mode = md
	m.cut = 0
	m.input.CharLimit = titleLimit
	m.input.Placeholder = placeholder
	m.input.SetValue(value)
	m.input.CursorEnd()
	return m.input.Focus()
}

// refuseReadOnly says why nothing can be changed here, when so, rather
// than opening an input whose text would be refused.
func (m *Model) refuseReadOnly() bool {
	if m.cfg.ReadOnly != "" {
		m.message = m.cfg.ReadOnly
		return true
	}
	return false
}

// do hands a mutation to the engine; the board changes in this Update.
func (m Model) do(mut board.Mutation, err error) (tea.Model, tea.Cmd) {
	if err != nil {
		if !errors.Is(err, board.ErrNoRoom) {
			m.message = "Can't do that: " + err.Error()
		}
		return m, nil
	}
	if m.cfg.ReadOnly != "" {
		m.message = m.cfg.ReadOnly
		return m, nil
	}
	cmds, err := m.e.Do(mut)
	if err != nil {
		m.message = "Can't do that: " + err.Error()
		return m, nil
	}
	if mut.Kind == board.KindCreate {
		m.selected = mut.TaskID
	}
	m.message = ""
	m.follow()
	return m, wrap(cmds)
}

func (m Model) boardKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	k, s, now := m.keys, m.e.State(), m.cfg.Now()
	col, hasCol := m.focusedColumn()
	idx := -1
	if hasCol {
		idx = indexOf(m.visible(col.ID), m.selected)
	}
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
	case key.Matches(msg, k.Left):
		m.focusColumn(m.focus - 1)
	case key.Matches(msg, k.Right):
		m.focusColumn(m.focus + 1)
	case key.Matches(msg, k.Up):
		m.selectIndex(idx - 1)
	case key.Matches(msg, k.Down):
		m.selectIndex(idx + 1)
	case key.Matches(msg, k.Top):
		m.selectIndex(0)
	case key.Matches(msg, k.Bottom):
		m.selectIndex(1 << 30)
	case key.Matches(msg, k.Refresh):
		m.message = refreshing
		m.refreshWait, m.refreshMark = true, m.e.Status().Fetched
		return m, wrap([]board.Cmd{m.e.Refresh(), m.e.LoadMembers()})
	case key.Matches(msg, k.Undo):
		cmds, undid, err := m.e.Undo()
		if err != nil {
			m.message = err.Error()
			return m, nil
		}
		m.message = undid
		m.follow()
		return m, wrap(cmds)
	case key.Matches(msg, k.Filter):
		return m, m.openInput(modeFilter, "words  @user  !priority  due:overdue", m.filterTx)
	case key.Matches(msg, k.Projects):
		return m.openSwitcher()
	case key.Matches(msg, k.Standup):
		return m.openStandup()
	case key.Matches(msg, k.New):
		if !hasCol || m.refuseReadOnly() {
			return m, nil
		}
		return m, m.openInput(modeNew, "title of the new card", "")
	case m.selected == "":
		// Everything below acts on the selected card.
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
		model, cmd := m.do(s.SetArchived(m.selected, true, now))
		mm := model.(Model)
		if mm.message == "" {
			mm.selected = next
			mm.message = "Archived (" + keyName(k.Undo) + " undoes)"
			mm.follow()
		}
		return mm, cmd
	case key.Matches(msg, k.PriorityUp):
		return m.do(s.StepPriority(m.selected, 1, now))
	case key.Matches(msg, k.PriorityDown):
		return m.do(s.StepPriority(m.selected, -1, now))
	case key.Matches(msg, k.Details):
		return m.openDetails()
	case key.Matches(msg, k.Edit):
		if m.refuseReadOnly() {
			return m, nil
		}
		c, _ := s.Card(m.selected)
		return m, m.openInput(modeEdit, "title", safe.Line(c.Title))
	case key.Matches(msg, k.Delete):
		if m.refuseReadOnly() {
			return m, nil
		}
		m.mode = modeConfirmDelete
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

func keyName(b key.Binding) string {
	if keys := b.Keys(); len(keys) > 0 {
		return keys[0]
	}
	return "?"
}

// typing handles keys while the inline input is open.
func (m Model) typing(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEsc:
		if m.mode == modeFilter {
			m.filter, m.filterTx = board.Filter{}, ""
		}
		m.mode = modeBoard
		m.input.Blur()
		m.follow()
		return m, nil
	case tea.KeyEnter:
		value := m.input.Value()
		md := m.mode
		m.mode = modeBoard
		m.input.Blur()
		s, now := m.e.State(), m.cfg.Now()
		switch md {
		case modeNew:
			col, _ := m.focusedColumn()
			mut, err := s.NewCard(m.cfg.ProjectID, col.ID, value, now)
			if strings.TrimSpace(value) == "" {
				return m, nil
			}
			return m.toldOfCut(m.do(mut, err))
		case modeEdit:
			c, ok := s.Card(m.selected)
			// The input showed the title cleaned; unchanged, it is not sent.
			if !ok || c.Title == strings.TrimSpace(value) || safe.Line(c.Title) == strings.TrimSpace(value) {
				return m, nil
			}
			return m.toldOfCut(m.do(s.Edit(m.selected, &value, nil, now)))
		case modeFilter:
			m.filter, m.filterTx = m.parseFilter(value), value
			m.follow()
			if !m.filter.Empty() {
				m.message = fmt.Sprintf("Filter: %s (%s clears)", value, "esc on /")
			}
			return m, nil
		}
	}
	cmd := m.typeInto(msg)
	if m.mode == modeFilter {
		m.filter, m.filterTx = m.parseFilter(m.input.Value()), m.input.Value()
		m.follow()
	}
	return m, cmd
}

// typeInto hands a key to the one-line input and counts what its limit
// cut off (a long paste), and says so at once: text is never dropped
// without a word.
func (m *Model) typeInto(msg tea.KeyMsg) tea.Cmd {
	before := utf8.RuneCountInString(m.input.Value())
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if msg.Type != tea.KeyRunes || m.input.CharLimit <= 0 || m.mode == modeFilter {
		return cmd
	}
	after := utf8.RuneCountInString(m.input.Value())
	if lost := len(msg.Runes) - (after - before); after >= m.input.CharLimit && lost > 0 {
		m.cut += lost
		m.message = m.cutNote()
	}
	return cmd
}

func (m *Model) cutNote() string {
	what := "Titles"
	if m.mode == modeDetailsInput && m.det.input == "comment" {
		what = "Comments"
	}
	return fmt.Sprintf("%s can be at most %d characters: %d more were cut off", what, m.input.CharLimit, m.cut)
}

// toldOfCut keeps the word about a cut input in the status line once the
// change is made (making it clears the line).
func (m Model) toldOfCut(next tea.Model, cmd tea.Cmd) (tea.Model, tea.Cmd) {
	mm := next.(Model)
	if m.cut > 0 && mm.message == "" {
		mm.message = fmt.Sprintf("Saved the first %d characters: %d more were cut off", m.input.CharLimit, m.cut)
	}
	return mm, cmd
}

func (m Model) confirmDelete(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	m.mode = modeBoard
	if msg.String() != "y" && msg.String() != "Y" {
		m.message = "Not deleted"
		return m, nil
	}
	col, _ := m.focusedColumn()
	next := m.neighbour(indexOf(m.visible(col.ID), m.selected))
	model, cmd := m.do(m.e.State().Delete(m.selected, m.cfg.Now()))
	mm := model.(Model)
	if mm.message == "" {
		mm.selected = next
		mm.message = "Deleted"
		if mm.e.CanRestore() {
			mm.message = "Deleted (" + keyName(m.keys.Undo) + " undoes)"
		}
		mm.follow()
	}
	return mm, cmd
}

func (m Model) mouse(msg tea.MouseMsg) (tea.Model, tea.Cmd) {
	if msg.Action != tea.MouseActionPress || msg.Button != tea.MouseButtonLeft || m.mode != modeBoard {
		return m, nil
	}
	if id, col, ok := m.hit(msg.X, msg.Y); ok {
		m.focus, m.selected = col, id
		m.follow()
	}
	return m, nil
}
