package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// tOp is one operation of a batch as a client writes it.
type tOp map[string]any

func op(method, path string, body any, key ...string) tOp {
	o := tOp{"method": method, "path": path}
	if body != nil {
		o["body"] = body
	}
	if len(key) > 0 {
		o["idempotencyKey"] = key[0]
	}
	return o
}

// tResult is one operation's answer.
type tResult struct {
	Status   int             `json:"status"`
	Body     json.RawMessage `json:"body"`
	Replayed bool            `json:"replayed"`
}

// err is the result's error body, failing unless it has the status and
// code.
func (r tResult) err(t *testing.T, i, status int, code string) apiErr {
	t.Helper()
	var e apiErr
	if r.Status != status || json.Unmarshal(r.Body, &e) != nil || e.Code != code || e.Error == "" {
		t.Fatalf("operations[%d]: %d %s, want %d with code %q", i, r.Status, r.Body, status, code)
	}
	return e
}

// task is the result's {"task": …}, failing unless it has the status.
func (r tResult) task(t *testing.T, i, status int) tTask {
	t.Helper()
	var out struct{ Task *tTask }
	if r.Status != status || json.Unmarshal(r.Body, &out) != nil || out.Task == nil {
		t.Fatalf("operations[%d]: %d %s, want %d with a task", i, r.Status, r.Body, status)
	}
	return *out.Task
}

// batch sends the operations and returns the results, failing unless the
// batch itself was answered 200 with one result per operation.
func (e *testEnv) batch(t *testing.T, token string, atomic bool, ops ...any) []tResult {
	t.Helper()
	var out struct{ Results []tResult }
	e.do(token, "POST", "/api/batch", map[string]any{"operations": ops, "atomic": atomic}).want(t, 200, &out)
	if len(out.Results) != len(ops) {
		t.Fatalf("%d results for %d operations", len(out.Results), len(ops))
	}
	return out.Results
}

