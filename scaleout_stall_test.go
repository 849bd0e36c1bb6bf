package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestScaleOutFrozenProcess: a process frozen (SIGSTOP, as a stalled VM or
// a debugger would leave it) in the middle of a write transaction holds
// the write lock every process takes. The others' writes must not wait
// for it for ever: PostgreSQL ends the frozen transaction within
// store.IdleInTransaction (5 s), and the process, thawed, works again.
func TestScaleOutFrozenProcess(t *testing.T) {
	c := newCluster(t, 2)
	s := newSharedSetup(t, c, 1)
	p := s.projects[0]
	hc := httpClient(15 * time.Second)
	frozen := c.procs[0]
	var stop atomic.Bool
	busy := make(chan struct{})
	go func() {
		defer close(busy)
		for i := 0; !stop.Load(); i++ {
			send(context.Background(), hc, "POST", frozen.URL()+"/api/tasks", s.annTok, newKey(), map[string]any{"projectId": p.id, "title": fmt.Sprintf("busy-%d", i)})
		}
	}()
	t.Cleanup(func() { syscall.Kill(frozen.cmd.Process.Pid, syscall.SIGCONT); stop.Store(true); <-busy })
	// Freeze it until it is caught holding the lock: a transaction of its,
	// idle, with the advisory lock granted.
	pid := frozen.cmd.Process.Pid
	caught := false
	for attempt := 0; attempt < 300 && !caught; attempt++ {
		syscall.Kill(pid, syscall.SIGSTOP)
		time.Sleep(20 * time.Millisecond)
		var n int
		c.pg(func(ctx context.Context, conn *pgx.Conn) error {
			return conn.QueryRow(ctx, `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
				WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1 AND a.state = 'idle in transaction'`, c.app).Scan(&n)
		})
		if caught = n > 0; !caught {
			syscall.Kill(pid, syscall.SIGCONT)
			time.Sleep(time.Duration(attempt%5) * time.Millisecond)
		}
	}
	if !caught {
		t.Fatal("p0, writing all the time, was never caught holding the write lock")
	}
	frozenAt := time.Now()
	a, err := send(context.Background(), hc, "POST", c.procs[1].URL()+"/api/tasks", s.annTok, newKey(), map[string]any{"projectId": p.id, "title": "while p0 is frozen"})
	took := time.Since(frozenAt)
	if err != nil || a.status != 201 {
		t.Fatalf("a write on p1 while p0 is frozen holding the lock: %v %s after %v", err, a, took.Round(time.Millisecond))
	}
	t.Logf("a write on p1 went through %v after p0 froze holding the lock", took.Round(time.Millisecond))
	if took > 10*time.Second {
		t.Errorf("a write on p1 waited %v for the frozen p0", took.Round(time.Millisecond))
	}
	syscall.Kill(pid, syscall.SIGCONT)
	if !waitFor(5*time.Second, func() bool {
		a, err := send(context.Background(), hc, "POST", frozen.URL()+"/api/tasks", s.annTok, newKey(), map[string]any{"projectId": p.id, "title": "p0 thawed"})
		return err == nil && a.status == 201
	}) {
		t.Errorf("p0 takes no writes 5 s after it was thawed")
	}
}
