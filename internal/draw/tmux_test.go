package draw_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/internal/draw"
)

// The tests here run a small program twice in tmux, a real terminal: once
// with Bubble Tea's standard renderer and once drawn by this package, sent
// the same keys, and compare the two screens (text, colours, cursor,
// alternate screen and mouse modes) after each, and the terminal's line
// settings after the program ends.

// helperEnv names the renderer the test binary, run as the helper
// program, draws with: "std" or "draw".
const helperEnv = "LANES_DRAW_HELPER"

// TestHelperProgram is the program the tests run in tmux; run by itself
// it does nothing.
func TestHelperProgram(t *testing.T) {
	kind := os.Getenv(helperEnv)
	if kind == "" {
		t.Skip("the program the tmux tests run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := helperModel{kill: cancel}
	var err error
	switch kind {
	case "std":
		_, err = tea.NewProgram(m, tea.WithContext(ctx), tea.WithAltScreen(), tea.WithMouseCellMotion(),
			tea.WithInput(os.Stdin), tea.WithOutput(os.Stdout)).Run()
	case "draw":
		_, err = draw.NewProgram(m, draw.Config{In: os.Stdin, Out: os.Stdout, AltScreen: true, Mouse: true}, tea.WithContext(ctx)).Run()
	default:
		err = fmt.Errorf("no renderer %q", kind)
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0) // nothing of the test framework's on the screen
}

// helperModel draws one of steps, and does what its keys say.
type helperModel struct {
	step          int
	width, height int
	back          string // what the last program run in the terminal said
	kill          func()
}

type execDone struct{ err error }

func (m helperModel) Init() tea.Cmd { return nil }

func (m helperModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case execDone:
		m.back = fmt.Sprintf("back from the other program (%v)", msg.err)
	case tea.KeyMsg:
		switch msg.String() {
		case "n":
			m.step = (m.step + 1) % steps
		case "c":
			return m, tea.ClearScreen
		case "a":
			return m, tea.ExitAltScreen
		case "A":
			return m, tea.EnterAltScreen
		case "e":
			c := exec.Command("sh", "-c", `printf 'in the other program\n'; read line; printf 'read %s\n' "$line"`)
			return m, tea.ExecProcess(c, func(err error) tea.Msg { return execDone{err} })
		case "p":
			panic("the helper panics")
		case "k":
			m.kill()
		case "q":
			return m, tea.Quit
		}
	}
	return m, nil
}

const steps = 8

// View is a frame of each kind the renderer must get right: colours,
// lines cut at the width (wide characters too) or exactly as wide, fewer
// lines than before, more than the terminal's height, nothing at all,
// and one line changed. Each says its step in its first and last line.
func (m helperModel) View() string {
	mark := fmt.Sprintf("step %d at %dx%d", m.step, m.width, m.height)
	var lines []string
	switch m.step {
	case 0, 6:
		lines = []string{mark, "\x1b[31mred\x1b[0m and \x1b[1;44mbold on blue\x1b[0m", "plain", m.back, "", "  indented  ", "\x1b[7mreversed to the end\x1b[0m"}
	case 1:
		lines = []string{mark,
			strings.Repeat("abcdefghij", 30),
			strings.Repeat("日本語のテキスト", 20),
			"x" + strings.Repeat("🙂", 100),
			strings.Repeat("w", max(m.width, 1)),
			"\x1b[32m" + strings.Repeat("green ", 40) + "\x1b[0m"}
	case 2:
		lines = []string{mark, "three lines"}
	case 3:
		for i := range 60 {
			lines = append(lines, fmt.Sprintf("line %d of 60", i))
		}
	case 4:
		return ""
	case 5:
		lines = []string{mark, "two"}
	case 7:
		lines = []string{mark, "\x1b[31mred\x1b[0m and \x1b[1;44mbold on blue\x1b[0m", "changed", m.back, "", "  indented  ", "\x1b[7mreversed to the end\x1b[0m"}
	}
	return strings.Join(append(lines, "end of "+mark), "\n")
}

// pair is the helper program running twice in tmux, once per renderer.
type pair struct {
	t      *testing.T
	socket string
	dir    string
}

func newPair(t *testing.T, w, h int) *pair {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("this test draws in tmux, which is not installed (.ci/run installs it)")
	}
	p := &pair{t: t, socket: fmt.Sprintf("lanes-draw-%d-%d", os.Getpid(), time.Now().UnixNano()), dir: t.TempDir()}
	// tmux exits with its last session: one that outlives the test's own.
	p.tmux("new-session", "-d", "-s", "keep", "sleep 3600")
	socket := strings.TrimSpace(p.tmux("display", "-p", "-t", "keep", "#{socket_path}"))
	t.Cleanup(func() {
		exec.Command("tmux", "-L", p.socket, "kill-server").Run()
		os.Remove(socket)
	})
	for _, kind := range []string{"std", "draw"} {
		before, after := filepath.Join(p.dir, kind+".before"), filepath.Join(p.dir, kind+".after")
		// Under -race, a report goes to a file, not the screen: the one
		// of the draw program is checked by ended; Bubble Tea's standard
		// renderer has races of its own (its resize goroutine), not this
		// package's to fix.
		race := filepath.Join(p.dir, kind+".race")
		cmd := fmt.Sprintf("stty -g > %s; GORACE=log_path=%s %s=%s %s -test.run='^TestHelperProgram$'; stty -g > %s; echo the helper exited; sleep 3600",
			before, race, helperEnv, kind, os.Args[0], after)
		p.tmux("new-session", "-d", "-s", kind, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), cmd)
	}
	return p
}

