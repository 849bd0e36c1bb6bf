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
		KindPriority, KindDue, KindEstimate:
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
	default:
		return fmt.Errorf("unknown change %q", m.Kind)
	}
	s.noteReopen(old, c)
	s.put(c)
	return nil
}

// settleCompletion keeps completion in step with the column, as the server
// does: a card in a done column is complete, elsewhere it is not.
func (s *State) settleCompletion(c *Card, at time.Time) {
	col, ok := s.ColumnByID(c.StatusID)
	switch {
	case ok && col.IsDone && c.CompletedAt == nil:
		c.CompletedAt = &at
	case ok && !col.IsDone:
		c.CompletedAt = nil
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

// Rewrite renames a temporary card id to the server's in m.
func (m *Mutation) Rewrite(from, to string) bool {
	changed := false
	if m.TaskID == from {
		m.TaskID, changed = to, true
	}
	if m.ParentID == from {
		m.ParentID, changed = to, true
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
		KindUndelete: "bring back",
	}[m.Kind]
	if verb == "" {
		verb = string(m.Kind)
	}
	if title == "" && m.Title != nil {
		title = *m.Title
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
