package sshd

// One board program per session: choosing and opening the person's board,
// running it on the session's terminal with window sizes forwarded, and
// ending it (by q, the connection, the key's removal or shutdown).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/ssh"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/ui"
	"github.com/muesli/termenv"
)

// noEditor is why a board over SSH refuses the details screen's $EDITOR
// key: an editor would run on this host, as the server's user, not on the
// person's machine.
const noEditor = "no editor runs on this host for a remote user; edit with e"

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
	p, err := s.hub.person(ctx, personKey{e.name, e.token})
	if err != nil {
		return err
	}
	defer s.hub.dropPerson(p)
	c := p.c
	last := s.hub.last(e.name)
	ch, err := launch.Choose(ctx, c, last, launch.Query{Space: s.cfg.Space, Project: s.cfg.Project})
	if err != nil && (s.cfg.Space != "" || s.cfg.Project != "") {
		// Not one of theirs, or the server is away: their own board, rather than none.
		s.log.Info("ssh: can't open the team board for this user; opening their own", "user", e.name, "err", err)
		ch, err = launch.Choose(ctx, c, last, launch.Query{})
	}
	if err != nil {
		return err
	}
	b := s.hub.newBoard()
	defer b.end() // on the way out early; after the program, it is done below
	opts := board.Options{Server: s.cfg.ServerKey, Actor: ch.Actor, ProjectID: ch.Project.ID, SpaceID: ch.Space.ID}
	se, err := s.hub.acquire(ctx, b, p, opts)
	if err != nil {
		return err
	}
	se.recheckOnce(last, ch)
	pty, windows, _ := sess.Pty()
	r, env := sessionRenderer(sess, pty)
	unlock := b.lock(se.e, nil) // New reads the engine
	m := ui.New(se.e, ui.Config{Keys: keymap.Default(), Renderer: r, SpaceName: ch.Space.Name,
		Theme: s.sessionTheme(e.name, env), SaveTheme: func(t string) error { return s.saveTheme(e.name, t) },
		ProjectID: ch.Project.ID, Project: ch.Project.Name, ReadOnly: launch.ReadOnly(ch.Space),
		Switcher: launch.NewSharedSwitcher(c, opts, last, b.opener(p)), OpenStandup: standup,
		NoEditor: noEditor, Host: b})
	unlock()
	// The program never writes to the session itself: a client that reads
	// slowly, or not at all, must not stop the board nor grow the host.
	// With its output never waiting, what the program is sent waits only in
	// bounded places: window sizes in forward (the latest one), the
	// engine's changes in b (the latest, with a few notices), the live
	// feed in the engine's channel of 256 changes (board/live.go), behind
	// which the feed stops reading the server's stream.
	out := newSessionOutput(sess)
	prog, run := newProgram(sharedModel{Model: endable{Model: m}, b: b}, sess, out)
	b.prog = prog
	conn, _ := sess.Context().Value(ssh.ContextKeyConn).(io.Closer)
	open := &openSession{key: string(sess.PublicKey().Marshal()), entry: e, prog: prog, conn: conn}
	if !s.track(open, true) {
		out.Close("", 0)
		return errors.New("the server is shutting down")
	}
	defer s.track(open, false)
	finished := make(chan struct{})
	forward(sess.Context(), prog, pty.Window, windows, out.Resync(), b, finished)
	_, runErr := run()
	close(finished)
	if errors.Is(runErr, tea.ErrProgramKilled) {
		runErr = nil
	}
	ended := errors.Join(runErr, b.end())
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
// once and at each window change, to draw the screen again in full when
// the output asks (resync), and that its engine changed (b), until
// finished; the connection's end kills the program. Window changes are
// taken as they come, never waiting for the program: the SSH library
// hands a session's requests over one at a time, and a connection whose
// requests wait stops reading, window adjustments included, so a busy
// program would stall its own output. Only the latest size waits to be
// sent, however many changes arrive; the engine's changes wait in b,
// folded into one.
func forward(ctx context.Context, prog *tea.Program, first ssh.Window, windows <-chan ssh.Window, resync <-chan struct{}, b *boardSession, finished <-chan struct{}) {
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
			case <-b.signal:
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
			if c := b.taken(); c != nil {
				prog.Send(*c)
			}
		}
	}()
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
