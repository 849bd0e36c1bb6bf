package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// A task's history (a lanes addition, later than the others): GET
// /api/tasks/:id/activity.

// The activity kinds a task's history holds.
const (
	ActivityCreated   = "task.created"
	ActivityUpdated   = "task.updated"
	ActivityDeleted   = "task.deleted"
	ActivityRestored  = "task.restored"
	ActivityCommented = "comment.created"
)

// MaxActivityPage is the most entries one page of activity may hold.
const MaxActivityPage = 200

// Change is what an update did to one field: its value before and after,
// as the API spells the field (null for none). A description's edit has
// both null: the task has the text.
type Change struct {
	From json.RawMessage `json:"from"`
	To   json.RawMessage `json:"to"`
}

// Activity is one entry of a task's history.
type Activity struct {
	// ID orders a task's entries (newest first) and pages them: the next
	// page is the one before the last ID of this one.
	ID     int64  `json:"id"`
	Kind   string `json:"kind"` // one of the Activity* kinds; another server may send others
	TaskID string `json:"taskId"`
	// ActorID and ActorName are who made the change; nil for the server's
	// own (a member leaving unassigns them from every task).
	ActorID   *string `json:"actorId"`
	ActorName *string `json:"actorName"`
	// Changes are the fields an update changed (statusId, title,
	// description, priority, dueDate, completedAt, isArchived,
	// estimatedHours, position, assigneeIds, labelIds); for a comment,
	// commentId and content (its first 200 characters, in To).
	Changes   map[string]Change `json:"changes"`
	CreatedAt time.Time         `json:"createdAt"`
}

// TaskActivity is a page of a task's history, newest first: at most limit
// entries (the server's default page when 0) older than the entry before
// (0: from the newest). Lanes addition; a server without it (seed only,
// or a lanes server from before it) is ErrNotSupported, "this server keeps
// no activity".
func (c *Client) TaskActivity(ctx context.Context, taskID string, before int64, limit int) ([]Activity, error) {
	none := &unsupported{said: "this server keeps no activity"}
	if kind, err := c.Probe(ctx); err != nil {
		return nil, err
	} else if kind != ServerLanes || !c.Supports(FeatureActivity) {
		return nil, none
	}
	q := url.Values{}
	if before > 0 {
		q.Set("before", strconv.FormatInt(before, 10))
	}
	limit = min(limit, MaxActivityPage)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	path := "/api/tasks/" + esc(taskID) + "/activity"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out []Activity
	err := c.do(ctx, call{method: http.MethodGet, path: path}, &out)
	if IsNotFound(err) {
		// The task is gone, or the server is a lanes from before activity.
		// An id that is no id is refused by the route, if it is there.
		if has, rerr := c.route(ctx, FeatureActivity, "/api/tasks/-/activity"); rerr == nil && !has {
			return nil, none
		}
	}
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit] // a server's page is held to what was asked
	}
	return out, nil
}
