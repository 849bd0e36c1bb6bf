package draw

import (
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// keyed tells of each key it is given.
type keyed struct {
	counter
	keys chan<- struct{}
}

func (k keyed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		k.keys <- struct{}{}
	}
	return k, nil
}

// A program killed (its context cancelled) while its input is read from a
// file, as a terminal is, leaves no goroutine of its own reading the input
// once Run has returned. Bubble Tea v1.3.10, killed, closes its input
// reader without waiting for the goroutine reading it, which the race
// detector reports (run this test with -race).
func TestKilledLeavesNoInputReader(t *testing.T) {
	for range 20 {
		in, keys, err := os.Pipe() // a file, read as Bubble Tea reads a terminal
		if err != nil {
			t.Fatal(err)
		}
		before := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		got := make(chan struct{}, 1)
		p := NewProgram(keyed{keys: got}, Config{In: in, Out: io.Discard, AltScreen: true}, tea.WithContext(ctx), tea.WithoutSignalHandler())
		ran := make(chan error, 1)
		go func() {
			_, err := p.Run()
			ran <- err
		}()
		keys.Write([]byte("x"))
		<-got // the input is being read
		cancel()
		if err := <-ran; !errors.Is(err, tea.ErrProgramKilled) {
			t.Fatalf("killed, Run returned %v", err)
		}
		// Whatever the program started has ended.
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("goroutines left after Run:\n%s", buf[:runtime.Stack(buf, true)])
			}
			runtime.Gosched()
		}
		keys.Close()
		in.Close()
	}
}
