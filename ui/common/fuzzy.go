package common

import (
	"slices"
	"strings"
	"unicode"
)

// Fuzzy is a text as FuzzyFilter reads it, lower-case: the command
// palette's actions and the label picker's labels narrow by what is typed
// through it.
type Fuzzy struct {
	text []rune
}

// NewFuzzy is text as FuzzyFilter reads it.
func NewFuzzy(text string) Fuzzy { return Fuzzy{text: []rune(strings.ToLower(text))} }

// FuzzyFilter is the indexes of the candidates that match query, best first
// (equals in the order given). Each word of the query (a config name's
// words too: move_left) must match as a
// fuzzy subsequence: its letters in order, not necessarily together;
// letters together and at the start of words count for more. An empty
// query matches everything in order.
func FuzzyFilter(cands []Fuzzy, query string) []int {
	// Underscores are spaces here, as in a config name (move_left).
	terms := strings.Fields(strings.ToLower(strings.ReplaceAll(query, "_", " ")))
	type hit struct{ i, score int }
	hits := make([]hit, 0, len(cands))
	runes := make([][]rune, len(terms))
	for i, t := range terms {
		runes[i] = []rune(t)
	}
next:
	for i, c := range cands {
		total := 0
		for _, t := range runes {
			s, ok := score(t, c.text)
			if !ok {
				continue next
			}
			total += s
		}
		hits = append(hits, hit{i, total})
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return b.score - a.score })
	out := make([]int, len(hits))
	for i, h := range hits {
		out[i] = h.i
	}
	return out
}

// score is how well term matches text as a subsequence, trying each place
// its first letter starts; ok is false when it does not match at all.
func score(term, text []rune) (best int, ok bool) {
	if len(term) == 0 {
		return 0, true
	}
	for start, r := range text {
		if r != term[0] {
			continue
		}
		if s, matched := scoreFrom(term, text, start); matched && (!ok || s > best) {
			best, ok = s, true
		}
	}
	return best, ok
}

// scoreFrom matches term in text greedily from start, where its first
// letter is: each letter scores, more next to the one before and at a
// word's start; each letter skipped between two costs.
func scoreFrom(term, text []rune, start int) (int, bool) {
	s, prev := 0, -1
	j := start
	for _, r := range term {
		for j < len(text) && text[j] != r {
			j++
		}
		if j == len(text) {
			return 0, false
		}
		s++
		switch {
		case prev >= 0 && j == prev+1:
			s += 4
		case prev >= 0:
			s -= min(j-prev-1, 4)
		}
		if j == 0 || wordBreak(text[j-1]) {
			s += 6
		}
		prev = j
		j++
	}
	if start == 0 {
		s += 2
	}
	return s, true
}

func wordBreak(r rune) bool {
	return unicode.IsSpace(r) || r == '_' || r == '-' || r == '/' || r == '+'
}
