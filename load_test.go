package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
)

var (
	loadRun      = flag.Bool("lanes.load", false, "run the SSH load test at full size (1,000 sessions on a 1,000-card board; a few minutes)")
	loadSessions = flag.Int("lanes.sessions", 1000, "sessions for the full SSH load test")
	loadCards    = flag.Int("lanes.cards", 1000, "cards on the board of the full SSH load test")
	loadBefore   = flag.String("lanes.ssh-before", "", "another lanes binary (an older build) for the SSH load test to measure the same way in the same run")
)

// watcher is a session's output, watched for text: it notes when each
// wanted string first went by, without keeping a screen.
type watcher struct {
	mu   sync.Mutex
	tail []byte
	want map[string]time.Time // zero until seen
	// last is when anything last arrived; first, when the first bytes
	// after the latest mark did (zero until they do).
	last, first time.Time
	marked      bool
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
	w.last = now
	if w.marked && w.first.IsZero() {
		w.first = now
	}
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

// mark starts waiting for the next bytes (see firstAfter).
func (w *watcher) mark() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.marked, w.first = true, time.Time{}
}

// firstAfter is when the first bytes after the mark arrived (zero until
// they have).
func (w *watcher) firstAfter() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.first
}

// quietFor is how long nothing has arrived.
func (w *watcher) quietFor() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return time.Since(w.last)
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
	cmd, addr, _ := startProcLog(t, bin, re, args...)
	return cmd, addr
}

// startProcLog is startProc, with what the process says.
func startProcLog(t *testing.T, bin string, re string, args ...string) (*exec.Cmd, string, *testenv.SyncBuffer) {
	t.Helper()
	log := &testenv.SyncBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Stderr, cmd.Stdout = log, log
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
			return cmd, m[1], log
		}
	}
	t.Fatalf("%v never said %s:\n%s", args, re, log.String())
	return nil, "", nil
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

