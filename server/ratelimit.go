package server

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lanesboard/lanes/server/store"
)

// rateWindow is the span a limit counts over: the seed's limit is per
// minute, and it holds for every minute, not only for minutes on the clock.
const rateWindow = time.Minute

// maxAddrs caps how many client addresses the limiter remembers at once, so
// requests from ever new addresses can't grow the server's memory: with at
// most DefaultRateLimit times per address, 10000 addresses are ~8 MB.
const maxAddrs = 10000

// limiter is the server's rate limits: perMinute requests in any minute per
// API token, and, before a token is looked up at all, up to as many
// (at most DefaultRateLimit) failed authentications in any minute per client
// address.
type limiter struct {
	tokens, addrs *window

	mu     sync.Mutex
	proven map[string]time.Time // hashes of tokens that proved good, and when
}

// provenFor is how long a token that proved good may pass an address whose
// limit bad tokens have spent. A revoked token is still refused by the
// lookup it then gets; this only decides whether it is looked up.
const provenFor = time.Hour

func newLimiter(perMinute int, now time.Time) *limiter {
	return &limiter{
		tokens: newWindow(perMinute, 0, now),
		addrs:  newWindow(min(perMinute, DefaultRateLimit), maxAddrs, now),
		proven: map[string]time.Time{},
	}
}

// vouch remembers that the token with this hash was good at now.
func (l *limiter) vouch(hash []byte, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.proven[string(hash)]; !ok && len(l.proven) >= maxAddrs {
		for k, at := range l.proven {
			if now.Sub(at) > provenFor {
				delete(l.proven, k)
			}
		}
		if len(l.proven) >= maxAddrs {
			return // as many good tokens as addresses: keep those
		}
	}
	l.proven[string(hash)] = now
}

