package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/api"
)

// The board as it first appears, at the smallest size it supports and a
// large one.
func TestBoardGolden(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"board-80x24", 80, 24}, {"board-160x48", 160, 48}} {
		t.Run(size.name, func(t *testing.T) {
			e := newEnv(t)
			tm := e.board(e.token, size.w, size.h)
			waitScreen(t, tm, "synced", "Write the launch")
			m := finish(t, tm)
			golden(t, size.name, m.View())
		})
	}
}

func TestHelpGolden(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "?")
	waitScreen(t, tm, "lanes · keys")
	m := finish(t, tm)
	golden(t, "help-100x30", m.View())
}

// The filter narrows every column and says how many of how many it shows.
func TestFilterGolden(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "/", "!urgent", "enter")
	waitScreen(t, tm, "1 of 3")
	m := finish(t, tm)
	view := m.View()
	if strings.Contains(view, "Write the launch") || !strings.Contains(view, "Fix the login redir") {
		t.Fatalf("the filter !urgent shows:\n%s", view)
	}
	golden(t, "filter-80x24", view)
}

// H and L move the selected card between columns, on the server too; the
// selection goes with it.
func TestMoveKeys(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "L", "L")
	e.eventually("the first card two columns right", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return *k.StatusID == e.col("In Review")
	})
	keys(tm, "H")
	e.eventually("the card one column back", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return *k.StatusID == e.col("In Progress")
	})
	m := finish(t, tm)
	if c, _ := m.Engine().State().Card(m.board.Selected()); c == nil || c.Title != "Write the launch post" {
		t.Fatalf("the selection did not follow the card: %+v", c)
	}
}

// J and K reorder within the column.
func TestReorderKeys(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "J")
	e.eventually("the first card below the second", func() bool {
		a, _ := e.serverTask("Write the launch post")
		b, _ := e.serverTask("Fix the login redirect")
		return a.Position > b.Position
	})
	keys(tm, "K")
	e.eventually("the first card back on top", func() bool {
		a, _ := e.serverTask("Write the launch post")
		b, _ := e.serverTask("Fix the login redirect")
		return a.Position < b.Position
	})
	finish(t, tm)
}

// Space completes (the card goes to Done) and space again reopens.
func TestCompleteKey(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "space")
	e.eventually("the card completed, in Done", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return k.CompletedAt != nil && *k.StatusID == e.col("Done")
	})
	keys(tm, "space")
	e.eventually("the card reopened", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return k.CompletedAt == nil && *k.StatusID != e.col("Done")
	})
	finish(t, tm)
}

// + and - step the priority; j moves to the next card first.
func TestPriorityKeys(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "j", "j", "+", "+")
	e.eventually("the third card at medium", func() bool {
		k, _ := e.serverTask("Update the screenshots")
		return k.Priority == api.PriorityMedium
	})
	keys(tm, "-")
	e.eventually("the third card back to low", func() bool {
		k, _ := e.serverTask("Update the screenshots")
		return k.Priority == api.PriorityLow
	})
	finish(t, tm)
}

// a archives, u undoes it.
func TestArchiveAndUndo(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "a")
	e.eventually("the card archived", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return k.IsArchived
	})
	keys(tm, "u")
	e.eventually("the card restored", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return !k.IsArchived
	})
	finish(t, tm)
}

// n makes a card at the end of the focused column and selects it; Esc
// cancels without making one.
func TestNewCard(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "n", "Never made", "esc", "l", "n", "Plan the retro", "enter")
	e.eventually("the new card in In Progress", func() bool {
		k, ok := e.serverTask("Plan the retro")
		return ok && *k.StatusID == e.col("In Progress")
	})
	m := finish(t, tm)
	if _, ok := e.serverTask("Never made"); ok {
		t.Fatal("Esc still made the card")
	}
	if c, _ := m.Engine().State().Card(m.board.Selected()); c == nil || c.Title != "Plan the retro" {
		t.Fatalf("the new card is not selected: %+v", c)
	}
}

