package server

import (
	"net/http"

	"github.com/lanesboard/lanes/server/store"
)

// A project's columns (statuses): lanes lets Owners and Admins add,
// rename, recolour, reorder, WIP-limit, mark done and delete them. A
// project always keeps at least one column and one done column, and a
// card is complete exactly when it sits in a done column, whatever
// happens to the columns.

// Bounds on columns.
const (
	maxColumns       = 50
	maxColumnName    = 100
	maxWipLimit      = 9999
	columnsAdminOnly = "change a project's columns; ask an owner or admin"
)

// statusInput is a column's fields as sent.
type statusInput struct {
	name     opt[string]
	isDone   opt[bool]
	position opt[int]
	wipLimit opt[int]
	color    opt[string]
}

func decodeStatus(b body, create bool) (in statusInput, err error) {
	if in.name, err = b.str("name", false); err != nil {
		return
	}
	if in.name, err = optional(in.name, func(v string) (string, error) { return line("name", v, maxColumnName) }); err != nil {
		return
	}
	if in.isDone, err = b.boolean("isDone"); err != nil {
		return
	}
	// On create, null is the default: after the last column.
	if in.position, err = b.integer("position", create); err != nil {
		return
	}
	if in.position, err = optional(in.position, func(v int) (int, error) {
		if v < 0 {
			return 0, invalid("position", "position must be 0 or more (the column's index, from 0), got %d", v)
		}
		return v, nil
	}); err != nil {
		return
	}
	if in.wipLimit, err = b.integer("wipLimit", true); err != nil {
		return
	}
	if in.wipLimit, err = optional(in.wipLimit, func(v int) (int, error) {
		if v < 1 || v > maxWipLimit {
			return 0, invalid("wipLimit", "wipLimit must be between 1 and %d, or null for no limit, got %d", maxWipLimit, v)
		}
		return v, nil
	}); err != nil {
		return
	}
	if in.color, err = b.hexColor(); err != nil {
		return
	}
	if create && !in.name.Set {
		err = invalid("name", "name is required")
	}
	return
}

// apply writes the fields that were sent (but the position) onto st.
func (in statusInput) apply(st *store.Status) {
	if in.name.Set {
		st.Name = in.name.V
	}
	if in.isDone.Set {
		st.IsDone = in.isDone.V
	}
	if in.wipLimit.Set {
		st.WipLimit = in.wipLimit.ptr()
	}
	if in.color.Set {
		st.Color = in.color.ptr()
	}
}

// columnToChange is the column statusID, its project and the project's
// columns, for a change only an Owner or Admin may make.
func columnToChange(tx *store.Tx, statusID, userID string) (*store.Status, *store.Project, []store.Status, error) {
	st, p, role, err := ofProjectRole(tx, statusID, userID, "Status", tx.StatusByID, func(st *store.Status) string { return st.ProjectID })
	if err != nil {
		return nil, nil, nil, err
	}
	if err := need(role, store.RoleAdmin, columnsAdminOnly); err != nil {
		return nil, nil, nil, err
	}
	sts, err := tx.Statuses(p.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	return st, p, sts, nil
}

func (c columns) doneCount() int {
	n := 0
	for _, st := range c {
		if st.IsDone {
			n++
		}
	}
	return n
}

// index is the column's place in board order (-1 if not there).
func (c columns) index(id string) int {
	for i := range c {
		if c[i].ID == id {
			return i
		}
	}
	return -1
}

func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request) {
	projectID, err := queryUUID(r, "projectId")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		if _, _, err := projectRole(tx, projectID, actor(r).user.ID); err != nil {
			return nil, err
		}
		return tx.Statuses(projectID)
	})
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	raw, b, err := readBody(r)
	var projectID string
	if err == nil {
		projectID, err = b.requiredUUID("projectId")
	}
	var in statusInput
	if err == nil {
		in, err = decodeStatus(b, true)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		p, err := projectToChange(tx, projectID, actor(r).user.ID, store.RoleAdmin, columnsAdminOnly)
		if err != nil {
			return 0, nil, err
		}
		cols, err := tx.Statuses(p.ID)
		if err != nil {
			return 0, nil, err
		}
		if len(cols) >= maxColumns {
			return 0, nil, invalid("projectId", "A project can have at most %d columns: delete one first", maxColumns)
		}
		st := &store.Status{ProjectID: p.ID}
		in.apply(st)
		at := -1
		if in.position.Set && !in.position.Null {
			at = in.position.V
		}
		if err := tx.CreateStatus(p.SpaceID, st, at); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, map[string]any{"status": st}, nil
	})
}

