package server

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// The limiter's memory stays bounded: a key holds at most its limit of
// times, idle keys are forgotten, and addresses past the cap push others
// out instead of growing the map.
func TestRateWindowMemoryIsBounded(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	w := newWindow(5, 100, t0)
	for i := 0; i < 1000; i++ {
		w.take("one", t0.Add(time.Duration(i)*time.Millisecond))
	}
	if n := len(w.logs["one"].at); n > 5 {
		t.Fatalf("one key holds %d times, want at most its limit 5", n)
	}
	for i := 0; i < 10000; i++ {
		w.take(fmt.Sprintf("addr %d", i), t0.Add(time.Second))
	}
	if n := len(w.logs); n > 100 {
		t.Fatalf("%d keys remembered, want at most the cap 100", n)
	}
	// A minute later, with every key idle, one request leaves one key.
	w.take("late", t0.Add(62*time.Second))
	if n := len(w.logs); n != 1 {
		t.Fatalf("%d keys remembered after a quiet minute, want 1", n)
	}

	tokens := newWindow(3, 0, t0)
	for i := 0; i < 500; i++ {
		tokens.take(fmt.Sprintf("token %d", i), t0)
	}
	tokens.take("token 0", t0.Add(61*time.Second))
	if n := len(tokens.logs); n != 1 {
		t.Fatalf("%d idle tokens remembered, want only the one in use", n)
	}
}

// release gives back exactly the request it names.
func TestRateWindowRelease(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	w := newWindow(2, 0, t0)
	a := w.take("k", t0)
	w.take("k", t0.Add(time.Second))
	if v := w.take("k", t0.Add(2*time.Second)); v.ok {
		t.Fatal("a third request passed a limit of 2")
	}
	w.release("k", a.at)
	if v := w.take("k", t0.Add(2*time.Second)); !v.ok || v.remaining != 0 {
		t.Fatalf("after a release: %+v, want one more to pass", v)
	}
}

func TestClientAddr(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:5555":           "192.0.2.7",
		"[::ffff:192.0.2.7]:80":    "192.0.2.7",
		"[2001:db8:1:2::1]:443":    "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::9]:1": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:22":        "fe80::/64",
		"not an address":           "not an address",
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", "203.0.113.1")
		if got := clientAddr(r, nil); got != want {
			t.Errorf("clientAddr(%q) = %q, want %q", remote, got, want)
		}
	}
}

// Behind trusted load balancers, the client is the last address in
// X-Forwarded-For that is not itself one of them; what the client wrote
// before that proves nothing, and from anywhere else the header is ignored.
func TestClientAddrBehindTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	for _, c := range []struct {
		remote string
		xff    []string
		want   string
	}{
		{"127.0.0.1:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"127.0.0.1:4000", []string{"198.51.100.1, 203.0.113.9"}, "203.0.113.9"},             // the client's own claim first
		{"127.0.0.1:4000", []string{"198.51.100.1", "203.0.113.9, 10.1.2.3"}, "203.0.113.9"}, // two proxies
		{"127.0.0.1:4000", []string{"2001:db8:1:2::7"}, "2001:db8:1:2::/64"},
		{"127.0.0.1:4000", nil, "127.0.0.1"},
		{"127.0.0.1:4000", []string{"garbage"}, "127.0.0.1"},
		{"127.0.0.1:4000", []string{"10.9.9.9"}, "10.9.9.9"},     // only proxies: the first of them
		{"192.0.2.7:5555", []string{"203.0.113.9"}, "192.0.2.7"}, // not a trusted proxy: header ignored
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddr(r, trusted); got != c.want {
			t.Errorf("clientAddr(%s, X-Forwarded-For %q) = %q, want %q", c.remote, c.xff, got, c.want)
		}
	}
}

// However many requests a key made since the last report, every one is
// told, in messages the mesh can carry, and a window hearing them counts
// them all.
func TestRateTellSplitsABusyKey(t *testing.T) {
	t0 := time.Now()
	w := newWindow(100000, 0, t0)
	w.peers, w.told = func() int { return 1 }, map[string][]int64{}
	key := "0193f0c2-7a1b-7c3d-9e4f-a5b6c7d8e9f0"
	for i := range 2000 {
		w.take(key, t0.Add(time.Duration(i)*time.Microsecond))
	}
	w.take("other", t0)
	msgs := w.tell()
	if len(msgs) < 2 {
		t.Fatalf("2,001 requests told in %d message(s), want them split", len(msgs))
	}
	heard := newWindow(100000, 0, t0)
	for _, m := range msgs {
		if len(m) > rateMessage {
			t.Fatalf("a message of %d bytes, over %d", len(m), rateMessage)
		}
		heard.hear(m)
	}
	if n := len(heard.logs[key].at); n != 2000 {
		t.Fatalf("the other process counted %d of the key's 2,000 requests", n)
	}
	if n := len(heard.logs["other"].at); n != 1 {
		t.Fatalf("the other process counted %d of the other key's 1", n)
	}
}
