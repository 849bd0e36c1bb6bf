package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/internal/pgtest"
	"github.com/lanesboard/lanes/server/store"
)

// engines are the databases the store runs on, each as a function making
// a fresh, empty one for a test: a SQLite file, or a PostgreSQL schema.
var engines = []struct {
	name  string
	fresh func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "lanes.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

// onEach runs test on each engine, as a subtest named for it.
func onEach(t *testing.T, test func(t *testing.T, db string)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) { test(t, e.fresh(t)) })
	}
}

func open(t *testing.T, db string) *store.Store {
	t.Helper()
	st, err := store.OpenDB(context.Background(), db)
	if err != nil {
		t.Fatalf("open %s: %v", db, err)
	}
	return st
}

// personal is the user's Personal space and its General project.
func personal(t testing.TB, st *store.Store, u *store.User) (store.Space, store.Project) {
	t.Helper()
	var sp store.Space
	var p store.Project
	err := st.Read(context.Background(), func(tx *store.Tx) error {
		spaces, err := tx.SpacesForUser(u.ID)
		if err != nil || len(spaces) != 1 {
			return errors.Join(err, errors.New("want exactly the personal space"))
		}
		projects, err := tx.Projects(spaces[0].ID, false)
		if err != nil || len(projects) != 1 {
			return errors.Join(err, errors.New("want exactly the General project"))
		}
		sp, p = spaces[0], projects[0]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sp, p
}

func newUser(t testing.TB, st *store.Store, name string) *store.User {
	t.Helper()
	var u *store.User
	err := st.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		u, err = tx.CreateUser(name, nil, false)
		return err
	})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

// Data written before a close is there after reopening, and reopening runs
// no migration twice.
func TestReopenKeepsDataAndSchema(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		path := db
		st := open(t, path)
		u := newUser(t, st, "ann")
		sp, p := personal(t, st, u)
		if err := st.Write(context.Background(), func(tx *store.Tx) error {
			return tx.CreateTask(&store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: "kept", Priority: "high", CreatorID: u.ID})
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		st = open(t, path)
		defer st.Close()
		err := st.Read(context.Background(), func(tx *store.Tx) error {
			tasks, err := tx.Tasks(p.ID, false)
			if err != nil {
				return err
			}
			if len(tasks) != 1 || tasks[0].Title != "kept" || tasks[0].Priority != "high" {
				t.Errorf("after reopening: %+v", tasks)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A transaction that fails leaves nothing behind, change-log row included.
func TestFailedWriteLeavesNoTrace(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		st := open(t, db)
		defer st.Close()
		u := newUser(t, st, "ann")
		sp, p := personal(t, st, u)
		var head int64
		st.Read(context.Background(), func(tx *store.Tx) (err error) { head, err = tx.ChangeHead(); return })
		boom := errors.New("boom")
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			if err := tx.CreateTask(&store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: "lost", Priority: "none", CreatorID: u.ID}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("write returned %v, want the callback's error", err)
		}
		st.Read(context.Background(), func(tx *store.Tx) error {
			tasks, _ := tx.Tasks(p.ID, false)
			after, _ := tx.ChangeHead()
			if len(tasks) != 0 || after != head {
				t.Errorf("after a failed write: %d tasks, change head %d → %d", len(tasks), head, after)
			}
			return nil
		})
	})
}

// Every change appends one row to its space's log, in order.
func TestChangeLogFollowsWrites(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		st := open(t, db)
		defer st.Close()
		u := newUser(t, st, "ann")
		sp, p := personal(t, st, u)
		var head int64
		st.Read(context.Background(), func(tx *store.Tx) (err error) { head, err = tx.ChangeHead(); return })
		k := &store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: "a", Priority: "none", CreatorID: u.ID}
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			if err := tx.CreateTask(k); err != nil {
				return err
			}
			k.Title = "b"
			if err := tx.UpdateTask(k); err != nil {
				return err
			}
			return tx.DeleteTask(k)
		})
		if err != nil {
			t.Fatal(err)
		}
		st.Read(context.Background(), func(tx *store.Tx) error {
			changes, err := tx.ChangesAfter(sp.ID, head, 100)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for i, c := range changes {
				kinds = append(kinds, c.Kind)
				if c.ObjectID != k.ID || (i > 0 && c.Seq <= changes[i-1].Seq) {
					t.Errorf("change %d: %+v", i, c)
				}
			}
			if len(kinds) != 3 || kinds[0] != "task.created" || kinds[1] != "task.updated" || kinds[2] != "task.deleted" {
				t.Errorf("change kinds %v", kinds)
			}
			changed, err := tx.SpaceChangedSince(sp.ID, head)
			if err != nil || !changed {
				t.Errorf("SpaceChangedSince(%d) = %v, %v; want true", head, changed, err)
			}
			last := changes[len(changes)-1].Seq
			if changed, _ := tx.SpaceChangedSince(sp.ID, last); changed {
				t.Error("SpaceChangedSince the last change says changed")
			}
			return nil
		})
	})
}

