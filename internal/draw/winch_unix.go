//go:build unix

package draw

import (
	"os"
	"os/signal"
	"syscall"
)

// resizeSignals is told when the terminal's window changes size.
func resizeSignals() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	return ch, func() { signal.Stop(ch) }
}
