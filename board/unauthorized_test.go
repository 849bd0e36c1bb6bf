package board

import (
	"context"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// A change made while the server refuses the token (revoked, expired) is
// kept, not dropped: it waits in the outbox, the status says why, and it
// reaches the server once lanes has a token the server takes.
func TestChangesWaitForATokenThatWorks(t *testing.T) {
	env := newTestEnv(t, 5)
	ctx := context.Background()
	if _, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Keep me"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	d := env.driver(dir, env.token)
	d.settle(5 * time.Second)
	d.close()

	revoked, tok, err := server.IssueToken(ctx, env.st, env.userID, "soon revoked")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.st.Write(ctx, func(tx *store.Tx) error { _, err := tx.RevokeToken(tok.ID); return err }); err != nil {
		t.Fatal(err)
	}
	d = env.driver(dir, revoked)
	id := d.card("Keep me").ID
	d.do(d.e.State().Shift(id, 1, time.Now()))
	d.pumpFor(300 * time.Millisecond)
	st := d.e.Status()
	if st.State != TokenRefused || st.Waiting != 1 {
		t.Fatalf("status %+v, want the token refused with the change waiting", st)
	}
	if got := d.e.State().ColumnOf(d.card("Keep me")); got != env.colID("In Progress") {
		t.Fatalf("the move does not show: in %s", got)
	}
	if _, refused := d.e.RefusedReason(id); refused {
		t.Fatal("the change was refused (dropped) rather than kept")
	}
	if err := d.e.Close(); err != nil { // it can't settle: its change waits
		t.Fatal(err)
	}

	d = env.driver(dir, env.token) // a token that works
	d.settle(5 * time.Second)
	if got := env.serverTasks()["Keep me"][0]; *got.StatusID != env.colID("In Progress") {
		t.Fatalf("the server has the card in %s, want the move made with the revoked token", *got.StatusID)
	}
	d.close()
}
