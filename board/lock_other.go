//go:build !unix

package board

import (
	"errors"
	"fmt"
	"os"
)

// lockFile creates the lock file exclusively; a crash leaves it behind, and
// the message says which file to remove.
func lockFile(path string) (func() error, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%w (if no lanes is running, remove %s)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f.Close()
	return func() error { return os.Remove(path) }, nil
}
