package launch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The last board opened is remembered per server.
func TestLastBoard(t *testing.T) {
	dir := t.TempDir()
	if _, ok := readLast(dir, "local"); ok {
		t.Fatal("a fresh data dir remembers a board")
	}
	writeLast(dir, LastBoard{Server: "local", Space: "s1", Project: "p1"})
	if l, ok := readLast(dir, "local"); !ok || l.Project != "p1" || l.Space != "s1" {
		t.Fatalf("readLast = %+v, %v", l, ok)
	}
	if _, ok := readLast(dir, "https://tasks.krokanti.com"); ok {
		t.Fatal("the local board was offered for another server")
	}
}

// last-board.json is read with care: names that would reach the screen
// lose their control characters, an unknown role is no role, and a file
// too big or not JSON is no record at all.
func TestLastBoardReadWithCare(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last-board.json")
	write := func(raw string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"server":"local","space":"s1","project":"p1","spaceName":"Te\u001b]0;pwned\u0007am","projectName":"Gen\u001b[2Jeral","role":"superuser","actor":"u1"}`)
	l, ok := readLast(dir, "local")
	if !ok {
		t.Fatal("a record with odd names was dropped")
	}
	if strings.ContainsAny(l.SpaceName+l.ProjectName, "\x1b\x07") || !strings.Contains(l.SpaceName, "Te") || !strings.Contains(l.ProjectName, "eral") {
		t.Fatalf("names read as %q and %q: control characters kept, or the names lost", l.SpaceName, l.ProjectName)
	}
	if l.Role != "" {
		t.Fatalf("role %q, want none for an unknown one", l.Role)
	}
	for _, bad := range []string{`{"server":"local","project":"p1"` + strings.Repeat(" ", 70<<10) + `}`, `not json`, `{"server":"local"}`} {
		write(bad)
		if _, ok := readLast(dir, "local"); ok {
			t.Errorf("read a record from %.40q…", bad)
		}
	}
}

// Each server keeps its own last board: opening the local board does not
// make the one on a server that is away forget its own. A file written by
// an older lanes (one record, at the top level) still counts.
func TestLastBoardPerServer(t *testing.T) {
	dir := t.TempDir()
	old := `{"server":"https://tasks.example","space":"s0","project":"p0"}`
	if err := os.WriteFile(filepath.Join(dir, "last-board.json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if l, ok := readLast(dir, "https://tasks.example"); !ok || l.Project != "p0" {
		t.Fatalf("an older lanes' record read as %+v, %v", l, ok)
	}
	writeLast(dir, LastBoard{Server: "https://tasks.example", Space: "s1", Project: "p1", SpaceName: "Team", ProjectName: "Web", Actor: "u1"})
	writeLast(dir, LastBoard{Server: "local", Space: "s2", Project: "p2", SpaceName: "Personal", ProjectName: "General"})
	if l, ok := readLast(dir, "https://tasks.example"); !ok || l.Project != "p1" || l.ProjectName != "Web" || l.Actor != "u1" {
		t.Fatalf("the server's last board after a local one: %+v, %v", l, ok)
	}
	if l, ok := readLast(dir, "local"); !ok || l.Project != "p2" {
		t.Fatalf("the local last board: %+v, %v", l, ok)
	}
	NewLastFile(dir, "local").forget("p2")
	if _, ok := readLast(dir, "local"); ok {
		t.Fatal("a forgotten board is still remembered")
	}
	if _, ok := readLast(dir, "https://tasks.example"); !ok {
		t.Fatal("forgetting the local board forgot the server's too")
	}
}
