package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/lanesboard/lanes/api"
)

// A step of an import writes many objects of one kind (cards, comments,
// assignments). On a server that takes batches they go a hundred to a
// request, each batch atomic: one transaction on the server rather than
// a hundred, which is most of what a write costs there. Without batches
// each is its own request, as before. Either way each write carries its
// own Idempotency-Key, so a batch (or a write) sent again after a lost
// answer is done once.

// write is one object a step makes.
type write struct {
	j    int    // its number in the journal, under the step's kind
	what string // what it is, for an error: "make card cards[3] (\"Fix\")"
	// op is the write as a batch operation; alone, the same write sent by
	// itself, answering the id to journal ("" for none).
	op    func() (api.BatchOp, error)
	alone func(ctx context.Context) (string, error)
}

// chain is writes that must be done in order (a card's comments); the
// writes of different chains may be done in any order, at once.
type chain []write

// writeAll does the chains' writes not yet in the journal under kind,
// counting each as a step of phase. done hears each write's id (from the
// journal or the server) by its place: chain, then write.
func (r *run) writeAll(ctx context.Context, kind, phase string, chains []chain, idOf func(api.BatchResult) (string, error), done func(c, w int, id string)) error {
	// What the journal has is done.
	var todo []chain
	var place [][][2]int
	for ci, c := range chains {
		var left chain
		var where [][2]int
		for wi, w := range c {
			if id, ok := r.j.get(kind, w.j); ok {
				done(ci, wi, id)
				r.step(phase)
				continue
			}
			left = append(left, w)
			where = append(where, [2]int{ci, wi})
		}
		if len(left) > 0 {
			todo = append(todo, left)
			place = append(place, where)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if r.c.Supports(api.FeatureBatch) {
		err := r.batched(ctx, kind, phase, todo, place, idOf, done)
		if !errors.Is(err, api.ErrNotSupported) {
			return err
		}
		// A server without batches, found out on the first: alone, below.
	}
	return each(ctx, len(todo), r.workers(), func(ctx context.Context, k int) error {
		for n, w := range todo[k] {
			if _, ok := r.j.get(kind, w.j); ok {
				r.step(phase) // made by a batch before the server said no more
				continue
			}
			var id string
			err := r.send(ctx, w.what, func() (err error) {
				id, err = w.alone(ctx)
				return err
			})
			if err != nil {
				return err
			}
			p := place[k][n]
			done(p[0], p[1], id)
			r.step(phase)
			if err := r.j.put(kind, w.j, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// batched sends the writes a batch at a time: whole chains packed
// together up to the bounds of a batch, a chain longer than a batch in
// consecutive batches sent one after the other.
func (r *run) batched(ctx context.Context, kind, phase string, todo []chain, place [][][2]int, idOf func(api.BatchResult) (string, error), done func(c, w int, id string)) error {
	// Each unit of work is a list of batches done in order.
	var units [][][][2]int
	var cur [][2]int
	flush := func() {
		if len(cur) > 0 {
			units = append(units, [][][2]int{cur})
			cur = nil
		}
	}
	for k, c := range todo {
		if len(c) > api.MaxBatchOps {
			flush()
			var parts [][][2]int
			for start := 0; start < len(c); start += api.MaxBatchOps {
				var part [][2]int
				for n := start; n < min(len(c), start+api.MaxBatchOps); n++ {
					part = append(part, [2]int{k, n})
				}
				parts = append(parts, part)
			}
			units = append(units, parts)
			continue
		}
		if len(cur)+len(c) > api.MaxBatchOps {
			flush()
		}
		for n := range c {
			cur = append(cur, [2]int{k, n})
		}
	}
	flush()
	return each(ctx, len(units), r.workers(), func(ctx context.Context, u int) error {
		for _, refs := range units[u] {
			if err := r.sendBatch(ctx, kind, phase, todo, place, refs, idOf, done); err != nil {
				return err
			}
		}
		return nil
	})
}

// sendBatch sends the writes refs names as one atomic batch, split in two
// when their bodies are more than a batch may carry.
func (r *run) sendBatch(ctx context.Context, kind, phase string, todo []chain, place [][][2]int, refs [][2]int, idOf func(api.BatchResult) (string, error), done func(c, w int, id string)) error {
	ops := make([]api.BatchOp, len(refs))
	for n, ref := range refs {
		w := todo[ref[0]][ref[1]]
		op, err := w.op()
		if err != nil {
			return fmt.Errorf("%s: %w", w.what, err)
		}
		ops[n] = op
	}
	if len(refs) > 1 && api.BatchSize(ops) > api.MaxBatchBytes {
		// Keeping order: the first half, then the second.
		half := len(refs) / 2
		if err := r.sendBatch(ctx, kind, phase, todo, place, refs[:half], idOf, done); err != nil {
			return err
		}
		return r.sendBatch(ctx, kind, phase, todo, place, refs[half:], idOf, done)
	}
	first := todo[refs[0][0]][refs[0][1]]
	what := first.what
	if len(refs) > 1 {
		what = fmt.Sprintf("%s and %d more", first.what, len(refs)-1)
	}
	var results []api.BatchResult
	err := r.send(ctx, what, func() (err error) {
		results, err = r.c.Batch(ctx, ops, true)
		return err
	})
	if errors.Is(err, api.ErrNotSupported) {
		return api.ErrNotSupported
	}
	if err != nil {
		return err
	}
	// All were done, or none: the one that failed says why.
	for n, res := range results {
		if res.Status == http.StatusFailedDependency {
			continue
		}
		if err := res.Err(); err != nil {
			w := todo[refs[n][0]][refs[n][1]]
			return fmt.Errorf("%s: %w", w.what, err)
		}
	}
	ids := make([]string, len(results))
	for n, res := range results {
		if res.Status == http.StatusFailedDependency {
			return fmt.Errorf("%s: the server rolled the batch back without saying which write failed", what)
		}
		id, err := idOf(res)
		if err != nil {
			w := todo[refs[n][0]][refs[n][1]]
			return fmt.Errorf("%s: %w", w.what, err)
		}
		ids[n] = id
	}
	js := make([]int, len(refs))
	for n, ref := range refs {
		js[n] = todo[ref[0]][ref[1]].j
		p := place[ref[0]][ref[1]]
		done(p[0], p[1], ids[n])
		r.step(phase)
	}
	return r.j.putAll(kind, js, ids)
}

// idOfTask is the id of the task a batch operation answered with, read
// without decoding the rest of it.
func idOfTask(res api.BatchResult) (string, error) {
	var out struct {
		Task *struct {
			ID string `json:"id"`
		} `json:"task"`
	}
	if err := json.Unmarshal(res.Body, &out); err != nil || out.Task == nil || out.Task.ID == "" {
		return "", fmt.Errorf("the server's answer names no task")
	}
	return out.Task.ID, nil
}

// noID is for writes whose id is not kept: comments, assignments.
func noID(api.BatchResult) (string, error) { return "", nil }
