package ui

import (
	"context"
	"strings"
	"testing"
	"time"

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
	if _, ok := m.e.RefusedReason(m.selected); ok {
		t.Fatal("the engine still holds the refusal")
	}
}
