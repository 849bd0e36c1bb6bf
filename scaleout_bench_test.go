package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server/store"
)

// The scale-out benchmarks, against the built binary: `lanes serve` on a
// SQLite data directory, and one or more `lanes serve --db` processes over
// one PostgreSQL schema. Run them with
//
//	go test -run '^$' -bench ScaleOut -benchtime 3s .
//
// Each reports, besides its own figures, the CPU the serve processes,
// PostgreSQL's processes (every one on this machine), the benchmark's own
// process (the clients) and everything else on the machine used while it
// ran, as a percentage of one core, and how busy the machine was
// ("host-busy-%", of all its cores): on a small machine that says what the
// curve is limited by, and whether something else was in the way.

// benchTarget is a server to benchmark: its processes, a token of the
// local user, and the local user's Personal project.
type benchTarget struct {
	kind    string // sqlite or postgres
	procs   []*serveProc
	db      string // the SQLite file or the PostgreSQL URL, for seeding
	token   string
	userID  string
	project project
	hc      *http.Client
}

// startTarget starts n processes (1 for SQLite) of kind.
func startTarget(b *testing.B, kind string, n int) *benchTarget {
	b.Helper()
	tg := &benchTarget{kind: kind, hc: httpClient(60 * time.Second)}
	switch kind {
	case "sqlite":
		if n != 1 {
			b.Fatalf("SQLite is one process, not %d", n)
		}
		bin := builtLanes(b)
		p := newServeProc(b, bin, "sqlite", []string{"serve", "--rate-limit", "0"})
		tg.token = strings.TrimSpace(runLanesEnv(b, bin, p.env, "token", "create", "--label", "bench"))
		for _, kv := range p.env {
			if d, ok := strings.CutPrefix(kv, "LANES_DATA="); ok {
				tg.db = filepath.Join(d, "lanes.db")
			}
		}
		p.start()
		tg.procs = []*serveProc{p}
	case "postgres":
		c := newCluster(b, n)
		tg.procs, tg.db = c.procs, c.db
		tg.token = strings.TrimSpace(c.lanes("token", "create", "--label", "bench"))
	default:
		b.Fatalf("no store %q", kind)
	}
	base := tg.procs[0].URL()
	var me struct{ User api.User }
	must(b, tg.hc, "GET", base+"/api/me", tg.token, nil, 200).decode(&me)
	tg.userID = me.User.ID
	var spaces []api.Space
	must(b, tg.hc, "GET", base+"/api/spaces", tg.token, nil, 200).decode(&spaces)
	var ps []api.Project
	must(b, tg.hc, "GET", base+"/api/projects?spaceId="+spaces[0].ID, tg.token, nil, 200).decode(&ps)
	var sts []api.Status
	must(b, tg.hc, "GET", base+"/api/statuses?projectId="+ps[0].ID, tg.token, nil, 200).decode(&sts)
	tg.project = project{id: ps[0].ID, space: ps[0].SpaceID}
	for _, st := range sts {
		tg.project.columns = append(tg.project.columns, st.ID)
		if st.IsDone {
			tg.project.done = st.ID
		}
	}
	return tg
}

func (tg *benchTarget) pids() []int {
	var out []int
	for _, p := range tg.procs {
		if p.running() {
			out = append(out, p.cmd.Process.Pid)
		}
	}
	return out
}

