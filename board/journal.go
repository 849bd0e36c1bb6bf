package board

import (
	"errors"
	"sync"
)

// journal serialises the outbox and cache writes that Cmds make from other
// goroutines, and makes them no-ops once the engine is closed or abandoned.
type journal struct {
	mu      sync.Mutex
	turn    *sync.Cond // on mu: signals served moving on
	cacheMu sync.Mutex
	o       *outbox
	cache   string
	closed  bool
	// Writes run in goroutines but must reach the file in the order the
	// engine made them (else a crash could keep an earlier change of a card
	// pending while a later one is done, and replay it over the later one).
	// The engine hands out tickets in order; a write waits for its turn.
	issued uint64 // touched only by the engine's goroutine
	served uint64 // under mu
}

var errClosed = errors.New("the board was closed")

func newJournal(o *outbox, cache string) *journal {
	j := &journal{o: o, cache: cache}
	j.turn = sync.NewCond(&j.mu)
	return j
}

// entry is one ordered outbox write: any renames, then an accepted change,
// then confirmed cards or deletions (numbered n), then the dones.
type entry struct {
	renames []rename
	add     *Mutation
	n       int64
	lines   []outboxLine
	done    []string
}

// ticket reserves the next place in the outbox's order.
func (j *journal) ticket() uint64 {
	j.issued++
	return j.issued
}

// write makes the entry's writes when its ticket's turn comes.
func (j *journal) write(t uint64, e entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	for j.served+1 < t && !j.closed {
		j.turn.Wait()
	}
	defer func() {
		j.served = max(j.served, t)
		j.turn.Broadcast()
	}()
	if j.closed {
		return errClosed
	}
	// Each kind of line goes in one write and fsync (see writeLines), in
	// this order.
	if err := j.o.renamed(e.renames...); err != nil {
		return err
	}
	if e.add != nil {
		if err := j.o.append(*e.add); err != nil {
			return err
		}
	}
	if err := j.o.confirmed(e.n, e.lines...); err != nil {
		return err
	}
	if len(e.done) > 0 {
		if err := j.o.done(e.done...); err != nil {
			return err
		}
		if j.o.compactable() {
			return j.o.compact()
		}
	}
	return nil
}

// writeCache writes s, which holds every change confirmed up to n (and
// every change in the server's log up to seq), and the space's members,
// and then lets the outbox forget those changes.
func (j *journal) writeCache(s *State, members []Member, n, seq int64) error {
	// cacheMu, held to the end, keeps close from finishing mid-write: an
	// abandoned engine must not write a cache after its successor opened.
	j.cacheMu.Lock()
	defer j.cacheMu.Unlock()
	j.mu.Lock()
	closed := j.closed
	j.mu.Unlock()
	if closed {
		return nil
	}
	if err := writeCache(j.cache, s, members, seq); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	return j.o.cached(n)
}

func (j *journal) close() error {
	j.cacheMu.Lock()
	defer j.cacheMu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	j.turn.Broadcast()
	return j.o.close()
}
