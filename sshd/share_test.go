package sshd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/faultproxy"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/server/store"
)

// proxied is a host whose people reach the data directory's task server
// through p, each with their own token as lanes ssh has it.
func (e *sshEnv) proxied(p *faultproxy.Proxy) Config {
	ls := e.local()
	return Config{ServerKey: "local", Client: func(ctx context.Context, name, _ string) (launch.Server, func(), error) {
		token, _, err := ls.UserToken(ctx, e.dir, name)
		if err != nil {
			return nil, nil, err
		}
		return launch.Krokanti(api.New(p.URL(), token)), func() {}, nil
	}}
}

// newProxy is a fault proxy in front of the data directory's task server.
func (e *sshEnv) newProxy(seed uint64) *faultproxy.Proxy {
	return faultproxy.New(e.t, strings.TrimPrefix(e.local().URL, "http://"), seed)
}

// client is the API client of name on the data directory's task server,
// with the token the host acts with.
func (e *sshEnv) client(name string) *api.Client {
	e.t.Helper()
	token, _, err := e.local().UserToken(context.Background(), e.dir, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return api.New(e.local().URL, token)
}

// openEngines are the projects of the host's open engines, one entry per
// engine, sorted.
func (e *sshEnv) openEngines() []string {
	h := e.srv.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for k := range h.engines {
		out = append(out, k.person.name+" "+k.project)
	}
	slices.Sort(out)
	return out
}

// waitEngines waits until the host's open engines are want.
func (e *sshEnv) waitEngines(what string, want ...string) {
	e.t.Helper()
	slices.Sort(want)
	for deadline := time.Now().Add(15 * time.Second); !slices.Equal(e.openEngines(), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: the host has the engines %q open, want %q", what, e.openEngines(), want)
		}
	}
}

// titlesOnServer counts the cards of each title on the server, in every
// project (archived ones too).
func (e *sshEnv) titlesOnServer() map[string]int {
	e.t.Helper()
	got := map[string]int{}
	for title, cols := range e.cardsOnServer() {
		got[title] = len(cols)
	}
	return got
}

// A person's sessions of one project share one board: a change made in
// one is in the other at once, with the server away, waiting in the one
// outbox they share; the session that made it may quit before it is
// sent, and the other's board sends it, once. One data directory serves
// them all. Taking the person's key out ends every session of theirs.
func TestSSHSessionsShareTheirBoard(t *testing.T) {
	e := newSSHEnv(t, "alice")
	proxy := e.newProxy(1)
	e.start(e.proxied(proxy))
	one := e.connect("alice", 100, 30)
	two := e.connect("alice", 100, 30)
	one.WaitFor("board", "Personal / General", "synced")
	two.WaitFor("board", "Personal / General", "synced")
	if got := e.openEngines(); len(got) != 1 {
		t.Fatalf("two sessions of one person on one project have %d engines open: %q", len(got), got)
	}

	proxy.Set(faultproxy.Faults{Unavailable: 1}) // the server away
	one.Keys("n")
	one.WaitFor("new card prompt", "title of the new card")
	one.Keys("Made while away\r")
	one.WaitFor("the change, waiting", "Made while away", "1 waiting")
	two.WaitFor("the other session's change, in the outbox they share", "Made while away", "1 waiting")
	one.Keys("q")
	if err := one.Exit(); err != nil {
		t.Fatalf("q: %v", err)
	}
	if n := e.titlesOnServer()["Made while away"]; n != 0 {
		t.Fatalf("the server has the card made while it was away %d times already", n)
	}

	proxy.Set(faultproxy.Faults{}) // back
	for deadline := time.Now().Add(30 * time.Second); e.titlesOnServer()["Made while away"] == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the change made by the session that quit never reached the server:\n%s", two.VT.Screen())
		}
	}
	two.WaitFor("sent", "Made while away", "synced")
	if n := e.titlesOnServer()["Made while away"]; n != 1 {
		t.Fatalf("the server has the card %d times, want once", n)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "ssh", "alice", "2")); err == nil {
		t.Fatal("a second session of alice got a second data directory")
	}

	three := e.connect("alice", 100, 30)
	three.WaitFor("a third session", "Made while away", "synced")
	e.keepKeys(func(l string) (string, bool) { return l, !strings.HasSuffix(l, " alice") })
	for _, s := range []struct {
		name string
		term interface{ EndsWithin(time.Duration) error }
	}{{"the second", two}, {"the third", three}} {
		var exit *gossh.ExitError
		if err := s.term.EndsWithin(5 * time.Second); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
			t.Fatalf("%s session of a removed key ended with %v, want exit status 1", s.name, err)
		}
	}
	e.waitEngines("with every session gone")
}

