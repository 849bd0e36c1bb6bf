package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lanesboard/lanes/internal/pgtest"
)

// The scale-out harness: real `lanes serve` processes (the built binary)
// over one PostgreSQL schema, a round-robin reverse proxy in front of
// them, clients that retry writes under one idempotency key, and feed
// subscribers that follow a space's change log across restarts.

// cluster is n `lanes serve` processes over one fresh PostgreSQL schema,
// and a round-robin proxy in front of them.
type cluster struct {
	t     testing.TB
	bin   string
	db    string // the schema's URL, carrying an application_name of its own
	app   string // that application_name: it finds the processes' connections in pg_stat_activity
	procs []*serveProc
	proxy *rrProxy
}

// newCluster starts n processes over a new schema (rate limit off unless
// args say otherwise) and the proxy. Everything is stopped when t ends.
func newCluster(t testing.TB, n int, args ...string) *cluster {
	t.Helper()
	base := pgtest.URL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("read the schema's URL: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	app := "lanes_scale_" + hex.EncodeToString(b[:])
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	c := &cluster{t: t, bin: builtLanes(t), db: u.String(), app: app}
	// The schema is migrated once, by a first command, so the processes
	// don't all start by waiting on the migration lock.
	c.lanes("user", "list")
	for i := range n {
		p := newServeProc(t, c.bin, fmt.Sprintf("p%d", i), append([]string{"serve", "--db", c.db, "--rate-limit", "0"}, args...))
		c.procs = append(c.procs, p)
	}
	for _, p := range c.procs {
		p.start()
	}
	c.proxy = newRRProxy(t, c.procs)
	return c
}

// lanes runs the built binary on the cluster's database (lanes ARGS --db
// URL) and returns its stdout; a failure fails the test.
func (c *cluster) lanes(args ...string) string {
	c.t.Helper()
	return runLanes(c.t, c.bin, append(args, "--db", c.db)...)
}

// runLanes runs the binary with a home of its own and returns its stdout.
func runLanes(t testing.TB, bin string, args ...string) string {
	t.Helper()
	return runLanesEnv(t, bin, isolatedEnv(t.TempDir()), args...)
}

// runLanesEnv runs the binary in the environment env and returns its
// stdout.
func runLanesEnv(t testing.TB, bin string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("lanes %s: %v\n%s", redactDB(args), err, errOut.String())
	}
	return out.String()
}

// redactDB is args for a message, the database URL left out.
func redactDB(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.HasPrefix(a, "postgres") {
			a = "URL"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// isolatedEnv is this process's environment with every lanes setting
// taken out and the home, XDG directories and lanes' data, config and
// state directories under dir, so a binary never touches the real home.
func isolatedEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LANES_") || strings.HasPrefix(k, "XDG_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	for k, sub := range map[string]string{
		"HOME": "home", "XDG_CONFIG_HOME": "config", "XDG_DATA_HOME": "share", "XDG_STATE_HOME": "state",
		"XDG_CACHE_HOME": "cache", "LANES_DATA": "data", "LANES_STATE": "lanes-state",
	} {
		env = append(env, k+"="+filepath.Join(dir, sub))
	}
	return env
}

// user makes a user with `lanes user create` and a token for them with
// `lanes token create --user`, and returns the user's id and the token.
func (c *cluster) user(name string) (id, token string) {
	c.t.Helper()
	id = strings.TrimSpace(c.lanes("user", "create", name))
	token = strings.TrimSpace(c.lanes("token", "create", "--user", name, "--label", name+"-scale"))
	if !strings.HasPrefix(token, "kt_") {
		c.t.Fatalf("lanes token create printed %q, not a token", token)
	}
	return id, token
}

// token makes another token for a user, labelled label.
func (c *cluster) token(name, label string) string {
	c.t.Helper()
	return strings.TrimSpace(c.lanes("token", "create", "--user", name, "--label", label))
}

// tokenID finds the id of the token labelled label in `lanes token list`.
func (c *cluster) tokenID(label string) string {
	c.t.Helper()
	for _, line := range strings.Split(c.lanes("token", "list"), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[2] == label {
			return f[0]
		}
	}
	c.t.Fatalf("lanes token list shows no token labelled %s", label)
	return ""
}

// pg runs fn on a connection to the cluster's database.
func (c *cluster) pg(fn func(ctx context.Context, conn *pgx.Conn) error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.Base())
	if err != nil {
		c.t.Fatalf("connect to PostgreSQL: %v", err)
	}
	defer conn.Close(context.Background())
	if err := fn(ctx, conn); err != nil {
		c.t.Fatal(err)
	}
}

