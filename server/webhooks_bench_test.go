package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// BenchmarkWebhookDeliveries is webhook deliveries per second to a fast
// local receiver (a 204 at once, on loopback): b.N deliveries are queued
// with the worker stopped, then it is started and timed until the last
// is in. Each delivery is leased, sent, and its outcome committed before
// the next of its subscription, so one subscription is one at a time;
// eight in one space go four at a time (a space's share of the slots),
// taking turns. ns/op is per delivery.
func BenchmarkWebhookDeliveries(b *testing.B) {
	for _, subs := range []int{1, 8} {
		b.Run(fmt.Sprintf("subscriptions=%d", subs), func(b *testing.B) { benchDeliveries(b, subs) })
	}
}

func benchDeliveries(b *testing.B, subs int) {
	db := freshDB(b)
	st := openStoreAt(b, db)
	srv := server.New(st, server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), server.WithRateLimit(0),
		server.WithPrivateWebhooks(true))
	hs := httptest.NewServer(srv)
	defer hs.Close()
	e := &testEnv{t: b, st: st, db: db, srv: hs}
	u := e.newUser("bench")
	bd := e.personalBoard(u)
	tasks := (b.N + subs - 1) / subs
	total := int64(tasks * subs)
	var got atomic.Int64
	done := make(chan struct{})
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if got.Add(1) == total {
			close(done)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()
	for range subs {
		e.newWebhook(u, bd.SpaceID, rcv.URL, []string{"task.added"}, nil)
	}
	for i := 0; i < tasks; i += 500 {
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			tx.SetActor(u.ID)
			for j := i; j < min(i+500, tasks); j++ {
				k := &store.Task{ProjectID: bd.ProjectID, SpaceID: bd.SpaceID, Title: fmt.Sprintf("task %d", j), Priority: "none", CreatorID: u.ID}
				if err := tx.CreateTask(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	srv.Webhooks().Start(context.Background())
	<-done
	b.StopTimer()
	srv.Webhooks().Stop()
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "deliveries/s")
}
