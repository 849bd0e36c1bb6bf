package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// postgresEngine is a PostgreSQL database shared by any number of lanes
// processes. It keeps SQLite's rules where the store relies on them:
//
//   - Write transactions run one at a time across every process: each
//     first takes one transaction-scoped advisory lock (writeLock). So a
//     write reads what it changes with nothing changing under it, a
//     column's positions are made in order, idempotency keys are checked
//     and stored without a race, and the change log's sequence numbers
//     are committed in order, so a feed that has read change N will never
//     later find a change below N appear.
//   - A read transaction is one snapshot (REPEATABLE READ, READ ONLY).
//   - A transaction that changed the log or the tokens sends a NOTIFY as
//     it commits; every process LISTENs and wakes its feeds or forgets
//     its cached sign-ins (see listen).
//
// Several lanes servers may share one database in different schemas (the
// URL's search_path): the locks and the notification channel are keyed by
// the schema's name.
type postgresEngine struct {
	pool    *pgxpool.Pool
	url     string // for describe, without the password
	key     int32  // the schema's advisory-lock class
	channel string // the schema's notification channel

	sqlMu sync.RWMutex
	sql   map[string]string // queries with ? rewritten as $n

	mesh *Mesh

	// writer is the process's one place in the queue for the write lock:
	// a write transaction takes it before a connection. So at most one
	// connection of the pool waits on (or holds) the lock, and reads,
	// sign-ins and feeds keep the rest while writes queue; and a process
	// that freezes holds up the others' writes once, not once per write
	// it had waiting.
	writer chan struct{}

	stop context.CancelFunc
	done chan struct{} // closed when the listener and the mesh have stopped
}

// The advisory locks a schema's lanes processes take, as (key, object).
const (
	writeLock   = 1 // every write transaction, for its length
	migrateLock = 2 // migrations, for their length
)

// listenRetry is how long the listener waits before connecting again after
// losing its connection.
const listenRetry = 500 * time.Millisecond

// IdleInTransaction is how long PostgreSQL lets a lanes connection sit
// idle inside a transaction before it ends the session (its
// idle_in_transaction_session_timeout, unless the URL sets one). lanes
// never waits on anything but the database inside a transaction, so only
// a process that stopped running (frozen, stalled, stopped in a debugger)
// gets there; without the bound, one frozen in the middle of a write would
// hold the write lock, and so every process's writes, until it ran again.
const IdleInTransaction = 5 * time.Second

// OpenPostgres connects to the PostgreSQL database at url
// (postgres://user@host/dbname?…; a search_path parameter picks a schema),
// brings its schema up to date under an advisory lock (so processes
// starting together migrate once), and listens for other processes'
// changes.
func OpenPostgres(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("read database URL: %w", err)
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	if _, set := cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"]; !set {
		cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = strconv.FormatInt(IdleInTransaction.Milliseconds(), 10)
	}
	s := newStore(opts)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redact(cfg.ConnConfig), err)
	}
	e := &postgresEngine{pool: pool, url: redact(cfg.ConnConfig), sql: map[string]string{}, done: make(chan struct{}),
		writer: make(chan struct{}, 1)}
	var current *string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&current); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", e.url, err)
	}
	if current == nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: no schema of the search_path %q exists; make it first (CREATE SCHEMA)",
			e.url, cfg.ConnConfig.RuntimeParams["search_path"])
	}
	schema := *current
	h := fnv.New32a()
	h.Write([]byte("lanes:" + schema))
	e.key = int32(h.Sum32())
	e.channel = fmt.Sprintf("lanes_%08x", h.Sum32())
	if err := e.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	e.mesh = newMesh(e)
	lctx, stop := context.WithCancel(context.Background())
	e.stop = stop
	ready := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); e.listen(lctx, s, ready) }()
	go func() { defer wg.Done(); e.mesh.run(lctx) }()
	go func() { wg.Wait(); close(e.done) }()
	select {
	case err := <-ready:
		if err != nil {
			e.close()
			return nil, fmt.Errorf("listen for changes on %s: %w", e.url, err)
		}
	case <-ctx.Done():
		e.close()
		return nil, ctx.Err()
	}
	s.e = e
	return s, nil
}

