package board

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Kind names what a mutation does.
type Kind string

// The mutations a person can make.
const (
	KindCreate   Kind = "create"
	KindEdit     Kind = "edit"     // title and/or description
	KindMove     Kind = "move"     // to another column (and a position in it)
	KindReorder  Kind = "reorder"  // a new position in the same column
	KindComplete Kind = "complete" // completedAt set; to the first done column
	KindReopen   Kind = "reopen"   // completedAt cleared; out of a done column
	KindArchive  Kind = "archive"
	KindRestore  Kind = "restore" // out of the archive
	// KindUndelete brings a deleted card back, with its subtasks, from the
	// copy in Cards (the server restores it from its trash).
	KindUndelete Kind = "undelete"
	KindPriority Kind = "priority"
	KindDue      Kind = "due"      // set or clear the due date
	KindEstimate Kind = "estimate" // set or clear the estimate
	KindAssign   Kind = "assign"
	KindUnassign Kind = "unassign"
	KindComment  Kind = "comment"
	KindDelete   Kind = "delete"
	KindLabels   Kind = "labels" // the card's set of labels

	// The board's shape: columns and labels. TaskID is the column's or
	// the label's id (a temporary one for an add).
	KindColumnAdd    Kind = "column-add"
	KindColumnEdit   Kind = "column-edit"   // name, done, place, WIP limit
	KindColumnDelete Kind = "column-delete" // its cards go to StatusID first
	KindLabelAdd     Kind = "label-add"
)

// Mutation is one change a person made: an id (also its idempotency key),
// the card, and only the fields the change sets. Positions and columns are
// worked out when the mutation is made, so replaying it gives the same board.
type Mutation struct {
	ID        string    `json:"id"`
	Seq       int64     `json:"seq"` // order of acceptance, kept across restarts
	Kind      Kind      `json:"kind"`
	TaskID    string    `json:"taskId"`
	ProjectID string    `json:"projectId"`
	Actor     string    `json:"actor,omitempty"` // the user making it
	At        time.Time `json:"at"`

	Title       *string    `json:"title,omitempty"`
	Description *string    `json:"description,omitempty"`
	StatusID    *string    `json:"statusId,omitempty"`
	Position    *string    `json:"position,omitempty"`
	Priority    *Priority  `json:"priority,omitempty"`
	Due         *time.Time `json:"due,omitempty"`
	ClearDue    bool       `json:"clearDue,omitempty"`
	Estimate    *float64   `json:"estimate,omitempty"`
	ClearEst    bool       `json:"clearEstimate,omitempty"`
	ParentID    string     `json:"parentId,omitempty"`
	UserID      string     `json:"userId,omitempty"` // assign, unassign
	Comment     string     `json:"comment,omitempty"`
	// Cards is the card an undelete brings back and its subtasks, parents
	// first, as they were when deleted.
	Cards []Card `json:"cards,omitempty"`
	// Labels is the card's whole set of label ids (KindLabels).
	Labels []string `json:"labels,omitempty"`

	// For columns (Title is the name) and labels.
	Index    *int    `json:"index,omitempty"` // the column's place, 0 first
	Done     *bool   `json:"done,omitempty"`
	WipLimit *int    `json:"wipLimit,omitempty"` // 0 clears
	Color    *string `json:"color,omitempty"`
}

// creates reports whether m makes something new under a temporary id: a
// card, a column or a label.
func (m *Mutation) creates() bool {
	return m.Kind == KindCreate || m.Kind == KindColumnAdd || m.Kind == KindLabelAdd
}

// shapes reports whether m changes a column or a label rather than a card.
func (m *Mutation) shapes() bool {
	switch m.Kind {
	case KindColumnAdd, KindColumnEdit, KindColumnDelete, KindLabelAdd:
		return true
	}
	return false
}

// refs are the ids m names besides its own TaskID: the parent of a new
// card, the column it goes to, its labels. They are pointers, so a
// temporary id can be followed to the server's.
func (m *Mutation) refs() []*string {
	out := []*string{&m.ParentID}
	if m.StatusID != nil {
		out = append(out, m.StatusID)
	}
	for i := range m.Labels {
		out = append(out, &m.Labels[i])
	}
	return out
}

