package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// newLabel makes a label and returns it.
func (e *testEnv) newLabel(u testUser, projectID, name string, color *string) tLabel {
	e.t.Helper()
	body := map[string]any{"projectId": projectID, "name": name}
	if color != nil {
		body["color"] = *color
	}
	var out struct{ Label tLabel }
	e.do(u.Token, "POST", "/api/labels", body).want(e.t, 201, &out)
	return out.Label
}

// labels lists a project's labels.
func (e *testEnv) labels(u testUser, projectID string) []tLabel {
	e.t.Helper()
	var out struct{ Labels []tLabel }
	e.do(u.Token, "GET", "/api/labels?projectId="+projectID, nil).want(e.t, 200, &out)
	return out.Labels
}

func TestLabels(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)

	res := e.do(u.Token, "POST", "/api/labels", map[string]any{"projectId": b.ProjectID, "name": "  bug ", "color": "#ff0000"})
	var raw struct{ Label map[string]json.RawMessage }
	res.want(t, 201, &raw)
	if got := fieldNames(raw.Label); got != "color,id,name,projectId" {
		t.Fatalf("label fields %s", got)
	}
	var bug tLabel
	res.want(t, 201, &struct{ Label *tLabel }{&bug})
	if bug.Name != "bug" || str(bug.Color) != `"#ff0000"` || bug.ProjectID != b.ProjectID {
		t.Fatalf("created %+v", bug)
	}
	e.newLabel(u, b.ProjectID, "Feature", nil)
	e.newLabel(u, b.ProjectID, "äpfel", nil)
	e.newLabel(u, b.ProjectID, "Docs", nil)
	var got []string
	for _, l := range e.labels(u, b.ProjectID) {
		got = append(got, l.Name)
	}
	if strings.Join(got, ",") != "bug,Docs,Feature,äpfel" {
		t.Fatalf("labels by name: %v", got)
	}

	// Names are unique in a project whatever their case, not across projects.
	for _, name := range []string{"BUG", "Bug", "ÄPFEL"} {
		er := e.do(u.Token, "POST", "/api/labels", map[string]any{"projectId": b.ProjectID, "name": name}).wantErr(t, 409, "label_taken")
		if !strings.Contains(er.Error, name) {
			t.Fatalf("duplicate %q: %s", name, er.Error)
		}
	}
	var p struct{ Project tProject }
	e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": b.SpaceID, "name": "Other", "slug": "other"}).want(t, 201, &p)
	e.newLabel(u, p.Project.ID, "bug", nil)

	// Renamed, recoloured, cleared; renaming onto another is refused,
	// changing a name's case is not.
	var out struct{ Label tLabel }
	e.do(u.Token, "PATCH", "/api/labels/"+bug.ID, map[string]any{"name": "defect", "color": nil}).want(t, 200, &out)
	if out.Label.Name != "defect" || out.Label.Color != nil || out.Label.ID != bug.ID {
		t.Fatalf("patched %+v", out.Label)
	}
	e.do(u.Token, "PATCH", "/api/labels/"+bug.ID, map[string]any{"name": "docs"}).wantErr(t, 409, "label_taken")
	e.do(u.Token, "PATCH", "/api/labels/"+bug.ID, map[string]any{"name": "Defect", "color": "#00ff00"}).want(t, 200, &out)
	if out.Label.Name != "Defect" || str(out.Label.Color) != `"#00ff00"` {
		t.Fatalf("patched %+v", out.Label)
	}

	// Unknown, someone else's, malformed.
	missing := "00000000-0000-4000-8000-000000000000"
	bob := e.newUser("bob")
	e.do(u.Token, "PATCH", "/api/labels/"+missing, map[string]any{"name": "x"}).wantErr(t, 404, "not_found")
	e.do(u.Token, "DELETE", "/api/labels/"+missing, nil).wantErr(t, 404, "not_found")
	e.do(bob.Token, "PATCH", "/api/labels/"+bug.ID, map[string]any{"name": "x"}).wantErr(t, 404, "not_found")
	e.do(bob.Token, "DELETE", "/api/labels/"+bug.ID, nil).wantErr(t, 404, "not_found")
	e.do(bob.Token, "GET", "/api/labels?projectId="+b.ProjectID, nil).wantErr(t, 404, "not_found")
	e.do(bob.Token, "POST", "/api/labels", map[string]any{"projectId": b.ProjectID, "name": "mine"}).wantErr(t, 404, "not_found")
	e.do(u.Token, "GET", "/api/labels?projectId="+missing, nil).wantErr(t, 404, "not_found")

	// A new project has none: an empty list, not null.
	if r := e.do(u.Token, "GET", "/api/labels?projectId="+e.personalBoard(bob).ProjectID, nil); r.Status != 404 {
		t.Fatalf("another's project: %d", r.Status)
	}
	fresh := e.do(bob.Token, "GET", "/api/labels?projectId="+e.personalBoard(bob).ProjectID, nil).want(t, 200, nil)
	if strings.TrimSpace(string(fresh.Body)) != `{"labels":[]}` {
		t.Fatalf("no labels: %s", fresh.Body)
	}

	// Deleted: gone from the list.
	e.do(u.Token, "DELETE", "/api/labels/"+bug.ID, nil).want(t, 200, nil)
	if slices.ContainsFunc(e.labels(u, b.ProjectID), func(l tLabel) bool { return l.ID == bug.ID }) {
		t.Fatalf("a deleted label is still listed")
	}
}

