// Package wire is what lanes' two HTTP clients (package api, for a lanes
// or Krokanti server, and api/taskade) do alike: read Retry-After, back
// off with jitter, unwrap a transport error, and write the debug log.
package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/lanesboard/lanes/internal/safe"
)

// maxRetryAfter is the longest wait a Retry-After is taken at: a year is
// "later" enough, and no arithmetic overflows.
const maxRetryAfter = 365 * 24 * time.Hour

// RetryAfter reads a Retry-After header: seconds (a fraction too), or an
// HTTP date; 0 when it says nothing usable.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n <= 0 || math.IsNaN(n) {
			return 0
		}
		return time.Duration(math.Ceil(min(n, maxRetryAfter.Seconds()) * float64(time.Second)))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

// Backoff is the wait before retry n (from 0): doubling from lo, capped at
// hi, with the upper half jittered so clients spread out.
func Backoff(n int, lo, hi time.Duration) time.Duration {
	d := lo << min(n, 20)
	if d <= 0 || d > hi {
		d = hi
	}
	if d <= 1 {
		return max(d, 0)
	}
	return d/2 + rand.N(d/2+1)
}

// UnwrapURL drops a url.Error's repetition of method and URL.
func UnwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// DebugLog writes one line per request: time, method, URL, status and
// duration, and the error if there was one. Never a header, so never the
// token. The zero DebugLog writes nothing; it is safe for concurrent use.
type DebugLog struct {
	mu sync.Mutex
	w  io.Writer
}

// SetWriter sends the log to w (nil: nowhere).
func (l *DebugLog) SetWriter(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w = w
}

// Request logs one request to base+path.
func (l *DebugLog) Request(method, base, path string, status int, d time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return
	}
	line := fmt.Sprintf("%s %s %s%s %d %s", time.Now().UTC().Format(time.RFC3339Nano), method, base, path, status, d.Round(time.Microsecond))
	if err != nil {
		line += " error: " + safe.Line(err.Error())
	}
	fmt.Fprintln(l.w, line)
}

// Sleep waits d, or until ctx ends (its error then).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NewResty is a resty client of a JSON API as token: the token as a
// Bearer, JSON accepted, "lanes/dev" as its User-Agent until told
// otherwise, no redirect followed (a token is for one server), and
// nothing written to stderr, where a full-screen board is: the errors
// resty would log are returned anyway.
func NewResty(token string) *resty.Client {
	r := resty.New().SetLogger(quiet{})
	r.SetHeader("Authorization", "Bearer "+token)
	r.SetHeader("Accept", "application/json")
	r.SetHeader("User-Agent", "lanes/dev")
	r.SetRedirectPolicy(resty.NoRedirectPolicy())
	return r
}

type quiet struct{}

func (quiet) Errorf(string, ...any) {}
func (quiet) Warnf(string, ...any)  {}
func (quiet) Debugf(string, ...any) {}
