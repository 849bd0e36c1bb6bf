package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/api"
)

// update hands msgs to the model in turn, dropping the commands, as a
// board whose I/O never answers would.
func update(m Model, msgs ...tea.Msg) Model {
	for _, msg := range msgs {
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// A card assigned to someone shows their name, not the start of their id,
// and @name finds their cards: once the board has loaded, and from the
// first frame of the next start, painted from the cache with the server
// away.
func TestAssigneesByNameFromTheFirstFrame(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bobID, _ := e.joinTeam("bob", api.RoleMember)
	mine, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: "Bob's card"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.direct.Assign(ctx, mine.ID, bobID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: "Nobody's card"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tm := e.boardIn(dir, e.token, 80, 24)
	waitScreen(t, tm, "synced", "Bob's card", "@bob")
	keys(tm, "/", "@bob", "enter")
	waitScreen(t, tm, "1 of 2")
	m := finish(t, tm)
	if v := m.View(); !strings.Contains(v, "Bob's card") || strings.Contains(v, "Nobody's card") {
		t.Fatalf("@bob shows:\n%s", v)
	}
	if err := m.Engine().Close(); err != nil { // as lanes does on its way out
		t.Fatal(err)
	}

	e.srv.Listener.Close()
	e.srv.CloseClientConnections()
	m = e.model(dir, e.token)
	defer m.Engine().Abandon()
	m = update(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if v := m.View(); !strings.Contains(v, "@bob") || strings.Contains(v, "@"+bobID[:6]) {
		t.Fatalf("the first frame from the cache does not name bob:\n%s", v)
	}
	// Nothing has come from the server yet: the board must not say it is
	// in step with it.
	if v := m.View(); !strings.Contains(v, "loading") || strings.Contains(v, "synced") {
		t.Fatalf("the first frame from the cache claims to be synced:\n%s", v)
	}
	m = update(m, runes("/"), runes("@bob"), tea.KeyMsg{Type: tea.KeyEnter})
	if v := m.View(); !strings.Contains(v, "Bob's card") || strings.Contains(v, "Nobody's card") || !strings.Contains(v, "1 of 2") {
		t.Fatalf("@bob on the first frame from the cache shows:\n%s", v)
	}
}

// Against a server that can't list members the board falls back to the
// start of the id, as before, and says nothing about it.
func TestAssigneesWithoutMembers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bobID, _ := e.joinTeam("bob", api.RoleMember)
	k, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: "Bob's card"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.direct.Assign(ctx, k.ID, bobID); err != nil {
		t.Fatal(err)
	}
	e.project.SpaceID = "" // no space to list the members of, as on a seed-only server
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Bob's card", "@"+bobID[:6])
	m := finish(t, tm)
	if m.ctx.Message != "" {
		t.Fatalf("the missing names were announced: %q", m.ctx.Message)
	}
}

// A comment just made shows its author by name at once, as it will when
// the details are opened again.
func TestNewCommentShowsMyName(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "enter")
	waitScreen(t, tm, "No description.")
	keys(tm, "c", "first!", "enter")
	// Not "first!" alone: that is on the screen as it is typed, before
	// the comment is made.
	waitScreen(t, tm, "· 25 Nov", "first!")
	m := finish(t, tm)
	v := m.View()
	if !strings.Contains(v, "ann · 25 Nov") || strings.Contains(v, "you ·") {
		t.Fatalf("the new comment's author is not ann:\n%s", v)
	}
}
