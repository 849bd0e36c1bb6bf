package store

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Outbound webhooks. A space's Owners and Admins subscribe a URL to some of
// the space's events; every change the store logs (see Tx.log) that a
// subscription wants is written, in the same transaction, as a delivery
// row: the outbox. The server's worker sends the rows afterwards, oldest
// first per subscription, leasing each in a write transaction so that no
// two processes send one at once.

// The events a subscription can ask for, named as Taskade names them where
// they overlap.
const (
	EventTaskAdded       = "task.added"
	EventTaskCompleted   = "task.completed"
	EventTaskReopened    = "task.reopened"
	EventTaskUpdated     = "task.updated"
	EventTaskMoved       = "task.moved"
	EventTaskDeleted     = "task.deleted"
	EventTaskRestored    = "task.restored"
	EventCommentAdded    = "comment.added"
	EventProjectCreated  = "project.created"
	EventProjectArchived = "project.archived"
	EventMemberAdded     = "member.added"
	EventMemberRemoved   = "member.removed"
	// EventPing is what POST /api/webhooks/{id}/ping sends: every
	// subscription gets it, whatever its events.
	EventPing = "ping"
)

// WebhookEvents are the events a subscription may name, in the order the
// API lists them (a new slice each call: the caller's to keep).
func WebhookEvents() []string {
	return []string{
		EventTaskAdded, EventTaskCompleted, EventTaskReopened, EventTaskUpdated, EventTaskMoved, EventTaskDeleted,
		EventTaskRestored, EventCommentAdded, EventProjectCreated, EventProjectArchived, EventMemberAdded, EventMemberRemoved,
	}
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// DeliveryWindow is how long a delivery is retried before it is marked
// failed, counted from when it was queued (or redelivered).
const DeliveryWindow = 24 * time.Hour

// Webhook is a subscription of a URL to some of a space's events (or of
// one project's). The signing secret is not part of it: it is shown once,
// when made, and read by the worker alone (Outgoing).
type Webhook struct {
	ID      string `json:"id"`
	SpaceID string `json:"spaceId"`
	// ProjectID, when set, narrows the subscription to that project's
	// events (member events, which belong to no project, are not sent).
	ProjectID   *string  `json:"projectId"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description *string  `json:"description"`
	// Active is false once the subscription is disabled (DisabledAt).
	Active bool `json:"active"`
	// OwnerID is the person answerable for it: who made it, or who last
	// changed where it sends (its URL, events or project) or turned it
	// back on. It is disabled when they stop being an Owner or Admin of
	// the space.
	OwnerID   string `json:"ownerId"`
	OwnerName string `json:"ownerName"`
	// FailingSince is when its current run of failures began (null while
	// its deliveries succeed): a run ends with a success, and a failure
	// more than FailureGap after the attempt before it starts a new one.
	// A run of three days disables it.
	FailingSince      *string `json:"failingSince"`
	DisabledAt        *string `json:"disabledAt"`
	DisabledReason    *string `json:"disabledReason"`
	PendingDeliveries int     `json:"pendingDeliveries"`
	CreatedAt         string  `json:"createdAt"`
	UpdatedAt         string  `json:"updatedAt"`
}

// Delivery is one event sent (or to be sent) to a subscription, with the
// outcome of its latest attempt.
type Delivery struct {
	// ID is sent as X-Lanes-Delivery and as the payload's id, the same on
	// every attempt: receivers dedupe by it.
	ID        string `json:"id"`
	WebhookID string `json:"webhookId"`
	Event     string `json:"event"`
	State     string `json:"state"`
	Attempts  int    `json:"attempts"`
	CreatedAt string `json:"createdAt"`
	// NextAttemptAt is when a pending delivery is tried next (null once
	// it is delivered or failed).
	NextAttemptAt *string `json:"nextAttemptAt"`
	LastAttemptAt *string `json:"lastAttemptAt"`
	FinishedAt    *string `json:"finishedAt"`
	// ResponseCode, DurationMs and Error are the latest attempt's: the
	// receiver's status (null when none came), how long it took, and what
	// went wrong (the receiver's words among them: hostile text).
	ResponseCode *int    `json:"responseCode"`
	DurationMs   *int64  `json:"durationMs"`
	Error        *string `json:"error"`
	Seq          int64   `json:"-"`
}

const webhookCols = `w.id, w.space_id, w.project_id, w.url, w.events, w.description, w.owner_id, u.name,
	w.failing_since, w.disabled_at, w.disabled_reason, w.created_at, w.updated_at,
	(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'pending')`

const webhookFrom = ` FROM webhooks w JOIN users u ON u.id = w.owner_id`

func scanWebhook(row interface{ Scan(...any) error }) (*Webhook, error) {
	var w Webhook
	var events string
	if err := row.Scan(&w.ID, &w.SpaceID, &w.ProjectID, &w.URL, &events, &w.Description, &w.OwnerID, &w.OwnerName,
		&w.FailingSince, &w.DisabledAt, &w.DisabledReason, &w.CreatedAt, &w.UpdatedAt, &w.PendingDeliveries); err != nil {
		return nil, notFound(err)
	}
	w.Events = splitEvents(events)
	w.Active = w.DisabledAt == nil
	return &w, nil
}

func splitEvents(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// CreateWebhook makes w (its space, URL, events, project and description
// set by the caller) owned by ownerID, signing with secret.
func (t *Tx) CreateWebhook(w *Webhook, ownerID, secret string) error {
	w.ID = NewID()
	w.CreatedAt, w.UpdatedAt = t.stamp(), t.stamp()
	if _, err := t.exec(`INSERT INTO webhooks (id, space_id, project_id, url, events, description, secret, owner_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.SpaceID, w.ProjectID, w.URL, strings.Join(w.Events, ","), w.Description, secret, ownerID, w.CreatedAt, w.UpdatedAt); err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	t.hooks = nil
	got, err := t.WebhookByID(w.ID)
	if err != nil {
		return fmt.Errorf("read the new webhook: %w", err)
	}
	*w = *got
	return nil
}

// WebhookByID finds a subscription.
func (t *Tx) WebhookByID(id string) (*Webhook, error) {
	return scanWebhook(t.queryRow(`SELECT `+webhookCols+webhookFrom+` WHERE w.id = ?`, id))
}

// Webhooks lists a space's subscriptions, oldest first.
func (t *Tx) Webhooks(spaceID string) ([]Webhook, error) {
	return t.webhooks(`SELECT `+webhookCols+webhookFrom+` WHERE w.space_id = ? ORDER BY w.created_at, w.id`, spaceID)
}

// WebhooksManagedBy lists the subscriptions of every space the user is an
// Owner or Admin of, by space, oldest first.
func (t *Tx) WebhooksManagedBy(userID string) ([]Webhook, error) {
	return t.webhooks(`SELECT `+webhookCols+webhookFrom+`
		JOIN members m ON m.space_id = w.space_id AND m.user_id = ? AND m.role IN ('owner', 'admin')
		ORDER BY w.space_id, w.created_at, w.id`, userID)
}

func (t *Tx) webhooks(query string, args ...any) ([]Webhook, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		out = append(out, *w)
	}
	return out, rows.Err()
}

