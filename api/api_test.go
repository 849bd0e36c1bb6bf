package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// Every method against a full lanes server, as the board would use them.
func TestEveryMethodOnALanesServer(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann, bob := e.user("ann"), e.user("bob")
	c, cb := e.client(ann), e.client(bob)
	ctx := context.Background()

	if kind, err := c.Probe(ctx); err != nil || kind != api.ServerLanes {
		t.Fatalf("Probe = %v, %v; want a lanes server", kind, err)
	}
	if !c.Supports(api.FeaturePositions) || !c.Supports(api.FeatureIdempotency) {
		t.Error("a lanes server should support positions and idempotency keys")
	}
	me, err := c.Me(ctx)
	if err != nil || me.ID != ann.ID || me.Name != "ann" || me.CreatedAt.IsZero() {
		t.Fatalf("Me = %+v, %v", me, err)
	}
	sp, general := personal(t, c)
	if !sp.IsPersonal || sp.Role != api.RoleOwner {
		t.Errorf("personal space: %+v", sp)
	}

	// Spaces and members.
	team, err := c.CreateSpace(ctx, api.SpaceCreate{Name: "Team", Slug: "team", Color: ptr("#ff8800")})
	if err != nil || team.Name != "Team" || team.Slug != "team" || team.Color == nil || *team.Color != "#ff8800" {
		t.Fatalf("CreateSpace = %+v, %v", team, err)
	}
	m, err := c.AddMember(ctx, team.ID, bob.ID, api.RoleViewer)
	if err != nil || m.UserID != bob.ID || m.Role != api.RoleViewer || m.Name != "bob" {
		t.Fatalf("AddMember = %+v, %v", m, err)
	}
	members, err := c.Members(ctx, team.ID)
	if err != nil || len(members) != 2 {
		t.Fatalf("Members = %+v, %v", members, err)
	}
	if m, err = c.SetMemberRole(ctx, team.ID, bob.ID, api.RoleMember); err != nil || m.Role != api.RoleMember {
		t.Fatalf("SetMemberRole = %+v, %v", m, err)
	}

	// Projects.
	p, err := c.CreateProject(ctx, api.ProjectCreate{SpaceID: team.ID, Name: "Launch", Slug: "launch", Description: ptr("the big one"), DefaultView: api.ViewList})
	if err != nil || p.Name != "Launch" || p.DefaultView != api.ViewList || p.Description == nil {
		t.Fatalf("CreateProject = %+v, %v", p, err)
	}
	patch := api.ProjectPatch{Name: api.Set("Launch day"), Description: api.Clear[string]()}
	if p, err = c.UpdateProject(ctx, p.ID, patch); err != nil || p.Name != "Launch day" || p.Description != nil {
		t.Fatalf("UpdateProject = %+v, %v", p, err)
	}
	projects, err := cb.Projects(ctx, team.ID)
	if err != nil || len(projects) != 2 {
		t.Fatalf("bob's Projects of the team = %+v, %v", projects, err)
	}

	// Columns.
	cols, err := c.Statuses(ctx, p.ID)
	if err != nil || len(cols) != 4 {
		t.Fatalf("Statuses = %+v, %v", cols, err)
	}
	names := []string{cols[0].Name, cols[1].Name, cols[2].Name, cols[3].Name}
	if strings.Join(names, ",") != "To Do,In Progress,In Review,Done" || !cols[3].IsDone || cols[0].IsDone {
		t.Fatalf("columns %+v", cols)
	}

	// Tasks: create with every field.
	due := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	k, err := cb.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Write the post", StatusID: &cols[1].ID,
		Priority: api.PriorityHigh, DueDate: &due, Description: ptr("500 words")})
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	if k.Title != "Write the post" || *k.StatusID != cols[1].ID || k.Priority != api.PriorityHigh || !k.DueDate.Equal(due) ||
		k.Description == nil || *k.Description != "500 words" || k.CreatorID != bob.ID || k.Version != 1 || k.Position == "" {
		t.Fatalf("created %+v", k)
	}
	sub, err := cb.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Outline", ParentTaskID: &k.ID})
	if err != nil || sub.ParentTaskID == nil || *sub.ParentTaskID != k.ID || sub.Priority != api.PriorityNone {
		t.Fatalf("subtask %+v, %v", sub, err)
	}

	// Update: set, clear, leave.
	var up api.TaskPatch
	up.EstimatedHours.Set(2.5)
	up.DueDate.Clear()
	up.Description.Set("600 words")
	k2, err := cb.UpdateTask(ctx, k.ID, up)
	if err != nil || k2.EstimatedHours == nil || *k2.EstimatedHours != 2.5 || k2.DueDate != nil ||
		*k2.Description != "600 words" || k2.Title != k.Title || k2.Priority != api.PriorityHigh || k2.Version != 2 {
		t.Fatalf("UpdateTask = %+v, %v", k2, err)
	}
	done := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	k2, err = cb.UpdateTask(ctx, k.ID, api.TaskPatch{CompletedAt: api.Set(done)})
	if err != nil || k2.CompletedAt == nil || !k2.CompletedAt.Equal(done) || *k2.StatusID != cols[3].ID {
		t.Fatalf("completing moves the task to Done: %+v, %v", k2, err)
	}

	// Comments and assignees.
	cm, err := c.AddComment(ctx, k.ID, "looks good")
	if err != nil || cm.Content != "looks good" || cm.AuthorID != ann.ID || cm.AuthorName != "ann" {
		t.Fatalf("AddComment = %+v, %v", cm, err)
	}
	comments, err := cb.Comments(ctx, k.ID)
	if err != nil || len(comments) != 1 || comments[0].ID != cm.ID {
		t.Fatalf("Comments = %+v, %v", comments, err)
	}
	if k2, err = c.Assign(ctx, k.ID, bob.ID); err != nil || len(k2.AssigneeIDs) != 1 || k2.AssigneeIDs[0] != bob.ID {
		t.Fatalf("Assign = %+v, %v", k2, err)
	}
	detail, err := c.Task(ctx, k.ID)
	if err != nil || detail.ID != k.ID || len(detail.Comments) != 1 || len(detail.Subtasks) != 1 ||
		detail.Subtasks[0].ID != sub.ID || detail.CommentCount != 1 || len(detail.AssigneeIDs) != 1 {
		t.Fatalf("Task = %+v, %v", detail, err)
	}
	if k2, err = c.Unassign(ctx, k.ID, bob.ID); err != nil || len(k2.AssigneeIDs) != 0 {
		t.Fatalf("Unassign = %+v, %v", k2, err)
	}

	// Lists, archive, delete.
	tasks, err := c.Tasks(ctx, p.ID, api.ListTasksOptions{})
	if err != nil || len(tasks) != 2 {
		t.Fatalf("Tasks = %+v, %v", tasks, err)
	}
	if _, err := c.UpdateTask(ctx, sub.ID, api.TaskPatch{IsArchived: api.Set(true)}); err != nil {
		t.Fatal(err)
	}
	archived, err := c.Tasks(ctx, p.ID, api.ListTasksOptions{Archived: true})
	if err != nil || len(archived) != 1 || archived[0].ID != sub.ID || !archived[0].IsArchived {
		t.Fatalf("archived Tasks = %+v, %v", archived, err)
	}
	if err := cb.DeleteTask(ctx, k.ID); err != nil {
		t.Fatalf("the creator deletes a task: %v", err)
	}
	if _, err := c.Task(ctx, k.ID); !api.IsNotFound(err) {
		t.Fatalf("a deleted task: %v, want not found", err)
	}
	if err := c.RemoveMember(ctx, team.ID, bob.ID); err != nil {
		t.Fatalf("RemoveMember: %v", err)
	}
	if _, err := cb.Projects(ctx, team.ID); !api.IsNotFound(err) {
		t.Fatalf("after leaving, bob sees the team: %v", err)
	}
	if err := c.ArchiveProject(ctx, p.ID); err != nil {
		t.Fatalf("ArchiveProject: %v", err)
	}
	if projects, _ := c.Projects(ctx, team.ID); len(projects) != 1 || projects[0].ID == p.ID {
		t.Fatalf("an archived project is still listed: %+v", projects)
	}
	_ = general
}

