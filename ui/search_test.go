package ui

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// A in the details shows the card's activity under the comments, in
// words: a move made on the board is "moved it to In Progress". A again
// hides it.
func TestDetailsActivity(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 40)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "L")
	e.eventually("the card in In Progress", func() bool {
		k, ok := e.serverTask("Write the launch post")
		return ok && *k.StatusID == e.col("In Progress")
	})
	keys(tm, "enter")
	waitScreen(t, tm, "Comments 0", "activity")
	keys(tm, "A")
	waitScreen(t, tm, "Activity", "ann moved it to In Progress", "ann created it")
	keys(tm, "A")
	m := finish(t, tm)
	if v := m.View(); strings.Contains(v, "moved it to") || !strings.Contains(v, "Comments 0") {
		t.Fatalf("A again left the activity shown:\n%s", v)
	}
}

// The palette's "search all projects" finds a card in another project
// and opens its details there; one in the open project opens at once.
func TestSearchOpensTheCardFound(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	launch, err := e.direct.CreateProject(ctx, api.ProjectCreate{SpaceID: e.project.SpaceID, Name: "Launch", Slug: "launch"})
	if err != nil {
		t.Fatal(err)
	}
	venue, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: launch.ID, Title: "Book the venue"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.direct.AddComment(ctx, venue.ID, "the hall on Main Street has room for 200"); err != nil {
		t.Fatal(err)
	}
	e.switcher = envSwitcher{e, t.TempDir()}
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")

	// In this project: F, the words, enter lists; enter opens.
	keys(tm, "F")
	waitScreen(t, tm, "Search all projects")
	keys(tm, "screenshots", "enter")
	waitScreen(t, tm, "Update the screenshots", "Personal / General")
	keys(tm, "enter")
	waitScreen(t, tm, "Update the screenshots", "Subtasks 0/0")
	keys(tm, "esc")

	// In another: from the palette, a comment's words.
	keys(tm, ":", "search all", "enter")
	waitScreen(t, tm, "Search all projects")
	keys(tm, "hall street", "enter")
	waitScreen(t, tm, "Book the venue", "comment", "Personal / Launch")
	keys(tm, "enter")
	waitScreen(t, tm, "Opened Personal / Launch", "Subtasks 0/0", "Comments 1")
	m := finish(t, tm)
	defer m.Engine().Close()
	if m.ctx.ProjectID != launch.ID || m.mode != modeDetails || m.details.View() == "" || !strings.Contains(m.details.View(), "Book the venue") {
		t.Fatalf("after opening the card found, project %s mode %d:\n%s", m.ctx.ProjectID, m.mode, m.View())
	}
}

// A search the server refuses says why in words and keeps the query;
// on a server that can't search or keep activity, each says so.
func TestSearchAndActivityUnavailable(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		e := newEnv(t)
		tm := e.board(e.token, 100, 30)
		waitScreen(t, tm, "synced", "Write the launch")
		keys(tm, "F", "!!", "enter")
		waitScreen(t, tm, "Couldn't search: q must hold a word")
		m := finish(t, tm)
		if m.mode != modeSearch || m.search.Hits() != nil || !strings.Contains(m.View(), "!!") {
			t.Fatalf("the refused search lost the query or closed:\n%s", m.View())
		}
	})
	t.Run("seed server", func(t *testing.T) {
		e := newEnv(t, server.WithAPI(server.APISeed))
		tm := e.board(e.token, 100, 30)
		waitScreen(t, tm, "synced", "Write the launch")
		keys(tm, "enter", "A")
		waitScreen(t, tm, "this server keeps no activity")
		keys(tm, "esc", "F", "launch", "enter")
		waitScreen(t, tm, "this server can't search")
		finish(t, tm)
	})
}

