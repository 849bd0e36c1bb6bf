package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"

	"github.com/lanesboard/lanes/server/store"
)

// POST /api/batch carries up to maxBatchOps requests to the task, comment
// and assignee endpoints in one round trip. Each operation is answered as
// the endpoint would answer it alone, because it is that endpoint: the
// operation becomes an internal request dispatched through the same mux,
// with the caller's principal and its own Idempotency-Key. Non-atomic
// operations each run in their own transaction; an atomic batch holds one
// write transaction open and every operation's s.read and s.write run in
// it (see openTx), so all commit together or none does.

const (
	batchPattern = "POST /api/batch"
	// maxBatchOps is the most operations one batch may carry.
	maxBatchOps = 100
	// maxBatchBody bounds a batch's body; each operation's body is still
	// held to maxBody, as alone.
	maxBatchBody = 4 << 20
	// batchOpsPerRequest is how many operations count as one request
	// against the rate limit (see chargeBatch).
	batchOpsPerRequest = 10
	// maxBatchReads bounds the answers of a batch's GET operations taken
	// together: a batch of a hundred lists of a big project would
	// otherwise hold them all in memory at once.
	maxBatchReads = 16 << 20
)

// batchRoute reports whether a batch may carry the route: tasks, their
// comments and their assignees. Anything else is the operation's 400.
func batchRoute(pattern string) bool {
	switch pattern {
	case "GET /api/tasks", "POST /api/tasks",
		"GET /api/tasks/{id}", "PATCH /api/tasks/{id}", "DELETE /api/tasks/{id}",
		"POST /api/tasks/{id}/restore",
		"GET /api/tasks/{id}/comments", "POST /api/tasks/{id}/comments",
		"POST /api/tasks/{id}/assignees", "DELETE /api/tasks/{id}/assignees/{userId}":
		return true
	}
	return false
}

// batchOp is one operation as sent, or why it can't be run.
type batchOp struct {
	method, path string
	body         []byte // nil: none
	key          string
	err          error
}

// batchResult is one operation's answer: its status and the JSON body the
// endpoint answered, errors included.
type batchResult struct {
	Status   int             `json:"status"`
	Body     json.RawMessage `json:"body"`
	Replayed bool            `json:"replayed,omitempty"` // answered from the idempotency record
}

// errBatchRollback ends an atomic batch's transaction when an operation
// failed.
var errBatchRollback = errors.New("an operation of the atomic batch failed")