// A batch carries creates, changes, comments, assignees, reads, deletes and
// restores, each answered as it would be alone and in order (a read sees
// the writes before it); an operation that fails, or that a batch can't
// carry, is that operation's error and the others still happen.
func TestBatchMixedOperations(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	owner, pid := tm.Owner, tm.Board.ProjectID
	a := e.createTask(owner, pid, map[string]any{"title": "A"})
	missing := "01a22b3c-0000-7000-8000-000000000000"
	res := e.batch(t, owner.Token, false,
		op("POST", "/api/tasks", map[string]any{"projectId": pid, "title": "made in a batch"}),
		op("PATCH", "/api/tasks/"+a.ID, map[string]any{"priority": "high"}),
		op("POST", "/api/tasks/"+a.ID+"/comments", map[string]any{"content": "hello"}),
		op("POST", "/api/tasks/"+a.ID+"/assignees", map[string]any{"userId": tm.Member.ID}),
		op("GET", "/api/tasks/"+a.ID, nil),
		op("PATCH", "/api/tasks/"+a.ID, map[string]any{"priority": "huge"}),
		op("PATCH", "/api/tasks/"+missing, map[string]any{"title": "x"}),
		op("GET", "/api/spaces", nil),
		op("GET", "/api/nowhere", nil),
		op("PUT", "/api/tasks/"+a.ID, map[string]any{"title": "x"}),
		"not an operation",
		op("DELETE", "/api/tasks/"+a.ID+"/assignees/"+tm.Member.ID, nil),
		op("GET", "/api/tasks?projectId="+pid, nil),
		op("DELETE", "/api/tasks/"+a.ID, nil),
		op("POST", "/api/tasks/"+a.ID+"/restore", nil),
		op("PATCH", "/api/projects/"+pid, map[string]any{"name": "renamed by a batch"}),
		op("POST", "/api/tasks/"+a.ID+"/comments", "not an object"),
		op("GET", "/api/tasks/../spaces", nil),
		op("POST", "/api/batch", map[string]any{"operations": []any{}}),
		op("PATCH", "/api/tasks/"+a.ID, map[string]any{"title": "A, renamed"}),
	)
	if k := res[0].task(t, 0, 201); k.Title != "made in a batch" || k.CreatorID != owner.ID {
		t.Fatalf("created %+v", k)
	}
	if k := res[1].task(t, 1, 200); k.Priority != "high" {
		t.Fatalf("patched %+v", k)
	}
	var c struct{ Comment tComment }
	if res[2].Status != 201 || json.Unmarshal(res[2].Body, &c) != nil || c.Comment.Content != "hello" || c.Comment.AuthorID != owner.ID {
		t.Fatalf("comment: %d %s", res[2].Status, res[2].Body)
	}
	if k := res[3].task(t, 3, 200); len(k.AssigneeIDs) != 1 || k.AssigneeIDs[0] != tm.Member.ID {
		t.Fatalf("assigned %+v", k)
	}
	if k := res[4].task(t, 4, 200); k.Priority != "high" || len(k.Comments) != 1 || len(k.AssigneeIDs) != 1 {
		t.Fatalf("the read did not see the writes before it: %+v", k)
	}
	if e := res[5].err(t, 5, 400, "validation_failed"); e.Field != "priority" {
		t.Fatalf("bad priority: %+v", e)
	}
	// The same error body a single request gets.
	alone := e.do(owner.Token, "PATCH", "/api/tasks/"+a.ID, map[string]any{"priority": "huge"})
	if !bytes.Equal(bytes.TrimSpace(alone.Body), res[5].Body) {
		t.Fatalf("batched error %s, alone %s", res[5].Body, alone.Body)
	}
	res[6].err(t, 6, 404, "not_found")
	if e := res[7].err(t, 7, 400, "validation_failed"); e.Field != "operations[7].path" || !strings.Contains(e.Error, "GET /api/spaces") {
		t.Fatalf("a route a batch does not carry: %+v", e)
	}
	res[8].err(t, 8, 404, "not_found")
	if e := res[9].err(t, 9, 400, "validation_failed"); e.Field != "operations[9].method" {
		t.Fatalf("PUT: %+v", e)
	}
	if e := res[10].err(t, 10, 400, "validation_failed"); e.Field != "operations[10]" {
		t.Fatalf("a string for an operation: %+v", e)
	}
	if k := res[11].task(t, 11, 200); len(k.AssigneeIDs) != 0 {
		t.Fatalf("unassigned %+v", k)
	}
	var list []tTask
	if res[12].Status != 200 || json.Unmarshal(res[12].Body, &list) != nil || len(list) != 2 {
		t.Fatalf("list: %d %s", res[12].Status, res[12].Body)
	}
	if res[13].Status != 200 || string(res[13].Body) != `{"success":true}` {
		t.Fatalf("delete: %d %s", res[13].Status, res[13].Body)
	}
	res[14].task(t, 14, 200)
	if e := res[15].err(t, 15, 400, "validation_failed"); e.Field != "operations[15].path" {
		t.Fatalf("a project change: %+v", e)
	}
	if e := res[16].err(t, 16, 400, "validation_failed"); !strings.Contains(e.Error, "JSON object") {
		t.Fatalf("a body that is not an object: %+v", e)
	}
	if e := res[17].err(t, 17, 400, "validation_failed"); e.Field != "operations[17].path" {
		t.Fatalf("an unclean path: %+v", e)
	}
	if e := res[18].err(t, 18, 400, "validation_failed"); e.Field != "operations[18].path" {
		t.Fatalf("a batch in a batch: %+v", e)
	}
	res[19].task(t, 19, 200)

	// What the server holds afterwards is what the operations did.
	got := e.getTask(owner, a.ID)
	if got.Title != "A, renamed" || got.Priority != "high" || len(got.Comments) != 1 || len(got.AssigneeIDs) != 0 {
		t.Fatalf("A afterwards: %+v", got)
	}
	if l := e.listTasks(owner, pid, false); len(l) != 2 {
		t.Fatalf("%d tasks, want 2", len(l))
	}
	var p []tProject
	e.do(owner.Token, "GET", "/api/projects?spaceId="+tm.SpaceID, nil).want(t, 200, &p)
	if p[0].Name == "renamed by a batch" {
		t.Fatal("a batch changed a project")
	}
}