// seed puts n tasks into the project straight through the store, spread
// over its columns, and returns their ids. (The processes see them: the
// change log moved on.)
func (tg *benchTarget) seed(b *testing.B, n int) []string {
	b.Helper()
	ctx := context.Background()
	st, err := store.OpenDB(ctx, tg.db)
	if err != nil {
		b.Fatalf("open the %s store to seed it: %v", tg.kind, err)
	}
	defer st.Close()
	var ids []string
	for done := 0; done < n; {
		err := st.Write(ctx, func(tx *store.Tx) error {
			for k := 0; k < 1000 && done+k < n; k++ {
				i := done + k
				col := tg.project.columns[i%(len(tg.project.columns)-1)]
				desc := "a task of the benchmark"
				t := &store.Task{ProjectID: tg.project.id, SpaceID: tg.project.space, StatusID: &col, Title: fmt.Sprintf("task %d", i),
					Description: &desc, Priority: "medium", CreatorID: tg.userID}
				if err := tx.CreateTask(t); err != nil {
					return err
				}
				ids = append(ids, t.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatalf("seed tasks: %v", err)
		}
		done = len(ids)
	}
	return ids
}

// percentile is the p-th percentile (0–100) of ds, in milliseconds.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return float64(s[i]) / float64(time.Millisecond)
}

// cpuMeter measures the CPU time processes use over a stretch.
type cpuMeter struct {
	serve               []int
	wall                time.Time
	serveT, selfT       float64            // seconds
	pg                  map[string]float64 // PostgreSQL's processes: seconds so far, by pid
	hostBusy, hostTotal float64            // clock ticks
}

// clockTicks is Linux's USER_HZ, the unit of /proc's CPU times.
const clockTicks = 100

func startCPU(serve []int) *cpuMeter {
	m := &cpuMeter{serve: serve}
	m.serveT, m.selfT, m.pg = m.sample()
	m.hostBusy, m.hostTotal = hostCPU()
	m.wall = time.Now()
	return m
}

func (m *cpuMeter) sample() (serve, self float64, pg map[string]float64) {
	for _, pid := range m.serve {
		serve += procCPU(strconv.Itoa(pid))
	}
	pg = map[string]float64{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if comm, err := os.ReadFile("/proc/" + e.Name() + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			pg[e.Name()] = procCPU(e.Name())
		}
	}
	return serve, procCPU("self"), pg
}

// procCPU is a process's user and system time so far, in seconds.
func procCPU(pid string) float64 {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks
}

// hostCPU is the machine's busy and total CPU time so far, in ticks.
func hostCPU() (busy, total float64) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseFloat(f, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

// report adds the CPU used since startCPU to b's metrics.
func (m *cpuMeter) report(b *testing.B) {
	wall := time.Since(m.wall).Seconds()
	serve, self, pgNow := m.sample()
	busy, total := hostCPU()
	// A PostgreSQL process that ended meanwhile is not counted; one that
	// started is counted whole.
	var pg float64
	for pid, t := range pgNow {
		pg += t - m.pg[pid]
	}
	serve, self = 100*(serve-m.serveT)/wall, 100*(self-m.selfT)/wall
	pg = 100 * pg / wall
	b.ReportMetric(serve, "serve-cpu-%")
	b.ReportMetric(pg, "pg-cpu-%")
	b.ReportMetric(self, "bench-cpu-%")
	if total > m.hostTotal {
		b.ReportMetric(100*(busy-m.hostBusy)/(total-m.hostTotal), "host-busy-%")
		// Whatever else ran on the machine meanwhile (other tests, say).
		b.ReportMetric(max(0, 100*(busy-m.hostBusy)/clockTicks/wall-serve-pg-self), "other-cpu-%")
	}
}

// run does b.N operations from clients goroutines, op(i) for i in [0, N),
// and reports ops per second under unit.
func runClients(b *testing.B, clients int, unit string, op func(i int) error) {
	b.Helper()
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		first atomic.Value
	)
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N || first.Load() != nil {
					return
				}
				if err := op(i); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	if err, _ := first.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), unit)
}

// BenchmarkScaleOutCreates: POST /api/tasks (with an Idempotency-Key, as
// the board sends it) from 1 and from 16 concurrent clients, against one
// process on SQLite, one on PostgreSQL, and three on PostgreSQL (the
// clients' requests spread over them by turns). Reports creates/s.
func BenchmarkScaleOutCreates(b *testing.B) {
	for _, target := range []struct {
		name, kind string
		procs      int
	}{{"sqlite", "sqlite", 1}, {"postgres", "postgres", 1}, {"postgres-3procs", "postgres", 3}} {
		b.Run(target.name, func(b *testing.B) {
			tg := startTarget(b, target.kind, target.procs)
			for _, clients := range []int{1, 16} {
				b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
					cpu := startCPU(tg.pids())
					b.ResetTimer()
					runClients(b, clients, "creates/s", func(i int) error {
						base := tg.procs[i%len(tg.procs)].URL()
						a, _, err := writeOnce(context.Background(), tg.hc, func() string { return base }, "POST", "/api/tasks", tg.token,
							map[string]any{"projectId": tg.project.id, "title": fmt.Sprintf("bench %d/%d", b.N, i)})
						if err == nil && a.status != 201 {
							err = fmt.Errorf("create: %s", a)
						}
						return err
					})
					b.StopTimer()
					cpu.report(b)
				})
			}
		})
	}
}

