package taskadetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// reply is one answer, as a client gets it.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// request sends method path (under s.URL) with token ("" for none) and
// body ("" for none, sent as application/json).
func request(t *testing.T, s *Server, method, path, token, body string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: raw}
}

// keys is the answer's top-level keys, sorted.
func (r reply) keys(t *testing.T) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, r.body)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// ok checks a 200 {"ok":true,…} and decodes its item (or items) into v.
func (r reply) ok(t *testing.T, key string, v any) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.body)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, r.body)
	}
	if string(m["ok"]) != "true" {
		t.Fatalf("ok is %s: %s", m["ok"], r.body)
	}
	if key == "" {
		return
	}
	raw, found := m[key]
	if !found {
		t.Fatalf("no %q in %s", key, r.body)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v\n%s", key, err, r.body)
	}
}

// fails checks an error answer with status and returns it.
func (r reply) fails(t *testing.T, status int) envelope {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if got, want := r.keys(t), []string{"code", "message", "ok", "statusMessage"}; !slices.Equal(got, want) {
		t.Fatalf("error keys %v, want %v: %s", got, want, r.body)
	}
	var e envelope
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatal(err)
	}
	if e.OK || e.Message == "" || e.StatusMessage != http.StatusText(status) {
		t.Fatalf("error envelope %+v", e)
	}
	return e
}

// fixture is a server with one user (ann) in a workspace with a project.
type fixture struct {
	s       *Server
	token   string
	ws      string
	project string
}

func newFixture(t *testing.T, opts ...Option) fixture {
	s := New(t, opts...)
	f := fixture{s: s, token: s.AddUser("ann", "Ann A.")}
	f.ws = s.AddWorkspace("Team", "ann")
	f.project = s.AddProject(f.ws, "Board")
	return f
}

func (f fixture) do(t *testing.T, method, path, body string) reply {
	t.Helper()
	return request(t, f.s, method, path, f.token, body)
}

func (f fixture) tasksPath() string { return "/projects/" + f.project + "/tasks" }

func (f fixture) taskPath(id string) string { return "/projects/" + f.project + "/tasks/" + id }

// texts is the project's tasks as "text" or "parent-text>text", in order.
func texts(s *Server, project string) []string {
	var out []string
	byID := map[string]string{}
	for _, t := range s.Tasks(project) {
		byID[t.ID] = t.Text
		if t.ParentID != "" {
			out = append(out, byID[t.ParentID]+">"+t.Text)
		} else {
			out = append(out, t.Text)
		}
	}
	return out
}

func eq(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestNavigation(t *testing.T) {
	s := New(t)
	ann := s.AddUser("ann", "Ann")
	s.AddUser("bob", "Bob")
	ws := s.AddWorkspace("Team", "ann", "bob")
	other := s.AddWorkspace("Bob's own", "bob")
	eng := s.AddFolder(ws, "Engineering")
	s.AddFolder(ws, "Design")
	home := s.AddProject(ws, "Home board")
	p1 := s.AddProject(eng, "Roadmap")
	s.AddProject(other, "Secret")

	type named struct{ ID, Name string }
	var wss []named
	request(t, s, "GET", "/workspaces", ann, "").ok(t, "items", &wss)
	if len(wss) != 1 || wss[0] != (named{ws, "Team"}) {
		t.Errorf("workspaces %+v, want only Team", wss)
	}
	var folders []named
	request(t, s, "GET", "/workspaces/"+ws+"/folders", ann, "").ok(t, "items", &folders)
	if len(folders) != 2 || folders[0] != (named{eng, "Engineering"}) || folders[1].Name != "Design" {
		t.Errorf("folders %+v", folders)
	}
	var projects []named
	request(t, s, "GET", "/folders/"+eng+"/projects", ann, "").ok(t, "items", &projects)
	if len(projects) != 1 || projects[0] != (named{p1, "Roadmap"}) {
		t.Errorf("folder projects %+v", projects)
	}
	request(t, s, "GET", "/folders/"+ws+"/projects", ann, "").ok(t, "items", &projects)
	if len(projects) != 1 || projects[0] != (named{home, "Home board"}) {
		t.Errorf("the workspace id as its home folder: %+v", projects)
	}
	var p named
	request(t, s, "GET", "/projects/"+p1, ann, "").ok(t, "item", &p)
	if p != (named{p1, "Roadmap"}) {
		t.Errorf("project %+v", p)
	}

	// An empty list is [], not null.
	r := request(t, s, "GET", "/workspaces/"+ws+"/folders", s.AddUser("cat", ""), "")
	r.fails(t, http.StatusNotFound)
	empty := s.AddWorkspace("Empty", "ann")
	r = request(t, s, "GET", "/folders/"+empty+"/projects", ann, "")
	if !bytes.Equal(r.body, []byte(`{"ok":true,"items":[]}`)) {
		t.Errorf("empty list: %s", r.body)
	}
}

func TestEnvelopes(t *testing.T) {
	f := newFixture(t)
	r := f.do(t, "GET", "/workspaces", "")
	if got := r.keys(t); !slices.Equal(got, []string{"items", "ok"}) {
		t.Errorf("list keys %v", got)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	r = f.do(t, "GET", "/projects/"+f.project, "")
	if got := r.keys(t); !slices.Equal(got, []string{"item", "ok"}) {
		t.Errorf("item keys %v", got)
	}
	e := f.do(t, "GET", "/projects/AAAAAAAAAAAAAAAA", "").fails(t, http.StatusNotFound)
	if e.Code != "not_found" || e.StatusMessage != "Not Found" {
		t.Errorf("404 envelope %+v", e)
	}
	task := f.s.AddTask(f.project, "", "x")
	r = f.do(t, "DELETE", f.taskPath(task), "")
	if string(r.body) != `{"ok":true}` {
		t.Errorf("delete answer %s", r.body)
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	revoked := f.s.AddUser("ann", "Ann A.")
	f.s.Revoke(revoked)
	for _, tc := range []struct{ name, header string }{
		{"missing", ""},
		{"unknown", "Bearer tskdp_nope"},
		{"revoked", "Bearer " + revoked},
		{"not bearer", "Basic " + f.token},
		{"bare token", f.token},
	} {
		req, _ := http.NewRequest("GET", f.s.URL+"/projects/"+f.project, nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		e := reply{status: res.StatusCode, header: res.Header, body: raw}.fails(t, http.StatusUnauthorized)
		if e.Code != "unauthorized" {
			t.Errorf("%s: code %q", tc.name, e.Code)
		}
	}
	if !strings.HasPrefix(f.token, "tskdp_") {
		t.Errorf("token %q", f.token)
	}
	// The other token of the same user still works.
	f.do(t, "GET", "/projects/"+f.project, "").ok(t, "", nil)
}

func TestVisibility(t *testing.T) {
	f := newFixture(t)
	f.s.AddUser("bob", "")
	bobs := f.s.AddWorkspace("Bob's", "bob")
	folder := f.s.AddFolder(bobs, "F")
	secret := f.s.AddProject(folder, "Secret")
	hidden := f.s.AddTask(secret, "", "hidden")
	for _, path := range []string{
		"/projects/" + secret,
		"/projects/" + secret + "/tasks",
		"/projects/" + secret + "/members",
		"/projects/" + secret + "/fields",
		"/projects/" + secret + "/tasks/" + hidden,
		"/workspaces/" + bobs + "/folders",
		"/folders/" + folder + "/projects",
		"/folders/" + bobs + "/projects",
		// Ann's project, someone else's task.
		f.taskPath(hidden),
	} {
		if e := f.do(t, "GET", path, "").fails(t, http.StatusNotFound); e.Code != "not_found" {
			t.Errorf("%s: code %q", path, e.Code)
		}
	}
	f.do(t, "POST", "/projects/"+secret+"/tasks/", `{"tasks":[{"contentType":"text/plain","content":"x","placement":"beforeend"}]}`).fails(t, http.StatusNotFound)
	f.do(t, "POST", f.taskPath(hidden)+"/complete", "").fails(t, http.StatusNotFound)
	f.do(t, "DELETE", "/projects/"+secret+"/tasks/"+hidden, "").fails(t, http.StatusNotFound)
	if _, ok := f.s.Task(secret, hidden); !ok {
		t.Error("the hidden task went")
	}
	var me []struct{ ID string }
	f.do(t, "GET", "/me/projects", "").ok(t, "items", &me)
	if len(me) != 1 || me[0].ID != f.project {
		t.Errorf("me/projects %+v", me)
	}
}

func TestIDShapes(t *testing.T) {
	f := newFixture(t)
	task := f.s.AddTask(f.project, "", "x")
	for _, path := range []string{
		"/projects/short",
		"/projects/AAAAAAAAAAAAAAA_",
		"/projects/" + f.project + "/tasks/not-a-uuid",
		"/projects/" + f.project + "/tasks/" + strings.ToUpper(task[:35]) + "g",
		"/workspaces/abc/folders",
		"/folders/abc/projects",
	} {
		f.do(t, "GET", path, "").fails(t, http.StatusBadRequest)
	}
	// A well-formed id that is nobody's is a 404.
	f.do(t, "GET", f.taskPath("00000000-0000-4000-8000-000000000000"), "").fails(t, http.StatusNotFound)
	f.do(t, "GET", "/workspaces/abc_-1234/folders", "").fails(t, http.StatusNotFound)
}

// seedTree makes a project with this tree (document order):
//
//	A; A1; A1a; A2; B; B1; C
func seedTree(f fixture) map[string]string {
	ids := map[string]string{}
	add := func(parent, text string) { ids[text] = f.s.AddTask(f.project, ids[parent], text) }
	add("", "A")
	add("A", "A1")
	add("A1", "A1a")
	add("A", "A2")
	add("", "B")
	add("B", "B1")
	add("", "C")
	return ids
}

type wireTask struct {
	ID        string  `json:"id"`
	Text      string  `json:"text"`
	ParentID  *string `json:"parentId"`
	Completed *bool   `json:"completed"`
}

func wireTexts(ts []wireTask) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Text)
	}
	return out
}

func TestTaskList(t *testing.T) {
	f := newFixture(t)
	ids := seedTree(f)
	var page []wireTask
	f.do(t, "GET", f.tasksPath()+"?limit=100", "").ok(t, "items", &page)
	eq(t, "document order", wireTexts(page), []string{"A", "A1", "A1a", "A2", "B", "B1", "C"})
	for _, w := range page {
		want, _ := f.s.Task(f.project, w.ID)
		if w.Completed == nil || *w.Completed {
			t.Errorf("%s: completed %v", w.Text, w.Completed)
		}
		switch {
		case want.ParentID == "" && w.ParentID != nil:
			t.Errorf("%s: a top-level task has parentId %q", w.Text, *w.ParentID)
		case want.ParentID != "" && (w.ParentID == nil || *w.ParentID != want.ParentID):
			t.Errorf("%s: parentId %v, want %s", w.Text, w.ParentID, want.ParentID)
		}
	}
	if *page[2].ParentID != ids["A1"] {
		t.Errorf("A1a's parent %s", *page[2].ParentID)
	}
	var keys []string
	for k := range mustObject(t, f.do(t, "GET", f.tasksPath()+"?limit=1", "").body, 0) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	eq(t, "a top-level task's keys", keys, []string{"completed", "id", "text"})
}

// mustObject is items[i] of body, as a map.
func mustObject(t *testing.T, body []byte, i int) map[string]json.RawMessage {
	t.Helper()
	var m struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &m); err != nil || len(m.Items) <= i {
		t.Fatalf("no items[%d] in %s (%v)", i, body, err)
	}
	return m.Items[i]
}

