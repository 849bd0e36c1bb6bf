package board

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// A change the server refuses for a full disk waits and says why, in the
// server's words; once there is room it lands, once.
func TestEngineWaitsOutAFullDisk(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "lanes.db"), store.WithMaxPages(150))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(st, server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), server.WithRateLimit(0)))
	t.Cleanup(func() { srv.Close(); st.Close() })
	ts := &testenv.Server{Store: st, HTTP: srv}
	env := &testEnv{t: t, st: st, srv: srv, ts: ts}
	env.userID, env.token = ts.User(t, "owner")
	env.proxy = newFaultProxy(t, strings.TrimPrefix(srv.URL, "http://"), 1)
	env.direct = env.client(srv.URL, env.token)
	spaces, err := env.direct.Spaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	projects, err := env.direct.Projects(ctx, spaces[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	env.space, env.project = spaces[0].ID, projects[0].ID

	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)

	// Fill the disk from elsewhere, to the last byte a new card would need.
	var filler []string
	for _, size := range []int{16000, 4000, 1000, 200, 0} {
		desc := strings.Repeat("x", size)
		for i := 0; ; i++ {
			if i == 200 {
				t.Fatal("150 pages never filled")
			}
			k, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: fmt.Sprintf("filler %d", len(filler)), Description: &desc})
			var ae *api.Error
			if errors.As(err, &ae) && ae.Status == http.StatusInsufficientStorage {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			filler = append(filler, k.ID)
		}
	}

	m, err := d.e.State().NewCard(env.project, "", "Waits for room", time.Now())
	if !d.do(m, err) {
		t.Fatal("create refused")
	}
	deadline := time.Now().Add(5 * time.Second)
	for d.e.Status().LastErr == "" && time.Now().Before(deadline) {
		d.pumpFor(20 * time.Millisecond)
	}
	if st := d.e.Status(); st.LastErr != "the server's disk is full" || st.Waiting != 1 || st.State != Offline {
		t.Fatalf("status on a full disk: %+v, want offline, 1 waiting, saying \"the server's disk is full\"", st)
	}
	if c := d.card("Waits for room"); c == nil || !d.e.Pending(c.ID) {
		t.Fatalf("the card left the board or stopped waiting: %+v", c)
	}
	if _, ok := d.e.RefusedReason(m.TaskID); ok {
		t.Fatal("a full disk was taken as a refusal")
	}

	// Room is made; the change goes through by itself.
	for _, id := range filler[:3] {
		if _, err := env.direct.UpdateTask(ctx, id, api.TaskPatch{Description: api.Clear[string]()}); err != nil {
			t.Fatal(err)
		}
	}
	d.settle(10 * time.Second)
	if got := env.serverTasks()["Waits for room"]; len(got) != 1 {
		t.Fatalf("%d cards on the server after room was made, want 1", len(got))
	}
	if st := d.e.Status(); st.LastErr != "" || st.Waiting != 0 {
		t.Fatalf("status after room was made: %+v", st)
	}
	d.close()
}
