package board

import (
	"context"
	"errors"
	"time"
)

// Comment is a note on a card, as the details view lists it.
type Comment struct {
	ID        string
	Author    string
	Content   string
	CreatedAt time.Time
}

// Member is someone in the project's space, for assigning cards.
type Member struct {
	UserID string
	Name   string
	Role   string
}

// Reader is what a Remote may also offer beyond the board itself: a card's
// comments and the space's members. A seed-only server offers neither.
type Reader interface {
	Comments(ctx context.Context, taskID string) ([]Comment, error)
	Members(ctx context.Context, spaceID string) ([]Member, error)
}

// ErrNoReader means the server can't list comments or members.
var ErrNoReader = errors.New("this server can't list comments or members")

// CommentsMsg answers LoadComments.
type CommentsMsg struct {
	TaskID   string
	Comments []Comment
	Err      error
}

// MembersMsg answers LoadMembers.
type MembersMsg struct {
	Members []Member
	Err     error
}

// LoadComments reads a card's comments (by its real id once known).
func (e *Engine) LoadComments(id string) Cmd {
	id = e.Resolve(id)
	r, ok := e.opts.Remote.(Reader)
	ctx := e.ctx
	return func() any {
		if !ok || IsTemp(id) {
			return CommentsMsg{TaskID: id}
		}
		cs, err := r.Comments(ctx, id)
		return CommentsMsg{TaskID: id, Comments: cs, Err: err}
	}
}

// LoadMembers reads the members of the project's space (Options.SpaceID).
func (e *Engine) LoadMembers() Cmd {
	r, ok := e.opts.Remote.(Reader)
	ctx, space := e.ctx, e.opts.SpaceID
	return func() any {
		if !ok || space == "" {
			return MembersMsg{Err: ErrNoReader}
		}
		ms, err := r.Members(ctx, space)
		return MembersMsg{Members: ms, Err: err}
	}
}
