package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// A lanes server killed with SIGKILL, as a crash or the OOM killer would,
// is a real process here: this test binary run again (TestMain) as a
// server over the test's database.

func TestMain(m *testing.M) {
	if db := os.Getenv("LANES_TEST_HOOK_SERVER"); db != "" {
		os.Exit(runHookServer(db, os.Getenv("LANES_TEST_HOOK_WORKER") == "1"))
	}
	os.Exit(m.Run())
}

// runHookServer serves db on a free loopback port, says where on stdout,
// and runs until killed; its worker retries within a second and gives an
// attempt one second (so a lease lasts two).
func runHookServer(db string, worker bool) int {
	ctx := context.Background()
	st, err := store.OpenDB(ctx, db)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	srv := server.New(st, server.WithLogger(slog.New(slog.NewTextHandler(testLog(), nil))), server.WithRateLimit(0),
		server.WithPrivateWebhooks(true), server.WithWebhookRetry(20*time.Millisecond, time.Second), server.WithWebhookTimeout(time.Second))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if worker {
		srv.Webhooks().Start(ctx)
	}
	fmt.Printf("listening http://%s\n", ln.Addr())
	err = http.Serve(ln, srv)
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// hookServer is a lanes server process.
type hookServer struct {
	url string
	cmd *exec.Cmd
}

// startHookServer starts a server process over db, with its delivery
// worker or without.
func startHookServer(t *testing.T, db string, worker bool) *hookServer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	w := "0"
	if worker {
		w = "1"
	}
	cmd.Env = append(os.Environ(), "LANES_TEST_HOOK_SERVER="+db, "LANES_TEST_HOOK_WORKER="+w)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &hookServer{cmd: cmd}
	t.Cleanup(func() { s.kill(t) })
	line := make(chan string, 1)
	go func() {
		r := bufio.NewReader(out)
		l, _ := r.ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		var ok bool
		if s.url, ok = strings.CutPrefix(strings.TrimSpace(l), "listening "); !ok {
			t.Fatalf("the server process said %q", l)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server process never said where it listens")
	}
	return s
}

// kill kills the process with SIGKILL: no shutdown, no deferred work.
func (s *hookServer) kill(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func (s *hookServer) do(t *testing.T, token, method, path string, body any) testResp {
	t.Helper()
	return testDo(t, http.DefaultClient, s.url, token, method, path, body)
}

// Killed between the commit of a change and the sending of its delivery,
// a server loses nothing: started again on the same database it sends the
// delivery. Killed in the middle of sending one, it sends it again once
// the lease runs out, under the same delivery id, so the receiver (whose
// first answer never arrived) can tell it is the same.
func TestWebhookSurvivesKill(t *testing.T) {
	db := freshDB(t)
	e := &testEnv{t: t, st: openStoreAt(t, db), db: db}
	u := e.newUser("ada")

	// Committed, never sent: a server without its worker, killed.
	first := startHookServer(t, db, false)
	var spaces []tSpace
	first.do(t, u.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	var projects []tProject
	first.do(t, u.Token, "GET", "/api/projects?spaceId="+spaces[0].ID, nil).want(t, 200, &projects)
	rcv := newReceiver(t, nil)
	var made struct{ Webhook tWebhook }
	first.do(t, u.Token, "POST", "/api/webhooks", map[string]any{"spaceId": spaces[0].ID, "url": rcv.URL(),
		"events": []string{"task.added"}}).want(t, 201, &made)
	first.do(t, u.Token, "POST", "/api/tasks", map[string]any{"projectId": projects[0].ID, "title": "before the kill"}).want(t, 201, nil)
	first.kill(t)
	if got := rcv.got(); len(got) != 0 {
		t.Fatalf("sent before the kill: %s", describeCalls(got))
	}
	second := startHookServer(t, db, true)
	calls := rcv.wait("the change committed before the kill", func(c []hookCall) bool { return len(c) >= 1 })
	var k tTask
	if err := json.Unmarshal(calls[0].payload(t).Data, &k); err != nil || k.Title != "before the kill" {
		t.Fatalf("after the restart the receiver got %s: %+v", describeCalls(calls), k)
	}
	if err := verifySignature(made.Webhook.Secret, calls[0].Signature, calls[0].Body); err != nil {
		t.Fatal(err)
	}

	// Killed mid-send: the receiver holds the request until the sender is
	// dead.
	took := make(chan struct{})
	release := make(chan struct{})
	slow := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		if n == 0 {
			close(took)
			<-release
			return 500 // to no one
		}
		return 204
	})
	second.do(t, u.Token, "POST", "/api/webhooks", map[string]any{"spaceId": spaces[0].ID, "url": slow.URL(),
		"events": []string{"task.added"}}).want(t, 201, nil)
	second.do(t, u.Token, "POST", "/api/tasks", map[string]any{"projectId": projects[0].ID, "title": "mid-send"}).want(t, 201, nil)
	select {
	case <-took:
	case <-time.After(30 * time.Second):
		t.Fatal("the delivery was never sent")
	}
	second.kill(t)
	close(release)
	startHookServer(t, db, true)
	calls = slow.wait("the delivery cut short, sent again", func(c []hookCall) bool { return len(accepted(c)) == 1 })
	if len(calls) != 2 || calls[1].Delivery != calls[0].Delivery || string(calls[1].Body) != string(calls[0].Body) {
		t.Fatalf("the receiver got %s, want the same delivery twice", describeCalls(calls))
	}
	if err := json.Unmarshal(calls[1].payload(t).Data, &k); err != nil || k.Title != "mid-send" {
		t.Fatalf("resent %+v", k)
	}
}
