package board

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// x on a card completed from In Review reopens it into In Review: at once
// on the board (before the server answers) and on the server.
func TestReopenIntoTheColumnItWasCompletedFrom(t *testing.T) {
	env := newTestEnv(t, 24)
	ctx := context.Background()
	review, done := env.colID("In Review"), env.colID("Done")
	k, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Reviewed", StatusID: &review})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	// Quick hands: reopened before the server answered the completion.
	if c := d.card("Reviewed"); c.StatusID != done || c.ReopenStatusID != review {
		t.Fatalf("completed at once into %s remembering %q", c.StatusID, c.ReopenStatusID)
	}
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	if c := d.card("Reviewed"); c.StatusID != review || c.Done() {
		t.Fatalf("reopened at once into %s (done %v), want In Review", c.StatusID, c.Done())
	}
	d.settle(5 * time.Second)
	if got := env.serverTasks()["Reviewed"]; len(got) != 1 || *got[0].StatusID != review || got[0].CompletedAt != nil {
		t.Fatalf("the server has %+v", got)
	}

	// Completed and confirmed, then reopened from what the server said.
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	d.settle(5 * time.Second)
	if c, _ := d.e.Confirmed().Card(k.ID); c.ReopenStatusID != review {
		t.Fatalf("the server's copy remembers %q, want In Review", c.ReopenStatusID)
	}
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	if c := d.card("Reviewed"); c.StatusID != review {
		t.Fatalf("reopened at once into %s, want In Review", c.StatusID)
	}
	d.settle(5 * time.Second)
	if got := env.serverTasks()["Reviewed"]; *got[0].StatusID != review {
		t.Fatalf("the server has it in %s", *got[0].StatusID)
	}
	d.close()
}

// Against a seed-only server, which does not say where a card was
// completed from, x reopens into the first column, and u after D says it
// can't undo the delete.
func TestSeedServerReopensIntoTheFirstColumn(t *testing.T) {
	env := newSeedTestEnv(t, 27)
	ctx := context.Background()
	review, todo := env.colID("In Review"), env.colID("To Do")
	k, _ := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Reviewed", StatusID: &review})
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	d.settle(5 * time.Second)
	d.do(d.e.State().ToggleDone(k.ID, time.Now()))
	if c := d.card("Reviewed"); c.StatusID != todo {
		t.Fatalf("reopened at once into %s, want the first column", c.StatusID)
	}
	d.settle(5 * time.Second)
	if got := env.serverTasks()["Reviewed"]; *got[0].StatusID != todo || got[0].CompletedAt != nil {
		t.Fatalf("the server has it in %s", *got[0].StatusID)
	}
	d.do(d.e.State().Delete(k.ID, time.Now()))
	d.settle(5 * time.Second)
	if _, _, err := d.e.Undo(); err == nil || !strings.Contains(err.Error(), "this server can't restore deleted cards") {
		t.Fatalf("undo of a delete on a seed server: %v", err)
	}
	if d.card("Reviewed") != nil || d.e.Status().Waiting != 0 {
		t.Fatal("the refused undo changed the board")
	}
	d.close()
}

// newSeedTestEnv is newTestEnv on a server with only the seed's API.
func newSeedTestEnv(t *testing.T, seed uint64) *testEnv {
	t.Helper()
	return newTestEnv(t, seed, server.WithAPI(server.APISeed))
}