// fdCount is how many files the process has open.
func fdCount(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// sshLoad is what one lanes binary's SSH host measured.
type sshLoad struct {
	sessions, cards int
	drawn           time.Duration // until every session showed the board, synced
	drawnCount      int           // how many did, if not all within drawWithin
	rssBefore       float64       // MB, with no session
	rssPer, fdPer   float64       // MB and files per session
	fdBefore, fdAll int
	keys            []time.Duration // key written → first bytes of its frame, one session, the others idle
	fanout          []time.Duration // PATCH through the API → on every session's terminal
}

// TestSSHLoad opens SSH sessions of one person on one board served by
// `lanes ssh --server` in front of `lanes serve`, both the built binary,
// and checks a PATCH through the API reaches every board's terminal. It
// reports how long the sessions took to be drawn, the ssh process's
// memory and open files per session, the time from a key to its frame in
// one session while the others idle, and the PATCH's latency to the
// terminals. By default 5 sessions on 50 cards; -lanes.load -v runs 1,000
// on 1,000 (-lanes.sessions, -lanes.cards), and -lanes.ssh-before=BIN
// measures an older build the same way in the same run, side by side.
func TestSSHLoad(t *testing.T) {
	n, cards, rounds, keys := 5, 50, 3, 10
	if *loadRun {
		n, cards, rounds, keys = *loadSessions, *loadCards, 5, 60
	}
	// Each session is a connection here and there, and (before sessions
	// shared their board) up to 9 files in lanes ssh; lanes serve holds a
	// feed per board. Go raises the soft limit to the hard one; lanes
	// does the same in its own processes.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if need := uint64(12*n + 256); lim.Cur < need {
		lim.Cur = min(need, lim.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < need {
			t.Fatalf("%d sessions need %d open files; the limit is %d (raise ulimit -n): %v", n, need, lim.Cur, err)
		}
	}
	bins := []struct{ name, bin string }{{"this build", builtLanes(t)}}
	if *loadBefore != "" {
		bins = append(bins, struct{ name, bin string }{"before", *loadBefore})
	}
	got := make([]sshLoad, len(bins))
	for i, b := range bins {
		t.Run(strings.ReplaceAll(b.name, " ", "_"), func(t *testing.T) {
			// An older build that can't draw them all is measured as far
			// as it gets; this one must.
			got[i] = measureSSHLoad(t, b.bin, n, cards, rounds, keys, i == 0)
		})
	}
	pct := func(d []time.Duration, p float64) string {
		if len(d) == 0 {
			return "-"
		}
		s := slices.Clone(d)
		slices.Sort(s)
		return s[min(len(s)-1, int(float64(len(s))*p))].Round(100 * time.Microsecond).String()
	}
	t.Logf("%d sessions of one person on a board of %d cards:", n, cards)
	t.Logf("%-12s %10s %12s %10s %10s %12s %12s %12s %12s", "", "drawn", "RSS/session", "fd/session", "fds", "key p50", "key p90", "PATCH p50", "PATCH p99")
	for i, b := range bins {
		g := got[i]
		drawn := g.drawn.Round(time.Millisecond).String()
		if g.drawnCount < g.sessions {
			drawn = fmt.Sprintf("%d/%d in %s", g.drawnCount, g.sessions, g.drawn.Round(time.Second))
		}
		t.Logf("%-12s %10s %9.2f MB %10.2f %10s %12s %12s %12s %12s", b.name, drawn, g.rssPer, g.fdPer,
			fmt.Sprintf("%d→%d", g.fdBefore, g.fdAll), pct(g.keys, 0.5), pct(g.keys, 0.9), pct(g.fanout, 0.5), pct(g.fanout, 0.99))
	}
}

// drawWithin is how long the sessions of the SSH load test have to be
// drawn.
const drawWithin = 5 * time.Minute

// measureSSHLoad serves a board of cards cards with bin (lanes serve,
// and lanes ssh --server in front of it), opens n sessions of one person
// on it and measures them (see TestSSHLoad). Unless strict, sessions not
// drawn within drawWithin are counted, and the rest measured.
func measureSSHLoad(t *testing.T, bin string, n, cards, rounds, keys int, strict bool) sshLoad {
	ctx := context.Background()
	dir := t.TempDir()
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
	cols, err := c.Statuses(ctx, project.ID)
	if err != nil || len(cols) < 2 {
		t.Fatalf("the project's columns: %v (%d)", err, len(cols))
	}
	// The card whose title changes stands alone in the first column, where
	// every session shows it; the rest fill the other columns.
	task, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: project.ID, Title: "fanout-0", StatusID: &cols[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	fill := make(chan int)
	var fillErr error
	var fillOnce sync.Once
	var fillers sync.WaitGroup
	for range 8 {
		fillers.Add(1)
		go func() {
			defer fillers.Done()
			for i := range fill {
				col := cols[1+i%(len(cols)-1)].ID
				desc := strings.Repeat(fmt.Sprintf("What card %d is about, as a person would write it. ", i), 3)
				_, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: project.ID, Title: fmt.Sprintf("Card %04d of the load test's board", i), StatusID: &col,
					Description: &desc})
				if err != nil {
					fillOnce.Do(func() { fillErr = err })
				}
			}
		}()
	}
	for i := 1; i < cards; i++ {
		fill <- i
	}
	close(fill)
	fillers.Wait()
	if fillErr != nil {
		t.Fatal(fillErr)
	}

	key := testenv.NewKey(t)
	os.MkdirAll(sshData, 0o700)
	line := fmt.Sprintf("environment=\"LANES_TOKEN=%s\" %s load\n", token, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key.PublicKey()))))
	if err := os.WriteFile(filepath.Join(sshData, "authorized_keys"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	sshProc, addr, sshLog := startProcLog(t, bin, `lanes ssh serving" addr=(\S+)`, "--data", sshData, "ssh", "--addr", "127.0.0.1:0", "--server", url,
		"--max-sessions", strconv.Itoa(max(n, 1000)))
	raw, err := os.ReadFile(filepath.Join(sshData, "ssh_host_ed25519_key"))
	if err != nil {
		t.Fatal(err)
	}
	hk, err := gossh.ParsePrivateKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	pid := sshProc.Process.Pid
	res := sshLoad{sessions: n, cards: cards, fdBefore: fdCount(t, pid)}
	before := rssKB(t, pid)
	res.rssBefore = float64(before) / 1024

	watchers := make([]*watcher, n)
	stdins := make([]io.Writer, n)
	stderrs := make([]*testenv.SyncBuffer, n)
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
				HostKeyCallback: gossh.FixedHostKey(hk.PublicKey()), Timeout: 60 * time.Second})
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
			stderrs[i] = &testenv.SyncBuffer{}
			sess.Stderr = stderrs[i]
			stdin, _ := sess.StdinPipe()
			stdins[i] = stdin
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
					t.Fatalf("session %d never showed %q; it said %q", i, what, stderrs[i].String())
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	drawnBy := func(deadline time.Time) int {
		for {
			drawn, why := 0, ""
			for i, w := range watchers {
				if !w.at("fanout-0").IsZero() && !w.at("synced").IsZero() {
					drawn++
				} else if why == "" {
					why = fmt.Sprintf("session %d said %q", i, stderrs[i].String())
				}
			}
			if drawn == n || time.Now().After(deadline) {
				if drawn < n {
					t.Logf("%d of %d sessions drawn within %s; %s", drawn, n, drawWithin, why)
				}
				return drawn
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if strict {
		waitAll("fanout-0", drawWithin)
		waitAll("synced", drawWithin)
		res.drawnCount = n
	} else {
		res.drawnCount = drawnBy(began.Add(drawWithin))
	}
	res.drawn = time.Since(began)
	t.Logf("%d sessions open, %d drawn in %s", n, res.drawnCount, res.drawn.Round(time.Millisecond))
	// The rest are measured on the sessions drawn.
	var drawn []int
	for i, w := range watchers {
		if !w.at("fanout-0").IsZero() && !w.at("synced").IsZero() {
			drawn = append(drawn, i)
		}
	}
	if len(drawn) == 0 {
		t.Fatal("no session was drawn")
	}
	first := drawn[0]
	kept, keptErr := make([]*watcher, 0, len(drawn)), make([]*testenv.SyncBuffer, 0, len(drawn))
	for _, i := range drawn {
		kept, keptErr = append(kept, watchers[i]), append(keptErr, stderrs[i])
	}
	watchers, stderrs = kept, keptErr
	time.Sleep(2 * time.Second)
	after := rssKB(t, pid)
	res.fdAll = fdCount(t, pid)
	res.rssPer = float64(after-before) / 1024 / float64(n)
	res.fdPer = float64(res.fdAll-res.fdBefore) / float64(n)
	t.Logf("lanes ssh RSS: %.1f MB before, %.1f MB with %d sessions: %.2f MB per session; open files %d before, %d with them: %.2f per session",
		float64(before)/1024, float64(after)/1024, n, res.rssPer, res.fdBefore, res.fdAll, res.fdPer)

	// A key in the first session while the others idle: the time from
	// writing it to the first bytes of the frame it changes (the focus
	// moving a column right, then back).
	w0 := watchers[0]
	in0 := stdins[first]
	for i := range keys {
		for w0.quietFor() < 150*time.Millisecond {
			time.Sleep(10 * time.Millisecond)
		}
		w0.mark()
		sent := time.Now()
		if _, err := io.WriteString(in0, []string{"l", "h"}[i%2]); err != nil {
			t.Fatal(err)
		}
		for deadline := sent.Add(10 * time.Second); w0.firstAfter().IsZero(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				// What lanes ssh is doing: Go's dump of its goroutines.
				sshProc.Process.Signal(syscall.SIGQUIT)
				sshProc.Wait()
				os.WriteFile(filepath.Join(os.TempDir(), "lanes-ssh-load.log"), []byte(sshLog.String()), 0o600)
				t.Fatalf("key %d: no frame within 10 s; lanes ssh's log is in %s", i, filepath.Join(os.TempDir(), "lanes-ssh-load.log"))
			}
		}
		res.keys = append(res.keys, w0.firstAfter().Sub(sent))
	}

	for round := 1; round <= rounds; round++ {
		title := fmt.Sprintf("fanout-%d", round)
		for _, w := range watchers {
			w.expect(title)
		}
		sent := time.Now()
		if _, err := c.UpdateTask(ctx, task.ID, api.TaskPatch{Title: api.Set(title)}); err != nil {
			t.Fatal(err)
		}
		waitAll(title, 2*time.Minute)
		for _, w := range watchers {
			res.fanout = append(res.fanout, w.at(title).Sub(sent))
		}
		time.Sleep(300 * time.Millisecond)
	}
	return res
}