// Keys typed faster than the terminal is read arrive as one message
// ("lnShip"); each still counts: l moves right, n opens the new card, and
// the rest is its title.
func TestKeysThatArriveTogether(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "lnShip", "space", "it", "enter")
	e.eventually("the new card in In Progress", func() bool {
		k, ok := e.serverTask("Ship it")
		return ok && *k.StatusID == e.col("In Progress")
	})
	m := finish(t, tm)
	if c, _ := m.Engine().State().Card(m.board.Selected()); c == nil || c.Title != "Ship it" {
		t.Fatalf("the new card is not selected: %+v", c)
	}
}

// e edits the title in place.
func TestEditTitle(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "e", " today", "enter")
	e.eventually("the new title", func() bool {
		_, ok := e.serverTask("Write the launch post today")
		return ok
	})
	finish(t, tm)
}

// D asks first: n keeps the card, y deletes it.
func TestDeleteAsks(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "G", "D")
	waitScreen(t, tm, "for good? y/N")
	keys(tm, "n", "D", "y")
	e.eventually("the last To Do card deleted", func() bool {
		_, ok := e.serverTask("Update the screenshots")
		return !ok
	})
	if _, ok := e.serverTask("Write the launch post"); !ok {
		t.Fatal("a card other than the selected one went")
	}
	finish(t, tm)
}

// h/l/j/k/g/G move the selection, never past the ends; a column
// remembers nothing wrong when left and entered again.
func TestNavigation(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		keys       []string
		col, title string
	}{
		{[]string{"G", "k", "j", "j"}, "To Do", "Update the screenshots"},
		{[]string{"G", "g", "k", "j"}, "To Do", "Fix the login redirect"},
		{[]string{"j", "l"}, "In Progress", "Review the pricing page"},
		{[]string{"l", "l", "l", "l", "l"}, "Done", "Ship 1.0"},
		{[]string{"l", "l", "l", "l", "h"}, "In Review", ""},
		{[]string{"h", "h"}, "To Do", "Write the launch post"},
	} {
		tm := e.board(e.token, 80, 24)
		waitScreen(t, tm, "synced", "Write the launch")
		keys(tm, c.keys...)
		m := finish(t, tm)
		var title string
		if card, ok := m.Engine().State().Card(m.board.Selected()); ok {
			title = card.Title
		}
		if got := m.board.Columns()[m.board.Focus()].Name; got != c.col || title != c.title {
			t.Errorf("after %v: focus %s, selected %q; want %s, %q", c.keys, got, title, c.col, c.title)
		}
	}
}

// A change the server refuses snaps back, and the status line says why.
func TestRefusedChangeGolden(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, vicToken := e.joinTeam("vic", api.RoleViewer)
	if _, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: "Team card"}); err != nil {
		t.Fatal(err)
	}
	tm := e.board(vicToken, 80, 24)
	waitScreen(t, tm, "synced", "Team card")
	keys(tm, "L")
	waitScreen(t, tm, "Couldn't move")
	m := finish(t, tm)
	if k, _ := e.serverTask("Team card"); *k.StatusID != e.col("To Do") {
		t.Fatal("a viewer moved a card")
	}
	golden(t, "refused-80x24", m.View())
}

// With the server gone the board keeps working and says it is offline.
func TestOfflineGolden(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	// The server goes away: no new connections, and the open ones (the
	// live feed among them) cut.
	e.srv.Listener.Close()
	e.srv.CloseClientConnections()
	keys(tm, "L")
	waitScreen(t, tm, "offline")
	m := finish(t, tm)
	golden(t, "offline-80x24", m.View())
}

// A change made elsewhere (here: straight through the API, as another
// board or curl would) shows on the open board without a refresh, and the
// selection stays where it was.
func TestOthersChangesShowLive(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "j")
	waitScreen(t, tm, "┃ Fix the login")
	ctx := context.Background()
	if _, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: "Made by someone else"}); err != nil {
		t.Fatal(err)
	}
	k := mustTask(e, "Write the launch post")
	if _, err := e.direct.UpdateTask(ctx, k.ID, api.TaskPatch{StatusID: api.Set(e.col("In Review"))}); err != nil {
		t.Fatal(err)
	}
	waitScreen(t, tm, "Made by someone", "In Review            1")
	m := finish(t, tm)
	if c, _ := m.Engine().State().Card(m.board.Selected()); c == nil || c.Title != "Fix the login redirect" {
		t.Fatalf("a change elsewhere moved the selection to %+v", c)
	}
}