// Tasks list in board order: column by column, then by position.
func TestTasksInBoardOrder(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		st := open(t, db)
		defer st.Close()
		u := newUser(t, st, "ann")
		sp, p := personal(t, st, u)
		var cols []store.Status
		st.Read(context.Background(), func(tx *store.Tx) (err error) { cols, err = tx.Statuses(p.ID); return })
		// Create into the last column first, so creation order is not board order.
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			for i := len(cols) - 1; i >= 0; i-- {
				for j := 0; j < 3; j++ {
					id := cols[i].ID
					if err := tx.CreateTask(&store.Task{ProjectID: p.ID, SpaceID: sp.ID, StatusID: &id, Title: cols[i].Name, Priority: "none", CreatorID: u.ID}); err != nil {
						return err
					}
				}
			}
			return tx.CreateTask(&store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: "no column", Priority: "none", CreatorID: u.ID})
		})
		if err != nil {
			t.Fatal(err)
		}
		rank := map[string]int{}
		for i, c := range cols {
			rank[c.ID] = i + 1
		}
		st.Read(context.Background(), func(tx *store.Tx) error {
			tasks, err := tx.Tasks(p.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(tasks) != 3*len(cols)+1 {
				t.Fatalf("listed %d tasks", len(tasks))
			}
			ordered := sort.SliceIsSorted(tasks, func(i, j int) bool {
				ri, rj := 0, 0
				if tasks[i].StatusID != nil {
					ri = rank[*tasks[i].StatusID]
				}
				if tasks[j].StatusID != nil {
					rj = rank[*tasks[j].StatusID]
				}
				if ri != rj {
					return ri < rj
				}
				return tasks[i].Position < tasks[j].Position
			})
			if !ordered || tasks[0].Title != "no column" || tasks[1].Title != cols[0].Name {
				for _, k := range tasks {
					t.Logf("%s %s", k.Title, k.Position)
				}
				t.Fatal("tasks are not in board order")
			}
			return nil
		})
	})
}

// A revoked token stops authenticating at once, though lookups are cached.
func TestRevokedTokenStopsAtOnce(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		st := open(t, db)
		defer st.Close()
		u := newUser(t, st, "ann")
		hash := []byte("0123456789abcdef0123456789abcdef")
		var tok *store.Token
		if err := st.Write(context.Background(), func(tx *store.Tx) (err error) { tok, err = tx.CreateToken(u.ID, "t", hash); return }); err != nil {
			t.Fatal(err)
		}
		got, user, _, err := st.TokenUser(context.Background(), hash)
		if err != nil || got.RevokedAt != nil || user.Name != "ann" {
			t.Fatalf("fresh token: %+v %+v %v", got, user, err)
		}
		if err := st.Write(context.Background(), func(tx *store.Tx) error { _, err := tx.RevokeToken(tok.ID); return err }); err != nil {
			t.Fatal(err)
		}
		got, _, _, err = st.TokenUser(context.Background(), hash)
		if err != nil || got.RevokedAt == nil {
			t.Fatalf("after revoking, the lookup says %+v, %v; want it revoked", got, err)
		}
		if _, _, _, err := st.TokenUser(context.Background(), []byte("unknown")); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown token: %v, want ErrNotFound", err)
		}
	})
}

// PositionAfter always sorts after its input, and stays valid and short.
func TestPositionAfter(t *testing.T) {
	p := store.FirstPosition
	for i := 0; i < 100_000; i++ {
		next := store.PositionAfter(p)
		if next <= p || !store.ValidPosition(next) {
			t.Fatalf("after %q came %q", p, next)
		}
		p = next
	}
	if len(p) > 6 {
		t.Errorf("100,000 appends made a %d-character key %q", len(p), p)
	}
	for _, bad := range []string{"", "a", "a00", "!", "a0 ", "b1"} {
		if store.ValidPosition(bad) {
			t.Errorf("ValidPosition(%q) = true", bad)
		}
	}
}

// A search_path naming no schema is refused in words that say what to do.
func TestOpenPostgresNamesAMissingSchema(t *testing.T) {
	u, err := url.Parse(pgtest.URL(t)) // reachable, or skipped as the other PostgreSQL tests are
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "no_such_schema_here")
	u.RawQuery = q.Encode()
	_, err = store.OpenPostgres(context.Background(), u.String())
	if err == nil || !strings.Contains(err.Error(), `no schema of the search_path "no_such_schema_here" exists; make it first (CREATE SCHEMA)`) {
		t.Fatalf("open with a missing schema: %v", err)
	}
}

