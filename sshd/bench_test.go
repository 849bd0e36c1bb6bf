package sshd

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/ui"
	"github.com/lanesboard/lanes/ui/common"
)

// benchEngine is an engine opened on a cache of a project of n cards
// over four columns, as a board that was open before would leave it.
func benchEngine(b *testing.B, n int) *board.Engine {
	b.Helper()
	cols := []board.Column{{ID: "todo", Name: "To Do"}, {ID: "doing", Name: "In Progress"}, {ID: "review", Name: "In Review"}, {ID: "done", Name: "Done", IsDone: true}}
	cards := make([]*board.Card, n)
	pos := []string{"a0", "a0", "a0", "a0"}
	for i := range cards {
		c := i % len(cols)
		cards[i] = &board.Card{ID: fmt.Sprintf("card-%07d", i), ProjectID: "p", StatusID: cols[c].ID,
			Title: fmt.Sprintf("Card number %d with a title of usual length", i), Position: pos[c], Priority: board.PriorityMedium,
			Description: "What the card is about, as a person would write it, in a sentence or two.",
			CreatorID:   fmt.Sprintf("u%02d", i%20), Assignees: []string{fmt.Sprintf("u%02d", i%20)}}
		pos[c], _ = board.Between(pos[c], "")
	}
	o := board.Options{Dir: b.TempDir(), Server: "bench", ProjectID: "p"}
	if err := board.SaveCache(o, board.NewState(cols, cards)); err != nil {
		b.Fatal(err)
	}
	e, err := board.Open(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e
}

// nopHost runs nothing: the benchmark hands the engine nothing back.
type nopHost struct{}

func (nopHost) Run(*board.Engine, []board.Cmd) {}
func (nopHost) Leave(*board.Engine)            {}

// BenchmarkSessionFollowsChange is what one session of a shared engine
// costs when the engine changes (a card moved, by another session or the
// feed): its board follows the new state and is drawn again, on a
// project of 1,000 cards in a 120×30 terminal. A change reaches every
// session of the board, so this times its number is the fan-out.
func BenchmarkSessionFollowsChange(b *testing.B) {
	const sessions = 10
	e := benchEngine(b, 1000)
	models := make([]tea.Model, sessions)
	for i := range models {
		// As sessionRenderer makes it for an xterm-256color.
		r := lipgloss.NewRenderer(io.Discard, termenv.WithColorCache(true))
		r.SetColorProfile(termenv.ANSI256)
		r.SetHasDarkBackground(true)
		m := ui.New(e, ui.Config{Keys: keymap.Default(), Renderer: r, SpaceName: "Personal", Project: "General", Now: time.Now, Host: nopHost{}})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
		next.View()
		models[i] = next
	}
	s := e.State()
	id := s.Column("todo")[0]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := e.State()
		m, err := s.Shift(id, []int{1, -1}[i%2], time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Do(m); err != nil {
			b.Fatal(err)
		}
		for j, m := range models {
			m, _ = m.Update(common.EngineChanged{Engine: e})
			if m.View() == "" {
				b.Fatal("nothing drawn")
			}
			models[j] = m
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*sessions), "ns/session")
}
