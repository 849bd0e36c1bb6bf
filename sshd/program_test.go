package sshd

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/internal/draw"
)

// counter is a board stand-in whose every frame differs in every line:
// bump makes the next one.
type counter struct{ n int }

type bump struct{}

func (c counter) Init() tea.Cmd { return nil }

func (c counter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case bump:
		c.n++
	case tea.QuitMsg:
		return c, tea.Quit
	}
	return c, nil
}

func (c counter) View() string {
	lines := make([]string, 50)
	for i := range lines {
		lines[i] = fmt.Sprintf("frame %06d line %02d %s", c.n, i, strings.Repeat("=", 60))
	}
	return strings.Join(lines, "\n")
}

// A session whose client does not read while its board draws thousands of
// frames keeps none of them waiting: the output holds nothing, nothing is
// dropped (so no repaint is needed), and once the client reads it gets
// the frame it was taking and then the latest, not the ones between.
func TestSlowClientGetsTheLatestFrameNotABacklog(t *testing.T) {
	client, w := io.Pipe() // a client that reads only when the test does
	defer client.Close()
	keys, noKeys := io.Pipe()
	defer noKeys.Close()
	out := newSessionOutput(w)
	p := draw.NewProgram(counter{}, draw.Config{In: keys, Out: out, AltScreen: true})
	ran := make(chan error, 1)
	go func() {
		_, err := p.Run()
		ran <- err
	}()

	// The client takes the first byte, then stalls: the first frame is on
	// its way.
	first := make([]byte, 1)
	if _, err := io.ReadFull(client, first); err != nil {
		t.Fatal(err)
	}
	const frames = 5000
	frameSize := len(counter{}.View())
	for range frames {
		p.Send(bump{}) // returns once the program has it: never waits for the client
	}
	// Draw has run for each (View follows every Update); what waits for
	// the client is at most one frame.
	out.mu.Lock()
	pending, behind := len(out.pending), out.behind
	out.mu.Unlock()
	if pending > 2*frameSize || behind {
		t.Fatalf("with the client stalled, %d bytes wait for it (a frame is %d), dropped: %v", pending, frameSize, behind)
	}

	// The client reads again: it gets the frame it was taking, then the
	// latest, and nothing between.
	var got bytes.Buffer
	got.Write(first)
	last := fmt.Sprintf("frame %06d line 49", frames)
	buf := make([]byte, 64<<10)
	deadline := time.Now().Add(20 * time.Second)
	for !bytes.Contains(got.Bytes(), []byte(last)) {
		if time.Now().After(deadline) {
			t.Fatalf("the client never got the latest frame; it got %d bytes", got.Len())
		}
		n, err := client.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(buf[:n])
	}
	drawn := strings.Count(got.String(), " line 00 ")
	if drawn > 3 {
		t.Fatalf("the client got %d frames (%d bytes) for %d drawn while it stalled, want the first and the latest", drawn, got.Len(), frames)
	}
	select {
	case <-out.Resync():
		t.Fatal("frames were dropped (a repaint was asked for)")
	default:
	}

	go io.Copy(io.Discard, client)
	p.Quit()
	select {
	case err := <-ran:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the program did not end")
	}
	if !out.Close("", 5*time.Second) {
		t.Fatal("the output did not drain")
	}
	t.Logf("%d frames drawn while the client stalled; it got %d of them, %d bytes", frames, drawn, got.Len())
	t.Log(regexp.MustCompile(`frame [0-9]+ line 00`).FindAllString(got.String(), -1))
}
