package server_test

// Webhooks, tested with real receivers on loopback: a server whose worker
// sends to an httptest server, over a real database, spoken to over HTTP.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// newHookEnv is a test env whose server may send webhooks to loopback,
// retries within milliseconds, and has its delivery worker running.
func newHookEnv(t testing.TB, opts ...server.Option) *testEnv {
	t.Helper()
	db := freshDB(t)
	return newHookEnvOn(t, db, openStoreAt(t, db), opts...)
}

func newHookEnvOn(t testing.TB, db string, st *store.Store, opts ...server.Option) *testEnv {
	t.Helper()
	all := append([]server.Option{
		server.WithLogger(slog.New(slog.NewTextHandler(testLog(), nil))),
		server.WithRateLimit(0),
		server.WithPrivateWebhooks(true),
		server.WithWebhookRetry(time.Millisecond, 20*time.Millisecond),
	}, opts...)
	srv := server.New(st, all...)
	hs := httptest.NewServer(srv)
	srv.Webhooks().Start(context.Background())
	t.Cleanup(func() {
		srv.Webhooks().Stop()
		hs.Close()
	})
	return &testEnv{t: t, st: st, db: db, srv: hs}
}

// newClockedHookEnv is newHookEnv with its store and server on a clock
// the test moves.
func newClockedHookEnv(t testing.TB) (*testEnv, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	db := freshDB(t)
	return newHookEnvOn(t, db, openStoreAt(t, db, store.WithClock(clock.Now)), server.WithClock(clock.Now)), clock
}

// A webhook subscription as the API sends it.
type tWebhook struct {
	ID                string   `json:"id"`
	SpaceID           string   `json:"spaceId"`
	ProjectID         *string  `json:"projectId"`
	URL               string   `json:"url"`
	Events            []string `json:"events"`
	Description       *string  `json:"description"`
	Active            bool     `json:"active"`
	OwnerID           string   `json:"ownerId"`
	OwnerName         string   `json:"ownerName"`
	FailingSince      *string  `json:"failingSince"`
	DisabledAt        *string  `json:"disabledAt"`
	DisabledReason    *string  `json:"disabledReason"`
	PendingDeliveries int      `json:"pendingDeliveries"`
	Secret            string   `json:"secret"`
}

type tDelivery struct {
	ID            string  `json:"id"`
	WebhookID     string  `json:"webhookId"`
	Event         string  `json:"event"`
	State         string  `json:"state"`
	Attempts      int     `json:"attempts"`
	NextAttemptAt *string `json:"nextAttemptAt"`
	LastAttemptAt *string `json:"lastAttemptAt"`
	ResponseCode  *int    `json:"responseCode"`
	DurationMs    *int64  `json:"durationMs"`
	Error         *string `json:"error"`
}

// tHookPayload is a delivery's body.
type tHookPayload struct {
	Event   string `json:"event"`
	ID      string `json:"id"`
	Time    string `json:"time"`
	Space   tRef   `json:"space"`
	Project *tRef  `json:"project"`
	Actor   *tRef  `json:"actor"`
	Data    json.RawMessage
	Changes map[string]struct {
		From any `json:"from"`
		To   any `json:"to"`
	} `json:"changes"`
}

type tRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// newWebhook subscribes url to events of the space as u.
func (e *testEnv) newWebhook(u testUser, spaceID, url string, events []string, more map[string]any) tWebhook {
	e.t.Helper()
	body := map[string]any{"spaceId": spaceID, "url": url, "events": events}
	for k, v := range more {
		body[k] = v
	}
	var out struct{ Webhook tWebhook }
	e.do(u.Token, "POST", "/api/webhooks", body).want(e.t, 201, &out)
	if !strings.HasPrefix(out.Webhook.Secret, "whsec_") {
		e.t.Fatalf("the new webhook's secret is %q", out.Webhook.Secret)
	}
	return out.Webhook
}

func (e *testEnv) webhooks(u testUser, spaceID string) []tWebhook {
	e.t.Helper()
	var out []tWebhook
	e.do(u.Token, "GET", "/api/webhooks?spaceId="+spaceID, nil).want(e.t, 200, &out)
	return out
}

func (e *testEnv) deliveries(u testUser, hookID string) []tDelivery {
	e.t.Helper()
	var out []tDelivery
	e.do(u.Token, "GET", "/api/webhooks/"+hookID+"/deliveries", nil).want(e.t, 200, &out)
	return out
}

// waitDeliveries polls a webhook's deliveries until cond holds of them.
func (e *testEnv) waitDeliveries(u testUser, hookID, what string, cond func([]tDelivery) bool) []tDelivery {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ds := e.deliveries(u, hookID)
		if cond(ds) {
			return ds
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("waited 30s for %s; deliveries: %+v", what, ds)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hookCall is one request a receiver got.
type hookCall struct {
	Path, Event, Delivery, Signature, ContentType string
	Body                                          []byte
	Status                                        int // what the receiver answered
}

func (c hookCall) payload(t testing.TB) tHookPayload {
	t.Helper()
	var p tHookPayload
	if err := json.Unmarshal(c.Body, &p); err != nil {
		t.Fatalf("delivery body %s: %v", c.Body, err)
	}
	return p
}

// hookReceiver is a real HTTP receiver on loopback that records every
// request and answers as answer says (204 when nil).
type hookReceiver struct {
	t      testing.TB
	srv    *httptest.Server
	mu     sync.Mutex
	calls  []hookCall
	wake   chan struct{}
	answer func(n int, c hookCall, w http.ResponseWriter) int
	// busy counts the requests being answered; mostBusy is the most at
	// once (one subscription's deliveries come one at a time).
	busy, mostBusy int
}

func newReceiver(t testing.TB, answer func(n int, c hookCall, w http.ResponseWriter) int) *hookReceiver {
	r := &hookReceiver{t: t, wake: make(chan struct{}), answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		c := hookCall{Path: req.URL.Path, Event: req.Header.Get("X-Lanes-Event"), Delivery: req.Header.Get("X-Lanes-Delivery"),
			Signature: req.Header.Get("X-Lanes-Signature"), ContentType: req.Header.Get("Content-Type"), Body: body}
		r.mu.Lock()
		n := len(r.calls)
		r.busy++
		r.mostBusy = max(r.mostBusy, r.busy)
		r.mu.Unlock()
		c.Status = http.StatusNoContent
		if r.answer != nil {
			c.Status = r.answer(n, c, w)
		}
		r.mu.Lock()
		r.busy--
		r.calls = append(r.calls, c)
		close(r.wake)
		r.wake = make(chan struct{})
		r.mu.Unlock()
		if c.Status != 0 {
			w.WriteHeader(c.Status)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) URL() string { return r.srv.URL + "/hook" }

// most is the most requests the receiver was answering at once.
func (r *hookReceiver) most() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mostBusy
}

func (r *hookReceiver) got() []hookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// wait waits until cond holds of the requests received.
func (r *hookReceiver) wait(what string, cond func([]hookCall) bool) []hookCall {
	r.t.Helper()
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		calls, wake := slices.Clone(r.calls), r.wake
		r.mu.Unlock()
		if cond(calls) {
			return calls
		}
		select {
		case <-wake:
		case <-deadline.C:
			r.t.Fatalf("waited 60s for %s; the receiver got %d requests: %s", what, len(calls), describeCalls(calls))
		}
	}
}

// accepted are the requests answered 2xx, in order.
func accepted(calls []hookCall) []hookCall {
	var out []hookCall
	for _, c := range calls {
		if c.Status >= 200 && c.Status < 300 {
			out = append(out, c)
		}
	}
	return out
}

func describeCalls(calls []hookCall) string {
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "\n  %s %s → %d", c.Event, c.Delivery, c.Status)
	}
	return b.String()
}

