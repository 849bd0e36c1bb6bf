package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

var isoMillis = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// The seed's cURL, JavaScript and Python examples, as a client would send
// them, get the shapes the seed shows.
func TestSeedExamples(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")

	// List your spaces: a bare array that includes the personal space.
	res := e.do(u.Token, "GET", "/api/spaces", nil)
	if !bytes.HasPrefix(bytes.TrimSpace(res.Body), []byte("[")) {
		t.Fatalf("GET /api/spaces is not a bare array: %s", res.Body)
	}
	var spaces []tSpace
	res.want(t, 200, &spaces)
	if len(spaces) != 1 || !spaces[0].IsPersonal || spaces[0].Role != "owner" {
		t.Fatalf("spaces = %+v, want just the personal space, owned", spaces)
	}

	// List projects in a space.
	res = e.do(u.Token, "GET", "/api/projects?spaceId="+spaces[0].ID, nil)
	if !bytes.HasPrefix(bytes.TrimSpace(res.Body), []byte("[")) {
		t.Fatalf("GET /api/projects is not a bare array: %s", res.Body)
	}
	var projects []tProject
	res.want(t, 200, &projects)
	if len(projects) != 1 || projects[0].Name != "General" || projects[0].SpaceID != spaces[0].ID {
		t.Fatalf("projects = %+v, want the General project of the space", projects)
	}
	pid := projects[0].ID

	// List tasks in a project: an empty project is [], not null.
	res = e.do(u.Token, "GET", "/api/tasks?projectId="+pid, nil).want(t, 200, nil)
	if got := string(bytes.TrimSpace(res.Body)); got != "[]" {
		t.Fatalf("tasks of an empty project = %s, want []", got)
	}

	// Create a task (cURL).
	res = e.do(u.Token, "POST", "/api/tasks", `{ "projectId": "`+pid+`", "title": "My new task", "priority": "high" }`)
	var created struct{ Task map[string]any }
	res.want(t, 201, &created)
	if created.Task == nil || created.Task["priority"] != "high" || created.Task["title"] != "My new task" || created.Task["projectId"] != pid {
		t.Fatalf("create answered %s, want {\"task\": {... \"priority\":\"high\"}}", res.Body)
	}
	id, _ := created.Task["id"].(string)

	// Complete it (cURL): completedAt comes back exactly as sent.
	res = e.do(u.Token, "PATCH", "/api/tasks/"+id, `{ "completedAt": "2026-02-22T10:00:00.000Z" }`)
	var done struct{ Task tTask }
	res.want(t, 200, &done)
	if str(done.Task.CompletedAt) != `"2026-02-22T10:00:00.000Z"` {
		t.Fatalf("completedAt = %s, want \"2026-02-22T10:00:00.000Z\"", str(done.Task.CompletedAt))
	}

	// The list now holds the task.
	if tasks := e.listTasks(u, pid, false); len(tasks) != 1 || tasks[0].ID != id {
		t.Fatalf("tasks = %+v, want the one created", tasks)
	}

	// JavaScript: dueDate from toISOString(); Python: datetime.isoformat()
	// with microseconds and an offset. Both are ISO 8601 and accepted.
	for _, due := range []string{"2026-02-23T10:00:00.000Z", "2026-02-23T10:00:00.123456+00:00"} {
		task := e.createTask(u, pid, map[string]any{"title": "Deploy new release", "priority": "urgent", "dueDate": due})
		if task.DueDate == nil || !strings.HasPrefix(*task.DueDate, "2026-02-23T10:00:00") {
			t.Errorf("dueDate %q came back as %s", due, str(task.DueDate))
		}
	}
}

