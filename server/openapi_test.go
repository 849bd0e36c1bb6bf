package server_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"github.com/lanesboard/lanes/server"
)

// surfaces are the two APIs a server can offer, each with its document.
var surfaces = []server.API{server.APIFull, server.APISeed}

// fetchOpenAPI reads the document a server serves, with no token.
func fetchOpenAPI(t *testing.T, e *testEnv) (*openapi3.T, testResp) {
	t.Helper()
	r := e.do("", "GET", "/api/openapi.json", nil).want(t, 200, nil)
	spec, err := parseOpenAPI(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return spec.doc, r
}

// docRoutes are the document's operations as route patterns: "GET
// /api/tasks/{id}".
func docRoutes(doc *openapi3.T) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// The document is OpenAPI 3.1 that kin-openapi loads and validates, on
// both surfaces; what the seed does not list is marked as lanes' own, and
// the seed's surface holds nothing else.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	for _, api := range surfaces {
		t.Run(string(api), func(t *testing.T) {
			raw, err := server.OpenAPI(api)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := parseOpenAPI(raw)
			if err != nil {
				t.Fatal(err)
			}
			doc := spec.doc
			if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
				t.Fatalf("openapi is %q, want 3.1.0", doc.OpenAPI)
			}
			if doc.Components.SecuritySchemes["bearerAuth"] == nil || len(doc.Security) != 1 {
				t.Fatalf("the document does not require the bearer token: security %v", doc.Security)
			}
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					name := method + " " + path
					_, marked := op.Extensions["x-lanes-addition"]
					seed := slices.Contains(seedRoutes, name)
					switch {
					case op.OperationID == "" || op.Summary == "" || len(op.Tags) != 1:
						t.Errorf("%s: wants an operationId, a summary and a tag", name)
					case seed && marked:
						t.Errorf("%s is the seed's, but marked x-lanes-addition", name)
					case !seed && !marked:
						t.Errorf("%s is not the seed's, but not marked x-lanes-addition", name)
					case api == server.APISeed && !seed && name != "GET /api/openapi.json":
						t.Errorf("the seed's surface documents %s, which the seed does not list", name)
					}
					if name == "GET /api/openapi.json" {
						if op.Security == nil || len(*op.Security) != 0 {
							t.Errorf("%s should need no token (security: [])", name)
						}
						continue
					}
					for _, status := range []string{"401", "429"} {
						if op.Responses.Value(status) == nil {
							t.Errorf("%s does not say it answers %s", name, status)
						}
					}
					if ra := op.Responses.Value("429").Value.Headers["Retry-After"]; ra == nil || !ra.Value.Required {
						t.Errorf("%s: its 429 does not promise Retry-After", name)
					}
					// The seed has no Idempotency-Key (a seed-only server drops it);
					// lanes takes one on its writes, and only there.
					idem := slices.ContainsFunc(op.Parameters, func(p *openapi3.ParameterRef) bool { return p.Value.Name == "Idempotency-Key" })
					write := method == "POST" || method == "PATCH" || method == "DELETE"
					switch {
					case idem && (api == server.APISeed || !write):
						t.Errorf("%s: Idempotency-Key documented on the %s surface", name, api)
					case !idem && api == server.APIFull && seed && write && path != "/api/mcp":
						t.Errorf("%s: a write of the seed's without Idempotency-Key on the full surface", name)
					}
				}
			}
			additions := strings.Count(string(raw), `"x-lanes-addition"`)
			switch {
			case api == server.APISeed && additions != 1:
				t.Errorf("the seed's surface marks %d things as additions; only GET /api/openapi.json (this document) should be", additions)
			case api == server.APIFull && additions < 20:
				t.Errorf("only %d additions marked on the full surface", additions)
			}
			// The seed's fields are described with the seed's enums.
			task := doc.Components.Schemas["Task"].Value
			if got := task.Properties["priority"].Value.Enum; len(got) != 5 {
				t.Errorf("Task.priority enum %v, want the seed's five", got)
			}
			if _, ok := task.Properties["position"]; ok == (api == server.APISeed) {
				t.Errorf("Task.position on the %s surface: %v", api, ok)
			}
			if !task.Properties["statusId"].Value.Type.Includes("null") || task.Properties["title"].Value.Type.Includes("null") {
				t.Errorf("Task.statusId should be nullable and title not: %v %v", task.Properties["statusId"].Value.Type, task.Properties["title"].Value.Type)
			}
		})
	}
}

