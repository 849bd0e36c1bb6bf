package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// lanesNoTerminal runs the built lanes with stdin from /dev/null and
// stdout and stderr to buffers, as a script or a cron job would.
func lanesNoTerminal(t *testing.T, bin string, args ...string) (stdout, stderr string, exit int) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "LANES_DATA="+filepath.Join(home, "data"))
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, &out, &errOut
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		exit = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), exit
}

// Without a terminal the board says it needs one, and what to use
// instead, before writing anything to the screen; the commands that need
// no terminal still run.
func TestBoardNeedsATerminal(t *testing.T) {
	bin := builtLanes(t)
	out, errOut, exit := lanesNoTerminal(t, bin)
	if exit != 1 || !strings.Contains(errOut, "lanes: the board needs a terminal") || !strings.Contains(errOut, "lanes standup") {
		t.Fatalf("lanes < /dev/null: exit %d, stderr %q; want exit 1 and a word that it needs a terminal, naming lanes standup", exit, errOut)
	}
	if out != "" || strings.ContainsRune(errOut, '\x1b') {
		t.Fatalf("lanes < /dev/null wrote to the screen: stdout %q, stderr %q", out, errOut)
	}
	out, errOut, exit = lanesNoTerminal(t, bin, "standup")
	if exit != 0 || strings.Contains(errOut, "terminal") || !strings.Contains(out, "Personal / General") {
		t.Fatalf("lanes standup < /dev/null: exit %d, stdout %q, stderr %q; want the report", exit, out, errOut)
	}

	// In a terminal, but with the output going to a pipe.
	s := tmuxServer(t, "noterm")
	home := t.TempDir()
	s.run(boardCmd(bin, home, filepath.Join(home, "data")) + " | od -c | head -3")
	screen := s.waitFor("the board's output piped", "lanes exited 0")
	if !strings.Contains(screen, "lanes: the board needs a terminal") || strings.Contains(screen, "033") {
		t.Fatalf("lanes | od: the board did not say it needs a terminal, or wrote escape codes into the pipe:\n%s", screen)
	}
}
