package server

import "github.com/lanesboard/lanes/server/store"

// API says which surface the server offers.
type API string

const (
	// APIFull is the seed's API plus lanes' additions.
	APIFull API = "full"
	// APISeed is exactly what the Krokanti seed lists: its routes and its
	// fields, no additions and no idempotency keys, so clients can be tested
	// against what a real Krokanti server promises and nothing more.
	APISeed API = "seed"
)

// WithAPI picks the surface (default APIFull).
func WithAPI(a API) Option { return func(s *Server) { s.api = a } }

// seedRoute reports whether the seed lists the route; in seed mode every
// other (restoring a deleted task among them) is a 404.
func seedRoute(pattern string) bool {
	switch pattern {
	case "GET /api/spaces", "POST /api/spaces",
		"GET /api/projects", "POST /api/projects", "PATCH /api/projects/{id}", "DELETE /api/projects/{id}",
		"GET /api/tasks", "POST /api/tasks", "PATCH /api/tasks/{id}", "DELETE /api/tasks/{id}",
		"/api/mcp":
		return true
	}
	return false
}

// The objects as the seed describes them: only the fields it names.
type (
	seedSpace struct {
		ID          string  `json:"id"`
		Name        string  `json:"name"`
		Slug        string  `json:"slug"`
		Description *string `json:"description"`
		Color       *string `json:"color"`
	}
	seedProject struct {
		ID          string  `json:"id"`
		SpaceID     string  `json:"spaceId"`
		Name        string  `json:"name"`
		Slug        string  `json:"slug"`
		Description *string `json:"description"`
		DefaultView string  `json:"defaultView"`
		Color       *string `json:"color"`
	}
	seedStatus struct {
		ID        string  `json:"id"`
		ProjectID string  `json:"projectId"`
		Name      string  `json:"name"`
		Color     *string `json:"color"`
		Position  int     `json:"position"`
		IsDone    bool    `json:"isDone"`
	}
	seedTask struct {
		ID             string   `json:"id"`
		ProjectID      string   `json:"projectId"`
		Title          string   `json:"title"`
		StatusID       *string  `json:"statusId"`
		Priority       string   `json:"priority"`
		DueDate        *string  `json:"dueDate"`
		ParentTaskID   *string  `json:"parentTaskId"`
		CompletedAt    *string  `json:"completedAt"`
		IsArchived     bool     `json:"isArchived"`
		EstimatedHours *float64 `json:"estimatedHours"`
	}
)

// seedShape rewrites a response into the seed's shapes.
func seedShape(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = seedShape(x)
		}
		return out
	case *store.Space:
		return seedSpace{v.ID, v.Name, v.Slug, v.Description, v.Color}
	case []store.Space:
		out := make([]seedSpace, len(v))
		for i := range v {
			out[i] = seedShape(&v[i]).(seedSpace)
		}
		return out
	case *store.Project:
		return seedProject{v.ID, v.SpaceID, v.Name, v.Slug, v.Description, v.DefaultView, v.Color}
	case []store.Project:
		out := make([]seedProject, len(v))
		for i := range v {
			out[i] = seedShape(&v[i]).(seedProject)
		}
		return out
	case []store.Status:
		// Only list_statuses (MCP) shows them: without lanes' wipLimit.
		out := make([]seedStatus, len(v))
		for i, st := range v {
			out[i] = seedStatus{st.ID, st.ProjectID, st.Name, st.Color, st.Position, st.IsDone}
		}
		return out
	case *store.Task:
		return seedTask{v.ID, v.ProjectID, v.Title, v.StatusID, v.Priority, v.DueDate, v.ParentTaskID, v.CompletedAt, v.IsArchived, v.EstimatedHours}
	case []store.Task:
		out := make([]seedTask, len(v))
		for i := range v {
			out[i] = seedShape(&v[i]).(seedTask)
		}
		return out
	}
	return v
}
