package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/server/store"
)

// hostile is text a member of a team (or a Krokanti server) may hand lanes:
// it retitles the terminal, wipes the screen, writes the clipboard (OSC
// 52), and tries to start Markdown of its own on new lines.
const hostile = "inj \x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mRED\x1b[0m \x1b]52;c;cm0gLXJmIH4=\x07" +
	"\r\n# pwned heading\n- fake item\r> quote\x00\x08\x7f\u009b31m\xff end"

// controls lists what in out is a control character a terminal may obey:
// C0 (newline aside), DEL, C1, and bytes that are not UTF-8.
func controls(out string) []string {
	var bad []string
	for i, r := range out {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(out[i:], "\uFFFD"):
			bad = append(bad, "invalid UTF-8")
		case r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f:
			bad = append(bad, fmt.Sprintf("%U", r))
		}
	}
	return bad
}

func assertNoControls(t *testing.T, what, out string) {
	t.Helper()
	if bad := controls(out); len(bad) > 0 {
		t.Errorf("%s holds %d control characters (%q):\n%q", what, len(bad), bad, out)
	}
}

// writeHostile puts hostile text straight into the data directory's
// database, as nothing lanes' own server accepts over HTTP any more would:
// a card titled with it (the local user's, in the first column), one in
// progress in a column named with it, a member named with it with a card
// of their own, and the space and project renamed with it.
func writeHostile(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(data, "lanes.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var spaceID, projectID, inProgress string
	err = st.Write(ctx, func(tx *store.Tx) error {
		me, err := tx.LocalUser()
		if err != nil {
			return err
		}
		spaces, err := tx.SpacesForUser(me.ID)
		if err != nil {
			return err
		}
		spaceID = spaces[0].ID
		projects, err := tx.Projects(spaceID, false)
		if err != nil {
			return err
		}
		projectID = projects[0].ID
		cols, err := tx.Statuses(projectID)
		if err != nil {
			return err
		}
		inProgress = cols[1].ID
		them, err := tx.CreateUser("eve"+hostile, nil, false)
		if err != nil {
			return err
		}
		if _, err := tx.AddMember(spaceID, them.ID, store.RoleMember); err != nil {
			return err
		}
		for _, k := range []*store.Task{
			{Title: "first " + hostile, StatusID: &cols[0].ID, Priority: "high", CreatorID: me.ID},
			{Title: "second " + hostile, StatusID: &cols[1].ID, Priority: "low", CreatorID: me.ID},
			{Title: "eve's " + hostile, StatusID: &cols[0].ID, Priority: "none", CreatorID: them.ID},
		} {
			k.ProjectID, k.SpaceID = projectID, spaceID
			if err := tx.CreateTask(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// The store has no way to rename these; a server's database might.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []struct{ sql, id string }{
		{"UPDATE spaces SET name = 'Sp ' || ? WHERE id = ?", spaceID},
		{"UPDATE projects SET name = 'Pr ' || ? WHERE id = ?", projectID},
		{"UPDATE statuses SET name = 'Col ' || ? WHERE id = ?", inProgress},
	} {
		if _, err := db.ExecContext(ctx, q.sql, hostile, q.id); err != nil {
			t.Fatal(err)
		}
	}
}

// lanes standup prints hostile titles, names and column names as harmless
// text: no control character reaches the terminal, and nothing from the
// data starts a heading, list item or quote of its own.
func TestStandupOutputIsSafe(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("LANES_SERVER", "")
	t.Setenv("LANES_TOKEN", "")
	data := t.TempDir()
	mustRun(t, data, "standup") // the first run makes the board
	writeHostile(t, data)

	out := mustRun(t, data, "standup")
	assertNoControls(t, "lanes standup", out)
	assertMarkdownShape(t, "lanes standup", out)
	for _, want := range []string{"\n- first inj ␛]0;pwned␇␛[2J", "· Col inj ␛]0;pwned", "\n## eveinj ␛]0;pwned"} {
		if !strings.Contains(out, want) {
			t.Errorf("lanes standup does not show the hostile text as visible symbols (%q):\n%s", want, out)
		}
	}

	raw := mustRun(t, data, "standup", "--format", "json")
	var doc any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("--format json: %v\n%s", err, raw)
	}
	n := 0
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			n++
			// A field is one line: a consumer printing it can't be
			// made to print a new line either.
			if bad := controls(v); len(bad) > 0 || strings.Contains(v, "\n") {
				t.Errorf("a JSON field a consumer would print holds control characters: %q", v)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	if !strings.Contains(raw, "inj ␛]0;pwned") || n < 10 {
		t.Fatalf("the JSON report lacks the hostile cards:\n%s", raw)
	}
}

// assertMarkdownShape checks that the only structure in a standup report is
// its own: one title, a heading per person, bold section names and list
// items, nothing else starting a line.
func assertMarkdownShape(t *testing.T, what, out string) {
	t.Helper()
	shape := regexp.MustCompile(`^(# Standup: .*|## .*|\*\*(Done|In progress|Next up|Blocked|Overdue)\*\*|- .*|Done since .*|Nothing to report\.|No one has cards on this board\.|)$`)
	titles := 0
	for _, l := range strings.Split(out, "\n") {
		if !shape.MatchString(l) {
			t.Errorf("%s has a line of its data's making: %q", what, l)
		}
		if strings.HasPrefix(l, "# ") {
			titles++
		}
		if strings.Contains(l, "pwned heading") && !strings.Contains(l, "inj ") {
			t.Errorf("%s: hostile text starts a line of its own: %q", what, l)
		}
	}
	if titles != 1 {
		t.Errorf("%s has %d top headings, want 1:\n%s", what, titles, out)
	}
}

// lanes space list and members print hostile names harmlessly, one line
// each, and line their columns up by what a terminal draws, for Latin,
// CJK and emoji names alike.
func TestSpaceListIsSafeAndAligned(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "user", "create", "bob")
	names := []string{"日本", "Ops", "🚀 Launch", "Café Ünïcode", "한국어 팀 이름"}
	for i, n := range names {
		mustRun(t, data, "space", "create", n, "--slug", fmt.Sprintf("team-%d", i))
	}
	out := mustRun(t, data, "space", "list")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(names)+2 { // the header, Personal
		t.Fatalf("lanes space list has %d lines, want one per space and a header:\n%s", len(lines), out)
	}
	// Every row's second, third and fourth cells start at the header's
	// SLUG, ROLE and ID, in terminal columns.
	header := lines[0]
	for _, l := range lines[1:] {
		cells := regexp.MustCompile(`\S+  +(\S+)  +(owner)  +([0-9a-f-]{36})$`).FindStringSubmatchIndex(l)
		if cells == nil {
			t.Fatalf("a row of lanes space list is not name, slug, role, id: %q", l)
		}
		for i, col := range []string{"SLUG", "ROLE", "ID"} {
			at := ansi.StringWidth(l[:cells[2+2*i]])
			if want := strings.Index(header, col); at != want {
				t.Errorf("in %q, the %s cell starts at column %d, the header's at %d:\n%s", l, col, at, want, out)
			}
		}
	}

	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(data, "lanes.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		me, err := tx.LocalUser()
		if err != nil {
			return err
		}
		sp, _, err := tx.CreateSpace(&store.Space{Name: "Evil " + hostile, Slug: "evil"}, me.ID)
		if err != nil {
			return err
		}
		eve, err := tx.CreateUser("eve"+hostile, nil, false)
		if err != nil {
			return err
		}
		_, err = tx.AddMember(sp.ID, eve.ID, store.RoleViewer)
		return err
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	out = mustRun(t, data, "space", "list")
	assertNoControls(t, "lanes space list", out)
	if n := strings.Count(out, "\n"); n != len(names)+3 {
		t.Fatalf("lanes space list has %d lines, want one per space and a header:\n%s", n, out)
	}
	members := mustRun(t, data, "space", "members", "evil")
	assertNoControls(t, "lanes space members", members)
	if !strings.Contains(members, "eveinj ␛]0;pwned") || strings.Count(members, "\n") != 3 {
		t.Fatalf("lanes space members:\n%s", members)
	}
}
