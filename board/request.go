package board

import "time"

// Op is the kind of request a group of mutations becomes.
type Op string

// The requests the engine sends.
const (
	OpCreate   Op = "create"
	OpPatch    Op = "patch"
	OpDelete   Op = "delete"
	OpRestore  Op = "restore" // bring a deleted card back
	OpComment  Op = "comment"
	OpAssign   Op = "assign"
	OpUnassign Op = "unassign"

	// The board's shape; Request.Shape is the mutation.
	OpColumnCreate Op = "create column"
	OpColumnPatch  Op = "change column"
	OpColumnDelete Op = "delete column"
	OpLabelCreate  Op = "create label"
)

// Patch is the fields a PATCH of a task sets; nil leaves a field alone.
type Patch struct {
	Title          *string
	Description    *string
	StatusID       *string
	Position       *string
	Priority       *Priority
	Due            *time.Time
	ClearDue       bool
	Estimate       *float64
	ClearEstimate  bool
	Archived       *bool
	CompletedAt    *time.Time
	ClearCompleted bool
	Labels         *[]string // the whole set
}

// Request is one call to the server, made from one or more mutations of
// the same card. Key is its idempotency key.
type Request struct {
	Key     string
	Op      Op
	TaskID  string
	Create  *Mutation // for OpCreate: the mutation itself
	Shape   *Mutation // for a column or label request: the mutation
	Patch   Patch
	UserID  string
	Comment string
}

// groupKey is the idempotency key of a group: a lone mutation's own id, or
// the first and last ids of a merged PATCH. A PATCH sets values, so sending
// a grown group again under a new key does no harm; a create or a comment is
// never merged, so it always goes under its own id.
func groupKey(group []Mutation) string {
	if len(group) == 1 {
		return group[0].ID
	}
	return group[0].ID + "+" + group[len(group)-1].ID
}

// RequestOf is the request one mutation becomes on its own, as the engine
// would send it, under the mutation's id as its key: for a command that
// makes a change without opening a board (lanes card).
func RequestOf(m Mutation) Request { return request([]Mutation{m}) }

// request turns a group of one card's consecutive mutations into a request.
// Only mutations that patch the task are ever grouped.
func request(group []Mutation) Request {
	first := group[0]
	r := Request{Key: groupKey(group), TaskID: first.TaskID}
	switch first.Kind {
	case KindCreate:
		m := first
		r.Op, r.Create = OpCreate, &m
		return r
	case KindDelete:
		r.Op = OpDelete
		return r
	case KindUndelete:
		r.Op = OpRestore
		return r
	case KindComment:
		r.Op, r.Comment = OpComment, first.Comment
		return r
	case KindColumnAdd, KindColumnEdit, KindColumnDelete, KindLabelAdd:
		m := first
		r.Op, r.Shape = map[Kind]Op{KindColumnAdd: OpColumnCreate, KindColumnEdit: OpColumnPatch,
			KindColumnDelete: OpColumnDelete, KindLabelAdd: OpLabelCreate}[first.Kind], &m
		return r
	case KindAssign, KindUnassign:
		r.Op, r.UserID = OpAssign, first.UserID
		if first.Kind == KindUnassign {
			r.Op = OpUnassign
		}
		return r
	}
	r.Op = OpPatch
	p := &r.Patch
	t, f := true, false
	for _, m := range group {
		switch m.Kind {
		case KindEdit:
			if m.Title != nil {
				p.Title = m.Title
			}
			if m.Description != nil {
				p.Description = m.Description
			}
		case KindMove, KindReorder:
			if m.StatusID != nil {
				// The column decides completion on the server; an earlier
				// complete or reopen in this group no longer applies.
				p.StatusID, p.CompletedAt, p.ClearCompleted = m.StatusID, nil, false
			}
			if m.Position != nil {
				p.Position = m.Position
			}
		case KindComplete, KindReopen:
			if m.Kind == KindComplete {
				at := m.At
				p.CompletedAt, p.ClearCompleted = &at, false
			} else {
				p.CompletedAt, p.ClearCompleted = nil, true
			}
			if m.StatusID != nil {
				p.StatusID = m.StatusID
			}
			if m.Position != nil {
				p.Position = m.Position
			}
		case KindArchive:
			p.Archived = &t
		case KindRestore:
			p.Archived = &f
		case KindPriority:
			p.Priority = m.Priority
		case KindDue:
			p.Due, p.ClearDue = m.Due, m.ClearDue
		case KindEstimate:
			p.Estimate, p.ClearEstimate = m.Estimate, m.ClearEst
		case KindLabels:
			ids := append([]string{}, m.Labels...)
			p.Labels = &ids
		}
	}
	return r
}
