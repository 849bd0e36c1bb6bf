package taskadetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// route is one method and path of the API. The handler runs with s.mu
// held, and its reply is the whole 200 answer.
type route struct {
	method string
	path   string   // under /api/v1, as the fact sheet writes it
	params []string // the query parameters it takes
	fn     func(*call) (any, error)
}

func (rt *route) name() string { return rt.method + " " + rt.path }

func (s *Server) routes() []route {
	const task = "/projects/{projectId}/tasks/{taskId}"
	return []route{
		{"GET", "/workspaces", nil, (*call).workspaces},
		{"GET", "/workspaces/{workspaceId}/folders", nil, (*call).folders},
		{"GET", "/folders/{folderId}/projects", nil, (*call).folderProjects},
		{"GET", "/me/projects", []string{"limit", "page", "sort"}, (*call).myProjects},
		{"GET", "/projects/{projectId}", nil, (*call).project},
		{"GET", "/projects/{projectId}/members", []string{"limit", "page"}, (*call).members},
		{"GET", "/projects/{projectId}/fields", nil, (*call).fields},
		{"GET", "/projects/{projectId}/tasks", []string{"limit", "after", "before"}, (*call).listTasks},
		{"POST", "/projects/{projectId}/tasks/", nil, (*call).createTasks},
		{"GET", task, nil, (*call).getTask},
		{"PUT", task, nil, (*call).setText},
		{"DELETE", task, nil, (*call).deleteTask},
		{"POST", task + "/complete", nil, (*call).complete},
		{"POST", task + "/uncomplete", nil, (*call).uncomplete},
		{"PUT", task + "/move", nil, (*call).move},
		{"GET", task + "/date", nil, (*call).getDate},
		{"PUT", task + "/date", nil, (*call).setDate},
		{"DELETE", task + "/date", nil, (*call).deleteDate},
		{"GET", task + "/note", nil, (*call).getNote},
		{"PUT", task + "/note", nil, (*call).setNote},
		{"DELETE", task + "/note", nil, (*call).deleteNote},
		{"GET", task + "/assignees", nil, (*call).assignees},
		{"PUT", task + "/assignees", nil, (*call).assign},
		{"DELETE", task + "/assignees/{assigneeHandle}", nil, (*call).unassign},
		{"GET", task + "/fields", nil, (*call).fieldValues},
		{"GET", task + "/fields/{fieldId}", nil, (*call).fieldValue},
		{"PUT", task + "/fields/{fieldId}", nil, (*call).setFieldValue},
		{"DELETE", task + "/fields/{fieldId}", nil, (*call).deleteFieldValue},
	}
}

// call is one request being handled, by a user with a live token.
type call struct {
	s    *Server
	r    *http.Request
	user *user
	body []byte // nil when there is none
}

// The answers' shapes.

type itemReply struct {
	OK   bool `json:"ok"`
	Item any  `json:"item"`
}

type itemsReply[T any] struct {
	OK    bool `json:"ok"`
	Items []T  `json:"items"`
}

type okReply struct {
	OK bool `json:"ok"`
}

func item(v any) itemReply { return itemReply{OK: true, Item: v} }

func items[T any](v []T) itemsReply[T] {
	if v == nil {
		v = []T{}
	}
	return itemsReply[T]{OK: true, Items: v}
}

type taskJSON struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	ParentID  string `json:"parentId,omitempty"`
	Completed bool   `json:"completed"`
}

func (t *task) json() taskJSON {
	j := taskJSON{ID: t.id, Text: t.text, Completed: t.completed}
	if t.parent != nil && t.parent.parent != nil {
		j.ParentID = t.parent.id
	}
	return j
}

type nameJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type userJSON struct {
	Handle      string `json:"handle"`
	DisplayName string `json:"displayName,omitempty"`
}

type dateJSON struct {
	Date     string  `json:"date"`
	Time     *string `json:"time,omitempty"`
	Timezone *string `json:"timezone,omitempty"`
}

type taskDateJSON struct {
	Start dateJSON  `json:"start"`
	End   *dateJSON `json:"end,omitempty"`
}

