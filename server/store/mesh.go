package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Mesh carries short messages between the lanes processes that share one
// PostgreSQL database: things every process must know that are not data,
// such as how many requests each token has just made. A message is a
// NOTIFY on the schema's mesh channel, so it costs no table write and
// reaches every process within milliseconds. Messages are hints, not
// records: one sent while a process was not listening is never heard
// there, and a process that stops speaking is forgotten after
// meshForget.
type Mesh struct {
	e    *postgresEngine
	self string // this process's name on the mesh, and on its change notices

	mu       sync.Mutex
	handlers map[string]func(payload string)
	sources  map[string]func() []string
	heard    map[string]time.Time // other processes, when last heard
}

// How often the mesh speaks, and when a silent process is forgotten.
const (
	meshInterval = 20 * time.Millisecond
	meshHello    = time.Second
	meshForget   = 3 * time.Second
	// meshPayload keeps each message inside NOTIFY's 8000 bytes, with
	// room for the sender's name and the topic.
	meshPayload = 7000
)

// Mesh is the store's mesh, or nil on SQLite: one process has no one to
// tell.
func (s *Store) Mesh() *Mesh {
	if e, ok := s.e.(*postgresEngine); ok {
		return e.mesh
	}
	return nil
}

func newMesh(e *postgresEngine) *Mesh {
	var b [6]byte
	rand.Read(b[:])
	return &Mesh{e: e, self: hex.EncodeToString(b[:]), handlers: map[string]func(string){},
		sources: map[string]func() []string{}, heard: map[string]time.Time{}}
}

// Handle has heard called with each payload another process sends on
// topic (never this process's own).
func (m *Mesh) Handle(topic string, heard func(payload string)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers[topic] = heard
}

// Publish has next asked, every meshInterval, for what to send on topic:
// each string it returns is one message, at most meshPayload bytes (longer
// ones are dropped).
func (m *Mesh) Publish(topic string, next func() []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sources[topic] = next
}

// Peers is how many processes share the database as far as this one
// knows: itself and every process heard from within meshForget.
func (m *Mesh) Peers() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	n := 1
	for p, at := range m.heard {
		if now.Sub(at) > meshForget {
			delete(m.heard, p)
			continue
		}
		n++
	}
	return n
}

// receive takes one message off the mesh channel: "sender topic payload".
func (m *Mesh) receive(msg string) {
	from, rest, ok := strings.Cut(msg, " ")
	if !ok || from == m.self || len(from) > 64 {
		return
	}
	topic, payload, _ := strings.Cut(rest, " ")
	m.mu.Lock()
	if _, known := m.heard[from]; known || len(m.heard) < 1024 {
		m.heard[from] = time.Now()
	}
	h := m.handlers[topic]
	m.mu.Unlock()
	if h != nil {
		h(payload)
	}
}

// run speaks for this process until ctx ends: what each source has to
// send every meshInterval, and a hello every meshHello so the others
// count it among the living. It speaks on a connection of its own, so
// that a pool busy with requests never holds up what the others must hear
// within shareSpan.
func (m *Mesh) run(ctx context.Context) {
	tick := time.NewTicker(meshInterval)
	defer tick.Stop()
	var (
		conn      *pgx.Conn
		lastHello time.Time
	)
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			// The sources are asked with the mesh unlocked: they take locks
			// of their own, under which they may ask the mesh (Peers).
			m.mu.Lock()
			sources := maps.Clone(m.sources)
			m.mu.Unlock()
			var out []string
			for topic, next := range sources {
				for _, p := range next() {
					if len(p) <= meshPayload {
						out = append(out, topic+" "+p)
					}
				}
			}
			if now.Sub(lastHello) >= meshHello {
				out = append(out, "hello")
				lastHello = now
			}
			if conn == nil {
				c, err := m.e.pool.Acquire(ctx)
				if err != nil {
					continue // the database is away: what was to be said is lost, as a hint may be
				}
				conn = c.Hijack()
			}
			for _, msg := range out {
				if _, err := conn.Exec(ctx, `SELECT pg_notify($1, $2)`, m.e.channel+"_mesh", m.self+" "+msg); err != nil {
					if ctx.Err() == nil {
						slog.Default().Debug("lanes: mesh message not sent", "err", err)
					}
					conn.Close(context.Background())
					conn = nil
					break
				}
			}
		}
	}
}
