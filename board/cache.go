package board

import (
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The cache is the last confirmed board, so the next start paints at once
// and then asks the server only for what changed since (Seq).
//
// Version 3 is lanes' own binary form, because the first frame waits for
// it: gob took 500 ms to give back 100,000 cards, this takes a few. Every
// string of the file is a piece of one string read whole (no allocation
// per string), the cards are made in one block, ids that many cards share
// (project, column, person, label) are written once and referred to after,
// and the cards come in the order the board lists them, so NewState only
// checks their order. Version 2 (gob) is still read.

// cacheFile is the cache as gob wrote it (version 2).
type cacheFile struct {
	Version int      `json:"version"`
	Columns []Column `json:"columns"`
	Labels  []Label  `json:"labels"`
	Cards   []*Card  `json:"cards"`
	// Members are the space's members, for names on the first frame. A
	// cache written before they were kept decodes with none.
	Members []Member `json:"members"`
}

// gobCacheVersion is the last cache written with gob.
const gobCacheVersion = 2

// cacheMagic starts a cache of version 3 or later.
const cacheMagic = "lanes board cache\n"

// cacheVersion is what writeCache writes.
const cacheVersion = 3

// cacheSuffix names the cache file after the board's base path.
const cacheSuffix = ".cache"

// maxCacheBytes is the largest cache read: past it, the file is not one
// lanes wrote (it would hold millions of cards).
const maxCacheBytes = 2 << 30

// cached is what a cache holds.
type cached struct {
	Fetched
	members []Member
}

func readCache(path string) (cached, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return cached{}, nil
	}
	if err != nil {
		return cached{}, fmt.Errorf("read the board cache: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return cached{}, fmt.Errorf("read the board cache: %w", err)
	}
	if fi.Size() > maxCacheBytes || !fi.Mode().IsRegular() {
		return cached{}, nil
	}
	// Read whole into one string: every string of the cache is a piece
	// of it.
	var b strings.Builder
	b.Grow(int(fi.Size()) + 1)
	if _, err := io.Copy(&b, io.LimitReader(f, maxCacheBytes)); err != nil {
		return cached{}, fmt.Errorf("read the board cache: %w", err)
	}
	data := b.String()
	if !strings.HasPrefix(data, cacheMagic) {
		return readGobCache(data), nil
	}
	c, err := decodeCache(data[len(cacheMagic):])
	if err != nil {
		// A cache is only a head start; a bad one is ignored.
		return cached{}, nil
	}
	return c, nil
}

// readGobCache reads a cache of version 2; anything else is no cache.
func readGobCache(data string) cached {
	var c cacheFile
	if err := gob.NewDecoder(strings.NewReader(data)).Decode(&c); err != nil || c.Version != gobCacheVersion {
		return cached{}
	}
	return cached{Fetched: Fetched{Columns: c.Columns, Labels: c.Labels, Cards: c.Cards}, members: c.Members}
}

// writeCache writes the board, complete up to seq in the server's change
// log, atomically: a reader sees the old file or the new one.
func writeCache(path string, s *State, members []Member, seq int64) error {
	data := encodeCache(s, members, seq)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write the board cache: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write the board cache: %w", err)
	}
	return nil
}

// Card fields that may be absent, as bits.
const (
	cacheArchived = 1 << iota
	cacheDue
	cacheCompleted
	cacheEstimate
)

// cacheWriter writes the binary form.
type cacheWriter struct {
	b      []byte
	shared map[string]uint64 // strings written once, by their number
}

func (w *cacheWriter) uint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *cacheWriter) int(v int64)   { w.b = binary.AppendVarint(w.b, v) }

