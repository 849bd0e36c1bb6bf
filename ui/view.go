package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
)

// Everything the board draws from data (titles, names, column names,
// messages that quote them) is someone else's text and goes through
// safe.Line or safe.Text before it is styled, so no control
// character from it reaches the terminal. The places that do it: cardView
// and columnHeader (both cached), name, statusLine, the edge hints, the
// details and standup screens (standup keeps its team's names cleaned) and
// Choice.label for the switcher.

// Layout: the board, then a status line and a help line. Each column is a
// box: a title line, then cards of two lines each, then a line that says how
// many more cards are below.
const (
	minColumnWidth = 26
	cardLines      = 2
	chromeLines    = 2 // status line and help line
)

// layout is how many columns fit, how wide each is, and the first shown.
func (m *Model) layout() (first, shown, width int) {
	n := len(m.columns())
	if n == 0 {
		return 0, 0, m.width
	}
	shown = min(n, max(1, m.width/minColumnWidth))
	width = m.width / shown
	first = max(0, min(m.focus-shown+1, n-shown))
	return first, shown, width
}

func (m *Model) boardHeight() int { return max(6, m.height-chromeLines) }

// cardsPerColumn is how many cards a column shows at once.
func (m *Model) cardsPerColumn() int { return max(1, (m.boardHeight()-4)/cardLines) }

// View draws the screen. Only the cards in view are drawn, so a column of
// 100,000 cards costs what a column of ten does.
func (m Model) View() string {
	if m.quitting {
		return ""
	}
	switch m.mode {
	case modeHelp:
		return m.helpView()
	case modeDetails, modeDetailsInput, modeDetailsDesc:
		if v := m.detailsView(); v != "" {
			return v
		}
	case modeSwitch:
		return m.switcherView()
	case modeStandup:
		return m.standupView()
	}
	cols := m.columns()
	if len(cols) == 0 {
		body := lipgloss.Place(m.width, m.boardHeight(), lipgloss.Center, lipgloss.Center,
			m.st.Muted.Render("This project has no columns yet. Press "+keyName(m.keys.Refresh)+" to reload."))
		return lipgloss.JoinVertical(lipgloss.Left, body, m.statusLine(), m.helpLine())
	}
	// The columns are drawn line by line at known widths, so joining them
	// needs no measuring (lipgloss's Join would measure every line again).
	first, shown, width := m.layout()
	var rows []string
	bodyWidth := 0
	for i := first; i < first+shown; i++ {
		inner := max(4, width-m.st.Column.GetHorizontalFrameSize())
		var left, right []board.Column
		if i == first {
			left = cols[:first]
		}
		if i == first+shown-1 {
			right = cols[first+shown:]
		}
		box := m.columnView(cols[i], i == m.focus, width, left, right)
		if rows == nil {
			rows = make([]string, len(box))
		}
		for r := range rows {
			if r < len(box) {
				rows[r] += box[r]
			}
		}
		bodyWidth += inner + m.st.Column.GetHorizontalFrameSize()
	}
	status, help := m.statusLine(), m.helpLine()
	sw, hw := lipgloss.Width(status), lipgloss.Width(help)
	full := max(bodyWidth, sw, hw)
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r)
		b.WriteString(strings.Repeat(" ", full-bodyWidth))
		b.WriteString("\n")
	}
	b.WriteString(status + strings.Repeat(" ", full-sw) + "\n")
	b.WriteString(help + strings.Repeat(" ", full-hw))
	return b.String()
}

