package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lanesboard/lanes/server/store"
)

// Webhooks sends the deliveries the store queues (see store/webhooks.go):
// each subscription's oldest pending delivery first and one at a time, so
// a receiver gets a subscription's events in the order they happened;
// different subscriptions in parallel, at most maxInFlight at once.
//
// The slots are shared out fairly, so that one space's slow receivers and
// backlog can't hold up the others': a space has at most maxPerSpace of
// them; a free slot goes to the due delivery of the space sending least,
// then of the space and the subscription whose turn was longest ago; and
// a subscription keeps its slot for its next delivery only while no other
// delivery is waiting for one. So a delivery waits at most for one send
// of each subscription ahead of it in the round, never for a backlog.
//
// A delivery is leased in a write transaction before it is sent (so no two
// workers, in this process or another over the same PostgreSQL database,
// send it at once) and its outcome written afterwards. A worker that dies
// mid-send leaves a lease that expires, and the delivery is sent again
// under the same id: receivers get every event at least once and dedupe
// by X-Lanes-Delivery.
//
// Retries: a network error, a timeout, 408, 429 or 5xx is tried again
// after an exponential backoff with jitter (or what Retry-After asks, up
// to an hour), until the delivery has waited DeliveryWindow (24 h); then
// it is failed. A redirect (not followed) or any other 4xx answer fails
// it at once: the receiver refused it and would refuse the same bytes
// again. A subscription whose deliveries have failed for three days on
// end (see store.Tx.RecordAttempt) is disabled.
//
// Serve starts and stops it; a server answering through its Handler alone
// (httptest) starts it with Start.
type Webhooks struct {
	st       *store.Store
	log      *slog.Logger
	now      func() time.Time
	cfg      hookConfig
	client   *http.Client
	resolver *net.Resolver
	worker   string // this worker's lease prefix
	turns    *turns

	mu      sync.Mutex
	cancel  context.CancelFunc
	stopped chan struct{}
}

// hookConfig is how the worker sends; the options below change it.
type hookConfig struct {
	idle         bool // Serve leaves the worker stopped
	allowPrivate bool
	retryMin     time.Duration // the first retry's wait
	retryMax     time.Duration // the longest backoff
	timeout      time.Duration // one attempt, connection to the last byte read
	poll         time.Duration // how often to look without being woken
}

// The worker's fixed bounds.
const (
	maxInFlight        = 8                // deliveries sent at once, each to a different subscription
	maxPerSpace        = maxInFlight / 2  // of those, to one space's subscriptions
	maxResponseBody    = 64 << 10         // bytes of a receiver's answer read
	maxRetryAfter      = time.Hour        // the longest Retry-After honoured
	disableAfter       = 72 * time.Hour   // failing this long disables a subscription
	pruneEvery         = 10 * time.Minute // how often finished deliveries are pruned
	bodyExcerpt        = 200              // bytes of an error answer kept in the delivery
	webhookUserAgent   = "lanes-webhooks/1"
	defaultHookPoll    = time.Second
	defaultHookTimeout = 10 * time.Second
)

// WithPrivateWebhooks lets webhooks go to loopback, private, link-local
// and other internal addresses (lanes serve --allow-private-webhooks):
// for tests and for self-hosting where the receiver is on the same
// network. Off by default.
func WithPrivateWebhooks(allow bool) Option {
	return func(s *Server) { s.hookCfg.allowPrivate = allow }
}

// WithWebhookSending says whether Serve runs the delivery worker (the
// default): off, a server queues deliveries but leaves them for another
// process, or its own next start, to send. For a server that lives only
// for one short command, which would lease deliveries only to cut them
// short when it stops.
func WithWebhookSending(on bool) Option {
	return func(s *Server) { s.hookCfg.idle = !on }
}

// WithWebhookRetry sets the backoff between a delivery's attempts: the
// first retry waits about min, each next one twice as long, up to max
// (defaults 5 s and 1 h).
func WithWebhookRetry(min, max time.Duration) Option {
	return func(s *Server) { s.hookCfg.retryMin, s.hookCfg.retryMax = min, max }
}

