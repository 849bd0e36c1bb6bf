package board

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// HasOutbox reports whether the board the engine for o would open has an
// outbox on disk: changes may wait in it.
func HasOutbox(o Options) bool {
	fi, err := os.Stat(boardBase(o) + ".outbox")
	return err == nil && fi.Mode().IsRegular()
}

// Forget removes the files the engine for o keeps (its outbox, its cache
// and their companions), for a board no engine has open: what its outbox
// held is lost, so only once it holds nothing waiting.
func Forget(o Options) error {
	base := boardBase(o)
	files, err := filepath.Glob(base + ".*")
	if err != nil {
		return fmt.Errorf("list the board's files: %w", err)
	}
	var errs []error
	for _, f := range files {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove the board's files: %w", err)
	}
	return nil
}

// boardBase is the path the board's files are named after.
func boardBase(o Options) string {
	return filepath.Join(o.Dir, "boards", fileKey(o.Server, o.ProjectID))
}
