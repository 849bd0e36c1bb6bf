package server_test

import (
	"fmt"
	"slices"
	"testing"
)

// roleReq is one write to try as some role, and how to tell (as the owner)
// whether it took effect.
type roleReq struct {
	method, path string
	body         any
	effect       func(t *testing.T) bool
}

// The roles of the matrix: the team's four, someone outside it, no token.
var roleNames = []string{"owner", "admin", "member", "viewer", "outsider", "anonymous"}

func (tm team) as(role string) string {
	switch role {
	case "owner":
		return tm.Owner.Token
	case "admin":
		return tm.Admin.Token
	case "member":
		return tm.Member.Token
	case "viewer":
		return tm.Viewer.Token
	case "outsider":
		return tm.Others.Token
	}
	return ""
}

// codeFor is the error code each refusal status comes with.
var codeFor = map[int]string{401: "", 403: "forbidden", 404: "not_found"}

// The seed's role rules, for every write endpoint: Owner, Admin, Member,
// Viewer, a non-member and no token. Each request runs on fresh fixtures, and
// a 2xx must have done the thing while a refusal must have done nothing.
func TestRoleMatrix(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	owner := tm.Owner
	pid := tm.Board.ProjectID
	n := 0
	unique := func(prefix string) string { n++; return fmt.Sprintf("%s-%d", prefix, n) }

	newProject := func(t *testing.T) tProject {
		var out struct{ Project tProject }
		e.do(owner.Token, "POST", "/api/projects", map[string]any{"spaceId": tm.SpaceID, "name": "P", "slug": unique("p")}).want(t, 201, &out)
		return out.Project
	}
	projects := func(t *testing.T, archived bool) []tProject {
		var out []tProject
		e.do(owner.Token, "GET", fmt.Sprintf("/api/projects?spaceId=%s&archived=%v", tm.SpaceID, archived), nil).want(t, 200, &out)
		return out
	}
	members := func(t *testing.T) []tMember {
		var out []tMember
		e.do(owner.Token, "GET", "/api/spaces/"+tm.SpaceID+"/members", nil).want(t, 200, &out)
		return out
	}
	memberRole := func(t *testing.T, userID string) string {
		for _, m := range members(t) {
			if m.UserID == userID {
				return m.Role
			}
		}
		return ""
	}
	newMember := func(t *testing.T, role string) testUser {
		u := e.newUser(unique("user"))
		e.do(owner.Token, "POST", "/api/spaces/"+tm.SpaceID+"/members", map[string]any{"userId": u.ID, "role": role}).want(t, 201, nil)
		return u
	}

	// Who may: the statuses for owner, admin, member, viewer, outsider, anonymous.
	var (
		anyone    = []int{201, 201, 201, 201, 201, 401}
		createM   = []int{201, 201, 201, 403, 404, 401}
		changeM   = []int{200, 200, 200, 403, 404, 401}
		adminOnly = []int{200, 200, 403, 403, 404, 401}
		addAdmin  = []int{201, 201, 403, 403, 404, 401}
		sendAdmin = []int{202, 202, 403, 403, 404, 401}
	)
	// Webhooks: none is sent (this server's worker is not running), and
	// the addresses are public ones (private ones are refused). Each case
	// removes what it made: a space holds at most 20.
	var hooks func(t *testing.T) []tWebhook
	clearHooks := func(t *testing.T) {
		t.Cleanup(func() {
			for _, w := range hooks(t) {
				e.do(owner.Token, "DELETE", "/api/webhooks/"+w.ID, nil).want(t, 200, nil)
			}
		})
	}
	newHook := func(t *testing.T) tWebhook {
		clearHooks(t)
		var out struct{ Webhook tWebhook }
		e.do(owner.Token, "POST", "/api/webhooks", map[string]any{"spaceId": tm.SpaceID, "url": "https://203.0.113.9/" + unique("hook"),
			"events": []string{"task.added"}}).want(t, 201, &out)
		return out.Webhook
	}
	hooks = func(t *testing.T) []tWebhook {
		var out []tWebhook
		e.do(owner.Token, "GET", "/api/webhooks?spaceId="+tm.SpaceID, nil).want(t, 200, &out)
		return out
	}
	hookDeliveries := func(t *testing.T, id string) []tDelivery {
		var out []tDelivery
		e.do(owner.Token, "GET", "/api/webhooks/"+id+"/deliveries", nil).want(t, 200, &out)
		return out
	}
	cases := []struct {
		name    string
		want    []int
		prepare func(t *testing.T) roleReq
	}{
		{"POST /api/spaces", anyone, func(t *testing.T) roleReq {
			slug := unique("space")
			return roleReq{"POST", "/api/spaces", map[string]any{"name": "S", "slug": slug}, func(t *testing.T) bool {
				// The slug is taken if and only if the space was made.
				return e.do(owner.Token, "POST", "/api/spaces", map[string]any{"name": "S", "slug": slug}).Status == 409
			}}
		}},
		{"POST /api/projects", createM, func(t *testing.T) roleReq {
			slug := unique("proj")
			return roleReq{"POST", "/api/projects", map[string]any{"spaceId": tm.SpaceID, "name": "New", "slug": slug}, func(t *testing.T) bool {
				return slices.ContainsFunc(projects(t, false), func(p tProject) bool { return p.Slug == slug })
			}}
		}},
		{"PATCH /api/projects/{id}", adminOnly, func(t *testing.T) roleReq {
			p := newProject(t)
			name := unique("renamed")
			return roleReq{"PATCH", "/api/projects/" + p.ID, map[string]any{"name": name}, func(t *testing.T) bool {
				return slices.ContainsFunc(projects(t, false), func(q tProject) bool { return q.ID == p.ID && q.Name == name })
			}}
		}},
		{"DELETE /api/projects/{id}", adminOnly, func(t *testing.T) roleReq {
			p := newProject(t)
			return roleReq{"DELETE", "/api/projects/" + p.ID, nil, func(t *testing.T) bool {
				return slices.ContainsFunc(projects(t, true), func(q tProject) bool { return q.ID == p.ID })
			}}
		}},
		{"POST /api/tasks", createM, func(t *testing.T) roleReq {
			title := unique("task")
			return roleReq{"POST", "/api/tasks", map[string]any{"projectId": pid, "title": title}, func(t *testing.T) bool {
				return slices.ContainsFunc(e.listTasks(owner, pid, false), func(k tTask) bool { return k.Title == title })
			}}
		}},
		{"PATCH /api/tasks/{id}", changeM, func(t *testing.T) roleReq {
			k := e.createTask(owner, pid, nil)
			return roleReq{"PATCH", "/api/tasks/" + k.ID, map[string]any{"title": "Renamed", "priority": "urgent"}, func(t *testing.T) bool {
				got := e.getTask(owner, k.ID)
				return got.Title == "Renamed" && got.Version == 2
			}}
		}},
		{"DELETE /api/tasks/{id} (not the creator)", adminOnly, func(t *testing.T) roleReq {
			k := e.createTask(owner, pid, nil)
			return roleReq{"DELETE", "/api/tasks/" + k.ID, nil, func(t *testing.T) bool {
				return e.do(owner.Token, "GET", "/api/tasks/"+k.ID, nil).Status == 404
			}}
		}},
		{"POST /api/tasks/{id}/comments", createM, func(t *testing.T) roleReq {
			k := e.createTask(owner, pid, nil)
			return roleReq{"POST", "/api/tasks/" + k.ID + "/comments", map[string]any{"content": "hi"}, func(t *testing.T) bool {
				got := e.getTask(owner, k.ID)
				return got.CommentCount == 1 && len(got.Comments) == 1
			}}
		}},
		{"POST /api/tasks/{id}/assignees", changeM, func(t *testing.T) roleReq {
			k := e.createTask(owner, pid, nil)
			return roleReq{"POST", "/api/tasks/" + k.ID + "/assignees", map[string]any{"userId": tm.Member.ID}, func(t *testing.T) bool {
				return slices.Contains(e.getTask(owner, k.ID).AssigneeIDs, tm.Member.ID)
			}}
		}},
		{"DELETE /api/tasks/{id}/assignees/{userId}", changeM, func(t *testing.T) roleReq {
			k := e.createTask(owner, pid, nil)
			e.do(owner.Token, "POST", "/api/tasks/"+k.ID+"/assignees", map[string]any{"userId": tm.Admin.ID}).want(t, 200, nil)
			return roleReq{"DELETE", "/api/tasks/" + k.ID + "/assignees/" + tm.Admin.ID, nil, func(t *testing.T) bool {
				return len(e.getTask(owner, k.ID).AssigneeIDs) == 0
			}}
		}},
		{"POST /api/statuses", addAdmin, func(t *testing.T) roleReq {
			name := unique("column")
			return roleReq{"POST", "/api/statuses", map[string]any{"projectId": pid, "name": name}, func(t *testing.T) bool {
				return slices.ContainsFunc(e.columns(owner, pid), func(c tStatus) bool { return c.Name == name })
			}}
		}},
		{"PATCH /api/statuses/{id}", adminOnly, func(t *testing.T) roleReq {
			col := e.newColumn(owner, pid, map[string]any{"name": unique("column")})
			return roleReq{"PATCH", "/api/statuses/" + col.ID, map[string]any{"wipLimit": 4, "position": 0}, func(t *testing.T) bool {
				cols := e.columns(owner, pid)
				return cols[0].ID == col.ID && cols[0].WipLimit != nil && *cols[0].WipLimit == 4
			}}
		}},
		{"DELETE /api/statuses/{id}", adminOnly, func(t *testing.T) roleReq {
			col := e.newColumn(owner, pid, map[string]any{"name": unique("column")})
			return roleReq{"DELETE", "/api/statuses/" + col.ID, nil, func(t *testing.T) bool {
				return !slices.ContainsFunc(e.columns(owner, pid), func(c tStatus) bool { return c.ID == col.ID })
			}}
		}},
		{"POST /api/labels", createM, func(t *testing.T) roleReq {
			name := unique("label")
			return roleReq{"POST", "/api/labels", map[string]any{"projectId": pid, "name": name}, func(t *testing.T) bool {
				return slices.ContainsFunc(e.labels(owner, pid), func(l tLabel) bool { return l.Name == name })
			}}
		}},
		{"PATCH /api/labels/{id}", changeM, func(t *testing.T) roleReq {
			l := e.newLabel(owner, pid, unique("label"), nil)
			name := unique("renamed")
			return roleReq{"PATCH", "/api/labels/" + l.ID, map[string]any{"name": name}, func(t *testing.T) bool {
				return slices.ContainsFunc(e.labels(owner, pid), func(o tLabel) bool { return o.ID == l.ID && o.Name == name })
			}}
		}},
		{"DELETE /api/labels/{id}", changeM, func(t *testing.T) roleReq {
			l := e.newLabel(owner, pid, unique("label"), nil)
			return roleReq{"DELETE", "/api/labels/" + l.ID, nil, func(t *testing.T) bool {
				return !slices.ContainsFunc(e.labels(owner, pid), func(o tLabel) bool { return o.ID == l.ID })
			}}
		}},
		{"PATCH /api/tasks/{id} labelIds", changeM, func(t *testing.T) roleReq {
			k := e.createTask(owner, pid, nil)
			l := e.newLabel(owner, pid, unique("label"), nil)
			return roleReq{"PATCH", "/api/tasks/" + k.ID, map[string]any{"labelIds": []string{l.ID}}, func(t *testing.T) bool {
				return slices.Contains(e.getTask(owner, k.ID).LabelIDs, l.ID)
			}}
		}},
		{"POST /api/spaces/{id}/members", addAdmin, func(t *testing.T) roleReq {
			u := e.newUser(unique("newbie"))
			return roleReq{"POST", "/api/spaces/" + tm.SpaceID + "/members", map[string]any{"userId": u.ID, "role": "member"}, func(t *testing.T) bool {
				return memberRole(t, u.ID) == "member"
			}}
		}},
		{"PATCH /api/spaces/{id}/members/{userId}", adminOnly, func(t *testing.T) roleReq {
			u := newMember(t, "viewer")
			return roleReq{"PATCH", "/api/spaces/" + tm.SpaceID + "/members/" + u.ID, map[string]any{"role": "member"}, func(t *testing.T) bool {
				return memberRole(t, u.ID) == "member"
			}}
		}},
		{"DELETE /api/spaces/{id}/members/{userId}", adminOnly, func(t *testing.T) roleReq {
			u := newMember(t, "member")
			return roleReq{"DELETE", "/api/spaces/" + tm.SpaceID + "/members/" + u.ID, nil, func(t *testing.T) bool {
				return memberRole(t, u.ID) == ""
			}}
		}},
	}
	cases = append(cases, []struct {
		name    string
		want    []int
		prepare func(t *testing.T) roleReq
	}{
		{"POST /api/webhooks", addAdmin, func(t *testing.T) roleReq {
			clearHooks(t)
			url := "https://203.0.113.9/" + unique("hook")
			return roleReq{"POST", "/api/webhooks", map[string]any{"spaceId": tm.SpaceID, "url": url, "events": []string{"task.added"}}, func(t *testing.T) bool {
				return slices.ContainsFunc(hooks(t), func(w tWebhook) bool { return w.URL == url })
			}}
		}},
		{"PATCH /api/webhooks/{id}", adminOnly, func(t *testing.T) roleReq {
			w := newHook(t)
			return roleReq{"PATCH", "/api/webhooks/" + w.ID, map[string]any{"events": []string{"task.completed"}}, func(t *testing.T) bool {
				return slices.ContainsFunc(hooks(t), func(o tWebhook) bool { return o.ID == w.ID && slices.Equal(o.Events, []string{"task.completed"}) })
			}}
		}},
		{"DELETE /api/webhooks/{id}", adminOnly, func(t *testing.T) roleReq {
			w := newHook(t)
			return roleReq{"DELETE", "/api/webhooks/" + w.ID, nil, func(t *testing.T) bool {
				return !slices.ContainsFunc(hooks(t), func(o tWebhook) bool { return o.ID == w.ID })
			}}
		}},
		{"POST /api/webhooks/{id}/ping", sendAdmin, func(t *testing.T) roleReq {
			w := newHook(t)
			return roleReq{"POST", "/api/webhooks/" + w.ID + "/ping", nil, func(t *testing.T) bool {
				return len(hookDeliveries(t, w.ID)) == 1
			}}
		}},
		{"POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver", sendAdmin, func(t *testing.T) roleReq {
			w := newHook(t)
			e.do(owner.Token, "POST", "/api/webhooks/"+w.ID+"/ping", nil).want(t, 202, nil)
			d := hookDeliveries(t, w.ID)[0]
			e.execSQL(`UPDATE webhook_deliveries SET state = 'failed', finished_at = next_attempt_at WHERE id = ?`, d.ID)
			return roleReq{"POST", "/api/webhooks/" + w.ID + "/deliveries/" + d.ID + "/redeliver", nil, func(t *testing.T) bool {
				return hookDeliveries(t, w.ID)[0].State == "pending"
			}}
		}},
	}...)
	for _, c := range cases {
		for i, role := range roleNames {
			want := c.want[i]
			t.Run(fmt.Sprintf("%s as %s", c.name, role), func(t *testing.T) {
				req := c.prepare(t)
				res := e.do(tm.as(role), req.method, req.path, req.body)
				if want >= 400 {
					er := res.wantErr(t, want, codeFor[want])
					if want == 401 && er.Error != "Unauthorized" {
						t.Fatalf("401 says %q", er.Error)
					}
				} else {
					res.want(t, want, nil)
				}
				if did := req.effect(t); did != (want < 400) {
					t.Fatalf("answered %d but took effect: %v", res.Status, did)
				}
			})
		}
	}
}

