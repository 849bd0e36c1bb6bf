package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/internal/testenv"
)

// startServe runs lanes serve on a free port over data until the test ends
// and returns its base URL.
func startServe(t *testing.T, data string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut testenv.SyncBuffer
	root := newRoot(&out, &errOut)
	root.SetArgs(append([]string{"--data", data, "serve", "--addr", "127.0.0.1:0"}, args...))
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	urlRe := regexp.MustCompile(`url=(http://[^ ]+)/api`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := urlRe.FindStringSubmatch(errOut.String()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("serve never said where it listens; stderr:\n%s", errOut.String())
	return ""
}

func TestCheckALanesServerWithHTTPLog(t *testing.T) {
	data := t.TempDir()
	tok := strings.TrimSpace(mustRun(t, data, "token", "create"))
	base := startServe(t, data)

	client, state := t.TempDir(), t.TempDir()
	t.Setenv("LANES_STATE", state)
	out, errOut, err := run(t, context.Background(), client, "--debug", "http", "check", "--server", base, "--token", tok)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, errOut)
	}
	for _, want := range []string{"speaks:   lanes", "token of: " + local.UserName(), "Personal (personal-", "General"} {
		if !strings.Contains(out, want) {
			t.Errorf("check printed:\n%s\nwant %q in it", out, want)
		}
	}
	logPath := filepath.Join(state, "http.log")
	if !strings.Contains(errOut, logPath) {
		t.Errorf("check did not say where the HTTP log is: %q", errOut)
	}
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatalf("no HTTP log: %v", err)
	}
	log := string(raw)
	if !strings.Contains(log, "GET "+base+"/api/me 200") || !strings.Contains(log, "GET "+base+"/api/spaces 200") {
		t.Errorf("HTTP log lacks the requests:\n%s", log)
	}
	if strings.Contains(log, tok) {
		t.Fatal("the HTTP log holds the token")
	}
}

func TestCheckASeedServer(t *testing.T) {
	data := t.TempDir()
	tok := strings.TrimSpace(mustRun(t, data, "token", "create"))
	base := startServe(t, data, "--api", "seed")
	t.Setenv("LANES_TOKEN", tok)
	state := t.TempDir()
	t.Setenv("LANES_STATE", state)
	out := mustRun(t, t.TempDir(), "check", "--server", base)
	if !strings.Contains(out, "speaks:   seed only") || strings.Contains(out, "token of:") || !strings.Contains(out, "General") {
		t.Fatalf("check of a seed server printed:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(state, "http.log")); err == nil {
		t.Error("an HTTP log was written without --debug http")
	}

	_, _, err := run(t, context.Background(), t.TempDir(), "check", "--server", base, "--token", "kt_nope")
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "make a new one") {
		t.Fatalf("check with a bad token: %v", err)
	}
	t.Setenv("LANES_TOKEN", "")
	if _, _, err := run(t, context.Background(), t.TempDir(), "check"); err == nil || !strings.Contains(err.Error(), "--server") {
		t.Fatalf("check with nothing: %v", err)
	}
}
