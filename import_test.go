package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/server/store"
	"github.com/lanesboard/lanes/transfer"
)

// teamData is a data directory whose local user owns the space Team, of
// which alice is a member too (bob is a user, but not in Team).
func teamData(t *testing.T) string {
	t.Helper()
	t.Setenv("LANES_STATE", t.TempDir())
	data := t.TempDir()
	mustRun(t, data, "user", "create", "alice")
	mustRun(t, data, "user", "create", "bob")
	mustRun(t, data, "space", "create", "Team")
	mustRun(t, data, "space", "add", "Team", "alice")
	return data
}

// columnCards is each column's cards, titles in board order, archived
// ones marked with a leading ~.
func columnCards(b *transfer.Board) map[string][]string {
	out := map[string][]string{}
	for _, c := range b.Cards {
		title := c.Title
		if c.Archived {
			title = "~" + title
		}
		out[c.Column] = append(out[c.Column], title)
	}
	return out
}

func cardNamed(t *testing.T, b *transfer.Board, title string) transfer.Card {
	t.Helper()
	for _, c := range b.Cards {
		if c.Title == title {
			return c
		}
	}
	t.Fatalf("no card %q on the board", title)
	return transfer.Card{}
}

// TestImportTrello imports testdata/trello-board.json (a Trello board
// export: lists out of order, a closed list, a closed card, labels with
// and without names, a duplicate label, checklists, comments newest
// first, members, CRLF text) into the local server and checks the board
// it made, read back with lanes export.
func TestImportTrello(t *testing.T) {
	data := teamData(t)
	out := mustRun(t, data, "import", filepath.Join("testdata", "trello-board.json"), "--space", "Team")
	for _, want := range []string{
		"Imported Trello JSON into Team / Website relaunch",
		"4 columns, 4 labels, 7 cards, 6 subtasks, 3 comments, 1 assignees",
		"skipped 1 assignees who are not members of Team: bob",
		"4 completed card(s) moved to the done column \"Done\"",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import said:\n%s\nwant %q", out, want)
		}
	}
	b := readBoard(t, []byte(mustRun(t, data, "export", "--space", "Team", "--project", "Website relaunch")))

	if b.Project.Description == nil || *b.Project.Description != "Everything for the new site, from copy to launch." {
		t.Errorf("project description %v", b.Project.Description)
	}
	var cols []string
	for _, c := range b.Columns {
		name := c.Name
		if c.IsDone {
			name += " (done)"
		}
		cols = append(cols, name)
	}
	if got := strings.Join(cols, ", "); got != "Backlog, In progress, Review, Done (done)" {
		t.Errorf("columns: %s", got)
	}
	var labels []string
	for _, l := range b.Labels {
		labels = append(labels, l.Name+" "+*l.Color)
	}
	if got := strings.Join(labels, ", "); got != "Bug #eb5a46, Copy #0c66e4, Design #c377e0, Green #61bd4f" {
		t.Errorf("labels: %s", got)
	}
	got := columnCards(b)
	for col, want := range map[string]string{
		"Backlog":     "Write the new homepage copy|Set up analytics|~Animated mascot",
		"In progress": "Fix broken contact form",
		"Review":      "",
		"Done":        "New logo|Launch checklist|~Old banner",
	} {
		if g := strings.Join(got[col], "|"); g != want {
			t.Errorf("%s holds %q, want %q", col, g, want)
		}
	}

	copyCard := cardNamed(t, b, "Write the new homepage copy")
	if copyCard.Description != "Tone: friendly.\nKeep it short." || strings.Join(copyCard.Labels, ",") != "Copy,Green" ||
		strings.Join(copyCard.Assignees, ",") != "alice" || copyCard.Due == nil || copyCard.Due.Format("2006-01-02T15:04") != "2026-12-15T17:00" {
		t.Errorf("the homepage card: %+v", copyCard)
	}
	var subs []string
	for _, s := range copyCard.Subtasks {
		done := " "
		if s.Completed != nil {
			done = "x"
		}
		subs = append(subs, "["+done+"] "+s.Title)
	}
	if g := strings.Join(subs, ", "); g != "[x] Hero, [ ] Pricing, [ ] FAQ" {
		t.Errorf("its checklist became %s", g)
	}
	if len(copyCard.Comments) != 1 || copyCard.Comments[0].Text != "Alice Liddell (2026-11-27 09:30 UTC):\nFirst draft is in the doc." ||
		copyCard.Comments[0].Author != local.UserName() {
		t.Errorf("its comment: %+v", copyCard.Comments)
	}

	form := cardNamed(t, b, "Fix broken contact form")
	if strings.Join(form.Labels, ",") != "Bug" || len(form.Assignees) != 0 || len(form.Comments) != 2 {
		t.Errorf("the contact form card: %+v", form)
	} else if !strings.HasPrefix(form.Comments[0].Text, "Alice Liddell (2026-11-28 10:15 UTC):\nReproduced on Safari 18:\n1. open") ||
		!strings.HasPrefix(form.Comments[1].Text, "Bob Builder (2026-11-28 16:02 UTC):\nFix is in review") {
		t.Errorf("its comments, oldest first: %q", form.Comments)
	}
	logo := cardNamed(t, b, "New logo")
	subs = nil
	for _, s := range logo.Subtasks {
		subs = append(subs, s.Title)
	}
	if logo.Completed == nil || strings.Join(logo.Labels, ",") != "Design" || strings.Join(subs, ", ") != "Files: SVG, Files: PNG, Variants: Dark" {
		t.Errorf("the logo card (due complete, two checklists): completed %v, labels %q, subtasks %q", logo.Completed, logo.Labels, subs)
	}
}

