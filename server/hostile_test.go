package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// hostileValue is a string a member might send to take over teammates'
// terminals, and the control character the server must name.
type hostileValue struct {
	name  string
	value string
	bad   rune // the first character the field may not hold
	at    int  // its position, in characters from 1
	lines bool // only \n or \t: allowed in descriptions and comments
}

var hostileValues = []hostileValue{
	{name: "retitle, clear, colour", value: "inj \u001b]0;pwned\u0007\u001b[2J\u001b[H\u001b[31mRED\u001b[0m end", bad: 0x1b, at: 5},
	{name: "carriage return", value: "looks fine\rEVIL", bad: '\r', at: 11},
	{name: "trailing carriage return", value: "hidden by trimming\r", bad: '\r', at: 19},
	{name: "newline", value: "two\nlines", bad: '\n', at: 4, lines: true},
	{name: "tab", value: "a\tb", bad: '\t', at: 2, lines: true},
	{name: "NUL", value: "nul\x00byte", bad: 0, at: 4},
	{name: "OSC 52 clipboard write", value: "\u001b]52;c;cm0gLXJmIH4K\u0007copy me", bad: 0x1b, at: 1},
	{name: "DEL", value: "del\x7f", bad: 0x7f, at: 4},
	{name: "C1 CSI", value: "c1\u009b2J", bad: 0x9b, at: 3},
	{name: "C1 NEL at the end", value: "next line\u0085", bad: 0x85, at: 10},
}

// wantControlRefusal fails unless res is the 400 naming field and the
// character found.
func wantControlRefusal(t *testing.T, res testResp, field string, v hostileValue) {
	t.Helper()
	e := res.wantErr(t, 400, "validation_failed")
	if e.Field != field {
		t.Fatalf("field %q, want %q; body %s", e.Field, field, res.Body)
	}
	checkControlMessage(t, e.Error, field, v)
}

func checkControlMessage(t *testing.T, msg, field string, v hostileValue) {
	t.Helper()
	where := fmt.Sprintf("(U+%04X at character %d)", v.bad, v.at)
	if !strings.HasPrefix(msg, field+" must not contain control characters") || !strings.Contains(msg, where) {
		t.Fatalf("message %q, want %q … %s", msg, field+" must not contain control characters", where)
	}
}

// Every one-line field refuses every control character, on every REST way
// in; descriptions and comments refuse all but newline and tab.
func TestControlCharactersRefusedOverREST(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, map[string]any{"title": "a fine task"})
	var proj struct{ Project tProject }
	e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": b.SpaceID, "name": "Fine", "slug": "fine"}).want(t, 201, &proj)

	for i, v := range hostileValues {
		t.Run(v.name, func(t *testing.T) {
			slug := fmt.Sprintf("ok-%d", i)
			type way struct {
				method, path, field string
				body                map[string]any
				multiline           bool
			}
			ways := []way{
				{"POST", "/api/tasks", "title", map[string]any{"projectId": b.ProjectID, "title": v.value}, false},
				{"POST", "/api/tasks", "description", map[string]any{"projectId": b.ProjectID, "title": "ok", "description": v.value}, true},
				{"PATCH", "/api/tasks/" + k.ID, "title", map[string]any{"title": v.value}, false},
				{"PATCH", "/api/tasks/" + k.ID, "description", map[string]any{"description": v.value}, true},
				{"POST", "/api/tasks/" + k.ID + "/comments", "content", map[string]any{"content": v.value}, true},
				{"POST", "/api/spaces", "name", map[string]any{"name": v.value, "slug": slug}, false},
				{"POST", "/api/spaces", "slug", map[string]any{"name": "Team", "slug": v.value}, false},
				{"POST", "/api/spaces", "description", map[string]any{"name": "Team", "slug": slug, "description": v.value}, true},
				{"POST", "/api/spaces", "color", map[string]any{"name": "Team", "slug": slug, "color": v.value}, false},
				{"POST", "/api/projects", "name", map[string]any{"spaceId": b.SpaceID, "name": v.value, "slug": slug}, false},
				{"POST", "/api/projects", "slug", map[string]any{"spaceId": b.SpaceID, "name": "P", "slug": v.value}, false},
				{"POST", "/api/projects", "description", map[string]any{"spaceId": b.SpaceID, "name": "P", "slug": slug, "description": v.value}, true},
				{"PATCH", "/api/projects/" + proj.Project.ID, "name", map[string]any{"name": v.value}, false},
				{"PATCH", "/api/projects/" + proj.Project.ID, "slug", map[string]any{"slug": v.value}, false},
				{"PATCH", "/api/projects/" + proj.Project.ID, "description", map[string]any{"description": v.value}, true},
			}
			for _, w := range ways {
				res := e.do(u.Token, w.method, w.path, w.body)
				if w.multiline && v.lines {
					if res.Status >= 300 {
						t.Fatalf("%s %s %s with only %q in it: %d %s, want it kept", w.method, w.path, w.field, v.value, res.Status, res.Body)
					}
					continue
				}
				wantControlRefusal(t, res, w.field, v)
			}
		})
	}

	// Nothing refused was written: the board holds only clean text.
	for _, tk := range e.listTasks(u, b.ProjectID, false) {
		full := e.getTask(u, tk.ID)
		for _, c := range full.Comments {
			if strings.ContainsAny(c.Content, "\x1b\r\x00\x7f\u009b\u0085") {
				t.Errorf("comment %q was stored", c.Content)
			}
		}
		if strings.ContainsAny(tk.Title, "\x1b\r\n\t\x00\x7f\u009b\u0085") {
			t.Errorf("title %q was stored", tk.Title)
		}
		if tk.Description != nil && strings.ContainsAny(*tk.Description, "\x1b\r\x00\x7f\u009b\u0085") {
			t.Errorf("description %q was stored", *tk.Description)
		}
	}
	var projects []tProject
	e.do(u.Token, "GET", "/api/projects?spaceId="+b.SpaceID, nil).want(t, 200, &projects)
	for _, p := range projects {
		// "P" is made by the requests whose description holds only \n or \t.
		if !(p.Name == "General" && p.Slug == "general" || p.Name == "Fine" && p.Slug == "fine" || p.Name == "P" && strings.HasPrefix(p.Slug, "ok-")) {
			t.Errorf("project %q (%q) was changed or made", p.Name, p.Slug)
		}
	}
}