// BenchmarkScaleOutList10k: GET /api/tasks of a project of 10,000 tasks,
// read whole, on SQLite and on PostgreSQL; p50 and p99 in milliseconds.
// unchanged: nothing changed since the last list (a board reloading);
// edited: one task edited before each list (outside the timer), so the
// cached list is patched; afresh: the project renamed before each list, a
// change that makes the server read and encode the whole list again.
func BenchmarkScaleOutList10k(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			tg := startTarget(b, kind, 1)
			ids := tg.seed(b, 10_000)
			base := tg.procs[0].URL()
			u := base + "/api/tasks?projectId=" + tg.project.id
			var first []json.RawMessage
			must(b, tg.hc, "GET", u, tg.token, nil, 200).decode(&first)
			if len(first) != 10_000 {
				b.Fatalf("listed %d tasks, want 10000", len(first))
			}
			for _, change := range []string{"unchanged", "edited", "afresh"} {
				b.Run(change, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					cpu := startCPU(tg.pids())
					b.ResetTimer()
					for i := range b.N {
						switch change {
						case "edited":
							b.StopTimer()
							must(b, tg.hc, "PATCH", base+"/api/tasks/"+ids[i%len(ids)], tg.token, map[string]any{"title": fmt.Sprintf("edit %d", i)}, 200)
							b.StartTimer()
						case "afresh":
							b.StopTimer()
							must(b, tg.hc, "PATCH", base+"/api/projects/"+tg.project.id, tg.token, map[string]any{"name": fmt.Sprintf("General %d", i)}, 200)
							b.StartTimer()
						}
						start := time.Now()
						req, _ := http.NewRequest("GET", u, nil)
						req.Header.Set("Authorization", "Bearer "+tg.token)
						res, err := tg.hc.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						n, err := io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if err != nil || res.StatusCode != 200 || n < 1<<20 {
							b.Fatalf("list: %d, %d bytes, %v", res.StatusCode, n, err)
						}
						lat = append(lat, time.Since(start))
					}
					b.StopTimer()
					b.ReportMetric(percentile(lat, 50), "p50-ms")
					b.ReportMetric(percentile(lat, 99), "p99-ms")
					cpu.report(b)
				})
			}
		})
	}
}

// fanWait is one write the fan-out benchmark waits to reach every
// subscriber.
type fanWait struct {
	sent time.Time
	left atomic.Int64
	done chan struct{}
	mu   sync.Mutex
	lat  []time.Duration
}

