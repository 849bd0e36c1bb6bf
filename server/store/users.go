package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

const userCols = "id, name, email, is_local, created_at"

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var local int
	if err := row.Scan(&u.ID, &u.Name, &u.Email, &local, &u.CreatedAt); err != nil {
		return nil, notFound(err)
	}
	u.IsLocal = local == 1
	return &u, nil
}

// CreateUser makes a user together with their Personal space (Owner) and its
// General project, as every user of lanes has one.
func (t *Tx) CreateUser(name string, email *string, local bool) (*User, error) {
	u := &User{ID: NewID(), Name: name, Email: email, CreatedAt: t.stamp(), IsLocal: local}
	if _, err := t.exec(`INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?)`,
		u.ID, u.Name, u.Email, boolInt(local), u.CreatedAt); err != nil {
		return nil, fmt.Errorf("create user %q: %w", name, err)
	}
	sp := &Space{
		Name:       "Personal",
		Slug:       "personal-" + strings.ReplaceAll(u.ID, "-", "")[20:],
		IsPersonal: true,
	}
	if _, _, err := t.CreateSpace(sp, u.ID); err != nil {
		return nil, err
	}
	return u, nil
}

// UserByName finds a user by name.
func (t *Tx) UserByName(name string) (*User, error) {
	return scanUser(t.queryRow(`SELECT `+userCols+` FROM users WHERE name = ?`, name))
}

// UserByID finds a user by id.
func (t *Tx) UserByID(id string) (*User, error) {
	return scanUser(t.queryRow(`SELECT `+userCols+` FROM users WHERE id = ?`, id))
}

// LocalUser is the user lanes made for the person running it on this machine.
func (t *Tx) LocalUser() (*User, error) {
	return scanUser(t.queryRow(`SELECT ` + userCols + ` FROM users WHERE is_local = 1 ORDER BY created_at LIMIT 1`))
}

