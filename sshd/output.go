package sshd

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"time"
)

// Bounds of what one SSH session may cost the host.
const (
	// maxTermWidth and maxTermHeight bound the terminal a session is drawn
	// for: a board of 500×200 cells is a few hundred KB of output, while a
	// client asking for 65535×65535 would have every frame cost gigabytes.
	// Larger terminals get a 500×200 board in their top left corner.
	maxTermWidth, maxTermHeight = 500, 200
	// defaultTermWidth and defaultTermHeight are the size of a pty whose
	// size the client did not give (0).
	defaultTermWidth, defaultTermHeight = 80, 24

	// maxPendingOutput bounds the output a session keeps for a client that
	// reads slower than its board changes: about two full frames of a busy
	// 500×200 board. Past it the waiting frames are dropped, and the board
	// is drawn again in full once the client has caught up. A single frame
	// larger than this is still kept whole (the size bound above keeps
	// every frame well under a few MB).
	maxPendingOutput = 256 << 10

	// outputDrain is how long a session that ends waits for its client to
	// take the last of its output (the terminal restored, the goodbye).
	outputDrain = 2 * time.Second
)

// termSize is the size a session's board is drawn at for the client's
// terminal of w×h: at most maxTermWidth×maxTermHeight, and a dimension
// the client did not give (0, or what does not fit an int) at the usual
// 80×24.
func termSize(w, h int) (int, int) {
	if w <= 0 {
		w = defaultTermWidth
	}
	if h <= 0 {
		h = defaultTermHeight
	}
	return min(w, maxTermWidth), min(h, maxTermHeight)
}

var errOutputClosed = errors.New("the session's output is closed")

// sessionOutput is a session's terminal output. The board's renderer
// writes each frame to it and never waits: a goroutine of its own sends to
// the client what the client will take. The renderer writes a frame only
// once the one before has gone (Sent), so frames drawn meanwhile are
// replaced, not queued. Should more come (the end of the session, or a
// frame larger than the bound), at most maxPendingOutput bytes wait; past
// that the waiting frames are dropped rather than queued, so a stalled
// client costs the host a bounded amount however long it stalls.
//
// A dropped frame leaves the client's screen unlike what Bubble Tea's
// renderer believes it drew (it only sends the lines that changed since
// its last frame), so everything after a drop is dropped too until the
// client has taken all that was sent; then the terminal modes the program
// set (alternate screen, mouse, cursor) are sent again and resync asks
// for the screen to be cleared and drawn in full. The renderer writes each
// frame and each mode change in one Write, so a frame is sent whole or
// not at all.
type sessionOutput struct {
	out    io.Writer
	resync chan struct{} // the client caught up after a drop: repaint in full
	wake   chan struct{} // something to send, or closing
	sent   chan struct{} // all that was written has been sent (see Sent)
	done   chan struct{} // the sender has finished

	mu      sync.Mutex
	pending []byte
	spare   []byte // the buffer last sent, reused for pending
	behind  bool   // frames were dropped since the client last caught up
	modes   []termMode
	closing bool
	bye     []byte // sent last, after the terminal is restored
	err     error  // the client is gone
}

// termMode is a DEC private mode (CSI ? n h / l) as the program last set
// it.
type termMode struct {
	n   string
	set bool
}

// maxModes bounds the modes remembered; Bubble Tea sets about six.
const maxModes = 16

func newSessionOutput(out io.Writer) *sessionOutput {
	o := &sessionOutput{out: out, resync: make(chan struct{}, 1), wake: make(chan struct{}, 1), sent: make(chan struct{}, 1), done: make(chan struct{})}
	go o.send()
	return o
}

// Write keeps p to be sent, or drops it when the client is too far
// behind. It never waits for the client.
func (o *sessionOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	if o.closing {
		return 0, errOutputClosed
	}
	o.noteModes(p)
	switch {
	case o.behind:
		// Drawn over a screen the client does not have: useless to it.
	case len(o.pending) > 0 && len(o.pending)+len(p) > maxPendingOutput:
		o.pending = o.pending[:0]
		o.behind = true
	default:
		o.pending = append(o.pending, p...)
	}
	o.signal()
	return len(p), nil
}

