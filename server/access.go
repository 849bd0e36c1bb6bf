package server

import (
	"errors"

	"github.com/lanesboard/lanes/server/store"
)

// Who may do what. Every operation calls one of these once, whether it came
// in over REST or (later) MCP or SSH. Someone outside a space is told the
// thing does not exist, so existence never leaks.

// spaceRole is the user's role in a space; not a member is a 404.
func spaceRole(tx *store.Tx, spaceID, userID string) (*store.Space, store.Role, error) {
	sp, err := tx.SpaceByID(spaceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", notFound("Space")
	}
	if err != nil {
		return nil, "", err
	}
	role, err := tx.RoleIn(spaceID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", notFound("Space")
	}
	sp.Role = role
	return sp, role, err
}

// projectRole loads a project and the user's role in its space.
func projectRole(tx *store.Tx, projectID, userID string) (*store.Project, store.Role, error) {
	p, role, err := tx.ProjectAndRole(projectID, userID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && role == "") {
		return nil, "", notFound("Project")
	}
	if err != nil {
		return nil, "", err
	}
	return p, role, nil
}

// projectToChange loads a project for a change that needs at least min;
// action finishes "Viewers can't …".
func projectToChange(tx *store.Tx, projectID, userID string, min store.Role, action string) (*store.Project, error) {
	p, role, err := projectRole(tx, projectID, userID)
	if err != nil {
		return nil, err
	}
	return p, need(role, min, action)
}

// ofProjectRole loads, with load, a thing of a project (a column, a
// label), then its project and the user's role there. A thing that isn't
// there and one in a project the user can't see are the same 404, named
// what.
func ofProjectRole[T any](tx *store.Tx, id, userID, what string, load func(string) (*T, error), projectID func(*T) string) (*T, *store.Project, store.Role, error) {
	v, err := load(id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, "", notFound(what)
	}
	if err != nil {
		return nil, nil, "", err
	}
	p, role, err := tx.ProjectAndRole(projectID(v), userID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && role == "") {
		return nil, nil, "", notFound(what)
	}
	if err != nil {
		return nil, nil, "", err
	}
	return v, p, role, nil
}

// taskRole loads a task and the user's role in its space.
func taskRole(tx *store.Tx, taskID, userID string) (*store.Task, store.Role, error) {
	k, err := tx.TaskByID(taskID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", notFound("Task")
	}
	if err != nil {
		return nil, "", err
	}
	role, err := tx.RoleIn(k.SpaceID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", notFound("Task")
	}
	return k, role, err
}

// need refuses with 403 unless role is at least min. action finishes the
// sentence "Viewers can't …".
func need(role, min store.Role, action string) error {
	if role.AtLeast(min) {
		return nil
	}
	return forbidden("%s can't %s", roleWord(role), action)
}