// An atomic batch writes all or nothing: one failing operation rolls back
// the others, whose answers say so (424 batch_rolled_back); nothing of it
// reaches the change feed or the task list, and its keys are not kept.
// When all succeed, the feed and the list see each change as they see a
// single request's.
func TestBatchAtomic(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	a := e.createTask(u, bd.ProjectID, map[string]any{"title": "A"})
	e.listTasks(u, bd.ProjectID, false) // so that the list is cached
	f := openFeed(t, e, u.Token, "spaceId="+bd.SpaceID)

	res := e.batch(t, u.Token, true,
		op("POST", "/api/tasks", map[string]any{"projectId": bd.ProjectID, "title": "ghost"}, "ghost-key"),
		op("PATCH", "/api/tasks/"+a.ID, map[string]any{"title": "changed"}),
		op("GET", "/api/tasks?projectId="+bd.ProjectID, nil),
		op("POST", "/api/tasks/"+a.ID+"/comments", map[string]any{"content": "lost"}),
		op("PATCH", "/api/tasks/"+a.ID, map[string]any{"priority": "huge"}),
		op("POST", "/api/tasks", map[string]any{"projectId": bd.ProjectID, "title": "never run"}),
	)
	if e := res[4].err(t, 4, 400, "validation_failed"); e.Field != "priority" {
		t.Fatalf("the failing operation: %+v", e)
	}
	for _, i := range []int{0, 1, 2, 3, 5} {
		if e := res[i].err(t, i, 424, "batch_rolled_back"); !strings.Contains(e.Error, "operations[4]") {
			t.Fatalf("operations[%d] does not name the one that failed: %+v", i, e)
		}
	}
	list := e.listTasks(u, bd.ProjectID, false)
	if len(list) != 1 || list[0].Title != "A" || list[0].Version != a.Version || list[0].CommentCount != 0 {
		t.Fatalf("a rolled-back batch left %+v", list)
	}
	// The feed's next event is the next real change, not the batch's.
	e.patchTask(u, a.ID, map[string]any{"priority": "low"})
	if ev := f.next(); ev.Kind != "task.updated" || !strings.Contains(ev.Data, `"priority":"low"`) {
		t.Fatalf("after a rolled-back batch the feed sent %+v", ev)
	}
	// Its key was not kept: the create runs when sent again.
	again := e.batch(t, u.Token, true, op("POST", "/api/tasks", map[string]any{"projectId": bd.ProjectID, "title": "ghost"}, "ghost-key"))
	if again[0].task(t, 0, 201); again[0].Replayed {
		t.Fatal("the rolled-back batch's key was kept")
	}
	if ev := f.next(); ev.Kind != "task.created" {
		t.Fatalf("feed: %+v", ev)
	}

	// All succeed: all are written, in one transaction, and seen in order.
	res = e.batch(t, u.Token, true,
		op("POST", "/api/tasks", map[string]any{"projectId": bd.ProjectID, "title": "B"}),
		op("PATCH", "/api/tasks/"+a.ID, map[string]any{"title": "A2"}),
		op("GET", "/api/tasks?projectId="+bd.ProjectID, nil),
		op("POST", "/api/tasks/"+a.ID+"/comments", map[string]any{"content": "kept"}),
	)
	res[0].task(t, 0, 201)
	res[1].task(t, 1, 200)
	var inside []tTask
	if res[2].Status != 200 || json.Unmarshal(res[2].Body, &inside) != nil || len(inside) != 3 {
		t.Fatalf("the read inside the batch: %d %s", res[2].Status, res[2].Body)
	}
	if res[3].Status != 201 {
		t.Fatalf("comment: %d %s", res[3].Status, res[3].Body)
	}
	for _, want := range []string{"task.created", "task.updated", "comment.created"} {
		if ev := f.next(); ev.Kind != want {
			t.Fatalf("feed sent %+v, want %s", ev, want)
		}
	}
	list = e.listTasks(u, bd.ProjectID, false)
	titles := map[string]bool{}
	for _, k := range list {
		titles[k.Title] = true
	}
	if len(list) != 3 || !titles["A2"] || !titles["B"] || !titles["ghost"] {
		t.Fatalf("list after the batch: %+v", list)
	}
	if got := e.getTask(u, a.ID); len(got.Comments) != 1 || got.Comments[0].Content != "kept" {
		t.Fatalf("A after the batch: %+v", got)
	}

	// An operation that can't even be read fails the batch as well.
	res = e.batch(t, u.Token, true,
		op("PATCH", "/api/tasks/"+a.ID, map[string]any{"title": "not this"}),
		op("GET", "/api/spaces", nil),
	)
	res[0].err(t, 0, 424, "batch_rolled_back")
	res[1].err(t, 1, 400, "validation_failed")
	if got := e.getTask(u, a.ID); got.Title != "A2" {
		t.Fatalf("title %q after a rolled-back batch", got.Title)
	}
}

