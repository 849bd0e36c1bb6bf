package transfer

import (
	"fmt"
	"io"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/muesli/termenv"
)

// Bar shows a job's progress on a terminal: a progress bar redrawn in
// place, at most ten times a second, and cleared by Finish.
type Bar struct {
	w     io.Writer
	bar   progress.Model
	last  time.Time
	phase string
	drawn bool
}

// NewBar draws on w (a terminal) in the colours profile allows (Ascii:
// none, as NO_COLOR asks).
func NewBar(w io.Writer, profile termenv.Profile) *Bar {
	return &Bar{w: w, bar: progress.New(progress.WithDefaultGradient(), progress.WithColorProfile(profile), progress.WithWidth(34), progress.WithoutPercentage())}
}

// Step redraws the bar (unless it was drawn a moment ago in the same
// phase and the job is not finished).
func (b *Bar) Step(phase string, done, total int) {
	now := time.Now()
	if phase == b.phase && done < total && now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last, b.phase, b.drawn = now, phase, true
	// The percentage is written here, not by the bar: its style would ask
	// the terminal for its colours, and the answer would reach the shell.
	f := fraction(done, total)
	fmt.Fprintf(b.w, "\r%s %3.0f%% %d/%d %s\x1b[K", b.bar.ViewAs(f), 100*f, done, total, phase)
}

// Finish clears the bar's line.
func (b *Bar) Finish() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\x1b[K")
	}
}

// Lines shows a job's progress where there is no terminal to redraw (a
// log, a pipe): a plain line each time another tenth is done.
type Lines struct {
	w      io.Writer
	tenths int
}

// NewLines writes to w.
func NewLines(w io.Writer) *Lines { return &Lines{w: w} }

// Step writes a line when the job has passed another tenth; a small job
// (under 100 steps, done in a moment) gets none.
func (l *Lines) Step(phase string, done, total int) {
	if total < 100 {
		return
	}
	t := int(fraction(done, total) * 10)
	if t <= l.tenths {
		return
	}
	l.tenths = t
	fmt.Fprintf(l.w, "import: %d/%d (%d%%), %s\n", done, total, t*10, phase)
}

func fraction(done, total int) float64 {
	if total <= 0 {
		return 1
	}
	return float64(done) / float64(total)
}
