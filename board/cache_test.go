package board

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

// cacheCards is a board with every kind of card the cache must keep:
// times in UTC, at an offset and none, estimates, labels, assignees,
// subtasks, archived cards, a status no column has, and text of every
// kind.
func cacheCards(rnd *rand.Rand, n int) []*Card {
	zones := []*time.Location{time.UTC, time.FixedZone("", 2*3600), time.FixedZone("", -(7*3600 + 1800))}
	var cards []*Card
	for i := range n {
		c := &Card{ID: fmt.Sprintf("card-%04d", i), ProjectID: "p", StatusID: cols4[rnd.IntN(len(cols4))].ID,
			Title: fmt.Sprintf("Card %d ✓ \x1b[2J", i), Priority: Priority([]string{"none", "low", "urgent"}[rnd.IntN(3)]),
			Position: fmt.Sprintf("a%d", rnd.IntN(n)), CreatorID: fmt.Sprintf("u%d", rnd.IntN(3)), Comments: rnd.IntN(5) - 1,
			Version: rnd.Int64N(1 << 40), UpdatedAt: time.Unix(rnd.Int64N(2e9), rnd.Int64N(1e9)).In(zones[rnd.IntN(len(zones))])}
		switch rnd.IntN(6) {
		case 0:
			c.StatusID = "gone"
		case 1:
			c.Archived = true
		case 2:
			if i > 0 {
				c.ParentID = cards[rnd.IntN(len(cards))].ID
			}
		case 3:
			c.UpdatedAt = time.Time{}
		}
		if rnd.IntN(3) == 0 {
			due := time.Date(2026, 1, 1+rnd.IntN(300), 0, 0, 0, 0, time.UTC)
			c.Due = &due
		}
		if rnd.IntN(4) == 0 {
			at := time.Unix(rnd.Int64N(2e9), 0).In(zones[rnd.IntN(len(zones))])
			c.CompletedAt = &at
		}
		if rnd.IntN(4) == 0 {
			h := rnd.Float64() * 10
			c.Estimate = &h
		}
		if rnd.IntN(2) == 0 {
			c.Description = "Line one\nline two, 日本語"
		}
		for range rnd.IntN(3) {
			c.Assignees = append(c.Assignees, fmt.Sprintf("u%d", rnd.IntN(4)))
		}
		if rnd.IntN(2) == 0 {
			c.Labels = []string{"l1", fmt.Sprintf("l%d", 2+rnd.IntN(3))}
		}
		if rnd.IntN(5) == 0 {
			c.ReopenStatusID = cols4[0].ID
		}
		cards = append(cards, c)
	}
	return cards
}

// sameBoard fails t unless two boards hold the same columns, labels,
// lists and cards (times as instants at the same offset).
func sameBoard(t *testing.T, got, want *State) {
	t.Helper()
	if !reflect.DeepEqual(got.Columns(), want.Columns()) || !reflect.DeepEqual(got.Labels(), want.Labels()) {
		t.Fatalf("columns or labels differ:\n%+v %+v\nwant\n%+v %+v", got.Columns(), got.Labels(), want.Columns(), want.Labels())
	}
	if !reflect.DeepEqual(got.base.lists, want.base.lists) {
		t.Fatal("the lists differ")
	}
	if got.Len() != want.Len() {
		t.Fatalf("%d cards, want %d", got.Len(), want.Len())
	}
	want.each(func(w *Card) {
		g, ok := got.Card(w.ID)
		if !ok {
			t.Fatalf("card %s is missing", w.ID)
		}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if !bytes.Equal(gj, wj) {
			t.Fatalf("card %s:\n%s\nwant\n%s", w.ID, gj, wj)
		}
	})
}

// TestCacheKeepsTheBoard: a board written to the cache reads back the
// same, with its members and the position it is complete up to.
func TestCacheKeepsTheBoard(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 17))
	dir := t.TempDir()
	for i, n := range []int{0, 1, 7, 500, 2000} {
		cols := cols4
		if i == 1 {
			cols = nil
		}
		want := NewState(cols, cacheCards(rnd, n)).WithLabels([]Label{{ID: "l1", Name: "bug", Color: "#ff0000"}, {ID: "l2", Name: "ux"}})
		members := []Member{{UserID: "u1", Name: "ann", Role: "owner"}, {UserID: "u2", Name: "bob ␛", Role: "member"}}
		path := filepath.Join(dir, fmt.Sprint(i))
		if err := writeCache(path, want, members, int64(1000+i)); err != nil {
			t.Fatal(err)
		}
		c, err := readCache(path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Seq != int64(1000+i) || !reflect.DeepEqual(c.members, members) {
			t.Fatalf("seq %d, members %+v", c.Seq, c.members)
		}
		sameBoard(t, NewState(c.Columns, c.Cards).WithLabels(c.Labels), want)
		// The head alone: each column's size and first cards, in order.
		h, err := readCacheHead(path)
		if err != nil {
			t.Fatal(err)
		}
		preview := NewState(h.Columns, h.Cards)
		for _, col := range h.Columns {
			all, first := want.Column(col.ID), preview.Column(col.ID)
			k := len(all)
			if n > cacheSmall {
				k = min(k, cacheHead)
			}
			if h.more != nil && h.sizes[col.ID] != len(all) || len(first) != k || !slices.Equal(first, all[:k]) {
				t.Fatalf("%d cards: the head of column %s has %d of %d (size %d)", n, col.ID, len(first), len(all), h.sizes[col.ID])
			}
		}
		if (h.more != nil) != (n > cacheSmall) {
			t.Fatalf("%d cards: a rest to read is %v", n, h.more != nil)
		}
		sameBoard(t, NewState(h.Columns, h.whole().Cards).WithLabels(h.Labels), want)
	}
}