// A batch sent again with the same keys is answered from each operation's
// idempotency record and makes nothing twice; the records are the
// Idempotency-Key header's own, so a change first sent alone and then in a
// batch (or the other way round) is made once.
func TestBatchIdempotentReplay(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	a := e.createTask(u, bd.ProjectID, map[string]any{"title": "A"})
	create := map[string]any{"projectId": bd.ProjectID, "title": "made once"}
	var ops []any
	for _, atomic := range []bool{false, true} {
		t.Run(fmt.Sprintf("atomic=%v", atomic), func(t *testing.T) {
			b := e.createTask(u, bd.ProjectID, map[string]any{"title": "B"})
			k := fmt.Sprintf("-%v", atomic)
			ops = []any{
				op("POST", "/api/tasks", create, "k-create"+k),
				op("POST", "/api/tasks/"+a.ID+"/comments", map[string]any{"content": "once"}, "k-comment"+k),
				op("PATCH", "/api/tasks/"+a.ID, map[string]any{"priority": "urgent"}, "k-patch"+k),
				op("DELETE", "/api/tasks/"+b.ID, nil, "k-delete"+k),
			}
			first := e.batch(t, u.Token, atomic, ops...)
			second := e.batch(t, u.Token, atomic, ops...)
			for i := range ops {
				if first[i].Status >= 300 || first[i].Replayed || second[i].Status != first[i].Status || !bytes.Equal(second[i].Body, first[i].Body) || !second[i].Replayed {
					t.Fatalf("operations[%d]: first %d %s, again %d %s replayed %v", i, first[i].Status, first[i].Body, second[i].Status, second[i].Body, second[i].Replayed)
				}
			}
		})
	}
	list := e.listTasks(u, bd.ProjectID, false)
	if len(list) != 3 {
		t.Fatalf("%d tasks after two batches each sent twice, want A and two new", len(list))
	}
	// A comment and a first priority change per batch: two versions each.
	if got := e.getTask(u, a.ID); len(got.Comments) != 2 || got.Version != a.Version+3 {
		t.Fatalf("A: %d comments, version %d (was %d): a change was made twice", len(got.Comments), got.Version, a.Version)
	}
	// A single request with a batched operation's key gets its answer.
	var firstCreate struct{ Task tTask }
	json.Unmarshal(e.batch(t, u.Token, false, ops[0])[0].Body, &firstCreate)
	alone := e.do(u.Token, "POST", "/api/tasks", create, "Idempotency-Key", "k-create-true").want(t, 201, nil)
	var aloneCreate struct{ Task tTask }
	alone.want(t, 201, &aloneCreate)
	if alone.Header.Get("Idempotent-Replayed") != "true" || aloneCreate.Task.ID != firstCreate.Task.ID {
		t.Fatalf("alone after batched: replayed %q, task %s want %s", alone.Header.Get("Idempotent-Replayed"), aloneCreate.Task.ID, firstCreate.Task.ID)
	}
	// And a batch gets a single request's.
	single := e.do(u.Token, "PATCH", "/api/tasks/"+a.ID, map[string]any{"title": "once more"}, "Idempotency-Key", "k-single").want(t, 200, nil)
	res := e.batch(t, u.Token, false, op("PATCH", "/api/tasks/"+a.ID, map[string]any{"title": "once more"}, "k-single"))
	if !res[0].Replayed || !bytes.Equal(res[0].Body, bytes.TrimSpace(single.Body)) {
		t.Fatalf("batched after alone: %s replayed %v", res[0].Body, res[0].Replayed)
	}
	// A key used again for another request is that operation's 409.
	res = e.batch(t, u.Token, false,
		op("PATCH", "/api/tasks/"+a.ID, map[string]any{"title": "something else"}, "k-single"),
		op("PATCH", "/api/tasks/"+a.ID, map[string]any{"priority": "low"}, "k-new"))
	res[0].err(t, 0, 409, "idempotency_mismatch")
	res[1].task(t, 1, 200)
	if got := e.getTask(u, a.ID); got.Title != "once more" {
		t.Fatalf("a mismatched key changed the title to %q", got.Title)
	}
}

