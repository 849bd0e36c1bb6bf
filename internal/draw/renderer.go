package draw

import (
	"io"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// The terminal sequences the renderer sends, the same as Bubble Tea's
// standard renderer sends for each.
const (
	seqHideCursor   = "\x1b[?25l"
	seqShowCursor   = "\x1b[?25h"
	seqAltOn        = "\x1b[?1049h"
	seqAltOff       = "\x1b[?1049l"
	seqPasteOn      = "\x1b[?2004h"
	seqPasteOff     = "\x1b[?2004l"
	seqMouseCell    = "\x1b[?1002h"
	seqMouseCellOff = "\x1b[?1002l"
	seqMouseAll     = "\x1b[?1003h"
	seqMouseAllOff  = "\x1b[?1003l"
	seqMouseSGR     = "\x1b[?1006h"
	seqMouseSGROff  = "\x1b[?1006l"
	seqFocusOn      = "\x1b[?1004h"
	seqFocusOff     = "\x1b[?1004l"
	seqEraseScreen  = "\x1b[2J"
	seqEraseLine    = "\x1b[2K"
	seqEraseRight   = "\x1b[K"
	seqEraseBelow   = "\x1b[J"
	seqHome         = "\x1b[H"
)

// maxKeptBuffer bounds the write buffer kept from one frame for the next:
// a usual frame's fits; a huge one's (a terminal of 500×200) is let go,
// not held by every SSH session.
const maxKeptBuffer = 64 << 10

// altSettle is how long the terminal is given after leaving the alternate
// screen before its input modes change back, as Bubble Tea gives it.
const altSettle = 10 * time.Millisecond

type mouseMode int

const (
	mouseOff  mouseMode = iota
	mouseCell           // clicks, wheel, and motion while a button is held
	mouseAll            // every motion
)

// modes are the terminal's modes the program sets.
type modes struct {
	alt        bool // the alternate screen
	hideCursor bool
	paste      bool // bracketed paste
	focus      bool // focus reports
	mouse      mouseMode
}

// target is what the terminal should show: the latest frame the model
// drew, at the latest size, in the latest modes.
type target struct {
	modes
	view          string
	drawn         bool // the model has drawn a frame (view is one)
	width, height int
	repaint       bool // every line again, whatever the terminal shows
	clear         bool // the screen erased first
}

// shown is what the terminal shows, as far as the renderer wrote it.
type shown struct {
	modes
	view        string   // the frame on screen; "" when it must be drawn in full
	lines       []string // its lines, as the model drew them (not cut to width)
	altLines    int      // lines drawn in the alternate screen
	inlineLines int      // lines drawn in the normal screen
	width       int
	height      int
}

// renderer writes the model's frames and the terminal's modes to the
// output. The program's event loop only says what the terminal should show
// (target) and never waits; a goroutine of the renderer's writes it: at
// once when the output is idle, else once the write before has gone, by
// then the latest frame only. A frame is the lines that changed since the
// one the terminal has, as Bubble Tea's standard renderer writes them.
type renderer struct {
	out  io.Writer
	sent <-chan struct{} // a paced output's "all written has gone"; nil if writes wait for the terminal
	con  *console

	wake chan struct{} // the target changed
	quit chan struct{} // the writer is to stop
	done chan struct{} // the writer has stopped
	once sync.Once     // the terminal is restored once

	mu     sync.Mutex // guards want and paused
	want   target
	paused bool // the terminal is lent to another program (tea.Exec)

	wmu  sync.Mutex // held while writing; guards have, buf and err
	have shown
	buf  []byte
	err  error // the output failed: nothing more is written
}

func newRenderer(out io.Writer, con *console, start modes) *renderer {
	r := &renderer{out: out, con: con, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	if p, ok := out.(Paced); ok {
		r.sent = p.Sent()
	}
	r.want.modes = start
	return r
}

// start sets the terminal's modes (raw input, then the alternate screen,
// cursor, paste and mouse modes) and starts the writer.
func (r *renderer) start() error {
	if err := r.con.raw(); err != nil {
		return err
	}
	r.flush()
	go r.run()
	return nil
}

// run is the writer: each time the target changes it writes what the
// terminal lacks, and on a paced output waits for that to have gone
// before writing more. Targets set meanwhile are taken together.
func (r *renderer) run() {
	defer close(r.done)
	for {
		select {
		case <-r.quit:
			return
		case <-r.wake:
		}
		if r.sent != nil {
			select { // a signal left from a write not waited for
			case <-r.sent:
			default:
			}
		}
		if !r.flush() || r.sent == nil {
			continue
		}
		select {
		case <-r.quit:
			return
		case <-r.sent:
		}
	}
}

func (r *renderer) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// take is the target to write now; its one-off requests (repaint, clear)
// are taken with it. ok is false while the terminal is lent.
func (r *renderer) take() (target, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.want
	r.want.repaint, r.want.clear = false, false
	return w, !r.paused
}

// flush writes what the terminal lacks of the target, and says whether it
// wrote anything.
func (r *renderer) flush() bool {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	w, ok := r.take()
	if !ok || r.err != nil {
		return false
	}
	return r.write(compose(r.buf[:0], &r.have, w))
}

// write sends b (r.wmu held) and keeps its buffer for the next frame.
func (r *renderer) write(b []byte) bool {
	if cap(b) <= maxKeptBuffer {
		r.buf = b[:0]
	}
	if len(b) == 0 || r.err != nil {
		return false
	}
	if _, err := r.out.Write(b); err != nil {
		r.err = err
	}
	return true
}

// draw takes the model's latest frame.
func (r *renderer) draw(view string) {
	r.mu.Lock()
	r.want.view, r.want.drawn = view, true
	r.mu.Unlock()
	r.signal()
}

// resize takes the terminal's new size: the next frame is drawn in full.
func (r *renderer) resize(w, h int) {
	r.mu.Lock()
	r.want.width, r.want.height, r.want.repaint = w, h, true
	r.mu.Unlock()
	r.signal()
}

// clearScreen erases the screen before the next frame, drawn in full.
func (r *renderer) clearScreen() {
	r.mu.Lock()
	r.want.clear = true
	r.mu.Unlock()
	r.signal()
}

// setModes changes the modes the terminal should be in.
func (r *renderer) setModes(f func(*modes)) {
	r.mu.Lock()
	f(&r.want.modes)
	r.mu.Unlock()
	r.signal()
}

// release lends the terminal to another program (tea.Exec), as Bubble
// Tea's standard renderer does: the latest frame written, then the
// terminal's modes and its input as they were before the board.
func (r *renderer) release() {
	r.mu.Lock()
	r.paused = true
	r.mu.Unlock()
	r.wmu.Lock()
	defer r.wmu.Unlock()
	r.restore(true)
	r.have.inlineLines = 0 // what the program prints stays above the next frame
}

// resume takes the terminal back after release: raw input, the modes
// set again (entering the alternate screen clears it) and the frame drawn
// in full.
func (r *renderer) resume() {
	// An error here leaves the input cooked: keys still arrive, by line.
	_ = r.con.raw()
	r.mu.Lock()
	r.paused, r.want.repaint = false, true
	r.mu.Unlock()
	r.signal()
}

// end stops the writer and restores the terminal: the final frame first
// unless the program was killed. Later calls do nothing.
func (r *renderer) end(killed bool) {
	r.once.Do(func() {
		close(r.quit)
		<-r.done
		r.wmu.Lock()
		defer r.wmu.Unlock()
		r.restore(!killed)
	})
}

// restore writes the latest frame (if final), then what leaves the
// terminal as it was before the program: Bubble Tea's sequence, every
// mode reset whatever the renderer believes, as the terminal may not be
// as it wrote it (a panic, a program run in it); then the input cooked.
// r.wmu is held.
func (r *renderer) restore(final bool) {
	b := r.buf[:0]
	if final && r.err == nil {
		r.mu.Lock()
		w := r.want
		r.want.repaint, r.want.clear = false, false
		r.mu.Unlock()
		b = compose(b, &r.have, w)
	}
	b = append(b, seqEraseLine+"\r"+seqPasteOff+seqShowCursor+seqMouseCellOff+seqMouseAllOff+seqMouseSGROff...)
	if r.have.focus {
		b = append(b, seqFocusOff...)
	}
	alt := r.have.alt
	if alt {
		b = append(b, seqAltOff+seqShowCursor...)
	}
	r.have.modes = modes{}
	r.have.view, r.have.lines = "", nil
	r.write(b)
	if alt {
		time.Sleep(altSettle)
	}
	_ = r.con.cooked() // nothing better to do: the program is ending or lending
}

// compose appends to b what turns the terminal from s into w, and updates
// s to match.
func compose(b []byte, s *shown, w target) []byte {
	b = setModes(b, s, w.modes)
	if w.clear {
		b = append(b, seqEraseScreen+seqHome...)
		s.view, s.lines = "", nil
	}
	if w.repaint {
		s.view, s.lines = "", nil
	}
	s.width, s.height = w.width, w.height
	if w.drawn {
		b = frame(b, s, w.view)
	}
	return b
}

// setModes appends what changes the terminal's modes from s's to m's:
// entering the alternate screen first, leaving it last.
func setModes(b []byte, s *shown, m modes) []byte {
	if m.alt && !s.alt {
		// Cleared, for terminals without an alternate screen; the cursor
		// set again, for those keeping it per screen.
		b = append(b, seqAltOn+seqEraseScreen+seqHome...)
		b = appendCursor(b, m.hideCursor)
		s.alt, s.hideCursor, s.altLines = true, m.hideCursor, 0
		s.view, s.lines = "", nil
	}
	if m.hideCursor != s.hideCursor {
		b = appendCursor(b, m.hideCursor)
		s.hideCursor = m.hideCursor
	}
	if m.paste != s.paste {
		b = append(b, pick(m.paste, seqPasteOn, seqPasteOff)...)
		s.paste = m.paste
	}
	if m.mouse != s.mouse {
		switch m.mouse {
		case mouseOff:
			b = append(b, seqMouseCellOff+seqMouseAllOff+seqMouseSGROff...)
		case mouseCell:
			if s.mouse == mouseAll {
				b = append(b, seqMouseAllOff...)
			}
			b = append(b, seqMouseCell+seqMouseSGR...)
		case mouseAll:
			b = append(b, seqMouseAll+seqMouseSGR...)
		}
		s.mouse = m.mouse
	}
	if m.focus != s.focus {
		b = append(b, pick(m.focus, seqFocusOn, seqFocusOff)...)
		s.focus = m.focus
	}
	if !m.alt && s.alt {
		b = append(b, seqAltOff...)
		b = appendCursor(b, m.hideCursor)
		s.alt = false
		s.view, s.lines = "", nil
	}
	return b
}

func appendCursor(b []byte, hide bool) []byte {
	return append(b, pick(hide, seqHideCursor, seqShowCursor)...)
}

func pick(c bool, yes, no string) string {
	if c {
		return yes
	}
	return no
}

// frame appends the lines of view that differ from those s shows, as
// Bubble Tea's standard renderer (v1.3.10, flush) writes them, so the
// screen ends the same: from the top of what was drawn, an unchanged line
// skipped with a line feed, a changed one cut to the width and erased to
// its end, what the last frame drew below this one erased, and the cursor
// left at the start of the last line.
func frame(b []byte, s *shown, view string) []byte {
	if view == "" {
		view = " " // nothing drawn: the screen blank but for a space
	}
	if view == s.view {
		return b
	}
	if s.alt {
		b = append(b, seqHome...)
	} else if s.inlineLines > 1 {
		b = append(b, ansi.CursorUp(s.inlineLines-1)...)
	}
	lines := strings.Split(view, "\n")
	if s.height > 0 && len(lines) > s.height {
		lines = lines[len(lines)-s.height:] // the top ones cannot be reached
	}
	for i, line := range lines {
		last := i == len(lines)-1
		if i < len(s.lines) && s.lines[i] == line {
			if !last {
				b = append(b, '\n')
			}
			continue
		}
		if i == 0 && s.view == "" {
			b = append(b, '\r')
		}
		// Cut to the width, else it would wrap; a line that fits (most)
		// is measured once, not also cut.
		w := ansi.StringWidth(line)
		if s.width > 0 && w > s.width {
			line = ansi.Truncate(line, s.width, "")
			w = ansi.StringWidth(line)
		}
		b = append(b, line...)
		if w < s.width {
			// At the last column, a sequence after the text would act
			// on the last cell only: erased only when short of it.
			b = append(b, seqEraseRight...)
		}
		if !last {
			b = append(b, "\r\n"...)
		}
	}
	drawn := &s.inlineLines
	if s.alt {
		drawn = &s.altLines
	}
	if *drawn > len(lines) {
		b = append(b, seqEraseBelow...)
	}
	*drawn = len(lines)
	if s.alt {
		b = append(b, ansi.CursorPosition(0, len(lines))...)
	} else {
		b = append(b, '\r')
	}
	s.view, s.lines = view, lines
	return b
}
