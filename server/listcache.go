package server

import (
	"cmp"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/lanesboard/lanes/server/store"
)

// DefaultListCacheBytes bounds the memory the cached task lists may hold:
// their tasks' JSON, its gzip, and the bookkeeping per task. A list that
// would take more than half of it is served but not kept.
const DefaultListCacheBytes = 256 << 20

// listPatchMax is the most changes a cached list is patched with; more,
// and it is read afresh.
const listPatchMax = 5000

// itemCost is what a list holds per task beside its JSON: the listItem,
// its id and position, and the chunk's note of it.
const itemCost = 160

// listCache keeps the encoded answer to GET /api/tasks per project, tagged
// with the change-log position it was read at, and each task's encoding in
// board order. A board reloading a project nobody has touched since gets
// the same bytes back without the database reading and the encoder
// writing every task again. After task changes in the space (every write
// appends to the change log in its own transaction), only the changed
// tasks are read and encoded again and the list is put back together from
// the rest; an unknown kind of change, or too many, and the list is read
// afresh.
//
// A list's JSON is kept in chunks of a few hundred tasks, cut where a
// task's id says (so a change moves no boundary but its own chunk's): a
// new version of the list shares every chunk it did not change with the
// version before, its ETag is a hash of its chunks' hashes, and its gzip
// is its chunks' deflate streams end to end, each chunk compressed once
// for as long as any version holds it. So encoding, hashing and
// compressing cost what changed, not the size of the list, and never the
// number of readers.
type listCache struct {
	budget int
	gen    atomic.Uint64 // numbers each task encoding: a chunk is known by its tasks' numbers
	flates sync.Pool     // *flate.Writer at listGzipLevel
	// What it has done, for tests: lists built (read or patched), gzip
	// answers made, chunks compressed.
	builds, gzips, deflates atomic.Int64

	mu      sync.Mutex
	entries map[listKey]*listSlot
	size    int
	flights map[listKey]*listFlight
}

type listKey struct {
	projectID string
	archived  bool
}

// listSlot is a cached list and what it was counted at.
type listSlot struct {
	e    *listEntry
	cost int
}

// listFlight is a list being built: those who want it meanwhile wait for
// done, then take e (nil if the build failed).
type listFlight struct {
	done chan struct{}
	e    *listEntry
}

// listEntry is one project's list as of a change-log position. It is never
// changed once made.
type listEntry struct {
	seq   int64      // the change-log head it is complete up to
	items []listItem // the tasks in board order, each encoded
	body  *listBody
}

// listItem is one task of a list: where it sorts and its JSON.
type listItem struct {
	id       string
	rank     int // its column's place in the board (0: none)
	status   *string
	position string
	json     []byte // within its chunk's raw
	gen      uint64 // this encoding's number
	cut      bool   // a chunk ends after it (see cutsAfter)
}

// listBody is a list's answer: its JSON in chunks, the ETag, and (made
// when first asked for) its gzip. Versions of a list that hold the same
// tasks share one.
type listBody struct {
	chunks []*listChunk
	size   int    // the JSON's length: "[" + chunks joined by "," + "]\n"
	etag   string // strong, of the JSON
	gzETag string // strong, of the gzip of it

	gzOnce sync.Once
	gz     []byte
	gzMade atomic.Bool // gz is made (see gzipIfMade)
}

// listChunk is a run of a list's tasks, their JSON joined by commas. It is
// never changed once made, but for its deflate stream, made once when
// first needed.
type listChunk struct {
	raw  []byte
	gens []uint64
	sum  [sha256.Size]byte

	gzOnce sync.Once
	gz     []byte
}

// Chunks end after a task whose id hashes to 0 modulo chunkEvery, or at
// chunkMax tasks: about 256 tasks (some 128 KB of JSON) each.
const (
	chunkEvery = 256
	chunkMax   = 2048
)

func newListCache(budget int) *listCache {
	c := &listCache{budget: budget, entries: map[listKey]*listSlot{}, flights: map[listKey]*listFlight{}}
	c.flates.New = func() any {
		w, _ := flate.NewWriter(nil, listGzipLevel) // the level is valid
		return w
	}
	return c
}

func (e *listEntry) cost() int {
	n := len(e.items) * itemCost
	for _, ch := range e.body.chunks {
		n += len(ch.raw)
	}
	return n + len(e.body.gzipIfMade())
}