// serveProc is one `lanes serve` process. It keeps its port across a
// kill and a restart, as a process behind a load balancer would.
type serveProc struct {
	t    testing.TB
	name string
	bin  string
	args []string // without --addr
	env  []string
	addr string // host:port, fixed by the first start
	logs []*procLog

	cmd    *exec.Cmd
	exited chan struct{}
}

var servingURL = regexp.MustCompile(`msg="lanes serving" url=http://(\S+)/api`)

func newServeProc(t testing.TB, bin, name string, args []string) *serveProc {
	p := &serveProc{t: t, name: name, bin: bin, args: args, env: isolatedEnv(t.TempDir())}
	t.Cleanup(p.stop)
	return p
}

// URL is the process's address, http://127.0.0.1:port.
func (p *serveProc) URL() string { return "http://" + p.addr }

// running says whether the process is up.
func (p *serveProc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// start runs the process and waits until it says it is serving. A restart
// takes the same port (tried again for a while if it is not free yet).
func (p *serveProc) start() {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := p.try()
		if err == nil {
			return
		}
		if p.addr == "" || time.Now().After(deadline) || !strings.Contains(err.Error(), "address already in use") {
			p.t.Fatalf("start %s: %v", p.name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *serveProc) try() error {
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	out := &procLog{}
	cmd := exec.Command(p.bin, append(append([]string(nil), p.args...), "--addr", addr)...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	p.cmd, p.exited = cmd, exited
	p.logs = append(p.logs, out)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if m := servingURL.FindStringSubmatch(out.head()); m != nil {
			p.addr = m[1]
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("it exited (%v):\n%s", cmd.ProcessState, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	p.kill()
	return fmt.Errorf("it never said it was serving:\n%s", out.String())
}

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *serveProc) kill() {
	if !p.running() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop ends the process as an operator would (SIGINT) and waits for it.
func (p *serveProc) stop() {
	if !p.running() {
		return
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		p.kill()
		p.t.Errorf("%s did not stop within 15 s of SIGINT; it said:\n%s", p.name, p.log())
	}
}

// log is what the process said, over all its starts.
func (p *serveProc) log() string {
	var b strings.Builder
	for i, l := range p.logs {
		fmt.Fprintf(&b, "--- %s, start %d ---\n%s", p.name, i+1, l.String())
	}
	return b.String()
}

// procLog keeps the start of a process's output (where it says where it
// listens) and its last 64 KiB: the request log of a long run would
// otherwise fill the memory.
type procLog struct {
	mu    sync.Mutex
	first []byte
	last  []byte
	cut   bool
}

const procLogKeep = 64 << 10

func (l *procLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(b)
	if room := 8<<10 - len(l.first); room > 0 {
		k := min(room, len(b))
		l.first = append(l.first, b[:k]...)
		b = b[k:]
	}
	l.last = append(l.last, b...)
	if len(l.last) > 2*procLogKeep {
		l.last = append(l.last[:0], l.last[len(l.last)-procLogKeep:]...)
		l.cut = true
	}
	return n, nil
}

func (l *procLog) head() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.first)
}

func (l *procLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cut {
		return string(l.first) + "\n[…]\n" + string(l.last)
	}
	return string(l.first) + string(l.last)
}

// rrProxy is a round-robin reverse proxy: each request goes to the next
// backend that is up. Server-Sent Events stream through it unbuffered.
// A backend the harness killed is skipped; a request to one that fails is
// answered 502, as a load balancer would.
type rrProxy struct {
	srv      *httptest.Server
	backends []*serveProc
	next     atomic.Uint64
	mu       sync.Mutex
	down     map[*serveProc]bool
	sent     []atomic.Int64 // requests per backend
	// loseEvery, if set, makes the proxy throw away the answer to one
	// write in loseEvery after the backend made it, and answer 502
	// instead: the client can't tell whether the write was done, and
	// its retry may well reach another process.
	loseEvery atomic.Int64
	writes    atomic.Int64
	lost      atomic.Int64
}

func newRRProxy(t testing.TB, backends []*serveProc) *rrProxy {
	p := &rrProxy{backends: backends, down: map[*serveProc]bool{}, sent: make([]atomic.Int64, len(backends))}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     30 * time.Second,
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			i := p.pick()
			p.sent[i].Add(1)
			target, _ := url.Parse(p.backends[i].URL())
			r.SetURL(target)
		},
		ModifyResponse: func(res *http.Response) error {
			if res.Request.Method == http.MethodGet {
				return nil
			}
			if n := p.loseEvery.Load(); n > 0 && p.writes.Add(1)%n == 0 {
				p.lost.Add(1)
				return errors.New("the answer was lost on the way back")
			}
			return nil
		},
		Transport:     tr,
		FlushInterval: -1,
		ErrorLog:      log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, `{"error":%q,"code":"bad_gateway"}`, "the proxy could not reach a backend: "+err.Error())
		},
	}
	p.srv = httptest.NewUnstartedServer(rp)
	p.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	p.srv.Start()
	t.Cleanup(func() {
		// Open feeds would keep Close waiting: cut them first.
		p.srv.CloseClientConnections()
		p.srv.Close()
		tr.CloseIdleConnections()
	})
	return p
}

