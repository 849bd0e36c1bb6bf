package ui

import (
	"context"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
)

// envSwitcher is the switcher main wires up, over the test's real server.
type envSwitcher struct {
	e   *env
	dir string
}

func (s envSwitcher) Projects(ctx context.Context) ([]Choice, error) {
	spaces, err := s.e.direct.Spaces(ctx)
	if err != nil {
		return nil, err
	}
	var out []Choice
	for _, sp := range spaces {
		ps, err := s.e.direct.Projects(ctx, sp.ID)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out = append(out, Choice{SpaceID: sp.ID, Space: sp.Name, ProjectID: p.ID, Project: p.Name})
		}
	}
	return out, nil
}

func (s envSwitcher) Open(ctx context.Context, c Choice) (*board.Engine, error) {
	return board.Open(ctx, board.Options{Dir: s.dir, Server: s.e.srv.URL, ProjectID: c.ProjectID,
		Remote: board.NewRemote(api.New(s.e.srv.URL, s.e.token)), BackoffBase: 5 * time.Millisecond})
}

// p opens the switcher; typing narrows it fuzzily; enter opens the project.
func TestProjectSwitcher(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	launch, err := e.direct.CreateProject(ctx, api.ProjectCreate{SpaceID: e.project.SpaceID, Name: "Launch", Slug: "launch"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: launch.ID, Title: "Book the venue"}); err != nil {
		t.Fatal(err)
	}
	e.switcher = envSwitcher{e, t.TempDir()}
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "p")
	waitScreen(t, tm, "Open a project", "Personal / Launch")
	keys(tm, "lnch", "enter")
	waitScreen(t, tm, "Book the venue", "Personal / Launch")
	keys(tm, "L")
	cols, err := e.direct.Statuses(ctx, launch.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.eventually("the Launch card moved right", func() bool {
		tasks, _ := e.direct.Tasks(ctx, launch.ID, api.ListTasksOptions{})
		return len(tasks) == 1 && *tasks[0].StatusID == cols[1].ID
	})
	m := finish(t, tm)
	if m.ctx.ProjectID != launch.ID {
		t.Fatalf("the board still shows project %s", m.ctx.ProjectID)
	}
	m.Engine().Close()
}

// A board opened with nothing asked for on a backend whose first project
// is as good as any (Taskade) starts with the switcher open over it.
func TestSwitcherOpenFromTheStart(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.direct.CreateProject(ctx, api.ProjectCreate{SpaceID: e.project.SpaceID, Name: "Launch", Slug: "launch"}); err != nil {
		t.Fatal(err)
	}
	e.switcher = envSwitcher{e, t.TempDir()}
	tm := e.board(e.token, 100, 30, func(c *Config) { c.OpenSwitcher = true })
	waitScreen(t, tm, "Open a project", "Personal / Launch")
	keys(tm, "esc")
	waitScreen(t, tm, "synced", "Write the launch")
	finish(t, tm).Engine().Close()
}
