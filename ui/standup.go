package ui

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

// standup is the state of standup mode.
type standup struct {
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

type standupTick struct{ gen int }

// standupCache keeps the last report and team worked out, for as long as
// the board and the day are the same: the timer redraws every second, and
// a big board should not be walked each time. The team's names are kept
// cleaned, ready to draw; the cards' titles and columns are cleaned as they
// are drawn (a screenful, not a person's every card).
type standupCache struct {
	state   *board.State
	day     string
	person  string
	rep     board.PersonReport
	team    []board.Person // before ordering
	members int            // len(members) the team was worked out with
	teamOK  bool
}

func (m Model) tick() tea.Cmd {
	gen := m.su.gen
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return standupTick{gen} })
}

// openStandup starts standup: the team in the configured order (everyone
// with cards, and the space's members as the engine knows them).
func (m Model) openStandup() (tea.Model, tea.Cmd) {
	m.startStandup()
	return m, m.standupCmds()
}

func (m *Model) startStandup() {
	now := m.cfg.Now()
	m.mode = modeStandup
	m.su = standup{began: now, started: now, spent: map[string]time.Duration{}, changed: map[string]string{}, gen: m.su.gen + 1}
	m.su.people = m.standupPeople()
}

// standupCmds run the timer and ask for the space's members afresh.
func (m Model) standupCmds() tea.Cmd {
	return tea.Batch(m.tick(), wrap([]board.Cmd{m.e.LoadMembers()}))
}

// standupPeople is who speaks, in order: members (if known) and anyone
// with cards, ordered as the config says.
func (m *Model) standupPeople() []board.Person {
	members := m.e.Members()
	s, day, c := m.e.State(), m.cfg.Now().Format(time.DateOnly), &m.cache.standup
	if !c.teamOK || c.state != s || c.day != day || c.members != len(members) {
		var people []board.Person
		for _, mb := range members {
			people = append(people, board.Person{ID: mb.UserID, Name: mb.Name})
		}
		c.team = s.StandupPeople(board.StandupOptions{Now: m.cfg.Now(), People: people})
		for i, p := range c.team {
			if p.Name == p.ID {
				c.team[i].Name = m.name(p.ID)
			} else {
				c.team[i].Name = safe.Line(p.Name)
			}
		}
		c.state, c.day, c.members, c.teamOK, c.person = s, day, len(members), true, ""
	}
	return board.OrderPeople(append([]board.Person(nil), c.team...), m.cfg.StandupOrder)
}

// refreshPeople lists the team again (the board or the members changed),
// keeping the person speaking; a shuffled order is kept as it is.
func (m *Model) refreshPeople() {
	if m.mode != modeStandup || m.su.shuffled || m.su.summary {
		return
	}
	cur, had := m.current()
	m.su.people = m.standupPeople()
	m.su.cur = max(0, min(m.su.cur, len(m.su.people)-1))
	if !m.su.moved {
		// No one has moved on yet: the first in the order speaks first.
		m.su.cur = 0
		return
	}
	for i, p := range m.su.people {
		if had && p.ID == cur.ID {
			m.su.cur = i
		}
	}
}

// current is the person speaking now.
func (m *Model) current() (board.Person, bool) {
	if m.su.cur < 0 || m.su.cur >= len(m.su.people) {
		return board.Person{}, false
	}
	return m.su.people[m.su.cur], true
}

// elapsed is the time the person has had so far.
func (m *Model) elapsed(id string) time.Duration {
	d := m.su.spent[id]
	if p, ok := m.current(); ok && p.ID == id && !m.su.paused && !m.su.summary {
		d += m.cfg.Now().Sub(m.su.started)
	}
	return d
}

// stopClock books the current person's time so far.
func (m *Model) stopClock() {
	if p, ok := m.current(); ok && !m.su.paused {
		now := m.cfg.Now()
		m.su.spent[p.ID] += now.Sub(m.su.started)
		m.su.started = now
	}
}

func (m *Model) goTo(i int) {
	if i < 0 || i >= len(m.su.people) || i == m.su.cur {
		return
	}
	m.stopClock()
	m.su.cur, m.su.sel, m.su.selID, m.su.started, m.su.moved = i, 0, "", m.cfg.Now(), true
}

// standupMsg handles the timer while in standup. (The members it asks for
// are the engine's: the team is listed again when they arrive.)
func (m Model) standupMsg(msg tea.Msg) (Model, tea.Cmd, bool) {
	if msg, ok := msg.(standupTick); ok {
		if msg.gen != m.su.gen || m.mode != modeStandup || m.su.summary {
			return m, nil, true
		}
		return m, m.tick(), true
	}
	return m, nil, false
}

