package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Webhooks (a lanes addition): a space's Owners and Admins subscribe URLs
// to its events, and the server sends each event there, signed.

// Webhook is a subscription of a URL to some of a space's events.
type Webhook struct {
	ID                string   `json:"id"`
	SpaceID           string   `json:"spaceId"`
	ProjectID         *string  `json:"projectId"`
	URL               string   `json:"url"`
	Events            []string `json:"events"`
	Description       *string  `json:"description"`
	Active            bool     `json:"active"`
	OwnerID           string   `json:"ownerId"`
	OwnerName         string   `json:"ownerName"`
	FailingSince      *string  `json:"failingSince"`
	DisabledAt        *string  `json:"disabledAt"`
	DisabledReason    *string  `json:"disabledReason"`
	PendingDeliveries int      `json:"pendingDeliveries"`
	CreatedAt         string   `json:"createdAt"`
	UpdatedAt         string   `json:"updatedAt"`
	// Secret signs the deliveries; the server sends it once, when the
	// subscription is made, and never again.
	Secret string `json:"secret,omitempty"`
}

// WebhookDelivery is one event sent (or to be sent) to a subscription,
// with its latest attempt's outcome. Error may quote the receiver: draw it
// harmless.
type WebhookDelivery struct {
	ID            string  `json:"id"`
	WebhookID     string  `json:"webhookId"`
	Event         string  `json:"event"`
	State         string  `json:"state"` // pending, delivered or failed
	Attempts      int     `json:"attempts"`
	CreatedAt     string  `json:"createdAt"`
	NextAttemptAt *string `json:"nextAttemptAt"`
	LastAttemptAt *string `json:"lastAttemptAt"`
	FinishedAt    *string `json:"finishedAt"`
	ResponseCode  *int    `json:"responseCode"`
	DurationMs    *int64  `json:"durationMs"`
	Error         *string `json:"error"`
}

// WebhookCreate is the body of POST /api/webhooks.
type WebhookCreate struct {
	SpaceID     string   `json:"spaceId"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	ProjectID   *string  `json:"projectId,omitempty"`
	Description *string  `json:"description,omitempty"`
}

// WebhookPatch is the body of PATCH /api/webhooks/:id.
type WebhookPatch struct {
	URL         Field[string]
	Events      Field[[]string]
	ProjectID   Field[string]
	Description Field[string]
	Active      Field[bool]
}

// MarshalJSON sends only the fields that were set or cleared.
func (p WebhookPatch) MarshalJSON() ([]byte, error) {
	return marshalFields(fieldOf("url", p.URL), fieldOf("events", p.Events), fieldOf("projectId", p.ProjectID),
		fieldOf("description", p.Description), fieldOf("active", p.Active))
}

// CreateWebhook subscribes a URL to a space's events (Owner or Admin). The
// answer holds the signing secret, the one time it is shown.
func (c *Client) CreateWebhook(ctx context.Context, in WebhookCreate, opts ...WriteOption) (*Webhook, error) {
	if err := c.lanesOnly(ctx, "send webhooks"); err != nil {
		return nil, err
	}
	var out struct {
		Webhook *Webhook `json:"webhook"`
	}
	if err := c.do(ctx, write(http.MethodPost, "/api/webhooks", in, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("webhook", out.Webhook)
}

// Webhooks lists a space's subscriptions (Owner or Admin); with no space,
// those of every space the user is an Owner or Admin of.
func (c *Client) Webhooks(ctx context.Context, spaceID string) ([]Webhook, error) {
	if err := c.lanesOnly(ctx, "send webhooks"); err != nil {
		return nil, err
	}
	path := "/api/webhooks"
	if spaceID != "" {
		path += "?spaceId=" + url.QueryEscape(spaceID)
	}
	var out []Webhook
	return out, c.do(ctx, call{method: http.MethodGet, path: path}, &out)
}

// UpdateWebhook changes a subscription, or turns it off or on (Active).
func (c *Client) UpdateWebhook(ctx context.Context, id string, p WebhookPatch, opts ...WriteOption) (*Webhook, error) {
	if err := c.lanesOnly(ctx, "send webhooks"); err != nil {
		return nil, err
	}
	var out struct {
		Webhook *Webhook `json:"webhook"`
	}
	if err := c.do(ctx, write(http.MethodPatch, "/api/webhooks/"+esc(id), p, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("webhook", out.Webhook)
}

// DeleteWebhook removes a subscription and its deliveries.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	if err := c.lanesOnly(ctx, "send webhooks"); err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodDelete, path: "/api/webhooks/" + esc(id)}, nil)
}

// WebhookDeliveries lists a subscription's latest deliveries, newest
// first (at most limit, from 1 to 100; 0 for the server's 50).
func (c *Client) WebhookDeliveries(ctx context.Context, id string, limit int) ([]WebhookDelivery, error) {
	if err := c.lanesOnly(ctx, "send webhooks"); err != nil {
		return nil, err
	}
	path := "/api/webhooks/" + esc(id) + "/deliveries"
	if limit > 0 {
		path += "?limit=" + strconv.Itoa(limit)
	}
	var out []WebhookDelivery
	return out, c.do(ctx, call{method: http.MethodGet, path: path}, &out)
}

// PingWebhook queues a ping to a subscription and returns its delivery.
func (c *Client) PingWebhook(ctx context.Context, id string, opts ...WriteOption) (*WebhookDelivery, error) {
	return c.sendDelivery(ctx, "/api/webhooks/"+esc(id)+"/ping", opts)
}

// Redeliver sends a delivery again, under the same id.
func (c *Client) Redeliver(ctx context.Context, webhookID, deliveryID string, opts ...WriteOption) (*WebhookDelivery, error) {
	return c.sendDelivery(ctx, "/api/webhooks/"+esc(webhookID)+"/deliveries/"+esc(deliveryID)+"/redeliver", opts)
}

func (c *Client) sendDelivery(ctx context.Context, path string, opts []WriteOption) (*WebhookDelivery, error) {
	if err := c.lanesOnly(ctx, "send webhooks"); err != nil {
		return nil, err
	}
	var out struct {
		Delivery *WebhookDelivery `json:"delivery"`
	}
	if err := c.do(ctx, write(http.MethodPost, path, nil, opts), &out); err != nil {
		return nil, err
	}
	return wrapped("delivery", out.Delivery)
}
