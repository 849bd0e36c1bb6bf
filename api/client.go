// Package api is lanes' client for a task server speaking the Krokanti
// Tasks REST API: a lanes server (the seed's API and lanes' additions) or a
// seed-only one such as Krokanti's own. Every call takes a context; reads
// retry on network failures, 5xx and 429; writes never retry on their own
// but carry an idempotency key so the caller can.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/internal/wire"
)

// Client talks to one server as one token. It is safe for concurrent use.
type Client struct {
	r       *resty.Client
	base    string
	timeout time.Duration
	retries int
	minWait time.Duration
	maxWait time.Duration
	debug   wire.DebugLog
	// compress: whether task lists are asked for gzipped (nil: unless
	// the server is on this machine; see WithListCompression).
	compress *bool

	mu        sync.Mutex
	kind      ServerKind
	me        *User
	missing   map[Feature]bool   // later additions a lanes server was found without (see route)
	mcp       *mcp.ClientSession // for list_statuses on a seed-only server
	mcpFailed time.Time
}

// Option changes how New builds a Client.
type Option func(*Client)

// WithTimeout bounds each attempt of a request (default 15s).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithRetry sets how often a read is retried after a network failure, a
// 5xx or a 429, and the backoff between attempts: it doubles from min up
// to max, with jitter (default 3 retries, 200ms to 5s).
func WithRetry(retries int, min, max time.Duration) Option {
	return func(c *Client) { c.retries, c.minWait, c.maxWait = retries, min, max }
}

// WithUserAgent sets the User-Agent header (default lanes/dev).
func WithUserAgent(ua string) Option { return func(c *Client) { c.r.SetHeader("User-Agent", ua) } }

// WithDebugLog writes one line per request to w: method, URL, status and
// duration. Never a header, so never the token.
func WithDebugLog(w io.Writer) Option { return func(c *Client) { c.debug.SetWriter(w) } }

// WithTransport sends requests through rt instead of
// http.DefaultTransport (a proxy, a custom TLS setup).
func WithTransport(rt http.RoundTripper) Option { return func(c *Client) { c.r.SetTransport(rt) } }

// New makes a client of the server at baseURL (for example
// http://127.0.0.1:7420 or https://tasks.krokanti.com) with a kt_ token.
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{
		base:    strings.TrimRight(baseURL, "/"),
		timeout: 15 * time.Second,
		retries: 3,
		minWait: 200 * time.Millisecond,
		maxWait: 5 * time.Second,
	}
	c.r = wire.NewResty(token)
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL is the server's address as given to New, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// WriteOption changes one write request.
type WriteOption func(*writeOpts)

type writeOpts struct{ key string }

// IdempotencyKey sends the Idempotency-Key header: a lanes server does the
// write once however often it is sent with this key. A seed-only server
// ignores it (see Supports(FeatureIdempotency)). An empty key sends none.
func IdempotencyKey(key string) WriteOption { return func(o *writeOpts) { o.key = key } }

// call is one API request.
type call struct {
	method string
	path   string // with the query string
	body   any    // nil for none
	key    string // Idempotency-Key
}

func (k call) read() bool { return k.method == http.MethodGet }

// do sends the request (retrying a read as WithRetry says) and decodes a
// success into out (nil: ignore the body).
func (c *Client) do(ctx context.Context, k call, out any) error {
	var payload []byte
	if k.body != nil {
		var err error
		if payload, err = json.Marshal(k.body); err != nil {
			return fmt.Errorf("%s %s: encode the request: %w", k.method, k.path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		raw, err := c.once(ctx, k, payload)
		if err == nil {
			if out == nil || len(bytes.TrimSpace(raw)) == 0 {
				return nil
			}
			if err := json.Unmarshal(safe.JSON(raw), out); err != nil {
				return fmt.Errorf("%s %s: the server's answer is not what lanes expects: %w", k.method, k.path, err)
			}
			return nil
		}
		if !k.read() {
			return err
		}
		if err := c.again(ctx, k, attempt, err); err != nil {
			return err
		}
	}
}

// again waits before read attempt+1 after err, as WithRetry says; it
// returns the error to give up with instead, when err is not worth
// another attempt (or there is no time or attempt left for one).
func (c *Client) again(ctx context.Context, k call, attempt int, err error) error {
	if attempt >= c.retries || ctx.Err() != nil {
		return err
	}
	wait := c.backoff(attempt)
	switch {
	case IsRateLimited(err):
		var e *Error
		errors.As(err, &e)
		if e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
	case IsNetwork(err), IsServerError(err):
	default:
		return err
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return err // waiting would outlive the caller
	}
	t := time.NewTimer(wait)
	select {
	case <-ctx.Done():
		t.Stop()
		return fmt.Errorf("%s %s: %w (last error: %v)", k.method, k.path, ctx.Err(), err)
	case <-t.C:
	}
	return nil
}

// backoff is the wait before retry n (from 0), as WithRetry says.
func (c *Client) backoff(n int) time.Duration { return wire.Backoff(n, c.minWait, c.maxWait) }

// once makes one attempt and returns the body of a 2xx answer.
func (c *Client) once(ctx context.Context, k call, payload []byte) ([]byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req := c.r.R().SetContext(actx)
	if payload != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(payload)
	}
	if k.key != "" {
		req.SetHeader("Idempotency-Key", k.key)
	}
	start := time.Now()
	res, err := req.Execute(k.method, c.base+k.path)
	if err != nil {
		return nil, c.unsent(ctx, k, start, err)
	}
	c.logDebug(k, res.StatusCode(), time.Since(start), nil)
	if res.StatusCode() >= 200 && res.StatusCode() < 300 {
		return res.Body(), nil
	}
	return nil, c.answerError(k, res)
}

// unsent is the error of a request that got no answer: the caller's
// context ending, else the network's fault.
func (c *Client) unsent(ctx context.Context, k call, start time.Time, err error) error {
	c.logDebug(k, 0, time.Since(start), err)
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: %w", k.method, k.path, ctx.Err())
	}
	return &NetworkError{Method: k.method, Path: k.path, Err: wire.UnwrapURL(err)}
}

// answerError reads an error answer. A body that is not the API's JSON
// (a proxy's HTML page, say) still gives the status.
func (c *Client) answerError(k call, res *resty.Response) error {
	return answerErrorOf(k, res.StatusCode(), res.Header(), res.Body())
}

func answerErrorOf(k call, status int, h http.Header, body []byte) error {
	e := errorOf(status, k.method, k.path, body)
	if e.Status == http.StatusTooManyRequests {
		e.RetryAfter = wire.RetryAfter(h.Get("Retry-After"), time.Now())
	}
	return e
}

// errorOf is an answer that is not a success as an *Error: its status,
// and the API's message, code and field where the body has them.
func errorOf(status int, method, path string, raw []byte) *Error {
	e := &Error{Status: status, Method: method, Path: path}
	var body struct {
		Error string `json:"error"`
		Code  string `json:"code"`
		Field string `json:"field"`
	}
	if json.Unmarshal(safe.JSON(raw), &body) == nil {
		e.Message, e.Code, e.Field = body.Error, body.Code, body.Field
	}
	return e
}

func (c *Client) logDebug(k call, status int, d time.Duration, err error) {
	c.debug.Request(k.method, c.base, k.path, status, d, err)
}
