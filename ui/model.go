// Package ui is the board in the terminal: Bubble Tea models and views over
// a board.Engine. It draws what the engine holds and turns keys into the
// engine's mutations; all I/O is the engine's, run as commands.
//
// Each screen is a package of its own with its model, Update and View:
// columns (the board itself), details, switcher, standup, help, the
// command palette and the search of every project, all
// sharing one common.Context. The Model here owns which screen is in
// front, hands it the keys, takes the engine's messages, and draws the
// status and help lines under the board.
//
// Everything the board draws from data (titles, names, column names,
// messages that quote them) is someone else's text and goes through
// safe.Line or safe.Text before it is styled, so no control character from
// it reaches the terminal: the columns' cards, headers and edge hints,
// common.Context.Name, the status line here, the details and standup
// screens (standup keeps its team's names cleaned) and Choice.Label for
// the switcher.
package ui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/ui/columns"
	"github.com/lanesboard/lanes/ui/common"
	"github.com/lanesboard/lanes/ui/details"
	"github.com/lanesboard/lanes/ui/help"
	"github.com/lanesboard/lanes/ui/palette"
	"github.com/lanesboard/lanes/ui/search"
	"github.com/lanesboard/lanes/ui/standup"
	"github.com/lanesboard/lanes/ui/switcher"
)

// refreshing is the status line while a refresh the person asked for is on
// its way.
const refreshing = "Refreshing…"

// mode is the screen in front.
type mode int

const (
	modeBoard   mode = iota
	modeHelp         // every key binding
	modeDetails      // the selected card's details
	modeSwitch       // the project switcher
	modeStandup      // standup: the team one person at a time
	modePalette      // the command palette
	modeSearch       // the search of every project
)

// Choice is a project the switcher offers.
type Choice = switcher.Choice

// Switcher lists the projects a person can open and opens one. The board
// calls it only from commands, never from Update.
type Switcher = switcher.Source

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
	OpenSwitcher bool // start with the project switcher open over the board
	// RefusedFor is how long a card the server refused keeps its
	// "✗ refused" mark once it is back as the server has it (5 seconds if
	// zero); the status line says why for longer.
	RefusedFor time.Duration
	// Theme is the colours to start in: "auto" (what Renderer makes of
	// the terminal's background), "dark" or "light"; "" is auto. The
	// theme key cycles through them and hands the choice to SaveTheme
	// (if set), which runs as a command, never in Update.
	Theme     string
	SaveTheme func(theme string) error
	// NoEditor, when set, is why the details screen's $EDITOR key is
	// refused here (lanes ssh: no editor runs on the host for a remote
	// person). EditorDir is where a description is written for $EDITOR
	// ("" is the system's temporary directory).
	NoEditor  string
	EditorDir string
	// Host, when set, runs the engine's I/O (see common.Host): the
	// engine is shared with other boards, started and closed by the host.
	Host common.Host
}

