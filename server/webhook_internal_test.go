package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Which addresses a webhook may reach: public unicast only, whichever way
// an internal address is written (IPv4-mapped, IPv4-compatible,
// IPv4-translated, NAT64, 6to4).
func TestPublicAddr(t *testing.T) {
	for _, c := range []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true}, {"203.0.113.9", true}, {"1.1.1.1", true}, {"2606:4700::1111", true}, {"2a00:1450:4001::200e", true},
		{"::ffff:8.8.8.8", true}, {"64:ff9b::808:808", true}, {"2002:808:808::1", true},

		{"127.0.0.1", false}, {"127.1.2.3", false}, {"::1", false}, {"0.0.0.0", false}, {"::", false},
		{"0.1.2.3", false}, {"0.255.255.255", false}, // 0.0.0.0/8
		{"10.0.0.1", false}, {"172.16.0.1", false}, {"172.31.255.255", false}, {"192.168.0.1", false},
		{"100.64.0.1", false}, {"100.127.255.255", false}, // carrier-grade NAT
		{"169.254.169.254", false}, {"192.0.0.8", false},
		{"198.18.0.1", false}, {"198.19.255.255", false}, // benchmarking
		{"224.0.0.1", false}, {"239.255.255.250", false}, {"233.252.0.1", false}, // multicast
		{"240.0.0.1", false}, {"255.255.255.255", false}, // reserved, broadcast
		{"fe80::1", false}, {"fe80::1%eth0", false}, {"febf::1", false}, // link-local
		{"fc00::1", false}, {"fd12:3456::1", false}, // unique local
		{"fec0::1", false}, {"feff::1", false}, // site-local
		{"ff02::1", false}, {"ff0e::1", false}, {"ff05::1:3", false}, // multicast
		{"100::1", false}, {"2001::1", false}, {"2001:0:4136:e378::1", false}, // discard-only, Teredo
		// IPv4-mapped (::ffff:0:0/96 written as ::ffff:a.b.c.d).
		{"::ffff:127.0.0.1", false}, {"::ffff:10.0.0.1", false}, {"::ffff:169.254.169.254", false},
		// IPv4-compatible (::/96), deprecated: none is a public receiver.
		{"::127.0.0.1", false}, {"::10.0.0.1", false}, {"::7f00:1", false}, {"::8.8.8.8", false},
		// IPv4-translated (::ffff:0:0:0/96).
		{"::ffff:0:7f00:1", false}, {"::ffff:0:a00:1", false}, {"::ffff:0:808:808", false},
		// NAT64 (64:ff9b::/96): the IPv4 address inside decides.
		{"64:ff9b::7f00:1", false}, {"64:ff9b::a00:1", false}, {"64:ff9b::c0a8:101", false}, {"64:ff9b::a9fe:a9fe", false},
		{"64:ff9b::ffff:ffff", false}, {"64:ff9b:1::1", false},
		// 6to4 (2002::/16): likewise.
		{"2002:7f00:1::1", false}, {"2002:a00:1::1", false}, {"2002:c0a8:101::1", false}, {"2002:a9fe:a9fe::1", false},
		{"2002:6440:1::1", false}, {"2002:e000:1::1", false},
		// Outside global unicast (2000::/3) altogether.
		{"4000::1", false}, {"::2", false}, {"5f00::1", false},
	} {
		if got := publicAddr(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("publicAddr(%s) = %v, want %v", c.addr, got, c.want)
		}
	}
}

// A signature is t=UNIX,v1=hex(HMAC-SHA256(secret, t + "." + body)).
func TestSign(t *testing.T) {
	at := time.Unix(1767225600, 0)
	body := []byte(`{"event":"ping"}`)
	mac := hmac.New(sha256.New, []byte("whsec_abc"))
	mac.Write([]byte("1767225600." + string(body)))
	want := "t=1767225600,v1=" + hex.EncodeToString(mac.Sum(nil))
	if got := Sign("whsec_abc", at, body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

// Retry-After is seconds or an HTTP date, never more than an hour.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "0": 0, "30": 30 * time.Second, "86400": time.Hour, "-5": 0, "soon": 0,
		"Tue, 01 Dec 2026 10:02:00 GMT": 2 * time.Minute, "Tue, 01 Dec 2026 09:00:00 GMT": 0, "Wed, 02 Dec 2026 10:00:00 GMT": time.Hour,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

// The backoff doubles from the minimum to the maximum, with jitter that
// keeps it between half and all of the step.
func TestBackoff(t *testing.T) {
	h := &Webhooks{cfg: hookConfig{retryMin: 5 * time.Second, retryMax: time.Hour}}
	for n, step := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 5: 80 * time.Second, 10: 2560 * time.Second, 11: time.Hour, 40: time.Hour} {
		for range 50 {
			if d := h.backoff(n); d < step/2 || d > step {
				t.Fatalf("backoff(%d) = %s, want %s to %s", n, d, step/2, step)
			}
		}
	}
}

// A receiver's answer kept in a delivery's error is cut at a character's
// start, never inside one.
func TestClipText(t *testing.T) {
	for _, s := range []string{strings.Repeat("a", 199) + "日本語", strings.Repeat("é", 150), strings.Repeat("x", 200), "short"} {
		got := clipText(s)
		if !utf8.ValidString(got) || len(got) > bodyExcerpt+len("…") || !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Errorf("clipText(%q) = %q", s, got)
		}
		if len(s) <= bodyExcerpt && got != s {
			t.Errorf("clipText(%q) = %q, want it whole", s, got)
		}
	}
}