// get returns the list cached for k if it is as new as head or if changed
// (asked only when needed) says nothing in its space moved since. A list
// newer than head is returned as it is: it holds everything the caller's
// snapshot does, and more.
func (c *listCache) get(k listKey, head int64, changedSince func(seq int64) (bool, error)) (*listEntry, bool, error) {
	e := c.entry(k)
	if e == nil {
		return nil, false, nil
	}
	if e.seq < head {
		changed, err := changedSince(e.seq)
		if err != nil || changed {
			return nil, false, err
		}
		e = &listEntry{seq: head, items: e.items, body: e.body}
		c.put(k, e)
	}
	return e, true, nil
}

// entry is what is cached for k, if anything.
func (c *listCache) entry(k listKey) *listEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.entries[k]; s != nil {
		return s.e
	}
	return nil
}

// put remembers e for k, unless a newer read is there or e is too big to
// keep.
func (c *listCache) put(k listKey, e *listEntry) {
	cost := e.cost()
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		if old.e.seq > e.seq {
			return
		}
		c.size -= old.cost
		delete(c.entries, k)
	}
	if cost > c.budget/2 {
		return
	}
	c.entries[k] = &listSlot{e: e, cost: cost}
	c.size += cost
	c.evict(k)
}

// recount counts e's gzip, made since it was cached, against the budget.
func (c *listCache) recount(k listKey, e *listEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.entries[k]
	if s == nil || s.e.body != e.body {
		return
	}
	cost := e.cost()
	c.size += cost - s.cost
	s.cost = cost
	if cost > c.budget/2 {
		c.size -= s.cost
		delete(c.entries, k)
		return
	}
	c.evict(k)
}

// evict drops other lists (any: the map's order is random enough) while
// the cache is over its budget. c.mu is held.
func (c *listCache) evict(keep listKey) {
	for victim, v := range c.entries {
		if c.size <= c.budget {
			return
		}
		if victim != keep {
			c.size -= v.cost
			delete(c.entries, victim)
		}
	}
}

// join makes the caller, whose snapshot is at head, the builder of k's
// list; or hands it the flight already building it to wait for; or the
// list cached meanwhile (as new as head), if a builder has just landed.
func (c *listCache) join(k listKey, head int64) (e *listEntry, f *listFlight, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.entries[k]; s != nil && s.e.seq >= head {
		return s.e, nil, false
	}
	if f := c.flights[k]; f != nil {
		return nil, f, false
	}
	f = &listFlight{done: make(chan struct{})}
	c.flights[k] = f
	return nil, f, true
}

// land ends the builder's flight with what it built (nil: nothing).
func (c *listCache) land(k listKey, f *listFlight, e *listEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.e = e
	if c.flights[k] == f {
		delete(c.flights, k)
	}
	close(f.done)
}

// errRebuild says a cached list can't be patched: read it afresh.
var errRebuild = errors.New("read the list afresh")

func (s *Server) listItem(k *store.Task, rank map[string]int) (listItem, error) {
	raw, err := json.Marshal(s.shape(k))
	if err != nil {
		return listItem{}, fmt.Errorf("encode task: %w", err)
	}
	it := listItem{id: k.ID, status: k.StatusID, position: k.Position, json: raw, gen: s.lists.gen.Add(1), cut: cutsAfter(k.ID)}
	it.rank = rankOf(k.StatusID, rank)
	return it, nil
}

func rankOf(status *string, rank map[string]int) int {
	if status == nil {
		return 0
	}
	return rank[*status]
}

// compareItems is the list's order, as Tx.Tasks gives it: by column in
// board order, then (for tasks in no known column) by column id, then by
// position and id.
func compareItems(a, b listItem) int {
	status := func(p *string) (int, string) {
		if p == nil {
			return 0, ""
		}
		return 1, *p
	}
	an, as := status(a.status)
	bn, bs := status(b.status)
	return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(an, bn), cmp.Compare(as, bs),
		cmp.Compare(a.position, b.position), cmp.Compare(a.id, b.id))
}

// cutsAfter says whether a chunk ends after the task id (or at chunkMax
// tasks, whichever comes first): when its id's FNV-1a hash is 0 modulo
// chunkEvery.
func cutsAfter(id string) bool {
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return h%chunkEvery == 0
}