// hideMCP is a server without /api/mcp (a Krokanti server whose MCP
// endpoint is off or unreachable): its answer there is a 404.
type hideMCP struct{}

func (hideMCP) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/api/mcp" {
		return &http.Response{StatusCode: 404, Status: "404 Not Found", Body: io.NopCloser(strings.NewReader(`{"error":"Not found"}`)),
			Header: http.Header{"Content-Type": {"application/json"}}, Request: r}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}

// On a seed-only server, the columns' names come from the MCP tool
// list_statuses, since the seed's REST API has no columns endpoint.
func TestSeedColumnsOverMCP(t *testing.T) {
	e := newEnv(t, server.APISeed)
	c := e.client(e.user("ann"))
	ctx := context.Background()
	_, p := personal(t, c)
	cols, err := c.Statuses(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, col := range cols {
		names = append(names, col.Name)
	}
	if strings.Join(names, ",") != "To Do,In Progress,In Review,Done" || !cols[3].IsDone || cols[0].IsDone {
		t.Fatalf("columns of a seed server over MCP: %+v", cols)
	}
	if c.Kind() != api.ServerSeed {
		t.Fatalf("Kind = %v", c.Kind())
	}
	if _, err := c.Statuses(ctx, "00000000-0000-4000-8000-000000000000"); !api.IsNotFound(err) {
		t.Fatalf("Statuses of a missing project on seed: %v", err)
	}
}

// Against a server with only the seed's API and no MCP endpoint, the
// seed's methods work, the additions say so, and columns come from the
// tasks.
func TestSeedOnlyServer(t *testing.T) {
	e := newEnv(t, server.APISeed)
	ann := e.user("ann")
	c := e.client(ann, api.WithTransport(hideMCP{}))
	ctx := context.Background()

	if c.Supports(api.FeaturePositions) {
		t.Error("before probing, nothing beyond the seed is assumed")
	}
	sp, p := personal(t, c)
	if sp.Name != "Personal" || p.SpaceID != sp.ID {
		t.Fatalf("space %+v project %+v", sp, p)
	}
	// Statuses before any task: no columns known yet, and no error.
	if cols, err := c.Statuses(ctx, p.ID); err != nil || len(cols) != 0 {
		t.Fatalf("Statuses of an empty seed project = %+v, %v", cols, err)
	}
	if kind := c.Kind(); kind != api.ServerSeed {
		t.Fatalf("Kind after a degraded Statuses = %v", kind)
	}
	// A create with lanes-only fields sends only the seed's.
	todo, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Plan", Description: ptr("ignored"), Position: "a5"})
	if err != nil || todo.Description != nil || todo.Version != 0 || todo.StatusID == nil {
		t.Fatalf("seed CreateTask = %+v, %v", todo, err)
	}
	done, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Ship", Priority: api.PriorityUrgent})
	if err != nil {
		t.Fatal(err)
	}
	if done, err = c.UpdateTask(ctx, done.ID, api.TaskPatch{CompletedAt: api.Set(time.Now())}); err != nil || done.CompletedAt == nil {
		t.Fatalf("completing on a seed server: %+v, %v", done, err)
	}
	cols, err := c.Statuses(ctx, p.ID)
	if err != nil || len(cols) != 2 {
		t.Fatalf("Statuses from the tasks = %+v, %v", cols, err)
	}
	if cols[0].ID != *todo.StatusID || cols[0].IsDone || cols[1].ID != *done.StatusID || !cols[1].IsDone || cols[0].Name != "Column 1" {
		t.Fatalf("columns from tasks %+v; todo in %s, done in %s", cols, *todo.StatusID, *done.StatusID)
	}
	// The additions: a clear error, not a crash or a silent drop.
	checks := map[string]error{}
	_, checks["Me"] = c.Me(ctx)
	_, checks["Task"] = c.Task(ctx, todo.ID)
	_, checks["Comments"] = c.Comments(ctx, todo.ID)
	_, checks["AddComment"] = c.AddComment(ctx, todo.ID, "hi")
	_, checks["Assign"] = c.Assign(ctx, todo.ID, ann.ID)
	_, checks["Unassign"] = c.Unassign(ctx, todo.ID, ann.ID)
	_, checks["Members"] = c.Members(ctx, sp.ID)
	_, checks["AddMember"] = c.AddMember(ctx, sp.ID, ann.ID, api.RoleMember)
	_, checks["SetMemberRole"] = c.SetMemberRole(ctx, sp.ID, ann.ID, api.RoleMember)
	checks["RemoveMember"] = c.RemoveMember(ctx, sp.ID, ann.ID)
	_, checks["UpdateTask position"] = c.UpdateTask(ctx, todo.ID, api.TaskPatch{Position: api.Set("a9")})
	for name, err := range checks {
		if !errors.Is(err, api.ErrNotSupported) || !strings.Contains(err.Error(), "not supported by this server") {
			t.Errorf("%s on a seed server: %v, want ErrNotSupported", name, err)
		}
	}
	// Every seed write still works.
	if err := c.DeleteTask(ctx, todo.ID); err != nil {
		t.Fatalf("DeleteTask: %v", err)
	}
	team, err := c.CreateSpace(ctx, api.SpaceCreate{Name: "Team", Slug: "team"})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.CreateProject(ctx, api.ProjectCreate{SpaceID: team.ID, Name: "Two", Slug: "two"})
	if err != nil {
		t.Fatal(err)
	}
	if p2, err = c.UpdateProject(ctx, p2.ID, api.ProjectPatch{Name: api.Set("Deux")}); err != nil || p2.Name != "Deux" {
		t.Fatalf("UpdateProject on seed: %+v, %v", p2, err)
	}
	if err := c.ArchiveProject(ctx, p2.ID); err != nil {
		t.Fatal(err)
	}
	// A seed server's 404 for a missing project is still a not-found.
	if _, err := c.Statuses(ctx, "00000000-0000-4000-8000-000000000000"); !api.IsNotFound(err) {
		t.Fatalf("Statuses of a missing project on seed: %v", err)
	}
}

// Each kind of failure is told apart, with a sentence a person can act on.
func TestErrorKinds(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann, vic := e.user("ann"), e.user("vic")
	c, cv := e.client(ann), e.client(vic)
	ctx := context.Background()
	_, p := personal(t, c)
	team, err := c.CreateSpace(ctx, api.SpaceCreate{Name: "Team", Slug: "team"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddMember(ctx, team.ID, vic.ID, api.RoleViewer); err != nil {
		t.Fatal(err)
	}
	teamProjects, _ := c.Projects(ctx, team.ID)

	_, err = api.New(e.srv.URL, "kt_wrong").Spaces(ctx)
	assertErr(t, "bad token", err, api.IsUnauthorized, 401, "", "make a new one")

	_, err = cv.CreateTask(ctx, api.TaskCreate{ProjectID: teamProjects[0].ID, Title: "x"})
	assertErr(t, "viewer writes", err, api.IsForbidden, 403, "forbidden", "")

	_, err = c.Tasks(ctx, "00000000-0000-4000-8000-000000000000", api.ListTasksOptions{})
	assertErr(t, "missing project", err, api.IsNotFound, 404, "not_found", "Project not found")

	_, err = c.CreateSpace(ctx, api.SpaceCreate{Name: "Again", Slug: "team"})
	assertErr(t, "slug taken", err, api.IsConflict, 409, "slug_taken", "")

	_, err = c.UpdateTask(ctx, "not-a-uuid", api.TaskPatch{Title: api.Set("x")})
	assertErr(t, "bad id", err, api.IsValidation, 400, "validation_failed", "")

	_, err = c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "x", Priority: "asap"})
	assertErr(t, "bad priority", err, api.IsValidation, 400, "validation_failed", "priority must be one of none, low, medium, high, urgent")
	var ae *api.Error
	if errors.As(err, &ae); ae.Field != "priority" || ae.Method != "POST" || ae.Path != "/api/tasks" {
		t.Errorf("the error should name the field and the request: %+v", ae)
	}
	if api.IsNetwork(err) || api.IsServerError(err) || api.IsRateLimited(err) {
		t.Error("a 400 is only a validation error")
	}
}

func assertErr(t *testing.T, what string, err error, is func(error) bool, status int, code, says string) {
	t.Helper()
	var ae *api.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%s: %v (%T), want an *api.Error", what, err, err)
	}
	if !is(err) || ae.Status != status || ae.Code != code || !strings.Contains(err.Error(), says) {
		t.Fatalf("%s: %v (status %d code %q)", what, err, ae.Status, ae.Code)
	}
}