// URL is the proxy's address.
func (p *rrProxy) URL() string { return p.srv.URL }

// pick is the next backend that is up (or the next one, if none is).
func (p *rrProxy) pick() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.backends)
	start := int(p.next.Add(1) % uint64(n))
	for k := range n {
		i := (start + k) % n
		if !p.down[p.backends[i]] {
			return i
		}
	}
	return start
}

func (p *rrProxy) setDown(b *serveProc, down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down[b] = down
}

// killProc SIGKILLs process i: the proxy stops sending it requests.
func (c *cluster) killProc(i int) {
	c.proxy.setDown(c.procs[i], true)
	c.procs[i].kill()
}

// restartProc starts process i again on its port and puts it back in the
// proxy's rotation.
func (c *cluster) restartProc(i int) {
	c.t.Helper()
	c.procs[i].start()
	c.proxy.setDown(c.procs[i], false)
}

// answer is an HTTP response, read whole.
type answer struct {
	status int
	body   []byte
	header http.Header
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.status, bytes.TrimSpace(a.body)) }

// decode reads the answer's JSON into v.
func (a answer) decode(v any) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		return fmt.Errorf("decode %s: %w", a, err)
	}
	return nil
}

// httpClient is a client for the tests' requests: a pool big enough for
// many concurrent clients, and a bound on each request.
func httpClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     30 * time.Second,
	}}
}

// send makes one request: body (if not nil) as JSON, the token as Bearer,
// key as the Idempotency-Key (if not "").
func send(ctx context.Context, hc *http.Client, method, u, token, key string, body any) (answer, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return answer{}, fmt.Errorf("encode %s %s: %w", method, u, err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, u, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := hc.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: read the answer: %w", method, u, err)
	}
	return answer{status: res.StatusCode, body: raw, header: res.Header}, nil
}

// must makes a request that must answer want.
func must(t testing.TB, hc *http.Client, method, u, token string, body any, want int) answer {
	t.Helper()
	a, err := send(context.Background(), hc, method, u, token, newKey(), body)
	if err != nil {
		t.Fatal(err)
	}
	if a.status != want {
		t.Fatalf("%s %s: want %d, got %s", method, u, want, a)
	}
	return a
}

// newKey is a fresh idempotency key.
func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// retryable says whether a write that failed this way may not have been
// done and should be sent again under the same key: the network failed,
// or the proxy or server had a passing failure (5xx).
func retryable(a answer, err error) bool {
	return err != nil || a.status >= 500
}

// writeOnce sends a write under one idempotency key until it is answered
// with something other than a network failure or a 5xx, or ctx ends: the
// board's rule for a change it has kept in its outbox.
func writeOnce(ctx context.Context, hc *http.Client, base func() string, method, path, token string, body any) (answer, int, error) {
	key := newKey()
	var last error
	for attempt := 0; ; attempt++ {
		a, err := send(ctx, hc, method, base()+path, token, key, body)
		if !retryable(a, err) {
			return a, attempt + 1, nil
		}
		if err == nil {
			last = fmt.Errorf("%s %s: %s", method, path, a)
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return answer{}, attempt + 1, fmt.Errorf("gave up after %d attempts: %w", attempt+1, last)
		case <-time.After(time.Duration(min(attempt+1, 10)) * 20 * time.Millisecond):
		}
	}
}

// feedEvent is one event of a space's feed as a subscriber got it.
type feedEvent struct {
	seq  int64
	kind string
	data json.RawMessage
	at   time.Time
	from int // the process it came from
}

