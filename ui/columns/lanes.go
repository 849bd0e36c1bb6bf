package columns

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/ui/common"
)

// Swimlanes (the View key, v): the board cut into row bands, one lane per
// assignee, priority or label, each across every column. j/k walk a
// lane's column and cross into the next lane; J/K at a lane's edge move
// the card into the next lane, which changes its assignee, priority or
// label to that lane's.

// laneBy is what the lanes are.
type laneBy int

const (
	laneNone laneBy = iota // columns only
	laneAssignee
	lanePriority
	laneLabel
	laneViews // how many views there are
)

func (b laneBy) String() string {
	return [...]string{"columns", "swimlanes by assignee", "swimlanes by priority", "swimlanes by label"}[b]
}

// lane is one band: its key (a user id, a priority or a label id; "" for
// none), its name, and its cards in each column, in board order.
type lane struct {
	key, name string
	cards     map[string][]string // column id → card ids
	count     int
}

// laneView is the swimlane view's state. The lanes built are shared by
// the model's copies and built again only when the board, the filter or
// the view changes, so a keystroke that only moves the selection costs
// what it draws.
type laneView struct {
	by    laneBy
	lane  int // the lane in focus when no card is selected
	built *builtLanes
}

type builtLanes struct {
	state   *board.State
	by      laneBy
	filter  string
	members int
	labels  []board.Label
	lanes   []lane
	// Each column's cards by lane key, and the list they were sorted
	// from: a column whose list is the same slice as before (the board
	// shares what a change did not touch) is not sorted again.
	cols map[string]columnLanes
}

type columnLanes struct {
	ids    []string
	groups map[string][]string
}

// forget drops the lanes built: the filter changed.
func (v *laneView) forget() {
	if v.built != nil {
		v.built.state = nil
		v.built.cols = nil
	}
}

// ViewName is the view in force, in words.
func (m *Model) ViewName() string { return m.lanes.by.String() }

// CycleView goes on to the next view: columns, then swimlanes by
// assignee, by priority, by label, and back.
func (m *Model) CycleView() {
	m.lanes.by = (m.lanes.by + 1) % laneViews
	m.lanes.forget()
	m.ctx.Message = "View: " + m.lanes.by.String() + " (" + common.KeyName(m.ctx.Keys.View) + " for the next)"
	if m.lanes.by != laneNone {
		m.lanes.lane = max(0, m.laneOf(m.selected))
	}
}

// Lanes is the view's lanes (nil in the columns view).
func (m *Model) Lanes() []lane {
	if m.lanes.by == laneNone {
		return nil
	}
	s := m.ctx.Engine.State()
	b := m.lanes.built
	if b == nil {
		b = &builtLanes{}
		m.lanes.built = b
	}
	members := len(m.ctx.Engine.Members())
	if b.state == s && b.by == m.lanes.by && b.filter == m.filterTx && b.members == members {
		return b.lanes
	}
	if b.by != m.lanes.by || b.filter != m.filterTx || b.members != members || !slices.Equal(b.labels, s.Labels()) {
		b.cols = nil // every card's lane may have changed
	}
	b.state, b.by, b.filter, b.members, b.labels = s, m.lanes.by, m.filterTx, members, s.Labels()
	b.lanes = m.buildLanes(s, b)
	return b.lanes
}

// laneKey is the lane a card belongs in, by the view's kind: its first
// assignee, its priority, or its first label in the labels' order ("" for
// none).
func (m *Model) laneKeyFunc(s *board.State) func(c *board.Card) string {
	switch m.lanes.by {
	case laneAssignee:
		return func(c *board.Card) string {
			if len(c.Assignees) > 0 {
				return c.Assignees[0]
			}
			return ""
		}
	case lanePriority:
		return func(c *board.Card) string {
			if c.Priority.Rank() == 0 {
				return string(board.PriorityNone)
			}
			return string(c.Priority)
		}
	}
	order := map[string]int{}
	for i, l := range s.Labels() {
		order[l.ID] = i
	}
	return func(c *board.Card) string {
		best, at := "", len(order)
		for _, l := range c.Labels {
			if i, ok := order[l]; ok && i < at {
				best, at = l, i
			}
		}
		return best
	}
}