// makeBody cuts items (in order) into chunks, reusing old's where the same
// encodings make them up, and points each item's JSON into its chunk. If
// every chunk is old's, it is old.
func makeBody(items []listItem, old *listBody) *listBody {
	byFirst := map[uint64]*listChunk{}
	if old != nil {
		for _, ch := range old.chunks {
			byFirst[ch.gens[0]] = ch
		}
	}
	var chunks []*listChunk
	start := 0
	for i := range items {
		if i+1 < len(items) && !items[i].cut && i-start+1 < chunkMax {
			continue
		}
		run := items[start : i+1]
		start = i + 1
		if ch := byFirst[run[0].gen]; ch != nil && sameGens(ch.gens, run) {
			chunks = append(chunks, ch)
			continue
		}
		chunks = append(chunks, newChunk(run))
	}
	if old != nil && slices.Equal(chunks, old.chunks) {
		return old
	}
	b := &listBody{chunks: chunks, size: len("[]\n")}
	h := sha256.New()
	for i, ch := range chunks {
		if i > 0 {
			b.size++
		}
		b.size += len(ch.raw)
		h.Write(ch.sum[:])
	}
	tag := hex.EncodeToString(h.Sum(nil)[:16])
	b.etag, b.gzETag = `"`+tag+`"`, `"`+tag+`-gzip"`
	return b
}

func sameGens(gens []uint64, run []listItem) bool {
	if len(gens) != len(run) {
		return false
	}
	for i := range run {
		if run[i].gen != gens[i] {
			return false
		}
	}
	return true
}

// newChunk joins run's JSON into a chunk, pointing each item's JSON into
// it.
func newChunk(run []listItem) *listChunk {
	n := len(run) - 1
	for _, it := range run {
		n += len(it.json)
	}
	ch := &listChunk{raw: make([]byte, 0, n), gens: make([]uint64, len(run))}
	for i := range run {
		if i > 0 {
			ch.raw = append(ch.raw, ',')
		}
		at := len(ch.raw)
		ch.raw = append(ch.raw, run[i].json...)
		run[i].json = ch.raw[at:len(ch.raw):len(ch.raw)]
		ch.gens[i] = run[i].gen
	}
	ch.sum = sha256.Sum256(ch.raw)
	return ch
}

// readList reads a project's list afresh. Tasks whose encoding is the
// same as in old (if any) keep their number there, so the chunks they
// make up are old's.
func (s *Server) readList(tx *store.Tx, key listKey, head int64, old *listEntry) (*listEntry, error) {
	tasks, err := tx.Tasks(key.projectID, key.archived)
	if err != nil {
		return nil, err
	}
	rank, err := tx.ColumnRanks(key.projectID)
	if err != nil {
		return nil, err
	}
	var was map[string]*listItem
	if old != nil {
		was = make(map[string]*listItem, len(old.items))
		for i := range old.items {
			was[old.items[i].id] = &old.items[i]
		}
	}
	items := make([]listItem, len(tasks))
	for i := range tasks {
		if items[i], err = s.listItem(&tasks[i], rank); err != nil {
			return nil, err
		}
		if o := was[items[i].id]; o != nil && string(o.json) == string(items[i].json) {
			items[i].json, items[i].gen = o.json, o.gen
		}
	}
	if !slices.IsSortedFunc(items, compareItems) {
		slices.SortFunc(items, compareItems)
	}
	var oldBody *listBody
	if old != nil {
		oldBody = old.body
	}
	return &listEntry{seq: head, items: items, body: makeBody(items, oldBody)}, nil
}

// listEffect is what a kind of change does to a project's task list.
type listEffect int

const (
	changesTask  listEffect = iota // the task it names (payload: the task, or its id and project)
	changesCount                   // a comment: its task's commentCount
	changesOrder                   // a column: the order of the list, none of its tasks
	changesNone                    // nothing any task shows (a change that does logs task changes of its own)
	changesUnknown
)

