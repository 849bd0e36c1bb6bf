package taskadeboard

import (
	"testing"
	"time"
)

// A card made in the Done column is a done card, as the board shows it at
// once: Taskade must hold it completed too, or the next fetch reopens it
// (and the standup never counts it).
func TestACardMadeInDoneIsCompletedOnTaskade(t *testing.T) {
	env := newEnv(t)
	d := env.driver(t.TempDir())
	d.settle()
	d.do(d.e.State().NewCard(env.project, env.cols["Done"], "Already shipped", time.Now()))
	d.settle()
	if !d.card("Already shipped").Done() {
		t.Fatal("the board does not show the card made in Done as done")
	}
	if got := env.task("Already shipped"); !got.Completed {
		t.Fatalf("Taskade's task: %+v, want it completed", got)
	}
	d.refresh()
	if !d.card("Already shipped").Done() {
		t.Fatal("after a fetch the card made in Done is open")
	}
}

// A column deleted with its cards moved to Done: the board shows them
// done (the engine's rule), so Taskade must hold them completed.
func TestCardsMovedIntoDoneByAColumnDeleteAreCompleted(t *testing.T) {
	env := newEnv(t)
	env.card("Doing", "Nearly there")
	d := env.driver(t.TempDir())
	d.settle()
	d.do(d.e.State().DeleteColumn(env.cols["Doing"], env.cols["Done"], time.Now()))
	d.settle()
	if got := env.task("Nearly there"); got.ParentID != env.cols["Done"] || !got.Completed {
		t.Fatalf("Taskade's task: %+v, want completed in Done", got)
	}
	d.refresh()
	if !d.card("Nearly there").Done() {
		t.Fatal("after a fetch the card moved into Done is open")
	}
}

// A card someone added in Taskade to a column since lanes last fetched
// is moved with the others when lanes deletes the column, not deleted
// with it.
func TestAColumnDeleteMovesACardAddedInTaskadeMeanwhile(t *testing.T) {
	env := newEnv(t)
	env.card("Doing", "Known")
	d := env.driver(t.TempDir())
	d.settle()
	env.card("Doing", "Added in Taskade") // after lanes' last fetch
	d.do(d.e.State().DeleteColumn(env.cols["Doing"], env.cols["To Do"], time.Now()))
	d.settle()
	if got := env.titles("To Do"); !same(got, []string{"Known", "Added in Taskade"}) {
		t.Fatalf("Taskade's To Do is %q, want both of Doing's cards", got)
	}
}

// A column lanes saw empty, deleted after someone added a card to it in
// Taskade: deleting the task would delete the card with it.
func TestDeletingAColumnSeenEmptyKeepsACardAddedInTaskade(t *testing.T) {
	env := newEnv(t)
	d := env.driver(t.TempDir())
	d.settle()
	env.card("Doing", "Someone's work")
	d.do(d.e.State().DeleteColumn(env.cols["Doing"], "", time.Now()))
	d.settle()
	env.task("Someone's work") // fails unless it is still there, once
}
