// Package local is the task server lanes runs for itself on a data
// directory: the SQLite database with its local user, a server on a free
// loopback port, the tokens the board and each SSH user act with, and the
// example cards of a first run. The board, lanes ssh and the admin
// commands all reach the local data through it, over the same HTTP API a
// remote server speaks.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// OpenStore opens the data directory's database and makes sure the local
// user exists, as the first use of a data directory should.
func OpenStore(ctx context.Context, dir string) (*store.Store, *store.User, error) {
	return OpenDB(ctx, filepath.Join(dir, "lanes.db"))
}

// OpenDB opens the database at db (a SQLite file, or a PostgreSQL URL)
// and makes sure the local user exists.
func OpenDB(ctx context.Context, db string) (*store.Store, *store.User, error) {
	st, err := store.OpenDB(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	u, err := st.EnsureLocalUser(ctx, UserName())
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, u, nil
}

// UserName is the OS user's name, made fit for a lanes user name.
func UserName() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	name = strings.Map(func(r rune) rune {
		if api.UserNameRune(r) {
			return r
		}
		return -1
	}, name)
	if name == "" {
		return "me"
	}
	return name
}

// Server is the task server on the data directory, run by this process on
// a free loopback port.
type Server struct {
	Store *store.Store
	Local *store.User // the data directory's own user
	URL   string      // http://127.0.0.1:port
	stop  func() error
}

// Config is how Start runs the server.
type Config struct {
	// Log is where the server logs.
	Log io.Writer
	// Standup answers the standup prompt over MCP (nil: none).
	Standup server.StandupFunc
	// SendWebhooks runs the webhook delivery worker while the server
	// runs: for a process that lives a while (the board, lanes ssh), not
	// for one short command, which would only lease deliveries to cut
	// them short when it stops. Deliveries queued meanwhile wait for the
	// next process that sends.
	SendWebhooks bool
}

// Start opens the data directory's database and serves it on a free
// loopback port, until Stop.
func Start(ctx context.Context, dir string, cfg Config) (*Server, error) {
	st, u, err := OpenStore(ctx, dir)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("start the local server: %w", err)
	}
	opts := []server.Option{server.WithLogger(slog.New(slog.NewTextHandler(cfg.Log, nil))), server.WithRateLimit(0),
		server.WithPrivateWebhooks(PrivateWebhooks()), server.WithWebhookSending(cfg.SendWebhooks)}
	if cfg.Standup != nil {
		opts = append(opts, server.WithStandup(cfg.Standup))
	}
	srv := server.New(st, opts...)
	sctx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln, 5*time.Second) }()
	stop := func() error {
		stopServer()
		return errors.Join(<-done, st.Close())
	}
	return &Server{Store: st, Local: u, URL: "http://" + ln.Addr().String(), stop: stop}, nil
}

// PrivateWebhooks says whether LANES_ALLOW_PRIVATE_WEBHOOKS lets webhooks go
// to loopback and private addresses (a receiver on this machine): set to
// 1, true or yes.
func PrivateWebhooks() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("LANES_ALLOW_PRIVATE_WEBHOOKS"))) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// Stop stops the server, letting requests in flight finish, and closes
// the database.
func (s *Server) Stop() error { return s.stop() }

// Token is the token u acts with on this server, kept at path (readable by
// its owner only) and made anew, labelled label, if it no longer works.
func (s *Server) Token(ctx context.Context, path string, u *store.User, label string) (string, error) {
	if raw, err := os.ReadFile(path); err == nil {
		tok := strings.TrimSpace(string(raw))
		if _, err := api.New(s.URL, tok).Spaces(ctx); err == nil {
			return tok, nil
		} else if !api.IsUnauthorized(err) {
			return "", fmt.Errorf("reach the local server: %w", err)
		}
	}
	tok, _, err := server.IssueToken(ctx, s.Store, u.ID, label)
	if err != nil {
		return "", fmt.Errorf("make a token for the board: %w", err)
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save the board's token: %w", err)
	}
	return tok, nil
}

// User is the named lanes user, made (with a Personal space) if there is
// none yet; made says it was.
func (s *Server) User(ctx context.Context, name string) (u *store.User, made bool, err error) {
	err = s.Store.Write(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByName(name)
		if errors.Is(err, store.ErrNotFound) {
			u, err = tx.CreateUser(name, nil, false)
			made = err == nil
		}
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("find the lanes user %q: %w", name, err)
	}
	return u, made, nil
}

// UserToken is the token of the named lanes user (made, with a Personal
// space, if there is none yet: made says so), kept in ssh/NAME/token in
// the data directory dir: how lanes ssh acts as each person.
func (s *Server) UserToken(ctx context.Context, dir, name string) (token string, made bool, err error) {
	u, made, err := s.User(ctx, name)
	if err != nil {
		return "", false, err
	}
	userDir := filepath.Join(dir, "ssh", name)
	if err := os.MkdirAll(userDir, 0o700); err != nil {
		return "", false, fmt.Errorf("make the user's directory: %w", err)
	}
	token, err = s.Token(ctx, filepath.Join(userDir, "token"), u, "lanes ssh")
	return token, made, err
}
