package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/server"
)

// mcpClient connects the SDK's own client to /api/mcp as u.
func (e *testEnv) mcpClient(u testUser) *mcp.ClientSession {
	e.t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "lanes-test", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint:   e.srv.URL + "/api/mcp",
		HTTPClient: testenv.TokenClient(u.Token),
	}, nil)
	if err != nil {
		e.t.Fatalf("connect to /api/mcp as %s: %v", u.Name, err)
	}
	e.t.Cleanup(func() { cs.Close() })
	return cs
}

// callTool calls a tool and returns its text and structured result.
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) (string, map[string]any, bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	var data map[string]any
	if res.StructuredContent != nil {
		raw, _ := json.Marshal(res.StructuredContent)
		json.Unmarshal(raw, &data)
	}
	return strings.Join(text, "\n"), data, res.IsError
}

func mustTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) (string, map[string]any) {
	t.Helper()
	text, data, isErr := callTool(t, cs, name, args)
	if isErr {
		t.Fatalf("%s(%v) failed: %s", name, args, text)
	}
	return text, data
}

// mcpTeam is a Team space of ann's with bob a Member and carol a Viewer.
func mcpTeam(t *testing.T, e *testEnv) (ann, bob, carol testUser, b board) {
	ann, bob, carol = e.newUser("ann"), e.newUser("bob"), e.newUser("carol")
	var sp struct{ Space tSpace }
	e.do(ann.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team"}).want(t, 201, &sp)
	e.do(ann.Token, "POST", "/api/spaces/"+sp.Space.ID+"/members", map[string]any{"userId": bob.ID, "role": "member"}).want(t, 201, nil)
	e.do(ann.Token, "POST", "/api/spaces/"+sp.Space.ID+"/members", map[string]any{"userId": carol.ID, "role": "viewer"}).want(t, 201, nil)
	return ann, bob, carol, e.boardOf(ann, sp.Space.ID)
}

func TestMCPNeedsAToken(t *testing.T) {
	e := newTestEnv(t)
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	for _, token := range []string{"", "kt_not_a_real_token"} {
		r := e.do(token, "POST", "/api/mcp", init, "Content-Type", "application/json", "Accept", "application/json, text/event-stream")
		if r.Status != 401 || !strings.Contains(string(r.Body), `"error"`) {
			t.Fatalf("token %q: %d %s, want 401 with the API's error body", token, r.Status, r.Body)
		}
	}
}

// The seed's ten tools, lanes' list_labels, and the two prompts, with
// schemas and descriptions.
func TestMCPListsToolsAndPrompts(t *testing.T) {
	e := newTestEnv(t)
	cs := e.mcpClient(e.newUser("ann"))
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	required := map[string][]string{}
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
		if tl.Description == "" {
			t.Errorf("%s has no description", tl.Name)
		}
		raw, _ := json.Marshal(tl.InputSchema)
		var schema struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		json.Unmarshal(raw, &schema)
		required[tl.Name] = schema.Required
		for p, def := range schema.Properties {
			if !strings.Contains(string(def), `"description"`) {
				t.Errorf("%s.%s has no description", tl.Name, p)
			}
		}
	}
	slices.Sort(names)
	want := []string{"add_comment", "assign_task", "complete_task", "create_task", "get_task", "list_labels", "list_projects", "list_spaces", "list_statuses", "list_tasks", "update_task"}
	if !slices.Equal(names, want) {
		t.Fatalf("tools = %v, want %v", names, want)
	}
	for tool, req := range map[string][]string{"create_task": {"projectId", "title"}, "update_task": {"taskId"}, "assign_task": {"taskId", "userId"}, "list_projects": {"spaceId"}} {
		got := slices.Clone(required[tool])
		slices.Sort(got)
		if !slices.Equal(got, req) {
			t.Errorf("%s requires %v, want %v", tool, got, req)
		}
	}
	prompts, err := cs.ListPrompts(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	args := map[string][]string{}
	for _, p := range prompts.Prompts {
		for _, a := range p.Arguments {
			args[p.Name] = append(args[p.Name], a.Name)
		}
	}
	if !slices.Equal(args["plan_sprint"], []string{"projectId", "goal"}) || !slices.Equal(args["daily_standup"], []string{"projectId", "userName"}) || len(args) != 2 {
		t.Fatalf("prompts and their arguments: %v", args)
	}
}

// Every tool does what its REST twin does, and its writes show on the API
// and the live feed.
func TestMCPEveryTool(t *testing.T) {
	e := newTestEnv(t)
	ann, bob, _, b := mcpTeam(t, e)
	cs := e.mcpClient(ann)

	text, data := mustTool(t, cs, "list_spaces", nil)
	if !strings.Contains(text, "Team (team)") || len(data["spaces"].([]any)) != 2 {
		t.Fatalf("list_spaces: %s %v", text, data)
	}
	text, _ = mustTool(t, cs, "list_projects", map[string]any{"spaceId": b.SpaceID})
	if !strings.Contains(text, "General ["+b.ProjectID+"]") {
		t.Fatalf("list_projects: %s", text)
	}
	text, _ = mustTool(t, cs, "list_statuses", map[string]any{"projectId": b.ProjectID})
	if !strings.Contains(text, "To Do [") || !strings.Contains(text, "Done (done) [") {
		t.Fatalf("list_statuses: %s", text)
	}

	_, data = mustTool(t, cs, "create_task", map[string]any{"projectId": b.ProjectID, "title": "Made by a model",
		"statusId": b.col(t, "In Progress"), "priority": "high", "dueDate": "2026-12-01"})
	id := data["task"].(map[string]any)["id"].(string)
	got := e.getTask(ann, id)
	if got.Title != "Made by a model" || got.Priority != "high" || got.StatusID == nil || *got.StatusID != b.col(t, "In Progress") || got.DueDate == nil || !strings.HasPrefix(*got.DueDate, "2026-12-01") {
		t.Fatalf("the task create_task made: %+v (status %s, due %s)", got, str(got.StatusID), str(got.DueDate))
	}

	text, data = mustTool(t, cs, "list_tasks", map[string]any{"projectId": b.ProjectID})
	tasks := data["tasks"].([]any)
	lean := tasks[0].(map[string]any)
	if len(tasks) != 1 || lean["title"] != "Made by a model" || lean["description"] != nil || lean["position"] != nil || !strings.Contains(text, "high · due 2026-12-01") {
		t.Fatalf("list_tasks is not a lean summary: %s %v", text, tasks)
	}

	mustTool(t, cs, "update_task", map[string]any{"taskId": id, "title": "Renamed by a model", "priority": "urgent", "dueDate": ""})
	got = e.getTask(ann, id)
	if got.Title != "Renamed by a model" || got.Priority != "urgent" || got.DueDate != nil {
		t.Fatalf("after update_task: %+v", got)
	}
	mustTool(t, cs, "complete_task", map[string]any{"taskId": id})
	if got = e.getTask(ann, id); got.CompletedAt == nil || got.StatusID == nil || *got.StatusID != b.col(t, "Done") {
		t.Fatalf("after complete_task: %+v", got)
	}
	mustTool(t, cs, "complete_task", map[string]any{"taskId": id, "reopen": true})
	if got = e.getTask(ann, id); got.CompletedAt != nil {
		t.Fatalf("after complete_task reopen: %+v", got)
	}
	mustTool(t, cs, "add_comment", map[string]any{"taskId": id, "content": "Looks good to me"})
	mustTool(t, cs, "assign_task", map[string]any{"taskId": id, "userId": bob.ID})
	text, data = mustTool(t, cs, "get_task", map[string]any{"taskId": id})
	if !strings.Contains(text, "ann (") || !strings.Contains(text, "Looks good to me") {
		t.Fatalf("get_task does not show the comment: %s", text)
	}
	if task := data["task"].(map[string]any); !slices.Contains(task["assigneeIds"].([]any), any(bob.ID)) {
		t.Fatalf("get_task: bob is not assigned: %v", task)
	}

	// The writes are on the live feed like any other.
	resp, err := e.srv.Client().Do(func() *http.Request {
		r := httptest.NewRequest("GET", e.srv.URL+"/api/events?spaceId="+b.SpaceID+"&after=0", nil)
		r.RequestURI = ""
		r.Header.Set("Authorization", "Bearer "+ann.Token)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t.Cleanup(cancel)
		return r.WithContext(ctx)
	}())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !slices.Contains(events, "comment.created") {
		if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			events = append(events, ev)
		}
	}
	for _, want := range []string{"task.created", "task.updated", "comment.created"} {
		if !slices.Contains(events, want) {
			t.Fatalf("the feed after the MCP writes: %v, no %s", events, want)
		}
	}
}