// columnView draws a column; left and right are the columns hidden beyond
// it, which its top border names.
func (m *Model) columnView(col board.Column, focused bool, width int, left, right []board.Column) []string {
	inner := max(4, width-m.st.Column.GetHorizontalFrameSize())
	s := m.e.State()
	ids := m.visible(col.ID)
	count := fmt.Sprint(len(ids))
	if !m.filter.Empty() {
		count = fmt.Sprintf("%d of %d", len(ids), len(s.Column(col.ID)))
	}
	lines := []string{m.columnHeader(col.Name, count, inner)}
	widths := []int{inner}
	per := m.cardsPerColumn()
	top := max(0, min(m.top[col.ID], len(ids)-1))
	end := min(len(ids), top+per)
	for _, id := range ids[top:end] {
		if c, ok := s.Card(id); ok {
			cl := m.cardLines(c, id == m.selected && focused, inner)
			lines, widths = append(lines, cl.lines...), append(widths, cl.widths...)
		}
	}
	if focused && m.mode == modeNew {
		for _, l := range strings.Split(m.st.CardSelected.Width(inner-1).Render(m.input.View()), "\n") {
			lines, widths = append(lines, l), append(widths, lipgloss.Width(l))
		}
	}
	more := ""
	if below := len(ids) - end; below > 0 {
		more = m.st.Muted.Render(fmt.Sprintf("↓ %d more", below))
	}
	if top > 0 {
		more = strings.TrimSpace(m.st.Muted.Render(fmt.Sprintf("↑ %d above", top)) + "  " + more)
	}
	rows := m.boardHeight() - m.st.Column.GetVerticalFrameSize() // inside the border
	for len(lines) < rows-1 {
		lines, widths = append(lines, ""), append(widths, 0)
	}
	lines = append(lines[:min(len(lines), rows-1)], more)
	widths = append(widths[:min(len(widths), rows-1)], lipgloss.Width(more))
	return m.frame(lines, widths, inner, focused, left, right)
}

// columnHeader is a column's name and count, drawn once per name, count
// and width.
func (m *Model) columnHeader(name, count string, inner int) string {
	k := headerKey{name, count, inner}
	if h, ok := m.cache.headers[k]; ok {
		return h
	}
	if len(m.cache.headers) > 256 {
		clear(m.cache.headers)
	}
	title := m.st.ColumnTitle.Render(ansi.Truncate(safe.Line(name), inner-len(count)-1, "…"))
	h := title + strings.Repeat(" ", max(1, inner-lipgloss.Width(title)-len(count))) + m.st.Count.Render(count)
	m.cache.headers[k] = h
	return h
}

type headerKey struct {
	name, count string
	inner       int
}

// borderKey is what a column's border depends on: its width, focus, and
// the columns hidden beyond it (their names, joined, as edgeKey makes them).
type borderKey struct {
	inner       int
	focused     bool
	left, right string
}

// frame draws a column's rounded border around lines, each padded to inner
// cells, with the columns hidden beyond it named in its top border. It is
// the hot path of every frame, so it measures each line once and renders
// the border once per width, focus and hidden columns, instead of
// lipgloss's general border (which measures every line again).
func (m *Model) frame(lines []string, widths []int, inner int, focused bool, left, right []board.Column) []string {
	bk := borderKey{inner, focused, edgeKey(left), edgeKey(right)}
	b, ok := m.cache.borders[bk]
	if !ok {
		if len(m.cache.borders) > 64 {
			clear(m.cache.borders)
		}
		st := m.st.Frame
		if focused {
			st = m.st.FrameFocused
		}
		b = [4]string{m.topBorder(st, inner+2, left, right), st.Render("│"), st.Render("╰" + strings.Repeat("─", inner+2) + "╯"),
			strings.Repeat(" ", inner)}
		m.cache.borders[bk] = b
	}
	blank := b[3]
	out := make([]string, 0, len(lines)+2)
	out = append(out, b[0])
	for i, l := range lines {
		pad := ""
		if n := inner - widths[i]; n > 0 {
			pad = blank[:n]
		}
		out = append(out, b[1]+" "+l+pad+" "+b[1])
	}
	return append(out, b[2])
}

func edgeKey(cols []board.Column) string {
	if len(cols) == 0 {
		return ""
	}
	var b strings.Builder
	for _, c := range cols {
		b.WriteString(c.Name)
		b.WriteByte(0)
	}
	return b.String()
}

