package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/lanesboard/lanes/internal/benchcpu"
	"github.com/lanesboard/lanes/server/store"
)

// benchList is a project's list of n tasks as a lanes server writes it
// (store.Task is what it encodes): ids, a title of usual length, a
// description on a third of them, times, an assignee, labels on some.
func benchList(n int) []byte {
	rnd := rand.New(rand.NewPCG(uint64(n), 1))
	uuid := func() string {
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rnd.Uint32(), rnd.IntN(1<<16), rnd.IntN(1<<12), rnd.IntN(1<<12), rnd.Uint64()&(1<<48-1))
	}
	project, creator := uuid(), uuid()
	var cols, people, labels []string
	for range 4 {
		cols = append(cols, uuid())
	}
	for range 20 {
		people = append(people, uuid())
	}
	for range 8 {
		labels = append(labels, uuid())
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tasks := make([]store.Task, n)
	for i := range tasks {
		col := cols[i%len(cols)]
		created := store.FormatTime(at.Add(time.Duration(i) * time.Minute))
		t := store.Task{ID: uuid(), ProjectID: project, StatusID: &col, Title: fmt.Sprintf("Card number %d with a title of usual length", i),
			Priority: []string{"none", "low", "medium", "high", "urgent"}[i%5], Position: fmt.Sprintf("a%06d", i),
			AssigneeIDs: []string{people[i%len(people)]}, LabelIDs: []string{}, CreatorID: creator, CommentCount: i % 7,
			CreatedAt: created, UpdatedAt: created, Version: int64(1 + i%3)}
		if i%3 == 0 {
			d := "A description of the work, a sentence or two long, as people write them on a card: what, why, and who to ask."
			t.Description = &d
		}
		if i%4 == 0 {
			due := store.FormatTime(at.AddDate(0, 1, i%30))
			t.DueDate = &due
		}
		if i%5 == 0 {
			t.LabelIDs = []string{labels[i%len(labels)], labels[(i+3)%len(labels)]}
		}
		if i%6 == 0 {
			h := 2.5
			t.EstimatedHours = &h
		}
		tasks[i] = t
	}
	raw, err := json.Marshal(tasks)
	if err != nil {
		panic(err)
	}
	return raw
}

// BenchmarkDecodeTaskList is a list of 100,000 tasks (50 MB, as a lanes
// server sends it) decoded: "before" as the client did until now (safe.JSON
// over the whole answer, then encoding/json with the wrapper per task),
// "after" by the streaming decoder, from a reader, into a []Task as
// Client.Tasks returns it ("after-each": handed on one by one, as the
// board takes them). Goal: ≤ 150 ms.
func BenchmarkDecodeTaskList(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		raw := benchList(n)
		b.Run(fmt.Sprintf("tasks=%d/before", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			cpu := benchcpu.Start()
			defer cpu.Report(b)
			for range b.N {
				ts, err := refList(raw)
				if err != nil || len(ts) != n {
					b.Fatal(len(ts), err)
				}
			}
		})
		b.Run(fmt.Sprintf("tasks=%d/after", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			cpu := benchcpu.Start()
			defer cpu.Report(b)
			for range b.N {
				ts, err := decodeTaskList(bytes.NewReader(raw), true)
				if err != nil || len(ts) != n {
					b.Fatal(len(ts), err)
				}
			}
		})
		b.Run(fmt.Sprintf("tasks=%d/after-each", n), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			cpu := benchcpu.Start()
			defer cpu.Report(b)
			for range b.N {
				k := 0
				if err := readTaskList(bytes.NewReader(raw), true, &taskEach{fn: func(*Task) { k++ }}); err != nil || k != n {
					b.Fatal(k, err)
				}
			}
		})
	}
}

// TestBenchListDecodesAlike: the benchmark's list reads the same both ways.
func TestBenchListDecodesAlike(t *testing.T) {
	raw := benchList(2000)
	want, err := refList(raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeTaskList(bytes.NewReader(raw), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || !reflect.DeepEqual(got, want) {
		t.Fatalf("the streaming decoder reads the list otherwise than encoding/json")
	}
}