// Model is the board: the screen in front, and the lines under it.
type Model struct {
	ctx      *common.Context // shared with every screen
	cfg      Config
	mode     mode
	board    columns.Model
	details  details.Model
	switcher switcher.Model
	standup  standup.Model
	help     help.Model
	palette  palette.Model
	search   search.Model
	helpLine map[int]string // the help line drawn, by width; shared by the model's copies
	quitting bool

	// refreshWait: a refresh the person asked for is on its way; it is
	// done once the engine has answered more fetches than refreshMark.
	refreshWait bool
	refreshMark int64
	refusals    int64 // the engine's refusals already given a timer

	theme       string  // auto, dark or light
	autoDark    bool    // what the renderer found the background to be at New
	initCmd     tea.Cmd // what a screen open from the start (the switcher) asked for
	savingTheme bool    // a SaveTheme is on its way
	// found is a card the search found in another project, whose details
	// open once that project's board has it.
	found search.Found
	// held are the keys pressed while a large board is still being read
	// (the engine is Loading): pressed again, in order, once it has been.
	held []tea.KeyMsg
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
	// Asked before the theme may set it: auto is what this finds.
	autoDark := cfg.Renderer.HasDarkBackground()
	theme := themeOf(cfg.Theme)
	if theme != themeAuto {
		cfg.Renderer.SetHasDarkBackground(theme == themeDark)
	}
	ctx := &common.Context{Engine: e, Keys: cfg.Keys, Renderer: cfg.Renderer, Styles: NewStyles(cfg.Renderer), Width: 80, Height: 24,
		SpaceName: cfg.SpaceName, ProjectID: cfg.ProjectID, Project: cfg.Project, Names: cfg.Names, ReadOnly: cfg.ReadOnly, Now: cfg.Now,
		NoEditor: cfg.NoEditor, TempDir: cfg.EditorDir, Host: cfg.Host}
	m := Model{ctx: ctx, cfg: cfg, board: columns.New(ctx), details: details.New(ctx), switcher: switcher.New(ctx, cfg.Switcher),
		standup: standup.New(ctx, cfg.StandupOrder, cfg.Timebox), help: help.New(ctx), palette: palette.New(ctx), search: search.New(ctx, cfg.Switcher), helpLine: map[int]string{},
		theme: theme, autoDark: autoDark, refusals: e.Refusals()}
	m.board.Follow()
	if cfg.OpenStandup {
		m.mode = modeStandup
		m.standup.Start()
	} else if cfg.OpenSwitcher {
		next, cmd, ok := m.switcher.Open()
		if ok {
			m.switcher, m.mode, m.initCmd = next, modeSwitch, cmd
		}
	}
	return m
}

// Engine is the board's engine: the one it opened with, or the last the
// project switcher opened.
func (m Model) Engine() *board.Engine { return m.ctx.Engine }

// Init starts the engine: fetch the board, send what the outbox holds
// (unless a Host runs it).
func (m Model) Init() tea.Cmd {
	var start tea.Cmd
	if e := m.ctx.Engine; m.ctx.Host == nil {
		start = common.Wrap(append(e.Start(), e.Live()))
	}
	switch m.mode {
	case modeStandup:
		return tea.Batch(start, m.standup.Cmds())
	case modeSwitch:
		return tea.Batch(start, m.initCmd)
	}
	return start
}

// Update handles one message and returns at once; I/O is in the commands.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	e := m.ctx.Engine
	if cmds, ok := e.Update(msg); ok {
		m.takeNotices()
		mm, members := msg.(board.MembersMsg)
		out := tea.Batch(m.ctx.Wrap(cmds), m.engineChanged(mm, members))
		if len(m.held) > 0 && !e.Loading() {
			return m.pressHeld(out)
		}
		return m, out
	}
	switch msg := msg.(type) {
	case common.EngineChanged:
		if msg.Engine != e {
			return m, nil // of an engine this board no longer shows
		}
		if n := msg.Notices; len(n) > 0 {
			m.ctx.Message = n[len(n)-1]
		}
		var mm board.MembersMsg
		if msg.Members != nil {
			mm = *msg.Members
		}
		out := m.engineChanged(mm, msg.Members != nil)
		if len(m.held) > 0 && !e.Loading() {
			return m.pressHeld(out)
		}
		return m, out
	case refusalSeenMsg:
		if msg.e == e {
			e.ForgetRefusals(msg.n)
		}
		return m, nil
	case switcher.ChoicesMsg:
		// Taken even with the switcher gone: a failure still says so.
		m.switcher, _ = m.switcher.Update(msg)
		if m.switcher.Closed() {
			m.mode = modeBoard
		}
		return m, nil
	case switcher.OpenedMsg:
		return m.opened(msg)
	case themeSavedMsg:
		return m.themeSaved(msg)
	case closedMsg:
		if msg.err != nil {
			m.ctx.Message = "The previous board did not close cleanly: " + msg.err.Error()
		}
		return m, nil
	case standup.TickMsg:
		if m.mode != modeStandup {
			return m, nil // a timer of a standup that is over
		}
		var cmd tea.Cmd
		m.standup, cmd = m.standup.Update(msg)
		return m, cmd
	case board.CommentsMsg, board.ActivityMsg:
		m.details, _ = m.details.Update(msg)
		return m, nil
	case board.SearchMsg, search.ProjectsMsg:
		m.search, _ = m.search.Update(msg)
		return m, nil
	case details.EditorReadyMsg, details.EditedMsg:
		// Taken whichever screen is in front: the editor's text is saved
		// to its card even if the details closed meanwhile.
		var cmd tea.Cmd
		m.details, cmd = m.details.Update(msg)
		m.board.Follow()
		return m, cmd
	case tea.KeyMsg:
		if e.Loading() && msg.Type != tea.KeyCtrlC {
			// Pressed on the board's first cards: taken once it is whole.
			m.held = append(m.held, msg)
			return m, nil
		}
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste && !m.typing() {
			return m.keysOneByOne(msg)
		}
		return m.key(msg)
	case tea.WindowSizeMsg:
		m.ctx.Width, m.ctx.Height = msg.Width, msg.Height
		m.board.Follow()
		return m, nil
	case tea.MouseMsg:
		var cmd tea.Cmd
		if m.mode == modeBoard && !e.Loading() {
			m.board, cmd = m.board.Update(msg)
		}
		return m, cmd
	}
	return m, nil
}