func TestSpaces(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")

	res := e.do(u.Token, "POST", "/api/spaces", map[string]any{
		"name": "Team Rocket", "slug": "team-rocket", "description": "we launch", "color": "#3b82f6",
	})
	var created struct{ Space tSpace }
	res.want(t, 201, &created)
	sp := created.Space
	if sp.ID == "" || sp.Name != "Team Rocket" || sp.Slug != "team-rocket" || str(sp.Description) != `"we launch"` ||
		str(sp.Color) != `"#3b82f6"` || sp.IsPersonal || sp.Role != "owner" {
		t.Fatalf("created space = %+v (%s)", sp, res.Body)
	}

	var spaces []tSpace
	e.do(u.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	if len(spaces) != 2 || !spaces[0].IsPersonal || spaces[1].ID != sp.ID || spaces[1].Role != "owner" {
		t.Fatalf("spaces = %+v, want personal then the new team space", spaces)
	}

	// A new space has a General project with the default columns.
	var projects []tProject
	e.do(u.Token, "GET", "/api/projects?spaceId="+sp.ID, nil).want(t, 200, &projects)
	if len(projects) != 1 || projects[0].Name != "General" || projects[0].DefaultView != "kanban" {
		t.Fatalf("new space's projects = %+v, want General", projects)
	}
	checkDefaultColumns(t, e.columns(u, projects[0].ID), projects[0].ID)

	// The creator is its owner.
	var members []tMember
	e.do(u.Token, "GET", "/api/spaces/"+sp.ID+"/members", nil).want(t, 200, &members)
	if len(members) != 1 || members[0].UserID != u.ID || members[0].Role != "owner" || members[0].Name != "ada" {
		t.Fatalf("members = %+v, want ada as owner", members)
	}

	// Slugs are unique across spaces, whoever asks.
	other := e.newUser("bob")
	e.do(other.Token, "POST", "/api/spaces", map[string]any{"name": "Copy", "slug": "team-rocket"}).wantErr(t, 409, "slug_taken")

	// Optional fields may be left out.
	var bare struct{ Space tSpace }
	e.do(other.Token, "POST", "/api/spaces", map[string]any{"name": "Bare", "slug": "bare"}).want(t, 201, &bare)
	if bare.Space.Description != nil || bare.Space.Color != nil {
		t.Fatalf("space without description and color = %+v", bare.Space)
	}
}

func checkDefaultColumns(t *testing.T, cols []tStatus, projectID string) {
	t.Helper()
	want := []string{"To Do", "In Progress", "In Review", "Done"}
	if len(cols) != len(want) {
		t.Fatalf("columns = %+v, want %v", cols, want)
	}
	for i, c := range cols {
		if c.Name != want[i] || c.IsDone != (c.Name == "Done") || c.ProjectID != projectID || c.ID == "" {
			t.Fatalf("column %d = %+v, want %q (isDone only for Done) of project %s", i, c, want[i], projectID)
		}
	}
}

func TestProjects(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)

	res := e.do(u.Token, "POST", "/api/projects", map[string]any{
		"spaceId": b.SpaceID, "name": "Website", "slug": "website", "description": "the site", "defaultView": "list", "color": "#abc",
	})
	var created struct{ Project tProject }
	res.want(t, 201, &created)
	p := created.Project
	if p.ID == "" || p.SpaceID != b.SpaceID || p.Name != "Website" || p.Slug != "website" || str(p.Description) != `"the site"` ||
		p.DefaultView != "list" || str(p.Color) != `"#abc"` || p.IsArchived {
		t.Fatalf("created project = %+v", p)
	}
	checkDefaultColumns(t, e.columns(u, p.ID), p.ID)

	// defaultView defaults to kanban.
	var k struct{ Project tProject }
	e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": b.SpaceID, "name": "Ops", "slug": "ops"}).want(t, 201, &k)
	if k.Project.DefaultView != "kanban" {
		t.Fatalf("defaultView = %q, want kanban", k.Project.DefaultView)
	}

	var projects []tProject
	e.do(u.Token, "GET", "/api/projects?spaceId="+b.SpaceID, nil).want(t, 200, &projects)
	if len(projects) != 3 {
		t.Fatalf("projects = %+v, want General, Ops and Website", projects)
	}

	// Slugs are unique within a space, by create and by PATCH...
	e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": b.SpaceID, "name": "Again", "slug": "website"}).wantErr(t, 409, "slug_taken")
	e.do(u.Token, "PATCH", "/api/projects/"+k.Project.ID, map[string]any{"slug": "website"}).wantErr(t, 409, "slug_taken")
	// ...but another space may use the same one.
	var team struct{ Space tSpace }
	e.do(u.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team"}).want(t, 201, &team)
	e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": team.Space.ID, "name": "Website", "slug": "website"}).want(t, 201, nil)

	// PATCH changes only the fields sent; null clears the description.
	var upd struct{ Project tProject }
	e.do(u.Token, "PATCH", "/api/projects/"+p.ID, map[string]any{"name": "Web site"}).want(t, 200, &upd)
	if upd.Project.Name != "Web site" || upd.Project.Slug != "website" || str(upd.Project.Description) != `"the site"` ||
		upd.Project.DefaultView != "list" || str(upd.Project.Color) != `"#abc"` {
		t.Fatalf("after PATCH name: %+v", upd.Project)
	}
	e.do(u.Token, "PATCH", "/api/projects/"+p.ID, map[string]any{"description": nil, "slug": "web", "defaultView": "gantt"}).want(t, 200, &upd)
	if upd.Project.Description != nil || upd.Project.Slug != "web" || upd.Project.DefaultView != "gantt" || upd.Project.Name != "Web site" {
		t.Fatalf("after PATCH description null: %+v", upd.Project)
	}

	// DELETE archives: gone from the list, there with archived=true, and its
	// tasks are still readable.
	task := e.createTask(u, p.ID, nil)
	res = e.do(u.Token, "DELETE", "/api/projects/"+p.ID, nil).want(t, 200, nil)
	if got := string(bytes.TrimSpace(res.Body)); got != `{"success":true}` {
		t.Fatalf("DELETE project answered %s", got)
	}
	e.do(u.Token, "GET", "/api/projects?spaceId="+b.SpaceID, nil).want(t, 200, &projects)
	for _, q := range projects {
		if q.ID == p.ID {
			t.Fatalf("archived project still listed: %+v", projects)
		}
	}
	e.do(u.Token, "GET", "/api/projects?spaceId="+b.SpaceID+"&archived=true", nil).want(t, 200, &projects)
	if len(projects) != 1 || projects[0].ID != p.ID || !projects[0].IsArchived {
		t.Fatalf("archived projects = %+v, want the archived one", projects)
	}
	e.getTask(u, task.ID)

	// Unknown projects are 404s.
	missing := "00000000-0000-4000-8000-000000000000"
	e.do(u.Token, "PATCH", "/api/projects/"+missing, map[string]any{"name": "x"}).wantErr(t, 404, "not_found")
	e.do(u.Token, "DELETE", "/api/projects/"+missing, nil).wantErr(t, 404, "not_found")
	e.do(u.Token, "GET", "/api/projects?spaceId="+missing, nil).wantErr(t, 404, "not_found")
}

func TestStatuses(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	res := e.do(u.Token, "GET", "/api/statuses?projectId="+b.ProjectID, nil)
	if !bytes.HasPrefix(bytes.TrimSpace(res.Body), []byte("[")) {
		t.Fatalf("statuses is not a bare array: %s", res.Body)
	}
	var cols []tStatus
	res.want(t, 200, &cols)
	checkDefaultColumns(t, cols, b.ProjectID)
	for i := 1; i < len(cols); i++ {
		if cols[i].Position <= cols[i-1].Position {
			t.Fatalf("columns not in order: %+v", cols)
		}
	}
	e.do(u.Token, "GET", "/api/statuses?projectId=00000000-0000-4000-8000-000000000000", nil).wantErr(t, 404, "not_found")
}

func TestMe(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	var out struct {
		User struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
	}
	e.do(u.Token, "GET", "/api/me", nil).want(t, 200, &out)
	if out.User.ID != u.ID || out.User.Name != "ada" {
		t.Fatalf("me = %+v, want ada %s", out.User, u.ID)
	}
}

func TestTaskCreate(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)

	before := time.Now().UTC().Add(-time.Second).Format(store.TimeFormat)
	res := e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": b.ProjectID, "title": "  Write tests  "})
	res.want(t, 201, nil)
	// Every field is there, including the nullable ones as null.
	task := res.fields(t)["task"]
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(task, &raw); err != nil {
		t.Fatalf("task is not an object: %s", res.Body)
	}
	for _, f := range []string{"id", "projectId", "statusId", "parentTaskId", "title", "description", "priority", "dueDate",
		"completedAt", "isArchived", "estimatedHours", "position", "assigneeIds", "creatorId", "commentCount", "createdAt", "updatedAt", "version"} {
		if _, ok := raw[f]; !ok {
			t.Errorf("task has no %q: %s", f, task)
		}
	}
	var k tTask
	json.Unmarshal(task, &k)
	if k.Title != "Write tests" || k.Priority != "none" || k.Description != nil || k.DueDate != nil || k.CompletedAt != nil ||
		k.EstimatedHours != nil || k.ParentTaskID != nil || k.IsArchived || k.Version != 1 || k.CommentCount != 0 ||
		k.CreatorID != u.ID || k.AssigneeIDs == nil || len(k.AssigneeIDs) != 0 || k.ProjectID != b.ProjectID {
		t.Fatalf("new task = %+v", k)
	}
	if str(k.StatusID) != fmt.Sprintf("%q", b.col(t, "To Do")) {
		t.Fatalf("statusId = %s, want the first column", str(k.StatusID))
	}
	if !isoMillis.MatchString(k.CreatedAt) || k.CreatedAt != k.UpdatedAt || k.CreatedAt < before {
		t.Fatalf("createdAt %q updatedAt %q", k.CreatedAt, k.UpdatedAt)
	}
	if !store.ValidPosition(k.Position) {
		t.Fatalf("position %q is not a valid key", k.Position)
	}

	// Every field the create takes.
	full := e.createTask(u, b.ProjectID, map[string]any{
		"title": "All of it", "statusId": b.col(t, "In Review"), "priority": "urgent", "dueDate": "2026-12-01",
		"description": "details", "estimatedHours": 2.5, "parentTaskId": k.ID,
	})
	if str(full.StatusID) != fmt.Sprintf("%q", b.col(t, "In Review")) || full.Priority != "urgent" ||
		str(full.DueDate) != `"2026-12-01T00:00:00.000Z"` || str(full.Description) != `"details"` ||
		full.EstimatedHours == nil || *full.EstimatedHours != 2.5 || str(full.ParentTaskID) != fmt.Sprintf("%q", k.ID) {
		t.Fatalf("task with every field = %+v", full)
	}
	// statusId null is the first column too.
	if n := e.createTask(u, b.ProjectID, map[string]any{"statusId": nil}); str(n.StatusID) != fmt.Sprintf("%q", b.col(t, "To Do")) {
		t.Fatalf("statusId null put the task in %s", str(n.StatusID))
	}

	// GET /api/tasks/{id} has the task with its comments and subtasks.
	got := e.getTask(u, k.ID)
	if got.ID != k.ID || got.Title != "Write tests" || got.Comments == nil || len(got.Subtasks) != 1 || got.Subtasks[0].ID != full.ID {
		t.Fatalf("GET task = %+v, want it with one subtask", got)
	}
	// Its subtasks come with their assignees, as any task does.
	e.do(u.Token, "POST", "/api/tasks/"+full.ID+"/assignees", map[string]any{"userId": u.ID}).want(t, 200, nil)
	if got := e.getTask(u, k.ID); len(got.Subtasks[0].AssigneeIDs) != 1 || got.Subtasks[0].AssigneeIDs[0] != u.ID {
		t.Fatalf("the subtask's assignees in GET task: %+v", got.Subtasks[0].AssigneeIDs)
	}

	// A column or parent from another project is refused.
	other := e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": b.SpaceID, "name": "Other", "slug": "other"})
	var op struct{ Project tProject }
	other.want(t, 201, &op)
	ocols := e.columns(u, op.Project.ID)
	e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": b.ProjectID, "title": "x", "statusId": ocols[0].ID}).wantErr(t, 400, "validation_failed")
	if e := e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": op.Project.ID, "title": "x", "parentTaskId": k.ID}).wantErr(t, 400, "validation_failed"); e.Field != "parentTaskId" {
		t.Fatalf("foreign parent error names %q", e.Field)
	}
	e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": "00000000-0000-4000-8000-000000000000", "title": "x"}).wantErr(t, 404, "not_found")
	e.do(u.Token, "GET", "/api/tasks/00000000-0000-4000-8000-000000000000", nil).wantErr(t, 404, "not_found")
}

