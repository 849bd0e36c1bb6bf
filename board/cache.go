package board

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// cacheFile (gob) is the last confirmed board, so the next start paints at once.
type cacheFile struct {
	Version int      `json:"version"`
	Columns []Column `json:"columns"`
	Labels  []Label  `json:"labels"`
	Cards   []*Card  `json:"cards"`
	// Members are the space's members, for names on the first frame. A
	// cache written before they were kept decodes with none.
	Members []Member `json:"members"`
}

// cacheVersion 2 is gob: a start with 10,000 cards decoded JSON for 70 ms of
// its 100 ms budget.
const cacheVersion = 2

// cacheSuffix names the cache file after the board's base path.
const cacheSuffix = ".cache"

func readCache(path string) (Fetched, []Member, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return Fetched{}, nil, nil
	}
	if err != nil {
		return Fetched{}, nil, fmt.Errorf("read the board cache: %w", err)
	}
	var c cacheFile
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil || c.Version != cacheVersion {
		// A cache is only a head start; a bad one is ignored.
		return Fetched{}, nil, nil
	}
	return Fetched{Columns: c.Columns, Labels: c.Labels, Cards: c.Cards}, c.Members, nil
}

// writeCache writes the board atomically: a reader sees the old or the new.
func writeCache(path string, s *State, members []Member) error {
	c := cacheFile{Version: cacheVersion, Columns: s.Columns(), Labels: s.Labels(), Members: members}
	s.each(func(card *Card) { c.Cards = append(c.Cards, card) })
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(c); err != nil {
		return fmt.Errorf("encode the board cache: %w", err)
	}
	data := buf.Bytes()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write the board cache: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write the board cache: %w", err)
	}
	return nil
}

// SaveCache writes s (and the space's members, if given) as the cached
// board the engine for o would paint first: for seeding a data directory
// (an import, a benchmark, a test) before the engine opens.
func SaveCache(o Options, s *State, members ...Member) error {
	base := filepath.Join(o.Dir, "boards", fileKey(o.Server, o.ProjectID))
	if err := os.MkdirAll(filepath.Dir(base), 0o700); err != nil {
		return fmt.Errorf("create the board directory: %w", err)
	}
	return writeCache(base+cacheSuffix, s, members)
}

// ReadCache is the cached board the engine for o would paint first, and
// the space's members kept with it: empty when there is none (or it is
// unreadable, as a cache is only a head start). For what must not ask the
// server, such as shell completion.
func ReadCache(o Options) (Fetched, []Member, error) {
	return readCache(filepath.Join(o.Dir, "boards", fileKey(o.Server, o.ProjectID)) + cacheSuffix)
}

// Cached reports whether the board the engine for o would open has a
// cached copy on disk, so it can be drawn with the server away.
func Cached(o Options) bool {
	fi, err := os.Stat(filepath.Join(o.Dir, "boards", fileKey(o.Server, o.ProjectID)) + cacheSuffix)
	return err == nil && fi.Mode().IsRegular()
}
