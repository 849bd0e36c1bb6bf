package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNotEmpty means Copy's target already holds data: Copy only fills an
// empty database, so nothing is ever overwritten or merged.
var ErrNotEmpty = errors.New("the target database is not empty")

// CopyReport is what Copy did, table by table.
type CopyReport struct {
	From, To string // the databases, described without secrets
	Schema   string // the target's schema (its search_path)
	Tables   []TableReport
	// LastSeq is the highest sequence number of the copied change log (0
	// for an empty log); the target's next change gets a higher one.
	LastSeq int64
}

// TableReport is one table's copy. Rows were read from the source, written
// to the target, and read back from it before the commit, with the same
// count and Checksum on both sides.
type TableReport struct {
	Table string
	Rows  int64
	// Checksum is the hex SHA-256 sum over the table's rows (see digest),
	// found alike in the source and in the target.
	Checksum string
	// Expired counts rows left behind because they no longer mean anything:
	// idempotency records older than IdempotencyTTL, or whose key the
	// server now refuses (see ValidIdempotencyKey).
	Expired int64
	// Replaced counts rows with text PostgreSQL can't hold (U+0000, or
	// bytes that are not UTF-8), which was replaced by U+FFFD; ReplacedKeys
	// names the first few of them (key and columns), for looking them over.
	Replaced     int64
	ReplacedKeys []string
}

// maxReplacedKeys is how many replaced rows a TableReport names.
const maxReplacedKeys = 5

// colKind is the type of a column's values, the same on either engine.
type colKind int

const (
	kindText colKind = iota
	kindInt
	kindFloat
	kindBytes
)

type copyCol struct {
	name string
	kind colKind
	null bool
}

// copyTable is one table as Copy moves it.
type copyTable struct {
	name string
	cols []copyCol
	key  []string // the primary key, for reading in order and naming rows
}

// tableOf is a table for copyTables: its name, its primary key (comma-
// separated), and its columns, each "name type" with type text, int, float
// or bytes, and a ? after the type if the column may be NULL.
func tableOf(name, key, cols string) copyTable {
	t := copyTable{name: name, key: strings.Split(key, ", ")}
	kinds := map[string]colKind{"text": kindText, "int": kindInt, "float": kindFloat, "bytes": kindBytes}
	for _, c := range strings.Split(cols, ", ") {
		colName, typ, _ := strings.Cut(c, " ")
		typ, null := strings.CutSuffix(typ, "?")
		kind, ok := kinds[typ]
		if !ok {
			panic(fmt.Sprintf("copyTables: column %s.%s has no type", name, colName))
		}
		t.cols = append(t.cols, copyCol{name: colName, kind: kind, null: null})
	}
	return t
}

// copyTables is every table of the schema (after its migrations) in an
// order that puts each table after those its foreign keys point to. Copy
// refuses a database with a table or column that is not here, so a new
// migration can't be left out of a move unnoticed.
var copyTables = []copyTable{
	tableOf("users", "id", "id text, name text, email text?, is_local int, created_at text"),
	tableOf("tokens", "id", "id text, user_id text, label text, hash bytes, created_at text, "+
		"last_used_at text?, revoked_at text?"),
	tableOf("spaces", "id", "id text, name text, slug text, description text?, color text?, is_personal int, "+
		"created_at text, updated_at text"),
	tableOf("members", "space_id, user_id", "space_id text, user_id text, role text, joined_at text"),
	tableOf("projects", "id", "id text, space_id text, name text, slug text, description text?, default_view text, "+
		"color text?, is_archived int, created_at text, updated_at text"),
	tableOf("statuses", "id", "id text, project_id text, name text, color text?, position int, is_done int, "+
		"wip_limit int?"),
	// A subtask may come before its parent: a COPY is one statement, and
	// PostgreSQL checks a foreign key at the end of the statement.
	tableOf("tasks", "id", "id text, project_id text, status_id text?, parent_task_id text?, title text, "+
		"description text?, priority text, due_date text?, completed_at text?, is_archived int, "+
		"estimated_hours float?, position text, creator_id text, comment_count int, created_at text, "+
		"updated_at text, version int, reopen_status_id text?"),
	tableOf("task_assignees", "task_id, user_id", "task_id text, user_id text, assigned_at text"),
	tableOf("comments", "id", "id text, task_id text, author_id text, content text, created_at text, updated_at text"),
	tableOf("labels", "id", "id text, project_id text, name text, color text?, created_at text"),
	tableOf("task_labels", "task_id, label_id", "task_id text, label_id text"),
	tableOf("changes", "seq", "seq int, space_id text, kind text, object_id text, payload text, created_at text"),
	tableOf("idempotency", "token_id, key", "token_id text, key text, request_hash bytes, status int, body bytes, "+
		"created_at text"),
	tableOf("trash", "task_id", "task_id text, project_id text, space_id text, deleted_at text, snapshot text"),
	tableOf("activity", "seq", "seq int, task_id text, kind text, actor_id text?, changes text?, created_at text"),
	tableOf("webhooks", "id", "id text, space_id text, project_id text?, url text, events text, description text?, "+
		"secret text, owner_id text, failing_since text?, disabled_at text?, disabled_reason text?, created_at text, updated_at text"),
	tableOf("webhook_deliveries", "seq", "seq int, id text, webhook_id text, event text, payload text, state text, "+
		"attempts int, next_attempt_at text, give_up_at text, leased_until text?, lease text?, last_attempt_at text?, "+
		"response_code int?, duration_ms int?, error text?, created_at text, finished_at text?"),
}