func TestTaskPatch(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, map[string]any{
		"title": "Start", "description": "words", "priority": "low", "dueDate": "2026-03-01T09:30:00Z", "estimatedHours": 3,
	})

	// Each field alone: it changes, nothing else does, the version goes up.
	steps := []struct {
		name  string
		body  map[string]any
		check func(tTask) bool
	}{
		{"title", map[string]any{"title": "Renamed"}, func(x tTask) bool { return x.Title == "Renamed" }},
		{"priority", map[string]any{"priority": "high"}, func(x tTask) bool { return x.Priority == "high" }},
		{"description", map[string]any{"description": "more words"}, func(x tTask) bool { return str(x.Description) == `"more words"` }},
		{"description null", map[string]any{"description": nil}, func(x tTask) bool { return x.Description == nil }},
		{"dueDate", map[string]any{"dueDate": "2026-04-02T08:00:00+02:00"}, func(x tTask) bool { return str(x.DueDate) == `"2026-04-02T06:00:00.000Z"` }},
		{"dueDate null", map[string]any{"dueDate": nil}, func(x tTask) bool { return x.DueDate == nil }},
		{"estimatedHours", map[string]any{"estimatedHours": 1.25}, func(x tTask) bool { return x.EstimatedHours != nil && *x.EstimatedHours == 1.25 }},
		{"estimatedHours null", map[string]any{"estimatedHours": nil}, func(x tTask) bool { return x.EstimatedHours == nil }},
		{"statusId", map[string]any{"statusId": b.col(t, "In Progress")}, func(x tTask) bool { return str(x.StatusID) == fmt.Sprintf("%q", b.col(t, "In Progress")) }},
		{"statusId null", map[string]any{"statusId": nil}, func(x tTask) bool { return x.StatusID == nil }},
		{"isArchived", map[string]any{"isArchived": true}, func(x tTask) bool { return x.IsArchived }},
		{"isArchived false", map[string]any{"isArchived": false}, func(x tTask) bool { return !x.IsArchived }},
		{"position", map[string]any{"position": "a0V"}, func(x tTask) bool { return x.Position == "a0V" }},
	}
	prev := k
	for _, s := range steps {
		got := e.patchTask(u, k.ID, s.body)
		if !s.check(got) {
			t.Fatalf("PATCH %s: task = %+v", s.name, got)
		}
		if got.Version != prev.Version+1 {
			t.Fatalf("PATCH %s: version %d, want %d", s.name, got.Version, prev.Version+1)
		}
		if got.UpdatedAt < prev.UpdatedAt || got.CreatedAt != k.CreatedAt || got.CreatorID != u.ID {
			t.Fatalf("PATCH %s: createdAt %q updatedAt %q (was %q)", s.name, got.CreatedAt, got.UpdatedAt, prev.UpdatedAt)
		}
		// Fields not sent keep their value.
		for name, same := range map[string]bool{
			"title":          s.name == "title" || got.Title == prev.Title,
			"priority":       s.name == "priority" || got.Priority == prev.Priority,
			"description":    strings.HasPrefix(s.name, "description") || str(got.Description) == str(prev.Description),
			"dueDate":        strings.HasPrefix(s.name, "dueDate") || str(got.DueDate) == str(prev.DueDate),
			"estimatedHours": strings.HasPrefix(s.name, "estimatedHours") || fnum(got.EstimatedHours) == fnum(prev.EstimatedHours),
			"statusId":       strings.HasPrefix(s.name, "statusId") || str(got.StatusID) == str(prev.StatusID),
			"isArchived":     strings.HasPrefix(s.name, "isArchived") || got.IsArchived == prev.IsArchived,
		} {
			if !same {
				t.Fatalf("PATCH %s changed %s: %+v -> %+v", s.name, name, prev, got)
			}
		}
		prev = got
	}

	// A PATCH that changes nothing keeps the version and updatedAt.
	for _, body := range []any{map[string]any{}, map[string]any{"title": prev.Title, "priority": prev.Priority}} {
		got := e.patchTask(u, k.ID, body)
		if got.Version != prev.Version || got.UpdatedAt != prev.UpdatedAt {
			t.Fatalf("no-op PATCH %v: version %d updatedAt %q, want %d %q", body, got.Version, got.UpdatedAt, prev.Version, prev.UpdatedAt)
		}
	}
	// What was answered is what is stored.
	if got := e.getTask(u, k.ID); got.Version != prev.Version || got.Title != prev.Title || got.Position != "a0V" {
		t.Fatalf("stored task = %+v, last answer %+v", got, prev)
	}
	e.do(u.Token, "PATCH", "/api/tasks/00000000-0000-4000-8000-000000000000", map[string]any{"title": "x"}).wantErr(t, 404, "not_found")
}

func fnum(p *float64) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprint(*p)
}

func TestTaskCompletion(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	todo, prog, review, done := b.col(t, "To Do"), b.col(t, "In Progress"), b.col(t, "In Review"), b.col(t, "Done")
	when := "2026-02-22T10:00:00.000Z"

	cases := []struct {
		name       string
		from       string // the column the task starts in
		patch      map[string]any
		wantStatus string
		wantDone   string // "" not complete, "set" any time, else that exact time
	}{
		{"completedAt moves to done", todo, map[string]any{"completedAt": when}, done, when},
		{"completedAt from in review", review, map[string]any{"completedAt": when}, done, when},
		{"move into done completes", prog, map[string]any{"statusId": done}, done, "set"},
		{"move into done with time", prog, map[string]any{"statusId": done, "completedAt": when}, done, when},
		{"move out of done reopens", done, map[string]any{"statusId": prog}, prog, ""},
		{"completedAt null reopens to first open", done, map[string]any{"completedAt": nil}, todo, ""},
		{"completedAt null on open task keeps column", prog, map[string]any{"completedAt": nil}, prog, ""},
		{"completedAt on done task changes the time", done, map[string]any{"completedAt": when}, done, when},
		{"other fields keep completion", done, map[string]any{"title": "renamed"}, done, "set"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := e.createTask(u, b.ProjectID, map[string]any{"statusId": c.from})
			if (c.from == done) != (k.CompletedAt != nil) {
				t.Fatalf("created in %s with completedAt %s", c.from, str(k.CompletedAt))
			}
			got := e.patchTask(u, k.ID, c.patch)
			if str(got.StatusID) != fmt.Sprintf("%q", c.wantStatus) {
				t.Fatalf("statusId = %s, want %s", str(got.StatusID), c.wantStatus)
			}
			switch c.wantDone {
			case "":
				if got.CompletedAt != nil {
					t.Fatalf("completedAt = %s, want null", str(got.CompletedAt))
				}
			case "set":
				if got.CompletedAt == nil || !isoMillis.MatchString(*got.CompletedAt) {
					t.Fatalf("completedAt = %s, want a time", str(got.CompletedAt))
				}
			default:
				if str(got.CompletedAt) != fmt.Sprintf("%q", c.wantDone) {
					t.Fatalf("completedAt = %s, want %s", str(got.CompletedAt), c.wantDone)
				}
			}
		})
	}

	// Creating with completedAt puts the task in the done column.
	k := e.createTask(u, b.ProjectID, map[string]any{"completedAt": when})
	if str(k.StatusID) != fmt.Sprintf("%q", done) || str(k.CompletedAt) != fmt.Sprintf("%q", when) {
		t.Fatalf("created with completedAt: status %s completedAt %s", str(k.StatusID), str(k.CompletedAt))
	}

	// A column and a completion that contradict each other are refused.
	k = e.createTask(u, b.ProjectID, nil)
	for _, body := range []map[string]any{
		{"statusId": prog, "completedAt": when},
		{"statusId": done, "completedAt": nil},
	} {
		if er := e.do(u.Token, "PATCH", "/api/tasks/"+k.ID, body).wantErr(t, 400, "validation_failed"); er.Field != "completedAt" || !strings.Contains(er.Error, "completedAt") {
			t.Fatalf("contradicting PATCH %v: error %+v", body, er)
		}
	}
	if got := e.getTask(u, k.ID); got.Version != 1 || str(got.StatusID) != fmt.Sprintf("%q", todo) {
		t.Fatalf("a refused PATCH changed the task: %+v", got)
	}
}

