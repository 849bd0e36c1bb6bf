package server_test

import (
	"context"
	"testing"

	"github.com/lanesboard/lanes/server/store"
)

// The task list is served from memory while its space is unchanged; every
// kind of change must show in the very next list, whoever made it.
func TestListShowsEveryChangeAtOnce(t *testing.T) {
	e := newTestEnv(t)
	owner, mate := e.newUser("ann"), e.newUser("bob")
	var sp struct {
		Space tSpace `json:"space"`
	}
	e.do(owner.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team"}).want(t, 201, &sp)
	e.do(owner.Token, "POST", "/api/spaces/"+sp.Space.ID+"/members", map[string]any{"userId": mate.ID, "role": "member"}).want(t, 201, nil)
	bd := e.boardOf(owner, sp.Space.ID)

	find := func(u testUser, id string) (tTask, bool) {
		t.Helper()
		for _, k := range e.listTasks(u, bd.ProjectID, false) {
			if k.ID == id {
				return k, true
			}
		}
		return tTask{}, false
	}
	// Warm the cache with the empty board, from both users.
	if n := len(e.listTasks(owner, bd.ProjectID, false)); n != 0 {
		t.Fatalf("new project lists %d tasks", n)
	}
	e.listTasks(mate, bd.ProjectID, false)

	k := e.createTask(mate, bd.ProjectID, map[string]any{"title": "Ship it"})
	if _, ok := find(owner, k.ID); !ok {
		t.Fatal("a task bob created is missing from ann's next list")
	}
	e.patchTask(mate, k.ID, map[string]any{"title": "Ship it now", "priority": "urgent"})
	if got, _ := find(owner, k.ID); got.Title != "Ship it now" || got.Priority != "urgent" {
		t.Fatalf("after the edit ann lists %+v", got)
	}
	e.do(owner.Token, "POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": "on it"}).want(t, 201, nil)
	if got, _ := find(mate, k.ID); got.CommentCount != 1 {
		t.Fatalf("after a comment bob lists commentCount %d", got.CommentCount)
	}
	e.do(owner.Token, "POST", "/api/tasks/"+k.ID+"/assignees", map[string]any{"userId": mate.ID}).want(t, 200, nil)
	if got, _ := find(mate, k.ID); len(got.AssigneeIDs) != 1 || got.AssigneeIDs[0] != mate.ID {
		t.Fatalf("after assigning, bob lists assignees %v", got.AssigneeIDs)
	}
	// Leaving the space unassigns bob: a change made by the member route.
	e.do(owner.Token, "DELETE", "/api/spaces/"+sp.Space.ID+"/members/"+mate.ID, nil).want(t, 200, nil)
	if got, _ := find(owner, k.ID); len(got.AssigneeIDs) != 0 {
		t.Fatalf("bob left the space but ann lists assignees %v", got.AssigneeIDs)
	}
	e.patchTask(owner, k.ID, map[string]any{"isArchived": true})
	if _, ok := find(owner, k.ID); ok {
		t.Fatal("an archived task is still in the active list")
	}
	if got := e.listTasks(owner, bd.ProjectID, true); len(got) != 1 || got[0].ID != k.ID {
		t.Fatalf("archived list is %+v", got)
	}
	e.do(owner.Token, "DELETE", "/api/tasks/"+k.ID, nil).want(t, 200, nil)
	if got := e.listTasks(owner, bd.ProjectID, true); len(got) != 0 {
		t.Fatalf("a deleted task is still listed: %+v", got)
	}
}

// A change written straight to the database by another process (here: the
// store, as lanes' own CLI would) shows too: the cache trusts the change
// log, not its own memory of what it served.
func TestListShowsChangesFromOutsideTheServer(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	k := e.createTask(u, bd.ProjectID, map[string]any{"title": "before"})
	e.listTasks(u, bd.ProjectID, false)
	err := e.st.Write(context.Background(), func(tx *store.Tx) error {
		task, err := tx.TaskByID(k.ID)
		if err != nil {
			return err
		}
		task.Title = "after"
		return tx.UpdateTask(task)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.listTasks(u, bd.ProjectID, false); len(got) != 1 || got[0].Title != "after" {
		t.Fatalf("list after an outside change: %+v", got)
	}
}