// seedRoutes are the routes the Krokanti seed lists.
var seedRoutes = []string{
	"GET /api/spaces", "POST /api/spaces",
	"GET /api/projects", "POST /api/projects", "PATCH /api/projects/{id}", "DELETE /api/projects/{id}",
	"GET /api/tasks", "POST /api/tasks", "PATCH /api/tasks/{id}", "DELETE /api/tasks/{id}",
	"POST /api/mcp",
}

// Every route the server serves is in the document it serves, with each
// method, and the document lists no route the server does not serve; a
// method the document does not give a path is refused (404 or 405), never
// answered. On both surfaces.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	for _, api := range surfaces {
		t.Run(string(api), func(t *testing.T) {
			s := server.New(openTestStore(t), server.WithAPI(api))
			e := newTestEnv(t, server.WithAPI(api))
			doc, _ := fetchOpenAPI(t, e)
			documented := docRoutes(doc)
			var served []string
			for _, pattern := range server.ServedRoutes(s) {
				method, path, ok := strings.Cut(pattern, " ")
				if !ok {
					// A pattern without a method ("/api/mcp", where the MCP SDK
					// answers): the document must give the path at least one.
					method, path = "", pattern
					if item := doc.Paths.Value(path); item == nil || len(item.Operations()) == 0 {
						t.Errorf("route %s (any method) is served but missing from the OpenAPI document: add an entry keyed %q to apiOperations in server/openapi.go", path, path)
					}
					for m := range doc.Paths.Value(path).Operations() {
						served = append(served, m+" "+path)
					}
					continue
				}
				served = append(served, method+" "+path)
				if !slices.Contains(documented, pattern) {
					t.Errorf("route %s is served (registered in routes(), server/server.go) but missing from the OpenAPI document: add an entry keyed %q to apiOperations in server/openapi.go", pattern, pattern)
				}
			}
			for _, op := range documented {
				if !slices.Contains(served, op) {
					t.Errorf("the OpenAPI document describes %s, which the %s server does not serve: remove its entry from apiOperations in server/openapi.go (or register the route)", op, api)
				}
			}

			// Every other method on a documented path is refused.
			u := e.newUser("ann")
			for path, item := range doc.Paths.Map() {
				concrete := path
				for _, name := range []string{"{id}", "{userId}"} {
					concrete = strings.ReplaceAll(concrete, name, uuid.NewString())
				}
				for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
					if item.GetOperation(method) != nil {
						continue
					}
					r := e.do(u.Token, method, concrete, "{}", "Content-Type", "application/json")
					if r.Status != 404 && r.Status != 405 {
						t.Errorf("%s %s, which the document does not give, answered %d (want 404 or 405): %s", method, path, r.Status, r.Body)
					}
				}
			}
		})
	}
}