// redact is the database's address for messages: user, host, port and
// database, never the password.
func redact(c *pgx.ConnConfig) string {
	return fmt.Sprintf("postgres://%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

func (e *postgresEngine) describe() string { return e.url }

// indexedBy is nothing: PostgreSQL takes no index hints, and its planner
// chooses the column index for a project's tasks by itself.
func (e *postgresEngine) indexedBy(string) string { return "" }

func (e *postgresEngine) close() error {
	if e.stop != nil {
		e.stop()
		<-e.done
	}
	e.pool.Close()
	return nil
}

// listen holds one connection LISTENing on the schema's channels for as
// long as the store is open: the mesh's messages go to the mesh, and on
// the change channel it wakes this process on what others commit:
// the change log grew (the feeds read it), or tokens changed (cached
// sign-ins are forgotten). A lost connection is made again; since anything
// may have happened while it was down, the feeds are woken and the sign-ins
// forgotten as soon as it listens again, and the feeds catch up from the
// log by sequence number. ready hears the first attempt's outcome.
func (e *postgresEngine) listen(ctx context.Context, s *Store, ready chan<- error) {
	first := true
	for ctx.Err() == nil {
		err := e.listenOnce(ctx, s, func() {
			if first {
				first = false
				ready <- nil
				return
			}
			s.changed.notify()
			s.tokens.clear()
			s.queued.notify()
		})
		if first {
			ready <- err
			return
		}
		if ctx.Err() != nil {
			return
		}
		slog.Default().Debug("lanes: change listener lost its connection; connecting again", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenRetry):
		}
	}
}

// listenOnce listens on one connection until it fails; listening calls
// up once LISTEN has taken effect.
func (e *postgresEngine) listenOnce(ctx context.Context, s *Store, listening func()) error {
	c, err := e.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection is not given back: a connection that has listened
	// keeps its registration, so it is closed instead.
	conn := c.Hijack()
	defer conn.Close(context.Background())
	// One statement for both channels: it is what pg_stat_activity shows
	// of the connection ("LISTEN <channel>; …"), so an operator can tell
	// the listening connections apart.
	listen := `LISTEN ` + pgx.Identifier{e.channel}.Sanitize() + `; LISTEN ` + pgx.Identifier{e.channel + "_mesh"}.Sanitize()
	if _, err := conn.Exec(ctx, listen); err != nil {
		return err
	}
	listening()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel != e.channel {
			e.mesh.receive(n.Payload)
			continue
		}
		what, from, _ := strings.Cut(n.Payload, " ")
		if from == e.mesh.self {
			continue // this process's own commit: heard already, as it committed
		}
		switch what {
		case noticeChanges:
			s.changed.notify()
		case noticeTokens:
			s.tokensChanged()
		case noticeDeliveries:
			s.queued.notify()
		}
	}
}

// migrate applies the schema's missing migrations, each in its own
// transaction, holding a session advisory lock so that processes starting
// together wait for one another instead of racing.
func (e *postgresEngine) migrate(ctx context.Context) error {
	c, err := e.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", e.url, err)
	}
	defer c.Release()
	if _, err := c.Exec(ctx, `SELECT pg_advisory_lock($1, $2)`, e.key, migrateLock); err != nil {
		return fmt.Errorf("migrate %s: take the migration lock: %w", e.url, err)
	}
	defer c.Exec(context.Background(), `SELECT pg_advisory_unlock($1, $2)`, e.key, migrateLock)
	if _, err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate %s: %w", e.url, err)
	}
	var version int
	if err := c.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	steps, err := migrationSteps("postgres", version)
	if err != nil {
		return err
	}
	for _, m := range steps {
		err := pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.body); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// rewrite is query with each ? placeholder numbered as PostgreSQL wants
