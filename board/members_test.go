package board

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
)

// runAll runs cmds and every Cmd their answers bring, one at a time, as
// the UI would (without the live feed, which never ends).
func runAll(t *testing.T, e *Engine, cmds []Cmd) {
	t.Helper()
	for len(cmds) > 0 {
		c := cmds[0]
		cmds = cmds[1:]
		more, ok := e.Update(c())
		if !ok {
			t.Fatal("the engine did not take its own answer")
		}
		cmds = append(cmds, more...)
	}
}

// teamBoard is a Team space of the env's owner with bob in it; it returns
// the space, its project and bob's id.
func (env *testEnv) teamBoard() (space, project, bobID string) {
	env.t.Helper()
	ctx := context.Background()
	team, err := env.direct.CreateSpace(ctx, api.SpaceCreate{Name: "Team", Slug: "team"})
	if err != nil {
		env.t.Fatal(err)
	}
	bobID, _ = env.ts.User(env.t, "bob")
	if _, err := env.direct.AddMember(ctx, team.ID, bobID, api.RoleMember); err != nil {
		env.t.Fatal(err)
	}
	ps, err := env.direct.Projects(ctx, team.ID)
	if err != nil {
		env.t.Fatal(err)
	}
	return team.ID, ps[0].ID, bobID
}

// Member names load with the board and are cached with it: an engine
// opened on the same data directory knows them before any I/O, with the
// server gone, even when the last one was killed rather than closed.
func TestMembersAreCachedWithTheBoard(t *testing.T) {
	for order := range 2 {
		t.Run(fmt.Sprint("order ", order), func(t *testing.T) { testMembersCached(t, order) })
	}
}

func testMembersCached(t *testing.T, order int) {
	env := newTestEnv(t, 1)
	space, project, bobID := env.teamBoard()
	dir := t.TempDir()
	open := func(remote Remote) *Engine {
		e, err := Open(context.Background(), Options{Dir: dir, Server: env.srv.URL, ProjectID: project, SpaceID: space,
			Remote: remote, BackoffBase: time.Millisecond, BackoffCap: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := open(NewRemote(env.client(env.srv.URL, env.token)))
	if _, ok := e.Name(bobID); ok {
		t.Fatal("a board never opened knows bob's name")
	}
	// The members may answer before the board or after: either way the
	// cache has both.
	start := e.Start()
	if order == 1 {
		slices.Reverse(start)
	}
	runAll(t, e, start)
	if n, ok := e.Name(bobID); !ok || n != "bob" {
		t.Fatalf("after the start, bob's id names %q (%v)", n, ok)
	}
	e.Abandon() // as kill -9: no cache written on the way out

	env.srv.Close()
	e = open(NewRemote(env.client(env.srv.URL, env.token)))
	defer e.Abandon()
	if n, ok := e.Name(bobID); !ok || n != "bob" {
		t.Fatalf("opened from the cache with the server away, bob's id names %q (%v)", n, ok)
	}
	if n, ok := e.Name(env.userID); !ok || n != "owner" {
		t.Fatalf("opened from the cache, the owner's id names %q (%v)", n, ok)
	}
	if len(e.State().Columns()) == 0 {
		t.Fatal("opened from the cache, the board has no columns")
	}
}

// seedOnly is a server that can't list members or comments: it offers
// the board and nothing more.
type seedOnly struct{ Remote }

// Against a server without members the board opens as before, and names
// are simply unknown.
func TestNoMembersOnASeedOnlyServer(t *testing.T) {
	env := newTestEnv(t, 1)
	space, project, bobID := env.teamBoard()
	e, err := Open(context.Background(), Options{Dir: t.TempDir(), Server: env.srv.URL, ProjectID: project, SpaceID: space,
		Remote: seedOnly{NewRemote(env.client(env.srv.URL, env.token))}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Abandon()
	runAll(t, e, e.Start())
	if _, ok := e.Name(bobID); ok || e.Members() != nil {
		t.Fatalf("a server without members gave names: %+v", e.Members())
	}
	if len(e.State().Columns()) == 0 {
		t.Fatal("the board did not load")
	}
	if n := e.Notices(); len(n) > 0 {
		t.Fatalf("the missing member list was announced: %q", n)
	}
}
