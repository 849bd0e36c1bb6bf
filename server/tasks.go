package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lanesboard/lanes/server/store"
)

// taskInput is a task's fields as sent. Every field may be left out, cleared
// with null where the seed allows it, or set.
type taskInput struct {
	projectID, parentTaskID opt[string]
	title, description      opt[string]
	statusID, priority      opt[string]
	dueDate, completedAt    opt[string]
	isArchived              opt[bool]
	estimatedHours          opt[float64]
	position                opt[string]
	labelIDs                opt[[]string] // sorted, no repeats
}

// seedOnly forgets the fields the seed does not list for this request, as a
// seed-only server (which has never heard of them) would.
func (in *taskInput) seedOnly(create bool) {
	in.description, in.position, in.labelIDs = opt[string]{}, opt[string]{}, opt[[]string]{}
	if create {
		in.completedAt, in.isArchived, in.estimatedHours = opt[string]{}, opt[bool]{}, opt[float64]{}
	}
}

func checkPosition(v string) (string, error) {
	if !store.ValidPosition(v) {
		return "", invalid("position", "position must be a fractional index key such as \"a0\" or \"a0V\" (got %q)", clip(v))
	}
	return v, nil
}

// decodeTask reads the fields of a create (create true) or a PATCH.
func decodeTask(b body, create bool) (in taskInput, err error) {
	uuidField := func(name string) func(string) (string, error) {
		return func(v string) (string, error) { return checkUUID(name, v) }
	}
	dateField := func(name string) func(string) (string, error) {
		return func(v string) (string, error) { return checkDate(name, v) }
	}
	strs := []struct {
		dst      *opt[string]
		name     string
		nullable bool
		check    func(string) (string, error)
	}{
		{&in.projectID, "projectId", false, uuidField("projectId")},
		{&in.parentTaskID, "parentTaskId", true, uuidField("parentTaskId")},
		{&in.title, "title", false, func(v string) (string, error) { return line("title", v, 500) }},
		{&in.description, "description", true, func(v string) (string, error) { return prose("description", v) }},
		{&in.statusID, "statusId", true, uuidField("statusId")},
		{&in.priority, "priority", false, func(v string) (string, error) { return checkEnum("priority", v, priorities...) }},
		{&in.dueDate, "dueDate", true, dateField("dueDate")},
		{&in.completedAt, "completedAt", true, dateField("completedAt")},
		{&in.position, "position", false, checkPosition},
	}
	for _, f := range strs {
		if !create && (f.name == "projectId" || f.name == "parentTaskId") {
			continue // a task does not change project or parent by PATCH
		}
		if *f.dst, err = b.str(f.name, f.nullable); err != nil {
			return
		}
		if *f.dst, err = optional(*f.dst, f.check); err != nil {
			return
		}
	}
	if in.isArchived, err = b.boolean("isArchived"); err != nil {
		return
	}
	if in.estimatedHours, err = b.number("estimatedHours", true); err != nil {
		return
	}
	if in.estimatedHours, err = optional(in.estimatedHours, func(v float64) (float64, error) { return checkHours("estimatedHours", v) }); err != nil {
		return
	}
	if in.labelIDs, err = b.ids("labelIds", maxLabelsPerTask); err != nil {
		return
	}
	if create {
		switch {
		case !in.projectID.Set:
			err = invalid("projectId", "projectId is required")
		case !in.title.Set:
			err = invalid("title", "title is required")
		}
	}
	return
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) {
	projectID, err := queryUUID(r, "projectId")
	var archived bool
	if err == nil {
		archived, err = queryBool(r, "archived")
	}
	var since int64
	if err == nil && s.api != APISeed {
		// A seed-only server has never heard of since: it lists in full.
		since, err = querySince(r)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if since > 0 {
		s.listDelta(w, r, projectID, since)
		return
	}
	key := listKey{projectID: projectID, archived: archived}
	e, err := s.list(r, key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeList(w, r, key, e)
}

// list is the project's list as of the caller's snapshot or later: from
// the cache, patched, or read afresh. Readers who miss together wait for
// one of them to build it rather than each building their own.
func (s *Server) list(r *http.Request, key listKey) (*listEntry, error) {
	ctx := r.Context()
	for waited := false; ; waited = true {
		var (
			e      *listEntry
			head   int64
			flight *listFlight
		)
		err := s.readTx(ctx, func(tx *store.Tx) error {
			e, flight = nil, nil
			p, _, err := projectRole(tx, key.projectID, actor(r).user.ID)
			if err != nil {
				return err
			}
			if head, err = tx.ChangeHead(); err != nil {
				return err
			}
			if openTx(ctx) != nil {
				// Inside an atomic batch: what it wrote is not committed and
				// may yet be rolled back, so the list is neither read from the
				// cache (which has not seen it) nor kept there.
				e, err = s.readList(tx, key, head, nil)
				return err
			}
			var ok bool
			e, ok, err = s.lists.get(key, head, func(seq int64) (bool, error) { return tx.SpaceChangedSince(p.SpaceID, seq) })
			if err != nil || ok {
				return err
			}
			cached, f, leader := s.lists.join(key, head)
			if cached != nil {
				e = cached
				return nil
			}
			if !leader && !waited {
				flight = f
				return nil
			}
			var built *listEntry
			if leader {
				defer func() { s.lists.land(key, f, built) }()
			}
			old := s.lists.entry(key)
			e, err = s.patchList(tx, key, p.SpaceID, old, head)
			if errors.Is(err, errRebuild) {
				e, err = s.readList(tx, key, head, old)
			}
			if err != nil {
				return err
			}
			s.lists.builds.Add(1)
			s.lists.put(key, e)
			built = e
			return nil
		})
		if err != nil || flight == nil {
			return e, err
		}
		// Wait outside the transaction, holding no connection.
		select {
		case <-flight.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the task list: %w", ctx.Err())
		}
		if flight.e != nil && flight.e.seq >= head {
			return flight.e, nil
		}
	}
}

// writeList answers with a list: its JSON, or its gzip where the request
// allows it, or 304 when If-None-Match names the list's ETag (either
// encoding's).
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, key listKey, e *listEntry) {
	b := e.body
	gz := acceptsGzip(r.Header)
	h := w.Header()
	h.Set("Vary", "Accept-Encoding")
	h.Set("Cache-Control", "private, no-cache")
	if s.api != APISeed {
		h.Set("X-Lanes-Seq", strconv.FormatInt(e.seq, 10))
	}
	etag := b.etag
	if gz {
		etag = b.gzETag
	}
	h.Set("ETag", etag)
	if inm := strings.Join(r.Header.Values("If-None-Match"), ","); inm != "" && (etagMatch(inm, b.etag) || etagMatch(inm, b.gzETag)) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	if gz {
		body := b.gzipped(s.lists)
		s.lists.recount(key, e)
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body)
		return
	}
	h.Set("Content-Length", strconv.Itoa(b.size))
	w.WriteHeader(http.StatusOK)
	b.writeTo(w)
}

