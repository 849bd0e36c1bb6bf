package server

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/lanesboard/lanes/server/store"
)

// listCacheBytes bounds the memory the encoded task lists may hold.
const listCacheBytes = 64 << 20

// listPatchMax is the most changes a cached list is patched with; more,
// and it is read afresh.
const listPatchMax = 500

// listCache keeps the encoded answer to GET /api/tasks per project, tagged
// with the change-log position it was read at, and each task's encoding in
// board order. A board reloading a project nobody has touched since gets
// the same bytes back without SQLite reading and the encoder writing ten
// thousand tasks again. After a few task changes in the space (every write
// appends to the change log in its own transaction), only the changed
// tasks are read and encoded again and the list is put back together; any
// other kind of change, or many, and the list is read afresh.
type listCache struct {
	mu      sync.Mutex
	entries map[listKey]*listEntry
	size    int
}

type listKey struct {
	projectID string
	archived  bool
}

// listEntry is one project's list. It is never changed once cached.
type listEntry struct {
	seq   int64 // change-log head when it was read
	body  []byte
	items []listItem // the tasks in board order, each encoded
}

// listItem is one task of a list: where it sorts and its JSON.
type listItem struct {
	id       string
	rank     int // its column's place in the board (0: none)
	status   *string
	position string
	json     []byte
}

func (e *listEntry) cost() int { return 2 * len(e.body) }

func newListCache() *listCache { return &listCache{entries: map[listKey]*listEntry{}} }

// get returns the body cached for k if it was read at seq or if changed
// (asked only when needed) says nothing in its space moved since.
func (c *listCache) get(k listKey, head int64, changedSince func(seq int64) (bool, error)) ([]byte, bool, error) {
	e := c.entry(k)
	if e == nil || e.seq > head {
		return nil, false, nil
	}
	if e.seq < head {
		changed, err := changedSince(e.seq)
		if err != nil || changed {
			return nil, false, err
		}
		c.put(k, &listEntry{seq: head, body: e.body, items: e.items})
	}
	return e.body, true, nil
}

// entry is what is cached for k, if anything.
func (c *listCache) entry(k listKey) *listEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[k]
}

// put remembers e for k, unless a newer read is there.
func (c *listCache) put(k listKey, e *listEntry) {
	if e.cost() > listCacheBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		if old.seq > e.seq {
			return
		}
		c.size -= old.cost()
		delete(c.entries, k)
	}
	for c.size+e.cost() > listCacheBytes && len(c.entries) > 0 {
		for victim, v := range c.entries { // any one: the map's order is random enough
			c.size -= v.cost()
			delete(c.entries, victim)
			break
		}
	}
	c.entries[k] = e
	c.size += e.cost()
}

// errRebuild says a cached list can't be patched: read it afresh.
var errRebuild = errors.New("read the list afresh")

func (s *Server) listItem(k *store.Task, rank map[string]int) (listItem, error) {
	raw, err := json.Marshal(s.shape(k))
	if err != nil {
		return listItem{}, fmt.Errorf("encode task: %w", err)
	}
	it := listItem{id: k.ID, status: k.StatusID, position: k.Position, json: raw}
	if k.StatusID != nil {
		it.rank = rank[*k.StatusID]
	}
	return it, nil
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

// joinItems is the list's JSON: its tasks' encodings as an array.
func joinItems(items []listItem) []byte {
	n := 2
	for _, it := range items {
		n += len(it.json) + 1
	}
	var b bytes.Buffer
	b.Grow(n)
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it.json)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// readList reads a project's list afresh.
func (s *Server) readList(tx *store.Tx, key listKey, head int64) (*listEntry, error) {
	tasks, err := tx.Tasks(key.projectID, key.archived)
	if err != nil {
		return nil, err
	}
	rank, err := tx.ColumnRanks(key.projectID)
	if err != nil {
		return nil, err
	}
	items := make([]listItem, len(tasks))
	for i := range tasks {
		if items[i], err = s.listItem(&tasks[i], rank); err != nil {
			return nil, err
		}
	}
	return &listEntry{seq: head, body: joinItems(items), items: items}, nil
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
	changed := map[string]bool{}
	for _, c := range changes {
		switch c.Kind {
		case "task.created", "task.updated", "task.deleted", "task.restored":
			changed[c.ObjectID] = true
		case "comment.created": // the task's comment count
			var cm struct {
				TaskID string `json:"taskId"`
			}
			if json.Unmarshal(c.Payload, &cm) != nil || cm.TaskID == "" {
				return nil, errRebuild
			}
			changed[cm.TaskID] = true
		default:
			// Members and projects: they may touch tasks (or their order)
			// without a task change of their own.
			return nil, errRebuild
		}
	}
	rank, err := tx.ColumnRanks(key.projectID)
	if err != nil {
		return nil, err
	}
	items := make([]listItem, 0, len(old.items)+len(changed))
	for _, it := range old.items {
		if !changed[it.id] {
			if it.status != nil {
				it.rank = rank[*it.status]
			}
			items = append(items, it)
		}
	}
	for id := range changed {
		k, err := tx.TaskByID(id)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted
		}
		if err != nil {
			return nil, err
		}
		if k.ProjectID != key.projectID || k.IsArchived != key.archived {
			continue // not (or no longer) in this list
		}
		it, err := s.listItem(k, rank)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	slices.SortFunc(items, compareItems)
	return &listEntry{seq: head, body: joinItems(items), items: items}, nil
}
