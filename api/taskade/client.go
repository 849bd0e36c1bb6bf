// Package taskade is lanes' client for the Taskade REST API v1
// (https://www.taskade.com/api/v1, as summarised in the project's fact
// sheet). Every call takes a context. Reads (GET) retry on network
// failures, 5xx and 429; writes retry only on 429, which the server did not
// apply: Taskade has no idempotency key, so after a network failure or a 5xx
// whether a write landed is unknown and the caller decides (see
// NetworkError). What the API forbids is refused before sending, with an
// error that wraps ErrInvalid.
//
// The client follows the server's rate-limit headers: once it has used up
// the window it waits for the reset instead of drawing a 429.
package taskade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/internal/wire"
)

// DefaultURL is Taskade's API v1.
const DefaultURL = "https://www.taskade.com/api/v1"

// Bounds on what a server can make the client do or hold.
const (
	maxPageSize      = 1000      // the API's limit on a tasks page
	maxTasks         = 1_000_000 // distinct tasks Tasks collects before giving up
	maxListed        = 100_000   // distinct members or projects a page-paged list collects
	successBodyLimit = 32 << 20  // a 1000-task page is ~2 MB
	errorBodyLimit   = 64 << 10
	maxRateWait      = 60 * time.Second // the longest the client waits for a window or a Retry-After
	maxMessage       = 500              // runes of an error message kept
	membersPage      = 20               // the API's default page of members
	myProjectsPage   = 100              // the API's default page of me/projects
)

// Client talks to Taskade as one token. It is safe for concurrent use.
type Client struct {
	r        *resty.Client
	base     string
	logBase  string // base with any user:password hidden
	timeout  time.Duration
	retries  int
	minWait  time.Duration
	maxWait  time.Duration
	pageSize int
	debug    wire.DebugLog

	rlMu sync.Mutex
	rl   rateState
}

// rateState is what the rate-limit headers said, kept between requests.
type rateState struct {
	known     bool
	remaining int       // requests left in the window, counting those sent since
	limit     int       // the window's size; 0: not said
	reset     time.Time // when the window ends; zero: not said
}

// Option changes how New builds a Client.
type Option func(*Client)

// WithTimeout bounds each attempt of a request (default 15s).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithRetry sets how often a request is retried (reads after a network
// failure, a 5xx or a 429; writes after a 429 only) and the backoff between
// attempts: it doubles from min up to max, with jitter (default 3 retries,
// 200ms to 5s). A 429's Retry-After replaces the backoff.
func WithRetry(retries int, min, max time.Duration) Option {
	return func(c *Client) { c.retries, c.minWait, c.maxWait = max0(retries), min, max }
}

// WithUserAgent sets the User-Agent header (default lanes/dev).
func WithUserAgent(ua string) Option { return func(c *Client) { c.r.SetHeader("User-Agent", ua) } }

// WithDebugLog writes one line per request to w: time, method, URL, status
// and duration. Never a header, so never the token.
func WithDebugLog(w io.Writer) Option { return func(c *Client) { c.debug.SetWriter(w) } }

// WithTransport sends requests through rt instead of
// http.DefaultTransport (a proxy, a custom TLS setup).
func WithTransport(rt http.RoundTripper) Option { return func(c *Client) { c.r.SetTransport(rt) } }

// WithPageSize sets how many tasks Tasks asks for per page (default 1000,
// the API's maximum; more is taken as 1000). Zero or less sends no limit,
// so the server's default page applies, and paging then stops only at an
// empty page.
func WithPageSize(n int) Option {
	return func(c *Client) { c.pageSize = min(max0(n), maxPageSize) }
}

func max0(n int) int { return max(n, 0) }

// New makes a client of the API at baseURL (DefaultURL, or a test server's
// address ending in /api/v1) with a personal token (tskdp_…).
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{
		base:     strings.TrimRight(baseURL, "/"),
		timeout:  15 * time.Second,
		retries:  3,
		minWait:  200 * time.Millisecond,
		maxWait:  5 * time.Second,
		pageSize: maxPageSize,
	}
	c.logBase = c.base
	if u, err := url.Parse(c.base); err == nil {
		c.logBase = u.Redacted()
	}
	c.r = wire.NewResty(token)
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL is the API's address as given to New, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// RateLimit is what the server's rate-limit headers last said: requests
// left in the window (less those sent since) and when it resets. known is
// false until an answer has carried the headers.
func (c *Client) RateLimit() (remaining int, reset time.Time, known bool) {
	c.rlMu.Lock()
	defer c.rlMu.Unlock()
	return c.rl.remaining, c.rl.reset, c.rl.known
}

