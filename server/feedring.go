package server

import (
	"context"
	"slices"
	"sync"

	"github.com/lanesboard/lanes/server/store"
)

// feedRing holds the change log's newest rows in memory, every space's, so
// that a change is read from the database once per process rather than
// once per open feed: with a hundred feeds on a space, one query instead of
// a hundred. A feed whose position is older than the ring reads the
// database itself, as it always did, until it catches up.
//
// The ring holds every row of the log with start < seq <= head. Write
// transactions commit in sequence order (SQLite has one writer; on
// PostgreSQL they take one lock), so once a read has seen the log up to
// head, no row at or below head can appear later, and a seq missing from
// the ring is a rolled-back write or another space's change.
type feedRing struct {
	readMu sync.Mutex // held for a read of the database: one at a time

	mu      sync.Mutex // guards the rest
	changes []store.Change
	start   int64
	head    int64
	primed  bool
	bytes   int
	// reads counts reads begun; done is the number of the last finished.
	reads, done int64
}

// The ring's bounds: rows and payload bytes kept.
const (
	ringRows  = 10_000
	ringBytes = 16 << 20
)

// ticket is the number of reads begun so far. A feed takes one as it
// starts waiting; refresh with it returns once a read begun after it has
// finished, so whatever was committed before the ticket is in the ring.
func (r *feedRing) ticket() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reads
}

// refresh brings the ring up to the log's head as of some moment after
// ticket was taken. Feeds that woke together share one read.
func (r *feedRing) refresh(ctx context.Context, st *store.Store, ticket int64) error {
	r.readMu.Lock()
	defer r.readMu.Unlock()
	r.mu.Lock()
	if r.done > ticket {
		r.mu.Unlock()
		return nil
	}
	r.reads++
	n, head, primed := r.reads, r.head, r.primed
	r.mu.Unlock()

	var read []store.Change
	err := st.Read(ctx, func(tx *store.Tx) error {
		for primed {
			batch, err := tx.ChangesSince(head, 1000)
			if err != nil {
				return err
			}
			read = append(read, batch...)
			if len(batch) < 1000 {
				return nil
			}
			head = batch[len(batch)-1].Seq
			if len(read) > ringRows {
				// Far behind (no feed asked for a long while): start
				// again from the head rather than hold it all.
				primed, read = false, nil
			}
		}
		var err error
		head, err = tx.ChangeHead()
		return err
	})
	if err != nil {
		return err
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if !primed {
		r.changes, r.bytes = nil, 0
		r.start, r.head, r.primed = head, head, true
	}
	for _, c := range read {
		r.changes = append(r.changes, c)
		r.bytes += len(c.Payload)
		r.head = c.Seq
	}
	drop := 0
	for drop < len(r.changes) && (len(r.changes)-drop > ringRows || r.bytes > ringBytes) {
		r.bytes -= len(r.changes[drop].Payload)
		r.start = r.changes[drop].Seq
		drop++
	}
	r.changes = slices.Delete(r.changes, 0, drop)
	r.done = n
	return nil
}

// after is up to limit of the space's changes after seq, from the ring,
// and whether the ring could answer: not when seq is older than the ring
// (or the ring is not yet read).
func (r *feedRing) after(spaceID string, seq int64, limit int) ([]store.Change, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.primed || seq < r.start || seq > r.head {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(r.changes, seq+1, func(c store.Change, s int64) int {
		switch {
		case c.Seq < s:
			return -1
		case c.Seq > s:
			return 1
		}
		return 0
	})
	var out []store.Change
	for ; i < len(r.changes) && len(out) < limit; i++ {
		if r.changes[i].SpaceID == spaceID {
			out = append(out, r.changes[i])
		}
	}
	return out, true
}
