// Package testenv is what the tests of several packages share: a real
// lanes server (a SQLite file in the test's temp dir behind an httptest
// listener, spoken to over real HTTP), a terminal to read what a board
// draws (VT, Column), and the client side of an SSH session (ssh.go).
package testenv

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// Server is a running lanes server and its store.
type Server struct {
	Store *store.Store
	HTTP  *httptest.Server
}

// Start runs a server until the test ends: rate limiting off and the
// request log discarded unless opts say otherwise.
func Start(t testing.TB, opts ...server.Option) *Server {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "lanes.db"))
	if err != nil {
		t.Fatal(err)
	}
	all := append([]server.Option{
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		server.WithRateLimit(0),
	}, opts...)
	srv := httptest.NewServer(server.New(st, all...))
	t.Cleanup(func() { srv.Close(); st.Close() })
	return &Server{Store: st, HTTP: srv}
}

// User makes a user (with their Personal space) and a token for them.
func (s *Server) User(t testing.TB, name string) (id, token string) {
	t.Helper()
	var u *store.User
	err := s.Store.Write(context.Background(), func(tx *store.Tx) (err error) {
		u, err = tx.CreateUser(name, nil, false)
		return err
	})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	token, _, err = server.IssueToken(context.Background(), s.Store, u.ID, "test")
	if err != nil {
		t.Fatalf("token for %s: %v", name, err)
	}
	return u.ID, token
}

// TokenClient is an HTTP client that sends token as a Bearer token on
// every request, as an MCP host does from the "headers" of its config.
func TokenClient(token string) *http.Client {
	return &http.Client{Transport: bearer{token}, Timeout: 10 * time.Second}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}
