package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/benchcpu"
	"github.com/lanesboard/lanes/internal/testenv"
)

// BenchmarkTaskListLoopback is a list of 100,000 tasks read from the real
// server on this machine, asked for uncompressed (as lanes asks a server
// on loopback) and gzipped (as it asks one elsewhere): what decompressing
// costs where carrying the bytes costs nothing.
func BenchmarkTaskListLoopback(b *testing.B) {
	const n = 100_000
	p := testenv.StartBenchProject(b, n)
	ctx := context.Background()
	for _, gzip := range []bool{false, true} {
		c := api.New(p.URL, p.Token, api.WithTimeout(time.Minute), api.WithListCompression(gzip))
		if _, err := c.Tasks(ctx, p.ProjectID, api.ListTasksOptions{}); err != nil { // the server's list and its gzip made once
			b.Fatal(err)
		}
		name := "identity"
		if gzip {
			name = "gzip"
		}
		b.Run(fmt.Sprintf("tasks=%d/%s", n, name), func(b *testing.B) {
			cpu := benchcpu.Start()
			for range b.N {
				k := 0
				if _, err := c.TaskList(ctx, p.ProjectID, api.ListTasksOptions{Each: func(*api.Task) { k++ }}); err != nil || k != n {
					b.Fatal(k, err)
				}
			}
			cpu.Report(b)
		})
	}
}