// Copy copies everything in from (a SQLite or PostgreSQL store) into to,
// which must be an empty PostgreSQL store, in one transaction on each
// side: a snapshot of from, and one write transaction on to (holding its
// write lock, so no lanes server writes beside it).
//
// Every row is copied as it is (ids, token hashes, positions, times, the
// change log's sequence numbers), except two kinds:
//   - idempotency records older than IdempotencyTTL, or with a key the
//     server now refuses (not printable ASCII), which no retry may replay
//     any more, are left behind (counted as Expired);
//   - text PostgreSQL can't store, U+0000 or bytes that are not UTF-8
//     (SQLite keeps either), is replaced by U+FFFD (counted as Replaced,
//     with the first few rows named).
//
// The target's change-log sequence is moved past the last copied change,
// so new changes number on from there. Before committing, Copy reads every
// table back from the target and compares its row count and a checksum
// with what it read from the source; any difference, any row already in
// the target (ErrNotEmpty), or any error rolls everything back. (The
// target's indexes and constraints are set aside while it loads, and made
// again, checking every row, before the commit: see setAsideIndexes.)
func Copy(ctx context.Context, from, to *Store) (*CopyReport, error) {
	pe, ok := to.e.(*postgresEngine)
	if !ok {
		return nil, fmt.Errorf("copy into %s: the target must be a PostgreSQL database", to.Path())
	}
	rep := &CopyReport{From: from.Path(), To: to.Path()}
	src, err := from.e.begin(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rep.From, err)
	}
	defer src.rollback()
	c, err := pe.begin(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("write to %s: %w", rep.To, err)
	}
	dst := c.(*postgresConn)
	// The copy reads SQLite between its statements here, for as long as a
	// big file takes: not what the idle timeout is for (a frozen process).
	if _, err := dst.exec(ctx, `SET LOCAL idle_in_transaction_session_timeout = 0`); err != nil {
		dst.rollback()
		return nil, fmt.Errorf("write to %s: %w", rep.To, err)
	}
	committed := false
	defer func() {
		if !committed {
			dst.rollback()
		}
	}()
	if err := dst.queryRow(ctx, `SELECT current_schema()`).Scan(&rep.Schema); err != nil {
		return nil, fmt.Errorf("write to %s: %w", rep.To, err)
	}
	if err := checkSchema(ctx, from.e, src, rep.From); err != nil {
		return nil, err
	}
	if err := checkSchema(ctx, pe, dst, rep.To); err != nil {
		return nil, err
	}
	if err := checkEmpty(ctx, dst, rep.To+" (schema "+rep.Schema+")"); err != nil {
		return nil, err
	}
	aside, err := setAsideIndexes(ctx, dst)
	if err != nil {
		return nil, err
	}
	cutoff := FormatTime(to.now().Add(-IdempotencyTTL))
	for _, t := range copyTables {
		tr, err := copyOne(ctx, t, src, dst, cutoff)
		if err != nil {
			return nil, err
		}
		rep.Tables = append(rep.Tables, *tr)
	}
	if err := restoreIndexes(ctx, dst, aside); err != nil {
		return nil, err
	}
	if err := dst.queryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&rep.LastSeq); err != nil {
		return nil, fmt.Errorf("read the copied change log: %w", err)
	}
	if rep.LastSeq > 0 {
		// The identity sequence knows nothing of the copied numbers; the
		// next change must come after the last copied one, or its insert
		// would collide, and a board following the log (after=LastSeq)
		// would never see it.
		if _, err := dst.exec(ctx, `SELECT setval(pg_get_serial_sequence('changes', 'seq'), ?)`, rep.LastSeq); err != nil {
			return nil, fmt.Errorf("continue the change log's numbering after %d: %w", rep.LastSeq, err)
		}
	}
	// Likewise the webhook outbox: a new delivery must queue after the
	// copied ones.
	var lastDelivery int64
	if err := dst.queryRow(ctx, `SELECT coalesce(max(seq), 0) FROM webhook_deliveries`).Scan(&lastDelivery); err != nil {
		return nil, fmt.Errorf("read the copied webhook deliveries: %w", err)
	}
	if lastDelivery > 0 {
		if _, err := dst.exec(ctx, `SELECT setval(pg_get_serial_sequence('webhook_deliveries', 'seq'), ?)`, lastDelivery); err != nil {
			return nil, fmt.Errorf("continue the webhook deliveries' numbering after %d: %w", lastDelivery, err)
		}
	}
	for _, t := range copyTables {
		// Statistics now, so the first queries on the new database are
		// planned for its size rather than for empty tables.
		if _, err := dst.exec(ctx, `ANALYZE `+pgx.Identifier{t.name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("analyze %s: %w", t.name, err)
		}
	}
	// Running servers over the target hear that the log and the tokens
	// changed.
	committed = true
	if err := dst.commit(ctx, []string{noticeChanges, noticeTokens}); err != nil {
		return nil, fmt.Errorf("commit the copy to %s: %w", rep.To, mapErr(err))
	}
	return rep, nil
}

