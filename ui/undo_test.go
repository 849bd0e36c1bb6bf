package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// + on card A, j, D y on card B, u: the server has B back with its
// subtask, comment and assignee, A keeps the priority it was given, and
// the status line names the delete it undid.
func TestUndoAfterDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b, ok := e.serverTask("Fix the login redirect")
	if !ok {
		t.Fatal("no card B in the fixture")
	}
	sub, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: "Check the redirect on mobile", ParentTaskID: &b.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{b.ID, sub.ID} {
		if _, err := e.direct.Assign(ctx, id, e.userID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.direct.AddComment(ctx, b.ID, "It loops on Safari"); err != nil {
		t.Fatal(err)
	}

	tm := e.board(e.token, 160, 30)
	waitScreen(t, tm, "synced", "Write the launch", "Fix the login")
	keys(tm, "+", "j", "D", "y")
	e.eventually("card B deleted", func() bool {
		_, ok := e.serverTask("Fix the login redirect")
		return !ok
	})
	keys(tm, "u")
	waitScreen(t, tm, `Undid delete "Fix the login redirect"`)
	e.eventually("card B back", func() bool {
		_, ok := e.serverTask("Fix the login redirect")
		return ok
	})
	back, err := e.direct.Task(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Subtasks) != 1 || back.Subtasks[0].ID != sub.ID {
		t.Fatalf("B's subtasks after the undo: %+v", back.Subtasks)
	}
	if s, err := e.direct.Task(ctx, sub.ID); err != nil || len(s.AssigneeIDs) != 1 || s.AssigneeIDs[0] != e.userID {
		t.Fatalf("B's subtask after the undo: %+v, %v; want it assigned to ann", s, err)
	}
	if len(back.Comments) != 1 || back.Comments[0].Content != "It loops on Safari" {
		t.Fatalf("B's comments after the undo: %+v", back.Comments)
	}
	if len(back.AssigneeIDs) != 1 || back.AssigneeIDs[0] != e.userID || *back.StatusID != *b.StatusID || back.Position != b.Position {
		t.Fatalf("B after the undo: %+v, want it where it was, assigned to ann", back.Task)
	}
	if a, _ := e.serverTask("Write the launch post"); a.Priority != api.PriorityUrgent {
		t.Fatalf("A's priority is %s: undoing the delete took back the priority change too", a.Priority)
	}
	m := finish(t, tm)
	if !strings.Contains(m.View(), `Undid delete "Fix the login redirect"`) || !strings.Contains(m.View(), "Fix the login redirect") {
		t.Fatalf("the board after the undo:\n%s", m.View())
	}
}

// Against a server that can't restore deleted cards (the seed's API
// alone), u after D says it can't undo the delete and changes nothing:
// B stays deleted and A keeps its priority.
func TestUndoAfterDeleteOnASeedServer(t *testing.T) {
	e := newEnv(t, server.WithAPI(server.APISeed))
	tm := e.board(e.token, 160, 30)
	waitScreen(t, tm, "synced", "Write the launch", "Fix the login")
	keys(tm, "+", "j", "D", "y")
	e.eventually("card B deleted", func() bool {
		_, ok := e.serverTask("Fix the login redirect")
		return !ok
	})
	keys(tm, "u")
	waitScreen(t, tm, `Can't undo the delete of "Fix the login redirect": this server can't restore deleted cards`)
	m := finish(t, tm)
	if st := m.Engine().Status(); st.Waiting != 0 {
		t.Fatalf("after the refused undo %d changes wait to be sent", st.Waiting)
	}
	if _, ok := e.serverTask("Fix the login redirect"); ok {
		t.Fatal("B is back on a server that can't restore")
	}
	if a, _ := e.serverTask("Write the launch post"); a.Priority != api.PriorityUrgent {
		t.Fatalf("A's priority is %s after the refused undo, want urgent", a.Priority)
	}
}
