package board

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Priority is a card's priority, as the API spells it.
type Priority string

// The priorities, lowest first.
const (
	PriorityNone   Priority = "none"
	PriorityLow    Priority = "low"
	PriorityMedium Priority = "medium"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

var priorityOrder = [...]Priority{PriorityNone, PriorityLow, PriorityMedium, PriorityHigh, PriorityUrgent}

// Rank is 0 for none up to 4 for urgent; unknown values rank as none.
func (p Priority) Rank() int {
	for i, q := range priorityOrder {
		if p == q {
			return i
		}
	}
	return 0
}

// Step is the priority n steps up (or down, for negative n), clamped.
func (p Priority) Step(n int) Priority {
	return priorityOrder[max(0, min(len(priorityOrder)-1, p.Rank()+n))]
}

// Column is a status column of the project.
type Column struct {
	ID     string
	Name   string
	IsDone bool
	// WipLimit is how many cards the column should hold at most (0: no
	// limit). It is soft: a card moved into a full column still moves.
	WipLimit int
	Color    string // "#rrggbb", or "" for none
}

// Over reports whether n cards are more than the column's limit.
func (c Column) Over(n int) bool { return c.WipLimit > 0 && n > c.WipLimit }

// Label is one of the project's labels.
type Label struct {
	ID    string
	Name  string
	Color string // "#rrggbb", or "" for none
}

// IsColor says c is a colour lanes draws and keeps: "#rrggbb", in
// either case. Anything else a server or a file sends is no colour.
func IsColor(c string) bool {
	ok := len(c) == 7 && c[0] == '#'
	for i := 1; ok && i < len(c); i++ {
		b := c[i]
		ok = b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
	}
	return ok
}

// Card is a task as the board holds it. Empty strings stand for "none".
type Card struct {
	ID          string
	ProjectID   string
	StatusID    string
	ParentID    string
	Title       string
	Description string
	Priority    Priority
	Due         *time.Time
	CompletedAt *time.Time
	Archived    bool
	Estimate    *float64
	Position    string
	// ReopenStatusID is the open column a done card was completed from,
	// where reopening puts it back ("" when unknown).
	ReopenStatusID string
	Assignees      []string
	Labels         []string // label ids, sorted
	CreatorID      string
	Comments       int
	Version        int64
	UpdatedAt      time.Time
}

// Done reports whether the card is complete.
func (c *Card) Done() bool { return c.CompletedAt != nil }

// Overdue reports whether the card is open and due before now.
func (c *Card) Overdue(now time.Time) bool {
	return c.Due != nil && c.CompletedAt == nil && c.Due.Before(now)
}

// clone is a copy that shares nothing mutable with c.
func (c *Card) clone() *Card {
	n := *c
	n.Assignees = append([]string(nil), c.Assignees...)
	n.Labels = append([]string(nil), c.Labels...)
	return &n
}

// HasLabel reports whether the card carries the label.
func (c *Card) HasLabel(id string) bool {
	for _, l := range c.Labels {
		if l == id {
			return true
		}
	}
	return false
}

// rename follows a temporary id (of a card, a column or a label) to the
// server's in c.
func (c *Card) rename(from, to string) bool {
	changed := false
	for _, id := range []*string{&c.ID, &c.ParentID, &c.StatusID, &c.ReopenStatusID} {
		if *id == from {
			*id, changed = to, true
		}
	}
	for i, l := range c.Labels {
		if l == from {
			c.Labels[i], changed = to, true
		}
	}
	return changed
}

// snapshot is an immutable board: every card and every ordered list.
type snapshot struct {
	cards map[string]*Card
	lists map[string][]string

	ownersOnce sync.Once
	byOwner    map[string][]*Card // top-level cards by owner, made on first use
}

// ownedBy is the snapshot's top-level cards by owner (see Card.owners).
func (b *snapshot) ownedBy() map[string][]*Card {
	b.ownersOnce.Do(func() {
		b.byOwner = map[string][]*Card{}
		for _, c := range b.cards {
			if c.ParentID != "" {
				continue
			}
			for _, id := range c.owners() {
				b.byOwner[id] = append(b.byOwner[id], c)
			}
		}
	})
	return b.byOwner
}

// eachOwnedBy calls fn for every top-level card one of ids owns (a card
// owned by two of them, once).
func (s *State) eachOwnedBy(ids []string, fn func(*Card)) {
	owned := s.base.ownedBy()
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	seen := map[string]bool{}
	for _, id := range ids {
		for _, c := range owned[id] {
			if _, over := s.cards[c.ID]; over || seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			fn(c)
		}
	}
	for _, c := range s.cards {
		if c == nil || c.ParentID != "" {
			continue
		}
		for _, id := range c.owners() {
			if want[id] {
				fn(c)
				break
			}
		}
	}
}

// State is one project's board at one moment: a shared immutable snapshot
// and a small overlay of what changed since, so deriving a new State from
// an old one costs what changed, not the size of the board. A State is never
// modified once handed out; Apply makes a new one.
type State struct {
	columns []Column
	labels  []Label // by name; shared, never changed in place
	base    *snapshot
	cards   map[string]*Card    // overlay; a nil value means deleted
	lists   map[string][]string // overlay of ordered id lists
	owned   map[string]bool     // lists this State copied and may change in place
	// sizes are the columns' numbers of cards in the whole board, for a
	// State that holds only their first cards (a large board's cache
	// being read; see Engine.Loading). Shared, never changed.
	sizes map[string]int
}

// Lists: the cards of column C are under "c:"+C, the subtasks of card P
// under "s:"+P. Archived cards are in no list.
func columnList(id string) string  { return "c:" + id }
func subtaskList(id string) string { return "s:" + id }

// NewState builds a board from columns and cards (in any order). Each
// list's cards are sorted as cards, then their ids taken: the sort never
// looks a card up by id (at 100,000 cards that was 340 ms of map lookups).
// Cards given in list order (a cache, a server's list) sort in one pass.
func NewState(columns []Column, cards []*Card) *State {
	s := &State{columns: append([]Column(nil), columns...), base: &snapshot{cards: make(map[string]*Card, len(cards)), lists: map[string][]string{}}}
	for _, c := range cards {
		s.base.cards[c.ID] = c
	}
	dups := len(s.base.cards) < len(cards)
	if dups {
		// The same card twice (a fetch that read the active and archived
		// lists either side of a change): the newer one stands, the first
		// of equals.
		clear(s.base.cards)
		for _, c := range cards {
			if old, dup := s.base.cards[c.ID]; dup && old.Version > c.Version {
				continue
			}
			s.base.cards[c.ID] = c
		}
	}
	// Where each card is listed (see listOf): by its column's place, or
	// under its parent.
	place := make(map[string]int, len(s.columns))
	for i := len(s.columns) - 1; i >= 0; i-- {
		place[s.columns[i].ID] = i // the first column of an id, as ColumnByID finds
	}
	// First where each card goes (a column's place, -1 for none, -2 for
	// a list by key), so each column's slice is made once at its size.
	const none, keyed = -1, -2
	where := make([]int32, len(cards))
	count := make([]int, len(s.columns))
	lastStatus, known, at := "", false, int32(0)
	var taken map[string]bool
	if dups {
		taken = make(map[string]bool, len(s.base.cards))
	}
	for k, c := range cards {
		switch {
		case dups && (s.base.cards[c.ID] != c || taken[c.ID]):
			where[k] = none // a copy that lost to another, or listed already
			continue
		case c.Archived:
			where[k] = none
		case c.ParentID != "" || len(s.columns) == 0:
			where[k] = keyed
		default:
			if !known || c.StatusID != lastStatus {
				// Cards in list order come a column at a time.
				i, ok := place[c.StatusID]
				if !ok {
					i = 0
				}
				lastStatus, known, at = c.StatusID, true, int32(i)
			}
			where[k] = at
			count[at]++
		}
		if dups {
			taken[c.ID] = true
		}
	}
	inColumn := make([][]*Card, len(s.columns))
	for i, n := range count {
		inColumn[i] = make([]*Card, 0, n)
	}
	var byKey map[string][]*Card // subtasks under their parent, and with no columns, cards by status
	for k, c := range cards {
		switch w := where[k]; {
		case w >= 0:
			inColumn[w] = append(inColumn[w], c)
		case w == keyed:
			key := columnList(c.StatusID)
			if c.ParentID != "" {
				key = subtaskList(c.ParentID)
			}
			if byKey == nil {
				byKey = map[string][]*Card{}
			}
			byKey[key] = append(byKey[key], c)
		}
	}
	for i, l := range inColumn {
		if len(l) > 0 {
			s.base.lists[columnList(s.columns[i].ID)] = sortedIDs(l)
		}
	}
	for key, l := range byKey {
		s.base.lists[key] = sortedIDs(l)
	}
	s.cards, s.lists, s.owned = map[string]*Card{}, map[string][]string{}, map[string]bool{}
	return s
}

// sortedIDs sorts cards as a list holds them and returns their ids.
func sortedIDs(cards []*Card) []string {
	if !slices.IsSortedFunc(cards, cardCmp) {
		// Sorted by the first 8 bytes of the positions as a number, so
		// most comparisons touch neither card.
		keys := make([]cardKey, len(cards))
		for i, c := range cards {
			keys[i] = cardKey{prefix(c.Position), c}
		}
		slices.SortFunc(keys, func(a, b cardKey) int {
			switch {
			case a.pre < b.pre:
				return -1
			case a.pre > b.pre:
				return 1
			}
			return cardCmp(a.c, b.c)
		})
		for i, k := range keys {
			cards[i] = k.c
		}
	}
	ids := make([]string, len(cards))
	for i, c := range cards {
		ids[i] = c.ID
	}
	return ids
}

// cardKey is a card with the start of its position, for sorting.
type cardKey struct {
	pre uint64
	c   *Card
}

// prefix is the first 8 bytes of s as a big-endian number: two strings'
// prefixes compare as the strings do, or are equal.
func prefix(s string) uint64 {
	var p uint64
	for i := 0; i < 8; i++ {
		p <<= 8
		if i < len(s) {
			p |= uint64(s[i])
		}
	}
	return p
}

// cardCmp orders cards as cardLess does.
func cardCmp(a, b *Card) int {
	if c := strings.Compare(a.Position, b.Position); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func cardLess(a, b *Card) bool {
	if a.Position != b.Position {
		return a.Position < b.Position
	}
	return a.ID < b.ID
}

// clone is a new State sharing everything with s; changes to it copy first.
func (s *State) clone() *State {
	n := &State{columns: s.columns, labels: s.labels, base: s.base, cards: make(map[string]*Card, len(s.cards)+1), lists: make(map[string][]string, len(s.lists)+1), owned: map[string]bool{},
		sizes: s.sizes}
	for k, v := range s.cards {
		n.cards[k] = v
	}
	for k, v := range s.lists {
		n.lists[k] = v
	}
	return n
}

// flatten folds the overlay into a new snapshot, once it has grown.
func (s *State) flatten() *State {
	if len(s.cards) < 4096 {
		return s
	}
	var cards []*Card
	s.each(func(c *Card) { cards = append(cards, c) })
	return NewState(s.columns, cards).WithLabels(s.labels)
}

// withColumns is s with the columns cols: sharing its cards and lists
// when the columns' ids stand as they did (a name, a colour or a limit
// changed), else built again, as the cards of a column that went move to
// the first.
func (s *State) withColumns(cols []Column) *State {
	same := len(cols) == len(s.columns)
	for i := 0; same && i < len(cols); i++ {
		same = cols[i].ID == s.columns[i].ID
	}
	if !same {
		var cards []*Card
		s.each(func(c *Card) { cards = append(cards, c) })
		return NewState(cols, cards).WithLabels(s.labels)
	}
	n := s.clone()
	n.columns = append([]Column(nil), cols...)
	return n
}

// WithLabels is s with the project's labels ls (in any order).
func (s *State) WithLabels(ls []Label) *State {
	n := s.clone()
	n.labels = sortLabels(append([]Label(nil), ls...))
	return n
}

func sortLabels(ls []Label) []Label {
	sort.SliceStable(ls, func(i, j int) bool {
		a, b := strings.ToLower(ls[i].Name), strings.ToLower(ls[j].Name)
		if a != b {
			return a < b
		}
		return ls[i].ID < ls[j].ID
	})
	return ls
}

// Labels are the project's labels by name. The slice is shared: do not
// modify it.
func (s *State) Labels() []Label { return s.labels }

// LabelByID finds a label.
func (s *State) LabelByID(id string) (Label, bool) {
	for _, l := range s.labels {
		if l.ID == id {
			return l, true
		}
	}
	return Label{}, false
}

// LabelNamed finds a label by its name, in any case.
func (s *State) LabelNamed(name string) (Label, bool) {
	for _, l := range s.labels {
		if strings.EqualFold(l.Name, name) {
			return l, true
		}
	}
	return Label{}, false
}

// ColumnIndex is where a column stands on the board, or -1.
func (s *State) ColumnIndex(id string) int {
	for i, c := range s.columns {
		if c.ID == id {
			return i
		}
	}
	return -1
}

func (s *State) each(fn func(*Card)) {
	for id, c := range s.base.cards {
		if _, over := s.cards[id]; !over {
			fn(c)
		}
	}
	for _, c := range s.cards {
		if c != nil {
			fn(c)
		}
	}
}

// Len is the number of cards, archived and subtasks included.
func (s *State) Len() int {
	n := len(s.base.cards)
	for id, c := range s.cards {
		_, inBase := s.base.cards[id]
		switch {
		case c == nil && inBase:
			n--
		case c != nil && !inBase:
			n++
		}
	}
	return n
}

// Columns are the project's columns in board order.
func (s *State) Columns() []Column { return s.columns }

// ColumnByID finds a column.
func (s *State) ColumnByID(id string) (Column, bool) {
	for _, c := range s.columns {
		if c.ID == id {
			return c, true
		}
	}
	return Column{}, false
}

// FirstColumn is the first column that is (done) or is not (!done) done.
func (s *State) FirstColumn(done bool) (Column, bool) {
	for _, c := range s.columns {
		if c.IsDone == done {
			return c, true
		}
	}
	return Column{}, false
}

// Card finds a card by id.
func (s *State) Card(id string) (*Card, bool) {
	if c, ok := s.cards[id]; ok {
		return c, c != nil
	}
	c, ok := s.base.cards[id]
	return c, ok
}

func (s *State) list(key string) []string {
	if l, ok := s.lists[key]; ok {
		return l
	}
	return s.base.lists[key]
}

// Column is the ids of a column's cards in order. The slice is shared: do
// not modify it.
func (s *State) Column(id string) []string { return s.list(columnList(id)) }

// ColumnSize is how many cards a column has: len(Column), or, while a
// large board's cache is read (the State holds only each column's first
// cards), how many the whole board has.
func (s *State) ColumnSize(id string) int {
	if n, ok := s.sizes[id]; ok {
		return n
	}
	return len(s.Column(id))
}

// withSizes is s holding only its columns' first cards, of the numbers
// sizes says.
func (s *State) withSizes(sizes map[string]int) *State {
	n := s.clone()
	n.sizes = sizes
	return n
}

// Subtasks is the ids of a card's subtasks in order (shared; read only).
func (s *State) Subtasks(id string) []string { return s.list(subtaskList(id)) }

// SubtaskCounts is how many subtasks a card has and how many are done.
func (s *State) SubtaskCounts(id string) (done, total int) {
	for _, k := range s.Subtasks(id) {
		if c, ok := s.Card(k); ok {
			total++
			if c.Done() {
				done++
			}
		}
	}
	return done, total
}

// ColumnOf is the column a card is shown in: its status, or the first
// column when its status is none or unknown.
func (s *State) ColumnOf(c *Card) string {
	if _, ok := s.ColumnByID(c.StatusID); ok || len(s.columns) == 0 {
		return c.StatusID
	}
	return s.columns[0].ID
}

func (s *State) listOf(c *Card) (string, bool) {
	switch {
	case c.Archived:
		return "", false
	case c.ParentID != "":
		return subtaskList(c.ParentID), true
	default:
		return columnList(s.ColumnOf(c)), true
	}
}

// Index is where a card stands in its list, or -1.
func (s *State) Index(c *Card) int {
	key, ok := s.listOf(c)
	if !ok {
		return -1
	}
	l := s.list(key)
	i := sort.Search(len(l), func(i int) bool {
		o, _ := s.Card(l[i])
		return !cardLess(o, c)
	})
	if i < len(l) && l[i] == c.ID {
		return i
	}
	return -1
}

// put replaces (or adds) a card in place, keeping the lists ordered. Only
// for a State being built.
func (s *State) put(c *Card) {
	if old, ok := s.Card(c.ID); ok {
		s.unlist(old)
	}
	s.cards[c.ID] = c
	key, ok := s.listOf(c)
	if !ok {
		return
	}
	l := s.ownList(key)
	i := sort.Search(len(l), func(i int) bool {
		o, _ := s.Card(l[i])
		return !cardLess(o, c)
	})
	l = append(l, "")
	copy(l[i+1:], l[i:])
	l[i] = c.ID
	s.lists[key] = l
}

// putNewer puts c unless the State holds a newer copy (a higher version).
// Cards from a seed-only server have no version and always replace.
func (s *State) putNewer(c *Card) {
	if old, ok := s.Card(c.ID); !ok || old.Version <= c.Version || c.Version == 0 {
		s.put(c)
	}
}

// remove deletes a card and its subtasks in place.
func (s *State) remove(id string) {
	c, ok := s.Card(id)
	if !ok {
		return
	}
	for _, k := range append([]string(nil), s.Subtasks(id)...) {
		s.remove(k)
	}
	s.unlist(c)
	if _, inBase := s.base.cards[id]; inBase {
		s.cards[id] = nil
	} else {
		delete(s.cards, id)
	}
}

func (s *State) unlist(c *Card) {
	key, ok := s.listOf(c)
	if !ok {
		return
	}
	i := s.Index(c)
	if i < 0 {
		return
	}
	l := s.ownList(key)
	s.lists[key] = append(l[:i], l[i+1:]...)
}

// ownList makes the list at key this State's own to change.
func (s *State) ownList(key string) []string {
	l := s.list(key)
	if !s.owned[key] {
		l = append(make([]string, 0, len(l)+1), l...)
		s.lists[key] = l
		s.owned[key] = true
	}
	return l
}

// Filter selects cards. The zero Filter selects every card.
type Filter struct {
	Text     string   // words that must all appear in the title (any case)
	Assignee string   // a user id that must be among the assignees
	Priority Priority // the priority the card must have
	Label    string   // a label id the card must carry
	Overdue  bool     // only open cards due before Now
	Now      time.Time
}

// Empty reports whether the filter selects everything.
func (f Filter) Empty() bool {
	return f.Text == "" && f.Assignee == "" && f.Priority == "" && f.Label == "" && !f.Overdue
}

// Match reports whether the card passes the filter.
func (f Filter) Match(c *Card) bool {
	if f.Priority != "" && c.Priority != f.Priority {
		return false
	}
	if f.Overdue && !c.Overdue(f.Now) {
		return false
	}
	if f.Label != "" && !c.HasLabel(f.Label) {
		return false
	}
	if f.Assignee != "" {
		found := false
		for _, a := range c.Assignees {
			found = found || a == f.Assignee
		}
		if !found {
			return false
		}
	}
	if f.Text != "" {
		title := strings.ToLower(c.Title)
		for _, w := range strings.Fields(strings.ToLower(f.Text)) {
			if !strings.Contains(title, w) {
				return false
			}
		}
	}
	return true
}

// Visible is the ids of a column's cards that pass the filter, in order.
// With an empty filter it is the column itself, not a copy.
func (s *State) Visible(column string, f Filter) []string {
	ids := s.Column(column)
	if f.Empty() {
		return ids
	}
	var out []string
	for _, id := range ids {
		if c, ok := s.Card(id); ok && f.Match(c) {
			out = append(out, id)
		}
	}
	return out
}
