package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/keymap"
)

// TestKeysWhileLoadingAreKept: a large board opened for the screen draws
// its first cards and its columns' sizes from the head of its cache at
// once; keys pressed before the rest is read are pressed, in order, once
// it has been.
func TestKeysWhileLoadingAreKept(t *testing.T) {
	cols := []board.Column{{ID: "todo", Name: "To Do"}, {ID: "done", Name: "Done", IsDone: true}}
	var cards []*board.Card
	pos := "a0"
	for i := range 1500 {
		cards = append(cards, &board.Card{ID: fmt.Sprintf("c%04d", i), ProjectID: "p", StatusID: "todo", Title: fmt.Sprintf("Card %04d", i),
			Position: pos, Priority: board.PriorityNone})
		pos, _ = board.Between(pos, "")
	}
	o := board.Options{Dir: t.TempDir(), Server: "local", ProjectID: "p", Preview: true}
	if err := board.SaveCache(o, board.NewState(cols, cards)); err != nil {
		t.Fatal(err)
	}
	e, err := board.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Abandon()
	var m tea.Model = New(e, Config{Keys: keymap.Default(), Renderer: lipgloss.NewRenderer(io.Discard), SpaceName: "Personal", Project: "General"})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	first := m.View()
	if !e.Loading() || !strings.Contains(first, "Card 0000") || !strings.Contains(first, "1500") {
		t.Fatalf("the first frame (loading %v):\n%s", e.Loading(), first)
	}
	for _, k := range []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("j")}, {Type: tea.KeyRunes, Runes: []rune("j")}, {Type: tea.KeyEnter}} {
		m, _ = m.Update(k)
	}
	if m.View() != first {
		t.Fatalf("keys pressed while loading changed the screen:\n%s", m.View())
	}
	cmds := e.Start()
	if len(cmds) != 1 {
		t.Fatalf("%d commands to start a loading board", len(cmds))
	}
	m, _ = m.Update(cmds[0]())
	if e.Loading() || e.State().Len() != 1500 {
		t.Fatalf("after the rest: loading %v, %d cards", e.Loading(), e.State().Len())
	}
	if v := m.View(); !strings.Contains(v, "Card 0002") || strings.Contains(v, "Card 0005") {
		t.Fatalf("the keys held were not pressed after: want the details of Card 0002, see\n%s", v)
	}
}
