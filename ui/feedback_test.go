package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/api"
)

// r says when the board has been refreshed, and why it could not be.
func TestRefreshSaysHowItWent(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "r")
	waitScreen(t, tm, "Refreshed")
	e.srv.Listener.Close()
	e.srv.CloseClientConnections()
	keys(tm, "r")
	waitScreen(t, tm, "Couldn't refresh: can't reach the server")
	finish(t, tm)
}

// The "✗ refused" mark goes from the card once it has been seen for a
// moment (the card is back as the server has it); the status line keeps
// saying why.
func TestRefusedMarkGoes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, vicToken := e.joinTeam("vic", api.RoleViewer)
	if _, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: "Team card"}); err != nil {
		t.Fatal(err)
	}
	tm := e.board(vicToken, 80, 24, func(c *Config) { c.RefusedFor = 300 * time.Millisecond })
	waitScreen(t, tm, "synced", "Team card")
	keys(tm, "L")
	waitScreen(t, tm, "✗ refused", "Couldn't move")
	waitScreen(t, tm, "┃ ·") // the card's second line without the mark
	m := finish(t, tm)
	v := m.View()
	if strings.Contains(v, "✗ refused") || !strings.Contains(v, "Couldn't move \"Team card\"") {
		t.Fatalf("after the mark's time:\n%s", v)
	}
	// A second refusal marks the card again.
	if _, ok := m.Engine().RefusedReason(m.board.Selected()); ok {
		t.Fatal("the engine still holds the refusal")
	}
}

// A title longer than the server takes is cut with a word, never
// silently: while typing, and once saved. A long comment is not cut at
// all (the server takes 20,000 characters).
func TestLongTitleIsCutWithAWord(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	long := strings.Repeat("x", 590) + "0123456789"
	keys(tm, "n")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(long), Paste: true})
	waitScreen(t, tm, "Titles can be at most 500 characters: 100 more were cut off")
	keys(tm, "enter")
	waitScreen(t, tm, "Saved the first 500 characters: 100 more were cut off")
	e.eventually("the cut title on the server", func() bool {
		_, ok := e.serverTask(long[:500])
		return ok
	})

	keys(tm, "e")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("yyy"), Paste: true})
	waitScreen(t, tm, "Title (cut to 500 characters):")
	keys(tm, "esc")

	comment := strings.Repeat("c", 700)
	keys(tm, "enter", "c")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(comment), Paste: true})
	keys(tm, "enter")
	k := mustTask(e, long[:500])
	e.eventually("the whole comment on the server", func() bool {
		cs, err := e.direct.Comments(context.Background(), k.ID)
		return err == nil && len(cs) == 1 && cs[0].Content == comment
	})
	finish(t, tm)
}
