package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lanesboard/lanes/internal/pgtest"
	"github.com/lanesboard/lanes/server/store"
)

// sqliteFile is a new SQLite store in a temp dir, and the same file opened
// by hand, for writing what the API never would.
func sqliteFile(t testing.TB) (*store.Store, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lanes.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return st, raw
}

// emptyPostgres is a new PostgreSQL store on an empty schema.
func emptyPostgres(t testing.TB) (*store.Store, string) {
	t.Helper()
	url := pgtest.URL(t)
	st, err := store.OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, url
}

func mustExec(t testing.TB, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func tableReport(t *testing.T, rep *store.CopyReport, name string) store.TableReport {
	t.Helper()
	for _, tr := range rep.Tables {
		if tr.Table == name {
			return tr
		}
	}
	t.Fatalf("the report has no table %s: %+v", name, rep.Tables)
	return store.TableReport{}
}

// Rows the API never writes still cross: a subtask whose id sorts before
// its parent's, text with U+0000 and with bytes that are not UTF-8 (each
// replaced by U+FFFD and reported by key), an idempotency record past its
// day (left behind). Whatever was not replaced arrives as it was.
func TestCopyOddRows(t *testing.T) {
	src, raw := sqliteFile(t)
	u := newUser(t, src, "ann")
	sp, p := personal(t, src, u)
	now := store.FormatTime(time.Now())
	parent, child := "ffffffff-0000-7000-8000-000000000000", "00000000-0000-7000-8000-000000000000"
	for _, k := range []struct{ id, parent, title string }{{parent, "", "parent"}, {child, parent, "child"}} {
		var par any
		if k.parent != "" {
			par = k.parent
		}
		mustExec(t, raw, `INSERT INTO tasks (id, project_id, parent_task_id, title, position, creator_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'a0', ?, ?, ?)`, k.id, p.ID, par, k.title, u.ID, now, now)
	}
	mustExec(t, raw, `UPDATE tasks SET title = 'nul' || char(0) || 'here', description = 'fine' WHERE id = ?`, child)
	mustExec(t, raw, `INSERT INTO comments (id, task_id, author_id, content, created_at, updated_at) VALUES ('c1', ?, ?, CAST(X'6869FF21' AS TEXT), ?, ?)`,
		parent, u.ID, now, now)
	old := store.FormatTime(time.Now().Add(-store.IdempotencyTTL - time.Minute))
	mustExec(t, raw, `INSERT INTO idempotency VALUES ('tok', 'old', X'01', 201, X'7B7D', ?), ('tok', 'new', X'02', 200, X'5B5D', ?)`, old, now)
	// Two live keys the server now refuses: not UTF-8, they would both
	// become "k\uFFFD" (and collide) if their text were mended.
	mustExec(t, raw, `INSERT INTO idempotency VALUES ('tok', CAST(X'6BFE' AS TEXT), X'03', 201, X'7B7D', ?), ('tok', CAST(X'6BFF' AS TEXT), X'04', 201, X'7B7D', ?)`, now, now)

	dst, _ := emptyPostgres(t)
	rep, err := store.Copy(context.Background(), src, dst)
	if err != nil {
		t.Fatal(err)
	}
	if tr := tableReport(t, rep, "tasks"); tr.Rows != 2 || tr.Replaced != 1 || len(tr.ReplacedKeys) != 1 ||
		tr.ReplacedKeys[0] != `id "`+child+`" (title)` {
		t.Errorf("tasks report %+v, want 2 rows, the child's title replaced", tr)
	}
	if tr := tableReport(t, rep, "comments"); tr.Rows != 1 || tr.Replaced != 1 || tr.ReplacedKeys[0] != `id "c1" (content)` {
		t.Errorf("comments report %+v, want c1's content replaced", tr)
	}
	if tr := tableReport(t, rep, "idempotency"); tr.Rows != 1 || tr.Expired != 3 {
		t.Errorf("idempotency report %+v, want 1 copied and 3 left behind (1 old, 2 with keys refused now)", tr)
	}
	if tr := tableReport(t, rep, "users"); tr.Replaced != 0 || len(tr.Checksum) != 64 {
		t.Errorf("users report %+v, want nothing replaced and a SHA-256 checksum", tr)
	}
	err = dst.Read(context.Background(), func(tx *store.Tx) error {
		k, err := tx.TaskByID(child)
		if err != nil {
			return err
		}
		if k.Title != "nul\uFFFDhere" || k.ParentTaskID == nil || *k.ParentTaskID != parent || *k.Description != "fine" {
			t.Errorf("the child on PostgreSQL: %+v", k)
		}
		cs, err := tx.Comments(parent)
		if err != nil {
			return err
		}
		if len(cs) != 1 || cs[0].Content != "hi\uFFFD!" {
			t.Errorf("the comment on PostgreSQL: %+v", cs)
		}
		if _, err := tx.Idempotency("tok", "old"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the expired idempotency record: %v, want it left behind", err)
		}
		rec, err := tx.Idempotency("tok", "new")
		if err != nil || rec.Status != 200 || string(rec.Body) != "[]" || rec.CreatedAt != now {
			t.Errorf("the live idempotency record: %+v, %v", rec, err)
		}
		spaces, err := tx.SpacesForUser(u.ID)
		if err != nil || len(spaces) != 1 || spaces[0].ID != sp.ID {
			t.Errorf("ann's spaces on PostgreSQL: %+v, %v", spaces, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// schemaShape lists a PostgreSQL schema's constraints and indexes, with
// the schema's own name taken out.
func schemaShape(t *testing.T, url string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, `
		SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
			FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
		UNION ALL
		SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	shape, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for i := range shape {
		shape[i] = strings.ReplaceAll(shape[i], schema+".", "")
	}
	return shape
}

// The copy sets the target's indexes and constraints aside while it
// loads: afterwards the schema has every one of them again, as a newly
// made schema has.
func TestCopyPutsEveryIndexBack(t *testing.T) {
	src, _ := sqliteFile(t)
	newUser(t, src, "ann")
	dst, url := emptyPostgres(t)
	_, fresh := emptyPostgres(t)
	before := schemaShape(t, url)
	if _, err := store.Copy(context.Background(), src, dst); err != nil {
		t.Fatal(err)
	}
	after := schemaShape(t, url)
	if want := schemaShape(t, fresh); !slices.Equal(after, want) || !slices.Equal(before, want) || len(want) < 40 {
		t.Fatalf("constraints and indexes after the copy:\n%s\n\nof a new schema:\n%s", strings.Join(after, "\n"), strings.Join(want, "\n"))
	}
}

// A PostgreSQL store can be the source too, and a copy of a copy sums to
// the same checksums.
func TestCopyFromPostgres(t *testing.T) {
	src, _ := sqliteFile(t)
	u := newUser(t, src, "ann")
	sp, p := personal(t, src, u)
	if err := src.Write(context.Background(), func(tx *store.Tx) error {
		return tx.CreateTask(&store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: "moved twice", Priority: "low", CreatorID: u.ID})
	}); err != nil {
		t.Fatal(err)
	}
	mid, _ := emptyPostgres(t)
	first, err := store.Copy(context.Background(), src, mid)
	if err != nil {
		t.Fatal(err)
	}
	dst, _ := emptyPostgres(t)
	second, err := store.Copy(context.Background(), mid, dst)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(first.Tables) != fmt.Sprint(second.Tables) {
		t.Fatalf("SQLite to PostgreSQL:\n%+v\nthen to another schema:\n%+v", first.Tables, second.Tables)
	}
	if first.LastSeq == 0 || second.LastSeq != first.LastSeq {
		t.Fatalf("the change log ends at %d, then at %d", first.LastSeq, second.LastSeq)
	}
}

// A target with anything in it is refused, and left as it was.
func TestCopyRefusesATargetWithData(t *testing.T) {
	src, _ := sqliteFile(t)
	newUser(t, src, "ann")
	dst, _ := emptyPostgres(t)
	newUser(t, dst, "bob")
	var before []store.User
	dst.Read(context.Background(), func(tx *store.Tx) (err error) { before, err = tx.Users(); return })
	_, err := store.Copy(context.Background(), src, dst)
	if !errors.Is(err, store.ErrNotEmpty) || !strings.Contains(err.Error(), "users, spaces, members, projects, statuses, changes") {
		t.Fatalf("copy into a used schema: %v, want ErrNotEmpty naming the tables with rows", err)
	}
	var after []store.User
	dst.Read(context.Background(), func(tx *store.Tx) (err error) { after, err = tx.Users(); return })
	if len(after) != 1 || len(before) != 1 || after[0].Name != "bob" {
		t.Fatalf("the target's users after a refused copy: %+v", after)
	}
}

// A table or column Copy does not know stops it before anything is
// written: a schema that grew without Copy would otherwise lose data.
func TestCopyRefusesAnUnknownSchema(t *testing.T) {
	for _, tc := range []struct{ alter, want string }{
		{`ALTER TABLE tasks ADD COLUMN mood TEXT`, `table tasks has a column "mood"`},
		{`CREATE TABLE notes (id TEXT PRIMARY KEY)`, `a table "notes"`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			src, raw := sqliteFile(t)
			newUser(t, src, "ann")
			mustExec(t, raw, tc.alter)
			dst, _ := emptyPostgres(t)
			_, err := store.Copy(context.Background(), src, dst)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("copy: %v, want an error saying %s", err, tc.want)
			}
			var users []store.User
			dst.Read(context.Background(), func(tx *store.Tx) (err error) { users, err = tx.Users(); return })
			if len(users) != 0 {
				t.Fatalf("the refused copy left users behind: %+v", users)
			}
		})
	}
}

// A copy that fails late (here a row PostgreSQL's constraints refuse, once
// every table is in: SQLite kept a comment whose task is gone, its foreign
// keys being off) leaves the target empty, and says which row and why.
func TestCopyFailureLeavesNothing(t *testing.T) {
	src, raw := sqliteFile(t)
	u := newUser(t, src, "ann")
	now := store.FormatTime(time.Now())
	conn, err := raw.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), `PRAGMA foreign_keys = OFF`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), `INSERT INTO comments VALUES ('c1', 'no-such-task', ?, 'orphan', ?, ?)`, u.ID, now, now); err != nil {
		t.Fatal(err)
	}
	dst, _ := emptyPostgres(t)
	_, err = store.Copy(context.Background(), src, dst)
	if err == nil || !strings.Contains(err.Error(), "check comments against comments_task_id_fkey") ||
		!strings.Contains(err.Error(), "Key (task_id)=(no-such-task) is not present") {
		t.Fatalf("copy of an orphan comment: %v, want an error naming the table, the key and the row", err)
	}
	var users []store.User
	dst.Read(context.Background(), func(tx *store.Tx) (err error) { users, err = tx.Users(); return })
	if len(users) != 0 {
		t.Fatalf("the failed copy left users behind: %+v", users)
	}
}

// BenchmarkCopy moves a server of 20,000 tasks (in 20 projects, each task
// with a comment, and the change log that made them; LANES_COPY_TASKS
// sets another number) from SQLite into an empty PostgreSQL schema, and
// reports tasks and rows per second. Run with
//
//	go test ./server/store -run '^$' -bench Copy -benchtime 3x
func BenchmarkCopy(b *testing.B) {
	tasks := 20000
	if v := os.Getenv("LANES_COPY_TASKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 20 {
			b.Fatalf("LANES_COPY_TASKS=%q: want a number of tasks, at least 20", v)
		}
		tasks = n
	}
	const projects = 20
	perProject := tasks / projects
	src, _ := sqliteFile(b)
	u := newUser(b, src, "ann")
	sp, _ := personal(b, src, u)
	err := src.Write(context.Background(), func(tx *store.Tx) error {
		for i := range projects {
			p := &store.Project{SpaceID: sp.ID, Name: fmt.Sprintf("P%d", i), Slug: fmt.Sprintf("p%d", i)}
			if err := tx.CreateProject(p); err != nil {
				return err
			}
			desc := strings.Repeat("Some words about the task. ", 8)
			for j := range perProject {
				k := &store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: fmt.Sprintf("task %d of %s", j, p.Name),
					Description: &desc, Priority: "medium", CreatorID: u.ID}
				if err := tx.CreateTask(k); err != nil {
					return err
				}
				if _, err := tx.AddComment(k, u.ID, "a comment on "+k.Title); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var rows int64
	for range b.N {
		b.StopTimer()
		dst, _ := emptyPostgres(b)
		b.StartTimer()
		rep, err := store.Copy(context.Background(), src, dst)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rows = 0
		for _, tr := range rep.Tables {
			rows += tr.Rows
		}
		dst.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(projects*perProject*b.N)/b.Elapsed().Seconds(), "tasks/s")
	b.ReportMetric(float64(rows*int64(b.N))/b.Elapsed().Seconds(), "rows/s")
}