// pressHeld presses the keys held while the board was being read, in
// order, after cmd.
func (m Model) pressHeld(cmd tea.Cmd) (tea.Model, tea.Cmd) {
	held := m.held
	m.held = nil
	var next tea.Model = m
	cmds := []tea.Cmd{cmd}
	for _, k := range held {
		var c tea.Cmd
		next, c = next.Update(k)
		cmds = append(cmds, c)
	}
	return next, tea.Batch(cmds...)
}

// key hands a key to the screen in front; a screen that goes back puts
// the board in front, its selection on the card it was on.
func (m Model) key(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	back := false
	switch m.mode {
	case modeBoard:
		return m.boardKey(msg)
	case modeHelp:
		m.help, cmd = m.help.Update(msg)
		back = m.help.Closed()
	case modeDetails:
		m.details, cmd = m.details.Update(msg)
		back = m.details.Closed()
		m.board.Follow() // a change made there may have moved the card
	case modeSwitch:
		m.switcher, cmd = m.switcher.Update(msg)
		back = m.switcher.Closed()
	case modeStandup:
		m.standup, cmd = m.standup.Update(msg)
		back = m.standup.Closed()
		m.board.Follow()
	case modePalette:
		m.palette, cmd = m.palette.Update(msg)
		if m.palette.Closed() {
			m.mode = modeBoard
			if a, ok := m.palette.Chosen(); ok {
				return m.run(a)
			}
		}
		return m, cmd
	case modeSearch:
		m.search, cmd = m.search.Update(msg)
		if m.search.Closed() {
			m.mode = modeBoard
			if f, ok := m.search.Chosen(); ok {
				return m.open(f)
			}
		}
		return m, cmd
	}
	if back {
		m.mode = modeBoard
	}
	return m, cmd
}

