package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// newColumn makes a column from body (projectId filled in) and returns it.
func (e *testEnv) newColumn(u testUser, projectID string, body map[string]any) tStatus {
	e.t.Helper()
	b := map[string]any{"projectId": projectID}
	for k, v := range body {
		b[k] = v
	}
	var out struct{ Status tStatus }
	e.do(u.Token, "POST", "/api/statuses", b).want(e.t, 201, &out)
	return out.Status
}

// names are the columns' names in board order, each checked to sit at its
// index.
func names(t *testing.T, cols []tStatus) string {
	t.Helper()
	var out []string
	for i, c := range cols {
		if c.Position != i {
			t.Fatalf("column %q at position %d, index %d: positions are not 0..n-1 in %+v", c.Name, c.Position, i, cols)
		}
		out = append(out, c.Name)
	}
	return strings.Join(out, ",")
}

func TestColumnCreate(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)

	res := e.do(u.Token, "POST", "/api/statuses", map[string]any{"projectId": b.ProjectID, "name": "  Blocked  ", "position": 1, "wipLimit": 3, "color": "#ff0000"})
	var out struct{ Status map[string]json.RawMessage }
	res.want(t, 201, &out)
	if got := fieldNames(out.Status); got != "color,id,isDone,name,position,projectId,wipLimit" {
		t.Fatalf("status fields %s", got)
	}
	var blocked tStatus
	res.want(t, 201, &struct{ Status *tStatus }{&blocked})
	if blocked.Name != "Blocked" || blocked.Position != 1 || blocked.WipLimit == nil || *blocked.WipLimit != 3 || str(blocked.Color) != `"#ff0000"` || blocked.IsDone || blocked.ProjectID != b.ProjectID {
		t.Fatalf("created %+v", blocked)
	}
	if got := names(t, e.columns(u, b.ProjectID)); got != "To Do,Blocked,In Progress,In Review,Done" {
		t.Fatalf("columns %s", got)
	}

	// No position: after the last. Past the end: after the last too. A
	// column without a limit says so with null.
	later := e.newColumn(u, b.ProjectID, map[string]any{"name": "Later", "isDone": true, "position": nil})
	if later.Position != 5 || !later.IsDone {
		t.Fatalf("appended %+v", later)
	}
	e.newColumn(u, b.ProjectID, map[string]any{"name": "Way later", "position": 99})
	if got := names(t, e.columns(u, b.ProjectID)); got != "To Do,Blocked,In Progress,In Review,Done,Later,Way later" {
		t.Fatalf("columns %s", got)
	}
	var raw []map[string]json.RawMessage
	e.do(u.Token, "GET", "/api/statuses?projectId="+b.ProjectID, nil).want(t, 200, &raw)
	if string(raw[0]["wipLimit"]) != "null" {
		t.Fatalf("a column without a limit sends wipLimit %s", raw[0]["wipLimit"])
	}

	// A project has at most 50 columns.
	for i := len(e.columns(u, b.ProjectID)); i < 50; i++ {
		e.newColumn(u, b.ProjectID, map[string]any{"name": fmt.Sprintf("c%d", i)})
	}
	er := e.do(u.Token, "POST", "/api/statuses", map[string]any{"projectId": b.ProjectID, "name": "one too many"}).wantErr(t, 400, "validation_failed")
	if !strings.Contains(er.Error, "at most 50 columns") {
		t.Fatalf("51st column: %+v", er)
	}

	// Someone else's project does not exist for you.
	bob := e.newUser("bob")
	e.do(bob.Token, "POST", "/api/statuses", map[string]any{"projectId": b.ProjectID, "name": "mine"}).wantErr(t, 404, "not_found")
	e.do(u.Token, "POST", "/api/statuses", map[string]any{"projectId": "00000000-0000-4000-8000-000000000000", "name": "x"}).wantErr(t, 404, "not_found")
}

