package server

import (
	"errors"
	"net/http"

	"github.com/lanesboard/lanes/server/store"
)

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) {
	spaceID, err := queryUUID(r, "spaceId")
	var archived bool
	if err == nil {
		archived, err = queryBool(r, "archived")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		if _, _, err := spaceRole(tx, spaceID, actor(r).user.ID); err != nil {
			return nil, err
		}
		return tx.Projects(spaceID, archived)
	})
}

// projectInput is a project's fields as sent; on create, name and slug are
// required and set.
type projectInput struct {
	name, slug, defaultView opt[string]
	description, color      opt[string]
	isArchived              opt[bool] // a lanes addition: false restores
}

func decodeProject(b body, create bool) (in projectInput, err error) {
	if in.name, err = b.str("name", false); err != nil {
		return
	}
	if in.name, err = optional(in.name, func(v string) (string, error) { return line("name", v, 200) }); err != nil {
		return
	}
	if in.slug, err = b.str("slug", false); err != nil {
		return
	}
	if in.slug, err = optional(in.slug, func(v string) (string, error) { return checkSlug("slug", v, 1) }); err != nil {
		return
	}
	if in.defaultView, err = b.str("defaultView", false); err != nil {
		return
	}
	if in.defaultView, err = optional(in.defaultView, func(v string) (string, error) { return checkEnum("defaultView", v, views...) }); err != nil {
		return
	}
	if in.description, err = b.str("description", true); err != nil {
		return
	}
	if in.description, err = optional(in.description, func(v string) (string, error) { return prose("description", v) }); err != nil {
		return
	}
	if in.color, err = b.str("color", true); err != nil {
		return
	}
	if in.color, err = optional(in.color, func(v string) (string, error) { return checkColor("color", v) }); err != nil {
		return
	}
	if !create {
		if in.isArchived, err = b.boolean("isArchived"); err != nil {
			return
		}
	}
	if create {
		switch {
		case !in.name.Set:
			err = invalid("name", "name is required")
		case !in.slug.Set:
			err = invalid("slug", "slug is required")
		}
	}
	return
}

// apply writes the fields that were sent onto p.
func (in projectInput) apply(p *store.Project) {
	if in.name.Set {
		p.Name = in.name.V
	}
	if in.slug.Set {
		p.Slug = in.slug.V
	}
	if in.defaultView.Set {
		p.DefaultView = in.defaultView.V
	}
	if in.description.Set {
		p.Description = in.description.ptr()
	}
	if in.color.Set {
		p.Color = in.color.ptr()
	}
}

func slugTaken(err error, slug string) error {
	if errors.Is(err, store.ErrConflict) {
		return conflict("slug_taken", "A project with the slug %q already exists in this space", slug)
	}
	return err
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request) {
	raw, b, err := readBody(r)
	var spaceID string
	var in projectInput
	if err == nil {
		spaceID, err = b.requiredUUID("spaceId")
	}
	if err == nil {
		in, err = decodeProject(b, true)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		_, role, err := spaceRole(tx, spaceID, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		if err := need(role, store.RoleMember, "create projects in this space"); err != nil {
			return 0, nil, err
		}
		p := &store.Project{SpaceID: spaceID}
		in.apply(p)
		if err := tx.CreateProject(p); err != nil {
			return 0, nil, slugTaken(err, p.Slug)
		}
		return http.StatusCreated, map[string]any{"project": p}, nil
	})
}

func (s *Server) updateProject(w http.ResponseWriter, r *http.Request) {
	id, raw, b, err := pathAndBody(r, "project")
	var in projectInput
	if err == nil {
		in, err = decodeProject(b, false)
	}
	if s.api == APISeed {
		in.isArchived = opt[bool]{} // the seed's PATCH has no such field
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		p, err := projectToChange(tx, id, actor(r).user.ID, store.RoleAdmin, "change project settings; ask an owner or admin")
		if err != nil {
			return 0, nil, err
		}
		in.apply(p)
		kind := "project.updated"
		if in.isArchived.Set && in.isArchived.V != p.IsArchived {
			p.IsArchived, kind = in.isArchived.V, "project.restored"
			if p.IsArchived {
				kind = "project.archived"
			}
		}
		if err := tx.UpdateProject(p, kind); err != nil {
			return 0, nil, slugTaken(err, p.Slug)
		}
		return http.StatusOK, map[string]any{"project": p}, nil
	})
}

func (s *Server) archiveProject(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "project")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, nil, func(tx *store.Tx) (int, any, error) {
		p, err := projectToChange(tx, id, actor(r).user.ID, store.RoleAdmin, "archive projects; ask an owner or admin")
		if err != nil {
			return 0, nil, err
		}
		if !p.IsArchived {
			p.IsArchived = true
			if err := tx.UpdateProject(p, "project.archived"); err != nil {
				return 0, nil, err
			}
		}
		return http.StatusOK, map[string]any{"success": true}, nil
	})
}
