package server

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Where webhooks may go. A subscription's URL is chosen by a space's
// admin, and the server sends to it from inside whatever network it runs
// in: left alone, a webhook could reach the loopback interface (the
// server's own database, say), the cloud's metadata service, or the
// office's private network, and its deliveries' response codes and errors
// would map them. So unless the operator allows private destinations
// (lanes serve --allow-private-webhooks, for tests and self-hosting), a
// destination must be a public address: checked when the URL is given,
// and again on every connection, since a name may resolve elsewhere later.

// checkHookURL checks a webhook URL's form: http or https, a host, no
// user or password, at most maxWebhookURL bytes.
func checkHookURL(v string) (string, error) {
	if err := noControls("url", v, false); err != nil {
		return "", err
	}
	v = strings.TrimSpace(v)
	if len(v) > maxWebhookURL {
		return "", invalid("url", "url must be at most %d characters (got %d)", maxWebhookURL, len(v))
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", invalid("url", "url must be an http or https URL, got %q", clip(v))
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return "", invalid("url", "url must be an http or https URL, got %q", clip(v))
	}
	if u.Hostname() == "" {
		return "", invalid("url", "url must name a host, got %q", clip(v))
	}
	if u.User != nil {
		return "", invalid("url", "url must not hold a user name or password: deliveries are signed with the webhook's secret instead")
	}
	if !validPort(u.Port()) {
		return "", invalid("url", "url's port must be 1 to 65535, got %q", clip(u.Port()))
	}
	return v, nil
}

// validPort says whether a URL's port (digits, or "" for the scheme's)
// can be connected to: a URL holding port 99999 parses, but every attempt
// at it would fail, for a day, as if the network were down.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// destinationError is a webhook destination refused: a private, loopback,
// link-local or otherwise internal address.
type destinationError struct {
	host string
	addr string
}

func (e *destinationError) Error() string {
	if e.host == "" || e.host == e.addr {
		return fmt.Sprintf("%s is a private, loopback, link-local or reserved address; webhooks go to public addresses only (lanes serve --allow-private-webhooks allows these)", e.addr)
	}
	return fmt.Sprintf("%s resolves to %s, a private, loopback, link-local or reserved address; webhooks go to public addresses only (lanes serve --allow-private-webhooks allows these)", e.host, e.addr)
}

// internalPrefix says whether a (IPv4, or IPv6 within 2000::/3) lies in
// a range refused besides what netip's methods name (loopback, private,
// link-local, multicast, unspecified).
func internalPrefix(a netip.Addr) bool {
	for _, p := range [...]string{
		"0.0.0.0/8",     // "this network"
		"100.64.0.0/10", // carrier-grade NAT
		"192.0.0.0/24",  // IETF protocol assignments
		"198.18.0.0/15", // benchmarking
		"240.0.0.0/4",   // reserved, and the broadcast address
		"2001::/32",     // Teredo (hides an IPv4 address)
		"2001:2::/48",   // benchmarking
		"2001:10::/28",  // ORCHID
		"2001:20::/28",  // ORCHIDv2
	} {
		if netip.MustParsePrefix(p).Contains(a) {
			return true
		}
	}
	return false
}

// publicAddr says whether a is a public unicast address a webhook may be
// sent to. An IPv4 address written inside an IPv6 one is judged as the
// IPv4 address: IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and
// 6to4 (2002::/16) by the address inside; the deprecated IPv4-compatible
// (::/96) and IPv4-translated (::ffff:0:0:0/96) forms, like every other
// IPv6 address outside global unicast (2000::/3), never.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(a):
			return publicAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case netip.MustParsePrefix("2002::/16").Contains(a):
			return publicAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		case !netip.MustParsePrefix("2000::/3").Contains(a):
			return false
		}
	}
	return !internalPrefix(a)
}

// lookupTimeout bounds the name lookup made when a URL is given.
const lookupTimeout = 3 * time.Second

// checkDestination refuses a URL whose host is, or resolves to, an
// address webhooks may not reach (unless private destinations are
// allowed). A name that does not resolve now is let through: the check
// is made again on every connection.
func (h *Webhooks) checkDestination(ctx context.Context, raw string) error {
	if h.cfg.allowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalid("url", "url must be an http or https URL")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return invalid("url", "url: %s is the loopback interface; webhooks go to public addresses only (lanes serve --allow-private-webhooks allows it)", host)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if !publicAddr(a) {
			return invalid("url", "url: %s", (&destinationError{addr: a.String()}).Error())
		}
		return nil
	}
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := h.resolver.LookupNetIP(lctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if !publicAddr(a) {
			return invalid("url", "url: %s", (&destinationError{host: host, addr: a.Unmap().String()}).Error())
		}
	}
	return nil
}

// dialControl refuses, as a connection is made, an address webhooks may
// not reach: the name was resolved just before, so this is the address
// actually dialled, whatever it resolved to when the URL was given.
func (h *Webhooks) dialControl(_, address string, _ syscall.RawConn) error {
	if h.cfg.allowPrivate {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return &destinationError{addr: address}
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !publicAddr(a) {
		return &destinationError{addr: host}
	}
	return nil
}