func TestColumnUpdate(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	todo, done := b.col(t, "To Do"), b.col(t, "Done")
	patch := func(id string, body map[string]any) tStatus {
		t.Helper()
		var out struct{ Status tStatus }
		e.do(u.Token, "PATCH", "/api/statuses/"+id, body).want(t, 200, &out)
		return out.Status
	}

	st := patch(todo, map[string]any{"name": "Backlog", "wipLimit": 12, "color": "#00AA00"})
	if st.Name != "Backlog" || st.WipLimit == nil || *st.WipLimit != 12 || str(st.Color) != `"#00AA00"` || st.Position != 0 {
		t.Fatalf("patched %+v", st)
	}
	if st = patch(todo, map[string]any{"wipLimit": nil, "color": nil}); st.WipLimit != nil || st.Color != nil || st.Name != "Backlog" {
		t.Fatalf("cleared %+v", st)
	}

	// Moving a column shifts the others; positions stay 0..n-1.
	if st = patch(done, map[string]any{"position": 0}); st.Position != 0 {
		t.Fatalf("moved %+v", st)
	}
	if got := names(t, e.columns(u, b.ProjectID)); got != "Done,Backlog,In Progress,In Review" {
		t.Fatalf("after moving Done first: %s", got)
	}
	patch(done, map[string]any{"position": 99})
	patch(b.col(t, "In Progress"), map[string]any{"position": 1})
	if got := names(t, e.columns(u, b.ProjectID)); got != "Backlog,In Progress,In Review,Done" {
		t.Fatalf("after moving Done last and In Progress to 1: %s", got)
	}

	// The only done column can't stop being one.
	er := e.do(u.Token, "PATCH", "/api/statuses/"+done, map[string]any{"isDone": false}).wantErr(t, 400, "validation_failed")
	if er.Field != "isDone" || !strings.Contains(er.Error, "only done column") {
		t.Fatalf("un-done the last done column: %+v", er)
	}

	// A column that becomes done completes its cards; one that stops
	// being done reopens them, each a change with a new version.
	review := b.col(t, "In Review")
	k := e.createTask(u, b.ProjectID, map[string]any{"statusId": review, "title": "Waiting on review"})
	patch(review, map[string]any{"isDone": true})
	got := e.getTask(u, k.ID)
	if got.CompletedAt == nil || got.Version != k.Version+1 {
		t.Fatalf("a card in a column made done: %+v", got)
	}
	patch(review, map[string]any{"isDone": false})
	if got = e.getTask(u, k.ID); got.CompletedAt != nil || got.Version != k.Version+2 {
		t.Fatalf("a card in a column no longer done: %+v", got)
	}

	// A PATCH that changes nothing changes nothing.
	before := e.columns(u, b.ProjectID)
	patch(review, map[string]any{"name": "In Review", "position": 2})
	if after := e.columns(u, b.ProjectID); !slices.EqualFunc(before, after, func(a, b tStatus) bool { return a.ID == b.ID && a.Position == b.Position && a.Name == b.Name }) {
		t.Fatalf("a no-op PATCH changed the columns: %+v → %+v", before, after)
	}

	// Unknown, someone else's, malformed.
	e.do(u.Token, "PATCH", "/api/statuses/00000000-0000-4000-8000-000000000000", map[string]any{"name": "x"}).wantErr(t, 404, "not_found")
	bob := e.newUser("bob")
	e.do(bob.Token, "PATCH", "/api/statuses/"+todo, map[string]any{"name": "x"}).wantErr(t, 404, "not_found")
	e.do(u.Token, "PATCH", "/api/statuses/nope", map[string]any{"name": "x"}).wantErr(t, 400, "validation_failed")
}

