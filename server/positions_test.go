package server_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	boardstate "github.com/lanesboard/lanes/board"
)

// Two people who drop different cards into the same gap of a column at
// the same moment, each from the same view of it, send the same key: both
// moves take effect (the later card just after the earlier), and every
// card keeps a key of its own, so a card can still be put between any two.
// A card made with a key another card has gets one of its own too.
func TestSameKeyTwiceKeepsKeysApart(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	col := b.col(t, "To Do")
	var cards []tTask
	for _, title := range []string{"w", "x", "y", "z"} {
		cards = append(cards, e.createTask(u, b.ProjectID, map[string]any{"title": title, "statusId": col}))
	}
	w, x, y, z := cards[0], cards[1], cards[2], cards[3]
	key, err := boardstate.Between(w.Position, x.Position)
	if err != nil {
		t.Fatal(err)
	}
	e.patchTask(u, z.ID, map[string]any{"position": key})
	e.patchTask(u, y.ID, map[string]any{"position": key})
	// And a new card sent with the key the last card has.
	e.createTask(u, b.ProjectID, map[string]any{"title": "v", "statusId": col, "position": e.getTask(u, x.ID).Position})

	column := func() []tTask {
		list := e.listTasks(u, b.ProjectID, false)
		return slices.DeleteFunc(list, func(k tTask) bool { return str(k.StatusID) != fmt.Sprintf("%q", col) })
	}
	list := column()
	if got := titles(list); got != "w|z|y|x|v" {
		t.Fatalf("column order %s (%s), want w|z|y|x|v", got, titlesOf(list))
	}
	for i := 1; i < len(list); i++ {
		if list[i].Position <= list[i-1].Position {
			t.Fatalf("%q and %q share a key or are out of order: %s", list[i-1].Title, list[i].Title, titlesOf(list))
		}
	}
	// What a board does next: put a card between the two that were sent
	// the same key.
	between, err := boardstate.Between(list[1].Position, list[2].Position)
	if err != nil {
		t.Fatalf("no key between z and y: %v", err)
	}
	e.patchTask(u, w.ID, map[string]any{"position": between})
	list = column()
	if got := titles(list); got != "z|w|y|x|v" {
		t.Fatalf("after moving w between z and y: %s, want z|w|y|x|v", titlesOf(list))
	}
}

// titles is the tasks' titles in order, separated by |.
func titles(ts []tTask) string {
	var out []string
	for _, k := range ts {
		out = append(out, k.Title)
	}
	return strings.Join(out, "|")
}
