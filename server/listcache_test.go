package server_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/lanesboard/lanes/server"
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

// A list patched with the tasks that changed is the same, byte for byte,
// as one read afresh, whatever mix of changes came between two reads: a
// second server over the same database, with nothing cached, reads it
// afresh every time.
func TestPatchedListIsTheFullList(t *testing.T) {
	for _, api := range []server.API{server.APIFull, server.APISeed} {
		t.Run(string(api), func(t *testing.T) {
			st := openTestStore(t)
			e := newTestEnvOn(t, st, server.WithAPI(api))
			ann, bob := e.newUser("ann"), e.newUser("bob")
			var sp struct{ Space tSpace }
			e.do(ann.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team"}).want(t, 201, &sp)
			full := newTestEnvOn(t, st, server.WithAPI(server.APIFull)) // for setting up
			full.do(ann.Token, "POST", "/api/spaces/"+sp.Space.ID+"/members", map[string]any{"userId": bob.ID, "role": "member"}).want(t, 201, nil)
			b := full.boardOf(ann, sp.Space.ID)
			fresh := func() []byte {
				other := newTestEnvOn(t, st, server.WithAPI(api))
				return other.do(ann.Token, "GET", "/api/tasks?projectId="+b.ProjectID, nil).Body
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(api))))
			var ids []string
			for i := 0; i < 30; i++ {
				ids = append(ids, full.createTask(ann, b.ProjectID, map[string]any{"title": fmt.Sprintf("card %d", i),
					"statusId": b.Columns[rng.IntN(len(b.Columns))].ID}).ID)
			}
			for round := 0; round < 60; round++ {
				// Read (and cache) the list, then make one to five changes.
				for _, archived := range []string{"", "&archived=true"} {
					e.do(ann.Token, "GET", "/api/tasks?projectId="+b.ProjectID+archived, nil).want(t, 200, nil)
				}
				for n := 1 + rng.IntN(5); n > 0; n-- {
					id := ids[rng.IntN(len(ids))]
					switch rng.IntN(9) {
					case 0:
						ids = append(ids, full.createTask(bob, b.ProjectID, map[string]any{"title": fmt.Sprintf("new %d", round), "statusId": b.Columns[rng.IntN(len(b.Columns))].ID}).ID)
					case 1:
						full.do(ann.Token, "PATCH", "/api/tasks/"+id, map[string]any{"statusId": b.Columns[rng.IntN(len(b.Columns))].ID})
					case 2:
						full.do(ann.Token, "PATCH", "/api/tasks/"+id, map[string]any{"position": fmt.Sprintf("a%d", rng.IntN(100))})
					case 3:
						full.do(ann.Token, "PATCH", "/api/tasks/"+id, map[string]any{"title": fmt.Sprintf("renamed %d", round), "priority": "high"})
					case 4:
						full.do(ann.Token, "PATCH", "/api/tasks/"+id, map[string]any{"isArchived": rng.IntN(2) == 0})
					case 5:
						full.do(ann.Token, "DELETE", "/api/tasks/"+id, nil)
					case 6:
						full.do(ann.Token, "POST", "/api/tasks/"+id+"/assignees", map[string]any{"userId": bob.ID})
					case 7:
						full.do(ann.Token, "POST", "/api/tasks/"+id+"/comments", map[string]any{"content": "hi"})
					case 8:
						full.do(ann.Token, "PATCH", "/api/tasks/"+id, map[string]any{"completedAt": "2026-11-20T10:00:00.000Z"})
					}
				}
				got := e.do(ann.Token, "GET", "/api/tasks?projectId="+b.ProjectID, nil).Body
				if want := fresh(); !bytes.Equal(got, want) {
					t.Fatalf("round %d: the cached list differs from a fresh read:\n got %s\nwant %s", round, got, want)
				}
			}
		})
	}
}
