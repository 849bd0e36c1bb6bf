package board

import (
	"math/rand/v2"
	"sort"
	"testing"
)

func TestBetweenTable(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"", "", "a0"},
		{"a0", "", "a1"},
		{"az", "", "b00"},
		{"", "a0", "Zz"},
		{"", "Zz", "Zy"},
		{"", "Z0", "Yzz"},
		{"a0", "a1", "a0V"},
		{"a0", "a0V", "a0G"},
		{"a0V", "a1", "a0l"},
		{"a1", "a2", "a1V"},
		{"a0", "b00", "a1"},
		{"a0z", "a1", "a0zV"},
	}
	for _, c := range cases {
		got, err := Between(c.a, c.b)
		if err != nil {
			t.Errorf("Between(%q, %q): %v", c.a, c.b, err)
			continue
		}
		if got != c.want {
			t.Errorf("Between(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func TestBetweenRejectsBadInput(t *testing.T) {
	for _, c := range [][2]string{{"a1", "a0"}, {"a0", "a0"}, {"?", ""}, {"", "a00"}, {"b0", ""}} {
		if got, err := Between(c[0], c[1]); err == nil {
			t.Errorf("Between(%q, %q) = %q, want an error", c[0], c[1], got)
		}
	}
}

// TestBetweenKeepsOrder inserts keys at random places in a column many times
// and checks every key stays strictly between its neighbours, as a column
// that is never renumbered needs.
func TestBetweenKeepsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{}
	for i := 0; i < 5000; i++ {
		at := rng.IntN(len(keys) + 1)
		var a, b string
		if at > 0 {
			a = keys[at-1]
		}
		if at < len(keys) {
			b = keys[at]
		}
		k, err := Between(a, b)
		if err != nil {
			t.Fatalf("step %d: Between(%q, %q): %v", i, a, b, err)
		}
		if (a != "" && k <= a) || (b != "" && k >= b) {
			t.Fatalf("step %d: Between(%q, %q) = %q is not between", i, a, b, k)
		}
		if _, _, err := splitKey(k); err != nil {
			t.Fatalf("step %d: made invalid key %q", i, k)
		}
		keys = append(keys[:at], append([]string{k}, keys[at:]...)...)
	}
	if !sort.StringsAreSorted(keys) {
		t.Fatal("keys out of order")
	}
}

// TestRepeatedInsertAtOneSpot is the worst case for key length: always
// between the same neighbour and the last key made.
func TestRepeatedInsertAtOneSpot(t *testing.T) {
	a, b := "a0", "a1"
	for i := 0; i < 1000; i++ {
		k, err := Between(a, b)
		if err != nil || k <= a || k >= b {
			t.Fatalf("step %d: Between(%q, %q) = %q, %v", i, a, b, k, err)
		}
		b = k
	}
	if len(b) > 200 {
		t.Fatalf("key grew to %d bytes after 1000 inserts at one spot", len(b))
	}
	a, b = "", "a0"
	for i := 0; i < 1000; i++ {
		k, err := Between(a, b)
		if err != nil || k >= b {
			t.Fatalf("prepend %d: Between(%q, %q) = %q, %v", i, a, b, k, err)
		}
		b = k
	}
	if len(b) > 5 {
		t.Fatalf("prepending 1000 times made a %d-byte key %q", len(b), b)
	}
}
