package sshd

import (
	"io"
	"strings"
	"testing"
	"time"
)

// A client that stops reading never makes the program wait: frames past
// the bound are dropped, what was sent before arrives whole, and once the
// client has taken it the terminal modes set meanwhile come again, the
// board is asked for a full repaint, and what follows is sent as usual.
// Closing sends the goodbye after the terminal is restored.
func TestSessionOutputDropsForAStalledClient(t *testing.T) {
	r, w := io.Pipe() // a client that reads only when the test does
	defer r.Close()
	o := newSessionOutput(w)

	write := func(p string) {
		t.Helper()
		done := make(chan struct{})
		go func() {
			defer close(done)
			if _, err := o.Write([]byte(p)); err != nil {
				t.Errorf("write: %v", err)
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("a write waited for the client")
		}
	}
	read := func(want string) {
		t.Helper()
		got := make([]byte, len(want))
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Fatalf("the client got %q, want %q", clip(string(got)), clip(want))
		}
	}

	write("\x1b[?1049h")
	read("\x1b[?1049h")
	// The client stops reading: the first frame is on its way, the rest
	// wait up to the bound, and then are dropped, however many come.
	first := "\x1b[H" + strings.Repeat("1", 1000)
	write(first)
	read(first[:1]) // on its way: the rest of first waits in the pipe
	write("\x1b[?25l\x1b[?1002h")
	frame := "\x1b[H" + strings.Repeat("x", 64<<10)
	for range 1000 { // 64 MB
		write(frame)
	}
	write("\x1b[?1002l\x1b[?2004h")
	select {
	case <-o.Resync():
		t.Fatal("a repaint was asked for before the client caught up")
	default:
	}

	// The client reads again: the frame in flight, then the modes as they
	// are now, and no dropped frame.
	read(first[1:])
	read("\x1b[?1049h\x1b[?25l\x1b[?1002l\x1b[?2004h")
	select {
	case <-o.Resync():
	case <-time.After(5 * time.Second):
		t.Fatal("no full repaint was asked for once the client caught up")
	}
	write("\x1b[2J\x1b[Hwhole board")
	read("\x1b[2J\x1b[Hwhole board")

	// Stalled again at the end: the frames are dropped, but the terminal
	// is restored and the goodbye arrives.
	write(first)
	read(first[:1])
	for range 10 {
		write(frame)
	}
	write("\x1b[?2004l\x1b[?25h\x1b[?1049l")
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		o.Close("bye\r\n", 5*time.Second)
	}()
	read(first[1:])
	read("\x1b[?1049l\x1b[?25h\x1b[?1002l\x1b[?2004lbye\r\n")
	<-closed
	if _, err := o.Write([]byte("late")); err == nil {
		t.Fatal("a closed output took more")
	}
}

// Closing an output whose client never reads returns after the wait.
func TestSessionOutputCloseDoesNotWaitForever(t *testing.T) {
	r, w := io.Pipe()
	defer r.Close()
	o := newSessionOutput(w)
	o.Write([]byte("never read"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.Close("bye", 100*time.Millisecond)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for a client that does not read")
	}
	w.CloseWithError(io.ErrClosedPipe) // the connection ends
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// termSize keeps every size sane.
func TestTermSize(t *testing.T) {
	for _, c := range []struct{ w, h, ww, wh int }{
		{100, 30, 100, 30},
		{0, 0, 80, 24},
		{-1, -1, 80, 24},
		{10000, 10000, 500, 200},
		{1<<32 - 1, 1<<32 - 1, 500, 200},
		{1, 1, 1, 1},
	} {
		if w, h := termSize(c.w, c.h); w != c.ww || h != c.wh {
			t.Errorf("termSize(%d, %d) = %d×%d, want %d×%d", c.w, c.h, w, h, c.ww, c.wh)
		}
	}
}
