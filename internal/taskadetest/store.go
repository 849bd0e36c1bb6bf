package taskadetest

import (
	"crypto/rand"
	"slices"
	"strconv"

	"github.com/google/uuid"
)

type user struct {
	handle, displayName string
}

type workspace struct {
	id, name string
	members  []string // handles, in the order they joined
	home     *folder  // its id is the workspace's
	folders  []*folder
}

func (w *workspace) member(handle string) bool { return slices.Contains(w.members, handle) }

type folder struct {
	id, name string
	ws       *workspace
	projects []*project
}

type project struct {
	id, name string
	folder   *folder
	root     *task // holds the top-level tasks; not a task itself
	byID     map[string]*task
	fields   []*field
}

func (p *project) ws() *workspace { return p.folder.ws }

func (p *project) field(id string) *field {
	for _, f := range p.fields {
		if f.id == id {
			return f
		}
	}
	return nil
}

type task struct {
	id, text  string
	parent    *task // the project's root for a top-level task
	children  []*task
	completed bool
	date      *taskDate
	note      *taskNote
	assignees []string       // handles, in the order they were assigned
	fields    map[string]any // field id → string or float64
}

type dateVal struct {
	date, time, timezone string // time and timezone "" for none
}

type taskDate struct {
	start dateVal
	end   *dateVal
}

type taskNote struct {
	typ, value string
}

type field struct {
	id, typ, name string
	options       []option
}

type option struct {
	id, name, color string
	rank            float64
}

// Task is one task as the server holds it, for a test to check.
type Task struct {
	ID, Text  string
	ParentID  string // "" for a top-level task
	Completed bool
	Date      string            // the start date, "YYYY-MM-DD", "" for none
	Note      string            // "" for none
	Assignees []string          // handles, nil for none
	Fields    map[string]string // field id → value (a number written as strconv.FormatFloat 'g'), nil for none
}

func (t *task) export() Task {
	out := Task{ID: t.id, Text: t.text, Completed: t.completed, Assignees: slices.Clone(t.assignees)}
	if t.parent != nil && t.parent.parent != nil {
		out.ParentID = t.parent.id
	}
	if t.date != nil {
		out.Date = t.date.start.date
	}
	if t.note != nil {
		out.Note = t.note.value
	}
	if len(t.fields) > 0 {
		out.Fields = map[string]string{}
		for k, v := range t.fields {
			out.Fields[k] = valueString(v)
		}
	}
	return out
}

func valueString(v any) string {
	switch v := v.(type) {
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return v
	}
	return ""
}

// flat is every task of p in document order: each task, then its
// subtasks, then its next sibling.
func (p *project) flat() []*task {
	out := make([]*task, 0, len(p.byID))
	var walk func(*task)
	walk = func(t *task) {
		for _, c := range t.children {
			out = append(out, c)
			walk(c)
		}
	}
	walk(p.root)
	return out
}

// within reports whether t is a or one of a's subtasks.
func within(t, a *task) bool {
	for ; t != nil; t = t.parent {
		if t == a {
			return true
		}
	}
	return false
}

func (t *task) index() int { return slices.Index(t.parent.children, t) }

// place puts t (not in the tree) at position relative to target:
// beforebegin (the sibling before it), afterbegin (its first child),
// beforeend (its last child) or afterend (the sibling after it). target
// may be the project's root for the two child positions.
func place(t, target *task, position string) {
	switch position {
	case "beforebegin":
		t.parent = target.parent
		t.parent.children = slices.Insert(t.parent.children, target.index(), t)
	case "afterend":
		t.parent = target.parent
		t.parent.children = slices.Insert(t.parent.children, target.index()+1, t)
	case "afterbegin":
		t.parent = target
		target.children = slices.Insert(target.children, 0, t)
	default: // beforeend
		t.parent = target
		target.children = append(target.children, t)
	}
}