// call is one API request.
type call struct {
	method string
	path   string // below the base, escaped, with the query string
	body   any    // nil for none
}

func (k call) read() bool { return k.method == http.MethodGet }

func get(path string) call { return call{method: http.MethodGet, path: path} }

// envelope is every answer's outer object. ok is a pointer so that an
// answer without it is noticed.
type envelope struct {
	OK            *bool           `json:"ok"`
	Item          json.RawMessage `json:"item"`
	Items         json.RawMessage `json:"items"`
	Message       string          `json:"message"`
	Code          string          `json:"code"`
	StatusMessage string          `json:"statusMessage"`
}

// do sends the request, retrying as the package comment says, and
// returns the answer's envelope, which said ok:true.
func (c *Client) do(ctx context.Context, k call) (*envelope, error) {
	var payload []byte
	if k.body != nil {
		var err error
		if payload, err = json.Marshal(k.body); err != nil {
			return nil, fmt.Errorf("%s %s: encode the request: %w", k.method, k.path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		if err := c.awaitWindow(ctx, k); err != nil {
			return nil, err
		}
		raw, status, err := c.once(ctx, k, payload)
		if err == nil {
			return c.decode(k, status, raw)
		}
		if attempt >= c.retries || ctx.Err() != nil {
			return nil, err
		}
		var wait time.Duration
		var e *Error
		switch {
		case errors.As(err, &e) && e.Status == http.StatusTooManyRequests:
			// Not applied, so a write may be sent again too.
			wait = e.RetryAfter
			if wait <= 0 {
				wait = c.backoff(attempt)
			}
			if wait > maxRateWait {
				return nil, err // the caller should hear "try in an hour" now
			}
		case k.read() && (IsNetwork(err) || IsServerError(err)):
			wait = c.backoff(attempt)
		default:
			return nil, err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, err // waiting would outlive the caller
		}
		if werr := wire.Sleep(ctx, wait); werr != nil {
			return nil, fmt.Errorf("%s %s: %w (last error: %v)", k.method, k.path, werr, err)
		}
	}
}

// backoff is the wait before retry n (from 0): doubling from minWait,
// capped at maxWait, with the upper half jittered so clients spread out.
func (c *Client) backoff(n int) time.Duration { return wire.Backoff(n, c.minWait, c.maxWait) }

// decode checks a 2xx answer's envelope.
func (c *Client) decode(k call, status int, raw []byte) (*envelope, error) {
	var env envelope
	if err := json.Unmarshal(safe.JSON(raw), &env); err != nil {
		return nil, fmt.Errorf("%s %s: the server's answer is not Taskade's JSON: %w", k.method, k.path, err)
	}
	if env.OK == nil {
		return nil, fmt.Errorf("%s %s: the server's answer has no \"ok\"", k.method, k.path)
	}
	if !*env.OK {
		e := &Error{Status: status, Method: k.method, Path: k.path, okFalse: true}
		e.fill(env.Message, env.Code, env.StatusMessage)
		return nil, e
	}
	return &env, nil
}

// once makes one attempt and returns the body of a 2xx answer.
func (c *Client) once(ctx context.Context, k call, payload []byte) ([]byte, int, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req := c.r.R().SetContext(actx).SetDoNotParseResponse(true)
	if payload != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(payload)
	}
	start := time.Now()
	res, err := req.Execute(k.method, c.base+k.path)
	if err != nil {
		c.logDebug(k, 0, time.Since(start), err)
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("%s %s: %w", k.method, k.path, ctx.Err())
		}
		return nil, 0, &NetworkError{Method: k.method, Path: k.path, Err: wire.UnwrapURL(err)}
	}
	body := res.RawBody()
	if body == nil {
		body = http.NoBody
	}
	defer body.Close()
	status := res.StatusCode()
	c.observeRate(res.Header(), time.Now())
	success := status >= 200 && status < 300
	limit := int64(errorBodyLimit)
	if success {
		limit = successBodyLimit
	}
	if success && res.RawResponse.ContentLength > limit {
		c.logDebug(k, status, time.Since(start), nil)
		return nil, 0, fmt.Errorf("%s %s: the answer is over %d MiB (%d bytes): not read", k.method, k.path, limit>>20, res.RawResponse.ContentLength)
	}
	raw, err := io.ReadAll(io.LimitReader(body, limit+1))
	c.logDebug(k, status, time.Since(start), err)
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("%s %s: %w", k.method, k.path, ctx.Err())
		}
		// Cut off mid-answer: for a write, whether it landed is unknown.
		return nil, 0, &NetworkError{Method: k.method, Path: k.path, Err: fmt.Errorf("reading the answer: %w", err)}
	}
	if success {
		if int64(len(raw)) > limit {
			return nil, 0, fmt.Errorf("%s %s: the answer is over %d MiB: not read", k.method, k.path, limit>>20)
		}
		return raw, status, nil
	}
	if int64(len(raw)) > limit {
		raw = raw[:limit] // no longer JSON: the status alone tells
	}
	return nil, 0, answerError(k, status, res.Header(), raw)
}

