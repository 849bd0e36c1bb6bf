package testenv

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// The benchmarks of a large project (issue 17) share one way to make it,
// and a flag to keep it between runs: seeding 100,000 tasks takes a while.
// This file uses only what lanes had before issue 17, so the same
// benchmarks can run on that code for the before figures (see
// scripts/bench-before.sh).

var benchDir = flag.String("lanes.benchdir", "", "a directory to keep the benchmarks' seeded projects in between runs (each made once, copied for each run)")

// BenchProject is a real lanes server on loopback over SQLite, holding a
// project of N tasks.
type BenchProject struct {
	Store     *store.Store
	HTTP      *httptest.Server
	URL       string
	Token     string
	UserID    string
	SpaceID   string
	ProjectID string
	Columns   []api.Status
}

// StartBenchProject runs a server whose user "bench" has a project of n
// tasks (a title of usual length, a description on a third, a due date
// on a quarter, every priority), spread over its
// columns, until b ends. With -lanes.benchdir the seeded database is kept
// there and copied for each run.
func StartBenchProject(b testing.TB, n int) *BenchProject {
	b.Helper()
	path := filepath.Join(b.TempDir(), "lanes.db")
	kept := ""
	if *benchDir != "" {
		kept = filepath.Join(*benchDir, fmt.Sprintf("project-%d.db", n))
		if err := copyFile(kept, path); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
	}
	p := openBenchProject(b, path)
	if p.count(b) != n {
		p.seed(b, n)
		if kept != "" {
			p.Store.Close()
			if err := os.MkdirAll(*benchDir, 0o700); err != nil {
				b.Fatal(err)
			}
			if err := copyFile(path, kept); err != nil {
				b.Fatal(err)
			}
			p = openBenchProject(b, path)
		}
	}
	return p
}

func openBenchProject(b testing.TB, path string) *BenchProject {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	var u *store.User
	err = st.Write(ctx, func(tx *store.Tx) error {
		if u, err = tx.UserByName("bench"); err == nil {
			return nil
		}
		u, err = tx.CreateUser("bench", nil, false)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := server.IssueToken(ctx, st, u.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(server.New(st, server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), server.WithRateLimit(0)))
	b.Cleanup(func() { srv.Close(); st.Close() })
	p := &BenchProject{Store: st, HTTP: srv, URL: srv.URL, Token: token, UserID: u.ID}
	c := api.New(srv.URL, token)
	spaces, err := c.Spaces(ctx)
	if err != nil {
		b.Fatal(err)
	}
	projects, err := c.Projects(ctx, spaces[0].ID)
	if err != nil {
		b.Fatal(err)
	}
	p.SpaceID, p.ProjectID = spaces[0].ID, projects[0].ID
	if p.Columns, err = c.Statuses(ctx, p.ProjectID); err != nil {
		b.Fatal(err)
	}
	return p
}

// count is how many tasks the project holds, archived ones too.
func (p *BenchProject) count(b testing.TB) int {
	b.Helper()
	n := 0
	err := p.Store.Read(context.Background(), func(tx *store.Tx) error {
		for _, archived := range []bool{false, true} {
			ts, err := tx.Tasks(p.ProjectID, archived)
			if err != nil {
				return err
			}
			n += len(ts)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func (p *BenchProject) seed(b testing.TB, n int) {
	b.Helper()
	ctx := context.Background()
	desc := "A description of the work, a sentence or two long, as people write them on a card: what, why, and who to ask."
	due := "2026-12-24T17:00:00.000Z"
	for done := p.count(b); done < n; {
		err := p.Store.Write(ctx, func(tx *store.Tx) error {
			for k := 0; k < 2000 && done < n; k++ {
				col := p.Columns[done%len(p.Columns)].ID
				t := &store.Task{ProjectID: p.ProjectID, SpaceID: p.SpaceID, StatusID: &col,
					Title: fmt.Sprintf("Card number %d with a title of usual length", done), Priority: []string{"none", "low", "medium", "high", "urgent"}[done%5],
					CreatorID: p.UserID}
				if done%3 == 0 {
					t.Description = &desc
				}
				if done%4 == 0 {
					t.DueDate = &due
				}
				if err := tx.CreateTask(t); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			b.Fatalf("seed the benchmark project: %v", err)
		}
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
