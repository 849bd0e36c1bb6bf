package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/transfer"
)

// genBoard is a board of n cards over four columns (one of them done),
// every third with a subtask, every fifth with two comments, labels and
// an assignee; every title is different.
func genBoard(n int, assignee string) *transfer.Board {
	b := &transfer.Board{Lanes: transfer.FormatVersion, Project: transfer.Project{Name: "Generated"},
		Columns: []transfer.Column{{Name: "Backlog"}, {Name: "Doing", WipLimit: ptr(3)}, {Name: "Review", Color: ptr("#a855f7")}, {Name: "Shipped", IsDone: true}},
		Labels:  []transfer.Label{{Name: "bug", Color: ptr("#ff0000")}, {Name: "feature"}, {Name: "chore"}}}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i := range n {
		c := transfer.Card{Title: fmt.Sprintf("card %05d", i), Column: b.Columns[i%4].Name, Priority: "medium",
			Labels: []string{b.Labels[i%3].Name}}
		if i%3 == 0 {
			c.Subtasks = []transfer.Card{{Title: fmt.Sprintf("subtask of %05d", i), Column: "Backlog"}}
		}
		if i%5 == 0 {
			c.Comments = []transfer.Comment{{Author: "someone", Time: at, Text: "first"}, {Author: "someone", Time: at.Add(time.Hour), Text: "second"}}
			c.Assignees = []string{assignee}
		}
		if i%7 == 0 {
			c.Archived = true
		}
		b.Cards = append(b.Cards, c)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// file is b as a lanes JSON file, read back for import.
func file(t testing.TB, b *transfer.Board) *transfer.File {
	t.Helper()
	var buf bytes.Buffer
	if err := transfer.WriteJSON(&buf, b); err != nil {
		t.Fatal(err)
	}
	f, err := transfer.Read(buf.Bytes(), "x")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// cutTransport lets the first after requests through, sends the next one
// but loses its answer (the server did it; the client never hears), and
// refuses every one after: a connection lost in the middle of an import.
//
// With noBatch it is also a lanes server from before batches: its batch
// route is not found, so the import writes one object per request.
type cutTransport struct {
	n, after atomic.Int64
	noBatch  bool
}

func (c *cutTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.noBatch && r.URL.Path == "/api/batch" {
		body := `{"error":{"code":"not_found","message":"Not found"}}`
		return &http.Response{StatusCode: http.StatusNotFound, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	}
	k := c.n.Add(1)
	switch after := c.after.Load(); {
	case after == 0 || k <= after:
		return http.DefaultTransport.RoundTrip(r)
	case k == after+1:
		if res, err := http.DefaultTransport.RoundTrip(r); err == nil {
			res.Body.Close()
		}
		return nil, errors.New("connection reset after the server answered")
	}
	return nil, errors.New("connection refused")
}

type importEnv struct {
	ts    *testenv.Server
	token string
	space api.Space
	state string
}

func newImportEnv(t testing.TB) *importEnv {
	t.Helper()
	ts := testenv.Start(t)
	_, token := ts.User(t, "ann")
	ts.User(t, "zed") // a user, but no member of ann's space
	e := &importEnv{ts: ts, token: token, state: t.TempDir()}
	spaces, err := e.client(nil).Spaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.space = spaces[0]
	return e
}

func (e *importEnv) client(rt http.RoundTripper) *api.Client {
	opts := []api.Option{api.WithRetry(0, time.Millisecond, time.Millisecond)}
	if rt != nil {
		opts = append(opts, api.WithTransport(rt))
	}
	return api.New(e.ts.HTTP.URL, e.token, opts...)
}

func (e *importEnv) importer(c *api.Client) *transfer.Importer {
	return &transfer.Importer{Client: c, Server: e.ts.HTTP.URL, StateDir: e.state, Space: e.space, Retries: -1,
		Slug: func(name string) string { return strings.ToLower(strings.ReplaceAll(name, " ", "-")) }}
}

// check says how the imported project differs from the board it came
// from, read back whole through export: nothing missing, nothing twice.
func (e *importEnv) check(t *testing.T, want *transfer.Board, name string) {
	t.Helper()
	ctx := context.Background()
	c := e.client(nil)
	ps, err := c.Projects(ctx, e.space.ID)
	if err != nil {
		t.Fatal(err)
	}
	var found []api.Project
	for _, p := range ps {
		if p.Name == name {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d projects named %q, want 1", len(found), name)
	}
	got, err := transfer.Export(ctx, c, e.space, found[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Columns) != len(want.Columns) || len(got.Labels) != len(want.Labels) {
		t.Errorf("%d columns and %d labels, want %d and %d", len(got.Columns), len(got.Labels), len(want.Columns), len(want.Labels))
	}
	titles := map[string]int{}
	comments, assignees := 0, 0
	var count func(cs []transfer.Card)
	count = func(cs []transfer.Card) {
		for _, c := range cs {
			titles[c.Title]++
			comments += len(c.Comments)
			assignees += len(c.Assignees)
			count(c.Subtasks)
		}
	}
	count(got.Cards)
	n := want.Count()
	for title, k := range titles {
		if k > 1 {
			t.Errorf("card %q is there %d times", title, k)
		}
	}
	if len(titles) != n.Cards+n.Subtasks || comments != n.Comments || assignees != n.Assignments {
		t.Errorf("%d cards and subtasks, %d comments, %d assignees; want %d, %d and %d",
			len(titles), comments, assignees, n.Cards+n.Subtasks, n.Comments, n.Assignments)
	}
	// Comments stay in their order on each card.
	for _, c := range got.Cards {
		if len(c.Comments) == 2 && (!strings.HasSuffix(c.Comments[0].Text, "first") || !strings.HasSuffix(c.Comments[1].Text, "second")) {
			t.Errorf("comments of %q out of order: %q", c.Title, c.Comments)
			break
		}
	}
}

// TestInterruptedImportMakesNoDuplicates cuts the connection at points
// all through an import (one write done by the server whose answer never
// came back), then runs the import again: the project is finished, with
// every card, subtask, comment and assignee exactly once.
func TestInterruptedImportMakesNoDuplicates(t *testing.T) {
	for _, batches := range []bool{true, false} {
		t.Run(map[bool]string{true: "in batches", false: "one write per request"}[batches], func(t *testing.T) {
			testImportResumes(t, batches)
		})
	}
}

func testImportResumes(t *testing.T, batches bool) {
	ctx := context.Background()
	b := genBoard(60, "ann")
	if batches {
		// Enough for a few batches of each kind.
		b = genBoard(700, "ann")
	}

	// How many requests a whole import takes, to cut it at fractions.
	probe := newImportEnv(t)
	counter := cutTransport{noBatch: !batches}
	if _, err := probe.importer(probe.client(&counter)).Import(ctx, file(t, b)); err != nil {
		t.Fatal(err)
	}
	total := counter.n.Load()
	t.Logf("a whole import is %d requests", total)
	if batches && total > 60 {
		t.Fatalf("an import of %d cards took %d requests: not in batches", len(b.Cards), total)
	}

	for _, tc := range []struct {
		name        string
		cutAt       int64
		loseJournal bool // only the server's memory of the keys stops duplicates
	}{
		{"while making the project", 3, false},
		{"while making the columns", 8, false},
		{"while making cards", total / 3, false},
		{"while making subtasks and comments", total * 2 / 3, false},
		{"while assigning", total - 5, false},
		{"while making cards, journal lost", total / 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newImportEnv(t)
			f := file(t, b)
			cut := &cutTransport{noBatch: !batches}
			cut.after.Store(tc.cutAt)
			_, err := e.importer(e.client(cut)).Import(ctx, f)
			if err == nil {
				t.Fatalf("the import cut after %d of %d requests did not fail", tc.cutAt, total)
			}
			if !strings.Contains(err.Error(), "connection") {
				t.Fatalf("the cut import failed with %v, want the lost connection named", err)
			}
			if tc.loseJournal {
				matches, _ := filepath.Glob(filepath.Join(e.state, "imports", "*.journal"))
				if len(matches) != 1 {
					t.Fatalf("journals: %v", matches)
				}
				os.Remove(matches[0])
			}
			sum, err := e.importer(e.client(nil)).Import(ctx, f)
			if err != nil {
				t.Fatalf("the second run: %v", err)
			}
			if tc.cutAt > 5 && !sum.Resumed {
				t.Error("the second run did not say it resumed the first")
			}
			n := b.Count()
			if sum.Cards != n.Cards || sum.Subtasks != n.Subtasks || sum.Comments != n.Comments || sum.Assignees != n.Assignments || sum.Labels != 3 || sum.Columns != 4 {
				t.Errorf("summary %+v, want the whole board's counts %+v", sum, n)
			}
			e.check(t, b, "Generated")

			// A third run of the finished import is refused.
			_, err = e.importer(e.client(nil)).Import(ctx, f)
			var already *transfer.AlreadyImportedError
			if !errors.As(err, &already) || already.Project != "Generated" {
				t.Fatalf("importing the file again: %v, want it refused as imported before", err)
			}
		})
	}
}

// TestImportStateLostRefusesDuplicateProject: with the state directory
// gone, a rerun can't know the project is its own, and refuses to make a
// second one of the same name rather than make everything twice.
func TestImportStateLostRefusesDuplicateProject(t *testing.T) {
	ctx := context.Background()
	e := newImportEnv(t)
	b := genBoard(10, "ann")
	cut := &cutTransport{noBatch: true}
	cut.after.Store(20)
	if _, err := e.importer(e.client(cut)).Import(ctx, file(t, b)); err == nil {
		t.Fatal("the cut import did not fail")
	}
	e.state = t.TempDir()
	_, err := e.importer(e.client(nil)).Import(ctx, file(t, b))
	if err == nil || !strings.Contains(err.Error(), `already has a project named "Generated"`) {
		t.Fatalf("rerun without state: %v, want a refusal naming the project", err)
	}
	// Named otherwise, it is a new import, and --again makes yet another.
	im := e.importer(e.client(nil))
	im.Name = "Generated 2"
	if _, err := im.Import(ctx, file(t, b)); err != nil {
		t.Fatal(err)
	}
	e.check(t, b, "Generated 2")
	im = e.importer(e.client(nil))
	im.Name, im.Again = "Generated 3", true
	if _, err := im.Import(ctx, file(t, b)); err != nil {
		t.Fatal(err)
	}
	e.check(t, b, "Generated 3")
}

func TestImportSkipsAssigneesWhoAreNotMembers(t *testing.T) {
	e := newImportEnv(t)
	b := genBoard(10, "zed") // zed is a user, but not in ann's space
	b.Cards[1].Assignees = []string{"ANN", "nobody"}
	sum, err := e.importer(e.client(nil)).Import(context.Background(), file(t, b))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Assignees != 1 || strings.Join(sum.Skipped, ",") != "nobody,zed,zed" {
		t.Fatalf("assigned %d, skipped %q: want ann (any case) assigned and zed twice and nobody skipped", sum.Assignees, sum.Skipped)
	}
}

func TestImportRefusesViewersAndSeedServers(t *testing.T) {
	e := newImportEnv(t)
	im := e.importer(e.client(nil))
	im.Space.Role = api.RoleMember
	if _, err := im.Import(context.Background(), file(t, genBoard(1, "ann"))); err == nil || !strings.Contains(err.Error(), "only an owner or admin") {
		t.Fatalf("a member importing: %v, want a refusal", err)
	}
}

// BenchmarkImport10k imports a board of 10,000 cards (with 3,334
// subtasks, 4,000 comments and 2,000 assignees besides) into a new
// project on a real local server, and reports cards (and subtasks) made
// per second.
func BenchmarkImport10k(b *testing.B) {
	e := newImportEnv(b)
	f := file(b, genBoard(10_000, "ann"))
	n := f.Board.Count()
	b.ResetTimer()
	for i := range b.N {
		im := e.importer(e.client(nil))
		im.Name, im.Again = fmt.Sprintf("Bench %d", i), true
		if _, err := im.Import(context.Background(), f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*(n.Cards+n.Subtasks))/b.Elapsed().Seconds(), "cards/s")
}

// BenchmarkImport100k imports a board of 100,000 cards (four columns,
// a label and a priority each, every tenth with a description) into a
// new project on a real local server, and reports cards made per second.
func BenchmarkImport100k(b *testing.B) {
	e := newImportEnv(b)
	board := genBoard(0, "")
	for i := range importBenchCards {
		c := transfer.Card{Title: fmt.Sprintf("card %06d", i), Column: board.Columns[i%4].Name, Priority: "high",
			Labels: []string{board.Labels[i%3].Name}}
		if i%10 == 0 {
			c.Description = "Imported with its description, which is searchable like the title."
		}
		board.Cards = append(board.Cards, c)
	}
	f := file(b, board)
	b.ResetTimer()
	for i := range b.N {
		im := e.importer(e.client(nil))
		im.Name, im.Again = fmt.Sprintf("Bench %d", i), true
		if _, err := im.Import(context.Background(), f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(board.Cards))/b.Elapsed().Seconds(), "cards/s")
}

// importBenchCards is how many cards BenchmarkImport100k imports.
const importBenchCards = 100_000
