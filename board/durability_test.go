package board

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
)

// Each test here pins down a way the randomized fault test once lost or
// resurrected a change, so it stays fixed without relying on chance.

// A change marked done stays done, even if a late write (from another
// goroutine) adds it again.
func TestOutboxDoneIsFinal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.outbox")
	o, _, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	o.append(testEntry{ID: "a", Title: "first"})
	o.done("a")
	o.append(testEntry{ID: "a", Title: "rewritten late"})
	o.append(testEntry{ID: "b"})
	o.close()
	_, pending, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	if ids := pendingIDs(t, pending); len(ids) != 1 || ids[0] != "b" {
		t.Fatalf("pending after reopen: %v, want only b", ids)
	}
}

// A rename is kept through compaction while a pending change still names
// the temporary id, and dropped once none does.
func TestOutboxKeepsRenamesWhileNeeded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.outbox")
	o, _, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	o.append(map[string]string{"id": "m1", "taskId": "new-1"})
	o.append(map[string]string{"id": "m2", "taskId": "new-2"})
	o.renamed(rename{From: "new-1", To: "real-1"})
	o.renamed(rename{From: "new-2", To: "real-2"})
	o.renamed(rename{From: "new-1", To: "real-1"}) // twice: one line
	o.done("m2")
	if err := o.compact(); err != nil {
		t.Fatal(err)
	}
	o.close()
	o2, pending, err := openOutbox(path)
	if err != nil {
		t.Fatal(err)
	}
	defer o2.close()
	if len(pending) != 1 || len(o2.renames) != 1 || o2.renames[0] != (rename{"new-1", "real-1"}) {
		t.Fatalf("after compaction: %d pending, renames %v; want m1 and new-1 → real-1", len(pending), o2.renames)
	}
}

// One card read twice by a fetch (active list, then archived list, with a
// change in between) is held once: the newer copy, in the right list.
func TestNewStateKeepsTheNewerOfTwoCopies(t *testing.T) {
	cols := []Column{{ID: "todo"}, {ID: "done", IsDone: true}}
	older := &Card{ID: "k", StatusID: "todo", Position: "a0", Version: 3}
	newer := &Card{ID: "k", StatusID: "done", Position: "a1", Archived: true, Version: 4}
	for _, order := range [][]*Card{{older, newer}, {newer, older}} {
		s := NewState(cols, order)
		if err := s.Check(); err != nil {
			t.Fatal(err)
		}
		c, _ := s.Card("k")
		if c.Version != 4 || len(s.Column("todo")) != 0 {
			t.Fatalf("kept version %d; To Do lists %v", c.Version, s.Column("todo"))
		}
	}
}

// A restart paints the cache plus what the server confirmed after it was
// written: a deletion is final whatever the order of the lines, and of two
// copies of a card the newer stands. Changes stored under a temporary id
// are renamed.
func TestOpenAppliesConfirmedChangesAndRenames(t *testing.T) {
	dir := t.TempDir()
	opts := Options{Dir: dir, Server: "http://example.invalid", ProjectID: "p"}
	base := filepath.Join(dir, "boards", fileKey(opts.Server, opts.ProjectID))
	cols := []Column{{ID: "todo"}, {ID: "done", IsDone: true}}
	cached := []*Card{
		{ID: "kept", Title: "Kept", StatusID: "todo", Position: "a0", Priority: PriorityNone, Version: 1},
		{ID: "gone", Title: "Gone", StatusID: "todo", Position: "a1", Priority: PriorityNone, Version: 1},
	}
	o, _, err := openOutbox(base + ".outbox") // makes the directory
	if err != nil {
		t.Fatal(err)
	}
	if err := writeCache(base+cacheSuffix, NewState(cols, cached), nil, 0); err != nil {
		t.Fatal(err)
	}
	card := func(c Card) outboxLine {
		raw, _ := json.Marshal(c)
		return outboxLine{Card: raw}
	}
	o.confirmed(1, outboxLine{Gone: "gone"})
	o.confirmed(2, card(Card{ID: "gone", Title: "Gone", StatusID: "todo", Position: "a1", Version: 2})) // came late
	o.confirmed(3, card(Card{ID: "kept", Title: "Kept, edited", StatusID: "todo", Position: "a0", Version: 3}))
	o.confirmed(4, card(Card{ID: "kept", Title: "Kept, older", StatusID: "todo", Position: "a0", Version: 2}))
	o.confirmed(5, card(Card{ID: "made", Title: "Made", StatusID: "done", Position: "a0", Version: 1}))
	title := "Made"
	o.append(Mutation{ID: "c", Kind: KindCreate, TaskID: "new-x", ProjectID: "p", Title: &title, Seq: 1})
	o.append(Mutation{ID: "m", Kind: KindPriority, TaskID: "new-x", Priority: ptrTo(PriorityHigh), Seq: 2})
	o.renamed(rename{From: "new-x", To: "made"})
	o.close()

	e, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := e.State()
	if _, ok := s.Card("gone"); ok {
		t.Error("a card the server deleted is back")
	}
	if c, _ := s.Card("kept"); c == nil || c.Title != "Kept, edited" {
		t.Errorf("kept card: %+v, want the newer copy", c)
	}
	if c, _ := s.Card("made"); c == nil || c.Priority != PriorityHigh {
		t.Errorf("the renamed card: %+v, want its pending priority applied", c)
	}
	if _, ok := s.Card("new-x"); ok {
		t.Error("the temporary id survived the rename")
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
}

func ptrTo[T any](v T) *T { return &v }