// topBorder is a column's top border, span cells between its corners,
// saying how many columns are hidden to the left and to the right and
// naming them as room allows: ╭─ ◀ 1 more: To Do ───╮, ╭─── 2 more: In
// Review, Done ▶ ─╮.
func (m *Model) topBorder(st lipgloss.Style, span int, left, right []board.Column) string {
	if len(left) == 0 && len(right) == 0 {
		return st.Render("╭" + strings.Repeat("─", span) + "╮")
	}
	// Each hint has a dash and a space before and after it.
	room := span - 4
	if len(left) > 0 && len(right) > 0 {
		room = (span - 7) / 2 // two hints and at least one dash between
	}
	l, r := edgeHint(left, room, true), edgeHint(right, room, false)
	var out strings.Builder
	out.WriteString(st.Render("╭"))
	used := 0
	if l != "" {
		out.WriteString(st.Render("─ ") + m.st.Muted.Render(l) + " ")
		used += 3 + ansi.StringWidth(l)
	}
	rw := 0
	if r != "" {
		rw = 3 + ansi.StringWidth(r)
	}
	out.WriteString(st.Render(strings.Repeat("─", max(0, span-used-rw))))
	if r != "" {
		out.WriteString(" " + m.st.Muted.Render(r) + st.Render(" ─"))
	}
	out.WriteString(st.Render("╮"))
	return out.String()
}

// edgeHint says how many columns are hidden on one side and names them, in
// at most room cells: "◀ 2 more: To Do, In Progress", cut to "◀ 2 more: To
// Do, In P…", "◀ 2 more" or "◀" as room shrinks.
func edgeHint(hidden []board.Column, room int, left bool) string {
	if len(hidden) == 0 || room < 1 {
		return ""
	}
	names := make([]string, len(hidden))
	for i, c := range hidden {
		names[i] = safe.Line(c.Name)
	}
	count := fmt.Sprintf("%d more", len(hidden))
	arrow := "▶"
	if left {
		arrow = "◀"
	}
	whole := func(s string) string {
		if left {
			return arrow + " " + s
		}
		return s + " " + arrow
	}
	short := whole(count) // "◀ 2 more"
	list := strings.Join(names, ", ")
	// A few letters of a name say little; below that, only the count.
	if nameRoom := room - ansi.StringWidth(short) - 2; nameRoom >= min(ansi.StringWidth(list), 5) {
		return whole(count + ": " + ansi.Truncate(list, nameRoom, "…"))
	}
	if ansi.StringWidth(short) <= room {
		return short
	}
	return arrow
}

// cardKey is everything a card's drawing depends on. Cards are immutable
// (a change makes a new one), so the pointer stands for the card's fields.
type cardKey struct {
	c                 *board.Card
	selected          bool
	width             int
	pending, refused  bool
	day               int64
	subDone, subTotal int
}

// cardLines is the card drawn as lines, from the cache when nothing it
// depends on changed.
func (m *Model) cardLines(c *board.Card, selected bool, width int) drawnCard {
	_, refused := m.e.RefusedReason(c.ID)
	done, total := m.e.State().SubtaskCounts(c.ID)
	k := cardKey{c: c, selected: selected, width: width, pending: m.e.Pending(c.ID), refused: refused,
		day: m.cfg.Now().Unix() / 86400, subDone: done, subTotal: total}
	if l, ok := m.cache.cards[k]; ok {
		return l
	}
	if len(m.cache.cards) > 4096 {
		clear(m.cache.cards)
	}
	d := drawnCard{lines: strings.Split(m.cardView(c, selected, width), "\n")}
	for _, l := range d.lines {
		d.widths = append(d.widths, lipgloss.Width(l))
	}
	m.cache.cards[k] = d
	return d
}

// drawnCard is a card's lines and how wide each is.
type drawnCard struct {
	lines  []string
	widths []int
}

func (m *Model) cardView(c *board.Card, selected bool, width int) string {
	style := m.st.Card
	if selected {
		style = m.st.CardSelected
	}
	w := max(4, width-style.GetHorizontalFrameSize())
	title := m.st.Title.Render(ansi.Truncate(safe.Line(c.Title), w, "…"))
	return style.Width(width - style.GetHorizontalBorderSize()).Render(title + "\n" + ansi.Truncate(m.metaLine(c), w, "…"))
}

var priorityLabel = map[board.Priority]string{
	board.PriorityUrgent: "‼ urgent", board.PriorityHigh: "! high", board.PriorityMedium: "medium", board.PriorityLow: "low",
}

