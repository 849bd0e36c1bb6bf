// Package standup is standup on the board: the team one person at a
// time, what each finished, is doing and is stuck on, with a timebox per
// person, cards changed right there, and a summary at the end.
package standup

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/ui/common"
)

// Standup mode's own keys; acting on a card uses the board's keys.
var standupKeys = struct {
	Next, Prev, Pause, Shuffle, End key.Binding
}{
	Next:    key.NewBinding(key.WithKeys("n", "tab", "right"), key.WithHelp("n/→", "next person")),
	Prev:    key.NewBinding(key.WithKeys("p", "shift+tab", "left"), key.WithHelp("p/←", "previous")),
	Pause:   key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "pause timer")),
	Shuffle: key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "shuffle order")),
	End:     key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "end standup")),
}

// Model is standup: the team one person at a time, then a summary.
type Model struct {
	ctx      *common.Context
	speakers []string      // the speaking order by user name (Config.StandupOrder)
	timebox  time.Duration // each person's time
	cache    *cache        // shared by the model's copies and kept between standups
	closed   bool          // the last Update went back to the board

	people   []board.Person
	cur      int
	began    time.Time                // when standup started
	started  time.Time                // when the current person's clock last started
	spent    map[string]time.Duration // time each person has had, the current one's up to started
	paused   bool
	shuffled bool
	moved    bool              // someone pressed next or previous
	sel      int               // the selected card among the current person's
	selID    string            // …and its id, so the selection follows the card
	changed  map[string]string // cards changed during standup: id → title
	order    []string          // ids of changed cards, in the order first changed
	summary  bool              // standup is over: showing the summary
	ended    time.Time
	gen      int // the timer's generation: ticks of an earlier standup are dropped
}

// New is standup, not started, with speakers the speaking order by user
// name and timebox each person's time.
func New(ctx *common.Context, speakers []string, timebox time.Duration) Model {
	return Model{ctx: ctx, speakers: speakers, timebox: timebox, cache: &cache{}}
}

// TickMsg is standup's timer: the countdown is drawn again each second.
type TickMsg struct{ gen int }

// cache keeps the last report and team worked out, for as long as
// the board and the day are the same: the timer redraws every second, and
// a big board should not be walked each time. The team's names are kept
// cleaned, ready to draw; the cards' titles and columns are cleaned as they
// are drawn (a screenful, not a person's every card).
type cache struct {
	state   *board.State
	day     string
	person  string
	rep     board.PersonReport
	team    []board.Person // before ordering
	members int            // len(members) the team was worked out with
	teamOK  bool
}

func (m Model) tick() tea.Cmd {
	gen := m.gen
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return TickMsg{gen} })
}

// Start starts standup: the team in the configured order (everyone with
// cards, and the space's members as the engine knows them). Cmds runs it.
func (m *Model) Start() {
	now := m.ctx.Now()
	*m = Model{ctx: m.ctx, speakers: m.speakers, timebox: m.timebox, cache: m.cache,
		began: now, started: now, spent: map[string]time.Duration{}, changed: map[string]string{}, gen: m.gen + 1}
	m.people = m.standupPeople()
}

// Cmds run the timer and ask for the space's members afresh.
func (m Model) Cmds() tea.Cmd {
	return tea.Batch(m.tick(), m.ctx.Wrap([]board.Cmd{m.ctx.Engine.LoadMembers()}))
}

// Closed is whether the last Update went back to the board.
func (m *Model) Closed() bool { return m.closed }

// People is who speaks, in order.
func (m *Model) People() []board.Person { return m.people }

// ForgetTeam has the team worked out again when next drawn: the members
// changed.
func (m *Model) ForgetTeam() { m.cache.teamOK = false }

// standupPeople is who speaks, in order: members (if known) and anyone
// with cards, ordered as the config says.
func (m *Model) standupPeople() []board.Person {
	members := m.ctx.Engine.Members()
	s, day, c := m.ctx.Engine.State(), m.ctx.Now().Format(time.DateOnly), m.cache
	if !c.teamOK || c.state != s || c.day != day || c.members != len(members) {
		var people []board.Person
		for _, mb := range members {
			people = append(people, board.Person{ID: mb.UserID, Name: mb.Name})
		}
		c.team = s.StandupPeople(board.StandupOptions{Now: m.ctx.Now(), People: people})
		for i, p := range c.team {
			if p.Name == p.ID {
				c.team[i].Name = m.ctx.Name(p.ID)
			} else {
				c.team[i].Name = safe.Line(p.Name)
			}
		}
		c.state, c.day, c.members, c.teamOK, c.person = s, day, len(members), true, ""
	}
	return board.OrderPeople(append([]board.Person(nil), c.team...), m.speakers)
}

