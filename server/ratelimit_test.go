package server_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server"
)

// ceilUnix is t as whole Unix seconds, rounded up.
func ceilUnix(t time.Time) string {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return strconv.FormatInt(s, 10)
}

// wantLimit fails unless res has the status and the rate-limit headers say
// limit, remaining, reset and (on a 429) retryAfter seconds.
func wantLimit(t *testing.T, res testResp, status, limit, remaining int, reset time.Time, retryAfter int) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d; body %s", res.Status, status, res.Body)
	}
	h := res.Header
	if got, want := h.Get("X-RateLimit-Limit"), strconv.Itoa(limit); got != want {
		t.Fatalf("X-RateLimit-Limit %q, want %q", got, want)
	}
	if got, want := h.Get("X-RateLimit-Remaining"), strconv.Itoa(remaining); got != want {
		t.Fatalf("X-RateLimit-Remaining %q, want %q", got, want)
	}
	if got, want := h.Get("X-RateLimit-Reset"), ceilUnix(reset); got != want {
		t.Fatalf("X-RateLimit-Reset %q, want %q", got, want)
	}
	if status == 429 {
		if got, want := h.Get("Retry-After"), strconv.Itoa(retryAfter); got != want {
			t.Fatalf("Retry-After %q, want %q", got, want)
		}
		if got := string(bytes.TrimSpace(res.Body)); got != `{"error":"Rate limit exceeded"}` {
			t.Fatalf("429 body %s, want the seed's", got)
		}
	} else if ra := h.Get("Retry-After"); ra != "" {
		t.Fatalf("Retry-After %q on a %d", ra, status)
	}
}

// The seed's limit, by default: 100 requests in any minute per token. The
// 101st waits for the oldest to leave the window, Retry-After says exactly
// how long, and then only as many pass as have left.
func TestRateLimitIsPerMinuteInAnyMinute(t *testing.T) {
	clock := newFakeClock()
	e := newTestEnv(t) // for its store and users; its own server has no limit
	u := e.newUser("ada")
	// A server built with no WithRateLimit at all.
	def := httptest.NewServer(server.New(e.st, server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), server.WithClock(clock.Now)))
	t.Cleanup(def.Close)
	get := func() testResp { return testDo(t, def.Client(), def.URL, u.Token, "GET", "/api/me", nil) }

	t0 := clock.Now()
	for i := 0; i < 50; i++ {
		wantLimit(t, get(), 200, 100, 99-i, t0.Add(time.Minute), 0)
	}
	clock.Advance(20 * time.Second)
	t20 := clock.Now()
	for i := 0; i < 50; i++ {
		wantLimit(t, get(), 200, 100, 49-i, t20.Add(time.Minute), 0)
	}
	// 100 in the minute: the 101st waits the 40 s until the first 50 leave.
	wantLimit(t, get(), 429, 100, 0, t20.Add(time.Minute), 40)
	// A token bucket would have refilled by now; a minute's window has not.
	for _, step := range []time.Duration{time.Second, 38 * time.Second, 500 * time.Millisecond} {
		clock.Advance(step)
		wait := int((t0.Add(time.Minute).Sub(clock.Now()) + time.Second - 1) / time.Second)
		wantLimit(t, get(), 429, 100, 0, t20.Add(time.Minute), wait)
	}
	// At 60 s exactly the first 50 have left: 50 pass, no more, and the
	// next waits for the second 50, 20 s on.
	clock.Advance(500 * time.Millisecond)
	t60 := clock.Now()
	for i := 0; i < 50; i++ {
		wantLimit(t, get(), 200, 100, 49-i, t60.Add(time.Minute), 0)
	}
	wantLimit(t, get(), 429, 100, 0, t60.Add(time.Minute), 20)
}

