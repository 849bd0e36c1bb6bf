package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/transfer"
)

// sourceEnv is a lanes server (lanes serve) whose space Team (the local
// user owns it; alice and bob are members) has a project Source holding
// every kind of thing export writes: columns of its own with WIP limits
// and colours, labels, cards with every field, nested subtasks, comments
// by two people, assignees, archived and completed cards, a card moved
// up its column.
type sourceEnv struct {
	data, base, token string
}

func newSourceEnv(t *testing.T) sourceEnv {
	t.Helper()
	t.Setenv("LANES_STATE", t.TempDir())
	data := t.TempDir()
	token := strings.TrimSpace(mustRun(t, data, "token", "create"))
	mustRun(t, data, "user", "create", "alice")
	mustRun(t, data, "user", "create", "bob")
	mustRun(t, data, "space", "create", "Team")
	mustRun(t, data, "space", "add", "Team", "alice")
	mustRun(t, data, "space", "add", "Team", "bob")
	aliceToken := strings.TrimSpace(mustRun(t, data, "token", "create", "--user", "alice"))
	base := startServe(t, data, "--rate-limit", "0")

	ctx := context.Background()
	c, alice := api.New(base, token), api.New(base, aliceToken)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sp, err := launch.FindSpace(ctx, c, "Team")
	must(err)
	members, err := c.Members(ctx, sp.ID)
	must(err)
	ids := map[string]string{}
	for _, m := range members {
		ids[m.Name] = m.UserID
	}
	p, err := c.CreateProject(ctx, api.ProjectCreate{SpaceID: sp.ID, Name: "Source", Slug: "source", Description: ptr("The board to copy"), Color: ptr("#123456")})
	must(err)
	cols, err := c.Statuses(ctx, p.ID)
	must(err)
	_, err = c.UpdateStatus(ctx, cols[0].ID, api.StatusPatch{Name: api.Set("Backlog"), WipLimit: api.Set(10), Color: api.Set("#111111")})
	must(err)
	_, err = c.UpdateStatus(ctx, cols[1].ID, api.StatusPatch{Name: api.Set("Doing"), WipLimit: api.Set(3)})
	must(err)
	must(c.DeleteStatus(ctx, cols[2].ID, ""))
	_, err = c.CreateStatus(ctx, api.StatusCreate{ProjectID: p.ID, Name: "Blocked", Position: ptr(2), Color: ptr("#ff0000")})
	must(err)
	_, err = c.CreateStatus(ctx, api.StatusCreate{ProjectID: p.ID, Name: "Won't do", IsDone: true})
	must(err)
	cols, err = c.Statuses(ctx, p.ID)
	must(err)
	col := map[string]string{}
	for _, s := range cols {
		col[s.Name] = s.ID
	}
	label := map[string]string{}
	for _, l := range []api.LabelCreate{{Name: "bug", Color: ptr("#ff0000")}, {Name: "feature", Color: ptr("#00aa00")}, {Name: "chore"}} {
		l.ProjectID = p.ID
		made, err := c.CreateLabel(ctx, l)
		must(err)
		label[l.Name] = made.ID
	}
	card := func(title, column string, set func(*api.TaskCreate)) *api.Task {
		t.Helper()
		in := api.TaskCreate{ProjectID: p.ID, Title: title, StatusID: ptr(col[column])}
		if set != nil {
			set(&in)
		}
		k, err := c.CreateTask(ctx, in)
		must(err)
		return k
	}
	update := func(k *api.Task, patch api.TaskPatch) {
		t.Helper()
		_, err := c.UpdateTask(ctx, k.ID, patch)
		must(err)
	}
	due := time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC)
	fix := card("Fix login", "Doing", func(in *api.TaskCreate) {
		in.Description, in.Priority, in.DueDate = ptr("Steps:\n1. open the page\n2. it fails"), api.PriorityHigh, &due
		in.LabelIDs = []string{label["bug"], label["feature"]}
	})
	update(fix, api.TaskPatch{EstimatedHours: api.Set(3.5)})
	for _, who := range []string{"alice", local.UserName()} {
		_, err := c.Assign(ctx, fix.ID, ids[who])
		must(err)
	}
	_, err = c.AddComment(ctx, fix.ID, "Looking into it.\nIt's the cookie.")
	must(err)
	_, err = alice.AddComment(ctx, fix.ID, "Thanks!")
	must(err)
	test := card("Write a test", "Doing", func(in *api.TaskCreate) { in.ParentTaskID = &fix.ID })
	update(test, api.TaskPatch{CompletedAt: api.Set(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))})
	patch := card("Patch it", "Doing", func(in *api.TaskCreate) { in.ParentTaskID = &fix.ID })
	card("Review the patch", "Backlog", func(in *api.TaskCreate) { in.ParentTaskID = &patch.ID; in.Priority = api.PriorityLow })
	ship := card("Ship v2", "Done", func(in *api.TaskCreate) { in.LabelIDs = []string{label["feature"]} })
	update(ship, api.TaskPatch{CompletedAt: api.Set(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))})
	old := card("Old idea", "Backlog", nil)
	update(old, api.TaskPatch{IsArchived: api.Set(true)})
	dropped := card("Dropped", "Won't do", func(in *api.TaskCreate) { in.Description = ptr("not worth it") })
	update(dropped, api.TaskPatch{IsArchived: api.Set(true)})
	card("B1", "Backlog", nil)
	card("B2", "Backlog", nil)
	b3 := card("B3", "Backlog", nil)
	update(b3, api.TaskPatch{Position: api.Set("Zz")}) // before B1
	blocked := card("Waiting on legal [#12] <b>", "Blocked", func(in *api.TaskCreate) {
		in.Priority, in.LabelIDs = api.PriorityUrgent, []string{label["chore"]}
	})
	_, err = c.Assign(ctx, blocked.ID, ids["bob"])
	must(err)
	return sourceEnv{data: data, base: base, token: token}
}

