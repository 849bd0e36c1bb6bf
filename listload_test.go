package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

var (
	listLoad      = flag.Bool("lanes.listload", false, "run the task-list load test at full size: 10,000 and 100,000 tasks over real HTTP (several minutes)")
	listLoadBins  = flag.String("lanes.listload.bins", "", "lanes binaries to measure side by side, comma-separated, each name=path or a path (default: this tree's, built)")
	listLoadSizes = flag.String("lanes.listload.sizes", "10000,100000", "project sizes the full list load test seeds, comma-separated")
	listLoadReqs  = flag.Int("lanes.listload.requests", 20, "requests per client for each figure of the full list load test")
)

// loadClients is how many clients read at once, as hey -c4 did.
const loadClients = 4

// listFigures are one binary's figures for one project size.
type listFigures struct {
	cold                     time.Duration // the first GET after start
	identity, gzip, notMod   []time.Duration
	afterWrite               []time.Duration // a gzip GET right after a write
	identityBytes, gzipBytes int64
	etag                     bool
	rssMB                    float64 // the serve process's resident memory at the end
}

// TestListLoad lists one project of the built lanes serve over real HTTP
// with 4 clients at once, as the issue measured it with hey -c4: the
// whole list (JSON, then with Accept-Encoding: gzip), If-None-Match of its
// ETag (304), and a gzip list read right after each of a run of writes
// (every one a new version). It reports p50 and p90 of each and the bytes
// on the wire. By default a small project, to keep the harness working;
// with -lanes.listload -v, 10,000 and 100,000 tasks, and with
// -lanes.listload.bins before=/tmp/lanes-before,after=/tmp/lanes-after
// the same database through several builds in one run.
func TestListLoad(t *testing.T) {
	sizes, reqs := []int{300}, 3
	if *listLoad {
		sizes, reqs = nil, *listLoadReqs
		for _, s := range strings.Split(*listLoadSizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				t.Fatalf("-lanes.listload.sizes: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	type bin struct{ name, path string }
	var bins []bin
	if *listLoadBins == "" {
		bins = []bin{{"this tree", builtLanes(t)}}
	} else {
		for _, b := range strings.Split(*listLoadBins, ",") {
			name, path, ok := strings.Cut(b, "=")
			if !ok {
				name, path = filepath.Base(b), b
			}
			bins = append(bins, bin{name, path})
		}
	}
	for _, n := range sizes {
		data := filepath.Join(t.TempDir(), "data")
		start := time.Now()
		token, projectID := seedListLoad(t, data, n)
		t.Logf("%d tasks seeded in %v", n, time.Since(start).Round(time.Millisecond))
		for _, b := range bins {
			f := measureList(t, b.path, data, token, projectID, reqs)
			ms := func(ds []time.Duration, p float64) string { return fmt.Sprintf("%.1f", percentile(ds, p)) }
			notMod := "no ETag"
			if f.etag {
				notMod = fmt.Sprintf("p50 %s p90 %s ms", ms(f.notMod, 50), ms(f.notMod, 90))
			}
			t.Logf("%d tasks, %s: first GET %v; GET ×%d clients: JSON p50 %s p90 %s ms (%.1f MB); gzip p50 %s p90 %s ms (%.2f MB on the wire); "+
				"304 %s; gzip GET after a write p50 %s p90 %s ms; serve's memory %.0f MB",
				n, b.name, f.cold.Round(time.Millisecond), loadClients, ms(f.identity, 50), ms(f.identity, 90), float64(f.identityBytes)/1e6,
				ms(f.gzip, 50), ms(f.gzip, 90), float64(f.gzipBytes)/1e6, notMod, ms(f.afterWrite, 50), ms(f.afterWrite, 90), f.rssMB)
		}
	}
}

// seedListLoad makes a data directory whose local user's Personal project
// holds n tasks, as the list benchmarks make them, straight through the
// store; it returns a token of that user and the project's id.
func seedListLoad(t *testing.T, data string, n int) (token, projectID string) {
	t.Helper()
	ctx := context.Background()
	st, u, err := local.OpenStore(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var (
		spaceID string
		cols    []store.Status
	)
	err = st.Read(ctx, func(tx *store.Tx) error {
		spaces, err := tx.SpacesForUser(u.ID)
		if err != nil {
			return err
		}
		for _, sp := range spaces {
			if sp.IsPersonal {
				spaceID = sp.ID
			}
		}
		projects, err := tx.Projects(spaceID, false)
		if err != nil || len(projects) == 0 {
			return fmt.Errorf("the Personal space's projects: %v (%d)", err, len(projects))
		}
		projectID = projects[0].ID
		cols, err = tx.Statuses(projectID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	desc := "a task of the benchmark"
	for done := 0; done < n; done += 10_000 {
		err := st.Write(ctx, func(tx *store.Tx) error {
			for i := done; i < min(n, done+10_000); i++ {
				col := cols[i%len(cols)].ID
				k := &store.Task{ProjectID: projectID, SpaceID: spaceID, StatusID: &col, Title: fmt.Sprintf("task %d", i),
					Description: &desc, Priority: "medium", CreatorID: u.ID}
				if err := tx.CreateTask(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("seed %d tasks: %v", n, err)
		}
	}
	token, _, err = server.IssueToken(ctx, st, u.ID, "list load")
	if err != nil {
		t.Fatal(err)
	}
	return token, projectID
}

// measureList starts bin's lanes serve on data and takes its figures.
func measureList(t *testing.T, bin, data, token, projectID string, reqs int) listFigures {
	t.Helper()
	proc, url := startProc(t, bin, `url=(http://\S+)/api`, "--data", data, "serve", "--addr", "127.0.0.1:0", "--rate-limit", "0")
	defer stopProc(t, proc)
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: loadClients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Minute}
	list := url + "/api/tasks?projectId=" + projectID
	// get sends one GET of the list; with keep, it returns the body, else
	// it reads it to nothing, as hey does.
	get := func(keep bool, headers ...string) (*http.Response, []byte, time.Duration, error) {
		req, err := http.NewRequest("GET", list, nil)
		if err != nil {
			return nil, nil, 0, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		start := time.Now()
		res, err := hc.Do(req)
		if err != nil {
			return nil, nil, 0, err
		}
		var body []byte
		if keep {
			body, err = io.ReadAll(res.Body)
		} else {
			_, err = io.Copy(io.Discard, res.Body)
		}
		res.Body.Close()
		took := time.Since(start)
		if err == nil && res.StatusCode != 200 && res.StatusCode != 304 {
			err = fmt.Errorf("GET %s: %d %s", list, res.StatusCode, body)
		}
		return res, body, took, err
	}
	var f listFigures
	res, plain, took, err := get(true)
	if err != nil {
		t.Fatal(err)
	}
	f.cold, f.identityBytes = took, int64(len(plain))
	etag := res.Header.Get("ETag")
	f.etag = etag != ""
	// The gzip (where the server makes one) is the list.
	res, zipped, _, err := get(true, "Accept-Encoding", "gzip")
	if err != nil {
		t.Fatal(err)
	}
	f.gzipBytes = int64(len(zipped))
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatal(err)
		}
		if un, err := io.ReadAll(zr); err != nil || !bytes.Equal(un, plain) {
			t.Fatalf("the gzip list does not decompress to the list (%v)", err)
		}
	}
	together := func(headers ...string) []time.Duration {
		var (
			mu  sync.Mutex
			out []time.Duration
			wg  sync.WaitGroup
		)
		for range loadClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range reqs {
					_, _, took, err := get(false, headers...)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					out = append(out, took)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return out
	}
	f.identity = together()
	f.gzip = together("Accept-Encoding", "gzip")
	if f.etag {
		if res, body, _, err := get(true, "If-None-Match", etag); err != nil || res.StatusCode != 304 || len(body) != 0 {
			t.Fatalf("If-None-Match its ETag: %v %v", err, res)
		}
		f.notMod = together("If-None-Match", etag)
	}
	// A write, then readers: every list read is of a new version.
	var tasks []struct{ ID string }
	if err := json.Unmarshal(plain, &tasks); err != nil || len(tasks) == 0 {
		t.Fatalf("the list: %v", err)
	}
	for i := range reqs {
		body := fmt.Sprintf(`{"title":"edited %d %d"}`, time.Now().UnixNano(), i)
		req, _ := http.NewRequest("PATCH", url+"/api/tasks/"+tasks[(i*7919)%len(tasks)].ID, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("PATCH: %d", res.StatusCode)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range loadClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, took, err := get(false, "Accept-Encoding", "gzip")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				f.afterWrite = append(f.afterWrite, took)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	f.rssMB = float64(rssKB(t, proc.Process.Pid)) / 1024
	return f
}

// stopProc stops a process startProc started, before the test ends (its
// cleanup then finds it gone).
func stopProc(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Errorf("%v did not stop within 30 s of SIGINT", cmd.Args)
	}
}
