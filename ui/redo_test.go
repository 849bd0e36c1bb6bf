package ui

import (
	"strings"
	"testing"
)

// L moves card A right, u takes it back, U moves it right again: each
// reaches the server and the status line names the move undone and
// redone. A change made after an undo leaves nothing for U to redo.
func TestRedoAfterUndo(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 160, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	inColumn := func(col string) func() bool {
		return func() bool {
			a, ok := e.serverTask("Write the launch post")
			return ok && *a.StatusID == e.col(col)
		}
	}
	keys(tm, "L")
	e.eventually("card A moved right", inColumn(e.cols[1].Name))
	keys(tm, "u")
	waitScreen(t, tm, `Undid move "Write the launch post"`)
	e.eventually("card A moved back", inColumn(e.cols[0].Name))
	keys(tm, "U")
	waitScreen(t, tm, `Redid move "Write the launch post"`)
	e.eventually("card A moved right again", inColumn(e.cols[1].Name))
	keys(tm, "U")
	waitScreen(t, tm, "Nothing to redo")

	// The redo is undone like any change; a new change then ends redo.
	keys(tm, "u")
	e.eventually("card A moved back again", inColumn(e.cols[0].Name))
	keys(tm, "+", "U")
	m := finish(t, tm)
	if v := m.View(); !strings.Contains(v, "Nothing to redo") {
		t.Fatalf("U after a new change:\n%s", v)
	}
	if a, _ := e.serverTask("Write the launch post"); *a.StatusID != e.col(e.cols[0].Name) {
		t.Fatal("U after a new change moved the card again")
	}
}
