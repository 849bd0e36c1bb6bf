package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

const spaceCols = `s.id, s.name, s.slug, s.description, s.color, s.is_personal, s.created_at, s.updated_at`

func scanSpace(row interface{ Scan(...any) error }, extra ...any) (*Space, error) {
	var sp Space
	var personal int
	dest := append([]any{&sp.ID, &sp.Name, &sp.Slug, &sp.Description, &sp.Color, &personal, &sp.CreatedAt, &sp.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, notFound(err)
	}
	sp.IsPersonal = personal == 1
	return &sp, nil
}

// CreateSpace inserts sp with ownerID as its Owner, and the General project
// with the default columns that every space starts with.
func (t *Tx) CreateSpace(sp *Space, ownerID string) (*Space, *Project, error) {
	sp.ID = NewID()
	sp.CreatedAt, sp.UpdatedAt = t.stamp(), t.stamp()
	sp.Role = RoleOwner
	if _, err := t.exec(`INSERT INTO spaces (id, name, slug, description, color, is_personal, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		sp.ID, sp.Name, sp.Slug, sp.Description, sp.Color, boolInt(sp.IsPersonal), sp.CreatedAt, sp.UpdatedAt); err != nil {
		return nil, nil, fmt.Errorf("create space %q: %w", sp.Slug, err)
	}
	if err := t.logChange(sp.ID, "space.created", sp.ID, sp); err != nil {
		return nil, nil, err
	}
	if _, err := t.AddMember(sp.ID, ownerID, RoleOwner); err != nil {
		return nil, nil, err
	}
	p := &Project{SpaceID: sp.ID, Name: "General", Slug: "general", DefaultView: "kanban"}
	if err := t.CreateProject(p); err != nil {
		return nil, nil, err
	}
	return sp, p, nil
}

// SpaceByID finds a space.
func (t *Tx) SpaceByID(id string) (*Space, error) {
	return scanSpace(t.queryRow(`SELECT `+spaceCols+` FROM spaces s WHERE s.id = ?`, id))
}

// FindSpaces finds the shared spaces whose id or slug is ref, or whose name
// is ref ignoring the case of ASCII letters (personal spaces are their
// owners' alone).
func (t *Tx) FindSpaces(ref string) ([]Space, error) {
	rows, err := t.query(`SELECT `+spaceCols+` FROM spaces s
		WHERE s.is_personal = 0 AND (s.id = ? OR s.slug = ? OR lower(s.name) = ?) ORDER BY s.name, s.id`, ref, ref, lowerASCII(ref))
	if err != nil {
		return nil, fmt.Errorf("find space %q: %w", ref, err)
	}
	defer rows.Close()
	var out []Space
	for rows.Next() {
		sp, err := scanSpace(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *sp)
	}
	return out, rows.Err()
}

// SpacesForUser lists the spaces a user belongs to, personal first, with
// the user's role in each.
func (t *Tx) SpacesForUser(userID string) ([]Space, error) {
	rows, err := t.query(`SELECT `+spaceCols+`, m.role FROM spaces s
		JOIN members m ON m.space_id = s.id AND m.user_id = ?
		ORDER BY s.is_personal DESC, s.name, s.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list spaces: %w", err)
	}
	defer rows.Close()
	out := []Space{}
	for rows.Next() {
		var role Role
		sp, err := scanSpace(rows, &role)
		if err != nil {
			return nil, fmt.Errorf("list spaces: %w", err)
		}
		sp.Role = role
		out = append(out, *sp)
	}
	return out, rows.Err()
}

// RoleIn is the user's role in the space, or ErrNotFound if not a member.
func (t *Tx) RoleIn(spaceID, userID string) (Role, error) {
	var r Role
	err := t.queryRow(`SELECT role FROM members WHERE space_id = ? AND user_id = ?`, spaceID, userID).Scan(&r)
	return r, notFound(err)
}

const memberCols = `m.space_id, m.user_id, u.name, u.email, m.role, m.joined_at`

func scanMember(row interface{ Scan(...any) error }) (*Member, error) {
	var m Member
	if err := row.Scan(&m.SpaceID, &m.UserID, &m.Name, &m.Email, &m.Role, &m.JoinedAt); err != nil {
		return nil, notFound(err)
	}
	return &m, nil
}

// Member finds one membership.
func (t *Tx) Member(spaceID, userID string) (*Member, error) {
	return scanMember(t.queryRow(`SELECT `+memberCols+` FROM members m JOIN users u ON u.id = m.user_id
		WHERE m.space_id = ? AND m.user_id = ?`, spaceID, userID))
}

// Members lists a space's members, strongest role first, then by name.
func (t *Tx) Members(spaceID string) ([]Member, error) {
	rows, err := t.query(`SELECT `+memberCols+` FROM members m JOIN users u ON u.id = m.user_id
		WHERE m.space_id = ?
		ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'member' THEN 2 ELSE 3 END, u.name`, spaceID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

// AddMember adds a user to a space. ErrConflict if already a member.
func (t *Tx) AddMember(spaceID, userID string, role Role) (*Member, error) {
	if _, err := t.exec(`INSERT INTO members (space_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)`,
		spaceID, userID, role, t.stamp()); err != nil {
		return nil, fmt.Errorf("add member: %w", err)
	}
	return t.memberChanged(spaceID, userID, "member.added")
}

// SetMemberRole changes a member's role.
func (t *Tx) SetMemberRole(spaceID, userID string, role Role) (*Member, error) {
	n, err := t.exec(`UPDATE members SET role = ? WHERE space_id = ? AND user_id = ?`, role, spaceID, userID)
	if err != nil {
		return nil, fmt.Errorf("change member role: %w", err)
	}
	if n == 0 {
		return nil, ErrNotFound
	}
	if !role.AtLeast(RoleAdmin) {
		if err := t.disableWebhooksOf(spaceID, userID); err != nil {
			return nil, err
		}
	}
	return t.memberChanged(spaceID, userID, "member.updated")
}

// RemoveMember takes a user out of a space and off its tasks.
func (t *Tx) RemoveMember(spaceID, userID string) error {
	m, err := t.Member(spaceID, userID)
	if err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM members WHERE space_id = ? AND user_id = ?`, spaceID, userID); err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	if err := t.disableWebhooksOf(spaceID, userID); err != nil {
		return err
	}
	return t.logChange(spaceID, "member.removed", userID, m)
}

func (t *Tx) memberChanged(spaceID, userID, kind string) (*Member, error) {
	m, err := t.Member(spaceID, userID)
	if err != nil {
		return nil, fmt.Errorf("read member: %w", err)
	}
	return m, t.logChange(spaceID, kind, userID, m)
}

// logChange appends to the change log; the payload is the object as sent.
func (t *Tx) logChange(spaceID, kind, objectID string, payload any) error {
	return t.log(event{SpaceID: spaceID, Kind: kind, ObjectID: objectID, Payload: payload})
}

// An event is one change as the transaction logs it: the change log's row
// (what live feeds send) and, for a change to a task or its comments, an
// entry in the task's activity.
type event struct {
	SpaceID, Kind, ObjectID string
	Payload                 any
	// TaskID is the task the change is to (a comment's task): set, the
	// change is kept in that task's activity.
	TaskID string
	// Changes are the fields an update changed (nil when not known or not
	// an update).
	Changes map[string]FieldChange
}

// log writes e to the change log and, for a task's change, its activity.
func (t *Tx) log(e event) error {
	body, err := json.Marshal(e.Payload)
	if err != nil {
		return fmt.Errorf("encode %s change: %w", e.Kind, err)
	}
	var seq int64
	if err := t.queryRow(`INSERT INTO changes (space_id, kind, object_id, payload, created_at) VALUES (?, ?, ?, ?, ?) RETURNING seq`,
		e.SpaceID, e.Kind, e.ObjectID, body, t.stamp()).Scan(&seq); err != nil {
		return fmt.Errorf("log %s change: %w", e.Kind, mapErr(err))
	}
	if !t.logged {
		t.logged = true
		t.onCommit = append(t.onCommit, t.s.changed.notify)
		t.notice(noticeChanges)
	}
	if e.TaskID != "" {
		if err := t.addActivity(seq, e); err != nil {
			return err
		}
	}
	return t.queueDeliveries(e)
}

// ChangesAfter lists change-log rows of a space after seq, oldest first.
func (t *Tx) ChangesAfter(spaceID string, after int64, limit int) ([]Change, error) {
	return t.changes(`SELECT seq, space_id, kind, object_id, payload, created_at FROM changes
		WHERE space_id = ? AND seq > ? ORDER BY seq LIMIT ?`, spaceID, after, limit)
}

// ChangesSince lists change-log rows of every space after seq, oldest
// first: what a process's feeds share (see the server's feed ring).
func (t *Tx) ChangesSince(after int64, limit int) ([]Change, error) {
	return t.changes(`SELECT seq, space_id, kind, object_id, payload, created_at FROM changes
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
}

func (t *Tx) changes(query string, args ...any) ([]Change, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Seq, &c.SpaceID, &c.Kind, &c.ObjectID, &c.Payload, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Idempotency finds the response remembered for a token's key.
func (t *Tx) Idempotency(tokenID, key string) (*Idempotency, error) {
	var rec Idempotency
	err := t.queryRow(`SELECT request_hash, status, body, created_at FROM idempotency WHERE token_id = ? AND key = ?`,
		tokenID, key).Scan(&rec.RequestHash, &rec.Status, &rec.Body, &rec.CreatedAt)
	if err != nil {
		return nil, notFound(err)
	}
	return &rec, nil
}

// PutIdempotency remembers (or replaces an expired) response for a key.
func (t *Tx) PutIdempotency(tokenID, key string, rec Idempotency) error {
	_, err := t.exec(`INSERT INTO idempotency (token_id, key, request_hash, status, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (token_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
			body = excluded.body, created_at = excluded.created_at`, tokenID, key, rec.RequestHash, rec.Status, rec.Body, t.stamp())
	if err != nil {
		return fmt.Errorf("remember idempotency key: %w", err)
	}
	return nil
}

// PruneIdempotency forgets responses stored before the cutoff.
func (t *Tx) PruneIdempotency(before string) error {
	_, err := t.exec(`DELETE FROM idempotency WHERE created_at < ?`, before)
	return err
}

// ChangeHead is the change log's newest sequence number (0 when empty).
func (t *Tx) ChangeHead() (int64, error) {
	var head int64
	if err := t.queryRow(`SELECT coalesce(max(seq), 0) FROM changes`).Scan(&head); err != nil {
		return 0, fmt.Errorf("read change-log head: %w", err)
	}
	return head, nil
}

// SpaceChangedSince says whether anything in the space changed after seq.
// It reads only the log's rows after seq, so it is cheap near the head.
func (t *Tx) SpaceChangedSince(spaceID string, seq int64) (bool, error) {
	var changed bool
	if err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM changes WHERE seq > ? AND space_id = ?)`, seq, spaceID).Scan(&changed); err != nil {
		return false, fmt.Errorf("read change log: %w", err)
	}
	return changed, nil
}

// Retention of the change log: rows older than ChangeRetention are pruned,
// and at most ChangeRetentionRows are kept; the newest row always stays, so
// sequence numbers keep rising.
const (
	ChangeRetention     = 7 * 24 * time.Hour
	ChangeRetentionRows = 1_000_000
)

// ChangeTail is the oldest sequence number still in the log (0 when empty).
func (t *Tx) ChangeTail() (int64, error) {
	var tail int64
	if err := t.queryRow(`SELECT coalesce(min(seq), 0) FROM changes`).Scan(&tail); err != nil {
		return 0, fmt.Errorf("read change-log tail: %w", err)
	}
	return tail, nil
}

// PruneChanges drops the oldest change-log rows past the retention (at
// most a thousand a call, oldest first, so it stays cheap), never the
// newest.
func (t *Tx) PruneChanges() error {
	head, err := t.ChangeHead()
	if err != nil {
		return err
	}
	tail, err := t.ChangeTail()
	if err != nil {
		return err
	}
	before := FormatTime(t.now.Add(-ChangeRetention))
	if _, err := t.exec(`DELETE FROM changes WHERE seq IN (
			SELECT seq FROM changes WHERE seq < ? ORDER BY seq LIMIT 1000)
		AND (created_at < ? OR ?)`, head, before, head-tail > ChangeRetentionRows); err != nil {
		return fmt.Errorf("prune change log: %w", err)
	}
	return nil
}

// StillAllowed reports, in one statement and no transaction, whether a
// token is still good and its user still a member of a space: what a
// long-lived feed asks before each batch it sends.
func (s *Store) StillAllowed(ctx context.Context, tokenID, spaceID, userID string) (tokenOK, member bool, err error) {
	var tokens, members int
	err = s.e.lookup(ctx, `SELECT (SELECT count(*) FROM tokens WHERE id = ? AND revoked_at IS NULL),
		(SELECT count(*) FROM members WHERE space_id = ? AND user_id = ?)`, []any{tokenID, spaceID, userID}, &tokens, &members)
	if err != nil {
		return false, false, fmt.Errorf("check the feed's token and membership: %w", err)
	}
	return tokens > 0, members > 0, nil
}

// lowerASCII is s with its ASCII capitals made small and nothing else
// changed: what lower() does on both engines to a column (SQLite's folds
// ASCII only; PostgreSQL's follows the column's "C" collation). A
// parameter is folded here rather than by lower(?), which PostgreSQL
// would fold by the database's own collation, every letter.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
