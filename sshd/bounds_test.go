package sshd

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
)

// probeOut is a client's terminal: it counts the bytes the server sends
// and draws them on a VT, keeping nothing else (so the test process's
// heap is the server's), and it can stop reading, as a stalled client
// does: while stalled, its Write blocks, so the SSH client stops taking
// data from the channel and the server's window to it runs out.
type probeOut struct {
	n    atomic.Int64
	vt   *testenv.VT
	hold sync.Mutex // held while stalled
}

func (o *probeOut) Write(p []byte) (int, error) {
	o.hold.Lock() // waits while stalled
	o.hold.Unlock()
	o.n.Add(int64(len(p)))
	return o.vt.Write(p)
}

func (o *probeOut) stall()  { o.hold.Lock() }
func (o *probeOut) resume() { o.hold.Unlock() }

// probeTerm is a session whose pty is w×h, drawn on a VT of its own size.
type probeTerm struct {
	*testenv.Term
	out *probeOut
}

func (e *sshEnv) connectProbe(name string, w, h, vtw, vth int) *probeTerm {
	e.t.Helper()
	out := &probeOut{vt: testenv.NewVT(vtw, vth)}
	term := testenv.OpenTerm(e.t, e.addr, e.hostKey, name, e.keys[name], testenv.TermSpec{W: w, H: h, VT: out.vt, Out: out})
	return &probeTerm{Term: term, out: out}
}

// heapAfterGC is the heap in use once the garbage is collected: what the
// process holds. The SSH server runs in this process in these tests.
func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// heapPeak samples the heap in use until stopped and returns the most it
// saw: what the host needed at the worst moment, garbage included.
func heapPeak() (stop func() uint64) {
	done, result := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		return <-result
	}
}

const mb = 1 << 20

// The lines of the screen that hold text, and the last of them.
func lastLine(screen string) int {
	last := -1
	for i, l := range strings.Split(screen, "\n") {
		if strings.TrimSpace(l) != "" {
			last = i
		}
	}
	return last
}

// A window-change to an absurd size is drawn at the largest sane size
// (500×200): the client gets what such a board needs, not hundreds of
// megabytes, and the host's memory stays small. A pty asked for at an
// absurd size, or at 0×0, is drawn at a sane size from the first frame.
func TestSSHWindowSizeBounded(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob", "carol")
	e.start(Config{})
	alice := e.connectProbe("alice", 100, 30, 500, 200)
	alice.WaitFor("board", "To Do", "synced")
	before := heapAfterGC()

	for _, size := range [][2]int{{10000, 10000}, {65535, 65535}, {1<<32 - 1, 1<<32 - 1}} {
		// From a small terminal each time, so each size is drawn anew.
		if err := alice.Session.WindowChange(30, 100); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		sent := alice.out.n.Load()
		peak := heapPeak()
		if err := alice.Session.WindowChange(size[1], size[0]); err != nil {
			t.Fatalf("window-change to %dx%d: %v", size[0], size[1], err)
		}
		time.Sleep(2 * time.Second)
		got, high := alice.out.n.Load()-sent, peak()
		t.Logf("%dx%d: %d KB sent in 2 s; heap peak %d MB over the %d MB before", size[0], size[1], got>>10, (int64(high)-int64(before))/mb, before/mb)
		// A full 500×200 board in colour is a few hundred KB; a resize
		// repaints it once. Unbounded, 10000x10000 sent about 10 MB a
		// second and took 700-800 MB of heap.
		if got > 4*mb {
			t.Fatalf("after a window-change to %dx%d the server sent %d MB in 2 s, want at most a few 500x200 frames (4 MB)", size[0], size[1], got/mb)
		}
		if high > before+200*mb {
			t.Fatalf("after a window-change to %dx%d the host's heap reached %d MB (from %d MB)", size[0], size[1], high/mb, before/mb)
		}
	}
	screen := alice.WaitFor("the board at the largest size", "To Do", "synced")
	if got := lastLine(screen); got != 199 {
		t.Fatalf("the board's last line is row %d, want 199 (a 200-row board):\n%s", got+1, screen)
	}
	if after := heapAfterGC(); after > before+32*mb {
		t.Fatalf("after the resizes the host holds %d MB more than before", (after-before)/mb)
	}

	// Asked for at the start: the first frame is already bounded.
	bob := e.connectProbe("bob", 65535, 65535, 500, 200)
	screen = bob.WaitFor("a board opened at 65535x65535", "To Do", "synced")
	if got := lastLine(screen); got != 199 {
		t.Fatalf("a pty of 65535x65535 drew %d rows, want 200:\n%s", got+1, screen)
	}
	if n := bob.out.n.Load(); n > 4*mb {
		t.Fatalf("a board opened at 65535x65535 sent %d MB", n/mb)
	}
	// A pty of 0×0 (the size unknown) is drawn at 80×24.
	carol := e.connectProbe("carol", 0, 0, 100, 40)
	screen = carol.WaitFor("a board opened at 0x0", "To Do", "synced")
	if got := lastLine(screen); got != 23 {
		t.Fatalf("a pty of 0x0 drew %d rows, want 24:\n%s", got+1, screen)
	}
}

