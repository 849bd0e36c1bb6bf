package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server/store"
)

// A task's history lasts as long as it can come back: a deleted task and
// its subtask keep theirs while in the trash, and both go when the trash
// is emptied of them; a task still on the board keeps its own.
func TestActivityGoesWithThePurgedTask(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		now := time.Now().UTC()
		st, err := store.OpenDB(context.Background(), db, store.WithClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ctx := context.Background()
		u := newUser(t, st, "ann")
		sp, p := personal(t, st, u)
		var parent, sub, kept store.Task
		write := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := st.Write(ctx, func(tx *store.Tx) error { tx.SetActor(u.ID); return fn(tx) }); err != nil {
				t.Fatal(err)
			}
		}
		write(func(tx *store.Tx) error {
			parent = store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: "parent", Priority: "none", CreatorID: u.ID}
			kept = store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: "kept", Priority: "none", CreatorID: u.ID}
			if err := tx.CreateTask(&parent); err != nil {
				return err
			}
			sub = store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: "sub", Priority: "none", CreatorID: u.ID, ParentTaskID: &parent.ID}
			if err := tx.CreateTask(&sub); err != nil {
				return err
			}
			return tx.CreateTask(&kept)
		})
		write(func(tx *store.Tx) error {
			k, err := tx.TaskByID(parent.ID)
			if err != nil {
				return err
			}
			return tx.DeleteTask(k)
		})
		count := func(id string) int {
			t.Helper()
			var n int
			if err := st.Read(ctx, func(tx *store.Tx) error {
				a, err := tx.TaskActivity(id, 0, 100)
				n = len(a)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if count(parent.ID) != 2 || count(sub.ID) != 2 {
			t.Fatalf("in the trash: parent has %d entries, subtask %d; want created and deleted each", count(parent.ID), count(sub.ID))
		}
		now = now.Add(store.TrashRetention + time.Hour)
		write(func(tx *store.Tx) error { return tx.PruneTrash() })
		if count(parent.ID) != 0 || count(sub.ID) != 0 {
			t.Fatalf("after the trash let them go: parent has %d entries, subtask %d; want none", count(parent.ID), count(sub.ID))
		}
		if count(kept.ID) != 1 {
			t.Fatalf("a task on the board has %d entries after the purge, want its 1", count(kept.ID))
		}
	})
}
