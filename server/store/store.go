// Package store keeps the task server's data in SQLite: users, tokens, spaces,
// members, projects, statuses, tasks, comments, the change log and the
// idempotency records. It knows nothing of HTTP or roles; the server decides
// who may do what and calls the store inside one transaction per request.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
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

// Store is the database. It is safe for concurrent use: writes go through a
// single connection (SQLite has one writer anyway, and queueing in Go beats
// SQLITE_BUSY), reads through a pool that WAL lets run beside the writer.
type Store struct {
	w, r    *pool
	now     func() time.Time
	path    string
	tokens  tokenCache
	changed signal
	// maxPages, if set, caps the database's size in pages (on the writer).
	maxPages int
}

// signal wakes everyone waiting when the change log grows in this process.
// (Changes by another process are seen by readers' polling.)
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

// pool is a connection pool with its prepared statements. Parsing SQL costs
// modernc's SQLite more than running a small statement, so each statement
// is prepared once per connection and kept.
//
// At most n transactions run at once (sem), on a database/sql pool of n+1
// connections: preparing a statement needs a connection of its own, and the
// spare one means it never waits on a transaction that is itself waiting to
// prepare.
type pool struct {
	db    *sql.DB
	sem   chan struct{}
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newPool(db *sql.DB, n int) *pool {
	db.SetMaxOpenConns(n + 1)
	db.SetMaxIdleConns(n + 1)
	db.SetConnMaxIdleTime(0)
	return &pool{db: db, sem: make(chan struct{}, n), stmts: map[string]*sql.Stmt{}}
}

// acquire waits for a transaction slot.
func (p *pool) acquire(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pool) release() { <-p.sem }

// stmt is query prepared on the pool (lazily per connection by database/sql).
func (p *pool) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.stmts[query]; ok {
		return st, nil
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = st
	return st, nil
}

func (p *pool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for q, st := range p.stmts {
		st.Close()
		delete(p.stmts, q)
	}
	return p.db.Close()
}

// Option changes how Open builds a Store.
type Option func(*Store)

// WithClock makes the store read the time from now instead of time.Now.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithMaxPages caps the database at n pages (SQLite's max_page_count), so
// a write that needs more fails as on a full disk. It is for tests: a full
// disk without filling one.
func WithMaxPages(n int) Option { return func(s *Store) { s.maxPages = n } }

// Open opens (creating if needed) the database file at path and brings its
// schema up to date.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// The database holds token hashes and everyone's tasks: it is made
	// readable by its owner only, before SQLite would make it by the umask
	// (its -wal and -shm files take the database's mode).
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{now: time.Now, path: path, tokens: tokenCache{m: map[string]cachedToken{}}}
	for _, o := range opts {
		o(s)
	}
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)", "temp_store(MEMORY)", "cache_size(-32000)"} {
		q.Add("_pragma", p)
	}
	base := "file:" + filepath.ToSlash(path) + "?"
	wq := q.Encode() + "&_txlock=immediate"
	if s.maxPages > 0 {
		wq += "&_pragma=" + url.QueryEscape(fmt.Sprintf("max_page_count(%d)", s.maxPages))
	}
	w, err := sql.Open("sqlite", base+wq)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer: SQLite has only one anyway, and queueing in Go beats
	// SQLITE_BUSY.
	s.w, s.r = newPool(w, 1), newPool(r, max(4, runtime.NumCPU()))
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes both connection pools, checkpointing the WAL.
func (s *Store) Close() error {
	return errors.Join(s.r.close(), s.w.close())
}

func (s *Store) migrate(ctx context.Context) error {
	var version int
	if err := s.w.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its number", name)
		}
		if n <= version {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read migration %s: %w", name, err)
		}
		tx, err := s.w.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		version = n
	}
	return nil
}

// Tx is one transaction. Every method works inside it; the Store's Write and
// Read commit or roll it back.
type Tx struct {
	tx *sql.Tx
	p  *pool
	s  *Store
	// onCommit runs after the transaction commits.
	onCommit []func()
	logged   bool // a change was logged: wake the feed's readers on commit
	ctx      context.Context
	now      time.Time
}

// Now is the transaction's clock reading, the same for every row it writes.
func (t *Tx) Now() time.Time { return t.now }

func (t *Tx) stamp() string { return FormatTime(t.now) }

// Write runs fn in a write transaction (BEGIN IMMEDIATE): all or nothing.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	return s.run(ctx, s.w, fn)
}

// Read runs fn in a read transaction, a consistent snapshot.
func (s *Store) Read(ctx context.Context, fn func(*Tx) error) error {
	return s.run(ctx, s.r, fn)
}

func (s *Store) run(ctx context.Context, p *pool, fn func(*Tx) error) error {
	if err := p.acquire(ctx); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer p.release()
	sqlTx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", mapErr(err))
	}
	t := &Tx{tx: sqlTx, p: p, s: s, ctx: ctx, now: s.now()}
	if err := fn(t); err != nil {
		sqlTx.Rollback()
		return mapErr(err)
	}
	if err := sqlTx.Commit(); err != nil {
		// In WAL mode the pages reach the disk here, so this is where the
		// operating system's ENOSPC shows.
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	for _, f := range t.onCommit {
		f()
	}
	return nil
}

// prepared is query as a statement of this transaction.
func (t *Tx) prepared(query string) (*sql.Stmt, error) {
	st, err := t.p.stmt(t.ctx, query)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(t.ctx, st), nil
}

func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	st, err := t.prepared(query)
	if err != nil {
		return nil, mapErr(err)
	}
	res, err := st.ExecContext(t.ctx, args...)
	return res, mapErr(err)
}

func (t *Tx) query(query string, args ...any) (*sql.Rows, error) {
	st, err := t.prepared(query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(t.ctx, args...)
}

func (t *Tx) queryRow(query string, args ...any) *sql.Row {
	st, err := t.prepared(query)
	if err != nil {
		// A Row carrying the error: QueryRowContext on the transaction
		// reports the same preparation failure from Scan.
		return t.tx.QueryRowContext(t.ctx, query, args...)
	}
	return st.QueryRowContext(t.ctx, args...)
}

// mapErr turns SQLite's unique-constraint failures into ErrConflict, and
// a full disk (SQLITE_FULL, or ENOSPC from the OS) into ErrDiskFull.
func mapErr(err error) error {
	if err == nil || errors.Is(err, ErrConflict) || errors.Is(err, ErrDiskFull) {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: %v", ErrDiskFull, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch code := se.Code(); {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", ErrConflict, err)
		case code&0xff == sqlite3.SQLITE_FULL: // the primary code, whatever the extended one
			return fmt.Errorf("%w: %v", ErrDiskFull, err)
		}
	}
	return err
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
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