// verifySignature checks X-Lanes-Signature as a receiver would, knowing
// only the secret: t=UNIX,v1=HEX(HMAC-SHA256(secret, t + "." + body)).
func verifySignature(secret, header string, body []byte) error {
	var ts, v1 string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	if ts == "" || v1 == "" {
		return fmt.Errorf("signature %q lacks t or v1", header)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(v1)) {
		return fmt.Errorf("signature %q does not verify (want v1=%s)", header, want)
	}
	return nil
}

// A subscription is made with its secret shown once, listed and changed
// without it, and removed; bad input is refused naming the field.
func TestWebhookSubscriptions(t *testing.T) {
	var logs syncBuffer
	e := newHookEnv(t, server.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	tm := newTeam(t, e)
	rcv := newReceiver(t, nil)
	desc := "Tell the chat room"
	hook := e.newWebhook(tm.Admin, tm.SpaceID, rcv.URL(), []string{"task.completed", "task.added", "task.added"},
		map[string]any{"description": desc})
	if !hook.Active || hook.OwnerID != tm.Admin.ID || hook.OwnerName != "admin" || hook.URL != rcv.URL() ||
		!slices.Equal(hook.Events, []string{"task.added", "task.completed"}) || hook.Description == nil || *hook.Description != desc ||
		hook.ProjectID != nil || hook.SpaceID != tm.SpaceID {
		t.Fatalf("new webhook %+v", hook)
	}
	list := e.do(tm.Owner.Token, "GET", "/api/webhooks?spaceId="+tm.SpaceID, nil).want(t, 200, nil)
	if bytes.Contains(list.Body, []byte(hook.Secret)) || bytes.Contains(list.Body, []byte(`"secret"`)) {
		t.Fatalf("the list shows the secret: %s", list.Body)
	}
	if got := e.webhooks(tm.Owner, tm.SpaceID); len(got) != 1 || got[0].ID != hook.ID {
		t.Fatalf("the space's webhooks: %+v", got)
	}
	// Without spaceId: every space the caller manages.
	var mine []tWebhook
	e.do(tm.Admin.Token, "GET", "/api/webhooks", nil).want(t, 200, &mine)
	if len(mine) != 1 || mine[0].ID != hook.ID {
		t.Fatalf("the admin's webhooks: %+v", mine)
	}
	e.do(tm.Member.Token, "GET", "/api/webhooks", nil).want(t, 200, &mine)
	if len(mine) != 0 {
		t.Fatalf("a member lists webhooks: %+v", mine)
	}

	other := e.createProjectIn(tm.Owner, tm.SpaceID, "other")
	var patched struct{ Webhook tWebhook }
	res := e.do(tm.Owner.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"events": []string{"comment.added"},
		"projectId": other, "description": nil}).want(t, 200, &patched)
	if bytes.Contains(res.Body, []byte(hook.Secret)) {
		t.Fatalf("PATCH shows the secret: %s", res.Body)
	}
	if w := patched.Webhook; !slices.Equal(w.Events, []string{"comment.added"}) || w.ProjectID == nil || *w.ProjectID != other ||
		w.Description != nil || w.URL != rcv.URL() {
		t.Fatalf("patched webhook %+v", w)
	}
	e.do(tm.Owner.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"projectId": nil}).want(t, 200, &patched)
	if patched.Webhook.ProjectID != nil {
		t.Fatalf("projectId not cleared: %+v", patched.Webhook)
	}

	bad := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"url": "ftp://example.com/x", "events": []string{"task.added"}}, "url"},
		{map[string]any{"url": "not a url", "events": []string{"task.added"}}, "url"},
		{map[string]any{"url": "https://user:pw@203.0.113.9/x", "events": []string{"task.added"}}, "url"},
		{map[string]any{"url": "https://203.0.113.9/" + strings.Repeat("a", 2100), "events": []string{"task.added"}}, "url"},
		{map[string]any{"url": "http://203.0.113.9:99999/", "events": []string{"task.added"}}, "url"},
		{map[string]any{"url": "http://203.0.113.9:65536/", "events": []string{"task.added"}}, "url"},
		{map[string]any{"url": "http://203.0.113.9:0/", "events": []string{"task.added"}}, "url"},
		{map[string]any{"events": []string{"task.added"}}, "url"},
		{map[string]any{"url": "https://203.0.113.9/x"}, "events"},
		{map[string]any{"url": "https://203.0.113.9/x", "events": []string{}}, "events"},
		{map[string]any{"url": "https://203.0.113.9/x", "events": []string{"task.exploded"}}, "events"},
		{map[string]any{"url": "https://203.0.113.9/x", "events": "task.added"}, "events"},
		{map[string]any{"url": "https://203.0.113.9/x", "events": []string{"task.added"}, "description": strings.Repeat("d", 501)}, "description"},
		{map[string]any{"url": "https://203.0.113.9/x", "events": []string{"task.added"}, "description": "bell\a"}, "description"},
		{map[string]any{"url": "https://203.0.113.9/x", "events": []string{"task.added"}, "projectId": "nope"}, "projectId"},
		// A project of another space is not the space's.
		{map[string]any{"url": "https://203.0.113.9/x", "events": []string{"task.added"}, "projectId": e.personalBoard(tm.Owner).ProjectID}, "projectId"},
	}
	for _, c := range bad {
		c.body["spaceId"] = tm.SpaceID
		if er := e.do(tm.Owner.Token, "POST", "/api/webhooks", c.body).wantErr(t, 400, "validation_failed"); er.Field != c.field {
			t.Errorf("POST %v: field %q (%s), want %q", c.body, er.Field, er.Error, c.field)
		}
	}
	if er := e.do(tm.Owner.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"active": "yes"}).wantErr(t, 400, "validation_failed"); er.Field != "active" {
		t.Errorf("PATCH active yes: %+v", er)
	}

	// At most 20 per space.
	for i := len(e.webhooks(tm.Owner, tm.SpaceID)); i < 20; i++ {
		e.newWebhook(tm.Owner, tm.SpaceID, fmt.Sprintf("https://203.0.113.9/%d", i), []string{"task.added"}, nil)
	}
	if er := e.do(tm.Owner.Token, "POST", "/api/webhooks", map[string]any{"spaceId": tm.SpaceID, "url": "https://203.0.113.9/x",
		"events": []string{"task.added"}}).wantErr(t, 400, "validation_failed"); er.Field != "spaceId" || !strings.Contains(er.Error, "20") {
		t.Errorf("the 21st webhook: %+v", er)
	}

	e.do(tm.Owner.Token, "DELETE", "/api/webhooks/"+hook.ID, nil).want(t, 200, nil)
	e.do(tm.Owner.Token, "DELETE", "/api/webhooks/"+hook.ID, nil).wantErr(t, 404, "not_found")
	e.do(tm.Owner.Token, "GET", "/api/webhooks/"+hook.ID+"/deliveries", nil).wantErr(t, 404, "not_found")
	if got := e.webhooks(tm.Owner, tm.SpaceID); slices.ContainsFunc(got, func(w tWebhook) bool { return w.ID == hook.ID }) {
		t.Fatal("the removed webhook is still listed")
	}
	if strings.Contains(logs.String(), hook.Secret) {
		t.Fatal("the server logged a webhook's secret")
	}
}

