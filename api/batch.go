package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/lanesboard/lanes/internal/safe"
)

// The bounds a lanes server puts on one batch.
const (
	// MaxBatchOps is the most operations one batch may carry.
	MaxBatchOps = 100
	// MaxBatchBytes is the largest body a batch may have.
	MaxBatchBytes = 4 << 20
)

// BatchOp is one request of a batch: a call to the task, comment or
// assignee endpoints. Make them with CreateTaskOp and the others below,
// which build the very request the single method sends.
type BatchOp struct {
	Method         string          `json:"method"`
	Path           string          `json:"path"`
	Body           json.RawMessage `json:"body,omitempty"`
	IdempotencyKey string          `json:"idempotencyKey,omitempty"`
}

// BatchResult is one operation's answer: its status and the body the
// endpoint answered, as it would have alone.
type BatchResult struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
	// Replayed says the answer came from the operation's idempotency
	// record: it was done by an earlier send.
	Replayed bool `json:"replayed,omitempty"`

	method, path string
}

// Err is the result as the single request's error: an *Error for an
// answer that is not a success, nil for one that is.
func (r BatchResult) Err() error {
	if r.Status >= 200 && r.Status < 300 {
		return nil
	}
	return errorOf(r.Status, r.method, r.path, r.Body)
}

// Task is the task a create, change, restore or (un)assignment answered
// with, or the operation's error.
func (r BatchResult) Task() (*Task, error) {
	var out struct {
		Task *Task `json:"task"`
	}
	if err := r.decode(&out); err != nil {
		return nil, err
	}
	return wrapped("task", out.Task)
}

// Comment is the comment an AddCommentOp answered with, or its error.
func (r BatchResult) Comment() (*Comment, error) {
	var out struct {
		Comment *Comment `json:"comment"`
	}
	if err := r.decode(&out); err != nil {
		return nil, err
	}
	return wrapped("comment", out.Comment)
}

func (r BatchResult) decode(out any) error {
	if err := r.Err(); err != nil {
		return err
	}
	if err := json.Unmarshal(safe.JSON(r.Body), out); err != nil {
		return fmt.Errorf("%s %s: the server's answer is not what lanes expects: %w", r.method, r.path, err)
	}
	return nil
}

// Batch sends ops (at most MaxBatchOps, MaxBatchBytes in all) in one
// request and returns their answers in order. Not atomic, each operation
// is done or refused on its own, as if sent alone; atomic, all are done
// or none is, and the others' answers are 424 batch_rolled_back.
//
// Lanes addition. A seed-only server has none; a lanes server from before
// batches answers the first with 404, and the client remembers: either
// way the call fails with ErrNotSupported, nothing was done, and
// Supports(FeatureBatch) says no from then on. Like every write, a batch
// is not retried here: on a network error, 429 or 5xx send it again, with
// the same keys, and each operation that was done is answered from its
// record rather than done twice.
func (c *Client) Batch(ctx context.Context, ops []BatchOp, atomic bool) ([]BatchResult, error) {
	if len(ops) > MaxBatchOps {
		return nil, fmt.Errorf("send a batch of %d operations: a batch carries at most %d", len(ops), MaxBatchOps)
	}
	if err := c.lanesOnly(ctx, "send changes in batches"); err != nil {
		return nil, err
	}
	if !c.Supports(FeatureBatch) {
		return nil, &unsupported{what: "send changes in batches"}
	}
	body := struct {
		Operations []BatchOp `json:"operations"`
		Atomic     bool      `json:"atomic"`
	}{ops, atomic}
	if body.Operations == nil {
		body.Operations = []BatchOp{}
	}
	if n := BatchSize(ops); n > MaxBatchBytes {
		return nil, fmt.Errorf("send a batch of %d bytes: a batch's body is at most %d", n, MaxBatchBytes)
	}
	var out struct {
		Results []BatchResult `json:"results"`
	}
	err := c.do(ctx, call{method: http.MethodPost, path: "/api/batch", body: body}, &out)
	if IsNotFound(err) || statusIs(err, http.StatusMethodNotAllowed) {
		c.lacks(FeatureBatch)
		return nil, &unsupported{what: "send changes in batches"}
	}
	if err != nil {
		return nil, err
	}
	if len(out.Results) != len(ops) {
		return nil, fmt.Errorf("POST /api/batch: the server answered %d operations of %d", len(out.Results), len(ops))
	}
	for i := range out.Results {
		out.Results[i].method, out.Results[i].path = ops[i].Method, ops[i].Path
	}
	return out.Results, nil
}

// BatchSize is about how many bytes ops make in a batch's body.
func BatchSize(ops []BatchOp) int {
	n := 64
	for _, op := range ops {
		n += opSize(op)
	}
	return n
}

func opSize(op BatchOp) int {
	return len(op.Method) + len(op.Path) + len(op.Body) + len(op.IdempotencyKey) + 64
}

// opOf is the request k as a batch operation.
func opOf(k call) (BatchOp, error) {
	op := BatchOp{Method: k.method, Path: k.path, IdempotencyKey: k.key}
	if k.body != nil {
		// Encoded as the single request encodes it: same body, same
		// request, whichever way it goes.
		raw, err := json.Marshal(k.body)
		if err != nil {
			return BatchOp{}, fmt.Errorf("%s %s: encode the request: %w", k.method, k.path, err)
		}
		op.Body = raw
	}
	return op, nil
}

// CreateTaskOp is CreateTask as a batch operation. A batch needs a lanes
// server, so every field of in is sent.
func CreateTaskOp(in TaskCreate, opts ...WriteOption) (BatchOp, error) {
	return opOf(createTaskCall(in, opts))
}

// UpdateTaskOp is UpdateTask as a batch operation.
func UpdateTaskOp(id string, p TaskPatch, opts ...WriteOption) (BatchOp, error) {
	return opOf(updateTaskCall(id, p, opts))
}

// DeleteTaskOp is DeleteTask as a batch operation.
func DeleteTaskOp(id string, opts ...WriteOption) BatchOp {
	op, _ := opOf(deleteTaskCall(id, opts)) // no body: nothing to fail
	return op
}

// RestoreTaskOp is RestoreTask as a batch operation.
func RestoreTaskOp(id string, opts ...WriteOption) BatchOp {
	op, _ := opOf(restoreTaskCall(id, opts))
	return op
}

// AddCommentOp is AddComment as a batch operation.
func AddCommentOp(taskID, content string, opts ...WriteOption) (BatchOp, error) {
	return opOf(addCommentCall(taskID, content, opts))
}

// AssignOp is Assign as a batch operation.
func AssignOp(taskID, userID string, opts ...WriteOption) (BatchOp, error) {
	return opOf(assignCall(taskID, userID, opts))
}

// UnassignOp is Unassign as a batch operation.
func UnassignOp(taskID, userID string, opts ...WriteOption) BatchOp {
	op, _ := opOf(unassignCall(taskID, userID, opts))
	return op
}
