package server_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/server/store"
)

// A write on a full disk is 507 disk_full, not 500; nothing acknowledged
// before is lost; reads still answer; and once there is room the same
// write (same Idempotency-Key) goes through exactly once.
func TestDiskFullIs507AndLosesNothing(t *testing.T) {
	e := newTestEnvOn(t, openTestStore(t, store.WithMaxPages(120)))
	u := e.newUser("ann")
	b := e.personalBoard(u)
	big := strings.Repeat("lorem ipsum ", 1400) // ~16 KB: four pages

	var kept []tTask
	var full testResp
	for i := 0; full.Status == 0; i++ {
		if i == 100 {
			t.Fatal("120 pages never filled")
		}
		res := e.do(u.Token, "POST", "/api/tasks", map[string]any{"projectId": b.ProjectID, "title": fmt.Sprintf("task %d", i), "description": big})
		if res.Status == 507 {
			full = res
			break
		}
		var out struct{ Task tTask }
		res.want(t, 201, &out)
		kept = append(kept, out.Task)
	}
	if len(kept) < 3 {
		t.Fatalf("full after %d tasks: the test needs room for more", len(kept))
	}
	if got := string(bytes.TrimSpace(full.Body)); got != `{"error":"the server's disk is full","code":"disk_full"}` {
		t.Fatalf("full disk answered %s", got)
	}

	stillThere := func(when string) {
		t.Helper()
		have := map[string]tTask{}
		for _, k := range e.listTasks(u, b.ProjectID, false) {
			have[k.ID] = k
		}
		for _, k := range kept {
			if got, ok := have[k.ID]; !ok || got.Title != k.Title {
				t.Fatalf("%s: acknowledged task %q is gone", when, k.Title)
			}
		}
	}
	stillThere("on the full disk")
	if got := e.getTask(u, kept[len(kept)-1].ID); got.Description == nil || *got.Description != big {
		t.Fatal("the last acknowledged description was not kept whole")
	}

	// The write a client will retry, under its key.
	retry := map[string]any{"projectId": b.ProjectID, "title": "after room is made", "description": big}
	key := "Idempotency-Key"
	e.do(u.Token, "POST", "/api/tasks", retry, key, "k-1").wantErr(t, 507, "disk_full")

	// Room is made: three descriptions cleared free their pages.
	for _, k := range kept[:3] {
		e.patchTask(u, k.ID, map[string]any{"description": nil})
	}
	var first, again struct{ Task tTask }
	e.do(u.Token, "POST", "/api/tasks", retry, key, "k-1").want(t, 201, &first)
	res := e.do(u.Token, "POST", "/api/tasks", retry, key, "k-1").want(t, 201, &again)
	if res.Header.Get("Idempotent-Replayed") != "true" || again.Task.ID != first.Task.ID {
		t.Fatalf("the retry with the same key was not a replay: %s vs %s", again.Task.ID, first.Task.ID)
	}
	n := 0
	for _, k := range e.listTasks(u, b.ProjectID, false) {
		if k.Title == "after room is made" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d tasks from the retried write, want 1", n)
	}
	stillThere("after room was made")
}
