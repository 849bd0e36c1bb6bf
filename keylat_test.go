//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/server/store"
)

// The keystroke latency harness: the built lanes, and any other builds
// named, each run on a real pseudo-terminal on a board of 100, 10,000 and
// 100,000 cards; keys are written to the terminal and the time taken until
// the terminal has read the frame that shows each key's effect.
//
//	go test . -run TestKeyLatency -lanes.keylat -v \
//	    -lanes.keylat.bins before=/tmp/lanes-before
var (
	keylatRun    = flag.Bool("lanes.keylat", false, "run the keystroke latency harness (TestKeyLatency; a few minutes)")
	keylatBins   = flag.String("lanes.keylat.bins", "", "other lanes binaries to measure in the same run, as name=path,… (e.g. before=/tmp/lanes-before)")
	keylatSizes  = flag.String("lanes.keylat.sizes", "100,10000,100000", "board sizes (cards) to measure")
	keylatRounds = flag.Int("lanes.keylat.rounds", 2, "rounds of 128 keys per board and binary")
	keylatRaw    = flag.String("lanes.keylat.raw", "", "a file to append what each binary wrote to the terminal to, read by read, with times")
)

// keylatCols and keylatRows are the terminal's size.
const keylatCols, keylatRows = 120, 40

// TestKeyLatency measures, the way a user sees it, the time from a key
// reaching lanes' terminal to the frame that shows it coming back: each
// key's bytes are written to the master side of a pseudo-terminal whose
// other side is lanes' controlling terminal, and the master is read until
// the screen (kept by a terminal emulator, testenv.VT) shows the cursor's
// card moved: the card mark (┃) in one column, on as many rows as a card
// has, at another card than before the key. The time is from just before
// the key's write to the return of the read that completed that screen.
//
// The board is lanes' own (no --server: the local server in the process,
// on a data directory seeded straight through the store), in its default
// colours at 120×40, measured once it has settled after its sync (it
// writes its cache then, seconds of CPU at 100,000 cards). Keys move the
// cursor: down 20 cards, right, down 20, right, down 20, left twice, then
// up 20 in each the same way (128 keys a round; scrolling included), a
// random 10–30 ms apart as a typist's, after a warm-up. Each binary runs
// on the same data; a run reports per size the median and 90th
// percentile per binary, and logs the machine's load average, the CPU
// lanes used per key, and what it uses idle (a renderer's frame ticker
// costs CPU while nothing happens).
func TestKeyLatency(t *testing.T) {
	if !*keylatRun {
		t.Skip("the keystroke latency harness runs with -lanes.keylat")
	}
	bins := [][2]string{{"this", builtLanes(t)}}
	for _, kv := range strings.Split(*keylatBins, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		name, path, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("-lanes.keylat.bins: %q is not name=path", kv)
		}
		bins = append(bins, [2]string{name, path})
	}
	var report []string
	for _, s := range strings.Split(*keylatSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 60 {
			t.Fatalf("-lanes.keylat.sizes: %q is not a number of cards ≥ 60", s)
		}
		env := keylatBoard(t, n)
		for _, bin := range bins {
			ds := keylatMeasure(t, bin[1], env)
			line := fmt.Sprintf("%7d cards  %-8s key→frame median %6.2f ms  p90 %6.2f ms  (%d keys)", n, bin[0], percentile(ds, 50), percentile(ds, 90), len(ds))
			t.Log(line)
			report = append(report, line)
		}
	}
	t.Log("keystroke to frame, read back from the terminal:\n" + strings.Join(report, "\n"))
}

