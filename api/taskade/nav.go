package taskade

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
)

// Workspaces lists the workspaces the token's user belongs to.
func (c *Client) Workspaces(ctx context.Context) ([]Workspace, error) {
	var out []Workspace
	if err := c.items(ctx, get("/workspaces"), &out); err != nil {
		return nil, fmt.Errorf("list the workspaces: %w", err)
	}
	for _, w := range out {
		if w.ID == "" {
			return nil, fmt.Errorf("list the workspaces: a workspace has no id")
		}
	}
	return out, nil
}

// Folders lists a workspace's folders.
func (c *Client) Folders(ctx context.Context, workspaceID string) ([]Folder, error) {
	if err := checkID("workspace", workspaceID); err != nil {
		return nil, fmt.Errorf("list the folders: %w", err)
	}
	var out []Folder
	if err := c.items(ctx, get("/workspaces/"+esc(workspaceID)+"/folders"), &out); err != nil {
		return nil, fmt.Errorf("list the folders of workspace %s: %w", workspaceID, err)
	}
	for _, f := range out {
		if f.ID == "" {
			return nil, fmt.Errorf("list the folders of workspace %s: a folder has no id", workspaceID)
		}
	}
	return out, nil
}

// FolderProjects lists a folder's projects. A workspace id stands for the
// workspace's home folder.
func (c *Client) FolderProjects(ctx context.Context, folderID string) ([]Project, error) {
	if err := checkID("folder", folderID); err != nil {
		return nil, fmt.Errorf("list the projects: %w", err)
	}
	var out []Project
	if err := c.items(ctx, get("/folders/"+esc(folderID)+"/projects"), &out); err != nil {
		return nil, fmt.Errorf("list the projects of folder %s: %w", folderID, err)
	}
	for _, p := range out {
		if p.ID == "" {
			return nil, fmt.Errorf("list the projects of folder %s: a project has no id", folderID)
		}
	}
	return out, nil
}

// MyProjects lists the token's user's projects, most recently viewed
// first, following the pages to the end.
func (c *Client) MyProjects(ctx context.Context) ([]Project, error) {
	out, err := pageAll(ctx, c, "/me/projects", myProjectsPage, func(p Project) string { return p.ID })
	if err != nil {
		return nil, fmt.Errorf("list my projects: %w", err)
	}
	return out, nil
}

// Project reads one project.
func (c *Client) Project(ctx context.Context, id string) (Project, error) {
	if err := checkID("project", id); err != nil {
		return Project{}, fmt.Errorf("read the project: %w", err)
	}
	var p Project
	if _, err := c.item(ctx, get(projectPath(id)), &p, false); err != nil {
		return Project{}, fmt.Errorf("read project %s: %w", id, err)
	}
	if p.ID == "" {
		return Project{}, fmt.Errorf("read project %s: the answer's project has no id", id)
	}
	return p, nil
}

// Members lists a project's members, following the pages to the end.
func (c *Client) Members(ctx context.Context, projectID string) ([]User, error) {
	if err := checkID("project", projectID); err != nil {
		return nil, fmt.Errorf("list the members: %w", err)
	}
	out, err := pageAll(ctx, c, projectPath(projectID)+"/members", membersPage, func(u User) string { return u.Handle })
	if err != nil {
		return nil, fmt.Errorf("list the members of project %s: %w", projectID, err)
	}
	return out, nil
}

// Fields lists a project's custom fields.
func (c *Client) Fields(ctx context.Context, projectID string) ([]Field, error) {
	if err := checkID("project", projectID); err != nil {
		return nil, fmt.Errorf("list the fields: %w", err)
	}
	var raw []wireField
	if err := c.items(ctx, get(projectPath(projectID)+"/fields"), &raw); err != nil {
		return nil, fmt.Errorf("list the fields of project %s: %w", projectID, err)
	}
	out := make([]Field, 0, len(raw))
	for _, w := range raw {
		f, err := readField(w)
		if err != nil {
			return nil, fmt.Errorf("list the fields of project %s: %w", projectID, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// pageAll follows limit+page paging (1-based) until an empty or short
// page. An entry seen before (the list changed between pages) is kept
// once; a page with nothing new means the server is not paging, and
// stops with an error, as does a list past maxListed.
func pageAll[T any](ctx context.Context, c *Client, path string, limit int, key func(T) string) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	for page := 1; ; page++ {
		q := url.Values{"limit": {strconv.Itoa(limit)}, "page": {strconv.Itoa(page)}}
		var items []T
		if err := c.items(ctx, get(path+"?"+q.Encode()), &items); err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		if len(items) == 0 {
			return all, nil
		}
		fresh := 0
		for _, it := range items {
			k := key(it)
			if k == "" {
				return nil, fmt.Errorf("page %d: an entry has no id", page)
			}
			if seen[k] {
				continue
			}
			seen[k] = true
			fresh++
			all = append(all, it)
		}
		if len(all) > maxListed {
			return nil, fmt.Errorf("more than %d entries: stopped", maxListed)
		}
		if fresh == 0 {
			return nil, fmt.Errorf("page %d holds only entries of earlier pages: the server is not paging, stopped", page)
		}
		if len(items) < limit {
			return all, nil
		}
	}
}