// At most 200 labels per project.
func TestLabelLimit(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	for i := 0; i < 200; i++ {
		e.newLabel(u, b.ProjectID, fmt.Sprintf("label %d", i), nil)
	}
	er := e.do(u.Token, "POST", "/api/labels", map[string]any{"projectId": b.ProjectID, "name": "one too many"}).wantErr(t, 400, "validation_failed")
	if !strings.Contains(er.Error, "at most 200 labels") {
		t.Fatalf("201st label: %+v", er)
	}
}

func TestLabelValidation(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	l := e.newLabel(u, b.ProjectID, "bug", nil)
	cases := []struct {
		name, method string
		body         any
		field        string
	}{
		{"no projectId", "POST", map[string]any{"name": "x"}, "projectId"},
		{"bad projectId", "POST", map[string]any{"projectId": 7, "name": "x"}, "projectId"},
		{"no name", "POST", map[string]any{"projectId": b.ProjectID}, "name"},
		{"blank name", "POST", map[string]any{"projectId": b.ProjectID, "name": " \t "}, "name"},
		{"long name", "POST", map[string]any{"projectId": b.ProjectID, "name": strings.Repeat("x", 51)}, "name"},
		{"name with escapes", "POST", map[string]any{"projectId": b.ProjectID, "name": "\x1b]52;c;eA==\x07"}, "name"},
		{"short colour", "POST", map[string]any{"projectId": b.ProjectID, "name": "x", "color": "#abc"}, "color"},
		{"colour not hex", "POST", map[string]any{"projectId": b.ProjectID, "name": "x", "color": "#zzzzzz"}, "color"},
		{"PATCH name null", "PATCH", map[string]any{"name": nil}, "name"},
		{"PATCH long name", "PATCH", map[string]any{"name": strings.Repeat("é", 51)}, "name"},
		{"PATCH colour", "PATCH", map[string]any{"color": "blue"}, "color"},
		{"PATCH no body", "PATCH", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := "/api/labels"
			if c.method == "PATCH" {
				path += "/" + l.ID
			}
			er := e.do(u.Token, c.method, path, c.body).wantErr(t, 400, "validation_failed")
			if er.Field != c.field {
				t.Fatalf("field %q, want %q: %s", er.Field, c.field, er.Error)
			}
		})
	}
	e.do(u.Token, "GET", "/api/labels", nil).wantErr(t, 400, "validation_failed")
	e.do(u.Token, "PATCH", "/api/labels/nope", map[string]any{"name": "x"}).wantErr(t, 400, "validation_failed")
	if got := e.labels(u, b.ProjectID); len(got) != 1 || got[0].Name != "bug" {
		t.Fatalf("refused requests changed the labels: %+v", got)
	}
}