func TestTaskArchive(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	keep := e.createTask(u, b.ProjectID, map[string]any{"title": "keep"})
	gone := e.createTask(u, b.ProjectID, map[string]any{"title": "archive me"})

	if got := e.patchTask(u, gone.ID, map[string]any{"isArchived": true}); !got.IsArchived {
		t.Fatalf("isArchived true answered %+v", got)
	}
	if active := e.listTasks(u, b.ProjectID, false); len(active) != 1 || active[0].ID != keep.ID {
		t.Fatalf("active tasks = %+v, want only %q", active, keep.Title)
	}
	if archived := e.listTasks(u, b.ProjectID, true); len(archived) != 1 || archived[0].ID != gone.ID || !archived[0].IsArchived {
		t.Fatalf("archived tasks = %+v, want only %q", archived, gone.Title)
	}
	// archived=false is the default listing.
	var out []tTask
	e.do(u.Token, "GET", "/api/tasks?projectId="+b.ProjectID+"&archived=false", nil).want(t, 200, &out)
	if len(out) != 1 || out[0].ID != keep.ID {
		t.Fatalf("archived=false = %+v", out)
	}
	// Restoring brings it back.
	e.patchTask(u, gone.ID, map[string]any{"isArchived": false})
	if active := e.listTasks(u, b.ProjectID, false); len(active) != 2 {
		t.Fatalf("after restore, active tasks = %+v", active)
	}
}

func TestTaskDeleteRemovesSubtasks(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	parent := e.createTask(u, b.ProjectID, map[string]any{"title": "parent"})
	child := e.createTask(u, b.ProjectID, map[string]any{"title": "child", "parentTaskId": parent.ID})
	grandchild := e.createTask(u, b.ProjectID, map[string]any{"title": "grandchild", "parentTaskId": child.ID})
	other := e.createTask(u, b.ProjectID, map[string]any{"title": "unrelated"})
	e.do(u.Token, "POST", "/api/tasks/"+child.ID+"/comments", map[string]any{"content": "note"}).want(t, 201, nil)

	res := e.do(u.Token, "DELETE", "/api/tasks/"+parent.ID, nil).want(t, 200, nil)
	if got := string(bytes.TrimSpace(res.Body)); got != `{"success":true}` {
		t.Fatalf("DELETE task answered %s", got)
	}
	for _, id := range []string{parent.ID, child.ID, grandchild.ID} {
		e.do(u.Token, "GET", "/api/tasks/"+id, nil).wantErr(t, 404, "not_found")
	}
	if left := e.listTasks(u, b.ProjectID, false); len(left) != 1 || left[0].ID != other.ID {
		t.Fatalf("tasks left = %+v, want only the unrelated one", left)
	}
	// Deleting again is a 404.
	e.do(u.Token, "DELETE", "/api/tasks/"+parent.ID, nil).wantErr(t, 404, "not_found")
}

func TestTaskPositions(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	todo, prog := b.col(t, "To Do"), b.col(t, "In Progress")

	// Each create lands at the end of its column.
	var inTodo, inProg []tTask
	for i := 0; i < 5; i++ {
		inTodo = append(inTodo, e.createTask(u, b.ProjectID, map[string]any{"title": fmt.Sprint("todo ", i)}))
		inProg = append(inProg, e.createTask(u, b.ProjectID, map[string]any{"title": fmt.Sprint("prog ", i), "statusId": prog}))
	}
	for _, col := range [][]tTask{inTodo, inProg} {
		for i := 1; i < len(col); i++ {
			if col[i].Position <= col[i-1].Position {
				t.Fatalf("%q at %q is not after %q at %q", col[i].Title, col[i].Position, col[i-1].Title, col[i-1].Position)
			}
		}
	}

	// Moving to another column puts the task at that column's end.
	moved := e.patchTask(u, inTodo[0].ID, map[string]any{"statusId": prog})
	if moved.Position <= inProg[4].Position {
		t.Fatalf("moved task at %q, not after the last of its new column at %q", moved.Position, inProg[4].Position)
	}
	// Moving with a position keeps the position sent.
	placed := e.patchTask(u, inTodo[1].ID, map[string]any{"statusId": prog, "position": "Zz"})
	if placed.Position != "Zz" {
		t.Fatalf("move with position answered position %q, want Zz", placed.Position)
	}
	// Setting statusId to the column it is in is not a move: the task stays
	// in that column, at its place, unchanged.
	stay := e.patchTask(u, inTodo[2].ID, map[string]any{"statusId": todo})
	if str(stay.StatusID) != fmt.Sprintf("%q", todo) {
		t.Fatalf("PATCH statusId of its own column answered statusId %s, want %s", str(stay.StatusID), todo)
	}
	if stay.Position != inTodo[2].Position || stay.Version != inTodo[2].Version {
		t.Fatalf("statusId of its own column moved the task: %+v", stay)
	}
	if got := e.getTask(u, stay.ID); str(got.StatusID) != fmt.Sprintf("%q", todo) {
		t.Fatalf("after PATCH statusId of its own column, stored statusId %s, want %s", str(got.StatusID), todo)
	}

	// The list is in board order: by column, then position.
	list := e.listTasks(u, b.ProjectID, false)
	var titles []string
	for _, k := range list {
		titles = append(titles, k.Title)
	}
	want := []string{"todo 2", "todo 3", "todo 4", "todo 1", "prog 0", "prog 1", "prog 2", "prog 3", "prog 4", "todo 0"}
	if strings.Join(titles, ",") != strings.Join(want, ",") {
		t.Fatalf("board order %v, want %v", titles, want)
	}

	// A position that is not a key is refused, naming the field.
	for _, bad := range []any{"", "a", "a00", "!!", "a0 ", 7} {
		er := e.do(u.Token, "PATCH", "/api/tasks/"+stay.ID, map[string]any{"position": bad}).wantErr(t, 400, "validation_failed")
		if er.Field != "position" || !strings.Contains(er.Error, "position") {
			t.Fatalf("position %v: error %+v", bad, er)
		}
	}
}

func TestComments(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, nil)

	var empty []tComment
	res := e.do(u.Token, "GET", "/api/tasks/"+k.ID+"/comments", nil).want(t, 200, &empty)
	if string(bytes.TrimSpace(res.Body)) != "[]" {
		t.Fatalf("comments of a new task = %s, want []", res.Body)
	}
	var created struct{ Comment tComment }
	e.do(u.Token, "POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": " first! "}).want(t, 201, &created)
	c := created.Comment
	if c.ID == "" || c.TaskID != k.ID || c.AuthorID != u.ID || c.AuthorName != "ada" || c.Content != "first!" || !isoMillis.MatchString(c.CreatedAt) {
		t.Fatalf("comment = %+v", c)
	}
	e.do(u.Token, "POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": "second"}).want(t, 201, nil)

	var list []tComment
	e.do(u.Token, "GET", "/api/tasks/"+k.ID+"/comments", nil).want(t, 200, &list)
	if len(list) != 2 || list[0].Content != "first!" || list[1].Content != "second" {
		t.Fatalf("comments = %+v, want first! then second", list)
	}
	got := e.getTask(u, k.ID)
	if got.CommentCount != 2 || len(got.Comments) != 2 || got.Version != k.Version+2 {
		t.Fatalf("task after two comments: count %d, comments %d, version %d", got.CommentCount, len(got.Comments), got.Version)
	}
	if er := e.do(u.Token, "POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": "   "}).wantErr(t, 400, "validation_failed"); er.Field != "content" {
		t.Fatalf("blank comment: %+v", er)
	}
	e.do(u.Token, "POST", "/api/tasks/00000000-0000-4000-8000-000000000000/comments", map[string]any{"content": "x"}).wantErr(t, 404, "not_found")
}

// team is a team space with one user of each role, made through the API.
type team struct {
	SpaceID                              string
	Board                                board
	Owner, Admin, Member, Viewer, Others testUser
}