func ptr[T any](v T) *T { return &v }

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func updating() bool { return *update }

// lanes runs lanes against the env's server.
func (e sourceEnv) lanes(t *testing.T, args ...string) (string, string) {
	t.Helper()
	out, errOut, err := run(t, context.Background(), t.TempDir(), append(args, "--server", e.base, "--token", e.token)...)
	if err != nil {
		t.Fatalf("lanes %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out, errOut
}

func readBoard(t *testing.T, raw []byte) *transfer.Board {
	t.Helper()
	var b transfer.Board
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("the export is not lanes JSON: %v\n%s", err, raw)
	}
	return &b
}

// TestExportImportRoundTrip exports a project holding every kind of
// object, imports it as a new project, and exports that: the two exports
// are the same but for ids, times and the project's name; comments
// someone else wrote come back posted by the importer, headed with the
// author's name and time.
func TestExportImportRoundTrip(t *testing.T) {
	e := newSourceEnv(t)
	file := filepath.Join(t.TempDir(), "source.json")
	e.lanes(t, "export", "--space", "Team", "--project", "Source", "-o", file)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("{\n  \"lanes\": 1,")) {
		t.Fatalf("the export does not start with its format version:\n%.200s", raw)
	}
	first := readBoard(t, raw)
	if n := first.Count(); n.Cards != 8 || n.Subtasks != 3 || n.Comments != 2 || n.Columns != 5 || n.Labels != 3 || n.Assignments != 3 {
		t.Fatalf("the export holds %+v, want all of Source", n)
	}
	var order []string
	for _, c := range first.Cards {
		order = append(order, c.Column+"/"+c.Title)
	}
	if got := strings.Join(order[:3], ", "); got != "Backlog/B3, Backlog/Old idea, Backlog/B1" {
		t.Errorf("the cards start %s: want Backlog's in board order", got)
	}

	out, _ := e.lanes(t, "import", file, "--space", "Team", "--project", "Copy")
	for _, want := range []string{"Imported lanes JSON into Team / Copy", "5 columns, 3 labels, 8 cards, 3 subtasks, 2 comments, 3 assignees"} {
		if !strings.Contains(out, want) {
			t.Errorf("import said:\n%s\nwant %q", out, want)
		}
	}
	again, _ := e.lanes(t, "export", "--space", "Team", "--project", "Copy")
	second := readBoard(t, []byte(again))

	me := local.UserName()
	normalize := func(b *transfer.Board, imported bool) string {
		b.ExportedAt, b.Project.Name = nil, ""
		var rec func(cs []transfer.Card)
		rec = func(cs []transfer.Card) {
			for i := range cs {
				cs[i].CreatedAt = nil
				for j := range cs[i].Comments {
					m := &cs[i].Comments[j]
					if !imported && m.Author != me {
						m.Text = fmt.Sprintf("%s (%s):\n%s", m.Author, m.Time.UTC().Format("2006-01-02 15:04 UTC"), m.Text)
						m.Author = me
					}
					m.Time = time.Time{}
				}
				rec(cs[i].Subtasks)
			}
		}
		rec(b.Cards)
		out, _ := json.MarshalIndent(b, "", "  ")
		return string(out)
	}
	if a, b := normalize(first, false), normalize(second, true); a != b {
		t.Errorf("export → import → export changed the board:\nfirst:\n%s\nsecond:\n%s", a, b)
	}

	// Into a space where alice and bob are not members, with --again:
	// they are skipped and counted.
	out, _ = e.lanes(t, "import", file, "--project", "Copy", "--again")
	if !strings.Contains(out, "skipped 2 assignees who are not members of Personal: alice, bob") {
		t.Errorf("import into Personal said:\n%s\nwant alice and bob skipped", out)
	}
}

