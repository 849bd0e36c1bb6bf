package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// A task's activity: what was done to it, by whom, newest first, a page
// at a time; a missing task is not found, not "no activity".
func TestTaskActivity(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	c := e.client(ann)
	ctx := context.Background()
	_, p := personal(t, c)
	cols, err := c.Statuses(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Write the spec"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateTask(ctx, k.ID, api.TaskPatch{StatusID: api.Set(cols[1].ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateTask(ctx, k.ID, api.TaskPatch{Title: api.Set("Write the spec, v2"), Priority: api.Set(api.PriorityHigh)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddComment(ctx, k.ID, "Looks good"); err != nil {
		t.Fatal(err)
	}

	all, err := c.TaskActivity(ctx, k.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range all {
		kinds = append(kinds, a.Kind)
		if a.ActorName == nil || *a.ActorName != "ann" || a.ActorID == nil || *a.ActorID != ann.ID || a.TaskID != k.ID || a.CreatedAt.IsZero() {
			t.Errorf("entry %d: by %v (%v) of %s at %v", a.ID, a.ActorName, a.ActorID, a.TaskID, a.CreatedAt)
		}
	}
	want := []string{api.ActivityCommented, api.ActivityUpdated, api.ActivityUpdated, api.ActivityCreated}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Fatalf("activity kinds %v, want %v (newest first)", kinds, want)
	}
	if got := string(all[0].Changes["content"].To); got != `"Looks good"` {
		t.Errorf("the comment's entry holds %s", got)
	}
	rename := all[1].Changes["title"]
	if string(rename.From) != `"Write the spec"` || string(rename.To) != `"Write the spec, v2"` || string(all[1].Changes["priority"].To) != `"high"` {
		t.Errorf("the rename's entry: %+v", all[1].Changes)
	}
	if got := string(all[2].Changes["statusId"].To); got != `"`+cols[1].ID+`"` {
		t.Errorf("the move's entry says to %s, want %s", got, cols[1].ID)
	}

	// Two at a time, each page before the last id of the one before.
	var paged []api.Activity
	var before int64
	for range 10 {
		page, err := c.TaskActivity(ctx, k.ID, before, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("a page of 2 held %d", len(page))
		}
		paged = append(paged, page...)
		before = page[len(page)-1].ID
	}
	if len(paged) != len(all) || paged[len(paged)-1].ID != all[len(all)-1].ID {
		t.Fatalf("paging gave %d entries, want %d", len(paged), len(all))
	}
	// A page asked bigger than the server allows is held to its most.
	if _, err := c.TaskActivity(ctx, k.ID, 0, 100000); err != nil {
		t.Fatalf("a huge page: %v", err)
	}

	// A task that is not there is not found: the server keeps activity.
	_, err = c.TaskActivity(ctx, "00000000-0000-4000-8000-000000000000", 0, 0)
	if !api.IsNotFound(err) || errors.Is(err, api.ErrNotSupported) {
		t.Fatalf("activity of a missing task: %v", err)
	}
	if !c.Supports(api.FeatureActivity) {
		t.Fatal("a missing task made lanes think the server keeps no activity")
	}
}

