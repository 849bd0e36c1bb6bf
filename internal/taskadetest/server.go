// Package taskadetest is a Taskade REST API v1 server for tests: the
// paths, bodies, envelopes and errors of Taskade's public API spec
// (taskade/docs, .gitbook/assets/api-0.1.0.json), over an in-memory
// store of users, workspaces, folders, projects and each project's tree of
// tasks. A test seeds it (AddUser, AddWorkspace, AddTask, …), points the
// client at URL with the user's token, and reads the store back (Tasks,
// Task) to see what the client did. Faults are injected with FailNext (an
// answer that did not apply) and DropNext (applied, no answer), and a rate
// limit per token with WithRateLimit.
//
// Where the spec leaves a behaviour open, the server follows issue 14's
// decisions: the task list is flat, every depth, in document
// (pre-order) order; before returns the page just before the cursor; an
// unknown cursor is a 400; and so on (see the notes on each handler).
package taskadetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// MaxBody is the largest request body the server reads; a bigger one is
// answered 413.
const MaxBody = 1 << 20

// MaxLimit is the largest limit a list takes.
const MaxLimit = 1000

// Server is a Taskade v1 API on 127.0.0.1, for one test. Its methods are
// safe for concurrent use, with each other and with the requests it serves.
type Server struct {
	// URL is the API's base, …/api/v1 with no trailing slash.
	URL string

	t   testing.TB
	srv *httptest.Server
	mux *http.ServeMux

	// set by options before the server starts, read-only after
	pageSize        int
	rateLimit       int
	rateWindow      time.Duration
	now             func() time.Time
	missingTaskNull bool
	dateTimes       bool
	replaceAssign   bool

	requests atomic.Int64
	bytesOut atomic.Int64

	mu         sync.Mutex
	users      map[string]*user  // by handle
	tokens     map[string]string // live token → handle
	workspaces []*workspace      // in the order they were added
	wsByID     map[string]*workspace
	folders    map[string]*folder // not the home folders, which go by their workspace's id
	projects   []*project         // in the order they were added
	projByID   map[string]*project
	fails      []failRule
	drops      []dropRule
	buckets    map[string]*bucket // by token
	hits       map[string]int     // by route name
}

// Option sets up a Server in New.
type Option func(*Server)

// WithPageSize is how many tasks a page holds when the request has no
// limit (default 7: small, so a client that ignores paging sees only part
// of a board). n is 1 to MaxLimit.
func WithPageSize(n int) Option {
	return func(s *Server) { s.pageSize = n }
}

// WithRateLimit allows each token limit requests per window (a fixed
// window, starting at the token's first request). Every answer to a
// request with a live token carries X-RateLimit-Limit, X-RateLimit-Remaining
// and X-RateLimit-Reset (whole seconds until the window resets, rounded
// up); a request over the limit is answered 429 with Retry-After (seconds)
// and not applied. A request with no live token is not limited. limit 0
// (the default) is no limit and no headers.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(s *Server) { s.rateLimit, s.rateWindow = limit, window }
}

// WithClock makes the rate limit's windows run on now instead of the wall
// clock, so a test can step past a window without waiting for it.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithMissingTaskNull makes GET …/tasks/{taskId} of a task the project
// does not have answer 200 {"ok":true,"item":null} (the spec's Task is
// nullable) instead of 404. Every other request about such a task is still
// a 404.
func WithMissingTaskNull() Option {
	return func(s *Server) { s.missingTaskNull = true }
}

// WithDateTimes makes GET …/date answer dates as ISO date-times
// ("2026-07-21T00:00:00.000Z"), as the spec's examples do, instead of
// the "YYYY-MM-DD" its schema says. Writes still take only YYYY-MM-DD.
func WithDateTimes() Option {
	return func(s *Server) { s.dateTimes = true }
}

// WithAssigneesReplaced makes PUT …/assignees replace a task's
// assignees with the handles sent, instead of adding them (the spec does
// not say which Taskade does), so a client can be tested against both.
func WithAssigneesReplaced() Option {
	return func(s *Server) { s.replaceAssign = true }
}

// New starts a server for t, closed when t ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		t:        t,
		pageSize: 7,
		now:      time.Now,
		users:    map[string]*user{},
		tokens:   map[string]string{},
		wsByID:   map[string]*workspace{},
		folders:  map[string]*folder{},
		projByID: map[string]*project{},
		buckets:  map[string]*bucket{},
		hits:     map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.pageSize < 1 || s.pageSize > MaxLimit {
		t.Fatalf("taskadetest: page size %d is not 1 to %d", s.pageSize, MaxLimit)
	}
	if s.rateLimit < 0 || s.rateLimit > 0 && s.rateWindow <= 0 {
		t.Fatalf("taskadetest: rate limit %d per %v", s.rateLimit, s.rateWindow)
	}
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		pattern := rt.method + " /api/v1" + rt.path
		if strings.HasSuffix(rt.path, "/") {
			pattern += "{$}"
		}
		s.mux.Handle(pattern, &routeHandler{s: s, rt: &rt})
	}
	s.mux.Handle("/", &routeHandler{s: s})
	s.srv = httptest.NewServer(http.HandlerFunc(s.dispatch))
	s.URL = s.srv.URL + "/api/v1"
	t.Cleanup(s.srv.Close)
	return s
}

