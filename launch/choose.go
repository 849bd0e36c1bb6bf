// Package launch finds the board a person means on a task server (the one
// they opened last, one named by --space and --project, or the one picked
// in the project switcher), remembers it in last-board.json for the next
// start, and builds a project's standup report: what every command that
// opens a board, and the SSH host, share.
package launch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
)

// ReachWithin bounds how long lanes waits for the server to find a board
// it has no copy of: long enough for a slow server, short enough that an
// absent one is named while the person is still looking.
const ReachWithin = 8 * time.Second

// Query is the board asked for: a space and a project by name, slug
// or id (none: the last one, or the personal space's first).
type Query struct {
	Space, Project string
	// Archived lets defaults and lists hold archived projects too.
	Archived bool
}

// Choice is the board to open and what its first frame shows.
type Choice struct {
	Space   api.Space
	Project api.Project
	Actor   string // the person's user id, if known
	// Remembered says it came from last-board.json without asking the
	// server, which may since have renamed it, or removed it.
	Remembered bool
	// Defaulted says nothing asked for it and none was opened before: it
	// is the first project of the personal space (or first workspace).
	Defaulted bool
}

// Choose picks the board to open. The last board, when it is the one
// asked for and its cache is on disk, opens without a word to the server:
// the engine fetches it in the background, and says so if it is gone. Any
// other board is looked up, for at most ReachWithin.
func Choose(ctx context.Context, c Server, last *LastFile, q Query) (Choice, error) {
	if l, ok := last.read(); ok && l.answers(q) &&
		board.Cached(board.Options{Dir: last.dir, Server: last.server, ProjectID: l.Project}) {
		return l.choice(), nil
	}
	rctx, cancel := context.WithTimeout(ctx, ReachWithin)
	defer cancel()
	_, hadLast := last.read()
	sp, p, err := lookup(rctx, c, last, q)
	if err != nil {
		if ctx.Err() == nil && unreachable(err) {
			return Choice{}, fmt.Errorf("can't reach the task server %s, and no board of it is cached here to open without it: %w", c.BaseURL(), err)
		}
		return Choice{}, err
	}
	ch := Choice{Space: sp, Project: p, Defaulted: !hadLast && q.Space == "" && q.Project == ""}
	if me, err := c.Me(rctx); err == nil {
		ch.Actor = me.ID
		last.update(p.ID, func(l *LastBoard) { l.Actor = me.ID })
	}
	return ch, nil
}

// unreachable says err means the server did not answer (or not in time).
func unreachable(err error) bool {
	return api.IsNetwork(err) || api.IsServerError(err) || errors.Is(err, context.DeadlineExceeded)
}

// Lookup finds the board a command that works on one project means, as
// the board itself would: the one asked for, else the one opened last on
// this server (serverKey, with the data directory dir), else the personal
// space's first project.
func Lookup(ctx context.Context, c Directory, dir, serverKey string, q Query) (api.Space, api.Project, error) {
	return lookup(ctx, c, NewLastFile(dir, serverKey), q)
}

// lookup asks the server for the board to open: the one asked for, or
// else the one opened last time on this server if it is still there, or
// else the personal space's first project; and remembers it for next time.
func lookup(ctx context.Context, c Directory, last *LastFile, q Query) (api.Space, api.Project, error) {
	if q.Space == "" && q.Project == "" {
		if l, ok := last.read(); ok {
			if sp, p, err := Find(ctx, c, Query{Space: l.Space, Project: l.Project, Archived: true}); err == nil {
				last.write(sp, p, q)
				return sp, p, nil
			} else if !errors.Is(err, ErrNoBoard) {
				return sp, p, err
			}
		}
	}
	sp, p, err := Find(ctx, c, q)
	if err != nil {
		return sp, p, err
	}
	last.write(sp, p, q)
	return sp, p, nil
}

// Open opens the chosen board's engine with opts: what every board of the
// person shares (data directory, server key, actor, log).
func Open(ctx context.Context, c Server, ch Choice, opts board.Options) (*board.Engine, error) {
	opts.ProjectID, opts.SpaceID = ch.Project.ID, ch.Space.ID
	opts.Remote = c.Remote(opts)
	e, err := board.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("open the board: %w", err)
	}
	return e, nil
}