// 402 is Krokanti's answer to a plan without API access; a lanes server
// never sends it, so this one case is answered by a stand-in.
func TestPaymentRequired(t *testing.T) {
	srv := httpServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusPaymentRequired)
		json.NewEncoder(w).Encode(map[string]string{"error": "API access requires a Pro or Team plan", "code": "pro_required"})
	})
	_, err := api.New(srv.URL, "kt_x").Spaces(context.Background())
	assertErr(t, "402", err, api.IsPaymentRequired, 402, "pro_required", "this server's plan does not include API access")
}

func TestTaskPatchSendsOnlyWhatChanges(t *testing.T) {
	var p api.TaskPatch
	if !p.Empty() {
		t.Fatal("a zero patch is not empty")
	}
	p.Title.Set("x")
	p.DueDate.Clear()
	p.CompletedAt.Set(time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.FixedZone("CET", 3600)))
	b, _ := json.Marshal(p)
	var got map[string]any
	json.Unmarshal(b, &got)
	want := map[string]any{"title": "x", "dueDate": nil, "completedAt": "2026-01-02T02:04:05.006Z"}
	if len(got) != len(want) {
		t.Fatalf("patch %s, want only %v", b, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("patch %s: %s = %v, want %v", b, k, got[k], v)
		}
	}
}

