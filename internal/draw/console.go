package draw

import (
	"fmt"
	"io"
	"sync"

	"github.com/charmbracelet/x/term"
)

// console is the local terminal, where the program's input or output is
// one: what Bubble Tea does for it with its standard renderer and leaves
// undone without one (raw input, the window's size).
type console struct {
	in, out term.File // nil when not a terminal

	mu    sync.Mutex
	saved *term.State // the input's state before raw; nil while cooked
}

func newConsole(in io.Reader, out io.Writer) *console {
	c := &console{}
	if f, ok := in.(term.File); ok && term.IsTerminal(f.Fd()) {
		c.in = f
	}
	if f, ok := out.(term.File); ok && term.IsTerminal(f.Fd()) {
		c.out = f
	}
	return c
}

// raw puts the input terminal in raw mode: keys arrive one by one,
// unechoed.
func (c *console) raw() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.in == nil || c.saved != nil {
		return nil
	}
	st, err := term.MakeRaw(c.in.Fd())
	if err != nil {
		return fmt.Errorf("put the terminal in raw mode: %w", err)
	}
	c.saved = st
	return nil
}

// cooked gives the input terminal back the mode it had before raw.
func (c *console) cooked() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.saved == nil {
		return nil
	}
	st := c.saved
	c.saved = nil
	if err := term.Restore(c.in.Fd(), st); err != nil {
		return fmt.Errorf("restore the terminal: %w", err)
	}
	return nil
}

// size is the output terminal's size; ok is false if it has none.
func (c *console) size() (w, h int, ok bool) {
	if c.out == nil {
		return 0, 0, false
	}
	w, h, err := term.GetSize(c.out.Fd())
	return w, h, err == nil
}
