package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// revokeElsewhere revokes a token as `lanes token revoke` does: another
// process opens the database and writes the revocation, so nothing in the
// server's memory hears of it.
func revokeElsewhere(t *testing.T, e *testEnv, tokenID string) time.Time {
	t.Helper()
	other, err := store.OpenDB(context.Background(), e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	err = other.Write(context.Background(), func(tx *store.Tx) error { _, err := tx.RevokeToken(tokenID); return err })
	if err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// An open change feed ends within 5 s of its token's revocation, and
// delivers nothing written after it.
func TestRevokeEndsTheFeed(t *testing.T) {
	e := newTestEnv(t)
	ann := e.newUser("ann")
	other := e.newToken(ann, "another device") // still good: writes go on
	b := e.personalBoard(ann)
	f := openFeed(t, e, ann.Token, "spaceId="+b.SpaceID)
	e.createTask(ann, b.ProjectID, map[string]any{"title": "before"})
	if ev := f.next(); ev.Kind != "task.created" {
		t.Fatalf("feed before the revocation: %+v", ev)
	}
	// Keep the server's sign-in cache warm with the token, as a busy client
	// would.
	e.do(ann.Token, "GET", "/api/me", nil).want(t, 200, nil)

	revoked := revokeElsewhere(t, e, ann.TokenID)
	var after []string
	ended := false
	for i := 0; !ended; i++ {
		title := fmt.Sprintf("after revoke %d", i)
		e.createTask(other, b.ProjectID, map[string]any{"title": title})
		after = append(after, title)
		select {
		case <-f.done:
			ended = true
		case <-time.After(100 * time.Millisecond):
		}
		if !ended && time.Since(revoked) > 5*time.Second {
			t.Fatalf("the feed is still open %s after its token was revoked", time.Since(revoked).Round(time.Millisecond))
		}
	}
	close(f.evs)
	for ev := range f.evs {
		for _, title := range after {
			if strings.Contains(ev.Data, `"title":"`+title+`"`) {
				t.Fatalf("delivered after the revocation: %s %s", ev.Kind, ev.Data)
			}
		}
	}
	// The token is refused from now on, cache or no cache.
	e.do(ann.Token, "GET", "/api/me", nil).wantErr(t, 401, "")
	res, err := testSend(e.srv.Client(), e.srv.URL, ann.Token, "GET", "/api/events?spaceId="+b.SpaceID, nil)
	if err != nil || res.Status != 401 {
		t.Fatalf("reopening the feed with the revoked token: %d %v, want 401", res.Status, err)
	}
}

// A quiet feed, with nothing written to wake it, ends as soon.
func TestRevokeEndsAQuietFeed(t *testing.T) {
	e := newTestEnv(t)
	ann := e.newUser("ann")
	b := e.personalBoard(ann)
	f := openFeed(t, e, ann.Token, "spaceId="+b.SpaceID)
	e.do(ann.Token, "GET", "/api/me", nil).want(t, 200, nil)
	revoked := revokeElsewhere(t, e, ann.TokenID)
	select {
	case <-f.done:
	case <-time.After(5*time.Second - time.Since(revoked)):
		t.Fatal("a quiet feed is still open 5 s after its token was revoked")
	}
}

// swapBearer sends whichever token it holds now.
type swapBearer struct {
	mu    sync.Mutex
	token string
}

func (b *swapBearer) set(token string) { b.mu.Lock(); b.token = token; b.mu.Unlock() }

func (b *swapBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	b.mu.Lock()
	token := b.token
	b.mu.Unlock()
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+token)
	return http.DefaultTransport.RoundTrip(r)
}

// mcpEnv is a test server that counts the /api/mcp requests still open.
func mcpEnv(t *testing.T) (*testEnv, *atomic.Int64) {
	db := freshDB(t)
	st := openStoreAt(t, db)
	h := server.New(st, server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), server.WithRateLimit(0))
	var open atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/mcp" {
			open.Add(1)
			defer open.Add(-1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &testEnv{t: t, st: st, db: db, srv: srv}, &open
}

// connectMCP opens an SDK client session that, as an MCP host does, also
// listens for list changes: that holds a request open for the session.
func connectMCP(t *testing.T, e *testEnv, bearer *swapBearer) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "lanes-test", Version: "1"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {},
	})
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint:   e.srv.URL + "/api/mcp",
		HTTPClient: &http.Client{Transport: bearer, Timeout: 30 * time.Second},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An MCP session's open stream ends within 5 s of its token's revocation,
// and its later requests are 401.
func TestRevokeEndsMCPSessions(t *testing.T) {
	e, open := mcpEnv(t)
	ann := e.newUser("ann")
	cs := connectMCP(t, e, &swapBearer{token: ann.Token})
	waitFor(t, 5*time.Second, "the session's listening stream is open", func() bool { return open.Load() >= 1 })
	mustTool(t, cs, "list_spaces", nil)

	revoked := revokeElsewhere(t, e, ann.TokenID)
	waitFor(t, 5*time.Second-time.Since(revoked), "the session's stream ends after the revocation", func() bool { return open.Load() == 0 })

	_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "list_spaces"})
	if err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("a tool call with the revoked token: %v, want the 401", err)
	}
}

// A session begun with one user's token is never another's: each request
// acts as the token it carries.
func TestMCPSessionIsNotSharedAcrossTokens(t *testing.T) {
	e, _ := mcpEnv(t)
	ann, bob := e.newUser("ann"), e.newUser("bob")
	e.do(ann.Token, "POST", "/api/spaces", map[string]any{"name": "Ann's team", "slug": "anns-team"}).want(t, 201, nil)
	bearer := &swapBearer{token: ann.Token}
	cs := connectMCP(t, e, bearer)
	if text, _ := mustTool(t, cs, "list_spaces", nil); !strings.Contains(text, "Ann's team") {
		t.Fatalf("ann's own session: %s", text)
	}
	bearer.set(bob.Token)
	if text, _ := mustTool(t, cs, "list_spaces", nil); strings.Contains(text, "Ann's team") {
		t.Fatalf("bob's token on ann's session sees ann's spaces: %s", text)
	}
	bearer.set("kt_not_a_token")
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "list_spaces"}); err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("a bad token on ann's session: %v, want the 401", err)
	}
}
