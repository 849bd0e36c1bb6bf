// Package draw runs a Bubble Tea program whose frame reaches the terminal
// as soon as an update has changed the model.
//
// Bubble Tea v1's standard renderer writes only on its frame ticker (60
// frames a second, 120 at most), so a key waits for the next tick, about
// 8 ms on average, however fast Update and View are; v1 has no way to ask
// it to write sooner. A Program here runs Bubble Tea without its renderer
// (tea.WithoutRenderer) and draws itself: the model is wrapped so that
// View, which Bubble Tea calls after every Update, hands the frame to a
// renderer of this package that writes it at once when the output is
// idle. Frames are written as the standard renderer writes them (the
// lines that changed, from the top of the alternate screen, each erased
// to its end), so the screen is the same.
//
// Without its renderer Bubble Tea also leaves the terminal alone, so this
// package does what the standard renderer and Bubble Tea's terminal code
// did: raw input on a local terminal, its window size (at the start, on
// SIGWINCH, and after another program had the terminal), the alternate
// screen, cursor, bracketed paste and mouse modes (at the start, and as
// the model's commands ask: tea.ClearScreen, EnterAltScreen,
// ExitAltScreen, HideCursor, ShowCursor, EnableMouseCellMotion,
// EnableMouseAllMotion, DisableMouse, EnableBracketedPaste,
// DisableBracketedPaste, EnableReportFocus, DisableReportFocus), the
// terminal lent to and taken back from tea.Exec and tea.ExecProcess
// ($EDITOR), and the terminal restored at the end: after the final frame
// on quitting, without it when killed, and before Bubble Tea reports a
// panic in Update or View.
//
// Not supported, because nothing in lanes uses them: tea.Println and
// tea.Printf (the standard renderer drops them in the alternate screen
// anyway), tea.SetWindowTitle, tea.Suspend, the deprecated scroll-area
// commands, and tea.WithFilter (the Program uses the filter itself).
//
// On an output that never waits (an SSH session's, see Paced) frames are
// paced by what the client takes: a frame is written once the one before
// has gone, and frames drawn meanwhile are not queued: only the latest is
// written next.
package draw

import (
	"context"
	"io"
	"reflect"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
)

// Paced is an output whose Write never waits for the terminal (it keeps
// what it is given and sends it on its own), and which says when all it
// was given has gone. The renderer then writes a frame only after the one
// before has gone, so a slow reader gets the latest frame, not a backlog.
type Paced interface {
	// Sent is signalled each time all that was written has been sent,
	// and closed when the output will send nothing more.
	Sent() <-chan struct{}
}

// Config is what a Program draws on and how.
type Config struct {
	In  io.Reader // keys; a terminal is put in raw mode while the program runs
	Out io.Writer // the terminal; writes may wait for it, unless it is Paced

	AltScreen bool // draw in the alternate screen (as tea.WithAltScreen)
	Mouse     bool // report clicks, the wheel and drags (as tea.WithMouseCellMotion)
}

// Program is a Bubble Tea program drawn by this package. Its embedded
// tea.Program sends messages and quits as usual; Run runs it.
//
// A program killed (by Kill, or by the end of the context given with
// tea.WithContext) stops at once without a final frame, and Run returns
// tea.ErrProgramKilled, as Bubble Tea does; but Bubble Tea itself is only
// told to quit. Killed, Bubble Tea v1.3.10 closes its input reader without
// waiting for the goroutine reading it, which then reads the reader's
// closed files (a data race), or waits on them forever and takes the next
// key typed, after the program has ended. Quitting, it waits.
type Program struct {
	*tea.Program
	r        *renderer
	con      *console
	execType reflect.Type  // the message tea.Exec's command makes
	sizeNow  chan struct{} // read the window's size again
	inner    tea.Model

	caller   *tea.Program  // never run: the caller's options, to learn when its context ends
	killed   chan struct{} // closed when the program is to stop at once
	killOnce sync.Once
}

// NewProgram makes a program of m drawn on cfg.Out. opts are Bubble Tea's
// options, but for those this package sets (input, output, renderer,
// filter) and those about drawing (given in cfg instead).
func NewProgram(m tea.Model, cfg Config, opts ...tea.ProgramOption) *Program {
	con := newConsole(cfg.In, cfg.Out)
	start := modes{alt: cfg.AltScreen, hideCursor: true, paste: true}
	if cfg.Mouse {
		start.mouse = mouseCell
	}
	p := &Program{
		r:        newRenderer(cfg.Out, con, start),
		con:      con,
		execType: reflect.TypeOf(tea.Exec(nil, nil)()),
		sizeNow:  make(chan struct{}, 1),
		inner:    m,
		// A program made with the caller's options has the caller's
		// context (tea.WithContext), which Bubble Tea keeps to itself:
		// its Send returns when that context ends, or it is killed.
		caller: tea.NewProgram(nil, opts...),
		killed: make(chan struct{}),
	}
	// Bubble Tea is given a context of its own, never cancelled: the
	// caller's ending kills the program as Kill does (see Program).
	opts = append(opts, tea.WithInput(cfg.In), tea.WithOutput(cfg.Out), tea.WithoutRenderer(), tea.WithFilter(p.filter),
		tea.WithContext(context.Background()))
	p.Program = tea.NewProgram(model{inner: m, p: p}, opts...)
	return p
}