// columns is a project's statuses with the lookups completion needs.
type columns []store.Status

func (c columns) find(id string) *store.Status {
	for i := range c {
		if c[i].ID == id {
			return &c[i]
		}
	}
	return nil
}

// first is the first column that is (done) or is not (!done) a done column.
func (c columns) first(done bool) *store.Status {
	for i := range c {
		if c[i].IsDone == done {
			return &c[i]
		}
	}
	return nil
}

func (c columns) isDone(statusID *string) bool {
	if statusID == nil {
		return false
	}
	st := c.find(*statusID)
	return st != nil && st.IsDone
}

func (s *Server) createTask(w http.ResponseWriter, r *http.Request) {
	raw, b, err := readBody(r)
	var in taskInput
	if err == nil {
		in, err = decodeTask(b, true)
	}
	if s.api == APISeed {
		in.seedOnly(true)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		p, err := projectToChange(tx, in.projectID.V, actor(r).user.ID, store.RoleMember, "create tasks in this space")
		if err != nil {
			return 0, nil, err
		}
		if p.IsArchived {
			// New work in a shelved project would be out of everyone's sight,
			// as archived projects are not listed. Tasks already there may
			// still change, so changes queued before the archive still land.
			return 0, nil, conflict("project_archived", "Project %q is archived: restore it (PATCH /api/projects/%s with isArchived false) before adding tasks", p.Name, p.ID)
		}
		sts, err := tx.Statuses(p.ID)
		if err != nil {
			return 0, nil, err
		}
		cols := columns(sts)
		k := &store.Task{ProjectID: p.ID, SpaceID: p.SpaceID, Title: in.title.V, Priority: "none", CreatorID: actor(r).user.ID}
		switch {
		case in.statusID.Set && !in.statusID.Null:
			if cols.find(in.statusID.V) == nil {
				return 0, nil, invalid("statusId", "statusId %s is not a column of this project", in.statusID.V)
			}
			k.StatusID = in.statusID.ptr()
		case len(cols) > 0:
			k.StatusID = &cols[0].ID
		}
		if in.parentTaskID.Set && !in.parentTaskID.Null {
			parent, err := tx.TaskByID(in.parentTaskID.V)
			if errors.Is(err, store.ErrNotFound) || (err == nil && parent.ProjectID != p.ID) {
				return 0, nil, invalid("parentTaskId", "parentTaskId must be a task in the same project")
			}
			if err != nil {
				return 0, nil, err
			}
			k.ParentTaskID = &parent.ID
		}
		if in.priority.Set {
			k.Priority = in.priority.V
		}
		k.Description = in.description.ptr()
		if in.dueDate.Set {
			k.DueDate = in.dueDate.ptr()
		}
		if in.estimatedHours.Set {
			k.EstimatedHours = in.estimatedHours.ptr()
		}
		if in.isArchived.Set {
			k.IsArchived = in.isArchived.V
		}
		if in.position.Set {
			k.Position = in.position.V
		}
		if in.labelIDs.Set {
			if err := checkTaskLabels(tx, p.ID, in.labelIDs.V); err != nil {
				return 0, nil, err
			}
			k.LabelIDs = in.labelIDs.V
		}
		if err := complete(tx, k, nil, cols, in); err != nil {
			return 0, nil, err
		}
		if err := tx.CreateTask(k); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, map[string]any{"task": k}, nil
	})
}

