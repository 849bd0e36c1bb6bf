package sshd

// The middleware every session passes through, in order: logging, the
// session limit, the terminal check, then the board; and the wish server
// they run in, with its host key, key check and idle timeout.

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"
)

func (s *Server) newServer(addr string) (*ssh.Server, error) {
	hostKey := filepath.Join(s.cfg.Dir, "ssh_host_ed25519_key")
	srv, err := wish.NewServer(
		wish.WithAddress(addr),
		wish.WithHostKeyPath(hostKey),
		wish.WithPublicKeyAuth(s.authorize),
		wish.WithIdleTimeout(s.cfg.Idle),
		wish.WithVersion("lanes"),
		// Composed last to first: logging sees every session, then the
		// limit, then the terminal check, then the board.
		wish.WithMiddleware(s.boardHandler, s.needTerminal, s.limit, s.logging),
	)
	if err != nil {
		return nil, fmt.Errorf("set up the SSH server (host key %s): %w", hostKey, err)
	}
	return srv, nil
}

// authorize lets in the keys of the authorized keys file, refusing (and
// logging) any other.
func (s *Server) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	e, ok, err := s.keys.lookup(key)
	if err != nil {
		s.log.Error("read the authorized keys", "err", err)
	}
	if !ok {
		s.log.Info("ssh key refused", "remote", ctx.RemoteAddr().String(), "fingerprint", gossh.FingerprintSHA256(key))
		return false
	}
	if s.cfg.NeedToken && e.token == "" {
		s.log.Warn("ssh key refused: with --server each key needs environment=\"LANES_TOKEN=kt_...\"", "user", e.name, "line", e.line)
		return false
	}
	return true
}

// entryOf is who the session's key is. The key is the one that
// authenticated the connection (x/crypto/ssh ≥ 0.31 passes it to the auth
// callback last), looked up again rather than trusted from an earlier query.
func (s *Server) entryOf(sess ssh.Session) (keyEntry, bool) {
	if sess.PublicKey() == nil {
		return keyEntry{}, false
	}
	e, ok, _ := s.keys.lookup(sess.PublicKey())
	return e, ok
}

func (s *Server) logging(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		began := time.Now()
		pty, _, _ := sess.Pty()
		e, _ := s.entryOf(sess)
		s.log.Info("ssh session", "user", e.name, "remote", sess.RemoteAddr().String(), "term", pty.Term,
			"size", fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height), "command", sess.Command())
		next(sess)
		s.log.Info("ssh session ended", "user", e.name, "remote", sess.RemoteAddr().String(), "duration", time.Since(began).Round(time.Millisecond).String())
	}
}

func (s *Server) limit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.mu.Lock()
		full := s.sessions >= s.cfg.MaxSessions
		if !full {
			s.sessions++
		}
		s.mu.Unlock()
		if full {
			fmt.Fprintf(sess.Stderr(), "lanes: the board is full (%d people on it); try again soon\r\n", s.cfg.MaxSessions)
			sess.Exit(1)
			return
		}
		defer func() {
			s.mu.Lock()
			s.sessions--
			s.mu.Unlock()
		}()
		next(sess)
	}
}

func (s *Server) needTerminal(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, ok := sess.Pty(); !ok {
			fmt.Fprintln(sess.Stderr(), "lanes: the board needs a terminal; connect with ssh -t")
			sess.Exit(1)
			return
		}
		next(sess)
	}
}

// boardHandler runs the board for the session's user until they quit, the
// connection drops or the server stops.
func (s *Server) boardHandler(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		err := s.runSession(sess)
		if errors.Is(err, errKeyGone) {
			sess.Exit(1) // already told, on their terminal, and logged
			return
		}
		if err != nil {
			s.log.Error("ssh session failed", "remote", sess.RemoteAddr().String(), "err", err)
			fmt.Fprintf(sess.Stderr(), "lanes: %v\r\n", err)
			sess.Exit(1)
			return
		}
		sess.Exit(0)
		next(sess)
	}
}
