package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server/store"
)

// The outbox rides with the change: a task made where a subscription
// listens queues a delivery in the same transaction, and one rolled back
// queues none. lanes migrate carries subscriptions (secret included, so
// receivers need not change) and deliveries over, and a delivery queued
// on the new database comes after the copied ones.
func TestWebhookOutboxAndCopy(t *testing.T) {
	src, _ := sqliteFile(t)
	u := newUser(t, src, "ann")
	sp, p := personal(t, src, u)
	ctx := context.Background()
	var hook store.Webhook
	err := src.Write(ctx, func(tx *store.Tx) error {
		hook = store.Webhook{SpaceID: sp.ID, URL: "https://203.0.113.9/hook", Events: []string{store.EventTaskAdded}}
		return tx.CreateWebhook(&hook, u.ID, "whsec_kept")
	})
	if err != nil {
		t.Fatal(err)
	}
	addTask := func(st *store.Store, title string, fail bool) error {
		return st.Write(ctx, func(tx *store.Tx) error {
			tx.SetActor(u.ID)
			if err := tx.CreateTask(&store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: title, Priority: "none", CreatorID: u.ID}); err != nil {
				return err
			}
			if fail {
				return context.Canceled
			}
			return nil
		})
	}
	if err := addTask(src, "kept", false); err != nil {
		t.Fatal(err)
	}
	if err := addTask(src, "rolled back", true); err == nil {
		t.Fatal("the failing write committed")
	}
	deliveries := func(st *store.Store) []store.Delivery {
		var ds []store.Delivery
		if err := st.Read(ctx, func(tx *store.Tx) (err error) { ds, err = tx.Deliveries(hook.ID, 0, 10); return }); err != nil {
			t.Fatal(err)
		}
		return ds
	}
	ds := deliveries(src)
	if len(ds) != 1 || ds[0].Event != store.EventTaskAdded || ds[0].State != store.DeliveryPending {
		t.Fatalf("deliveries after one write and one rolled back: %+v", ds)
	}

	dst, _ := emptyPostgres(t)
	if _, err := store.Copy(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	if err := addTask(dst, "after the move", false); err != nil {
		t.Fatal(err)
	}
	ds = deliveries(dst)
	if len(ds) != 2 || ds[1].ID != deliveries(src)[0].ID || ds[0].Seq <= ds[1].Seq {
		t.Fatalf("deliveries on PostgreSQL: %+v", ds)
	}
	err = dst.Write(ctx, func(tx *store.Tx) error {
		o, err := leaseHead(tx, hook.ID, "lease", time.Now().Add(time.Minute))
		if err != nil || o == nil {
			t.Fatalf("lease the copied delivery: %+v, %v", o, err)
		}
		var body struct {
			Event string
			Data  struct{ Title string }
		}
		if err := json.Unmarshal(o.Payload, &body); err != nil || o.Secret != "whsec_kept" || o.ID != ds[1].ID || body.Data.Title != "kept" {
			t.Fatalf("the copied delivery as leased: %+v %s (%v)", o, o.Payload, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Finished deliveries are kept a week, and at most the latest 1,000 of a
// subscription; one still waiting is kept whatever its age.
func TestPruneDeliveries(t *testing.T) {
	now := time.Now().UTC()
	clock := func() time.Time { return now }
	path := t.TempDir() + "/lanes.db"
	st, err := store.Open(context.Background(), path, store.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u := newUser(t, st, "ann")
	sp, p := personal(t, st, u)
	ctx := context.Background()
	var hook store.Webhook
	count := func(state string) int {
		var ds []store.Delivery
		if err := st.Read(ctx, func(tx *store.Tx) (err error) { ds, err = tx.Deliveries(hook.ID, 0, 5000); return }); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, d := range ds {
			if d.State == state {
				n++
			}
		}
		return n
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		hook = store.Webhook{SpaceID: sp.ID, URL: "https://203.0.113.9/hook", Events: []string{store.EventTaskAdded}}
		if err := tx.CreateWebhook(&hook, u.ID, "whsec_x"); err != nil {
			return err
		}
		for i := range 1010 {
			if err := tx.CreateTask(&store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: fmt.Sprint(i), Priority: "none", CreatorID: u.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// All but the last three delivered, one at a time, as the worker does.
	err = st.Write(ctx, func(tx *store.Tx) error {
		for range 1007 {
			o, err := leaseHead(tx, hook.ID, "l", now.Add(time.Minute))
			if err != nil || o == nil {
				return fmt.Errorf("lease: %v %v", o, err)
			}
			if ok, _, err := tx.RecordAttempt(o, store.Attempt{At: now, Code: 204, Delivered: true}); !ok || err != nil {
				return fmt.Errorf("record: %v %v", ok, err)
			}
		}
		return tx.PruneDeliveries()
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, w := count(store.DeliveryDelivered), count(store.DeliveryPending); d != store.DeliveryRetentionRows || w != 3 {
		t.Fatalf("after pruning: %d delivered, %d pending; want %d and 3", d, w, store.DeliveryRetentionRows)
	}
	now = now.Add(store.DeliveryRetention + time.Hour)
	if err := st.Write(ctx, func(tx *store.Tx) error { return tx.PruneDeliveries() }); err != nil {
		t.Fatal(err)
	}
	if d, w := count(store.DeliveryDelivered), count(store.DeliveryPending); d != 0 || w != 3 {
		t.Fatalf("a week later: %d delivered, %d pending; want 0 and 3", d, w)
	}
}

// Disabling a webhook notes on each delivery it leaves unsent why, after
// the error of its last attempt, once: a delivery redelivered and then
// left unsent again says so afresh, not after the note of the first time.
func TestDisableNotesOnce(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		st := open(t, db)
		u := newUser(t, st, "ann")
		sp, p := personal(t, st, u)
		ctx := context.Background()
		var hook store.Webhook
		var d store.Delivery
		write := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := st.Write(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		write(func(tx *store.Tx) error {
			hook = store.Webhook{SpaceID: sp.ID, URL: "https://203.0.113.9/hook", Events: []string{store.EventTaskAdded}}
			if err := tx.CreateWebhook(&hook, u.ID, "whsec_x"); err != nil {
				return err
			}
			return tx.CreateTask(&store.Task{ProjectID: p.ID, SpaceID: sp.ID, Title: "one", Priority: "none", CreatorID: u.ID})
		})
		fail := func(code int) {
			t.Helper()
			write(func(tx *store.Tx) error {
				o, err := leaseHead(tx, hook.ID, "l", time.Now().Add(time.Minute))
				if err != nil || o == nil {
					return fmt.Errorf("lease: %v %v", o, err)
				}
				_, _, err = tx.RecordAttempt(o, store.Attempt{At: time.Now(), Code: code, Error: fmt.Sprintf("HTTP %d", code),
					RetryAt: time.Now().Add(time.Hour)})
				return err
			})
		}
		errorOf := func() string {
			t.Helper()
			write(func(tx *store.Tx) error {
				ds, err := tx.Deliveries(hook.ID, 0, 10)
				if err == nil {
					d = ds[0]
				}
				return err
			})
			if d.Error == nil {
				return ""
			}
			return *d.Error
		}
		cycle := func(reason string) {
			t.Helper()
			write(func(tx *store.Tx) error { return tx.DisableWebhook(hook.ID, reason) })
			write(func(tx *store.Tx) error {
				if err := tx.EnableWebhook(hook.ID, u.ID); err != nil {
					return err
				}
				return tx.Redeliver(&d)
			})
		}
		fail(500)
		want := "HTTP 500; then not sent: the webhook was disabled (first)"
		write(func(tx *store.Tx) error { return tx.DisableWebhook(hook.ID, "first") })
		if got := errorOf(); got != want {
			t.Fatalf("after a 500 and disabling: %q, want %q", got, want)
		}
		write(func(tx *store.Tx) error {
			if err := tx.EnableWebhook(hook.ID, u.ID); err != nil {
				return err
			}
			return tx.Redeliver(&d)
		})
		fail(502)
		cycle("second")
		cycle("third")
		write(func(tx *store.Tx) error { return tx.DisableWebhook(hook.ID, "fourth") })
		if got, want := errorOf(), "not sent: the webhook was disabled (fourth)"; got != want {
			t.Fatalf("after redelivering and disabling again and again: %q, want %q", got, want)
		}
		if n := strings.Count(errorOf(), "not sent"); n != 1 {
			t.Fatalf("the note is there %d times", n)
		}
	})
}

// leaseHead leases the head of a webhook's queue, as the worker leases the
// heads DeliveryHeads lists: nil when it has none due.
func leaseHead(tx *store.Tx, webhookID, lease string, until time.Time) (*store.Outgoing, error) {
	heads, err := tx.DeliveryHeads()
	if err != nil {
		return nil, err
	}
	for _, h := range heads {
		if h.WebhookID == webhookID {
			return tx.LeaseDelivery(h.Seq, lease, until)
		}
	}
	return nil, nil
}