func TestColumnDelete(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	todo, inProgress, review, done := b.col(t, "To Do"), b.col(t, "In Progress"), b.col(t, "In Review"), b.col(t, "Done")

	// An empty column goes without moveTo; the rest close the gap.
	e.do(u.Token, "DELETE", "/api/statuses/"+review, nil).want(t, 200, nil)
	if got := names(t, e.columns(u, b.ProjectID)); got != "To Do,In Progress,Done" {
		t.Fatalf("after deleting In Review: %s", got)
	}
	e.do(u.Token, "DELETE", "/api/statuses/"+review, nil).wantErr(t, 404, "not_found")

	// Cards already in Done, then the In Progress column's cards: one
	// active, one archived, a subtask.
	shipped := e.createTask(u, b.ProjectID, map[string]any{"statusId": done, "title": "shipped"})
	first := e.createTask(u, b.ProjectID, map[string]any{"statusId": inProgress, "title": "first"})
	second := e.createTask(u, b.ProjectID, map[string]any{"statusId": inProgress, "title": "second", "isArchived": true})
	sub := e.createTask(u, b.ProjectID, map[string]any{"statusId": inProgress, "title": "sub", "parentTaskId": first.ID})
	// A card completed from In Progress: it would reopen there.
	fromIP := e.createTask(u, b.ProjectID, map[string]any{"statusId": inProgress, "title": "done from In Progress"})
	fromIP = e.patchTask(u, fromIP.ID, map[string]any{"statusId": done})

	// Its cards need somewhere to go: a column of this project, not itself.
	bob := e.newUser("bob")
	bobs := e.personalBoard(bob)
	for _, moveTo := range []string{"", "?moveTo=" + inProgress, "?moveTo=" + bobs.col(t, "Done"), "?moveTo=nope", "?moveTo=00000000-0000-4000-8000-000000000000"} {
		er := e.do(u.Token, "DELETE", "/api/statuses/"+inProgress+moveTo, nil).wantErr(t, 400, "validation_failed")
		if er.Field != "moveTo" {
			t.Fatalf("DELETE with %q: field %q (%s)", moveTo, er.Field, er.Error)
		}
	}
	e.do(u.Token, "DELETE", "/api/statuses/"+inProgress+"?moveTo="+done, nil).want(t, 200, nil)
	if got := names(t, e.columns(u, b.ProjectID)); got != "To Do,Done" {
		t.Fatalf("after deleting In Progress: %s", got)
	}
	// Moved in order to the end of Done, and completed as a move there is.
	var moved []tTask
	for _, id := range []string{first.ID, second.ID, sub.ID} {
		k := e.getTask(u, id)
		if str(k.StatusID) != fmt.Sprintf("%q", done) || k.CompletedAt == nil || k.Version != 2 {
			t.Fatalf("%s after its column went: %+v", k.Title, k)
		}
		moved = append(moved, k)
	}
	last := e.getTask(u, shipped.ID).Position
	for _, k := range moved {
		if k.Position <= last {
			t.Fatalf("%s at %s, not after %s: %+v", k.Title, k.Position, last, moved)
		}
		last = k.Position
	}
	if got := e.getTask(u, fromIP.ID); str(got.ReopenStatusID) != "<nil>" || got.Version != fromIP.Version+1 {
		t.Fatalf("a card that would reopen into a deleted column, moved to a done one: %+v", got)
	}

	// A done column's cards moved to an open one are reopened; cards that
	// would reopen into the deleted column now reopen into moveTo.
	e.newColumn(u, b.ProjectID, map[string]any{"name": "Shipped", "isDone": true})
	blocked := e.newColumn(u, b.ProjectID, map[string]any{"name": "Blocked", "position": 1})
	fromBlocked := e.createTask(u, b.ProjectID, map[string]any{"statusId": blocked.ID, "title": "unblocked and done"})
	fromBlocked = e.patchTask(u, fromBlocked.ID, map[string]any{"completedAt": "2026-02-22T10:00:00Z"})
	if str(fromBlocked.ReopenStatusID) != fmt.Sprintf("%q", blocked.ID) {
		t.Fatalf("completed from Blocked: %+v", fromBlocked)
	}
	e.do(u.Token, "DELETE", "/api/statuses/"+blocked.ID+"?moveTo="+todo, nil).want(t, 200, nil)
	if got := e.getTask(u, fromBlocked.ID); str(got.ReopenStatusID) != fmt.Sprintf("%q", todo) {
		t.Fatalf("reopens into %s, want To Do", str(got.ReopenStatusID))
	}
	e.do(u.Token, "DELETE", "/api/statuses/"+done+"?moveTo="+todo, nil).want(t, 200, nil)
	for _, id := range []string{first.ID, second.ID, sub.ID, shipped.ID} {
		if k := e.getTask(u, id); str(k.StatusID) != fmt.Sprintf("%q", todo) || k.CompletedAt != nil {
			t.Fatalf("%s moved out of a done column: %+v", k.Title, k)
		}
	}

	// The last done column, and the last column, stay.
	shippedCol := e.columns(u, b.ProjectID)[1]
	er := e.do(u.Token, "DELETE", "/api/statuses/"+shippedCol.ID+"?moveTo="+todo, nil).wantErr(t, 400, "validation_failed")
	if !strings.Contains(er.Error, "only done column") {
		t.Fatalf("deleting the last done column: %+v", er)
	}
	e.patchTask(u, first.ID, map[string]any{"statusId": shippedCol.ID})
	e.do(u.Token, "PATCH", "/api/statuses/"+todo, map[string]any{"isDone": true}).want(t, 200, nil)
	e.do(u.Token, "DELETE", "/api/statuses/"+shippedCol.ID+"?moveTo="+todo, nil).want(t, 200, nil)
	er = e.do(u.Token, "DELETE", "/api/statuses/"+todo, nil).wantErr(t, 400, "validation_failed")
	if !strings.Contains(er.Error, "only column") {
		t.Fatalf("deleting the last column: %+v", er)
	}
	if n := len(e.columns(u, b.ProjectID)); n != 1 {
		t.Fatalf("%d columns left, want 1", n)
	}
}

