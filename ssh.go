package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	neturl "net/url"
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
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"
	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
	"github.com/lanesboard/lanes/ui"
)

type sshFlags struct {
	addr, keys, server string
	space, project     string
	idle               time.Duration
	maxSessions        int
}

func (a *app) sshCmd() *cobra.Command {
	var f sshFlags
	cmd := &cobra.Command{
		Use:   "ssh",
		Short: "Serve the board to a team over SSH",
		Long: `Serve the board over SSH: "ssh -p 2222 HOST" opens it, as the lanes user
the key belongs to.

Only public keys in the authorized keys file get in (default:
authorized_keys in the data directory). Each line is an OpenSSH public key
whose comment is the lanes user name:

  ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice

A name with no lanes user yet gets one, with a Personal space, at its first
login. The file is read again whenever it changes: a key taken out of it
(or given to another name) no longer gets in, and its open sessions are
told so and closed within seconds.

Without --server, lanes serves the data directory's own task server, in
this process. With --server, each key line must also carry the token its
user acts with:

  environment="LANES_TOKEN=kt_..." ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice

The host key is made on first start and kept in the data directory
(ssh_host_ed25519_key). SIGINT or SIGTERM closes every board, saving what
each person changed, and stops.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runSSH(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.addr, "addr", ":2222", "address to listen on")
	cmd.Flags().StringVar(&f.keys, "authorized-keys", "", "the authorized keys file (default: authorized_keys in the data directory)")
	cmd.Flags().StringVar(&f.server, "server", "", "serve boards of this task server instead of the local one")
	cmd.Flags().StringVar(&f.space, "space", "", "the space every session opens first, by name, slug or id (default: each person's last board, or Personal)")
	cmd.Flags().StringVar(&f.project, "project", "", "the project every session opens first, by name or id")
	cmd.Flags().DurationVar(&f.idle, "idle-timeout", 8*time.Hour, "close a connection after this long with no traffic (0: never)")
	cmd.Flags().IntVar(&f.maxSessions, "max-sessions", 500, "most sessions at once; more are turned away")
	return cmd
}

func (a *app) runSSH(ctx context.Context, f sshFlags) error {
	if f.maxSessions < 1 {
		return fmt.Errorf("--max-sessions must be 1 or more, got %d", f.maxSessions)
	}
	if f.idle < 0 {
		return fmt.Errorf("--idle-timeout must be 0 (never) or more, got %s", f.idle)
	}
	dir, err := a.data()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("make the data directory: %w", err)
	}
	if f.keys == "" {
		f.keys = filepath.Join(dir, "authorized_keys")
	}
	log := slog.New(slog.NewTextHandler(a.errOut, nil))
	keys, err := newAuthorizedKeys(f.keys, log)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no authorized keys file at %s: make one with a line per person, an OpenSSH public key followed by their lanes user name, like\n  ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice", f.keys)
	}
	if err != nil {
		return err
	}
	s := &sshServer{app: a, dir: dir, keys: keys, log: log, max: f.maxSessions, space: f.space, project: f.project, slots: map[string]bool{}, open: map[*openSession]bool{}}
	if f.server != "" {
		if err := s.useRemote(ctx, f.server); err != nil {
			return err
		}
	} else {
		ls, err := a.startLocalServer(ctx, dir)
		if err != nil {
			return err
		}
		s.local, s.base = ls, ls.base
		defer func() {
			if err := ls.stop(); err != nil {
				log.Error("stop the task server", "err", err)
			}
		}()
	}
	srv, err := s.newServer(f.addr, f.idle)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	log.Info("lanes ssh serving", "addr", ln.Addr().String(), "authorized_keys", f.keys, "keys", keys.count(),
		"task_server", cmp.Or(f.server, "local ("+dir+")"), "max_sessions", f.maxSessions, "idle_timeout", f.idle.String())
	return s.serve(ctx, srv, ln)
}

// sshServer serves one board program per SSH session.
type sshServer struct {
	app     *app
	dir     string
	keys    *authorizedKeys
	log     *slog.Logger
	max     int
	space   string // the board sessions open first, if the user is in it
	project string
	local   *localServer // nil with --server
	base    string       // the task server's URL

	mu       sync.Mutex
	sessions int
	slots    map[string]bool // data directories of open sessions
	open     map[*openSession]bool
	closing  bool
}

// openSession is a running board: ended at shutdown, or when its key
// leaves the authorized keys file.
type openSession struct {
	key   string   // the key's wire form
	entry keyEntry // who the key was at login
	prog  *tea.Program
	conn  io.Closer // the connection, to cut if the board does not end

	// Guarded by sshServer.mu:
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

// useRemote serves the boards of the task server at url. One that does
// not answer now is only warned of: each person's board opens from what
// their last session cached, and syncs when the server is back.
func (s *sshServer) useRemote(ctx context.Context, url string) error {
	if u, err := neturl.Parse(url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--server %q is not an http:// or https:// URL", url)
	}
	s.base = url
	// Without a token a task server answers 401: that is enough to know
	// it is there; each person's own token is checked at their login.
	rctx, cancel := context.WithTimeout(ctx, reachWithin)
	defer cancel()
	if _, err := api.New(url, "").Probe(rctx); err != nil && !api.IsUnauthorized(err) && ctx.Err() == nil {
		s.log.Warn("the task server does not answer; serving anyway: boards open from each person's cache and sync when it is back",
			"task_server", url, "err", err)
	}
	return nil
}

type ctxKey int

const ctxEntry ctxKey = iota

func (s *sshServer) newServer(addr string, idle time.Duration) (*ssh.Server, error) {
	hostKey := filepath.Join(s.dir, "ssh_host_ed25519_key")
	srv, err := wish.NewServer(
		wish.WithAddress(addr),
		wish.WithHostKeyPath(hostKey),
		wish.WithPublicKeyAuth(s.authorize),
		wish.WithIdleTimeout(idle),
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
func (s *sshServer) authorize(ctx ssh.Context, key ssh.PublicKey) bool {
	e, ok, err := s.keys.lookup(key)
	if err != nil {
		s.log.Error("read the authorized keys", "err", err)
	}
	if !ok {
		s.log.Info("ssh key refused", "remote", ctx.RemoteAddr().String(), "fingerprint", gossh.FingerprintSHA256(key))
		return false
	}
	if s.local == nil && e.token == "" {
		s.log.Warn("ssh key refused: with --server each key needs environment=\"LANES_TOKEN=kt_...\"", "user", e.name, "line", e.line)
		return false
	}
	return true
}

// entryOf is who the session's key is. The key is the one that
// authenticated the connection (x/crypto/ssh ≥ 0.31 passes it to the auth
// callback last), looked up again rather than trusted from an earlier query.
func (s *sshServer) entryOf(sess ssh.Session) (keyEntry, bool) {
	if sess.PublicKey() == nil {
		return keyEntry{}, false
	}
	e, ok, _ := s.keys.lookup(sess.PublicKey())
	return e, ok
}

func (s *sshServer) logging(next ssh.Handler) ssh.Handler {
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

func (s *sshServer) limit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.mu.Lock()
		full := s.sessions >= s.max
		if !full {
			s.sessions++
		}
		s.mu.Unlock()
		if full {
			fmt.Fprintf(sess.Stderr(), "lanes: the board is full (%d people on it); try again soon\r\n", s.max)
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

func (s *sshServer) needTerminal(next ssh.Handler) ssh.Handler {
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
func (s *sshServer) boardHandler(next ssh.Handler) ssh.Handler {
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

func (s *sshServer) runSession(sess ssh.Session) error {
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

	serverKey := s.base
	if s.local != nil {
		serverKey = "local" // its port changes with every start; its data does not
	}
	last := &lastFile{dir: dir, server: serverKey}
	ch, err := chooseBoard(ctx, c, last, boardQuery{space: s.space, project: s.project})
	if err != nil && (s.space != "" || s.project != "") {
		// Not one of theirs, or the server is away: their own board, rather than none.
		s.log.Info("ssh: can't open the team board for this user; opening their own", "user", e.name, "err", err)
		ch, err = chooseBoard(ctx, c, last, boardQuery{})
	}
	if err != nil {
		return err
	}
	opts := board.Options{Dir: dir, Server: serverKey, Actor: ch.actor}
	bo := opts
	bo.ProjectID, bo.SpaceID, bo.Remote = ch.project.ID, ch.space.ID, board.NewRemote(c)
	eng, err := board.Open(ctx, bo)
	if err != nil {
		return fmt.Errorf("open the board: %w", err)
	}
	checked := last.recheck(ctx, c, ch)
	defer func() { cancel(); <-checked }()
	pty, windows, _ := sess.Pty()
	m := ui.New(eng, ui.Config{Keys: keymap.Default(), Renderer: sessionRenderer(sess, pty), SpaceName: ch.space.Name,
		ProjectID: ch.project.ID, Project: ch.project.Name, ReadOnly: readOnly(ch.space), Switcher: &projects{c: c, opts: opts, last: last}, OpenStandup: standup})
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
func (s *sshServer) onlyBoardOn(o *openSession) bool {
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
func (s *sshServer) track(o *openSession, add bool) bool {
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
func (s *sshServer) sweep() {
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
func (s *sshServer) slot(name string) (string, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n := 1; ; n++ {
		dir := filepath.Join(s.dir, "ssh", name, strconv.Itoa(n))
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

// client is an API client acting as the key's user: on the local server,
// the user (made at first login) with a token kept in the data directory;
// on a remote server, with the key line's token.
func (s *sshServer) client(ctx context.Context, e keyEntry) (*api.Client, func(), error) {
	token := e.token
	if s.local != nil {
		var err error
		if token, err = s.localToken(ctx, e.name); err != nil {
			return nil, nil, err
		}
	}
	c, _, closeLog, err := s.app.newClient(s.base, token)
	if err != nil {
		return nil, nil, err
	}
	return c, closeLog, nil
}

// localToken is the named user's token on the local server, making the
// user (with a Personal space) the first time.
func (s *sshServer) localToken(ctx context.Context, name string) (string, error) {
	st := s.local.st
	var u *store.User
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByName(name)
		if errors.Is(err, store.ErrNotFound) {
			u, err = tx.CreateUser(name, nil, false)
			if err == nil {
				s.log.Info("ssh: made a lanes user at first login", "user", name)
			}
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("find the lanes user %q: %w", name, err)
	}
	dir := filepath.Join(s.dir, "ssh", name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("make the user's directory: %w", err)
	}
	return localToken(ctx, filepath.Join(dir, "token"), func(ctx context.Context) (string, error) {
		secret, _, err := server.IssueToken(ctx, st, u.ID, "lanes ssh")
		return secret, err
	}, s.base)
}

// serve runs the SSH server until ctx ends, then closes every board (each
// saving its outbox) and waits for the connections to finish.
func (s *sshServer) serve(ctx context.Context, srv *ssh.Server, ln net.Listener) error {
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
	s.log.Info("lanes ssh stopped")
	return err
}

// sessionRenderer draws for the session's terminal: its colours come from
// the TERM the client sent, never from the host's terminal.
func sessionRenderer(sess ssh.Session, pty ssh.Pty) *lipgloss.Renderer {
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
	return r
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