// Search finds tasks and comments in every space the user is in, and
// narrows to one space or project; what the user can't see is not found.
func TestSearch(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann, bob := e.user("ann"), e.user("bob")
	c := e.client(ann)
	ctx := context.Background()
	sp, general := personal(t, c)
	team, err := c.CreateSpace(ctx, api.SpaceCreate{Name: "Team", Slug: "team"})
	if err != nil {
		t.Fatal(err)
	}
	launch, err := c.CreateProject(ctx, api.ProjectCreate{SpaceID: team.ID, Name: "Launch", Slug: "launch"})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: general.ID, Title: "Renew the passport"})
	if err != nil {
		t.Fatal(err)
	}
	venue, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: launch.ID, Title: "Book the venue"})
	if err != nil {
		t.Fatal(err)
	}
	comment, err := c.AddComment(ctx, venue.ID, "the passport office is next door")
	if err != nil {
		t.Fatal(err)
	}
	// Bob's passport is his own.
	cb := e.client(bob)
	_, bobs := personal(t, cb)
	if _, err := cb.CreateTask(ctx, api.TaskCreate{ProjectID: bobs.ID, Title: "Bob's passport"}); err != nil {
		t.Fatal(err)
	}

	hits, err := c.Search(ctx, api.SearchOptions{Q: "passport"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].TaskID != mine.ID || hits[0].Kind != api.HitTask || hits[0].SpaceID != sp.ID || hits[0].ProjectID != general.ID {
		t.Fatalf("search for passport: %+v", hits)
	}
	h := hits[1]
	if h.Kind != api.HitComment || h.CommentID != comment.ID || h.TaskID != venue.ID || h.Title != "Book the venue" ||
		h.ProjectID != launch.ID || h.SpaceID != team.ID || !strings.Contains(h.Snippet, "passport office") {
		t.Fatalf("the comment's hit: %+v", h)
	}
	if hits, err := c.Search(ctx, api.SearchOptions{Q: "passport", SpaceID: team.ID}); err != nil || len(hits) != 1 || hits[0].TaskID != venue.ID {
		t.Fatalf("search in the team space: %+v, %v", hits, err)
	}
	if hits, err := c.Search(ctx, api.SearchOptions{Q: "passport", ProjectID: general.ID, Limit: 1000}); err != nil || len(hits) != 1 || hits[0].TaskID != mine.ID {
		t.Fatalf("search in General: %+v, %v", hits, err)
	}
	if hits, err := c.Search(ctx, api.SearchOptions{Q: "passport", Limit: 1}); err != nil || len(hits) != 1 {
		t.Fatalf("search for one hit: %+v, %v", hits, err)
	}
	// Bob's space is not found to ann; nothing to search is a 400 naming q.
	_, err = c.Search(ctx, api.SearchOptions{Q: "passport", SpaceID: bobs.SpaceID})
	if !api.IsNotFound(err) || errors.Is(err, api.ErrNotSupported) {
		t.Fatalf("search in someone else's space: %v", err)
	}
	var ae *api.Error
	if _, err := c.Search(ctx, api.SearchOptions{Q: "!!"}); !errors.As(err, &ae) || ae.Status != 400 || ae.Field != "q" {
		t.Fatalf("search for no word: %v", err)
	}
	if !c.Supports(api.FeatureSearch) {
		t.Fatal("a space not found made lanes think the server can't search")
	}
}

// A seed-only server keeps no activity and can't search: said so in
// words, as ErrNotSupported, without asking it.
func TestActivityAndSearchOnASeedServer(t *testing.T) {
	e := newEnv(t, server.APISeed)
	c := e.client(e.user("ann"))
	ctx := context.Background()
	_, p := personal(t, c)
	k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Plan"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.TaskActivity(ctx, k.ID, 0, 0)
	if !errors.Is(err, api.ErrNotSupported) || err.Error() != "this server keeps no activity" {
		t.Fatalf("activity on a seed server: %v", err)
	}
	_, err = c.Search(ctx, api.SearchOptions{Q: "plan"})
	if !errors.Is(err, api.ErrNotSupported) || err.Error() != "this server can't search" {
		t.Fatalf("search on a seed server: %v", err)
	}
}

// olderLanes is a lanes server from before activity and search: the real
// server behind a proxy that has no such routes, answering them as the
// server answers any unknown route.
type olderLanes struct {
	*httptest.Server
	asked atomic.Int64 // requests for the missing routes
}

func newOlderLanes(t *testing.T, target string) *olderLanes {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	o := &olderLanes{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/activity") || r.URL.Path == "/api/search" {
			o.asked.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"No such endpoint: ` + r.Method + ` ` + r.URL.Path + `","code":"not_found"}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(o.Close)
	return o
}

// A lanes server from before activity and search has the other additions
// but not these: its 404 is told from a missing task's, once, and said
// as "this server keeps no activity" / "can't search".
func TestActivityAndSearchOnAnOlderLanes(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	old := newOlderLanes(t, e.srv.URL)
	c := api.New(old.URL, ann.Token)
	ctx := context.Background()
	_, p := personal(t, c)
	k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Plan"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err = c.TaskActivity(ctx, k.ID, 0, 0)
		if !errors.Is(err, api.ErrNotSupported) || err.Error() != "this server keeps no activity" {
			t.Fatalf("activity on an older lanes: %v", err)
		}
		_, err = c.Search(ctx, api.SearchOptions{Q: "plan"})
		if !errors.Is(err, api.ErrNotSupported) || err.Error() != "this server can't search" {
			t.Fatalf("search on an older lanes: %v", err)
		}
	}
	// Once found missing, the routes are not asked again.
	if n := old.asked.Load(); n != 4 {
		t.Fatalf("the missing routes were asked %d times, want 4 (a call and a probe each, once)", n)
	}
	if c.Supports(api.FeatureActivity) || c.Supports(api.FeatureSearch) || !c.Supports(api.FeatureComments) {
		t.Fatal("Supports does not say what the older server has")
	}
}