// complete keeps completion and columns in step, after in's statusId (if
// any) has been put on k: a card in a done column is complete, a card
// elsewhere is not. completedAt set moves the card to the first done column;
// cleared, out of the done column to the open column it was completed from
// (else the first open one). A request that asks for both a column and a
// contradicting completedAt is refused. from is the column the card was in
// before the request (nil for a new card): a card that becomes done
// remembers it, if it was an open column.
func complete(tx *store.Tx, k *store.Task, from *string, cols columns, in taskInput) error {
	moved := in.statusID.Set
	if in.completedAt.Set {
		switch {
		case !in.completedAt.Null && moved && !cols.isDone(k.StatusID):
			return invalid("completedAt", "completedAt can't be set while moving the task to a column that is not done")
		case in.completedAt.Null && moved && cols.isDone(k.StatusID):
			return invalid("completedAt", "completedAt can't be cleared while moving the task to a done column")
		case !in.completedAt.Null && !cols.isDone(k.StatusID):
			if done := cols.first(true); done != nil {
				k.StatusID = &done.ID
				moved = true
			}
		case in.completedAt.Null && cols.isDone(k.StatusID):
			if open := cols.reopenTo(k.ReopenStatusID); open != nil {
				k.StatusID = &open.ID
				moved = true
			}
		}
		k.CompletedAt = in.completedAt.ptr()
	}
	switch {
	case cols.isDone(k.StatusID) && k.CompletedAt == nil:
		now := store.FormatTime(tx.Now())
		k.CompletedAt = &now
	case !cols.isDone(k.StatusID) && cols.first(true) != nil:
		// Only a project with a done column can say a card is not done.
		k.CompletedAt = nil
	}
	switch {
	case !cols.isDone(k.StatusID):
		k.ReopenStatusID = nil
	case from != nil && cols.find(*from) != nil && !cols.isDone(from):
		was := *from
		k.ReopenStatusID = &was
	}
	if moved && !in.position.Set && k.ID != "" {
		pos, err := tx.EndOfColumn(k.ProjectID, k.StatusID)
		if err != nil {
			return err
		}
		k.Position = pos
	}
	return nil
}

// reopenTo is the column a done card reopens into: the open column it was
// completed from, if it still is one, else the first open column.
func (c columns) reopenTo(from *string) *store.Status {
	if from != nil {
		if st := c.find(*from); st != nil && !st.IsDone {
			return st
		}
	}
	return c.first(false)
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "task")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		k, _, err := taskRole(tx, id, actor(r).user.ID)
		if err != nil {
			return nil, err
		}
		comments, err := tx.Comments(id)
		if err != nil {
			return nil, err
		}
		subtasks, err := tx.Subtasks(id)
		if err != nil {
			return nil, err
		}
		return map[string]any{"task": taskDetail{Task: k, Comments: comments, Subtasks: subtasks}}, nil
	})
}

