package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The webhook outbox: the deliveries Tx.log queues with each change a
// subscription wants, and what the server's worker does with them (lease
// the head of a subscription's queue, record the attempt, lease the next).

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
	WebhookID     string
	SpaceID       string
	NextAttemptAt string
	LeasedUntil   *string
}

// headsFrom joins each active subscription to the head of its queue.
const headsFrom = ` FROM webhooks w
	JOIN webhook_deliveries d ON d.seq = (SELECT min(x.seq) FROM webhook_deliveries x WHERE x.webhook_id = w.id AND x.state = 'pending')
	WHERE w.disabled_at IS NULL`

// DeliveryHeads lists the head of every active subscription's queue.
func (t *Tx) DeliveryHeads() ([]DeliveryHead, error) {
	rows, err := t.query(`SELECT d.seq, w.id, w.space_id, d.next_attempt_at, d.leased_until` + headsFrom)
	if err != nil {
		return nil, fmt.Errorf("find deliveries to send: %w", err)
	}
	defer rows.Close()
	var out []DeliveryHead
	for rows.Next() {
		var h DeliveryHead
		if err := rows.Scan(&h.Seq, &h.WebhookID, &h.SpaceID, &h.NextAttemptAt, &h.LeasedUntil); err != nil {
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
	SpaceID   string
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
// still counts (a worker that stops takes it back: ReleaseDelivery).
func (t *Tx) LeaseDelivery(seq int64, lease string, until time.Time) (*Outgoing, error) {
	now := t.stamp()
	err := t.queryRow(`UPDATE webhook_deliveries SET leased_until = ?, lease = ?, attempts = attempts + 1
		WHERE seq = ? AND state = 'pending' AND next_attempt_at <= ? AND (leased_until IS NULL OR leased_until <= ?)
			AND seq = (SELECT min(x.seq) FROM webhook_deliveries x WHERE x.webhook_id = webhook_deliveries.webhook_id AND x.state = 'pending')
			AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = webhook_deliveries.webhook_id AND w.disabled_at IS NULL)
		RETURNING seq`,
		FormatTime(until), lease, seq, now, now).Scan(&seq)
	if err := notFound(err); errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("lease delivery: %w", err)
	}
	o := &Outgoing{Lease: lease}
	var payload string
	var failing *string
	if err := t.queryRow(`SELECT d.seq, d.id, d.webhook_id, w.space_id, d.event, d.payload, d.attempts, d.give_up_at, w.url, w.secret, w.failing_since
		FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.seq = ?`, seq).Scan(
		&o.Seq, &o.ID, &o.WebhookID, &o.SpaceID, &o.Event, &payload, &o.Attempts, &o.GiveUpAt, &o.URL, &o.Secret, &failing); err != nil {
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

// FailureGap is how long a subscription may go without an attempt before
// its next failure starts a new run of failures (see RecordAttempt): a
// receiver that fails all along is retried at least hourly while a
// delivery waits.
const FailureGap = 24 * time.Hour

// RecordAttempt writes an attempt's outcome, if o's lease still holds
// (recorded false if it expired and another worker took the delivery).
// failingSince is when the subscription's current run of failures began
// ("" once one succeeded): a success ends a run, and a failure starts one
// unless the subscription's attempt before it was a failure less than
// FailureGap earlier. So a run is failures with no success and no long
// quiet between them, and one refusal followed by quiet days is not
// "failing since" then.
func (t *Tx) RecordAttempt(o *Outgoing, a Attempt) (recorded bool, failingSince string, err error) {
	now := t.stamp()
	var previous *string // the subscription's latest attempt before this one
	if !a.Delivered {
		if err := t.queryRow(`SELECT max(last_attempt_at) FROM webhook_deliveries WHERE webhook_id = ?`, o.WebhookID).Scan(&previous); err != nil {
			return false, "", fmt.Errorf("record delivery attempt: %w", err)
		}
	}
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
	// A new run, or this failure continues the one under way.
	fresh := previous == nil
	if !fresh {
		at, err := time.Parse(TimeFormat, *previous)
		fresh = err != nil || a.At.Sub(at) > FailureGap
	}
	if _, err := t.exec(`UPDATE webhooks SET failing_since = ? WHERE id = ? AND (failing_since IS NULL OR ?)`,
		FormatTime(a.At), o.WebhookID, fresh); err != nil {
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

// ReleaseDelivery gives back o's lease unsent, or cut short with no
// answer (the worker is stopping): it can be taken again at once, and the
// attempt the lease counted is taken back, since none was made (or none
// that came to anything). One cut short by a crash still counts: no one
// is left to take it back.
func (t *Tx) ReleaseDelivery(o *Outgoing) error {
	if _, err := t.exec(`UPDATE webhook_deliveries SET leased_until = NULL, lease = NULL, attempts = attempts - 1
		WHERE seq = ? AND lease = ? AND attempts > 0`, o.Seq, o.Lease); err != nil {
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
	full, err := queryStrings(t.ctx, t.c, `SELECT webhook_id FROM webhook_deliveries WHERE state <> 'pending' GROUP BY webhook_id HAVING count(*) > ?`,
		DeliveryRetentionRows)
	if err != nil {
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
	return Excerpt(s, max)
}