func newTeam(t *testing.T, e *testEnv) team {
	t.Helper()
	tm := team{Owner: e.newUser("owner"), Admin: e.newUser("admin"), Member: e.newUser("member"), Viewer: e.newUser("viewer"), Others: e.newUser("outsider")}
	var sp struct{ Space tSpace }
	e.do(tm.Owner.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team"}).want(t, 201, &sp)
	tm.SpaceID = sp.Space.ID
	for _, m := range []struct {
		u    testUser
		role string
	}{{tm.Admin, "admin"}, {tm.Member, "member"}, {tm.Viewer, "viewer"}} {
		var out struct{ Member tMember }
		e.do(tm.Owner.Token, "POST", "/api/spaces/"+tm.SpaceID+"/members", map[string]any{"userId": m.u.ID, "role": m.role}).want(t, 201, &out)
		if out.Member.UserID != m.u.ID || out.Member.Role != m.role || out.Member.SpaceID != tm.SpaceID || out.Member.Name != m.u.Name {
			t.Fatalf("added member = %+v, want %s as %s", out.Member, m.u.Name, m.role)
		}
	}
	tm.Board = e.boardOf(tm.Owner, tm.SpaceID)
	return tm
}

func TestMembers(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	base := "/api/spaces/" + tm.SpaceID + "/members"

	var members []tMember
	e.do(tm.Viewer.Token, "GET", base, nil).want(t, 200, &members)
	var got []string
	for _, m := range members {
		got = append(got, m.Name+":"+m.Role)
	}
	if want := "owner:owner,admin:admin,member:member,viewer:viewer"; strings.Join(got, ",") != want {
		t.Fatalf("members = %v, want %s", got, want)
	}
	// Members see the space in their list, with their role.
	var spaces []tSpace
	e.do(tm.Viewer.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	if len(spaces) != 2 || spaces[1].ID != tm.SpaceID || spaces[1].Role != "viewer" {
		t.Fatalf("viewer's spaces = %+v", spaces)
	}

	// Roles change; the new role takes effect at once.
	var upd struct{ Member tMember }
	e.do(tm.Admin.Token, "PATCH", base+"/"+tm.Viewer.ID, map[string]any{"role": "member"}).want(t, 200, &upd)
	if upd.Member.Role != "member" || upd.Member.UserID != tm.Viewer.ID {
		t.Fatalf("PATCH member = %+v", upd.Member)
	}
	e.createTask(tm.Viewer, tm.Board.ProjectID, nil)
	e.do(tm.Owner.Token, "PATCH", base+"/"+tm.Viewer.ID, map[string]any{"role": "viewer"}).want(t, 200, nil)
	e.do(tm.Viewer.Token, "POST", "/api/tasks", map[string]any{"projectId": tm.Board.ProjectID, "title": "x"}).wantErr(t, 403, "forbidden")

	// Adding someone twice, an unknown user, the owner role, or sharing a
	// personal space are refused.
	e.do(tm.Owner.Token, "POST", base, map[string]any{"userId": tm.Member.ID, "role": "member"}).wantErr(t, 409, "already_member")
	if er := e.do(tm.Owner.Token, "POST", base, map[string]any{"userId": "00000000-0000-4000-8000-000000000000", "role": "member"}).wantErr(t, 400, "validation_failed"); er.Field != "userId" {
		t.Fatalf("unknown user: %+v", er)
	}
	if er := e.do(tm.Owner.Token, "POST", base, map[string]any{"userId": tm.Others.ID, "role": "owner"}).wantErr(t, 400, "validation_failed"); er.Error != "role must be one of admin, member, viewer" {
		t.Fatalf("owner role: %+v", er)
	}
	personal := e.personalBoard(tm.Owner)
	e.do(tm.Owner.Token, "POST", "/api/spaces/"+personal.SpaceID+"/members", map[string]any{"userId": tm.Others.ID, "role": "member"}).wantErr(t, 403, "forbidden")

	// The owner can be neither changed nor removed, not even by themself.
	e.do(tm.Admin.Token, "PATCH", base+"/"+tm.Owner.ID, map[string]any{"role": "viewer"}).wantErr(t, 403, "forbidden")
	e.do(tm.Admin.Token, "DELETE", base+"/"+tm.Owner.ID, nil).wantErr(t, 403, "forbidden")
	e.do(tm.Owner.Token, "DELETE", base+"/"+tm.Owner.ID, nil).wantErr(t, 403, "forbidden")
	// A user who is not a member is a 404 to change.
	e.do(tm.Owner.Token, "PATCH", base+"/"+tm.Others.ID, map[string]any{"role": "member"}).wantErr(t, 404, "not_found")

	// Removing a member takes them off the space and its tasks.
	k := e.createTask(tm.Owner, tm.Board.ProjectID, nil)
	e.do(tm.Owner.Token, "POST", "/api/tasks/"+k.ID+"/assignees", map[string]any{"userId": tm.Member.ID}).want(t, 200, nil)
	e.do(tm.Admin.Token, "DELETE", base+"/"+tm.Member.ID, nil).want(t, 200, nil)
	if got := e.getTask(tm.Owner, k.ID); len(got.AssigneeIDs) != 0 {
		t.Fatalf("removed member still assigned: %v", got.AssigneeIDs)
	}
	e.do(tm.Member.Token, "GET", "/api/tasks/"+k.ID, nil).wantErr(t, 404, "not_found")
	e.do(tm.Member.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	if len(spaces) != 1 || !spaces[0].IsPersonal {
		t.Fatalf("removed member's spaces = %+v", spaces)
	}
	// Anyone may leave.
	e.do(tm.Viewer.Token, "DELETE", base+"/"+tm.Viewer.ID, nil).want(t, 200, nil)
	e.do(tm.Viewer.Token, "GET", base, nil).wantErr(t, 404, "not_found")
}

func TestAssignees(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	k := e.createTask(tm.Owner, tm.Board.ProjectID, nil)

	var out struct{ Task tTask }
	e.do(tm.Member.Token, "POST", "/api/tasks/"+k.ID+"/assignees", map[string]any{"userId": tm.Viewer.ID}).want(t, 200, &out)
	if len(out.Task.AssigneeIDs) != 1 || out.Task.AssigneeIDs[0] != tm.Viewer.ID || out.Task.Version != 2 {
		t.Fatalf("after assign: %+v", out.Task)
	}
	// Assigning twice changes nothing.
	e.do(tm.Member.Token, "POST", "/api/tasks/"+k.ID+"/assignees", map[string]any{"userId": tm.Viewer.ID}).want(t, 200, &out)
	if len(out.Task.AssigneeIDs) != 1 || out.Task.Version != 2 {
		t.Fatalf("after assigning twice: %+v", out.Task)
	}
	e.do(tm.Member.Token, "POST", "/api/tasks/"+k.ID+"/assignees", map[string]any{"userId": tm.Admin.ID}).want(t, 200, &out)
	if got := e.listTasks(tm.Owner, tm.Board.ProjectID, false); len(got) != 1 || len(got[0].AssigneeIDs) != 2 ||
		!slices.Contains(got[0].AssigneeIDs, tm.Viewer.ID) || !slices.Contains(got[0].AssigneeIDs, tm.Admin.ID) {
		t.Fatalf("listed assignees = %+v, want viewer and admin", got)
	}
	// Only members of the space can be assigned.
	if er := e.do(tm.Member.Token, "POST", "/api/tasks/"+k.ID+"/assignees", map[string]any{"userId": tm.Others.ID}).wantErr(t, 400, "validation_failed"); er.Field != "userId" {
		t.Fatalf("assigning an outsider: %+v", er)
	}

	e.do(tm.Member.Token, "DELETE", "/api/tasks/"+k.ID+"/assignees/"+tm.Viewer.ID, nil).want(t, 200, &out)
	if len(out.Task.AssigneeIDs) != 1 || out.Task.AssigneeIDs[0] != tm.Admin.ID || out.Task.Version != 4 {
		t.Fatalf("after unassign: %+v", out.Task)
	}
	// Unassigning someone not assigned changes nothing.
	e.do(tm.Member.Token, "DELETE", "/api/tasks/"+k.ID+"/assignees/"+tm.Viewer.ID, nil).want(t, 200, &out)
	if out.Task.Version != 4 {
		t.Fatalf("no-op unassign bumped version to %d", out.Task.Version)
	}
}

// Every 400 names the field and says what was wrong, with the code
// validation_failed; none is a 500.
func TestBadRequests(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, nil)
	tasks, task, projects := "/api/tasks", "/api/tasks/"+k.ID, "/api/projects"
	pid, sid := b.ProjectID, b.SpaceID

	cases := []struct {
		name, method, path string
		body               any
		field              string // the field the error names ("" for the body itself)
		msg                string // exactly this message, if set
	}{
		{"malformed JSON", "POST", tasks, `{"projectId": `, "", ""},
		{"trailing garbage", "PATCH", task, `{"title": "x"} x`, "", ""},
		{"body an array", "POST", tasks, `[1,2]`, "", ""},
		{"body a string", "PATCH", task, `"title"`, "", ""},
		{"body null", "POST", projects, `null`, "", ""},
		{"empty body", "POST", tasks, ``, "", ""},
		{"unknown priority", "POST", tasks, map[string]any{"projectId": pid, "title": "x", "priority": "huge"}, "priority", "priority must be one of none, low, medium, high, urgent"},
		{"unknown priority on PATCH", "PATCH", task, map[string]any{"priority": "Urgent"}, "priority", "priority must be one of none, low, medium, high, urgent"},
		{"priority null", "PATCH", task, map[string]any{"priority": nil}, "priority", ""},
		{"title a number", "POST", tasks, map[string]any{"projectId": pid, "title": 5}, "title", ""},
		{"title missing", "POST", tasks, map[string]any{"projectId": pid}, "title", "title is required"},
		{"title blank", "POST", tasks, map[string]any{"projectId": pid, "title": "   "}, "title", ""},
		{"title null on PATCH", "PATCH", task, map[string]any{"title": nil}, "title", ""},
		{"title too long", "PATCH", task, map[string]any{"title": strings.Repeat("x", 501)}, "title", ""},
		{"projectId missing", "POST", tasks, map[string]any{"title": "x"}, "projectId", "projectId is required"},
		{"projectId not a UUID", "POST", tasks, map[string]any{"projectId": "abc", "title": "x"}, "projectId", ""},
		{"projectId a number", "POST", tasks, map[string]any{"projectId": 12, "title": "x"}, "projectId", ""},
		{"statusId not a UUID", "PATCH", task, map[string]any{"statusId": "done"}, "statusId", ""},
		{"statusId unknown", "PATCH", task, map[string]any{"statusId": "00000000-0000-4000-8000-000000000000"}, "statusId", ""},
		{"parentTaskId not a UUID", "POST", tasks, map[string]any{"projectId": pid, "title": "x", "parentTaskId": "1"}, "parentTaskId", ""},
		{"parentTaskId unknown", "POST", tasks, map[string]any{"projectId": pid, "title": "x", "parentTaskId": "00000000-0000-4000-8000-000000000000"}, "parentTaskId", ""},
		{"dueDate not a date", "POST", tasks, map[string]any{"projectId": pid, "title": "x", "dueDate": "tomorrow"}, "dueDate", ""},
		{"dueDate impossible", "PATCH", task, map[string]any{"dueDate": "2026-02-30"}, "dueDate", ""},
		{"dueDate a number", "PATCH", task, map[string]any{"dueDate": 20260101}, "dueDate", ""},
		{"completedAt not a date", "PATCH", task, map[string]any{"completedAt": "22/02/2026"}, "completedAt", ""},
		// Valid as written, but in UTC a year no ISO 8601 client reads back.
		{"dueDate past year 9999 in UTC", "PATCH", task, map[string]any{"dueDate": "9999-12-31T23:00:00-02:00"}, "dueDate", ""},
		{"completedAt before year 0 in UTC", "PATCH", task, map[string]any{"completedAt": "0000-01-01T00:30:00+01:00"}, "completedAt", ""},
		{"isArchived a string", "PATCH", task, map[string]any{"isArchived": "yes"}, "isArchived", ""},
		{"isArchived null", "PATCH", task, map[string]any{"isArchived": nil}, "isArchived", ""},
		{"estimatedHours a string", "PATCH", task, map[string]any{"estimatedHours": "3"}, "estimatedHours", ""},
		{"estimatedHours negative", "PATCH", task, map[string]any{"estimatedHours": -1}, "estimatedHours", ""},
		{"estimatedHours huge", "PATCH", task, `{"estimatedHours": 1e999}`, "estimatedHours", ""},
		{"description a number", "PATCH", task, map[string]any{"description": 1}, "description", ""},
		{"task id in path", "PATCH", "/api/tasks/not-a-uuid", map[string]any{"title": "x"}, "id", ""},
		{"task id in path on GET", "GET", "/api/tasks/123", nil, "id", ""},
		{"task id in path on DELETE", "DELETE", "/api/tasks/123", nil, "id", ""},
		{"comments path", "GET", "/api/tasks/xyz/comments", nil, "id", ""},
		{"assignee path", "DELETE", task + "/assignees/xyz", nil, "userId", `user id must be a UUID, got "xyz"`},
		{"assignee body", "POST", task + "/assignees", map[string]any{"userId": "me"}, "userId", ""},
		{"projectId query missing", "GET", "/api/tasks", nil, "projectId", ""},
		{"projectId query bad", "GET", "/api/tasks?projectId=42", nil, "projectId", ""},
		{"archived query bad", "GET", "/api/tasks?projectId=" + pid + "&archived=maybe", nil, "archived", ""},
		{"statuses query bad", "GET", "/api/statuses?projectId=x", nil, "projectId", ""},
		{"spaceId query missing", "GET", "/api/projects", nil, "spaceId", ""},
		{"spaceId query bad", "GET", "/api/projects?spaceId=" + strings.Repeat("a", 36), nil, "spaceId", ""},
		{"project spaceId missing", "POST", projects, map[string]any{"name": "P", "slug": "p"}, "spaceId", "spaceId is required"},
		{"project spaceId bad", "POST", projects, map[string]any{"spaceId": "s", "name": "P", "slug": "p"}, "spaceId", ""},
		{"project name missing", "POST", projects, map[string]any{"spaceId": sid, "slug": "p"}, "name", "name is required"},
		{"project slug missing", "POST", projects, map[string]any{"spaceId": sid, "name": "P"}, "slug", "slug is required"},
		{"project slug bad", "POST", projects, map[string]any{"spaceId": sid, "name": "P", "slug": "Not A Slug"}, "slug", ""},
		{"project defaultView", "POST", projects, map[string]any{"spaceId": sid, "name": "P", "slug": "p", "defaultView": "table"}, "defaultView", "defaultView must be one of kanban, list, calendar, gantt"},
		{"project color", "POST", projects, map[string]any{"spaceId": sid, "name": "P", "slug": "p", "color": "blue"}, "color", ""},
		{"project name a bool", "PATCH", "/api/projects/" + pid, map[string]any{"name": true}, "name", ""},
		{"project id in path", "PATCH", "/api/projects/x", map[string]any{"name": "x"}, "id", ""},
		{"project id in path on DELETE", "DELETE", "/api/projects/x", nil, "id", ""},
		{"space name missing", "POST", "/api/spaces", map[string]any{"slug": "abc"}, "name", "name is required"},
		{"space slug missing", "POST", "/api/spaces", map[string]any{"name": "S"}, "slug", "slug is required"},
		{"space slug short", "POST", "/api/spaces", map[string]any{"name": "S", "slug": "ab"}, "slug", ""},
		{"space slug long", "POST", "/api/spaces", map[string]any{"name": "S", "slug": strings.Repeat("a", 51)}, "slug", ""},
		{"space slug chars", "POST", "/api/spaces", map[string]any{"name": "S", "slug": "ab_c"}, "slug", ""},
		{"space color", "POST", "/api/spaces", map[string]any{"name": "S", "slug": "abc", "color": "#12345"}, "color", ""},
		{"space id in path", "GET", "/api/spaces/nope/members", nil, "id", ""},
		{"member role", "POST", "/api/spaces/" + sid + "/members", map[string]any{"userId": u.ID, "role": "boss"}, "role", "role must be one of admin, member, viewer"},
		{"member userId", "POST", "/api/spaces/" + sid + "/members", map[string]any{"userId": 7, "role": "member"}, "userId", ""},
		{"member path userId", "PATCH", "/api/spaces/" + sid + "/members/x", map[string]any{"role": "member"}, "userId", `user id must be a UUID, got "x"`},
		{"comment content missing", "POST", task + "/comments", map[string]any{}, "content", "content is required"},
		{"idempotency key too long", "PATCH", task, map[string]any{"title": "x"}, "Idempotency-Key", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr []string
			if c.field == "Idempotency-Key" {
				hdr = []string{"Idempotency-Key", strings.Repeat("k", 256)}
			}
			er := e.do(u.Token, c.method, c.path, c.body, hdr...).wantErr(t, 400, "validation_failed")
			if er.Field != c.field {
				t.Errorf("field %q, want %q (%s)", er.Field, c.field, er.Error)
			}
			if c.field != "" && c.field != "id" && c.msg == "" && !strings.Contains(er.Error, c.field) {
				t.Errorf("message %q does not name %q", er.Error, c.field)
			}
			if c.msg != "" && er.Error != c.msg {
				t.Errorf("message %q, want %q", er.Error, c.msg)
			}
		})
	}
	// Nothing of that was written.
	if got := e.getTask(u, k.ID); got.Version != 1 {
		t.Fatalf("refused requests changed the task: version %d", got.Version)
	}
	if got := e.listTasks(u, b.ProjectID, false); len(got) != 1 {
		t.Fatalf("refused creates made tasks: %d", len(got))
	}
}

func TestUnauthorized(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	revoked := e.newToken(u, "old")
	e.do(revoked.Token, "GET", "/api/spaces", nil).want(t, 200, nil)
	if err := e.st.Write(t.Context(), func(tx *store.Tx) error { _, err := tx.RevokeToken(revoked.TokenID); return err }); err != nil {
		t.Fatal(err)
	}
	// Revoking one token leaves the user's others working.
	e.do(u.Token, "GET", "/api/spaces", nil).want(t, 200, nil)

	cases := []struct{ name, auth string }{
		{"missing", ""},
		{"no scheme", u.Token},
		{"basic scheme", "Basic " + u.Token},
		{"empty bearer", "Bearer "},
		{"not kt_", "Bearer " + strings.TrimPrefix(u.Token, "kt_")},
		{"unknown", "Bearer kt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"truncated", "Bearer " + u.Token[:len(u.Token)-1]},
		{"too long", "Bearer kt_" + strings.Repeat("a", 500)},
		{"revoked", "Bearer " + revoked.Token},
	}
	for _, c := range cases {
		for _, req := range []struct{ method, path string }{{"GET", "/api/spaces"}, {"POST", "/api/tasks"}, {"GET", "/api/me"}} {
			t.Run(c.name+" "+req.method+" "+req.path, func(t *testing.T) {
				var hdr []string
				if c.auth != "" {
					hdr = []string{"Authorization", c.auth}
				}
				res := e.do("", req.method, req.path, nil, hdr...)
				if res.Status != 401 || string(bytes.TrimSpace(res.Body)) != `{"error":"Unauthorized"}` {
					t.Fatalf("got %d %s, want 401 {\"error\":\"Unauthorized\"}", res.Status, res.Body)
				}
			})
		}
	}
	// "bearer" in any case is fine.
	e.do("", "GET", "/api/me", nil, "Authorization", "bearer "+u.Token).want(t, 200, nil)
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	for _, tok := range []string{u.Token, ""} {
		for _, path := range []string{"/api/nope", "/api/tasks/a/b/c", "/", "/api", "/api/spaces/x/y"} {
			e.do(tok, "GET", path, nil).wantErr(t, 404, "not_found")
		}
		for _, c := range []struct{ method, path, allow string }{
			{"PUT", "/api/tasks", "GET, HEAD, POST"},
			{"DELETE", "/api/spaces", "GET, HEAD, POST"},
			{"POST", "/api/tasks/00000000-0000-4000-8000-000000000000", "DELETE, GET, HEAD, PATCH"},
			{"PATCH", "/api/me", "GET, HEAD"},
			{"GET", "/api/tasks/00000000-0000-4000-8000-000000000000/assignees", "POST"},
		} {
			res := e.do(tok, c.method, c.path, nil)
			er := res.wantErr(t, 405, "method_not_allowed")
			if !strings.Contains(er.Error, c.method) {
				t.Errorf("%s %s: message %q does not name the method", c.method, c.path, er.Error)
			}
			if got := res.Header.Get("Allow"); got != c.allow {
				t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
			}
		}
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, nil)
	big := `{"title": "x", "description": "` + strings.Repeat("a", 1<<20) + `"}`
	for _, c := range []struct{ method, path string }{{"POST", "/api/tasks"}, {"PATCH", "/api/tasks/" + k.ID}, {"POST", "/api/projects"}, {"POST", "/api/spaces"}} {
		e.do(u.Token, c.method, c.path, big).wantErr(t, 413, "payload_too_large")
	}
	// Just under the limit is fine.
	desc := strings.Repeat("a", 1<<20-100)
	got := e.patchTask(u, k.ID, map[string]any{"description": desc})
	if got.Description == nil || len(*got.Description) != len(desc) {
		t.Fatalf("a description just under 1 MiB was not kept")
	}
}

func TestIdempotency(t *testing.T) {
	clock := newFakeClock()
	e := newTestEnvOn(t, openTestStore(t, store.WithClock(clock.Now)))
	u := e.newUser("ada")
	b := e.personalBoard(u)
	body := map[string]any{"projectId": b.ProjectID, "title": "once"}

	first := e.do(u.Token, "POST", "/api/tasks", body, "Idempotency-Key", "key-1").want(t, 201, nil)
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first request marked replayed")
	}
	again := e.do(u.Token, "POST", "/api/tasks", body, "Idempotency-Key", "key-1")
	if again.Status != 201 || !bytes.Equal(again.Body, first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry got %d %q replayed=%q, want 201 %q replayed=true", again.Status, again.Body, again.Header.Get("Idempotent-Replayed"), first.Body)
	}
	if got := e.listTasks(u, b.ProjectID, false); len(got) != 1 {
		t.Fatalf("retried create made %d tasks, want 1", len(got))
	}

	// Same key, different request: refused, nothing done.
	e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": b.ProjectID, "title": "twice"}, "Idempotency-Key", "key-1").
		wantErr(t, 409, "idempotency_mismatch")
	var created struct{ Task tTask }
	first.want(t, 201, &created)
	e.do(u.Token, "PATCH", "/api/tasks/"+created.Task.ID, body, "Idempotency-Key", "key-1").wantErr(t, 409, "idempotency_mismatch")
	if got := e.listTasks(u, b.ProjectID, false); len(got) != 1 || got[0].Title != "once" || got[0].Version != 1 {
		t.Fatalf("mismatched keys changed tasks: %+v", got)
	}

	// A PATCH retried is applied once.
	p1 := e.do(u.Token, "PATCH", "/api/tasks/"+created.Task.ID, map[string]any{"priority": "high"}, "Idempotency-Key", "key-2").want(t, 200, nil)
	p2 := e.do(u.Token, "PATCH", "/api/tasks/"+created.Task.ID, map[string]any{"priority": "high"}, "Idempotency-Key", "key-2").want(t, 200, nil)
	if !bytes.Equal(p1.Body, p2.Body) || p2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("PATCH retry answered %s, first %s", p2.Body, p1.Body)
	}
	if got := e.getTask(u, created.Task.ID); got.Version != 2 {
		t.Fatalf("retried PATCH: version %d, want 2", got.Version)
	}

	// A DELETE retried gets its answer back rather than a 404.
	victim := e.createTask(u, b.ProjectID, nil)
	e.do(u.Token, "DELETE", "/api/tasks/"+victim.ID, nil, "Idempotency-Key", "key-3").want(t, 200, nil)
	if res := e.do(u.Token, "DELETE", "/api/tasks/"+victim.ID, nil, "Idempotency-Key", "key-3").want(t, 200, nil); res.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retried DELETE not replayed")
	}

	// Keys belong to a token: the same key on another token is a new request.
	second := e.newToken(u, "second")
	e.do(second.Token, "POST", "/api/tasks", body, "Idempotency-Key", "key-1").want(t, 201, nil)
	if got := e.listTasks(u, b.ProjectID, false); len(got) != 2 {
		t.Fatalf("same key from another token: %d tasks, want 2", len(got))
	}

	// Without a key, every request is done.
	e.do(u.Token, "POST", "/api/tasks", body).want(t, 201, nil)
	e.do(u.Token, "POST", "/api/tasks", body).want(t, 201, nil)
	if got := e.listTasks(u, b.ProjectID, false); len(got) != 4 {
		t.Fatalf("keyless creates: %d tasks, want 4", len(got))
	}

	// After 24 hours a key is forgotten.
	clock.Advance(24*time.Hour + time.Minute)
	res := e.do(u.Token, "POST", "/api/tasks", body, "Idempotency-Key", "key-1").want(t, 201, nil)
	if res.Header.Get("Idempotent-Replayed") != "" || bytes.Equal(res.Body, first.Body) {
		t.Fatalf("a day-old key was replayed")
	}
	if got := e.listTasks(u, b.ProjectID, false); len(got) != 5 {
		t.Fatalf("after expiry: %d tasks, want 5", len(got))
	}
}

