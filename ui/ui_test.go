package ui

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// updating says whether -update (defined by teatest's golden package) asks
// for the golden files to be rewritten.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// now is the clock of every UI test, so due dates render the same each run.
var now = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// env is a real lanes server (httptest, SQLite in a temp dir) with a
// project of known cards, and a client straight to it for checking.
type env struct {
	t       *testing.T
	st      *store.Store
	srv     *httptest.Server
	token   string
	userID  string
	direct  *api.Client
	project api.Project
	cols    []api.Status
	// switcher, when set, is handed to boards this env opens.
	switcher Switcher
	ts       *testenv.Server
	ids      map[string]string // token → user id, of the users made here
}

func newEnv(t *testing.T, opts ...server.Option) *env {
	t.Helper()
	ctx := context.Background()
	ts := testenv.Start(t, opts...)
	e := &env{t: t, st: ts.Store, srv: ts.HTTP, ts: ts, ids: map[string]string{}}
	e.userID, e.token = e.user("ann")
	e.direct = api.New(e.srv.URL, e.token)
	spaces, err := e.direct.Spaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	projects, err := e.direct.Projects(ctx, spaces[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	e.project = projects[0]
	if e.cols, err = e.direct.Statuses(ctx, e.project.ID); err != nil {
		t.Fatal(err)
	}
	overdue := now.AddDate(0, 0, -2)
	for _, c := range []struct {
		title string
		col   int
		pri   api.Priority
		due   *time.Time
	}{
		{"Write the launch post", 0, api.PriorityHigh, nil},
		{"Fix the login redirect", 0, api.PriorityUrgent, &overdue},
		{"Update the screenshots", 0, api.PriorityNone, nil},
		{"Review the pricing page", 1, api.PriorityMedium, nil},
		{"Ship 1.0", 3, api.PriorityLow, nil},
	} {
		in := api.TaskCreate{ProjectID: e.project.ID, Title: c.title, StatusID: &e.cols[c.col].ID, Priority: c.pri, DueDate: c.due}
		if _, err := e.direct.CreateTask(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// joinTeam makes a Team space of the env's user with a new user name in
// it as role, and points the env at the space's project; it returns the
// new user's id and token.
func (e *env) joinTeam(name string, role api.Role) (string, string) {
	e.t.Helper()
	ctx := context.Background()
	team, err := e.direct.CreateSpace(ctx, api.SpaceCreate{Name: "Team", Slug: "team"})
	if err != nil {
		e.t.Fatal(err)
	}
	id, token := e.user(name)
	if _, err := e.direct.AddMember(ctx, team.ID, id, role); err != nil {
		e.t.Fatal(err)
	}
	projects, err := e.direct.Projects(ctx, team.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	e.project = projects[0]
	if e.cols, err = e.direct.Statuses(ctx, e.project.ID); err != nil {
		e.t.Fatal(err)
	}
	return id, token
}

func (e *env) user(name string) (string, string) {
	e.t.Helper()
	id, token := e.ts.User(e.t, name)
	e.ids[token] = id
	return id, token
}

// board opens the project's board as token, in a fresh data dir, and runs
// it in teatest at w×h.
func (e *env) board(token string, w, h int, opts ...func(*Config)) *teatest.TestModel {
	e.t.Helper()
	return e.boardIn(e.t.TempDir(), token, w, h, opts...)
}

// boardIn is board on the data dir dir.
func (e *env) boardIn(dir, token string, w, h int, opts ...func(*Config)) *teatest.TestModel {
	e.t.Helper()
	m := e.model(dir, token, opts...)
	eng := m.Engine()
	tm := teatest.NewTestModel(e.t, m, teatest.WithInitialTermSize(w, h))
	e.t.Cleanup(func() {
		tm.Quit()
		eng.Abandon() // ends its live feed, so the server can close
	})
	return tm
}

// model is the board of the project as token on the data dir dir, its
// engine opened (it reads the cache there) but not started. The caller
// abandons the engine.
func (e *env) model(dir, token string, opts ...func(*Config)) Model {
	e.t.Helper()
	c := api.New(e.srv.URL, token, api.WithTimeout(2*time.Second), api.WithRetry(1, time.Millisecond, 5*time.Millisecond))
	eng, err := board.Open(context.Background(), board.Options{Dir: dir, Server: e.srv.URL, ProjectID: e.project.ID, SpaceID: e.project.SpaceID,
		Actor: e.ids[token], Remote: board.NewRemote(c), BackoffBase: 5 * time.Millisecond, BackoffCap: 50 * time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	cfg := Config{Keys: keymap.Default(), Renderer: r, SpaceName: "Personal", ProjectID: e.project.ID, Project: "General", Now: func() time.Time { return now }, Switcher: e.switcher}
	for _, o := range opts {
		o(&cfg)
	}
	return New(eng, cfg)
}

// cachedModel is the board of a project of cols painted from its cache,
// with no server behind it: New's keys and clock are filled in if cfg has
// none. The engine is abandoned when the test ends.
func cachedModel(t *testing.T, cols []board.Column, cfg Config) Model {
	t.Helper()
	o := board.Options{Dir: t.TempDir(), Server: "cache", ProjectID: "p"}
	if err := board.SaveCache(o, board.NewState(cols, nil)); err != nil {
		t.Fatal(err)
	}
	eng, err := board.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Abandon)
	if cfg.Keys.Quit.Keys() == nil {
		cfg.Keys = keymap.Default()
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	return New(eng, cfg)
}

// waitScreen waits until the program has drawn every want.
func waitScreen(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// finish quits the program and returns the model as it stood.
func finish(t *testing.T, tm *teatest.TestModel) Model {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	return tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(Model)
}

// serverTask is the task titled title as the server holds it.
func (e *env) serverTask(title string) (api.Task, bool) {
	e.t.Helper()
	for _, archived := range []bool{false, true} {
		tasks, err := e.direct.Tasks(context.Background(), e.project.ID, api.ListTasksOptions{Archived: archived})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, k := range tasks {
			if k.Title == title {
				return k, true
			}
		}
	}
	return api.Task{}, false
}

// eventually polls the server until ok holds.
func (e *env) eventually(what string, ok func() bool) {
	e.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	e.t.Fatalf("the server never showed: %s", what)
}

func (e *env) col(name string) string {
	for _, c := range e.cols {
		if c.Name == name {
			return c.ID
		}
	}
	e.t.Fatalf("no column %s", name)
	return ""
}

func keys(tm *teatest.TestModel, ks ...string) {
	for _, k := range ks {
		switch k {
		case "enter":
			tm.Send(tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			tm.Send(tea.KeyMsg{Type: tea.KeyEsc})
		case "space":
			tm.Send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		default:
			tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}
}

// golden compares got with testdata/name.golden (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	got = strings.TrimRight(got, "\n") + "\n"
	if updating() {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no golden file (run with -update): %v", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}