// Every answer to a limited request carries the headers: reads, writes,
// errors, refusals. Each token has its own window.
func TestRateLimitHeadersAndPerToken(t *testing.T) {
	clock := newFakeClock()
	e := newTestEnv(t, server.WithRateLimit(3), server.WithClock(clock.Now))
	a, b := e.newUser("ada"), e.newUser("bob")
	t0 := clock.Now()
	wantLimit(t, e.do(a.Token, "GET", "/api/spaces", nil), 200, 3, 2, t0.Add(time.Minute), 0)
	wantLimit(t, e.do(a.Token, "GET", "/api/tasks/01a22b3c-0000-7000-8000-000000000000", nil), 404, 3, 1, t0.Add(time.Minute), 0)
	wantLimit(t, e.do(a.Token, "POST", "/api/spaces", map[string]any{"name": "S", "slug": "sss"}), 201, 3, 0, t0.Add(time.Minute), 0)
	// A refused write is not done.
	wantLimit(t, e.do(a.Token, "POST", "/api/spaces", map[string]any{"name": "T", "slug": "ttt"}), 429, 3, 0, t0.Add(time.Minute), 60)
	var spaces []tSpace
	e.do(b.Token, "GET", "/api/spaces", nil).want(t, 200, nil)
	clock.Advance(time.Minute)
	e.do(a.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	if len(spaces) != 2 {
		t.Fatalf("ada has %d spaces, want Personal and S: the refused create went through", len(spaces))
	}
	// Another token, even of the same user, has its own window.
	clock.Advance(time.Minute)
	for i := 0; i < 3; i++ {
		e.do(a.Token, "GET", "/api/me", nil).want(t, 200, nil)
	}
	e.do(a.Token, "GET", "/api/me", nil).wantErr(t, 429, "")
	a2 := e.newToken(a, "second")
	wantLimit(t, e.do(a2.Token, "GET", "/api/me", nil), 200, 3, 2, clock.Now().Add(time.Minute), 0)
	e.do(b.Token, "GET", "/api/me", nil).want(t, 200, nil)
}

// Requests with no token or a bad one are limited by the address they come
// from, before any token is looked up: a 401 until the address has spent
// its limit, then 429. Good tokens from the address don't count against it.
func TestRateLimitBadTokensPerAddress(t *testing.T) {
	clock := newFakeClock()
	e := newTestEnv(t, server.WithRateLimit(3), server.WithClock(clock.Now))
	a, b := e.newUser("ada"), e.newUser("bob")
	// Good tokens (their own windows) leave the address's alone.
	for i := 0; i < 2; i++ {
		e.do(a.Token, "GET", "/api/me", nil).want(t, 200, nil)
		e.do(b.Token, "GET", "/api/me", nil).want(t, 200, nil)
	}
	t0 := clock.Now()
	for i, token := range []string{"", "kt_guess", "not-even-a-kt-token"} {
		res := e.do(token, "GET", "/api/me", nil)
		res.wantErr(t, 401, "")
		wantLimit(t, res, 401, 3, 2-i, t0.Add(time.Minute), 0)
	}
	clock.Advance(10 * time.Second)
	// Spent: no more guesses are looked up, whatever they carry, and
	// X-Forwarded-For does not make another address.
	for _, token := range []string{"kt_guess2", ""} {
		wantLimit(t, e.do(token, "GET", "/api/me", nil, "X-Forwarded-For", "203.0.113.9"), 429, 3, 0, t0.Add(time.Minute), 50)
	}
	// A token that proved good lately still gets in (someone else's bad
	// tokens from a shared address don't lock its owner out), within its
	// own limit; one never seen is not looked up.
	e.do(a.Token, "GET", "/api/spaces", nil).want(t, 200, nil)
	c := e.newUser("cy")
	wantLimit(t, e.do(c.Token, "GET", "/api/spaces", nil), 429, 3, 0, t0.Add(time.Minute), 50)
	// When the window frees, a bad token is a 401 again.
	clock.Advance(50 * time.Second)
	e.do("kt_guess3", "GET", "/api/me", nil).wantErr(t, 401, "")
	e.do(a.Token, "GET", "/api/me", nil).want(t, 200, nil)
}

// --rate-limit 0: no limit, and no headers.
func TestRateLimitOffSendsNoHeaders(t *testing.T) {
	e := newTestEnv(t, server.WithRateLimit(0))
	u := e.newUser("ada")
	for i := 0; i < 150; i++ {
		res := e.do(u.Token, "GET", "/api/me", nil)
		if res.Status != 200 || res.Header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("request %d with the limit off: %d, X-RateLimit-Limit %q", i+1, res.Status, res.Header.Get("X-RateLimit-Limit"))
		}
	}
	for i := 0; i < 150; i++ {
		e.do("kt_bad", "GET", "/api/me", nil).wantErr(t, 401, "")
	}
}
