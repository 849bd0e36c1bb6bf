package board

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

// newStateBefore is NewState as it was before issue 17: its sort looked
// both cards up by id on every comparison. The oracle for the new one,
// and the "before" of its benchmark.
func newStateBefore(columns []Column, cards []*Card) *State {
	s := &State{columns: append([]Column(nil), columns...), base: &snapshot{cards: make(map[string]*Card, len(cards)), lists: map[string][]string{}}}
	for _, c := range cards {
		if old, dup := s.base.cards[c.ID]; dup && old.Version > c.Version {
			continue
		}
		s.base.cards[c.ID] = c
	}
	for _, c := range s.base.cards {
		if key, ok := s.listOf(c); ok {
			s.base.lists[key] = append(s.base.lists[key], c.ID)
		}
	}
	for key, ids := range s.base.lists {
		sort.Slice(ids, func(i, j int) bool {
			return cardLess(s.base.cards[ids[i]], s.base.cards[ids[j]])
		})
		s.base.lists[key] = ids
	}
	s.cards, s.lists, s.owned = map[string]*Card{}, map[string][]string{}, map[string]bool{}
	return s
}

// randomCards is a board's worth of cards with every oddity NewState must
// place as before: unknown and empty statuses, subtasks, archived cards,
// equal positions, the same card twice (and the very same pointer twice).
func randomCards(rnd *rand.Rand, n int, cols []Column) []*Card {
	var cards []*Card
	for i := range n {
		c := &Card{ID: fmt.Sprintf("c%03d", rnd.IntN(n*2)), Position: fmt.Sprintf("a%d", rnd.IntN(max(n/3, 1))), Version: int64(rnd.IntN(3))}
		switch k := rnd.IntN(10); {
		case k < 6 && len(cols) > 0:
			c.StatusID = cols[rnd.IntN(len(cols))].ID
		case k == 6:
			c.StatusID = "gone"
		case k == 7 && i > 0:
			c.ParentID = cards[rnd.IntN(len(cards))].ID
		case k == 8:
			c.Archived = true
		}
		cards = append(cards, c)
		if rnd.IntN(20) == 0 {
			cards = append(cards, c)
		}
	}
	return cards
}

// TestNewStateAsBefore: the new NewState builds the very board the old
// one did, for random boards with and without columns (one column listed
// twice, too).
func TestNewStateAsBefore(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 17))
	colSets := [][]Column{nil, cols4, {{ID: "a"}}, {{ID: "a"}, {ID: "b"}, {ID: "a"}}}
	for i := range 3000 {
		cols := colSets[i%len(colSets)]
		cards := randomCards(rnd, 1+rnd.IntN(60), cols)
		want, got := newStateBefore(cols, cards), NewState(cols, cards)
		if !reflect.DeepEqual(want.base.cards, got.base.cards) {
			t.Fatalf("board %d: the cards differ", i)
		}
		if !reflect.DeepEqual(want.base.lists, got.base.lists) {
			t.Fatalf("board %d: lists\n%v\nwant\n%v", i, got.base.lists, want.base.lists)
		}
	}
}
