package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteEngine is a SQLite file: writes go through a single connection
// (SQLite has one writer anyway, and queueing in Go beats SQLITE_BUSY),
// reads through a pool that WAL lets run beside the writer.
type sqliteEngine struct {
	w, r *pool
	path string
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

// Open opens (creating if needed) the SQLite database file at path and
// brings its schema up to date.
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
	s := newStore(opts)
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
	e := &sqliteEngine{w: newPool(w, 1), r: newPool(r, max(4, runtime.NumCPU())), path: path}
	s.e = e
	if err := e.migrate(ctx); err != nil {
		e.close()
		return nil, err
	}
	return s, nil
}

func (e *sqliteEngine) describe() string { return e.path }

// indexedBy names the index: SQLite's planner, left to itself, reads a
// project's tasks through the primary key and sorts them all.
func (e *sqliteEngine) indexedBy(index string) string { return " INDEXED BY " + index }

// close closes both connection pools, checkpointing the WAL.
func (e *sqliteEngine) close() error { return errors.Join(e.r.close(), e.w.close()) }

func (e *sqliteEngine) migrate(ctx context.Context) error {
	var version int
	if err := e.w.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	steps, err := migrationSteps("sqlite", version)
	if err != nil {
		return err
	}
	for _, m := range steps {
		tx, err := e.w.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, m.body); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

func (e *sqliteEngine) begin(ctx context.Context, write bool) (conn, error) {
	p := e.r
	if write {
		p = e.w // BEGIN IMMEDIATE: the writer's lock from the start
	}
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		p.release()
		return nil, err
	}
	return &sqliteConn{tx: tx, p: p, write: write}, nil
}

func (e *sqliteEngine) lookup(ctx context.Context, query string, args []any, dest ...any) error {
	if err := e.r.acquire(ctx); err != nil {
		return err
	}
	defer e.r.release()
	st, err := e.r.stmt(ctx, query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(ctx, args...).Scan(dest...)
}

// sqliteConn is a SQLite transaction holding a slot of its pool.
type sqliteConn struct {
	tx    *sql.Tx
	p     *pool
	done  bool
	write bool
}

func (c *sqliteConn) finish() {
	if !c.done {
		c.done = true
		c.p.release()
	}
}

func (c *sqliteConn) commit(ctx context.Context, _ []string) error {
	defer c.finish()
	if c.write {
		if err := c.syncSearch(ctx); err != nil {
			c.tx.Rollback()
			return err
		}
	}
	return c.tx.Commit()
}

// syncSearch puts the current text of the documents the transaction
// changed into the search index (see migration 0008), in one statement.
func (c *sqliteConn) syncSearch(ctx context.Context) error {
	var dirty bool
	if err := c.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM search_dirty)`).Scan(&dirty); err != nil {
		return fmt.Errorf("index for search: %w", err)
	}
	if !dirty {
		return nil
	}
	for _, q := range []string{
		`INSERT INTO search_index (rowid, title, body) SELECT d.id, d.title, d.body FROM search_docs d JOIN search_dirty x ON x.id = d.id`,
		`DELETE FROM search_dirty`,
	} {
		if _, err := c.exec(ctx, q); err != nil {
			return fmt.Errorf("index for search: %w", err)
		}
	}
	return nil
}

func (c *sqliteConn) rollback() {
	defer c.finish()
	c.tx.Rollback()
}

// prepared is query as a statement of this transaction.
func (c *sqliteConn) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	st, err := c.p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return c.tx.StmtContext(ctx, st), nil
}

func (c *sqliteConn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	st, err := c.prepared(ctx, query)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c *sqliteConn) query(ctx context.Context, query string, args ...any) (rows, error) {
	st, err := c.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (c *sqliteConn) queryRow(ctx context.Context, query string, args ...any) row {
	st, err := c.prepared(ctx, query)
	if err != nil {
		// A Row carrying the error: QueryRowContext on the transaction
		// reports the same preparation failure from Scan.
		return c.tx.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// sqliteConflict is SQLite refusing a duplicate key.
func sqliteConflict(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code()
	return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// sqliteFull is SQLITE_FULL, whatever the extended code.
func sqliteFull(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL
}
