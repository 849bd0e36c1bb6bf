package ui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lanesboard/lanes/api"
)

// The selection stays on the card, by id, when a change from elsewhere
// moves the cards around it.
func TestSelectionFollowsTheCard(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "j") // "Fix the login redirect"
	waitScreen(t, tm, "┃ Fix the login")
	above := mustTask(e, "Write the launch post")
	if _, err := e.direct.UpdateTask(context.Background(), above.ID, api.TaskPatch{StatusID: api.Set(e.col("Done"))}); err != nil {
		t.Fatal(err)
	}
	keys(tm, "r")
	waitScreen(t, tm, "To Do                2")
	m := finish(t, tm)
	if c, _ := m.Engine().State().Card(m.board.Selected()); c == nil || c.Title != "Fix the login redirect" {
		t.Fatalf("after the card above left, the selection is on %+v", c)
	}
}

// A click selects the card under it.
func TestClickSelects(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	// Columns are 26 cells wide at 80; the first card is on rows 2 and 3.
	tm.Send(tea.MouseMsg{X: 30, Y: 3, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	m := finish(t, tm)
	if c, _ := m.Engine().State().Card(m.board.Selected()); c == nil || c.Title != "Review the pricing page" || m.board.Columns()[m.board.Focus()].Name != "In Progress" {
		t.Fatalf("the click selected %+v in column %d", c, m.board.Focus())
	}
}

// Wide characters and emoji are measured as the terminal draws them: every
// line of the screen is exactly as wide as the terminal.
func TestWideTitlesKeepTheGrid(t *testing.T) {
	e := newEnv(t)
	for _, title := range []string{"🚀 发布准备 launch 準備 ✅ with a long tail of words", "絵文字👩‍💻とても長いタイトル"} {
		if _, err := e.direct.CreateTask(context.Background(), api.TaskCreate{ProjectID: e.project.ID, Title: title, StatusID: &e.cols[1].ID}); err != nil {
			t.Fatal(err)
		}
	}
	for _, size := range [][2]int{{80, 24}, {123, 37}} {
		tm := e.board(e.token, size[0], size[1])
		waitScreen(t, tm, "synced", "Write the launch")
		m := finish(t, tm)
		for i, l := range strings.Split(m.View(), "\n") {
			if w := lipgloss.Width(l); w != size[0] {
				t.Fatalf("at %dx%d line %d is %d cells wide: %q", size[0], size[1], i, w, l)
			}
		}
	}
}

// A storm of random keys, typing included, never panics or corrupts the
// board, and what the board shows as confirmed is what the server holds.
func TestRandomKeysNeverCorruptTheBoard(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	rng := rand.New(rand.NewPCG(7, 7))
	pool := []string{"h", "j", "k", "l", "g", "G", "H", "L", "J", "K", "space", "a", "u", "+", "-", "n", "e", "/", "?",
		"enter", "esc", "esc", "x", "D", "y", "N", "s", "d", "c", "q", "zz", "@ann", "!high", "tomorrow", "é✓"}
	for i := 0; i < 400; i++ {
		k := pool[rng.IntN(len(pool))]
		if k == "q" || k == "D" {
			continue // quitting ends the test; deleting everything proves little
		}
		keys(tm, k)
	}
	keys(tm, "esc", "esc", "esc", "r")
	time.Sleep(time.Second) // retries back off 5 to 50 ms here
	m := finish(t, tm)
	if err := m.Engine().State().Check(); err != nil {
		t.Fatalf("the board is inconsistent: %v", err)
	}
	if st := m.Engine().Status(); st.Waiting > 0 {
		t.Fatalf("changes still waiting a second after the storm: %+v", st)
	}
	tasks, err := e.direct.Tasks(context.Background(), e.project.ID, api.ListTasksOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range tasks {
		c, ok := m.Engine().Confirmed().Card(k.ID)
		if !ok {
			continue // made or restored after the last fetch
		}
		if c.Title != k.Title || string(c.Priority) != string(k.Priority) {
			t.Errorf("board has %q/%s, server %q/%s", c.Title, c.Priority, k.Title, k.Priority)
		}
	}
}

// Dragging a card onto another column and letting go moves it there, on
// the server too; the wheel scrolls the column under the pointer.
func TestMouseDragAndWheel(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i := range 30 {
		if _, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: fmt.Sprintf("Filler %02d", i), StatusID: &[]string{e.col("In Review")}[0]}); err != nil {
			t.Fatal(err)
		}
	}
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch", "Filler 00")
	// The first card of To Do (rows 2-3 of the first column) onto In
	// Progress (x 30).
	tm.Send(tea.MouseMsg{X: 5, Y: 2, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	tm.Send(tea.MouseMsg{X: 30, Y: 8, Action: tea.MouseActionMotion, Button: tea.MouseButtonLeft})
	tm.Send(tea.MouseMsg{X: 30, Y: 8, Action: tea.MouseActionRelease, Button: tea.MouseButtonNone})
	e.eventually("the dragged card in In Progress", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return *k.StatusID == e.col("In Progress")
	})
	// Three turns of the wheel down over In Review: its first cards scroll away.
	for range 3 {
		tm.Send(tea.MouseMsg{X: 60, Y: 10, Action: tea.MouseActionPress, Button: tea.MouseButtonWheelDown})
	}
	waitScreen(t, tm, "↑ 9 above")
	m := finish(t, tm)
	if v := m.View(); strings.Contains(v, "Filler 00") || !strings.Contains(v, "Filler 09") {
		t.Fatalf("after the wheel In Review shows:\n%s", v)
	}
}

// After a card is moved right, h goes back to the column it left and
// selects a card there, rather than being pulled back to the moved card.
func TestBackToTheColumnACardLeft(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "L", "h")
	m := finish(t, tm)
	c, _ := m.Engine().State().Card(m.board.Selected())
	if m.board.Focus() != 0 || c == nil || c.Title != "Fix the login redirect" {
		t.Fatalf("after L then h the focus is column %d on %+v", m.board.Focus(), c)
	}
}
