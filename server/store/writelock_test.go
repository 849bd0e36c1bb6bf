package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lanesboard/lanes/internal/pgtest"
)

// A process that freezes while busy writing holds up the other processes'
// writes once, for PostgreSQL's idle timeout, however many writes it had
// waiting: its writes queue for the lock in the process, one at a time,
// not each on a connection of its own that the database would hand the
// lock to in turn.
func TestFrozenProcessHoldsTheWriteLockOnce(t *testing.T) {
	db := pgtest.URL(t)
	ctx := context.Background()
	const idle = time.Second
	frozen, err := OpenPostgres(ctx, db+"&idle_in_transaction_session_timeout=1000")
	if err != nil {
		t.Fatal(err)
	}
	thaw := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(thaw); wg.Wait(); frozen.Close() })
	in := make(chan struct{}, 1)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			frozen.Write(ctx, func(*Tx) error {
				select {
				case in <- struct{}{}:
				default:
				}
				<-thaw // frozen inside its transaction, as a stopped process is
				return nil
			})
		}()
	}
	<-in
	time.Sleep(100 * time.Millisecond) // the other three queue behind it
	other, err := OpenPostgres(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	start := time.Now()
	if err := other.Write(ctx, func(*Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("the other process's write waited %v (idle timeout %v, 4 writes in the frozen process)", took.Round(time.Millisecond), idle)
	if took > 2*idle+idle/2 {
		t.Errorf("the write waited %v, about %d idle timeouts, not one", took.Round(time.Millisecond), int(took/idle))
	}
}

// While another process holds the write lock, this one's writes wait for
// it, but its reads don't: however many writes queue, they hold one
// connection of the pool between them.
func TestReadsDoNotWaitBehindQueuedWrites(t *testing.T) {
	db := pgtest.URL(t)
	ctx := context.Background()
	st, err := OpenPostgres(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e := st.e.(*postgresEngine)
	holder, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, e.key, writeLock); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 2 * int(e.pool.Config().MaxConns) {
		wg.Add(1)
		go func() { defer wg.Done(); st.Write(wctx, func(*Tx) error { return nil }) }()
	}
	defer func() { cancel(); wg.Wait() }()
	time.Sleep(300 * time.Millisecond)
	rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
	defer rcancel()
	for range 3 {
		err = st.Read(rctx, func(tx *Tx) error { _, err := tx.ChangeHead(); return err })
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a read waited for a connection while writes queued for another process's lock")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	tx.Rollback(ctx)
}
