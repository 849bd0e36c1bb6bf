package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// restored is a task as the restore answers it, with the lanes fields the
// shared fixtures do not read.
type restored struct {
	tTask
	ReopenStatusID *string `json:"reopenStatusId"`
}

func (e *testEnv) restore(token, id string) testResp {
	e.t.Helper()
	return e.do(token, "POST", "/api/tasks/"+id+"/restore", nil)
}

// A deleted task comes back under its id, where it was, with its subtasks
// (same ids), comments and assignees; boards hear of each task; the list
// is as before; restoring twice is a conflict and an unknown id a 404.
func TestRestoreDeletedTask(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	b := tm.Board
	review := b.col(t, "In Review")
	e.createTask(tm.Owner, b.ProjectID, map[string]any{"title": "before", "statusId": review})
	p := e.createTask(tm.Owner, b.ProjectID, map[string]any{"title": "parent", "statusId": review, "priority": "high"})
	e.createTask(tm.Owner, b.ProjectID, map[string]any{"title": "after", "statusId": review})
	s := e.createTask(tm.Owner, b.ProjectID, map[string]any{"title": "child", "parentTaskId": p.ID})
	g := e.createTask(tm.Owner, b.ProjectID, map[string]any{"title": "grandchild", "parentTaskId": s.ID})
	e.do(tm.Member.Token, "POST", "/api/tasks/"+p.ID+"/comments", map[string]any{"content": "on the parent"}).want(t, 201, nil)
	e.do(tm.Owner.Token, "POST", "/api/tasks/"+s.ID+"/comments", map[string]any{"content": "on the child"}).want(t, 201, nil)
	for _, a := range []struct{ task, user string }{{p.ID, tm.Member.ID}, {p.ID, tm.Admin.ID}, {s.ID, tm.Member.ID}} {
		e.do(tm.Owner.Token, "POST", "/api/tasks/"+a.task+"/assignees", map[string]any{"userId": a.user}).want(t, 200, nil)
	}
	was := e.getTask(tm.Owner, p.ID)
	listBefore := e.listTasks(tm.Owner, b.ProjectID, false) // the list cache now holds it

	f := openFeed(t, e, tm.Viewer.Token, "spaceId="+b.SpaceID)
	e.do(tm.Owner.Token, "DELETE", "/api/tasks/"+p.ID, nil).want(t, 200, nil)
	for i := 0; i < 3; i++ {
		if ev := f.next(); ev.Kind != "task.deleted" {
			t.Fatalf("event %d after the delete: %+v", i, ev)
		}
	}
	e.do(tm.Owner.Token, "GET", "/api/tasks/"+p.ID, nil).wantErr(t, 404, "not_found")
	if got := e.listTasks(tm.Owner, b.ProjectID, false); len(got) != len(listBefore)-3 {
		t.Fatalf("after the delete the list has %d tasks, want %d", len(got), len(listBefore)-3)
	}

	var out struct{ Task restored }
	e.restore(tm.Owner.Token, p.ID).want(t, 200, &out)
	k := out.Task
	if k.ID != p.ID || str(k.StatusID) != str(was.StatusID) || k.Position != was.Position || k.Priority != "high" || k.Title != "parent" {
		t.Fatalf("restored %+v (status %s), want it as it was: %+v", k, str(k.StatusID), was)
	}
	if k.CommentCount != 1 || len(was.AssigneeIDs) != 2 || !slices.Equal(k.AssigneeIDs, was.AssigneeIDs) || k.Version != was.Version+1 {
		t.Fatalf("restored comments %d, assignees %v, version %d; want 1, %v, %d", k.CommentCount, k.AssigneeIDs, k.Version, was.AssigneeIDs, was.Version+1)
	}
	for _, id := range []string{p.ID, s.ID, g.ID} {
		ev := f.next()
		var payload tTask
		if ev.Kind != "task.restored" || json.Unmarshal([]byte(ev.Data), &payload) != nil || payload.ID != id {
			t.Fatalf("after the restore, event %+v; want task.restored of %s", ev, id)
		}
	}

	got := e.getTask(tm.Viewer, p.ID)
	if len(got.Comments) != 1 || got.Comments[0].Content != "on the parent" || got.Comments[0].AuthorName != "member" {
		t.Fatalf("restored comments %+v", got.Comments)
	}
	if len(got.Subtasks) != 1 || got.Subtasks[0].ID != s.ID {
		t.Fatalf("restored subtasks %+v, want %s", got.Subtasks, s.ID)
	}
	child := e.getTask(tm.Viewer, s.ID)
	if len(child.Comments) != 1 || child.Comments[0].Content != "on the child" || len(child.AssigneeIDs) != 1 ||
		len(child.Subtasks) != 1 || child.Subtasks[0].ID != g.ID {
		t.Fatalf("restored child %+v", child)
	}
	if got := titlesOf(e.listTasks(tm.Owner, b.ProjectID, false)); got != titlesOf(listBefore) {
		t.Fatalf("the list after the restore\n%s\nwant\n%s", got, titlesOf(listBefore))
	}

	e.restore(tm.Owner.Token, p.ID).wantErr(t, 409, "not_deleted")
	e.restore(tm.Owner.Token, s.ID).wantErr(t, 409, "not_deleted")
	e.restore(tm.Owner.Token, store.NewID()).wantErr(t, 404, "not_found")
	e.restore(tm.Owner.Token, "nope").wantErr(t, 400, "validation_failed")
}