// createProjectIn makes a project in a space and returns its id.
func (e *testEnv) createProjectIn(u testUser, spaceID, slug string) string {
	e.t.Helper()
	var out struct{ Project tProject }
	e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": spaceID, "name": slug, "slug": slug}).want(e.t, 201, &out)
	return out.Project.ID
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Every event reaches a real receiver, signed so that the secret alone
// verifies it, with the delivery id in the header and the payload, and
// the payload saying what changed, where and by whom. A subscription hears
// only the events it named, and a project's only that project's.
func TestWebhookEventsAreDeliveredSigned(t *testing.T) {
	e := newHookEnv(t)
	tm := newTeam(t, e)
	b := tm.Board
	all := newReceiver(t, nil)
	doneOnly := newReceiver(t, nil)
	projectOnly := newReceiver(t, nil)
	hook := e.newWebhook(tm.Owner, tm.SpaceID, all.URL(), store.WebhookEvents(), nil)
	doneHook := e.newWebhook(tm.Admin, tm.SpaceID, doneOnly.URL(), []string{"task.completed"}, nil)
	other := e.createProjectIn(tm.Owner, tm.SpaceID, "elsewhere")
	e.newWebhook(tm.Owner, tm.SpaceID, projectOnly.URL(), store.WebhookEvents(), map[string]any{"projectId": other})

	k := e.createTask(tm.Member, b.ProjectID, map[string]any{"title": "Ship it", "statusId": b.col(t, "To Do")})
	e.patchTask(tm.Member, k.ID, map[string]any{"title": "Ship it now"})
	e.patchTask(tm.Member, k.ID, map[string]any{"statusId": b.col(t, "In Progress")})
	e.patchTask(tm.Member, k.ID, map[string]any{"completedAt": "2026-03-01T10:00:00Z"})
	e.do(tm.Member.Token, "POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": "done!"}).want(t, 201, nil)
	e.patchTask(tm.Member, k.ID, map[string]any{"completedAt": nil})
	e.do(tm.Admin.Token, "DELETE", "/api/tasks/"+k.ID, nil).want(t, 200, nil)
	e.restore(tm.Admin.Token, k.ID).want(t, 200, nil)
	newbie := e.newUser("newbie")
	e.do(tm.Owner.Token, "POST", "/api/spaces/"+tm.SpaceID+"/members", map[string]any{"userId": newbie.ID, "role": "member"}).want(t, 201, nil)
	e.do(tm.Owner.Token, "DELETE", "/api/spaces/"+tm.SpaceID+"/members/"+newbie.ID, nil).want(t, 200, nil)
	p := e.createProjectIn(tm.Owner, tm.SpaceID, "launch")
	e.do(tm.Owner.Token, "DELETE", "/api/projects/"+p, nil).want(t, 200, nil)
	e.createTask(tm.Owner, other, map[string]any{"title": "Elsewhere"})

	want := []string{"project.created", "task.added", "task.updated", "task.moved", "task.completed", "comment.added", "task.reopened",
		"task.deleted", "task.restored", "member.added", "member.removed", "project.created", "project.archived", "task.added"}
	calls := all.wait("every event", func(c []hookCall) bool { return len(c) >= len(want) })
	var got []string
	for _, c := range calls {
		got = append(got, c.Event)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events received, in order:\n%v\nwant\n%v", got, want)
	}
	seen := map[string]bool{}
	for i, c := range calls {
		if err := verifySignature(hook.Secret, c.Signature, c.Body); err != nil {
			t.Errorf("%s: %v", c.Event, err)
		}
		if err := verifySignature(doneHook.Secret, c.Signature, c.Body); err == nil {
			t.Errorf("%s verifies with another webhook's secret", c.Event)
		}
		p := c.payload(t)
		if p.Event != c.Event || p.ID != c.Delivery || seen[p.ID] || len(p.ID) != 36 || c.ContentType != "application/json" {
			t.Errorf("delivery %d: header event %s id %s, payload event %s id %s, content type %q", i, c.Event, c.Delivery, p.Event, p.ID, c.ContentType)
		}
		seen[p.ID] = true
		if p.Space.ID != tm.SpaceID || p.Space.Name != "Team" || p.Time == "" {
			t.Errorf("%s: space %+v, time %q", c.Event, p.Space, p.Time)
		}
		if strings.HasPrefix(c.Event, "member.") {
			if p.Project != nil {
				t.Errorf("%s names a project: %+v", c.Event, p.Project)
			}
		} else if p.Project == nil {
			t.Errorf("%s names no project", c.Event)
		}
	}
	task := func(i int) (tHookPayload, tTask) {
		p := calls[i].payload(t)
		var k tTask
		if err := json.Unmarshal(p.Data, &k); err != nil {
			t.Fatalf("%s data: %v", p.Event, err)
		}
		return p, k
	}
	if p, k := task(1); k.Title != "Ship it" || p.Actor == nil || p.Actor.ID != tm.Member.ID || p.Actor.Name != "member" ||
		p.Project.ID != b.ProjectID || p.Project.Name != "General" || p.Changes != nil {
		t.Errorf("task.added: %+v %+v", p, k)
	}
	if p, k := task(2); k.Title != "Ship it now" || p.Changes["title"].From != "Ship it" || p.Changes["title"].To != "Ship it now" {
		t.Errorf("task.updated: changes %+v, task %+v", p.Changes, k)
	}
	if p, k := task(3); *k.StatusID != b.col(t, "In Progress") || p.Changes["statusId"].To != b.col(t, "In Progress") {
		t.Errorf("task.moved: changes %+v", p.Changes)
	}
	if p, k := task(4); k.CompletedAt == nil || p.Changes["completedAt"].From != nil || p.Changes["completedAt"].To != "2026-03-01T10:00:00.000Z" {
		t.Errorf("task.completed: changes %+v", p.Changes)
	}
	var c tComment
	if err := json.Unmarshal(calls[5].payload(t).Data, &c); err != nil || c.Content != "done!" || c.TaskID != k.ID {
		t.Errorf("comment.added data: %+v %v", c, err)
	}
	if p, k := task(7); k.ID == "" || p.Actor.ID != tm.Admin.ID {
		t.Errorf("task.deleted: %+v %+v", p, k)
	}
	var m tMember
	if err := json.Unmarshal(calls[9].payload(t).Data, &m); err != nil || m.UserID != newbie.ID || m.Role != "member" {
		t.Errorf("member.added data: %+v %v", m, err)
	}

	dc := doneOnly.wait("the completion", func(c []hookCall) bool { return len(c) >= 1 })
	pc := projectOnly.wait("the other project's task", func(c []hookCall) bool { return len(c) >= 1 })
	// Give the worker every chance to send more than it should: wait
	// until the all-events receiver's last delivery (after both) is in.
	if len(dc) != 1 || dc[0].Event != "task.completed" || verifySignature(doneHook.Secret, dc[0].Signature, dc[0].Body) != nil {
		t.Errorf("the task.completed subscription got %s", describeCalls(dc))
	}
	if len(pc) != 1 || pc[0].Event != "task.added" {
		t.Errorf("the other project's subscription got %s", describeCalls(pc))
	}
	ds := e.waitDeliveries(tm.Owner, hook.ID, "every delivery delivered", func(ds []tDelivery) bool {
		return len(ds) == len(want) && !slices.ContainsFunc(ds, func(d tDelivery) bool { return d.State != "delivered" })
	})
	if d := ds[0]; d.Attempts != 1 || d.ResponseCode == nil || *d.ResponseCode != 204 || d.DurationMs == nil || d.Error != nil ||
		d.NextAttemptAt != nil || d.LastAttemptAt == nil || d.WebhookID != hook.ID || d.ID != calls[len(calls)-1].Delivery {
		t.Errorf("the newest delivery: %+v", d)
	}
}

