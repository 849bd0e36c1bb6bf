//go:build !unix

package draw

import "os"

// resizeSignals: without SIGWINCH the size is read at the start and when
// the terminal comes back from another program only.
func resizeSignals() (<-chan os.Signal, func()) {
	return nil, func() {}
}