func (s *Server) updateStatus(w http.ResponseWriter, r *http.Request) {
	id, raw, b, err := pathAndBody(r, "status")
	var in statusInput
	if err == nil {
		in, err = decodeStatus(b, false)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		st, p, sts, err := columnToChange(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		cols := columns(sts)
		before := *st
		in.apply(st)
		if before.IsDone && !st.IsDone && cols.doneCount() == 1 {
			return 0, nil, invalid("isDone", "%q is the project's only done column: mark another column done first", before.Name)
		}
		from := cols.index(st.ID)
		at := from
		if in.position.Set {
			at = min(in.position.V, len(cols)-1)
		}
		if at == from && st.Name == before.Name && same(st.Color, before.Color) && st.IsDone == before.IsDone && same(st.WipLimit, before.WipLimit) {
			return http.StatusOK, map[string]any{"status": st}, nil // nothing to change: no version, no change
		}
		if err := tx.UpdateStatus(p.SpaceID, st, at); err != nil {
			return 0, nil, err
		}
		if st.IsDone != before.IsDone {
			if err := s.settleColumn(tx, st.ID, p.ID); err != nil {
				return 0, nil, err
			}
		}
		return http.StatusOK, map[string]any{"status": st}, nil
	})
}

// settleColumn completes or reopens every card in a column that has just
// become (or stopped being) a done column, as complete would for a card
// moved into it: a card in a done column is complete, one elsewhere is not.
func (s *Server) settleColumn(tx *store.Tx, statusID, projectID string) error {
	sts, err := tx.Statuses(projectID)
	if err != nil {
		return err
	}
	tasks, err := tx.ColumnTasks(statusID)
	if err != nil {
		return err
	}
	for i := range tasks {
		k := &tasks[i]
		if err := complete(tx, k, nil, columns(sts), taskInput{}); err != nil {
			return err
		}
		if k.Changed() {
			if err := tx.UpdateTask(k); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Server) deleteStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "status")
	var moveTo string
	if err == nil {
		if v := r.URL.Query().Get("moveTo"); v != "" {
			moveTo, err = checkUUID("moveTo", v)
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Where the cards go is part of the request: a retry under the same
	// key with another moveTo is a different request.
	s.write(w, r, []byte("moveTo="+moveTo), func(tx *store.Tx) (int, any, error) {
		st, p, sts, err := columnToChange(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		cols := columns(sts)
		switch {
		case len(cols) == 1:
			return 0, nil, invalid("", "%q is the project's only column: a project keeps at least one", st.Name)
		case st.IsDone && cols.doneCount() == 1:
			return 0, nil, invalid("", "%q is the project's only done column: mark another column done before deleting it", st.Name)
		}
		var target *store.Status
		if moveTo != "" {
			if target = cols.find(moveTo); target == nil || moveTo == st.ID {
				return 0, nil, invalid("moveTo", "moveTo must be another column of this project")
			}
		}
		n, err := tx.ColumnTaskCount(st.ID)
		if err != nil {
			return 0, nil, err
		}
		if n > 0 && target == nil {
			return 0, nil, invalid("moveTo", "%q holds %d cards: say which column they move to with ?moveTo=STATUS_ID", st.Name, n)
		}
		rest := columns(columnsBut(sts, st.ID))
		if target != nil {
			if err := moveColumnCards(tx, st.ID, target, rest); err != nil {
				return 0, nil, err
			}
		}
		var to *string
		if target != nil {
			to = &target.ID
		}
		if err := tx.DeleteStatus(p.SpaceID, st, to); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"success": true}, nil
	})
}

// moveColumnCards moves every card of a column that is going away to the
// end of target, in the order they had, each settled as a move there
// would be (into a done column completes it, out of one reopens it).
// Cards elsewhere that would have reopened into the column reopen into
// target instead, if it is open. rest are the columns that stay.
func moveColumnCards(tx *store.Tx, statusID string, target *store.Status, rest columns) error {
	tasks, err := tx.ColumnTasks(statusID)
	if err != nil {
		return err
	}
	move := taskInput{statusID: opt[string]{Set: true, V: target.ID}}
	for i := range tasks {
		k := &tasks[i]
		from := k.StatusID
		k.StatusID = &target.ID
		if err := complete(tx, k, from, rest, move); err != nil {
			return err
		}
		if err := tx.UpdateTask(k); err != nil {
			return err
		}
	}
	reopening, err := tx.TasksReopeningTo(statusID)
	if err != nil {
		return err
	}
	for i := range reopening {
		k := &reopening[i]
		k.ReopenStatusID = nil
		if !target.IsDone {
			k.ReopenStatusID = &target.ID
		}
		if err := tx.UpdateTask(k); err != nil {
			return err
		}
	}
	return nil
}

// columnsBut is the columns but the one with the id.
func columnsBut(sts []store.Status, id string) []store.Status {
	out := make([]store.Status, 0, len(sts))
	for _, st := range sts {
		if st.ID != id {
			out = append(out, st)
		}
	}
	return out
}
