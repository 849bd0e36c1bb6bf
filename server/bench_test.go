package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// seedTasks puts n tasks into the project in one transaction, spread over
// its columns, straight through the store (the benchmark is of reading).
func seedTasks(b testing.TB, e *testEnv, u testUser, bd board, n int) {
	b.Helper()
	err := e.st.Write(context.Background(), func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			col := bd.Columns[i%len(bd.Columns)].ID
			desc := "a task of the benchmark"
			k := &store.Task{ProjectID: bd.ProjectID, SpaceID: bd.SpaceID, StatusID: &col, Title: fmt.Sprintf("task %d", i),
				Description: &desc, Priority: "medium", CreatorID: u.ID}
			if err := tx.CreateTask(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed %d tasks: %v", n, err)
	}
}

// BenchmarkListTasks10k is one GET /api/tasks of a project holding 10,000
// tasks, read whole by the client. Goal: ≤ 25 ms. The project does not
// change between requests, which is the board reloading it; see
// BenchmarkListTasks10kChanged for the list after every write.
func BenchmarkListTasks10k(b *testing.B) {
	benchList(b, "")
}

// BenchmarkListTasks10kChanged is the same list with one task edited before
// each request (outside the timer), so every list takes in a change: the
// edited task is read and encoded again and the list put back together.
func BenchmarkListTasks10kChanged(b *testing.B) {
	benchList(b, "edit")
}

// BenchmarkListTasks10kAfresh is the same list from a server that keeps
// no list (WithListCacheBytes(0)), so every list is read from SQLite and
// encoded afresh. (It used to rename the project before each request,
// which the cache now knows changes no task.)
func BenchmarkListTasks10kAfresh(b *testing.B) {
	benchList(b, "", server.WithListCacheBytes(0))
}

// BenchmarkListTasks10kGzip is BenchmarkListTasks10k with Accept-Encoding:
// gzip, the body read as sent (not decompressed): the list's gzip is made
// once, so this is what serving it costs.
func BenchmarkListTasks10kGzip(b *testing.B) {
	benchList(b, "gzip")
}

// BenchmarkListTasks10kChangedGzip is BenchmarkListTasks10kChanged with
// Accept-Encoding: gzip: every list is a new version, whose gzip is made
// by compressing the chunk the edit changed.
func BenchmarkListTasks10kChangedGzip(b *testing.B) {
	benchList(b, "edit+gzip")
}

// BenchmarkListTasks10kNotModified is the same request with If-None-Match
// of the list's ETag: 304.
func BenchmarkListTasks10kNotModified(b *testing.B) {
	benchList(b, "etag")
}

// BenchmarkListTasks100k is the list of a project of 100,000 tasks, one
// request at a time, seeded once for its sub-benchmarks: the JSON, its
// gzip, 304, and each after an edit (a new version: the edited task read
// and encoded, the list put back together, and for the gzip the edited
// chunk compressed). Run it with -benchtime 20x or so: seeding takes half
// a minute. The load test over real HTTP with 4 clients is TestListLoad
// (-lanes.listload) in the main package.
func BenchmarkListTasks100k(b *testing.B) {
	e := newTestEnv(b)
	u := e.newUser("bench")
	bd := e.personalBoard(u)
	seedTasks(b, e, u, bd, 100_000)
	for _, change := range []string{"", "gzip", "etag", "edit", "edit+gzip"} {
		name := change
		if name == "" {
			name = "json"
		}
		b.Run(name, func(b *testing.B) { benchListOn(b, e, u, bd, change, 100_000) })
	}
}

func benchList(b *testing.B, change string, opts ...server.Option) {
	e := newTestEnv(b, opts...)
	u := e.newUser("bench")
	bd := e.personalBoard(u)
	seedTasks(b, e, u, bd, 10_000)
	benchListOn(b, e, u, bd, change, 10_000)
}

func benchListOn(b *testing.B, e *testEnv, u testUser, bd board, change string, n int) {
	var first []tTask
	e.do(u.Token, "GET", "/api/tasks?projectId="+bd.ProjectID, nil).want(b, 200, &first)
	if len(first) != n {
		b.Fatalf("listed %d tasks, want %d", len(first), n)
	}
	// The list as sent: no gzip asked for unless the benchmark is of it, and
	// none undone.
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	url := e.srv.URL + "/api/tasks?projectId=" + bd.ProjectID
	etag := e.do(u.Token, "GET", "/api/tasks?projectId="+bd.ProjectID, nil).Header.Get("ETag")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		switch change {
		case "edit", "edit+gzip":
			b.StopTimer()
			e.patchTask(u, first[i%len(first)].ID, map[string]any{"title": fmt.Sprintf("edit %d", i)})
			b.StartTimer()
		}
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+u.Token)
		want := 200
		switch change {
		case "gzip", "edit+gzip":
			req.Header.Set("Accept-Encoding", "gzip")
		case "etag":
			req.Header.Set("If-None-Match", etag)
			want = 304
		}
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			b.Fatalf("status %d, want %d", res.StatusCode, want)
		}
		b.SetBytes(n)
	}
}

// BenchmarkCreateTask is POST /api/tasks, one after another over loopback
// HTTP, each its own transaction. Goal: ≥ 2,000 per second.
func BenchmarkCreateTask(b *testing.B) {
	e := newTestEnv(b)
	u := e.newUser("bench")
	bd := e.personalBoard(u)
	c := e.srv.Client()
	url := e.srv.URL + "/api/tasks"
	col := bd.Columns[0].ID
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := fmt.Sprintf(`{"projectId":%q,"statusId":%q,"title":"task %d","priority":"high"}`, bd.ProjectID, col, i)
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+u.Token)
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 201 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
