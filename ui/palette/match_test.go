package palette

import (
	"testing"

	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/ui/common"
)

// candidates is every default action as the palette lists it.
func candidates() ([]common.Fuzzy, []keymap.Action) {
	k := keymap.Default()
	list := k.List()
	cands := make([]common.Fuzzy, len(list))
	for i, a := range list {
		cands[i] = NewCandidate(a.Binding.Help().Desc, a.Name, a.Binding.Keys())
	}
	return cands, list
}

func names(list []keymap.Action, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = list[j].Name
	}
	return out
}

// What a person types finds the action they mean first.
func TestFilterFindsTheActionMeant(t *testing.T) {
	cands, list := candidates()
	for _, c := range []struct {
		query string
		first []string // the first results, in any order
	}{
		{"mov", []string{"move_left", "move_right", "move_up", "move_down"}},
		{"move left", []string{"move_left"}},
		{"redo", []string{"redo"}},
		{"UNDO", []string{"undo"}},
		{"arch", []string{"archive"}},
		{"edtr", []string{"editor"}},             // letters apart still match
		{"ctrl+k", []string{"palette"}},          // by its key
		{"priority_up", []string{"priority_up"}}, // by its config name
		{"cmp", []string{"complete"}},
	} {
		got := names(list, common.FuzzyFilter(cands, c.query))
		if len(got) < len(c.first) {
			t.Errorf("%q found %v, want %v first", c.query, got, c.first)
			continue
		}
		want := map[string]bool{}
		for _, n := range c.first {
			want[n] = true
		}
		for _, n := range got[:len(c.first)] {
			if !want[n] {
				t.Errorf("%q found %v, want %v first", c.query, got, c.first)
				break
			}
		}
	}
}

// No query lists everything in order; a query nothing has lists nothing.
func TestFilterAllAndNothing(t *testing.T) {
	cands, list := candidates()
	all := common.FuzzyFilter(cands, "  ")
	if len(all) != len(list) {
		t.Fatalf("an empty query lists %d of %d actions", len(all), len(list))
	}
	for i, j := range all {
		if i != j {
			t.Fatalf("an empty query reorders the actions: %v", all)
		}
	}
	if got := common.FuzzyFilter(cands, "zqx"); len(got) != 0 {
		t.Fatalf("zqx matched %v", names(list, got))
	}
	if got := common.FuzzyFilter(cands, "mov zqx"); len(got) != 0 {
		t.Fatalf("every word must match; mov zqx matched %v", names(list, got))
	}
}

// BenchmarkFilter is the palette narrowing every default action for what
// a person types: it must take well under a millisecond (a keystroke).
func BenchmarkFilter(b *testing.B) {
	cands, _ := candidates()
	for _, q := range []string{"mov", "move card r", "zqx"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				common.FuzzyFilter(cands, q)
			}
		})
	}
}