func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	ops, atomic, err := decodeBatch(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.chargeBatch(w, r, len(ops)) {
		return
	}
	results := make([]batchResult, len(ops))
	reads := maxBatchReads
	if !atomic {
		for i, op := range ops {
			if r.Context().Err() != nil {
				return // the caller is gone: what ran stays, the rest never starts
			}
			if i > 0 {
				// Each operation is a request of its own: a token revoked
				// while the batch runs ends its access at the next one.
				if _, err := s.authenticate(r); err != nil {
					results[i] = s.errorResult(r, err)
					continue
				}
			}
			results[i] = s.runOp(r, i, op, &reads)
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": results})
		return
	}
	failed := -1
	err = s.store.Write(r.Context(), func(tx *store.Tx) error {
		in := r.WithContext(context.WithValue(r.Context(), batchTxKey{}, tx))
		for i, op := range ops {
			results[i] = s.runOp(in, i, op, &reads)
			if results[i].Status < 200 || results[i].Status > 299 {
				failed = i
				return errBatchRollback
			}
		}
		return nil
	})
	switch {
	case failed >= 0:
		for i := range results {
			if i != failed {
				results[i] = s.errorResult(r, rolledBack(failed, ops[failed]))
			}
		}
	case err != nil:
		// Every operation went well but the commit did not: nothing was
		// written, and the batch as a whole is answered with why.
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

// rolledBack is the answer of every other operation of an atomic batch
// whose operation failed failed: written and undone, or never run.
func rolledBack(failed int, op batchOp) error {
	what := fmt.Sprintf("operations[%d]", failed)
	if op.err == nil {
		what += " (" + op.method + " " + op.path + ")"
	}
	return &apiError{Status: http.StatusFailedDependency, Code: "batch_rolled_back",
		Msg: "Not applied: " + what + " failed, so the atomic batch was rolled back"}
}

// decodeBatch reads the batch's body. A fault in the whole (no list, too
// many operations, atomic not a boolean) is the batch's 400; a fault in one
// operation is kept as that operation's answer.
func decodeBatch(r *http.Request) ([]batchOp, bool, error) {
	_, b, err := readBody(r)
	if err != nil {
		return nil, false, err
	}
	atomic, err := b.boolean("atomic")
	if err != nil {
		return nil, false, err
	}
	list, err := field[[]json.RawMessage](b, "operations", "a list of operations", false)
	switch {
	case err != nil:
		return nil, false, err
	case !list.Set:
		return nil, false, invalid("operations", "operations is required: a list of at most %d operations, each {method, path, body, idempotencyKey}", maxBatchOps)
	case len(list.V) > maxBatchOps:
		return nil, false, invalid("operations", "operations must hold at most %d operations (got %d): send the rest in another batch", maxBatchOps, len(list.V))
	}
	ops := make([]batchOp, len(list.V))
	for i, raw := range list.V {
		ops[i] = decodeOp(i, raw)
	}
	return ops, atomic.V, nil
}

// decodeOp reads operations[i].
func decodeOp(i int, raw json.RawMessage) batchOp {
	name := func(f string) string { return fmt.Sprintf("operations[%d].%s", i, f) }
	var op batchOp
	var b body
	if err := json.Unmarshal(raw, &b); err != nil || b == nil {
		op.err = invalid(fmt.Sprintf("operations[%d]", i), "operations[%d] must be an object with method and path", i)
		return op
	}
	method, err := field[string](b, "method", "a string", false)
	switch {
	case err != nil:
		op.err = invalid(name("method"), "%s must be a string", name("method"))
		return op
	case method.V != http.MethodGet && method.V != http.MethodPost && method.V != http.MethodPatch && method.V != http.MethodDelete:
		op.err = invalid(name("method"), "%s must be GET, POST, PATCH or DELETE", name("method"))
		return op
	}
	p, err := field[string](b, "path", "a string", false)
	if err != nil || !p.Set {
		op.err = invalid(name("path"), "%s is required: an API path such as /api/tasks/ID", name("path"))
		return op
	}
	if op.err = checkOpPath(name("path"), p.V); op.err != nil {
		return op
	}
	key, err := field[string](b, "idempotencyKey", "a string", true)
	if err != nil {
		op.err = invalid(name("idempotencyKey"), "%s must be a string", name("idempotencyKey"))
		return op
	}
	if key.V != "" {
		if op.err = checkIdempotencyKey(name("idempotencyKey"), key.V); op.err != nil {
			return op
		}
	}
	op.method, op.path, op.key = method.V, p.V, key.V
	if b.has("body") && !b.isNull("body") {
		op.body = b["body"]
	}
	return op
}

// checkOpPath refuses a path that is not one of this server's, in the
// form a request line would carry it.
func checkOpPath(name, p string) error {
	const hint = "%s must be an API path such as /api/tasks/ID"
	if len(p) > 2048 {
		return invalid(name, "%s must be at most 2048 characters", name)
	}
	u, err := url.ParseRequestURI(p)
	if err != nil || strings.Contains(p, "#") || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/api/") {
		return invalid(name, hint, name)
	}
	// The mux would answer an unclean path with a redirect, which an
	// operation has no way to follow.
	if path.Clean(u.Path) != u.Path {
		return invalid(name, "%s must be a clean path (no //, . or .. segments, no trailing /)", name)
	}
	return nil
}

// runOp answers operations[i] through the endpoint that answers it alone.
func (s *Server) runOp(r *http.Request, i int, op batchOp, reads *int) batchResult {
	if op.err != nil {
		return s.errorResult(r, op.err)
	}
	req, err := http.NewRequestWithContext(r.Context(), op.method, "http://lanes"+op.path, http.NoBody)
	if err != nil {
		return s.errorResult(r, invalid(fmt.Sprintf("operations[%d].path", i), "operations[%d].path must be an API path such as /api/tasks/ID", i))
	}
	rec := httptest.NewRecorder()
	if op.body != nil {
		req.Body = http.MaxBytesReader(rec, io.NopCloser(bytes.NewReader(op.body)), maxBody)
		req.ContentLength = int64(len(op.body))
		req.Header.Set("Content-Type", "application/json")
	}
	if op.key != "" {
		req.Header.Set("Idempotency-Key", op.key)
	}
	h, pattern := s.mux.Handler(req)
	switch {
	case pattern == "":
		noRoute(rec, req, h)
		return resultOf(rec)
	case !batchRoute(pattern):
		return s.errorResult(r, invalid(fmt.Sprintf("operations[%d].path", i),
			"A batch carries only the task, comment and assignee endpoints, not %s %s", op.method, op.path))
	}
	// Through the mux, not h: only the mux fills in the path values.
	s.mux.ServeHTTP(rec, req)
	res := resultOf(rec)
	if op.method == http.MethodGet {
		if len(res.Body) > *reads {
			return s.errorResult(r, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "batch_too_large",
				Msg: fmt.Sprintf("The answers to this batch's reads passed %d MiB: send operations[%d] (%s %s) on its own", maxBatchReads>>20, i, op.method, op.path)})
		}
		*reads -= len(res.Body)
	}
	return res
}

// resultOf is an operation's answer as the endpoint wrote it.
func resultOf(rec *httptest.ResponseRecorder) batchResult {
	res := batchResult{Status: rec.Code, Body: bytes.TrimSpace(rec.Body.Bytes()), Replayed: rec.Header().Get("Idempotent-Replayed") == "true"}
	if !json.Valid(res.Body) {
		// Every endpoint answers JSON; should one not, the batch still is.
		res.Body, _ = json.Marshal(&apiError{Msg: http.StatusText(rec.Code)})
	}
	return res
}

// errorResult is err as an operation's answer, as writeError would send it.
func (s *Server) errorResult(r *http.Request, err error) batchResult {
	rec := httptest.NewRecorder()
	s.writeError(rec, r, err)
	return resultOf(rec)
}

// batchCost is what a batch of n operations counts against the rate
// limit: one request per batchOpsPerRequest operations, rounded up, and
// at least one. A full batch of 100 counts as 10 requests, so a token
// carries at most ten times its limit in operations a minute through
// batches: fewer round trips, not a way around the limit.
func batchCost(n int) int { return max(1, (n+batchOpsPerRequest-1)/batchOpsPerRequest) }

// chargeBatch counts the batch against the caller's rate limit by its
// size: serve counted it as one request before its size was known. If the
// rest does not fit, the one is given back and the batch is refused with
// 429 as a single request would be, with Retry-After saying when the whole
// batch fits. (A weight above the limit counts as the whole limit, so
// every batch can pass on an empty minute.)
func (s *Server) chargeBatch(w http.ResponseWriter, r *http.Request, n int) bool {
	cost := batchCost(n)
	at, counted := r.Context().Value(countedKey{}).(int64)
	if s.limits == nil || !counted || cost <= 1 {
		return true
	}
	key := actor(r).tokenID
	s.limits.tokens.release(key, at)
	v := s.limits.tokens.takeN(key, s.now(), cost)
	v.setHeaders(w.Header())
	if !v.ok {
		writeJSON(w, http.StatusTooManyRequests, errRateLimited)
		return false
	}
	return true
}

// countedKey is the context key of the time serve counted the request at
// against its token's rate limit (absent: the limit is off).
type countedKey struct{}
