package server

import (
	"errors"
	"net/http"

	"github.com/lanesboard/lanes/server/store"
)

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"user": actor(r).user})
}

func (s *Server) listSpaces(w http.ResponseWriter, r *http.Request) {
	s.read(w, r, func(tx *store.Tx) (any, error) { return tx.SpacesForUser(actor(r).user.ID) })
}

type spaceInput struct {
	name, slug         string
	description, color opt[string]
}

func decodeSpace(r *http.Request) (raw []byte, in spaceInput, err error) {
	var b body
	if raw, b, err = readBody(r); err != nil {
		return
	}
	if in.name, err = b.required("name"); err != nil {
		return
	}
	if in.name, err = line("name", in.name, 100); err != nil {
		return
	}
	if in.slug, err = b.required("slug"); err != nil {
		return
	}
	if in.slug, err = checkSlug("slug", in.slug, 3); err != nil {
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
	in.color, err = optional(in.color, func(v string) (string, error) { return checkColor("color", v) })
	return
}

func (s *Server) createSpace(w http.ResponseWriter, r *http.Request) {
	raw, in, err := decodeSpace(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		sp := &store.Space{Name: in.name, Slug: in.slug, Description: in.description.ptr(), Color: in.color.ptr()}
		if _, _, err := tx.CreateSpace(sp, actor(r).user.ID); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return 0, nil, conflict("slug_taken", "The slug %q is already taken by another space", in.slug)
			}
			return 0, nil, err
		}
		return http.StatusCreated, map[string]any{"space": sp}, nil
	})
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "space")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		if _, _, err := spaceRole(tx, id, actor(r).user.ID); err != nil {
			return nil, err
		}
		return tx.Members(id)
	})
}

func decodeRole(b body) (store.Role, error) {
	v, err := b.required("role")
	if err == nil {
		v, err = checkEnum("role", v, grantedRoles...)
	}
	return store.Role(v), err
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request) {
	id, raw, b, err := pathAndBody(r, "space")
	var userID string
	if err == nil {
		if userID, err = b.required("userId"); err == nil {
			userID, err = checkUUID("userId", userID)
		}
	}
	var role store.Role
	if err == nil {
		role, err = decodeRole(b)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		sp, mine, err := spaceRole(tx, id, actor(r).user.ID)
		if err != nil {
			return 0, nil, err
		}
		if err := need(mine, store.RoleAdmin, "add members to this space"); err != nil {
			return 0, nil, err
		}
		if sp.IsPersonal {
			return 0, nil, forbidden("A personal space can't be shared; create a team space instead")
		}
		if _, err := tx.UserByID(userID); errors.Is(err, store.ErrNotFound) {
			return 0, nil, invalid("userId", "userId %s does not name a user of this server", userID)
		} else if err != nil {
			return 0, nil, err
		}
		m, err := tx.AddMember(id, userID, role)
		if errors.Is(err, store.ErrConflict) {
			return 0, nil, conflict("already_member", "That user is already a member of this space")
		}
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, map[string]any{"member": m}, nil
	})
}

// memberTarget checks that the actor may manage the member named in the path.
func memberTarget(tx *store.Tx, r *http.Request, spaceID, userID, action string) (*store.Member, error) {
	_, mine, err := spaceRole(tx, spaceID, actor(r).user.ID)
	if err != nil {
		return nil, err
	}
	self := userID == actor(r).user.ID
	// Anyone may leave a space; managing others takes an owner or admin.
	if !(self && action == "remove") {
		if err := need(mine, store.RoleAdmin, action+" members of this space"); err != nil {
			return nil, err
		}
	}
	m, err := tx.Member(spaceID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Member")
	}
	if err != nil {
		return nil, err
	}
	if m.Role == store.RoleOwner {
		return nil, forbidden("The space's owner can't be changed or removed")
	}
	return m, nil
}

func (s *Server) updateMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "space")
	var userID string
	if err == nil {
		userID, err = pathUUID(r, "userId", "user")
	}
	var raw []byte
	var b body
	if err == nil {
		raw, b, err = readBody(r)
	}
	var role store.Role
	if err == nil {
		role, err = decodeRole(b)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, raw, func(tx *store.Tx) (int, any, error) {
		if _, err := memberTarget(tx, r, id, userID, "change"); err != nil {
			return 0, nil, err
		}
		m, err := tx.SetMemberRole(id, userID, role)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"member": m}, nil
	})
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathUUID(r, "id", "space")
	var userID string
	if err == nil {
		userID, err = pathUUID(r, "userId", "user")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.write(w, r, nil, func(tx *store.Tx) (int, any, error) {
		if _, err := memberTarget(tx, r, id, userID, "remove"); err != nil {
			return 0, nil, err
		}
		if err := tx.UnassignInSpace(id, userID); err != nil {
			return 0, nil, err
		}
		if err := tx.RemoveMember(id, userID); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]any{"success": true}, nil
	})
}
