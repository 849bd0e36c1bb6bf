package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// fuzzFixture is a server and a user to aim requests at.
type fuzzFixture struct {
	e *testEnv
	u testUser
	n atomic.Int64
}

func newFuzzFixture(f *testing.F) *fuzzFixture {
	e := newTestEnv(f)
	return &fuzzFixture{e: e, u: e.newUser("fuzz")}
}

// fuzzBoard is a fresh space with its General project and one task, so each
// input runs on its own objects and a failure reproduces from the input
// alone. Bodies may name the objects with placeholders ($SPACE, $PROJECT,
// $TASK, $STATUS, $DONE), so that mutations of a valid request get past
// "no such project" into the real work.
type fuzzBoard struct {
	board
	taskID  string
	replace *strings.Replacer
}

func (fx *fuzzFixture) fresh(t *testing.T) fuzzBoard {
	t.Helper()
	e := fx.e.on(t)
	var sp struct{ Space tSpace }
	slug := fmt.Sprintf("fuzz-%d", fx.n.Add(1))
	e.do(fx.u.Token, "POST", "/api/spaces", map[string]any{"name": "F", "slug": slug}).want(t, 201, &sp)
	fb := fuzzBoard{board: e.boardOf(fx.u, sp.Space.ID)}
	fb.taskID = e.createTask(fx.u, fb.ProjectID, map[string]any{"title": "target"}).ID
	fb.replace = strings.NewReplacer("$SPACE", fb.SpaceID, "$PROJECT", fb.ProjectID, "$TASK", fb.taskID,
		"$STATUS", fb.col(t, "In Progress"), "$DONE", fb.col(t, "Done"))
	return fb
}

// send sends body and fails on a 5xx, a body that is not JSON, or an error
// without an "error" sentence.
func (fx *fuzzFixture) send(t *testing.T, method, path, body string) testResp {
	t.Helper()
	res := fx.e.on(t).do(fx.u.Token, method, path, body)
	if res.Status >= 500 {
		t.Fatalf("%s %s %q: %d %s", method, path, body, res.Status, res.Body)
	}
	if !json.Valid(res.Body) {
		t.Fatalf("%s %s %q: %d with a body that is not JSON: %q", method, path, body, res.Status, res.Body)
	}
	if res.Status >= 400 {
		var er apiErr
		if json.Unmarshal(res.Body, &er) != nil || er.Error == "" {
			t.Fatalf("%s %s %q: %d without an error sentence: %s", method, path, body, res.Status, res.Body)
		}
	}
	return res
}