// The batch's own limits: at most 100 operations, a 4 MiB body, each
// operation's body at most what it may be alone, a bounded total of read
// answers; a malformed batch is one 400 naming its field; a seed-only
// server has no batch at all.
func TestBatchLimits(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	create := func(title string) tOp {
		return op("POST", "/api/tasks", map[string]any{"projectId": bd.ProjectID, "title": title})
	}
	many := make([]any, 101)
	for i := range many {
		many[i] = create(fmt.Sprintf("t%d", i))
	}
	if e := e.do(u.Token, "POST", "/api/batch", map[string]any{"operations": many}).wantErr(t, 400, "validation_failed"); e.Field != "operations" || !strings.Contains(e.Error, "100") {
		t.Fatalf("101 operations: %+v", e)
	}
	if n := len(e.listTasks(u, bd.ProjectID, false)); n != 0 {
		t.Fatalf("a refused batch made %d tasks", n)
	}
	if res := e.batch(t, u.Token, false, many[:100]...); res[99].Status != 201 {
		t.Fatalf("the 100th operation: %d %s", res[99].Status, res[99].Body)
	}
	for _, tc := range []struct {
		body  string
		field string
	}{
		{`{}`, "operations"},
		{`{"operations": {"method": "GET"}}`, "operations"},
		{`{"operations": [], "atomic": "yes"}`, "atomic"},
		{`[]`, ""},
		{`{"operations": [`, ""},
	} {
		if got := e.do(u.Token, "POST", "/api/batch", tc.body).wantErr(t, 400, "validation_failed"); got.Field != tc.field {
			t.Errorf("%s: field %q, want %q (%s)", tc.body, got.Field, tc.field, got.Error)
		}
	}
	var empty struct{ Results []tResult }
	if res := e.do(u.Token, "POST", "/api/batch", `{"operations": []}`).want(t, 200, &empty); empty.Results == nil || !strings.Contains(string(res.Body), `"results":[]`) {
		t.Fatalf("an empty batch: %s", res.Body)
	}

	// Each operation's body is held to a single request's 1 MiB; the
	// batch's to 4 MiB.
	big := strings.Repeat("x", 1<<20)
	res := e.batch(t, u.Token, false,
		op("POST", "/api/tasks", map[string]any{"projectId": bd.ProjectID, "title": "big", "description": big}),
		create("small"))
	res[0].err(t, 0, 413, "payload_too_large")
	res[1].task(t, 1, 201)
	huge := make([]any, 5)
	for i := range huge {
		huge[i] = op("PATCH", "/api/tasks/x", map[string]any{"description": big[:1<<20-100]})
	}
	if got := e.do(u.Token, "POST", "/api/batch", map[string]any{"operations": huge}).wantErr(t, 413, "payload_too_large"); !strings.Contains(got.Error, "4 MiB") {
		t.Fatalf("a 5 MiB batch: %+v", got)
	}

	// A key no store can keep is the operation's 400, naming it.
	res = e.batch(t, u.Token, false, op("POST", "/api/tasks", map[string]any{"projectId": bd.ProjectID, "title": "k"}, "bad\nkey"))
	if got := res[0].err(t, 0, 400, "validation_failed"); got.Field != "operations[0].idempotencyKey" {
		t.Fatalf("a bad key: %+v", got)
	}

	// The reads' answers together are bounded: past 16 MiB the rest of
	// the reads are refused, each saying to send it alone.
	long := strings.Repeat("y", 200_000)
	p := e.createTask(u, bd.ProjectID, map[string]any{"title": "long", "description": long})
	reads := make([]any, 100)
	for i := range reads {
		reads[i] = op("GET", "/api/tasks/"+p.ID, nil)
	}
	res = e.batch(t, u.Token, false, reads...)
	res[0].task(t, 0, 200)
	if got := res[99].err(t, 99, 413, "batch_too_large"); !strings.Contains(got.Error, "operations[99]") {
		t.Fatalf("the last read: %+v", got)
	}
	served := 0
	for _, r := range res {
		if r.Status == 200 {
			served += len(r.Body)
		}
	}
	if served > 16<<20 {
		t.Fatalf("%d bytes of reads answered in one batch", served)
	}

	// A seed-only server has no batch.
	seed := newTestEnvOn(t, e.st, server.WithAPI(server.APISeed))
	seed.do(u.Token, "POST", "/api/batch", `{"operations": []}`).wantErr(t, 404, "not_found")
}

