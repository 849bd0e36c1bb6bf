package api_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// env is a real lanes server on a loopback listener over a real SQLite file.
type env struct {
	t   *testing.T
	st  *store.Store
	srv *httptest.Server
	ts  *testenv.Server
}

type user struct {
	ID, Name, Token string
}

func newEnv(t *testing.T, mode server.API, opts ...server.Option) *env {
	t.Helper()
	ts := testenv.Start(t, append([]server.Option{server.WithAPI(mode)}, opts...)...)
	return &env{t: t, st: ts.Store, srv: ts.HTTP, ts: ts}
}

// user makes a user (with a Personal space) and a token for them.
func (e *env) user(name string) user {
	e.t.Helper()
	id, token := e.ts.User(e.t, name)
	return user{ID: id, Name: name, Token: token}
}

// client is a client of the env's server as u, with fast retries.
func (e *env) client(u user, opts ...api.Option) *api.Client {
	all := append([]api.Option{api.WithRetry(3, time.Millisecond, 5*time.Millisecond), api.WithTimeout(5 * time.Second)}, opts...)
	return api.New(e.srv.URL, u.Token, all...)
}

// personal is u's Personal space and its General project, found through
// the client.
func personal(t *testing.T, c *api.Client) (api.Space, api.Project) {
	t.Helper()
	ctx := context.Background()
	spaces, err := c.Spaces(ctx)
	if err != nil {
		t.Fatalf("Spaces: %v", err)
	}
	if len(spaces) != 1 {
		t.Fatalf("a new user has %d spaces, want the personal one", len(spaces))
	}
	projects, err := c.Projects(ctx, spaces[0].ID)
	if err != nil {
		t.Fatalf("Projects: %v", err)
	}
	if len(projects) != 1 || projects[0].Name != "General" {
		t.Fatalf("personal space projects: %+v", projects)
	}
	return spaces[0], projects[0]
}

// debugLog collects the client's debug lines and can act on each.
type debugLog struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	onLine func(string)
}

func (d *debugLog) Write(p []byte) (int, error) {
	d.mu.Lock()
	d.buf.Write(p)
	on := d.onLine
	d.mu.Unlock()
	if on != nil {
		on(string(p))
	}
	return len(p), nil
}

// lines are the logged lines that contain substr.
func (d *debugLog) lines(substr string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(d.buf.String()), "\n") {
		if l != "" && strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