// detach takes t out of the tree (with its subtasks).
func detach(t *task) {
	i := t.index()
	t.parent.children = slices.Delete(t.parent.children, i, i+1)
	t.parent = nil
}

// remove deletes t and its subtasks from p.
func (p *project) remove(t *task) {
	detach(t)
	var forget func(*task)
	forget = func(t *task) {
		delete(p.byID, t.id)
		for _, c := range t.children {
			forget(c)
		}
	}
	forget(t)
}

func (p *project) newTask(text string) *task {
	t := &task{id: uuid.NewString(), text: text}
	p.byID[t.id] = t
	return t
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomID is n random alphanumerics.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// uniqueID is a random 16-alphanumeric id not yet in taken.
func uniqueID[V any](taken map[string]V) string {
	for {
		if id := randomID(16); !has(taken, id) {
			return id
		}
	}
}

func has[V any](m map[string]V, k string) bool { _, ok := m[k]; return ok }

// The seeding methods below report a mistake (an unknown id, a bad date)
// with t.Errorf and carry on with a zero value, so they are safe to call
// from any goroutine.

// AddUser adds a user and returns a new personal token for them
// ("tskdp_" and 32 random alphanumerics). Adding a handle again keeps the
// user (and sets the display name) and gives another token.
func (s *Server) AddUser(handle, displayName string) (token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if handle == "" {
		s.t.Errorf("taskadetest: AddUser with no handle")
		return ""
	}
	s.users[handle] = &user{handle: handle, displayName: displayName}
	for {
		token = "tskdp_" + randomID(32)
		if !has(s.tokens, token) {
			break
		}
	}
	s.tokens[token] = handle
	return token
}

// Revoke makes token unknown: its requests get 401 from now on.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// AddWorkspace adds a workspace (with its home folder, whose id is the
// workspace's) that the users with handles belong to: they see it and all
// its projects, and are the members of each.
func (s *Server) AddWorkspace(name string, handles ...string) (id string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := &workspace{id: s.newSpaceID(), name: name}
	w.home = &folder{id: w.id, name: "Home", ws: w}
	for _, h := range handles {
		if !has(s.users, h) {
			s.t.Errorf("taskadetest: AddWorkspace %q: no user %q", name, h)
			continue
		}
		if !w.member(h) {
			w.members = append(w.members, h)
		}
	}
	s.workspaces = append(s.workspaces, w)
	s.wsByID[w.id] = w
	return w.id
}

// AddMember adds the user with handle to a workspace.
func (s *Server) AddMember(workspaceID, handle string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.wsByID[workspaceID]
	switch {
	case w == nil:
		s.t.Errorf("taskadetest: AddMember: no workspace %q", workspaceID)
	case !has(s.users, handle):
		s.t.Errorf("taskadetest: AddMember: no user %q", handle)
	case !w.member(handle):
		w.members = append(w.members, handle)
	}
}

// newSpaceID is an id for a workspace or folder no other has. s.mu is held.
func (s *Server) newSpaceID() string {
	for {
		id := randomID(16)
		if !has(s.wsByID, id) && !has(s.folders, id) {
			return id
		}
	}
}

// AddFolder adds a folder to a workspace.
func (s *Server) AddFolder(workspaceID, name string) (id string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.wsByID[workspaceID]
	if w == nil {
		s.t.Errorf("taskadetest: AddFolder %q: no workspace %q", name, workspaceID)
		return ""
	}
	f := &folder{id: s.newSpaceID(), name: name, ws: w}
	w.folders = append(w.folders, f)
	s.folders[f.id] = f
	return f.id
}

// folder is the folder with id, or the home folder of the workspace with
// id. s.mu is held.
func (s *Server) folder(id string) *folder {
	if f := s.folders[id]; f != nil {
		return f
	}
	if w := s.wsByID[id]; w != nil {
		return w.home
	}
	return nil
}

// AddProject adds an empty project to a folder; folderID may be a
// workspace's id, for its home folder.
func (s *Server) AddProject(folderID, name string) (id string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.folder(folderID)
	if f == nil {
		s.t.Errorf("taskadetest: AddProject %q: no folder or workspace %q", name, folderID)
		return ""
	}
	p := &project{id: uniqueID(s.projByID), name: name, folder: f, root: &task{}, byID: map[string]*task{}}
	f.projects = append(f.projects, p)
	s.projects = append(s.projects, p)
	s.projByID[p.id] = p
	return p.id
}

// lookup finds a task for a seeding method; it reports (t.Errorf) and
// returns nil when there is none. s.mu is held.
func (s *Server) lookup(what, projectID, taskID string) (*project, *task) {
	p := s.projByID[projectID]
	if p == nil {
		s.t.Errorf("taskadetest: %s: no project %q", what, projectID)
		return nil, nil
	}
	t := p.byID[taskID]
	if t == nil {
		s.t.Errorf("taskadetest: %s: project %q has no task %q", what, projectID, taskID)
		return p, nil
	}
	return p, t
}

// AddTask adds a task as the last child of parentID ("" for the last
// top-level task). text is stored as it is: a seed may hold what the API
// would refuse (newlines, control characters), as a task written some
// other way may.
func (s *Server) AddTask(projectID, parentID, text string) (id string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projByID[projectID]
	if p == nil {
		s.t.Errorf("taskadetest: AddTask %q: no project %q", text, projectID)
		return ""
	}
	parent := p.root
	if parentID != "" {
		if parent = p.byID[parentID]; parent == nil {
			s.t.Errorf("taskadetest: AddTask %q: project %q has no task %q", text, projectID, parentID)
			return ""
		}
	}
	t := p.newTask(text)
	place(t, parent, "beforeend")
	return t.id
}

// SetText sets a task's text, as it is.
func (s *Server) SetText(projectID, taskID, text string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, t := s.lookup("SetText", projectID, taskID); t != nil {
		t.text = text
	}
}

// MoveTask moves a task (with its subtasks) to position (beforebegin,
// afterbegin, beforeend or afterend) relative to targetID, as someone
// else's client would; targetID "" is the top level (afterbegin or
// beforeend only).
func (s *Server) MoveTask(projectID, taskID, targetID, position string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, t := s.lookup("MoveTask", projectID, taskID)
	if t == nil {
		return
	}
	target := p.root
	if targetID != "" {
		if _, target = s.lookup("MoveTask", projectID, targetID); target == nil {
			return
		}
	}
	if !slices.Contains(positions, position) || target == p.root && (position == "beforebegin" || position == "afterend") {
		s.t.Errorf("taskadetest: MoveTask: position %q", position)
		return
	}
	if within(target, t) {
		s.t.Errorf("taskadetest: MoveTask: %q into its own subtree", taskID)
		return
	}
	detach(t)
	place(t, target, position)
}

// DeleteTask deletes a task and its subtasks.
func (s *Server) DeleteTask(projectID, taskID string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, t := s.lookup("DeleteTask", projectID, taskID); t != nil {
		p.remove(t)
	}
}

// SetCompleted marks a task done or not (its subtasks stay as they are).
func (s *Server) SetCompleted(projectID, taskID string, done bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, t := s.lookup("SetCompleted", projectID, taskID); t != nil {
		t.completed = done
	}
}

// SetDate sets a task's start date ("YYYY-MM-DD", no time, no end); ""
// clears its date.
func (s *Server) SetDate(projectID, taskID, date string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, t := s.lookup("SetDate", projectID, taskID)
	switch {
	case t == nil:
	case date == "":
		t.date = nil
	case !validDate(date):
		s.t.Errorf("taskadetest: SetDate: %q is not YYYY-MM-DD", date)
	default:
		t.date = &taskDate{start: dateVal{date: date}}
	}
}

// SetNote sets a task's note (type text/plain), as it is; "" clears it.
func (s *Server) SetNote(projectID, taskID, note string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, t := s.lookup("SetNote", projectID, taskID); t != nil {
		if note == "" {
			t.note = nil
		} else {
			t.note = &taskNote{typ: "text/plain", value: note}
		}
	}
}

// SetAssignees makes handles (users, not necessarily members) a task's
// assignees, replacing any it had.
func (s *Server) SetAssignees(projectID, taskID string, handles ...string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, t := s.lookup("SetAssignees", projectID, taskID)
	if t == nil {
		return
	}
	t.assignees = nil
	for _, h := range handles {
		if !has(s.users, h) {
			s.t.Errorf("taskadetest: SetAssignees: no user %q", h)
			continue
		}
		if !slices.Contains(t.assignees, h) {
			t.assignees = append(t.assignees, h)
		}
	}
}

// AddSelectField adds a Select field to a project, with an option for
// each of options (ranked in that order), and returns the ids.
func (s *Server) AddSelectField(projectID, name string, options ...string) (fieldID string, optionIDs []string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projByID[projectID]
	if p == nil {
		s.t.Errorf("taskadetest: AddSelectField %q: no project %q", name, projectID)
		return "", nil
	}
	f := &field{id: s.newFieldID(p), typ: "Select", name: name}
	for i, o := range options {
		id := randomID(16)
		f.options = append(f.options, option{id: id, name: o, rank: float64(i + 1)})
		optionIDs = append(optionIDs, id)
	}
	p.fields = append(p.fields, f)
	return f.id, optionIDs
}

// fieldTypes are the types a field's data may have.
var fieldTypes = []string{"boolean", "Note", "Timestamp", "TimestampAt", "TimestampAuthor", "Select",
	"number", "string", "Password", "Rating", "Relationship", "Assign", "DateTime", "DateRange",
	"NodeText", "NodeCompleted", "Media", "Unimplemented"}

// AddField adds a field of another type (number, string, …) to a project.
func (s *Server) AddField(projectID, typ, name string) (fieldID string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projByID[projectID]
	switch {
	case p == nil:
		s.t.Errorf("taskadetest: AddField %q: no project %q", name, projectID)
		return ""
	case !slices.Contains(fieldTypes, typ):
		s.t.Errorf("taskadetest: AddField %q: no field type %q", name, typ)
		return ""
	}
	f := &field{id: s.newFieldID(p), typ: typ, name: name}
	p.fields = append(p.fields, f)
	return f.id
}

func (s *Server) newFieldID(p *project) string {
	for {
		if id := randomID(16); p.field(id) == nil {
			return id
		}
	}
}

// SetFieldValue sets a task's value for a field; "" clears it.
func (s *Server) SetFieldValue(projectID, taskID, fieldID, value string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	p, t := s.lookup("SetFieldValue", projectID, taskID)
	switch {
	case t == nil:
	case p.field(fieldID) == nil:
		s.t.Errorf("taskadetest: SetFieldValue: project %q has no field %q", projectID, fieldID)
	case value == "":
		delete(t.fields, fieldID)
	default:
		if t.fields == nil {
			t.fields = map[string]any{}
		}
		t.fields[fieldID] = value
	}
}

// Tasks is every task of a project, all depths, in document order (each
// task, then its subtasks, then its next sibling); nil for no project.
func (s *Server) Tasks(projectID string) []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projByID[projectID]
	if p == nil {
		return nil
	}
	flat := p.flat()
	out := make([]Task, len(flat))
	for i, t := range flat {
		out[i] = t.export()
	}
	return out
}

// Task is one task of a project; false when there is no such task.
func (s *Server) Task(projectID, id string) (Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projByID[projectID]
	if p == nil || p.byID[id] == nil {
		return Task{}, false
	}
	return p.byID[id].export(), true
}
