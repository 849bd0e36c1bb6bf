package wire

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"1", time.Second},
		{" 2 ", 2 * time.Second},
		{"0.5", 500 * time.Millisecond},
		{"-3", 0},
		{"soon", 0},
		{"NaN", 0},
		{"1e300", 365 * 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		if got := RetryAfter(tc.in, now); got != tc.want {
			t.Errorf("Retry-After %q: %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestBackoffDoublesToItsCapWithJitter(t *testing.T) {
	for n, top := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second} {
		for range 50 {
			if d := Backoff(n, 100*time.Millisecond, time.Second); d < top/2 || d > top {
				t.Fatalf("retry %d waits %s, want between %s and %s", n, d, top/2, top)
			}
		}
	}
}

func TestDebugLogNamesTheRequestNeverMore(t *testing.T) {
	var l DebugLog
	l.Request("GET", "http://x", "/a", 200, time.Millisecond, nil) // no writer: nothing, no panic
	var buf bytes.Buffer
	l.SetWriter(&buf)
	l.Request("POST", "http://x", "/tasks/", 0, 2*time.Millisecond, errors.New("reset\x1b[2J"))
	line := buf.String()
	if !strings.Contains(line, "POST http://x/tasks/ 0 2ms error: reset") || strings.Contains(line, "\x1b") {
		t.Fatalf("debug line %q", line)
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on an ended context: %v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
