package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/local"
)

// receiver is a webhook receiver on loopback that keeps what it got.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []received
	status int
	body   string
}

type received struct {
	event, delivery, signature string
	body                       []byte
}

func newReceiver(t *testing.T, status int, body string) *receiver {
	r := &receiver{status: status, body: body}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.events = append(r.events, received{req.Header.Get("X-Lanes-Event"), req.Header.Get("X-Lanes-Delivery"), req.Header.Get("X-Lanes-Signature"), b})
		r.mu.Unlock()
		w.WriteHeader(r.status)
		io.WriteString(w, r.body)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.events...)
}

// waitFor waits until the receiver has n requests.
func (r *receiver) waitFor(t *testing.T, n int) []received {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if got := r.got(); len(got) >= n {
			return got
		}
	}
	t.Fatalf("the receiver got %d requests in 30s, want %d", len(r.got()), n)
	return nil
}

// signedBy says whether a request's X-Lanes-Signature verifies with secret.
func signedBy(secret string, r received) bool {
	var ts, v1 string
	for _, kv := range strings.Split(r.signature, ",") {
		k, v, _ := strings.Cut(kv, "=")
		if k == "t" {
			ts = v
		} else if k == "v1" {
			v1 = v
		}
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(r.body)))
	return hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(v1))
}

var (
	addedRe  = regexp.MustCompile(`^Webhook ([0-9a-f-]{36}) sends (.+) of (.+) to (\S+)\n`)
	secretRe = regexp.MustCompile(`Signing secret \(shown this once; keep it for the receiver\): (whsec_[0-9a-f]+)\n`)
)

