// Package taskadeboard opens a Taskade project as a lanes board. It is the
// second kind of task server lanes syncs with (the first is a server
// speaking the Krokanti Tasks API, package api): the board engine, its
// outbox and the board's keys are the same; what differs lives here.
//
// A project is drawn as Taskade's own board view draws it: each top-level
// task is a column (a column named "Done", in any case, is the done
// column), its children are the cards in order, and a card's children are
// its subtasks. Taskade's v1 API (package api/taskade) has no change feed,
// no versions, no idempotency keys, no comments and no archive, and a task
// in its list carries only its text, parent and completion: see Remote for
// how lanes makes up for each.
package taskadeboard

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/launch"
)

// Account is a Taskade account, through one personal token, as the
// commands that open a board see a task server (launch.Server). Its spaces
// are the workspaces (each standing for its home folder) and their
// folders, named "Workspace / Folder".
type Account struct {
	c *taskade.Client
}

var _ launch.Server = (*Account)(nil)

// New is the account c's token opens.
func New(c *taskade.Client) *Account { return &Account{c: c} }

// Client is the API client of the account.
func (a *Account) Client() *taskade.Client { return a.c }

// BaseURL is the API's address.
func (a *Account) BaseURL() string { return a.c.BaseURL() }

// ErrNoMe says Taskade's v1 API has no call that names a token's owner.
var ErrNoMe = errors.New("Taskade's v1 API does not say whose token it is")

// Me is never known: see ErrNoMe.
func (a *Account) Me(context.Context) (*api.User, error) { return nil, ErrNoMe }

// Spaces lists the workspaces and their folders.
func (a *Account) Spaces(ctx context.Context) ([]api.Space, error) {
	wss, err := a.c.Workspaces(ctx)
	if err != nil {
		return nil, err // it says what it was listing
	}
	var out []api.Space
	seen := map[string]bool{}
	for _, ws := range wss {
		if ws.ID == "" || seen[ws.ID] {
			continue
		}
		seen[ws.ID] = true
		out = append(out, space(ws.ID, ws.Name, len(out) == 0))
		folders, err := a.c.Folders(ctx, ws.ID)
		if err != nil {
			return nil, fmt.Errorf("the folders of %q: %w", ws.Name, err)
		}
		for _, f := range folders {
			if f.ID == "" || seen[f.ID] {
				continue // the home folder, listed as the workspace
			}
			seen[f.ID] = true
			out = append(out, space(f.ID, ws.Name+" / "+f.Name, false))
		}
	}
	return out, nil
}

// space is a folder as a lanes space; the first workspace stands for the
// personal space a board opens in by default.
func space(id, name string, first bool) api.Space {
	return api.Space{ID: id, Name: name, Slug: slug(name), IsPersonal: first, Role: api.RoleMember}
}

// slug is a name as a --space or --project may give it: lower case, words
// joined by dashes.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	return b.String()
}

// Projects lists a folder's projects (a workspace id lists its home
// folder's).
func (a *Account) Projects(ctx context.Context, spaceID string) ([]api.Project, error) {
	ps, err := a.c.FolderProjects(ctx, spaceID)
	if err != nil {
		return nil, err
	}
	out := make([]api.Project, 0, len(ps))
	for _, p := range ps {
		if p.ID == "" {
			continue
		}
		out = append(out, api.Project{ID: p.ID, SpaceID: spaceID, Name: p.Name, Slug: slug(p.Name)})
	}
	return out, nil
}

// ArchivedProjects is none: v1 lists no archived projects apart.
func (a *Account) ArchivedProjects(context.Context, string) ([]api.Project, error) {
	return nil, nil
}

// Remote is the board of o.ProjectID, keeping what it learns of the
// project in o.Dir (none when o.Dir is "").
func (a *Account) Remote(o board.Options) board.Remote {
	return NewRemote(a.c, o.ProjectID, o.Dir, o.Server)
}
