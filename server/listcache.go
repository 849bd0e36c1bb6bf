package server

import (
	"sync"
)

// listCacheBytes bounds the memory the encoded task lists may hold.
const listCacheBytes = 64 << 20

// listCache keeps the encoded answer to GET /api/tasks per project, tagged
// with the change-log position it was read at. A board reloading a project
// nobody has touched since gets the same bytes back without SQLite reading
// and the encoder writing ten thousand tasks again; any change in the
// project's space (every write appends to the change log in its own
// transaction) makes the entry stale.
type listCache struct {
	mu      sync.Mutex
	entries map[listKey]*listEntry
	size    int
}

type listKey struct {
	projectID string
	archived  bool
}

type listEntry struct {
	seq  int64 // change-log head when body was read
	body []byte
}

func newListCache() *listCache { return &listCache{entries: map[listKey]*listEntry{}} }

// get returns the body cached for k if it was read at seq or if changed
// (asked only when needed) says nothing in its space moved since.
func (c *listCache) get(k listKey, head int64, changedSince func(seq int64) (bool, error)) ([]byte, bool, error) {
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if !ok || e.seq > head {
		return nil, false, nil
	}
	if e.seq < head {
		changed, err := changedSince(e.seq)
		if err != nil || changed {
			return nil, false, err
		}
		c.put(k, head, e.body)
	}
	return e.body, true, nil
}

// put remembers body for k as read at seq, unless a newer read is there.
func (c *listCache) put(k listKey, seq int64, body []byte) {
	if len(body) > listCacheBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[k]; ok {
		if old.seq > seq {
			return
		}
		c.size -= len(old.body)
		delete(c.entries, k)
	}
	for c.size+len(body) > listCacheBytes && len(c.entries) > 0 {
		for victim, v := range c.entries { // any one: the map's order is random enough
			c.size -= len(v.body)
			delete(c.entries, victim)
			break
		}
	}
	c.entries[k] = &listEntry{seq: seq, body: body}
	c.size += len(body)
}