func TestImportCSV(t *testing.T) {
	data := teamData(t)
	path := filepath.Join(t.TempDir(), "Sprint 12.csv")
	csv := "Title,STATUS,priority,Due Date,labels,Description,Assignees,Estimate (ignored)\n" +
		"Write docs,To do,High,2026-12-01,\"docs, writing\",\"Two\nlines\",alice,3\n" +
		"\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click me\"\")\",To do,,,,,,\n" +
		"@SUM(1+1),In flight,low,2026-12-02T15:30:00Z,docs,,,\n" +
		"Released,Done,,,,,\"alice, bob\",\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, data, "import", path, "--space", "Team")
	if !strings.Contains(out, "Imported CSV into Team / Sprint 12") || !strings.Contains(out, "3 columns, 2 labels, 4 cards, 0 subtasks, 0 comments, 2 assignees") ||
		!strings.Contains(out, "not members of Team: bob") {
		t.Errorf("import said:\n%s", out)
	}
	b := readBoard(t, []byte(mustRun(t, data, "export", "--space", "Team", "--project", "Sprint 12")))
	got := columnCards(b)
	if g := strings.Join(got["To do"], "|"); g != `Write docs|=HYPERLINK("http://evil.example","click me")` {
		t.Errorf("To do: %q", g)
	}
	if !b.Columns[2].IsDone || b.Columns[2].Name != "Done" || len(got["Done"]) != 1 {
		t.Errorf("Done is not a done column holding Released: %+v", b.Columns)
	}
	docs := cardNamed(t, b, "Write docs")
	if docs.Priority != "high" || docs.Description != "Two\nlines" || strings.Join(docs.Labels, ",") != "docs,writing" ||
		strings.Join(docs.Assignees, ",") != "alice" || docs.Due.Format("2006-01-02") != "2026-12-01" {
		t.Errorf("Write docs: %+v", docs)
	}

	// Exported as CSV, the formulas are kept from running.
	csvOut := mustRun(t, data, "export", "--space", "Team", "--project", "Sprint 12", "--format", "csv")
	for _, want := range []string{`"'=HYPERLINK(""http://evil.example"",""click me"")"`, "'@SUM(1+1)"} {
		if !strings.Contains(csvOut, want) {
			t.Errorf("CSV export lacks the guarded %s:\n%s", want, csvOut)
		}
	}
}

// TestImportHostileInput: broken and oversized files are refused with the
// place of the fault named, before any project is made.
func TestImportHostileInput(t *testing.T) {
	data := teamData(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	huge := filepath.Join(dir, "huge.csv")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(65 << 20)
	f.Close()
	for _, tc := range []struct{ file, want string }{
		{write("broken.json", "{\"lanes\": 1,\n\"cards\": [\n{\"title\": \"a\"}\n{\"title\": \"b\"}]}"), "broken.json: JSON: broken JSON at line 4"},
		{write("typed.json", `{"lanes": 1, "columns": [{"name": "A", "isDone": "yes"}]}`), "field columns.isDone"},
		{write("trello.json", `{"name": "B", "lists": [{"id": "l", "name": "L"}], "cards": [{"id": "c", "name": "x", "idList": "gone"}]}`), `card "x" (id c): its list gone is not in the export`},
		{write("bad.csv", "title,due\nok,2026-01-01\nfine,\nbad,31/12/2026\n"), `bad.csv: CSV: line 4, due: "31/12/2026" is not a date`},
		{write("escape.csv", "title\n\"clear\x1b[2Jscreen\"\n"), "line 2, title: holds a control character (U+001B"},
		{write("binary.dat", "\x00\x01\x02garbage\xff\xfe"), "the header row has no title column"},
		{huge, "at most 64 MiB"},
		{filepath.Join(dir, "missing.json"), "no such file"},
	} {
		_, _, err := run(t, context.Background(), data, "import", tc.file, "--space", "Team")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("import %s: %v, want %q", filepath.Base(tc.file), err, tc.want)
		}
	}
	// None of them made a project.
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(data, "lanes.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.Read(ctx, func(tx *store.Tx) error {
		spaces, err := tx.FindSpaces("Team")
		if err != nil {
			return err
		}
		ps, err := tx.Projects(spaces[0].ID, false)
		if err == nil && (len(ps) != 1 || ps[0].Name != "General") {
			t.Errorf("Team has projects %+v, want General alone", ps)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