// Failures come back as tool errors with the API's own message; a Viewer
// can read but not write.
func TestMCPErrorsAndRoles(t *testing.T) {
	e := newTestEnv(t)
	ann, _, carol, b := mcpTeam(t, e)
	cs := e.mcpClient(ann)
	for _, c := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"create_task", map[string]any{"projectId": b.ProjectID, "title": "x", "priority": "huge"}, "priority must be one of none, low, medium, high, urgent"},
		{"create_task", map[string]any{"projectId": b.ProjectID, "title": ""}, "title"},
		{"get_task", map[string]any{"taskId": "01a00000-0000-7000-8000-000000000000"}, "HTTP 404"},
		{"list_projects", map[string]any{"spaceId": "nope"}, "spaceId must be a UUID"},
		{"update_task", map[string]any{"taskId": "01a00000-0000-7000-8000-000000000000"}, "nothing to change"},
		{"assign_task", map[string]any{"taskId": "01a00000-0000-7000-8000-000000000000"}, "userId"},
	} {
		text, _, isErr := callTool(t, cs, c.tool, c.args)
		if !isErr || !strings.Contains(text, c.want) {
			t.Errorf("%s(%v): error %v %q, want an error saying %q", c.tool, c.args, isErr, text, c.want)
		}
	}

	task := e.createTask(ann, b.ProjectID, map[string]any{"title": "Team card"})
	viewer := e.mcpClient(carol)
	if text, _ := mustTool(t, viewer, "list_tasks", map[string]any{"projectId": b.ProjectID}); !strings.Contains(text, "Team card") {
		t.Fatalf("a Viewer can't read: %s", text)
	}
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"create_task", map[string]any{"projectId": b.ProjectID, "title": "By a viewer"}},
		{"update_task", map[string]any{"taskId": task.ID, "title": "By a viewer"}},
		{"complete_task", map[string]any{"taskId": task.ID}},
		{"add_comment", map[string]any{"taskId": task.ID, "content": "hi"}},
		{"assign_task", map[string]any{"taskId": task.ID, "userId": carol.ID}},
	} {
		text, _, isErr := callTool(t, viewer, c.tool, c.args)
		if !isErr || !strings.Contains(text, "HTTP 403") {
			t.Errorf("a Viewer's %s: error %v %q, want a 403", c.tool, isErr, text)
		}
	}
	if got := e.getTask(ann, task.ID); got.Title != "Team card" || got.CompletedAt != nil {
		t.Fatalf("a Viewer changed the task: %+v", got)
	}
}

