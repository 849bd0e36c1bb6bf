// Package server is the lanes task server: the Krokanti Tasks REST API and
// lanes' additions to it, over the store. Handlers decode, check roles in one
// place per operation, call the store in one transaction, and encode.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lanesboard/lanes/server/store"
)

// Server answers the API. Build it with New; it is an http.Handler.
type Server struct {
	store   *store.Store
	log     *slog.Logger
	now     func() time.Time
	limits  *limiter
	perMin  int
	mux     *http.ServeMux
	handler http.Handler
	writes  atomic.Int64
	api     API
	lists   *listCache
	// listBytes bounds the task lists' cache (see WithListCacheBytes).
	listBytes int
	ring      feedRing       // the change log's newest rows, shared by this process's feeds
	closing   chan struct{}  // closed when Serve shuts down: live feeds end
	proxies   []netip.Prefix // load balancers whose X-Forwarded-For is believed
	standup   StandupFunc    // the daily_standup prompt's report (nil: the prompt says how to gather it)
	hookCfg   hookConfig     // how webhooks are sent (the options set it)
	hooks     *Webhooks      // the webhook delivery worker
	routed    []string       // the patterns routes() registered, in order (see routeMux)
}

// Option changes how New builds a Server.
type Option func(*Server)

// WithLogger sends the request log to l (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithClock makes the server read the time from now (rate limits, token use,
// idempotency expiry).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithRateLimit allows perMinute requests in any minute per token (and as
// many failed authentications, at most DefaultRateLimit, per client
// address); 0 turns the limits off. The default is the seed's 100.
func WithRateLimit(perMinute int) Option { return func(s *Server) { s.perMin = perMinute } }

// WithTrustedProxies names the load balancers in front of the server: a
// request arriving from one of them is limited by the client address its
// X-Forwarded-For gives, not by the balancer's own. From anywhere else the
// header is ignored.
func WithTrustedProxies(p []netip.Prefix) Option { return func(s *Server) { s.proxies = p } }

// WithListCacheBytes bounds the memory the cached task lists hold (default
// DefaultListCacheBytes); a list over half of it is served but not kept.
func WithListCacheBytes(n int) Option { return func(s *Server) { s.listBytes = n } }

// DefaultRateLimit is the seed's limit: requests per minute per token.
const DefaultRateLimit = 100

// New builds the server over st.
func New(st *store.Store, opts ...Option) *Server {
	s := &Server{store: st, log: slog.Default(), now: time.Now, perMin: DefaultRateLimit, mux: http.NewServeMux(), api: APIFull, listBytes: DefaultListCacheBytes,
		closing: make(chan struct{}), hookCfg: defaultHookConfig()}
	for _, o := range opts {
		o(s)
	}
	s.lists = newListCache(s.listBytes)
	s.hooks = newWebhooks(st, s.log, s.now, s.hookCfg)
	if s.perMin > 0 {
		s.limits = newLimiter(s.perMin, s.now())
		if m := st.Mesh(); m != nil {
			// Several processes over one database: the limit is the token's
			// across all of them.
			s.limits.tokens.share(m, "rate")
		}
	}
	s.routes()
	s.handler = s.logRequests(s.serve)
	return s
}

// routeMux registers the API's routes on the server's mux and keeps each
// pattern: the list the OpenAPI document is checked against, so a route
// can't be added without the test noticing.
type routeMux struct{ s *Server }

func (m routeMux) HandleFunc(pattern string, h http.HandlerFunc) { m.Handle(pattern, h) }

func (m routeMux) Handle(pattern string, h http.Handler) {
	m.s.mux.Handle(pattern, h)
	m.s.routed = append(m.s.routed, pattern)
}

