package board

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
)

// cachedEngine is an engine over the fixture's columns and cards with
// labels and members, from its cache: no server behind it.
func cachedEngine(t *testing.T) *Engine {
	t.Helper()
	o := Options{Dir: t.TempDir(), Server: "cache", ProjectID: "p"}
	st := fixture().WithLabels([]Label{{ID: "l-bug", Name: "bug"}, {ID: "l-ui", Name: "ui"}})
	members := []Member{{UserID: "u-ana", Name: "ana"}, {UserID: "u-ben", Name: "ben"}, {UserID: "u-cat", Name: "cat"}}
	if err := SaveCache(o, st, members...); err != nil {
		t.Fatal(err)
	}
	e, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Abandon)
	return e
}

// An entry of a card's history in words: columns, labels and people
// named as the board knows them, and something where it doesn't.
func TestDescribe(t *testing.T) {
	e := cachedEngine(t)
	ch := func(from, to string) Change { return Change{From: []byte(from), To: []byte(to)} }
	for _, tc := range []struct {
		a    Activity
		want string
	}{
		{Activity{Kind: ActivityCreated, Actor: "ana"}, "ana created it"},
		{Activity{Kind: ActivityDeleted, Actor: "ana"}, "ana deleted it"},
		{Activity{Kind: ActivityRestored, Actor: "ben"}, "ben restored it"},
		{Activity{Kind: ActivityUpdated, Actor: "ana", Changes: map[string]Change{
			"statusId": ch(`"todo"`, `"doing"`), "position": ch(`"a0"`, `"a5"`)}}, "ana moved it to In Progress"},
		{Activity{Kind: ActivityUpdated, Actor: "ana", Changes: map[string]Change{"statusId": ch(`"todo"`, `"gone"`)}},
			"ana moved it to another column"},
		{Activity{Kind: ActivityUpdated, Actor: "ana", Changes: map[string]Change{"position": ch(`"a0"`, `"a5"`)}}, "ana reordered it"},
		{Activity{Kind: ActivityUpdated, Actor: "ben", Changes: map[string]Change{
			"title": ch(`"Ship"`, `"Ship it"`), "priority": ch(`"none"`, `"high"`)}}, "ben renamed it to “Ship it” and set priority to high"},
		{Activity{Kind: ActivityUpdated, Actor: "ben", Changes: map[string]Change{"priority": ch(`"high"`, `"none"`)}}, "ben cleared the priority"},
		{Activity{Kind: ActivityUpdated, Actor: "cat", Changes: map[string]Change{
			"completedAt": ch(`null`, `"2026-11-25T09:00:00Z"`), "statusId": ch(`"doing"`, `"done"`)}}, "cat moved it to Done and completed it"},
		{Activity{Kind: ActivityUpdated, Actor: "cat", Changes: map[string]Change{"completedAt": ch(`"2026-11-25T09:00:00Z"`, `null`)}}, "cat reopened it"},
		{Activity{Kind: ActivityUpdated, Actor: "cat", Changes: map[string]Change{"isArchived": ch(`false`, `true`)}}, "cat archived it"},
		{Activity{Kind: ActivityUpdated, Actor: "cat", Changes: map[string]Change{"description": ch(`null`, `null`)}}, "cat edited the description"},
		{Activity{Kind: ActivityUpdated, Actor: "cat", Changes: map[string]Change{"dueDate": ch(`null`, `"2026-12-01T00:00:00Z"`)}},
			"cat set the due date to Tue 1 Dec 2026"},
		{Activity{Kind: ActivityUpdated, Actor: "cat", Changes: map[string]Change{"dueDate": ch(`"2026-12-01T00:00:00Z"`, `null`)}}, "cat cleared the due date"},
		{Activity{Kind: ActivityUpdated, Actor: "cat", Changes: map[string]Change{"estimatedHours": ch(`null`, `2.5`)}}, "cat estimated it at 2.5h"},
		{Activity{Kind: ActivityUpdated, Actor: "ana", Changes: map[string]Change{"assigneeIds": ch(`["u-ben"]`, `["u-cat","u-zed"]`)}},
			"ana assigned cat and someone and unassigned ben"},
		{Activity{Kind: ActivityUpdated, Actor: "ana", ActorID: "u-ana", Changes: map[string]Change{"assigneeIds": ch(`[]`, `["u-ana"]`)}},
			"ana assigned themselves"},
		{Activity{Kind: ActivityUpdated, Actor: "ana", Changes: map[string]Change{"labelIds": ch(`["l-ui"]`, `["l-bug","l-old"]`)}},
			"ana labelled it #bug and a label and took #ui off it"},
		{Activity{Kind: ActivityUpdated, Actor: "ana", Changes: map[string]Change{"commentCount": ch(`0`, `1`)}}, "ana changed it"},
		{Activity{Kind: ActivityUpdated, Actor: "ana", Changes: map[string]Change{"colour": ch(`"red"`, `"blue"`)}}, "ana changed colour"},
		{Activity{Kind: ActivityCommented, Actor: "ben", Changes: map[string]Change{"commentId": ch(`null`, `"c1"`), "content": ch(`null`, `"Looks good"`)}},
			"ben commented: “Looks good”"},
		{Activity{Kind: ActivityCommented, Actor: "ben", Changes: map[string]Change{"content": ch(`null`, `"`+strings.Repeat("word ", 30)+`"`)}},
			"ben commented: “" + strings.Repeat("word ", 11) + "word…”"},
		// Who: the server's name, else the board's, else someone; none is
		// the server's own doing.
		{Activity{Kind: ActivityCreated, ActorID: "u-cat"}, "cat created it"},
		{Activity{Kind: ActivityCreated, ActorID: "u-zed"}, "someone created it"},
		{Activity{Kind: ActivityUpdated, Changes: map[string]Change{"assigneeIds": ch(`["u-ben"]`, `[]`)}}, "the server unassigned ben"},
		{Activity{Kind: "task.moved", Actor: "ana"}, "ana did task.moved"},
	} {
		if got := e.Describe(tc.a); got != tc.want {
			t.Errorf("%s %v:\n got %q\nwant %q", tc.a.Kind, tc.a.Changes, got, tc.want)
		}
	}
}

