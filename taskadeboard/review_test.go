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
