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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/ui"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"
)

// Config is how the SSH host runs.
type Config struct {
	// Dir is the data directory: the host key (ssh_host_ed25519_key) and
	// each person's outbox and cache (ssh/NAME/N) live in it.
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
	// Client is an API client acting as the named person, with the key
	// line's token (if any), and what releases it.
	Client func(ctx context.Context, name, token string) (*api.Client, func(), error)
}

// Server serves one board program per SSH session.
type Server struct {
	cfg  Config
	keys *authorizedKeys
	log  *slog.Logger

	mu       sync.Mutex
	sessions int
	slots    map[string]bool // data directories of open sessions
	open     map[*openSession]bool
	closing  bool
}

// New is the SSH host of cfg, with its authorized keys file read (an
// error wrapping os.ErrNotExist if there is none).
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
	return &Server{cfg: cfg, keys: keys, log: cfg.Log, slots: map[string]bool{}, open: map[*openSession]bool{}}, nil
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

type ctxKey int

const ctxEntry ctxKey = iota

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

func (s *Server) runSession(sess ssh.Session) error {
	e, ok := s.entryOf(sess)
	if !ok {
		return errors.New("this key is no longer in the authorized keys file")
	}
	standup := false
	switch cmd := sess.Command(); {
	case len(cmd) == 0:
	case len(cmd) == 1 && cmd[0] == "standup":
		standup = true
	default:
		return fmt.Errorf("unknown command %q: connect without one for the board, or with \"standup\"", strings.Join(cmd, " "))
	}
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	c, closeClient, err := s.client(ctx, e)
	if err != nil {
		return err
	}
	defer closeClient()
	dir, release, err := s.slot(e.name)
	if err != nil {
		return err
	}
	defer release()

	serverKey := s.cfg.ServerKey
	last := launch.NewLastFile(dir, serverKey)
	ch, err := launch.Choose(ctx, c, last, launch.Query{Space: s.cfg.Space, Project: s.cfg.Project})
	if err != nil && (s.cfg.Space != "" || s.cfg.Project != "") {
		// Not one of theirs, or the server is away: their own board, rather than none.
		s.log.Info("ssh: can't open the team board for this user; opening their own", "user", e.name, "err", err)
		ch, err = launch.Choose(ctx, c, last, launch.Query{})
	}
	if err != nil {
		return err
	}
	opts := board.Options{Dir: dir, Server: serverKey, Actor: ch.Actor, Log: s.cfg.EngineLog}
	eng, err := launch.Open(ctx, c, ch, opts)
	if err != nil {
		return err
	}
	checked := last.Recheck(ctx, c, ch)
	defer func() { cancel(); <-checked }()
	pty, windows, _ := sess.Pty()
	r, env := sessionRenderer(sess, pty)
	m := ui.New(eng, ui.Config{Keys: keymap.Default(), Renderer: r, SpaceName: ch.Space.Name,
		Theme: s.sessionTheme(e.name, env), SaveTheme: func(t string) error { return s.saveTheme(e.name, t) },
		ProjectID: ch.Project.ID, Project: ch.Project.Name, ReadOnly: launch.ReadOnly(ch.Space), Switcher: launch.NewSwitcher(c, opts, false, last), OpenStandup: standup})
	// The program never writes to the session itself: a client that reads
	// slowly, or not at all, must not stop the board nor grow the host.
	// With its output never waiting, what the program is sent waits only in
	// bounded places: window sizes in forward (the latest one), the live
	// feed in the engine's channel of 256 changes (board/live.go), behind
	// which the feed stops reading the server's stream.
	out := newSessionOutput(sess)
	prog := tea.NewProgram(endable{Model: m}, tea.WithInput(sess), tea.WithOutput(out), tea.WithAltScreen(), tea.WithMouseCellMotion(),
		tea.WithoutSignalHandler())
	conn, _ := sess.Context().Value(ssh.ContextKeyConn).(io.Closer)
	open := &openSession{key: string(sess.PublicKey().Marshal()), entry: e, prog: prog, conn: conn}
	if !s.track(open, true) {
		out.Close("", 0)
		eng.Close()
		return errors.New("the server is shutting down")
	}
	defer s.track(open, false)
	finished := make(chan struct{})
	forward(sess.Context(), prog, pty.Window, windows, out.Resync(), finished)
	final, runErr := prog.Run()
	close(finished)
	if errors.Is(runErr, tea.ErrProgramKilled) {
		runErr = nil
	}
	if em, ok := final.(endable); ok {
		if fm, ok := em.Model.(ui.Model); ok {
			eng = fm.Engine() // the project switcher may have opened another
		}
	}
	ended := errors.Join(runErr, eng.Close())
	s.mu.Lock()
	gone, closing := open.gone, s.closing
	s.mu.Unlock()
	bye := ""
	switch {
	case gone != "":
		bye = "lanes: " + gone + "; goodbye\r\n"
	case closing:
		bye = "The lanes server is stopping; everything you changed is saved.\r\n"
	}
	if !out.Close(bye, outputDrain) && open.conn != nil && s.onlyBoardOn(open) {
		// The client took nothing for outputDrain: it is not reading, and
		// what waits for it would stay as long as its connection does (up
		// to the idle timeout). The connection goes, unless another board
		// of the person's is on it.
		s.log.Info("ssh: the client did not take the end of its session; closing its connection", "user", e.name)
		open.conn.Close()
	}
	if gone != "" {
		return errors.Join(errKeyGone, ended)
	}
	return ended
}

