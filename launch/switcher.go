package launch

import (
	"context"
	"sync"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/ui"
)

// projects is the project switcher's view of the server: every project of
// every space, each opened as a board on the same data directory.
type Switcher struct {
	c        Server
	opts     board.Options
	archived bool // list archived projects too
	last     *LastFile

	open OpenFunc

	mu     sync.Mutex
	spaces map[string]api.Space // as last listed, for the person's role
}

// OpenFunc opens the engine of o.ProjectID (in o.SpaceID) with o's
// data directory, server key, actor and log, as board.Open does with
// o.Remote the server's.
type OpenFunc func(ctx context.Context, o board.Options) (*board.Engine, error)

// NewSwitcher lists c's projects (archived ones too if archived says so)
// and opens each as a board with opts, remembering it in last.
func NewSwitcher(c Server, opts board.Options, archived bool, last *LastFile) *Switcher {
	return &Switcher{c: c, opts: opts, archived: archived, last: last, open: func(ctx context.Context, o board.Options) (*board.Engine, error) {
		o.Remote = c.Remote(o)
		return board.Open(ctx, o)
	}}
}

// NewSharedSwitcher is NewSwitcher with open opening each board: the SSH
// host hands out the engine its other sessions of the project share.
func NewSharedSwitcher(c Server, opts board.Options, last *LastFile, open OpenFunc) *Switcher {
	return &Switcher{c: c, opts: opts, last: last, open: open}
}

// Projects lists every project of every space, for the switcher.
func (p *Switcher) Projects(ctx context.Context) ([]ui.Choice, error) {
	spaces, err := p.c.Spaces(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.spaces = map[string]api.Space{}
	for _, sp := range spaces {
		p.spaces[sp.ID] = sp
	}
	p.mu.Unlock()
	var out []ui.Choice
	for _, sp := range spaces {
		ps, err := ListProjects(ctx, p.c, sp, p.archived)
		if err != nil {
			return nil, err
		}
		for _, pr := range ps {
			out = append(out, ui.Choice{SpaceID: sp.ID, Space: sp.Name, ProjectID: pr.ID, Project: pr.Name, ReadOnly: ReadOnly(sp)})
		}
	}
	return out, nil
}

// Open opens the chosen project's board and remembers it as the last one.
func (p *Switcher) Open(ctx context.Context, c ui.Choice) (*board.Engine, error) {
	o := p.opts
	o.ProjectID, o.SpaceID = c.ProjectID, c.SpaceID
	e, err := p.open(ctx, o)
	if err == nil {
		p.mu.Lock()
		sp, ok := p.spaces[c.SpaceID]
		p.mu.Unlock()
		if !ok {
			sp = api.Space{ID: c.SpaceID, Name: c.Space}
		}
		p.last.write(sp, api.Project{ID: c.ProjectID, SpaceID: c.SpaceID, Name: c.Project}, Query{})
	}
	return e, err
}
