package ui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkCursorKeystroke is one cursor key handled and the screen drawn
// again, as TestKeyLatency (the root package) presses them: down 20 cards,
// right, … then back up, on projects of 100, 10,000 and 100,000 cards.
// No change to the board: the cost of moving the cursor only.
func BenchmarkCursorKeystroke(b *testing.B) {
	var keys []string
	for _, dir := range []string{"j", "k"} {
		for _, side := range []string{"l", "l", "h", "h"} {
			for range 20 {
				keys = append(keys, dir)
			}
			keys = append(keys, side)
		}
	}
	for _, n := range []int{100, 10_000, 100_000} {
		b.Run(fmt.Sprintf("cards=%d", n), func(b *testing.B) {
			var m tea.Model = benchModel(b, benchOptions(b, n))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(keys[i%len(keys)])})
				if m.View() == "" {
					b.Fatal("nothing drawn")
				}
			}
		})
	}
}