// taskDetail is a task with its comments and subtasks.
type taskDetail struct {
	*store.Task
	Comments []store.Comment `json:"comments"`
	Subtasks []store.Task    `json:"subtasks"`
}

func (s *Server) updateTask(w http.ResponseWriter, r *http.Request) {
	id, raw, b, err := pathAndBody(r, "task")
	var in taskInput
	if err == nil {
		in, err = decodeTask(b, false)
	}
	if s.api == APISeed {
		in.seedOnly(false)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		k, role, err := taskRole(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		if err := need(role, store.RoleMember, "change tasks in this space"); err != nil {
			return 0, nil, err
		}
		before := *k
		sts, err := tx.Statuses(k.ProjectID)
		if err != nil {
			return 0, nil, err
		}
		cols := columns(sts)
		if in.statusID.Set {
			if !in.statusID.Null && cols.find(in.statusID.V) == nil {
				return 0, nil, invalid("statusId", "statusId %s is not a column of this task's project", in.statusID.V)
			}
			if same(k.StatusID, in.statusID.ptr()) {
				in.statusID.Set = false // not a move; keeps the card where it is
			} else {
				k.StatusID = in.statusID.ptr()
			}
		}
		if in.title.Set {
			k.Title = in.title.V
		}
		if in.description.Set {
			k.Description = in.description.ptr()
		}
		if in.priority.Set {
			k.Priority = in.priority.V
		}
		if in.dueDate.Set {
			k.DueDate = in.dueDate.ptr()
		}
		if in.isArchived.Set {
			k.IsArchived = in.isArchived.V
		}
		if in.estimatedHours.Set {
			k.EstimatedHours = in.estimatedHours.ptr()
		}
		if in.position.Set {
			k.Position = in.position.V
		}
		if in.labelIDs.Set {
			if err := checkTaskLabels(tx, k.ProjectID, in.labelIDs.V); err != nil {
				return 0, nil, err
			}
			k.LabelIDs = in.labelIDs.V
		}
		if err := complete(tx, k, before.StatusID, cols, in); err != nil {
			return 0, nil, err
		}
		// A PATCH that changes nothing keeps the version and makes no
		// change-log entry.
		if k.Changed() {
			if !slices.Equal(before.LabelIDs, k.LabelIDs) {
				if err := tx.SetTaskLabels(k, k.LabelIDs); err != nil {
					return 0, nil, err
				}
			}
			if err := tx.UpdateTask(k); err != nil {
				return 0, nil, err
			}
		}
		return http.StatusOK, map[string]any{"task": k}, nil
	})
}

func same[T comparable](a, b *T) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "task")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, nil, func(tx *store.Tx) (int, any, error) {
		k, role, err := taskRole(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		if err := mayRemove(role, k.CreatorID, actor(r).user.ID, "delete"); err != nil {
			return 0, nil, err
		}
		if err := tx.DeleteTask(k); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"success": true}, nil
	})
}

// mayRemove is who may delete a task, and so restore it: its creator, an
// Owner or an Admin, never a Viewer. verb is "delete" or "restore".
func mayRemove(role store.Role, creatorID, userID, verb string) error {
	if role == store.RoleViewer {
		return forbidden("Viewers can't %s tasks", verb)
	}
	if !role.AtLeast(store.RoleAdmin) && creatorID != userID {
		return forbidden("Only the task's creator, an owner or an admin can %s it", verb)
	}
	return nil
}

// restoreTask brings a deleted task back from the trash, with its subtasks,
// under the same ids. Those who may delete it may restore it.
func (s *Server) restoreTask(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "task")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, nil, func(tx *store.Tx) (int, any, error) {
		me := actor(r).user.ID
		tr, err := tx.Trashed(id)
		if errors.Is(err, store.ErrNotFound) {
			// Not in the trash: a task the caller can see is there already;
			// anything else does not exist for them.
			if _, _, err := taskRole(tx, id, me); err != nil {
				return 0, nil, err
			}
			return 0, nil, conflict("not_deleted", "Task is not deleted")
		}
		if err != nil {
			return 0, nil, err
		}
		p, role, err := tx.ProjectAndRole(tr.ProjectID, me)
		if errors.Is(err, store.ErrNotFound) || (err == nil && role == "") {
			return 0, nil, notFound("Task")
		}
		if err != nil {
			return 0, nil, err
		}
		root := &tr.Tasks[0]
		if err := mayRemove(role, root.CreatorID, me, "restore"); err != nil {
			return 0, nil, err
		}
		sts, err := tx.Statuses(p.ID)
		if err != nil {
			return 0, nil, err
		}
		if err := settleRestored(tx, tr, p.SpaceID, columns(sts)); err != nil {
			return 0, nil, err
		}
		if err := tx.RestoreTask(tr); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"task": root}, nil
	})
}