// TestCacheOfVersion2IsRead: a cache gob wrote (lanes before issue 17)
// still paints the first frame; it names no position, so the board is
// read whole.
func TestCacheOfVersion2IsRead(t *testing.T) {
	want := NewState(cols4, cacheCards(rand.New(rand.NewPCG(5, 17)), 200)).WithLabels([]Label{{ID: "l1", Name: "bug"}})
	c := cacheFile{Version: gobCacheVersion, Columns: want.Columns(), Labels: want.Labels(), Members: []Member{{UserID: "u1", Name: "ann"}}}
	want.each(func(card *Card) { c.Cards = append(c.Cards, card) })
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(c); err != nil {
		t.Fatal(err)
	}
	o := Options{Dir: t.TempDir(), Server: "old", ProjectID: "p"}
	path := filepath.Join(o.Dir, "boards", fileKey(o.Server, o.ProjectID)) + cacheSuffix
	os.MkdirAll(filepath.Dir(path), 0o700)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	f, members, err := ReadCache(o)
	if err != nil || f.Seq != 0 || len(members) != 1 {
		t.Fatalf("ReadCache: seq %d, %d members, %v", f.Seq, len(members), err)
	}
	o.Remote = nowhere{}
	e, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Abandon()
	sameBoard(t, e.Confirmed(), want)
}

// nowhere is a server that can't be reached.
type nowhere struct{}

func (nowhere) Fetch(context.Context, string) (Fetched, error) {
	return Fetched{}, &Failure{Class: Transient, Message: "nowhere"}
}
func (nowhere) Send(context.Context, Request) (*Card, error) {
	return nil, &Failure{Class: Transient, Message: "nowhere"}
}
func (nowhere) Reshape(context.Context, Request) (Shape, error) {
	return Shape{}, &Failure{Class: Transient, Message: "nowhere"}
}

// TestDamagedCacheIsIgnored: a cache cut short, or with any byte changed,
// reads as no cache or as a board, never a panic or a huge allocation.
func TestDamagedCacheIsIgnored(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 17))
	small := encodeCache(NewState(cols4, cacheCards(rnd, 40)), []Member{{UserID: "u", Name: "n"}}, 9)
	big := encodeCache(NewState(cols4, cacheCards(rnd, 1500)), nil, 9) // a rest after the head
	path := filepath.Join(t.TempDir(), "cache")
	try := func(data []byte) {
		t.Helper()
		c := cacheHeadOf(memCache{bytes.NewReader(data)}, int64(len(data))).whole() // as readCache, without the file
		NewState(c.Columns, c.Cards)                                                // whatever it read is a board
	}
	for _, data := range [][]byte{small, small[:len(small)/2], big, big[:len(big)-1], []byte("not a cache at all")} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := readCache(path)
		whole := len(data) == len(small) && len(c.Cards) == 40 || len(data) == len(big) && len(c.Cards) == 1500
		if err != nil || whole != (len(data) == len(small) || len(data) == len(big)) {
			t.Fatalf("read %d cards of %d bytes: %v", len(c.Cards), len(data), err)
		}
	}
	for cut := range len(small) {
		try(small[:cut])
	}
	for range 300 {
		try(big[:rnd.IntN(len(big))])
	}
	for i, good := range [][]byte{small, big} {
		for range []int{1500, 300}[i] {
			bad := bytes.Clone(good)
			for range 1 + rnd.IntN(3) {
				bad[rnd.IntN(len(bad))] = byte(rnd.IntN(256))
			}
			try(bad)
		}
	}
	// Counts far beyond what the file could hold.
	huge := append([]byte(cacheMagic), 3, 2, 0xff, 0xff, 0xff, 0xff, 0x7f)
	try(huge)
	huge = append([]byte(cacheMagic), 3, 2, 9, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0x7f)
	try(huge)
	try([]byte("not a cache at all"))
}

// memCache is a cache's bytes as its file.
type memCache struct{ *bytes.Reader }

func (memCache) Close() error { return nil }