func (w *cacheWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

// ref writes a string many cards share: 0 and the string the first time,
// its number after.
func (w *cacheWriter) ref(s string) {
	if n, ok := w.shared[s]; ok {
		w.uint(n)
		return
	}
	w.uint(0)
	w.str(s)
	w.shared[s] = uint64(len(w.shared) + 1)
}

// time writes a time as seconds and nanoseconds since 1970 and its zone's
// offset (-1: UTC).
func (w *cacheWriter) time(t time.Time) {
	w.int(t.Unix())
	w.uint(uint64(t.Nanosecond()))
	if t.Location() == time.UTC {
		w.int(-1)
		return
	}
	_, off := t.Zone()
	w.int(int64(off))
}

func encodeCache(s *State, members []Member, seq int64) []byte {
	w := &cacheWriter{b: make([]byte, 0, 64<<10+s.Len()*160), shared: map[string]uint64{}}
	w.b = append(w.b, cacheMagic...)
	w.uint(cacheVersion)
	w.int(seq)
	w.uint(uint64(len(s.columns)))
	for _, c := range s.columns {
		w.str(c.ID)
		w.str(c.Name)
		w.uint(uint64(boolInt(c.IsDone)))
		w.int(int64(c.WipLimit))
		w.str(c.Color)
	}
	w.uint(uint64(len(s.labels)))
	for _, l := range s.labels {
		w.str(l.ID)
		w.str(l.Name)
		w.str(l.Color)
	}
	w.uint(uint64(len(members)))
	for _, m := range members {
		w.str(m.UserID)
		w.str(m.Name)
		w.str(m.Role)
	}
	// The cards in the order the board lists them: the columns' first,
	// then the rest (subtasks, archived cards).
	order := make([]*Card, 0, s.Len())
	seen := map[string]bool{}
	for _, col := range s.columns {
		if seen[col.ID] {
			continue
		}
		seen[col.ID] = true
		for _, id := range s.Column(col.ID) {
			if c, ok := s.Card(id); ok {
				order = append(order, c)
			}
		}
	}
	s.each(func(c *Card) {
		if c.Archived || c.ParentID != "" || len(s.columns) == 0 {
			order = append(order, c)
		}
	})
	if len(order) != s.Len() {
		// Not every card in a list once: write them as they come.
		order = order[:0]
		s.each(func(c *Card) { order = append(order, c) })
	}
	w.uint(uint64(len(order)))
	for _, c := range order {
		flags := uint64(0)
		if c.Archived {
			flags |= cacheArchived
		}
		if c.Due != nil {
			flags |= cacheDue
		}
		if c.CompletedAt != nil {
			flags |= cacheCompleted
		}
		if c.Estimate != nil {
			flags |= cacheEstimate
		}
		w.uint(flags)
		w.str(c.ID)
		w.ref(c.ProjectID)
		w.ref(c.StatusID)
		w.ref(c.ParentID)
		w.str(c.Title)
		w.str(c.Description)
		w.ref(string(c.Priority))
		w.str(c.Position)
		w.ref(c.ReopenStatusID)
		w.ref(c.CreatorID)
		w.uint(uint64(len(c.Assignees)))
		for _, a := range c.Assignees {
			w.ref(a)
		}
		w.uint(uint64(len(c.Labels)))
		for _, l := range c.Labels {
			w.ref(l)
		}
		w.int(int64(c.Comments))
		w.int(c.Version)
		w.time(c.UpdatedAt)
		if c.Due != nil {
			w.time(*c.Due)
		}
		if c.CompletedAt != nil {
			w.time(*c.CompletedAt)
		}
		if c.Estimate != nil {
			w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(*c.Estimate))
		}
	}
	return w.b
}

// minCacheCard is the fewest bytes a card takes in the cache.
const minCacheCard = 19

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// errBadCache is a cache lanes did not write (or that was damaged).
var errBadCache = errors.New("not a board cache lanes wrote")

// cacheReader reads the binary form out of one string; its first error
// sticks and every read after it gives zero values.
type cacheReader struct {
	s      string
	i      int
	err    error
	shared []string
}

func (r *cacheReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if r.i >= len(r.s) || shift > 63 {
			r.err = errBadCache
			return 0
		}
		b := r.s[r.i]
		r.i++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
}

func (r *cacheReader) int() int64 {
	u := r.uint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// count reads how many of something follow, each at least size bytes
// long.
func (r *cacheReader) count(size int) int {
	n := r.uint()
	if n > uint64((len(r.s)-r.i)/size) {
		r.err = errBadCache
		return 0
	}
	return int(n)
}

func (r *cacheReader) str() string {
	n := r.uint()
	if r.err != nil || n > uint64(len(r.s)-r.i) {
		r.err = errBadCache
		return ""
	}
	s := r.s[r.i : r.i+int(n)]
	r.i += int(n)
	return s
}

func (r *cacheReader) ref() string {
	n := r.uint()
	switch {
	case r.err != nil:
		return ""
	case n == 0:
		s := r.str()
		r.shared = append(r.shared, s)
		return s
	case n > uint64(len(r.shared)):
		r.err = errBadCache
		return ""
	}
	return r.shared[n-1]
}

func (r *cacheReader) time() time.Time {
	sec, nsec, off := r.int(), r.uint(), r.int()
	if r.err != nil || nsec >= 1e9 || off != -1 && (off < -26*3600 || off > 26*3600) {
		r.err = errBadCache
		return time.Time{}
	}
	t := time.Unix(sec, int64(nsec))
	if off == -1 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(off)))
}

