package board

import (
	"bufio"
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
// it: gob took 500 ms to give back 100,000 cards. It comes in two parts.
// The head holds what a first frame draws: the columns, the labels, the
// members, and for each column how many cards it has and the first
// cacheHead of them. The rest holds every other card. An engine opened
// for a screen (Options.Preview) reads only the head before the first
// frame and the rest in its first command; otherwise both at once. Every
// string of a part is a piece of one string read whole (no allocation per
// string), the cards are made in one block, ids many cards share
// (project, column, person, label) are written once and referred to
// after, and the cards come in the order the board lists them, so
// NewState only checks their order. Version 2 (gob) is still read.

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

// cacheHead is how many of a column's cards the head of the cache holds
// (more than any screen shows), with their subtasks; a board of at most
// cacheSmall cards is all head.
const (
	cacheHead  = 256
	cacheSmall = 1000
)

// cached is what a cache holds.
type cached struct {
	Fetched
	members []Member
	// sizes are the columns' numbers of cards, and more says the cards
	// are only the head's: the rest is still to be read (restOfCache).
	sizes map[string]int
	rest  uint64 // how many cards the rest holds
	more  *restOfCache
}

// cacheSource is a cache file, or its bytes in a test.
type cacheSource interface {
	io.ReadSeeker
	io.Closer
}

// restOfCache is the cards after a cache's head, still to be read from
// the open file (so a newer cache written meanwhile is not mixed in).
type restOfCache struct {
	f      cacheSource
	size   int64    // how many bytes
	n      uint64   // how many cards
	shared []string // the head's shared strings, which the rest refers to
}

// read reads the rest's cards and closes the file.
func (r *restOfCache) read() ([]*Card, error) {
	defer r.f.Close()
	data, err := readString(r.f, r.size)
	if err != nil {
		return nil, err
	}
	cr := &cacheReader{s: data, shared: r.shared}
	if r.n > uint64(len(data)/minCacheCard) {
		return nil, errBadCache
	}
	cards := cr.cards(int(r.n))
	if cr.err == nil && cr.i != len(cr.s) {
		cr.err = errBadCache
	}
	return cards, cr.err
}

// close gives the file back without reading it.
func (r *restOfCache) close() {
	if r != nil {
		r.f.Close()
	}
}

// readString reads the size bytes left of f into one string.
func readString(f io.Reader, size int64) (string, error) {
	var b strings.Builder
	b.Grow(int(size))
	n, err := io.Copy(&b, io.LimitReader(f, size+1))
	if err != nil {
		return "", fmt.Errorf("read the board cache: %w", err)
	}
	if n != size {
		return "", errBadCache
	}
	return b.String(), nil
}

// readCache reads the whole cache: no cache (and no error) when there is
// none, or it is not one lanes can read, as a cache is only a head start.
func readCache(path string) (cached, error) {
	c, err := readCacheHead(path)
	if err != nil {
		return c, err
	}
	return c.whole(), nil
}

// whole is c with its rest read: no cache when that fails.
func (c cached) whole() cached {
	if c.more == nil {
		return c
	}
	rest, err := c.more.read()
	if err != nil {
		return cached{}
	}
	c.Cards = append(c.Cards, rest...)
	c.more, c.sizes = nil, nil
	return c
}

// readCacheHead reads a cache's head and leaves its rest to be read (more
// is nil when there is none); a cache of version 2 is read whole.
func readCacheHead(path string) (cached, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return cached{}, nil
	}
	if err != nil {
		return cached{}, fmt.Errorf("read the board cache: %w", err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxCacheBytes {
		f.Close()
		return cached{}, nil
	}
	return cacheHeadOf(f, fi.Size()), nil
}

// cacheHeadOf reads the head of the cache in f, of size bytes. It closes
// f unless the rest is left to read.
func cacheHeadOf(f cacheSource, size int64) cached {
	keep := false
	defer func() {
		if !keep {
			f.Close()
		}
	}()
	// The head's start: the magic, the version, the position, and the
	// head's length.
	br := bufio.NewReaderSize(f, 4096)
	magic := make([]byte, len(cacheMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != cacheMagic {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return cached{}
		}
		data, err := readString(f, size)
		if err != nil {
			return cached{}
		}
		return readGobCache(data)
	}
	version, err1 := binary.ReadUvarint(br)
	seq, err2 := binary.ReadVarint(br)
	n, err3 := binary.ReadUvarint(br)
	if err1 != nil || err2 != nil || err3 != nil || version != cacheVersion || seq < 0 || n > uint64(size) {
		return cached{}
	}
	head := make([]byte, n)
	if _, err := io.ReadFull(br, head); err != nil {
		return cached{}
	}
	// The rest starts where the buffered reader has got to, less what it
	// holds unread.
	at, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return cached{}
	}
	at -= int64(br.Buffered())
	if _, err := f.Seek(at, io.SeekStart); err != nil {
		return cached{}
	}
	c, r, err := decodeHead(string(head))
	if err != nil {
		return cached{}
	}
	c.Seq = seq
	if c.rest == 0 {
		if at != size {
			return cached{}
		}
		c.sizes = nil // the head is the whole board
		return c
	}
	keep = true
	c.more = &restOfCache{f: f, size: size - at, n: c.rest, shared: r.shared}
	return c
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
	shared := map[string]uint64{}
	h := &cacheWriter{b: make([]byte, 0, 64<<10), shared: shared}
	h.uint(uint64(len(s.columns)))
	for _, c := range s.columns {
		h.str(c.ID)
		h.str(c.Name)
		h.uint(uint64(boolInt(c.IsDone)))
		h.int(int64(c.WipLimit))
		h.str(c.Color)
	}
	h.uint(uint64(len(s.labels)))
	for _, l := range s.labels {
		h.str(l.ID)
		h.str(l.Name)
		h.str(l.Color)
	}
	h.uint(uint64(len(members)))
	for _, m := range members {
		h.str(m.UserID)
		h.str(m.Name)
		h.str(m.Role)
	}
	// Each column's size and first cards, in the order the board lists
	// them; after the head, the rest of each column and then the other
	// cards (subtasks, archived ones).
	type listed struct{ n, k int }
	var lists []listed
	var head, rest []*Card
	all := s.Len()
	k := cacheHead
	if all <= cacheSmall {
		k = all
	}
	seen := map[string]bool{}
	for _, col := range s.columns {
		if seen[col.ID] {
			continue
		}
		seen[col.ID] = true
		n := 0
		for _, id := range s.Column(col.ID) {
			if c, ok := s.Card(id); ok {
				if n < k {
					head = append(head, c)
				} else {
					rest = append(rest, c)
				}
				n++
			}
		}
		lists = append(lists, listed{n, min(n, k)})
	}
	// The subtasks of the head's cards are head too (a card shows how
	// many it has done); so is every other card of a small board.
	inHead := make(map[string]bool, len(head))
	for _, c := range head {
		inHead[c.ID] = true
	}
	s.each(func(c *Card) {
		switch {
		case !c.Archived && c.ParentID == "" && len(s.columns) > 0:
			// in a column's list: placed above
		case all <= cacheSmall || !c.Archived && c.ParentID != "" && inHead[c.ParentID]:
			head = append(head, c)
		default:
			rest = append(rest, c)
		}
	})
	if len(head)+len(rest) != all {
		// Not every card in a list once: all of them are the rest.
		lists, head, rest = nil, nil, rest[:0]
		s.each(func(c *Card) { rest = append(rest, c) })
	}
	h.uint(uint64(len(lists)))
	for _, l := range lists {
		h.uint(uint64(l.n))
		h.uint(uint64(l.k))
	}
	h.uint(uint64(len(head)))
	for _, c := range head {
		h.card(c)
	}
	h.uint(uint64(len(rest)))
	w := &cacheWriter{b: make([]byte, 0, 64+len(h.b)+len(rest)*160), shared: shared}
	w.b = append(w.b, cacheMagic...)
	w.uint(cacheVersion)
	w.int(seq)
	w.uint(uint64(len(h.b)))
	w.b = append(w.b, h.b...)
	for _, c := range rest {
		w.card(c)
	}
	return w.b
}

// card writes a card.
func (w *cacheWriter) card(c *Card) {
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

// decodeHead reads a cache's head: the columns, labels and members, the
// columns' sizes and first cards, and how many cards the rest holds.
func decodeHead(data string) (cached, *cacheReader, error) {
	r := &cacheReader{s: data}
	var out cached
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
	var ids []string // the columns' ids, each once, in order
	seen := map[string]bool{}
	for _, c := range out.Columns {
		if !seen[c.ID] {
			seen[c.ID] = true
			ids = append(ids, c.ID)
		}
	}
	lists, heads := r.count(2), 0
	if lists != 0 && lists != len(ids) {
		return cached{}, nil, errBadCache
	}
	if lists > 0 {
		out.sizes = make(map[string]int, lists)
	}
	for i := range lists {
		n, k := r.uint(), r.uint()
		if k > n || n > maxCacheBytes/minCacheCard {
			return cached{}, nil, errBadCache
		}
		out.sizes[ids[i]] = int(n)
		heads += int(k)
	}
	n := r.count(minCacheCard)
	if n < heads {
		return cached{}, nil, errBadCache
	}
	out.Cards = r.cards(n)
	out.rest = r.uint()
	if r.err == nil && (r.i != len(r.s) || out.rest > maxCacheBytes/minCacheCard) {
		r.err = errBadCache
	}
	if r.err != nil {
		return cached{}, nil, r.err
	}
	return out, r, nil
}

// cards reads n cards, made in one block, and what they point to in a
// few more.
func (r *cacheReader) cards(n int) []*Card {
	if r.err != nil {
		return nil
	}
	block := make([]Card, n)
	out := make([]*Card, n)
	var times []time.Time
	var floats []float64
	var ids []string
	for i := range block {
		c := &block[i]
		out[i] = c
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
				r.err = errBadCache
				return nil
			}
			if len(floats) == cap(floats) {
				floats = make([]float64, 0, min(1024, n))
			}
			floats = append(floats, math.Float64frombits(binary.LittleEndian.Uint64([]byte(r.s[r.i:r.i+8]))))
			r.i += 8
			c.Estimate = &floats[len(floats)-1]
		}
		if r.err != nil {
			return nil
		}
	}
	return out
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
