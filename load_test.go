package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
)

var (
	loadRun      = flag.Bool("lanes.load", false, "run the SSH load test at full size (200 sessions, 20 rounds; about a minute)")
	loadSessions = flag.Int("lanes.sessions", 200, "sessions for the full SSH load test")
)

// watcher is a session's output, watched for text: it notes when each
// wanted string first went by, without keeping a screen.
type watcher struct {
	mu   sync.Mutex
	tail []byte
	want map[string]time.Time // zero until seen
}

func newWatcher() *watcher {
	return &watcher{want: map[string]time.Time{}}
}

func (w *watcher) expect(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.want[s] = time.Time{}
}

func (w *watcher) Write(p []byte) (int, error) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tail = append(w.tail, p...)
	for s, at := range w.want {
		if at.IsZero() && strings.Contains(string(w.tail), s) {
			w.want[s] = now
		}
	}
	if len(w.tail) > 256 {
		w.tail = append(w.tail[:0], w.tail[len(w.tail)-256:]...)
	}
	return len(p), nil
}

func (w *watcher) at(s string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.want[s]
}

// startProc runs the built lanes with args and returns the address its log
// names (re, first group) once it says it.
func startProc(t *testing.T, bin string, re string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	var log testenv.SyncBuffer
	cmd := exec.Command(bin, args...)
	cmd.Stderr, cmd.Stdout = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("%v did not stop within 30 s of SIGINT; it said:\n%s", args, log.String())
		}
	})
	rx := regexp.MustCompile(re)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := rx.FindStringSubmatch(log.String()); m != nil {
			return cmd, m[1]
		}
	}
	t.Fatalf("%v never said %s:\n%s", args, re, log.String())
	return nil, ""
}

func rssKB(t *testing.T, pid int) int {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestSSHLoad opens SSH sessions on one board served by `lanes ssh
// --server` in front of `lanes serve`, both the built binary, and checks a
// PATCH through the API reaches every board's terminal. It reports the ssh
// process's memory per session and the PATCH's latency to the terminals.
// By default 5 sessions; -lanes.load -v runs 200 (-lanes.sessions N).
func TestSSHLoad(t *testing.T) {
	n, rounds := 5, 3
	if *loadRun {
		n, rounds = *loadSessions, 20
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := builtLanes(t)
	serveData, sshData := filepath.Join(dir, "serve"), filepath.Join(dir, "ssh")
	_, url := startProc(t, bin, `url=(http://\S+)/api`, "--data", serveData, "serve", "--addr", "127.0.0.1:0", "--rate-limit", "0")
	tok, err := exec.Command(bin, "--data", serveData, "token", "create", "--label", "load").Output()
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(tok))
	c := api.New(url, token)
	_, project, err := launch.Pick(ctx, c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	task, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: project.ID, Title: "fanout-0"})
	if err != nil {
		t.Fatal(err)
	}

	key := testenv.NewKey(t)
	os.MkdirAll(sshData, 0o700)
	line := fmt.Sprintf("environment=\"LANES_TOKEN=%s\" %s load\n", token, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key.PublicKey()))))
	if err := os.WriteFile(filepath.Join(sshData, "authorized_keys"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	sshProc, addr := startProc(t, bin, `lanes ssh serving" addr=(\S+)`, "--data", sshData, "ssh", "--addr", "127.0.0.1:0", "--server", url, "--max-sessions", "1000")
	raw, err := os.ReadFile(filepath.Join(sshData, "ssh_host_ed25519_key"))
	if err != nil {
		t.Fatal(err)
	}
	hk, err := gossh.ParsePrivateKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	before := rssKB(t, sshProc.Process.Pid)

	watchers := make([]*watcher, n)
	began := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		w := newWatcher()
		w.expect("fanout-0")
		w.expect("synced")
		watchers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: "load", Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
				HostKeyCallback: gossh.FixedHostKey(hk.PublicKey()), Timeout: 30 * time.Second})
			if err != nil {
				errs <- err
				return
			}
			t.Cleanup(func() { client.Close() })
			sess, err := client.NewSession()
			if err != nil {
				errs <- err
				return
			}
			sess.RequestPty("xterm-256color", 30, 120, gossh.TerminalModes{})
			sess.Stdout = w
			stdin, _ := sess.StdinPipe()
			t.Cleanup(func() { stdin.Close() })
			if err := sess.Shell(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a session failed: %v", err)
	}
	waitAll := func(what string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for i, w := range watchers {
			for w.at(what).IsZero() {
				if time.Now().After(deadline) {
					t.Fatalf("session %d never showed %q", i, what)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	waitAll("fanout-0", 60*time.Second)
	waitAll("synced", 60*time.Second)
	t.Logf("%d sessions open and drawn in %s", n, time.Since(began).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	after := rssKB(t, sshProc.Process.Pid)
	t.Logf("lanes ssh RSS: %.1f MB before, %.1f MB with %d sessions: %.2f MB per session",
		float64(before)/1024, float64(after)/1024, n, float64(after-before)/1024/float64(n))

	var lat []time.Duration
	for round := 1; round <= rounds; round++ {
		title := fmt.Sprintf("fanout-%d", round)
		for _, w := range watchers {
			w.expect(title)
		}
		sent := time.Now()
		if _, err := c.UpdateTask(ctx, task.ID, api.TaskPatch{Title: api.Set(title)}); err != nil {
			t.Fatal(err)
		}
		waitAll(title, 30*time.Second)
		for _, w := range watchers {
			lat = append(lat, w.at(title).Sub(sent))
		}
		time.Sleep(300 * time.Millisecond)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	t.Logf("PATCH to %d boards' terminals, %d samples: p50 %s, p90 %s, p99 %s, max %s", n, len(lat),
		pct(0.50).Round(100*time.Microsecond), pct(0.90).Round(100*time.Microsecond), pct(0.99).Round(100*time.Microsecond), lat[len(lat)-1].Round(100*time.Microsecond))
}
