package board

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The board's shape: its columns and labels. Changes to them are
// mutations like a card's, applied at once and sent through the outbox;
// TaskID names the column or label (a temporary id until the server makes
// a new one).

// Bounds on what a person can make, the server's as well.
const (
	MaxColumns    = 50 // per project
	MaxColumnName = 100
	MaxLabelName  = 50
	MaxWipLimit   = 9999
	MaxLabels     = 200 // per project
	MaxCardLabels = 20
)

// errColumnGone is a change to a column deleted elsewhere.
var errColumnGone = errors.New("the column no longer exists")

func (s *State) applyShape(m Mutation) error {
	switch m.Kind {
	case KindLabelAdd:
		if _, ok := s.LabelByID(m.TaskID); ok {
			return nil // already confirmed
		}
		l := Label{ID: m.TaskID}
		if m.Title != nil {
			l.Name = *m.Title
		}
		if m.Color != nil {
			l.Color = *m.Color
		}
		s.labels = sortLabels(append(slices.Clone(s.labels), l))
		return nil
	case KindColumnAdd:
		if s.ColumnIndex(m.TaskID) >= 0 {
			return nil // already confirmed
		}
		c := Column{ID: m.TaskID}
		if m.Title != nil {
			c.Name = *m.Title
		}
		if m.Done != nil {
			c.IsDone = *m.Done
		}
		if m.WipLimit != nil {
			c.WipLimit = *m.WipLimit
		}
		at := len(s.columns)
		if m.Index != nil {
			at = max(0, min(at, *m.Index))
		}
		s.columns = slices.Insert(slices.Clone(s.columns), at, c)
		return nil
	}
	i := s.ColumnIndex(m.TaskID)
	if i < 0 {
		return fmt.Errorf("%s: %w", m.Kind, errColumnGone)
	}
	if m.Kind == KindColumnDelete {
		return s.deleteColumn(i, m)
	}
	cols := slices.Clone(s.columns)
	c := cols[i]
	if m.Title != nil {
		c.Name = *m.Title
	}
	if m.WipLimit != nil {
		c.WipLimit = *m.WipLimit
	}
	doneChanged := m.Done != nil && *m.Done != c.IsDone
	if m.Done != nil {
		c.IsDone = *m.Done
	}
	cols[i] = c
	if m.Index != nil {
		to := max(0, min(len(cols)-1, *m.Index))
		cols = slices.Insert(slices.Delete(cols, i, i+1), to, c)
	}
	s.columns = cols
	if doneChanged {
		// The server settles its cards' completion as a column changes
		// its kind: every card in it is now done, or open.
		for _, id := range slices.Clone(s.Column(c.ID)) {
			card, _ := s.Card(id)
			n := card.clone()
			s.settleCompletion(n, m.At)
			if n.Done() != card.Done() {
				s.put(n)
			}
		}
	}
	return nil
}

// deleteColumn moves the column's cards (archived ones too) to the end of
// m.StatusID, then takes the column away.
func (s *State) deleteColumn(i int, m Mutation) error {
	gone := s.columns[i]
	if len(s.columns) == 1 {
		return errors.New("a project needs at least one column")
	}
	to := ""
	if m.StatusID != nil {
		to = *m.StatusID
	}
	moving := s.cardsIn(gone.ID)
	if len(moving) > 0 {
		if to == "" || to == gone.ID || s.ColumnIndex(to) < 0 {
			return fmt.Errorf("the cards of %q need another column to go to", gone.Name)
		}
		slices.SortFunc(moving, func(a, b *Card) int {
			if cardLess(a, b) {
				return -1
			}
			return 1
		})
		for _, c := range moving {
			n := c.clone()
			n.StatusID = to
			if !n.Archived {
				if p := s.endOf(to); p != nil {
					n.Position = *p
				}
			}
			s.settleCompletion(n, m.At)
			s.noteReopen(c, n)
			s.put(n)
		}
	}
	s.columns = slices.Delete(slices.Clone(s.columns), i, i+1)
	return nil
}

// cardsIn is the column's cards, archived ones too: what a delete of it
// moves. (Subtasks go with their cards.)
func (s *State) cardsIn(column string) []*Card {
	var out []*Card
	s.each(func(c *Card) {
		if c.ParentID == "" && s.ColumnOf(c) == column {
			out = append(out, c)
		}
	})
	return out
}

// CardsIn counts the column's cards, archived ones too: a delete of a
// column holding any must say where they go.
func (s *State) CardsIn(column string) int { return len(s.cardsIn(column)) }

// sortedLabels is a card's label ids, sorted, without repeats.
func sortedLabels(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// cleanName is a column's or label's name, trimmed, or why it can't be one.
func cleanName(what, name string, most int) (string, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case name == "":
		return "", fmt.Errorf("a %s needs a name", what)
	case n > most:
		return "", fmt.Errorf("a %s's name can be at most %d characters (this one has %d)", what, most, n)
	case strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "", fmt.Errorf("a %s's name can't hold control characters", what)
	}
	return name, nil
}