// In seed mode the server is exactly what the seed lists.
func TestSeedMode(t *testing.T) {
	e := newTestEnv(t, server.WithAPI(server.APISeed))
	u := e.newUser("ada")
	var spaces []map[string]any
	e.do(u.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	if len(spaces) != 1 {
		t.Fatalf("spaces = %v", spaces)
	}
	for _, extra := range []string{"isPersonal", "role", "createdAt"} {
		if _, ok := spaces[0][extra]; ok {
			t.Errorf("seed-mode space has %q: %v", extra, spaces[0])
		}
	}
	var projects []map[string]any
	e.do(u.Token, "GET", fmt.Sprintf("/api/projects?spaceId=%s", spaces[0]["id"]), nil).want(t, 200, &projects)
	pid, _ := projects[0]["id"].(string)

	// Idempotency-Key is ignored: two requests, two tasks.
	body := map[string]any{"projectId": pid, "title": "x", "priority": "high"}
	r1 := e.do(u.Token, "POST", "/api/tasks", body, "Idempotency-Key", "k").want(t, 201, nil)
	r2 := e.do(u.Token, "POST", "/api/tasks", body, "Idempotency-Key", "k").want(t, 201, nil)
	if r2.Header.Get("Idempotent-Replayed") != "" || bytes.Equal(r1.Body, r2.Body) {
		t.Fatalf("seed mode replayed a keyed request")
	}
	var tasks []map[string]any
	e.do(u.Token, "GET", "/api/tasks?projectId="+pid, nil).want(t, 200, &tasks)
	if len(tasks) != 2 {
		t.Fatalf("seed mode: %d tasks, want 2", len(tasks))
	}

	// Task JSON has the seed's fields and no others.
	var created map[string]map[string]any
	r1.want(t, 201, &created)
	want := "completedAt,dueDate,estimatedHours,id,isArchived,parentTaskId,priority,projectId,statusId,title"
	if got := fieldNames(created["task"]); got != want {
		t.Fatalf("seed-mode task fields %s, want %s", got, want)
	}
	for k := range tasks[0] {
		if !strings.Contains(","+want+",", ","+k+",") {
			t.Fatalf("seed-mode listed task has %q", k)
		}
	}
	id, _ := created["task"]["id"].(string)
	var patched map[string]map[string]any
	e.do(u.Token, "PATCH", "/api/tasks/"+id, map[string]any{"completedAt": "2026-02-22T10:00:00.000Z"}).want(t, 200, &patched)
	if _, ok := patched["task"]["version"]; ok || patched["task"]["completedAt"] != "2026-02-22T10:00:00.000Z" {
		t.Fatalf("seed-mode PATCH answered %v", patched)
	}

	// lanes' additions are not there.
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/statuses?projectId=" + pid},
		{"GET", "/api/me"},
		{"GET", "/api/tasks/" + id},
		{"GET", "/api/tasks/" + id + "/comments"},
		{"POST", "/api/tasks/" + id + "/comments"},
		{"POST", "/api/tasks/" + id + "/assignees"},
		{"GET", fmt.Sprintf("/api/spaces/%s/members", spaces[0]["id"])},
		{"POST", "/api/statuses"},
		{"PATCH", "/api/statuses/" + id},
		{"DELETE", "/api/statuses/" + id},
		{"GET", "/api/labels?projectId=" + pid},
		{"POST", "/api/labels"},
		{"PATCH", "/api/labels/" + id},
		{"DELETE", "/api/labels/" + id},
	} {
		e.do(u.Token, c.method, c.path, nil).wantErr(t, 404, "not_found")
	}
	// labelIds, a lanes addition, is not heard of: a task is made without.
	e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": pid, "title": "labelled", "labelIds": []string{"00000000-0000-4000-8000-000000000000"}}).want(t, 201, nil)
	e.do(u.Token, "DELETE", "/api/tasks/"+id, nil).want(t, 200, nil)
}