func (m *Model) metaLine(c *board.Card) string {
	var parts []string
	if _, refused := m.e.RefusedReason(c.ID); refused && !m.e.Pending(c.ID) {
		parts = append(parts, m.st.Refused.Render("✗ refused"))
	} else if m.e.Pending(c.ID) {
		parts = append(parts, m.st.Pending.Render("⟳"))
	}
	if l, ok := priorityLabel[c.Priority]; ok {
		parts = append(parts, m.st.Priority[c.Priority].Render(l))
	}
	if c.Due != nil {
		now := m.cfg.Now()
		if c.Overdue(now) {
			parts = append(parts, m.st.Overdue.Render("overdue "+dueText(*c.Due, now)))
		} else {
			parts = append(parts, m.st.Meta.Render("due "+dueText(*c.Due, now)))
		}
	}
	for _, a := range c.Assignees {
		parts = append(parts, m.st.Meta.Render("@"+m.name(a)))
	}
	if done, total := m.e.State().SubtaskCounts(c.ID); total > 0 {
		parts = append(parts, m.st.Meta.Render(fmt.Sprintf("✓%d/%d", done, total)))
	}
	if c.Comments > 0 {
		parts = append(parts, m.st.Meta.Render(fmt.Sprintf("✎%d", c.Comments)))
	}
	if len(parts) == 0 {
		return m.st.Muted.Render("·")
	}
	return strings.Join(parts, " ")
}

// name is how a user is shown: their name once the space's members are
// known (the engine has them from the cache or the server), else the start
// of their id.
func (m *Model) name(userID string) string {
	if n, ok := m.e.Name(userID); ok {
		return safe.Line(n)
	}
	if n, ok := m.cfg.Names[userID]; ok {
		return safe.Line(n)
	}
	if len(userID) > 6 {
		userID = userID[:6]
	}
	return safe.Line(userID)
}

// dueText says when, briefly: today, tomorrow, a weekday this week, or a date.
func dueText(due, now time.Time) string {
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	due = due.In(now.Location())
	days := int(time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, now.Location()).Sub(d0).Hours() / 24)
	switch {
	case days == 0:
		return "today"
	case days == 1:
		return "tomorrow"
	case days == -1:
		return "yesterday"
	case days > 1 && days < 7:
		return due.Format("Mon")
	case due.Year() == now.Year():
		return due.Format("Jan 2")
	}
	return due.Format("Jan 2 2006")
}

func (m *Model) statusLine() string {
	where := safe.Line(m.cfg.SpaceName + " / " + m.cfg.Project)
	st := m.e.Status()
	var sync string
	switch {
	case st.State == board.Unavailable:
		sync = m.st.StatusBad.Render("✗ not loaded")
	case st.State == board.Synced && !st.Fresh:
		// Only the cache so far: nothing says it is what the server holds.
		sync = m.st.StatusWarn.Render("⟳ loading")
	case st.State == board.Synced:
		sync = m.st.StatusOK.Render("● synced")
	case st.State == board.Syncing:
		sync = m.st.StatusWarn.Render(fmt.Sprintf("⟳ syncing %d", st.Waiting))
	case st.State == board.Offline:
		sync = m.st.StatusBad.Render(fmt.Sprintf("✗ offline · %d waiting", st.Waiting))
	case st.State == board.Waiting:
		sync = m.st.StatusWarn.Render(fmt.Sprintf("… rate limited · %d waiting", st.Waiting))
	}
	var msg string
	switch m.mode {
	case modeEdit:
		msg = "Title: " + m.input.View()
		if m.cut > 0 {
			msg = m.st.StatusWarn.Render(fmt.Sprintf("Title (cut to %d characters):", m.input.CharLimit)) + " " + m.input.View()
		}
	case modeFilter:
		msg = "Filter: " + m.input.View()
	case modeConfirmDelete:
		title := ""
		if c, ok := m.e.State().Card(m.selected); ok {
			title = c.Title
		}
		msg = m.st.StatusBad.Render(fmt.Sprintf("Delete %q for good? y/N", ansi.Truncate(safe.Line(title), 30, "…")))
	default:
		// Messages quote titles and the server's sentences.
		msg = m.st.Message.Render(safe.Line(m.message))
	}
	left := m.st.Heading.Render(where) + "  " + sync + "  "
	if m.cfg.ReadOnly != "" {
		left += m.st.StatusWarn.Render("read-only") + "  "
	}
	return m.st.StatusBar.Render(left + ansi.Truncate(msg, max(0, m.width-lipgloss.Width(left)-2), "…"))
}