// CountWebhooks is how many subscriptions a space has.
func (t *Tx) CountWebhooks(spaceID string) (int, error) {
	var n int
	if err := t.queryRow(`SELECT count(*) FROM webhooks WHERE space_id = ?`, spaceID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count webhooks: %w", err)
	}
	return n, nil
}

// UpdateWebhook writes w's URL, events, project, description and owner
// back.
func (t *Tx) UpdateWebhook(w *Webhook) error {
	w.UpdatedAt = t.stamp()
	if _, err := t.exec(`UPDATE webhooks SET url = ?, events = ?, project_id = ?, description = ?, owner_id = ?, updated_at = ? WHERE id = ?`,
		w.URL, strings.Join(w.Events, ","), w.ProjectID, w.Description, w.OwnerID, w.UpdatedAt, w.ID); err != nil {
		return fmt.Errorf("update webhook: %w", err)
	}
	t.hooks = nil
	return nil
}

// EnableWebhook turns a disabled subscription back on, owned now by
// ownerID, with its failures forgotten.
func (t *Tx) EnableWebhook(id, ownerID string) error {
	if _, err := t.exec(`UPDATE webhooks SET disabled_at = NULL, disabled_reason = NULL, failing_since = NULL, owner_id = ?, updated_at = ?
		WHERE id = ?`, ownerID, t.stamp(), id); err != nil {
		return fmt.Errorf("enable webhook: %w", err)
	}
	t.hooks = nil
	return nil
}