func TestTaskPaging(t *testing.T) {
	f := newFixture(t)
	var want []string
	var parent string
	for i := range 20 {
		text := fmt.Sprintf("t%02d", i)
		if i%4 == 0 {
			parent = f.s.AddTask(f.project, "", text)
		} else {
			f.s.AddTask(f.project, parent, text)
		}
		want = append(want, text)
	}

	var page []wireTask
	f.do(t, "GET", f.tasksPath(), "").ok(t, "items", &page)
	eq(t, "default page", wireTexts(page), want[:7])

	// Following after to the end gets every task once.
	var got []string
	path := f.tasksPath()
	for range 10 {
		page = nil
		f.do(t, "GET", path, "").ok(t, "items", &page)
		got = append(got, wireTexts(page)...)
		if len(page) == 0 {
			break
		}
		path = f.tasksPath() + "?after=" + page[len(page)-1].ID
	}
	eq(t, "all pages", got, want)

	all := f.s.Tasks(f.project)
	f.do(t, "GET", f.tasksPath()+"?limit=3&after="+all[5].ID, "").ok(t, "items", &page)
	eq(t, "after", wireTexts(page), want[6:9])
	f.do(t, "GET", f.tasksPath()+"?limit=3&before="+all[5].ID, "").ok(t, "items", &page)
	eq(t, "before", wireTexts(page), want[2:5])
	f.do(t, "GET", f.tasksPath()+"?limit=3&before="+all[1].ID, "").ok(t, "items", &page)
	eq(t, "before near the start", wireTexts(page), want[:1])
	f.do(t, "GET", f.tasksPath()+"?limit=3&after="+all[19].ID, "").ok(t, "items", &page)
	eq(t, "after the last", wireTexts(page), nil)
	f.do(t, "GET", f.tasksPath()+"?limit=1000", "").ok(t, "items", &page)
	eq(t, "limit 1000", wireTexts(page), want)

	for _, q := range []string{
		"limit=1001", "limit=0", "limit=-1", "limit=ten", "limit=2.5",
		"after=" + all[1].ID + "&before=" + all[5].ID,
		"after=00000000-0000-4000-8000-000000000000", // nobody's
		"after=nope", "before=",
		"cursor=" + all[1].ID, // not a parameter
		"limit=3&limit=4",
	} {
		f.do(t, "GET", f.tasksPath()+"?"+q, "").fails(t, http.StatusBadRequest)
	}

	s := New(t, WithPageSize(2))
	tok := s.AddUser("u", "")
	p := s.AddProject(s.AddWorkspace("w", "u"), "p")
	for range 3 {
		s.AddTask(p, "", "x")
	}
	request(t, s, "GET", "/projects/"+p+"/tasks", tok, "").ok(t, "items", &page)
	if len(page) != 2 {
		t.Errorf("WithPageSize(2): page of %d", len(page))
	}
}

