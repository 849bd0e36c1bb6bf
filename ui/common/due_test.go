package common

import (
	"strings"
	"testing"
	"time"
)

func TestParseDue(t *testing.T) {
	// Wednesday 25 November 2026, mid-morning.
	now := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	for _, c := range []struct{ in, want string }{
		{"today", "2026-11-25"},
		{"Tomorrow", "2026-11-26"},
		{"fri", "2026-11-27"},
		{"friday", "2026-11-27"},
		{"wed", "2026-11-25"},
		{"tue", "2026-12-01"},
		{"+3d", "2026-11-28"},
		{"2w", "2026-12-09"},
		{"1m", "2026-12-25"},
		{"next week", "2026-11-30"},
		{"2026-12-01", "2026-12-01"},
		{"12-01", "2026-12-01"},
		{"dec 1", "2026-12-01"},
		{"1 dec", "2026-12-01"},
		{"jan 5", "2027-01-05"},
		{"11-20", "2027-11-20"},
	} {
		got, err := ParseDue(c.in, now)
		if err != nil || got == nil || got.Format("2006-01-02") != c.want {
			t.Errorf("ParseDue(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, clear := range []string{"", "none", " clear "} {
		if got, err := ParseDue(clear, now); err != nil || got != nil {
			t.Errorf("ParseDue(%q) = %v, %v; want a cleared date", clear, got, err)
		}
	}
	for _, bad := range []string{"someday", "2026-13-01", "+d", "99999d"} {
		if _, err := ParseDue(bad, now); err == nil || !strings.Contains(err.Error(), "try today") {
			t.Errorf("ParseDue(%q) = %v; want an error that shows what works", bad, err)
		}
	}
}