// Every malformed field is a 400 naming it.
func TestColumnValidation(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	col := b.col(t, "To Do")
	create := func(extra map[string]any) map[string]any {
		body := map[string]any{"projectId": b.ProjectID, "name": "New"}
		for k, v := range extra {
			if v == "<absent>" {
				delete(body, k)
				continue
			}
			body[k] = v
		}
		return body
	}
	cases := []struct {
		name, method string
		body         any
		field        string
	}{
		{"no projectId", "POST", create(map[string]any{"projectId": "<absent>"}), "projectId"},
		{"bad projectId", "POST", create(map[string]any{"projectId": "p1"}), "projectId"},
		{"no name", "POST", create(map[string]any{"name": "<absent>"}), "name"},
		{"blank name", "POST", create(map[string]any{"name": "   "}), "name"},
		{"long name", "POST", create(map[string]any{"name": strings.Repeat("é", 101)}), "name"},
		{"name with escapes", "POST", create(map[string]any{"name": "\x1b[2J"}), "name"},
		{"name not a string", "POST", create(map[string]any{"name": 5}), "name"},
		{"isDone not a bool", "POST", create(map[string]any{"isDone": "yes"}), "isDone"},
		{"negative position", "POST", create(map[string]any{"position": -1}), "position"},
		{"fractional position", "POST", create(map[string]any{"position": 1.5}), "position"},
		{"position as a string", "POST", create(map[string]any{"position": "1"}), "position"},
		{"huge position", "POST", create(map[string]any{"position": 1e300}), "position"},
		{"wipLimit 0", "POST", create(map[string]any{"wipLimit": 0}), "wipLimit"},
		{"wipLimit 10000", "POST", create(map[string]any{"wipLimit": 10000}), "wipLimit"},
		{"wipLimit fractional", "POST", create(map[string]any{"wipLimit": 2.5}), "wipLimit"},
		{"short colour", "POST", create(map[string]any{"color": "#fff"}), "color"},
		{"named colour", "POST", create(map[string]any{"color": "red"}), "color"},
		{"colour not hex", "POST", create(map[string]any{"color": "#12345g"}), "color"},
		{"colour a number", "POST", create(map[string]any{"color": 5}), "color"},
		{"PATCH name null", "PATCH", map[string]any{"name": nil}, "name"},
		{"PATCH position null", "PATCH", map[string]any{"position": nil}, "position"},
		{"PATCH isDone null", "PATCH", map[string]any{"isDone": nil}, "isDone"},
		{"PATCH wipLimit -3", "PATCH", map[string]any{"wipLimit": -3}, "wipLimit"},
		{"PATCH not an object", "PATCH", "[]", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := "/api/statuses"
			if c.method == "PATCH" {
				path += "/" + col
			}
			er := e.do(u.Token, c.method, path, c.body).wantErr(t, 400, "validation_failed")
			if er.Field != c.field || (c.field != "" && !strings.Contains(er.Error, c.field)) {
				t.Fatalf("field %q, want %q: %s", er.Field, c.field, er.Error)
			}
		})
	}
	if got := names(t, e.columns(u, b.ProjectID)); got != "To Do,In Progress,In Review,Done" {
		t.Fatalf("refused requests changed the columns: %s", got)
	}
}