func createBody(entries ...string) string {
	return `{"tasks":[` + strings.Join(entries, ",") + `]}`
}

func entry(text, taskID, placement string) string {
	e := map[string]any{"contentType": "text/plain", "content": text, "placement": placement}
	if taskID != "" {
		e["taskId"] = taskID
	}
	raw, _ := json.Marshal(e)
	return string(raw)
}

func TestCreate(t *testing.T) {
	f := newFixture(t)
	ids := seedTree(f)
	var made []wireTask
	f.do(t, "POST", f.tasksPath()+"/", createBody(
		entry("first", "", "afterbegin"),
		entry("last", "", "beforeend"),
		entry("before B", ids["B"], "beforebegin"),
		entry("after B", ids["B"], "afterend"),
		entry("B first", ids["B"], "afterbegin"),
		entry("B last", ids["B"], "beforeend"),
	)).ok(t, "item", &made)
	eq(t, "the reply's item is the list of new tasks, in order", wireTexts(made),
		[]string{"first", "last", "before B", "after B", "B first", "B last"})
	eq(t, "placements", texts(f.s, f.project), []string{
		"first", "A", "A>A1", "A1>A1a", "A>A2", "before B", "B", "B>B first", "B>B1", "B>B last", "after B", "C", "last"})
	if made[4].ParentID == nil || *made[4].ParentID != ids["B"] || made[0].ParentID != nil {
		t.Errorf("parent ids in the reply: %+v", made)
	}
	for _, m := range made {
		if _, ok := f.s.Task(f.project, m.ID); !ok || !isUUID(m.ID) {
			t.Errorf("new task id %q", m.ID)
		}
	}

	// afterbegin applies in order, so a batch of them comes out reversed.
	f.do(t, "POST", f.tasksPath()+"/", createBody(
		entry("x1", ids["C"], "afterbegin"), entry("x2", ids["C"], "afterbegin"), entry("x3", ids["C"], "afterbegin"),
	)).ok(t, "item", &made)
	got := texts(f.s, f.project)
	eq(t, "afterbegin batch", got[len(got)-4:len(got)-1], []string{"C>x3", "C>x2", "C>x1"})

	// No taskId, null or "null": the top level; markdown is taken as it is.
	f.do(t, "POST", f.tasksPath()+"/", `{"tasks":[
		{"contentType":"text/markdown","content":"**null**","taskId":null,"placement":"afterbegin"},
		{"contentType":"text/plain","content":"string null","taskId":"null","placement":"afterbegin"}]}`).ok(t, "item", &made)
	if got := texts(f.s, f.project); got[0] != "string null" || got[1] != "**null**" {
		t.Errorf("top level by null: %q", got[:2])
	}

	// 20 at once is fine, 2000 characters (not bytes) too.
	var twenty []string
	for i := range 20 {
		twenty = append(twenty, entry(fmt.Sprint("n", i), "", "beforeend"))
	}
	f.do(t, "POST", f.tasksPath()+"/", createBody(twenty...)).ok(t, "item", &made)
	if len(made) != 20 {
		t.Errorf("made %d", len(made))
	}
	f.do(t, "POST", f.tasksPath()+"/", createBody(entry(strings.Repeat("é", 2000), "", "beforeend"))).ok(t, "", nil)
}

func TestCreateRefused(t *testing.T) {
	f := newFixture(t)
	ids := seedTree(f)
	before := texts(f.s, f.project)
	ok := entry("ok", "", "beforeend")
	var twentyOne []string
	for range 21 {
		twentyOne = append(twentyOne, ok)
	}
	for _, tc := range []struct {
		name, body, inMessage string
		status                int
	}{
		{"21 tasks", createBody(twentyOne...), "20", 400},
		{"no tasks", createBody(), "empty", 400},
		{"tasks missing", `{}`, "tasks", 400},
		{"tasks not a list", `{"tasks":{}}`, "array", 400},
		{"LF", createBody(ok, entry("two\nlines", "", "beforeend")), "tasks[1].content", 400},
		{"CR", createBody(entry("cr\r", "", "beforeend")), "line feed", 400},
		{"2001 characters", createBody(entry(strings.Repeat("x", 2001), "", "beforeend")), "2001", 400},
		{"unknown key", createBody(`{"contentType":"text/plain","content":"x","placement":"beforeend","parentId":"x"}`), `"tasks[0].parentId"`, 400},
		{"unknown top key", `{"tasks":[` + ok + `],"project":1}`, `"project"`, 400},
		{"key in another case", `{"Tasks":[` + ok + `]}`, `"Tasks"`, 400},
		{"no contentType", createBody(`{"content":"x","placement":"beforeend"}`), "contentType", 400},
		{"html", createBody(`{"contentType":"text/html","content":"x","placement":"beforeend"}`), "text/html", 400},
		{"no content", createBody(`{"contentType":"text/plain","placement":"beforeend"}`), "content", 400},
		{"content a number", createBody(`{"contentType":"text/plain","content":5,"placement":"beforeend"}`), "string", 400},
		{"no placement", createBody(`{"contentType":"text/plain","content":"x"}`), "placement", 400},
		{"top level beforebegin", createBody(entry("x", "", "beforebegin")), "top level", 400},
		{"bad placement", createBody(entry("x", ids["A"], "inside")), "inside", 400},
		{"malformed taskId", createBody(entry("x", "A", "beforeend")), "UUID", 400},
		{"nobody's taskId", createBody(ok, entry("x", "00000000-0000-4000-8000-000000000000", "beforeend")), "not found", 404},
		{"not JSON", `{"tasks":[`, "JSON", 400},
		{"trailing data", createBody(ok) + `{}`, "JSON", 400},
		{"a list", `[` + ok + `]`, "object", 400},
	} {
		e := f.do(t, "POST", f.tasksPath()+"/", tc.body).fails(t, tc.status)
		if !strings.Contains(e.Message, tc.inMessage) {
			t.Errorf("%s: message %q, want it to name %q", tc.name, e.Message, tc.inMessage)
		}
	}
	eq(t, "nothing applied", texts(f.s, f.project), before)
}

func TestBodyRules(t *testing.T) {
	f := newFixture(t)
	id := f.s.AddTask(f.project, "", "x")
	send := func(contentType, body string) reply {
		req, _ := http.NewRequest("PUT", f.s.URL+f.taskPath(id), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.token)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return reply{status: res.StatusCode, header: res.Header, body: raw}
	}
	good := `{"contentType":"text/plain","content":"y"}`
	send("text/plain", good).fails(t, http.StatusUnsupportedMediaType)
	send("", good).fails(t, http.StatusUnsupportedMediaType)
	send("application/json; charset=utf-8", good).ok(t, "", nil)
	big := `{"contentType":"text/plain","content":"` + strings.Repeat("x", MaxBody) + `"}`
	send("application/json", big).fails(t, http.StatusRequestEntityTooLarge)
	send("application/json", "").fails(t, http.StatusBadRequest)
	if task, _ := f.s.Task(f.project, id); task.Text != "y" {
		t.Errorf("text %q", task.Text)
	}
}