// Labels on tasks: set on create, replaced by PATCH, sent sorted and
// always as an array, everywhere a task is.
func TestTaskLabels(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	u := tm.Member
	pid := tm.Board.ProjectID
	bug, urgent := e.newLabel(u, pid, "bug", nil), e.newLabel(u, pid, "urgent", nil)
	both := []string{bug.ID, urgent.ID}
	slices.Sort(both)

	plain := e.createTask(u, pid, map[string]any{"title": "plain"})
	if plain.LabelIDs == nil || len(plain.LabelIDs) != 0 {
		t.Fatalf("a task without labels: labelIds %#v", plain.LabelIDs)
	}
	if r := e.do(u.Token, "GET", "/api/tasks/"+plain.ID, nil); !strings.Contains(string(r.Body), `"labelIds":[]`) {
		t.Fatalf("labelIds is not an empty array: %s", r.Body)
	}
	k := e.createTask(u, pid, map[string]any{"title": "labelled", "labelIds": []string{both[1], both[0], both[1]}})
	if !slices.Equal(k.LabelIDs, both) {
		t.Fatalf("created with labelIds %v, want %v", k.LabelIDs, both)
	}
	sub := e.createTask(u, pid, map[string]any{"title": "sub", "parentTaskId": k.ID, "labelIds": []string{bug.ID}})
	got := e.getTask(u, k.ID)
	if !slices.Equal(got.LabelIDs, both) || len(got.Subtasks) != 1 || !slices.Equal(got.Subtasks[0].LabelIDs, []string{bug.ID}) {
		t.Fatalf("read back %+v", got)
	}
	for _, lk := range e.listTasks(u, pid, false) {
		want := map[string][]string{plain.ID: {}, k.ID: both, sub.ID: {bug.ID}}[lk.ID]
		if lk.LabelIDs == nil || !slices.Equal(lk.LabelIDs, want) {
			t.Fatalf("listed %s with labelIds %#v, want %v", lk.Title, lk.LabelIDs, want)
		}
	}

	// A PATCH replaces the set and moves the version; the same set again,
	// in any order, changes nothing; null clears.
	if p := e.patchTask(u, k.ID, map[string]any{"labelIds": []string{urgent.ID}}); !slices.Equal(p.LabelIDs, []string{urgent.ID}) || p.Version != k.Version+1 {
		t.Fatalf("patched %+v", p)
	}
	e.patchTask(u, k.ID, map[string]any{"labelIds": both})
	if p := e.patchTask(u, k.ID, map[string]any{"labelIds": []string{both[1], both[0]}}); p.Version != k.Version+2 {
		t.Fatalf("the same labels again moved the version to %d", p.Version)
	}
	if p := e.patchTask(u, k.ID, map[string]any{"labelIds": nil}); len(p.LabelIDs) != 0 || p.LabelIDs == nil || p.Version != k.Version+3 {
		t.Fatalf("cleared %+v", p)
	}
	if got := e.listTasks(u, pid, false); !slices.ContainsFunc(got, func(lk tTask) bool { return lk.ID == k.ID && len(lk.LabelIDs) == 0 }) {
		t.Fatalf("the list still has the old labels: %+v", got)
	}

	// Only the project's labels, at most 20, as a list of ids.
	var other struct{ Project tProject }
	e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": tm.SpaceID, "name": "Other", "slug": "other"}).want(t, 201, &other)
	foreign := e.newLabel(u, other.Project.ID, "bug", nil)
	var many []string
	for i := 0; i < 21; i++ {
		many = append(many, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	for name, v := range map[string]any{
		"another project's label": []string{foreign.ID},
		"a deleted label":         []string{"00000000-0000-4000-8000-000000000000"},
		"not an id":               []string{"bug"},
		"not strings":             []int{1},
		"not a list":              bug.ID,
		"21 ids":                  many,
	} {
		for _, method := range []string{"POST", "PATCH"} {
			t.Run(method+" "+name, func(t *testing.T) {
				path, body := "/api/tasks/"+k.ID, map[string]any{"labelIds": v}
				if method == "POST" {
					path, body = "/api/tasks", map[string]any{"projectId": pid, "title": "x", "labelIds": v}
				}
				er := e.do(u.Token, method, path, body).wantErr(t, 400, "validation_failed")
				if er.Field != "labelIds" || !strings.Contains(er.Error, "labelIds") {
					t.Fatalf("field %q: %s", er.Field, er.Error)
				}
			})
		}
	}
	// A Viewer can't label cards.
	e.do(tm.Viewer.Token, "PATCH", "/api/tasks/"+k.ID, map[string]any{"labelIds": both}).wantErr(t, 403, "forbidden")
	e.do(tm.Viewer.Token, "POST", "/api/labels", map[string]any{"projectId": pid, "name": "viewer's"}).wantErr(t, 403, "forbidden")
	if got := e.getTask(u, k.ID); len(got.LabelIDs) != 0 {
		t.Fatalf("refused requests labelled the card: %v", got.LabelIDs)
	}
}

// Deleting a label takes it off every task that had it, archived ones
// too, each with a new version and on the feed, so boards drop it.
func TestDeleteLabelUnlabelsTasks(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	bug, docs := e.newLabel(u, b.ProjectID, "bug", nil), e.newLabel(u, b.ProjectID, "docs", nil)
	one := e.createTask(u, b.ProjectID, map[string]any{"title": "one", "labelIds": []string{bug.ID, docs.ID}})
	two := e.createTask(u, b.ProjectID, map[string]any{"title": "two", "labelIds": []string{bug.ID}, "isArchived": true})
	three := e.createTask(u, b.ProjectID, map[string]any{"title": "three", "labelIds": []string{docs.ID}})
	e.listTasks(u, b.ProjectID, false) // cached, to be brought up to date
	f := openFeed(t, e, u.Token, "spaceId="+b.SpaceID)

	e.do(u.Token, "DELETE", "/api/labels/"+bug.ID, nil).want(t, 200, nil)
	seen := map[string]string{}
	for len(seen) < 3 {
		ev := f.next()
		var obj struct {
			ID       string   `json:"id"`
			LabelIDs []string `json:"labelIds"`
		}
		json.Unmarshal([]byte(ev.Data), &obj)
		if ev.Kind == "task.updated" && slices.Contains(obj.LabelIDs, bug.ID) {
			t.Fatalf("a task still has the deleted label: %s", ev.Data)
		}
		seen[obj.ID] = ev.Kind
		if ev.Kind == "label.deleted" && !strings.Contains(ev.Data, `"projectId":"`+b.ProjectID+`"`) {
			t.Fatalf("label.deleted: %s", ev.Data)
		}
	}
	if seen[one.ID] != "task.updated" || seen[two.ID] != "task.updated" || seen[bug.ID] != "label.deleted" {
		t.Fatalf("events %v", seen)
	}
	if got := e.getTask(u, one.ID); !slices.Equal(got.LabelIDs, []string{docs.ID}) || got.Version != 2 {
		t.Fatalf("one: %+v", got)
	}
	if got := e.getTask(u, two.ID); len(got.LabelIDs) != 0 || got.Version != 2 {
		t.Fatalf("two (archived): %+v", got)
	}
	if got := e.getTask(u, three.ID); got.Version != 1 {
		t.Fatalf("three, without the label, changed: %+v", got)
	}
	for _, k := range e.listTasks(u, b.ProjectID, false) {
		if slices.Contains(k.LabelIDs, bug.ID) {
			t.Fatalf("the list still has the deleted label on %s", k.Title)
		}
	}
}

// Label writes are on the feed.
func TestLabelEvents(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	f := openFeed(t, e, u.Token, "spaceId="+b.SpaceID)
	l := e.newLabel(u, b.ProjectID, "bug", nil)
	e.do(u.Token, "PATCH", "/api/labels/"+l.ID, map[string]any{"color": "#123456"}).want(t, 200, nil)
	e.do(u.Token, "DELETE", "/api/labels/"+l.ID, nil).want(t, 200, nil)
	for _, want := range []struct{ kind, has string }{
		{"label.created", `"name":"bug"`},
		{"label.updated", `"color":"#123456"`},
		{"label.deleted", `"id":"` + l.ID + `"`},
	} {
		if ev := f.next(); ev.Kind != want.kind || !strings.Contains(ev.Data, want.has) {
			t.Fatalf("event %+v, want %s with %s", ev, want.kind, want.has)
		}
	}
}

// A deleted task comes back with its labels, but not one deleted since.
func TestRestoreKeepsLabels(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	bug, docs := e.newLabel(u, b.ProjectID, "bug", nil), e.newLabel(u, b.ProjectID, "docs", nil)
	k := e.createTask(u, b.ProjectID, map[string]any{"labelIds": []string{bug.ID, docs.ID}})
	e.do(u.Token, "DELETE", "/api/tasks/"+k.ID, nil).want(t, 200, nil)
	e.do(u.Token, "DELETE", "/api/labels/"+docs.ID, nil).want(t, 200, nil)
	var out struct{ Task tTask }
	e.restore(u.Token, k.ID).want(t, 200, &out)
	if !slices.Equal(out.Task.LabelIDs, []string{bug.ID}) || !slices.Equal(e.getTask(u, k.ID).LabelIDs, []string{bug.ID}) {
		t.Fatalf("restored with labelIds %v", out.Task.LabelIDs)
	}
}

// A keyed label write is done once however often it is retried.
func TestLabelIdempotency(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	body := map[string]any{"projectId": b.ProjectID, "name": "bug"}
	first := e.do(u.Token, "POST", "/api/labels", body, "Idempotency-Key", "l-1").want(t, 201, nil)
	again := e.do(u.Token, "POST", "/api/labels", body, "Idempotency-Key", "l-1").want(t, 201, nil)
	if string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry answered %s, first %s", again.Body, first.Body)
	}
	if n := len(e.labels(u, b.ProjectID)); n != 1 {
		t.Fatalf("%d labels after a retried create", n)
	}
	var out struct{ Label tLabel }
	first.want(t, 201, &out)
	e.do(u.Token, "DELETE", "/api/labels/"+out.Label.ID, nil, "Idempotency-Key", "l-2").want(t, 200, nil)
	e.do(u.Token, "DELETE", "/api/labels/"+out.Label.ID, nil, "Idempotency-Key", "l-2").want(t, 200, nil)
}

// Over MCP: list_statuses shows each column's WIP limit, list_labels the
// project's labels (read-only, for anyone who can see the project).
func TestMCPColumnsAndLabels(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	pid := tm.Board.ProjectID
	e.do(tm.Owner.Token, "PATCH", "/api/statuses/"+tm.Board.col(t, "In Progress"), map[string]any{"wipLimit": 3}).want(t, 200, nil)
	bug := e.newLabel(tm.Member, pid, "bug", ptrTo("#ff0000"))
	e.newLabel(tm.Member, pid, "\u00e9t\u00e9", nil)
	cs := e.mcpClient(tm.Viewer)

	text, data := mustTool(t, cs, "list_statuses", map[string]any{"projectId": pid})
	if !strings.Contains(text, "In Progress (WIP limit 3) [") || strings.Contains(text, "To Do (WIP") {
		t.Fatalf("list_statuses: %s", text)
	}
	if st := data["statuses"].([]any)[1].(map[string]any); st["wipLimit"] != float64(3) {
		t.Fatalf("list_statuses data: %v", st)
	}
	text, data = mustTool(t, cs, "list_labels", map[string]any{"projectId": pid})
	if text != "bug #ff0000 ["+bug.ID+"]\n\u00e9t\u00e9 ["+e.labels(tm.Owner, pid)[1].ID+"]" {
		t.Fatalf("list_labels: %q", text)
	}
	if labels := data["labels"].([]any); len(labels) != 2 || labels[0].(map[string]any)["id"] != bug.ID {
		t.Fatalf("list_labels data: %v", data)
	}
	if text, _, isErr := callTool(t, e.mcpClient(tm.Others), "list_labels", map[string]any{"projectId": pid}); !isErr || !strings.Contains(text, "404") {
		t.Fatalf("list_labels for an outsider: %s", text)
	}
}

func ptrTo[T any](v T) *T { return &v }
