package api

import (
	"encoding/json"
	"fmt"
	"time"
)

// Role is a member's role in a space, lowercase as the server sends it.
type Role string

// The roles, strongest first.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// Priority is a task's priority.
type Priority string

// The priorities, lowest first.
const (
	PriorityNone   Priority = "none"
	PriorityLow    Priority = "low"
	PriorityMedium Priority = "medium"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// View is a project's default view.
type View string

// The views the seed names.
const (
	ViewKanban   View = "kanban"
	ViewList     View = "list"
	ViewCalendar View = "calendar"
	ViewGantt    View = "gantt"
)

// User is a person with an account on the server.
type User struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     *string   `json:"email"`
	CreatedAt time.Time `json:"createdAt"`
}

// Space is a workspace. A seed-only server sends id, name, slug,
// description and color; the rest stay zero.
type Space struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Slug        string    `json:"slug"`
	Description *string   `json:"description"`
	Color       *string   `json:"color"`
	IsPersonal  bool      `json:"isPersonal"`
	Role        Role      `json:"role"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Project is a board inside a space.
type Project struct {
	ID          string    `json:"id"`
	SpaceID     string    `json:"spaceId"`
	Name        string    `json:"name"`
	Slug        string    `json:"slug"`
	Description *string   `json:"description"`
	DefaultView View      `json:"defaultView"`
	Color       *string   `json:"color"`
	IsArchived  bool      `json:"isArchived"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Status is a column of a project's board.
type Status struct {
	ID        string  `json:"id"`
	ProjectID string  `json:"projectId"`
	Name      string  `json:"name"`
	Color     *string `json:"color"`
	Position  int     `json:"position"`
	IsDone    bool    `json:"isDone"`
	// WipLimit is how many cards the column should hold at most (lanes
	// addition; nil when it has no limit).
	WipLimit *int `json:"wipLimit"`
}

// Label is a tag a project's cards can carry (lanes addition).
type Label struct {
	ID        string  `json:"id"`
	ProjectID string  `json:"projectId"`
	Name      string  `json:"name"`
	Color     *string `json:"color"`
}