// WithWebhookTimeout bounds one attempt (default 10 s). A delivery's lease
// is twice as long.
func WithWebhookTimeout(d time.Duration) Option {
	return func(s *Server) { s.hookCfg.timeout = d }
}

func defaultHookConfig() hookConfig {
	return hookConfig{retryMin: 5 * time.Second, retryMax: time.Hour, timeout: defaultHookTimeout, poll: defaultHookPoll}
}

func newWebhooks(st *store.Store, log *slog.Logger, now func() time.Time, cfg hookConfig) *Webhooks {
	var b [6]byte
	rand.Read(b[:])
	h := &Webhooks{st: st, log: log, now: now, cfg: cfg, resolver: net.DefaultResolver, worker: hex.EncodeToString(b[:]), turns: newTurns()}
	dialer := &net.Dialer{Timeout: cfg.timeout, KeepAlive: 30 * time.Second, Control: h.dialControl}
	h.client = &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil, // a proxy would dial for us, past the address check
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   maxInFlight,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   cfg.timeout,
			ResponseHeaderTimeout: cfg.timeout,
		},
		Timeout: cfg.timeout,
		// Not followed: a redirect could lead anywhere, and the receiver
		// was chosen.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return h
}

// Webhooks is the server's delivery worker.
func (s *Server) Webhooks() *Webhooks { return s.hooks }

// Start starts sending, until Stop (or ctx ends). Starting a running
// worker does nothing.
func (h *Webhooks) Start(ctx context.Context) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped != nil {
		return
	}
	ctx, h.cancel = context.WithCancel(ctx)
	h.stopped = make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		h.run(ctx)
	}(h.stopped)
}

// Stop stops sending and waits until the worker has: deliveries being sent
// are cut short and given back to the queue, the attempt not counted (a
// receiver that had already taken one gets it again, under the same id,
// on the next start).
func (h *Webhooks) Stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped == nil {
		return
	}
	h.cancel()
	<-h.stopped
	h.stopped = nil
}

// run is the worker's loop: lease what is due, send each in its own
// goroutine, and sleep until something is queued, a send finishes, the
// next retry is due, or the poll comes round (for other processes' work).
func (h *Webhooks) run(ctx context.Context) {
	var (
		wg       sync.WaitGroup
		inFlight = make(chan struct{}, maxInFlight)
		freed    = make(chan struct{}, 1)
		pruned   time.Time
	)
	defer wg.Wait()
	for {
		queued := h.st.DeliveriesQueued() // before looking, so no wake-up is missed
		wait := h.cfg.poll
		if time.Since(pruned) >= pruneEvery {
			pruned = time.Now()
			if err := h.st.Write(ctx, func(tx *store.Tx) error { return tx.PruneDeliveries() }); err != nil && ctx.Err() == nil {
				h.log.Error("webhooks: prune deliveries", "err", err)
			}
		}
		if free := cap(inFlight) - len(inFlight); free > 0 {
			outs, next, err := h.lease(ctx, free)
			if err != nil && ctx.Err() == nil {
				h.log.Error("webhooks: lease deliveries", "err", err)
			}
			for _, o := range outs {
				inFlight <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					h.sendAll(ctx, o)
					<-inFlight
					select {
					case freed <- struct{}{}:
					default:
					}
				}()
			}
			if next > 0 && next < wait {
				wait = next
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-queued:
		case <-freed:
		case <-t.C:
		}
		t.Stop()
	}
}