// setAside is a constraint or index of the target, dropped for the copy
// and made again (and so checked) once every table is full.
type setAside struct {
	table, name string
	// def is the constraint's definition, or the index's CREATE INDEX.
	def   string
	index bool
}

// What setAsideIndexes drops, in the order it drops them: foreign keys
// first (they need the keys they point to), then primary keys and unique
// constraints, then the other indexes. Each query gives table, name and
// definition.
var setAsideQueries = []struct {
	index bool
	query string
}{
	{false, `SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
		ORDER BY t.relname, c.conname`},
	{false, `SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
		WHERE c.contype IN ('p', 'u') AND c.connamespace = current_schema()::regnamespace
		ORDER BY t.relname, c.conname`},
	{true, `SELECT t.relname, i.relname, pg_get_indexdef(i.oid)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
		WHERE t.relnamespace = current_schema()::regnamespace
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u'))
		ORDER BY t.relname, i.relname`},
}

// setAsideIndexes drops the target's constraints and indexes (those of
// the tables Copy fills) for the length of the copy, as pg_restore does:
// loading a table with its indexes costs several times loading it bare
// and building each index once, in one sort; and a foreign key checked
// row by row locks each row it points to, where checked once it is one
// join. Nothing goes unchecked: restoreIndexes makes each again, which
// checks every row. This is all inside the copy's transaction, so no one
// else sees the schema without them, and a failed copy undoes the drop
// with the rest.
func setAsideIndexes(ctx context.Context, dst *postgresConn) ([]setAside, error) {
	var all []setAside
	for _, q := range setAsideQueries {
		rows, err := dst.query(ctx, q.query)
		if err != nil {
			return nil, fmt.Errorf("read the target's constraints and indexes: %w", err)
		}
		var these []setAside
		for rows.Next() {
			a := setAside{index: q.index}
			if err := rows.Scan(&a.table, &a.name, &a.def); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read the target's constraints and indexes: %w", err)
			}
			if slices.ContainsFunc(copyTables, func(t copyTable) bool { return t.name == a.table }) {
				these = append(these, a)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("read the target's constraints and indexes: %w", err)
		}
		for _, a := range these {
			drop := `ALTER TABLE ` + pgx.Identifier{a.table}.Sanitize() + ` DROP CONSTRAINT ` + pgx.Identifier{a.name}.Sanitize()
			if a.index {
				drop = `DROP INDEX ` + pgx.Identifier{a.name}.Sanitize()
			}
			if _, err := dst.exec(ctx, drop); err != nil {
				return nil, fmt.Errorf("set aside %s of %s for the copy: %w", a.name, a.table, err)
			}
		}
		all = append(all, these...)
	}
	return all, nil
}