// The project switcher opens the engine the person's other sessions of
// that project share, and the engine a session left is closed (its
// cache written) once no session shows it.
func TestSSHSwitcherSharesTheBoard(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start(Config{})
	one := e.connect("alice", 100, 30)
	one.WaitFor("board", "Personal / General", "synced")
	c := e.client("alice")
	ctx := context.Background()
	sp, general, err := launch.Pick(ctx, c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	launchP, err := c.CreateProject(ctx, api.ProjectCreate{SpaceID: sp.ID, Name: "Launch", Slug: "launch"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: launchP.ID, Title: "Book the venue"}); err != nil {
		t.Fatal(err)
	}
	two := e.connect("alice", 100, 30)
	two.WaitFor("board", "Personal / General", "synced")
	e.waitEngines("two sessions on General", "alice "+general.ID)

	two.Keys("p")
	two.WaitFor("the switcher", "Open a project", "Personal / Launch")
	two.Keys("lnch\r")
	two.WaitFor("Launch", "Personal / Launch", "Book the venue", "synced")
	e.waitEngines("one session on each", "alice "+general.ID, "alice "+launchP.ID)

	one.Keys("p")
	one.WaitFor("the switcher", "Open a project", "Personal / Launch")
	one.Keys("lnch\r")
	one.WaitFor("Launch", "Personal / Launch", "Book the venue", "synced")
	e.waitEngines("both on Launch: General closed", "alice "+launchP.ID)
	if !board.Cached(board.Options{Dir: filepath.Join(e.dir, "ssh", "alice", "1"), Server: "local", ProjectID: general.ID}) {
		t.Fatal("General, closed, left no cache")
	}

	one.Keys("L")
	two.WaitColumn("In Progress", "Book the venue")
	for _, s := range []interface {
		Keys(string)
		Exit() error
	}{one, two} {
		s.Keys("q")
		if err := s.Exit(); err != nil {
			t.Fatalf("q: %v", err)
		}
	}
	e.waitEngines("every session gone")
}

// What a session of an older lanes left in its own data directory's
// outbox (ssh/NAME/2: each session had one then) is sent by the person's
// next board, once, and the directory goes.
func TestSSHOlderSessionsOutboxIsSent(t *testing.T) {
	e := newSSHEnv(t, "alice")
	e.start(Config{})
	alice := e.connect("alice", 100, 30)
	alice.WaitFor("board", "Personal / General", "synced")
	alice.Keys("q")
	if err := alice.Exit(); err != nil {
		t.Fatal(err)
	}
	e.waitEngines("alice gone")
	_, general, err := launch.Pick(context.Background(), e.client("alice"), "", "")
	if err != nil {
		t.Fatal(err)
	}

	// A second session's directory, as an older lanes left it: the
	// board's cache, and a change in the outbox never sent.
	first, old := filepath.Join(e.dir, "ssh", "alice", "1"), filepath.Join(e.dir, "ssh", "alice", "2")
	cached, err := filepath.Glob(filepath.Join(first, "boards", "*.cache"))
	if err != nil || len(cached) != 1 {
		t.Fatalf("alice's cache: %q, %v", cached, err)
	}
	raw, err := os.ReadFile(cached[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(old, "boards"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "boards", filepath.Base(cached[0])), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	opts := board.Options{Dir: old, Server: "local", ProjectID: general.ID, SpaceID: general.SpaceID,
		Remote: board.NewRemote(api.New("http://127.0.0.1:1", "kt_nowhere"))}
	eng, err := board.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	s := eng.State()
	if len(s.Columns()) == 0 {
		t.Fatal("the old directory's board has no columns")
	}
	m, err := s.NewCard(general.ID, s.Columns()[0].ID, "Left by an older session", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := eng.Do(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		eng.Update(c()) // written to the outbox; its send is never run
	}
	if st := eng.Status(); st.Waiting != 1 {
		t.Fatalf("the old outbox holds %d changes, want 1", st.Waiting)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}

	alice = e.connect("alice", 100, 30)
	alice.WaitFor("the older session's change, sent", "Left by an older session", "synced")
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := os.Stat(old)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the older session's directory is still there once its outbox was sent (%v)", err)
		}
	}
	if n := e.titlesOnServer()["Left by an older session"]; n != 1 {
		t.Fatalf("the server has the older session's card %d times, want once", n)
	}
}

var sshChaos = flag.Bool("lanes.sshchaos", false, "run the SSH chaos test at full size: 4 sessions of one person, 20 rounds")

// cardsOnServer are the columns of the cards of each title on the server,
// in every project of every space, archived or not.
func (e *sshEnv) cardsOnServer() map[string][]string {
	e.t.Helper()
	got := map[string][]string{}
	err := e.db().Read(context.Background(), func(tx *store.Tx) error {
		users, err := tx.Users()
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, u := range users {
			spaces, err := tx.SpacesForUser(u.ID)
			if err != nil {
				return err
			}
			for _, sp := range spaces {
				for _, archived := range []bool{false, true} {
					projects, err := tx.Projects(sp.ID, archived)
					if err != nil {
						return err
					}
					for _, p := range projects {
						if seen[p.ID] {
							continue
						}
						seen[p.ID] = true
						if err := cardsOf(tx, p.ID, got); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// cardsOf adds the project's cards, archived or not, to got: the names of
// their columns by title.
func cardsOf(tx *store.Tx, project string, got map[string][]string) error {
	cols, err := tx.Statuses(project)
	if err != nil {
		return err
	}
	for _, archived := range []bool{false, true} {
		tasks, err := tx.Tasks(project, archived)
		if err != nil {
			return err
		}
		for _, k := range tasks {
			col := "?"
			for _, c := range cols {
				if k.StatusID != nil && *k.StatusID == c.ID {
					col = c.Name
				}
			}
			got[k.Title] = append(got[k.Title], col)
		}
	}
	return nil
}

// Several sessions of one person make cards and move them at once,
// through a proxy that resets connections, drops answers after the
// server made the change, answers 503 and 429, and adds latency; now and
// then a session quits as soon as its change is on the board (its answer
// still on the way) and another opens, and once every session quits at
// once, leaving changes in the outbox for the next. Every change a
// session's board took is on the server exactly once: no card lost, none
// made twice, each in the column it was last moved to. The seed is
// LANES_CHAOS_SEED or 42; -lanes.sshchaos runs it longer.
func TestSSHChaosSessionsOfOnePerson(t *testing.T) {
	sessions, rounds := 3, 6
	if *sshChaos {
		sessions, rounds = 4, 20
	}
	seed := uint64(42)
	if s, err := strconv.ParseUint(os.Getenv("LANES_CHAOS_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := rand.New(rand.NewPCG(seed, 0x55d))
	e := newSSHEnv(t, "alice")
	proxy := e.newProxy(seed)
	e.start(e.proxied(proxy))
	terms := make([]*testenv.Term, sessions)
	columns := []string{"To Do", "In Progress", "In Review", "Done"}
	// A new card goes in the column in focus, which follows the card
	// selected (moved by another session, say): where a session's board
	// shows it is where it took it.
	shownIn := func(s *testenv.Term, title string) int {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			screen := s.VT.Screen()
			for i, col := range columns {
				if strings.Contains(testenv.Column(screen, col), title) {
					return i
				}
			}
		}
		t.Fatalf("%s's board never showed %q:\n%s", s.Name, title, s.VT.Screen())
		return 0
	}
	open := func(i int) {
		terms[i] = e.connect("alice", 120, 110)
		terms[i].WaitFor("the board", "Personal / General", "To Do")
	}
	quit := func(i int) {
		terms[i].Keys("q")
		if err := terms[i].Exit(); err != nil {
			t.Fatalf("session %d, q: %v", i, err)
		}
	}
	for i := range terms {
		open(i)
	}
	terms[0].WaitFor("the board, synced", "synced")
	proxy.Set(faultproxy.Faults{Reset: 0.05, Drop: 0.05, Unavailable: 0.03, RateLimit: 0.02, MaxLatency: 2 * time.Millisecond})

	want := map[string]string{} // each card a board took → the column it was last moved to
	maybe := map[string]bool{}  // cards typed just before a quit
	for r := range rounds {
		for i, s := range terms {
			title := fmt.Sprintf("s%d-r%02d", i, r)
			s.Keys("n")
			s.WaitFor("the new card prompt", "title of the new card")
			s.Keys(title + "\r")
			col := shownIn(s, title) // the board took it
			want[title] = columns[col]
			if col < len(columns)-1 && rng.IntN(3) == 0 {
				s.Keys("L") // the new card is the one selected
				s.WaitColumn(columns[col+1], title)
				want[title] = columns[col+1]
			}
		}
		switch {
		case r == rounds/2:
			// Everyone leaves at once: the engine closes, what waits stays
			// in the outbox, and the next session's board sends it.
			for i := range terms {
				quit(i)
			}
			e.waitEngines("every session gone")
			for i := range terms {
				open(i)
			}
		case rng.IntN(2) == 0:
			// A session quits with a card typed but maybe not yet taken:
			// on the server once if its board took it, else not at all.
			i := rng.IntN(sessions)
			title := fmt.Sprintf("s%d-r%02d-quit", i, r)
			terms[i].Keys("n")
			terms[i].WaitFor("the new card prompt", "title of the new card")
			terms[i].Keys(title + "\r")
			maybe[title] = true
			quit(i)
			open(i)
		}
	}
	proxy.Set(faultproxy.Faults{})

	settled := func() bool {
		got := e.cardsOnServer()
		for title, col := range want {
			if len(got[title]) != 1 || got[title][0] != col {
				return false
			}
		}
		return true
	}
	for deadline := time.Now().Add(60 * time.Second); !settled(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			break
		}
	}
	for i, s := range terms {
		s.WaitFor(fmt.Sprintf("session %d, all sent", i), "synced")
	}
	got := e.cardsOnServer()
	for title, col := range want {
		switch cols := got[title]; {
		case len(cols) == 0:
			t.Errorf("%s: taken by a board, but not on the server", title)
		case len(cols) > 1:
			t.Errorf("%s: on the server %d times (%q)", title, len(cols), cols)
		case cols[0] != col:
			t.Errorf("%s: in %s on the server, want %s", title, cols[0], col)
		}
		delete(got, title)
	}
	for title, cols := range got {
		if maybe[title] && len(cols) == 1 {
			continue
		}
		t.Errorf("the server has %d card(s) %q that no board took", len(cols), title)
	}
	t.Logf("seed %d: %d sessions, %d cards; proxy: %s", seed, sessions, len(want), proxy.Summary())
}
