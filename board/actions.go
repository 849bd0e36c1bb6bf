package board

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The constructors below turn what a person asked for ("move this card one
// column right") into a Mutation with concrete columns and positions, read
// from the board as they see it. They do not change the board: pass the
// result to the engine, which applies and sends it.

// ErrNoRoom means the move has nowhere to go (first or last column or row).
var ErrNoRoom = errors.New("nowhere to move")

func (s *State) mutation(kind Kind, id string, at time.Time) (Mutation, *Card, error) {
	c, ok := s.Card(id)
	if !ok {
		return Mutation{}, nil, fmt.Errorf("%s: %w", kind, ErrGone)
	}
	return Mutation{ID: NewID(), Kind: kind, TaskID: id, ProjectID: c.ProjectID, At: at}, c, nil
}

// endOf is a position after the last card of a column, or nil when the
// column's positions are not keys lanes can extend (the server decides).
func (s *State) endOf(column string) *string {
	ids := s.Column(column)
	last := ""
	if len(ids) > 0 {
		c, _ := s.Card(ids[len(ids)-1])
		last = c.Position
	}
	p, err := place(last, "")
	if err != nil {
		return nil
	}
	return &p
}

// NewCard makes a card at the end of a column (the first, if column is "").
func (s *State) NewCard(projectID, column, title string, at time.Time) (Mutation, error) {
	if column == "" {
		if len(s.columns) == 0 {
			return Mutation{}, errors.New("the project has no columns")
		}
		column = s.columns[0].ID
	}
	if _, ok := s.ColumnByID(column); !ok {
		return Mutation{}, fmt.Errorf("no column %s", column)
	}
	t, err := cleanTitle(title)
	if err != nil {
		return Mutation{}, err
	}
	return Mutation{ID: NewID(), Kind: KindCreate, TaskID: NewTempID(), ProjectID: projectID, At: at,
		Title: &t, StatusID: &column, Position: s.endOf(column)}, nil
}

// NewSubtask makes a subtask of parent.
func (s *State) NewSubtask(parent, title string, at time.Time) (Mutation, error) {
	p, ok := s.Card(parent)
	if !ok {
		return Mutation{}, fmt.Errorf("add subtask: %w", ErrGone)
	}
	t, err := cleanTitle(title)
	if err != nil {
		return Mutation{}, err
	}
	m := Mutation{ID: NewID(), Kind: KindCreate, TaskID: NewTempID(), ProjectID: p.ProjectID, At: at, Title: &t, ParentID: parent}
	if first, ok := s.FirstColumn(false); ok {
		m.StatusID = &first.ID
	}
	subs := s.Subtasks(parent)
	last := ""
	if len(subs) > 0 {
		c, _ := s.Card(subs[len(subs)-1])
		last = c.Position
	}
	if pos, err := place(last, ""); err == nil {
		m.Position = &pos
	}
	return m, nil
}

// MaxTitle is the most characters a card's title may have, as the server
// says.
const MaxTitle = 500

func cleanTitle(title string) (string, error) {
	t := []rune(title)
	for len(t) > 0 && (t[0] == ' ' || t[0] == '\t') {
		t = t[1:]
	}
	for len(t) > 0 && (t[len(t)-1] == ' ' || t[len(t)-1] == '\t') {
		t = t[:len(t)-1]
	}
	switch {
	case len(t) == 0:
		return "", errors.New("a card needs a title")
	case len(t) > MaxTitle:
		return "", fmt.Errorf("a title can be at most %d characters (this one has %d)", MaxTitle, len(t))
	}
	return string(t), nil
}

// MoveTo moves a card to the end of a column.
func (s *State) MoveTo(id, column string, at time.Time) (Mutation, error) {
	m, c, err := s.mutation(KindMove, id, at)
	if err != nil {
		return m, err
	}
	if _, ok := s.ColumnByID(column); !ok {
		return m, fmt.Errorf("no column %s", column)
	}
	if s.ColumnOf(c) == column {
		return m, ErrNoRoom
	}
	m.StatusID, m.Position = &column, s.endOf(column)
	return m, nil
}

// Shift moves a card delta columns right (or left, when negative).
func (s *State) Shift(id string, delta int, at time.Time) (Mutation, error) {
	c, ok := s.Card(id)
	if !ok {
		return Mutation{}, fmt.Errorf("move: %w", ErrGone)
	}
	from := -1
	for i, col := range s.columns {
		if col.ID == s.ColumnOf(c) {
			from = i
		}
	}
	to := from + delta
	if from < 0 || to < 0 || to >= len(s.columns) {
		return Mutation{}, ErrNoRoom
	}
	return s.MoveTo(id, s.columns[to].ID, at)
}

// Reorder moves a card delta places down its column (up, when negative).
func (s *State) Reorder(id string, delta int, at time.Time) (Mutation, error) {
	m, c, err := s.mutation(KindReorder, id, at)
	if err != nil {
		return m, err
	}
	key, ok := s.listOf(c)
	if !ok {
		return m, ErrNoRoom
	}
	ids := s.list(key)
	i := s.Index(c)
	j := i + delta
	if i < 0 || j < 0 || j >= len(ids) || delta == 0 {
		return m, ErrNoRoom
	}
	// Between the card at j and its neighbour on the far side.
	var a, b string
	pos := func(k int) string { o, _ := s.Card(ids[k]); return o.Position }
	if delta > 0 {
		a = pos(j)
		if j+1 < len(ids) {
			b = pos(j + 1)
		}
	} else {
		b = pos(j)
		if j-1 >= 0 {
			a = pos(j - 1)
		}
	}
	p, err := place(a, b)
	if err != nil {
		return m, fmt.Errorf("this server's card positions can't be changed from lanes: %w", err)
	}
	m.Position = &p
	return m, nil
}

// ToggleDone completes an open card (moving it to the first done column) or
// reopens a done one (moving it out to the open column it was completed
// from, if the server said and that column is still open, else the first
// open column).
func (s *State) ToggleDone(id string, at time.Time) (Mutation, error) {
	c, ok := s.Card(id)
	if !ok {
		return Mutation{}, fmt.Errorf("complete: %w", ErrGone)
	}
	kind, done := KindComplete, true
	if c.Done() {
		kind, done = KindReopen, false
	}
	m, _, _ := s.mutation(kind, id, at)
	col, ok := s.FirstColumn(done)
	if back, known := s.ColumnByID(c.ReopenStatusID); !done && known && !back.IsDone {
		col, ok = back, true
	}
	if ok && c.ParentID == "" {
		if cur, ok := s.ColumnByID(c.StatusID); !ok || cur.IsDone != done {
			m.StatusID, m.Position = &col.ID, s.endOf(col.ID)
		}
	}
	return m, nil
}

// SetArchived archives or restores a card.
func (s *State) SetArchived(id string, archived bool, at time.Time) (Mutation, error) {
	kind := KindArchive
	if !archived {
		kind = KindRestore
	}
	m, _, err := s.mutation(kind, id, at)
	return m, err
}

// StepPriority raises (n > 0) or lowers the priority.
func (s *State) StepPriority(id string, n int, at time.Time) (Mutation, error) {
	m, c, err := s.mutation(KindPriority, id, at)
	if err != nil {
		return m, err
	}
	p := c.Priority.Step(n)
	if p == c.Priority {
		return m, ErrNoRoom
	}
	m.Priority = &p
	return m, nil
}

// SetPriority sets the priority.
func (s *State) SetPriority(id string, p Priority, at time.Time) (Mutation, error) {
	m, _, err := s.mutation(KindPriority, id, at)
	m.Priority = &p
	return m, err
}

// Edit sets the title and/or the description (nil leaves one as it is).
func (s *State) Edit(id string, title, description *string, at time.Time) (Mutation, error) {
	m, _, err := s.mutation(KindEdit, id, at)
	if err != nil {
		return m, err
	}
	if title != nil {
		t, err := cleanTitle(*title)
		if err != nil {
			return m, err
		}
		m.Title = &t
	}
	m.Description = description
	return m, nil
}

// SetDue sets the due date, or clears it when due is nil.
func (s *State) SetDue(id string, due *time.Time, at time.Time) (Mutation, error) {
	m, _, err := s.mutation(KindDue, id, at)
	m.Due, m.ClearDue = due, due == nil
	return m, err
}

// SetEstimate sets the estimate in hours, or clears it when nil.
func (s *State) SetEstimate(id string, hours *float64, at time.Time) (Mutation, error) {
	m, _, err := s.mutation(KindEstimate, id, at)
	if hours != nil && (*hours < 0 || *hours > 100000) {
		return m, fmt.Errorf("an estimate must be between 0 and 100000 hours")
	}
	m.Estimate, m.ClearEst = hours, hours == nil
	return m, err
}

// SetAssigned assigns or unassigns a user.
func (s *State) SetAssigned(id, userID string, assigned bool, at time.Time) (Mutation, error) {
	kind := KindAssign
	if !assigned {
		kind = KindUnassign
	}
	m, _, err := s.mutation(kind, id, at)
	m.UserID = userID
	return m, err
}

// AddComment comments on a card.
func (s *State) AddComment(id, text string, at time.Time) (Mutation, error) {
	m, _, err := s.mutation(KindComment, id, at)
	if err != nil {
		return m, err
	}
	t := strings.Trim(text, " \t")
	switch n := utf8.RuneCountInString(t); {
	case n == 0:
		return m, errors.New("a comment needs some text")
	case n > MaxComment:
		return m, fmt.Errorf("a comment can be at most %d characters (this one has %d)", MaxComment, n)
	}
	m.Comment = t
	return m, nil
}

// MaxComment is the most characters a comment may have, as the server
// says (a title may have MaxTitle).
const MaxComment = 20000

// Delete deletes a card (and its subtasks) for good.
func (s *State) Delete(id string, at time.Time) (Mutation, error) {
	m, _, err := s.mutation(KindDelete, id, at)
	return m, err
}

// Invert is the mutation that undoes m, given the card as it was before m
// (nil for a create). ok is false for what can't be undone by a change of
// the card: a comment, and a delete (see Undelete).
func Invert(before *Card, m Mutation, at time.Time) (inv Mutation, ok bool) {
	inv = Mutation{ID: NewID(), TaskID: m.TaskID, ProjectID: m.ProjectID, Actor: m.Actor, At: at}
	if m.Kind == KindCreate {
		inv.Kind = KindDelete
		return inv, true
	}
	if before == nil {
		return inv, false
	}
	status, pos := before.StatusID, before.Position
	switch m.Kind {
	case KindMove, KindReorder:
		inv.Kind, inv.StatusID, inv.Position = m.Kind, &status, &pos
	case KindComplete, KindReopen:
		inv.Kind = KindReopen
		if before.Done() {
			inv.Kind = KindComplete
			inv.At = *before.CompletedAt
		}
		inv.StatusID, inv.Position = &status, &pos
	case KindArchive, KindRestore:
		inv.Kind = KindRestore
		if before.Archived {
			inv.Kind = KindArchive
		}
	case KindPriority:
		p := before.Priority
		inv.Kind, inv.Priority = KindPriority, &p
	case KindEdit:
		inv.Kind = KindEdit
		if m.Title != nil {
			t := before.Title
			inv.Title = &t
		}
		if m.Description != nil {
			d := before.Description
			inv.Description = &d
		}
	case KindDue:
		inv.Kind, inv.Due, inv.ClearDue = KindDue, before.Due, before.Due == nil
	case KindEstimate:
		inv.Kind, inv.Estimate, inv.ClearEst = KindEstimate, before.Estimate, before.Estimate == nil
	case KindLabels:
		inv.Kind, inv.Labels = KindLabels, append([]string{}, before.Labels...)
	case KindAssign:
		inv.Kind, inv.UserID = KindUnassign, m.UserID
	case KindUnassign:
		inv.Kind, inv.UserID = KindAssign, m.UserID
	default:
		return inv, false
	}
	return inv, true
}

// Undelete is the mutation that undoes the delete m, given the card and
// its subtasks (parents first) as they were before it.
func Undelete(tree []Card, m Mutation, at time.Time) Mutation {
	cards := make([]Card, len(tree))
	for i := range tree {
		cards[i] = *tree[i].clone()
	}
	return Mutation{ID: NewID(), Kind: KindUndelete, TaskID: m.TaskID, ProjectID: m.ProjectID, Actor: m.Actor, At: at, Cards: cards}
}

// undoLabel is what m did, in words for "Undid …" and "Can't undo …":
// `raise priority of "Fix login"`. before is the card as it was.
func undoLabel(before *Card, m Mutation) string {
	title := ""
	if before != nil {
		title = before.Title
	}
	if m.Kind == KindPriority && before != nil && m.Priority != nil {
		verb := "lower priority of"
		if m.Priority.Rank() > before.Priority.Rank() {
			verb = "raise priority of"
		}
		if title == "" {
			return verb + " a card"
		}
		return verb + " " + quoteTitle(title)
	}
	return m.Describe(title)
}