// A seed-only server keeps /api/mcp, and list_statuses there names the
// columns that GET /api/statuses (not in the seed) can't.
func TestMCPOnASeedServer(t *testing.T) {
	e := newTestEnv(t, server.WithAPI(server.APISeed))
	ann := e.newUser("ann")
	if r := e.do(ann.Token, "GET", "/api/statuses?projectId=01a00000-0000-7000-8000-000000000000", nil); r.Status != 404 {
		t.Fatalf("a seed server answered GET /api/statuses with %d", r.Status)
	}
	var spaces []tSpace
	e.do(ann.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	var projects []tProject
	e.do(ann.Token, "GET", "/api/projects?spaceId="+spaces[0].ID, nil).want(t, 200, &projects)
	cs := e.mcpClient(ann)
	text, data := mustTool(t, cs, "list_statuses", map[string]any{"projectId": projects[0].ID})
	if !strings.Contains(text, "In Review [") {
		t.Fatalf("list_statuses on a seed server: %s", text)
	}
	if st := data["statuses"].([]any)[0].(map[string]any); st["wipLimit"] != nil || len(st) != 6 {
		t.Fatalf("a seed server's column has lanes' fields: %v", st)
	}
	// The seed's ten tools, and not lanes' list_labels.
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.Tools) != 10 || slices.ContainsFunc(tools.Tools, func(tl *mcp.Tool) bool { return tl.Name == "list_labels" }) {
		t.Fatalf("a seed server offers %d tools", len(tools.Tools))
	}
}

// The prompts guide a model through the tools; daily_standup carries the
// report the lanes binary makes (here a stand-in that reads the API through
// the handler it is given, as the real one does).
func TestMCPPrompts(t *testing.T) {
	var gotProject, gotUser, gotMe string
	standup := func(ctx context.Context, h http.Handler, authz, projectID, userName string) (string, error) {
		gotProject, gotUser = projectID, userName
		r := httptest.NewRequest("GET", "/api/me", nil)
		r.Header.Set("Authorization", authz)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body, _ := io.ReadAll(rec.Result().Body)
		gotMe = string(body)
		return "# Standup: Team / General\n\n## ann\n", nil
	}
	e := newTestEnv(t, server.WithStandup(standup))
	ann := e.newUser("ann")
	pid := e.personalBoard(ann).ProjectID
	cs := e.mcpClient(ann)
	plan, err := cs.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "plan_sprint", Arguments: map[string]string{"projectId": pid, "goal": "ship 1.0"}})
	if err != nil {
		t.Fatal(err)
	}
	text := plan.Messages[0].Content.(*mcp.TextContent).Text
	for _, want := range []string{pid, "ship 1.0", "list_tasks", "list_statuses", "update_task"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan_sprint does not mention %q:\n%s", want, text)
		}
	}
	daily, err := cs.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "daily_standup", Arguments: map[string]string{"projectId": pid, "userName": "ann"}})
	if err != nil {
		t.Fatal(err)
	}
	text = daily.Messages[0].Content.(*mcp.TextContent).Text
	if !strings.Contains(text, "# Standup: Team / General") || gotProject != pid || gotUser != "ann" || !strings.Contains(gotMe, `"name":"ann"`) {
		t.Fatalf("daily_standup: %q (report asked for %q/%q, /api/me as the caller: %s)", text, gotProject, gotUser, gotMe)
	}
	if _, err := cs.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "daily_standup", Arguments: map[string]string{}}); err == nil || !strings.Contains(err.Error(), "projectId is required") {
		t.Fatalf("daily_standup without projectId: %v", err)
	}
}