// settleRestored puts each task of a deleted tree where it can go back to:
// its column and place if the column is still there, else the first column
// (the end of it, for the task itself), complete or not as its column says.
// A task whose parent is gone comes back on its own.
func settleRestored(tx *store.Tx, tr *store.Trashed, spaceID string, cols columns) error {
	root := &tr.Tasks[0]
	if root.ParentTaskID != nil {
		parent, err := tx.TaskByID(*root.ParentTaskID)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && parent.ProjectID != root.ProjectID):
			root.ParentTaskID = nil
		case err != nil:
			return err
		}
	}
	for i := range tr.Tasks {
		k := &tr.Tasks[i]
		k.SpaceID = spaceID
		if k.ReopenStatusID != nil && cols.find(*k.ReopenStatusID) == nil {
			k.ReopenStatusID = nil
		}
		if k.StatusID == nil || cols.find(*k.StatusID) != nil {
			continue
		}
		k.StatusID = nil
		if len(cols) > 0 {
			k.StatusID = &cols[0].ID
		}
		switch {
		case cols.isDone(k.StatusID) && k.CompletedAt == nil:
			now := store.FormatTime(tx.Now())
			k.CompletedAt = &now
		case !cols.isDone(k.StatusID) && cols.first(true) != nil:
			k.CompletedAt = nil
		}
		if i == 0 {
			pos, err := tx.EndOfColumn(k.ProjectID, k.StatusID)
			if err != nil {
				return err
			}
			k.Position = pos
		}
	}
	return nil
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "task")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		if _, _, err := taskRole(tx, id, actor(r).user.ID); err != nil {
			return nil, err
		}
		return tx.Comments(id)
	})
}

// Activity pages: the default and the most a request may ask for.
const (
	activityPage    = 50
	maxActivityPage = 200
)

// taskActivity is a task's history, newest first, a page at a time: a
// page of limit entries before the id in ?before= (the last id of the
// page before).
func (s *Server) taskActivity(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "task")
	var (
		limit  int
		before int64
	)
	if err == nil {
		limit, err = queryCount(r, "limit", activityPage, maxActivityPage)
	}
	if err == nil {
		before, err = querySeq(r, "before")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		if _, _, err := taskRole(tx, id, actor(r).user.ID); err != nil {
			return nil, err
		}
		return tx.TaskActivity(id, before, limit)
	})
}

func (s *Server) addComment(w http.ResponseWriter, r *http.Request) {
	id, raw, b, err := pathAndBody(r, "task")
	var content string
	if err == nil {
		if content, err = b.required("content"); err == nil {
			content, err = text("content", content, 20000)
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		k, role, err := taskRole(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		if err := need(role, store.RoleMember, "comment in this space"); err != nil {
			return 0, nil, err
		}
		c, err := tx.AddComment(k, actor(r).user.ID, content)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, map[string]any{"comment": c}, nil
	})
}

func (s *Server) assign(w http.ResponseWriter, r *http.Request) {
	id, raw, b, err := pathAndBody(r, "task")
	var userID string
	if err == nil {
		if userID, err = b.required("userId"); err == nil {
			userID, err = checkUUID("userId", userID)
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		k, role, err := taskRole(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		if err := need(role, store.RoleMember, "assign tasks in this space"); err != nil {
			return 0, nil, err
		}
		if _, err := tx.RoleIn(k.SpaceID, userID); errors.Is(err, store.ErrNotFound) {
			return 0, nil, invalid("userId", "userId %s is not a member of this task's space", userID)
		} else if err != nil {
			return 0, nil, err
		}
		if err := tx.Assign(k, userID); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"task": k}, nil
	})
}

func (s *Server) unassign(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "task")
	var userID string
	if err == nil {
		userID, err = pathUUID(r, "userId", "user")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, nil, func(tx *store.Tx) (int, any, error) {
		k, role, err := taskRole(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		if err := need(role, store.RoleMember, "assign tasks in this space"); err != nil {
			return 0, nil, err
		}
		if err := tx.Unassign(k, userID); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"task": k}, nil
	})
}
