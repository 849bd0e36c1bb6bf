package ui

import (
	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/board"
)

// These open a benchmark's board as the board command does: a large
// board's first frame from its cache's head, the rest read after.
// (internal/testenv/bench-before.sh puts ones that do nothing in their
// place, for the code before issue 17, whose Open read the whole cache.)

// preview opens with Options.Preview.
func preview(o *board.Options) { o.Preview = true }

// loadRest reads the rest of a loading board's cache, as Start's first
// command does, and hands the board to m.
func loadRest(e *board.Engine, m tea.Model) tea.Model {
	if !e.Loading() {
		return m
	}
	m, _ = m.Update(e.Start()[0]())
	return m
}
