package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Full-text search (a lanes addition, later than the others): GET
// /api/search?q=&spaceId=&projectId=&limit=.

// MaxSearchResults is the most hits one search may ask for.
const MaxSearchResults = 100

// SearchOptions is what Search looks for, and where.
type SearchOptions struct {
	// Q is the words to find (each as the start of a word; all of them).
	Q string
	// SpaceID and ProjectID narrow the search ("" for every space the
	// user is a member of).
	SpaceID, ProjectID string
	// Limit is the most hits wanted (the server's default when 0).
	Limit int
}

// The kinds of search hits.
const (
	HitTask    = "task"
	HitComment = "comment"
)

// SearchHit is one task or comment a search found.
type SearchHit struct {
	Kind      string `json:"kind"` // HitTask or HitComment
	TaskID    string `json:"taskId"`
	CommentID string `json:"commentId"` // for a comment
	ProjectID string `json:"projectId"`
	SpaceID   string `json:"spaceId"`
	// Title is the task's (the comment's task's, for a comment).
	Title string `json:"title"`
	// Snippet is the text around the words found.
	Snippet string `json:"snippet"`
	// Rank orders the hits, best first; only its order means anything.
	Rank float64 `json:"rank"`
}

// Search is a full-text search of task titles, descriptions and comments
// in what the user can see, best match first. Lanes addition; a server
// without it (seed only, or a lanes server from before it) is
// ErrNotSupported, "this server can't search".
func (c *Client) Search(ctx context.Context, o SearchOptions) ([]SearchHit, error) {
	none := &unsupported{what: "search"}
	if kind, err := c.Probe(ctx); err != nil {
		return nil, err
	} else if kind != ServerLanes || !c.Supports(FeatureSearch) {
		return nil, none
	}
	q := url.Values{"q": {o.Q}}
	if o.SpaceID != "" {
		q.Set("spaceId", o.SpaceID)
	}
	if o.ProjectID != "" {
		q.Set("projectId", o.ProjectID)
	}
	limit := min(o.Limit, MaxSearchResults)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out []SearchHit
	err := c.do(ctx, call{method: http.MethodGet, path: "/api/search?" + q.Encode()}, &out)
	if IsNotFound(err) {
		// The space or project is not found, or the server is a lanes
		// from before search. Without q the route, if there, refuses.
		if has, rerr := c.route(ctx, FeatureSearch, "/api/search"); rerr == nil && !has {
			return nil, none
		}
	}
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
