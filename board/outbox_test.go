package board

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type testEntry struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func pendingIDs(t *testing.T, raw []json.RawMessage) []string {
	t.Helper()
	var ids []string
	for _, r := range raw {
		var e testEntry
		if err := json.Unmarshal(r, &e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

func TestOutboxSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	o, pending, err := openOutbox(path)
	if err != nil || len(pending) != 0 {
		t.Fatalf("fresh outbox: %v, %d pending", err, len(pending))
	}
	for _, id := range []string{"m1", "m2", "m3"} {
		if err := o.append(testEntry{ID: id, Title: "t " + id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.done("m2"); err != nil {
		t.Fatal(err)
	}
	// Closed without ceremony, as a killed process would leave it.
	o.f.Close()
	o.unlock()

	o2, pending, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	defer o2.close()
	if got := strings.Join(pendingIDs(t, pending), ","); got != "m1,m3" {
		t.Fatalf("after reopen pending = %s, want m1,m3 in order", got)
	}
}

func TestOutboxIgnoresTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	o, _, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	o.append(testEntry{ID: "m1"})
	o.close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"add":{"id":"m2","tit`)
	f.Close()
	o, pending, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	if got := strings.Join(pendingIDs(t, pending), ","); got != "m1" {
		t.Fatalf("pending = %q, want only the whole line m1", got)
	}
	// The torn line is gone from the file, so new lines are whole.
	o.append(testEntry{ID: "m3"})
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), `"m2"`) {
		t.Fatalf("torn line still in the file:\n%s", data)
	}
}

func TestOutboxRefusesSecondOpener(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	o, _, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := openOutbox(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	o.close()
	o2, _, err := openOutbox(path)
	if err != nil {
		t.Fatalf("open after the first closed: %v", err)
	}
	o2.close()
}

func TestOutboxCompacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	o, _, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	defer o.close()
	for i := 0; i < 200; i++ {
		id := "m" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('0'+i/26))
		o.append(testEntry{ID: id})
		if i != 199 {
			o.done(id)
		}
	}
	if !o.compactable() {
		t.Fatalf("399 lines with 1 pending should be worth compacting")
	}
	before, _ := os.Stat(path)
	if err := o.compact(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if after.Size() >= before.Size()/10 {
		t.Fatalf("compaction left %d of %d bytes", after.Size(), before.Size())
	}
	f, _ := readOutbox(path)
	pending := f.pending
	if len(pending) != 1 {
		t.Fatalf("after compaction %d pending, want 1", len(pending))
	}
	if err := o.append(testEntry{ID: "after"}); err != nil {
		t.Fatalf("append after compaction: %v", err)
	}
	if f, _ := readOutbox(path); len(f.pending) != 2 {
		t.Fatalf("append after compaction lost: %d pending", len(pending))
	}
}
