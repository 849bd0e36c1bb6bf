package api

import (
	"context"
	"net/http"
	"net/url"
)

// Columns and labels (lanes additions): a project's columns made, renamed,
// reordered, limited and removed, and the labels its cards carry.

// StatusCreate is the body of POST /api/statuses. Position is the index to
// insert the column at (nil: after the last); WipLimit and Color are left
// unset when nil.
type StatusCreate struct {
	ProjectID string  `json:"projectId"`
	Name      string  `json:"name"`
	IsDone    bool    `json:"isDone"`
	Position  *int    `json:"position,omitempty"`
	WipLimit  *int    `json:"wipLimit,omitempty"`
	Color     *string `json:"color,omitempty"`
}

// StatusPatch is the body of PATCH /api/statuses/:id. Position is the new
// 0-based index among the project's columns (the others shift); clearing
// WipLimit or Color removes the limit or the colour.
type StatusPatch struct {
	Name     Field[string]
	IsDone   Field[bool]
	Position Field[int]
	WipLimit Field[int]
	Color    Field[string]
}

// MarshalJSON sends only the fields that were set or cleared.
func (p StatusPatch) MarshalJSON() ([]byte, error) {
	return marshalFields(
		fieldOf("name", p.Name), fieldOf("isDone", p.IsDone), fieldOf("position", p.Position),
		fieldOf("wipLimit", p.WipLimit), fieldOf("color", p.Color))
}

// LabelCreate is the body of POST /api/labels.
type LabelCreate struct {
	ProjectID string  `json:"projectId"`
	Name      string  `json:"name"`
	Color     *string `json:"color,omitempty"`
}

// LabelPatch is the body of PATCH /api/labels/:id.
type LabelPatch struct {
	Name  Field[string]
	Color Field[string]
}

// MarshalJSON sends only the fields that were set or cleared.
func (p LabelPatch) MarshalJSON() ([]byte, error) {
	return marshalFields(fieldOf("name", p.Name), fieldOf("color", p.Color))
}

// CreateStatus adds a column to a project (Owner or Admin). Lanes addition.
func (c *Client) CreateStatus(ctx context.Context, in StatusCreate, opts ...WriteOption) (*Status, error) {
	if err := c.lanesOnly(ctx, "add columns"); err != nil {
		return nil, err
	}
	var out struct {
		Status *Status `json:"status"`
	}
	if err := c.do(ctx, write(http.MethodPost, "/api/statuses", in, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("status", out.Status)
}

// UpdateStatus renames, recolours, limits, reorders or (un)marks as done a
// column (Owner or Admin). Lanes addition.
func (c *Client) UpdateStatus(ctx context.Context, id string, p StatusPatch, opts ...WriteOption) (*Status, error) {
	if err := c.lanesOnly(ctx, "change columns"); err != nil {
		return nil, err
	}
	var out struct {
		Status *Status `json:"status"`
	}
	if err := c.do(ctx, write(http.MethodPatch, "/api/statuses/"+esc(id), p, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("status", out.Status)
}

// DeleteStatus removes a column (Owner or Admin), first moving its cards,
// archived ones and subtasks included, to the end of the column moveTo
// (needed when it has any; "" for none). Lanes addition.
func (c *Client) DeleteStatus(ctx context.Context, id, moveTo string, opts ...WriteOption) error {
	if err := c.lanesOnly(ctx, "delete columns"); err != nil {
		return err
	}
	path := "/api/statuses/" + esc(id)
	if moveTo != "" {
		path += "?moveTo=" + url.QueryEscape(moveTo)
	}
	return c.do(ctx, write(http.MethodDelete, path, nil, opts), nil)
}

// Labels lists a project's labels by name. Lanes addition.
func (c *Client) Labels(ctx context.Context, projectID string) ([]Label, error) {
	if err := c.lanesOnly(ctx, "list labels"); err != nil {
		return nil, err
	}
	var out struct {
		Labels []Label `json:"labels"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, path: "/api/labels?projectId=" + url.QueryEscape(projectID)}, &out); err != nil {
		return nil, err
	}
	if out.Labels == nil {
		out.Labels = []Label{}
	}
	return out.Labels, nil
}

// CreateLabel adds a label to a project (Member or above); a name the
// project already has, in any case, is a conflict (409). Lanes addition.
func (c *Client) CreateLabel(ctx context.Context, in LabelCreate, opts ...WriteOption) (*Label, error) {
	if err := c.lanesOnly(ctx, "add labels"); err != nil {
		return nil, err
	}
	var out struct {
		Label *Label `json:"label"`
	}
	if err := c.do(ctx, write(http.MethodPost, "/api/labels", in, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("label", out.Label)
}

// UpdateLabel renames or recolours a label (Member or above). Lanes addition.
func (c *Client) UpdateLabel(ctx context.Context, id string, p LabelPatch, opts ...WriteOption) (*Label, error) {
	if err := c.lanesOnly(ctx, "change labels"); err != nil {
		return nil, err
	}
	var out struct {
		Label *Label `json:"label"`
	}
	if err := c.do(ctx, write(http.MethodPatch, "/api/labels/"+esc(id), p, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("label", out.Label)
}

// DeleteLabel deletes a label and takes it off every card (Member or
// above). Lanes addition.
func (c *Client) DeleteLabel(ctx context.Context, id string, opts ...WriteOption) error {
	if err := c.lanesOnly(ctx, "delete labels"); err != nil {
		return err
	}
	return c.do(ctx, write(http.MethodDelete, "/api/labels/"+esc(id), nil, opts), nil)
}