type noteJSON struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type fieldJSON struct {
	ID   string        `json:"id"`
	Data fieldDataJSON `json:"data"`
}

type fieldDataJSON struct {
	Type        string                `json:"type"`
	DisplayName string                `json:"displayName"`
	Options     map[string]optionJSON `json:"options,omitempty"`
}

type optionJSON struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Rank  float64 `json:"rank"`
	Color string  `json:"color,omitempty"`
}

type fieldValueJSON struct {
	FieldID string `json:"fieldId"`
	Value   any    `json:"value,omitempty"`
}

// checkQuery refuses a query parameter not in allowed, or one given twice.
func (c *call) checkQuery(allowed []string) error {
	q, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		return badRequest("the query: %v", err)
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return badRequest("unknown query parameter %s", quote(k))
		}
		if len(q[k]) > 1 {
			return badRequest("query parameter %s is given %d times", quote(k), len(q[k]))
		}
	}
	return nil
}

// intParam is the query parameter name, an integer from lo to hi, or def
// when it is absent.
func (c *call) intParam(name string, def, lo, hi int) (int, error) {
	q := c.r.URL.Query()
	if !q.Has(name) {
		return def, nil
	}
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < lo || n > hi {
		return 0, badRequest("%s must be a whole number from %d to %d, not %s", name, lo, hi, quote(q.Get(name)))
	}
	return n, nil
}

// object is the body, a JSON object holding only the allowed keys.
func (c *call) object(allowed ...string) (obj, error) {
	if c.body == nil {
		return obj{}, badRequest("this request needs a JSON body")
	}
	return parseObject(c.body, "", allowed...)
}

// noBody checks that a request that takes no body has none (or {}).
func (c *call) noBody() error {
	if c.body == nil {
		return nil
	}
	_, err := parseObject(c.body, "")
	return err
}

// page is the 1-based page of all with limit per page, from the query's
// limit (default def) and page.
func page[T any](c *call, all []T, def int) ([]T, error) {
	limit, err := c.intParam("limit", def, 1, MaxLimit)
	if err != nil {
		return nil, err
	}
	n, err := c.intParam("page", 1, 1, 1<<30)
	if err != nil {
		return nil, err
	}
	start := (n - 1) * limit
	if start >= len(all) {
		return nil, nil
	}
	return all[start:min(start+limit, len(all))], nil
}

func (c *call) workspace() (*workspace, error) {
	id := c.r.PathValue("workspaceId")
	if !isSpaceID(id) {
		return nil, badRequest("workspace id %s is not 16 (or 9) letters, digits, _ or -", quote(id))
	}
	w := c.s.wsByID[id]
	if w == nil || !w.member(c.user.handle) {
		return nil, notFound("workspace %s not found", quote(id))
	}
	return w, nil
}

// proj is the project of the path, if the user can see it.
func (c *call) proj() (*project, error) {
	id := c.r.PathValue("projectId")
	if !isProjectID(id) {
		return nil, badRequest("project id %s is not 16 letters and digits", quote(id))
	}
	p := c.s.projByID[id]
	if p == nil || !p.ws().member(c.user.handle) {
		return nil, notFound("project %s not found", quote(id))
	}
	return p, nil
}

// findTask is the task with id in p.
func findTask(p *project, name, id string) (*task, error) {
	if !isUUID(id) {
		return nil, badRequest("%s %s is not a UUID", name, quote(id))
	}
	t := p.byID[id]
	if t == nil {
		return nil, notFound("task %s not found in project %s", quote(id), p.id)
	}
	return t, nil
}

// task is the project and task of the path, for a request that takes no
// body (checked).
func (c *call) task() (*project, *task, error) {
	p, err := c.proj()
	if err != nil {
		return nil, nil, err
	}
	t, err := findTask(p, "task id", c.r.PathValue("taskId"))
	if err != nil {
		return nil, nil, err
	}
	return p, t, nil
}

