package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

func TestSlugOf(t *testing.T) {
	for name, want := range map[string]string{
		"Launch Crew!":                 "launch-crew",
		"Café Ünïcode":                 "cafe-unicode",
		"Straße":                       "strasse",
		"Ærø Øst":                      "aero-ost",
		"Œuvre Þing":                   "oeuvre-thing",
		"Łódź Ģirts":                   "lodz-girts",
		"İstanbul":                     "istanbul",
		"Cafe\u0301 de\u0301":          "cafe-de", // é written as e and a combining mark
		"Tiếng Việt":                   "tieng-viet",
		"QA":                           "qa-space",
		"日本 Ops":                       "ops",
		strings.Repeat("Ünïcode ", 10): "unicode-unicode-unicode-unicode-unicode-unicode-un",
	} {
		if got := slugOf(name); got != want {
			t.Errorf("slugOf(%q) = %q, want %q", name, got, want)
		}
		if err := checkSlugArg(slugOf(name)); err != nil {
			t.Errorf("slugOf(%q): %v", name, err)
		}
	}
	// Nothing Latin left: a short random slug, different each time.
	seen := map[string]bool{}
	for _, name := range []string{"日本", "中国", "🚀🚀", "Москва", "!!!", "日本"} {
		got := slugOf(name)
		if !regexp.MustCompile(`^space-[0-9a-f]{6}$`).MatchString(got) || seen[got] {
			t.Errorf("slugOf(%q) = %q, want a new space-xxxxxx", name, got)
		}
		seen[got] = true
	}
}

// lanes space create makes readable slugs from accented names, and
// distinct ones from names with no Latin letters at all.
func TestSpaceCreateSlugs(t *testing.T) {
	data := t.TempDir()
	for _, n := range []string{"Café Ünïcode", "日本", "中国"} {
		mustRun(t, data, "space", "create", n)
	}
	for _, bad := range []string{"Evil\x1b]0;pwned\x07", "two\nlines", "tab\there", "c1\u009b"} {
		if _, _, err := run(t, context.Background(), data, "space", "create", bad); err == nil || !strings.Contains(err.Error(), "control characters") {
			t.Errorf("space create %q: %v", bad, err)
		}
	}
	out := mustRun(t, data, "space", "list")
	if !strings.Contains(out, "Café Ünïcode  cafe-unicode ") {
		t.Errorf("Café Ünïcode's slug:\n%s", out)
	}
	ids := regexp.MustCompile(`(?m)^(日本|中国) +(space-[0-9a-f]{6}) `).FindAllStringSubmatch(out, -1)
	if len(ids) != 2 || ids[0][2] == ids[1][2] {
		t.Fatalf("the CJK spaces' slugs:\n%s", out)
	}
	// The slug names the space from then on.
	if m := mustRun(t, data, "space", "members", ids[0][2]); !strings.Contains(m, "owner") {
		t.Fatalf("members by the generated slug:\n%s", m)
	}
}

// lanes user create refuses what is not an email address.
func TestUserCreateEmail(t *testing.T) {
	data := t.TempDir()
	for _, bad := range []string{"notanemail", "Ann <ann@example.com>", "<ann@example.com>", "ann@", "@example.com", "ann@example.com (Ann)", "ann @example.com", "a\x1b[2J@example.com"} {
		_, _, err := run(t, context.Background(), data, "user", "create", "ann", "--email", bad)
		if err == nil || !strings.Contains(err.Error(), "is not an email address") || !strings.Contains(err.Error(), "ann@example.com") {
			t.Errorf("user create --email %q: %v", bad, err)
		}
	}
	if out := mustRun(t, data, "user", "list"); strings.Contains(out, "ann") {
		t.Fatalf("a refused user was made:\n%s", out)
	}
	mustRun(t, data, "user", "create", "ann", "--email", "ann.lee+lanes@example.co.uk")
	if out := mustRun(t, data, "user", "list"); !strings.Contains(out, "ann.lee+lanes@example.co.uk") {
		t.Fatalf("user list:\n%s", out)
	}
}
