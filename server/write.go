package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/lanesboard/lanes/server/store"
)

// idempotencyTTL is how long a response to a keyed write is remembered
// (the store's, so that lanes migrate carries over the same records).
const idempotencyTTL = store.IdempotencyTTL

var errIdempotencyMismatch = conflict("idempotency_mismatch", "Idempotency-Key was already used for a different request")

// op is the work of one request inside its transaction: the status and
// object to send, or an error.
type op func(tx *store.Tx) (int, any, error)

// read runs fn in a read transaction and sends what it returns with 200.
func (s *Server) read(w http.ResponseWriter, r *http.Request, fn func(tx *store.Tx) (any, error)) {
	var out any
	err := s.readTx(r.Context(), func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.shape(out))
}

// batchTxKey is the context key of the write transaction an atomic batch
// holds open: the operations it carries run in it (see batch.go).
type batchTxKey struct{}

// openTx is the atomic batch's transaction the request runs in, or nil.
func openTx(ctx context.Context) *store.Tx {
	tx, _ := ctx.Value(batchTxKey{}).(*store.Tx)
	return tx
}

// readTx runs fn in a read transaction of its own, or in the atomic
// batch's, so that an operation reads what the ones before it wrote.
func (s *Server) readTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	if tx := openTx(ctx); tx != nil {
		return fn(tx)
	}
	return s.store.Read(ctx, fn)
}

// writeTx runs fn in a write transaction of its own, or in the atomic
// batch's (which commits or rolls back with the whole batch: never a
// second transaction inside the first).
func (s *Server) writeTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	if tx := openTx(ctx); tx != nil {
		return fn(tx)
	}
	return s.store.Write(ctx, fn)
}

// write runs fn in one write transaction. With an Idempotency-Key header,
// the response is remembered in that same transaction, and a retry with the
// same key and the same request gets it back without fn running again.
func (s *Server) write(w http.ResponseWriter, r *http.Request, raw []byte, fn op) {
	key := r.Header.Get("Idempotency-Key")
	if err := checkIdempotencyKey("Idempotency-Key", key); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := actor(r)
	hash := requestHash(r, raw)
	var (
		status   int
		out      []byte
		replayed bool
	)
	err := s.writeTx(r.Context(), func(tx *store.Tx) error {
		tx.SetActor(p.user.ID)
		if key != "" {
			rec, err := tx.Idempotency(p.tokenID, key)
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return err
			case rec.CreatedAt >= store.FormatTime(tx.Now().Add(-idempotencyTTL)):
				if !bytes.Equal(rec.RequestHash, hash) {
					return errIdempotencyMismatch
				}
				status, out, replayed = rec.Status, rec.Body, true
				return nil
			}
		}
		st, v, err := fn(tx)
		if err != nil {
			return err
		}
		if out, err = json.Marshal(s.shape(v)); err != nil {
			return err
		}
		status = st
		if s.writes.Add(1)%500 == 0 {
			if err := tx.PruneIdempotency(store.FormatTime(tx.Now().Add(-idempotencyTTL))); err != nil {
				return err
			}
			if err := tx.PruneChanges(); err != nil {
				return err
			}
			if err := tx.PruneTrash(); err != nil {
				return err
			}
		}
		if key == "" {
			return nil
		}
		return tx.PutIdempotency(p.tokenID, key, store.Idempotency{RequestHash: hash, Status: status, Body: out})
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeRaw(w, status, out)
}

// checkIdempotencyKey refuses a key no store can keep alike (see
// store.ValidIdempotencyKey).
// name is where the key came from: the header, or a batch operation's
// field.
func checkIdempotencyKey(name, key string) error {
	switch {
	case len(key) > 255:
		return invalid(name, "%s must be at most 255 characters", name)
	case !store.ValidIdempotencyKey(key):
		return invalid(name, "%s must be printable ASCII (letters, digits, punctuation, spaces), such as a UUID", name)
	}
	return nil
}

// shape is v as this server's API sends it.
func (s *Server) shape(v any) any {
	if s.api == APISeed {
		return seedShape(v)
	}
	return v
}

// requestHash identifies a request for the idempotency check: method, path
// and body.
func requestHash(r *http.Request, raw []byte) []byte {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	h.Write(raw)
	return h.Sum(nil)
}
