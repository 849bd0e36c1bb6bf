package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server"
)

// Stopping the server does not wait for a connection a client opened and
// never used (net/http would give it 5 s, as if a request were coming):
// with such a spare open, Serve stops cleanly within a drain far shorter
// than that, and a request on another connection was answered first.
func TestServeStopsWithASpareConnectionOpen(t *testing.T) {
	st := openTestStore(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.New(st, server.WithRateLimit(0)).Serve(ctx, ln, time.Second) }()

	spare, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/spaces")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a request without a token: %d, want 401", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve stopped with %v; a spare connection with no request on it must not hold it up", err)
	}
	spare.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := spare.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the spare connection is still open after Serve returned (read %d bytes)", n)
	}
}