// A run through every documented route, with its answers and its errors
// (400, 401, 403, 404, 409, 413 and 429 among them), each held to the
// document by the env's checker; every operation is seen to succeed.
func TestOpenAPIResponsesMatchTheDocument(t *testing.T) {
	t.Run("full", func(t *testing.T) {
		e := newTestEnv(t)
		exerciseFullSurface(t, e)
		// Every handler has returned, so the checker has seen all it will.
		e.srv.Close()
		doc, _ := parseOpenAPIFor(t, server.APIFull)
		all := map[int]bool{}
		for _, op := range docRoutes(doc) {
			statuses := e.oas.statuses(op)
			if !slices.ContainsFunc(statuses, func(s int) bool { return s < 300 }) {
				t.Errorf("%s never succeeded in this run (statuses %v): exercise it in exerciseFullSurface (server/openapi_test.go)", op, statuses)
			}
			for _, s := range statuses {
				all[s] = true
			}
		}
		for _, s := range []int{200, 201, 400, 401, 403, 404, 409, 413} {
			if !all[s] {
				t.Errorf("no answer with status %d was checked", s)
			}
		}
	})
	t.Run("seed", func(t *testing.T) {
		e := newTestEnv(t, server.WithAPI(server.APISeed))
		u := e.newUser("ann")
		var spaces []tSpace
		e.do(u.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
		var sp struct{ Space tSpace }
		e.do(u.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team", "color": "#abc"}).want(t, 201, &sp)
		e.do(u.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team"}).wantErr(t, 409, "slug_taken")
		var projects []tProject
		e.do(u.Token, "GET", "/api/projects?spaceId="+sp.Space.ID, nil).want(t, 200, &projects)
		var p struct{ Project tProject }
		e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": sp.Space.ID, "name": "Web", "slug": "web", "defaultView": "list"}).want(t, 201, &p)
		e.do(u.Token, "PATCH", "/api/projects/"+p.Project.ID, map[string]any{"description": nil}).want(t, 200, nil)
		var k struct{ Task tTask }
		e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": projects[0].ID, "title": "Seed task", "priority": "high", "dueDate": "2026-12-01"}).want(t, 201, &k)
		e.do(u.Token, "GET", "/api/tasks?projectId="+projects[0].ID, nil).want(t, 200, nil)
		e.do(u.Token, "GET", "/api/tasks?projectId="+projects[0].ID+"&archived=true", nil).want(t, 200, nil)
		e.do(u.Token, "PATCH", "/api/tasks/"+k.Task.ID, map[string]any{"completedAt": "2026-02-22T10:00:00.000Z", "estimatedHours": 2.5}).want(t, 200, nil)
		e.do(u.Token, "DELETE", "/api/tasks/"+k.Task.ID, nil).want(t, 200, nil)
		e.do(u.Token, "DELETE", "/api/projects/"+p.Project.ID, nil).want(t, 200, nil)
		e.do(u.Token, "PATCH", "/api/tasks/"+k.Task.ID, map[string]any{"title": "gone"}).wantErr(t, 404, "not_found")
		e.do("", "GET", "/api/spaces", nil).wantErr(t, 401, "")
		mcpInitialize(t, e, u.Token)
		e.srv.Close()
		doc, _ := parseOpenAPIFor(t, server.APISeed)
		for _, op := range docRoutes(doc) {
			if op == "GET /api/openapi.json" {
				continue // fetched by the checker itself, before the server was wrapped
			}
			if statuses := e.oas.statuses(op); !slices.ContainsFunc(statuses, func(s int) bool { return s < 300 }) {
				t.Errorf("%s never succeeded on the seed's surface (statuses %v)", op, statuses)
			}
		}
	})
	t.Run("rate limited", func(t *testing.T) {
		e := newTestEnv(t, server.WithRateLimit(2))
		u := e.newUser("ann")
		e.do(u.Token, "GET", "/api/me", nil).want(t, 200, nil)
		e.do(u.Token, "GET", "/api/spaces", nil).want(t, 200, nil)
		r := e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": uuid.NewString(), "title": "x"})
		r.wantErr(t, 429, "")
		if r.Header.Get("Retry-After") == "" || r.Header.Get("X-RateLimit-Limit") != "2" {
			t.Fatalf("429 headers: %v", r.Header)
		}
		e.srv.Close()
		if got := e.oas.statuses("POST /api/tasks"); !slices.Contains(got, 429) {
			t.Fatalf("the 429 was not checked: %v", got)
		}
	})
}

// parseOpenAPIFor is the surface's document as the server builds it.
func parseOpenAPIFor(t *testing.T, api server.API) (*openapi3.T, []byte) {
	t.Helper()
	raw, err := server.OpenAPI(api)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := parseOpenAPI(raw)
	if err != nil {
		t.Fatal(err)
	}
	return spec.doc, raw
}

// mcpInitialize opens an MCP conversation by hand: initialize, then the
// initialized notification (202).
func mcpInitialize(t *testing.T, e *testEnv, token string) {
	t.Helper()
	hdr := []string{"Content-Type", "application/json", "Accept", "application/json, text/event-stream"}
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	r := e.do(token, "POST", "/api/mcp", init, hdr...).want(t, 200, nil)
	if !strings.Contains(string(r.Body), `"serverInfo"`) {
		t.Fatalf("initialize: %s", r.Body)
	}
	e.do(token, "POST", "/api/mcp", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, hdr...).want(t, 202, nil)
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	e.do(token, "POST", "/api/mcp", list, append(hdr, "MCP-Protocol-Version", "2025-06-18")...).want(t, 200, nil)
	e.do(token, "POST", "/api/mcp", "not json", hdr...)
	e.do(token, "POST", "/api/mcp", init, "Content-Type", "text/plain", "Accept", "application/json, text/event-stream").want(t, 415, nil)
}

// exerciseFullSurface sends every route of the full surface, with answers
// and errors, as owner, member, viewer and outsider.
func exerciseFullSurface(t *testing.T, e *testEnv) {
	owner, member, viewer, outsider := e.newUser("Olga"), e.newUser("Max"), e.newUser("Vera"), e.newUser("Otto")

	// The document, and its ETag.
	_, r := fetchOpenAPI(t, e)
	etag := r.Header.Get("ETag")
	if etag == "" {
		t.Fatal("GET /api/openapi.json sends no ETag")
	}
	if r := e.do("", "GET", "/api/openapi.json", nil, "If-None-Match", etag); r.Status != 304 || len(r.Body) != 0 {
		t.Fatalf("If-None-Match the ETag: %d %q, want 304 and no body", r.Status, r.Body)
	}

	// Spaces and members.
	e.do(owner.Token, "GET", "/api/me", nil).want(t, 200, nil)
	e.do("", "GET", "/api/me", nil).wantErr(t, 401, "")
	e.do("kt_nope", "GET", "/api/spaces", nil).wantErr(t, 401, "")
	e.do(owner.Token, "GET", "/api/spaces", nil).want(t, 200, nil)
	var sp struct{ Space tSpace }
	e.do(owner.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team", "description": "ours", "color": "#3b82f6"},
		"Idempotency-Key", "space-1").want(t, 201, &sp)
	e.do(owner.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team", "description": "ours", "color": "#3b82f6"},
		"Idempotency-Key", "space-1").want(t, 201, nil) // replayed
	e.do(owner.Token, "POST", "/api/spaces", map[string]any{"name": "Other", "slug": "other"}, "Idempotency-Key", "space-1").wantErr(t, 409, "idempotency_mismatch")
	e.do(owner.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team"}).wantErr(t, 409, "slug_taken")
	e.do(owner.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "NO"}).wantErr(t, 400, "validation_failed")
	e.do(owner.Token, "POST", "/api/spaces", `{"name": "`+strings.Repeat("x", 2<<20)+`"}`).wantErr(t, 413, "payload_too_large")
	spaceID := sp.Space.ID
	members := "/api/spaces/" + spaceID + "/members"
	e.do(owner.Token, "POST", members, map[string]any{"userId": member.ID, "role": "member"}).want(t, 201, nil)
	e.do(owner.Token, "POST", members, map[string]any{"userId": viewer.ID, "role": "admin"}).want(t, 201, nil)
	e.do(owner.Token, "POST", members, map[string]any{"userId": viewer.ID, "role": "viewer"}).wantErr(t, 409, "already_member")
	e.do(owner.Token, "PATCH", members+"/"+viewer.ID, map[string]any{"role": "viewer"}).want(t, 200, nil)
	e.do(viewer.Token, "POST", members, map[string]any{"userId": outsider.ID, "role": "member"}).wantErr(t, 403, "forbidden")
	e.do(outsider.Token, "GET", members, nil).wantErr(t, 404, "not_found")
	e.do(owner.Token, "GET", members, nil).want(t, 200, nil)
	e.do(owner.Token, "GET", "/api/spaces/not-a-uuid/members", nil).wantErr(t, 400, "validation_failed")

	// Projects.
	var projects []tProject
	e.do(owner.Token, "GET", "/api/projects?spaceId="+spaceID, nil).want(t, 200, &projects)
	e.do(owner.Token, "GET", "/api/projects?spaceId="+spaceID+"&archived=true", nil).want(t, 200, nil)
	e.do(owner.Token, "GET", "/api/projects", nil).wantErr(t, 400, "validation_failed")
	var p struct{ Project tProject }
	e.do(member.Token, "POST", "/api/projects", map[string]any{"spaceId": spaceID, "name": "Web", "slug": "web", "defaultView": "kanban", "color": "#abc"}).want(t, 201, &p)
	e.do(member.Token, "POST", "/api/projects", map[string]any{"spaceId": spaceID, "name": "Web", "slug": "web"}).wantErr(t, 409, "slug_taken")
	e.do(viewer.Token, "POST", "/api/projects", map[string]any{"spaceId": spaceID, "name": "V", "slug": "v"}).wantErr(t, 403, "forbidden")
	e.do(outsider.Token, "POST", "/api/projects", map[string]any{"spaceId": spaceID, "name": "O", "slug": "o"}).wantErr(t, 404, "not_found")
	e.do(member.Token, "PATCH", "/api/projects/"+p.Project.ID, map[string]any{"name": "Website"}).wantErr(t, 403, "forbidden")
	e.do(owner.Token, "PATCH", "/api/projects/"+p.Project.ID, map[string]any{"name": "Website", "description": nil, "color": nil}).want(t, 200, nil)
	e.do(owner.Token, "DELETE", "/api/projects/"+p.Project.ID, nil).want(t, 200, nil)
	e.do(owner.Token, "PATCH", "/api/projects/"+p.Project.ID, map[string]any{"isArchived": false}).want(t, 200, nil)
	e.do(owner.Token, "DELETE", "/api/projects/"+uuid.NewString(), nil).wantErr(t, 404, "not_found")
	projectID := projects[0].ID

	// Columns.
	var cols []tStatus
	e.do(viewer.Token, "GET", "/api/statuses?projectId="+projectID, nil).want(t, 200, &cols)
	var st struct{ Status tStatus }
	e.do(owner.Token, "POST", "/api/statuses", map[string]any{"projectId": projectID, "name": "Blocked", "position": 1, "wipLimit": 3, "color": "#ff0000"}).want(t, 201, &st)
	e.do(member.Token, "POST", "/api/statuses", map[string]any{"projectId": projectID, "name": "Nope"}).wantErr(t, 403, "forbidden")
	e.do(owner.Token, "PATCH", "/api/statuses/"+st.Status.ID, map[string]any{"name": "Stuck", "wipLimit": nil}).want(t, 200, nil)
	e.do(owner.Token, "DELETE", "/api/statuses/"+st.Status.ID, nil).want(t, 200, nil)
	e.do(owner.Token, "DELETE", "/api/statuses/"+cols[0].ID+"?moveTo=x", nil).wantErr(t, 400, "validation_failed")

	// Labels.
	var lb struct{ Label tLabel }
	e.do(member.Token, "POST", "/api/labels", map[string]any{"projectId": projectID, "name": "bug", "color": "#ff0000"}).want(t, 201, &lb)
	e.do(member.Token, "POST", "/api/labels", map[string]any{"projectId": projectID, "name": "BUG"}).wantErr(t, 409, "label_taken")
	e.do(viewer.Token, "GET", "/api/labels?projectId="+projectID, nil).want(t, 200, nil)
	e.do(member.Token, "PATCH", "/api/labels/"+lb.Label.ID, map[string]any{"color": nil}).want(t, 200, nil)

	// Tasks, comments, assignees.
	var k struct{ Task tTask }
	e.do(member.Token, "POST", "/api/tasks", map[string]any{"projectId": projectID, "title": "Ship it", "priority": "high",
		"dueDate": "2026-12-01", "description": "line one\nline two", "labelIds": []string{lb.Label.ID}, "estimatedHours": 3}).want(t, 201, &k)
	var sub struct{ Task tTask }
	e.do(member.Token, "POST", "/api/tasks", map[string]any{"projectId": projectID, "title": "Part", "parentTaskId": k.Task.ID,
		"statusId": cols[len(cols)-1].ID}).want(t, 201, &sub)
	e.do(viewer.Token, "POST", "/api/tasks", map[string]any{"projectId": projectID, "title": "Nope"}).wantErr(t, 403, "forbidden")
	e.do(member.Token, "POST", "/api/tasks", map[string]any{"projectId": projectID}).wantErr(t, 400, "validation_failed")
	e.do(viewer.Token, "GET", "/api/tasks?projectId="+projectID, nil).want(t, 200, nil)
	e.do(viewer.Token, "GET", "/api/tasks?projectId="+projectID+"&archived=1", nil).want(t, 200, nil)
	// The list's ETag and 304, its gzip (the test client asks for it), and
	// what changed since a position of the change log.
	list := "/api/tasks?projectId=" + projectID
	listed := e.do(viewer.Token, "GET", list, nil, "Accept-Encoding", "gzip").want(t, 200, nil)
	tag, seq := listed.Header.Get("ETag"), listed.Header.Get("X-Lanes-Seq")
	if tag == "" || seq == "" || listed.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET %s: headers %v, want an ETag, X-Lanes-Seq and gzip", list, listed.Header)
	}
	if r := e.do(viewer.Token, "GET", list, nil, "If-None-Match", tag); r.Status != 304 || len(r.Body) != 0 {
		t.Fatalf("GET %s with If-None-Match its ETag: %d %q, want 304 and no body", list, r.Status, r.Body)
	}
	e.do(viewer.Token, "GET", list+"&since="+seq, nil).want(t, 200, nil)
	e.do(viewer.Token, "GET", list+"&since=0", nil).wantErr(t, 400, "validation_failed")
	e.do(viewer.Token, "GET", list+"&since="+seq+"&archived=true", nil).wantErr(t, 400, "validation_failed")
	e.do(viewer.Token, "GET", list+"&since=999999999", nil).wantErr(t, 410, "resync_required")
	e.do(outsider.Token, "GET", list+"&since="+seq, nil).wantErr(t, 404, "not_found")
	task := "/api/tasks/" + k.Task.ID
	e.do(member.Token, "PATCH", task, map[string]any{"statusId": cols[1].ID, "position": "a5", "dueDate": nil, "labelIds": nil}).want(t, 200, nil)
	e.do(member.Token, "PATCH", task, map[string]any{"completedAt": "2026-02-22T10:00:00.000Z"}, "Idempotency-Key", "done-1").want(t, 200, nil)
	e.do(member.Token, "PATCH", task, map[string]any{"priority": "highest"}).wantErr(t, 400, "validation_failed")
	e.do(outsider.Token, "PATCH", task, map[string]any{"title": "mine"}).wantErr(t, 404, "not_found")
	e.do(member.Token, "POST", task+"/comments", map[string]any{"content": "Looks good\n\tto me"}).want(t, 201, nil)
	e.do(viewer.Token, "POST", task+"/comments", map[string]any{"content": "me too"}).wantErr(t, 403, "forbidden")
	e.do(viewer.Token, "GET", task+"/comments", nil).want(t, 200, nil)
	e.do(member.Token, "POST", task+"/assignees", map[string]any{"userId": viewer.ID}).want(t, 200, nil)
	e.do(member.Token, "POST", task+"/assignees", map[string]any{"userId": outsider.ID}).wantErr(t, 400, "validation_failed")
	e.do(viewer.Token, "GET", task, nil).want(t, 200, nil)
	e.do(member.Token, "DELETE", task+"/assignees/"+viewer.ID, nil).want(t, 200, nil)
	e.do(viewer.Token, "DELETE", task, nil).wantErr(t, 403, "forbidden")
	e.do(member.Token, "POST", task+"/restore", nil).wantErr(t, 409, "not_deleted")
	e.do(member.Token, "DELETE", task, nil).want(t, 200, nil)
	e.do(member.Token, "GET", task, nil).wantErr(t, 404, "not_found")
	e.do(member.Token, "POST", task+"/restore", nil).want(t, 200, nil)
	e.do(member.Token, "DELETE", "/api/labels/"+lb.Label.ID, nil).want(t, 200, nil)

	// A batch, and an atomic one rolled back.
	e.do(member.Token, "POST", "/api/batch", map[string]any{"operations": []map[string]any{
		{"method": "POST", "path": "/api/tasks", "body": map[string]any{"projectId": projectID, "title": "Batched"}, "idempotencyKey": "b-1"},
		{"method": "PATCH", "path": task, "body": map[string]any{"priority": "low"}},
		{"method": "GET", "path": task + "/comments"},
		{"method": "GET", "path": "/api/spaces"},
	}}).want(t, 200, nil)
	e.do(member.Token, "POST", "/api/batch", map[string]any{"atomic": true, "operations": []map[string]any{
		{"method": "PATCH", "path": task, "body": map[string]any{"priority": "urgent"}},
		{"method": "PATCH", "path": task, "body": map[string]any{"priority": "nope"}},
	}}).want(t, 200, nil)
	tooMany := make([]map[string]any, 101)
	for i := range tooMany {
		tooMany[i] = map[string]any{"method": "GET", "path": task}
	}
	e.do(member.Token, "POST", "/api/batch", map[string]any{"operations": tooMany}).wantErr(t, 400, "validation_failed")

	// Activity and search.
	e.do(viewer.Token, "GET", task+"/activity", nil).want(t, 200, nil)
	e.do(viewer.Token, "GET", task+"/activity?limit=2&before=999999", nil).want(t, 200, nil)
	e.do(viewer.Token, "GET", task+"/activity?limit=0", nil).wantErr(t, 400, "validation_failed")
	e.do(outsider.Token, "GET", task+"/activity", nil).wantErr(t, 404, "not_found")
	e.do(viewer.Token, "GET", "/api/search?q=ship", nil).want(t, 200, nil)
	e.do(viewer.Token, "GET", "/api/search?q=looks&spaceId="+spaceID+"&projectId="+projectID+"&limit=5", nil).want(t, 200, nil)
	e.do(viewer.Token, "GET", "/api/search?q=", nil).wantErr(t, 400, "validation_failed")
	e.do(outsider.Token, "GET", "/api/search?q=ship&spaceId="+spaceID, nil).wantErr(t, 404, "not_found")

	// Webhooks (the receiver is never reached: the test server allows no
	// private destinations, so deliveries fail, which is answer enough).
	var hook struct{ Webhook map[string]json.RawMessage }
	e.do(owner.Token, "POST", "/api/webhooks", map[string]any{"spaceId": spaceID, "url": "https://hooks.example.com/lanes",
		"events": []string{"task.added", "comment.added"}, "description": "CI"}).want(t, 201, &hook)
	e.do(member.Token, "POST", "/api/webhooks", map[string]any{"spaceId": spaceID, "url": "https://hooks.example.com/x", "events": []string{"task.added"}}).wantErr(t, 403, "forbidden")
	e.do(owner.Token, "POST", "/api/webhooks", map[string]any{"spaceId": spaceID, "url": "ftp://x", "events": []string{"task.added"}}).wantErr(t, 400, "validation_failed")
	var hookID string
	if err := json.Unmarshal(hook.Webhook["id"], &hookID); err != nil {
		t.Fatal(err)
	}
	hooks := "/api/webhooks/" + hookID
	e.do(owner.Token, "GET", "/api/webhooks?spaceId="+spaceID, nil).want(t, 200, nil)
	e.do(member.Token, "GET", "/api/webhooks", nil).want(t, 200, nil)
	e.do(owner.Token, "PATCH", hooks, map[string]any{"events": []string{"task.completed"}, "projectId": projectID, "description": nil}).want(t, 200, nil)
	var ping struct{ Delivery map[string]json.RawMessage }
	e.do(owner.Token, "POST", hooks+"/ping", nil).want(t, 202, &ping)
	var deliveryID string
	if err := json.Unmarshal(ping.Delivery["id"], &deliveryID); err != nil {
		t.Fatal(err)
	}
	e.do(owner.Token, "GET", hooks+"/deliveries?limit=10", nil).want(t, 200, nil)
	e.do(owner.Token, "POST", hooks+"/deliveries/"+deliveryID+"/redeliver", nil).want(t, 202, nil)
	e.do(owner.Token, "PATCH", hooks, map[string]any{"active": false}).want(t, 200, nil)
	e.do(owner.Token, "POST", hooks+"/ping", nil).wantErr(t, 409, "webhook_disabled")
	e.do(owner.Token, "DELETE", hooks, nil).want(t, 200, nil)

	// The feed: from the start of the log, every kind of change made above.
	f := openFeed(t, e, owner.Token, "spaceId="+spaceID+"&after=0")
	seen := map[string]bool{}
	for !seen["label.deleted"] {
		seen[f.next().Kind] = true
	}
	f.close()
	e.do(owner.Token, "GET", "/api/events?spaceId="+spaceID+"&after=x", nil).wantErr(t, 400, "validation_failed")
	e.do(outsider.Token, "GET", "/api/events?spaceId="+spaceID, nil).wantErr(t, 404, "not_found")

	// Members leave; MCP; routes there are not.
	e.do(member.Token, "DELETE", members+"/"+member.ID, nil).want(t, 200, nil)
	e.do(owner.Token, "DELETE", members+"/"+owner.ID, nil).wantErr(t, 403, "forbidden")
	mcpInitialize(t, e, owner.Token)
	e.do(owner.Token, "GET", "/api/nothing", nil).wantErr(t, 404, "not_found")
	e.do(owner.Token, "PUT", "/api/tasks", nil).wantErr(t, 405, "method_not_allowed")
	var me struct{ User map[string]json.RawMessage }
	e.do(owner.Token, "GET", "/api/me", nil).want(t, 200, &me)
	if _, ok := me.User["id"]; !ok {
		t.Fatalf("GET /api/me: %v", me)
	}
}