// subscriber follows a space's change feed (GET /api/events) straight
// from one process, not through the proxy. A dropped stream is opened
// again from the last event (Last-Event-ID); when its process is down it
// moves to the next one. A 4xx answer (token revoked, member removed)
// ends it for good.
type subscriber struct {
	name  string
	token string
	space string
	bases []string // the processes' URLs; it starts on bases[home]
	home  int
	hc    *http.Client
	// onEvent, if set, hears each event as it arrives.
	onEvent func(feedEvent)

	mu         sync.Mutex
	events     []feedEvent
	last       int64
	disorder   []string // events that came out of order or twice
	ended      error    // why it ended for good
	endedAt    time.Time
	streamEnds []time.Time // when each stream it had open ended
	connects   int
	moves      int
	connected  chan struct{} // closed once its first stream is open
	done       chan struct{}
	cancel     context.CancelFunc
}

// subscribe starts a subscriber of space on process home, from the start of
// the log (after=0). It stops when t ends.
func subscribe(t testing.TB, name, token, space string, bases []string, home int) *subscriber {
	ctx, cancel := context.WithCancel(context.Background())
	s := &subscriber{name: name, token: token, space: space, bases: bases, home: home, hc: &http.Client{Transport: &http.Transport{
		DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
	}}, connected: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	go s.run(ctx)
	t.Cleanup(s.stop)
	return s
}

func (s *subscriber) stop() {
	s.cancel()
	<-s.done
	s.hc.CloseIdleConnections()
}

// statusError is a feed's refusal.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("%d %s", e.status, e.body) }

func (s *subscriber) run(ctx context.Context) {
	defer close(s.done)
	cur := s.home
	first := true
	for ctx.Err() == nil {
		opened, err := s.once(ctx, cur, first)
		if ctx.Err() != nil {
			return
		}
		var se *statusError
		if errors.As(err, &se) && se.status < 500 {
			s.mu.Lock()
			s.ended, s.endedAt = err, time.Now()
			s.mu.Unlock()
			return
		}
		if opened {
			first = false
		} else {
			// Could not reach it (the process is down): try the next.
			cur = (cur + 1) % len(s.bases)
			s.mu.Lock()
			s.moves++
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// once reads one stream from process i, from the position after the last
// event seen; it says whether the stream was opened.
func (s *subscriber) once(ctx context.Context, i int, first bool) (bool, error) {
	u := s.bases[i] + "/api/events?spaceId=" + url.QueryEscape(s.space)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "text/event-stream")
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if first {
		req.URL.RawQuery += "&after=" + strconv.FormatInt(last, 10)
	} else {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(last, 10))
	}
	res, err := s.hc.Do(req)
	if err != nil {
		return false, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return res.StatusCode < 500, &statusError{res.StatusCode, strings.TrimSpace(string(raw))}
	}
	s.mu.Lock()
	s.connects++
	if s.connects == 1 {
		close(s.connected)
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.streamEnds = append(s.streamEnds, time.Now())
		s.mu.Unlock()
	}()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	var (
		ev   feedEvent
		data bytes.Buffer
	)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.kind != "" && ev.kind != "ready" {
				ev.data, ev.at, ev.from = append(json.RawMessage(nil), data.Bytes()...), time.Now(), i
				s.add(ev)
			}
			ev, data = feedEvent{}, bytes.Buffer{}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id:"):
			ev.seq, _ = strconv.ParseInt(strings.TrimSpace(line[3:]), 10, 64)
		case strings.HasPrefix(line, "event:"):
			ev.kind = strings.TrimSpace(line[6:])
		case strings.HasPrefix(line, "data:"):
			data.WriteString(strings.TrimPrefix(line[5:], " "))
		}
	}
	return true, sc.Err()
}

func (s *subscriber) add(ev feedEvent) {
	s.mu.Lock()
	if ev.seq <= s.last {
		s.disorder = append(s.disorder, fmt.Sprintf("seq %d (%s) after %d", ev.seq, ev.kind, s.last))
	} else {
		s.last = ev.seq
		s.events = append(s.events, ev)
	}
	f := s.onEvent
	s.mu.Unlock()
	if f != nil {
		f(ev)
	}
}

// hear has f called with each event from now on (under the subscriber's
// lock, as its goroutine reads the field).
func (s *subscriber) hear(f func(feedEvent)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onEvent = f
}

// lastSeq is the last event's sequence number.
func (s *subscriber) lastSeq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// endedWith is why the subscriber ended for good, if it has.
func (s *subscriber) endedWith() (error, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended, s.endedAt
}

// waitConnected waits until the first stream is open.
func (s *subscriber) waitConnected(t testing.TB) {
	t.Helper()
	select {
	case <-s.connected:
	case <-s.done:
		err, _ := s.endedWith()
		t.Fatalf("%s ended before it connected: %v", s.name, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not connect within 10 s", s.name)
	}
}

// waitFor polls cond every 20 ms until it holds or limit passes.
func waitFor(limit time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(limit); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
