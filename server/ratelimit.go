package server

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per API token: perMinute requests a
// minute, with a burst of a minute's worth.
type limiter struct {
	mu      sync.Mutex
	perMin  int
	buckets map[string]*rate.Limiter
}

func newLimiter(perMinute int) *limiter {
	return &limiter{perMin: perMinute, buckets: map[string]*rate.Limiter{}}
}

// allow takes one request from the token's bucket at now. When the bucket is
// empty it says how many whole seconds until a request would be allowed.
func (l *limiter) allow(tokenID string, now time.Time) (retryAfter int, ok bool) {
	l.mu.Lock()
	b, found := l.buckets[tokenID]
	if !found {
		b = rate.NewLimiter(rate.Limit(float64(l.perMin)/60), l.perMin)
		l.buckets[tokenID] = b
	}
	l.mu.Unlock()
	res := b.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if delay == 0 {
		return 0, true
	}
	res.CancelAt(now)
	return int(math.Ceil(delay.Seconds())), false
}