// DisableWebhook turns a subscription off, saying why. Its deliveries
// still waiting are marked failed (each can be redelivered once it is on
// again), and no new ones are queued for it. Each says why it was not
// sent after the error of its last attempt, if it had one: a delivery
// holds a note only since its last attempt or redelivery (which clears
// both), so disabling again and again adds no note to an old one.
func (t *Tx) DisableWebhook(id, reason string) error {
	n, err := t.exec(`UPDATE webhooks SET disabled_at = ?, disabled_reason = ?, updated_at = ? WHERE id = ? AND disabled_at IS NULL`,
		t.stamp(), reason, t.stamp(), id)
	if err != nil {
		return fmt.Errorf("disable webhook: %w", err)
	}
	t.hooks = nil
	if n == 0 {
		return nil
	}
	msg := "not sent: the webhook was disabled (" + reason + ")"
	if _, err := t.exec(`UPDATE webhook_deliveries SET state = 'failed', finished_at = ?, leased_until = NULL, lease = NULL,
			error = CASE WHEN error IS NULL OR last_attempt_at IS NULL THEN ? ELSE error || '; then ' || ? END
		WHERE webhook_id = ? AND state = 'pending'`, t.stamp(), msg, msg, id); err != nil {
		return fmt.Errorf("disable webhook: %w", err)
	}
	return nil
}

// disableWebhooksOf disables the subscriptions a user owns in a space: they
// are no longer an Owner or Admin there (left, removed, or demoted), and
// what they set up must not go on sending the space's events where they
// chose.
func (t *Tx) disableWebhooksOf(spaceID, userID string) error {
	ids, err := queryStrings(t.ctx, t.c, `SELECT id FROM webhooks WHERE space_id = ? AND owner_id = ? AND disabled_at IS NULL`, spaceID, userID)
	if err != nil {
		return fmt.Errorf("find the webhooks a member owns: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	name, err := t.nameOf("users", userID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := t.DisableWebhook(id, "its owner "+name+" is no longer an Owner or Admin of the space"); err != nil {
			return err
		}
	}
	return nil
}