func TestRateLimitOff(t *testing.T) {
	e := newTestEnv(t, server.WithRateLimit(0))
	u := e.newUser("ada")
	for i := 0; i < 150; i++ {
		if res := e.do(u.Token, "GET", "/api/me", nil); res.Status != 200 {
			t.Fatalf("request %d with the limit off: %d %s", i+1, res.Status, res.Body)
		}
	}
}

func TestConcurrentCreatesInOneColumn(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	col := b.col(t, "In Progress")
	const n = 50
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		seen  = map[string]string{}
		fails []string
	)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := testSend(e.srv.Client(), e.srv.URL, u.Token, "POST", "/api/tasks",
				map[string]any{"projectId": b.ProjectID, "title": fmt.Sprint("task ", i), "statusId": col})
			mu.Lock()
			defer mu.Unlock()
			var out struct{ Task tTask }
			if err != nil {
				fails = append(fails, err.Error())
				return
			}
			if res.Status != 201 || json.Unmarshal(res.Body, &out) != nil {
				fails = append(fails, fmt.Sprintf("%d %s", res.Status, res.Body))
				return
			}
			if other, dup := seen[out.Task.Position]; dup {
				fails = append(fails, fmt.Sprintf("%q and %q share position %q", other, out.Task.Title, out.Task.Position))
			}
			seen[out.Task.Position] = out.Task.Title
		}()
	}
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("concurrent creates: %v", fails)
	}
	list := e.listTasks(u, b.ProjectID, false)
	if len(list) != n || len(seen) != n {
		t.Fatalf("listed %d tasks with %d distinct positions, want %d", len(list), len(seen), n)
	}
	for i, k := range list {
		if seen[k.Position] != k.Title {
			t.Fatalf("listed %q at %q, created as %q", k.Title, k.Position, seen[k.Position])
		}
		if i > 0 && k.Position <= list[i-1].Position {
			t.Fatalf("list not in position order at %d: %q then %q", i, list[i-1].Position, k.Position)
		}
	}
}