// A receiver that fails three times (a 500, a 503 with Retry-After, a
// dropped connection) and then answers gets each event, and in the end
// accepts each once, always under the same delivery id.
func TestWebhookRetriesUntilDelivered(t *testing.T) {
	e := newHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	rcv := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		switch n % 4 {
		case 0:
			return 500
		case 1:
			w.Header().Set("Retry-After", "0")
			return 503
		case 2:
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return 0
		}
		return 200
	})
	hook := e.newWebhook(u, b.SpaceID, rcv.URL(), []string{"task.added"}, nil)
	first := e.createTask(u, b.ProjectID, map[string]any{"title": "one"})
	e.createTask(u, b.ProjectID, map[string]any{"title": "two"})
	calls := rcv.wait("two events accepted", func(c []hookCall) bool { return len(accepted(c)) >= 2 })
	if len(calls) != 8 {
		t.Fatalf("the receiver got %d requests, want 8 (4 per event): %s", len(calls), describeCalls(calls))
	}
	for i, c := range calls {
		if c.Delivery != calls[i/4*4].Delivery {
			t.Fatalf("attempt %d came with delivery id %s, the first attempt's was %s", i, c.Delivery, calls[i/4*4].Delivery)
		}
		var k tTask
		json.Unmarshal(c.payload(t).Data, &k)
		if want := []string{"one", "two"}[i/4]; k.Title != want {
			t.Fatalf("attempt %d was of %q, want %q: a later event overtook an earlier one", i, k.Title, want)
		}
		if err := verifySignature(hook.Secret, c.Signature, c.Body); err != nil {
			t.Fatal(err)
		}
	}
	ds := e.waitDeliveries(u, hook.ID, "both delivered", func(ds []tDelivery) bool {
		return len(ds) == 2 && ds[0].State == "delivered" && ds[1].State == "delivered"
	})
	for _, d := range ds {
		if d.Attempts != 4 || *d.ResponseCode != 200 {
			t.Errorf("delivery %+v, want 4 attempts ending in 200", d)
		}
	}
	_ = first
}

// The wait after a 429 is what its Retry-After asks (bounded), not the
// backoff.
func TestWebhookHonoursRetryAfter(t *testing.T) {
	e := newHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	rcv := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		w.Header().Set("Retry-After", "120")
		return 429
	})
	hook := e.newWebhook(u, b.SpaceID, rcv.URL(), []string{"task.added"}, nil)
	e.createTask(u, b.ProjectID, nil)
	ds := e.waitDeliveries(u, hook.ID, "a refused attempt", func(ds []tDelivery) bool { return len(ds) == 1 && ds[0].LastAttemptAt != nil })
	d := ds[0]
	last, _ := time.Parse(store.TimeFormat, *d.LastAttemptAt)
	next, _ := time.Parse(store.TimeFormat, *d.NextAttemptAt)
	if d.State != "pending" || *d.ResponseCode != 429 || next.Sub(last) < 119*time.Second || next.Sub(last) > 130*time.Second {
		t.Fatalf("after a 429 with Retry-After: 120: %+v (next attempt %s after the last)", d, next.Sub(last))
	}
	if len(rcv.got()) != 1 {
		t.Fatalf("retried before Retry-After: %s", describeCalls(rcv.got()))
	}
}

// Under a thousand changes, with a receiver refusing some at random, the
// receiver accepts every event exactly once and in the order the changes
// were made, never sent two at once.
func TestWebhookOrderUnderLoad(t *testing.T) {
	e := newHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	r := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		if sum := sha256.Sum256([]byte(c.Delivery + fmt.Sprint(n))); sum[0] < 40 {
			return 503
		}
		return 204
	})
	e.newWebhook(u, b.SpaceID, r.URL(), []string{"task.added"}, nil)
	// The changes are made straight in the store, ten to a transaction,
	// while the worker sends: through the API, a thousand requests take
	// half a minute under the race detector, and add nothing here.
	const n = 1000
	for i := 0; i < n; i += 10 {
		err := e.st.Write(context.Background(), func(tx *store.Tx) error {
			tx.SetActor(u.ID)
			for j := i; j < i+10; j++ {
				k := &store.Task{ProjectID: b.ProjectID, SpaceID: b.SpaceID, Title: fmt.Sprint(j), Priority: "none", CreatorID: u.ID}
				if err := tx.CreateTask(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	calls := r.wait("a thousand accepted", func(c []hookCall) bool { return len(accepted(c)) >= n })
	ok := accepted(calls)
	if len(ok) != n || len(calls) == n {
		t.Fatalf("the receiver accepted %d deliveries of %d requests, want %d and some refused", len(ok), len(calls), n)
	}
	for i, c := range ok {
		var k tTask
		json.Unmarshal(c.payload(t).Data, &k)
		if k.Title != fmt.Sprint(i) {
			t.Fatalf("delivery %d was of task %q, want %d", i, k.Title, i)
		}
	}
	checkInOrder(t, calls)
	if m := r.most(); m != 1 {
		t.Fatalf("the receiver was sent %d deliveries at once", m)
	}
}

// Subscriptions go side by side: one whose receiver is stuck on a
// delivery holds up no other.
func TestWebhookSlowReceiverHoldsUpNoOther(t *testing.T) {
	e := newHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	release := make(chan struct{})
	slow := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		if n == 0 {
			<-release
		}
		return 204
	})
	fast := newReceiver(t, nil)
	e.newWebhook(u, b.SpaceID, slow.URL(), []string{"task.added"}, nil)
	e.newWebhook(u, b.SpaceID, fast.URL(), []string{"task.added"}, nil)
	for i := range 3 {
		e.createTask(u, b.ProjectID, map[string]any{"title": fmt.Sprint(i)})
	}
	fast.wait("every event at the fast receiver while the slow one holds its first", func(c []hookCall) bool { return len(c) == 3 })
	if got := slow.got(); len(got) != 0 {
		t.Fatalf("the slow receiver answered %d before it was let go", len(got))
	}
	close(release)
	calls := slow.wait("the slow receiver's events", func(c []hookCall) bool { return len(c) == 3 })
	checkInOrder(t, calls)
}

// One space's webhooks, stuck on slow receivers with a backlog behind
// them, hold up no other space's: a space has at most half the worker's
// slots, so another's delivery goes at once; and a webhook gives its slot
// back after each delivery while another's waits, so the slots go round
// the space's webhooks in turn, each in its own order.
func TestWebhookBusySpaceHoldsUpNoOther(t *testing.T) {
	e := newHookEnv(t)
	ann, bob := e.newUser("ann"), e.newUser("bob")
	ab, bb := e.personalBoard(ann), e.personalBoard(bob)
	release, ended := make(chan struct{}), make(chan struct{})
	starts := make(chan string, 64) // the path of each request the slow receiver began
	slow := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		starts <- c.Path
		hold(release, ended)
		return 204
	})
	t.Cleanup(func() { close(ended) })
	bobsIn := make(chan struct{})
	fast := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		if n == 0 {
			close(bobsIn)
		}
		return 204
	})
	e.newWebhook(bob, bb.SpaceID, fast.URL(), []string{"task.added"}, nil)
	const hooks, backlog = 8, 3 // as many webhooks as the worker has slots
	for i := range hooks {
		e.newWebhook(ann, ab.SpaceID, fmt.Sprintf("%s/%d", slow.URL(), i), []string{"task.added"}, nil)
	}
	for i := range backlog {
		e.createTask(ann, ab.ProjectID, map[string]any{"title": fmt.Sprint(i)})
	}
	next := func(what string) string {
		t.Helper()
		select {
		case p := <-starts:
			return p
		case <-time.After(60 * time.Second):
			t.Fatalf("waited 60s for %s", what)
		}
		return ""
	}
	begun := map[string]bool{}
	for range hooks / 2 {
		begun[next("ann's first deliveries")] = true
	}
	e.createTask(bob, bb.ProjectID, nil)
	select {
	case <-bobsIn:
	case p := <-starts:
		t.Fatalf("ann's webhook %s took another slot while bob's delivery waited", p)
	case <-time.After(60 * time.Second):
		t.Fatal("waited 60s for bob's delivery while ann's receivers were stuck")
	}
	if got := slow.got(); len(got) != 0 {
		t.Fatalf("ann's receivers answered %d before bob's was in", len(got))
	}
	// One of ann's four answers: the slot goes to a webhook of hers that
	// has had none, not to the next delivery of the one answered.
	release <- struct{}{}
	if p := next("the slot given back"); begun[p] {
		t.Fatalf("the slot went back to %s (begun: %v) while ann's other webhooks waited", p, begun)
	}
	close(release)
	calls := slow.wait("ann's backlog", func(c []hookCall) bool { return len(c) == hooks*backlog })
	if m := slow.most(); m > hooks/2 {
		t.Fatalf("ann's receivers were sent %d at once", m)
	}
	titles := map[string][]string{}
	for _, c := range calls {
		var k tTask
		json.Unmarshal(c.payload(t).Data, &k)
		titles[c.Path] = append(titles[c.Path], k.Title)
	}
	for path, got := range titles {
		if !slices.Equal(got, []string{"0", "1", "2"}) {
			t.Errorf("%s got %v", path, got)
		}
	}
}

