package server_test

import (
	"net/url"
	"strings"
	"testing"
)

type tHit struct {
	Kind      string  `json:"kind"`
	TaskID    string  `json:"taskId"`
	CommentID string  `json:"commentId"`
	ProjectID string  `json:"projectId"`
	SpaceID   string  `json:"spaceId"`
	Title     string  `json:"title"`
	Snippet   string  `json:"snippet"`
	Rank      float64 `json:"rank"`
}

func (e *testEnv) search(u testUser, query string) []tHit {
	e.t.Helper()
	var out []tHit
	e.do(u.Token, "GET", "/api/search?"+query, nil).want(e.t, 200, &out)
	return out
}

func hitTitles(hits []tHit) string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Kind+":"+h.Title)
	}
	return strings.Join(out, ", ")
}

// Search finds words at the start of words in titles, descriptions and
// comments, every word asked for, a title match first; it sees only the
// caller's spaces, follows renames and deletes, and narrows to a space or
// a project.
func TestSearch(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	b := tm.Board
	login := e.createTask(tm.Member, b.ProjectID, map[string]any{"title": "Fix the login page"})
	e.createTask(tm.Member, b.ProjectID, map[string]any{"title": "Release notes", "description": "mention the new login flow and the café"})
	other := e.createTask(tm.Member, b.ProjectID, map[string]any{"title": "Tidy the backlog"})
	e.do(tm.Admin.Token, "POST", "/api/tasks/"+other.ID+"/comments", map[string]any{"content": "blocked by the LOGIN rewrite"}).want(t, 201, nil)
	archived := e.createTask(tm.Member, b.ProjectID, map[string]any{"title": "Old login experiment"})
	e.patchTask(tm.Member, archived.ID, map[string]any{"isArchived": true})
	// Someone else's space: never in the team's results.
	stranger := e.newUser("stranger")
	e.createTask(stranger, e.personalBoard(stranger).ProjectID, map[string]any{"title": "Secret login plans"})

	hits := e.search(tm.Viewer, "q=logi")
	if got := hitTitles(hits); len(hits) != 3 || hits[0].TaskID != login.ID {
		t.Fatalf("q=logi found %s; want the login page first, then the release notes and the comment", got)
	}
	kinds := map[string]tHit{}
	for _, h := range hits {
		kinds[h.Kind+h.Title] = h
		if h.SpaceID != tm.SpaceID || h.ProjectID != b.ProjectID {
			t.Errorf("hit %s is placed in space %s project %s", h.Title, h.SpaceID, h.ProjectID)
		}
	}
	c, ok := kinds["commentTidy the backlog"]
	if !ok || c.CommentID == "" || c.TaskID != other.ID || !strings.Contains(c.Snippet, "LOGIN rewrite") {
		t.Fatalf("the comment's hit: %+v", c)
	}
	if n := kinds["taskRelease notes"]; !strings.Contains(n.Snippet, "login flow") {
		t.Errorf("the description's snippet is %q", n.Snippet)
	}
	if strings.ContainsAny(hits[0].Snippet, "\uE000\uE001") {
		t.Errorf("a snippet holds the engine's marks: %q", hits[0].Snippet)
	}
	// Every word, in any order, whatever its case; punctuation is no
	// syntax. (SQLite also folds accents: "cafe" finds "café".)
	if got := hitTitles(e.search(tm.Member, "q="+url.QueryEscape(`notes "CAFÉ`))); got != "task:Release notes" {
		t.Errorf(`q=notes "CAFÉ found %q`, got)
	}
	if got := hitTitles(e.search(tm.Member, "q="+url.QueryEscape(`"login" -page* (`))); !strings.Contains(got, "Fix the login page") {
		t.Errorf("operators as words found %q", got)
	}
	if got := e.search(tm.Member, "q=login+zebra"); len(got) != 0 {
		t.Errorf("q=login zebra found %s; want nothing (every word must match)", hitTitles(got))
	}

	// A rename and a delete are searched at once.
	e.patchTask(tm.Member, login.ID, map[string]any{"title": "Fix the sign-in page"})
	if got := hitTitles(e.search(tm.Member, "q=sign")); got != "task:Fix the sign-in page" {
		t.Errorf("after the rename, q=sign found %q", got)
	}
	e.do(tm.Member.Token, "DELETE", "/api/tasks/"+other.ID, nil).want(t, 200, nil)
	if got := hitTitles(e.search(tm.Member, "q=login")); got != "task:Release notes" {
		t.Errorf("after the delete and rename, q=login found %q", got)
	}
	e.do(tm.Member.Token, "POST", "/api/tasks/"+other.ID+"/restore", nil).want(t, 200, nil)
	if got := e.search(tm.Member, "q=rewrite"); len(got) != 1 || got[0].Kind != "comment" {
		t.Errorf("after the restore, q=rewrite found %s", hitTitles(got))
	}

	// Narrowed: to the team's space, or a project; the stranger's own.
	if got := e.search(tm.Owner, "q=login&spaceId="+tm.SpaceID+"&projectId="+b.ProjectID); len(got) != 2 {
		t.Errorf("narrowed to the project: %s", hitTitles(got))
	}
	if got := hitTitles(e.search(stranger, "q=login")); got != "task:Secret login plans" {
		t.Errorf("the stranger found %q", got)
	}
	e.do(stranger.Token, "GET", "/api/search?q=login&spaceId="+tm.SpaceID, nil).wantErr(t, 404, "not_found")
	e.do(stranger.Token, "GET", "/api/search?q=login&projectId="+b.ProjectID, nil).wantErr(t, 404, "not_found")
	e.do("", "GET", "/api/search?q=login", nil).wantErr(t, 401, "")
	for q, field := range map[string]string{
		"":                                "q",
		"q=%22%22":                        "q",
		"q=" + strings.Repeat("a", 201):   "q",
		"q=x&limit=0":                     "limit",
		"q=x&limit=101":                   "limit",
		"q=x&spaceId=nope":                "spaceId",
		"q=x&projectId=" + tm.SpaceID[:8]: "projectId",
	} {
		if got := e.do(tm.Owner.Token, "GET", "/api/search?"+q, nil).wantErr(t, 400, "validation_failed").Field; got != field {
			t.Errorf("?%s: the error names %q, want %q", q, got, field)
		}
	}
	if got := e.search(tm.Owner, "q=login&limit=1"); len(got) != 1 {
		t.Errorf("limit=1 gave %d hits", len(got))
	}
}