func TestSetText(t *testing.T) {
	f := newFixture(t)
	id := f.s.AddTask(f.project, "", "old")
	var got wireTask
	f.do(t, "PUT", f.taskPath(id), `{"contentType":"text/markdown","content":"new *text*"}`).ok(t, "item", &got)
	if got.ID != id || got.Text != "new *text*" {
		t.Errorf("reply %+v", got)
	}
	f.do(t, "PUT", f.taskPath(id), `{"contentType":"text/plain","content":"`+strings.Repeat("ü", 2000)+`"}`).ok(t, "", nil)
	for _, tc := range []struct{ body, inMessage string }{
		{`{"contentType":"text/plain","content":"a\nb"}`, "line feed"},
		{`{"contentType":"text/plain","content":"a\rb"}`, "carriage return"},
		{`{"contentType":"text/plain","content":"` + strings.Repeat("x", 2001) + `"}`, "2001"},
		{`{"contentType":"text/plain"}`, "content is required"},
		{`{"content":"x"}`, "contentType is required"},
		{`{"contentType":"text/plain","content":"x","completed":true}`, `"completed"`},
		{`{"contentType":"text/rtf","content":"x"}`, "text/rtf"},
	} {
		e := f.do(t, "PUT", f.taskPath(id), tc.body).fails(t, http.StatusBadRequest)
		if !strings.Contains(e.Message, tc.inMessage) {
			t.Errorf("%s: message %q, want %q in it", tc.body, e.Message, tc.inMessage)
		}
	}
	if task, _ := f.s.Task(f.project, id); task.Text != strings.Repeat("ü", 2000) {
		t.Errorf("a refused PUT changed the text to %q", task.Text)
	}
}

func TestComplete(t *testing.T) {
	f := newFixture(t)
	ids := seedTree(f)
	var got wireTask
	f.do(t, "POST", f.taskPath(ids["A"])+"/complete", "").ok(t, "item", &got)
	if got.ID != ids["A"] || got.Completed == nil || !*got.Completed {
		t.Errorf("complete reply %+v", got)
	}
	if a1, _ := f.s.Task(f.project, ids["A1"]); a1.Completed {
		t.Error("completing A completed its subtask")
	}
	var page []wireTask
	f.do(t, "GET", f.tasksPath()+"?limit=1", "").ok(t, "items", &page)
	if !*page[0].Completed {
		t.Error("the list does not show A completed")
	}
	f.do(t, "POST", f.taskPath(ids["A"])+"/complete", "{}").ok(t, "", nil) // twice is fine, {} too
	f.do(t, "POST", f.taskPath(ids["A"])+"/uncomplete", "").ok(t, "item", &got)
	if *got.Completed {
		t.Error("uncomplete reply says completed")
	}
	if a, _ := f.s.Task(f.project, ids["A"]); a.Completed {
		t.Error("A still completed")
	}
	f.do(t, "POST", f.taskPath(ids["A"])+"/complete", `{"cascade":true}`).fails(t, http.StatusBadRequest)
	f.do(t, "POST", f.taskPath("00000000-0000-4000-8000-000000000000")+"/complete", "").fails(t, http.StatusNotFound)
	f.do(t, "PUT", f.taskPath(ids["A"])+"/complete", "").fails(t, http.StatusMethodNotAllowed)
}

func move(f fixture, t *testing.T, id, target, position string) reply {
	t.Helper()
	return f.do(t, "PUT", f.taskPath(id)+"/move", fmt.Sprintf(`{"target":{"taskId":%q,"position":%q}}`, target, position))
}

