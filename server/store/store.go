// Package store keeps the task server's data: users, tokens, spaces,
// members, projects, statuses, tasks, comments, the change log, the
// idempotency records, and webhook subscriptions with their outbox, in a
// SQLite file (one process) or in PostgreSQL (any number of processes over
// one database). It knows nothing of HTTP or roles; the server decides who
// may do what and calls the store inside one transaction per request.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// TimeFormat is how every time is stored and sent: UTC with milliseconds,
// the shape JavaScript's toISOString produces and the seed's examples use.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// FormatTime renders t in TimeFormat.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }

var (
	// ErrNotFound means the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique constraint refused the write.
	ErrConflict = errors.New("conflict")
	// ErrDiskFull means there was no room for the write: SQLite's
	// SQLITE_FULL (the disk, or the database's page limit) or the
	// operating system's ENOSPC. The transaction wrote nothing.
	ErrDiskFull = errors.New("disk full")
)

// Store is the database, on one of two engines: a SQLite file (the
// default, one process) or PostgreSQL (any number of processes over one
// database). It is safe for concurrent use. Write transactions run one at a
// time on either engine (SQLite has one writer; on PostgreSQL every write
// transaction first takes one advisory lock), so every write sees the
// database as the one before it left it, positions in a column are made in
// order, and the change log's sequence numbers commit in order: a reader
// that has seen change N has seen every change before it.
type Store struct {
	e       engine
	now     func() time.Time
	tokens  tokenCache
	changed signal
	queued  signal // a webhook delivery was queued (see DeliveriesQueued)
	// maxPages, if set, caps the database's size in pages (SQLite only).
	maxPages int
}

// signal wakes everyone waiting when the change log grows: on a change
// committed by this process, or (on PostgreSQL) by any other process over
// the same database. (With SQLite, changes by another process are seen by
// readers' polling.)
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// Changed returns a channel closed at the next change logged after the call.
func (s *Store) Changed() <-chan struct{} {
	s.changed.mu.Lock()
	defer s.changed.mu.Unlock()
	if s.changed.ch == nil {
		s.changed.ch = make(chan struct{})
	}
	return s.changed.ch
}

func (g *signal) notify() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch != nil {
		close(g.ch)
		g.ch = nil
	}
}

// engine is what differs between the databases the store runs on: how
// transactions begin and commit, how SQL reaches the database, how the
// schema is brought up to date, and how other processes hear of changes.
// Everything above it (every query the store makes) is written once, in
// the SQL both engines speak.
type engine interface {
	// begin starts a transaction: a write transaction runs alone among
	// writers; a read transaction sees one snapshot.
	begin(ctx context.Context, write bool) (conn, error)
	// lookup runs one query outside a transaction, scanning its row into
	// dest (the sign-in lookup every request makes).
	lookup(ctx context.Context, query string, args []any, dest ...any) error
	// migrate brings the schema up to date.
	migrate(ctx context.Context) error
	// indexedBy is the clause that makes the table before it be read
	// through index, where the engine needs telling ("" where it doesn't).
	indexedBy(index string) string
	// searchQuery is the query of a full-text search, and its arguments
	// (see Tx.Search for the columns it reads).
	searchQuery(f SearchFilter) (string, []any)
	// describe names the database for logs, without secrets.
	describe() string
	close() error
}

// conn is one transaction of an engine.
type conn interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rows, error)
	queryRow(ctx context.Context, query string, args ...any) row
	// commit commits, first telling other processes what the
	// transaction changed (notices) where the engine can.
	commit(ctx context.Context, notices []string) error
	rollback()
}

type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

type row interface{ Scan(dest ...any) error }

// What a committed transaction tells other processes over one database.
const (
	noticeChanges    = "changes"    // the change log grew
	noticeTokens     = "tokens"     // a token was revoked or made
	noticeDeliveries = "deliveries" // a webhook delivery was queued
)

// Option changes how Open builds a Store.
type Option func(*Store)

// WithClock makes the store read the time from now instead of time.Now.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithMaxPages caps the database at n pages (SQLite's max_page_count), so
// a write that needs more fails as on a full disk. It is for tests: a full
// disk without filling one. PostgreSQL ignores it.
func WithMaxPages(n int) Option { return func(s *Store) { s.maxPages = n } }