// Each operation runs with the caller's role: a Viewer reads but can't
// write, someone outside the space is told the task does not exist, and in
// a batch that is not atomic the operations they may do still happen.
func TestBatchRoles(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	pid := tm.Board.ProjectID
	k := e.createTask(tm.Owner, pid, map[string]any{"title": "T"})
	ops := []any{
		op("GET", "/api/tasks/"+k.ID, nil),
		op("PATCH", "/api/tasks/"+k.ID, map[string]any{"title": "changed"}),
		op("POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": "hi"}),
		op("POST", "/api/tasks", map[string]any{"projectId": pid, "title": "new"}),
		op("DELETE", "/api/tasks/"+k.ID, nil),
		op("GET", "/api/tasks?projectId="+pid, nil),
	}
	res := e.batch(t, tm.Viewer.Token, false, ops...)
	res[0].task(t, 0, 200)
	for _, i := range []int{1, 2, 3, 4} {
		res[i].err(t, i, 403, "forbidden")
	}
	if res[5].Status != 200 {
		t.Fatalf("a viewer's list: %d %s", res[5].Status, res[5].Body)
	}
	res = e.batch(t, tm.Others.Token, false, ops...)
	for i := range ops {
		res[i].err(t, i, 404, "not_found")
	}
	if got := e.getTask(tm.Owner, k.ID); got.Title != "T" || len(got.Comments) != 0 || len(e.listTasks(tm.Owner, pid, false)) != 1 {
		t.Fatalf("a viewer's or an outsider's batch changed things: %+v", got)
	}
	// A member writes, but deletes only their own tasks.
	res = e.batch(t, tm.Member.Token, false, ops...)
	res[1].task(t, 1, 200)
	res[4].err(t, 4, 403, "forbidden")
	// Atomic, the viewer's write undoes nothing but fails the batch.
	res = e.batch(t, tm.Viewer.Token, true, ops[0], ops[1])
	res[0].err(t, 0, 424, "batch_rolled_back")
	res[1].err(t, 1, 403, "forbidden")
}

// A batch counts against the rate limit as one request per ten operations
// (rounded up): fewer round trips, not more writes than the limit allows.
// Refused, it does nothing and counts nothing; Retry-After says when the
// whole of it fits. Above the limit, it counts as the whole limit.
func TestBatchRateLimit(t *testing.T) {
	clock := newFakeClock()
	e := newTestEnvOn(t, openTestStore(t, store.WithClock(clock.Now)), server.WithRateLimit(100), server.WithClock(clock.Now))
	u := e.newUser("ann")
	bd := e.personalBoard(u) // 3 requests
	t0 := clock.Now()
	reads := func(n int) []any {
		ops := make([]any, n)
		for i := range ops {
			ops[i] = op("GET", "/api/tasks?projectId="+bd.ProjectID, nil)
		}
		return ops
	}
	send := func(ops []any) testResp {
		return e.do(u.Token, "POST", "/api/batch", map[string]any{"operations": ops})
	}
	wantLimit(t, send(reads(5)), 200, 100, 96, t0.Add(time.Minute), 0)
	wantLimit(t, send(reads(100)), 200, 100, 86, t0.Add(time.Minute), 0)
	for i := 0; i < 7; i++ {
		send(reads(100)).want(t, 200, nil)
	}
	// 16 left: a batch of 100 weighs 10 and fits, then one of 61 (7) does not.
	wantLimit(t, send(reads(100)), 200, 100, 6, t0.Add(time.Minute), 0)
	clock.Advance(10 * time.Second)
	creates := make([]any, 61)
	for i := range creates {
		creates[i] = op("POST", "/api/tasks", map[string]any{"projectId": bd.ProjectID, "title": "over the limit"})
	}
	wantLimit(t, send(creates), 429, 100, 6, t0.Add(time.Minute), 50)
	// It gave its one request back: six single requests still pass.
	for i := 0; i < 6; i++ {
		e.do(u.Token, "GET", "/api/me", nil).want(t, 200, nil)
	}
	e.do(u.Token, "GET", "/api/me", nil).wantErr(t, 429, "")
	clock.Advance(time.Minute)
	if n := len(e.listTasks(u, bd.ProjectID, false)); n != 0 {
		t.Fatalf("a refused batch made %d tasks", n)
	}

	// With a limit below a batch's weight, a batch counts as the whole limit.
	small := newTestEnvOn(t, e.st, server.WithRateLimit(5), server.WithClock(clock.Now))
	t1 := clock.Now()
	wantLimit(t, small.do(u.Token, "POST", "/api/batch", map[string]any{"operations": reads(100)}), 200, 5, 0, t1.Add(time.Minute), 0)
	wantLimit(t, small.do(u.Token, "POST", "/api/batch", map[string]any{"operations": reads(1)}), 429, 5, 0, t1.Add(time.Minute), 60)
}