func (s *State) shape(kind Kind, id string, at time.Time) Mutation {
	return Mutation{ID: NewID(), Kind: kind, TaskID: id, At: at}
}

// AddColumn makes a column named name just after the column after (first,
// when after is "").
func (s *State) AddColumn(after, name string, at time.Time) (Mutation, error) {
	n, err := cleanName("column", name, MaxColumnName)
	if err != nil {
		return Mutation{}, err
	}
	for _, c := range s.columns {
		if strings.EqualFold(c.Name, n) {
			return Mutation{}, fmt.Errorf("there is already a column %q", c.Name)
		}
	}
	if len(s.columns) >= MaxColumns {
		return Mutation{}, fmt.Errorf("a project can have at most %d columns", MaxColumns)
	}
	idx := s.ColumnIndex(after) + 1
	m := s.shape(KindColumnAdd, NewTempID(), at)
	f := false
	m.Title, m.Index, m.Done = &n, &idx, &f
	return m, nil
}

func (s *State) column(id string) (Column, int, error) {
	i := s.ColumnIndex(id)
	if i < 0 {
		return Column{}, -1, errColumnGone
	}
	return s.columns[i], i, nil
}

// RenameColumn gives a column a new name.
func (s *State) RenameColumn(id, name string, at time.Time) (Mutation, error) {
	c, _, err := s.column(id)
	if err != nil {
		return Mutation{}, err
	}
	n, err := cleanName("column", name, MaxColumnName)
	if err != nil {
		return Mutation{}, err
	}
	for _, o := range s.columns {
		if o.ID != c.ID && strings.EqualFold(o.Name, n) {
			return Mutation{}, fmt.Errorf("there is already a column %q", o.Name)
		}
	}
	if n == c.Name {
		return Mutation{}, ErrNoRoom
	}
	m := s.shape(KindColumnEdit, id, at)
	m.Title = &n
	return m, nil
}

// MoveColumn moves a column delta places right (left, when negative).
func (s *State) MoveColumn(id string, delta int, at time.Time) (Mutation, error) {
	_, i, err := s.column(id)
	if err != nil {
		return Mutation{}, err
	}
	to := i + delta
	if to < 0 || to >= len(s.columns) || delta == 0 {
		return Mutation{}, ErrNoRoom
	}
	m := s.shape(KindColumnEdit, id, at)
	m.Index = &to
	return m, nil
}

// SetWipLimit sets a column's WIP limit; 0 clears it.
func (s *State) SetWipLimit(id string, limit int, at time.Time) (Mutation, error) {
	if _, _, err := s.column(id); err != nil {
		return Mutation{}, err
	}
	if limit < 0 || limit > MaxWipLimit {
		return Mutation{}, fmt.Errorf("a WIP limit is a number from 1 to %d (or 0 for none)", MaxWipLimit)
	}
	m := s.shape(KindColumnEdit, id, at)
	m.WipLimit = &limit
	return m, nil
}

// ToggleColumnDone makes a column a done column, or an open one. The
// project keeps at least one done column.
func (s *State) ToggleColumnDone(id string, at time.Time) (Mutation, error) {
	c, _, err := s.column(id)
	if err != nil {
		return Mutation{}, err
	}
	if c.IsDone && s.doneColumns() == 1 {
		return Mutation{}, fmt.Errorf("%q is the project's only done column", c.Name)
	}
	m := s.shape(KindColumnEdit, id, at)
	d := !c.IsDone
	m.Done = &d
	return m, nil
}

func (s *State) doneColumns() int {
	n := 0
	for _, c := range s.columns {
		if c.IsDone {
			n++
		}
	}
	return n
}

// DeleteColumn deletes a column, its cards moving first to the end of
// moveTo (which may be "" for an empty column).
func (s *State) DeleteColumn(id, moveTo string, at time.Time) (Mutation, error) {
	c, _, err := s.column(id)
	if err != nil {
		return Mutation{}, err
	}
	switch {
	case len(s.columns) == 1:
		return Mutation{}, fmt.Errorf("%q is the project's only column", c.Name)
	case c.IsDone && s.doneColumns() == 1:
		return Mutation{}, fmt.Errorf("%q is the project's only done column", c.Name)
	case moveTo == id:
		return Mutation{}, errors.New("the cards need another column to go to")
	}
	m := s.shape(KindColumnDelete, id, at)
	if moveTo != "" {
		if s.ColumnIndex(moveTo) < 0 {
			return Mutation{}, errColumnGone
		}
		m.StatusID = &moveTo
	}
	if _, err := Apply(s, m); err != nil {
		return Mutation{}, err
	}
	return m, nil
}