// keylatBoard is the environment of a lanes data directory whose
// personal board has n cards spread over its three open columns.
func keylatBoard(t *testing.T, n int) []string {
	t.Helper()
	ctx := context.Background()
	bin := builtLanes(t)
	p := newServeProc(t, bin, "serve", []string{"serve", "--rate-limit", "0"})
	token := strings.TrimSpace(runLanesEnv(t, bin, p.env, "token", "create", "--label", "keylat"))
	p.start()
	c := api.New(p.URL(), token)
	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	space, project, err := launch.Pick(ctx, c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cols, err := c.Statuses(ctx, project.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.stop() // the board runs its own server on the directory
	var open []string
	for _, col := range cols {
		if !col.IsDone {
			open = append(open, col.ID)
		}
	}
	var db string
	for _, kv := range p.env {
		if d, ok := strings.CutPrefix(kv, "LANES_DATA="); ok {
			db = filepath.Join(d, "lanes.db")
		}
	}
	st, err := store.OpenDB(ctx, db)
	if err != nil {
		t.Fatalf("open the store to seed it: %v", err)
	}
	defer st.Close()
	start := time.Now()
	for done := 0; done < n; {
		err := st.Write(ctx, func(tx *store.Tx) error {
			for k := 0; k < 2000 && done < n; k++ {
				col := open[done%len(open)]
				desc := "a card of the latency harness"
				task := &store.Task{ProjectID: project.ID, SpaceID: space.ID, StatusID: &col, Title: fmt.Sprintf("card %d", done),
					Description: &desc, Priority: "medium", CreatorID: me.ID}
				if err := tx.CreateTask(task); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	t.Logf("seeded %d cards in %v", n, time.Since(start).Round(time.Millisecond))
	return p.env
}

// ptyOpen is a new pseudo-terminal of keylatCols×keylatRows: its master
// (the terminal's side) and its slave (the program's).
func ptyOpen(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	fd := int(m.Fd()) // blocking from here: the reader has a goroutine of its own
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("the pty's number: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: keylatRows, Col: keylatCols}); err != nil {
		t.Fatalf("size the pty: %v", err)
	}
	return m, s
}

// cursorAt is where the screen shows the cursor's card, or ok false when
// it shows no whole card mark (none, or a frame half read): the mark's
// column and top row, that row's text, and how many rows it spans.
type cursorAt struct {
	x, top, rows int
	text         string
}

func readCursor(screen string) (cursorAt, bool) {
	var c cursorAt
	for row, line := range strings.Split(screen, "\n") {
		i := strings.Index(line, "┃")
		if i < 0 {
			continue
		}
		x := len([]rune(line[:i]))
		switch {
		case c.rows == 0:
			c = cursorAt{x: x, top: row, rows: 1, text: line}
		case x != c.x || row != c.top+c.rows:
			return c, false // two marks: a frame half read
		default:
			c.rows++
		}
	}
	return c, c.rows > 0
}

// keyRead is what a read of the terminal made the screen show, and when.
type keyRead struct {
	at     time.Time
	cursor cursorAt
	ok     bool
	screen string
}

// keylatMeasure runs bin on a pty in env and returns each measured key's
// latency.
func keylatMeasure(t *testing.T, bin string, env []string) []time.Duration {
	t.Helper()
	master, slave := ptyOpen(t)
	defer master.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(slices.Clone(env), "TERM=xterm-256color", "COLORTERM=truecolor")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	}()

	// The terminal: what lanes writes goes to the emulator; the queries
	// lanes' colour detection sends (the background colour, the cursor's
	// position) are answered as a dark terminal would.
	var raw *os.File
	if *keylatRaw != "" {
		f, err := os.OpenFile(*keylatRaw, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fmt.Fprintf(f, "--- %s\n", bin)
		raw = f
	}
	reads := make(chan keyRead, 4096)
	go func() {
		defer close(reads)
		vt := testenv.NewVT(keylatCols, keylatRows)
		buf := make([]byte, 256<<10)
		for {
			n, err := master.Read(buf)
			at := time.Now()
			if err != nil {
				return
			}
			p := buf[:n]
			if raw != nil {
				fmt.Fprintf(raw, "%s %q\n", at.Format("15:04:05.000000"), p)
			}
			for _, q := range terminalQueries(p) {
				master.Write([]byte(q))
			}
			vt.Write(p)
			screen := vt.Screen()
			c, ok := readCursor(screen)
			reads <- keyRead{at: at, cursor: c, ok: ok, screen: screen}
		}
	}()

	// The first frame: the board synced, the cursor on the first card.
	start := time.Now()
	var now keyRead
	for !now.ok || !strings.Contains(now.screen, "synced") {
		select {
		case r, open := <-reads:
			if !open {
				t.Fatalf("%s ended before its first frame; the screen:\n%s", bin, now.screen)
			}
			now = r
		case <-time.After(120 * time.Second):
			t.Fatalf("%s: no board within 2 minutes; the screen:\n%s", bin, now.screen)
		}
	}
	synced := time.Since(start)
	// Keys on a settled board: after the sync the board still writes its
	// cache (seconds at 100,000 cards), which is not a key's cost.
	pid := strconv.Itoa(cmd.Process.Pid)
	for deadline := time.Now().Add(3 * time.Minute); ; {
		before := procCPU(pid)
		time.Sleep(500 * time.Millisecond)
		if procCPU(pid)-before <= 0.02 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never settled after its sync", bin)
		}
	}
	settled := time.Since(start)
	idle := procCPU(pid)
	time.Sleep(5 * time.Second)
	idle = procCPU(pid) - idle
	t.Logf("%s: the board synced %v after the start, settled after %v; idle, it used %.0f ms of CPU in 5 s; load average %s", filepath.Base(bin),
		synced.Round(time.Millisecond), settled.Round(time.Millisecond), idle*1000, loadAverage())

	key := func(k byte) time.Duration {
		t.Helper()
		for drained := false; !drained; { // frames of other changes than the key's
			select {
			case r := <-reads:
				now = r
			default:
				drained = true
			}
		}
		before := now.cursor
		sent := time.Now()
		if _, err := master.Write([]byte{k}); err != nil {
			t.Fatal(err)
		}
		for {
			select {
			case r, open := <-reads:
				if !open {
					t.Fatalf("%s ended; the screen:\n%s", bin, now.screen)
				}
				now = r
				if r.ok && r.cursor.rows == before.rows && r.cursor != before {
					return r.at.Sub(sent)
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("%s: %q never moved the cursor from %+v; the screen:\n%s", bin, k, before, now.screen)
			}
		}
	}
	for _, k := range []byte("jjjjkkkk") { // warm-up
		key(k)
		time.Sleep(20 * time.Millisecond)
	}
	var round []byte
	for _, dir := range []string{"j", "k"} {
		for _, side := range []string{"l", "l", "hh"} {
			round = append(round, strings.Repeat(dir, 20)+side...)
		}
	}
	var ds []time.Duration
	cpu := procCPU(pid)
	for range *keylatRounds {
		for _, k := range round {
			ds = append(ds, key(k))
			// A typist's pace, the key landing anywhere in a frame tick.
			time.Sleep(time.Duration(10+time.Now().UnixNano()%21) * time.Millisecond)
		}
	}
	t.Logf("%s: %.2f ms of CPU per key (the pace's idle included)", filepath.Base(bin), (procCPU(pid)-cpu)*1000/float64(len(ds)))
	if _, err := master.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not quit on q; the screen:\n%s", bin, now.screen)
	}
	return ds
}

// terminalQueries are the answers a terminal gives to the queries in p:
// the background colour (OSC 11) as dark, and the cursor position.
func terminalQueries(p []byte) []string {
	var out []string
	s := string(p)
	for {
		osc, cpr := strings.Index(s, "\x1b]11;?"), strings.Index(s, "\x1b[6n")
		switch {
		case osc >= 0 && (cpr < 0 || osc < cpr):
			out = append(out, "\x1b]11;rgb:1e1e/1e1e/2e2e\x1b\\")
			s = s[osc+5:]
		case cpr >= 0:
			out = append(out, "\x1b[1;1R")
			s = s[cpr+4:]
		default:
			return out
		}
	}
}

// loadAverage is the machine's load over the last minute: the figures are
// of a shared machine.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(raw))[0]
}
