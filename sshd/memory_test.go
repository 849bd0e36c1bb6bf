package sshd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/launch"
)

var sshMem = flag.String("lanes.sshmem", "", "open sessions on a 1,000-card board in this process, report the heap each holds and write a heap profile to this file")

// seen is a session's output, watched for one string.
type seen struct {
	mu   sync.Mutex
	tail string
	want string
	at   chan struct{}
	once sync.Once
}

func (s *seen) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.tail += string(p)
	if strings.Contains(s.tail, s.want) {
		s.once.Do(func() { close(s.at) })
	}
	if len(s.tail) > 256 {
		s.tail = s.tail[len(s.tail)-256:]
	}
	s.mu.Unlock()
	return len(p), nil
}

// TestSSHSessionMemory is a tool, not a check: with -lanes.sshmem=FILE it
// opens 200 sessions of one person on a board of 1,000 cards, served in
// this process, and reports the heap in use per session (the clients'
// side included: both ends are here) and writes a heap profile to FILE
// (go tool pprof -sample_index=inuse_space -top FILE).
func TestSSHSessionMemory(t *testing.T) {
	if *sshMem == "" {
		t.Skip("a tool: -lanes.sshmem=FILE runs it")
	}
	const sessions, cards = 200, 1000
	e := newSSHEnv(t, "alice")
	e.start(Config{})
	ctx := context.Background()
	c := e.client("alice")
	_, p, err := launch.Pick(ctx, c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cols, err := c.Statuses(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cards {
		desc := strings.Repeat(fmt.Sprintf("What card %d is about, as a person would write it. ", i), 3)
		if _, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: fmt.Sprintf("Card %04d of the board", i),
			StatusID: &cols[i%len(cols)].ID, Description: &desc}); err != nil {
			t.Fatal(err)
		}
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	// One session first: the engine and the client every session shares.
	open := func() {
		client, err := e.dial(e.keys["alice"])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm-256color", 30, 120, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		w := &seen{want: "synced", at: make(chan struct{})}
		sess.Stdout, sess.Stderr = w, io.Discard
		stdin, _ := sess.StdinPipe()
		t.Cleanup(func() { stdin.Close() })
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-w.at:
		case <-time.After(30 * time.Second):
			t.Fatal("a session was never drawn")
		}
	}
	open()
	time.Sleep(time.Second)
	before := heap()
	for range sessions - 1 {
		open()
	}
	time.Sleep(2 * time.Second)
	after := heap()
	t.Logf("heap in use: %.1f MB with one session, %.1f MB with %d: %.0f KB per session (both ends)",
		float64(before)/(1<<20), float64(after)/(1<<20), sessions, float64(after-before)/1024/float64(sessions-1))
	f, err := os.Create(*sshMem)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}
