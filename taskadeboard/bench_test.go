package taskadeboard

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/taskadetest"
)

// bigEnv is a project of 5,000 tasks: 5 columns of 999 cards.
func bigEnv(b *testing.B) *env {
	env := newEnv(b, taskadetest.WithPageSize(100))
	env.cols["Review"] = env.srv.AddTask(env.project, "", "Review")
	env.cols["Later"] = env.srv.AddTask(env.project, "", "Later")
	n := 0
	for _, col := range []string{"To Do", "Doing", "Review", "Later", "Done"} {
		for range 999 {
			env.card(col, fmt.Sprintf("Card %d", n))
			n++
		}
	}
	return env
}

const listRoute = "GET /projects/{projectId}/tasks"

// BenchmarkOpen5000FromNetwork is the first frame of a 5,000-task project
// with nothing cached: every page of the list, then the board's state.
func BenchmarkOpen5000FromNetwork(b *testing.B) {
	env := bigEnv(b)
	ctx := context.Background()
	pages := env.srv.Hits(listRoute)
	b.ResetTimer()
	for range b.N {
		r := NewRemote(env.client(), env.project, "", env.srv.URL)
		f, err := r.Fetch(ctx, env.project)
		if err != nil {
			b.Fatal(err)
		}
		if s := board.NewState(f.Columns, f.Cards); s.Len() != 4995 {
			b.Fatalf("%d cards", s.Len())
		}
		b.StopTimer()
		waitDetails(r)
		b.StartTimer()
	}
	b.ReportMetric(float64(env.srv.Hits(listRoute)-pages)/float64(b.N), "pages/op")
}

// BenchmarkOpen5000FromCache is the first frame of the same project from
// the board's cache: the engine opens and has the board to draw.
func BenchmarkOpen5000FromCache(b *testing.B) {
	env := bigEnv(b)
	ctx := context.Background()
	dir := b.TempDir()
	o := board.Options{Dir: dir, Server: env.srv.URL, ProjectID: env.project, SpaceID: env.ws}
	r := NewRemote(env.client(), env.project, dir, env.srv.URL)
	f, err := r.Fetch(ctx, env.project)
	if err != nil {
		b.Fatal(err)
	}
	waitDetails(r)
	if err := board.SaveCache(o, board.NewState(f.Columns, f.Cards)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		o.Remote = New(env.client()).Remote(o)
		e, err := board.Open(ctx, o)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(e.State().Column(env.cols["Doing"])); n != 999 {
			b.Fatalf("%d cards in Doing", n)
		}
		e.Abandon()
	}
}

// BenchmarkPoll5000Unchanged is one poll of a 5,000-task project that
// nothing changed: the requests, bytes and time it costs, with what lanes
// keeps of the project in a data directory as the board has it.
func BenchmarkPoll5000Unchanged(b *testing.B) {
	env := bigEnv(b)
	ctx := context.Background()
	r := NewRemote(env.client(), env.project, b.TempDir(), env.srv.URL)
	if _, err := r.Fetch(ctx, env.project); err != nil {
		b.Fatal(err)
	}
	waitDetails(r)
	r.mu.Lock()
	for _, t := range r.tasks {
		t.DetailsAt = time.Now() // read: a poll reads none
	}
	r.unshown = false
	r.mu.Unlock()
	bytes, reqs := env.srv.BytesOut(), env.srv.Requests()
	b.ResetTimer()
	for range b.N {
		if _, err := r.Fetch(ctx, env.project); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(env.srv.BytesOut()-bytes)/float64(b.N), "bytes/op")
	b.ReportMetric(float64(env.srv.Requests()-reqs)/float64(b.N), "requests/op")
}

func waitDetails(r *Remote) {
	for range 1000 {
		r.mu.Lock()
		busy := r.reading
		r.mu.Unlock()
		if !busy {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
