package transfer

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func ptr[T any](v T) *T { return &v }

// hostileBoard is a board whose texts try everything Markdown, a
// spreadsheet and a terminal would obey.
func hostileBoard() *Board {
	due := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	done := time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)
	return &Board{
		Lanes:   FormatVersion,
		Project: Project{Name: "Launch # plan", Description: ptr("Ship it.\n# not a heading\n\n- not a list")},
		Columns: []Column{
			{Name: "To Do", WipLimit: ptr(5)},
			{Name: "## Doing *now*"},
			{Name: "Done", IsDone: true},
		},
		Labels: []Label{{Name: "bug", Color: ptr("#eb5a46")}, {Name: "[ui]"}},
		Cards: []Card{
			{Title: "Fix login", Column: "To Do", Priority: "high", Due: &due, Labels: []string{"bug", "[ui]"},
				Assignees: []string{"alice", "bob"}, Description: "Steps:\n1. open\n2) click <b>here</b>\n> quoted\n=SUM(A1)",
				Subtasks: []Card{
					{Title: "Write a test", Column: "Done", Completed: &done},
					{Title: "- [x] fake done", Column: "To Do", Subtasks: []Card{{Title: "deeper *still*", Column: "To Do"}}},
				}},
			{Title: "# Heading? [link](http://evil) ![img](x) <script>alert(1)</script> `code` | a | b | ~~x~~ &amp;", Column: "## Doing *now*", Priority: "none"},
			{Title: "1. numbered\x1b]0;owned\x07", Column: "## Doing *now*"},
			{Title: "=HYPERLINK(\"http://evil\",\"click\")", Column: "Done", Completed: &done, Priority: "low"},
			{Title: "Shelved", Column: "To Do", Archived: true},
		},
	}
}

func TestMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, hostileBoard()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "board.md")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./transfer -update to write it)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("Markdown differs from %s (go test ./transfer -update rewrites it):\n%s", golden, got)
	}
	// Whatever the titles hold, the structure is only what lanes wrote:
	// one level-1 heading, a level-2 heading per column and Archived, no
	// HTML, no link, nothing a terminal obeys.
	out := buf.String()
	var h1, h2 int
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "# "):
			h1++
		case strings.HasPrefix(l, "## "):
			h2++
		}
	}
	if h1 != 1 || h2 != 4 {
		t.Errorf("%d level-1 and %d level-2 headings, want 1 and 4 (3 columns and Archived):\n%s", h1, h2, out)
	}
	for _, bad := range []string{"\x1b", "\x07", "\n# Heading", "\n- [x] fake"} {
		if strings.Contains(out, bad) {
			t.Errorf("the Markdown holds %q:\n%s", bad, out)
		}
	}
	// Every < (HTML) and every ] (the end of a link's text) is escaped.
	for i := 0; i < len(out); i++ {
		if (out[i] == '<' || out[i] == ']') && (i == 0 || out[i-1] != '\\') && !strings.HasPrefix(out[max(0, i-4):], "- [") {
			t.Errorf("unescaped %q at %q", out[i], out[max(0, i-20):i+1])
		}
	}
}

