package draw

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/internal/testenv"
)

// counter's every frame says its number in each line; bump makes the
// next one.
type counter struct{ n int }

type bump struct{}

// caughtUp is closed by Update when the program takes it: every message
// sent before it has been updated and drawn.
type caughtUp chan struct{}

func (c counter) Init() tea.Cmd { return nil }

func (c counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case bump:
		c.n++
	case caughtUp:
		close(msg)
	}
	return c, nil
}

func (c counter) View() string {
	lines := make([]string, 10)
	for i := range lines {
		lines[i] = fmt.Sprintf("frame %d line %d", c.n, i)
	}
	return strings.Join(lines, "\n")
}

// gate is a terminal whose writes wait while it is shut: a slow local
// terminal, or one behind a slow link.
type gate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	shut    bool
	waiting bool // a write waits
	buf     bytes.Buffer
	writes  int
}

func newGate() *gate {
	g := &gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *gate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.shut {
		g.waiting = true
		g.cond.Broadcast()
		g.cond.Wait()
	}
	g.waiting = false
	g.writes++
	return g.buf.Write(p)
}

func (g *gate) set(shut bool) {
	g.mu.Lock()
	g.shut = shut
	g.cond.Broadcast()
	g.mu.Unlock()
}

// await waits until f holds of the gate.
func (g *gate) await(f func(*gate) bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for !f(g) {
		g.cond.Wait()
	}
}

func (g *gate) screen() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	vt := testenv.NewVT(80, 24)
	vt.Write(g.buf.Bytes())
	return vt.Screen()
}

// On a terminal whose writes wait, the program never does: frames drawn
// while a write waits are not queued, and the next write is the latest.
func TestWaitingTerminalGetsTheLatestFrame(t *testing.T) {
	g := newGate()
	keys, noKeys := io.Pipe()
	defer noKeys.Close()
	p := NewProgram(counter{}, Config{In: keys, Out: g, AltScreen: true})
	ran := make(chan error, 1)
	go func() {
		_, err := p.Run()
		ran <- err
	}()
	waitScreen := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(g.screen(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("never saw %q; the screen:\n%s", want, g.screen())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitScreen("frame 0 line 9")
	g.set(true)
	p.Send(bump{})
	g.await(func(g *gate) bool { return g.waiting }) // frame 1 waits to be written
	g.mu.Lock()
	before := g.writes
	g.mu.Unlock()
	for range 1000 {
		p.Send(bump{}) // returns once the program has it: never waits for the terminal
	}
	// Every frame drawn before the terminal takes the one waiting: else a
	// frame drawn after it has gone would be one more write, rightly.
	caught := make(caughtUp)
	p.Send(caught)
	<-caught
	g.set(false)
	waitScreen("frame 1001 line 9")
	p.Quit()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	after := g.writes
	g.mu.Unlock()
	// Frame 1 (waiting), the latest, and the end.
	if after-before > 3 {
		t.Fatalf("%d writes for 1000 frames drawn while the terminal was busy", after-before)
	}
}

// Each frame the model draws is written when the terminal keeps up: a
// message sent, its frame arrives, with no other message to carry it out.
func TestEachFrameWritten(t *testing.T) {
	r, w := io.Pipe()
	keys, noKeys := io.Pipe()
	defer noKeys.Close()
	p := NewProgram(counter{}, Config{In: keys, Out: w, AltScreen: true})
	ran := make(chan error, 1)
	go func() {
		_, err := p.Run()
		w.Close()
		ran <- err
	}()
	var got bytes.Buffer
	buf := make([]byte, 4096)
	read := func(want string) time.Duration {
		start := time.Now()
		for !strings.Contains(got.String(), want) {
			n, err := r.Read(buf)
			if err != nil {
				t.Fatalf("waiting for %q: %v", want, err)
			}
			got.Write(buf[:n])
		}
		return time.Since(start)
	}
	read("frame 0 line 9")
	var slowest time.Duration
	for i := 1; i <= 20; i++ {
		got.Reset()
		p.Send(bump{})
		slowest = max(slowest, read(fmt.Sprintf("frame %d line 9", i)))
	}
	t.Logf("slowest of 20 frames after Send: %v", slowest)
	go io.Copy(io.Discard, r)
	p.Quit()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}

// The writes of a frame, as the standard renderer makes them: the lines
// that changed, each erased to its end unless it fills the width, the
// others skipped with a line feed, and the cursor left on the last line.
func TestFrameWritesOnlyChangedLines(t *testing.T) {
	s := &shown{modes: modes{alt: true}, width: 10, height: 5}
	b := compose(nil, s, target{modes: modes{alt: true}, view: "one\ntwo\nthree", drawn: true, width: 10, height: 5})
	if got, want := string(b), "\x1b[H\rone\x1b[K\r\ntwo\x1b[K\r\nthree\x1b[K\x1b[3;H"; got != want {
		t.Fatalf("first frame %q, want %q", got, want)
	}
	b = compose(nil, s, target{modes: modes{alt: true}, view: "one\n0123456789abc\nthree", drawn: true, width: 10, height: 5})
	if got, want := string(b), "\x1b[H\n0123456789\r\n\x1b[3;H"; got != want {
		t.Fatalf("a line changed: %q, want %q", got, want)
	}
	b = compose(nil, s, target{modes: modes{alt: true}, view: "one", drawn: true, width: 10, height: 5})
	if got, want := string(b), "\x1b[H\x1b[J\x1b[H"; got != want {
		t.Fatalf("fewer lines: %q, want %q", got, want)
	}
	b = compose(nil, s, target{modes: modes{alt: true}, view: "one", drawn: true, width: 10, height: 5})
	if len(b) != 0 {
		t.Fatalf("the same frame again wrote %q", b)
	}
	b = compose(nil, s, target{modes: modes{alt: true}, view: "one", drawn: true, width: 10, height: 5, repaint: true})
	if got, want := string(b), "\x1b[H\rone\x1b[K\x1b[H"; got != want {
		t.Fatalf("repainted: %q, want %q", got, want)
	}
}
