package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// ServerKind is what a server speaks, as far as lanes has found out.
type ServerKind int

const (
	// ServerUnknown: not asked yet (see Probe).
	ServerUnknown ServerKind = iota
	// ServerLanes: the seed's API and lanes' additions.
	ServerLanes
	// ServerSeed: only what the seed lists (a Krokanti server, or
	// lanes serve --api seed).
	ServerSeed
)

func (k ServerKind) String() string {
	switch k {
	case ServerLanes:
		return "lanes (the seed's API and lanes' additions)"
	case ServerSeed:
		return "seed only (the Krokanti Tasks API, no additions)"
	}
	return "not yet known"
}

// Feature is one of lanes' additions to the seed's API.
type Feature int

// The additions a caller may need to know about before sending.
const (
	FeatureStatuses    Feature = iota // GET /api/statuses: named columns
	FeaturePositions                  // task position (order within a column)
	FeatureDescription                // task description
	FeatureComments                   // comments
	FeatureAssignees                  // assignees
	FeatureMembers                    // space members
	FeatureIdempotency                // Idempotency-Key honoured
	FeatureRestore                    // deleted tasks kept and restorable
	FeatureColumns                    // columns made, changed, reordered, WIP-limited, deleted
	FeatureLabels                     // project labels, and labelIds on tasks
	// FeatureActivity and FeatureSearch came later than the rest: a lanes
	// server from before them has the other additions but not these
	// routes (see route).
	FeatureActivity // GET /api/tasks/:id/activity: a task's history
	FeatureSearch   // GET /api/search: full-text search
	FeatureBatch    // POST /api/batch: many task changes in one request
	// FeatureSince: GET /api/tasks?since=: what changed in a project
	// since a position in the server's change log. Said yes, like the
	// others after FeatureActivity, until a lanes server turns out to
	// answer it with the whole list (from before it).
	FeatureSince
)