// Close stops the server now (it is closed when the test ends anyway):
// for a test of what a client does when the server is gone.
func (s *Server) Close() { s.srv.Close() }

// Hits is how many requests were matched to route, named by its method and
// its path under /api/v1 as the fact sheet writes it, e.g.
// "POST /projects/{projectId}/tasks/", "PUT /projects/{projectId}/tasks/{taskId}"
// or "GET /projects/{projectId}/tasks". Every matched request counts,
// whatever its answer (a FailNext, a 401, a 429, a dropped one).
func (s *Server) Hits(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[route]
}

// BytesOut is how many answer body bytes the server has written.
func (s *Server) BytesOut() int64 { return s.bytesOut.Load() }

// Requests is how many requests the server has received, any path.
func (s *Server) Requests() int64 { return s.requests.Load() }

type failRule struct {
	n          int
	status     int
	retryAfter time.Duration
}

type dropRule struct {
	method string
	n      int
}

// FailNext answers the next n requests (any path) with status and the
// error envelope, without applying them: 429 (with Retry-After when
// retryAfter > 0), 503, 500, … Calls queue up: FailNext(1, 503, 0) then
// FailNext(1, 429, time.Second) fails one request with each, in that order.
func (s *Server) FailNext(n int, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 {
		s.fails = append(s.fails, failRule{n: n, status: status, retryAfter: retryAfter})
	}
}

// DropNext makes the next n requests with that method ("" for any) be
// applied as usual, and then closes their connection without a byte of
// answer: the client can't know whether its write landed. A FailNext that
// is due takes precedence (the request then is answered, not applied).
//
// Go's http.Transport itself resends a GET (not a POST, PUT or DELETE)
// whose reused keep-alive connection closed before any answer, so a dropped
// GET may never reach the client as an error.
func (s *Server) DropNext(method string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 {
		s.drops = append(s.drops, dropRule{method: method, n: n})
	}
}

type bucket struct {
	start time.Time
	used  int
}

// rate returns the rate-limit headers for token (nil when there is no
// limit) and, when take, takes one request from its window: ok is false
// when the window has none left, and retry is how long until it resets.
// s.mu is held.
func (s *Server) rate(token string, take bool) (h http.Header, ok bool, retry time.Duration) {
	if s.rateLimit == 0 {
		return nil, true, 0
	}
	now := s.now()
	b := s.buckets[token]
	if b == nil || now.Sub(b.start) >= s.rateWindow || now.Before(b.start) {
		b = &bucket{start: now}
		s.buckets[token] = b
	}
	ok = true
	if take {
		if b.used >= s.rateLimit {
			ok = false
		} else {
			b.used++
		}
	}
	retry = b.start.Add(s.rateWindow).Sub(now)
	h = http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.rateLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.rateLimit-b.used))
	h.Set("X-RateLimit-Reset", strconv.Itoa(seconds(retry)))
	return h, ok, retry
}

// seconds is d in whole seconds, rounded up, at least 1.
func seconds(d time.Duration) int {
	n := int((d + time.Second - 1) / time.Second)
	return max(n, 1)
}

// apiError is an error answer: status and the envelope's message.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, format, args...)
}

func notFound(format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, format, args...)
}

// envelope is the error answer: exactly these four keys.
type envelope struct {
	OK            bool   `json:"ok"`
	Message       string `json:"message"`
	Code          string `json:"code"`
	StatusMessage string `json:"statusMessage"`
}

func errorBody(status int, msg string) envelope {
	text := http.StatusText(status)
	if text == "" {
		text = "Status " + strconv.Itoa(status)
	}
	return envelope{
		Message:       msg,
		Code:          strings.ReplaceAll(strings.ToLower(text), " ", "_"),
		StatusMessage: text,
	}
}

// answer is what a request gets back.
type answer struct {
	status int
	header http.Header
	body   any
}

// errorAnswer is the answer for err: an *apiError's status and message,
// or a 500.
func errorAnswer(err error) answer {
	var e *apiError
	if !errors.As(err, &e) {
		e = errorf(http.StatusInternalServerError, "%v", err)
	}
	return answer{status: e.status, body: errorBody(e.status, e.msg)}
}

