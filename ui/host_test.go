package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/ui/common"
	"github.com/lanesboard/lanes/ui/switcher"
)

// recordingHost is a common.Host that keeps what the board hands it.
type recordingHost struct {
	mu   sync.Mutex
	runs [][]board.Cmd
	left []*board.Engine
}

func (h *recordingHost) Run(e *board.Engine, cmds []board.Cmd) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.runs = append(h.runs, cmds)
}

func (h *recordingHost) Leave(e *board.Engine) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.left = append(h.left, e)
}

// A board whose engine a Host runs (lanes ssh: shared by a person's
// sessions) starts nothing itself, hands every command of the engine to
// the host rather than to Bubble Tea, follows the engine when the host
// says it changed (showing what it had to say), and leaves an engine the
// switcher replaced to the host rather than closing it.
func TestBoardWithAHost(t *testing.T) {
	cols := []board.Column{{ID: "todo", Name: "To Do"}, {ID: "done", Name: "Done", IsDone: true}}
	h := &recordingHost{}
	m := cachedModel(t, cols, Config{Host: h})
	e := m.Engine()
	if cmd := m.Init(); cmd != nil {
		t.Fatal("a board with a host started its engine itself")
	}
	next, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")})
	if cmd != nil {
		t.Fatal("a refresh went to Bubble Tea, not the host")
	}
	if len(h.runs) != 1 || len(h.runs[0]) == 0 {
		t.Fatalf("the host ran %d batches of commands for a refresh, want one", len(h.runs))
	}

	// The host changed the engine (here: a card made, as another session
	// of the person would) and says so, with a notice.
	s := e.State()
	mut, err := s.NewCard("p", "todo", "Made in another session", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Do(mut); err != nil {
		t.Fatal(err)
	}
	next, _ = next.Update(common.EngineChanged{Engine: e, Notices: []string{"Live updates stopped"}})
	view := next.View()
	if !strings.Contains(view, "Made in another session") || !strings.Contains(view, "Live updates stopped") {
		t.Fatalf("the board did not follow the engine the host changed:\n%s", view)
	}
	// A change of an engine it no longer shows is not its news.
	next, _ = next.Update(common.EngineChanged{Engine: &board.Engine{}, Notices: []string{"Not this board's"}})
	if strings.Contains(next.View(), "Not this board's") {
		t.Fatal("the board took another engine's notice")
	}

	// The switcher opened another project: the old engine is the host's
	// to close, once no board shows it.
	other := cachedModel(t, cols, Config{}).Engine()
	next, _ = next.Update(switcher.OpenedMsg{Choice: Choice{ProjectID: "q", Project: "Other", Space: "Personal"}, Engine: other})
	if got := next.(Model).Engine(); got != other {
		t.Fatal("the board does not show the project the switcher opened")
	}
	if len(h.left) != 1 || h.left[0] != e {
		t.Fatalf("the host was told of %d boards left, want the one replaced", len(h.left))
	}
}