// waitsOn is a temporary id m names that the server must make first
// (so m can't be sent yet), or "".
func (m *Mutation) waitsOn() string {
	for _, id := range m.refs() {
		if IsTemp(*id) {
			return *id
		}
	}
	return ""
}

// refersTo reports whether m is about id or names it.
func (m *Mutation) refersTo(id string) bool {
	if m.TaskID == id {
		return true
	}
	for _, r := range m.refs() {
		if *r == id {
			return true
		}
	}
	return false
}

// TempPrefix starts the id of a card the server has not yet given an id.
const TempPrefix = "new-"

// IsTemp reports whether id is a local id awaiting the server's.
func IsTemp(id string) bool { return strings.HasPrefix(id, TempPrefix) }

// NewID makes a mutation id, which is also its idempotency key.
func NewID() string { return uuid.NewString() }

// NewTempID makes a local id for a new card.
func NewTempID() string { return TempPrefix + uuid.NewString() }

// ErrGone means the mutation's card no longer exists.
var ErrGone = errors.New("the card no longer exists")

// patches reports whether the mutation is sent as a PATCH of the task, and
// so may be merged with its neighbours.
func (m *Mutation) patches() bool {
	switch m.Kind {
	case KindEdit, KindMove, KindReorder, KindComplete, KindReopen, KindArchive, KindRestore,
		KindPriority, KindDue, KindEstimate, KindLabels:
		return true
	}
	return false
}

// Apply is the board with m applied: a new State, s untouched. It does no
// I/O and reads no clock, so the same state and mutation always give the
// same board. It fails with ErrGone when the card was deleted, or with an
// error saying why m can't apply.
func Apply(s *State, m Mutation) (*State, error) {
	n := s.clone()
	if err := n.apply(m); err != nil {
		return s, err
	}
	return n, nil
}

// apply changes a State being built.
func (s *State) apply(m Mutation) error {
	if m.shapes() {
		return s.applyShape(m)
	}
	if m.Kind == KindCreate {
		if _, exists := s.Card(m.TaskID); exists {
			return nil // already confirmed: the server's copy is in the state
		}
		c := &Card{ID: m.TaskID, ProjectID: m.ProjectID, Priority: PriorityNone, CreatorID: m.Actor, ParentID: m.ParentID, UpdatedAt: m.At}
		if m.Title != nil {
			c.Title = *m.Title
		}
		if m.Description != nil {
			c.Description = *m.Description
		}
		if m.StatusID != nil {
			c.StatusID = *m.StatusID
		} else if len(s.columns) > 0 {
			c.StatusID = s.columns[0].ID
		}
		if m.Priority != nil {
			c.Priority = *m.Priority
		}
		c.Due = m.Due
		if m.Position != nil {
			c.Position = *m.Position
		}
		s.settleCompletion(c, m.At)
		s.put(c)
		return nil
	}
	if m.Kind == KindUndelete {
		if _, exists := s.Card(m.TaskID); exists {
			return nil // already back: the server's copy is in the state
		}
		if len(m.Cards) == 0 || m.Cards[0].ID != m.TaskID {
			return fmt.Errorf("undelete %s: no copy of the card to bring back", m.TaskID)
		}
		for i := range m.Cards {
			s.put(m.Cards[i].clone())
		}
		return nil
	}
	old, ok := s.Card(m.TaskID)
	if !ok {
		return fmt.Errorf("%s %s: %w", m.Kind, m.TaskID, ErrGone)
	}
	if m.Kind == KindDelete {
		s.remove(m.TaskID)
		return nil
	}
	c := old.clone()
	switch m.Kind {
	case KindEdit:
		if m.Title != nil {
			c.Title = *m.Title
		}
		if m.Description != nil {
			c.Description = *m.Description
		}
	case KindMove, KindReorder:
		if m.StatusID != nil {
			if _, ok := s.ColumnByID(*m.StatusID); !ok {
				return fmt.Errorf("move %q: the column no longer exists", c.Title)
			}
			c.StatusID = *m.StatusID
		}
		if m.Position != nil {
			c.Position = *m.Position
		}
		s.settleCompletion(c, m.At)
	case KindComplete:
		at := m.At
		c.CompletedAt = &at
		if m.StatusID != nil {
			c.StatusID = *m.StatusID
		}
		if m.Position != nil {
			c.Position = *m.Position
		}
	case KindReopen:
		c.CompletedAt = nil
		if m.StatusID != nil {
			c.StatusID = *m.StatusID
		}
		if m.Position != nil {
			c.Position = *m.Position
		}
	case KindArchive:
		c.Archived = true
	case KindRestore:
		c.Archived = false
	case KindPriority:
		if m.Priority != nil {
			c.Priority = *m.Priority
		}
	case KindDue:
		c.Due = m.Due
		if m.ClearDue {
			c.Due = nil
		}
	case KindEstimate:
		c.Estimate = m.Estimate
		if m.ClearEst {
			c.Estimate = nil
		}
	case KindAssign:
		for _, a := range c.Assignees {
			if a == m.UserID {
				return nil
			}
		}
		c.Assignees = append(c.Assignees, m.UserID)
	case KindUnassign:
		kept := c.Assignees[:0]
		for _, a := range c.Assignees {
			if a != m.UserID {
				kept = append(kept, a)
			}
		}
		c.Assignees = kept
	case KindComment:
		c.Comments++
	case KindLabels:
		c.Labels = sortedLabels(m.Labels)
	default:
		return fmt.Errorf("unknown change %q", m.Kind)
	}
	s.noteReopen(old, c)
	s.put(c)
	return nil
}