// lease leases up to n due deliveries for free slots, each the head of
// its subscription's queue, chosen fairly (see turns.reserve), and says
// how long until the next one not yet due is (0: none waits).
func (h *Webhooks) lease(ctx context.Context, n int) ([]*store.Outgoing, time.Duration, error) {
	var heads []store.DeliveryHead
	if err := h.st.Read(ctx, func(tx *store.Tx) (err error) { heads, err = tx.DeliveryHeads(); return }); err != nil {
		return nil, 0, err
	}
	h.turns.forget(heads)
	due, next := h.due(heads)
	picked := h.turns.reserve(due, n, "")
	if len(picked) == 0 {
		return nil, next, nil
	}
	var outs []*store.Outgoing
	err := h.st.Write(ctx, func(tx *store.Tx) error {
		outs = outs[:0]
		for _, hd := range picked {
			o, err := tx.LeaseDelivery(hd.Seq, h.newLease(), h.leaseEnd())
			if err != nil {
				return err
			}
			if o != nil {
				outs = append(outs, o)
			}
		}
		return nil
	})
	if err != nil {
		outs = nil
	}
	// The slots reserved for what someone else took meanwhile go back.
	for _, hd := range picked {
		if !slices.ContainsFunc(outs, func(o *store.Outgoing) bool { return o.Seq == hd.Seq }) {
			h.turns.done(hd.SpaceID)
		}
	}
	for _, o := range outs {
		h.turns.took(o)
	}
	return outs, next, err
}

// due sorts out the heads that may be sent now (due, and leased by no
// one), and says how long until the next of the others is (0: none).
func (h *Webhooks) due(heads []store.DeliveryHead) (due []store.DeliveryHead, next time.Duration) {
	now := h.now()
	stamp := store.FormatTime(now)
	for _, hd := range heads {
		at := hd.NextAttemptAt
		if hd.LeasedUntil != nil && *hd.LeasedUntil > at {
			at = *hd.LeasedUntil
		}
		if at <= stamp {
			due = append(due, hd)
			continue
		}
		if t, err := time.Parse(store.TimeFormat, at); err == nil {
			if d := t.Sub(now); next == 0 || d < next {
				next = d
			}
		}
	}
	return due, next
}

func (h *Webhooks) newLease() string {
	var b [8]byte
	rand.Read(b[:])
	return h.worker + "-" + hex.EncodeToString(b[:])
}

// leaseEnd is when a lease taken now runs out: time to send and record.
func (h *Webhooks) leaseEnd() time.Time { return h.now().Add(2 * h.cfg.timeout) }

// sendAll sends o in the slot the worker leased it for, and then, while
// one is due, whichever delivery should have the slot next (see
// turns.reserve): the next of the same subscription while no other waits
// for a slot, else another's. Each outcome is recorded, and the next
// delivery leased, in one transaction. It gives the slot back when it
// returns.
func (h *Webhooks) sendAll(ctx context.Context, o *store.Outgoing) {
	for o != nil {
		a, permanent := h.send(ctx, o)
		if a.Code == 0 && ctx.Err() != nil {
			// Stopping: the attempt was cut short before any answer; give
			// it back, uncounted, so the next start sends it at once. (One
			// that got its answer is recorded.)
			h.release(ctx, o)
			return
		}
		if !a.Delivered && !permanent {
			a.RetryAt = h.retryAt(o, a)
		}
		var (
			next   *store.Outgoing
			picked []store.DeliveryHead
		)
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err := h.st.Write(rctx, func(tx *store.Tx) error {
			recorded, failingSince, err := tx.RecordAttempt(o, a.Attempt)
			if err != nil || !recorded {
				return err
			}
			if since, perr := time.Parse(store.TimeFormat, failingSince); perr == nil && failingSince != "" && h.now().Sub(since) >= disableAfter {
				return tx.DisableWebhook(o.WebhookID, "its deliveries failed for 3 days")
			}
			heads, err := tx.DeliveryHeads()
			if err != nil {
				return err
			}
			due, _ := h.due(heads)
			if picked = h.turns.reserve(due, 1, o.SpaceID); len(picked) == 0 {
				return nil
			}
			next, err = tx.LeaseDelivery(picked[0].Seq, h.newLease(), h.leaseEnd())
			return err
		})
		cancel()
		// o's slot is given back, or handed to next (reserved for it).
		h.turns.done(o.SpaceID)
		if err != nil {
			h.log.Error("webhooks: record a delivery", "delivery", o.ID, "err", err)
			next = nil
		}
		if next == nil {
			if len(picked) > 0 {
				h.turns.done(picked[0].SpaceID)
			}
			return
		}
		h.turns.took(next)
		if ctx.Err() != nil {
			h.release(ctx, next)
			return
		}
		o = next
	}
}

