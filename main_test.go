package main

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lanesboard/lanes/internal/testenv"
)

// run runs lanes with args on a data dir and returns stdout, stderr and error.
func run(t *testing.T, ctx context.Context, data string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut testenv.SyncBuffer
	root := newRoot(&out, &errOut)
	root.SetArgs(append([]string{"--data", data}, args...))
	err := root.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func mustRun(t *testing.T, data string, args ...string) string {
	t.Helper()
	out, errOut, err := run(t, context.Background(), data, args...)
	if err != nil {
		t.Fatalf("lanes %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut)
	}
	return out
}

func TestVersion(t *testing.T) {
	out := mustRun(t, t.TempDir(), "version")
	if !strings.HasPrefix(out, "lanes ") {
		t.Fatalf("version printed %q, want it to start with \"lanes \"", out)
	}
}

func TestTokenLifecycle(t *testing.T) {
	data := t.TempDir()
	out := mustRun(t, data, "token", "create", "--label", "laptop")
	secret := strings.TrimSpace(out)
	if !regexp.MustCompile(`^kt_[A-Za-z0-9_-]{43}$`).MatchString(secret) || strings.Count(out, "\n") != 1 {
		t.Fatalf("token create printed %q, want one kt_ token alone on a line", out)
	}
	list := mustRun(t, data, "token", "list")
	if !strings.Contains(list, "laptop") || !strings.Contains(list, "active") {
		t.Fatalf("token list does not show the new token:\n%s", list)
	}
	if strings.Contains(list, secret) || strings.Contains(list, secret[3:20]) {
		t.Fatalf("token list shows the secret:\n%s", list)
	}
	id := regexp.MustCompile(`[0-9a-f-]{36}`).FindString(list)
	revoked := mustRun(t, data, "token", "revoke", id)
	if !strings.Contains(revoked, id) {
		t.Fatalf("revoke printed %q, want the id", revoked)
	}
	if list := mustRun(t, data, "token", "list"); !strings.Contains(list, "revoked") {
		t.Fatalf("token list does not show the revocation:\n%s", list)
	}
	if _, _, err := run(t, context.Background(), data, "token", "revoke", "not-an-id"); err == nil || !strings.Contains(err.Error(), "not a token id") {
		t.Fatalf("revoke of a bad id: %v, want a clear error", err)
	}
	if _, _, err := run(t, context.Background(), data, "token", "revoke", uuid.NewString()); err == nil || !strings.Contains(err.Error(), "no token") {
		t.Fatalf("revoke of an unknown id: %v, want a clear error", err)
	}
}

func TestUserCreate(t *testing.T) {
	data := t.TempDir()
	out := strings.TrimSpace(mustRun(t, data, "user", "create", "alice", "--email", "alice@example.com"))
	if _, err := uuid.Parse(out); err != nil {
		t.Fatalf("user create printed %q, want the new user's id", out)
	}
	if _, _, err := run(t, context.Background(), data, "user", "create", "alice"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second alice: %v, want 'already exists'", err)
	}
	if _, _, err := run(t, context.Background(), data, "user", "create", "bad name"); err == nil || !strings.Contains(err.Error(), "must be") {
		t.Fatalf("bad name: %v, want a clear error", err)
	}
	if list := mustRun(t, data, "user", "list"); !strings.Contains(list, "alice@example.com") || !strings.Contains(list, "(local)") {
		t.Fatalf("user list misses alice or the local user:\n%s", list)
	}
	tok := strings.TrimSpace(mustRun(t, data, "token", "create", "--user", "alice"))
	if !strings.HasPrefix(tok, "kt_") {
		t.Fatalf("token for alice: %q", tok)
	}
	if _, _, err := run(t, context.Background(), data, "token", "create", "--user", "nobody"); err == nil || !strings.Contains(err.Error(), "lanes user create") {
		t.Fatalf("token for an unknown user: %v, want a hint to create the user", err)
	}
}

// TestServeAnswersAndStopsCleanly starts `lanes serve` on a free port, uses a
// token made by `lanes token create` against it, then stops it as SIGINT would.
func TestServeAnswersAndStopsCleanly(t *testing.T) {
	data := t.TempDir()
	tok := strings.TrimSpace(mustRun(t, data, "token", "create"))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut testenv.SyncBuffer
	root := newRoot(&out, &errOut)
	root.SetArgs([]string{"--data", data, "serve", "--addr", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	urlRe := regexp.MustCompile(`url=(http://[^ ]+/api)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := urlRe.FindStringSubmatch(errOut.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("serve never said where it listens; stderr:\n%s", errOut.String())
	}
	req, _ := http.NewRequest("GET", base+"/spaces", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var spaces []map[string]any
	json.NewDecoder(resp.Body).Decode(&spaces)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(spaces) != 1 || spaces[0]["name"] != "Personal" {
		t.Fatalf("GET /api/spaces: %d %v, want the local user's Personal space", resp.StatusCode, spaces)
	}
	if !strings.Contains(errOut.String(), "path=/api/spaces status=200") {
		t.Fatalf("no request log line; stderr:\n%s", errOut.String())
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve stopped with %v", err)
		}
	case <-time.After(35 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(errOut.String(), "database closed") {
		t.Fatalf("serve did not report closing the database:\n%s", errOut.String())
	}
}

func TestServeRejectsBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--api", "v2"}, "--api must be full or seed"},
		{[]string{"serve", "--rate-limit", "-1"}, "--rate-limit must be 0"},
		{[]string{"serve", "--trusted-proxy", "10.0.0.0/8,lb.internal"}, `--trusted-proxy must be an IP address or a network like 10.0.0.0/8, got "lb.internal"`},
		{[]string{"serve", "--db", "mysql://root:secret@db/lanes"}, "--db must be a PostgreSQL URL"},
		{[]string{"token", "list", "--db", "mysql://root:secret@db/lanes"}, "--db must be a PostgreSQL URL"},
	} {
		_, _, err := run(t, context.Background(), t.TempDir(), c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("lanes %v: %v, want an error saying %q", c.args, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("lanes %v: the error repeats the password: %v", c.args, err)
		}
	}
}