// Task is a card. Nullable fields are pointers; fields only a lanes server
// sends (description, position, assignees, creator, counts, times,
// version) stay zero from a seed-only server.
type Task struct {
	ID             string     `json:"id"`
	ProjectID      string     `json:"projectId"`
	StatusID       *string    `json:"statusId"`
	ParentTaskID   *string    `json:"parentTaskId"`
	Title          string     `json:"title"`
	Description    *string    `json:"description"`
	Priority       Priority   `json:"priority"`
	DueDate        *time.Time `json:"dueDate"`
	CompletedAt    *time.Time `json:"completedAt"`
	IsArchived     bool       `json:"isArchived"`
	EstimatedHours *float64   `json:"estimatedHours"`
	Position       string     `json:"position"`
	// ReopenStatusID is the open column the task was completed from, where
	// the server reopens it (lanes addition; nil when unknown).
	ReopenStatusID *string  `json:"reopenStatusId"`
	AssigneeIDs    []string `json:"assigneeIds"`
	// LabelIDs are the ids of the task's labels, sorted (lanes addition).
	LabelIDs     []string  `json:"labelIds"`
	CreatorID    string    `json:"creatorId"`
	CommentCount int       `json:"commentCount"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Version      int64     `json:"version"`
}

// TaskDetail is one task with its comments and direct subtasks.
type TaskDetail struct {
	Task
	Comments []Comment `json:"comments"`
	Subtasks []Task    `json:"subtasks"`
}

// Comment is a note on a task.
type Comment struct {
	ID         string    `json:"id"`
	TaskID     string    `json:"taskId"`
	AuthorID   string    `json:"authorId"`
	AuthorName string    `json:"authorName"`
	Content    string    `json:"content"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// Member is a user's membership of a space.
type Member struct {
	SpaceID  string    `json:"spaceId"`
	UserID   string    `json:"userId"`
	Name     string    `json:"name"`
	Email    *string   `json:"email"`
	Role     Role      `json:"role"`
	JoinedAt time.Time `json:"joinedAt"`
}

// SpaceCreate is the body of POST /api/spaces.
type SpaceCreate struct {
	Name        string  `json:"name"`
	Slug        string  `json:"slug"`
	Description *string `json:"description,omitempty"`
	Color       *string `json:"color,omitempty"`
}

// ProjectCreate is the body of POST /api/projects.
type ProjectCreate struct {
	SpaceID     string  `json:"spaceId"`
	Name        string  `json:"name"`
	Slug        string  `json:"slug"`
	Description *string `json:"description,omitempty"`
	DefaultView View    `json:"defaultView,omitempty"`
	Color       *string `json:"color,omitempty"`
}

// ProjectPatch is the body of PATCH /api/projects/:id.
type ProjectPatch struct {
	Name        Field[string] `json:"name"`
	Slug        Field[string] `json:"slug"`
	Description Field[string] `json:"description"`
	DefaultView Field[View]   `json:"defaultView"`
	Color       Field[string] `json:"color"`
}

// MarshalJSON sends only the fields that were set or cleared.
func (p ProjectPatch) MarshalJSON() ([]byte, error) {
	return marshalFields(
		fieldOf("name", p.Name), fieldOf("slug", p.Slug), fieldOf("description", p.Description),
		fieldOf("defaultView", p.DefaultView), fieldOf("color", p.Color))
}

// TaskCreate is the body of POST /api/tasks. Description, Position and
// LabelIDs are lanes additions: a seed-only server ignores them.
// CompletedAt, IsArchived and EstimatedHours make a task as it already
// was (an import): a lanes server takes them on create, where the seed
// only takes them on update.
type TaskCreate struct {
	ProjectID    string
	Title        string
	StatusID     *string
	Priority     Priority
	DueDate      *time.Time
	ParentTaskID *string
	Description  *string
	Position     string
	LabelIDs     []string // sent as "labelIds" when not empty

	CompletedAt    *time.Time
	IsArchived     bool
	EstimatedHours *float64
}

// MarshalJSON leaves out what was not given, and sends dates as ISO 8601.
func (c TaskCreate) MarshalJSON() ([]byte, error) {
	m := map[string]any{"projectId": c.ProjectID, "title": c.Title}
	if c.StatusID != nil {
		m["statusId"] = *c.StatusID
	}
	if c.Priority != "" {
		m["priority"] = c.Priority
	}
	if c.DueDate != nil {
		m["dueDate"] = formatTime(*c.DueDate)
	}
	if c.ParentTaskID != nil {
		m["parentTaskId"] = *c.ParentTaskID
	}
	if c.Description != nil {
		m["description"] = *c.Description
	}
	if c.Position != "" {
		m["position"] = c.Position
	}
	if len(c.LabelIDs) > 0 {
		m["labelIds"] = c.LabelIDs
	}
	if c.CompletedAt != nil {
		m["completedAt"] = formatTime(*c.CompletedAt)
	}
	if c.IsArchived {
		m["isArchived"] = true
	}
	if c.EstimatedHours != nil {
		m["estimatedHours"] = *c.EstimatedHours
	}
	return json.Marshal(m)
}

// TaskPatch is the body of PATCH /api/tasks/:id. Each field is left alone
// unless Set or Clear is called on it.
type TaskPatch struct {
	Title          Field[string]
	StatusID       Field[string]
	Priority       Field[Priority]
	DueDate        Field[time.Time]
	CompletedAt    Field[time.Time]
	IsArchived     Field[bool]
	EstimatedHours Field[float64]
	// Description, Position and LabelIDs are lanes additions. LabelIDs
	// replaces the task's whole set of labels.
	Description Field[string]
	Position    Field[string]
	LabelIDs    Field[[]string]
}

// Empty says whether the patch changes nothing.
func (p TaskPatch) Empty() bool {
	b, _ := p.MarshalJSON()
	return string(b) == "{}"
}

// MarshalJSON sends only the fields that were set or cleared.
func (p TaskPatch) MarshalJSON() ([]byte, error) {
	return marshalFields(
		fieldOf("title", p.Title), fieldOf("statusId", p.StatusID), fieldOf("priority", p.Priority),
		timeFieldOf("dueDate", p.DueDate), timeFieldOf("completedAt", p.CompletedAt),
		fieldOf("isArchived", p.IsArchived), fieldOf("estimatedHours", p.EstimatedHours),
		fieldOf("description", p.Description), fieldOf("position", p.Position), idsFieldOf("labelIds", p.LabelIDs))
}

// idsFieldOf sends a set list of ids as an array, never as null.
func idsFieldOf(name string, f Field[[]string]) namedField {
	if f.state == fieldSet && f.v == nil {
		return namedField{name, f.state, []string{}}
	}
	return fieldOf(name, f)
}

// Field is one field of a PATCH: left alone (the zero Field), set to a
// value, or cleared to null.
type Field[T any] struct {
	state fieldState
	v     T
}

type fieldState uint8

const (
	fieldLeave fieldState = iota
	fieldSet
	fieldClear
)

// Set makes the PATCH set the field to v.
func (f *Field[T]) Set(v T) { f.state, f.v = fieldSet, v }

// Clear makes the PATCH set the field to null.
func (f *Field[T]) Clear() {
	var zero T
	f.state, f.v = fieldClear, zero
}

// Value is the value set and whether the field is set (not left or cleared).
func (f Field[T]) Value() (T, bool) { return f.v, f.state == fieldSet }

// Cleared says whether the PATCH clears the field.
func (f Field[T]) Cleared() bool { return f.state == fieldClear }

// Present says whether the PATCH sends the field at all.
func (f Field[T]) Present() bool { return f.state != fieldLeave }

// Set returns a Field set to v, for composite literals.
func Set[T any](v T) Field[T] { return Field[T]{state: fieldSet, v: v} }

// Clear returns a Field cleared to null, for composite literals.
func Clear[T any]() Field[T] { return Field[T]{state: fieldClear} }

type namedField struct {
	name  string
	state fieldState
	v     any
}

func fieldOf[T any](name string, f Field[T]) namedField {
	return namedField{name, f.state, f.v}
}

func timeFieldOf(name string, f Field[time.Time]) namedField {
	return namedField{name, f.state, formatTime(f.v)}
}

func marshalFields(fields ...namedField) ([]byte, error) {
	m := make(map[string]any, len(fields))
	for _, f := range fields {
		switch f.state {
		case fieldSet:
			m[f.name] = f.v
		case fieldClear:
			m[f.name] = nil
		}
	}
	return json.Marshal(m)
}

// timeLayout is how lanes sends times: UTC with milliseconds, as the
// seed's examples and JavaScript's toISOString write them.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime reads the ISO 8601 forms a server may send: a date-time with a
// zone, one without (taken as UTC), or a date alone (midnight UTC).
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time", s)
}

// UnmarshalJSON reads the task and then its comments and subtasks (Task's
// own UnmarshalJSON would otherwise swallow the whole object).
func (d *TaskDetail) UnmarshalJSON(b []byte) error {
	if err := d.Task.UnmarshalJSON(b); err != nil {
		return err
	}
	var rest struct {
		Comments []Comment `json:"comments"`
		Subtasks []Task    `json:"subtasks"`
	}
	if err := json.Unmarshal(b, &rest); err != nil {
		return err
	}
	d.Comments, d.Subtasks = rest.Comments, rest.Subtasks
	return nil
}

func optTime(name string, s *string) (*time.Time, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	t, err := parseTime(*s)
	if err != nil {
		return nil, fmt.Errorf("task field %s: %w", name, err)
	}
	return &t, nil
}