func titlesOf(ts []tTask) string {
	var out []string
	for _, k := range ts {
		out = append(out, k.Title+"@"+k.Position)
	}
	return strings.Join(out, ",")
}

// Restoring takes the roles deleting takes: Owner, Admin or the task's
// creator; a Viewer is refused; someone outside the space is told there is
// no such task. A refusal restores nothing.
func TestRestoreRoles(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	deleted := func(by testUser) string {
		k := e.createTask(by, tm.Board.ProjectID, map[string]any{"title": "doomed"})
		e.do(by.Token, "DELETE", "/api/tasks/"+k.ID, nil).want(t, 200, nil)
		return k.ID
	}
	for _, c := range []struct {
		role   string
		status int
	}{{"owner", 200}, {"admin", 200}, {"member", 403}, {"viewer", 403}, {"outsider", 404}, {"anonymous", 401}} {
		id := deleted(tm.Owner)
		res := e.restore(tm.as(c.role), id)
		if res.Status != c.status {
			t.Fatalf("%s restoring the owner's task: %d %s, want %d", c.role, res.Status, res.Body, c.status)
		}
		if c.status != 200 {
			res.wantErr(t, c.status, codeFor[c.status])
			e.do(tm.Owner.Token, "GET", "/api/tasks/"+id, nil).wantErr(t, 404, "not_found")
		}
	}
	// A Member may restore a task they created.
	e.restore(tm.Member.Token, deleted(tm.Member)).want(t, 200, nil)
}

// What no longer makes sense stays out and the rest comes back: an
// assignee who left the space is not put back (a comment they wrote is),
// and a task whose column was removed comes back at the end of the first.
func TestRestoreWhatStillMakesSense(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	b := tm.Board
	review, todo := b.col(t, "In Review"), b.col(t, "To Do")
	last := e.createTask(tm.Owner, b.ProjectID, map[string]any{"title": "last in To Do"})
	k := e.createTask(tm.Owner, b.ProjectID, map[string]any{"title": "reviewed", "statusId": review})
	e.do(tm.Member.Token, "POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": "by someone who leaves"}).want(t, 201, nil)
	for _, u := range []testUser{tm.Member, tm.Admin} {
		e.do(tm.Owner.Token, "POST", "/api/tasks/"+k.ID+"/assignees", map[string]any{"userId": u.ID}).want(t, 200, nil)
	}
	e.do(tm.Owner.Token, "DELETE", "/api/tasks/"+k.ID, nil).want(t, 200, nil)
	e.do(tm.Owner.Token, "DELETE", "/api/spaces/"+tm.SpaceID+"/members/"+tm.Member.ID, nil).want(t, 200, nil)

	e.execSQL(`DELETE FROM statuses WHERE id = ?`, review)

	var out struct{ Task restored }
	e.restore(tm.Owner.Token, k.ID).want(t, 200, &out)
	got := out.Task
	if str(got.StatusID) != fmt.Sprintf("%q", todo) || got.Position <= last.Position {
		t.Fatalf("restored into %s at %q, want the end of To Do (after %q)", str(got.StatusID), got.Position, last.Position)
	}
	if strings.Join(got.AssigneeIDs, ",") != tm.Admin.ID {
		t.Fatalf("restored assignees %v, want only the admin who is still a member", got.AssigneeIDs)
	}
	if full := e.getTask(tm.Owner, k.ID); len(full.Comments) != 1 || full.Comments[0].AuthorID != tm.Member.ID {
		t.Fatalf("restored comments %+v, want the one by the member who left", full.Comments)
	}
	if list := e.listTasks(tm.Owner, b.ProjectID, false); len(list) != 2 || list[1].ID != k.ID {
		t.Fatalf("the list after the restore: %+v", list)
	}
}