// BenchmarkScaleOutFanout: 3 processes over PostgreSQL, 100 feed
// subscribers on each (300), one writer. Each operation is one task
// created (on the processes by turns) and heard by all 300; the latency is
// from just before the POST to each subscriber reading the event. Reports
// p50, p99 and the largest, and the POST's own p50.
func BenchmarkScaleOutFanout(b *testing.B) {
	const perProc = 100
	tg := startTarget(b, "postgres", 3)
	var (
		mu      sync.Mutex
		waiting = map[string]*fanWait{}
	)
	var subs []*subscriber
	for i := range 3 * perProc {
		p := i % 3
		s := subscribe(b, fmt.Sprintf("subscriber %d on p%d", i, p), tg.token, tg.project.space, []string{tg.procs[p].URL()}, 0)
		s.hear(func(e feedEvent) {
			if e.kind != "task.created" {
				return
			}
			var k struct{ Title string }
			if json.Unmarshal(e.data, &k) != nil {
				return
			}
			mu.Lock()
			w := waiting[k.Title]
			mu.Unlock()
			if w == nil {
				return
			}
			w.mu.Lock()
			w.lat = append(w.lat, e.at.Sub(w.sent))
			w.mu.Unlock()
			if w.left.Add(-1) == 0 {
				close(w.done)
			}
		})
		subs = append(subs, s)
	}
	for _, s := range subs {
		s.waitConnected(b)
	}
	b.Run(fmt.Sprintf("subscribers=%d", 3*perProc), func(b *testing.B) {
		var all, acks []time.Duration
		cpu := startCPU(tg.pids())
		b.ResetTimer()
		for i := range b.N {
			title := fmt.Sprintf("fan %d/%d", b.N, i)
			w := &fanWait{done: make(chan struct{})}
			w.left.Store(int64(len(subs)))
			mu.Lock()
			waiting[title] = w
			mu.Unlock()
			w.sent = time.Now()
			must(b, tg.hc, "POST", tg.procs[i%3].URL()+"/api/tasks", tg.token, map[string]any{"projectId": tg.project.id, "title": title}, 201)
			acks = append(acks, time.Since(w.sent))
			select {
			case <-w.done:
			case <-time.After(30 * time.Second):
				b.Fatalf("%q reached %d of %d subscribers in 30 s", title, int64(len(subs))-w.left.Load(), len(subs))
			}
			w.mu.Lock()
			all = append(all, w.lat...)
			w.mu.Unlock()
			mu.Lock()
			delete(waiting, title)
			mu.Unlock()
		}
		b.StopTimer()
		b.ReportMetric(percentile(all, 50), "p50-ms")
		b.ReportMetric(percentile(all, 99), "p99-ms")
		b.ReportMetric(percentile(all, 100), "max-ms")
		b.ReportMetric(percentile(acks, 50), "ack-p50-ms")
		cpu.report(b)
	})
}

// BenchmarkScaleOutMixed: requests per second of a mixed load from 32
// clients spread by turns over 1, 2 or 3 processes (straight to them, not
// through a proxy, whose CPU would be the machine's too), over a project
// of 200 tasks: 60% list the project, 20% read one task, 15% edit one,
// 5% create one. SQLite (one process) for comparison.
func BenchmarkScaleOutMixed(b *testing.B) {
	const clients = 32
	mixed := func(b *testing.B, tg *benchTarget, procs int, ids []string) {
		var bases []string
		for _, p := range tg.procs[:procs] {
			bases = append(bases, p.URL())
		}
		cpu := startCPU(tg.pids()[:procs])
		b.ResetTimer()
		runClients(b, clients, "req/s", func(i int) error {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			base := bases[i%len(bases)]
			var (
				a   answer
				err error
			)
			ctx := context.Background()
			switch r := rng.IntN(100); {
			case r < 60:
				a, err = send(ctx, tg.hc, "GET", base+"/api/tasks?projectId="+tg.project.id, tg.token, "", nil)
			case r < 80:
				a, err = send(ctx, tg.hc, "GET", base+"/api/tasks/"+ids[rng.IntN(len(ids))], tg.token, "", nil)
			case r < 95:
				a, err = send(ctx, tg.hc, "PATCH", base+"/api/tasks/"+ids[rng.IntN(len(ids))], tg.token, newKey(),
					map[string]any{"priority": []string{"low", "medium", "high"}[rng.IntN(3)]})
			default:
				a, err = send(ctx, tg.hc, "POST", base+"/api/tasks", tg.token, newKey(), map[string]any{"projectId": tg.project.id, "title": fmt.Sprintf("mixed %d", i)})
			}
			if err == nil && a.status >= 300 {
				err = fmt.Errorf("%s", a)
			}
			return err
		})
		b.StopTimer()
		cpu.report(b)
	}
	b.Run("sqlite", func(b *testing.B) {
		tg := startTarget(b, "sqlite", 1)
		ids := tg.seed(b, 200)
		b.Run("procs=1", func(b *testing.B) { mixed(b, tg, 1, ids) })
	})
	b.Run("postgres", func(b *testing.B) {
		tg := startTarget(b, "postgres", 3)
		ids := tg.seed(b, 200)
		for procs := 1; procs <= 3; procs++ {
			b.Run(fmt.Sprintf("procs=%d", procs), func(b *testing.B) { mixed(b, tg, procs, ids) })
		}
	})
}