// LoadActivity and Search against the real server: a move is read back
// as the move, named by its column; a search of every space finds a card
// of another project, one of this space only doesn't.
func TestActivityAndSearch(t *testing.T) {
	env := newTestEnv(t, 1)
	ctx := context.Background()
	k, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Write the spec"})
	if err != nil {
		t.Fatal(err)
	}
	team, err := env.direct.CreateSpace(ctx, api.SpaceCreate{Name: "Team", Slug: "team"})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := env.direct.Projects(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	other, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: ps[0].ID, Title: "Spec review with the team"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(ctx, Options{Dir: t.TempDir(), Server: env.srv.URL, ProjectID: env.project, SpaceID: env.space,
		Remote: NewRemote(env.client(env.srv.URL, env.token)), BackoffBase: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Abandon()
	runAll(t, e, e.Start())
	cmds, err := e.Do(must(t)(e.State().Shift(k.ID, 1, time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, e, cmds)

	msg := e.LoadActivity(k.ID)().(ActivityMsg)
	if msg.Err != nil || msg.TaskID != k.ID || len(msg.Entries) != 2 {
		t.Fatalf("LoadActivity = %+v", msg)
	}
	var said []string
	for _, a := range msg.Entries {
		said = append(said, e.Describe(a))
	}
	if got := strings.Join(said, "; "); got != "owner moved it to In Progress; owner created it" {
		t.Fatalf("the activity says %q", got)
	}

	everywhere := e.Search("spec", true)().(SearchMsg)
	if everywhere.Err != nil || len(everywhere.Hits) != 2 {
		t.Fatalf("search everywhere = %+v", everywhere)
	}
	found := map[string]SearchHit{}
	for _, h := range everywhere.Hits {
		found[h.TaskID] = h
	}
	if h := found[other.ID]; h.ProjectID != ps[0].ID || h.SpaceID != team.ID || h.Kind != HitTask || h.Title != "Spec review with the team" {
		t.Fatalf("the other project's card: %+v", h)
	}
	here := e.Search("spec", false)().(SearchMsg)
	if here.Err != nil || len(here.Hits) != 1 || here.Hits[0].TaskID != k.ID {
		t.Fatalf("search of this space = %+v", here)
	}
	if msg := e.Search("  ", true)().(SearchMsg); msg.Err == nil || !strings.Contains(msg.Err.Error(), "type a word") {
		t.Fatalf("an empty search: %+v", msg)
	}
	// A query longer than the server takes (100 characters of CJK are
	// 300 bytes) is searched for as far as it fits.
	if msg := e.Search("spec "+strings.Repeat("検索", 50), true)().(SearchMsg); msg.Err != nil {
		t.Fatalf("a long query: %v", msg.Err)
	}
	// The server's refusal, in its words.
	if msg := e.Search("!!", true)().(SearchMsg); msg.Err == nil || !strings.Contains(msg.Err.Error(), "q must hold a word") {
		t.Fatalf("a search of no word: %+v", msg)
	}
}

// A seed-only server, and a Remote with neither interface, keep no
// activity and can't search: said in words, errors.Is the sentinels.
func TestNoActivityOrSearch(t *testing.T) {
	env := newSeedTestEnv(t, 1)
	ctx := context.Background()
	k, err := env.direct.CreateTask(ctx, api.TaskCreate{ProjectID: env.project, Title: "Plan"})
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]Remote{
		"seed server": NewRemote(env.client(env.srv.URL, env.token)),
		"bare Remote": seedOnly{NewRemote(env.client(env.srv.URL, env.token))},
	} {
		e, err := Open(ctx, Options{Dir: t.TempDir(), Server: env.srv.URL, ProjectID: env.project, Remote: r})
		if err != nil {
			t.Fatal(err)
		}
		act := e.LoadActivity(k.ID)().(ActivityMsg)
		if !errors.Is(act.Err, ErrNoActivity) || act.Err.Error() != "this server keeps no activity" {
			t.Errorf("%s: activity said %v", name, act.Err)
		}
		found := e.Search("plan", true)().(SearchMsg)
		if !errors.Is(found.Err, ErrNoSearch) || found.Err.Error() != "this server can't search" || found.Hits != nil {
			t.Errorf("%s: search said %+v", name, found)
		}
		e.Abandon()
	}
}