// Column writes are on the feed: the column itself, the columns that
// shifted, the cards that moved, then the deletion.
func TestColumnEvents(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, map[string]any{"title": "in review", "statusId": b.col(t, "In Review")})
	f := openFeed(t, e, u.Token, "spaceId="+b.SpaceID)

	blocked := e.newColumn(u, b.ProjectID, map[string]any{"name": "Blocked", "position": 2, "wipLimit": 2})
	ev := f.next()
	if ev.Kind != "status.created" || !strings.Contains(ev.Data, `"name":"Blocked"`) || !strings.Contains(ev.Data, `"wipLimit":2`) {
		t.Fatalf("create: %+v", ev)
	}
	for _, name := range []string{"In Review", "Done"} {
		if ev = f.next(); ev.Kind != "status.updated" || !strings.Contains(ev.Data, `"name":"`+name+`"`) {
			t.Fatalf("shifted %s: %+v", name, ev)
		}
	}
	e.do(u.Token, "PATCH", "/api/statuses/"+blocked.ID, map[string]any{"name": "Stuck"}).want(t, 200, nil)
	if ev = f.next(); ev.Kind != "status.updated" || !strings.Contains(ev.Data, `"name":"Stuck"`) {
		t.Fatalf("update: %+v", ev)
	}
	e.do(u.Token, "DELETE", "/api/statuses/"+b.col(t, "In Review")+"?moveTo="+blocked.ID, nil).want(t, 200, nil)
	if ev = f.next(); ev.Kind != "task.updated" || !strings.Contains(ev.Data, `"id":"`+k.ID+`"`) || !strings.Contains(ev.Data, `"statusId":"`+blocked.ID+`"`) {
		t.Fatalf("moved card: %+v", ev)
	}
	if ev = f.next(); ev.Kind != "status.deleted" || !strings.Contains(ev.Data, `"id":"`+b.col(t, "In Review")+`"`) || !strings.Contains(ev.Data, `"moveTo":"`+blocked.ID+`"`) {
		t.Fatalf("delete: %+v", ev)
	}
	if ev = f.next(); ev.Kind != "status.updated" || !strings.Contains(ev.Data, `"name":"Done"`) || !strings.Contains(ev.Data, `"position":3`) {
		t.Fatalf("closing the gap: %+v", ev)
	}
}

// The task list (cached between reads) follows column changes at once.
func TestColumnChangesReachTheTaskList(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, map[string]any{"title": "card", "statusId": b.col(t, "In Progress")})
	e.createTask(u, b.ProjectID, map[string]any{"title": "first", "statusId": b.col(t, "To Do")})
	if got := e.listTasks(u, b.ProjectID, false); got[0].Title != "first" {
		t.Fatalf("list %+v", got)
	}
	e.do(u.Token, "PATCH", "/api/statuses/"+b.col(t, "In Progress"), map[string]any{"position": 0}).want(t, 200, nil)
	if got := e.listTasks(u, b.ProjectID, false); got[0].Title != "card" {
		t.Fatalf("after moving the card's column first, the list starts with %q", got[0].Title)
	}
	e.do(u.Token, "DELETE", "/api/statuses/"+b.col(t, "In Progress")+"?moveTo="+b.col(t, "Done"), nil).want(t, 200, nil)
	got := e.listTasks(u, b.ProjectID, false)
	if got[1].ID != k.ID || str(got[1].StatusID) != fmt.Sprintf("%q", b.col(t, "Done")) || got[1].CompletedAt == nil {
		t.Fatalf("after deleting its column, the list has %+v", got)
	}
}

// A keyed column write is done once however often it is retried.
func TestColumnIdempotency(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	body := map[string]any{"projectId": b.ProjectID, "name": "Blocked"}
	first := e.do(u.Token, "POST", "/api/statuses", body, "Idempotency-Key", "col-1").want(t, 201, nil)
	again := e.do(u.Token, "POST", "/api/statuses", body, "Idempotency-Key", "col-1").want(t, 201, nil)
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry answered %s (replayed %q), first %s", again.Body, again.Header.Get("Idempotent-Replayed"), first.Body)
	}
	if got := names(t, e.columns(u, b.ProjectID)); got != "To Do,In Progress,In Review,Done,Blocked" {
		t.Fatalf("columns after a retried create: %s", got)
	}
	var out struct{ Status tStatus }
	first.want(t, 201, &out)
	k := e.createTask(u, b.ProjectID, map[string]any{"statusId": out.Status.ID})
	del := "/api/statuses/" + out.Status.ID + "?moveTo=" + b.col(t, "To Do")
	e.do(u.Token, "DELETE", del, nil, "Idempotency-Key", "del-1").want(t, 200, nil)
	if r := e.do(u.Token, "DELETE", del, nil, "Idempotency-Key", "del-1").want(t, 200, nil); r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("a retried delete was not a replay")
	}
	// The same key for another moveTo is another request.
	e.do(u.Token, "DELETE", "/api/statuses/"+out.Status.ID+"?moveTo="+b.col(t, "Done"), nil, "Idempotency-Key", "del-1").wantErr(t, 409, "idempotency_mismatch")
	if got := e.getTask(u, k.ID); got.Version != 2 || str(got.StatusID) != fmt.Sprintf("%q", b.col(t, "To Do")) {
		t.Fatalf("the card after a retried delete: %+v", got)
	}
}
