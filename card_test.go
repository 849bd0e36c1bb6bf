package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/server/store"
)

// cardResult is what one lanes command did, as a script sees it: stdout,
// stderr (with the error line main prints) and the exit status main
// exits with.
type cardResult struct {
	out, errOut string
	code        int
}

// cardRun runs lanes with args on the data directory data, stdin as its
// input.
func cardRun(t *testing.T, data, stdin string, args ...string) cardResult {
	t.Helper()
	var out, errOut testenv.SyncBuffer
	root := newRoot(&out, &errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"--data", data}, args...))
	err := root.ExecuteContext(context.Background())
	if err != nil {
		report(&errOut, err) // as main does, before it exits
	}
	return cardResult{out.String(), errOut.String(), exitCode(err)}
}

// cardOK runs lanes and fails the test unless it exits 0.
func cardOK(t *testing.T, data string, args ...string) string {
	t.Helper()
	r := cardRun(t, data, "", args...)
	if r.code != 0 {
		t.Fatalf("lanes %s: exit %d\nstderr: %s", strings.Join(args, " "), r.code, r.errOut)
	}
	return r.out
}

// cardFails runs lanes and checks it failed as a script should see it:
// exit code, nothing on stdout, and one line on stderr saying want.
func cardFails(t *testing.T, data string, code int, want string, args ...string) string {
	t.Helper()
	r := cardRun(t, data, "", args...)
	if r.code != code || r.out != "" || !strings.HasPrefix(r.errOut, "lanes: ") || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, want) {
		t.Errorf("lanes %s: exit %d, stdout %q, stderr %q; want exit %d and one line on stderr saying %q", strings.Join(args, " "), r.code, r.out, r.errOut, code, want)
	}
	return r.errOut
}

// cardJSONOf parses a card printed with --format json.
func cardJSONOf(t *testing.T, out string) cardJSON {
	t.Helper()
	var c cardJSON
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("not a card as JSON: %v\n%s", err, out)
	}
	return c
}

// cardEnv is a lanes server whose space Team (the local user owns it;
// alice is a member, bob a viewer) has the General project with the
// default columns and the labels bug and ui. LANES_SERVER and LANES_TOKEN
// point lanes at it as the owner.
type cardEnv struct {
	data     string // the client's data directory
	base     string
	token    string
	bobToken string
	c        *api.Client
	project  string
	aliceID  string
}