func (p *pair) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys sends keys to both.
func (p *pair) keys(keys ...string) {
	p.t.Helper()
	for _, kind := range []string{"std", "draw"} {
		p.tmux(append([]string{"send-keys", "-t", kind}, keys...)...)
	}
}

// resize gives both terminals a new size.
func (p *pair) resize(w, h int) {
	p.t.Helper()
	for _, kind := range []string{"std", "draw"} {
		p.tmux("resize-window", "-t", kind, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h))
	}
}

// modeFormat is what tmux says of a pane's modes and cursor.
const modeFormat = "alternate screen #{alternate_on}, cursor shown #{cursor_flag} at #{cursor_x},#{cursor_y}, mouse: button #{mouse_button_flag} any #{mouse_any_flag} sgr #{mouse_sgr_flag}"

// state is a pane's screen (with its colours) and modes.
func (p *pair) state(kind string) (screen, modes string) {
	p.t.Helper()
	return p.tmux("capture-pane", "-p", "-e", "-t", kind), strings.TrimSpace(p.tmux("display", "-p", "-t", kind, modeFormat))
}

// same waits until both screens show every want, then until they are the
// same, modes included (but for the mouse when !mouse), and returns the
// screen drawn by this package.
func (p *pair) same(what string, mouse bool, want ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var std, drawn, stdModes, drawnModes string
	for {
		std, stdModes = p.state("std")
		drawn, drawnModes = p.state("draw")
		if !mouse {
			stdModes, drawnModes = stdModes[:strings.Index(stdModes, "mouse:")], drawnModes[:strings.Index(drawnModes, "mouse:")]
		}
		shown := true
		for _, w := range want {
			shown = shown && strings.Contains(std, w) && strings.Contains(drawn, w)
		}
		if shown && std == drawn && stdModes == drawnModes {
			return drawn
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("%s: the screens differ (or never showed %q)\n--- standard renderer: %s\n%s\n--- draw: %s\n%s", what, want, stdModes, std, drawnModes, drawn)
	return ""
}

// ended waits for both programs to end, and checks each left the
// terminal's line settings as they were.
func (p *pair) ended(what string) {
	p.t.Helper()
	for _, kind := range []string{"std", "draw"} {
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(p.tmux("capture-pane", "-p", "-t", kind), "the helper exited") {
			if time.Now().After(deadline) {
				p.t.Fatalf("%s: the %s program never ended:\n%s", what, kind, p.tmux("capture-pane", "-p", "-t", kind))
			}
			time.Sleep(20 * time.Millisecond)
		}
		before, err := os.ReadFile(filepath.Join(p.dir, kind+".before"))
		if err != nil {
			p.t.Fatal(err)
		}
		after, err := os.ReadFile(filepath.Join(p.dir, kind+".after"))
		if err != nil {
			p.t.Fatal(err)
		}
		if string(before) != string(after) {
			p.t.Fatalf("%s: the %s program left the terminal's settings changed: %s, were %s", what, kind, after, before)
		}
	}
	races, _ := filepath.Glob(filepath.Join(p.dir, "draw.race*"))
	for _, f := range races {
		report, _ := os.ReadFile(f)
		p.t.Errorf("%s: the race detector found, in the draw program:\n%s", what, report)
	}
}

// Every kind of frame, a resize, a cleared screen, drawing outside the
// alternate screen and back, another program run in the terminal, and
// quitting: the screen is what the standard renderer leaves at each step.
func TestMatchesTheStandardRenderer(t *testing.T) {
	p := newPair(t, 80, 20)
	p.same("first frame", true, "step 0 at 80x20")
	for i := 1; i < steps; i++ {
		p.keys("n")
		want := fmt.Sprintf("step %d at 80x20", i)
		if i == 4 { // nothing drawn
			want = ""
		}
		p.same(fmt.Sprintf("step %d", i), true, want)
	}
	// Keys sent at once would be read as one ("nn"): one at a time.
	p.keys("n")
	p.same("step 0 again", true, "step 0 at 80x20")
	p.keys("n")
	p.same("step 1 again", true, "step 1 at 80x20")
	p.resize(50, 12)
	p.same("resized smaller", true, "step 1 at 50x12")
	p.resize(100, 30)
	p.same("resized larger", true, "step 1 at 100x30")
	p.keys("c")
	p.same("cleared", true, "step 1 at 100x30")
	p.keys("n")
	p.same("fewer lines", true, "step 2 at 100x30")

	p.keys("a")
	p.same("outside the alternate screen", true, "step 2 at 100x30")
	p.keys("n")
	p.same("outside the alternate screen, taller than the terminal", true, "end of step 3 at 100x30")
	for _, step := range []string{"step 4", "step 5", "step 6"} {
		p.keys("n")
		if step == "step 4" {
			p.same("outside the alternate screen, nothing", true)
			continue
		}
		p.same("outside the alternate screen, shorter", true, step+" at 100x30")
	}
	p.keys("A")
	p.same("back in the alternate screen", true, "step 6 at 100x30")

	p.keys("e")
	p.same("another program in the terminal", true, "in the other program")
	p.resize(90, 25)
	p.keys("-l", "hello")
	p.keys("Enter")
	// Bubble Tea's standard renderer leaves the mouse off after another
	// program ran (it turns it off and never on again); this package
	// turns it back on.
	p.same("back from the other program", false, "back from the other program (<nil>)", "step 6 at 90x25")
	if _, modes := p.state("draw"); !strings.Contains(modes, "mouse: button 1") {
		t.Fatalf("after another program ran, the mouse is not reported: %s", modes)
	}
	p.keys("n")
	p.same("a line changed", false, "step 7 at 90x25", "changed")
	p.keys("q")
	p.ended("quit")
	p.same("after quitting", false, "the helper exited")
}

// A panic in Update leaves the terminal restored, with Bubble Tea's
// report of it on the screen.
func TestMatchesTheStandardRendererOnPanic(t *testing.T) {
	p := newPair(t, 80, 100) // tall enough for the stack trace
	p.same("first frame", true, "step 0 at 80x100")
	p.keys("p")
	p.ended("panic")
	for _, kind := range []string{"std", "draw"} {
		screen, modes := p.state(kind)
		if !strings.Contains(screen, "Caught panic") || !strings.Contains(screen, "the helper panics") {
			t.Fatalf("%s: the panic is not on the screen:\n%s", kind, screen)
		}
		if !strings.HasPrefix(modes, "alternate screen 0, cursor shown 1") || !strings.Contains(modes, "mouse: button 0 any 0 sgr 0") {
			t.Fatalf("%s: after a panic the terminal is left %s", kind, modes)
		}
	}
}

// A program killed (its context cancelled) leaves the terminal as the
// standard renderer does, without a final frame.
func TestMatchesTheStandardRendererWhenKilled(t *testing.T) {
	p := newPair(t, 80, 20)
	p.same("first frame", true, "step 0 at 80x20")
	p.keys("n")
	p.same("step 1", true, "step 1 at 80x20")
	p.keys("k")
	p.ended("killed")
	p.same("after the kill", true, "the helper exited")
}