// restoreIndexes makes again what setAsideIndexes dropped, in the reverse
// order, checking every row against it.
func restoreIndexes(ctx context.Context, dst *postgresConn, all []setAside) error {
	for _, a := range slices.Backward(all) {
		make := a.def
		if !a.index {
			make = `ALTER TABLE ` + pgx.Identifier{a.table}.Sanitize() + ` ADD CONSTRAINT ` + pgx.Identifier{a.name}.Sanitize() + ` ` + a.def
		}
		if _, err := dst.exec(ctx, make); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Detail != "" {
				err = fmt.Errorf("%w: %s", err, pe.Detail)
			}
			return fmt.Errorf("check %s against %s (%s): %w", a.table, a.name, a.def, err)
		}
	}
	return nil
}

// copyOne copies table t from src to dst, then reads it back from dst and
// compares.
func copyOne(ctx context.Context, t copyTable, src conn, dst *postgresConn, cutoff string) (*TableReport, error) {
	tr := &TableReport{Table: t.name}
	where, args := "", []any(nil)
	if t.name == "idempotency" {
		where, args = " WHERE created_at >= ?", []any{cutoff}
		if err := src.queryRow(ctx, `SELECT count(*) FROM idempotency WHERE created_at < ?`, cutoff).Scan(&tr.Expired); err != nil {
			return nil, fmt.Errorf("count expired idempotency records: %w", err)
		}
	}
	var want int64
	if err := src.queryRow(ctx, `SELECT count(*) FROM `+t.name+where, args...).Scan(&want); err != nil {
		return nil, fmt.Errorf("count %s: %w", t.name, err)
	}
	rows, err := src.query(ctx, t.selectSQL()+where+` ORDER BY `+strings.Join(t.key, ", "), args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	defer rows.Close()
	s := &copySource{t: &t, rows: rows, sc: t.newScanner(), tr: tr}
	if t.name == "idempotency" {
		// A key the server would now refuse (not printable ASCII: old
		// rows only) can never be sent again to replay its answer.
		key := slices.Index(t.colNames(), "key")
		s.drop = func(vals []any) bool {
			k, _ := vals[key].(string)
			return !ValidIdempotencyKey(k)
		}
	}
	n, err := dst.tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.colNames(), s)
	if s.err != nil {
		err = s.err // the real cause; CopyFrom reports it less plainly
	}
	if err != nil {
		return nil, fmt.Errorf("copy %s: %w", t.name, err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read %s: %w", t.name, err)
	}
	got, gotSum, err := tableDigest(ctx, dst, t)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", t.name, err)
	}
	tr.Rows, tr.Checksum = s.n, s.sum.String()
	want -= s.dropped
	if s.n != want || n != want || got != want || gotSum.String() != tr.Checksum {
		return nil, fmt.Errorf("verify %s: the source holds %d rows (%d read, checksum %s), the target %d (%d written, checksum %s): nothing was copied",
			t.name, want, s.n, tr.Checksum, got, n, gotSum.String())
	}
	return tr, nil
}

func (t *copyTable) colNames() []string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	return names
}

func (t *copyTable) selectSQL() string {
	return `SELECT ` + strings.Join(t.colNames(), ", ") + ` FROM ` + t.name
}

// tableDigest counts and sums table t's rows as c sees them.
func tableDigest(ctx context.Context, c conn, t copyTable) (int64, digest, error) {
	var sum digest
	rows, err := c.query(ctx, t.selectSQL())
	if err != nil {
		return 0, sum, err
	}
	defer rows.Close()
	sc := t.newScanner()
	var n int64
	for rows.Next() {
		vals, err := sc.scan(rows)
		if err != nil {
			return 0, sum, err
		}
		sum.add(sc.rowHash(vals))
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, sum, err
	}
	return n, sum, rows.Close()
}

// copySource feeds one table's rows from the source to pgx's CopyFrom
// (which calls it from a goroutine of its own, one call at a time),
// cleaning text PostgreSQL can't hold, counting and summing as it goes.
type copySource struct {
	t    *copyTable
	rows rows
	sc   *rowScanner
	tr   *TableReport
	vals []any
	n    int64
	sum  digest
	err  error
	// drop, if set, says a row is left behind (counted in tr.Expired and
	// dropped).
	drop    func(vals []any) bool
	dropped int64
}