func newCardEnv(t *testing.T) cardEnv {
	t.Helper()
	t.Setenv("LANES_STATE", t.TempDir())
	srv := t.TempDir()
	e := cardEnv{data: t.TempDir()}
	e.token = strings.TrimSpace(mustRun(t, srv, "token", "create"))
	mustRun(t, srv, "user", "create", "alice")
	mustRun(t, srv, "user", "create", "bob")
	mustRun(t, srv, "space", "create", "Team")
	mustRun(t, srv, "space", "add", "Team", "alice")
	mustRun(t, srv, "space", "add", "Team", "bob", "--role", "viewer")
	e.bobToken = strings.TrimSpace(mustRun(t, srv, "token", "create", "--user", "bob"))
	e.base = startServe(t, srv, "--rate-limit", "0")
	e.c = api.New(e.base, e.token)
	ctx := context.Background()
	sp, p, err := launch.Find(ctx, e.c, launch.Query{Space: "Team", Project: "General"})
	if err != nil {
		t.Fatal(err)
	}
	e.project = p.ID
	ms, err := e.c.Members(ctx, sp.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == "alice" {
			e.aliceID = m.UserID
		}
	}
	for _, name := range []string{"bug", "ui"} {
		if _, err := e.c.CreateLabel(ctx, api.LabelCreate{ProjectID: p.ID, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("LANES_SERVER", e.base)
	t.Setenv("LANES_TOKEN", e.token)
	return e
}

// tasks are the project's tasks as the server has them, archived ones too.
func (e cardEnv) tasks(t *testing.T) []api.Task {
	t.Helper()
	ctx := context.Background()
	ts, err := e.c.Tasks(ctx, e.project, api.ListTasksOptions{})
	if err != nil {
		t.Fatal(err)
	}
	archived, err := e.c.Tasks(ctx, e.project, api.ListTasksOptions{Archived: true})
	if err != nil {
		t.Fatal(err)
	}
	return append(ts, archived...)
}

// titled are the server's tasks with this title.
func (e cardEnv) titled(t *testing.T, title string) []api.Task {
	t.Helper()
	return slices.DeleteFunc(e.tasks(t), func(k api.Task) bool { return k.Title != title })
}

// A card added with every flag is on the server as asked; list, move,
// done and comment work on it by title, by the id list shows and by the
// full id, and every command's JSON is the card as the server has it.
func TestCardCommandsOnALanesServer(t *testing.T) {
	e := newCardEnv(t)
	where := []string{"--space", "Team", "--project", "General"}
	add := cardJSONOf(t, cardOK(t, e.data, append([]string{"card", "add", "  Fix the login page ", "--column", "in progress", "--priority", "HIGH",
		"--due", "2026-12-01", "--label", "bug,UI", "--assign", "alice", "--assign", "me", "--description", "It fails on Safari", "--format", "json"}, where...)...))
	got := e.titled(t, "Fix the login page")
	if len(got) != 1 {
		t.Fatalf("the server has %d cards titled \"Fix the login page\", want 1: %+v", len(got), got)
	}
	k := got[0]
	if add.ID != k.ID || add.Column != "In Progress" || add.Priority != "high" || k.Priority != api.PriorityHigh ||
		add.DueDate == nil || add.DueDate.Local().Format("2006-01-02") != "2026-12-01" || deref(add.Description) != "It fails on Safari" ||
		!slices.Equal(add.Labels, []string{"bug", "ui"}) && !slices.Equal(add.Labels, []string{"ui", "bug"}) || len(k.LabelIDs) != 2 ||
		len(add.AssigneeIDs) != 2 || !slices.Contains(add.Assignees, "alice") || !slices.Contains(add.Assignees, local.UserName()) ||
		!slices.Contains(k.AssigneeIDs, e.aliceID) || add.Version != k.Version || deref(add.StatusID) != deref(k.StatusID) {
		t.Fatalf("card add printed %+v\nthe server has %+v", add, k)
	}

	// The board asked for is remembered: from here on, no --space or --project.
	table := cardOK(t, e.data, "card", "list")
	short := ""
	for _, line := range strings.Split(table, "\n") {
		if strings.Contains(line, "Fix the login page") {
			short = strings.Fields(line)[0]
			for _, want := range []string{"In Progress", "high", "2026-12-01", "alice", "bug"} {
				if !strings.Contains(line, want) {
					t.Errorf("the card's row %q lacks %q", line, want)
				}
			}
		}
	}
	if !strings.HasPrefix(table, "ID ") || len(short) < 8 || !strings.HasSuffix(k.ID, short) {
		t.Fatalf("card list shows the card as %q, want the end of its id %s:\n%s", short, k.ID, table)
	}
	var listed []cardJSON
	if err := json.Unmarshal([]byte(cardOK(t, e.data, "card", "list", "--format", "json", "--column", "In Progress")), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || listed[0].ID != k.ID {
		t.Fatalf("card list --column \"In Progress\" --format json: %+v, want the one card", listed)
	}
	if out := cardOK(t, e.data, "card", "list", "--column", "In Review", "--format", "json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("an empty column as JSON: %q, want []", out)
	}

	moved := cardJSONOf(t, cardOK(t, e.data, "card", "move", "fix the LOGIN page", "--to", "In Review", "--format", "json"))
	if moved.Column != "In Review" || moved.CompletedAt != nil {
		t.Fatalf("moved by title: %+v", moved)
	}
	done := cardJSONOf(t, cardOK(t, e.data, "card", "done", short, "--format", "json"))
	if done.Column != "Done" || done.CompletedAt == nil {
		t.Fatalf("done by the id list shows: %+v", done)
	}
	again := cardRun(t, e.data, "", "card", "done", k.ID)
	if again.code != 0 || !strings.Contains(again.errOut, "already done") || !strings.Contains(again.out, "Done") {
		t.Fatalf("done again: %+v, want exit 0, the card, and a word that it was done already", again)
	}
	if r := cardRun(t, e.data, "", "card", "move", k.ID[:13], "--to", "done"); r.code != 0 || !strings.Contains(r.errOut, "already in Done") {
		t.Fatalf("a move to the column it is in: %+v", r)
	}
	reopened := cardJSONOf(t, cardOK(t, e.data, "card", "move", k.ID, "--to", "To Do", "--format", "json"))
	if reopened.CompletedAt != nil || reopened.Column != "To Do" {
		t.Fatalf("moved out of Done: %+v, want it reopened", reopened)
	}

	if out := cardOK(t, e.data, "card", "comment", short, "Deployed to staging"); !strings.Contains(out, "Commented on "+short) {
		t.Fatalf("comment printed %q", out)
	}
	r := cardRun(t, e.data, "Line one\nline two\n", "card", "comment", k.ID, "-", "--format", "json")
	var commented struct {
		Comment struct{ TaskID, Content string }
		Card    cardJSON
	}
	if err := json.Unmarshal([]byte(r.out), &commented); r.code != 0 || err != nil {
		t.Fatalf("comment from stdin: %+v (%v)", r, err)
	}
	if commented.Comment.TaskID != k.ID || commented.Comment.Content != "Line one\nline two" || commented.Card.CommentCount != 2 {
		t.Fatalf("comment from stdin printed %+v", commented)
	}
	cs, err := e.c.Comments(context.Background(), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].Content != "Deployed to staging" || cs[1].Content != "Line one\nline two" {
		t.Fatalf("the server has the comments %+v", cs)
	}
}

// Exit 2 and one line naming what is wrong for a command used wrongly,
// before anything is asked of the server; exit 1 for one the board or
// the server can't do, naming what there is instead.
func TestCardExitCodesAndErrors(t *testing.T) {
	e := newCardEnv(t)
	cardOK(t, e.data, "card", "list", "--space", "Team", "--project", "General")
	before := len(e.tasks(t))
	for _, c := range []struct {
		want string
		args []string
	}{
		{"unknown flag: --colour", []string{"card", "add", "x", "--colour", "red"}},
		{"lanes card add takes 1 argument, got 0 (usage: lanes card add TITLE", []string{"card", "add"}},
		{"lanes card add takes 1 argument, got 2", []string{"card", "add", "Fix", "it"}},
		{"the card needs a title", []string{"card", "add", "  "}},
		{"a title can be at most 500 characters (this one has 501)", []string{"card", "add", strings.Repeat("é", 501)}},
		{`--priority must be none, low, medium, high or urgent, got "hgh"`, []string{"card", "add", "x", "--priority", "hgh"}},
		{`--due: "someday" is not a date lanes knows`, []string{"card", "add", "x", "--due", "someday"}},
		{`--format must be table or json, got "yaml"`, []string{"card", "list", "--format", "yaml"}},
		{"--idempotency-key must be printable ASCII", []string{"card", "add", "x", "--idempotency-key", "ключ"}},
		{"lanes card move needs --to COLUMN", []string{"card", "move", "x"}},
		{"the comment is empty", []string{"card", "comment", "x", " "}},
		{`unknown command "remove" for "lanes card"`, []string{"card", "remove", "x"}},
		{`unknown command "crad" for "lanes"`, []string{"crad"}},
		{`unknown command "extra" for "lanes card list" (usage: lanes card list [flags])`, []string{"card", "list", "extra"}},
		// The other commands too, for a wrong flag or number of arguments.
		{"unknown flag: --bogus", []string{"standup", "--bogus"}},
		{"accepts 1 arg(s), received 0", []string{"space", "create"}},
		// A command that only groups others refuses what is none of them.
		{`unknown command "remov" for "lanes webhook" (its commands: add,`, []string{"webhook", "remov", "x"}},
		{`unknown command "bogus" for "lanes token"`, []string{"token", "bogus"}},
		{`unknown command "bogus" for "lanes space"`, []string{"space", "bogus"}},
	} {
		cardFails(t, e.data, 2, c.want, c.args...)
	}

	cardOK(t, e.data, "card", "add", "Write the release notes")
	for _, c := range []struct {
		want string
		args []string
	}{
		{`no column "Doing" on Team / General (its columns: To Do, In Progress, In Review, Done)`, []string{"card", "add", "x", "--column", "Doing"}},
		{`no column "Shipped" on Team / General (its columns: To Do, In Progress, In Review, Done)`, []string{"card", "move", "Write the release notes", "--to", "Shipped"}},
		{`no column "Nope" on Team / General`, []string{"card", "list", "--column", "Nope"}},
		{`no label "urgent" on Team / General (its labels: bug, ui)`, []string{"card", "add", "x", "--label", "bug,urgent"}},
		{`--assign: no member "carol" in Team (its members: `, []string{"card", "add", "x", "--assign", "carol"}},
		{`no card "Write the launch post" on Team / General`, []string{"card", "done", "Write the launch post"}},
		{`no card "Write the launch post" on Team / General`, []string{"card", "comment", "Write the launch post", "hi"}},
		{`no project "Roadmap"`, []string{"card", "list", "--project", "Roadmap"}},
		{"Read-only: you are a Viewer of Team", []string{"card", "add", "x", "--token", e.bobToken}},
		{"Read-only: you are a Viewer of Team", []string{"card", "done", "Write the release notes", "--token", e.bobToken}},
		{"401", []string{"card", "list", "--token", "kt_not_a_token"}},
		{"can't reach", []string{"card", "list", "--server", "http://127.0.0.1:1"}},
	} {
		cardFails(t, e.data, 1, c.want, c.args...)
	}
	if after := len(e.tasks(t)); after != before+1 {
		t.Fatalf("the server has %d cards after the failed commands, want %d (one added)", after, before+1)
	}
	// A viewer can still list.
	if out := cardOK(t, e.data, "card", "list", "--token", e.bobToken); !strings.Contains(out, "Write the release notes") {
		t.Fatalf("bob's list:\n%s", out)
	}
}

// A title that names two cards names neither: the error lists both with
// the ids that name them, and either id then works.
func TestCardAmbiguousTitle(t *testing.T) {
	e := newCardEnv(t)
	one := cardJSONOf(t, cardOK(t, e.data, "card", "add", "Update the docs", "--space", "Team", "--project", "General", "--format", "json"))
	two := cardJSONOf(t, cardOK(t, e.data, "card", "add", "update the docs", "--column", "In Review", "--format", "json"))
	msg := cardFails(t, e.data, 1, `"Update the docs" could be any of 2 cards on Team / General: `, "card", "done", "Update the docs")
	ids := regexp.MustCompile(`([0-9a-f-]{8,}) "(?i:update the docs)" \((To Do|In Review)\)`).FindAllStringSubmatch(msg, -1)
	if len(ids) != 2 || !strings.Contains(msg, "name one by its id") {
		t.Fatalf("the ambiguity says %q, want both cards with their ids and columns", msg)
	}
	for _, m := range ids {
		want := map[string]string{"To Do": one.ID, "In Review": two.ID}[m[2]]
		if !strings.HasSuffix(want, m[1]) {
			t.Fatalf("the ambiguity names %s as %s's card, want the end of %s", m[1], m[2], want)
		}
	}
	done := cardJSONOf(t, cardOK(t, e.data, "card", "done", ids[1][1], "--format", "json"))
	if done.ID != map[string]string{"To Do": one.ID, "In Review": two.ID}[ids[1][2]] || done.CompletedAt == nil {
		t.Fatalf("done by the id the error gave: %+v", done)
	}
	// A part of an id every card shares is no card's either.
	cardFails(t, e.data, 1, "could be any of", "card", "done", one.ID[:4])
	// A title wins over a part of an id that happens to hold it.
	part := one.ID[len(one.ID)-6:]
	titled := cardJSONOf(t, cardOK(t, e.data, "card", "add", part, "--format", "json"))
	if got := cardJSONOf(t, cardOK(t, e.data, "card", "move", part, "--to", "In Progress", "--format", "json")); got.ID != titled.ID {
		t.Fatalf("move %q moved %s, want the card of that title, %s (not %s, whose id holds it)", part, got.ID, titled.ID, one.ID)
	}
}

// A title holding terminal escapes (stored as a server that allows
// anything would hold it) is drawn as visible symbols in the table and in
// an error, and still comes out whole as JSON; the board here is the local
// server on the data directory, as with no server configured.
func TestCardHostileTitlesAreDrawnHarmless(t *testing.T) {
	t.Setenv("LANES_STATE", t.TempDir())
	t.Setenv("LANES_SERVER", "")
	t.Setenv("LANES_TOKEN", "")
	data := t.TempDir()
	const hostile = "inj \x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mRED\x1b[0m \u009b31m end"
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(data, "lanes.db"))
	if err != nil {
		t.Fatal(err)
	}
	me, err := st.EnsureLocalUser(ctx, local.UserName())
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		spaces, err := tx.SpacesForUser(me.ID)
		if err != nil {
			return err
		}
		ps, err := tx.Projects(spaces[0].ID, false)
		if err != nil {
			return err
		}
		cols, err := tx.Statuses(ps[0].ID)
		if err != nil {
			return err
		}
		for range 2 {
			task := store.Task{ProjectID: ps[0].ID, SpaceID: spaces[0].ID, StatusID: &cols[0].ID, Title: hostile, Priority: "none", CreatorID: me.ID}
			if err := tx.CreateTask(&task); err != nil {
				return err
			}
		}
		return nil
	})
	if err := errors.Join(err, st.Close()); err != nil {
		t.Fatal(err)
	}

	table := cardOK(t, data, "card", "list")
	if strings.ContainsAny(table, "\x1b\x07\u009b") || strings.Count(table, "inj ␛]0;pwned␇␛[2J␛[H␛[31mRED␛[0m") != 2 {
		t.Fatalf("the table draws the title as:\n%q", table)
	}
	var cards []cardJSON
	if err := json.Unmarshal([]byte(cardOK(t, data, "card", "list", "--format", "json")), &cards); err != nil {
		t.Fatal(err)
	}
	var hostiles []cardJSON
	for _, c := range cards {
		if strings.HasPrefix(c.Title, "inj ") {
			hostiles = append(hostiles, c)
		}
	}
	if len(hostiles) != 2 || strings.ContainsAny(hostiles[0].Title, "\x1b\x07\u009b") || !strings.HasSuffix(hostiles[0].Title, " end") {
		t.Fatalf("as JSON the titles are %+v", hostiles)
	}
	msg := cardFails(t, data, 1, "could be any of 2 cards", "card", "done", hostiles[0].Title)
	if strings.ContainsAny(msg, "\x1b\x07\u009b") {
		t.Fatalf("the ambiguity error holds control characters: %q", msg)
	}
	// A card added there is listed by the next command.
	cardOK(t, data, "card", "add", "Water the plants", "--priority", "low")
	if out := cardOK(t, data, "card", "list"); !strings.Contains(out, "Water the plants") || strings.Count(out, "\n") != 4 {
		t.Fatalf("the local board:\n%s", out)
	}
	if safe.Line(hostiles[0].Title) != hostiles[0].Title {
		t.Fatalf("the title as JSON is not one harmless line: %q", hostiles[0].Title)
	}
}

// A change whose answer is lost on the way back is sent again under the
// same idempotency key and made once; a command run again with the same
// --idempotency-key makes nothing twice, its later requests included.
func TestCardRetriedWritesAreMadeOnce(t *testing.T) {
	e := newCardEnv(t)
	u, err := url.Parse(e.base)
	if err != nil {
		t.Fatal(err)
	}
	fwd := httputil.NewSingleHostReverseProxy(u)
	var lost atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/tasks" && lost.Add(1) == 1 {
			fwd.ServeHTTP(httptest.NewRecorder(), r) // the server makes the card...
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return // ...and its answer is lost
		}
		fwd.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	r := cardRun(t, e.data, "", "card", "add", "Rotate the keys", "--server", proxy.URL, "--space", "Team", "--project", "General", "--format", "json")
	if r.code != 0 {
		t.Fatalf("add through a lost answer: exit %d, %s", r.code, r.errOut)
	}
	if lost.Load() != 2 {
		t.Fatalf("the create was sent %d times, want twice", lost.Load())
	}
	if got := e.titled(t, "Rotate the keys"); len(got) != 1 || got[0].ID != cardJSONOf(t, r.out).ID {
		t.Fatalf("the server has %d cards titled \"Rotate the keys\" (%+v), want the one add printed", len(got), got)
	}

	// The last board is remembered by server: this one never had one.
	args := []string{"card", "add", "Renew the certificate", "--label", "bug", "--assign", "alice", "--idempotency-key", "deploy-42/cert", "--format", "json", "--project", "General", "--space", "Team"}
	first := cardJSONOf(t, cardOK(t, e.data, args...))
	second := cardJSONOf(t, cardOK(t, e.data, args...))
	if got := e.titled(t, "Renew the certificate"); len(got) != 1 || first.ID != second.ID || len(got[0].AssigneeIDs) != 1 || len(got[0].LabelIDs) != 1 {
		t.Fatalf("run twice with one key: %d cards (%+v); printed %s and %s", len(got), got, first.ID, second.ID)
	}
	if r := cardRun(t, e.data, "", "card", "comment", first.ID, "Done in staging", "--idempotency-key", "c-1"); r.code != 0 {
		t.Fatalf("comment: %+v", r)
	}
	cardOK(t, e.data, "card", "comment", first.ID, "Done in staging", "--idempotency-key", "c-1")
	if cs, err := e.c.Comments(context.Background(), first.ID); err != nil || len(cs) != 1 {
		t.Fatalf("a comment sent twice with one key: %d comments (%v), want 1", len(cs), err)
	}
	// The same key for another card is refused, not taken for the first.
	cardFails(t, e.data, 1, "Idempotency-Key was already used for a different request", "card", "add", "Another card", "--idempotency-key", "deploy-42/cert")
}