// Stopping the worker mid-send gives the delivery back as it was: pending,
// with the attempt cut short not counted, and sent at the next start.
func TestWebhookStopTakesBackTheAttempt(t *testing.T) {
	db := freshDB(t)
	st := openStoreAt(t, db)
	srv := server.New(st, server.WithLogger(slog.New(slog.NewTextHandler(testLog(), nil))), server.WithRateLimit(0),
		server.WithPrivateWebhooks(true))
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Webhooks().Stop()
		hs.Close()
	})
	e := &testEnv{t: t, st: st, db: db, srv: hs}
	u := e.newUser("ada")
	b := e.personalBoard(u)
	ended := make(chan struct{})
	started := make(chan struct{}, 2)
	var calls atomic.Int32 // n counts answered requests; this, begun ones
	rcv := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		started <- struct{}{}
		if calls.Add(1) == 1 {
			<-ended // held until the test is over: the worker stops meanwhile
		}
		return 204
	})
	t.Cleanup(func() { close(ended) })
	hook := e.newWebhook(u, b.SpaceID, rcv.URL(), []string{"task.added"}, nil)
	e.createTask(u, b.ProjectID, nil)
	srv.Webhooks().Start(context.Background())
	<-started
	srv.Webhooks().Stop()
	if d := e.deliveries(u, hook.ID)[0]; d.State != "pending" || d.Attempts != 0 || d.LastAttemptAt != nil {
		t.Fatalf("the delivery cut short by a stop: %+v", d)
	}
	srv.Webhooks().Start(context.Background())
	e.waitDeliveries(u, hook.ID, "the delivery sent at the next start", func(ds []tDelivery) bool {
		return ds[0].State == "delivered" && ds[0].Attempts == 1
	})
}

// hold waits until release lets one request go, or the test has ended.
func hold(release, ended <-chan struct{}) {
	select {
	case <-release:
	case <-ended:
	}
}

// checkInOrder fails unless a refused delivery was tried again before any
// later one, and no delivery was accepted twice.
func checkInOrder(t *testing.T, calls []hookCall) {
	t.Helper()
	took := map[string]bool{}
	for i, c := range calls {
		if i > 0 && calls[i-1].Status >= 300 && c.Delivery != calls[i-1].Delivery {
			t.Fatalf("after refusing %s the receiver got %s", calls[i-1].Delivery, c.Delivery)
		}
		if c.Status < 300 {
			if took[c.Delivery] {
				t.Fatalf("delivery %s was accepted twice", c.Delivery)
			}
			took[c.Delivery] = true
		}
	}
}

// Without --allow-private-webhooks, a URL on loopback, a private network,
// link-local (the cloud metadata service) or another internal range is
// refused; and a URL that reaches such an address later (its name
// resolving elsewhere; here, changed behind the API's back) is refused as
// it connects, so the receiver never hears a thing.
func TestWebhookPrivateDestinationsRefused(t *testing.T) {
	e := newHookEnv(t, server.WithPrivateWebhooks(false))
	u := e.newUser("ada")
	b := e.personalBoard(u)
	for _, url := range []string{
		"http://127.0.0.1:8080/hook", "http://localhost/hook", "http://api.localhost/hook", "http://10.1.2.3/",
		"http://172.16.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
		"http://[fd00::1]/", "http://[fe80::1]/", "http://0.0.0.0/", "http://100.64.0.1/", "http://224.0.0.1/",
		"http://[::ffff:127.0.0.1]/", "http://[64:ff9b::a00:1]/", "http://[2002:c0a8:101::1]/",
		"http://[::127.0.0.1]/", "http://[::ffff:0:7f00:1]/", "http://[::10.0.0.1]/", "http://198.18.0.1/", "http://255.255.255.255/",
	} {
		if er := e.do(u.Token, "POST", "/api/webhooks", map[string]any{"spaceId": b.SpaceID, "url": url, "events": []string{"task.added"}}).
			wantErr(t, 400, "validation_failed"); er.Field != "url" {
			t.Errorf("%s: %+v", url, er)
		}
	}
	rcv := newReceiver(t, nil)
	hook := e.newWebhook(u, b.SpaceID, "https://203.0.113.9/hook", []string{"task.added"}, nil)
	e.do(u.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"url": rcv.URL()}).wantErr(t, 400, "validation_failed")
	e.execSQL(`UPDATE webhooks SET url = ? WHERE id = ?`, rcv.URL(), hook.ID)
	e.createTask(u, b.ProjectID, nil)
	ds := e.waitDeliveries(u, hook.ID, "the refusal", func(ds []tDelivery) bool { return len(ds) == 1 && ds[0].State == "failed" })
	if d := ds[0]; d.Attempts != 1 || d.ResponseCode != nil || d.Error == nil || !strings.Contains(*d.Error, "127.0.0.1") ||
		!strings.Contains(*d.Error, "--allow-private-webhooks") {
		t.Fatalf("the delivery to loopback: %+v (error %s)", d, str(d.Error))
	}
	if got := rcv.got(); len(got) != 0 {
		t.Fatalf("the receiver on loopback got %s", describeCalls(got))
	}
}

// A redirect is not followed: the delivery fails at once with the 3xx,
// and the address it pointed at hears nothing. Another 4xx fails at once
// too; a huge answer is read no further than 64 KiB and harms nothing.
func TestWebhookRedirectsAndAnswers(t *testing.T) {
	e := newHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	target := newReceiver(t, nil)
	redirect := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		w.Header().Set("Location", target.URL())
		return http.StatusTemporaryRedirect
	})
	gone := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int { return 410 })
	huge := func(status int) func(int, hookCall, http.ResponseWriter) int {
		return func(n int, c hookCall, w http.ResponseWriter) int {
			w.WriteHeader(status)
			chunk := bytes.Repeat([]byte("\x1b]52;c;boom\a"), 4096)
			for i := 0; i < 200; i++ { // 10 MB, more than anyone reads
				if _, err := w.Write(chunk); err != nil {
					break
				}
			}
			return 0
		}
	}
	big := newReceiver(t, huge(200))
	bigErr := newReceiver(t, huge(400))
	hooks := map[string]tWebhook{}
	for name, r := range map[string]*hookReceiver{"redirect": redirect, "gone": gone, "big": big, "bigErr": bigErr} {
		hooks[name] = e.newWebhook(u, b.SpaceID, r.URL(), []string{"task.added"}, nil)
	}
	e.createTask(u, b.ProjectID, nil)
	final := func(name string) tDelivery {
		return e.waitDeliveries(u, hooks[name].ID, name+" finished", func(ds []tDelivery) bool {
			return len(ds) == 1 && ds[0].State != "pending"
		})[0]
	}
	if d := final("redirect"); d.State != "failed" || d.Attempts != 1 || *d.ResponseCode != 307 || !strings.Contains(*d.Error, "not followed") {
		t.Errorf("redirected delivery: %+v %s", d, str(d.Error))
	}
	if d := final("gone"); d.State != "failed" || d.Attempts != 1 || *d.ResponseCode != 410 {
		t.Errorf("delivery answered 410: %+v", d)
	}
	if d := final("big"); d.State != "delivered" || *d.ResponseCode != 200 {
		t.Errorf("delivery answered with 10 MB: %+v %s", d, str(d.Error))
	}
	if d := final("bigErr"); d.State != "failed" || *d.ResponseCode != 400 || len(*d.Error) > 600 {
		t.Errorf("delivery refused with 10 MB: %+v (error of %d bytes)", d, len(str(d.Error)))
	}
	if got := target.got(); len(got) != 0 {
		t.Fatalf("the redirect was followed: %s", describeCalls(got))
	}
}