// lanes webhook against lanes serve: a webhook added from the command
// line hears the board's changes, signed with the secret it printed once;
// list shows it and its state, test pings it and reports the receiver's
// answer, deliveries lists the attempts (a hostile receiver's words drawn
// harmless), and remove takes it away. Misuse exits 2, refusals 1.
func TestWebhookCommands(t *testing.T) {
	data := t.TempDir()
	tok := strings.TrimSpace(mustRun(t, data, "token", "create"))
	base := startServe(t, data, "--allow-private-webhooks")
	client := t.TempDir()
	on := []string{"--server", base, "--token", tok}
	webhook := func(args ...string) (string, string, error) {
		return run(t, context.Background(), client, append(append([]string{"webhook"}, args...), on...)...)
	}
	mustWebhook := func(args ...string) string {
		t.Helper()
		out, errOut, err := webhook(args...)
		if err != nil {
			t.Fatalf("lanes webhook %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
	rcv := newReceiver(t, http.StatusNoContent, "")
	out := mustWebhook("add", rcv.srv.URL+"/hook", "--space", "Personal", "--events", "task.added,task.completed", "--description", "chat")
	m, s := addedRe.FindStringSubmatch(out), secretRe.FindStringSubmatch(out)
	if m == nil || s == nil || m[2] != "task.added,task.completed" || m[3] != "Personal" {
		t.Fatalf("webhook add printed:\n%s", out)
	}
	id, secret := m[1], s[1]

	// A change on the board reaches the receiver, signed with that secret.
	var spaces []struct{ ID string }
	apiDo(t, base, tok, "GET", "/api/spaces", nil, &spaces)
	var projects []struct{ ID string }
	apiDo(t, base, tok, "GET", "/api/projects?spaceId="+spaces[0].ID, nil, &projects)
	apiDo(t, base, tok, "POST", "/api/tasks", map[string]any{"projectId": projects[0].ID, "title": "Hello hooks"}, nil)
	got := rcv.waitFor(t, 1)
	if got[0].event != "task.added" || !signedBy(secret, got[0]) || !bytes.Contains(got[0].body, []byte("Hello hooks")) {
		t.Fatalf("the receiver got %s %s %s", got[0].event, got[0].signature, got[0].body)
	}

	list := mustWebhook("list")
	if !strings.Contains(list, id) || !strings.Contains(list, "task.added,task.completed") || !strings.Contains(list, "active") ||
		!strings.Contains(list, "Personal") || strings.Contains(list, secret) {
		t.Fatalf("webhook list:\n%s", list)
	}
	var hooks []map[string]any
	if err := json.Unmarshal([]byte(mustWebhook("list", "--format", "json")), &hooks); err != nil || len(hooks) != 1 || hooks[0]["id"] != id {
		t.Fatalf("webhook list --format json: %v %v", hooks, err)
	}
	if _, has := hooks[0]["secret"]; has {
		t.Fatal("the JSON list shows the secret")
	}

	if out := mustWebhook("test", id); !strings.HasPrefix(out, "delivered: HTTP 204 in ") {
		t.Fatalf("webhook test printed %q", out)
	}
	if got := rcv.waitFor(t, 2); got[1].event != "ping" || !signedBy(secret, got[1]) {
		t.Fatalf("the ping: %s %s", got[1].event, got[1].body)
	}
	deliveries := mustWebhook("deliveries", id)
	if lines := strings.Split(strings.TrimSpace(deliveries), "\n"); len(lines) != 3 || !strings.Contains(lines[1], "ping") ||
		!strings.Contains(lines[2], "task.added") || !strings.Contains(lines[2], "delivered") || !strings.Contains(lines[2], "204") {
		t.Fatalf("webhook deliveries:\n%s", deliveries)
	}

	// A receiver's refusal, in its own hostile words.
	bad := newReceiver(t, http.StatusBadRequest, hostile)
	m = addedRe.FindStringSubmatch(mustWebhook("add", bad.srv.URL, "--space", "Personal"))
	if m == nil || m[2] != "all events" {
		t.Fatal("could not add the second webhook")
	}
	out, _, err := webhook("test", m[1])
	if err == nil || exitCode(err) != 1 || !strings.HasPrefix(out, "failed: HTTP 400") || !strings.Contains(out, "pwned") {
		t.Fatalf("test of a refusing receiver: %v (exit %d)\n%s", err, exitCode(err), out)
	}
	assertNoControls(t, "webhook test", out)
	assertNoControls(t, "webhook deliveries", mustWebhook("deliveries", m[1]))
	if out := mustWebhook("disable", m[1]); !strings.Contains(out, "disabled: turned off by") {
		t.Fatalf("webhook disable printed %q", out)
	}
	if out := mustWebhook("list"); !strings.Contains(out, "disabled: turned off by") {
		t.Fatalf("the list after disabling:\n%s", out)
	}
	mustWebhook("enable", m[1])
	if out := mustWebhook("remove", m[1]); out != "Removed webhook "+m[1]+"\n" {
		t.Fatalf("webhook remove printed %q", out)
	}
	if out := mustWebhook("list"); strings.Contains(out, m[1]) {
		t.Fatalf("removed, still listed:\n%s", out)
	}

	for _, c := range []struct {
		args []string
		exit int
		want string
	}{
		{[]string{"add"}, 2, "lanes webhook add needs the URL to send to (got 0 arguments)"},
		{[]string{"test"}, 2, "lanes webhook test needs the webhook's ID (see lanes webhook list)"},
		{[]string{"add", "https://203.0.113.9/x", "--events", "task.exploded"}, 2, `"task.exploded" is not an event`},
		{[]string{"list", "--format", "yaml"}, 2, "--format must be table or json"},
		{[]string{"list", "--colour"}, 2, "unknown flag"},
		{[]string{"deliveries", id, "--limit", "1000"}, 2, "--limit must be 1 to 100"},
		{[]string{"add", "ftp://203.0.113.9/x"}, 1, "url must be an http or https URL"},
		{[]string{"remove", "00000000-0000-4000-8000-000000000000"}, 1, "404"},
		{[]string{"list", "--space", "nowhere"}, 1, `no space "nowhere"`},
	} {
		_, _, err := webhook(c.args...)
		if err == nil || exitCode(err) != c.exit || !strings.Contains(err.Error(), c.want) {
			t.Errorf("lanes webhook %s: %v (exit %d), want exit %d saying %q", strings.Join(c.args, " "), err, exitCode(err), c.exit, c.want)
		}
	}
}

// With no server configured, lanes webhook works on the local server, which
// sends while lanes runs: test waits for the answer. Loopback receivers
// need LANES_ALLOW_PRIVATE_WEBHOOKS.
func TestWebhookOnTheLocalServer(t *testing.T) {
	data := t.TempDir()
	rcv := newReceiver(t, http.StatusOK, "ok")
	_, _, err := run(t, context.Background(), data, "webhook", "add", rcv.srv.URL)
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "--allow-private-webhooks") {
		t.Fatalf("a loopback receiver without LANES_ALLOW_PRIVATE_WEBHOOKS: %v", err)
	}
	t.Setenv("LANES_ALLOW_PRIVATE_WEBHOOKS", "1")
	if !local.PrivateWebhooks() {
		t.Fatal("LANES_ALLOW_PRIVATE_WEBHOOKS=1 not read")
	}
	m := addedRe.FindStringSubmatch(mustRun(t, data, "webhook", "add", rcv.srv.URL, "--events", "task.added"))
	if m == nil || m[3] != "Personal" {
		t.Fatal("webhook add on the local server printed no webhook")
	}
	if out := mustRun(t, data, "webhook", "test", m[1]); !strings.HasPrefix(out, "delivered: HTTP 200") {
		t.Fatalf("webhook test on the local server printed %q", out)
	}
	if got := rcv.got(); len(got) != 1 || got[0].event != "ping" {
		t.Fatalf("the receiver got %+v", got)
	}
}

// A command that does its work and ends (here lanes card add, and lanes
// webhook deliveries) on the local server sends no webhooks: it would
// lease a delivery only to cut it short as it stopped. What it queues
// waits, not even counted as attempted, for a process that sends: here
// lanes webhook test, which sends while it waits for its ping.
func TestOneShotCommandsSendNoWebhooks(t *testing.T) {
	t.Setenv("LANES_ALLOW_PRIVATE_WEBHOOKS", "1")
	data := t.TempDir()
	rcv := newReceiver(t, http.StatusNoContent, "")
	m := addedRe.FindStringSubmatch(mustRun(t, data, "webhook", "add", rcv.srv.URL, "--events", "task.added"))
	if m == nil {
		t.Fatal("webhook add printed no webhook")
	}
	mustRun(t, data, "card", "add", "Sent later")
	if got := rcv.got(); len(got) != 0 {
		t.Fatalf("lanes card add sent %d deliveries", len(got))
	}
	var ds []struct {
		Event, State string
		Attempts     int
	}
	if err := json.Unmarshal([]byte(mustRun(t, data, "webhook", "deliveries", m[1], "--format", "json")), &ds); err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Event != "task.added" || ds[0].State != "pending" || ds[0].Attempts != 0 {
		t.Fatalf("the card's delivery after the command: %+v", ds)
	}
	if out := mustRun(t, data, "webhook", "test", m[1]); !strings.HasPrefix(out, "delivered: HTTP 204") {
		t.Fatalf("webhook test printed %q", out)
	}
	if got := rcv.got(); len(got) != 2 || got[0].event != "task.added" || !bytes.Contains(got[0].body, []byte("Sent later")) || got[1].event != "ping" {
		t.Fatalf("the receiver got %d requests: %+v", len(got), got)
	}
}

// What lanes card and lanes webhook print as JSON has every control
// character escaped, DEL and C1 (U+0080 to U+009F, which some terminals
// obey as ESC) included: on a terminal nothing in it is obeyed, and a
// script decodes the same values.
func TestJSONOutputEscapesControls(t *testing.T) {
	v := map[string]string{"title": hostile + " \u0085 \u009b31m \x7f end"}
	var out bytes.Buffer
	if err := writeJSON(&out, v); err != nil {
		t.Fatal(err)
	}
	assertNoControls(t, "the JSON", out.String())
	for _, esc := range []string{`\u001b`, `\u0085`, `\u009b`, `\u007f`} {
		if !strings.Contains(out.String(), esc) {
			t.Errorf("%s is not escaped as %s: %s", esc, esc, out.String())
		}
	}
	var got map[string]string
	// (Its byte that is not UTF-8 is U+FFFD, as encoding/json writes it.)
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || got["title"] != strings.ToValidUTF8(v["title"], "\uFFFD") {
		t.Fatalf("the JSON decodes to %q (%v), want %q", got, err, v)
	}
}

// A webhook's state and events, printed on a line of their own by lanes
// webhook enable, disable and add, are drawn harmless whatever a server
// put in them.
func TestWebhookWordsAreDrawnHarmless(t *testing.T) {
	reason := "turned off by " + hostile
	since := "2026-01-01" + hostile
	for _, s := range []string{
		hookState(api.Webhook{Active: false, DisabledReason: &reason}),
		hookState(api.Webhook{Active: true, FailingSince: &since}),
		eventsWord([]string{"task.added", hostile}),
	} {
		assertNoControls(t, "a webhook's words", s)
		if !strings.Contains(s, "␛]0;pwned") {
			t.Errorf("the hostile text is not shown: %q", s)
		}
	}
}

// apiDo sends one request to the API and decodes a 2xx answer into out.
func apiDo(t *testing.T, base, token, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}
