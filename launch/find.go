package launch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lanesboard/lanes/api"
)

// ErrNoBoard means the space or project asked for is not among the
// person's: the server answered, and it is not there.
var ErrNoBoard = errors.New("no such board")

// noBoard is ErrNoBoard with what to tell the person.
type noBoard struct{ msg string }

func (e noBoard) Error() string        { return e.msg }
func (e noBoard) Is(target error) bool { return target == ErrNoBoard }

// Pick finds the space and project to open: by name, slug or id, or
// the personal space and its first active project.
func Pick(ctx context.Context, c Directory, space, project string) (api.Space, api.Project, error) {
	return Find(ctx, c, Query{Space: space, Project: project})
}

// Find is Pick for a query. A project asked for by name, slug or
// id opens archived or not; an archived one is never a default and is
// listed only when q.Archived says so.
func Find(ctx context.Context, c Directory, q Query) (api.Space, api.Project, error) {
	spaces, err := c.Spaces(ctx)
	if err != nil {
		return api.Space{}, api.Project{}, fmt.Errorf("list spaces: %w", err)
	}
	if len(spaces) == 0 {
		return api.Space{}, api.Project{}, noBoard{"this account has no spaces"}
	}
	var candidates []api.Space
	switch {
	case q.Space != "":
		candidates = spacesNamed(spaces, q.Space)
		if len(candidates) == 0 {
			return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("no space %q (you have: %s)", q.Space, spaceNames(spaces))}
		}
	case q.Project != "":
		candidates = spaces // look for the project everywhere
	default:
		candidates = []api.Space{personal(spaces)}
	}
	var seen []string // "Space / Project", for the error
	for _, s := range candidates {
		// Asked for by name, the project may be archived; a default never is.
		projects, err := ListProjects(ctx, c, s, q.Archived || q.Project != "")
		if err != nil {
			return api.Space{}, api.Project{}, err
		}
		// An active project wins over an archived one of the same name.
		slices.SortStableFunc(projects, func(a, b api.Project) int {
			return cmp.Compare(boolRank(a.IsArchived), boolRank(b.IsArchived))
		})
		for _, p := range projects {
			if q.Project == "" || strings.EqualFold(p.Name, q.Project) || p.Slug == q.Project || p.ID == q.Project {
				return s, p, nil
			}
			if q.Archived || !p.IsArchived {
				seen = append(seen, s.Name+" / "+p.Name)
			}
		}
	}
	if q.Project != "" {
		if len(seen) == 0 {
			return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("no project %q (there are none to open)", q.Project)}
		}
		return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("no project %q (there are: %s)", q.Project, strings.Join(seen, ", "))}
	}
	if q.Archived {
		return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("space %q has no projects", candidates[0].Name)}
	}
	return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("space %q has no active projects (--archived opens an archived one)", candidates[0].Name)}
}

// FindSpace finds a space by name, slug or id ("": the personal space).
func FindSpace(ctx context.Context, c Directory, ref string) (api.Space, error) {
	spaces, err := c.Spaces(ctx)
	if err != nil {
		return api.Space{}, fmt.Errorf("list spaces: %w", err)
	}
	if len(spaces) == 0 {
		return api.Space{}, noBoard{"this account has no spaces"}
	}
	if ref == "" {
		return personal(spaces), nil
	}
	found := spacesNamed(spaces, ref)
	switch len(found) {
	case 0:
		return api.Space{}, noBoard{fmt.Sprintf("no space %q (you have: %s)", ref, spaceNames(spaces))}
	case 1:
		return found[0], nil
	}
	return api.Space{}, fmt.Errorf("%d spaces are called %q: name it by slug or id", len(found), ref)
}

// spacesNamed are the spaces ref names, by name (any case), slug or id.
func spacesNamed(spaces []api.Space, ref string) []api.Space {
	var out []api.Space
	for _, s := range spaces {
		if strings.EqualFold(s.Name, ref) || s.Slug == ref || s.ID == ref {
			out = append(out, s)
		}
	}
	return out
}

// personal is the personal space, or else the first (of at least one).
func personal(spaces []api.Space) api.Space {
	for _, s := range spaces {
		if s.IsPersonal {
			return s
		}
	}
	return spaces[0]
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ListProjects lists a space's projects, archived ones only if archived
// says so. Whether the server's list holds archived projects differs (a
// lanes server lists them apart, another may not), so the project's own
// isArchived decides.
func ListProjects(ctx context.Context, c Directory, sp api.Space, archived bool) ([]api.Project, error) {
	ps, err := c.Projects(ctx, sp.ID)
	if err != nil {
		return nil, fmt.Errorf("list the projects of %q: %w", sp.Name, err)
	}
	if archived {
		more, err := c.ArchivedProjects(ctx, sp.ID)
		if err != nil && !api.IsNetwork(err) && !api.IsServerError(err) && ctx.Err() == nil {
			more, err = nil, nil // a server that can't list them apart lists them with the rest, or not at all
		}
		if err != nil {
			return nil, fmt.Errorf("list the archived projects of %q: %w", sp.Name, err)
		}
		seen := map[string]bool{}
		for _, p := range ps {
			seen[p.ID] = true
		}
		for _, p := range more {
			if p.IsArchived && !seen[p.ID] {
				ps = append(ps, p)
				seen[p.ID] = true
			}
		}
		return ps, nil
	}
	return slices.DeleteFunc(ps, func(p api.Project) bool { return p.IsArchived }), nil
}

// ReadOnly is why the board of a space can't be changed by this person:
// Viewers see the board and nothing more.
func ReadOnly(sp api.Space) string {
	if sp.Role == api.RoleViewer {
		return "Read-only: you are a Viewer of " + sp.Name
	}
	return ""
}

func spaceNames(spaces []api.Space) string {
	names := make([]string, len(spaces))
	for i, s := range spaces {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
