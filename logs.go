package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/lanesboard/lanes/config"
)

// openLog opens (appending) the log called name in the state directory.
func (a *app) openLog(name string) (*os.File, error) {
	dir, err := config.StateDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("make the state directory for logs: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the log: %w", err)
	}
	return f, nil
}

// engineLog is the sync engine's decision log (engine.log in the state
// directory) when --debug engine is on, else nil; close flushes and
// releases it. The engine logs from the board's update loop, which must
// never wait on a disk: its lines go through a queue.
func (a *app) engineLog() (log *slog.Logger, close func(), err error) {
	if !a.debugging("engine") {
		return nil, func() {}, nil
	}
	f, err := a.openLog("engine.log")
	if err != nil {
		return nil, nil, fmt.Errorf("the engine's debug log: %w", err)
	}
	q := newQueueWriter(f, 4096)
	return slog.New(slog.NewTextHandler(q, &slog.HandlerOptions{Level: slog.LevelDebug})), func() { q.Close(); f.Close() }, nil
}

// queueWriter writes to w from a goroutine of its own, so that a Write
// never waits for w: up to n writes wait in a queue, and what comes while
// it is full is dropped, counted, and said at Close.
type queueWriter struct {
	ch   chan []byte
	done chan struct{}

	mu      sync.Mutex
	closed  bool
	dropped int
}

func newQueueWriter(w io.Writer, n int) *queueWriter {
	q := &queueWriter{ch: make(chan []byte, n), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for p := range q.ch {
			w.Write(p)
		}
		q.mu.Lock()
		dropped := q.dropped
		q.mu.Unlock()
		if dropped > 0 {
			fmt.Fprintf(w, "(%d lines dropped: the log fell behind)\n", dropped)
		}
	}()
	return q
}

func (q *queueWriter) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0, os.ErrClosed
	}
	select {
	case q.ch <- bytes.Clone(p):
	default:
		q.dropped++
	}
	return len(p), nil
}

// Close writes what waits and stops.
func (q *queueWriter) Close() error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	<-q.done
	return nil
}