func decodeCache(data string) (cached, error) {
	r := &cacheReader{s: data}
	if v := r.uint(); v != cacheVersion {
		return cached{}, errBadCache
	}
	var out cached
	out.Seq = r.int()
	if out.Seq < 0 {
		return cached{}, errBadCache
	}
	out.Columns = make([]Column, r.count(5))
	for i := range out.Columns {
		c := &out.Columns[i]
		c.ID, c.Name = r.str(), r.str()
		c.IsDone = r.uint() == 1
		c.WipLimit = int(min(max(r.int(), 0), MaxWipLimit))
		c.Color = r.str()
	}
	out.Labels = make([]Label, r.count(3))
	for i := range out.Labels {
		l := &out.Labels[i]
		l.ID, l.Name, l.Color = r.str(), r.str(), r.str()
	}
	if n := r.count(3); n > 0 {
		out.members = make([]Member, n)
		for i := range out.members {
			m := &out.members[i]
			m.UserID, m.Name, m.Role = r.str(), r.str(), r.str()
		}
	}
	n := r.count(minCacheCard)
	if r.err != nil {
		return cached{}, r.err
	}
	// The cards in one block, and what they point to in a few more.
	block := make([]Card, n)
	out.Cards = make([]*Card, n)
	var times []time.Time
	var floats []float64
	var ids []string
	for i := range block {
		c := &block[i]
		out.Cards[i] = c
		flags := r.uint()
		c.Archived = flags&cacheArchived != 0
		c.ID = r.str()
		c.ProjectID, c.StatusID, c.ParentID = r.ref(), r.ref(), r.ref()
		c.Title, c.Description = r.str(), r.str()
		c.Priority = Priority(r.ref())
		c.Position = r.str()
		c.ReopenStatusID, c.CreatorID = r.ref(), r.ref()
		c.Assignees, ids = r.refs(ids)
		c.Labels, ids = r.refs(ids)
		c.Comments = int(r.int())
		c.Version = r.int()
		c.UpdatedAt = r.time()
		if flags&(cacheDue|cacheCompleted) != 0 && cap(times)-len(times) < 2 {
			times = make([]time.Time, 0, min(1024, n))
		}
		if flags&cacheDue != 0 {
			times = append(times, r.time())
			c.Due = &times[len(times)-1]
		}
		if flags&cacheCompleted != 0 {
			times = append(times, r.time())
			c.CompletedAt = &times[len(times)-1]
		}
		if flags&cacheEstimate != 0 {
			if len(r.s)-r.i < 8 {
				return cached{}, errBadCache
			}
			if len(floats) == cap(floats) {
				floats = make([]float64, 0, min(1024, n))
			}
			floats = append(floats, math.Float64frombits(binary.LittleEndian.Uint64([]byte(r.s[r.i:r.i+8]))))
			r.i += 8
			c.Estimate = &floats[len(floats)-1]
		}
		if r.err != nil {
			return cached{}, r.err
		}
	}
	if r.i != len(r.s) {
		return cached{}, errBadCache
	}
	return out, nil
}

// refs reads a list of shared strings, cut from the block ids (made
// anew when full): each list's capacity is its length, so an append to
// one never writes into the next.
func (r *cacheReader) refs(block []string) ([]string, []string) {
	n := r.count(1)
	if n == 0 || r.err != nil {
		return nil, block
	}
	if cap(block)-len(block) < n {
		block = make([]string, 0, max(n, 4096))
	}
	start := len(block)
	for range n {
		block = append(block, r.ref())
	}
	return block[start:len(block):len(block)], block
}

// SaveCache writes s (and the space's members, if given) as the cached
// board the engine for o would paint first: for seeding a data directory
// (an import, a benchmark, a test) before the engine opens. The cache
// says it is complete up to no position, so the engine reads the whole
// board when it starts.
func SaveCache(o Options, s *State, members ...Member) error {
	base := filepath.Join(o.Dir, "boards", fileKey(o.Server, o.ProjectID))
	if err := os.MkdirAll(filepath.Dir(base), 0o700); err != nil {
		return fmt.Errorf("create the board directory: %w", err)
	}
	return writeCache(base+cacheSuffix, s, members, 0)
}

// ReadCache is the cached board the engine for o would paint first (with
// the position in the change log it is complete up to, Seq), and the
// space's members kept with it: empty when there is none (or it is
// unreadable, as a cache is only a head start). For what must not ask the
// server, such as shell completion.
func ReadCache(o Options) (Fetched, []Member, error) {
	c, err := readCache(filepath.Join(o.Dir, "boards", fileKey(o.Server, o.ProjectID)) + cacheSuffix)
	return c.Fetched, c.members, err
}

// Cached reports whether the board the engine for o would open has a
// cached copy on disk, so it can be drawn with the server away.
func Cached(o Options) bool {
	fi, err := os.Stat(filepath.Join(o.Dir, "boards", fileKey(o.Server, o.ProjectID)) + cacheSuffix)
	return err == nil && fi.Mode().IsRegular()
}