// settleCompletion keeps completion in step with the column, as the server
// does: a card in a done column is complete, elsewhere it is not. On a
// board with no done column at all (a Taskade project without one),
// completion is the card's own and a move leaves it be.
func (s *State) settleCompletion(c *Card, at time.Time) {
	col, ok := s.ColumnByID(c.StatusID)
	switch {
	case ok && col.IsDone && c.CompletedAt == nil:
		c.CompletedAt = &at
	case ok && !col.IsDone:
		if _, any := s.FirstColumn(true); any {
			c.CompletedAt = nil
		}
	}
}

// noteReopen remembers, as the server does, the open column a card left
// for a done one (where reopening puts it back); an open card needs none.
func (s *State) noteReopen(old, c *Card) {
	from, wasKnown := s.ColumnByID(old.StatusID)
	to, isKnown := s.ColumnByID(c.StatusID)
	switch {
	case !isKnown || !to.IsDone:
		if isKnown {
			c.ReopenStatusID = ""
		}
	case wasKnown && !from.IsDone:
		c.ReopenStatusID = from.ID
	}
}

// Rewrite renames a temporary id (of a card, a column or a label) to the
// server's in m.
func (m *Mutation) Rewrite(from, to string) bool {
	changed := false
	for _, id := range append(m.refs(), &m.TaskID) {
		if *id == from {
			*id, changed = to, true
		}
	}
	for i := range m.Cards {
		changed = m.Cards[i].rename(from, to) || changed
	}
	return changed
}

// Describe is the mutation in a few words, for messages: `move "Fix login"`.
func (m *Mutation) Describe(title string) string {
	verb := map[Kind]string{
		KindCreate: "create", KindEdit: "edit", KindMove: "move", KindReorder: "reorder",
		KindComplete: "complete", KindReopen: "reopen", KindArchive: "archive", KindRestore: "restore",
		KindPriority: "change the priority of", KindDue: "change the due date of", KindEstimate: "change the estimate of",
		KindAssign: "assign", KindUnassign: "unassign", KindComment: "comment on", KindDelete: "delete",
		KindUndelete: "bring back", KindLabels: "label",
	}[m.Kind]
	if verb == "" {
		verb = string(m.Kind)
	}
	if title == "" && m.Title != nil {
		title = *m.Title
	}
	switch m.Kind {
	case KindColumnAdd, KindColumnEdit, KindColumnDelete:
		verb = map[Kind]string{KindColumnAdd: "add", KindColumnEdit: "change", KindColumnDelete: "delete"}[m.Kind]
		return verb + " the column " + quoteTitle(title)
	case KindLabelAdd:
		return "add the label " + quoteTitle(title)
	}
	if title == "" {
		return verb + " a card"
	}
	return verb + " " + quoteTitle(title)
}

// quoteTitle is a card's title quoted for a message, cut to 40 characters.
func quoteTitle(title string) string {
	if len([]rune(title)) > 40 {
		title = string([]rune(title)[:39]) + "…"
	}
	return fmt.Sprintf("%q", title)
}