func (s *copySource) Next() bool {
	var vals []any
	for {
		if s.err != nil || !s.rows.Next() {
			return false
		}
		var err error
		if vals, err = s.sc.scan(s.rows); err != nil {
			s.err = fmt.Errorf("row %d: %w", s.n+1, err)
			return false
		}
		if s.drop == nil || !s.drop(vals) {
			break
		}
		s.tr.Expired++
		s.dropped++
	}
	var fixed []string
	for i, c := range s.t.cols {
		if v, ok := vals[i].(string); ok {
			if clean, changed := pgText(v); changed {
				vals[i] = clean
				fixed = append(fixed, c.name)
			}
		}
	}
	if fixed != nil {
		s.tr.Replaced++
		if len(s.tr.ReplacedKeys) < maxReplacedKeys {
			s.tr.ReplacedKeys = append(s.tr.ReplacedKeys, s.t.keyOf(vals)+" ("+strings.Join(fixed, ", ")+")")
		}
	}
	s.vals = vals
	s.sum.add(s.sc.rowHash(vals))
	s.n++
	return true
}

func (s *copySource) Values() ([]any, error) { return s.vals, nil }

func (s *copySource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rows.Err()
}

// keyOf names a row by its primary key: "id 0190…", "space_id …, user_id …".
func (t *copyTable) keyOf(vals []any) string {
	var parts []string
	for _, k := range t.key {
		i := slices.IndexFunc(t.cols, func(c copyCol) bool { return c.name == k })
		v := vals[i]
		if s, ok := v.(string); ok {
			v = fmt.Sprintf("%q", s)
		}
		parts = append(parts, fmt.Sprintf("%s %v", k, v))
	}
	return strings.Join(parts, ", ")
}

// pgText is s as PostgreSQL's text can hold it: U+0000 and every byte that
// is not part of valid UTF-8 become U+FFFD. changed says whether any did.
func pgText(s string) (string, bool) {
	if !strings.ContainsRune(s, 0) && utf8.ValidString(s) {
		return s, false
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD"), true
}

// rowScanner reads a table's rows into the same Go values whichever engine
// they come from: nil, string, int64, float64 or []byte.
type rowScanner struct {
	t     *copyTable
	dests []any
	buf   []byte
}

func (t *copyTable) newScanner() *rowScanner {
	sc := &rowScanner{t: t, dests: make([]any, len(t.cols))}
	for i, c := range t.cols {
		switch {
		case c.kind == kindText && c.null:
			sc.dests[i] = new(*string)
		case c.kind == kindText:
			sc.dests[i] = new(string)
		case c.kind == kindInt && c.null:
			sc.dests[i] = new(*int64)
		case c.kind == kindInt:
			sc.dests[i] = new(int64)
		case c.kind == kindFloat && c.null:
			sc.dests[i] = new(*float64)
		case c.kind == kindFloat:
			sc.dests[i] = new(float64)
		default:
			sc.dests[i] = new([]byte)
		}
	}
	return sc
}

// scan reads the current row into a new slice of values.
func (sc *rowScanner) scan(r rows) ([]any, error) {
	if err := r.Scan(sc.dests...); err != nil {
		return nil, err
	}
	vals := make([]any, len(sc.dests))
	for i, d := range sc.dests {
		switch d := d.(type) {
		case **string:
			if *d != nil {
				vals[i] = **d
			}
		case *string:
			vals[i] = *d
		case **int64:
			if *d != nil {
				vals[i] = **d
			}
		case *int64:
			vals[i] = *d
		case **float64:
			if *d != nil {
				vals[i] = **d
			}
		case *float64:
			vals[i] = *d
		case *[]byte:
			b := *d
			if b == nil {
				b = []byte{} // a NOT NULL column: empty, however the driver says it
			}
			vals[i] = b
			*d = nil // the next row's value must not land in this one's array
		}
	}
	return vals, nil
}

// rowHash is the SHA-256 of a row's values, each written with its type
// and, for text and bytes, its length, so no two different rows encode
// alike.
func (sc *rowScanner) rowHash(vals []any) [sha256.Size]byte {
	b := sc.buf[:0]
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b = append(b, 0)
		case string:
			b = append(b, 1)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case int64:
			b = append(b, 2)
			b = binary.BigEndian.AppendUint64(b, uint64(v))
		case float64:
			b = append(b, 3)
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(v))
		case []byte:
			b = append(b, 4)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	sc.buf = b
	return sha256.Sum256(b)
}

// digest is the sum, modulo 2²⁵⁶, of a table's row hashes: the same for
// the same rows in any order, so each side can read its rows in whatever
// order is cheapest, and a row whose key changed (U+FFFD) and so sorts
// differently can't raise a false alarm. (A sum, unlike an exclusive or,
// counts a row twice if it is there twice.)
type digest [4]uint64