// A Taskade project works through the same commands: add, list, move and
// done; Taskade has no comments, and lanes says so.
func TestCardCommandsOnTaskade(t *testing.T) {
	srv, token, project := seedTaskade(t)
	t.Setenv("LANES_STATE", t.TempDir())
	t.Setenv("LANES_SERVER", "")
	t.Setenv("LANES_TOKEN", "")
	data := t.TempDir()
	flags := []string{"--backend", "taskade", "--server", srv.URL, "--token", token}
	add := cardJSONOf(t, cardOK(t, data, append([]string{"card", "add", "Book the venue", "--column", "doing", "--format", "json", "--project", "Launch"}, flags...)...))
	if add.Column != "Doing" || add.ID == "" {
		t.Fatalf("added on Taskade: %+v", add)
	}
	var found bool
	for _, k := range srv.Tasks(project) {
		found = found || k.Text == "Book the venue"
	}
	if !found {
		t.Fatalf("Taskade has no task \"Book the venue\": %+v", srv.Tasks(project))
	}
	list := cardOK(t, data, append([]string{"card", "list"}, flags...)...)
	for _, want := range []string{"Book the venue", "Build the thing", "Bob Stone", "Write the brief"} {
		if !strings.Contains(list, want) {
			t.Errorf("the Taskade list lacks %q:\n%s", want, list)
		}
	}
	done := cardJSONOf(t, cardOK(t, data, append([]string{"card", "done", "Book the venue", "--format", "json"}, flags...)...))
	if done.Column != "Done" || done.CompletedAt == nil {
		t.Fatalf("done on Taskade: %+v", done)
	}
	if k, ok := srv.Task(project, add.ID); !ok || !k.Completed {
		t.Fatalf("Taskade's task after done: %+v", k)
	}
	moved := cardJSONOf(t, cardOK(t, data, append([]string{"card", "move", add.ID, "--to", "To Do", "--format", "json"}, flags...)...))
	if moved.Column != "To Do" {
		t.Fatalf("moved on Taskade: %+v", moved)
	}
	cardFails(t, data, 1, "Taskade's API has no comments", append([]string{"card", "comment", add.ID, "hi"}, flags...)...)
}