// TestExportMarkdownGolden compares lanes export --format markdown of the
// Source project with testdata/export-source.md (go test -run
// TestExportMarkdownGolden -update rewrites it).
func TestExportMarkdownGolden(t *testing.T) {
	e := newSourceEnv(t)
	out, _ := e.lanes(t, "export", "--space", "Team", "--project", "Source", "--format", "markdown")
	// The local user is named after whoever runs the test.
	out = strings.Replace(out, "assigned: "+strings.Join(sorted("alice", local.UserName()), ", "), "assigned: alice, (you)", 1)
	golden := filepath.Join("testdata", "export-source.md")
	if updating() {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("markdown export differs from %s:\n%s", golden, out)
	}
	csvOut, _ := e.lanes(t, "export", "--space", "Team", "--project", "Source", "-f", "csv")
	if lines := strings.Split(strings.TrimSpace(csvOut), "\n"); len(lines) != 1+8+3+2 { // two descriptions span two more lines
		t.Errorf("CSV export has %d lines:\n%s", len(lines), csvOut)
	}
	if _, _, err := run(t, context.Background(), t.TempDir(), "export", "--format", "xml"); err == nil || !strings.Contains(err.Error(), "json, csv or markdown") {
		t.Errorf("--format xml: %v", err)
	}
}

// TestExportFromASeedServer: a server with only the Krokanti API has no
// labels, comments or member names to give; export writes what it has.
func TestExportFromASeedServer(t *testing.T) {
	data := t.TempDir()
	token := strings.TrimSpace(mustRun(t, data, "token", "create"))
	base := startServe(t, data, "--api", "seed", "--rate-limit", "0")
	ctx := context.Background()
	c := api.New(base, token)
	_, p, err := launch.Pick(ctx, c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "seeded", Priority: api.PriorityHigh}); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, ctx, t.TempDir(), "export", "--server", base, "--token", token)
	if err != nil {
		t.Fatal(err)
	}
	b := readBoard(t, []byte(out))
	if len(b.Columns) == 0 || len(b.Cards) != 1 || b.Cards[0].Title != "seeded" || b.Cards[0].Priority != "high" || len(b.Labels) != 0 {
		t.Fatalf("export of a seed-only server: %+v", b)
	}
	// Import needs what only a lanes server has, and says so.
	file := filepath.Join(t.TempDir(), "seed.json")
	os.WriteFile(file, []byte(out), 0o600)
	_, _, err = run(t, ctx, t.TempDir(), "import", file, "--server", base, "--token", token, "--project", "Copy")
	if err == nil || !strings.Contains(err.Error(), "import needs a lanes server") {
		t.Fatalf("import into a seed-only server: %v", err)
	}
}
