package columns

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/ui/common"
)

// What the board draws from data (titles, names, column names) is someone
// else's text: cardView and columnHeader (both cached), the edge hints and
// the filter's names clean it with safe.Line before it is styled.

// Layout: the board, then a status line and a help line (the caller's).
// Each column is a box: a title line, then cards of two lines each, then a
// line that says how many more cards are below.
const (
	minColumnWidth = 26
	cardLines      = 2
	chromeLines    = 2 // status line and help line
)

// Layout is how many columns fit, how wide each is, and the first shown.
func (m *Model) Layout() (first, shown, width int) {
	n := len(m.Columns())
	if n == 0 {
		return 0, 0, m.ctx.Width
	}
	shown = min(n, max(1, m.ctx.Width/minColumnWidth))
	width = m.ctx.Width / shown
	first = max(0, min(m.focus-shown+1, n-shown))
	return first, shown, width
}

func (m *Model) boardHeight() int { return max(6, m.ctx.Height-chromeLines) }

// cardsPerColumn is how many cards a column shows at once.
func (m *Model) cardsPerColumn() int { return max(1, (m.boardHeight()-4)/cardLines) }

// Empty is whether the project has no columns to draw.
func (m *Model) Empty() bool { return len(m.Columns()) == 0 }

// Width is how wide the columns drawn are, together.
func (m *Model) Width() int {
	_, shown, width := m.Layout()
	return shown * (max(4, width-m.ctx.Styles.Column.GetHorizontalFrameSize()) + m.ctx.Styles.Column.GetHorizontalFrameSize())
}

// View draws the columns, each line padded to full cells (at least
// Width), and a newline after each; a project with no columns is a hint
// to reload, the terminal's width and the board's height. Only the cards
// in view are drawn, so a column of 100,000 cards costs what a column of
// ten does.
func (m Model) View(full int) string {
	st := m.ctx.Styles
	cols := m.Columns()
	if len(cols) == 0 {
		return lipgloss.Place(m.ctx.Width, m.boardHeight(), lipgloss.Center, lipgloss.Center,
			st.Muted.Render("This project has no columns yet. Press "+common.KeyName(m.ctx.Keys.Refresh)+" to reload."))
	}
	m.labelsChanged()
	switch m.mode {
	case labelPicking:
		return padBlock(m.pickerView(max(m.Width(), full), m.boardHeight()), full)
	case colMenu:
		return padBlock(m.menuView(max(m.Width(), full), m.boardHeight()), full)
	}
	if m.lanes.by != laneNone {
		return m.lanesView(full)
	}
	// The columns are drawn line by line at known widths, so joining them
	// needs no measuring (lipgloss's Join would measure every line again).
	first, shown, width := m.Layout()
	var rows []string
	for i := first; i < first+shown; i++ {
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
	}
	pad := strings.Repeat(" ", max(0, full-m.Width()))
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r)
		b.WriteString(pad)
		b.WriteString("\n")
	}
	return b.String()
}

// cache keeps drawn cards, column headers and borders between frames.
type cache struct {
	labels  []board.Label // the labels the drawn cards show
	cards   map[cardKey]drawnCard
	headers map[headerKey]string
	borders map[borderKey][4]string // top, side, bottom, and blank padding
}

func newCache() *cache {
	return &cache{cards: map[cardKey]drawnCard{}, headers: map[headerKey]string{}, borders: map[borderKey][4]string{}}
}

// Redraw forgets the drawn cards: the names they show have changed.
func (m *Model) Redraw() { clear(m.cache.cards) }

// Restyle forgets everything drawn: the styles have changed.
func (m *Model) Restyle() {
	clear(m.cache.cards)
	clear(m.cache.headers)
	clear(m.cache.borders)
}

// columnView draws a column; left and right are the columns hidden beyond
// it, which its top border names.
func (m *Model) columnView(col board.Column, focused bool, width int, left, right []board.Column) []string {
	st := &m.ctx.Styles
	inner := max(4, width-st.Column.GetHorizontalFrameSize())
	s := m.ctx.Engine.State()
	ids := m.visible(col.ID)
	all := s.ColumnSize(col.ID)
	count := wipCount(col, all)
	if !m.filter.Empty() {
		count = fmt.Sprintf("%d of %s", len(ids), count)
	}
	lines := []string{m.columnHeader(col.Name, count, col.Over(all), inner)}
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
	if focused && m.mode == adding {
		for _, l := range strings.Split(st.CardSelected.Width(inner-1).Render(m.input.View()), "\n") {
			lines, widths = append(lines, l), append(widths, lipgloss.Width(l))
		}
	}
	more := ""
	below := len(ids) - end
	if m.filter.Empty() {
		below = all - end // while a large board is read, more than it holds
	}
	if below > 0 {
		more = st.Muted.Render(fmt.Sprintf("↓ %d more", below))
	}
	if top > 0 {
		more = strings.TrimSpace(st.Muted.Render(fmt.Sprintf("↑ %d above", top)) + "  " + more)
	}
	rows := m.boardHeight() - st.Column.GetVerticalFrameSize() // inside the border
	for len(lines) < rows-1 {
		lines, widths = append(lines, ""), append(widths, 0)
	}
	lines = append(lines[:min(len(lines), rows-1)], more)
	widths = append(widths[:min(len(widths), rows-1)], lipgloss.Width(more))
	return m.frame(lines, widths, inner, focused, left, right)
}