// boardKey handles a key on the board: the keys that open another screen,
// refresh or quit are here; the board has the rest.
func (m Model) boardKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.board.Capturing() {
		var cmd tea.Cmd
		m.board, cmd = m.board.Update(msg)
		return m, cmd
	}
	k, e := m.ctx.Keys, m.ctx.Engine
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.mode = modeHelp
		return m, nil
	case key.Matches(msg, k.Palette):
		var cmd tea.Cmd
		m.palette, cmd = m.palette.Open()
		m.mode = modePalette
		return m, cmd
	case key.Matches(msg, k.Theme):
		return m.cycleTheme()
	case key.Matches(msg, k.Search):
		if why := e.Lacks(board.FeatureSearch); why != "" {
			m.ctx.Message = why
			return m, nil
		}
		var cmd tea.Cmd
		m.search, cmd = m.search.Open()
		m.mode = modeSearch
		return m, cmd
	case key.Matches(msg, k.Redo):
		cmds, redid, err := e.Redo()
		if err != nil {
			m.ctx.Message = err.Error()
			return m, nil
		}
		m.ctx.Message = redid
		m.board.Follow()
		return m, m.ctx.Wrap(cmds)
	case key.Matches(msg, k.Refresh):
		m.ctx.Message = refreshing
		m.refreshWait, m.refreshMark = true, e.Status().Fetched
		return m, m.ctx.Wrap([]board.Cmd{e.Refresh(), e.LoadMembers()})
	case key.Matches(msg, k.Projects):
		next, cmd, ok := m.switcher.Open()
		m.switcher = next
		if ok {
			m.mode = modeSwitch
		}
		return m, cmd
	case key.Matches(msg, k.Standup):
		m.mode = modeStandup
		m.standup.Start()
		return m, m.standup.Cmds()
	case key.Matches(msg, k.Details) && m.board.Selected() != "":
		next, cmd, ok := m.details.Open(m.board.Selected())
		m.details = next
		if ok {
			m.mode = modeDetails
		}
		return m, cmd
	}
	var cmd tea.Cmd
	m.board, cmd = m.board.Update(msg)
	return m, cmd
}

// typing is whether keys are text for an input rather than commands.
func (m *Model) typing() bool {
	switch m.mode {
	case modeBoard:
		return m.board.Typing()
	case modeDetails:
		return m.details.Typing()
	case modeSwitch, modePalette, modeHelp, modeSearch:
		return true
	}
	return false
}

