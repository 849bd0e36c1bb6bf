package server

import (
	"errors"
	"net/http"
	"slices"

	"github.com/lanesboard/lanes/server/store"
)

// A project's labels: Members and above make, rename, recolour and delete
// them, and put them on cards (a task's labelIds).

// Bounds on labels.
const (
	maxLabels        = 200 // per project
	maxLabelName     = 50
	maxLabelsPerTask = 20
)

// labelInput is a label's fields as sent.
type labelInput struct {
	name, color opt[string]
}

func decodeLabel(b body, create bool) (in labelInput, err error) {
	if in.name, err = b.str("name", false); err != nil {
		return
	}
	if in.name, err = optional(in.name, func(v string) (string, error) { return line("name", v, maxLabelName) }); err != nil {
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

func (in labelInput) apply(l *store.Label) {
	if in.name.Set {
		l.Name = in.name.V
	}
	if in.color.Set {
		l.Color = in.color.ptr()
	}
}

// labelTaken is the 409 for a name the project already has.
func labelTaken(err error, name string) error {
	if errors.Is(err, store.ErrConflict) {
		return conflict("label_taken", "This project already has a label named %q (names are compared ignoring case)", name)
	}
	return err
}

// labelToChange loads a label and its project for a change, which needs a
// Member or more.
func labelToChange(tx *store.Tx, labelID, userID string) (*store.Label, *store.Project, error) {
	l, p, role, err := ofProjectRole(tx, labelID, userID, "Label", tx.LabelByID, func(l *store.Label) string { return l.ProjectID })
	if err != nil {
		return nil, nil, err
	}
	return l, p, need(role, store.RoleMember, labelsChange)
}

// labelsChange finishes "Viewers can't …" for every change of labels.
const labelsChange = "change labels in this space"

// checkTaskLabels refuses label ids that are not labels of the project.
func checkTaskLabels(tx *store.Tx, projectID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	labels, err := tx.Labels(projectID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(labels, func(l store.Label) bool { return l.ID == id }) {
			return invalid("labelIds", "labelIds: %s is not a label of this task's project", id)
		}
	}
	return nil
}

func (s *Server) listLabels(w http.ResponseWriter, r *http.Request) {
	projectID, err := queryUUID(r, "projectId")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		if _, _, err := projectRole(tx, projectID, actor(r).user.ID); err != nil {
			return nil, err
		}
		labels, err := tx.Labels(projectID)
		if err != nil {
			return nil, err
		}
		return map[string]any{"labels": labels}, nil
	})
}

func (s *Server) createLabel(w http.ResponseWriter, r *http.Request) {
	raw, b, err := readBody(r)
	var projectID string
	if err == nil {
		projectID, err = b.requiredUUID("projectId")
	}
	var in labelInput
	if err == nil {
		in, err = decodeLabel(b, true)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		p, err := projectToChange(tx, projectID, actor(r).user.ID, store.RoleMember, labelsChange)
		if err != nil {
			return 0, nil, err
		}
		labels, err := tx.Labels(p.ID)
		if err != nil {
			return 0, nil, err
		}
		if len(labels) >= maxLabels {
			return 0, nil, invalid("projectId", "A project can have at most %d labels: delete one first", maxLabels)
		}
		l := &store.Label{ProjectID: p.ID}
		in.apply(l)
		if err := tx.CreateLabel(p.SpaceID, l); err != nil {
			return 0, nil, labelTaken(err, l.Name)
		}
		return http.StatusCreated, map[string]any{"label": l}, nil
	})
}

func (s *Server) updateLabel(w http.ResponseWriter, r *http.Request) {
	id, raw, b, err := pathAndBody(r, "label")
	var in labelInput
	if err == nil {
		in, err = decodeLabel(b, false)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		l, p, err := labelToChange(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		before := *l
		in.apply(l)
		if l.Name == before.Name && same(l.Color, before.Color) {
			return http.StatusOK, map[string]any{"label": l}, nil
		}
		if err := tx.UpdateLabel(p.SpaceID, l); err != nil {
			return 0, nil, labelTaken(err, l.Name)
		}
		return http.StatusOK, map[string]any{"label": l}, nil
	})
}

func (s *Server) deleteLabel(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "label")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, nil, func(tx *store.Tx) (int, any, error) {
		l, p, err := labelToChange(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		if err := tx.DeleteLabel(p.SpaceID, l); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"success": true}, nil
	})
}