func (s *Server) routes() {
	m := routeMux{s}
	m.HandleFunc(openAPIRoute, s.openAPI)

	m.HandleFunc("GET /api/spaces", s.listSpaces)
	m.HandleFunc("POST /api/spaces", s.createSpace)
	m.HandleFunc("GET /api/spaces/{id}/members", s.listMembers)
	m.HandleFunc("POST /api/spaces/{id}/members", s.addMember)
	m.HandleFunc("PATCH /api/spaces/{id}/members/{userId}", s.updateMember)
	m.HandleFunc("DELETE /api/spaces/{id}/members/{userId}", s.removeMember)

	m.HandleFunc("GET /api/projects", s.listProjects)
	m.HandleFunc("POST /api/projects", s.createProject)
	m.HandleFunc("PATCH /api/projects/{id}", s.updateProject)
	m.HandleFunc("DELETE /api/projects/{id}", s.archiveProject)
	m.HandleFunc("GET /api/statuses", s.listStatuses)
	m.HandleFunc("POST /api/statuses", s.createStatus)
	m.HandleFunc("PATCH /api/statuses/{id}", s.updateStatus)
	m.HandleFunc("DELETE /api/statuses/{id}", s.deleteStatus)

	m.HandleFunc("GET /api/labels", s.listLabels)
	m.HandleFunc("POST /api/labels", s.createLabel)
	m.HandleFunc("PATCH /api/labels/{id}", s.updateLabel)
	m.HandleFunc("DELETE /api/labels/{id}", s.deleteLabel)

	m.HandleFunc("GET /api/tasks", s.listTasks)
	m.HandleFunc("POST /api/tasks", s.createTask)
	m.HandleFunc("GET /api/tasks/{id}", s.getTask)
	m.HandleFunc("PATCH /api/tasks/{id}", s.updateTask)
	m.HandleFunc("DELETE /api/tasks/{id}", s.deleteTask)
	m.HandleFunc("POST /api/tasks/{id}/restore", s.restoreTask)
	m.HandleFunc("GET /api/tasks/{id}/comments", s.listComments)
	m.HandleFunc("POST /api/tasks/{id}/comments", s.addComment)
	m.HandleFunc("GET /api/tasks/{id}/activity", s.taskActivity)
	m.HandleFunc("POST /api/tasks/{id}/assignees", s.assign)
	m.HandleFunc("DELETE /api/tasks/{id}/assignees/{userId}", s.unassign)

	m.HandleFunc("GET /api/search", s.search)
	m.HandleFunc("GET /api/webhooks", s.listWebhooks)
	m.HandleFunc("POST /api/webhooks", s.createWebhook)
	m.HandleFunc("PATCH /api/webhooks/{id}", s.updateWebhook)
	m.HandleFunc("DELETE /api/webhooks/{id}", s.deleteWebhook)
	m.HandleFunc("GET /api/webhooks/{id}/deliveries", s.listDeliveries)
	m.HandleFunc("POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver", s.redeliver)
	m.HandleFunc("POST /api/webhooks/{id}/ping", s.pingWebhook)
	m.HandleFunc(batchPattern, s.batch)

	m.HandleFunc("GET /api/me", s.me)
	m.HandleFunc("GET /api/events", s.events)
	m.Handle("/api/mcp", s.newMCP())
}