func TestMove(t *testing.T) {
	f := newFixture(t)
	ids := seedTree(f)
	var got wireTask
	move(f, t, ids["A1"], ids["B"], "beforeend").ok(t, "item", &got)
	if got.ID != ids["A1"] || got.ParentID == nil || *got.ParentID != ids["B"] {
		t.Errorf("move reply %+v", got)
	}
	eq(t, "to B's end, with its subtask", texts(f.s, f.project), []string{"A", "A>A2", "B", "B>B1", "B>A1", "A1>A1a", "C"})
	move(f, t, ids["A1"], ids["B"], "afterbegin").ok(t, "", nil)
	eq(t, "B's first", texts(f.s, f.project), []string{"A", "A>A2", "B", "B>A1", "A1>A1a", "B>B1", "C"})
	move(f, t, ids["B1"], ids["A2"], "beforebegin").ok(t, "", nil)
	eq(t, "before a sibling", texts(f.s, f.project), []string{"A", "A>B1", "A>A2", "B", "B>A1", "A1>A1a", "C"})
	got = wireTask{}
	move(f, t, ids["A1a"], ids["C"], "afterend").ok(t, "item", &got)
	eq(t, "to the top level", texts(f.s, f.project), []string{"A", "A>B1", "A>A2", "B", "B>A1", "C", "A1a"})
	if got.ParentID != nil {
		t.Errorf("a top-level task has parentId %q", *got.ParentID)
	}
	move(f, t, ids["C"], ids["A"], "beforebegin").ok(t, "", nil)
	eq(t, "first", texts(f.s, f.project), []string{"C", "A", "A>B1", "A>A2", "B", "B>A1", "A1a"})

	before := texts(f.s, f.project)
	for _, tc := range []struct {
		name, target, position string
		status                 int
	}{
		{"into itself", ids["A"], "beforeend", 400},
		{"relative to itself", ids["A"], "afterend", 400},
		{"into its subtree", ids["B1"], "afterbegin", 400},
		{"next to its subtask", ids["A2"], "afterend", 400},
		{"bad position", ids["C"], "inside", 400},
		{"no target", "", "afterend", 400},
		{"malformed target", "C", "afterend", 400},
		{"nobody's target", "00000000-0000-4000-8000-000000000000", "afterend", 404},
	} {
		if r := move(f, t, ids["A"], tc.target, tc.position); r.status != tc.status {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	f.do(t, "PUT", f.taskPath(ids["A"])+"/move", `{"target":{"taskId":"`+ids["C"]+`","position":"afterend","x":1}}`).fails(t, http.StatusBadRequest)
	f.do(t, "PUT", f.taskPath(ids["A"])+"/move", `{"taskId":"`+ids["C"]+`","position":"afterend"}`).fails(t, http.StatusBadRequest)
	eq(t, "refused moves changed nothing", texts(f.s, f.project), before)
}

func TestDelete(t *testing.T) {
	f := newFixture(t)
	ids := seedTree(f)
	f.do(t, "DELETE", f.taskPath(ids["A"]), "").ok(t, "", nil)
	eq(t, "the subtree went", texts(f.s, f.project), []string{"B", "B>B1", "C"})
	for _, gone := range []string{"A", "A1", "A1a", "A2"} {
		if _, ok := f.s.Task(f.project, ids[gone]); ok {
			t.Errorf("%s is still there", gone)
		}
		f.do(t, "GET", f.taskPath(ids[gone]), "").fails(t, http.StatusNotFound)
	}
	f.do(t, "DELETE", f.taskPath(ids["A"]), "").fails(t, http.StatusNotFound)
	// A cursor that was deleted is unknown.
	f.do(t, "GET", f.tasksPath()+"?after="+ids["A2"], "").fails(t, http.StatusBadRequest)

	var got wireTask
	f.do(t, "GET", f.taskPath(ids["B1"]), "").ok(t, "item", &got)
	if got.Text != "B1" || *got.ParentID != ids["B"] {
		t.Errorf("GET task %+v", got)
	}
}

func TestMissingTaskNull(t *testing.T) {
	f := newFixture(t, WithMissingTaskNull())
	r := f.do(t, "GET", f.taskPath("00000000-0000-4000-8000-000000000000"), "")
	if string(r.body) != `{"ok":true,"item":null}` {
		t.Errorf("missing task: %d %s", r.status, r.body)
	}
	f.do(t, "GET", f.taskPath("nope"), "").fails(t, http.StatusBadRequest)
	f.do(t, "POST", f.taskPath("00000000-0000-4000-8000-000000000000")+"/complete", "").fails(t, http.StatusNotFound)
}

func TestRoutes(t *testing.T) {
	f := newFixture(t)
	id := f.s.AddTask(f.project, "", "x")
	for _, path := range []string{"/nothing", "/projects", "/projects/" + f.project + "/blocks", f.taskPath(id) + "/comments"} {
		e := f.do(t, "GET", path, "").fails(t, http.StatusNotFound)
		if e.Code != "not_found" {
			t.Errorf("%s: code %q", path, e.Code)
		}
	}
	// Outside /api/v1 too, and with no token.
	r := request(t, f.s, "GET", "/../../", "", "")
	if r.status != http.StatusNotFound {
		t.Errorf("/: %d", r.status)
	}
	for _, tc := range []struct{ method, path, allow string }{
		{"POST", "/workspaces", "GET"},
		{"DELETE", "/projects/" + f.project, "GET"},
		{"PATCH", f.taskPath(id), "GET, PUT, DELETE"},
		{"POST", f.tasksPath(), "GET"},       // create is …/tasks/, with the slash
		{"GET", f.tasksPath() + "/", "POST"}, // and the list has none
		{"DELETE", f.taskPath(id) + "/assignees", "GET, PUT"},
	} {
		r := f.do(t, tc.method, tc.path, "")
		e := r.fails(t, http.StatusMethodNotAllowed)
		if e.Code != "method_not_allowed" || r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: code %q, Allow %q, want %q", tc.method, tc.path, e.Code, r.header.Get("Allow"), tc.allow)
		}
	}
	if n := f.s.Hits("POST /projects/{projectId}/tasks/"); n != 0 {
		t.Errorf("create hits %d", n)
	}
	f.do(t, "POST", f.tasksPath()+"/", createBody(entry("x", "", "beforeend"))).ok(t, "", nil)
	f.do(t, "GET", f.tasksPath(), "").ok(t, "", nil)
	f.do(t, "GET", f.tasksPath()+"?limit=5000", "").fails(t, 400)
	for route, want := range map[string]int{
		"POST /projects/{projectId}/tasks/":        1,
		"GET /projects/{projectId}/tasks":          2,
		"PUT /projects/{projectId}/tasks/{taskId}": 0,
	} {
		if got := f.s.Hits(route); got != want {
			t.Errorf("Hits(%q) = %d, want %d", route, got, want)
		}
	}
}

func TestDate(t *testing.T) {
	f := newFixture(t)
	id := f.s.AddTask(f.project, "", "x")
	datePath := f.taskPath(id) + "/date"
	if r := f.do(t, "GET", datePath, ""); string(r.body) != `{"ok":true,"item":null}` {
		t.Errorf("no date: %d %s", r.status, r.body)
	}
	var got wireTask
	f.do(t, "PUT", datePath, `{"start":{"date":"2026-07-21"}}`).ok(t, "item", &got)
	if got.ID != id {
		t.Errorf("PUT date reply %+v", got)
	}
	if task, _ := f.s.Task(f.project, id); task.Date != "2026-07-21" {
		t.Errorf("Task.Date %q", task.Date)
	}
	r := f.do(t, "GET", datePath, "")
	if string(r.body) != `{"ok":true,"item":{"start":{"date":"2026-07-21"}}}` {
		t.Errorf("GET date %s", r.body)
	}
	f.do(t, "PUT", datePath, `{"start":{"date":"2026-07-21","time":"09:30","timezone":"Europe/Paris"},"end":{"date":"2026-07-22","time":"17:00:00","timezone":null}}`).ok(t, "", nil)
	r = f.do(t, "GET", datePath, "")
	if want := `{"ok":true,"item":{"start":{"date":"2026-07-21","time":"09:30","timezone":"Europe/Paris"},"end":{"date":"2026-07-22","time":"17:00:00"}}}`; string(r.body) != want {
		t.Errorf("GET date %s\nwant %s", r.body, want)
	}
	f.do(t, "PUT", datePath, `{"start":{"date":"2026-08-01"},"end":null}`).ok(t, "", nil)
	for _, body := range []string{
		`{}`,
		`{"start":null}`,
		`{"start":{"date":"2026-7-1"}}`,
		`{"start":{"date":"2026-02-30"}}`,
		`{"start":{"date":"2026-07-21T09:00:00.000Z"}}`,
		`{"start":{"date":"2026-07-21","time":"25:00"}}`,
		`{"start":{"date":"2026-07-21","time":"9:00"}}`,
		`{"start":{"date":"2026-07-21","timezone":"Not a zone!"}}`,
		`{"start":{"date":"2026-07-21","hour":9}}`,
		`{"start":{"date":"2026-07-21"},"end":{"period":"P1D"}}`,
		`{"start":{"date":"2026-07-21"},"due":"2026-07-21"}`,
	} {
		f.do(t, "PUT", datePath, body).fails(t, http.StatusBadRequest)
	}
	if task, _ := f.s.Task(f.project, id); task.Date != "2026-08-01" {
		t.Errorf("refused PUTs changed the date to %q", task.Date)
	}
	f.do(t, "DELETE", datePath, "").ok(t, "item", &got)
	if got.ID != id {
		t.Errorf("DELETE date reply %+v", got)
	}
	if r := f.do(t, "GET", datePath, ""); string(r.body) != `{"ok":true,"item":null}` {
		t.Errorf("after DELETE: %s", r.body)
	}

	f.s.SetDate(f.project, id, "2027-01-02")
	if task, _ := f.s.Task(f.project, id); task.Date != "2027-01-02" {
		t.Errorf("SetDate: %q", task.Date)
	}
	f.s.SetDate(f.project, id, "")
	if task, _ := f.s.Task(f.project, id); task.Date != "" {
		t.Errorf("SetDate clear: %q", task.Date)
	}

	g := newFixture(t, WithDateTimes())
	id = g.s.AddTask(g.project, "", "x")
	g.s.SetDate(g.project, id, "2026-07-21")
	if r := g.do(t, "GET", g.taskPath(id)+"/date", ""); string(r.body) != `{"ok":true,"item":{"start":{"date":"2026-07-21T00:00:00.000Z"}}}` {
		t.Errorf("WithDateTimes: %s", r.body)
	}
}

func TestNote(t *testing.T) {
	f := newFixture(t)
	id := f.s.AddTask(f.project, "", "x")
	notePath := f.taskPath(id) + "/note"
	if r := f.do(t, "GET", notePath, ""); string(r.body) != `{"ok":true,"item":null}` {
		t.Errorf("no note: %s", r.body)
	}
	var note struct{ Type, Value string }
	f.do(t, "PUT", notePath, `{"type":"text/markdown","value":"see *this*"}`).ok(t, "item", &note)
	if note.Type != "text/markdown" || note.Value != "see *this*" {
		t.Errorf("PUT note reply %+v", note)
	}
	if task, _ := f.s.Task(f.project, id); task.Note != "see *this*" {
		t.Errorf("Task.Note %q", task.Note)
	}
	f.do(t, "GET", notePath, "").ok(t, "item", &note)
	if note.Value != "see *this*" {
		t.Errorf("GET note %+v", note)
	}
	for _, body := range []string{
		`{"type":"text/plain","value":""}`,
		`{"type":"text/plain","value":"a\nb"}`,
		`{"type":"text/plain","value":"a\r"}`,
		`{"type":"text/html","value":"x"}`,
		`{"value":"x"}`,
		`{"type":"text/plain"}`,
		`{"type":"text/plain","value":"x","title":"y"}`,
	} {
		f.do(t, "PUT", notePath, body).fails(t, http.StatusBadRequest)
	}
	if r := f.do(t, "DELETE", notePath, ""); string(r.body) != `{"ok":true}` {
		t.Errorf("DELETE note: %s", r.body)
	}
	if task, _ := f.s.Task(f.project, id); task.Note != "" {
		t.Errorf("note after DELETE %q", task.Note)
	}
	// A seeded note may hold what the API refuses.
	f.s.SetNote(f.project, id, "line one\nline two")
	f.do(t, "GET", notePath, "").ok(t, "item", &note)
	if note.Value != "line one\nline two" {
		t.Errorf("seeded note %+v", note)
	}
}

func TestAssignees(t *testing.T) {
	f := newFixture(t)
	f.s.AddUser("bob", "Bob B.")
	f.s.AddUser("cat", "")
	f.s.AddUser("dan", "Dan")
	f.s.AddMember(f.ws, "bob")
	f.s.AddMember(f.ws, "cat")
	id := f.s.AddTask(f.project, "", "x")
	path := f.taskPath(id) + "/assignees"
	var users []struct {
		Handle      string
		DisplayName *string
	}
	f.do(t, "GET", path, "").ok(t, "items", &users)
	if len(users) != 0 {
		t.Errorf("no assignees: %+v", users)
	}
	var got wireTask
	f.do(t, "PUT", path, `{"handles":["bob"]}`).ok(t, "item", &got)
	if got.ID != id {
		t.Errorf("PUT reply %+v", got)
	}
	f.do(t, "PUT", path, `{"handles":["cat","bob"]}`).ok(t, "", nil)
	task, _ := f.s.Task(f.project, id)
	eq(t, "PUT adds", task.Assignees, []string{"bob", "cat"})
	f.do(t, "GET", path, "").ok(t, "items", &users)
	if len(users) != 2 || users[0].Handle != "bob" || *users[0].DisplayName != "Bob B." || users[1].DisplayName != nil {
		t.Errorf("GET assignees %+v", users)
	}
	for _, body := range []string{
		`{"handles":["dan"]}`, // not a member
		`{"handles":["bob","nobody"]}`,
		`{"handles":[""]}`,
		`{"handles":[1]}`,
		`{"handles":"bob"}`,
		`{}`,
		`{"handles":["bob"],"replace":true}`,
	} {
		f.do(t, "PUT", path, body).fails(t, http.StatusBadRequest)
	}
	task, _ = f.s.Task(f.project, id)
	eq(t, "refused PUTs", task.Assignees, []string{"bob", "cat"})
	f.do(t, "DELETE", path+"/bob", "").ok(t, "item", &got)
	f.do(t, "DELETE", path+"/bob", "").ok(t, "", nil) // not assigned: fine
	task, _ = f.s.Task(f.project, id)
	eq(t, "after DELETE", task.Assignees, []string{"cat"})
	f.s.SetAssignees(f.project, id, "dan", "ann")
	task, _ = f.s.Task(f.project, id)
	eq(t, "SetAssignees replaces", task.Assignees, []string{"dan", "ann"})
}

func TestFields(t *testing.T) {
	f := newFixture(t)
	status, opts := f.s.AddSelectField(f.project, "Status", "Todo", "Doing", "Done")
	points := f.s.AddField(f.project, "number", "Points")
	id := f.s.AddTask(f.project, "", "x")

	var fields []struct {
		ID   string
		Data struct {
			Type        string
			DisplayName string
			Options     map[string]struct {
				ID, Name string
				Rank     float64
			}
		}
	}
	f.do(t, "GET", "/projects/"+f.project+"/fields", "").ok(t, "items", &fields)
	if len(fields) != 2 || fields[0].ID != status || fields[0].Data.Type != "Select" || fields[0].Data.DisplayName != "Status" ||
		fields[1].ID != points || fields[1].Data.Type != "number" || fields[1].Data.Options != nil {
		t.Fatalf("fields %+v", fields)
	}
	for i, name := range []string{"Todo", "Doing", "Done"} {
		o := fields[0].Data.Options[opts[i]]
		if o.ID != opts[i] || o.Name != name || o.Rank != float64(i+1) {
			t.Errorf("option %d: %+v", i, o)
		}
	}

	path := f.taskPath(id) + "/fields"
	r := f.do(t, "GET", path, "")
	if want := `{"ok":true,"items":[{"fieldId":"` + status + `"},{"fieldId":"` + points + `"}]}`; string(r.body) != want {
		t.Errorf("no values: %s\nwant %s", r.body, want)
	}
	if r := f.do(t, "PUT", path+"/"+status, `{"value":"`+opts[1]+`"}`); string(r.body) != `{"ok":true}` {
		t.Errorf("PUT value: %s", r.body)
	}
	f.do(t, "PUT", path+"/"+points, `{"value":3.5}`).ok(t, "", nil)
	task, _ := f.s.Task(f.project, id)
	if task.Fields[status] != opts[1] || task.Fields[points] != "3.5" || len(task.Fields) != 2 {
		t.Errorf("Task.Fields %v", task.Fields)
	}
	r = f.do(t, "GET", path+"/"+points, "")
	if want := `{"ok":true,"item":{"fieldId":"` + points + `","value":3.5}}`; string(r.body) != want {
		t.Errorf("GET value: %s", r.body)
	}
	var values []struct {
		FieldID string
		Value   any
	}
	f.do(t, "GET", path, "").ok(t, "items", &values)
	if len(values) != 2 || values[0].Value != opts[1] || values[1].Value != 3.5 {
		t.Errorf("values %+v", values)
	}
	for _, body := range []string{`{"value":""}`, `{"value":true}`, `{"value":null}`, `{}`, `{"value":[1]}`, `{"value":{}}`, `{"value":1,"x":2}`} {
		f.do(t, "PUT", path+"/"+points, body).fails(t, http.StatusBadRequest)
	}
	f.do(t, "PUT", path+"/nofield", `{"value":1}`).fails(t, http.StatusNotFound)
	f.do(t, "GET", path+"/nofield", "").fails(t, http.StatusNotFound)
	if r := f.do(t, "DELETE", path+"/"+points, ""); string(r.body) != `{"ok":true}` {
		t.Errorf("DELETE value: %s", r.body)
	}
	r = f.do(t, "GET", path+"/"+points, "")
	if want := `{"ok":true,"item":{"fieldId":"` + points + `"}}`; string(r.body) != want {
		t.Errorf("GET cleared value: %s", r.body)
	}
	f.s.SetFieldValue(f.project, id, points, "8")
	f.s.SetFieldValue(f.project, id, status, "")
	task, _ = f.s.Task(f.project, id)
	if len(task.Fields) != 1 || task.Fields[points] != "8" {
		t.Errorf("seeded Fields %v", task.Fields)
	}
}

func TestMembersPaging(t *testing.T) {
	f := newFixture(t)
	want := []string{"ann"}
	for i := range 24 {
		h := fmt.Sprintf("user%02d", i)
		f.s.AddUser(h, "")
		f.s.AddMember(f.ws, h)
		want = append(want, h)
	}
	handles := func(query string) []string {
		var users []struct{ Handle string }
		f.do(t, "GET", "/projects/"+f.project+"/members"+query, "").ok(t, "items", &users)
		var out []string
		for _, u := range users {
			out = append(out, u.Handle)
		}
		return out
	}
	eq(t, "default page", handles(""), want[:20])
	eq(t, "page 2", handles("?page=2"), want[20:])
	eq(t, "page 3", handles("?page=3"), nil)
	eq(t, "limit 10 page 3", handles("?limit=10&page=3"), want[20:])
	eq(t, "limit 1000", handles("?limit=1000"), want)
	for _, q := range []string{"?page=0", "?limit=0", "?limit=1001", "?page=x", "?after=ann"} {
		f.do(t, "GET", "/projects/"+f.project+"/members"+q, "").fails(t, http.StatusBadRequest)
	}
}

func TestMyProjects(t *testing.T) {
	f := newFixture(t)
	want := []string{f.project}
	other := f.s.AddWorkspace("Other", "ann")
	folder := f.s.AddFolder(other, "F")
	for i := range 5 {
		where := folder
		if i%2 == 0 {
			where = other
		}
		want = append(want, f.s.AddProject(where, fmt.Sprint("p", i)))
	}
	f.s.AddUser("bob", "")
	f.s.AddProject(f.s.AddWorkspace("Bob's", "bob"), "not ann's")
	ids := func(query string) []string {
		var ps []struct{ ID string }
		f.do(t, "GET", "/me/projects"+query, "").ok(t, "items", &ps)
		var out []string
		for _, p := range ps {
			out = append(out, p.ID)
		}
		return out
	}
	desc := slices.Clone(want)
	slices.Reverse(desc)
	eq(t, "viewed-desc by default", ids(""), desc)
	eq(t, "viewed-asc", ids("?sort=viewed-asc"), want)
	eq(t, "page 2 of 4", ids("?sort=viewed-asc&limit=4&page=2"), want[4:])
	eq(t, "page 3 of 4", ids("?sort=viewed-asc&limit=4&page=3"), nil)
	for _, q := range []string{"?sort=name", "?limit=1001", "?page=0", "?limit=-3"} {
		f.do(t, "GET", "/me/projects"+q, "").fails(t, http.StatusBadRequest)
	}
}

func TestFailNext(t *testing.T) {
	f := newFixture(t)
	body := createBody(entry("x", "", "beforeend"))
	f.s.FailNext(1, http.StatusTooManyRequests, 1500*time.Millisecond)
	r := f.do(t, "POST", f.tasksPath()+"/", body)
	if e := r.fails(t, http.StatusTooManyRequests); e.Code != "too_many_requests" {
		t.Errorf("code %q", e.Code)
	}
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2 (seconds, rounded up)", got)
	}
	if n := len(f.s.Tasks(f.project)); n != 0 {
		t.Errorf("a failed create made %d tasks", n)
	}
	f.s.FailNext(2, http.StatusServiceUnavailable, 0)
	f.s.FailNext(1, http.StatusInternalServerError, 0)
	for _, want := range []int{503, 503, 500} {
		r := f.do(t, "POST", f.tasksPath()+"/", body)
		if e := r.fails(t, want); want == 503 && e.Code != "service_unavailable" {
			t.Errorf("code %q", e.Code)
		}
		if r.header.Get("Retry-After") != "" {
			t.Errorf("%d has Retry-After %q", want, r.header.Get("Retry-After"))
		}
	}
	f.do(t, "POST", f.tasksPath()+"/", body).ok(t, "", nil)
	if n := len(f.s.Tasks(f.project)); n != 1 {
		t.Errorf("%d tasks, want the one that was not failed", n)
	}
	if n := f.s.Hits("POST /projects/{projectId}/tasks/"); n != 5 {
		t.Errorf("hits %d: failed requests count too", n)
	}
	// Any request, even one with no token, takes a failure.
	f.s.FailNext(1, http.StatusServiceUnavailable, 0)
	request(t, f.s, "GET", "/workspaces", "", "").fails(t, http.StatusServiceUnavailable)
	request(t, f.s, "GET", "/workspaces", "", "").fails(t, http.StatusUnauthorized)
}