// dispatch hands r to the route it matches. ServeMux's redirects (of a
// path that is not clean, or that lacks a trailing slash a route has) are
// not followed: the API has no such redirects, and a client that sends
// POST …/tasks instead of …/tasks/ is to see its mistake.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	p := r.URL.Path
	clean := p != "" && path.Clean(p) == strings.TrimSuffix(p, "/") || p == "/"
	if !clean || !s.isRoute(r) {
		s.serve(w, r, nil)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// routeHandler serves one route (rt nil: the catch-all).
type routeHandler struct {
	s  *Server
	rt *route
}

func (h *routeHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.s.serve(w, r, h.rt) }

// isRoute reports whether r goes to one of the routes, not to the
// catch-all nor to a redirect.
func (s *Server) isRoute(r *http.Request) bool {
	h, _ := s.mux.Handler(r)
	rh, ok := h.(*routeHandler)
	return ok && rh.rt != nil
}

// serve answers one request for rt (nil: no route has its method and path).
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt *route) {
	token := bearer(r)
	s.mu.Lock()
	if rt != nil {
		s.hits[rt.name()]++
	}
	var fail *failRule
	if len(s.fails) > 0 {
		f := s.fails[0]
		fail = &f
		if s.fails[0].n--; s.fails[0].n == 0 {
			s.fails = s.fails[1:]
		}
	}
	drop := false
	if fail == nil {
		for i := range s.drops {
			if d := &s.drops[i]; d.method == "" || d.method == r.Method {
				drop = true
				if d.n--; d.n == 0 {
					s.drops = append(s.drops[:i], s.drops[i+1:]...)
				}
				break
			}
		}
	}
	var failHeader http.Header
	if _, live := s.tokens[token]; live && fail != nil {
		failHeader, _, _ = s.rate(token, false)
	}
	s.mu.Unlock()

	if fail != nil {
		a := answer{status: fail.status, header: failHeader,
			body: errorBody(fail.status, "the server failed this request (taskadetest FailNext)")}
		if fail.retryAfter > 0 {
			if a.header == nil {
				a.header = http.Header{}
			}
			a.header.Set("Retry-After", strconv.Itoa(seconds(fail.retryAfter)))
		}
		s.write(w, r, a)
		return
	}
	a := s.handle(r, rt, token)
	if !drop {
		s.write(w, r, a)
		return
	}
	// Applied; now the connection goes without an answer.
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// handle runs the request and returns its answer.
func (s *Server) handle(r *http.Request, rt *route, token string) answer {
	body, bodyErr := readBody(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	handle, live := s.tokens[token]
	var rateHeader http.Header
	if live {
		h, ok, retry := s.rate(token, true)
		rateHeader = h
		if !ok {
			a := errorAnswer(errorf(http.StatusTooManyRequests, "rate limit of %d requests per %v exceeded", s.rateLimit, s.rateWindow))
			a.header = h
			a.header.Set("Retry-After", strconv.Itoa(seconds(retry)))
			return a
		}
	}
	a := s.handleRoute(r, rt, body, bodyErr, live, handle)
	if rateHeader != nil {
		if a.header == nil {
			a.header = http.Header{}
		}
		for k, v := range rateHeader {
			a.header[k] = v
		}
	}
	return a
}

func (s *Server) handleRoute(r *http.Request, rt *route, body []byte, bodyErr *apiError, live bool, handle string) answer {
	if rt == nil {
		if allow := s.allowed(r); len(allow) > 0 {
			a := errorAnswer(errorf(http.StatusMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			a.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
			return a
		}
		return errorAnswer(notFound("no route %s %s", r.Method, r.URL.Path))
	}
	if !live {
		return errorAnswer(errorf(http.StatusUnauthorized, "missing, unknown or revoked token"))
	}
	if bodyErr != nil {
		return errorAnswer(bodyErr)
	}
	c := &call{s: s, r: r, user: s.users[handle], body: body}
	if err := c.checkQuery(rt.params); err != nil {
		return errorAnswer(err)
	}
	reply, err := rt.fn(c)
	if err != nil {
		return errorAnswer(err)
	}
	return answer{status: http.StatusOK, body: reply}
}

// allowed lists the methods that have a route for r's path.
func (s *Server) allowed(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if s.isRoute(probe) {
			allow = append(allow, m)
		}
	}
	return allow
}

// bearer is the token of r's Authorization header, "" if it has none.
func bearer(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// readBody reads r's body, at most MaxBody bytes; a body that is there
// must be JSON.
func readBody(r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, badRequest("reading the body: %v", err)
	}
	if len(body) > MaxBody {
		return nil, errorf(http.StatusRequestEntityTooLarge, "the body is over %d bytes", MaxBody)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, errorf(http.StatusUnsupportedMediaType, "the body must be application/json, not %q", r.Header.Get("Content-Type"))
	}
	return body, nil
}

// write sends a as JSON, counting its bytes.
func (s *Server) write(w http.ResponseWriter, r *http.Request, a answer) {
	raw, err := json.Marshal(a.body)
	if err != nil {
		a = errorAnswer(errorf(http.StatusInternalServerError, "encoding the answer: %v", err))
		raw, _ = json.Marshal(a.body)
	}
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(a.status)
	if r.Method == http.MethodHead {
		return
	}
	n, _ := w.Write(raw)
	s.bytesOut.Add(int64(n))
}
