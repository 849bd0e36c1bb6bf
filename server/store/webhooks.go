package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
// API lists them.
var WebhookEvents = []string{
	EventTaskAdded, EventTaskCompleted, EventTaskReopened, EventTaskUpdated, EventTaskMoved, EventTaskDeleted,
	EventTaskRestored, EventCommentAdded, EventProjectCreated, EventProjectArchived, EventMemberAdded, EventMemberRemoved,
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
	// turned it back on. It is disabled when they stop being an Owner or
	// Admin of the space.
	OwnerID   string `json:"ownerId"`
	OwnerName string `json:"ownerName"`
	// FailingSince is when its deliveries began to fail (null while they
	// succeed); failing for three days disables it.
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

// UpdateWebhook writes w's URL, events, project and description back.
func (t *Tx) UpdateWebhook(w *Webhook) error {
	w.UpdatedAt = t.stamp()
	if _, err := t.exec(`UPDATE webhooks SET url = ?, events = ?, project_id = ?, description = ?, updated_at = ? WHERE id = ?`,
		w.URL, strings.Join(w.Events, ","), w.ProjectID, w.Description, w.UpdatedAt, w.ID); err != nil {
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
// again), and no new ones are queued for it.
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
			error = CASE WHEN error IS NULL THEN ? ELSE error || '; then ' || ? END
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
	rows, err := t.query(`SELECT id FROM webhooks WHERE space_id = ? AND owner_id = ? AND disabled_at IS NULL`, spaceID, userID)
	if err != nil {
		return fmt.Errorf("find the webhooks a member owns: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("find the webhooks a member owns: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return err
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

// Redeliver sends a delivery again, under the same id, as soon as the
// deliveries before it in its subscription's queue are done; it is
// retried for another DeliveryWindow.
func (t *Tx) Redeliver(d *Delivery) error {
	if _, err := t.exec(`UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?, give_up_at = ?, finished_at = NULL
		WHERE seq = ?`, t.stamp(), FormatTime(t.now.Add(DeliveryWindow)), d.Seq); err != nil {
		return fmt.Errorf("redeliver: %w", err)
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

// The outbox: what Tx.log queues.

// hookSub is an active subscription as the outbox matches events to it.
type hookSub struct {
	id, projectID string
	events        []string
}

// hookRef names a space, project or person in a payload.
type hookRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// hookEnvelope is a delivery's body.
type hookEnvelope struct {
	Event   string   `json:"event"`
	ID      string   `json:"id"`
	Time    string   `json:"time"`
	Space   hookRef  `json:"space"`
	Project *hookRef `json:"project"`
	Actor   *hookRef `json:"actor"`
	// Data is the object after the change: the task (for task.deleted,
	// its id and projectId), comment, project or member.
	Data any `json:"data"`
	// Changes are the fields an update changed, from and to.
	Changes map[string]FieldChange `json:"changes,omitempty"`
}

// hookEvent is the webhook event a logged change is, or "" for none. A
// task's update is task.completed or task.reopened when its completedAt
// was set or cleared, else task.moved when its column changed, else
// task.updated; an update that only recounted its comments (the
// comment.added is the event) or whose fields are unknown is none.
func hookEvent(e event) string {
	switch e.Kind {
	case "task.created":
		return EventTaskAdded
	case "task.deleted":
		return EventTaskDeleted
	case "task.restored":
		return EventTaskRestored
	case "comment.created":
		return EventCommentAdded
	case "project.created":
		return EventProjectCreated
	case "project.archived":
		return EventProjectArchived
	case "member.added":
		return EventMemberAdded
	case "member.removed":
		return EventMemberRemoved
	case "task.updated":
		c := e.Changes
		if _, counted := c["commentCount"]; len(c) == 0 || len(c) == 1 && counted {
			return ""
		}
		if done, ok := c["completedAt"]; ok {
			switch {
			case isNull(done.From) && !isNull(done.To):
				return EventTaskCompleted
			case !isNull(done.From) && isNull(done.To):
				return EventTaskReopened
			}
		}
		if _, ok := c["statusId"]; ok {
			return EventTaskMoved
		}
		return EventTaskUpdated
	}
	return ""
}

// isNull says whether a FieldChange side is null: nil, or a nil pointer.
func isNull(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case *string:
		return v == nil
	case *float64:
		return v == nil
	}
	return false
}

// subscriptions are the space's active subscriptions, read once per
// transaction (and again after one changes).
func (t *Tx) subscriptions(spaceID string) ([]hookSub, error) {
	if subs, ok := t.hooks[spaceID]; ok {
		return subs, nil
	}
	rows, err := t.query(`SELECT id, project_id, events FROM webhooks WHERE space_id = ? AND disabled_at IS NULL ORDER BY id`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("read the space's webhooks: %w", err)
	}
	defer rows.Close()
	var subs []hookSub
	for rows.Next() {
		var s hookSub
		var project *string
		var events string
		if err := rows.Scan(&s.id, &project, &events); err != nil {
			return nil, fmt.Errorf("read the space's webhooks: %w", err)
		}
		s.projectID, s.events = ptrOr(project), splitEvents(events)
		subs = append(subs, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the space's webhooks: %w", err)
	}
	if t.hooks == nil {
		t.hooks = map[string][]hookSub{}
	}
	t.hooks[spaceID] = subs
	return subs, nil
}

// queueDeliveries writes a delivery of e for each active subscription of
// its space (and project) that wants it.
func (t *Tx) queueDeliveries(e event) error {
	name := hookEvent(e)
	if name == "" || t.respacing {
		return nil // respacing a column's keys is no one's change
	}
	subs, err := t.subscriptions(e.SpaceID)
	if err != nil || len(subs) == 0 {
		return err
	}
	projectID, err := t.projectOf(e)
	if err != nil {
		return err
	}
	var env *hookEnvelope
	for _, s := range subs {
		if !slices.Contains(s.events, name) || s.projectID != "" && s.projectID != projectID {
			continue
		}
		if env == nil {
			if env, err = t.envelope(name, e.SpaceID, projectID); err != nil {
				return err
			}
			env.Data = e.Payload
			if name != EventTaskAdded && name != EventTaskRestored && e.Kind == "task.updated" {
				env.Changes = e.Changes
			}
		}
		if _, err := t.queueDelivery(s.id, env); err != nil {
			return err
		}
	}
	return nil
}

// projectOf is the project a change belongs to ("" for a member's).
func (t *Tx) projectOf(e event) (string, error) {
	switch p := e.Payload.(type) {
	case *Task:
		return p.ProjectID, nil
	case *Project:
		return p.ID, nil
	case map[string]string:
		return p["projectId"], nil
	case *Comment:
		var id string
		if err := t.queryRow(`SELECT project_id FROM tasks WHERE id = ?`, p.TaskID).Scan(&id); err != nil {
			return "", fmt.Errorf("find the comment's project: %w", notFound(err))
		}
		return id, nil
	}
	return "", nil
}

// envelope is the body of a delivery, all but its id and data: the
// space, the project (if any) and the actor (if any) by id and name.
func (t *Tx) envelope(event, spaceID, projectID string) (*hookEnvelope, error) {
	env := &hookEnvelope{Event: event, Time: t.stamp(), Space: hookRef{ID: spaceID}}
	var err error
	if env.Space.Name, err = t.nameOf("spaces", spaceID); err != nil {
		return nil, err
	}
	if projectID != "" {
		env.Project = &hookRef{ID: projectID}
		if env.Project.Name, err = t.nameOf("projects", projectID); err != nil {
			return nil, err
		}
	}
	if t.actor != "" {
		env.Actor = &hookRef{ID: t.actor}
		if env.Actor.Name, err = t.nameOf("users", t.actor); err != nil {
			return nil, err
		}
	}
	return env, nil
}

// nameOf is the name of a space, project or user (table names it).
func (t *Tx) nameOf(table, id string) (string, error) {
	var name string
	if err := t.queryRow(`SELECT name FROM `+table+` WHERE id = ?`, id).Scan(&name); err != nil {
		return "", fmt.Errorf("read the name of %s %s: %w", table, id, notFound(err))
	}
	return name, nil
}

// queueDelivery writes one delivery of env to a subscription, under a new
// id, and returns the id.
func (t *Tx) queueDelivery(webhookID string, env *hookEnvelope) (string, error) {
	env.ID = NewID()
	body, err := json.Marshal(env)
	if err != nil {
		return "", fmt.Errorf("encode the %s delivery: %w", env.Event, err)
	}
	if _, err := t.exec(`INSERT INTO webhook_deliveries (id, webhook_id, event, payload, state, attempts, next_attempt_at, give_up_at, created_at)
		VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
		env.ID, webhookID, env.Event, body, t.stamp(), FormatTime(t.now.Add(DeliveryWindow)), t.stamp()); err != nil {
		return "", fmt.Errorf("queue the %s delivery: %w", env.Event, err)
	}
	t.wakeDeliveries()
	return env.ID, nil
}

// wakeDeliveries has the delivery workers told, when the transaction
// commits, that something is queued: this process's at once, others' (on
// PostgreSQL) by a notice.
func (t *Tx) wakeDeliveries() {
	if !t.queued {
		t.queued = true
		t.onCommit = append(t.onCommit, t.s.queued.notify)
		t.notice(noticeDeliveries)
	}
}

// DeliveriesQueued returns a channel closed when a delivery is next
// queued (or redelivered) after the call.
func (s *Store) DeliveriesQueued() <-chan struct{} {
	s.queued.mu.Lock()
	defer s.queued.mu.Unlock()
	if s.queued.ch == nil {
		s.queued.ch = make(chan struct{})
	}
	return s.queued.ch
}

// What the worker does.

// DeliveryHead is the oldest pending delivery of an active subscription:
// the only one of it that may be sent, so a subscription's deliveries
// arrive in order, one at a time.
type DeliveryHead struct {
	Seq           int64
	NextAttemptAt string
	LeasedUntil   *string
}

// DeliveryHeads lists the head of every active subscription's queue.
func (t *Tx) DeliveryHeads() ([]DeliveryHead, error) {
	rows, err := t.query(`SELECT d.seq, d.next_attempt_at, d.leased_until FROM webhooks w
		JOIN webhook_deliveries d ON d.seq = (SELECT min(x.seq) FROM webhook_deliveries x WHERE x.webhook_id = w.id AND x.state = 'pending')
		WHERE w.disabled_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("find deliveries to send: %w", err)
	}
	defer rows.Close()
	var out []DeliveryHead
	for rows.Next() {
		var h DeliveryHead
		if err := rows.Scan(&h.Seq, &h.NextAttemptAt, &h.LeasedUntil); err != nil {
			return nil, fmt.Errorf("find deliveries to send: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Outgoing is a delivery leased for sending: what the worker needs to
// send it, and the lease that lets it record the outcome.
type Outgoing struct {
	Seq       int64
	ID        string
	WebhookID string
	Event     string
	Payload   []byte
	URL       string
	Secret    string
	// Attempts counts this one.
	Attempts int
	GiveUpAt string
	Lease    string
	failing  bool // the subscription's deliveries were failing when it was leased
}

// LeaseDelivery takes delivery seq for sending until until, under lease:
// nil if it is not there to take (sent, failed, not due, held by an
// unexpired lease, no longer first in its queue, or its subscription
// disabled). The attempt is counted now, so one cut short by a crash
// still counts.
func (t *Tx) LeaseDelivery(seq int64, lease string, until time.Time) (*Outgoing, error) {
	return t.lease(`seq = ?`, seq, lease, until)
}

// LeaseNext leases the head of a subscription's queue, if it is due: nil
// if there is none.
func (t *Tx) LeaseNext(webhookID, lease string, until time.Time) (*Outgoing, error) {
	return t.lease(`seq = (SELECT min(x.seq) FROM webhook_deliveries x WHERE x.webhook_id = ? AND x.state = 'pending')`, webhookID, lease, until)
}

// lease leases the delivery which names, if it is pending, due, not
// leased, the head of its queue, and its subscription active.
func (t *Tx) lease(which string, arg any, lease string, until time.Time) (*Outgoing, error) {
	now := t.stamp()
	var seq int64
	err := t.queryRow(`UPDATE webhook_deliveries SET leased_until = ?, lease = ?, attempts = attempts + 1
		WHERE `+which+` AND state = 'pending' AND next_attempt_at <= ? AND (leased_until IS NULL OR leased_until <= ?)
			AND seq = (SELECT min(x.seq) FROM webhook_deliveries x WHERE x.webhook_id = webhook_deliveries.webhook_id AND x.state = 'pending')
			AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = webhook_deliveries.webhook_id AND w.disabled_at IS NULL)
		RETURNING seq`,
		FormatTime(until), lease, arg, now, now).Scan(&seq)
	if err := notFound(err); errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("lease delivery: %w", err)
	}
	o := &Outgoing{Lease: lease}
	var payload string
	var failing *string
	if err := t.queryRow(`SELECT d.seq, d.id, d.webhook_id, d.event, d.payload, d.attempts, d.give_up_at, w.url, w.secret, w.failing_since
		FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.seq = ?`, seq).Scan(
		&o.Seq, &o.ID, &o.WebhookID, &o.Event, &payload, &o.Attempts, &o.GiveUpAt, &o.URL, &o.Secret, &failing); err != nil {
		return nil, fmt.Errorf("read leased delivery: %w", err)
	}
	o.Payload, o.failing = []byte(payload), failing != nil
	return o, nil
}

// Attempt is the outcome of sending a delivery once.
type Attempt struct {
	At       time.Time
	Duration time.Duration
	// Code is the receiver's status (0: no answer).
	Code int
	// Error says what went wrong ("" on success).
	Error string
	// Delivered: a 2xx answer.
	Delivered bool
	// RetryAt, for a failed attempt, is when to try again; zero marks the
	// delivery failed.
	RetryAt time.Time
}

// maxDeliveryError bounds the error text kept from an attempt.
const maxDeliveryError = 500

// RecordAttempt writes an attempt's outcome, if o's lease still holds
// (recorded false if it expired and another worker took the delivery).
// failingSince is when the subscription's deliveries began failing (""
// once one succeeded).
func (t *Tx) RecordAttempt(o *Outgoing, a Attempt) (recorded bool, failingSince string, err error) {
	now := t.stamp()
	state, next, finishedAt := DeliveryFailed, now, &now
	switch {
	case a.Delivered:
		state = DeliveryDelivered
	case !a.RetryAt.IsZero():
		state, next, finishedAt = DeliveryPending, FormatTime(a.RetryAt), nil
	}
	var code *int
	if a.Code != 0 {
		code = &a.Code
	}
	var msg *string
	if a.Error != "" {
		m := cleanText(a.Error, maxDeliveryError)
		msg = &m
	}
	n, err := t.exec(`UPDATE webhook_deliveries SET state = ?, next_attempt_at = ?, leased_until = NULL, lease = NULL,
			last_attempt_at = ?, response_code = ?, duration_ms = ?, error = ?, finished_at = ?
		WHERE seq = ? AND lease = ?`,
		state, next, FormatTime(a.At), code, a.Duration.Milliseconds(), msg, finishedAt, o.Seq, o.Lease)
	if err != nil {
		return false, "", fmt.Errorf("record delivery attempt: %w", err)
	}
	if n == 0 {
		return false, "", nil
	}
	if a.Delivered {
		if o.failing {
			if _, err := t.exec(`UPDATE webhooks SET failing_since = NULL WHERE id = ?`, o.WebhookID); err != nil {
				return false, "", fmt.Errorf("record delivery attempt: %w", err)
			}
		}
		return true, "", nil
	}
	if _, err := t.exec(`UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL`, FormatTime(a.At), o.WebhookID); err != nil {
		return false, "", fmt.Errorf("record delivery attempt: %w", err)
	}
	if state == DeliveryFailed {
		// The deliveries queued behind it whose window has passed too are
		// not tried: they waited their 24 hours.
		if _, err := t.exec(`UPDATE webhook_deliveries SET state = 'failed', finished_at = ?,
				error = 'not sent: gave up after waiting 24 hours behind earlier deliveries'
			WHERE webhook_id = ? AND state = 'pending' AND give_up_at <= ? AND lease IS NULL`, t.stamp(), o.WebhookID, t.stamp()); err != nil {
			return false, "", fmt.Errorf("record delivery attempt: %w", err)
		}
	}
	var since *string
	if err := t.queryRow(`SELECT failing_since FROM webhooks WHERE id = ?`, o.WebhookID).Scan(&since); err != nil {
		return false, "", fmt.Errorf("record delivery attempt: %w", notFound(err))
	}
	return true, ptrOr(since), nil
}

// ReleaseDelivery gives back o's lease unsent (the worker is stopping):
// it can be taken again at once.
func (t *Tx) ReleaseDelivery(o *Outgoing) error {
	if _, err := t.exec(`UPDATE webhook_deliveries SET leased_until = NULL, lease = NULL WHERE seq = ? AND lease = ?`, o.Seq, o.Lease); err != nil {
		return fmt.Errorf("release delivery: %w", err)
	}
	return nil
}

// Retention of finished deliveries: those finished more than
// DeliveryRetention ago go, and a subscription keeps at most
// DeliveryRetentionRows of them.
const (
	DeliveryRetention     = 7 * 24 * time.Hour
	DeliveryRetentionRows = 1000
)

// PruneDeliveries forgets finished deliveries past the retention (at most
// a thousand old ones a call, so it stays cheap). Pending ones stay.
func (t *Tx) PruneDeliveries() error {
	if _, err := t.exec(`DELETE FROM webhook_deliveries WHERE seq IN (
			SELECT seq FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < ? ORDER BY seq LIMIT 1000)`,
		FormatTime(t.now.Add(-DeliveryRetention))); err != nil {
		return fmt.Errorf("prune deliveries: %w", err)
	}
	rows, err := t.query(`SELECT webhook_id FROM webhook_deliveries WHERE state <> 'pending' GROUP BY webhook_id HAVING count(*) > ?`,
		DeliveryRetentionRows)
	if err != nil {
		return fmt.Errorf("prune deliveries: %w", err)
	}
	var full []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("prune deliveries: %w", err)
		}
		full = append(full, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("prune deliveries: %w", err)
	}
	for _, id := range full {
		if _, err := t.exec(`DELETE FROM webhook_deliveries WHERE webhook_id = ? AND state <> 'pending' AND seq <= (
				SELECT seq FROM webhook_deliveries WHERE webhook_id = ? AND state <> 'pending' ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
			id, id, DeliveryRetentionRows); err != nil {
			return fmt.Errorf("prune deliveries: %w", err)
		}
	}
	return nil
}

// cleanText is s made fit to keep and to show: valid UTF-8, no NUL (which
// PostgreSQL's text can't hold), at most max bytes.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	return excerpt(s, max)
}