// Tab completes the cards, columns, labels and members of the board
// opened last, from the board's cached copy, and the values of --format,
// --priority and --due; lanes card's commands take --space and --project
// as the others do.
func TestCardCompletion(t *testing.T) {
	data := t.TempDir()
	if got := completions(t, data, "card", "done", ""); len(got) != 0 {
		t.Fatalf("with no board, card done offered %q", got)
	}
	if got := completions(t, data, "card", "add", "x", "--priority", ""); !slices.Equal(got, []string{"none", "low", "medium", "high", "urgent"}) {
		t.Fatalf("--priority offered %q", got)
	}
	if got := completions(t, data, "card", "list", "--format", ""); !slices.Equal(got, []string{"table", "json"}) {
		t.Fatalf("--format offered %q", got)
	}
	// What a board leaves in the data directory: last-board.json and the
	// cache of that board.
	sp, p := api.Space{ID: "s1", Name: "Team", Slug: "team"}, api.Project{ID: "p1", SpaceID: "s1", Name: "General", Slug: "general"}
	if _, _, err := launch.Lookup(context.Background(), cardDirectory{sp, p}, data, "local", launch.Query{}); err != nil {
		t.Fatal(err)
	}
	cols := []board.Column{{ID: "c1", Name: "To Do"}, {ID: "c2", Name: "Doing"}, {ID: "c3", Name: "Done", IsDone: true}}
	st := board.NewState(cols, []*board.Card{
		{ID: "k-0001", ProjectID: "p1", StatusID: "c1", Title: "Fix \x1b[2J the login", Position: "a"},
		{ID: "k-0002", ProjectID: "p1", StatusID: "c2", Title: "Ship it", Position: "a"},
	}).WithLabels([]board.Label{{ID: "l1", Name: "bug"}})
	if err := board.SaveCache(board.Options{Dir: data, Server: "local", ProjectID: "p1"}, st, board.Member{UserID: "u1", Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	if got := completions(t, data, "card", "done", ""); !slices.Equal(got, []string{"k-0001", "k-0002"}) {
		t.Fatalf("card done offered %q, want the cards' ids", got)
	}
	out := mustRun(t, data, "__complete", "card", "move", "")
	if strings.Contains(out, "\x1b") || !strings.Contains(out, "k-0001\tFix ␛[2J the login") {
		t.Fatalf("the cards are offered as %q, want each id with its title, drawn harmless", out)
	}
	if got := completions(t, data, "card", "move", "k-0001", ""); len(got) != 0 {
		t.Fatalf("after the card, move offered %q", got)
	}
	if got := completions(t, data, "card", "move", "k-0001", "--to", ""); !slices.Contains(got, "Doing") || !slices.Contains(got, "c3") {
		t.Fatalf("--to offered %q, want the columns", got)
	}
	if got := completions(t, data, "card", "add", "x", "--label", ""); !slices.Contains(got, "bug") {
		t.Fatalf("--label offered %q", got)
	}
	if got := completions(t, data, "card", "add", "x", "--assign", ""); !slices.Contains(got, "me") || !slices.Contains(got, "alice") {
		t.Fatalf("--assign offered %q", got)
	}
	if got := completions(t, data, "card", "list", "--project", "Roadmap", "--column", ""); len(got) != 0 {
		t.Fatalf("for another project than the cached one, --column offered %q", got)
	}
	if got := completions(t, data, "card", "list", "--backend", ""); !slices.Equal(got, []string{"lanes", "taskade"}) {
		t.Fatalf("card list --backend offered %q", got)
	}
}

// cardDirectory is a task server with one space and one project, for
// remembering a board without a server.
type cardDirectory struct {
	sp api.Space
	p  api.Project
}

func (d cardDirectory) Spaces(context.Context) ([]api.Space, error) { return []api.Space{d.sp}, nil }
func (d cardDirectory) Projects(context.Context, string) ([]api.Project, error) {
	return []api.Project{d.p}, nil
}
func (d cardDirectory) ArchivedProjects(context.Context, string) ([]api.Project, error) {
	return nil, nil
}

// The built binary, as a script runs it: exit 0, 1 and 2, errors on
// stderr alone, and help and a man page for every card command.
func TestCardFromTheBinary(t *testing.T) {
	bin := builtLanes(t)
	out, errOut, exit := lanesNoTerminal(t, bin, "card", "add", "From a script", "--priority", "urgent", "--format", "json")
	if exit != 0 || errOut != "" || !strings.Contains(out, `"title": "From a script"`) {
		t.Fatalf("card add: exit %d, stdout %q, stderr %q", exit, out, errOut)
	}
	out, errOut, exit = lanesNoTerminal(t, bin, "card", "add", "x", "--priority", "asap")
	if exit != 2 || out != "" || errOut != "lanes: --priority must be none, low, medium, high or urgent, got \"asap\"\n" {
		t.Fatalf("a bad priority: exit %d, stdout %q, stderr %q; want exit 2 and one line", exit, out, errOut)
	}
	out, errOut, exit = lanesNoTerminal(t, bin, "card", "done", "No such card")
	if exit != 1 || out != "" || !strings.HasPrefix(errOut, "lanes: no card \"No such card\"") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("an unknown card: exit %d, stdout %q, stderr %q; want exit 1 and one line", exit, out, errOut)
	}
	for _, sub := range []string{"add", "list", "move", "done", "comment"} {
		out, _, exit := lanesNoTerminal(t, bin, "card", sub, "--help")
		if exit != 0 || !strings.Contains(out, "lanes card "+sub) || !strings.Contains(out, "Examples:") {
			t.Errorf("lanes card %s --help: exit %d\n%s", sub, exit, out)
		}
	}
	man, _, _ := lanesNoTerminal(t, bin, "man")
	for _, want := range []string{"card add", "card move", "idempotency", "EXIT STATUS", "2: it was used wrongly"} {
		if !strings.Contains(man, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
}
