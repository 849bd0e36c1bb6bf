package store

import (
	"fmt"
	"slices"
	"strings"
)

const projectCols = `id, space_id, name, slug, description, default_view, color, is_archived, created_at, updated_at`

// scanProject reads projectCols, then any extra columns into extra.
func scanProject(row interface{ Scan(...any) error }, extra ...any) (*Project, error) {
	var p Project
	var archived int
	dest := append([]any{&p.ID, &p.SpaceID, &p.Name, &p.Slug, &p.Description, &p.DefaultView, &p.Color, &archived, &p.CreatedAt, &p.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, notFound(err)
	}
	p.IsArchived = archived == 1
	return &p, nil
}

// CreateProject inserts p with the default columns.
func (t *Tx) CreateProject(p *Project) error {
	p.ID = NewID()
	p.CreatedAt, p.UpdatedAt = t.stamp(), t.stamp()
	if p.DefaultView == "" {
		p.DefaultView = "kanban"
	}
	if _, err := t.exec(`INSERT INTO projects (`+projectCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.SpaceID, p.Name, p.Slug, p.Description, p.DefaultView, p.Color, boolInt(p.IsArchived), p.CreatedAt, p.UpdatedAt); err != nil {
		return fmt.Errorf("create project %q: %w", p.Slug, err)
	}
	for i, st := range defaultStatuses() {
		if _, err := t.exec(`INSERT INTO statuses (id, project_id, name, color, position, is_done) VALUES (?, ?, ?, ?, ?, ?)`,
			NewID(), p.ID, st.Name, st.Color, i, boolInt(st.IsDone)); err != nil {
			return fmt.Errorf("create column %q: %w", st.Name, err)
		}
	}
	return t.logChange(p.SpaceID, "project.created", p.ID, p)
}

// Projects lists a space's projects by name: the active ones, or the archived.
func (t *Tx) Projects(spaceID string, archived bool) ([]Project, error) {
	rows, err := t.query(`SELECT `+projectCols+` FROM projects
		WHERE space_id = ? AND is_archived = ? ORDER BY name, id`, spaceID, boolInt(archived))
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	out := []Project{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		out = append(out, *p)
	}
	return out, rows.Err()
}

// UpdateProject writes p's editable fields back. kind names the change
// (project.updated, project.archived or project.restored).
func (t *Tx) UpdateProject(p *Project, kind string) error {
	p.UpdatedAt = t.stamp()
	if _, err := t.exec(`UPDATE projects SET name = ?, slug = ?, description = ?, default_view = ?, color = ?,
		is_archived = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Slug, p.Description, p.DefaultView, p.Color, boolInt(p.IsArchived), p.UpdatedAt, p.ID); err != nil {
		return fmt.Errorf("update project: %w", err)
	}
	return t.logChange(p.SpaceID, kind, p.ID, p)
}

// Statuses lists a project's columns in board order.
func (t *Tx) Statuses(projectID string) ([]Status, error) {
	if sts, ok := t.remembered().statuses[projectID]; ok {
		return slices.Clone(sts), nil
	}
	sts, err := t.statuses(projectID)
	if err == nil {
		t.remembered().statuses[projectID] = slices.Clone(sts)
	}
	return sts, err
}

func (t *Tx) statuses(projectID string) ([]Status, error) {
	rows, err := t.query(`SELECT `+statusCols+` FROM statuses
		WHERE project_id = ? ORDER BY position, id`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	defer rows.Close()
	out := []Status{}
	for rows.Next() {
		s, err := scanStatus(rows)
		if err != nil {
			return nil, fmt.Errorf("list columns: %w", err)
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

// ProjectAndRole finds a project and the user's role in its space in one
// query. The role is "" when the user is not a member.
func (t *Tx) ProjectAndRole(projectID, userID string) (*Project, Role, error) {
	if r, ok := t.remembered().roles[[2]string{projectID, userID}]; ok {
		p := r.p
		return &p, r.role, nil
	}
	p, role, err := t.projectAndRole(projectID, userID)
	if err == nil && p != nil {
		t.remembered().roles[[2]string{projectID, userID}] = memoRole{p: *p, role: role}
	}
	return p, role, err
}

func (t *Tx) projectAndRole(projectID, userID string) (*Project, Role, error) {
	var role *Role
	p, err := scanProject(t.queryRow(`SELECT `+projectColsP+`, m.role FROM projects p
		LEFT JOIN members m ON m.space_id = p.space_id AND m.user_id = ? WHERE p.id = ?`, userID, projectID), &role)
	if err != nil || role == nil {
		return p, "", err
	}
	return p, *role, nil
}

// projectColsP are projectCols qualified for a query where projects is "p".
var projectColsP = prefixed("p.", projectCols)

// prefixed qualifies each column of a comma-separated list with a table
// alias ("p.").
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
