package sshd

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/internal/taskadetest"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/taskadeboard"
)

// taskadeRemote is the Config of a host serving the Taskade projects of
// the API at url, as lanes ssh --backend taskade has it: each key line
// carries its person's Taskade token.
func taskadeRemote(url string) Config {
	return Config{ServerKey: url, NeedToken: true, Client: func(_ context.Context, _, token string) (launch.Server, func(), error) {
		return taskadeboard.New(taskade.New(url, token)), func() {}, nil
	}}
}

// taskadeParent is the text of the parent of the server's one task of
// text ("" if there is not exactly one, or it has none).
func taskadeParent(srv *taskadetest.Server, project, text string) string {
	var found []taskadetest.Task
	for _, k := range srv.Tasks(project) {
		if k.Text == text {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		return ""
	}
	p, _ := srv.Task(project, found[0].ParentID)
	return p.Text
}

// Over SSH with --backend taskade, a person's key line carries their
// Taskade token, and their session draws their Taskade project as a
// board (its top-level tasks the columns, their children the cards) and
// sends their keys to it. A token revoked in Taskade is met as a lanes
// server's 401 is: the open board stays on the screen, marked "token
// refused" and saying why (changes made now wait for a token that works),
// and the session stays until they quit; their next session opens the
// board from its cache, marked so again; a person with no cache is turned
// away, told why.
func TestSSHTaskadeBoard(t *testing.T) {
	srv := taskadetest.New(t)
	tok := srv.AddUser("ada", "Ada Lovelace")
	bobTok := srv.AddUser("bob", "Bob")
	ws := srv.AddWorkspace("Acme", "ada", "bob")
	project := srv.AddProject(ws, "Launch")
	cols := map[string]string{}
	for _, name := range []string{"To Do", "Doing", "Done"} {
		cols[name] = srv.AddTask(project, "", name)
	}
	srv.AddTask(project, cols["To Do"], "Write the brief")
	srv.AddTask(project, cols["To Do"], "Draft the spec")
	srv.AddTask(project, cols["Doing"], "Build it")

	e := newSSHEnv(t)
	e.addTokenKey("ada", tok)
	e.addTokenKey("bob", bobTok)
	e.start(taskadeRemote(srv.URL))
	ada := e.connect("ada", 120, 30)
	screen := ada.WaitFor("the Taskade project", "Acme / Launch", "To Do", "Doing", "Done", "Write the brief", "Draft the spec", "Build it", "synced")
	for col, title := range map[string]string{"To Do": "Draft the spec", "Doing": "Build it"} {
		if !strings.Contains(testenv.Column(screen, col), title) {
			t.Fatalf("%q is not in %s:\n%s", title, col, screen)
		}
	}

	ada.Keys("L")
	ada.WaitColumn("Doing", "Write the brief")
	for deadline := time.Now().Add(15 * time.Second); taskadeParent(srv, project, "Write the brief") != "Doing"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Taskade never had the card moved over ssh under Doing: %+v", srv.Tasks(project))
		}
	}

	// The token revoked in Taskade: the next fetch (r, rather than the
	// poll's 15 s; or the one lanes makes a second after its own change)
	// is refused with a 401, in Taskade's words.
	srv.Revoke(tok)
	ada.Keys("r")
	screen = ada.WaitFor("the board refused", "token refused", "revoked token")
	if strings.Contains(screen, "synced") {
		t.Fatalf("a board whose token was revoked says it is synced:\n%s", screen)
	}
	if !strings.Contains(testenv.Column(screen, "Doing"), "Write the brief") {
		t.Fatalf("the board is no longer drawn:\n%s", screen)
	}
	select {
	case err := <-ada.Done():
		t.Fatalf("the session ended (%v) when the token was revoked", err)
	default:
	}
	ada.Keys("q")
	if err := ada.Exit(); err != nil {
		t.Fatalf("q after the revoke should end the session with status 0: %v", err)
	}

	// Back with the revoked token: the board from the cache, refused.
	ada = e.connect("ada", 120, 30)
	screen = ada.WaitFor("the cached board, refused", "Acme / Launch", "Write the brief", "token refused", "revoked token")
	if !strings.Contains(testenv.Column(screen, "Doing"), "Write the brief") {
		t.Fatalf("the cached board is not as it was left:\n%s", screen)
	}
	ada.Keys("q")
	if err := ada.Exit(); err != nil {
		t.Fatalf("q should end the session with status 0: %v", err)
	}

	// No board cached and the token revoked: nothing to open, and said so.
	srv.Revoke(bobTok)
	bob := e.connect("bob", 120, 30)
	var exit *gossh.ExitError
	if err := bob.Exit(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("a session with a revoked token and no cache ended with %v, want exit status 1", err)
	}
	if !strings.Contains(bob.Stderr.String(), "revoked") {
		t.Fatalf("a session with a revoked token was not told why: %q", bob.Stderr.String())
	}
}