// pickSelection finds the selected card among cards: the same card if it
// is still listed (it may have moved section), else the same row.
func (m *Model) pickSelection(cards []board.StandupCard) {
	if m.su.selID != "" {
		for i, c := range cards {
			if c.ID == m.su.selID {
				m.su.sel = i
				return
			}
		}
	}
	m.su.sel = max(0, min(m.su.sel, len(cards)-1))
	m.su.selID = ""
	if m.su.sel < len(cards) {
		m.su.selID = cards[m.su.sel].ID
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
	s, day, c := m.e.State(), m.cfg.Now().Format(time.DateOnly), &m.cache.standup
	if c.state == s && c.day == day && c.person == p.ID {
		return c.rep, true
	}
	rep := s.Standup(board.StandupOptions{Now: m.cfg.Now(), People: []board.Person{p}, Only: true})
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

func (m Model) standupKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.su.summary {
		if key.Matches(msg, standupKeys.End) || msg.String() == "enter" {
			m.mode, m.su.summary = modeBoard, false
			m.follow()
		}
		return m, nil
	}
	k, s, now := m.keys, m.e.State(), m.cfg.Now()
	cards := m.personCards()
	m.pickSelection(cards)
	selected := m.su.selID
	act := func(mut board.Mutation, err error) (tea.Model, tea.Cmd) {
		next, cmd := m.do(mut, err)
		mm := next.(Model)
		if c, ok := s.Card(selected); ok && mm.message == "" {
			if _, seen := mm.su.changed[selected]; !seen {
				mm.su.order = append(mm.su.order, selected)
			}
			mm.su.changed[selected] = c.Title
		}
		return mm, cmd
	}
	switch {
	case key.Matches(msg, standupKeys.End):
		m.stopClock()
		m.su.summary, m.su.ended = true, now
		return m, nil
	case key.Matches(msg, standupKeys.Next):
		if m.su.cur == len(m.su.people)-1 {
			m.stopClock()
			m.su.summary, m.su.ended = true, now
			return m, nil
		}
		m.goTo(m.su.cur + 1)
	case key.Matches(msg, standupKeys.Prev):
		m.goTo(m.su.cur - 1)
	case key.Matches(msg, standupKeys.Pause):
		if m.su.paused {
			m.su.paused, m.su.started = false, now
		} else {
			m.stopClock()
			m.su.paused = true
		}
	case key.Matches(msg, standupKeys.Shuffle):
		// Who has spoken and who speaks now stay; the rest get a new order.
		rest := m.su.people[m.su.cur+1:]
		rand.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		m.su.shuffled = true
		m.message = "Shuffled who speaks next"
	case key.Matches(msg, k.Down):
		m.su.sel = min(m.su.sel+1, max(0, len(cards)-1))
		m.su.selID = ""
		m.pickSelection(cards)
	case key.Matches(msg, k.Up):
		m.su.sel = max(m.su.sel-1, 0)
		m.su.selID = ""
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
	box := m.cfg.Timebox
	left := box - m.elapsed(id)
	var s string
	switch {
	case left < 0:
		s = m.st.StatusBad.Render("over by " + clock(left))
	case left <= box/4:
		s = m.st.StatusWarn.Render(clock(left) + " left")
	default:
		s = m.st.StatusOK.Render(clock(left) + " left")
	}
	if m.su.paused {
		s += m.st.Muted.Render(" (paused)")
	}
	return s
}

func (m Model) standupView() string {
	w := max(30, min(m.width-4, 100))
	var b strings.Builder
	if m.su.summary {
		return m.standupSummary(w)
	}
	p, ok := m.current()
	if !ok {
		b.WriteString(m.st.Heading.Render("Standup") + "\n\n" + m.st.Muted.Render("No one has cards on this board yet.") + "\n")
		return lipgloss.JoinVertical(lipgloss.Left, m.st.Dialog.Width(min(m.width-2, w+4)).Render(b.String()+"\n"+m.standupHelp()), m.statusLine())
	}
	rep, _ := m.report()
	cards := m.personCards()
	m.pickSelection(cards)
	// Each section shows at most per rows, scrolled to keep the selection
	// in sight, so a person with thousands of cards draws as fast as one
	// with three.
	per := max(2, (m.height-22)/5)
	lists := [][]board.StandupCard{rep.Done, rep.InProgress, rep.Next, rep.Blocked, rep.Overdue}
	type window struct{ start, first, last int } // start: the section's first row overall
	windows := make([]window, len(lists))
	titleW, start := 0, 0
	for i, l := range lists {
		first := 0
		if m.su.sel >= start && m.su.sel < start+len(l) {
			first = max(0, min(m.su.sel-start-per/2, len(l)-per))
		}
		windows[i] = window{start, first, min(len(l), first+per)}
		for _, c := range l[first:windows[i].last] {
			titleW = max(titleW, ansi.StringWidth(safe.Line(c.Title)))
		}
		start += len(l)
	}
	titleW = min(titleW, max(10, w-34))
	now := m.cfg.Now()
	head := m.st.Heading.Render("Standup · "+p.Name) + m.st.Muted.Render(fmt.Sprintf("  %d of %d", m.su.cur+1, len(m.su.people)))
	b.WriteString(head + strings.Repeat(" ", max(1, w-lipgloss.Width(head)-lipgloss.Width(m.countdown(p.ID)))) + m.countdown(p.ID) + "\n")
	since := board.LastWorkingDay(now)
	b.WriteString(m.st.Muted.Render("done since "+since.Format("Mon 2 Jan")) + "\n")
	section := func(i int, name string, detail func(board.StandupCard) string) {
		cards, win := lists[i], windows[i]
		b.WriteString("\n" + m.st.ColumnTitle.Render(name) + m.st.Muted.Render(fmt.Sprintf(" %d", len(cards))) + "\n")
		if len(cards) == 0 {
			b.WriteString(m.st.Muted.Render("  none") + "\n")
		}
		if win.first > 0 {
			b.WriteString(m.st.Muted.Render(fmt.Sprintf("  ↑ %d more", win.first)) + "\n")
		}
		for j, c := range cards[win.first:win.last] {
			title := ansi.Truncate(safe.Line(c.Title), titleW, "…")
			title += strings.Repeat(" ", titleW-ansi.StringWidth(title))
			mark := "  "
			if m.e.Pending(c.ID) {
				mark = m.st.Pending.Render(" ⟳")
			}
			line := title + mark + " " + detail(c)
			if win.start+win.first+j == m.su.sel {
				b.WriteString(m.st.CardSelected.Render(line) + "\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
		if rest := len(cards) - win.last; rest > 0 {
			b.WriteString(m.st.Muted.Render(fmt.Sprintf("  … %d more", rest)) + "\n")
		}
	}
	meta := func(c board.StandupCard, col bool) string {
		var parts []string
		if col {
			parts = append(parts, safe.Line(c.Column))
		}
		if l, ok := priorityLabel[c.Priority]; ok {
			parts = append(parts, m.st.Priority[c.Priority].Render(l))
		}
		if c.Due != nil {
			due := "due " + dueText(*c.Due, now)
			if c.Overdue {
				due = m.st.Overdue.Render(due)
			}
			parts = append(parts, due)
		}
		return m.st.Meta.Render(strings.Join(parts, " · "))
	}
	section(0, "Done", func(c board.StandupCard) string {
		return m.st.Meta.Render("✓ " + c.CompletedAt.In(now.Location()).Format("Mon 15:04"))
	})
	section(1, "In progress", func(c board.StandupCard) string { return meta(c, true) })
	section(2, "Next up", func(c board.StandupCard) string { return meta(c, false) })
	section(3, "Blocked", func(c board.StandupCard) string { return meta(c, true) })
	section(4, "Overdue", func(c board.StandupCard) string { return meta(c, true) })
	body := b.String() + "\n" + m.standupHelp()
	return lipgloss.JoinVertical(lipgloss.Left, m.st.Dialog.Width(min(m.width-2, w+4)).Render(body), m.statusLine())
}

func (m *Model) standupHelp() string {
	k := m.keys
	var help []string
	for _, b := range []key.Binding{standupKeys.Next, standupKeys.Prev, k.Down, k.Complete, k.MoveRight, k.PriorityUp, standupKeys.Pause, standupKeys.Shuffle, standupKeys.End} {
		h := b.Help()
		help = append(help, h.Key+" "+m.st.Muted.Render(h.Desc))
	}
	return ansi.Wrap(strings.Join(help, "  "), max(20, min(m.width-6, 100)), "")
}

func (m Model) standupSummary(w int) string {
	var b strings.Builder
	total := m.su.ended.Sub(m.su.began)
	b.WriteString(m.st.Heading.Render("Standup done") + m.st.Muted.Render(" in "+clock(total)) + "\n\n")
	spoke := 0
	for _, p := range m.su.people {
		d := m.su.spent[p.ID]
		name := ansi.Truncate(p.Name, 16, "…")
		name += strings.Repeat(" ", max(0, 16-ansi.StringWidth(name)))
		line := name + " " + clock(d)
		switch {
		case d == 0:
			line = m.st.Muted.Render(name + " did not speak")
		case d > m.cfg.Timebox:
			spoke++
			line += "  " + m.st.StatusBad.Render("over by "+clock(d-m.cfg.Timebox))
		default:
			spoke++
		}
		b.WriteString("  " + line + "\n")
	}
	changed := fmt.Sprintf("%d cards changed", len(m.su.order))
	if len(m.su.order) == 1 {
		changed = "1 card changed"
	}
	b.WriteString("\n" + m.st.ColumnTitle.Render(fmt.Sprintf("%d of %d spoke · %s", spoke, len(m.su.people), changed)) + "\n")
	for _, id := range m.su.order {
		title := safe.Line(m.su.changed[id])
		if c, ok := m.e.State().Card(m.e.Resolve(id)); ok {
			title = safe.Line(c.Title)
			col, _ := m.e.State().ColumnByID(m.e.State().ColumnOf(c))
			title += m.st.Meta.Render(" · " + safe.Line(col.Name))
		}
		b.WriteString("  " + ansi.Truncate(title, w-2, "…") + "\n")
	}
	b.WriteString("\n" + m.st.Muted.Render("esc back to the board"))
	return lipgloss.JoinVertical(lipgloss.Left, m.st.Dialog.Width(min(m.width-2, w+4)).Render(b.String()), m.statusLine())
}