// noReuse is a client that opens a connection for each request, so that
// Go's transport does not resend a request whose connection dropped.
func noReuse() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestDropNext(t *testing.T) {
	f := newFixture(t)
	c := noReuse()
	send := func(method, path, body string) (*http.Response, error) {
		req, _ := http.NewRequest(method, f.s.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.token)
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		return res, err
	}
	f.s.DropNext("POST", 1)
	if _, err := send("GET", f.tasksPath(), ""); err != nil {
		t.Fatalf("a GET was dropped: %v", err)
	}
	before := f.s.BytesOut()
	if _, err := send("POST", f.tasksPath()+"/", createBody(entry("landed", "", "beforeend"))); err == nil {
		t.Fatal("the POST got an answer")
	}
	eq(t, "the dropped create was applied", texts(f.s, f.project), []string{"landed"})
	if f.s.BytesOut() != before {
		t.Errorf("a dropped answer counted %d bytes", f.s.BytesOut()-before)
	}
	if res, err := send("POST", f.tasksPath()+"/", createBody(entry("next", "", "beforeend"))); err != nil || res.StatusCode != 200 {
		t.Fatalf("the next POST: %v", err)
	}

	id := f.s.Tasks(f.project)[0].ID
	f.s.DropNext("", 2)
	if _, err := send("PUT", f.taskPath(id), `{"contentType":"text/plain","content":"renamed"}`); err == nil {
		t.Error("the PUT got an answer")
	}
	if _, err := send("DELETE", f.taskPath(id), ""); err == nil {
		t.Error("the DELETE got an answer")
	}
	eq(t, "both applied", texts(f.s, f.project), []string{"next"})

	// A failure that is due wins: not applied, answered.
	f.s.DropNext("POST", 1)
	f.s.FailNext(1, 503, 0)
	if res, err := send("POST", f.tasksPath()+"/", createBody(entry("no", "", "beforeend"))); err != nil || res.StatusCode != 503 {
		t.Fatalf("FailNext with a DropNext due: %v %v", res, err)
	}
	eq(t, "not applied", texts(f.s, f.project), []string{"next"})
}