// NewLabel makes a label in the project.
func (s *State) NewLabel(projectID, name, color string, at time.Time) (Mutation, error) {
	n, err := cleanName("label", name, MaxLabelName)
	if err != nil {
		return Mutation{}, err
	}
	if l, ok := s.LabelNamed(n); ok {
		return Mutation{}, fmt.Errorf("there is already a label %q", l.Name)
	}
	if len(s.labels) >= MaxLabels {
		return Mutation{}, fmt.Errorf("a project can have at most %d labels", MaxLabels)
	}
	m := s.shape(KindLabelAdd, NewTempID(), at)
	m.ProjectID, m.Title = projectID, &n
	if color != "" {
		m.Color = &color
	}
	return m, nil
}

// SetLabels gives a card exactly the labels ids.
func (s *State) SetLabels(id string, ids []string, at time.Time) (Mutation, error) {
	m, c, err := s.mutation(KindLabels, id, at)
	if err != nil {
		return m, err
	}
	ids = sortedLabels(ids)
	for _, l := range ids {
		if _, ok := s.LabelByID(l); !ok {
			return m, errors.New("that label no longer exists")
		}
	}
	if len(ids) > MaxCardLabels {
		return m, fmt.Errorf("a card can have at most %d labels", MaxCardLabels)
	}
	if slices.Equal(ids, sortedLabels(c.Labels)) {
		return m, ErrNoRoom
	}
	if ids == nil {
		ids = []string{}
	}
	m.Labels = ids
	return m, nil
}

// ToggleLabel puts the label on the card, or takes it off.
func (s *State) ToggleLabel(id, label string, at time.Time) (Mutation, error) {
	c, ok := s.Card(id)
	if !ok {
		return Mutation{}, fmt.Errorf("label: %w", ErrGone)
	}
	ids := slices.Clone(c.Labels)
	if i := slices.Index(ids, label); i >= 0 {
		ids = slices.Delete(ids, i, i+1)
	} else {
		ids = append(ids, label)
	}
	return s.SetLabels(id, ids, at)
}

// Reshaper is a Remote that may or may not make and change columns and
// labels (a seed-only server can't).
type Reshaper interface {
	// CanReshape says whether it can; known is false until lanes has
	// heard from the server what it speaks.
	CanReshape() (can, known bool)
}

// CantReshape is why columns and labels can't be changed on this board, or
// "" when they can (or lanes can't tell yet: the change then waits in the
// outbox, like any other, until the server answers).
func (e *Engine) CantReshape() string {
	r, ok := e.opts.Remote.(Reshaper)
	if !ok {
		return "this server can't change columns or labels"
	}
	if can, known := r.CanReshape(); known && !can {
		return "this server can't change columns or labels (it speaks only the Krokanti API)"
	}
	return ""
}

// placed is the column m changes, as it stands before m, or nil when m
// is no change of a column (or makes one).
func (s *State) placed(m Mutation) *placed {
	if m.Kind != KindColumnEdit && m.Kind != KindColumnDelete {
		return nil
	}
	i := s.ColumnIndex(m.TaskID)
	if i < 0 {
		return nil
	}
	return &placed{s.columns[i], i}
}

// invertShape is the change that takes back a change of a column, or why
// there is none. A column added is deleted again (while it holds no
// cards); a change of one is changed back; an empty column deleted is
// made again (a new column, with its name, kind, limit and place). A
// column deleted with cards in it can't come back as it was (its cards
// are elsewhere now), and a label made stays.
func invertShape(u undo, at time.Time) (Mutation, string) {
	inv := Mutation{ID: NewID(), TaskID: u.m.TaskID, ProjectID: u.m.ProjectID, At: at}
	switch u.m.Kind {
	case KindColumnAdd:
		inv.Kind = KindColumnDelete
		return inv, ""
	case KindColumnEdit:
		if u.col == nil {
			return Mutation{}, "lanes did not see the column as it was"
		}
		inv.Kind = KindColumnEdit
		c := u.col
		if u.m.Title != nil {
			inv.Title = &c.Name
		}
		if u.m.Done != nil {
			inv.Done = &c.IsDone
		}
		if u.m.WipLimit != nil {
			inv.WipLimit = &c.WipLimit
		}
		if u.m.Index != nil {
			inv.Index = &c.index
		}
		return inv, ""
	case KindColumnDelete:
		if u.col == nil || u.m.StatusID != nil {
			return Mutation{}, "its cards went to another column; make a new column with C"
		}
		c := u.col
		inv.Kind, inv.TaskID = KindColumnAdd, NewTempID()
		inv.Title, inv.Done, inv.WipLimit, inv.Index = &c.Name, &c.IsDone, &c.WipLimit, &c.index
		return inv, ""
	}
	return Mutation{}, "a label made stays (it can be taken off cards with t)"
}
