package main

import (
	"runtime"
	"strings"
	"testing"
)

// lanes version, lanes --version and lanes -v print the same four lines:
// version, commit, build date and Go version.
func TestVersionEveryWay(t *testing.T) {
	var first string
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		out := mustRun(t, t.TempDir(), args...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 4 || !strings.HasPrefix(lines[0], "lanes ") || !strings.HasPrefix(lines[1], "commit: ") ||
			!strings.HasPrefix(lines[2], "built:  ") || lines[3] != "go:     "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH {
			t.Fatalf("lanes %s printed:\n%s", strings.Join(args, " "), out)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Fatalf("lanes %s printed\n%s\nbut lanes version printed\n%s", strings.Join(args, " "), out, first)
		}
	}
}