// DeleteWebhook removes a subscription and its deliveries.
func (t *Tx) DeleteWebhook(id string) error {
	if _, err := t.exec(`DELETE FROM webhooks WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	t.hooks = nil
	return nil
}

const deliveryCols = `seq, id, webhook_id, event, state, attempts, created_at, next_attempt_at, last_attempt_at, finished_at,
	response_code, duration_ms, error`

func scanDelivery(row interface{ Scan(...any) error }) (*Delivery, error) {
	var d Delivery
	var next string
	if err := row.Scan(&d.Seq, &d.ID, &d.WebhookID, &d.Event, &d.State, &d.Attempts, &d.CreatedAt, &next, &d.LastAttemptAt,
		&d.FinishedAt, &d.ResponseCode, &d.DurationMs, &d.Error); err != nil {
		return nil, notFound(err)
	}
	if d.State == DeliveryPending {
		d.NextAttemptAt = &next
	}
	return &d, nil
}

// Deliveries lists a subscription's deliveries, newest first: at most
// limit of those before seq (0: from the newest).
func (t *Tx) Deliveries(webhookID string, before int64, limit int) ([]Delivery, error) {
	q := `SELECT ` + deliveryCols + ` FROM webhook_deliveries WHERE webhook_id = ?`
	args := []any{webhookID}
	if before > 0 {
		q += ` AND seq < ?`
		args = append(args, before)
	}
	rows, err := t.query(q+` ORDER BY seq DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

// DeliveryByID finds one delivery of a subscription.
func (t *Tx) DeliveryByID(webhookID, id string) (*Delivery, error) {
	return scanDelivery(t.queryRow(`SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = ? AND webhook_id = ?`, id, webhookID))
}

// ErrInFlight is a delivery being sent right now: it can't be
// redelivered until the attempt's outcome is in.
var ErrInFlight = errors.New("the delivery is being sent")

// Redeliver sends a delivery again, under the same id and with the same
// body, as if it were new: its attempts start again from none (and its
// backoff from the shortest), it is retried for another DeliveryWindow,
// and the outcome of its last attempt is forgotten. A finished one
// (delivered or failed) is queued behind everything queued for its
// subscription so far, so it holds up none of them; a pending one keeps
// its place, and is tried as soon as it is first in the queue, without
// waiting out its backoff. One being sent now (leased) is ErrInFlight: the
// attempt's outcome would overwrite the redelivery.
func (t *Tx) Redeliver(d *Delivery) error {
	var state, payload, createdAt string
	var leasedUntil *string
	if err := t.queryRow(`SELECT state, payload, created_at, leased_until FROM webhook_deliveries WHERE seq = ?`, d.Seq).Scan(
		&state, &payload, &createdAt, &leasedUntil); err != nil {
		return fmt.Errorf("redeliver: %w", notFound(err))
	}
	now, giveUp := t.stamp(), FormatTime(t.now.Add(DeliveryWindow))
	switch {
	case state == DeliveryPending && leasedUntil != nil && *leasedUntil > now:
		return ErrInFlight
	case state == DeliveryPending:
		if _, err := t.exec(`UPDATE webhook_deliveries SET attempts = 0, next_attempt_at = ?, give_up_at = ?, leased_until = NULL,
				lease = NULL, last_attempt_at = NULL, response_code = NULL, duration_ms = NULL, error = NULL
			WHERE seq = ?`, now, giveUp, d.Seq); err != nil {
			return fmt.Errorf("redeliver: %w", err)
		}
	default:
		// A new row, numbered after every delivery queued so far (seq is
		// the queue's order), under the old one's id.
		if _, err := t.exec(`DELETE FROM webhook_deliveries WHERE seq = ?`, d.Seq); err != nil {
			return fmt.Errorf("redeliver: %w", err)
		}
		if _, err := t.exec(`INSERT INTO webhook_deliveries (id, webhook_id, event, payload, state, attempts, next_attempt_at, give_up_at, created_at)
			VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`, d.ID, d.WebhookID, d.Event, payload, now, giveUp, createdAt); err != nil {
			return fmt.Errorf("redeliver: %w", err)
		}
	}
	t.wakeDeliveries()
	got, err := t.DeliveryByID(d.WebhookID, d.ID)
	if err != nil {
		return fmt.Errorf("read the delivery: %w", err)
	}
	*d = *got
	return nil
}

// QueuePing queues a ping to w: an event every subscription gets, saying
// which subscription it is, so its receiver can be tried.
func (t *Tx) QueuePing(w *Webhook) (*Delivery, error) {
	env, err := t.envelope(EventPing, w.SpaceID, ptrOr(w.ProjectID))
	if err != nil {
		return nil, err
	}
	env.Data = map[string]any{"webhook": map[string]any{"id": w.ID, "url": w.URL, "events": w.Events, "projectId": w.ProjectID}}
	id, err := t.queueDelivery(w.ID, env)
	if err != nil {
		return nil, err
	}
	return t.DeliveryByID(w.ID, id)
}

func ptrOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