// Whatever a client sends as a task, the server answers with a 2xx or a 4xx
// in JSON, never a 5xx or a panic, and the board stays readable.
func FuzzTaskRequests(f *testing.F) {
	for _, body := range []string{
		`{"projectId":"$PROJECT","title":"t"}`,
		`{"projectId":"$PROJECT","title":"My new task","priority":"high"}`,
		`{"projectId":"$PROJECT","title":"all","statusId":"$STATUS","priority":"urgent","dueDate":"2026-02-22T10:00:00.000Z","description":"d","estimatedHours":1.5,"parentTaskId":"$TASK","position":"a0V"}`,
		`{"projectId":"$PROJECT","title":"done","statusId":"$DONE","completedAt":"2026-02-22T10:00:00Z"}`,
		`{"projectId":"$PROJECT","title":"x","statusId":"$DONE","completedAt":null}`,
		`{"completedAt":"2026-02-22T10:00:00.000Z"}`,
		`{"completedAt":null}`,
		`{"statusId":null}`,
		`{"statusId":"$STATUS","completedAt":"2026-02-22"}`,
		`{"statusId":"$DONE"}`,
		`{"isArchived":true,"title":"  spaced  "}`,
		`{"position":"Zz"}`,
		`{"position":"A00000000000000000000000000"}`,
		`{"position":"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"}`,
		`{"position":"a00"}`,
		`{"estimatedHours":1e308}`,
		`{"estimatedHours":-0}`,
		`{"estimatedHours":1e999}`,
		`{"estimatedHours":null,"dueDate":null,"description":null}`,
		`{"dueDate":"0000-01-01T00:00:00+01:00"}`,
		`{"dueDate":"9999-12-31T23:59:59.999999999-23:59"}`,
		`{"dueDate":"2026-02-30"}`,
		`{"title":"\u0000"}`,
		`{"title":"\ud800"}`,
		"{\"title\":\"\xff\xfe\"}",
		`{"title":"a","title":5}`,
		`{"priority":"high","priority":"huge"}`,
		`{"priority":"HIGH"}`,
		`{"projectId":"$PROJECT","title":"t","parentTaskId":"00000000-0000-0000-0000-000000000000"}`,
		`{"projectId":"{$PROJECT}","title":"t"}`,
		`{"projectId":"urn:uuid:$PROJECT","title":"t"}`,
		`{"a":{"b":[[[[[[[[[[[]]]]]]]]]]]}}`,
		`[]`, `null`, `""`, `{`, ``, `{}`, `1`, `{"title":true}`,
	} {
		f.Add(body)
	}
	fx := newFuzzFixture(f)
	f.Fuzz(func(t *testing.T, body string) {
		fb := fx.fresh(t)
		body = fb.replace.Replace(body)
		for _, res := range []testResp{
			fx.send(t, "POST", "/api/tasks", body),
			fx.send(t, "PATCH", "/api/tasks/"+fb.taskID, body),
		} {
			if res.Status >= 300 {
				continue
			}
			// Times go out as the seed shows them, so any client can read them.
			var out struct{ Task tTask }
			if err := json.Unmarshal(res.Body, &out); err != nil {
				t.Fatalf("%q: answer %s: %v", body, res.Body, err)
			}
			for name, v := range map[string]*string{"dueDate": out.Task.DueDate, "completedAt": out.Task.CompletedAt, "createdAt": &out.Task.CreatedAt} {
				if v != nil && !isoMillis.MatchString(*v) {
					t.Fatalf("%q: %s came back as %q, not an ISO 8601 time like 2026-02-22T10:00:00.000Z", body, name, *v)
				}
			}
		}
		// The board still reads: whatever was stored can be sent back.
		fx.send(t, "GET", "/api/tasks?projectId="+fb.ProjectID, "").want(t, 200, nil)
		fx.send(t, "GET", "/api/tasks?projectId="+fb.ProjectID+"&archived=true", "").want(t, 200, nil)
		fx.send(t, "GET", "/api/tasks/"+fb.taskID, "").want(t, 200, nil)
	})
}

// The same for projects.
func FuzzProjectRequests(f *testing.F) {
	for _, body := range []string{
		`{"spaceId":"$SPACE","name":"Website","slug":"website"}`,
		`{"spaceId":"$SPACE","name":"All","slug":"all","description":"d","defaultView":"calendar","color":"#3b82f6"}`,
		`{"spaceId":"$SPACE","name":"Dup","slug":"general"}`,
		`{"name":"Renamed"}`,
		`{"slug":"general"}`,
		`{"slug":"-"}`,
		`{"slug":""}`,
		`{"slug":"UPPER"}`,
		`{"description":null,"color":null}`,
		`{"defaultView":"gantt"}`,
		`{"defaultView":null}`,
		`{"color":"#FFF"}`,
		`{"color":"#ggg"}`,
		`{"color":"3b82f6"}`,
		`{"name":"\u2028\u2029"}`,
		`{"name":"   "}`,
		`{"name":"` + strings.Repeat("é", 201) + `"}`,
		`{"isArchived":true}`,
		`{"spaceId":null,"name":"n","slug":"n"}`,
		`{"spaceId":"$PROJECT","name":"n","slug":"n"}`,
		`[]`, `null`, `{`, ``, `{}`, `{"name":{}}`,
	} {
		f.Add(body)
	}
	fx := newFuzzFixture(f)
	f.Fuzz(func(t *testing.T, body string) {
		fb := fx.fresh(t)
		body = fb.replace.Replace(body)
		fx.send(t, "POST", "/api/projects", body)
		fx.send(t, "PATCH", "/api/projects/"+fb.ProjectID, body)
		fx.send(t, "GET", "/api/projects?spaceId="+fb.SpaceID, "").want(t, 200, nil)
		fx.send(t, "GET", "/api/projects?spaceId="+fb.SpaceID+"&archived=true", "").want(t, 200, nil)
		fx.send(t, "GET", "/api/statuses?projectId="+fb.ProjectID, "").want(t, 200, nil)
	})
}
