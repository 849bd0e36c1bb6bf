package launch

import (
	"context"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
)

// Directory is what finding a board needs of a task server: the spaces a
// person can see and their projects.
type Directory interface {
	Spaces(ctx context.Context) ([]api.Space, error)
	Projects(ctx context.Context, spaceID string) ([]api.Project, error)
	ArchivedProjects(ctx context.Context, spaceID string) ([]api.Project, error)
}

// Server is a task server as the commands that open a board see it: where
// to find boards, who the person is, the people of a space, and the
// Remote a board syncs with. A lanes or Krokanti server (Krokanti) and a
// Taskade account (package taskadeboard) are each one; nothing that opens
// a board asks which.
type Server interface {
	Directory
	BaseURL() string
	Me(ctx context.Context) (*api.User, error)
	// Remote is what the board of o.ProjectID (in o.SpaceID, with its
	// files in o.Dir) sends its changes through.
	Remote(o board.Options) board.Remote
}

// Krokanti is a server speaking the Krokanti Tasks API (a lanes server,
// or a seed-only one) through c.
func Krokanti(c *api.Client) Server { return krokanti{c} }

type krokanti struct{ *api.Client }

func (k krokanti) Remote(board.Options) board.Remote { return board.NewRemote(k.Client) }