func newStore(opts []Option) *Store {
	s := &Store{now: time.Now, tokens: tokenCache{m: map[string]cachedToken{}}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// IsURL reports whether db names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a SQLite file.
func IsURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// OpenDB opens db: a PostgreSQL URL (see IsURL) or the path of a SQLite
// file.
func OpenDB(ctx context.Context, db string, opts ...Option) (*Store, error) {
	if IsURL(db) {
		return OpenPostgres(ctx, db, opts...)
	}
	return Open(ctx, db, opts...)
}

// Path names the database: the SQLite file, or the PostgreSQL server and
// database (without the password).
func (s *Store) Path() string { return s.e.describe() }

// Close closes the database's connections (checkpointing SQLite's WAL).
func (s *Store) Close() error { return s.e.close() }

// Tx is one transaction. Every method works inside it; the Store's Write and
// Read commit or roll it back.
type Tx struct {
	c conn
	s *Store
	// onCommit runs after the transaction commits.
	onCommit []func()
	logged   bool // a change was logged: wake the feed's readers on commit
	notices  []string
	ctx      context.Context
	now      time.Time
	actor    string // the user whose request this is ("" for the server's own work)
	// hooks are the active webhook subscriptions of each space the
	// transaction logged a change of (nil: none read yet).
	hooks     map[string][]hookSub
	queued    bool  // a webhook delivery was queued: wake the workers on commit
	respacing bool  // rebalance is rewriting a column's keys: no webhook event
	memo      *memo // what was read of projects, columns and labels (see memo.go)
}

// SetActor names the user whose request the transaction carries out: the
// change log and each task's activity say who made a change.
func (t *Tx) SetActor(userID string) { t.actor = userID }

// Now is the transaction's clock reading, the same for every row it writes.
func (t *Tx) Now() time.Time { return t.now }

func (t *Tx) stamp() string { return FormatTime(t.now) }

// Write runs fn in a write transaction, alone among writers: all or
// nothing.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	return s.run(ctx, true, fn)
}

// Read runs fn in a read transaction, a consistent snapshot.
func (s *Store) Read(ctx context.Context, fn func(*Tx) error) error {
	return s.run(ctx, false, fn)
}

func (s *Store) run(ctx context.Context, write bool, fn func(*Tx) error) error {
	c, err := s.e.begin(ctx, write)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", mapErr(err))
	}
	finished := false
	defer func() {
		// fn failed, panicked or ended its goroutine (a test's Fatal): the
		// transaction is rolled back and its connection given back.
		if !finished {
			c.rollback()
		}
	}()
	t := &Tx{c: c, s: s, ctx: ctx, now: s.now()}
	if err := fn(t); err != nil {
		return mapErr(err)
	}
	finished = true
	if err := c.commit(ctx, t.notices); err != nil {
		// In SQLite's WAL mode the pages reach the disk here, so this is
		// where the operating system's ENOSPC shows.
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	for _, f := range t.onCommit {
		f()
	}
	return nil
}

// notice has other processes told, when the transaction commits.
func (t *Tx) notice(what string) {
	if !slices.Contains(t.notices, what) {
		t.notices = append(t.notices, what)
	}
}

func (t *Tx) exec(query string, args ...any) (int64, error) {
	t.forget(query)
	n, err := t.c.exec(t.ctx, query, args...)
	return n, mapErr(err)
}

func (t *Tx) query(query string, args ...any) (rows, error) {
	t.forget(query)
	return t.c.query(t.ctx, query, args...)
}

func (t *Tx) queryRow(query string, args ...any) row {
	t.forget(query)
	return t.c.queryRow(t.ctx, query, args...)
}

// mapErr turns a unique-constraint failure into ErrConflict, and a full
// disk into ErrDiskFull, whichever engine reported it.
func mapErr(err error) error {
	if err == nil || errors.Is(err, ErrConflict) || errors.Is(err, ErrDiskFull) {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	switch {
	case sqliteConflict(err), postgresConflict(err):
		return fmt.Errorf("%w: %v", ErrConflict, err)
	case sqliteFull(err), postgresFull(err):
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	return err
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// NewID makes a new row id: a UUIDv7, so new rows land at the end of indexes.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// migration is one numbered schema step of an engine.
type migration struct {
	name    string
	version int
	body    string
}

// migrationSteps are the engine's migrations after version, in order.
func migrationSteps(dir string, version int) ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/"+dir+"/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	slices.Sort(names)
	var out []migration
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number", name)
		}
		if n <= version {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, migration{name: name, version: n, body: string(body)})
	}
	return out, nil
}