// A seed server may send a due date as a date alone.
func TestTaskReadsEveryISODate(t *testing.T) {
	var k api.Task
	err := json.Unmarshal([]byte(`{"id":"1","title":"t","dueDate":"2026-12-01","completedAt":"2026-12-02T10:00:00Z","priority":"low"}`), &k)
	if err != nil || k.DueDate == nil || !k.DueDate.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || k.CompletedAt.Hour() != 10 {
		t.Fatalf("decoded %+v, %v", k, err)
	}
	if err := json.Unmarshal([]byte(`{"id":"1","dueDate":"next tuesday"}`), &k); err == nil || !strings.Contains(err.Error(), "dueDate") {
		t.Fatalf("a bad date: %v, want an error naming dueDate", err)
	}
}

// A task whose title and description hold terminal escapes (a server that
// allows them, or data from before lanes refused them) reaches the client
// with each control character shown as its symbol, and the same through
// the live feed and in an error's message.
func TestHostileTextArrivesClean(t *testing.T) {
	e := newEnv(t, server.APIFull)
	u := e.user("alice")
	c := e.client(u)
	ctx := context.Background()
	sp, p := personal(t, c)
	const title = "inj \x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mRED\x1b[0m end \x1b]52;c;aGk=\x07\r\x00\u009b"
	desc := "first line\r\nsecond \x1b[2J line\n\tindented"
	var id string
	err := e.st.Write(ctx, func(tx *store.Tx) error {
		sts, err := tx.Statuses(p.ID)
		if err != nil {
			return err
		}
		k := &store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: title, Description: &desc, Priority: "none", CreatorID: u.ID, StatusID: &sts[0].ID}
		if err := tx.CreateTask(k); err != nil {
			return err
		}
		id = k.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(where, title, desc string) {
		t.Helper()
		for _, r := range title + desc {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f {
				t.Fatalf("%s: a control character %U reached the client: %q / %q", where, r, title, desc)
			}
		}
		if !strings.Contains(title, "␛]0;pwned␇") || desc != "first line\nsecond ␛[2J line\n\tindented" {
			t.Fatalf("%s: the text is not shown as it was written: %q / %q", where, title, desc)
		}
	}
	tasks, err := c.Tasks(ctx, p.ID, api.ListTasksOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("Tasks", tasks[0].Title, *tasks[0].Description)
	detail, err := c.Task(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	check("Task", detail.Title, *detail.Description)

	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := make(chan api.Event, 4)
	go c.Follow(fctx, sp.ID, 0, func(ev api.Event) { events <- ev })
	time.Sleep(200 * time.Millisecond) // the feed is open at the head
	if err := e.st.Write(ctx, func(tx *store.Tx) error {
		k, err := tx.TaskByID(id)
		if err != nil {
			return err
		}
		k.Title += " again"
		return tx.UpdateTask(k)
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-events:
		var got api.Task
		if err := json.Unmarshal(ev.Data, &got); err != nil {
			t.Fatal(err)
		}
		check("the live feed", got.Title, *got.Description)
	case <-time.After(10 * time.Second):
		t.Fatal("the change never came through the feed")
	}
}