// buildLanes sorts every shown card into its lane, column by column,
// sorting again only the columns that changed since b was built.
func (m *Model) buildLanes(s *board.State, b *builtLanes) []lane {
	keyOf := m.laneKeyFunc(s)
	f := m.filterNow()
	old := b.cols
	b.cols = make(map[string]columnLanes, len(s.Columns()))
	for _, col := range s.Columns() {
		ids := s.Visible(col.ID, f)
		if prev, ok := old[col.ID]; ok && sameSlice(prev.ids, ids) {
			b.cols[col.ID] = prev
			continue
		}
		groups := map[string][]string{}
		for _, id := range ids {
			if c, ok := s.Card(id); ok {
				k := keyOf(c)
				groups[k] = append(groups[k], id)
			}
		}
		b.cols[col.ID] = columnLanes{ids: ids, groups: groups}
	}
	// The lanes, in order: each lane's cards in each column.
	type head struct{ key, name string }
	var heads []head
	switch m.lanes.by {
	case laneAssignee:
		people := map[string]string{}
		for _, mb := range m.ctx.Engine.Members() {
			people[mb.UserID] = m.ctx.Name(mb.UserID)
		}
		for _, cl := range b.cols {
			for k := range cl.groups {
				if _, known := people[k]; !known && k != "" {
					people[k] = m.ctx.Name(k)
				}
			}
		}
		for id, name := range people {
			heads = append(heads, head{id, "@" + name})
		}
		sort.Slice(heads, func(i, j int) bool {
			a, b := strings.ToLower(heads[i].name), strings.ToLower(heads[j].name)
			return a < b || (a == b && heads[i].key < heads[j].key)
		})
		heads = append(heads, head{"", "Unassigned"})
	case lanePriority:
		for _, p := range []board.Priority{board.PriorityUrgent, board.PriorityHigh, board.PriorityMedium, board.PriorityLow} {
			heads = append(heads, head{string(p), strings.ToUpper(string(p[:1])) + string(p[1:])})
		}
		heads = append(heads, head{string(board.PriorityNone), "No priority"})
	case laneLabel:
		for _, l := range s.Labels() {
			heads = append(heads, head{l.ID, "#" + safe.Line(l.Name)})
		}
		heads = append(heads, head{"", "No label"})
	}
	lanes := make([]lane, len(heads))
	for i, h := range heads {
		lanes[i] = lane{key: h.key, name: h.name, cards: make(map[string][]string, len(b.cols))}
		for col, cl := range b.cols {
			if ids := cl.groups[h.key]; len(ids) > 0 {
				lanes[i].cards[col] = ids
				lanes[i].count += len(ids)
			}
		}
	}
	return lanes
}