// After 30 days a deleted task is gone for good.
func TestRestoreAfterThirtyDays(t *testing.T) {
	clock := newFakeClock()
	e := newTestEnvOn(t, openTestStore(t, store.WithClock(clock.Now)))
	u := e.newUser("ada")
	b := e.personalBoard(u)
	early := e.createTask(u, b.ProjectID, map[string]any{"title": "deleted long ago"})
	e.do(u.Token, "DELETE", "/api/tasks/"+early.ID, nil).want(t, 200, nil)
	clock.Advance(29 * 24 * time.Hour)
	late := e.createTask(u, b.ProjectID, map[string]any{"title": "deleted lately"})
	e.do(u.Token, "DELETE", "/api/tasks/"+late.ID, nil).want(t, 200, nil)
	clock.Advance(2 * 24 * time.Hour)
	e.restore(u.Token, early.ID).wantErr(t, 404, "not_found")
	e.restore(u.Token, late.ID).want(t, 200, nil)
}

// Restoring is a lanes addition: a seed-only server has no such route.
func TestRestoreNotOnASeedServer(t *testing.T) {
	e := newTestEnv(t, server.WithAPI(server.APISeed))
	u := e.newUser("ada")
	var spaces []map[string]any
	e.do(u.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	var projects []map[string]any
	e.do(u.Token, "GET", fmt.Sprintf("/api/projects?spaceId=%s", spaces[0]["id"]), nil).want(t, 200, &projects)
	var out struct{ Task map[string]any }
	e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": projects[0]["id"], "title": "x"}).want(t, 201, &out)
	id, _ := out.Task["id"].(string)
	e.do(u.Token, "DELETE", "/api/tasks/"+id, nil).want(t, 200, nil)
	e.restore(u.Token, id).wantErr(t, 404, "not_found")
}

// A done task reopens into the open column it was completed from, whether
// it was completed by completedAt or by a move, over REST or MCP; a task
// that never was in an open column reopens into the first.
func TestReopenIntoColumnCompletedFrom(t *testing.T) {
	e := newTestEnv(t)
	ann, _, _, b := mcpTeam(t, e)
	todo, prog, review, done := b.col(t, "To Do"), b.col(t, "In Progress"), b.col(t, "In Review"), b.col(t, "Done")
	patch := func(id string, body map[string]any) restored {
		t.Helper()
		var out struct{ Task restored }
		e.do(ann.Token, "PATCH", "/api/tasks/"+id, body).want(t, 200, &out)
		return out.Task
	}
	for _, c := range []struct {
		name     string
		from     string
		complete map[string]any
		reopenTo string
	}{
		{"completedAt from In Review", review, map[string]any{"completedAt": "2026-02-22T10:00:00.000Z"}, review},
		{"moved into Done from In Progress", prog, map[string]any{"statusId": done}, prog},
		{"made in Done", done, nil, todo},
	} {
		k := e.createTask(ann, b.ProjectID, map[string]any{"title": c.name, "statusId": c.from})
		if c.complete != nil {
			got := patch(k.ID, c.complete)
			if str(got.StatusID) != fmt.Sprintf("%q", done) || str(got.ReopenStatusID) != fmt.Sprintf("%q", c.from) {
				t.Fatalf("%s: completed into %s remembering %s, want Done remembering %s", c.name, str(got.StatusID), str(got.ReopenStatusID), c.from)
			}
			// Changing something else keeps what it remembers.
			if got = patch(k.ID, map[string]any{"priority": "high"}); str(got.ReopenStatusID) != fmt.Sprintf("%q", c.from) {
				t.Fatalf("%s: a PATCH of the priority forgot the column: %s", c.name, str(got.ReopenStatusID))
			}
		}
		got := patch(k.ID, map[string]any{"completedAt": nil})
		if str(got.StatusID) != fmt.Sprintf("%q", c.reopenTo) || got.CompletedAt != nil || got.ReopenStatusID != nil {
			t.Fatalf("%s: reopened into %s (completedAt %s, remembering %s), want %s", c.name, str(got.StatusID), str(got.CompletedAt), str(got.ReopenStatusID), c.reopenTo)
		}
	}

	cs := e.mcpClient(ann)
	k := e.createTask(ann, b.ProjectID, map[string]any{"title": "by a model", "statusId": review})
	mustTool(t, cs, "complete_task", map[string]any{"taskId": k.ID})
	mustTool(t, cs, "complete_task", map[string]any{"taskId": k.ID, "reopen": true})
	if got := e.getTask(ann, k.ID); str(got.StatusID) != fmt.Sprintf("%q", review) || got.CompletedAt != nil {
		t.Fatalf("complete_task then reopen over MCP: in %s, completedAt %s; want In Review, open", str(got.StatusID), str(got.CompletedAt))
	}
}

// The server's own keys stay short: after a card whose key is the largest
// integer (where the next key can only grow), 110 appends rebalance the
// column before any key passes the bound, the order is the order of
// creation, every key is one the server accepts back, and each card whose
// key changed was reported with a new version.
func TestPositionsStayShort(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	first := e.createTask(u, b.ProjectID, map[string]any{"title": "card 000", "position": strings.Repeat("z", 27)})
	f := openFeed(t, e, u.Token, "spaceId="+b.SpaceID)
	var seen []sseEvent // read as they come: the feed holds only so many
	for i := 1; i <= 110; i++ {
		k := e.createTask(u, b.ProjectID, map[string]any{"title": fmt.Sprintf("card %03d", i)})
		if len(k.Position) > store.PositionBound {
			t.Fatalf("append %d got a key of %d characters: %q", i, len(k.Position), k.Position)
		}
		for len(seen) == 0 || !strings.Contains(seen[len(seen)-1].Data, k.ID) {
			seen = append(seen, f.next())
		}
	}
	go func() { // the rest is not read: keep the feed flowing until it closes
		for {
			select {
			case <-f.evs:
			case <-f.done:
				return
			}
		}
	}()
	list := e.listTasks(u, b.ProjectID, false)
	if len(list) != 111 {
		t.Fatalf("%d tasks, want 111", len(list))
	}
	for i, k := range list {
		if want := fmt.Sprintf("card %03d", i); k.Title != want {
			t.Fatalf("task %d is %q, want %q: the order is not the order of creation", i, k.Title, want)
		}
		if len(k.Position) > store.PositionBound {
			t.Fatalf("%q has a key of %d characters", k.Title, len(k.Position))
		}
		e.patchTask(u, k.ID, map[string]any{"position": k.Position})
	}
	if list[0].ID != first.ID || list[0].Position == first.Position || list[0].Version == 1 {
		t.Fatalf("the first card was not rebalanced: %+v", list[0])
	}
	// The rebalance was on the feed: the first card's new key among them.
	i := slices.IndexFunc(seen, func(ev sseEvent) bool { return ev.Kind == "task.updated" && strings.Contains(ev.Data, first.ID) })
	var k tTask
	if i < 0 || json.Unmarshal([]byte(seen[i].Data), &k) != nil || k.Position != list[0].Position || k.Version != list[0].Version {
		t.Fatalf("the feed's copy of the first card %+v, the list's %+v", k, list[0])
	}

	// A long key a client sends is taken, and the column rebalanced with
	// the card at the place it asked for.
	long := list[5].Position + strings.Repeat("V", 100-len(list[5].Position))
	moved := e.patchTask(u, list[100].ID, map[string]any{"position": long})
	if len(moved.Position) > store.PositionBound {
		t.Fatalf("a 100-character key was kept as %q", moved.Position)
	}
	list = e.listTasks(u, b.ProjectID, false)
	order := slices.IndexFunc(list, func(k tTask) bool { return k.ID == moved.ID })
	if order != 6 {
		t.Fatalf("the card sent between the 6th and 7th is %dth", order+1)
	}
	for _, k := range list {
		if len(k.Position) > store.PositionBound {
			t.Fatalf("%q has a key of %d characters after the rebalance", k.Title, len(k.Position))
		}
	}
}

// The server empties the trash of deletes older than the retention as it
// prunes its other logs, every few hundred writes.
func TestServerPrunesTheTrash(t *testing.T) {
	clock := newFakeClock()
	st := openTestStore(t, store.WithClock(clock.Now))
	e := newTestEnvOn(t, st)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, nil)
	e.do(u.Token, "DELETE", "/api/tasks/"+k.ID, nil).want(t, 200, nil)
	clock.Advance(store.TrashRetention + time.Hour)
	other := e.createTask(u, b.ProjectID, nil)
	for i := 0; i < 500; i++ {
		e.patchTask(u, other.ID, map[string]any{"priority": []string{"low", "high"}[i%2]})
	}
	clock.Advance(-2 * time.Hour) // back inside the retention: the row is gone, not just too old
	err := st.Read(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Trashed(k.ID)
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after 500 writes, the trash still has the task deleted 30 days ago: %v", err)
	}
	e.restore(u.Token, k.ID).wantErr(t, 404, "not_found")
}