// release gives o back to its queue unsent (the worker is stopping), and
// its slot back to the worker.
func (h *Webhooks) release(ctx context.Context, o *store.Outgoing) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	err := h.st.Write(rctx, func(tx *store.Tx) error { return tx.ReleaseDelivery(o) })
	cancel()
	if err != nil {
		h.log.Error("webhooks: give back a delivery", "delivery", o.ID, "err", err)
	}
	h.turns.done(o.SpaceID)
}

// turns is how the worker shares its slots out: how many each space's
// deliveries hold, and when each space and subscription last had a turn.
type turns struct {
	mu     sync.Mutex
	busy   map[string]int    // space → slots its deliveries hold (or are reserved for them)
	spaces map[string]uint64 // space → the turn it had last
	hooks  map[string]uint64 // subscription → the turn it had last
	turn   uint64            // the last turn given
}

func newTurns() *turns {
	return &turns{busy: map[string]int{}, spaces: map[string]uint64{}, hooks: map[string]uint64{}}
}

// reserve chooses up to n of the due deliveries for free slots, and
// reserves a slot for each (done gives one back). freeing, if not "", is
// the space of a delivery whose slot is being handed on: counted as free.
// They are chosen one at a time: first the delivery of the space holding
// the fewest slots, then of the space whose turn was longest ago, then of
// the subscription whose turn was (one that never had one first), then
// the longest due; never more than maxPerSpace for one space.
func (t *turns) reserve(due []store.DeliveryHead, n int, freeing string) []store.DeliveryHead {
	t.mu.Lock()
	defer t.mu.Unlock()
	busy := maps.Clone(t.busy)
	if freeing != "" {
		busy[freeing]--
	}
	before := func(a, b store.DeliveryHead) bool {
		switch {
		case busy[a.SpaceID] != busy[b.SpaceID]:
			return busy[a.SpaceID] < busy[b.SpaceID]
		case t.spaces[a.SpaceID] != t.spaces[b.SpaceID]:
			return t.spaces[a.SpaceID] < t.spaces[b.SpaceID]
		case t.hooks[a.WebhookID] != t.hooks[b.WebhookID]:
			return t.hooks[a.WebhookID] < t.hooks[b.WebhookID]
		case a.NextAttemptAt != b.NextAttemptAt:
			return a.NextAttemptAt < b.NextAttemptAt
		}
		return a.Seq < b.Seq
	}
	var out []store.DeliveryHead
	taken := make([]bool, len(due))
	for len(out) < n {
		best := -1
		for i, hd := range due {
			if !taken[i] && busy[hd.SpaceID] < maxPerSpace && (best < 0 || before(hd, due[best])) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		taken[best] = true
		busy[due[best].SpaceID]++
		t.busy[due[best].SpaceID]++
		out = append(out, due[best])
	}
	return out
}

// took notes that o, leased in a reserved slot, had its turn.
func (t *turns) took(o *store.Outgoing) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.turn++
	t.spaces[o.SpaceID], t.hooks[o.WebhookID] = t.turn, t.turn
}

// done gives back a slot of a space's.
func (t *turns) done(spaceID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.busy[spaceID]--; t.busy[spaceID] <= 0 {
		delete(t.busy, spaceID)
	}
}

// forget drops the turns of subscriptions and spaces with nothing queued
// (heads lists everything that is), so the maps hold only what is queued:
// one that had nothing to send for a while goes first when it has.
func (t *turns) forget(heads []store.DeliveryHead) {
	t.mu.Lock()
	defer t.mu.Unlock()
	queued := map[string]bool{}
	for _, hd := range heads {
		queued[hd.WebhookID], queued[hd.SpaceID] = true, true
	}
	maps.DeleteFunc(t.hooks, func(id string, _ uint64) bool { return !queued[id] })
	maps.DeleteFunc(t.spaces, func(id string, _ uint64) bool { return !queued[id] && t.busy[id] == 0 })
}

