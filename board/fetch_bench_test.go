package board

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/benchcpu"
	"github.com/lanesboard/lanes/internal/testenv"
)

// BenchmarkFetch is a board of 100,000 cards fetched from the real server
// on loopback (SQLite): "whole", both lists, as every start without a
// cache and every refresh did before issue 17; "changed", what changed
// after a position 10 changes back, as a start with a cache and a refresh
// do now. (It compiles against the code before issue 17 too, where
// "changed" is skipped: there was no such fetch.)
func BenchmarkFetch(b *testing.B) {
	const n = 100_000
	p := testenv.StartBenchProject(b, n)
	ctx := context.Background()
	client := api.New(p.URL, p.Token, api.WithTimeout(time.Minute))
	r := NewRemote(client)
	if _, err := r.Fetch(ctx, p.ProjectID); err != nil { // the server's list read once, as by another client
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("cards=%d/whole", n), func(b *testing.B) {
		cpu := benchcpu.Start()
		for i := 0; i < b.N; i++ {
			f, err := r.Fetch(ctx, p.ProjectID)
			if err != nil || len(f.Cards) != n {
				b.Fatalf("%d cards, %v", len(f.Cards), err)
			}
		}
		cpu.Report(b)
	})
	b.Run(fmt.Sprintf("cards=%d/changed", n), func(b *testing.B) {
		cr, ok := r.(interface {
			FetchChanges(context.Context, string, int64) (Fetched, error)
		})
		if !ok {
			b.Skip("no fetch of what changed before issue 17")
		}
		seq := listSeq(b, p)
		if seq == 0 {
			b.Skip("the server does not say the list's position")
		}
		tasks, err := client.Tasks(ctx, p.ProjectID, api.ListTasksOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 10 {
			var patch api.TaskPatch
			patch.Title.Set(fmt.Sprintf("Changed %d at %d", i, seq)) // a change each time the benchmark runs
			if _, err := client.UpdateTask(ctx, tasks[i*97].ID, patch); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		cpu := benchcpu.Start()
		for i := 0; i < b.N; i++ {
			f, err := cr.FetchChanges(ctx, p.ProjectID, seq)
			if err != nil || len(f.Cards) != 10 {
				b.Fatalf("%d cards changed, %v", len(f.Cards), err)
			}
		}
		cpu.Report(b)
	})
}

// listSeq is the X-Lanes-Seq of the project's list (0: none), read
// without the api package, which had no way to before issue 17.
func listSeq(b *testing.B, p *testenv.BenchProject) int64 {
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/api/tasks?projectId="+p.ProjectID, nil)
	req.Header.Set("Authorization", "Bearer "+p.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	seq, _ := strconv.ParseInt(strings.TrimSpace(res.Header.Get("X-Lanes-Seq")), 10, 64)
	return seq
}
