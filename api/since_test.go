package api_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sort"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// TestTaskListSeqAndETag: a lanes server's list says the position it is
// complete up to and its version; asked again with that version, it
// answers NotModified until a task changes.
func TestTaskListSeqAndETag(t *testing.T) {
	e := newEnv(t, server.APIFull)
	c := e.client(e.user("ann"))
	ctx := context.Background()
	_, p := personal(t, c)
	k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "one"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.TaskList(ctx, p.ID, api.ListTasksOptions{})
	if err != nil || len(first.Tasks) != 1 || first.Seq < 1 || first.ETag == "" {
		t.Fatalf("list: %+v, %v", first, err)
	}
	again, err := c.TaskList(ctx, p.ID, api.ListTasksOptions{IfNoneMatch: first.ETag})
	if err != nil || !again.NotModified || len(again.Tasks) != 0 || again.ETag != first.ETag || again.Seq < first.Seq {
		t.Fatalf("asked with its ETag: %+v, %v", again, err)
	}
	var patch api.TaskPatch
	patch.Title.Set("one, changed")
	if _, err := c.UpdateTask(ctx, k.ID, patch); err != nil {
		t.Fatal(err)
	}
	changed, err := c.TaskList(ctx, p.ID, api.ListTasksOptions{IfNoneMatch: first.ETag})
	if err != nil || changed.NotModified || len(changed.Tasks) != 1 || changed.Tasks[0].Title != "one, changed" ||
		changed.ETag == first.ETag || changed.Seq <= first.Seq {
		t.Fatalf("after a change: %+v, %v", changed, err)
	}
	// A seed-only server says neither.
	seed := newEnv(t, server.APISeed)
	sc := seed.client(seed.user("bob"))
	_, sp := personal(t, sc)
	l, err := sc.TaskList(ctx, sp.ID, api.ListTasksOptions{})
	if err != nil || l.Seq != 0 {
		t.Fatalf("a seed-only server's list: %+v, %v", l, err)
	}
	if _, err := sc.TasksSince(ctx, sp.ID, 1); !errors.Is(err, api.ErrNotSupported) {
		t.Fatalf("since from a seed-only server: %v", err)
	}
}

// TestTasksSince: what changed after a list's position is every task
// created, changed or archived since (as the lists have it now) and the
// ids of those deleted; from the delta's position, nothing; from a
// position the server never had, ErrResyncRequired.
func TestTasksSince(t *testing.T) {
	e := newEnv(t, server.APIFull)
	c := e.client(e.user("ann"))
	ctx := context.Background()
	_, p := personal(t, c)
	made := map[string]string{}
	for _, title := range []string{"stays", "changes", "archived", "deleted"} {
		k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: title})
		if err != nil {
			t.Fatal(err)
		}
		made[title] = k.ID
	}
	list, err := c.TaskList(ctx, p.ID, api.ListTasksOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var patch api.TaskPatch
	patch.Title.Set("changed")
	if _, err := c.UpdateTask(ctx, made["changes"], patch); err != nil {
		t.Fatal(err)
	}
	var archive api.TaskPatch
	archive.IsArchived.Set(true)
	if _, err := c.UpdateTask(ctx, made["archived"], archive); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTask(ctx, made["deleted"]); err != nil {
		t.Fatal(err)
	}
	nk, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "new"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.TasksSince(ctx, p.ID, list.Seq)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range ch.Tasks {
		got = append(got, k.Title)
		if k.Title == "archived" && !k.IsArchived {
			t.Fatal("the archived task came back active")
		}
	}
	sort.Strings(got)
	if !slices.Equal(got, []string{"archived", "changed", "new"}) || !slices.Equal(ch.Deleted, []string{made["deleted"]}) || ch.Seq <= list.Seq {
		t.Fatalf("changes since %d: tasks %v, deleted %v (deleted was %s, new is %s), seq %d", list.Seq, got, ch.Deleted, made["deleted"], nk.ID, ch.Seq)
	}
	none, err := c.TasksSince(ctx, p.ID, ch.Seq)
	if err != nil || len(none.Tasks) != 0 || len(none.Deleted) != 0 || none.Seq != ch.Seq {
		t.Fatalf("changes since the delta's position: %+v, %v", none, err)
	}
	_, err = c.TasksSince(ctx, p.ID, ch.Seq+1_000_000)
	var ae *api.Error
	if !errors.Is(err, api.ErrResyncRequired) || !errors.As(err, &ae) || ae.Status != http.StatusGone {
		t.Fatalf("changes since a position the server never had: %v", err)
	}
	if !c.Supports(api.FeatureSince) {
		t.Fatal("a 410 made the client think the server has no since")
	}
}

// TestTaskListGzipFromTheServer: asked for compressed (as from a server
// elsewhere), the server's gzip is read as the plain list, in a fraction
// of the bytes.
func TestTaskListGzipFromTheServer(t *testing.T) {
	w := newWrapped(t)
	project := w.seed(2000)
	var wrote int
	w.setWrap(func(rw http.ResponseWriter, r *http.Request, next http.Handler) {
		rec := recorded(next, r)
		wrote = rec.Body.Len()
		send(rw, rec, rec.Body.Bytes())
	})
	ctx := context.Background()
	plain, err := w.client().Tasks(ctx, project, api.ListTasksOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plainBytes := wrote
	zipped, err := w.client(api.WithListCompression(true)).Tasks(ctx, project, api.ListTasksOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(zipped) != 2000 || !slices.EqualFunc(plain, zipped, func(a, b api.Task) bool { return a.ID == b.ID && a.Title == b.Title && a.UpdatedAt.Equal(b.UpdatedAt) }) {
		t.Fatal("the gzipped list reads otherwise than the plain one")
	}
	if wrote*4 > plainBytes {
		t.Fatalf("the gzipped list is %d bytes, the plain one %d", wrote, plainBytes)
	}
}