// Newlines and tabs in a description and a comment are kept as sent.
func TestDescriptionsAndCommentsKeepNewlinesAndTabs(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	desc := "Steps:\n\t1. write\n\t2. ship\n"
	k := e.createTask(u, b.ProjectID, map[string]any{"title": "Ship", "description": desc})
	if got := e.getTask(u, k.ID); got.Description == nil || *got.Description != desc {
		t.Fatalf("description after create %s, want %q", str(got.Description), desc)
	}
	desc2 := "line one\nline two\twith a tab"
	e.patchTask(u, k.ID, map[string]any{"description": desc2})
	if got := e.getTask(u, k.ID); got.Description == nil || *got.Description != desc2 {
		t.Fatalf("description after PATCH %s, want %q", str(got.Description), desc2)
	}
	comment := "first line\n\tindented second"
	e.do(u.Token, "POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": comment}).want(t, 201, nil)
	if got := e.getTask(u, k.ID); len(got.Comments) != 1 || got.Comments[0].Content != comment {
		t.Fatalf("comments %+v, want one %q", got.Comments, comment)
	}
	var sp struct{ Space tSpace }
	e.do(u.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team", "description": desc}).want(t, 201, &sp)
	if sp.Space.Description == nil || *sp.Space.Description != desc {
		t.Fatalf("space description %s, want %q", str(sp.Space.Description), desc)
	}
}

// The MCP tools go through the same checks as REST.
func TestControlCharactersRefusedOverMCP(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, map[string]any{"title": "a fine task"})
	cs := e.mcpClient(u)
	for _, v := range hostileValues {
		t.Run(v.name, func(t *testing.T) {
			for _, c := range []struct {
				tool, field string
				args        map[string]any
				multiline   bool
			}{
				{"create_task", "title", map[string]any{"projectId": b.ProjectID, "title": v.value}, false},
				{"update_task", "title", map[string]any{"taskId": k.ID, "title": v.value}, false},
				{"add_comment", "content", map[string]any{"taskId": k.ID, "content": v.value}, true},
			} {
				text, _, isErr := callTool(t, cs, c.tool, c.args)
				if c.multiline && v.lines {
					if isErr {
						t.Fatalf("%s with only %q: %s, want it kept", c.tool, v.value, text)
					}
					continue
				}
				if !isErr || !strings.Contains(text, "HTTP 400 validation_failed") {
					t.Fatalf("%s %s=%q: error %v %q, want the API's 400", c.tool, c.field, v.value, isErr, text)
				}
				checkControlMessage(t, text, c.field, v)
			}
		})
	}
	for _, tk := range e.listTasks(u, b.ProjectID, false) {
		if tk.Title != "a fine task" {
			t.Errorf("task %q was made or changed over MCP", tk.Title)
		}
	}
}

// A token's label is held to the same rule (lanes token create --label).
func TestTokenLabelRefusesControlCharacters(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	for _, v := range hostileValues {
		_, _, err := server.IssueToken(context.Background(), e.st, u.ID, v.value)
		if err == nil {
			t.Fatalf("label %q accepted", v.value)
		}
		checkControlMessage(t, strings.TrimPrefix(err.Error(), "issue token: "), "label", v)
	}
	if _, _, err := server.IssueToken(context.Background(), e.st, u.ID, "laptop · 日本"); err != nil {
		t.Fatalf("a plain label: %v", err)
	}
}

// Data stored before the server refused control characters (or by an
// older lanes on the same database) reaches an MCP host's text harmless.
func TestMCPTextShowsNoControlCharactersFromOldData(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	b := e.personalBoard(u)
	k := e.createTask(u, b.ProjectID, map[string]any{"title": "clean for now"})
	hostile := hostileValues[0].value + "\r\x00\x7f\u009b" + hostileValues[6].value
	if onPostgres(t) {
		// PostgreSQL's text can't hold U+0000 at all, so no old data there
		// has one; every other control character stays.
		hostile = strings.ReplaceAll(hostile, "\x00", "")
	}
	err := e.st.Write(context.Background(), func(tx *store.Tx) error {
		old, err := tx.TaskByID(k.ID)
		if err != nil {
			return err
		}
		desc := "first line\n\t" + hostile
		old.Title, old.Description = hostile, &desc
		if err := tx.UpdateTask(old); err != nil {
			return err
		}
		_, err = tx.AddComment(old, u.ID, hostile)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cs := e.mcpClient(u)
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"list_tasks", map[string]any{"projectId": b.ProjectID}},
		{"get_task", map[string]any{"taskId": k.ID}},
	} {
		text, _ := mustTool(t, cs, c.tool, c.args)
		for i, r := range text {
			if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f {
				t.Fatalf("%s text holds U+%04X at byte %d: %q", c.tool, r, i, text)
			}
		}
		if !strings.Contains(text, "RED") {
			t.Fatalf("%s text lost the title's words: %q", c.tool, text)
		}
	}
}
