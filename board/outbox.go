package board

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// ErrLocked means another lanes process has this board's outbox open.
var ErrLocked = errors.New("another lanes process is using this board's outbox")

// outbox is the durable pending log: an append-only file of JSON lines, one
// {"add": …} per accepted change and one {"done": id} when it leaves the log
// (confirmed or refused). A change counts as accepted only once its line is
// fsync'd. When enough of the file is done, it is rewritten with only the
// pending changes (write, fsync, rename), so it stays small. A torn last line
// from a crash mid-write is ignored: that change was never acknowledged.
//
// The outbox also carries what the server confirmed since the board cache
// was last written: {"card": …} for a card as the server sent it back and
// {"gone": id} for one it deleted. The cache is written every few seconds,
// so without these a restart would paint a board missing changes that have
// already left the log. They are dropped once a cache write covers them.
type outbox struct {
	path    string
	f       *os.File
	unlock  func() error
	pending int // adds not yet done
	lines   int // lines in the file
	// deltas are the card/gone lines in the file, each with the engine's
	// confirm count when written (0 for those read at open).
	deltas []delta
	// renames are the renamed lines in the file, in order.
	renames []rename
}

type outboxLine struct {
	Add  json.RawMessage `json:"add,omitempty"`
	Done string          `json:"done,omitempty"`
	Card json.RawMessage `json:"card,omitempty"`
	Gone string          `json:"gone,omitempty"`
	// Restored says a deleted card is back (its card line follows).
	Restored string `json:"restored,omitempty"`
	// Renamed says a new card's temporary id is now the server's: every
	// entry naming From means To. One line, so the rename is all or nothing.
	Renamed *rename `json:"renamed,omitempty"`
}

type rename struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// delta is a confirmed change the cache may not have yet.
type delta struct {
	n    int64
	line outboxLine
}

type outboxEntry struct {
	ID string `json:"id"`
}

// openOutbox locks and opens the outbox at path, returning the pending
// entries in the order they were accepted.
func openOutbox(path string) (*outbox, []json.RawMessage, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("create outbox directory: %w", err)
	}
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, nil, err
	}
	f, err := readOutbox(path)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	pending := f.pending
	o := &outbox{path: path, unlock: unlock, pending: len(pending), lines: f.lines, deltas: f.deltas, renames: f.renames}
	// Start from a clean file holding just what is pending; this also drops
	// any torn line.
	if err := o.rewrite(pending); err != nil {
		unlock()
		return nil, nil, err
	}
	return o, pending, nil
}

// outboxFile is what an outbox file holds: the pending entries in the
// order they were accepted, the confirmed changes and renames, and how
// many lines it has.
type outboxFile struct {
	pending []json.RawMessage
	deltas  []delta
	renames []rename
	lines   int
}

func readOutbox(path string) (outboxFile, error) {
	var f outboxFile
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("read outbox: %w", err)
	}
	var order []string
	adds := map[string]json.RawMessage{}
	// Done is final: an entry rewritten by a write that raced its done
	// (they come from different goroutines) must not come back.
	done := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		var l outboxLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			// Only a torn final line can be malformed; anything after it
			// would be, too. Stop here.
			break
		}
		f.lines++
		switch {
		case l.Add != nil:
			var e outboxEntry
			if json.Unmarshal(l.Add, &e) != nil || e.ID == "" {
				continue
			}
			if done[e.ID] {
				continue
			}
			if _, seen := adds[e.ID]; !seen {
				order = append(order, e.ID)
			}
			adds[e.ID] = l.Add
		case l.Done != "":
			delete(adds, l.Done)
			done[l.Done] = true
		case l.Renamed != nil:
			f.renames = append(f.renames, *l.Renamed)
		case l.Card != nil || l.Gone != "" || l.Restored != "":
			f.deltas = append(f.deltas, delta{line: outboxLine{Card: l.Card, Gone: l.Gone, Restored: l.Restored}})
		}
	}
	for _, id := range order {
		if a, ok := adds[id]; ok {
			f.pending = append(f.pending, a)
		}
	}
	return f, nil
}

// confirmed records changes the server confirmed (cards, or deletions),
// numbered n, until a cache write covering n drops them.
func (o *outbox) confirmed(n int64, ls ...outboxLine) error {
	if err := o.writeLines(ls); err != nil {
		return err
	}
	for _, l := range ls {
		o.deltas = append(o.deltas, delta{n: n, line: l})
	}
	return nil
}