// A client that stops reading while its board keeps changing costs the
// host a bounded amount: the session drops frames instead of queueing
// them, the server stays responsive to everyone else, and once the
// client reads again its screen shows the current board. Stopping the
// server with a stalled client still stops it promptly.
func TestSSHStalledReader(t *testing.T) {
	ctx := context.Background()
	srv := testenv.Start(t)
	_, aliceTok := srv.User(t, "alice")
	_, bobTok := srv.User(t, "bob")
	e := newSSHEnv(t)
	e.addTokenKey("alice", aliceTok)
	e.addTokenKey("bob", bobTok)
	e.start(remote(srv.HTTP.URL))

	c := api.New(srv.HTTP.URL, aliceTok)
	_, project, err := launch.Pick(ctx, c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cols, err := c.Statuses(ctx, project.ID)
	if err != nil {
		t.Fatal(err)
	}
	const cards = 32
	ids := make([]string, cards)
	for i := range ids {
		task, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: project.ID, Title: fmt.Sprintf("card%02d start", i), StatusID: &cols[i%len(cols)].ID})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = task.ID
	}

	alice := e.connectProbe("alice", 500, 200, 500, 200)
	alice.WaitFor("board", "card00 start", "card31 start", "synced")
	bob := e.connect("bob", 100, 30)
	bob.WaitFor("board", "To Do", "synced")

	// rename renames every card in rounds until stop is closed, then once
	// more to "cardNN final".
	rename := func(stop <-chan struct{}) <-chan error {
		errc := make(chan error, 1)
		go func() {
			for round := 1; ; round++ {
				suffix := fmt.Sprintf("round%d", round)
				select {
				case <-stop:
					suffix = "final"
				default:
				}
				for i, id := range ids {
					if _, err := c.UpdateTask(ctx, id, api.TaskPatch{Title: api.Set(fmt.Sprintf("card%02d %s", i, suffix))}); err != nil {
						errc <- err
						return
					}
				}
				if suffix == "final" {
					errc <- nil
					return
				}
			}
		}()
		return errc
	}

	// resize has the client change its window size back and forth until
	// stop is closed: each change is a full repaint, far more than the
	// SSH channel's window holds while the client is not reading.
	resize := func(p *probeTerm, stop <-chan struct{}) <-chan error {
		errc := make(chan error, 1)
		go func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					errc <- p.Session.WindowChange(200, 500)
					return
				case <-time.After(20 * time.Millisecond):
				}
				if err := p.Session.WindowChange(200, 500-i%2); err != nil {
					errc <- err
					return
				}
			}
		}()
		return errc
	}

	before := heapAfterGC()
	alice.out.stall()
	peak := heapPeak()
	stop := make(chan struct{})
	renamed := rename(stop)
	resized := resize(alice, stop)
	// Everyone else is served as usual: bob's board takes a new card, and
	// a new session opens.
	bob.Keys("n")
	bob.WaitFor("new card prompt", "title of the new card")
	bob.Keys("While alice stalls\r")
	bob.WaitFor("card made", "While alice stalls", "synced")
	e.connect("bob", 80, 24).WaitFor("a new session", "synced")
	time.Sleep(2 * time.Second)
	close(stop)
	if err := <-renamed; err != nil {
		t.Fatal(err)
	}
	if err := <-resized; err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	high := peak()
	held := heapAfterGC()
	t.Logf("stalled: heap peak %d MB, %d MB held after GC, over %d MB before", (int64(high)-int64(before))/mb, (int64(held)-int64(before))/mb, before/mb)
	if high > before+200*mb {
		t.Fatalf("with a stalled client the host's heap reached %d MB (from %d MB)", high/mb, before/mb)
	}
	if held > before+32*mb {
		t.Fatalf("with a stalled client the host holds %d MB more than before", (held-before)/mb)
	}

	// Reading again, alice sees the board as it is now, and no card as it
	// was while she stalled.
	alice.out.resume()
	var want []string
	for i := range cards {
		want = append(want, fmt.Sprintf("card%02d final", i))
	}
	screen := alice.WaitFor("the current board after the stall", want...)
	if strings.Contains(screen, "round") || strings.Contains(screen, "start") {
		t.Fatalf("after the stall alice's screen still shows an older board:\n%s", screen)
	}

	// Stalled again, with frames waiting: stopping the server still stops
	// it, telling the others.
	alice.out.stall()
	defer alice.out.resume()
	stop = make(chan struct{})
	renamed, resized = rename(stop), resize(alice, stop)
	time.Sleep(2 * time.Second)
	close(stop)
	<-renamed
	<-resized
	e.shutdown()
	bob.Exit()
	if !strings.Contains(bob.VT.Screen(), "The lanes server is stopping") {
		t.Fatalf("bob was not told the server stopped:\n%s", bob.VT.Screen())
	}
}

// A board that ends while its client is not reading does not leave the
// connection waiting on that client: once the end could not be sent for
// a while, the connection is closed.
func TestSSHStalledClientQuits(t *testing.T) {
	e := newSSHEnv(t, "alice", "bob")
	e.start(Config{})
	alice := e.connectProbe("alice", 500, 200, 500, 200)
	alice.WaitFor("board", "To Do", "synced")
	bob := e.connect("bob", 100, 30)
	bob.WaitFor("board", "To Do", "synced")
	closed := make(chan struct{})
	go func() {
		alice.Client.Wait()
		close(closed)
	}()

	alice.out.stall()
	defer alice.out.resume()
	for i := range 60 { // full repaints, far more than the channel's window
		if err := alice.Session.WindowChange(200, 500-i%2); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	alice.Keys("q")
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the connection of a board that ended while its client was not reading is still open 10 s later")
	}
	e.waitLog("the log", `msg="ssh: the client did not take the end of its session; closing its connection" user=alice`)
	bob.Keys("n")
	bob.WaitFor("bob's board still answers", "title of the new card")
}