// A task's creator may delete it even as a plain Member; a Viewer may not
// delete even a task they created (before being made a Viewer).
func TestDeleteTaskByCreator(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	mine := e.createTask(tm.Member, tm.Board.ProjectID, map[string]any{"title": "mine"})
	if mine.CreatorID != tm.Member.ID {
		t.Fatalf("creatorId %s, want the member %s", mine.CreatorID, tm.Member.ID)
	}
	e.do(tm.Member.Token, "DELETE", "/api/tasks/"+mine.ID, nil).want(t, 200, nil)
	e.do(tm.Owner.Token, "GET", "/api/tasks/"+mine.ID, nil).wantErr(t, 404, "not_found")

	theirs := e.createTask(tm.Member, tm.Board.ProjectID, map[string]any{"title": "theirs"})
	e.do(tm.Owner.Token, "PATCH", "/api/spaces/"+tm.SpaceID+"/members/"+tm.Member.ID, map[string]any{"role": "viewer"}).want(t, 200, nil)
	e.do(tm.Member.Token, "DELETE", "/api/tasks/"+theirs.ID, nil).wantErr(t, 403, "forbidden")
	e.getTask(tm.Owner, theirs.ID)
}

// Reads: every member, Viewers included, may read; someone outside the
// space is told it does not exist; no token is a 401.
func TestReadsByRole(t *testing.T) {
	e := newTestEnv(t)
	tm := newTeam(t, e)
	pid := tm.Board.ProjectID
	k := e.createTask(tm.Owner, pid, nil)
	e.do(tm.Owner.Token, "POST", "/api/tasks/"+k.ID+"/comments", map[string]any{"content": "hi"}).want(t, 201, nil)
	reads := []string{
		"/api/projects?spaceId=" + tm.SpaceID,
		"/api/statuses?projectId=" + pid,
		"/api/labels?projectId=" + pid,
		"/api/tasks?projectId=" + pid,
		"/api/tasks?projectId=" + pid + "&archived=true",
		"/api/tasks?projectId=" + pid + "&since=1", // what changed: a handler of its own
		"/api/tasks/" + k.ID,
		"/api/tasks/" + k.ID + "/comments",
		"/api/spaces/" + tm.SpaceID + "/members",
	}
	want := []int{200, 200, 200, 200, 404, 401}
	for _, path := range reads {
		for i, role := range roleNames {
			t.Run(role+" GET "+path, func(t *testing.T) {
				res := e.do(tm.as(role), "GET", path, nil)
				if want[i] == 200 {
					res.want(t, 200, nil)
					return
				}
				res.wantErr(t, want[i], codeFor[want[i]])
			})
		}
	}
	// The outsider's error is the same as for something that does not exist.
	missing := e.do(tm.Others.Token, "GET", "/api/tasks/00000000-0000-4000-8000-000000000000", nil)
	hidden := e.do(tm.Others.Token, "GET", "/api/tasks/"+k.ID, nil)
	if string(missing.Body) != string(hidden.Body) {
		t.Fatalf("an outsider can tell a hidden task (%s) from a missing one (%s)", hidden.Body, missing.Body)
	}
	// The space itself is not in the outsider's list.
	var spaces []tSpace
	e.do(tm.Others.Token, "GET", "/api/spaces", nil).want(t, 200, &spaces)
	if slices.ContainsFunc(spaces, func(s tSpace) bool { return s.ID == tm.SpaceID }) {
		t.Fatalf("outsider lists the team space")
	}
}