// columnHeader is a column's name and count, drawn once per name, count
// and width.
func (m *Model) columnHeader(name, count string, over bool, inner int) string {
	k := headerKey{name, count, over, inner}
	if h, ok := m.cache.headers[k]; ok {
		return h
	}
	if len(m.cache.headers) > 256 {
		clear(m.cache.headers)
	}
	title := m.ctx.Styles.ColumnTitle.Render(ansi.Truncate(safe.Line(name), inner-len(count)-1, "…"))
	cs := m.ctx.Styles.Count
	if over {
		cs = m.ctx.Styles.StatusWarn.Bold(true)
	}
	h := title + strings.Repeat(" ", max(1, inner-lipgloss.Width(title)-len(count))) + cs.Render(count)
	m.cache.headers[k] = h
	return h
}

type headerKey struct {
	name, count string
	over        bool
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
		st := m.ctx.Styles.Frame
		if focused {
			st = m.ctx.Styles.FrameFocused
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
		out.WriteString(st.Render("─ ") + m.ctx.Styles.Muted.Render(l) + " ")
		used += 3 + ansi.StringWidth(l)
	}
	rw := 0
	if r != "" {
		rw = 3 + ansi.StringWidth(r)
	}
	out.WriteString(st.Render(strings.Repeat("─", max(0, span-used-rw))))
	if r != "" {
		out.WriteString(" " + m.ctx.Styles.Muted.Render(r) + st.Render(" ─"))
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
	_, refused := m.ctx.Engine.RefusedReason(c.ID)
	done, total := m.ctx.Engine.State().SubtaskCounts(c.ID)
	k := cardKey{c: c, selected: selected, width: width, pending: m.ctx.Engine.Pending(c.ID), refused: refused,
		day: m.ctx.Now().Unix() / 86400, subDone: done, subTotal: total}
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
	st := &m.ctx.Styles
	style := st.Card
	if selected {
		style = st.CardSelected
	}
	w := max(4, width-style.GetHorizontalFrameSize())
	title := st.Title.Render(ansi.Truncate(safe.Line(c.Title), w, "…"))
	return style.Width(width - style.GetHorizontalBorderSize()).Render(title + "\n" + ansi.Truncate(m.metaLine(c), w, "…"))
}

func (m *Model) metaLine(c *board.Card) string {
	st := &m.ctx.Styles
	var parts []string
	if _, refused := m.ctx.Engine.RefusedReason(c.ID); refused && !m.ctx.Engine.Pending(c.ID) {
		parts = append(parts, st.Refused.Render("✗ refused"))
	} else if m.ctx.Engine.Pending(c.ID) {
		parts = append(parts, st.Pending.Render("⟳"))
	}
	if l, ok := common.PriorityLabel(c.Priority); ok {
		parts = append(parts, st.Priority[c.Priority].Render(l))
	}
	if c.Due != nil {
		now := m.ctx.Now()
		if c.Overdue(now) {
			parts = append(parts, st.Overdue.Render("overdue "+common.DueText(*c.Due, now)))
		} else {
			parts = append(parts, st.Meta.Render("due "+common.DueText(*c.Due, now)))
		}
	}
	for _, a := range c.Assignees {
		parts = append(parts, st.Meta.Render("@"+m.ctx.Name(a)))
	}
	s := m.ctx.Engine.State()
	for _, l := range s.Labels() { // in the labels' order, by name
		if c.HasLabel(l.ID) {
			parts = append(parts, m.labelTag(l, 20))
		}
	}
	if done, total := m.ctx.Engine.State().SubtaskCounts(c.ID); total > 0 {
		parts = append(parts, st.Meta.Render(fmt.Sprintf("✓%d/%d", done, total)))
	}
	if c.Comments > 0 {
		parts = append(parts, st.Meta.Render(fmt.Sprintf("✎%d", c.Comments)))
	}
	if len(parts) == 0 {
		return st.Muted.Render("·")
	}
	return strings.Join(parts, " ")
}

// hit finds the card under a mouse click (in the columns view).
func (m *Model) hit(x, y int) (id string, column int, ok bool) {
	first, shown, width := m.Layout()
	if shown == 0 || width == 0 || m.lanes.by != laneNone {
		return "", 0, false
	}
	column = first + x/width
	cols := m.Columns()
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

// padBlock pads each line of a block drawn to the board's height to full
// cells, with a newline after each, as View's lines are.
func padBlock(block string, full int) string {
	var b strings.Builder
	for _, l := range strings.Split(block, "\n") {
		b.WriteString(l)
		if w := lipgloss.Width(l); w < full {
			b.WriteString(strings.Repeat(" ", full-w))
		}
		b.WriteString("\n")
	}
	return b.String()
}