// Ping sends a ping to any subscription; redeliver sends a delivery again
// under its own id. Neither works on a disabled subscription; turning it
// back on makes the one who did it its owner.
func TestWebhookPingRedeliverAndDisable(t *testing.T) {
	e := newHookEnv(t)
	tm := newTeam(t, e)
	rcv := newReceiver(t, nil)
	hook := e.newWebhook(tm.Admin, tm.SpaceID, rcv.URL(), []string{"task.added"}, nil)
	var out struct{ Delivery tDelivery }
	e.do(tm.Admin.Token, "POST", "/api/webhooks/"+hook.ID+"/ping", nil).want(t, 202, &out)
	if out.Delivery.Event != "ping" || out.Delivery.State != "pending" {
		t.Fatalf("ping answered %+v", out.Delivery)
	}
	calls := rcv.wait("the ping", func(c []hookCall) bool { return len(c) == 1 })
	p := calls[0].payload(t)
	var data struct{ Webhook struct{ ID, URL string } }
	json.Unmarshal(p.Data, &data)
	if calls[0].Event != "ping" || p.ID != out.Delivery.ID || data.Webhook.ID != hook.ID || p.Actor.ID != tm.Admin.ID {
		t.Fatalf("ping delivery %+v, data %+v", p, data)
	}
	if err := verifySignature(hook.Secret, calls[0].Signature, calls[0].Body); err != nil {
		t.Fatal(err)
	}
	e.waitDeliveries(tm.Admin, hook.ID, "the ping delivered", func(ds []tDelivery) bool { return ds[0].State == "delivered" })
	e.do(tm.Owner.Token, "POST", "/api/webhooks/"+hook.ID+"/deliveries/"+out.Delivery.ID+"/redeliver", nil).want(t, 202, &out)
	calls = rcv.wait("the redelivery", func(c []hookCall) bool { return len(c) == 2 })
	if calls[1].Delivery != calls[0].Delivery || !bytes.Equal(calls[1].Body, calls[0].Body) {
		t.Fatalf("redelivered as %s %s, first sent as %s %s", calls[1].Delivery, calls[1].Body, calls[0].Delivery, calls[0].Body)
	}
	e.do(tm.Owner.Token, "POST", "/api/webhooks/"+hook.ID+"/deliveries/00000000-0000-4000-8000-000000000000/redeliver", nil).wantErr(t, 404, "not_found")

	var patched struct{ Webhook tWebhook }
	e.do(tm.Owner.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"active": false}).want(t, 200, &patched)
	if w := patched.Webhook; w.Active || w.DisabledReason == nil || *w.DisabledReason != "turned off by owner" {
		t.Fatalf("turned off: %+v", w)
	}
	e.createTask(tm.Owner, tm.Board.ProjectID, nil)
	e.do(tm.Owner.Token, "POST", "/api/webhooks/"+hook.ID+"/ping", nil).wantErr(t, 409, "webhook_disabled")
	e.do(tm.Owner.Token, "POST", "/api/webhooks/"+hook.ID+"/deliveries/"+out.Delivery.ID+"/redeliver", nil).wantErr(t, 409, "webhook_disabled")
	if ds := e.deliveries(tm.Owner, hook.ID); len(ds) != 1 {
		t.Fatalf("a disabled webhook got a delivery queued: %+v", ds)
	}
	e.do(tm.Owner.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"active": true}).want(t, 200, &patched)
	if w := patched.Webhook; !w.Active || w.DisabledAt != nil || w.OwnerID != tm.Owner.ID {
		t.Fatalf("turned back on: %+v", w)
	}
	e.createTask(tm.Owner, tm.Board.ProjectID, nil)
	rcv.wait("the event after turning it on", func(c []hookCall) bool { return len(c) == 3 && c[2].Event == "task.added" })
}

// Redelivering: a delivery being sent right now can't be (409
// delivery_in_flight: the attempt's outcome would overwrite it); a
// finished one is queued again under its own id, behind everything queued
// before, with its attempts starting afresh (so its backoff does too).
func TestWebhookRedeliverQueuesAfresh(t *testing.T) {
	e := newHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	release, ended := make(chan struct{}), make(chan struct{})
	rcv := newReceiver(t, func(n int, c hookCall, w http.ResponseWriter) int {
		switch n {
		case 0: // the first delivery's first attempt: held, then refused
			hold(release, ended)
			return 400
		case 2: // the second delivery: held while the first is redelivered
			hold(release, ended)
		}
		return 204
	})
	t.Cleanup(func() { close(ended) }) // before the receiver closes, should the test fail
	hook := e.newWebhook(u, b.SpaceID, rcv.URL(), []string{"task.added"}, nil)
	redeliver := func(id string) testResp {
		return e.do(u.Token, "POST", "/api/webhooks/"+hook.ID+"/deliveries/"+id+"/redeliver", nil)
	}
	e.createTask(u, b.ProjectID, map[string]any{"title": "one"})
	first := e.waitDeliveries(u, hook.ID, "the first delivery being sent", func(ds []tDelivery) bool {
		return len(ds) == 1 && ds[0].Attempts == 1
	})[0]
	if er := redeliver(first.ID).wantErr(t, 409, "delivery_in_flight"); !strings.Contains(er.Error, "being sent") {
		t.Fatalf("redelivering a delivery being sent: %+v", er)
	}
	release <- struct{}{}
	e.waitDeliveries(u, hook.ID, "the refusal", func(ds []tDelivery) bool { return ds[0].State == "failed" })
	var out struct{ Delivery tDelivery }
	redeliver(first.ID).want(t, 202, &out)
	if d := out.Delivery; d.ID != first.ID || d.State != "pending" || d.Attempts != 0 || d.ResponseCode != nil || d.Error != nil ||
		d.LastAttemptAt != nil || d.NextAttemptAt == nil {
		t.Fatalf("the failed delivery redelivered: %+v", d)
	}
	e.waitDeliveries(u, hook.ID, "the redelivery delivered", func(ds []tDelivery) bool {
		return ds[0].State == "delivered" && ds[0].Attempts == 1
	})

	// The second is held at the receiver while the third waits behind it;
	// the first, redelivered now, goes after both.
	e.createTask(u, b.ProjectID, map[string]any{"title": "two"})
	e.waitDeliveries(u, hook.ID, "the second being sent", func(ds []tDelivery) bool { return len(ds) == 2 && ds[0].Attempts == 1 })
	e.createTask(u, b.ProjectID, map[string]any{"title": "three"})
	redeliver(first.ID).want(t, 202, &out)
	if ds := e.deliveries(u, hook.ID); len(ds) != 3 || ds[0].ID != first.ID {
		t.Fatalf("the redelivered delivery is not the newest queued: %+v", ds)
	}
	release <- struct{}{}
	calls := rcv.wait("every delivery", func(c []hookCall) bool { return len(c) == 5 })
	var titles []string
	for _, c := range calls {
		var k tTask
		json.Unmarshal(c.payload(t).Data, &k)
		titles = append(titles, k.Title)
	}
	if want := []string{"one", "one", "two", "three", "one"}; !slices.Equal(titles, want) {
		t.Fatalf("the receiver got %v, want %v", titles, want)
	}
	if calls[4].Delivery != first.ID {
		t.Fatalf("redelivered as %s, first sent as %s", calls[4].Delivery, first.ID)
	}
}