func (o *sessionOutput) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// noteModes remembers the DEC private modes p sets or resets, to send them
// again after a drop.
func (o *sessionOutput) noteModes(p []byte) {
	for {
		i := bytes.Index(p, []byte("\x1b[?"))
		if i < 0 {
			return
		}
		p = p[i+3:]
		j := 0
		for j < len(p) && (p[j] >= '0' && p[j] <= '9' || p[j] == ';') {
			j++
		}
		if j == 0 || j == len(p) || p[j] != 'h' && p[j] != 'l' {
			continue
		}
		n, set := string(p[:j]), p[j] == 'h'
		p = p[j+1:]
		found := false
		for k := range o.modes {
			if o.modes[k].n == n {
				o.modes[k].set, found = set, true
			}
		}
		if !found && len(o.modes) < maxModes {
			o.modes = append(o.modes, termMode{n, set})
		}
	}
}

// modeBytes sets every remembered mode as the program last set it.
func (o *sessionOutput) modeBytes() []byte {
	var b []byte
	for _, m := range o.modes {
		b = append(b, "\x1b[?"+m.n...)
		if m.set {
			b = append(b, 'h')
		} else {
			b = append(b, 'l')
		}
	}
	return b
}

// send gives the client what waits, one batch at a time, until the output
// is closed and drained or the client is gone.
func (o *sessionOutput) send() {
	defer close(o.done)
	defer close(o.sent)
	for {
		<-o.wake
		for {
			o.mu.Lock()
			var chunk []byte
			last := false
			switch {
			case len(o.pending) > 0:
				chunk, o.pending, o.spare = o.pending, o.spare[:0], nil
			case o.behind:
				// Everything sent has been taken: the client has caught
				// up. Its modes first, then a full frame.
				chunk, o.behind = o.modeBytes(), false
				select {
				case o.resync <- struct{}{}:
				default:
				}
			case o.closing:
				chunk, o.bye, last = o.bye, nil, true
			}
			o.mu.Unlock()
			if chunk == nil && !last {
				break // nothing more for now
			}
			if len(chunk) > 0 {
				if _, err := o.out.Write(chunk); err != nil {
					o.mu.Lock()
					o.err, o.pending, o.spare = err, nil, nil
					o.mu.Unlock()
					return
				}
			}
			if last {
				return
			}
			o.mu.Lock()
			if cap(chunk) <= 2*maxPendingOutput {
				o.spare = chunk[:0]
			}
			idle := len(o.pending) == 0 && !o.behind
			o.mu.Unlock()
			if idle {
				select {
				case o.sent <- struct{}{}:
				default:
				}
			}
		}
	}
}

// Sent is signalled each time the client has taken all that was written
// (as far as the connection has: its window and socket buffer), and
// closed when the output sends nothing more. The board's renderer writes
// its next frame then, so frames drawn while the client is slow are not
// queued here: only the latest is sent.
func (o *sessionOutput) Sent() <-chan struct{} { return o.sent }

// Resync is told when the client has caught up after frames were dropped:
// the screen must be cleared and drawn in full (tea.ClearScreen).
func (o *sessionOutput) Resync() <-chan struct{} { return o.resync }

// Close sends what waits, then bye, and stops taking output. It waits at
// most wait for the client to take it all, and says whether it did: a
// client that does not read keeps the sender's goroutine, and the batch
// it is sending, until its connection closes.
func (o *sessionOutput) Close(bye string, wait time.Duration) bool {
	o.mu.Lock()
	if !o.closing {
		o.closing, o.bye = true, []byte(bye)
	}
	o.mu.Unlock()
	o.signal()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-o.done:
		return true
	case <-t.C:
		return false
	}
}
