package store

import "time"

// Role is a member's role in a space. Lowercase everywhere in JSON.
type Role string

// The roles, strongest first.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// Rank orders roles: owner 4, admin 3, member 2, viewer 1, anything else 0.
func (r Role) Rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleMember:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// AtLeast reports whether r is as strong as min.
func (r Role) AtLeast(min Role) bool { return r.Rank() >= min.Rank() }

// User is a person who can hold tokens and belong to spaces.
type User struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Email     *string `json:"email"`
	CreatedAt string  `json:"createdAt"`
	IsLocal   bool    `json:"-"`
}

// Token is an API token's record; the token itself is never stored.
type Token struct {
	ID         string
	UserID     string
	UserName   string
	Label      string
	CreatedAt  string
	LastUsedAt *string
	RevokedAt  *string
}

// Space is a team (or personal) workspace. Role is the asking user's role.
type Space struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Slug        string  `json:"slug"`
	Description *string `json:"description"`
	Color       *string `json:"color"`
	IsPersonal  bool    `json:"isPersonal"`
	Role        Role    `json:"role,omitempty"`
	CreatedAt   string  `json:"createdAt"`
	UpdatedAt   string  `json:"updatedAt"`
}

// Member is a user's membership of a space.
type Member struct {
	SpaceID  string  `json:"spaceId"`
	UserID   string  `json:"userId"`
	Name     string  `json:"name"`
	Email    *string `json:"email"`
	Role     Role    `json:"role"`
	JoinedAt string  `json:"joinedAt"`
}

// Project holds statuses (columns) and tasks.
type Project struct {
	ID          string  `json:"id"`
	SpaceID     string  `json:"spaceId"`
	Name        string  `json:"name"`
	Slug        string  `json:"slug"`
	Description *string `json:"description"`
	DefaultView string  `json:"defaultView"`
	Color       *string `json:"color"`
	IsArchived  bool    `json:"isArchived"`
	CreatedAt   string  `json:"createdAt"`
	UpdatedAt   string  `json:"updatedAt"`
}

// Status is a column of a project's board.
type Status struct {
	ID        string  `json:"id"`
	ProjectID string  `json:"projectId"`
	Name      string  `json:"name"`
	Color     *string `json:"color"`
	Position  int     `json:"position"`
	IsDone    bool    `json:"isDone"`
	// WipLimit is the most cards the column should hold (nil: no limit).
	// The server does not enforce it: it is what the board warns about.
	WipLimit *int `json:"wipLimit"`
}

// Label is a tag a project's tasks can carry.
type Label struct {
	ID        string  `json:"id"`
	ProjectID string  `json:"projectId"`
	Name      string  `json:"name"`
	Color     *string `json:"color"`
	CreatedAt string  `json:"-"`
}

// Task is a card. SpaceID rides along for role checks and is not sent.
type Task struct {
	ID             string   `json:"id"`
	ProjectID      string   `json:"projectId"`
	StatusID       *string  `json:"statusId"`
	ParentTaskID   *string  `json:"parentTaskId"`
	Title          string   `json:"title"`
	Description    *string  `json:"description"`
	Priority       string   `json:"priority"`
	DueDate        *string  `json:"dueDate"`
	CompletedAt    *string  `json:"completedAt"`
	IsArchived     bool     `json:"isArchived"`
	EstimatedHours *float64 `json:"estimatedHours"`
	Position       string   `json:"position"`
	// ReopenStatusID is the open column the task was completed from, where
	// reopening puts it back (lanes addition).
	ReopenStatusID *string  `json:"reopenStatusId"`
	AssigneeIDs    []string `json:"assigneeIds"`
	// LabelIDs are the task's labels' ids, sorted; never nil.
	LabelIDs     []string `json:"labelIds"`
	CreatorID    string   `json:"creatorId"`
	CommentCount int      `json:"commentCount"`
	CreatedAt    string   `json:"createdAt"`
	UpdatedAt    string   `json:"updatedAt"`
	Version      int64    `json:"version"`
	SpaceID      string   `json:"-"`
	// was is the task as TaskByID read it: what an update's activity
	// compares with.
	was *Task
}

// Comment is a note on a task.
type Comment struct {
	ID         string `json:"id"`
	TaskID     string `json:"taskId"`
	AuthorID   string `json:"authorId"`
	AuthorName string `json:"authorName"`
	Content    string `json:"content"`
	CreatedAt  string `json:"createdAt"`
	UpdatedAt  string `json:"updatedAt"`
}

// Change is one row of the change log.
type Change struct {
	Seq       int64
	SpaceID   string
	Kind      string
	ObjectID  string
	Payload   []byte
	CreatedAt string
}

// IdempotencyTTL is how long the response to a write sent with an
// Idempotency-Key is kept for its retries.
const IdempotencyTTL = 24 * time.Hour

// Idempotency is a remembered response to a write sent with a key.
type Idempotency struct {
	RequestHash []byte
	Status      int
	Body        []byte
	CreatedAt   string
}

// defaultStatuses are the columns every new project starts with.
func defaultStatuses() []Status {
	return []Status{
		{Name: "To Do", Color: ptr("#94a3b8")},
		{Name: "In Progress", Color: ptr("#3b82f6")},
		{Name: "In Review", Color: ptr("#a855f7")},
		{Name: "Done", Color: ptr("#22c55e"), IsDone: true},
	}
}

func ptr[T any](v T) *T { return &v }

// ValidIdempotencyKey reports whether key can be an Idempotency-Key: at
// most 255 characters of printable ASCII. Anything else (Go's HTTP server
// lets other bytes through in a header) SQLite would keep and PostgreSQL
// refuse.
func ValidIdempotencyKey(key string) bool {
	if len(key) > 255 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < ' ' || key[i] > '~' {
			return false
		}
	}
	return true
}