// clock is a time a test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestRateLimit(t *testing.T) {
	clk := &clock{now: time.Date(2026, 7, 21, 9, 0, 0, 0, time.UTC)}
	f := newFixture(t, WithRateLimit(3, time.Minute), WithClock(clk.Now))
	other := f.s.AddUser("ann", "")
	body := createBody(entry("x", "", "beforeend"))
	for i, want := range [][2]string{{"2", "60"}, {"1", "50"}, {"0", "40"}} {
		r := f.do(t, "POST", f.tasksPath()+"/", body)
		r.ok(t, "", nil)
		if r.header.Get("X-RateLimit-Limit") != "3" || r.header.Get("X-RateLimit-Remaining") != want[0] || r.header.Get("X-RateLimit-Reset") != want[1] {
			t.Errorf("request %d: headers %v", i, r.header)
		}
		clk.Add(10 * time.Second)
	}
	r := f.do(t, "POST", f.tasksPath()+"/", body)
	if e := r.fails(t, http.StatusTooManyRequests); e.Code != "too_many_requests" {
		t.Errorf("code %q", e.Code)
	}
	if r.header.Get("Retry-After") != "30" || r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("X-RateLimit-Reset") != "30" {
		t.Errorf("429 headers %v", r.header)
	}
	if n := len(f.s.Tasks(f.project)); n != 3 {
		t.Errorf("%d tasks: the limited request was applied", n)
	}
	// Another token has its own window; one with no token has none.
	r = request(t, f.s, "GET", "/workspaces", other, "")
	r.ok(t, "", nil)
	if r.header.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("other token: %v", r.header)
	}
	r = request(t, f.s, "GET", "/workspaces", "", "")
	r.fails(t, http.StatusUnauthorized)
	if r.header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("no token, rate headers %v", r.header)
	}
	// An error answer carries the headers too.
	f.s.FailNext(1, 503, 0)
	r = f.do(t, "GET", "/workspaces", "")
	r.fails(t, 503)
	if r.header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("FailNext answer's headers %v", r.header)
	}
	clk.Add(30 * time.Second)
	r = f.do(t, "POST", f.tasksPath()+"/", body)
	r.ok(t, "", nil)
	if r.header.Get("X-RateLimit-Remaining") != "2" || r.header.Get("X-RateLimit-Reset") != "60" {
		t.Errorf("new window: %v", r.header)
	}

	g := newFixture(t)
	if r := g.do(t, "GET", "/workspaces", ""); r.header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("no limit set, headers %v", r.header)
	}
}

