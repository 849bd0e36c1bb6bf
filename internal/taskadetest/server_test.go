package taskadetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
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