// serves reports whether the server answers the route pattern on its API
// surface: in seed mode, the seed's routes and this document.
func (s *Server) serves(pattern string) bool {
	return pattern != "" && (s.api != APISeed || seedRoute(pattern) || pattern == openAPIRoute)
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// serve routes first (an unknown route is a 404 and a wrong method a 405,
// token or not), then authenticates, rate-limits and limits the body.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" && !s.serves(pattern) {
		pattern, h = "", http.NotFoundHandler()
	}
	if pattern == "" {
		noRoute(w, r, h)
		return
	}
	if pattern == openAPIRoute {
		// Public, like any API's documentation: it tells nothing about
		// anyone's data, and answering it costs less than checking a token.
		h.ServeHTTP(w, r)
		return
	}
	var (
		addr  string
		byIP  verdict
		limit = s.limits != nil
	)
	if limit {
		// Counted against its address before its token is looked up, and
		// uncounted once the token proves good: requests without a good
		// token can't make the server hash and look up tokens more often
		// than the limit allows, whatever they send.
		// A token that proved good lately is looked up even so, so that
		// someone sending bad tokens from a shared address (an office
		// behind one NAT) can't lock out everyone else there.
		addr = clientAddr(r, s.proxies)
		if byIP = s.limits.addrs.take(addr, s.now()); !byIP.ok && !s.limits.vouched(r, s.now()) {
			byIP.setHeaders(w.Header())
			writeJSON(w, http.StatusTooManyRequests, errRateLimited)
			return
		}
	}
	p, err := s.authenticate(r)
	if err != nil {
		if limit {
			switch {
			case !byIP.ok:
			case errors.Is(err, errUnauthorized):
				byIP.setHeaders(w.Header())
			default:
				s.limits.addrs.release(addr, byIP.at) // the server's failure, not the client's
			}
		}
		s.writeError(w, r, err)
		return
	}
	if limit {
		if byIP.ok {
			s.limits.addrs.release(addr, byIP.at)
		}
		s.limits.vouch(p.hash, s.now())
		v := s.limits.tokens.take(p.tokenID, s.now())
		v.setHeaders(w.Header())
		if !v.ok {
			writeJSON(w, http.StatusTooManyRequests, errRateLimited)
			return
		}
		// A batch weighs more than one request once its size is known;
		// refused then, it gives this one back (see chargeBatch).
		r = r.WithContext(context.WithValue(r.Context(), countedKey{}, v.at))
	}
	size := int64(maxBody)
	if pattern == batchPattern {
		size = maxBatchBody
	}
	r.Body = http.MaxBytesReader(w, r.Body, size)
	if s.api == APISeed {
		r.Header.Del("Idempotency-Key")
	}
	// Through the mux again, not h: only the mux fills in the path values.
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
}

// noRoute answers a request no route takes: the mux decides between 404
// and 405 (and sets Allow), and the answer is JSON like every other error.
func noRoute(w http.ResponseWriter, r *http.Request, h http.Handler) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if allow := rec.Header().Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	if rec.Code == http.StatusMethodNotAllowed {
		writeJSON(w, rec.Code, &apiError{Msg: fmt.Sprintf("Method %s is not allowed on %s", r.Method, r.URL.Path), Code: "method_not_allowed"})
		return
	}
	writeJSON(w, http.StatusNotFound, &apiError{Msg: "No such endpoint: " + r.Method + " " + r.URL.Path, Code: "not_found"})
}

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// statusWriter remembers the status a handler wrote, for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests gives each request an id (the caller's X-Request-Id if it sent
// a sane one) and logs one line when it is answered.
func (s *Server) logRequests(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		next(sw, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)), slog.String("request_id", id))
	})
}

// Serve answers on ln until ctx is done, then stops taking requests and
// waits up to drain for those in flight. It sends webhooks meanwhile (see
// Webhooks; unless WithWebhookSending(false)), and stops sending once the
// last request is answered.
func (s *Server) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	if !s.hookCfg.idle {
		s.hooks.Start(context.WithoutCancel(ctx))
		defer s.hooks.Stop()
	}
	var (
		mu    sync.Mutex
		state = map[net.Conn]http.ConnState{}
	)
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnState: func(c net.Conn, st http.ConnState) {
			mu.Lock()
			defer mu.Unlock()
			if st == http.StateClosed || st == http.StateHijacked {
				delete(state, c)
			} else {
				state[c] = st
			}
		}}
	// busy says a request is being answered. A connection a client opened
	// but never sent a request on is not busy, though net/http's Shutdown
	// waits up to 5 s for it in case one is on its way: a client's pool
	// often holds such a spare (lanes' own board does), and stopping lanes
	// must not take 5 s longer for it.
	busy := func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, st := range state {
			if st == http.StateActive {
				return true
			}
		}
		return false
	}
	var once sync.Once
	hs.RegisterOnShutdown(func() { once.Do(func() { close(s.closing) }) })
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- hs.Shutdown(sctx) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for waiting := true; waiting; {
		select {
		case err := <-shut:
			if err != nil {
				return fmt.Errorf("drain requests: %w", err)
			}
			waiting = false
		case <-tick.C:
			if !busy() {
				hs.Close() // every request is answered: what is left has none coming
			}
		}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
