package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// Batch sends task changes, comments and assignees in one request; each
// answer reads as the single call's would (a task, a comment, a typed
// error), and an operation's key is the single call's key: the same change
// sent alone and then in a batch is made once.
func TestBatch(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	c := e.client(ann)
	ctx := context.Background()
	_, p := personal(t, c)
	if _, err := c.Probe(ctx); err != nil || !c.Supports(api.FeatureBatch) {
		t.Fatalf("a lanes server: batches supported %v (%v)", c.Supports(api.FeatureBatch), err)
	}
	a, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "A"}, api.IdempotencyKey("create-a"))
	if err != nil {
		t.Fatal(err)
	}
	must := func(op api.BatchOp, err error) api.BatchOp {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	ops := []api.BatchOp{
		must(api.CreateTaskOp(api.TaskCreate{ProjectID: p.ID, Title: "A"}, api.IdempotencyKey("create-a"))),
		must(api.CreateTaskOp(api.TaskCreate{ProjectID: p.ID, Title: "B", Priority: api.PriorityHigh, Description: ptr("in a batch")})),
		must(api.UpdateTaskOp(a.ID, api.TaskPatch{Priority: api.Set(api.PriorityUrgent)}, api.IdempotencyKey("patch-a"))),
		must(api.AddCommentOp(a.ID, "hello", api.IdempotencyKey("comment-a"))),
		must(api.AssignOp(a.ID, ann.ID)),
		api.UnassignOp(a.ID, ann.ID),
		must(api.UpdateTaskOp(a.ID, api.TaskPatch{Title: api.Set("")})),
		api.DeleteTaskOp("01a22b3c-0000-7000-8000-000000000000"),
	}
	res, err := c.Batch(ctx, ops, false)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := res[0].Task(); err != nil || k.ID != a.ID || !res[0].Replayed {
		t.Fatalf("the create sent alone, then in a batch: %+v replayed %v (%v)", k, res[0].Replayed, err)
	}
	if k, err := res[1].Task(); err != nil || k.Title != "B" || k.Priority != api.PriorityHigh || k.Description == nil || *k.Description != "in a batch" {
		t.Fatalf("created %+v (%v)", k, err)
	}
	if k, err := res[2].Task(); err != nil || k.Priority != api.PriorityUrgent {
		t.Fatalf("patched %+v (%v)", k, err)
	}
	if cm, err := res[3].Comment(); err != nil || cm.Content != "hello" {
		t.Fatalf("comment %+v (%v)", cm, err)
	}
	if k, err := res[4].Task(); err != nil || len(k.AssigneeIDs) != 1 {
		t.Fatalf("assigned %+v (%v)", k, err)
	}
	if k, err := res[5].Task(); err != nil || len(k.AssigneeIDs) != 0 {
		t.Fatalf("unassigned %+v (%v)", k, err)
	}
	var ae *api.Error
	if _, err := res[6].Task(); !api.IsValidation(err) || !errors.As(err, &ae) || ae.Field != "title" || ae.Method != "PATCH" {
		t.Fatalf("an empty title: %v", err)
	}
	if err := res[7].Err(); !api.IsNotFound(err) {
		t.Fatalf("deleting a task that is not there: %v", err)
	}
	// And the other way round: a single call answered from the batch's record.
	again, err := c.UpdateTask(ctx, a.ID, api.TaskPatch{Priority: api.Set(api.PriorityUrgent)}, api.IdempotencyKey("patch-a"))
	if err != nil || again.Version != a.Version+1 {
		t.Fatalf("the batched change sent alone: %+v (%v), want it answered as it was", again, err)
	}
	if _, err := c.AddComment(ctx, a.ID, "hello", api.IdempotencyKey("comment-a")); err != nil {
		t.Fatal(err)
	}
	detail, err := c.Task(ctx, a.ID)
	if err != nil || len(detail.Comments) != 1 {
		t.Fatalf("A holds %d comments (%v), want the one", len(detail.Comments), err)
	}

	// Atomic: one failure, nothing done.
	res, err = c.Batch(ctx, []api.BatchOp{
		must(api.UpdateTaskOp(a.ID, api.TaskPatch{Title: api.Set("not kept")})),
		must(api.UpdateTaskOp(a.ID, api.TaskPatch{Title: api.Set("")})),
	}, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := res[0].Err(); !errors.As(err, &ae) || ae.Status != 424 || ae.Code != "batch_rolled_back" {
		t.Fatalf("the rolled-back operation: %v", err)
	}
	if k, _ := c.Task(ctx, a.ID); k.Title != "A" {
		t.Fatalf("title %q after a rolled-back batch", k.Title)
	}

	tooMany := make([]api.BatchOp, api.MaxBatchOps+1)
	if _, err := c.Batch(ctx, tooMany, false); err == nil {
		t.Fatal("a batch of 101 was sent")
	}
}

// A seed-only server has no batch, and a lanes server from before batches
// says so to the first (404): the client says ErrNotSupported, remembers,
// and asks no more.
func TestBatchNotSupported(t *testing.T) {
	seed := newEnv(t, server.APISeed)
	c := seed.client(seed.user("ann"))
	ctx := context.Background()
	_, err := c.Batch(ctx, []api.BatchOp{api.DeleteTaskOp("x")}, false)
	if !errors.Is(err, api.ErrNotSupported) || c.Supports(api.FeatureBatch) {
		t.Fatalf("a seed-only server: %v, supported %v", err, c.Supports(api.FeatureBatch))
	}

	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	var asked atomic.Int64
	srv := server.New(e.st, server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), server.WithRateLimit(0))
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/batch" {
			asked.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":"No such endpoint: POST /api/batch","code":"not_found"}`)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(old.Close)
	c = api.New(old.URL, ann.Token)
	for range 2 {
		if _, err := c.Batch(ctx, []api.BatchOp{api.DeleteTaskOp("x")}, false); !errors.Is(err, api.ErrNotSupported) {
			t.Fatalf("a lanes server without batches: %v", err)
		}
	}
	if asked.Load() != 1 || c.Supports(api.FeatureBatch) || !c.Supports(api.FeatureLabels) {
		t.Fatalf("asked %d times; batch supported %v, labels %v", asked.Load(), c.Supports(api.FeatureBatch), c.Supports(api.FeatureLabels))
	}
}
