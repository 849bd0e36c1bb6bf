package server_test

import (
	"testing"

	"github.com/lanesboard/lanes/server"
)

// An archived project is out of the project list and takes no new tasks;
// PATCH isArchived false (Owner or Admin) brings it back.
func TestArchivedProjectRestoreAndRefusal(t *testing.T) {
	e := newTestEnv(t)
	ann, bob := e.newUser("ann"), e.newUser("bob")
	var sp struct{ Space tSpace }
	e.do(ann.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team"}).want(t, 201, &sp)
	e.do(ann.Token, "POST", "/api/spaces/"+sp.Space.ID+"/members", map[string]any{"userId": bob.ID, "role": "member"}).want(t, 201, nil)
	var pr struct{ Project tProject }
	e.do(ann.Token, "POST", "/api/projects", map[string]any{"spaceId": sp.Space.ID, "name": "Old", "slug": "old"}).want(t, 201, &pr)
	old := pr.Project.ID
	k := e.createTask(ann, old, map[string]any{"title": "left over"})

	listed := func(archived bool) map[string]tProject {
		t.Helper()
		path := "/api/projects?spaceId=" + sp.Space.ID
		if archived {
			path += "&archived=true"
		}
		var ps []tProject
		e.do(ann.Token, "GET", path, nil).want(t, 200, &ps)
		out := map[string]tProject{}
		for _, p := range ps {
			out[p.Name] = p
		}
		return out
	}
	if _, ok := listed(false)["Old"]; !ok {
		t.Fatal("an active project is not listed")
	}

	f := openFeed(t, e, ann.Token, "spaceId="+sp.Space.ID)
	e.do(ann.Token, "DELETE", "/api/projects/"+old, nil).want(t, 200, nil)
	if ev := f.next(); ev.Kind != "project.archived" {
		t.Fatalf("feed after archiving: %+v", ev)
	}
	if _, ok := listed(false)["Old"]; ok {
		t.Fatal("an archived project is listed without archived=true")
	}
	if p, ok := listed(true)["Old"]; !ok || !p.IsArchived {
		t.Fatalf("archived=true lists %v, want Old, archived", listed(true))
	}
	if _, ok := listed(true)["General"]; ok {
		t.Fatal("archived=true lists an active project")
	}

	// No new tasks, not even subtasks; the ones there may still change.
	res := e.do(bob.Token, "POST", "/api/tasks", map[string]any{"projectId": old, "title": "new work"})
	if msg := res.wantErr(t, 409, "project_archived").Error; msg == "" {
		t.Fatal("no sentence")
	}
	e.do(bob.Token, "POST", "/api/tasks", map[string]any{"projectId": old, "title": "sub", "parentTaskId": k.ID}).wantErr(t, 409, "project_archived")
	e.patchTask(bob, k.ID, map[string]any{"priority": "high"})
	if n := len(e.listTasks(ann, old, false)); n != 1 {
		t.Fatalf("%d tasks in the archived project, want the 1 from before", n)
	}

	// A Member can't restore it; a bad value is a 400 naming the field.
	e.do(bob.Token, "PATCH", "/api/projects/"+old, map[string]any{"isArchived": false}).wantErr(t, 403, "forbidden")
	if e := e.do(ann.Token, "PATCH", "/api/projects/"+old, map[string]any{"isArchived": "no"}).wantErr(t, 400, "validation_failed"); e.Field != "isArchived" {
		t.Fatalf("field %q, want isArchived", e.Field)
	}
	var back struct{ Project tProject }
	e.do(ann.Token, "PATCH", "/api/projects/"+old, map[string]any{"isArchived": false}).want(t, 200, &back)
	if back.Project.IsArchived {
		t.Fatalf("PATCH isArchived false answered %+v", back.Project)
	}
	ev := f.next()
	for ev.Kind == "task.updated" { // bob's change above
		ev = f.next()
	}
	if ev.Kind != "project.restored" {
		t.Fatalf("feed after restoring: %+v", ev)
	}
	if p, ok := listed(false)["Old"]; !ok || p.IsArchived {
		t.Fatal("a restored project is not listed as active")
	}
	if len(listed(true)) != 0 {
		t.Fatalf("archived=true still lists %v", listed(true))
	}
	e.createTask(bob, old, map[string]any{"title": "new work"})

	// PATCH isArchived true archives, like DELETE.
	e.do(ann.Token, "PATCH", "/api/projects/"+old, map[string]any{"isArchived": true}).want(t, 200, nil)
	if _, ok := listed(true)["Old"]; !ok {
		t.Fatal("PATCH isArchived true did not archive")
	}
}

// A seed-only server knows no isArchived on a project PATCH, as Krokanti.
func TestArchivedProjectSeedIgnoresRestore(t *testing.T) {
	e := newTestEnv(t, server.WithAPI(server.APISeed))
	ann := e.newUser("ann")
	var spaces []tSpace
	e.do(ann.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	spaceID := spaces[0].ID
	var pr struct{ Project tProject }
	e.do(ann.Token, "POST", "/api/projects", map[string]any{"spaceId": spaceID, "name": "Old", "slug": "old"}).want(t, 201, &pr)
	e.do(ann.Token, "DELETE", "/api/projects/"+pr.Project.ID, nil).want(t, 200, nil)
	e.do(ann.Token, "PATCH", "/api/projects/"+pr.Project.ID, map[string]any{"isArchived": false}).want(t, 200, nil)
	var ps []tProject
	e.do(ann.Token, "GET", "/api/projects?spaceId="+spaceID, nil).want(t, 200, &ps)
	for _, p := range ps {
		if p.Name == "Old" {
			t.Fatal("a seed server restored the project")
		}
	}
}