func TestCSVGuardsFormulasAndReadsBack(t *testing.T) {
	b := hostileBoard()
	b.Cards = append(b.Cards, Card{Title: "+1 vote", Column: "To Do"}, Card{Title: "@mention", Column: "To Do"},
		Card{Title: "-5 degrees", Column: "To Do"}, Card{Title: "\tTabbed", Column: "To Do"})
	var buf bytes.Buffer
	if err := WriteCSV(&buf, b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "title,column,priority,due,labels,assignees,description,completed,archived,parent" {
		t.Fatalf("header %q", got)
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
	// The rows: every card and subtask, subtasks after their card with
	// the card's title as parent.
	if len(rows) != 1+9+3 {
		t.Fatalf("%d rows, want a header and 12 cards and subtasks:\n%s", len(rows), buf.String())
	}
	if rows[2][0] != "Write a test" || rows[2][9] != "Fix login" || rows[2][7] != "2026-11-20T16:30:00Z" {
		t.Errorf("subtask row %q", rows[2])
	}
	if rows[1][3] != "2026-12-01" || rows[1][4] != "bug, [ui]" || rows[1][5] != "alice, bob" {
		t.Errorf("card row %q", rows[1])
	}

	// Read back, the guard comes off and the board is the same.
	back, err := readCSV(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	walk(back.Cards, func(c *Card, _ *Card, _ int) { titles = append(titles, c.Title) })
	for _, want := range []string{"=HYPERLINK(\"http://evil\",\"click\")", "+1 vote", "@mention", "-5 degrees", "\tTabbed", "deeper *still*"} {
		found := false
		for _, got := range titles {
			found = found || got == want
		}
		if !found {
			t.Errorf("read back, no card %q among %q", want, titles)
		}
	}
	if got := back.Cards[0].Subtasks[1].Subtasks[0].Title; got != "deeper *still*" {
		t.Errorf("nesting not read back: %q", got)
	}
}

func TestCSVErrorsNameLineAndField(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"no title column", "name,column\nx,y\n", "line 1: the header row has no title column"},
		{"bad due", "Title,Due\nok,2026-01-01\nbad,next tuesday\n", `line 3, due: "next tuesday" is not a date`},
		{"bad priority", "title,priority\nx,urgent\ny,asap\n", "line 3, priority: must be one of"},
		{"empty title", "title,column\n,To Do\n", "line 2, title: can't be empty"},
		{"bad quotes", "title\n\"unclosed\nmore\n", "line 3, column 6"},
		{"control character", "title\nbell\x07here\n", "line 2, title: holds a control character (U+0007"},
		{"unknown parent", "title,parent\nchild,nobody\n", `line 2, parent: no card titled "nobody"`},
		{"bad completed", "title,completed\nx,perhaps\n", "line 2, completed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read([]byte(tc.in), "t")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestCSVRead(t *testing.T) {
	in := "\xef\xbb\xbfTITLE, Column ,Priority,Due,Labels,Description,Notes,Completed\r\n" +
		"Write docs,Backlog,High,2026-12-01,\"docs, writing\",\"line one\r\nline two\",ignored,\r\n" +
		"'=1+1,Backlog,,,,,,\r\n" +
		"Shipped it,Doing,low,2026-11-02T10:00:00Z,docs,,,yes\r\n" +
		"Done thing,Done,,,,,,2026-11-03T09:00:00Z\r\n"
	f, err := Read([]byte(in), "cards")
	if err != nil {
		t.Fatal(err)
	}
	b := f.Board
	if b.Project.Name != "cards" || f.Format != FormatCSV {
		t.Errorf("project %q, format %q", b.Project.Name, f.Format)
	}
	var cols []string
	for _, c := range b.Columns {
		cols = append(cols, c.Name+map[bool]string{true: "✓"}[c.IsDone])
	}
	if got := strings.Join(cols, ","); got != "Backlog,Doing,Done✓" {
		t.Errorf("columns %s, want Backlog,Doing,Done✓", got)
	}
	c := b.Cards[0]
	if c.Title != "Write docs" || c.Priority != "high" || c.Description != "line one\nline two" || strings.Join(c.Labels, "|") != "docs|writing" {
		t.Errorf("first card %+v", c)
	}
	if b.Cards[1].Title != "=1+1" {
		t.Errorf("guarded formula read as %q", b.Cards[1].Title)
	}
	if b.Cards[2].Column != "Done" || len(f.Notes) != 1 {
		t.Errorf("a completed card outside a done column: in %q, notes %q", b.Cards[2].Column, f.Notes)
	}
	if b.Cards[3].Completed == nil || b.Cards[3].Completed.Day() != 3 {
		t.Errorf("completed time not read: %v", b.Cards[3].Completed)
	}
}

func TestCSVWithoutDoneColumnGetsOne(t *testing.T) {
	f, err := Read([]byte("title,column\na,Backlog\nb,Doing\n"), "x")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Board.Columns); n != 3 || f.Board.Columns[2].Name != "Done" || !f.Board.Columns[2].IsDone || len(f.Notes) != 1 {
		t.Fatalf("columns %+v, notes %q: want Backlog, Doing and an added Done", f.Board.Columns, f.Notes)
	}
}

func TestJSONErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"broken", "{\"lanes\": 1,\n \"cards\": [\n  {\"title\": \"x\",,}]}", "broken JSON at line 3, column"},
		{"wrong type", "{\"lanes\": 1, \"columns\": [{\"name\": \"A\"}],\n\"cards\": [{\"title\": 7}]}", "field cards.title (line 2"},
		{"newer", `{"lanes": 2}`, "format 2 was written by a newer lanes"},
		{"not lanes", `{"name": "x"}`, "neither a lanes export"},
		{"a list", `[1,2]`, "JSON list"},
		{"empty", "  \n", "empty"},
		{"unknown column", `{"lanes":1,"columns":[{"name":"A","isDone":true}],"cards":[{"title":"t","column":"B"}]}`, `cards[0].column: no column named "B"`},
		{"unknown label", `{"lanes":1,"columns":[{"name":"A"}],"cards":[{"title":"t","subtasks":[{"title":"s","labels":["x"]}]}]}`, `cards[0].subtasks[0].labels: no label named "x"`},
		{"bad colour", `{"lanes":1,"columns":[{"name":"A","color":"red"}]}`, "columns[0].color: must be a colour"},
		{"wip limit", `{"lanes":1,"columns":[{"name":"A","wipLimit":0}]}`, "columns[0].wipLimit"},
		{"duplicate column", `{"lanes":1,"columns":[{"name":"A"},{"name":"a"}]}`, "columns[1].name: there is already a column"},
		{"long title", `{"lanes":1,"cards":[{"title":"` + strings.Repeat("x", 501) + `"}]}`, "cards[0].title: at most 500 characters"},
		{"escape in title", `{"lanes":1,"cards":[{"title":"a\u001b[2Jb"}]}`, "cards[0].title: holds a control character (U+001B"},
		{"bad time", `{"lanes":1,"cards":[{"title":"t"},{"title":"u","subtasks":[{"title":"v","comments":[{"time":"soon"}]}]}]}`, `cards[1].subtasks[0].comments[0].time: "soon" is not an RFC 3339 time`},
		{"empty comment", `{"lanes":1,"cards":[{"title":"t","comments":[{"author":"a","text":"  "}]}]}`, "cards[0].comments[0].text: a comment can't be empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read([]byte(tc.in), "t")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestSubtasksTooDeep(t *testing.T) {
	c := Card{Title: "leaf"}
	for range MaxDepth + 1 {
		c = Card{Title: "level", Subtasks: []Card{c}}
	}
	b := &Board{Lanes: 1, Project: Project{Name: "x"}, Cards: []Card{c}}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, b); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(buf.Bytes(), "x"); err == nil || !strings.Contains(err.Error(), "nest deeper than") {
		t.Fatalf("error %v, want one about nesting", err)
	}
}

func TestReadFileRefusesHugeFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	if _, err := ReadFile(path, nil); err == nil || !strings.Contains(err.Error(), "at most 64 MiB") {
		t.Fatalf("error %v, want a refusal naming the limit", err)
	}
	// From a pipe, the size is only known by reading: still refused.
	if _, err := ReadFile("-", strings.NewReader(strings.Repeat(" ", MaxFileSize+1))); err == nil || !strings.Contains(err.Error(), "at most 64 MiB") {
		t.Fatalf("from stdin: error %v, want a refusal", err)
	}
}

func TestTrelloRead(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "trello-board.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Read(raw, "x")
	if err != nil {
		t.Fatal(err)
	}
	b := f.Board
	if f.Format != FormatTrello || b.Project.Name != "Website relaunch" {
		t.Fatalf("format %q, project %q", f.Format, b.Project.Name)
	}
	var cols []string
	for _, c := range b.Columns {
		cols = append(cols, c.Name)
	}
	if got := strings.Join(cols, "|"); got != "Backlog|In progress|Review|Done" {
		t.Errorf("columns %s (the closed list must not be one)", got)
	}
	if !b.Columns[3].IsDone {
		t.Error("the Done list is not a done column")
	}
	var labels []string
	for _, l := range b.Labels {
		labels = append(labels, l.Name+"="+*l.Color)
	}
	if got := strings.Join(labels, " "); got != "Bug=#eb5a46 Design=#c377e0 Green=#61bd4f Copy=#0c66e4" {
		t.Errorf("labels %s", got)
	}
}