// Refresh lists the team again (the board or the members changed),
// keeping the person speaking; a shuffled order is kept as it is.
func (m *Model) Refresh() {
	if m.shuffled || m.summary {
		return
	}
	cur, had := m.current()
	m.people = m.standupPeople()
	m.cur = max(0, min(m.cur, len(m.people)-1))
	if !m.moved {
		// No one has moved on yet: the first in the order speaks first.
		m.cur = 0
		return
	}
	for i, p := range m.people {
		if had && p.ID == cur.ID {
			m.cur = i
		}
	}
}

// current is the person speaking now.
func (m *Model) current() (board.Person, bool) {
	if m.cur < 0 || m.cur >= len(m.people) {
		return board.Person{}, false
	}
	return m.people[m.cur], true
}

// elapsed is the time the person has had so far.
func (m *Model) elapsed(id string) time.Duration {
	d := m.spent[id]
	if p, ok := m.current(); ok && p.ID == id && !m.paused && !m.summary {
		d += m.ctx.Now().Sub(m.started)
	}
	return d
}

// stopClock books the current person's time so far.
func (m *Model) stopClock() {
	if p, ok := m.current(); ok && !m.paused {
		now := m.ctx.Now()
		m.spent[p.ID] += now.Sub(m.started)
		m.started = now
	}
}

func (m *Model) goTo(i int) {
	if i < 0 || i >= len(m.people) || i == m.cur {
		return
	}
	m.stopClock()
	m.cur, m.sel, m.selID, m.started, m.moved = i, 0, "", m.ctx.Now(), true
}

// Update handles a key in standup, and the timer while standup is in
// front (the caller drops the timer's ticks otherwise). The members it asks
// for are the engine's: the team is listed again (Refresh) when they
// arrive.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	m.closed = false
	switch msg := msg.(type) {
	case TickMsg:
		if msg.gen != m.gen || m.summary {
			return m, nil
		}
		return m, m.tick()
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

// pickSelection finds the selected card among cards: the same card if it
// is still listed (it may have moved section), else the same row.
func (m *Model) pickSelection(cards []board.StandupCard) {
	if m.selID != "" {
		for i, c := range cards {
			if c.ID == m.selID {
				m.sel = i
				return
			}
		}
	}
	m.sel = max(0, min(m.sel, len(cards)-1))
	m.selID = ""
	if m.sel < len(cards) {
		m.selID = cards[m.sel].ID
	}
}

// personCards are the current person's cards as listed, for selection.
func (m *Model) personCards() []board.StandupCard {
	rep, _ := m.report()
	var out []board.StandupCard
	for _, l := range [][]board.StandupCard{rep.Done, rep.InProgress, rep.Next, rep.Blocked, rep.Overdue} {
		out = append(out, l...)
	}
	return out
}

func (m *Model) report() (board.PersonReport, bool) {
	p, ok := m.current()
	if !ok {
		return board.PersonReport{}, false
	}
	s, day, c := m.ctx.Engine.State(), m.ctx.Now().Format(time.DateOnly), m.cache
	if c.state == s && c.day == day && c.person == p.ID {
		return c.rep, true
	}
	rep := s.Standup(board.StandupOptions{Now: m.ctx.Now(), People: []board.Person{p}, Only: true})
	if c.state != s || c.day != day {
		c.teamOK = false
	}
	c.state, c.day, c.person, c.rep = s, day, p.ID, board.PersonReport{Person: p}
	if len(rep.People) == 1 {
		c.rep = rep.People[0]
		c.rep.Person = p // named as the team has them, cleaned
	}
	return c.rep, true
}

func (m Model) key(msg tea.KeyMsg) (Model, tea.Cmd) {
	if m.summary {
		if key.Matches(msg, standupKeys.End) || msg.String() == "enter" {
			m.summary, m.closed = false, true
		}
		return m, nil
	}
	k, s, now := m.ctx.Keys, m.ctx.Engine.State(), m.ctx.Now()
	cards := m.personCards()
	m.pickSelection(cards)
	selected := m.selID
	act := func(mut board.Mutation, err error) (Model, tea.Cmd) {
		cmd, _ := m.ctx.Do(mut, err)
		if c, ok := s.Card(selected); ok && m.ctx.Message == "" {
			if _, seen := m.changed[selected]; !seen {
				m.order = append(m.order, selected)
			}
			m.changed[selected] = c.Title
		}
		return m, cmd
	}
	switch {
	case key.Matches(msg, standupKeys.End):
		m.stopClock()
		m.summary, m.ended = true, now
		return m, nil
	case key.Matches(msg, standupKeys.Next):
		if m.cur == len(m.people)-1 {
			m.stopClock()
			m.summary, m.ended = true, now
			return m, nil
		}
		m.goTo(m.cur + 1)
	case key.Matches(msg, standupKeys.Prev):
		m.goTo(m.cur - 1)
	case key.Matches(msg, standupKeys.Pause):
		if m.paused {
			m.paused, m.started = false, now
		} else {
			m.stopClock()
			m.paused = true
		}
	case key.Matches(msg, standupKeys.Shuffle):
		// Who has spoken and who speaks now stay; the rest get a new order.
		rest := m.people[m.cur+1:]
		rand.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		m.shuffled = true
		m.ctx.Message = "Shuffled who speaks next"
	case key.Matches(msg, k.Down):
		m.sel = min(m.sel+1, max(0, len(cards)-1))
		m.selID = ""
		m.pickSelection(cards)
	case key.Matches(msg, k.Up):
		m.sel = max(m.sel-1, 0)
		m.selID = ""
		m.pickSelection(cards)
	case selected == "":
	case key.Matches(msg, k.Complete):
		return act(s.ToggleDone(selected, now))
	case key.Matches(msg, k.MoveLeft):
		return act(s.Shift(selected, -1, now))
	case key.Matches(msg, k.MoveRight):
		return act(s.Shift(selected, 1, now))
	case key.Matches(msg, k.PriorityUp):
		return act(s.StepPriority(selected, 1, now))
	case key.Matches(msg, k.PriorityDown):
		return act(s.StepPriority(selected, -1, now))
	}
	return m, nil
}

// clock is m:ss.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = -d
	}
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// countdown is the time left for the person, amber in the last quarter
// and red once over.
func (m *Model) countdown(id string) string {
	st := &m.ctx.Styles
	box := m.timebox
	left := box - m.elapsed(id)
	var s string
	switch {
	case left < 0:
		s = st.StatusBad.Render("over by " + clock(left))
	case left <= box/4:
		s = st.StatusWarn.Render(clock(left) + " left")
	default:
		s = st.StatusOK.Render(clock(left) + " left")
	}
	if m.paused {
		s += st.Muted.Render(" (paused)")
	}
	return s
}