// Offline, a search says it can't reach the server and keeps the query.
func TestSearchOffline(t *testing.T) {
	c := api.New("http://127.0.0.1:1", "kt_none", api.WithTimeout(time.Second), api.WithRetry(0, time.Millisecond, time.Millisecond))
	o := board.Options{Dir: t.TempDir(), Server: "offline", ProjectID: "p", Remote: board.NewRemote(c)}
	if err := board.SaveCache(o, board.NewState([]board.Column{{ID: "c1", Name: "To Do"}}, nil)); err != nil {
		t.Fatal(err)
	}
	eng, err := board.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Abandon)
	m := New(eng, Config{Keys: keymap.Default(), Renderer: asciiRenderer(), Now: func() time.Time { return now }})
	m = press(t, m, "F", "launch")
	m = answer(t, m, press1(t, &m, tea.KeyMsg{Type: tea.KeyEnter}))
	if v := m.View(); !strings.Contains(v, "Couldn't search: can't reach the server") || !strings.Contains(v, "launch") || m.mode != modeSearch {
		t.Fatalf("an offline search:\n%s", v)
	}
}

// Titles, names, comments and snippets holding escape sequences are drawn
// inert in the activity and the search's hits.
func TestHostileActivityAndSearch(t *testing.T) {
	e := newEnv(t)
	k := mustTask(e, "Write the launch post")
	ctx := context.Background()
	err := e.st.Write(ctx, func(tx *store.Tx) error {
		u, err := tx.CreateUser("mal \x1b]0;pwned\x07lory", nil, false)
		if err != nil {
			return err
		}
		if _, err := tx.AddMember(e.project.SpaceID, u.ID, store.RoleMember); err != nil {
			return err
		}
		tx.SetActor(u.ID)
		task, err := tx.TaskByID(k.ID)
		if err != nil {
			return err
		}
		task.Title = "beacon " + hostileTitle
		task.Description = ptr("beacon \x1b[2J\x1b[H wiped \x9b31m")
		if err := tx.UpdateTask(task); err != nil {
			return err
		}
		_, err = tx.AddComment(task, u.ID, "beacon \x1b]52;c;cHduZWQ=\x07 copied")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m := e.model(t.TempDir(), e.token, func(c *Config) { c.Renderer = asciiRenderer() })
	t.Cleanup(m.Engine().Abandon)
	settle(t, m.Engine(), m.Engine().Start())
	for _, size := range []tea.WindowSizeMsg{{Width: 1000, Height: 60}, {Width: 80, Height: 24}} {
		next, _ := m.Update(size)
		m = next.(Model)
		m.board.Select(k.ID)
		m = press(t, m, "enter")
		m = answer(t, m, press1(t, &m, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("A")}))
		v := m.View()
		noControls(t, "the activity", v)
		if size.Width == 1000 && (!strings.Contains(v, "renamed it to") || !strings.Contains(v, "commented") || !strings.Contains(v, "pwned")) {
			t.Fatalf("the activity lacks the rename or the comment:\n%s", v)
		}
		m = press(t, m, "esc", "F", "beacon")
		m = answer(t, m, press1(t, &m, tea.KeyMsg{Type: tea.KeyEnter}))
		v = m.View()
		noControls(t, "the search", v)
		if size.Width == 1000 && (len(m.search.Hits()) != 2 || !strings.Contains(v, "pwned") || !strings.Contains(v, "copied")) {
			t.Fatalf("the search lacks the card or the comment (%d hits):\n%s", len(m.search.Hits()), v)
		}
		m = press(t, m, "esc")
	}
}

func ptr[T any](v T) *T { return &v }

func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// press hands the model keys, as keys() does a program: "enter" and "esc"
// by name, anything else as the letters typed. Their commands are dropped.
func press(t *testing.T, m Model, ks ...string) Model {
	t.Helper()
	for _, k := range ks {
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		}
		press1(t, &m, msg)
	}
	return m
}

// press1 hands the model one key and returns its command.
func press1(t *testing.T, m *Model, msg tea.KeyMsg) tea.Cmd {
	t.Helper()
	next, cmd := m.Update(msg)
	*m = next.(Model)
	return cmd
}

// answer runs a command that ends at once (no timers) and hands the model
// its answers, and theirs.
func answer(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for queue := []tea.Cmd{cmd}; len(queue) > 0; queue = queue[1:] {
		if queue[0] == nil {
			continue
		}
		switch msg := queue[0]().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			next, more := m.Update(msg)
			m = next.(Model)
			queue = append(queue, more)
		}
	}
	return m
}