// Probe finds out what the server speaks by asking for the current user
// (a lanes addition): an answer means lanes, a 404 means seed only. The
// answer is kept.
func (c *Client) Probe(ctx context.Context) (ServerKind, error) {
	c.mu.Lock()
	kind := c.kind
	c.mu.Unlock()
	if kind != ServerUnknown {
		return kind, nil
	}
	var out struct {
		User User `json:"user"`
	}
	err := c.do(ctx, call{method: http.MethodGet, path: "/api/me"}, &out)
	switch {
	case err == nil:
		kind = ServerLanes
	case IsNotFound(err):
		kind = ServerSeed
	default:
		return ServerUnknown, fmt.Errorf("find out what the server speaks: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kind = kind
	if err == nil {
		c.me = &out.User
	}
	return kind, nil
}

// Kind is what Probe found, without asking.
func (c *Client) Kind() ServerKind {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kind
}

// Supports says whether the server is known (from Probe) to have the
// addition. Before a probe it says no: sending only the seed's fields is
// always safe. Activity, search and batches are said yes until a call
// finds an older lanes server without them.
func (c *Client) Supports(f Feature) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kind == ServerLanes && !c.missing[f]
}

// lacks notes that the lanes server turned out not to have addition f.
func (c *Client) lacks(f Feature) { c.found(f, true) }

// found notes whether the lanes server turned out to lack addition f.
func (c *Client) found(f Feature, missing bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.missing == nil {
		c.missing = map[Feature]bool{}
	}
	c.missing[f] = missing
}

// route finds out, once, whether a lanes server has the route of a later
// addition (f), after a call to it was answered 404: that means the task
// or space asked about is not found, or a lanes server from before the
// route that has no such endpoint. A request the route itself refuses as
// malformed (probe: a 400) tells them apart without reading the server's
// sentence; a 404 to it means the route is missing.
func (c *Client) route(ctx context.Context, f Feature, probe string) (bool, error) {
	c.mu.Lock()
	missing, known := c.missing[f]
	c.mu.Unlock()
	if known {
		return !missing, nil
	}
	err := c.do(ctx, call{method: http.MethodGet, path: probe}, nil)
	switch {
	case IsNotFound(err):
		missing = true
	case err == nil, IsValidation(err):
	default:
		return false, fmt.Errorf("find out whether the server has %s: %w", probe, err)
	}
	c.found(f, missing)
	return !missing, nil
}

// addition checks, probing once if needed, that the server has lanes'
// additions before calling one.
func (c *Client) addition(ctx context.Context, what string) error {
	kind, err := c.Probe(ctx)
	if err != nil {
		return err
	}
	if kind != ServerLanes {
		return fmt.Errorf("%s: %w", what, ErrNotSupported)
	}
	return nil
}

// lanesOnly is addition for the operations that say, on a seed-only
// server, "this server can't …" (what finishes the sentence).
func (c *Client) lanesOnly(ctx context.Context, what string) error {
	kind, err := c.Probe(ctx)
	if err != nil {
		return err
	}
	if kind != ServerLanes {
		return &unsupported{what: what}
	}
	return nil
}

func write(method, path string, body any, opts []WriteOption) call {
	var o writeOpts
	for _, f := range opts {
		f(&o)
	}
	return call{method: method, path: path, body: body, key: o.key}
}

func esc(s string) string { return url.PathEscape(s) }

// Me is the user the token belongs to. Lanes addition.
func (c *Client) Me(ctx context.Context) (*User, error) {
	if err := c.addition(ctx, "who am I"); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u := *c.me
	return &u, nil
}

// Spaces lists the spaces the user belongs to, the personal one included.
func (c *Client) Spaces(ctx context.Context) ([]Space, error) {
	var out []Space
	return out, c.do(ctx, call{method: http.MethodGet, path: "/api/spaces"}, &out)
}

// CreateSpace makes a team space; the user becomes its owner.
func (c *Client) CreateSpace(ctx context.Context, in SpaceCreate, opts ...WriteOption) (*Space, error) {
	var out struct {
		Space *Space `json:"space"`
	}
	if err := c.do(ctx, write(http.MethodPost, "/api/spaces", in, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("space", out.Space)
}

// Members lists a space's members. Lanes addition.
func (c *Client) Members(ctx context.Context, spaceID string) ([]Member, error) {
	if err := c.addition(ctx, "list members"); err != nil {
		return nil, err
	}
	var out []Member
	return out, c.do(ctx, call{method: http.MethodGet, path: "/api/spaces/" + esc(spaceID) + "/members"}, &out)
}

// AddMember adds a user to a space with a role (not owner). Lanes addition.
func (c *Client) AddMember(ctx context.Context, spaceID, userID string, role Role, opts ...WriteOption) (*Member, error) {
	if err := c.addition(ctx, "add a member"); err != nil {
		return nil, err
	}
	var out struct {
		Member *Member `json:"member"`
	}
	body := map[string]any{"userId": userID, "role": role}
	if err := c.do(ctx, write(http.MethodPost, "/api/spaces/"+esc(spaceID)+"/members", body, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("member", out.Member)
}

// SetMemberRole changes a member's role. Lanes addition.
func (c *Client) SetMemberRole(ctx context.Context, spaceID, userID string, role Role, opts ...WriteOption) (*Member, error) {
	if err := c.addition(ctx, "change a member's role"); err != nil {
		return nil, err
	}
	var out struct {
		Member *Member `json:"member"`
	}
	body := map[string]any{"role": role}
	if err := c.do(ctx, write(http.MethodPatch, "/api/spaces/"+esc(spaceID)+"/members/"+esc(userID), body, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("member", out.Member)
}

// RemoveMember takes a user out of a space. Lanes addition.
func (c *Client) RemoveMember(ctx context.Context, spaceID, userID string, opts ...WriteOption) error {
	if err := c.addition(ctx, "remove a member"); err != nil {
		return err
	}
	return c.do(ctx, write(http.MethodDelete, "/api/spaces/"+esc(spaceID)+"/members/"+esc(userID), nil, opts), nil)
}

// Projects lists a space's active projects.
func (c *Client) Projects(ctx context.Context, spaceID string) ([]Project, error) {
	var out []Project
	return out, c.do(ctx, call{method: http.MethodGet, path: "/api/projects?spaceId=" + url.QueryEscape(spaceID)}, &out)
}

// ArchivedProjects lists a space's archived projects (archived=true, as
// a lanes server reads it; a server that ignores it sends its usual list).
func (c *Client) ArchivedProjects(ctx context.Context, spaceID string) ([]Project, error) {
	var out []Project
	return out, c.do(ctx, call{method: http.MethodGet, path: "/api/projects?spaceId=" + url.QueryEscape(spaceID) + "&archived=true"}, &out)
}

// CreateProject makes a project with the default columns.
func (c *Client) CreateProject(ctx context.Context, in ProjectCreate, opts ...WriteOption) (*Project, error) {
	var out struct {
		Project *Project `json:"project"`
	}
	if err := c.do(ctx, write(http.MethodPost, "/api/projects", in, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("project", out.Project)
}

// UpdateProject changes a project's settings.
func (c *Client) UpdateProject(ctx context.Context, id string, p ProjectPatch, opts ...WriteOption) (*Project, error) {
	var out struct {
		Project *Project `json:"project"`
	}
	if err := c.do(ctx, write(http.MethodPatch, "/api/projects/"+esc(id), p, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("project", out.Project)
}

// ArchiveProject archives a project (the seed's DELETE is a soft delete).
func (c *Client) ArchiveProject(ctx context.Context, id string, opts ...WriteOption) error {
	return c.do(ctx, write(http.MethodDelete, "/api/projects/"+esc(id), nil, opts), nil)
}

// Statuses lists a project's columns in board order. A server without
// GET /api/statuses (seed only) answers 404 there; the columns then come
// from the list_statuses tool of its MCP server (/api/mcp, which the seed
// lists), or, failing that, from the statusIds its tasks carry, in the
// order first seen, named "Column 1", "Column 2", … (the REST API gives no
// names), a column counting as done when every task in it is completed.
func (c *Client) Statuses(ctx context.Context, projectID string) ([]Status, error) {
	var out []Status
	err := c.do(ctx, call{method: http.MethodGet, path: "/api/statuses?projectId=" + url.QueryEscape(projectID)}, &out)
	if err == nil {
		return out, nil
	}
	if !IsNotFound(err) {
		return nil, err
	}
	if kind, perr := c.Probe(ctx); perr != nil || kind == ServerLanes {
		return nil, err // a lanes server's 404 means the project
	}
	if cols, err := c.statusesOverMCP(ctx, projectID); err == nil {
		return cols, nil
	}
	return c.statusesFromTasks(ctx, projectID)
}

func (c *Client) statusesFromTasks(ctx context.Context, projectID string) ([]Status, error) {
	var all []Task
	for _, archived := range []bool{false, true} {
		tasks, err := c.Tasks(ctx, projectID, ListTasksOptions{Archived: archived})
		if err != nil {
			return nil, fmt.Errorf("find the columns from the tasks: %w", err)
		}
		all = append(all, tasks...)
	}
	out := []Status{}
	index := map[string]int{}
	allDone := map[string]bool{}
	for _, t := range all {
		if t.StatusID == nil {
			continue
		}
		id := *t.StatusID
		if _, ok := index[id]; !ok {
			index[id] = len(out)
			out = append(out, Status{ID: id, ProjectID: projectID, Name: fmt.Sprintf("Column %d", len(out)+1), Position: len(out)})
			allDone[id] = true
		}
		allDone[id] = allDone[id] && t.CompletedAt != nil
	}
	for i := range out {
		out[i].IsDone = allDone[out[i].ID]
	}
	return out, nil
}

// Task is one task with its comments and subtasks. Lanes addition.
func (c *Client) Task(ctx context.Context, id string) (*TaskDetail, error) {
	if err := c.addition(ctx, "read a task"); err != nil {
		return nil, err
	}
	var out struct {
		Task *TaskDetail `json:"task"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, path: "/api/tasks/" + esc(id)}, &out); err != nil {
		return nil, err
	}
	return wrapped("task", out.Task)
}

// CreateTask makes a task at the end of its column (or at in.Position, on
// a lanes server). A seed-only server is sent only the seed's fields: the
// description, position and labels are dropped, since the task is made
// either way.
func (c *Client) CreateTask(ctx context.Context, in TaskCreate, opts ...WriteOption) (*Task, error) {
	if in.Description != nil || in.Position != "" || len(in.LabelIDs) > 0 {
		if kind, err := c.Probe(ctx); err != nil {
			return nil, err
		} else if kind != ServerLanes {
			in.Description, in.Position, in.LabelIDs = nil, "", nil
		}
	}
	if in.CompletedAt != nil || in.IsArchived || in.EstimatedHours != nil {
		// Not the seed's on create: a seed-only server would drop them
		// without a word, leaving an archived card active or a done one open.
		if err := c.lanesOnly(ctx, "make a task already completed, archived or estimated"); err != nil {
			return nil, err
		}
	}
	var out struct {
		Task *Task `json:"task"`
	}
	if err := c.do(ctx, createTaskCall(in, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("task", out.Task)
}

// UpdateTask changes the fields the patch sets or clears. Description,
// Position and LabelIDs need a lanes server: to any other the call fails
// with ErrNotSupported rather than silently dropping them.
func (c *Client) UpdateTask(ctx context.Context, id string, p TaskPatch, opts ...WriteOption) (*Task, error) {
	if p.LabelIDs.Present() && !c.Supports(FeatureLabels) {
		if err := c.lanesOnly(ctx, "label cards"); err != nil {
			return nil, err
		}
	}
	if (p.Description.Present() || p.Position.Present()) && !c.Supports(FeaturePositions) {
		if err := c.addition(ctx, "change a task's description or position"); err != nil {
			return nil, err
		}
	}
	var out struct {
		Task *Task `json:"task"`
	}
	if err := c.do(ctx, updateTaskCall(id, p, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("task", out.Task)
}

// DeleteTask deletes a task and its subtasks (a lanes server keeps them
// for RestoreTask; any other, for good).
func (c *Client) DeleteTask(ctx context.Context, id string, opts ...WriteOption) error {
	return c.do(ctx, deleteTaskCall(id, opts), nil)
}

// RestoreTask brings a deleted task back, with its subtasks, comments and
// assignees, under the same id and where it was (the server keeps deleted
// tasks for 30 days). Lanes addition.
func (c *Client) RestoreTask(ctx context.Context, id string, opts ...WriteOption) (*Task, error) {
	if err := c.addition(ctx, "restore a deleted task"); err != nil {
		return nil, err
	}
	var out struct {
		Task *Task `json:"task"`
	}
	if err := c.do(ctx, restoreTaskCall(id, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("task", out.Task)
}

// Comments lists a task's comments, oldest first. Lanes addition.
func (c *Client) Comments(ctx context.Context, taskID string) ([]Comment, error) {
	if err := c.addition(ctx, "list comments"); err != nil {
		return nil, err
	}
	var out []Comment
	return out, c.do(ctx, call{method: http.MethodGet, path: "/api/tasks/" + esc(taskID) + "/comments"}, &out)
}

// AddComment adds a comment to a task. Lanes addition.
func (c *Client) AddComment(ctx context.Context, taskID, content string, opts ...WriteOption) (*Comment, error) {
	if err := c.addition(ctx, "add a comment"); err != nil {
		return nil, err
	}
	var out struct {
		Comment *Comment `json:"comment"`
	}
	if err := c.do(ctx, addCommentCall(taskID, content, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("comment", out.Comment)
}

// Assign adds a user to a task's assignees. Lanes addition.
func (c *Client) Assign(ctx context.Context, taskID, userID string, opts ...WriteOption) (*Task, error) {
	if err := c.addition(ctx, "assign a task"); err != nil {
		return nil, err
	}
	var out struct {
		Task *Task `json:"task"`
	}
	if err := c.do(ctx, assignCall(taskID, userID, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("task", out.Task)
}

// Unassign takes a user off a task. Lanes addition.
func (c *Client) Unassign(ctx context.Context, taskID, userID string, opts ...WriteOption) (*Task, error) {
	if err := c.addition(ctx, "unassign a task"); err != nil {
		return nil, err
	}
	var out struct {
		Task *Task `json:"task"`
	}
	if err := c.do(ctx, unassignCall(taskID, userID, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("task", out.Task)
}

// wrapped checks that a create or update answer held its object.
func wrapped[T any](name string, v *T) (*T, error) {
	if v == nil {
		return nil, errors.New(`the server's answer has no "` + name + `" object`)
	}
	return v, nil
}

// The task, comment and assignee writes as requests: the single methods
// above and the batch operations (batch.go) both make them here, so a
// change sent alone and the same change in a batch are the same request,
// byte for byte, and its idempotency key means the same either way.

func createTaskCall(in TaskCreate, opts []WriteOption) call {
	return write(http.MethodPost, "/api/tasks", in, opts)
}

func updateTaskCall(id string, p TaskPatch, opts []WriteOption) call {
	return write(http.MethodPatch, "/api/tasks/"+esc(id), p, opts)
}

func deleteTaskCall(id string, opts []WriteOption) call {
	return write(http.MethodDelete, "/api/tasks/"+esc(id), nil, opts)
}

func restoreTaskCall(id string, opts []WriteOption) call {
	return write(http.MethodPost, "/api/tasks/"+esc(id)+"/restore", nil, opts)
}

func addCommentCall(taskID, content string, opts []WriteOption) call {
	return write(http.MethodPost, "/api/tasks/"+esc(taskID)+"/comments", map[string]any{"content": content}, opts)
}

func assignCall(taskID, userID string, opts []WriteOption) call {
	return write(http.MethodPost, "/api/tasks/"+esc(taskID)+"/assignees", map[string]any{"userId": userID}, opts)
}

func unassignCall(taskID, userID string, opts []WriteOption) call {
	return write(http.MethodDelete, "/api/tasks/"+esc(taskID)+"/assignees/"+esc(userID), nil, opts)
}
