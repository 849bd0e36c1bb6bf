package main

import (
	"strings"
	"testing"
)

// lanes man prints a man page made from the commands: every command and
// its flags are in it, and it is hidden from the command list.
func TestManPage(t *testing.T) {
	out := mustRun(t, t.TempDir(), "man")
	for _, want := range []string{".TH LANES 1", "standup", "ssh", "\\fB--project\\fP", "\\fB--idle-timeout\\fP", "XDG_STATE_HOME",
		"talks to a task server speaking the Krokanti Tasks REST API"} {
		if !strings.Contains(out, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
	if help := mustRun(t, t.TempDir(), "--help"); strings.Contains(help, "\n  man ") {
		t.Errorf("lanes --help lists the hidden man command:\n%s", help)
	}
}