// Run runs the program until it quits or is killed, and returns its
// final model (the one given to NewProgram, updated) as tea.Program.Run
// does.
func (p *Program) Run() (tea.Model, error) {
	if err := p.r.start(); err != nil {
		return p.inner, err
	}
	stopSize := p.watchSize()
	stopKill := p.watchKill()
	final, err := p.Program.Run()
	stopSize()
	stopKill()
	killed := p.isKilled()
	if killed && err == nil {
		err = tea.ErrProgramKilled
	}
	// Bubble Tea ends a program that was not killed by calling View once
	// more: that frame is the final one, written before the terminal is
	// restored.
	p.r.end(killed || err != nil)
	if m, ok := final.(model); ok {
		final = m.inner
	}
	return final, err
}

// Kill stops the program at once: no message is taken after it, no final
// frame is drawn, and Run returns tea.ErrProgramKilled. Unlike
// tea.Program's Kill, Bubble Tea quits, waiting for its input reader (see
// Program).
func (p *Program) Kill() {
	p.killOnce.Do(func() { close(p.killed) })
}

func (p *Program) isKilled() bool {
	select {
	case <-p.killed:
		return true
	default:
		return false
	}
}

// watchKill tells Bubble Tea to quit once the program is killed or the
// caller's context ends, until stopped. From then on the filter turns
// every message into tea.QuitMsg, so Update sees none.
func (p *Program) watchKill() (stop func()) {
	callerDone := make(chan struct{})
	go func() {
		defer close(callerDone)
		p.caller.Send(nil) // nothing runs the caller's program: returns when its context ends or it is killed
	}()
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-quit:
			return
		case <-callerDone:
			p.Kill()
		case <-p.killed:
		}
		p.Program.Quit() // returns when the program has ended
	}()
	return func() {
		close(quit)
		<-done
		p.caller.Kill()
		<-callerDone
	}
}

// watchSize tells the program the local terminal's size at the start, at
// each SIGWINCH and when asked (sizeNow), until stopped. Only a terminal
// output has a size to read; others are sent theirs by the caller.
func (p *Program) watchSize() (stop func()) {
	if _, _, ok := p.con.size(); !ok {
		return func() {}
	}
	sig, unsubscribe := resizeSignals()
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			if w, h, ok := p.con.size(); ok {
				p.Send(tea.WindowSizeMsg{Width: w, Height: h}) // returns when the program has ended
			}
			select {
			case <-quit:
				return
			case <-sig:
			case <-p.sizeNow:
			}
		}
	}()
	return func() {
		unsubscribe()
		close(quit)
		<-done
	}
}

// filter sees each message before Bubble Tea handles it: the one that
// runs another program in the terminal (tea.Exec) is the moment to lend
// the terminal, since Bubble Tea runs the program right after. Once the
// program is killed, every message quits.
func (p *Program) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	if p.isKilled() {
		return tea.QuitMsg{}
	}
	if reflect.TypeOf(msg) == p.execType {
		p.r.release()
	}
	return msg
}

// catch restores the terminal when Update or View panics, before Bubble
// Tea reports the panic (on a terminal that can show it), then panics on.
func (p *Program) catch() {
	if v := recover(); v != nil {
		p.r.end(true)
		panic(v)
	}
}

// model is the program's model wrapped: its updates tell the renderer of
// sizes and modes, and its View hands the frame to the renderer.
type model struct {
	inner tea.Model
	p     *Program
}

func (m model) Init() tea.Cmd { return m.inner.Init() }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer m.p.catch()
	r := m.p.r
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		r.resize(msg.Width, msg.Height)
	default:
		if reflect.TypeOf(msg) == m.p.execType {
			// Update is given tea.Exec's message once the other program
			// has ended and Bubble Tea reads the input again.
			r.resume()
			select {
			case m.p.sizeNow <- struct{}{}: // it may have been resized meanwhile
			default:
			}
		} else {
			control(r, msg)
		}
	}
	var cmd tea.Cmd
	m.inner, cmd = m.inner.Update(msg)
	return m, cmd
}

func (m model) View() string {
	defer m.p.catch()
	if !m.p.isKilled() { // killed in Update: Bubble Tea would not draw
		m.p.r.draw(m.inner.View())
	}
	return "" // Bubble Tea has no renderer to give it to
}

// control carries out Bubble Tea's commands about the terminal, which its
// standard renderer would. Messages are compared by value: every one of
// these is a comparable struct, and a message of another type is never
// equal to it.
func control(r *renderer, msg tea.Msg) {
	switch msg {
	case tea.ClearScreen():
		r.clearScreen()
	case tea.EnterAltScreen():
		r.setModes(func(m *modes) { m.alt = true })
	case tea.ExitAltScreen():
		r.setModes(func(m *modes) { m.alt = false })
	case tea.HideCursor():
		r.setModes(func(m *modes) { m.hideCursor = true })
	case tea.ShowCursor():
		r.setModes(func(m *modes) { m.hideCursor = false })
	case tea.EnableMouseCellMotion():
		r.setModes(func(m *modes) { m.mouse = mouseCell })
	case tea.EnableMouseAllMotion():
		r.setModes(func(m *modes) { m.mouse = mouseAll })
	case tea.DisableMouse():
		r.setModes(func(m *modes) { m.mouse = mouseOff })
	case tea.EnableBracketedPaste():
		r.setModes(func(m *modes) { m.paste = true })
	case tea.DisableBracketedPaste():
		r.setModes(func(m *modes) { m.paste = false })
	case tea.EnableReportFocus():
		r.setModes(func(m *modes) { m.focus = true })
	case tea.DisableReportFocus():
		r.setModes(func(m *modes) { m.focus = false })
	}
}