// A subscription belongs to the space, answered for by its owner: when the
// owner leaves the space or stops being an Owner or Admin, it is disabled
// at once (what they chose must not go on hearing the space), with the
// reason shown; another Admin may turn it back on and answer for it.
func TestWebhookOwnerLeavingDisablesIt(t *testing.T) {
	e := newHookEnv(t)
	tm := newTeam(t, e)
	rcv := newReceiver(t, nil)
	hook := e.newWebhook(tm.Admin, tm.SpaceID, rcv.URL(), []string{"task.added", "member.removed"}, nil)
	e.do(tm.Owner.Token, "PATCH", "/api/spaces/"+tm.SpaceID+"/members/"+tm.Admin.ID, map[string]any{"role": "member"}).want(t, 200, nil)
	e.createTask(tm.Owner, tm.Board.ProjectID, nil)
	got := e.webhooks(tm.Owner, tm.SpaceID)[0]
	if got.Active || got.DisabledReason == nil || !strings.Contains(*got.DisabledReason, "admin is no longer an Owner or Admin") {
		t.Fatalf("after its owner became a member: %+v", got)
	}
	if ds := e.deliveries(tm.Owner, hook.ID); len(ds) != 0 {
		t.Fatalf("deliveries queued for it: %+v", ds)
	}
	e.do(tm.Owner.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"active": true}).want(t, 200, nil)
	// Removing someone else leaves it be; it hears of it.
	e.do(tm.Owner.Token, "DELETE", "/api/spaces/"+tm.SpaceID+"/members/"+tm.Viewer.ID, nil).want(t, 200, nil)
	rcv.wait("member.removed", func(c []hookCall) bool { return len(c) == 1 && c[0].Event == "member.removed" })
	if w := e.webhooks(tm.Owner, tm.SpaceID)[0]; !w.Active || w.OwnerID != tm.Owner.ID {
		t.Fatalf("after the owner turned it back on: %+v", w)
	}
	// A second one, made by the admin (an Admin again), goes when they leave.
	e.do(tm.Owner.Token, "PATCH", "/api/spaces/"+tm.SpaceID+"/members/"+tm.Admin.ID, map[string]any{"role": "admin"}).want(t, 200, nil)
	second := e.newWebhook(tm.Admin, tm.SpaceID, rcv.URL(), []string{"task.added"}, nil)
	e.do(tm.Admin.Token, "DELETE", "/api/spaces/"+tm.SpaceID+"/members/"+tm.Admin.ID, nil).want(t, 200, nil)
	for _, w := range e.webhooks(tm.Owner, tm.SpaceID) {
		if w.ID == second.ID && w.Active || w.ID == hook.ID && !w.Active {
			t.Fatalf("after the admin left: %+v", w)
		}
	}
}

// Whoever redirects a subscription answers for it: an Admin who changes
// its URL, events or project becomes its owner, so removing them disables
// it and their receiver hears nothing more of the space. A description's
// change leaves the owner be.
func TestWebhookEditorBecomesOwner(t *testing.T) {
	e := newHookEnv(t)
	tm := newTeam(t, e)
	owners := newReceiver(t, nil)
	admins := newReceiver(t, nil)
	hook := e.newWebhook(tm.Owner, tm.SpaceID, owners.URL(), []string{"task.added"}, nil)
	var patched struct{ Webhook tWebhook }
	e.do(tm.Admin.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"description": "notes"}).want(t, 200, &patched)
	if patched.Webhook.OwnerID != tm.Owner.ID {
		t.Fatalf("a description's change made %s the owner", patched.Webhook.OwnerName)
	}
	e.do(tm.Admin.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"url": admins.URL()}).want(t, 200, &patched)
	if w := patched.Webhook; w.OwnerID != tm.Admin.ID || w.OwnerName != "admin" || w.URL != admins.URL() {
		t.Fatalf("after the admin pointed it at their receiver: %+v", w)
	}
	e.createTask(tm.Owner, tm.Board.ProjectID, map[string]any{"title": "before"})
	admins.wait("the event before the admin went", func(c []hookCall) bool { return len(c) == 1 })
	e.do(tm.Owner.Token, "DELETE", "/api/spaces/"+tm.SpaceID+"/members/"+tm.Admin.ID, nil).want(t, 200, nil)
	w := e.webhooks(tm.Owner, tm.SpaceID)[0]
	if w.Active || w.DisabledReason == nil || !strings.Contains(*w.DisabledReason, "admin is no longer an Owner or Admin") {
		t.Fatalf("after the admin who redirected it was removed: %+v", w)
	}
	e.createTask(tm.Owner, tm.Board.ProjectID, map[string]any{"title": "after"})
	if ds := e.deliveries(tm.Owner, hook.ID); len(ds) != 1 {
		t.Fatalf("deliveries queued after the admin was removed: %+v", ds)
	}
	// Events and project changes count too.
	e.do(tm.Owner.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"active": true}).want(t, 200, nil)
	e.do(tm.Owner.Token, "PATCH", "/api/spaces/"+tm.SpaceID+"/members/"+tm.Member.ID, map[string]any{"role": "admin"}).want(t, 200, nil)
	e.do(tm.Member.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"events": []string{"task.added", "task.completed"}}).want(t, 200, &patched)
	if patched.Webhook.OwnerID != tm.Member.ID {
		t.Fatalf("after a new admin changed its events: owner %s", patched.Webhook.OwnerName)
	}
	e.do(tm.Owner.Token, "PATCH", "/api/webhooks/"+hook.ID, map[string]any{"projectId": tm.Board.ProjectID}).want(t, 200, &patched)
	if patched.Webhook.OwnerID != tm.Owner.ID {
		t.Fatalf("after the owner narrowed it to a project: owner %s", patched.Webhook.OwnerName)
	}
}

// A subscription whose deliveries fail for three days on end is disabled,
// and says so; a delivery that fails for 24 hours is marked failed. The
// failures here are never more than a day apart: a retry, then a new
// event's delivery, then its retry.
func TestWebhookFailingForThreeDaysIsDisabled(t *testing.T) {
	e, clock := newClockedHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	rcv := newReceiver(t, func(int, hookCall, http.ResponseWriter) int { return 500 })
	hook := e.newWebhook(u, b.SpaceID, rcv.URL(), []string{"task.added"}, nil)
	e.createTask(u, b.ProjectID, nil)
	w := e.waitWebhook(u, b.SpaceID, "a failure", func(w tWebhook) bool { return w.FailingSince != nil })
	since := *w.FailingSince
	// recorded waits until the newest delivery's attempt of this moment is
	// recorded, before the clock moves on.
	recorded := func(what string) {
		t.Helper()
		e.waitDeliveries(u, hook.ID, what, func(ds []tDelivery) bool {
			return ds[0].LastAttemptAt != nil && *ds[0].LastAttemptAt == store.FormatTime(clock.Now())
		})
	}
	clock.Advance(20 * time.Hour)
	recorded("the retry")
	clock.Advance(20 * time.Hour)
	ds := e.waitDeliveries(u, hook.ID, "the delivery failed after 24 hours", func(ds []tDelivery) bool { return ds[0].State == "failed" })
	if d := ds[0]; *d.ResponseCode != 500 || d.Attempts < 3 {
		t.Fatalf("failed delivery: %+v", d)
	}
	clock.Advance(20 * time.Hour)
	e.createTask(u, b.ProjectID, nil)
	recorded("the next event's delivery")
	if w := e.webhooks(u, b.SpaceID)[0]; !w.Active || w.FailingSince == nil || *w.FailingSince != since {
		t.Fatalf("failing for 60 hours: %+v (failing since %s, want %s)", w, str(w.FailingSince), since)
	}
	clock.Advance(20 * time.Hour)
	w = e.waitWebhook(u, b.SpaceID, "disabled after failing for 3 days", func(w tWebhook) bool { return !w.Active })
	if w.DisabledReason == nil || *w.DisabledReason != "its deliveries failed for 3 days" || w.PendingDeliveries != 0 {
		t.Fatalf("disabled: %+v", w)
	}
}

