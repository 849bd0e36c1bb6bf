// Package sshd is the SSH host of lanes ssh: a wish server that lets in the
// keys of an authorized keys file, runs one board program per session for
// the key's person, reads the file again as it changes (ending the
// sessions of keys taken out of it), and closes every board, saving what
// each person changed, when it stops.
package sshd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/lanesboard/lanes/launch"
)

// Config is how the SSH host runs.
type Config struct {
	// Dir is the data directory: the host key (ssh_host_ed25519_key) and
	// each person's outboxes and caches (ssh/NAME/1) live in it.
	Dir string
	// KeysFile is the authorized keys file: an OpenSSH public key per
	// line, with the lanes user name as its comment.
	KeysFile    string
	Log         *slog.Logger
	MaxSessions int
	// Idle closes a connection after this long with no traffic (0: never).
	Idle time.Duration
	// Space and Project are the board every session opens first, if its
	// person is in it (none: each person's last board, or Personal).
	Space, Project string
	// ServerKey names the task server in each person's cache: its URL, or
	// "local" for the data directory's own, whose port changes with every
	// start while its data does not.
	ServerKey string
	// NeedToken says each key line must carry the token its person acts
	// with (environment="LANES_TOKEN=kt_..."): a remote task server knows
	// nobody by their key.
	NeedToken bool
	// EngineLog, if set, records every session's sync engine decisions
	// (lanes ssh --debug engine); its handler must not block.
	EngineLog *slog.Logger
	// Client is the task server as the named person, with the key line's
	// token (if any), and what releases it.
	Client func(ctx context.Context, name, token string) (launch.Server, func(), error)
}

// Server serves one board program per SSH session.
type Server struct {
	cfg  Config
	keys *authorizedKeys
	log  *slog.Logger
	srv  *ssh.Server // the wish server, host key loaded

	hub *hub // what the sessions share: clients and engines

	mu       sync.Mutex
	sessions int
	open     map[*openSession]bool
	closing  bool
}

// New is the SSH host of cfg, with its authorized keys file read (an
// error wrapping os.ErrNotExist if there is none) and its host key read,
// or made in the data directory.
func New(cfg Config) (*Server, error) {
	if cfg.MaxSessions < 1 {
		return nil, fmt.Errorf("the session limit must be 1 or more, got %d", cfg.MaxSessions)
	}
	if cfg.Idle < 0 {
		return nil, fmt.Errorf("the idle timeout must be 0 (never) or more, got %s", cfg.Idle)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	keys, err := newAuthorizedKeys(cfg.KeysFile, cfg.Log)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, keys: keys, log: cfg.Log, hub: newHub(cfg, cfg.Log), open: map[*openSession]bool{}}
	// The host key is read (or made, on the first start) here, so it is on
	// disk before the caller says it serves, and a bad one is said at once.
	if s.srv, err = s.newServer(""); err != nil {
		return nil, err
	}
	return s, nil
}

// Keys is how many keys the authorized keys file holds now.
func (s *Server) Keys() int { return s.keys.count() }

// openSession is a running board: ended at shutdown, or when its key
// leaves the authorized keys file.
type openSession struct {
	key   string   // the key's wire form
	entry keyEntry // who the key was at login
	prog  *tea.Program
	conn  io.Closer // the connection, to cut if the board does not end

	// Guarded by Server.mu:
	missing time.Time // since when sweeps have found the key gone
	gone    string    // why the key may no longer be here
}

// errKeyGone ends a session whose key was taken out of the authorized
// keys file (or given to someone else) while it was open.
var errKeyGone = errors.New("the session's key is no longer authorized")

// keysEvery is how often the authorized keys file is read again while the
// server runs, to end the sessions of keys taken out of it; revokeGrace
// is how long such a session has to end before its connection is cut.
const (
	keysEvery   = time.Second
	revokeGrace = 3 * time.Second
)

// track keeps the running boards, to end them at shutdown or when their
// key is taken out; it refuses new ones once the server is closing.
func (s *Server) track(o *openSession, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closing {
			return false
		}
		s.open[o] = true
	} else {
		delete(s.open, o)
	}
	return true
}

// sweep ends the open sessions whose key is no longer in the authorized
// keys file, or is now someone else's (or carries another token): each
// board quits, says why, and the connection is cut if it has not ended
// within revokeGrace. A key must be found gone by sweeps at least half
// of keysEvery apart: a file read while an editor was still writing it
// must not end everyone's session.
func (s *Server) sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for o := range s.open {
		if o.gone != "" {
			continue
		}
		e, ok := s.keys.entry(o.key)
		why := ""
		switch {
		case !ok:
			why = "your key was removed from this server's authorized keys"
		case e.name != o.entry.name || e.token != o.entry.token:
			why = "your key's line in this server's authorized keys changed"
		}
		if why == "" {
			o.missing = time.Time{}
			continue
		}
		if o.missing.IsZero() {
			o.missing = time.Now()
		}
		if time.Since(o.missing) < keysEvery/2 {
			continue
		}
		o.gone = why
		s.log.Info("ssh: a key left the authorized keys; closing its session", "user", o.entry.name, "why", o.gone)
		go o.prog.Send(endMsg{})
		if o.conn != nil {
			time.AfterFunc(revokeGrace, func() { o.conn.Close() })
		}
	}
}

// Serve runs the SSH server on ln until ctx ends, then closes every board
// (each saving its outbox) and waits for the connections to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.srv
	// The keys file is watched for as long as the server runs: a key taken
	// out of it ends its open sessions, not only its next login.
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		s.keys.watch(watchCtx, keysEvery, s.sweep)
	}()
	defer func() {
		stopWatch()
		<-watched
	}()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("ssh server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("lanes ssh stopping: closing every board")
	s.mu.Lock()
	s.closing = true
	for o := range s.open {
		go o.prog.Send(endMsg{}) // not under the lock: Send waits for the program
	}
	s.mu.Unlock()
	// Every board is told to quit; give them a while to save and say
	// goodbye, then close what is left (connections without a session).
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		s.mu.Lock()
		n := s.sessions
		s.mu.Unlock()
		if n == 0 {
			break
		}
	}
	err := srv.Close()
	<-done
	s.hub.bg.Wait() // boards the switcher left, closing
	s.log.Info("lanes ssh stopped")
	return err
}
