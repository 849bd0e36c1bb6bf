package api_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// TestCreateTaskAsItWas makes a task already completed, archived and
// estimated in one request, as an import does; a seed-only server, which
// would drop those fields, is not sent it.
func TestCreateTaskAsItWas(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, server.APIFull)
	c := e.client(e.user("ann"))
	_, p := personal(t, c)
	cols, err := c.Statuses(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	done := cols[len(cols)-1]
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "shipped", StatusID: &done.ID,
		CompletedAt: &at, IsArchived: true, EstimatedHours: ptr(2.5)})
	if err != nil {
		t.Fatal(err)
	}
	if k.CompletedAt == nil || !k.CompletedAt.Equal(at) || !k.IsArchived || k.EstimatedHours == nil || *k.EstimatedHours != 2.5 {
		t.Fatalf("made %+v, want it completed at %s, archived, estimated 2.5 h", k, at)
	}

	seed := newEnv(t, server.APISeed)
	sc := seed.client(seed.user("bo"))
	_, sp := personal(t, sc)
	_, err = sc.CreateTask(ctx, api.TaskCreate{ProjectID: sp.ID, Title: "x", IsArchived: true})
	if !errors.Is(err, api.ErrNotSupported) {
		t.Fatalf("to a seed-only server: %v, want ErrNotSupported", err)
	}
	if tasks, _ := sc.Tasks(ctx, sp.ID, api.ListTasksOptions{}); len(tasks) != 0 {
		t.Fatalf("the seed-only server got a task: %+v", tasks)
	}
}