// vouched reports whether the request's token proved good within provenFor.
func (l *limiter) vouched(r *http.Request, now time.Time) bool {
	hash, ok := bearerHash(r)
	if !ok {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.proven[string(hash)]
	return ok && now.Sub(at) <= provenFor
}

// window limits each key to limit requests in any rateWindow: it keeps,
// per key, the times of the requests let through in the last window (a
// sliding window log). A key unused for a window is forgotten.
//
// Alone, a window is exact. Shared (see share), it also counts what the
// other processes over the same database let through, as they report it
// over the store's mesh; see take for how close to exact that stays.
type window struct {
	limit   int
	maxKeys int       // 0: no cap
	epoch   time.Time // times are kept as nanoseconds since, on the monotonic clock when there is one
	mu      sync.Mutex
	logs    map[string]*rateLog
	swept   int64 // when idle keys were last forgotten

	// peers is how many processes share the limit (this one included);
	// nil when it is this process's alone.
	peers func() int
	// told is this process's requests the others have not been told of
	// yet, per key, as Unix milliseconds.
	told map[string][]int64
}

// rateLog is the times of a key's counted requests, oldest first: this
// process's and, when shared, the others'. own is this process's alone
// within the last shareSpan.
type rateLog struct{ at, own []int64 }

// shareSpan is how long the other processes may not yet have heard of a
// request: the mesh speaks every 20 ms and a NOTIFY arrives in about a
// millisecond, so a tenth of a second leaves room for a busy database.
const shareSpan = 100 * time.Millisecond

func newWindow(limit, maxKeys int, now time.Time) *window {
	return &window{limit: limit, maxKeys: maxKeys, epoch: now, logs: map[string]*rateLog{}}
}

// verdict is the answer to one request, and what its headers say.
type verdict struct {
	ok        bool
	at        int64 // the time counted, for release
	limit     int
	remaining int
	// reset is when every request counted now has left the window: from
	// then the key has its whole limit again.
	reset time.Time
	// retryAfter is, when refused, how long until the oldest counted
	// request leaves the window and one more would pass.
	retryAfter time.Duration
}

// take counts a request of key at now if the window has room for it.
func (w *window) take(key string, now time.Time) verdict { return w.takeN(key, now, 1) }

// takeN counts n requests of key at now if the window has room for all of
// them, and none otherwise (a batch's weight: see batchCost). n is at most
// the limit.
func (w *window) takeN(key string, now time.Time, n int) verdict {
	n = max(1, min(n, w.limit))
	w.mu.Lock()
	defer w.mu.Unlock()
	at := int64(now.Sub(w.epoch))
	if at-w.swept >= int64(rateWindow) {
		w.forgetIdle(at)
	}
	lg := w.logs[key]
	if lg == nil {
		if w.maxKeys > 0 && len(w.logs) >= w.maxKeys {
			w.makeRoom(at)
		}
		lg = &rateLog{}
		w.logs[key] = lg
	}
	// Drop what has left the window: a request exactly a window old no
	// longer counts, so no span of rateWindow holds more than the limit.
	drop := 0
	for drop < len(lg.at) && lg.at[drop] <= at-int64(rateWindow) {
		drop++
	}
	lg.at = lg.at[:copy(lg.at, lg.at[drop:])]

	keep := 0
	for keep < len(lg.own) && lg.own[keep] <= at-int64(shareSpan) {
		keep++
	}
	lg.own = lg.own[:copy(lg.own, lg.own[keep:])]

	v := verdict{limit: w.limit}
	if len(lg.at)+n > w.limit {
		// Room comes back as the oldest requests leave the window: for n,
		// once the n-th place from the limit is free.
		v.retryAfter = time.Duration(lg.at[len(lg.at)+n-w.limit-1] + int64(rateWindow) - at)
		v.reset = now.Add(time.Duration(lg.at[len(lg.at)-1] + int64(rateWindow) - at))
		v.remaining = max(0, w.limit-len(lg.at))
		return v
	}
	if w.peers != nil {
		// Shared: the others may be letting requests of this key through
		// right now that this process will hear of only within shareSpan.
		// So in any shareSpan each of the p processes lets through at most
		// its share of what was left when the span began (at least one):
		// together they can't spend more than was left. The limit holds
		// exactly while what is left is at least p; below that, each
		// process may still pass one, so at most p-1 more than the limit
		// pass in a window, and only at its very end.
		if p := w.peers(); p > 1 {
			// A weight of n counts as n requests of its share; alone
			// in a span it may pass whole, as a single request may.
			left := w.limit - (len(lg.at) - len(lg.own))
			if len(lg.own) > 0 && len(lg.own)+n > max(1, left/p) {
				v.retryAfter = time.Duration(lg.own[0] + int64(shareSpan) - at)
				v.reset = now.Add(rateWindow)
				v.remaining = w.limit - len(lg.at)
				return v
			}
		}
		ms := w.epoch.Add(time.Duration(at)).UnixMilli()
		for range n {
			lg.own = append(lg.own, at)
			w.told[key] = append(w.told[key], ms)
		}
	}
	for range n {
		lg.at = insertTime(lg.at, at)
	}
	v.ok, v.at = true, at
	v.remaining = w.limit - len(lg.at)
	v.reset = now.Add(rateWindow)
	return v
}

// insertTime puts n into the ordered times at. Requests of this process
// arrive in order; the others' can be a little older than the newest.
func insertTime(at []int64, n int64) []int64 {
	i := len(at)
	for i > 0 && at[i-1] > n {
		i--
	}
	return slices.Insert(at, i, n)
}

// share makes the window count the requests of every process that shares
// the mesh: it tells them of this one's, and counts theirs as they tell.
func (w *window) share(m *store.Mesh, topic string) {
	w.mu.Lock()
	w.peers, w.told = m.Peers, map[string][]int64{}
	w.mu.Unlock()
	m.Publish(topic, w.tell)
	m.Handle(topic, w.hear)
}

// tell is the messages that report this process's requests since the
// last: lines of "key ms ms …", a message at most rateMessage bytes.
func (w *window) tell() []string {
	w.mu.Lock()
	told := w.told
	w.told = map[string][]int64{}
	w.mu.Unlock()
	var out []string
	var b strings.Builder
	add := func(line string) {
		if b.Len() > 0 && b.Len()+1+len(line) > rateMessage {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	for key, times := range told {
		// A key's times go in as many lines as they need: a very busy key
		// (a limit in the tens of thousands) would not fit in one message.
		line := key
		for _, ms := range times {
			t := " " + strconv.FormatInt(ms, 10)
			if len(line)+len(t) > rateMessage {
				add(line)
				line = key
			}
			line += t
		}
		add(line)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// rateMessage bounds one mesh message of the limiter.
const rateMessage = 6000

// hear counts the requests another process reports. What doesn't parse,
// or falls outside the window, is ignored; a key holds at most twice its
// limit, whatever is reported.
func (w *window) hear(payload string) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	n := int64(now.Sub(w.epoch))
	for _, line := range strings.Split(payload, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || len(fields[0]) > 64 {
			continue
		}
		key := fields[0]
		lg := w.logs[key]
		for _, f := range fields[1:] {
			ms, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				continue
			}
			at := int64(time.UnixMilli(ms).Sub(w.epoch))
			if at <= n-int64(rateWindow) || at > n+int64(time.Second) {
				continue
			}
			if lg == nil {
				if w.maxKeys > 0 && len(w.logs) >= w.maxKeys {
					return
				}
				lg = &rateLog{}
				w.logs[key] = lg
			}
			if len(lg.at) < 2*w.limit {
				lg.at = insertTime(lg.at, at)
			}
		}
	}
}

// release uncounts a request take let through (at is its verdict's).
// (Processes already told of it keep counting it, to the window's end.)
func (w *window) release(key string, at int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	lg := w.logs[key]
	if lg == nil {
		return
	}
	for i := len(lg.at) - 1; i >= 0; i-- {
		if lg.at[i] == at {
			lg.at = append(lg.at[:i], lg.at[i+1:]...)
			return
		}
	}
}

// forgetIdle drops every key with nothing left in the window.
func (w *window) forgetIdle(n int64) {
	for k, lg := range w.logs {
		if len(lg.at) == 0 || lg.at[len(lg.at)-1] <= n-int64(rateWindow) {
			delete(w.logs, k)
		}
	}
	w.swept = n
}

// makeRoom frees a place for a new key when the cap is reached: idle keys
// first (at most once a second, as that walks them all), else any one key.
// Forgetting a busy key gives it a fresh window; only someone sending from
// more than maxKeys addresses at once can make that happen.
func (w *window) makeRoom(n int64) {
	if n-w.swept >= int64(time.Second) {
		w.forgetIdle(n)
		if len(w.logs) < w.maxKeys {
			return
		}
	}
	for k := range w.logs {
		delete(w.logs, k)
		return
	}
}

// setHeaders writes the verdict on the response: the X-RateLimit-* headers
// on every answer to a limited request, and Retry-After on a refusal.
//
// X-RateLimit-Reset is a Unix time in seconds (rounded up), the meaning
// GitHub's and ClickUp's clients read: when the limit is whole again. The
// Taskade docs only promise "rate limit headers" and back off on 429; the
// seed's Retry-After says when the next single request would pass.
func (v verdict) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(v.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(v.remaining))
	reset := v.reset.Unix()
	if v.reset.Nanosecond() > 0 {
		reset++
	}
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
	if !v.ok {
		secs := int64(v.retryAfter / time.Second)
		if v.retryAfter%time.Second > 0 {
			secs++
		}
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
}

// clientAddr is who a request comes from, for the per-address limit: the
// connection's remote IP, never a header the client writes. Only when the
// connection comes from a trusted proxy (a load balancer in front of
// several servers, see WithTrustedProxies) is X-Forwarded-For read: from
// its end, the first address that is not itself a trusted proxy (the
// addresses before that one were written by whoever sent the request, and
// prove nothing). An IPv6 address counts as its /64, which one host is
// usually given whole.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap().WithZone("")
	if isTrusted(ip, trusted) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0 && i >= len(hops)-32; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // not an address: stop at the last proxy that wrote one
			}
			ip = hop.Unmap().WithZone("")
			if !isTrusted(ip, trusted) {
				break
			}
		}
	}
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked().String()
	}
	return ip.String()
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