// renamed records that temporary ids are now the server's.
func (o *outbox) renamed(rs ...rename) error {
	var lines []outboxLine
	var fresh []rename
	for _, r := range rs {
		if !slices.ContainsFunc(o.renames, func(old rename) bool { return old.From == r.From }) &&
			!slices.ContainsFunc(fresh, func(old rename) bool { return old.From == r.From }) {
			lines = append(lines, outboxLine{Renamed: &rename{From: r.From, To: r.To}})
			fresh = append(fresh, r)
		}
	}
	if err := o.writeLines(lines); err != nil {
		return err
	}
	o.renames = append(o.renames, fresh...)
	return nil
}

// cached drops the confirmed changes numbered up to n: the cache has them.
func (o *outbox) cached(n int64) error {
	kept := o.deltas[:0:0]
	for _, d := range o.deltas {
		if d.n > n {
			kept = append(kept, d)
		}
	}
	if len(kept) == len(o.deltas) {
		return nil
	}
	o.deltas = kept
	return o.compact()
}

// append writes an entry (a JSON object with an "id") and fsyncs it.
func (o *outbox) append(entry any) error {
	raw, err := json.Marshal(entry)
	if err != nil {
		return fmt.Errorf("encode change: %w", err)
	}
	if err := o.writeLine(outboxLine{Add: raw}); err != nil {
		return err
	}
	o.pending++
	return nil
}

// done records that the entries with these ids left the log.
func (o *outbox) done(ids ...string) error {
	lines := make([]outboxLine, len(ids))
	for i, id := range ids {
		lines[i] = outboxLine{Done: id}
	}
	if err := o.writeLines(lines); err != nil {
		return err
	}
	o.pending -= len(ids)
	return nil
}

func (o *outbox) writeLine(l outboxLine) error { return o.writeLines([]outboxLine{l}) }

// writeLines appends lines of one kind (renames, confirmed cards, dones)
// in one write and fsyncs them. Lines of one kind may reach the disk in
// any order among themselves (each says something of its own id); the
// fsync after each kind keeps the order that matters between kinds: a
// done is never on disk without the rename and the confirmed card written
// before it, however the machine stops.
func (o *outbox) writeLines(ls []outboxLine) error {
	if len(ls) == 0 {
		return nil
	}
	var buf []byte
	for _, l := range ls {
		b, err := json.Marshal(l)
		if err != nil {
			return fmt.Errorf("encode outbox line: %w", err)
		}
		buf = append(append(buf, b...), '\n')
	}
	if _, err := o.f.Write(buf); err != nil {
		return fmt.Errorf("write outbox: %w", err)
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("sync outbox: %w", err)
	}
	o.lines += len(ls)
	return nil
}

// compactable says the file is mostly done lines and worth rewriting.
func (o *outbox) compactable() bool {
	return o.lines > 64 && o.lines > 4*(o.pending+len(o.deltas))
}

// compact rewrites the file with only the pending entries.
func (o *outbox) compact() error {
	f, err := readOutbox(o.path)
	if err != nil {
		return err
	}
	return o.rewrite(f.pending)
}

func (o *outbox) rewrite(pending []json.RawMessage) error {
	tmp := o.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("compact outbox: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, p := range pending {
		b, _ := json.Marshal(outboxLine{Add: p})
		w.Write(append(b, '\n'))
	}
	for _, d := range o.deltas {
		b, _ := json.Marshal(d.line)
		w.Write(append(b, '\n'))
	}
	// Renames are kept while a pending entry still names the temporary id.
	kept := o.renames[:0:0]
	for _, r := range o.renames {
		for _, p := range pending {
			if bytes.Contains(p, []byte(`"`+r.From+`"`)) {
				kept = append(kept, r)
				b, _ := json.Marshal(outboxLine{Renamed: &rename{From: r.From, To: r.To}})
				w.Write(append(b, '\n'))
				break
			}
		}
	}
	o.renames = kept
	if err := errors.Join(w.Flush(), f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("compact outbox: %w", err)
	}
	if err := os.Rename(tmp, o.path); err != nil {
		return fmt.Errorf("compact outbox: %w", err)
	}
	if d, err := os.Open(filepath.Dir(o.path)); err == nil {
		d.Sync()
		d.Close()
	}
	if o.f != nil {
		o.f.Close()
	}
	if o.f, err = os.OpenFile(o.path, os.O_APPEND|os.O_WRONLY, 0o600); err != nil {
		return fmt.Errorf("reopen outbox: %w", err)
	}
	o.lines, o.pending = len(pending)+len(o.deltas)+len(o.renames), len(pending)
	return nil
}

// close closes the file and releases the lock.
func (o *outbox) close() error {
	var err error
	if o.f != nil {
		err = o.f.Close()
	}
	return errors.Join(err, o.unlock())
}