// Failing for three days means failing all along: one refusal, three
// quiet days, and then a failure that will be retried is a new run of
// failures, not three days of them; and a success ends a run.
func TestWebhookOldFailureThenQuietIsNotFailing(t *testing.T) {
	e, clock := newClockedHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	var mended atomic.Bool
	rcv := newReceiver(t, func(n int, _ hookCall, _ http.ResponseWriter) int {
		switch {
		case n == 0:
			return 400
		case mended.Load():
			return 204
		}
		return 500
	})
	hook := e.newWebhook(u, b.SpaceID, rcv.URL(), []string{"task.added"}, nil)
	e.createTask(u, b.ProjectID, nil)
	e.waitDeliveries(u, hook.ID, "the refusal", func(ds []tDelivery) bool { return len(ds) == 1 && ds[0].State == "failed" })
	first := *e.webhooks(u, b.SpaceID)[0].FailingSince
	clock.Advance(73 * time.Hour)
	e.createTask(u, b.ProjectID, nil)
	rcv.wait("the 500", func(c []hookCall) bool { return len(c) >= 2 })
	w := e.waitWebhook(u, b.SpaceID, "the 500 recorded", func(w tWebhook) bool {
		return !w.Active || w.FailingSince != nil && *w.FailingSince != first
	})
	if !w.Active || *w.FailingSince != store.FormatTime(clock.Now()) {
		t.Fatalf("after a refusal, 73 quiet hours and a 500: %+v (failing since %s, the refusal at %s)", w, str(w.FailingSince), first)
	}
	mended.Store(true)
	clock.Advance(time.Minute)
	e.waitWebhook(u, b.SpaceID, "the retry accepted", func(w tWebhook) bool { return w.FailingSince == nil })
}

// waitWebhook polls the space's first webhook until cond holds of it.
func (e *testEnv) waitWebhook(u testUser, spaceID, what string, cond func(tWebhook) bool) tWebhook {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		w := e.webhooks(u, spaceID)[0]
		if cond(w) {
			return w
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("waited 30s for %s: %+v", what, w)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Members, Viewers, outsiders and no token can't read a space's
// subscriptions or their deliveries.
func TestWebhookReadsByRole(t *testing.T) {
	e := newHookEnv(t)
	tm := newTeam(t, e)
	hook := e.newWebhook(tm.Owner, tm.SpaceID, "https://203.0.113.9/hook", []string{"task.added"}, nil)
	want := []int{200, 200, 403, 403, 404, 401}
	for _, path := range []string{"/api/webhooks?spaceId=" + tm.SpaceID, "/api/webhooks/" + hook.ID + "/deliveries"} {
		for i, role := range roleNames {
			t.Run(role+" GET "+path, func(t *testing.T) {
				res := e.do(tm.as(role), "GET", path, nil)
				if want[i] == 200 {
					res.want(t, 200, nil)
					return
				}
				res.wantErr(t, want[i], codeFor[want[i]])
			})
		}
	}
}

// What a column change does to its cards is reported as it would be had
// each card been changed alone: a column made done completes its cards
// (task.completed), a column deleted moves its cards (task.moved).
func TestWebhookColumnChangesAreEvents(t *testing.T) {
	e := newHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	rcv := newReceiver(t, nil)
	e.newWebhook(u, b.SpaceID, rcv.URL(), []string{"task.completed", "task.moved", "task.updated"}, nil)
	review := e.createTask(u, b.ProjectID, map[string]any{"title": "in review", "statusId": b.col(t, "In Review")})
	doing := e.createTask(u, b.ProjectID, map[string]any{"title": "in progress", "statusId": b.col(t, "In Progress")})
	e.do(u.Token, "PATCH", "/api/statuses/"+b.col(t, "In Review"), map[string]any{"isDone": true}).want(t, 200, nil)
	e.do(u.Token, "DELETE", "/api/statuses/"+b.col(t, "In Progress")+"?moveTo="+b.col(t, "To Do"), nil).want(t, 200, nil)
	calls := rcv.wait("both cards' events", func(c []hookCall) bool { return len(c) >= 2 })
	var k0, k1 tTask
	json.Unmarshal(calls[0].payload(t).Data, &k0)
	json.Unmarshal(calls[1].payload(t).Data, &k1)
	if calls[0].Event != "task.completed" || k0.ID != review.ID || calls[1].Event != "task.moved" || k1.ID != doing.ID ||
		*k1.StatusID != b.col(t, "To Do") {
		t.Fatalf("the receiver got %s", describeCalls(calls))
	}
}

// Deliveries page back from the newest, by the last delivery of the page
// before.
func TestWebhookDeliveriesPage(t *testing.T) {
	e := newHookEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	hook := e.newWebhook(u, b.SpaceID, newReceiver(t, nil).URL(), []string{"task.added"}, nil)
	for i := range 5 {
		e.createTask(u, b.ProjectID, map[string]any{"title": fmt.Sprint(i)})
	}
	all := e.waitDeliveries(u, hook.ID, "five deliveries", func(ds []tDelivery) bool { return len(ds) == 5 })
	var page []tDelivery
	e.do(u.Token, "GET", "/api/webhooks/"+hook.ID+"/deliveries?limit=2", nil).want(t, 200, &page)
	if len(page) != 2 || page[0].ID != all[0].ID || page[1].ID != all[1].ID {
		t.Fatalf("first page %+v", page)
	}
	e.do(u.Token, "GET", "/api/webhooks/"+hook.ID+"/deliveries?limit=2&before="+page[1].ID, nil).want(t, 200, &page)
	if len(page) != 2 || page[0].ID != all[2].ID || page[1].ID != all[3].ID {
		t.Fatalf("second page %+v", page)
	}
	for _, q := range []string{"limit=0", "limit=101", "before=nope", "before=00000000-0000-4000-8000-000000000000"} {
		e.do(u.Token, "GET", "/api/webhooks/"+hook.ID+"/deliveries?"+q, nil).wantErr(t, 400, "validation_failed")
	}
}

// Webhooks are a lanes addition: a server serving the seed alone has none.
func TestWebhooksNotOnASeedServer(t *testing.T) {
	e := newHookEnv(t, server.WithAPI(server.APISeed))
	u := e.newUser("ada")
	var spaces []map[string]any
	e.do(u.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	e.do(u.Token, "POST", "/api/webhooks", map[string]any{"spaceId": spaces[0]["id"], "url": "https://203.0.113.9/x",
		"events": []string{"task.added"}}).wantErr(t, 404, "not_found")
	e.do(u.Token, "GET", "/api/webhooks", nil).wantErr(t, 404, "not_found")
	e.do(u.Token, "POST", "/api/webhooks/00000000-0000-4000-8000-000000000000/ping", nil).wantErr(t, 404, "not_found")
}
