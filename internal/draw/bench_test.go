package draw

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// board is a stand-in for lanes' board, drawn as lanes draws it: four
// bordered, coloured columns of two-line cards on a 120×40 terminal, the
// selected card marked, and a status line saying which is selected. j
// and k move the selection.
type board struct{ sel int }

func (b board) Init() tea.Cmd { return nil }

func (b board) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch k.String() {
		case "j":
			b.sel = (b.sel + 1) % 17
		case "k":
			b.sel = (b.sel + 16) % 17
		case "q":
			return b, tea.Quit
		}
	}
	return b, nil
}

const (
	purple = "\x1b[38;5;141m"
	grey   = "\x1b[38;5;59m"
	reset  = "\x1b[39m"
)

func (b board) View() string {
	var s strings.Builder
	row := func(cells [4]string) {
		for i, c := range cells {
			col := grey
			if i == 0 {
				col = purple
			}
			s.WriteString(col + "│" + reset + " " + c + " " + col + "│" + reset)
		}
		s.WriteByte('\n')
	}
	for i := range 4 {
		if i == 0 {
			s.WriteString(purple)
		} else {
			s.WriteString(grey)
		}
		s.WriteString("╭" + strings.Repeat("─", 28) + "╮" + reset)
	}
	s.WriteByte('\n')
	row([4]string{"To Do                    17", "In Progress              17", "In Review                17", "Done                     17"})
	for card := range 17 {
		var title, meta [4]string
		for c := range 4 {
			mark := "  "
			if c == 0 && card == b.sel {
				mark = purple + "┃" + reset + " "
			}
			title[c] = mark + fmt.Sprintf("\x1b[1m%-24s\x1b[0m", fmt.Sprintf("card %d of column %d", card, c))
			meta[c] = mark + fmt.Sprintf("\x1b[38;5;75m%-24s\x1b[39m", "medium")
		}
		row(title)
		row(meta)
	}
	s.WriteString(grey + strings.Repeat("╰"+strings.Repeat("─", 28)+"╯", 4) + reset + "\n")
	fmt.Fprintf(&s, " Personal / General  ● synced  sel=%d \n", b.sel)
	s.WriteString(" h/left column left  j/down card down  L/shift+right move card right  n new card")
	return s.String()
}

// BenchmarkFrame is the render path for one keystroke: the board's frame
// after j compared with the one on screen, the changed lines (the two
// cards whose mark moved, the status line) written. Output to io.Discard:
// the cost of the terminal's write is in BenchmarkKeyToFrame.
func BenchmarkFrame(b *testing.B) {
	frames := make([]string, 17)
	for i := range frames {
		frames[i] = board{sel: i}.View()
	}
	r := newRenderer(io.Discard, &console{}, modes{alt: true, hideCursor: true})
	r.resize(120, 40)
	r.draw(frames[0])
	r.flush()
	var written int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.draw(frames[(i+1)%len(frames)])
		r.flush()
		written += len(r.buf)
	}
	b.ReportMetric(float64(len(compose(nil, &shown{modes: modes{alt: true, hideCursor: true}, width: 120, height: 40}, target{modes: modes{alt: true, hideCursor: true}, view: frames[1], drawn: true, width: 120, height: 40}))), "full-frame-bytes")
}

// BenchmarkKeyToFrame is a keystroke as the program sees it, in process:
// j written to the program's input (a pipe), read and parsed by Bubble
// Tea, the board updated and drawn, until the frame showing the new
// selection has been read back from the output (a pipe). "standard" is
// Bubble Tea's standard renderer (60 frames a second, what lanes used),
// "draw" this package. The standard renderer's time is the wait for its
// next tick: each key here is written as soon as the frame before arrived,
// just after a tick, so it waits a whole interval (16.7 ms); a typist's
// key lands anywhere in one, half an interval on average, which is what
// TestKeyLatency (the root package, over a real terminal) measures.
func BenchmarkKeyToFrame(b *testing.B) {
	for _, kind := range []string{"standard", "draw"} {
		b.Run(kind, func(b *testing.B) {
			inR, inW, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			outR, outW, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			defer inW.Close()
			defer outR.Close()
			var run func() (tea.Model, error)
			var send func(tea.Msg)
			if kind == "standard" {
				p := tea.NewProgram(board{}, tea.WithInput(inR), tea.WithOutput(outW), tea.WithAltScreen())
				run, send = p.Run, p.Send
			} else {
				p := NewProgram(board{}, Config{In: inR, Out: outW, AltScreen: true})
				run, send = p.Run, p.Send
			}
			ran := make(chan error, 1)
			go func() {
				_, err := run()
				outW.Close()
				inR.Close()
				ran <- err
			}()
			send(tea.WindowSizeMsg{Width: 120, Height: 40})
			var got []byte
			buf := make([]byte, 64<<10)
			wait := func(want []byte) {
				for !bytes.Contains(got, want) {
					n, err := outR.Read(buf)
					if err != nil {
						b.Fatalf("waiting for %q: %v", want, err)
					}
					got = append(got, buf[:n]...)
				}
				got = got[:0]
			}
			wait([]byte("sel=0 "))
			sel := 0
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				key := "j"
				if i%34 >= 17 {
					key = "k"
				}
				if key == "j" {
					sel = (sel + 1) % 17
				} else {
					sel = (sel + 16) % 17
				}
				if _, err := inW.WriteString(key); err != nil {
					b.Fatal(err)
				}
				wait(fmt.Appendf(nil, "sel=%d ", sel))
			}
			b.StopTimer()
			go io.Copy(io.Discard, outR)
			if _, err := inW.WriteString("q"); err != nil {
				b.Fatal(err)
			}
			if err := <-ran; err != nil {
				b.Fatal(err)
			}
		})
	}
}