// sameSlice reports whether a and b are the same list, not just equal.
func sameSlice(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// laneOf is the index of the lane that holds the card, or -1.
func (m *Model) laneOf(id string) int {
	if id == "" {
		return -1
	}
	c, ok := m.ctx.Engine.State().Card(id)
	if !ok {
		return -1
	}
	col := m.ctx.Engine.State().ColumnOf(c)
	for i, l := range m.Lanes() {
		if slices.Contains(l.cards[col], id) {
			return i
		}
	}
	return -1
}

// currentLane is the lane in focus: the selected card's, else the last.
func (m *Model) currentLane() int {
	lanes := m.Lanes()
	if i := m.laneOf(m.selected); i >= 0 {
		m.lanes.lane = i
	}
	m.lanes.lane = max(0, min(m.lanes.lane, len(lanes)-1))
	return m.lanes.lane
}

// laneStep moves the selection in the swimlane view.
func (m *Model) laneStep(msg tea.KeyMsg) {
	k := m.ctx.Keys
	lanes := m.Lanes()
	col, ok := m.focusedColumn()
	if !ok || len(lanes) == 0 {
		return
	}
	li := m.currentLane()
	ids := lanes[li].cards[col.ID]
	i := indexOf(ids, m.selected)
	pick := func(l, at int, column string) {
		cards := lanes[l].cards[column]
		m.lanes.lane = l
		if len(cards) == 0 {
			m.selected = ""
			return
		}
		m.selected = cards[max(0, min(at, len(cards)-1))]
		m.remember[column] = m.selected
		m.scrollTo(column)
	}
	switch {
	case key.Matches(msg, k.Down):
		if i >= 0 && i+1 < len(ids) {
			pick(li, i+1, col.ID)
			return
		}
		for l := li + 1; l < len(lanes); l++ {
			if len(lanes[l].cards[col.ID]) > 0 {
				pick(l, 0, col.ID)
				return
			}
		}
	case key.Matches(msg, k.Up):
		if i > 0 {
			pick(li, i-1, col.ID)
			return
		}
		for l := li - 1; l >= 0; l-- {
			if n := len(lanes[l].cards[col.ID]); n > 0 {
				pick(l, n-1, col.ID)
				return
			}
		}
	case key.Matches(msg, k.Left), key.Matches(msg, k.Right):
		d := 1
		if key.Matches(msg, k.Left) {
			d = -1
		}
		to := m.focus + d
		cols := m.Columns()
		if to < 0 || to >= len(cols) {
			return
		}
		m.focus = to
		next := cols[to].ID
		// The same lane, else the nearest lane with cards there.
		for dist := 0; dist < len(lanes); dist++ {
			for _, l := range []int{li + dist, li - dist} {
				if l >= 0 && l < len(lanes) && len(lanes[l].cards[next]) > 0 {
					pick(l, max(i, 0), next)
					return
				}
			}
		}
		m.selected = ""
	}
}

// laneReorder is J/K in the swimlane view: within the lane's column the
// card swaps places with its neighbour in the lane; at the lane's edge it
// moves into the next (or previous) lane.
func (m Model) laneReorder(down bool) (Model, tea.Cmd) {
	lanes := m.Lanes()
	col, ok := m.focusedColumn()
	if !ok || m.selected == "" {
		return m, nil
	}
	s, now := m.ctx.Engine.State(), m.ctx.Now()
	li := m.currentLane()
	ids := lanes[li].cards[col.ID]
	i := indexOf(ids, m.selected)
	j := i - 1
	if down {
		j = i + 1
	}
	if i >= 0 && j >= 0 && j < len(ids) {
		all := s.Column(col.ID)
		return m.do(s.Reorder(m.selected, indexOf(all, ids[j])-indexOf(all, m.selected), now))
	}
	to := li - 1
	if down {
		to = li + 1
	}
	if to < 0 || to >= len(lanes) {
		return m, nil
	}
	return m.toLane(lanes[li], lanes[to])
}

// toLane moves the selected card from one lane to another: it takes the
// new lane's assignee, priority or label in place of the old one's.
func (m Model) toLane(from, to lane) (Model, tea.Cmd) {
	s, now, id := m.ctx.Engine.State(), m.ctx.Now(), m.selected
	c, ok := s.Card(id)
	if !ok {
		return m, nil
	}
	var cmds []tea.Cmd
	step := func(mut board.Mutation, err error) bool {
		cmd, ok := m.ctx.Do(mut, err)
		cmds = append(cmds, cmd)
		s = m.ctx.Engine.State()
		return ok
	}
	switch m.lanes.by {
	case laneAssignee:
		if from.key != "" && !step(s.SetAssigned(id, from.key, false, now)) {
			return m, tea.Batch(cmds...)
		}
		if to.key != "" && !step(s.SetAssigned(id, to.key, true, now)) {
			return m, tea.Batch(cmds...)
		}
		// Its other assignees stay; the lane is the first one's, so the
		// one it moved to goes first by being the only one it gained.
	case lanePriority:
		if !step(s.SetPriority(id, board.Priority(to.key), now)) {
			return m, tea.Batch(cmds...)
		}
	case laneLabel:
		labels := slices.DeleteFunc(slices.Clone(c.Labels), func(l string) bool { return l == from.key })
		if to.key != "" {
			labels = append(labels, to.key)
		} else {
			labels = nil // "No label": it leaves every lane of a label
		}
		if !step(s.SetLabels(id, labels, now)) {
			return m, tea.Batch(cmds...)
		}
	}
	m.ctx.Message = fmt.Sprintf("Moved %s to %s", quote(c.Title), to.name)
	m.Follow()
	if l := m.laneOf(id); l >= 0 {
		m.lanes.lane = l
	}
	return m, tea.Batch(cmds...)
}

// lanesView draws the swimlane view: a line of column headers, then each
// lane as a heading across the board and its cards under their columns.
// Only the lanes and cards in view are drawn.
func (m *Model) lanesView(full int) string {
	st := &m.ctx.Styles
	s := m.ctx.Engine.State()
	cols := m.Columns()
	first, shown, _ := m.Layout()
	total := m.Width()
	widths := make([]int, shown)
	for i := range widths {
		widths[i] = total / shown
	}
	widths[shown-1] += total - shown*(total/shown)
	lanes := m.Lanes()
	focus := m.currentLane()
	height := m.boardHeight()
	pad := strings.Repeat(" ", max(0, full-total))
	sep := st.Frame.Render("│")
	var out []string
	// The column headers.
	var head strings.Builder
	for i := 0; i < shown; i++ {
		col := cols[first+i]
		n := s.ColumnSize(col.ID)
		count := wipCount(col, n)
		if !m.filter.Empty() {
			// The cards the filter lets through, as the lanes sorted them.
			count = fmt.Sprintf("%d of %s", len(m.lanes.built.cols[col.ID].ids), count)
		}
		h := m.columnHeader(col.Name, count, col.Over(n), widths[i]-2)
		if first+i == m.focus {
			h = st.FrameFocused.Render("▸") + h
		} else {
			h = " " + h
		}
		head.WriteString(h + " ")
	}
	out = append(out, head.String(), m.laneRule(total, cols[:first], cols[first+shown:]))
	// Each lane: a heading and its rows of cards. The focused lane shows
	// as many cards as fit; the others two rows at most.
	rowsFor := func(l int) int {
		most := 0
		for i := 0; i < shown; i++ {
			most = max(most, len(lanes[l].cards[cols[first+i].ID]))
		}
		limit := 2
		if l == focus {
			limit = max(2, (height-len(out)-1-2*(len(lanes)-1))/cardLines)
		}
		return min(most, limit)
	}
	// The first lane drawn: the focused one's band must fit below it.
	start, used := focus, 1+rowsFor(focus)*cardLines
	for start > 0 {
		need := 1 + rowsFor(start-1)*cardLines
		if used+need > height-len(out) {
			break
		}
		start--
		used += need
	}
	for l := start; l < len(lanes) && len(out) < height; l++ {
		ln := lanes[l]
		name := ansi.Truncate(ln.name, max(4, total-12), "…")
		heading := fmt.Sprintf("%s  %d", name, ln.count)
		style := st.Muted
		if l == focus {
			style = st.Heading
		}
		out = append(out, style.Render(ansi.Truncate("▌ "+heading, total, "…")))
		rows := rowsFor(l)
		for r := 0; r < rows; r++ {
			cells := make([][]string, shown)
			for i := 0; i < shown; i++ {
				col := cols[first+i]
				ids := ln.cards[col.ID]
				top := 0
				if l == focus {
					top = m.laneTop(ids, rows)
				}
				w := widths[i] - 1
				if top+r < len(ids) {
					if c, ok := s.Card(ids[top+r]); ok {
						d := m.cardLines(c, c.ID == m.selected && first+i == m.focus, w)
						cells[i] = padCells(d, w)
						if r == rows-1 && len(ids) > top+rows {
							cells[i][len(cells[i])-1] = st.Muted.Render(padTo(fmt.Sprintf("  ↓ %d more", len(ids)-top-rows), w))
						}
						continue
					}
				}
				cells[i] = []string{strings.Repeat(" ", w), strings.Repeat(" ", w)}
			}
			for line := 0; line < cardLines; line++ {
				var b strings.Builder
				for i := range cells {
					if i > 0 {
						b.WriteString(sep)
					} else {
						b.WriteString(" ")
					}
					if line < len(cells[i]) {
						b.WriteString(cells[i][line])
					}
				}
				out = append(out, b.String())
			}
		}
	}
	out = out[:min(len(out), height)]
	for len(out) < height {
		out = append(out, "")
	}
	var b strings.Builder
	for _, l := range out {
		b.WriteString(l)
		if w := lipgloss.Width(l); w < total {
			b.WriteString(strings.Repeat(" ", total-w))
		}
		b.WriteString(pad)
		b.WriteString("\n")
	}
	return b.String()
}

// laneTop is the first card of the focused lane's column shown, so the
// selected card is in view.
func (m *Model) laneTop(ids []string, rows int) int {
	i := indexOf(ids, m.selected)
	if i < rows || rows <= 0 {
		return 0
	}
	return min(i-rows+1, max(0, len(ids)-rows))
}

// padCells is a drawn card's lines, each padded to w cells.
func padCells(d drawnCard, w int) []string {
	out := make([]string, len(d.lines))
	for i, l := range d.lines {
		out[i] = l + strings.Repeat(" ", max(0, w-d.widths[i]))
	}
	return out
}

func padTo(s string, w int) string {
	s = ansi.Truncate(s, w, "")
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

// laneRule is the line under the column headers, naming the columns
// hidden to either side as the columns view's borders do.
func (m *Model) laneRule(total int, left, right []board.Column) string {
	st := &m.ctx.Styles
	room := total - 4
	if len(left) > 0 && len(right) > 0 {
		room = (total - 7) / 2
	}
	l, r := edgeHint(left, room, true), edgeHint(right, room, false)
	var b strings.Builder
	used := 0
	if l != "" {
		b.WriteString(st.Frame.Render("─ ") + st.Muted.Render(l) + " ")
		used += 3 + ansi.StringWidth(l)
	}
	rw := 0
	if r != "" {
		rw = 3 + ansi.StringWidth(r)
	}
	b.WriteString(st.Frame.Render(strings.Repeat("─", max(0, total-used-rw))))
	if r != "" {
		b.WriteString(" " + st.Muted.Render(r) + st.Frame.Render(" ─"))
	}
	return b.String()
}