func (d *digest) add(h [sha256.Size]byte) {
	var carry uint64
	for i := 3; i >= 0; i-- {
		d[i], carry = bits.Add64(d[i], binary.BigEndian.Uint64(h[i*8:]), carry)
	}
}

func (d digest) String() string {
	var b [32]byte
	for i, w := range d {
		binary.BigEndian.PutUint64(b[i*8:], w)
	}
	return hex.EncodeToString(b[:])
}

// checkSchema makes sure c's database has exactly the tables and columns
// Copy knows, so that none is left behind, and (on PostgreSQL) of the
// types it expects.
func checkSchema(ctx context.Context, e engine, c conn, name string) error {
	var tablesSQL, colsSQL string
	switch e.(type) {
	case *sqliteEngine:
		tablesSQL = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
		colsSQL = `SELECT name, '', 'YES' FROM pragma_table_info(?) ORDER BY cid`
	case *postgresEngine:
		tablesSQL = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'`
		// Generated columns (the search words) are the database's to make.
		colsSQL = `SELECT column_name, data_type, is_nullable FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = ? AND is_generated = 'NEVER' ORDER BY ordinal_position`
	default:
		return fmt.Errorf("%s: an engine Copy does not know", name)
	}
	tables, err := queryStrings(ctx, c, tablesSQL)
	if err != nil {
		return fmt.Errorf("read the tables of %s: %w", name, err)
	}
	for _, tn := range tables {
		if _, isSQLite := e.(*sqliteEngine); isSQLite && derivedTable(tn) {
			continue
		}
		if !slices.ContainsFunc(copyTables, func(t copyTable) bool { return t.name == tn }) {
			return fmt.Errorf("%s has a table %q this lanes does not know how to copy: is it from a newer lanes?", name, tn)
		}
	}
	pgTypes := map[colKind][]string{
		kindText: {"text"}, kindInt: {"integer", "bigint"}, kindFloat: {"double precision"}, kindBytes: {"bytea"},
	}
	_, onPG := e.(*postgresEngine)
	for _, t := range copyTables {
		if !slices.Contains(tables, t.name) {
			return fmt.Errorf("%s has no table %q: its schema is not the one this lanes copies", name, t.name)
		}
		rows, err := c.query(ctx, colsSQL, t.name)
		if err != nil {
			return fmt.Errorf("read the columns of %s in %s: %w", t.name, name, err)
		}
		seen := 0
		for rows.Next() {
			var cn, typ, nullable string
			if err := rows.Scan(&cn, &typ, &nullable); err != nil {
				rows.Close()
				return fmt.Errorf("read the columns of %s in %s: %w", t.name, name, err)
			}
			i := slices.IndexFunc(t.cols, func(c copyCol) bool { return c.name == cn })
			if i < 0 {
				rows.Close()
				return fmt.Errorf("%s: table %s has a column %q this lanes does not know how to copy: is it from a newer lanes?", name, t.name, cn)
			}
			seen++
			cc := t.cols[i]
			if onPG && (!slices.Contains(pgTypes[cc.kind], typ) || (nullable == "YES") != cc.null) {
				rows.Close()
				return fmt.Errorf("%s: column %s.%s is %s (nullable: %s), not what this lanes copies", name, t.name, cn, typ, nullable)
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read the columns of %s in %s: %w", t.name, name, err)
		}
		if seen != len(t.cols) {
			return fmt.Errorf("%s: table %s lacks some of the columns %s", name, t.name, strings.Join(t.colNames(), ", "))
		}
	}
	return nil
}

// derivedTable reports whether a SQLite table is made from the others
// (the search index, its FTS5 shadow tables and its queue of changes):
// the target rebuilds its own, so Copy leaves them behind.
func derivedTable(name string) bool {
	return name == "search_docs" || name == "search_dirty" || name == "search_index" || strings.HasPrefix(name, "search_index_")
}

// queryStrings is the one column of text the query's rows hold.
func queryStrings(ctx context.Context, c conn, query string, args ...any) ([]string, error) {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// checkEmpty refuses a target that holds any row in any table Copy fills.
func checkEmpty(ctx context.Context, c conn, name string) error {
	var full []string
	for _, t := range copyTables {
		var found bool
		if err := c.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t.name+`)`).Scan(&found); err != nil {
			return fmt.Errorf("look into %s of %s: %w", t.name, name, err)
		}
		if found {
			full = append(full, t.name)
		}
	}
	if full != nil {
		return fmt.Errorf("%w: %s already has rows in %s", ErrNotEmpty, name, strings.Join(full, ", "))
	}
	return nil
}