// run runs the action chosen in the command palette exactly as its key
// does on the board: its first key, pressed. An action of another screen
// says where it works instead.
func (m Model) run(a keymap.Action) (tea.Model, tea.Cmd) {
	k := m.ctx.Keys
	if a.Where == keymap.WhereDetails {
		m.ctx.Message = fmt.Sprintf("%s works on a card's details: %s opens them, then %s", a.Binding.Help().Desc, common.KeyName(k.Details), common.KeyName(a.Binding))
		return m, nil
	}
	keys := a.Binding.Keys()
	if len(keys) == 0 {
		return m, nil
	}
	msg, ok := keymap.Msg(keys[0])
	if !ok {
		m.ctx.Message = fmt.Sprintf("Can't run %s: no key press is %q", a.Name, keys[0])
		return m, nil
	}
	return m.Update(msg)
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

// engineChanged follows the engine's new state, after it took in one of
// its messages (a member list, if members says so): the board, standup,
// a refresh the person asked for, refused cards and a found card.
func (m *Model) engineChanged(mm board.MembersMsg, members bool) tea.Cmd {
	if members {
		m.membersArrived(mm)
	}
	m.board.Follow()
	if m.mode == modeStandup {
		m.standup.Refresh()
	}
	m.refreshDone()
	// Each call may change m: made before m is returned.
	refusals, found := m.watchRefusals(), m.openFound()
	return tea.Batch(refusals, found)
}

func (m *Model) takeNotices() {
	if n := m.ctx.Engine.Notices(); len(n) > 0 {
		m.ctx.Message = n[len(n)-1]
	}
}

// membersArrived takes note of a new member list: cards and standup show
// names, so what was drawn with the old list is drawn again.
func (m *Model) membersArrived(msg board.MembersMsg) {
	m.board.Redraw()
	m.standup.ForgetTeam()
	m.details.MembersArrived(msg)
}

// refreshDone says how the refresh the person asked for went, once the
// engine has its answer.
func (m *Model) refreshDone() {
	st := m.ctx.Engine.Status()
	if !m.refreshWait || st.Fetched <= m.refreshMark {
		return
	}
	m.refreshWait = false
	switch {
	case st.FetchErr != "":
		m.ctx.Message = "Couldn't refresh: " + st.FetchErr
	case m.ctx.Message == refreshing:
		m.ctx.Message = "Refreshed"
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
	e := m.ctx.Engine
	n := e.Refusals()
	if n <= m.refusals {
		return nil
	}
	m.refusals = n
	return tea.Tick(m.cfg.RefusedFor, func(time.Time) tea.Msg { return refusalSeenMsg{e, n} })
}

// closedMsg is how closing the board's previous engine went.
type closedMsg struct{ err error }

// opened puts the project the switcher opened in front, and closes the
// one it replaces.
func (m Model) opened(msg switcher.OpenedMsg) (tea.Model, tea.Cmd) {
	if msg.Err != nil {
		m.ctx.Message = "Couldn't open " + msg.Choice.Label() + ": " + msg.Err.Error()
		m.found = search.Found{} // its card is not opened either
		return m, nil
	}
	old, e := m.ctx.Engine, msg.Engine
	m.ctx.Engine = e
	m.ctx.SpaceName, m.ctx.ProjectID, m.ctx.Project = msg.Choice.Space, msg.Choice.ProjectID, msg.Choice.Project
	m.ctx.ReadOnly = msg.Choice.ReadOnly
	m.board.Reset()
	m.refreshWait, m.refusals = false, e.Refusals()
	m.ctx.Message = "Opened " + msg.Choice.Label()
	m.board.Follow()
	found := m.openFound() // the board's cache may have the card
	if h := m.ctx.Host; h != nil {
		// The host started e when the switcher opened it, and closes old
		// once no board shows it.
		h.Leave(old)
		return m, found
	}
	return m, tea.Batch(common.Wrap(append(e.Start(), e.Live())), func() tea.Msg { return closedMsg{old.Close()} }, found)
}

// open opens the card the search found: its details, here if it is in
// the open project, else once its project is open and its board has it.
func (m Model) open(f search.Found) (tea.Model, tea.Cmd) {
	if f.Hit.ProjectID == m.ctx.ProjectID {
		m.found = f
		cmd := m.openFound()
		return m, cmd
	}
	if !f.Known || m.cfg.Switcher == nil {
		m.ctx.Message = "Can't open " + quoted(f.Hit.Title) + " here: its project is not one lanes can open from this board"
		return m, nil
	}
	m.found = f
	cmd := m.switcher.OpenChoice(f.Project)
	return m, cmd
}

// openFound opens the details of the card the search found, once the
// board in front is its project's and holds it. A board loaded from the
// server without it says so, as does one that could not be loaded; a
// person who went on to another screen meanwhile is left there.
func (m *Model) openFound() tea.Cmd {
	f := m.found
	if f.Hit.TaskID == "" || f.Hit.ProjectID != m.ctx.ProjectID {
		return nil
	}
	if m.mode != modeBoard {
		m.found = search.Found{}
		return nil
	}
	e := m.ctx.Engine
	if _, ok := e.State().Card(f.Hit.TaskID); ok {
		m.found = search.Found{}
		m.board.Select(f.Hit.TaskID)
		next, cmd, ok := m.details.Open(f.Hit.TaskID)
		m.details = next
		if ok {
			m.mode = modeDetails
		}
		return cmd
	}
	switch st := e.Status(); {
	case st.Fresh:
		m.found = search.Found{}
		m.ctx.Message = quoted(f.Hit.Title) + " is not on the board: it may have been archived or deleted since"
	case st.Fetched > 0 && st.FetchErr != "":
		m.found = search.Found{}
		m.ctx.Message = "Couldn't load the board to open " + quoted(f.Hit.Title) + ": " + st.FetchErr
	}
	return nil
}

// quoted is a title as a message quotes it (the status line cleans it).
func quoted(title string) string {
	if r := []rune(title); len(r) > 40 {
		title = string(r[:39]) + "…"
	}
	return `"` + title + `"`
}
