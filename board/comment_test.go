package board

import (
	"strings"
	"testing"
)

// A comment may be as long as the server takes, and no longer; an empty
// one is refused as empty.
func TestCommentLength(t *testing.T) {
	s := fixture()
	for _, c := range []struct {
		text, err string
	}{
		{strings.Repeat("c", 700), ""},
		{strings.Repeat("é", MaxComment), ""},
		{strings.Repeat("c", MaxComment+1), "at most 20000 characters (this one has 20001)"},
		{" \t ", "needs some text"},
	} {
		m, err := s.AddComment("a", c.text, t0)
		switch {
		case c.err == "" && (err != nil || m.Comment != c.text):
			t.Errorf("a comment of %d characters: %v", len([]rune(c.text)), err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("a comment of %d characters: %v, want %q", len([]rune(c.text)), err, c.err)
		}
	}
}