// Users lists every user by name.
func (t *Tx) Users() ([]User, error) {
	rows, err := t.query(`SELECT ` + userCols + ` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// CreateToken records a token by the SHA-256 hash of its secret.
func (t *Tx) CreateToken(userID, label string, hash []byte) (*Token, error) {
	tok := &Token{ID: NewID(), UserID: userID, Label: label, CreatedAt: t.stamp()}
	if _, err := t.exec(`INSERT INTO tokens (id, user_id, label, hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		tok.ID, userID, label, hash, tok.CreatedAt); err != nil {
		return nil, fmt.Errorf("create token: %w", err)
	}
	t.tokensChanged()
	return tok, nil
}

const tokenCols = `t.id, t.user_id, u.name, t.label, t.created_at, t.last_used_at, t.revoked_at`

func scanToken(row interface{ Scan(...any) error }) (*Token, error) {
	var tok Token
	if err := row.Scan(&tok.ID, &tok.UserID, &tok.UserName, &tok.Label, &tok.CreatedAt, &tok.LastUsedAt, &tok.RevokedAt); err != nil {
		return nil, notFound(err)
	}
	return &tok, nil
}

// TouchToken records that the token was used now.
func (t *Tx) TouchToken(id string) error {
	_, err := t.exec(`UPDATE tokens SET last_used_at = ? WHERE id = ?`, t.stamp(), id)
	// Only this process's sign-ins are forgotten (so its next request sees
	// the new time): the others need not hear of it, and touch the token
	// themselves at most once a minute.
	t.onCommit = append(t.onCommit, t.s.tokens.clear)
	return err
}

// Tokens lists tokens, newest first; all users' when userID is empty.
func (t *Tx) Tokens(userID string) ([]Token, error) {
	q := `SELECT ` + tokenCols + ` FROM tokens t JOIN users u ON u.id = t.user_id`
	var args []any
	if userID != "" {
		q += ` WHERE t.user_id = ?`
		args = append(args, userID)
	}
	rows, err := t.query(q+` ORDER BY t.created_at DESC, t.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		tok, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, *tok)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked; a revoked token never authenticates again.
func (t *Tx) RevokeToken(id string) (*Token, error) {
	tok, err := scanToken(t.queryRow(`SELECT `+tokenCols+` FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?`, id))
	if err != nil {
		return nil, err
	}
	if tok.RevokedAt == nil {
		now := t.stamp()
		if _, err := t.exec(`UPDATE tokens SET revoked_at = ? WHERE id = ?`, now, id); err != nil {
			return nil, fmt.Errorf("revoke token: %w", err)
		}
		tok.RevokedAt = &now
		t.tokensChanged()
	}
	return tok, nil
}

// TokenActive reports whether the token is still good: it exists and is
// not revoked. It reads the database, never the sign-in cache, so a
// long-lived stream that asks sees a revocation made by any process.
func (t *Tx) TokenActive(id string) (bool, error) {
	var revoked *string
	err := t.queryRow(`SELECT revoked_at FROM tokens WHERE id = ?`, id).Scan(&revoked)
	if err := notFound(err); err != nil {
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		return false, fmt.Errorf("check token: %w", err)
	}
	return revoked == nil, nil
}

// ForgetTokens drops every remembered sign-in, so the next request of each
// token reads the database: for when a revocation made by another process
// has been seen.
func (s *Store) ForgetTokens() { s.tokens.clear() }

// EnsureLocalUser returns the local user, creating them (with their Personal
// space and its General project) the first time a data directory is used.
func (s *Store) EnsureLocalUser(ctx context.Context, name string) (*User, error) {
	var u *User
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		u, err = tx.LocalUser()
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		// Someone may already have made a user of that name by hand.
		if u, err = tx.UserByName(name); err == nil {
			_, err = tx.exec(`UPDATE users SET is_local = 1 WHERE id = ?`, u.ID)
			return err
		}
		u, err = tx.CreateUser(name, nil, true)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set up the local user: %w", err)
	}
	return u, nil
}

// tokenTTL bounds how long an authentication is reused from memory. A
// token revoked by this process stops working at once; one revoked by
// another process (lanes token revoke beside a running server) within this.
const tokenTTL = 5 * time.Second

// tokenCache remembers recent authentications: every request needs one, and
// a read transaction costs more than the rest of a small request.
type tokenCache struct {
	mu sync.Mutex
	m  map[string]cachedToken
	// gen counts clears, so a lookup that raced a revocation is not cached.
	gen uint64
}

type cachedToken struct {
	tok    Token
	user   User
	stored []byte
	at     time.Time
}

func (c *tokenCache) get(hash []byte, now time.Time) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[string(hash)]
	if !ok || now.Sub(e.at) > tokenTTL || now.Before(e.at) {
		return cachedToken{}, false
	}
	return e, true
}

func (c *tokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *tokenCache) put(hash []byte, e cachedToken, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= 4096 {
		clear(c.m)
	}
	c.m[string(hash)] = e
}

func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.gen++
}

// tokensChanged forgets cached authentications once the transaction
// commits, here and in every process over the database.
func (t *Tx) tokensChanged() {
	t.onCommit = append(t.onCommit, t.s.tokensChanged)
	t.notice(noticeTokens)
}

// tokensChanged forgets this process's cached sign-ins and wakes its
// feeds, which look again at their tokens (see TokensChanged).
func (s *Store) tokensChanged() {
	s.tokens.clear()
	s.changed.notify()
}

// TokensChanged counts the times this process has heard that tokens
// changed (made or revoked, here or by another process). A long-lived
// stream that sees it move checks its token again at once.
func (s *Store) TokensChanged() uint64 { return s.tokens.generation() }

// TokenUser finds the token with this hash, its user, and the stored hash
// (for the caller's constant-time compare). It is the one query of every
// request's authentication, so it runs as a single prepared statement
// rather than a transaction.
func (s *Store) TokenUser(ctx context.Context, hash []byte) (*Token, *User, []byte, error) {
	now := time.Now()
	if e, ok := s.tokens.get(hash, now); ok {
		return &e.tok, &e.user, e.stored, nil
	}
	gen := s.tokens.generation()
	var (
		tok    Token
		u      User
		stored []byte
		local  int
	)
	err := s.e.lookup(ctx, `SELECT `+tokenCols+`, t.hash, u.email, u.is_local, u.created_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, []any{hash},
		&tok.ID, &tok.UserID, &tok.UserName, &tok.Label, &tok.CreatedAt, &tok.LastUsedAt,
		&tok.RevokedAt, &stored, &u.Email, &local, &u.CreatedAt)
	if err != nil {
		if err := notFound(err); errors.Is(err, ErrNotFound) {
			return nil, nil, nil, err
		}
		return nil, nil, nil, fmt.Errorf("authenticate: %w", err)
	}
	u.ID, u.Name, u.IsLocal = tok.UserID, tok.UserName, local == 1
	s.tokens.put(hash, cachedToken{tok: tok, user: u, stored: stored, at: now}, gen)
	return &tok, &u, stored, nil
}