// retryAt is when to try a failed delivery again: after the backoff for
// its attempt count (or the receiver's Retry-After), or zero if its window
// is over. The last retry falls at the window's end.
func (h *Webhooks) retryAt(o *store.Outgoing, a hookAttempt) time.Time {
	giveUp, err := time.Parse(store.TimeFormat, o.GiveUpAt)
	now := h.now()
	if err != nil || !now.Before(giveUp) {
		return time.Time{}
	}
	wait := h.backoff(o.Attempts)
	if a.retryAfter > 0 {
		wait = min(a.retryAfter, maxRetryAfter)
	}
	at := now.Add(wait)
	if at.After(giveUp) {
		at = giveUp
	}
	return at
}

// backoff is the wait after the nth attempt (from 1): retryMin doubled
// each time up to retryMax, with equal jitter (between half and all of it).
func (h *Webhooks) backoff(n int) time.Duration {
	d := h.cfg.retryMin
	for i := 1; i < n && d < h.cfg.retryMax; i++ {
		d *= 2
	}
	d = min(d, h.cfg.retryMax)
	if d <= 1 {
		return d
	}
	return d/2 + mrand.N(d/2+1)
}

// send makes one attempt at o. permanent says a failure is not worth
// retrying.
func (h *Webhooks) send(ctx context.Context, o *store.Outgoing) (a hookAttempt, permanent bool) {
	a.At = h.now()
	began := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(o.Payload))
	if err == nil && !validPort(req.URL.Port()) {
		err = fmt.Errorf("port %s is out of range", req.URL.Port())
	}
	if err != nil {
		a.Error = "the webhook's URL can't be sent to: " + err.Error()
		return a, true
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", webhookUserAgent)
	req.Header.Set("X-Lanes-Event", o.Event)
	req.Header.Set("X-Lanes-Delivery", o.ID)
	req.Header.Set("X-Lanes-Signature", Sign(o.Secret, began, o.Payload))
	res, err := h.client.Do(req)
	if err != nil {
		a.Duration = time.Since(began)
		var dest *destinationError
		if errors.As(err, &dest) {
			a.Error = "refused: " + dest.Error()
			return a, true
		}
		a.Error = sendError(err, h.cfg.timeout)
		return a, false
	}
	body, readErr := io.ReadAll(io.LimitReader(res.Body, maxResponseBody))
	res.Body.Close()
	a.Duration = time.Since(began)
	a.Code = res.StatusCode
	switch c := res.StatusCode; {
	case c >= 200 && c < 300:
		a.Delivered = true
		return a, false
	case c >= 300 && c < 400:
		a.Error = fmt.Sprintf("HTTP %d: redirect to %s not followed", c, clipText(res.Header.Get("Location")))
		return a, true
	}
	a.Error = fmt.Sprintf("HTTP %d", res.StatusCode)
	if excerpt := strings.TrimSpace(clipText(string(body))); excerpt != "" {
		a.Error += ": " + excerpt
	}
	if readErr != nil {
		a.Error += " (reading the answer: " + sendError(readErr, h.cfg.timeout) + ")"
	}
	switch c := res.StatusCode; {
	case c == http.StatusTooManyRequests, c == http.StatusServiceUnavailable, c >= 500, c == http.StatusRequestTimeout:
		a.retryAfter = retryAfter(res.Header.Get("Retry-After"), time.Now())
		return a, false
	}
	return a, true
}

// hookAttempt is an Attempt with the receiver's Retry-After.
type hookAttempt struct {
	store.Attempt
	retryAfter time.Duration
}

// sendError is what a failed request's error says, without Go's
// `Post "URL": ` prefix.
func sendError(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Sprintf("no answer within %s", timeout)
		}
		err = ue.Err
	}
	return err.Error()
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date (0 when
// absent or unreadable).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(min(n, int(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// clipText is s cut to at most bodyExcerpt bytes, at a character's start,
// with "…" when it was cut.
func clipText(s string) string { return store.Excerpt(s, bodyExcerpt) }

// Sign is the X-Lanes-Signature of body sent at t with secret:
// "t=UNIX,v1=HEX(HMAC-SHA256(secret, t + "." + body))".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