func TestStats(t *testing.T) {
	f := newFixture(t)
	f.s.AddTask(f.project, "", "x")
	var total int64
	for _, path := range []string{"/workspaces", f.tasksPath(), "/nowhere", "/projects/" + f.project} {
		total += int64(len(f.do(t, "GET", path, "").body))
	}
	if f.s.BytesOut() != total {
		t.Errorf("BytesOut %d, want %d", f.s.BytesOut(), total)
	}
	if f.s.Requests() != 4 {
		t.Errorf("Requests %d", f.s.Requests())
	}
}

// Seeded text reaches the client as it is, escaped as JSON: the client's
// job is to make it safe.
func TestHostileText(t *testing.T) {
	f := newFixture(t)
	hostile := "inj \x1b]0;pwned\x07\x1b[2J \r\n \u009b31m \x7f"
	id := f.s.AddTask(f.project, "", hostile)
	var got wireTask
	f.do(t, "GET", f.taskPath(id), "").ok(t, "item", &got)
	if got.Text != hostile {
		t.Errorf("text %q", got.Text)
	}
}

func TestConcurrentCreates(t *testing.T) {
	f := newFixture(t)
	col := f.s.AddTask(f.project, "", "column")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", f.s.URL+f.tasksPath()+"/", strings.NewReader(createBody(entry(fmt.Sprint(i), col, "beforeend"))))
			req.Header.Set("Authorization", "Bearer "+f.token)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Errorf("status %d", res.StatusCode)
			}
		})
		go f.s.Tasks(f.project)
	}
	wg.Wait()
	if n := len(f.s.Tasks(f.project)); n != 17 {
		t.Errorf("%d tasks, want 17", n)
	}
}

func TestSeeding(t *testing.T) {
	f := newFixture(t)
	ids := seedTree(f)
	f.s.SetText(f.project, ids["B1"], "B one")
	f.s.SetCompleted(f.project, ids["A1"], true)
	f.s.MoveTask(f.project, ids["C"], ids["A"], "beforebegin")
	f.s.MoveTask(f.project, ids["A2"], "", "beforeend")
	f.s.DeleteTask(f.project, ids["A1a"])
	eq(t, "tasks", texts(f.s, f.project), []string{"C", "A", "A>A1", "B", "B>B one", "A2"})
	if a1, ok := f.s.Task(f.project, ids["A1"]); !ok || !a1.Completed || a1.ParentID != ids["A"] {
		t.Errorf("A1 %+v", a1)
	}
	if _, ok := f.s.Task(f.project, ids["A1a"]); ok {
		t.Error("A1a is still there")
	}
	if f.s.Tasks("nope") != nil {
		t.Error("Tasks of no project")
	}
}

// tbRecorder takes a test's Errorf calls, to see a seeding mistake
// reported.
type tbRecorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *tbRecorder) Helper() {}

func (r *tbRecorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestSeedingMistakes(t *testing.T) {
	rec := &tbRecorder{TB: t}
	s := New(rec)
	s.AddUser("ann", "")
	ws := s.AddWorkspace("w", "ann", "ghost")
	p := s.AddProject(ws, "p")
	a := s.AddTask(p, "", "a")
	b := s.AddTask(p, a, "b")
	const nobody = "00000000-0000-4000-8000-000000000000"
	for i, mistake := range []func(){
		func() { s.AddUser("", "") },
		func() { s.AddMember("nope", "ann") },
		func() { s.AddMember(ws, "ghost") },
		func() { s.AddFolder("nope", "f") },
		func() { s.AddProject("nope", "p") },
		func() { s.AddTask("nope", "", "x") },
		func() { s.AddTask(p, nobody, "x") },
		func() { s.SetText(p, nobody, "x") },
		func() { s.MoveTask(p, a, b, "beforeend") },
		func() { s.MoveTask(p, a, "", "afterend") },
		func() { s.MoveTask(p, a, nobody, "afterend") },
		func() { s.SetDate(p, a, "21/07/2026") },
		func() { s.SetAssignees(p, a, "ghost") },
		func() { s.AddSelectField("nope", "f") },
		func() { s.AddField(p, "colour", "f") },
		func() { s.SetFieldValue(p, a, "nofield", "x") },
	} {
		before := len(rec.errs)
		mistake()
		if len(rec.errs) != before+1 {
			t.Errorf("mistake %d not reported once: %q", i, rec.errs[before:])
		}
	}
	eq(t, "tasks untouched", texts(s, p), []string{"a", "a>b"})
}