func names[T any](xs []T, f func(T) nameJSON) []nameJSON {
	out := make([]nameJSON, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func projectJSON(p *project) nameJSON { return nameJSON{ID: p.id, Name: p.name} }

// GET /workspaces: the user's workspaces, in the order they were made.
func (c *call) workspaces() (any, error) {
	var out []nameJSON
	for _, w := range c.s.workspaces {
		if w.member(c.user.handle) {
			out = append(out, nameJSON{ID: w.id, Name: w.name})
		}
	}
	return items(out), nil
}

// GET /workspaces/{workspaceId}/folders: the workspace's folders, not its
// home folder (which goes by the workspace's id).
func (c *call) folders() (any, error) {
	w, err := c.workspace()
	if err != nil {
		return nil, err
	}
	return items(names(w.folders, func(f *folder) nameJSON { return nameJSON{ID: f.id, Name: f.name} })), nil
}

// GET /folders/{folderId}/projects: a folder's projects; a workspace's id
// is its home folder.
func (c *call) folderProjects() (any, error) {
	id := c.r.PathValue("folderId")
	if !isSpaceID(id) {
		return nil, badRequest("folder id %s is not 16 (or 9) letters, digits, _ or -", quote(id))
	}
	f := c.s.folder(id)
	if f == nil || !f.ws.member(c.user.handle) {
		return nil, notFound("folder %s not found", quote(id))
	}
	return items(names(f.projects, projectJSON)), nil
}

// GET /me/projects: every project the user can see, paged by limit (100)
// and page; viewed-desc (the default) is the newest project first,
// viewed-asc the oldest (the server keeps no views).
func (c *call) myProjects() (any, error) {
	sort := "viewed-desc"
	if q := c.r.URL.Query(); q.Has("sort") {
		sort = q.Get("sort")
	}
	if sort != "viewed-desc" && sort != "viewed-asc" {
		return nil, badRequest("sort must be viewed-desc or viewed-asc, not %s", quote(sort))
	}
	var all []*project
	for _, p := range c.s.projects {
		if p.ws().member(c.user.handle) {
			all = append(all, p)
		}
	}
	if sort == "viewed-desc" {
		slices.Reverse(all)
	}
	pg, err := page(c, all, 100)
	if err != nil {
		return nil, err
	}
	return items(names(pg, projectJSON)), nil
}

// GET /projects/{projectId}
func (c *call) project() (any, error) {
	p, err := c.proj()
	if err != nil {
		return nil, err
	}
	return item(projectJSON(p)), nil
}

// GET /projects/{projectId}/members: the project's workspace's members, in
// the order they joined, paged by limit (20) and page.
func (c *call) members() (any, error) {
	p, err := c.proj()
	if err != nil {
		return nil, err
	}
	var all []userJSON
	for _, h := range p.ws().members {
		all = append(all, c.s.userJSON(h))
	}
	pg, err := page(c, all, 20)
	if err != nil {
		return nil, err
	}
	return items(pg), nil
}

func (s *Server) userJSON(handle string) userJSON {
	u := userJSON{Handle: handle}
	if x := s.users[handle]; x != nil {
		u.DisplayName = x.displayName
	}
	return u
}

// GET /projects/{projectId}/fields
func (c *call) fields() (any, error) {
	p, err := c.proj()
	if err != nil {
		return nil, err
	}
	out := []fieldJSON{}
	for _, f := range p.fields {
		j := fieldJSON{ID: f.id, Data: fieldDataJSON{Type: f.typ, DisplayName: f.name}}
		if f.typ == "Select" {
			j.Data.Options = map[string]optionJSON{}
			for _, o := range f.options {
				j.Data.Options[o.id] = optionJSON{ID: o.id, Name: o.name, Rank: o.rank, Color: o.color}
			}
		}
		out = append(out, j)
	}
	return items(out), nil
}

// GET /projects/{projectId}/tasks: every task, all depths, in document
// order, a page at a time. With after=<id>, the tasks following that one;
// with before=<id>, the limit tasks just before it (still in document
// order). Both at once, or a cursor the project does not have, is a 400.
func (c *call) listTasks() (any, error) {
	p, err := c.proj()
	if err != nil {
		return nil, err
	}
	limit, err := c.intParam("limit", c.s.pageSize, 1, MaxLimit)
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	if q.Has("after") && q.Has("before") {
		return nil, badRequest("after and before can't be used together")
	}
	flat := p.flat()
	var pg []*task
	switch {
	case q.Has("after") || q.Has("before"):
		name := "after"
		if q.Has("before") {
			name = "before"
		}
		id := q.Get(name)
		if !isUUID(id) {
			return nil, badRequest("%s %s is not a UUID", name, quote(id))
		}
		i := slices.IndexFunc(flat, func(t *task) bool { return t.id == id })
		if i < 0 {
			return nil, badRequest("%s %s: the project has no such task", name, quote(id))
		}
		if name == "after" {
			pg = flat[i+1 : min(i+1+limit, len(flat))]
		} else {
			pg = flat[max(0, i-limit):i]
		}
	default:
		pg = flat[:min(limit, len(flat))]
	}
	out := make([]taskJSON, len(pg))
	for i, t := range pg {
		out[i] = t.json()
	}
	return items(out), nil
}

// POST /projects/{projectId}/tasks/: up to 20 tasks, each placed relative
// to a task (taskId) or at the top level (no taskId, null or "null":
// afterbegin or beforeend only), applied in order, all or none. The reply's
// item is the list of new tasks, in the request's order.
func (c *call) createTasks() (any, error) {
	p, err := c.proj()
	if err != nil {
		return nil, err
	}
	body, err := c.object("tasks")
	if err != nil {
		return nil, err
	}
	entries, err := body.array("tasks")
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, badRequest("tasks is empty")
	}
	if len(entries) > MaxTasksPerCreate {
		return nil, badRequest("tasks has %d entries, over the %d allowed", len(entries), MaxTasksPerCreate)
	}
	type plan struct {
		text      string
		target    *task
		placement string
	}
	plans := make([]plan, len(entries))
	for i, raw := range entries {
		e, err := parseObject(raw, fmt.Sprintf("tasks[%d]", i), "contentType", "content", "taskId", "placement")
		if err != nil {
			return nil, err
		}
		ct, err := e.str("contentType", true)
		if err != nil {
			return nil, err
		}
		if err := e.oneOf("contentType", ct, contentTypes...); err != nil {
			return nil, err
		}
		text, err := e.str("content", true)
		if err != nil {
			return nil, err
		}
		if err := checkText(e.name("content"), text); err != nil {
			return nil, err
		}
		targetID, err := e.str("taskId", false)
		if err != nil {
			return nil, err
		}
		placement, err := e.str("placement", true)
		if err != nil {
			return nil, err
		}
		target := p.root
		if targetID == "" || targetID == "null" {
			if placement != "afterbegin" && placement != "beforeend" {
				return nil, badRequest("%s must be afterbegin or beforeend with no taskId (at the top level), not %s", e.name("placement"), quote(placement))
			}
		} else {
			if err := e.oneOf("placement", placement, positions...); err != nil {
				return nil, err
			}
			if target, err = findTask(p, e.name("taskId"), targetID); err != nil {
				return nil, err
			}
		}
		plans[i] = plan{text: text, target: target, placement: placement}
	}
	out := make([]taskJSON, len(plans))
	for i, pl := range plans {
		t := p.newTask(pl.text)
		place(t, pl.target, pl.placement)
		out[i] = t.json()
	}
	return item(out), nil
}

// GET …/tasks/{taskId}
func (c *call) getTask() (any, error) {
	p, err := c.proj()
	if err != nil {
		return nil, err
	}
	id := c.r.PathValue("taskId")
	t, err := findTask(p, "task id", id)
	if err != nil {
		if c.s.missingTaskNull && isUUID(id) {
			return item(nil), nil
		}
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	return item(t.json()), nil
}

// PUT …/tasks/{taskId}: the task's text.
func (c *call) setText() (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	body, err := c.object("contentType", "content")
	if err != nil {
		return nil, err
	}
	ct, err := body.str("contentType", true)
	if err != nil {
		return nil, err
	}
	if err := body.oneOf("contentType", ct, contentTypes...); err != nil {
		return nil, err
	}
	text, err := body.str("content", true)
	if err != nil {
		return nil, err
	}
	if err := checkText("content", text); err != nil {
		return nil, err
	}
	t.text = text
	return item(t.json()), nil
}

// DELETE …/tasks/{taskId}: the task and its subtasks.
func (c *call) deleteTask() (any, error) {
	p, t, err := c.task()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	p.remove(t)
	return okReply{OK: true}, nil
}

// POST …/complete and …/uncomplete: the task only, not its subtasks.
func (c *call) complete() (any, error)   { return c.setCompleted(true) }
func (c *call) uncomplete() (any, error) { return c.setCompleted(false) }

func (c *call) setCompleted(done bool) (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	t.completed = done
	return item(t.json()), nil
}

// PUT …/move: {target: {taskId, position}}; not relative to the task
// itself or one of its subtasks.
func (c *call) move() (any, error) {
	p, t, err := c.task()
	if err != nil {
		return nil, err
	}
	body, err := c.object("target")
	if err != nil {
		return nil, err
	}
	tg, err := body.object("target", "taskId", "position")
	if err != nil {
		return nil, err
	}
	targetID, err := tg.str("taskId", true)
	if err != nil {
		return nil, err
	}
	position, err := tg.str("position", true)
	if err != nil {
		return nil, err
	}
	if err := tg.oneOf("position", position, positions...); err != nil {
		return nil, err
	}
	target, err := findTask(p, tg.name("taskId"), targetID)
	if err != nil {
		return nil, err
	}
	if within(target, t) {
		return nil, badRequest("can't move task %s relative to itself or one of its subtasks", t.id)
	}
	detach(t)
	place(t, target, position)
	return item(t.json()), nil
}

func (s *Server) dateJSON(d dateVal) dateJSON {
	j := dateJSON{Date: d.date}
	if s.dateTimes {
		clock := "00:00:00"
		if d.time != "" {
			clock = (d.time + ":00")[:8]
		}
		j.Date += "T" + clock + ".000Z"
	}
	if d.time != "" {
		j.Time = &d.time
	}
	if d.timezone != "" {
		j.Timezone = &d.timezone
	}
	return j
}

// GET …/date: item null when the task has none.
func (c *call) getDate() (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	if t.date == nil {
		return item(nil), nil
	}
	j := taskDateJSON{Start: c.s.dateJSON(t.date.start)}
	if t.date.end != nil {
		end := c.s.dateJSON(*t.date.end)
		j.End = &end
	}
	return item(j), nil
}

// PUT …/date: {start: Date, end?: Date|null}.
func (c *call) setDate() (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	body, err := c.object("start", "end")
	if err != nil {
		return nil, err
	}
	var d taskDate
	if d.start, err = body.dateValue("start"); err != nil {
		return nil, err
	}
	if body.present("end") {
		end, err := body.dateValue("end")
		if err != nil {
			return nil, err
		}
		d.end = &end
	}
	t.date = &d
	return item(t.json()), nil
}

// DELETE …/date
func (c *call) deleteDate() (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	t.date = nil
	return item(t.json()), nil
}

// GET …/note: item null when the task has none.
func (c *call) getNote() (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	if t.note == nil {
		return item(nil), nil
	}
	return item(noteJSON{Type: t.note.typ, Value: t.note.value}), nil
}

// PUT …/note: {type, value}, value at least one character, with no CR or
// LF.
func (c *call) setNote() (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	body, err := c.object("type", "value")
	if err != nil {
		return nil, err
	}
	typ, err := body.str("type", true)
	if err != nil {
		return nil, err
	}
	if err := body.oneOf("type", typ, contentTypes...); err != nil {
		return nil, err
	}
	value, err := body.str("value", true)
	if err != nil {
		return nil, err
	}
	if value == "" {
		return nil, badRequest("value must have at least one character")
	}
	// Only the newline rule holds for a note; its length is bound by the body's.
	if strings.ContainsAny(value, "\r\n") {
		return nil, badRequest("value must not hold a carriage return or line feed")
	}
	t.note = &taskNote{typ: typ, value: value}
	return item(noteJSON{Type: typ, Value: value}), nil
}

// DELETE …/note
func (c *call) deleteNote() (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	t.note = nil
	return okReply{OK: true}, nil
}

// GET …/assignees
func (c *call) assignees() (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	out := []userJSON{}
	for _, h := range t.assignees {
		out = append(out, c.s.userJSON(h))
	}
	return items(out), nil
}

// PUT …/assignees: {handles}; ADDS them to the task's assignees. Each must
// be a member of the project.
func (c *call) assign() (any, error) {
	p, t, err := c.task()
	if err != nil {
		return nil, err
	}
	body, err := c.object("handles")
	if err != nil {
		return nil, err
	}
	raw, err := body.array("handles")
	if err != nil {
		return nil, err
	}
	handles := make([]string, len(raw))
	for i, r := range raw {
		if json.Unmarshal(r, &handles[i]) != nil || handles[i] == "" {
			return nil, badRequest("handles[%d] must be a handle (a string of at least one character)", i)
		}
		if !p.ws().member(handles[i]) {
			return nil, badRequest("handles[%d]: %s is not a member of the project", i, quote(handles[i]))
		}
	}
	if c.s.replaceAssign {
		t.assignees = nil
	}
	for _, h := range handles {
		if !slices.Contains(t.assignees, h) {
			t.assignees = append(t.assignees, h)
		}
	}
	return item(t.json()), nil
}

// DELETE …/assignees/{assigneeHandle}: unassigning someone not assigned
// is not an error.
func (c *call) unassign() (any, error) {
	_, t, err := c.task()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	h := c.r.PathValue("assigneeHandle")
	if i := slices.Index(t.assignees, h); i >= 0 {
		t.assignees = slices.Delete(t.assignees, i, i+1)
	}
	return item(t.json()), nil
}

// GET …/fields: one FieldValue for each of the project's fields, with no
// value for a field the task has none for.
func (c *call) fieldValues() (any, error) {
	p, t, err := c.task()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	out := []fieldValueJSON{}
	for _, f := range p.fields {
		out = append(out, fieldValueJSON{FieldID: f.id, Value: t.fields[f.id]})
	}
	return items(out), nil
}

// taskField is the task and field of the path.
func (c *call) taskField() (*task, *field, error) {
	p, t, err := c.task()
	if err != nil {
		return nil, nil, err
	}
	id := c.r.PathValue("fieldId")
	f := p.field(id)
	if f == nil {
		return nil, nil, notFound("field %s not found in project %s", quote(id), p.id)
	}
	return t, f, nil
}

// GET …/fields/{fieldId}
func (c *call) fieldValue() (any, error) {
	t, f, err := c.taskField()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	return item(fieldValueJSON{FieldID: f.id, Value: t.fields[f.id]}), nil
}

// PUT …/fields/{fieldId}: {value: number | string of at least one
// character}. The value is not checked against the field's type or
// options.
func (c *call) setFieldValue() (any, error) {
	t, f, err := c.taskField()
	if err != nil {
		return nil, err
	}
	body, err := c.object("value")
	if err != nil {
		return nil, err
	}
	if !body.present("value") {
		return nil, badRequest("value is required")
	}
	var v any
	raw := bytes.TrimSpace(body.m["value"])
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s == "" {
			return nil, badRequest("value must be a number or a string of at least one character")
		}
		v = s
	default:
		var n float64
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, badRequest("value must be a number or a string of at least one character")
		}
		v = n
	}
	if t.fields == nil {
		t.fields = map[string]any{}
	}
	t.fields[f.id] = v
	return okReply{OK: true}, nil
}

// DELETE …/fields/{fieldId}
func (c *call) deleteFieldValue() (any, error) {
	t, f, err := c.taskField()
	if err != nil {
		return nil, err
	}
	if err := c.noBody(); err != nil {
		return nil, err
	}
	delete(t.fields, f.id)
	return okReply{OK: true}, nil
}