// effectOf says what a change of kind does to task lists. Every write
// that changes a task logs a task change for it (a label deleted, a member
// removed, a column deleted: each task it touches has its own
// task.updated), so the rest change only the order, or nothing.
func effectOf(kind string) listEffect {
	switch kind {
	case "task.created", "task.updated", "task.deleted", "task.restored":
		return changesTask
	case "comment.created":
		return changesCount
	case "status.created", "status.updated", "status.deleted":
		return changesOrder
	case "label.created", "label.updated", "label.deleted", "member.added", "member.updated", "member.removed",
		"project.created", "project.updated", "project.archived", "project.restored", "space.created":
		return changesNone
	}
	return changesUnknown
}

// changedTasks reads which tasks the changes touched: for each, whether a
// change said it was in projectID (set for the tasks changes name with
// their project: a comment does not). reorder says a column changed.
// errRebuild for a change it can't read.
func changedTasks(changes []store.Change, projectID string) (touched map[string]bool, reorder bool, err error) {
	touched = map[string]bool{}
	for _, c := range changes {
		switch effectOf(c.Kind) {
		case changesTask:
			var k struct {
				ProjectID string `json:"projectId"`
			}
			if json.Unmarshal(c.Payload, &k) != nil || k.ProjectID == "" {
				return nil, false, errRebuild
			}
			touched[c.ObjectID] = touched[c.ObjectID] || k.ProjectID == projectID
		case changesCount:
			var cm struct {
				TaskID string `json:"taskId"`
			}
			if json.Unmarshal(c.Payload, &cm) != nil || cm.TaskID == "" {
				return nil, false, errRebuild
			}
			if _, ok := touched[cm.TaskID]; !ok {
				touched[cm.TaskID] = false
			}
		case changesOrder:
			reorder = true
		case changesNone:
		default:
			return nil, false, errRebuild
		}
	}
	return touched, reorder, nil
}

// patchList brings a cached list up to head by reading only the tasks the
// change log says changed since; errRebuild if that can't be done.
func (s *Server) patchList(tx *store.Tx, key listKey, spaceID string, old *listEntry, head int64) (*listEntry, error) {
	if old == nil || old.seq >= head || head-old.seq > 10*listPatchMax {
		return nil, errRebuild
	}
	// Changes pruned from the log since the list was read can't be
	// replayed.
	if tail, err := tx.ChangeTail(); err != nil || tail > old.seq+1 {
		return nil, errRebuild
	}
	changes, err := tx.ChangesAfter(spaceID, old.seq, listPatchMax+1)
	if err != nil {
		return nil, err
	}
	if len(changes) > listPatchMax {
		return nil, errRebuild
	}
	touched, reorder, err := changedTasks(changes, key.projectID)
	if err != nil {
		return nil, err
	}
	rank, err := tx.ColumnRanks(key.projectID)
	if err != nil {
		return nil, err
	}
	tasks, err := tx.TasksByIDs(slices.Sorted(maps.Keys(touched)))
	if err != nil {
		return nil, err
	}
	var fresh []listItem
	for i := range tasks {
		k := &tasks[i]
		if k.ProjectID != key.projectID || k.IsArchived != key.archived {
			continue // not (or no longer) in this list
		}
		it, err := s.listItem(k, rank)
		if err != nil {
			return nil, err
		}
		fresh = append(fresh, it)
	}
	kept := make([]listItem, 0, len(old.items)+len(fresh))
	for _, it := range old.items {
		if _, ok := touched[it.id]; ok {
			continue
		}
		if reorder {
			it.rank = rankOf(it.status, rank)
		}
		kept = append(kept, it)
	}
	var items []listItem
	if reorder {
		items = append(kept, fresh...)
		slices.SortFunc(items, compareItems)
	} else {
		slices.SortFunc(fresh, compareItems)
		items = mergeItems(kept, fresh)
	}
	return &listEntry{seq: head, items: items, body: makeBody(items, old.body)}, nil
}

// mergeItems merges two lists in compareItems order into one, in kept's
// room if it has it.
func mergeItems(kept, fresh []listItem) []listItem {
	if len(fresh) == 0 {
		return kept
	}
	out := make([]listItem, 0, len(kept)+len(fresh))
	i, j := 0, 0
	for i < len(kept) && j < len(fresh) {
		if compareItems(fresh[j], kept[i]) < 0 {
			out = append(out, fresh[j])
			j++
		} else {
			out = append(out, kept[i])
			i++
		}
	}
	out = append(out, kept[i:]...)
	return append(out, fresh[j:]...)
}
