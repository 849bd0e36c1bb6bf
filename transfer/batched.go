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
	// took, if set, hears the write's id, from the journal or the server.
	took func(id string)
}

// wrote tells w its id and counts it as a step of phase.
func (r *run) wrote(phase string, w write, id string) {
	if w.took != nil {
		w.took(id)
	}
	r.step(phase)
}

// chain is writes that must be done in order (a card's comments); the
// writes of different chains may be done in any order, at once.
type chain []write

// writeAll does the chains' writes not yet in the journal under kind,
// counting each as a step of phase.
func (r *run) writeAll(ctx context.Context, kind, phase string, chains []chain, idOf func(api.BatchResult) (string, error)) error {
	// What the journal has is done.
	var todo []chain
	for _, c := range chains {
		var left chain
		for _, w := range c {
			if id, ok := r.j.get(kind, w.j); ok {
				r.wrote(phase, w, id)
				continue
			}
			left = append(left, w)
		}
		if len(left) > 0 {
			todo = append(todo, left)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	if r.c.Supports(api.FeatureBatch) {
		err := r.batched(ctx, kind, phase, todo, idOf)
		if !errors.Is(err, api.ErrNotSupported) {
			return err
		}
		// A server without batches, found out on the first: alone, below.
	}
	return each(ctx, len(todo), r.workers(), func(ctx context.Context, k int) error {
		for _, w := range todo[k] {
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
			r.wrote(phase, w, id)
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
func (r *run) batched(ctx context.Context, kind, phase string, todo []chain, idOf func(api.BatchResult) (string, error)) error {
	// Each unit of work is a list of batches done in order.
	var units [][][]write
	var cur []write
	flush := func() {
		if len(cur) > 0 {
			units = append(units, [][]write{cur})
			cur = nil
		}
	}
	for _, c := range todo {
		if len(c) > api.MaxBatchOps {
			flush()
			var parts [][]write
			for start := 0; start < len(c); start += api.MaxBatchOps {
				parts = append(parts, c[start:min(len(c), start+api.MaxBatchOps)])
			}
			units = append(units, parts)
			continue
		}
		if len(cur)+len(c) > api.MaxBatchOps {
			flush()
		}
		cur = append(cur, c...)
	}
	flush()
	return each(ctx, len(units), r.workers(), func(ctx context.Context, u int) error {
		for _, ws := range units[u] {
			if err := r.sendBatch(ctx, kind, phase, ws, idOf); err != nil {
				return err
			}
		}
		return nil
	})
}

// sendBatch sends ws as one atomic batch, split in two when their bodies
// are more than a batch may carry.
func (r *run) sendBatch(ctx context.Context, kind, phase string, ws []write, idOf func(api.BatchResult) (string, error)) error {
	ops := make([]api.BatchOp, len(ws))
	for n, w := range ws {
		op, err := w.op()
		if err != nil {
			return fmt.Errorf("%s: %w", w.what, err)
		}
		ops[n] = op
	}
	if len(ws) > 1 && api.BatchSize(ops) > api.MaxBatchBytes {
		// Keeping order: the first half, then the second.
		half := len(ws) / 2
		if err := r.sendBatch(ctx, kind, phase, ws[:half], idOf); err != nil {
			return err
		}
		return r.sendBatch(ctx, kind, phase, ws[half:], idOf)
	}
	what := ws[0].what
	if len(ws) > 1 {
		what = fmt.Sprintf("%s and %d more", ws[0].what, len(ws)-1)
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
			return fmt.Errorf("%s: %w", ws[n].what, err)
		}
	}
	ids := make([]string, len(results))
	for n, res := range results {
		if res.Status == http.StatusFailedDependency {
			return fmt.Errorf("%s: the server rolled the batch back without saying which write failed", what)
		}
		id, err := idOf(res)
		if err != nil {
			return fmt.Errorf("%s: %w", ws[n].what, err)
		}
		ids[n] = id
	}
	js := make([]int, len(ws))
	for n, w := range ws {
		js[n] = w.j
		r.wrote(phase, w, ids[n])
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