// onlyBoardOn is whether o is the only open board on its connection.
func (s *Server) onlyBoardOn(o *openSession) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for other := range s.open {
		if other != o && other.conn == o.conn {
			return false
		}
	}
	return true
}

// endMsg ends a board from outside (the server stopping, its key
// removed) as q does: the screen is left blank before the terminal leaves
// the alternate screen, where some terminals (tmux, once resized) would
// otherwise show part of the board again.
type endMsg struct{}

// endable is a session's board, which endMsg ends.
type endable struct {
	tea.Model
	ending bool
}

func (m endable) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(endMsg); ok {
		m.ending = true
		return m, tea.Quit
	}
	var cmd tea.Cmd
	m.Model, cmd = m.Model.Update(msg)
	return m, cmd
}

func (m endable) View() string {
	if m.ending {
		return ""
	}
	return m.Model.View()
}

// forward tells the program the terminal's size (clamped by termSize), at
// once and at each window change, and to draw the screen again in full
// when the output asks (resync), until finished; the connection's end
// kills the program. Window changes are taken as they come, never waiting
// for the program: the SSH library hands a session's requests over one
// at a time, and a connection whose requests wait stops reading, window
// adjustments included, so a busy program would stall its own output.
// Only the latest size waits to be sent, however many changes arrive.
func forward(ctx context.Context, prog *tea.Program, first ssh.Window, windows <-chan ssh.Window, resync <-chan struct{}, finished <-chan struct{}) {
	var (
		mu      sync.Mutex
		size    *tea.WindowSizeMsg // to send
		last    tea.WindowSizeMsg  // sent or to send: the same again is not news
		repaint bool
		ready   = make(chan struct{}, 1)
	)
	post := func(w *ssh.Window, full bool) {
		mu.Lock()
		if w != nil {
			width, height := termSize(w.Width, w.Height)
			if msg := (tea.WindowSizeMsg{Width: width, Height: height}); msg != last {
				size, last = &msg, msg
			}
		}
		repaint = repaint || full
		mu.Unlock()
		select {
		case ready <- struct{}{}:
		default:
		}
	}
	post(&first, false)
	go func() {
		for {
			select {
			case <-finished:
				return
			case <-ctx.Done():
				prog.Kill() // the connection is gone
				return
			case w, ok := <-windows:
				if !ok {
					windows = nil // no more requests; the connection is ending
					continue
				}
				post(&w, false)
			case <-resync:
				post(nil, true)
			}
		}
	}()
	go func() {
		for {
			select {
			case <-finished:
				return
			case <-ready:
			}
			mu.Lock()
			msg, full := size, repaint
			size, repaint = nil, false
			mu.Unlock()
			// Send returns once the program has it, or has ended.
			if msg != nil {
				prog.Send(*msg)
			}
			if full {
				prog.Send(tea.ClearScreen())
			}
		}
	}()
}

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

// slot is a data directory of the user's own for the session's outbox and
// cache, kept across sessions so nothing waiting is lost; a second session
// of the same user at once gets a second directory.
func (s *Server) slot(name string) (string, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n := 1; ; n++ {
		dir := filepath.Join(s.cfg.Dir, "ssh", name, strconv.Itoa(n))
		if s.slots[dir] {
			continue
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", nil, fmt.Errorf("make the session's directory: %w", err)
		}
		s.slots[dir] = true
		return dir, func() {
			s.mu.Lock()
			delete(s.slots, dir)
			s.mu.Unlock()
		}, nil
	}
}

// client is an API client acting as the key's person.
func (s *Server) client(ctx context.Context, e keyEntry) (*api.Client, func(), error) {
	return s.cfg.Client(ctx, e.name, e.token)
}

// Serve runs the SSH server on ln until ctx ends, then closes every board
// (each saving its outbox) and waits for the connections to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv, err := s.newServer(ln.Addr().String())
	if err != nil {
		return err
	}
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
	err = srv.Close()
	<-done
	s.log.Info("lanes ssh stopped")
	return err
}

// sessionRenderer draws for the session's terminal: its colours come from
// the TERM the client sent, never from the host's terminal.
func sessionRenderer(sess ssh.Session, pty ssh.Pty) (*lipgloss.Renderer, map[string]string) {
	env := sessionEnv{vars: map[string]string{}}
	for _, kv := range sess.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env.vars[k] = v
		}
	}
	env.vars["TERM"] = pty.Term
	r := lipgloss.NewRenderer(sess, termenv.WithEnvironment(env), termenv.WithUnsafe(), termenv.WithColorCache(true))
	if _, ok := env.vars["NO_COLOR"]; ok {
		r.SetColorProfile(termenv.Ascii)
	}
	// The host can't ask the client's terminal for its background; dark is
	// what most terminals have.
	r.SetHasDarkBackground(true)
	return r, env.vars
}

// sessionEnv is the environment the client sent, for termenv.
type sessionEnv struct{ vars map[string]string }

func (e sessionEnv) Environ() []string {
	out := make([]string, 0, len(e.vars))
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	return out
}

func (e sessionEnv) Getenv(k string) string { return e.vars[k] }