// Every response carries a request id, the caller's when it sent a sane one.
func TestRequestID(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	res := e.do(u.Token, "GET", "/api/me", nil, "X-Request-Id", "abc-123")
	if got := res.Header.Get("X-Request-Id"); got != "abc-123" {
		t.Fatalf("X-Request-Id %q, want the caller's", got)
	}
	if got := e.do("", "GET", "/api/me", nil).Header.Get("X-Request-Id"); len(got) != 16 {
		t.Fatalf("generated X-Request-Id %q, want 16 hex characters", got)
	}
}

// Every response is JSON, including errors from the router.
func TestResponsesAreJSON(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	for _, c := range []struct{ method, path string }{{"GET", "/api/spaces"}, {"GET", "/nope"}, {"PUT", "/api/spaces"}, {"GET", "/api/tasks"}} {
		res := e.do(u.Token, c.method, c.path, nil)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || !json.Valid(res.Body) {
			t.Errorf("%s %s: %d Content-Type %q body %s", c.method, c.path, res.Status, ct, res.Body)
		}
	}
}

// An Idempotency-Key is printable ASCII of at most 255 characters: any
// other is a 400 naming the header, and nothing is made, on either store
// (PostgreSQL could not even keep a key that is not UTF-8).
func TestIdempotencyKeyMustBePrintableASCII(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ada")
	b := e.personalBoard(u)
	for _, key := range []string{"k\xff", "k\xfe\x80", "tab\there", "é-accent", strings.Repeat("k", 256)} {
		res := e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": b.ProjectID, "title": "keyed"}, "Idempotency-Key", key)
		res.wantErr(t, 400, "validation_failed")
		if !strings.Contains(string(res.Body), `"field":"Idempotency-Key"`) {
			t.Errorf("key %q: %s, want the field named", key, res.Body)
		}
	}
	if n := len(e.listTasks(u, b.ProjectID, false)); n != 0 {
		t.Fatalf("%d tasks made by refused requests", n)
	}
	e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": b.ProjectID, "title": "keyed"},
		"Idempotency-Key", "0193f0c2-7a1b-7c3d-9e4f-a5b6c7d8e9f0 retry/1").want(t, 201, nil)
}