// PositionBetween is a valid key strictly between its two, however close
// they are.
func TestPositionBetween(t *testing.T) {
	check := func(a, b string) string {
		t.Helper()
		m := store.PositionBetween(a, b)
		if m <= a || m >= b || !store.ValidPosition(m) {
			t.Fatalf("PositionBetween(%q, %q) = %q", a, b, m)
		}
		return m
	}
	pairs := [][2]string{
		{"a0", "a1"}, {"a0", "a0V"}, {"a0", "a01"}, {"a0", "a001"}, {"a0z", "a1"}, {"a0zzz", "a1"},
		{"az", "b00"}, {"Zz", "a0"}, {"Zzz", "a0"}, {"a0V", "a0W"}, {"a0V", "a0V1"}, {"a0Vz", "a0W"},
		{"bzz", "c000"}, {"a5", "b00"}, {"zzzzzzzzzzzzzzzzzzzzzzzzzzz", "zzzzzzzzzzzzzzzzzzzzzzzzzzzV"},
	}
	for _, p := range pairs {
		check(p[0], p[1])
	}
	// Halving the gap again and again, toward either end, grows the key
	// a character at a time.
	for _, low := range []bool{true, false} {
		a, b := "a0", "a1"
		for range 300 {
			if m := check(a, b); low {
				b = m
			} else {
				a = m
			}
		}
		if len(a) > 80 || len(b) > 80 {
			t.Errorf("300 halvings made keys %q and %q", a, b)
		}
	}
	// Between any two of many keys.
	keys := store.SpreadPositions(40)
	for i := range keys {
		keys = append(keys, store.PositionBetween(keys[i], store.PositionAfter(keys[i])))
	}
	sort.Strings(keys)
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			check(keys[i], keys[j])
		}
	}
}

// A shared space is found by its name, ASCII capitals or not, whatever
// else the name holds, alike on both engines.
func TestFindSpacesByName(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		st := open(t, db)
		defer st.Close()
		ctx := context.Background()
		u := newUser(t, st, "ada")
		if err := st.Write(ctx, func(tx *store.Tx) error {
			_, _, err := tx.CreateSpace(&store.Space{Name: "ÖL Team", Slug: "oel"}, u.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for ref, want := range map[string]int{"ÖL Team": 1, "ÖL TEAM": 1, "Öl team": 1, "öl team": 0, "oel": 1, "OEL": 0} {
			var found []store.Space
			if err := st.Read(ctx, func(tx *store.Tx) (err error) { found, err = tx.FindSpaces(ref); return }); err != nil {
				t.Fatal(err)
			}
			if len(found) != want {
				t.Errorf("FindSpaces(%q) found %d spaces, want %d", ref, len(found), want)
			}
		}
	})
}

// TasksByIDs reads each task that exists, across its batches of ids, as
// TaskByID does (assignees and labels too), and leaves out ids of none.
func TestTasksByIDs(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		st := open(t, db)
		defer st.Close()
		u, bob := newUser(t, st, "ann"), newUser(t, st, "bob")
		sp, p := personal(t, st, u)
		ctx := context.Background()
		var ids []string
		err := st.Write(ctx, func(tx *store.Tx) error {
			l := &store.Label{ProjectID: p.ID, Name: "bug"}
			if err := tx.CreateLabel(sp.ID, l); err != nil {
				return err
			}
			for i := 0; i < 1203; i++ {
				k := &store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: fmt.Sprintf("task %d", i), Priority: "none", CreatorID: u.ID}
				if err := tx.CreateTask(k); err != nil {
					return err
				}
				if i%100 == 7 {
					if err := tx.Assign(k, u.ID); err != nil {
						return err
					}
					if err := tx.Assign(k, bob.ID); err != nil {
						return err
					}
					if err := tx.SetTaskLabels(k, []string{l.ID}); err != nil {
						return err
					}
					if err := tx.UpdateTask(k); err != nil {
						return err
					}
				}
				ids = append(ids, k.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		asked := append(slices.Clone(ids), store.NewID(), store.NewID())
		st.Read(ctx, func(tx *store.Tx) error {
			got, err := tx.TasksByIDs(asked)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(ids) {
				t.Fatalf("read %d tasks of %d asked for (2 of them none)", len(got), len(asked))
			}
			seen := map[string]bool{}
			for i := range got {
				seen[got[i].ID] = true
				one, err := tx.TaskByID(got[i].ID)
				if err != nil {
					t.Fatal(err)
				}
				a, _ := json.Marshal(one)
				b, _ := json.Marshal(&got[i])
				if string(a) != string(b) || got[i].SpaceID != sp.ID {
					t.Fatalf("TasksByIDs read\n%s\nTaskByID\n%s", b, a)
				}
			}
			if len(seen) != len(ids) {
				t.Fatalf("%d distinct tasks read", len(seen))
			}
			return nil
		})
	})
}