func (m *Model) helpLine() string {
	if h, ok := m.cache.help[m.width]; ok {
		return h
	}
	h := m.drawHelpLine()
	m.cache.help[m.width] = h
	return h
}

func (m *Model) drawHelpLine() string {
	var parts []string
	for _, b := range m.keys.ShortHelp() {
		h := b.Help()
		parts = append(parts, h.Key+" "+m.st.Muted.Render(h.Desc))
	}
	return m.st.StatusBar.Render(ansi.Truncate(strings.Join(parts, "  "), max(0, m.width-2), "…"))
}

// helpView lists every binding in force, overrides included.
func (m *Model) helpView() string {
	var cols []string
	for _, group := range m.keys.FullHelp() {
		var lines []string
		for _, b := range group {
			h := b.Help()
			lines = append(lines, fmt.Sprintf("%-14s %s", h.Key, m.st.Muted.Render(h.Desc)))
		}
		cols = append(cols, lipgloss.NewStyle().MarginRight(4).Render(strings.Join(lines, "\n")))
	}
	// As many groups side by side as the terminal has room for.
	room := max(20, m.width-m.st.Dialog.GetHorizontalFrameSize())
	var rows []string
	for len(cols) > 0 {
		n := 1
		for n < len(cols) && lipgloss.Width(lipgloss.JoinHorizontal(lipgloss.Top, cols[:n+1]...)) <= room {
			n++
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cols[:n]...))
		cols = cols[n:]
	}
	width := 0
	for _, r := range rows {
		width = max(width, lipgloss.Width(r))
	}
	filterHelp := m.st.Muted.Width(min(room, max(width, 40))).Render("Filter: words match titles; @name an assignee; !high a priority; due:overdue open cards past due.")
	body := m.st.Heading.Render("lanes · keys") + "\n\n" + strings.Join(rows, "\n\n") + "\n\n" + filterHelp + "\n\n" + m.st.Muted.Render("Press any key to go back.")
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, m.st.Dialog.Render(body))
}

// hit finds the card under a mouse click.
func (m *Model) hit(x, y int) (id string, column int, ok bool) {
	first, shown, width := m.layout()
	if shown == 0 || width == 0 {
		return "", 0, false
	}
	column = first + x/width
	cols := m.columns()
	if column >= len(cols) || column >= first+shown {
		return "", 0, false
	}
	row := (y - 2) / cardLines // border and title line above the cards
	if y < 2 || row >= m.cardsPerColumn() {
		return "", 0, false
	}
	ids := m.visible(cols[column].ID)
	i := m.top[cols[column].ID] + row
	if i >= len(ids) {
		return "", 0, false
	}
	return ids[i], column, true
}

// parseFilter reads the filter line: @name, !priority, due:overdue, words.
func (m *Model) parseFilter(text string) board.Filter {
	var f board.Filter
	var words []string
	for _, w := range strings.Fields(text) {
		switch {
		case strings.HasPrefix(w, "@") && len(w) > 1:
			f.Assignee = m.userID(w[1:])
		case strings.HasPrefix(w, "!") && len(w) > 1:
			f.Priority = board.Priority(strings.ToLower(w[1:]))
		case strings.EqualFold(w, "due:overdue"):
			f.Overdue = true
		default:
			words = append(words, w)
		}
	}
	f.Text = strings.Join(words, " ")
	return f
}

// userID finds a user by name as shown (or a prefix of it), among the
// space's members and then Config.Names; unknown names match no one.
func (m *Model) userID(name string) string {
	type person struct{ id, name string }
	var people []person
	for _, mb := range m.e.Members() {
		people = append(people, person{mb.UserID, safe.Line(mb.Name)})
	}
	for id, n := range m.cfg.Names {
		people = append(people, person{id, safe.Line(n)})
	}
	for _, p := range people {
		if strings.EqualFold(p.name, name) {
			return p.id
		}
	}
	for _, p := range people {
		if strings.HasPrefix(strings.ToLower(p.name), strings.ToLower(name)) {
			return p.id
		}
	}
	return "unknown:" + name
}
