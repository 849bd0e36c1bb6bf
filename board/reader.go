package board

import (
	"context"
	"errors"
	"slices"
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

// MembersMsg answers LoadMembers. The engine that asked keeps the members
// (Engine.Update takes the message) and caches them with the board.
type MembersMsg struct {
	Members []Member
	Err     error
	e       *Engine
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
			return MembersMsg{Err: ErrNoReader, e: e}
		}
		ms, err := r.Members(ctx, space)
		return MembersMsg{Members: ms, Err: err, e: e}
	}
}

// Members are the space's members as last listed: by the server, or by the
// cache until the server answers (so names show on the first frame, and
// with the server away). Nil if they were never listed, as on a server
// that can't list them. The slice is shared: do not modify it.
func (e *Engine) Members() []Member { return e.members }

// Name is the name of the member with this user id, if the members are
// known and they are one.
func (e *Engine) Name(userID string) (string, bool) {
	n, ok := e.names[userID]
	return n, ok
}

// Actor is the user whose changes these are ("" if unknown).
func (e *Engine) Actor() string { return e.opts.Actor }

// setMembers takes a member list, from the server or the cache.
func (e *Engine) setMembers(ms []Member) {
	e.members = ms
	e.names = make(map[string]string, len(ms))
	for _, m := range ms {
		e.names[m.UserID] = m.Name
	}
}

// onMembers keeps the members the server listed and caches them with the
// board. A failure keeps what was known: the UI says so where it matters
// (the assign picker), and a server that can't list members has none.
func (e *Engine) onMembers(msg MembersMsg) []Cmd {
	if msg.Err != nil || slices.Equal(msg.Members, e.members) {
		return nil
	}
	if msg.Members == nil {
		msg.Members = []Member{}
	}
	e.setMembers(msg.Members)
	if !e.fresh {
		return nil // the board is not loaded yet: its cache write will carry them
	}
	// Names are listed once a start, so the cache's usual pause between
	// writes is not waited for: a board reopened offline has them.
	if e.cacheBusy {
		e.cacheAgain = true
		return nil
	}
	e.cacheAt = time.Time{}
	if c := e.maybeCache(); c != nil {
		return []Cmd{c}
	}
	return nil
}