// ($1, $2, …), remembered per query. The store's SQL holds no ? in a
// string literal.
func (e *postgresEngine) rewrite(query string) string {
	e.sqlMu.RLock()
	q, ok := e.sql[query]
	e.sqlMu.RUnlock()
	if ok {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	q = b.String()
	e.sqlMu.Lock()
	e.sql[query] = q
	e.sqlMu.Unlock()
	return q
}

func (e *postgresEngine) begin(ctx context.Context, write bool) (conn, error) {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	if write {
		opts = pgx.TxOptions{IsoLevel: pgx.ReadCommitted}
		select {
		case e.writer <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &postgresConn{e: e, write: write}
	err := e.onLiveConn(ctx, func() (err error) {
		c.tx, err = e.pool.BeginTx(ctx, opts)
		return err
	})
	if err != nil {
		c.leave()
		return nil, err
	}
	if write {
		// Taken first, before anything is read: every statement after it
		// sees every write committed before it.
		if _, err := c.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, e.key, writeLock); err != nil {
			c.rollback()
			return nil, err
		}
	}
	return c, nil
}

func (e *postgresEngine) lookup(ctx context.Context, query string, args []any, dest ...any) error {
	return e.onLiveConn(ctx, func() error {
		return e.pool.QueryRow(ctx, e.rewrite(query), args...).Scan(dest...)
	})
}

// onLiveConn runs fn, a first statement on a connection from the pool
// (BEGIN, or a lone read), again while it fails because the connection
// turns out to be gone: the database restarted, failed over, or had it
// terminated while it sat idle in the pool. Nothing ran on such a
// connection, and the pool drops it, so the request goes on with another
// rather than failing. Every idle connection may be gone, so fn is tried
// once more than the pool holds.
func (e *postgresEngine) onLiveConn(ctx context.Context, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || ctx.Err() != nil || attempt >= int(e.pool.Config().MaxConns) || !connGone(err) {
			return err
		}
	}
}

// connGone says whether err means the connection was found dead on first
// use: the server had closed it (a FATAL error such as 57P01
// admin_shutdown, read from a connection it then closed), or it could
// not be written to.
func connGone(err error) bool {
	if pgconn.SafeToRetry(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// admin_shutdown (a terminated backend, a restart) and
		// crash_shutdown; not every FATAL (a refused password, too many
		// connections), which another try can't mend.
		return pe.Code == "57P01" || pe.Code == "57P02"
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// postgresConn is a PostgreSQL transaction.
type postgresConn struct {
	e     *postgresEngine
	tx    pgx.Tx
	write bool // it holds the engine's writer place until it ends
	ended bool
}

// leave gives back the writer place, once the transaction has ended.
func (c *postgresConn) leave() {
	if c.write && !c.ended {
		c.ended = true
		<-c.e.writer
	}
}

func (c *postgresConn) commit(ctx context.Context, notices []string) error {
	defer c.leave()
	for _, n := range notices {
		// Delivered when (and only if) the transaction commits. The
		// payload only names what changed and the process that says so,
		// well inside NOTIFY's 8000 bytes: listeners read the changes
		// themselves from the log, and skip their own process's.
		if _, err := c.tx.Exec(ctx, `SELECT pg_notify($1, $2)`, c.e.channel, n+" "+c.e.mesh.self); err != nil {
			c.rollback()
			return err
		}
	}
	return c.tx.Commit(ctx)
}

func (c *postgresConn) rollback() {
	defer c.leave()
	c.tx.Rollback(context.Background())
}

func (c *postgresConn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := c.tx.Exec(ctx, c.e.rewrite(query), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c *postgresConn) query(ctx context.Context, query string, args ...any) (rows, error) {
	r, err := c.tx.Query(ctx, c.e.rewrite(query), args...)
	if err != nil {
		return nil, err
	}
	return pgRows{r}, nil
}

func (c *postgresConn) queryRow(ctx context.Context, query string, args ...any) row {
	return c.tx.QueryRow(ctx, c.e.rewrite(query), args...)
}

// pgRows is pgx's rows as the store reads them.
type pgRows struct{ pgx.Rows }

func (r pgRows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}

// postgresConflict is a unique_violation.
func postgresConflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// postgresFull is disk_full: the server had no room for the write.
func postgresFull(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "53100"
}
