package store_test

// PostgreSQL only: several lanes processes over one database, each with a
// Store of its own (its own pool and listener) on the same schema.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lanesboard/lanes/internal/pgtest"
	"github.com/lanesboard/lanes/server/store"
)

// Processes started together on an empty schema migrate it once: each
// opens, each migration is recorded once, and every process can use the
// schema.
func TestPostgresConcurrentOpensMigrateOnce(t *testing.T) {
	db := pgtest.URL(t)
	const n = 4
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		stores = make([]*store.Store, n)
		errs   = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = store.OpenDB(context.Background(), db)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
			continue
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	if t.Failed() {
		t.FailNow()
	}

	files, err := os.ReadDir("migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		v, _, ok := strings.Cut(f.Name(), "_")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			t.Fatalf("migration %s: no version number before its name", f.Name())
		}
		want = append(want, fmt.Sprintf("%d×1", n))
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var v, c int
		if err := rows.Scan(&v, &c); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d×%d", v, c))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("schema_migrations holds versions %v, want %v", got, want)
	}

	// Each process writes; each sees what all wrote.
	for i, st := range stores {
		newUser(t, st, fmt.Sprint("user ", i))
	}
	for i, st := range stores {
		var users []string
		err := st.Read(ctx, func(tx *store.Tx) error {
			for j := range stores {
				u, err := tx.UserByName(fmt.Sprint("user ", j))
				if err != nil {
					return fmt.Errorf("user %d: %w", j, err)
				}
				users = append(users, u.Name)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("store %d: %v (found %v)", i, err, users)
		}
	}
}

// Two processes writing to one column at once make a change log whose
// sequence numbers are the order the writes took effect in: a reader
// following the log as it grows (as a feed does, from the last number it
// saw) never has a lower number turn up behind it, so it misses nothing;
// and the cards, each put after the column's last, sit in the log's order.
func TestPostgresChangeLogCommitsInOrder(t *testing.T) {
	db := pgtest.URL(t)
	ctx := context.Background()
	stores := []*store.Store{open(t, db), open(t, db)}
	for _, st := range stores {
		t.Cleanup(func() { st.Close() })
	}
	u := newUser(t, stores[0], "ann")
	sp, p := personal(t, stores[0], u)
	var (
		column string
		head   int64
	)
	err := stores[0].Read(ctx, func(tx *store.Tx) error {
		sts, err := tx.Statuses(p.ID)
		if err != nil || len(sts) == 0 {
			return fmt.Errorf("the project's columns: %v %w", sts, err)
		}
		column = sts[0].ID
		head, err = tx.ChangeHead()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	const writers, each = 8, 25
	var wg sync.WaitGroup
	fails := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := stores[w%2]
			for i := range each {
				k := &store.Task{ProjectID: p.ID, SpaceID: sp.ID, StatusID: &column,
					Title: fmt.Sprintf("%d.%d", w, i), Priority: "none", CreatorID: u.ID}
				if err := st.Write(ctx, func(tx *store.Tx) error { return tx.CreateTask(k) }); err != nil {
					fails <- fmt.Errorf("writer %d, task %d: %w", w, i, err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	// Follow the log while they write, from the last number seen.
	seen := map[int64]bool{}
	after, reads := head, 0
	follow := func(st *store.Store) {
		t.Helper()
		err := st.Read(ctx, func(tx *store.Tx) error {
			batch, err := tx.ChangesAfter(sp.ID, after, 1000)
			for _, c := range batch {
				seen[c.Seq] = true
				after = c.Seq
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		reads++
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		follow(stores[reads%2])
	}
	close(fails)
	for err := range fails {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}

	var log []store.Change
	err = stores[1].Read(ctx, func(tx *store.Tx) error {
		var err error
		log, err = tx.ChangesAfter(sp.ID, head, 2*writers*each)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != writers*each {
		t.Fatalf("%d changes logged, want %d", len(log), writers*each)
	}
	var missed []int64
	last := ""
	for _, c := range log {
		if !seen[c.Seq] {
			missed = append(missed, c.Seq)
		}
		var k struct{ Title, Position string }
		if err := json.Unmarshal(c.Payload, &k); err != nil {
			t.Fatalf("change %d: %v", c.Seq, err)
		}
		if (c.Kind != "task.created" || k.Position <= last) && !t.Failed() {
			t.Errorf("change %d (%s, %q at %q) follows a card at %q: the log is not in the order the cards were made",
				c.Seq, c.Kind, k.Title, k.Position, last)
		}
		last = k.Position
	}
	if len(missed) > 0 {
		t.Fatalf("a reader following the log in %d reads never saw changes %v: they appeared behind higher numbers it had read", reads, missed)
	}
	t.Logf("%d changes followed in %d reads", len(log), reads)
}