// answerError reads an error answer. A body that is not the API's JSON
// (a proxy's HTML page, say) still gives the status.
func answerError(k call, status int, h http.Header, raw []byte) error {
	e := &Error{Status: status, Method: k.method, Path: k.path}
	var body struct {
		Message       string `json:"message"`
		Code          string `json:"code"`
		StatusMessage string `json:"statusMessage"`
	}
	if json.Unmarshal(safe.JSON(raw), &body) == nil {
		e.fill(body.Message, body.Code, body.StatusMessage)
	}
	e.RetryAfter = wire.RetryAfter(h.Get("Retry-After"), time.Now())
	return e
}

// observeRate takes in an answer's rate-limit headers. Within one window
// the count only falls, so an answer overtaken by a later one (concurrent
// requests) cannot raise it again.
func (c *Client) observeRate(h http.Header, now time.Time) {
	remaining, ok := headerInt(h, "X-RateLimit-Remaining", "RateLimit-Remaining")
	if !ok {
		return
	}
	var reset time.Time
	if v := first(h, "X-RateLimit-Reset", "RateLimit-Reset"); v != "" {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			switch {
			case f > 1e9: // a Unix time
				reset = time.Unix(0, 0).Add(time.Duration(min(f, 1e11) * float64(time.Second)))
			case f > 0: // seconds from now
				reset = now.Add(time.Duration(f * float64(time.Second)))
			default:
				reset = now
			}
			if far := now.Add(24 * time.Hour); reset.After(far) {
				reset = far // a hostile far future
			}
		}
	}
	limit, _ := headerInt(h, "X-RateLimit-Limit", "RateLimit-Limit")

	c.rlMu.Lock()
	defer c.rlMu.Unlock()
	s := &c.rl
	if s.known && !s.reset.IsZero() && now.Before(s.reset) && (reset.IsZero() || !reset.After(s.reset.Add(2*time.Second))) {
		// The same window.
		s.remaining = min(s.remaining, remaining)
		if reset.After(s.reset) {
			s.reset = reset
		}
	} else {
		s.remaining, s.reset = remaining, reset
	}
	s.known = true
	if limit > 0 {
		s.limit = limit
	}
}

// awaitWindow takes one request from the window, first waiting for the
// reset if the window is used up (at most maxRateWait in all, and never
// past ctx's deadline: then it returns a 429 of its own, unsent).
func (c *Client) awaitWindow(ctx context.Context, k call) error {
	var waited time.Duration
	for {
		now := time.Now()
		c.rlMu.Lock()
		s := &c.rl
		if s.known && !s.reset.IsZero() && !now.Before(s.reset) {
			// The window has ended: a fresh one holds limit requests,
			// where the server said how many.
			if s.limit > 0 {
				s.remaining = s.limit
			} else {
				s.known = false
			}
			s.reset = time.Time{}
		}
		if !s.known || s.remaining > 0 || s.reset.IsZero() || waited >= maxRateWait {
			if s.known && s.remaining > 0 {
				s.remaining--
			}
			c.rlMu.Unlock()
			return nil
		}
		wait := min(s.reset.Sub(now), maxRateWait-waited)
		reset := s.reset
		c.rlMu.Unlock()
		if dl, ok := ctx.Deadline(); ok && dl.Before(reset) {
			return &Error{Status: http.StatusTooManyRequests, Method: k.method, Path: k.path,
				Message:    "rate limit used up; not sent, as the window resets after the caller's deadline",
				RetryAfter: reset.Sub(now), local: true}
		}
		if err := wire.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s %s: waiting for the rate limit's window to reset: %w", k.method, k.path, err)
		}
		waited += wait
	}
}

func first(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// headerInt is the first of the headers that holds a whole number, bounded.
func headerInt(h http.Header, names ...string) (int, bool) {
	v := first(h, names...)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return int(min(max(f, 0), 1e9)), true
}

func (c *Client) logDebug(k call, status int, d time.Duration, err error) {
	c.debug.Request(k.method, c.logBase, k.path, status, d, err)
}