// View draws standup, or its summary once it is over (the caller adds
// the status line).
func (m Model) View() string {
	st := &m.ctx.Styles
	w := max(30, min(m.ctx.Width-4, 100))
	var b strings.Builder
	if m.summary {
		return m.summaryView(w)
	}
	p, ok := m.current()
	if !ok {
		b.WriteString(st.Heading.Render("Standup") + "\n\n" + st.Muted.Render("No one has cards on this board yet.") + "\n")
		return st.Dialog.Width(min(m.ctx.Width-2, w+4)).Render(b.String() + "\n" + m.help())
	}
	rep, _ := m.report()
	cards := m.personCards()
	m.pickSelection(cards)
	// Each section shows at most per rows, scrolled to keep the selection
	// in sight, so a person with thousands of cards draws as fast as one
	// with three.
	per := max(2, (m.ctx.Height-22)/5)
	lists := [][]board.StandupCard{rep.Done, rep.InProgress, rep.Next, rep.Blocked, rep.Overdue}
	type window struct{ start, first, last int } // start: the section's first row overall
	windows := make([]window, len(lists))
	titleW, start := 0, 0
	for i, l := range lists {
		first := 0
		if m.sel >= start && m.sel < start+len(l) {
			first = max(0, min(m.sel-start-per/2, len(l)-per))
		}
		windows[i] = window{start, first, min(len(l), first+per)}
		for _, c := range l[first:windows[i].last] {
			titleW = max(titleW, ansi.StringWidth(safe.Line(c.Title)))
		}
		start += len(l)
	}
	titleW = min(titleW, max(10, w-34))
	now := m.ctx.Now()
	head := st.Heading.Render("Standup · "+p.Name) + st.Muted.Render(fmt.Sprintf("  %d of %d", m.cur+1, len(m.people)))
	b.WriteString(head + strings.Repeat(" ", max(1, w-lipgloss.Width(head)-lipgloss.Width(m.countdown(p.ID)))) + m.countdown(p.ID) + "\n")
	since := board.LastWorkingDay(now)
	b.WriteString(st.Muted.Render("done since "+since.Format("Mon 2 Jan")) + "\n")
	section := func(i int, name string, detail func(board.StandupCard) string) {
		cards, win := lists[i], windows[i]
		b.WriteString("\n" + st.ColumnTitle.Render(name) + st.Muted.Render(fmt.Sprintf(" %d", len(cards))) + "\n")
		if len(cards) == 0 {
			b.WriteString(st.Muted.Render("  none") + "\n")
		}
		if win.first > 0 {
			b.WriteString(st.Muted.Render(fmt.Sprintf("  ↑ %d more", win.first)) + "\n")
		}
		for j, c := range cards[win.first:win.last] {
			title := ansi.Truncate(safe.Line(c.Title), titleW, "…")
			title += strings.Repeat(" ", titleW-ansi.StringWidth(title))
			mark := "  "
			if m.ctx.Engine.Pending(c.ID) {
				mark = st.Pending.Render(" ⟳")
			}
			line := title + mark + " " + detail(c)
			if win.start+win.first+j == m.sel {
				b.WriteString(st.CardSelected.Render(line) + "\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
		if rest := len(cards) - win.last; rest > 0 {
			b.WriteString(st.Muted.Render(fmt.Sprintf("  … %d more", rest)) + "\n")
		}
	}
	meta := func(c board.StandupCard, col bool) string {
		var parts []string
		if col {
			parts = append(parts, safe.Line(c.Column))
		}
		if l, ok := common.PriorityLabel(c.Priority); ok {
			parts = append(parts, st.Priority[c.Priority].Render(l))
		}
		if c.Due != nil {
			due := "due " + common.DueText(*c.Due, now)
			if c.Overdue {
				due = st.Overdue.Render(due)
			}
			parts = append(parts, due)
		}
		return st.Meta.Render(strings.Join(parts, " · "))
	}
	section(0, "Done", func(c board.StandupCard) string {
		return st.Meta.Render("✓ " + c.CompletedAt.In(now.Location()).Format("Mon 15:04"))
	})
	section(1, "In progress", func(c board.StandupCard) string { return meta(c, true) })
	section(2, "Next up", func(c board.StandupCard) string { return meta(c, false) })
	section(3, "Blocked", func(c board.StandupCard) string { return meta(c, true) })
	section(4, "Overdue", func(c board.StandupCard) string { return meta(c, true) })
	body := b.String() + "\n" + m.help()
	return st.Dialog.Width(min(m.ctx.Width-2, w+4)).Render(body)
}

func (m *Model) help() string {
	st := &m.ctx.Styles
	k := m.ctx.Keys
	var help []string
	for _, b := range []key.Binding{standupKeys.Next, standupKeys.Prev, k.Down, k.Complete, k.MoveRight, k.PriorityUp, standupKeys.Pause, standupKeys.Shuffle, standupKeys.End} {
		h := b.Help()
		help = append(help, h.Key+" "+st.Muted.Render(h.Desc))
	}
	return ansi.Wrap(strings.Join(help, "  "), max(20, min(m.ctx.Width-6, 100)), "")
}

func (m Model) summaryView(w int) string {
	st := &m.ctx.Styles
	var b strings.Builder
	total := m.ended.Sub(m.began)
	b.WriteString(st.Heading.Render("Standup done") + st.Muted.Render(" in "+clock(total)) + "\n\n")
	spoke := 0
	for _, p := range m.people {
		d := m.spent[p.ID]
		name := ansi.Truncate(p.Name, 16, "…")
		name += strings.Repeat(" ", max(0, 16-ansi.StringWidth(name)))
		line := name + " " + clock(d)
		switch {
		case d == 0:
			line = st.Muted.Render(name + " did not speak")
		case d > m.timebox:
			spoke++
			line += "  " + st.StatusBad.Render("over by "+clock(d-m.timebox))
		default:
			spoke++
		}
		b.WriteString("  " + line + "\n")
	}
	changed := fmt.Sprintf("%d cards changed", len(m.order))
	if len(m.order) == 1 {
		changed = "1 card changed"
	}
	b.WriteString("\n" + st.ColumnTitle.Render(fmt.Sprintf("%d of %d spoke · %s", spoke, len(m.people), changed)) + "\n")
	for _, id := range m.order {
		title := safe.Line(m.changed[id])
		if c, ok := m.ctx.Engine.State().Card(m.ctx.Engine.Resolve(id)); ok {
			title = safe.Line(c.Title)
			col, _ := m.ctx.Engine.State().ColumnByID(m.ctx.Engine.State().ColumnOf(c))
			title += st.Meta.Render(" · " + safe.Line(col.Name))
		}
		b.WriteString("  " + ansi.Truncate(title, w-2, "…") + "\n")
	}
	b.WriteString("\n" + st.Muted.Render("esc back to the board"))
	return st.Dialog.Width(min(m.ctx.Width-2, w+4)).Render(b.String())
}
