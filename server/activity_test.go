package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

type tActivity struct {
	ID        int64                                         `json:"id"`
	Kind      string                                        `json:"kind"`
	TaskID    string                                        `json:"taskId"`
	ActorID   *string                                       `json:"actorId"`
	ActorName *string                                       `json:"actorName"`
	Changes   map[string]struct{ From, To json.RawMessage } `json:"changes"`
	CreatedAt string                                        `json:"createdAt"`
}

func (a tActivity) String() string {
	var fields []string
	for f := range a.Changes {
		fields = append(fields, f)
	}
	who := "server"
	if a.ActorName != nil {
		who = *a.ActorName
	}
	return fmt.Sprintf("%s %s %v", who, a.Kind, sortedStrings(fields))
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func (e *testEnv) activity(u testUser, taskID, query string) []tActivity {
	e.t.Helper()
	var out []tActivity
	e.do(u.Token, "GET", "/api/tasks/"+taskID+"/activity"+query, nil).want(e.t, 200, &out)
	return out
}

// A task's activity says who did what to it, newest first: made, moved,
// renamed, commented on, assigned; a PATCH that changes nothing and the
// count a comment bumps add nothing of their own.
func TestTaskActivity(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	b := tm.Board
	k := e.createTask(tm.Member, b.ProjectID, map[string]any{"title": "Write the spec"})
	e.patchTask(tm.Owner, k.ID, map[string]any{"statusId": b.col(t, "In Progress")})
	e.patchTask(tm.Member, k.ID, map[string]any{"title": "Write the spec, v2", "priority": "high"})
	e.patchTask(tm.Member, k.ID, map[string]any{"title": "Write the spec, v2"}) // no change
	e.do(tm.Admin.Token, "POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": "Looks good"}).want(t, 201, nil)
	e.do(tm.Owner.Token, "POST", "/api/tasks/"+k.ID+"/assignees", map[string]any{"userId": tm.Member.ID}).want(t, 200, nil)

	got := e.activity(tm.Viewer, k.ID, "")
	var lines []string
	for _, a := range got {
		lines = append(lines, a.String())
		if a.TaskID != k.ID {
			t.Errorf("entry %d is of task %s, want %s", a.ID, a.TaskID, k.ID)
		}
	}
	want := []string{
		"owner task.updated [assigneeIds]",
		"admin comment.created [commentId content]",
		"member task.updated [priority title]",
		"owner task.updated [statusId]",
		"member task.created []",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("activity:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for i := 1; i < len(got); i++ {
		if got[i].ID >= got[i-1].ID {
			t.Fatalf("activity is not newest first: ids %d then %d", got[i-1].ID, got[i].ID)
		}
	}
	rename := got[2].Changes["title"]
	if string(rename.From) != `"Write the spec"` || string(rename.To) != `"Write the spec, v2"` {
		t.Errorf("the rename says from %s to %s", rename.From, rename.To)
	}
	move := got[3].Changes["statusId"]
	if string(move.To) != `"`+b.col(t, "In Progress")+`"` {
		t.Errorf("the move says to %s, want the In Progress column", move.To)
	}
	if c := got[1].Changes["content"]; string(c.To) != `"Looks good"` {
		t.Errorf("the comment's entry holds %s", c.To)
	}

	// Paged: two at a time, each page before the last id of the one before.
	var paged []tActivity
	before := ""
	for range 10 {
		page := e.activity(tm.Member, k.ID, "?limit=2"+before)
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("limit=2 gave %d entries", len(page))
		}
		paged = append(paged, page...)
		before = fmt.Sprintf("&before=%d", page[len(page)-1].ID)
	}
	if len(paged) != len(got) {
		t.Fatalf("paging two at a time gave %d entries, want %d", len(paged), len(got))
	}
	for i := range paged {
		if paged[i].ID != got[i].ID {
			t.Fatalf("page entry %d is id %d, want %d", i, paged[i].ID, got[i].ID)
		}
	}

	// Someone outside the space can't see the task, nor that it exists.
	e.do(tm.Others.Token, "GET", "/api/tasks/"+k.ID+"/activity", nil).wantErr(t, 404, "not_found")
	e.do("", "GET", "/api/tasks/"+k.ID+"/activity", nil).wantErr(t, 401, "")
	for _, q := range []string{"?limit=0", "?limit=201", "?limit=x", "?before=-1", "?before=abc"} {
		if f := e.do(tm.Owner.Token, "GET", "/api/tasks/"+k.ID+"/activity"+q, nil).wantErr(t, 400, "validation_failed").Field; !strings.Contains(q, f) || f == "" {
			t.Errorf("%s: the error names field %q", q, f)
		}
	}
}

// Deleting and restoring a task keeps its history: a deleted task's
// activity is gone with it (404), and after the restore it is all there,
// with the delete and the restore on top.
func TestTaskActivityDeleteRestore(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ana")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, map[string]any{"title": "keep me"})
	e.patchTask(u, k.ID, map[string]any{"priority": "urgent"})
	e.do(u.Token, "DELETE", "/api/tasks/"+k.ID, nil).want(t, 200, nil)
	e.do(u.Token, "GET", "/api/tasks/"+k.ID+"/activity", nil).wantErr(t, 404, "not_found")
	e.do(u.Token, "POST", "/api/tasks/"+k.ID+"/restore", nil).want(t, 200, nil)
	var kinds []string
	for _, a := range e.activity(u, k.ID, "") {
		kinds = append(kinds, a.Kind)
		if a.ActorName == nil || *a.ActorName != "ana" {
			t.Errorf("%s is by %v, want ana", a.Kind, a.ActorName)
		}
	}
	if got, want := strings.Join(kinds, " "), "task.restored task.deleted task.updated task.created"; got != want {
		t.Fatalf("activity after a restore: %s, want %s", got, want)
	}
}

// Respacing a column's keys (a key sent too long) is no one's change to
// the other cards: their activity stays as it was. Deleting a label is a
// change to each card that carried it, and their activity says so.
func TestTaskActivityRespaceAndLabelDelete(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	var lb struct{ Label struct{ ID string } }
	e.do(u.Token, "POST", "/api/labels", map[string]any{"projectId": b.ProjectID, "name": "bug"}).want(t, 201, &lb)
	first := e.createTask(u, b.ProjectID, map[string]any{"title": "first", "labelIds": []string{lb.Label.ID}})
	second := e.createTask(u, b.ProjectID, map[string]any{"title": "second"})
	// A key far past the bound has the column respaced.
	e.patchTask(u, second.ID, map[string]any{"position": "a0" + strings.Repeat("V", 100)})
	if got := e.activity(u, first.ID, ""); len(got) != 1 || got[0].Kind != "task.created" {
		t.Fatalf("after respacing its column, the first card's activity is %v; want only its creation", got)
	}
	if got := e.activity(u, second.ID, ""); len(got) != 2 || got[0].Changes["position"].To == nil {
		t.Fatalf("the card moved has %v; want its creation and its move", got)
	}

	e.do(u.Token, "DELETE", "/api/labels/"+lb.Label.ID, nil).want(t, 200, nil)
	got := e.activity(u, first.ID, "")
	if len(got) != 2 || got[0].Kind != "task.updated" {
		t.Fatalf("after its label was deleted, the card's activity is %v", got)
	}
	if c := got[0].Changes["labelIds"]; string(c.From) != `["`+lb.Label.ID+`"]` || string(c.To) != `[]` {
		t.Fatalf("the label's deletion says labelIds from %s to %s", c.From, c.To)
	}
}
