package api_test

import (
	"context"
	"errors"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// RestoreTask brings a deleted task back under its id, with its subtask;
// a retry under the same key is answered the same; a task that is not
// deleted is a conflict. The server says which column a done task reopens
// into.
func TestRestoreTask(t *testing.T) {
	e := newEnv(t, server.APIFull)
	c := e.client(e.user("ann"))
	ctx := context.Background()
	_, p := personal(t, c)
	cols, err := c.Statuses(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	parent, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Parent", StatusID: &cols[2].ID})
	if err != nil {
		t.Fatal(err)
	}
	child, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Child", ParentTaskID: &parent.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTask(ctx, parent.ID); err != nil {
		t.Fatal(err)
	}
	back, err := c.RestoreTask(ctx, parent.ID, api.IdempotencyKey("restore-1"))
	if err != nil {
		t.Fatal(err)
	}
	if back.ID != parent.ID || back.Title != "Parent" || *back.StatusID != cols[2].ID || back.Position != parent.Position {
		t.Fatalf("restored %+v, want it as it was: %+v", back, parent)
	}
	again, err := c.RestoreTask(ctx, parent.ID, api.IdempotencyKey("restore-1"))
	if err != nil || again.Version != back.Version {
		t.Fatalf("the retried restore: %+v, %v", again, err)
	}
	detail, err := c.Task(ctx, parent.ID)
	if err != nil || len(detail.Subtasks) != 1 || detail.Subtasks[0].ID != child.ID {
		t.Fatalf("the restored task's subtasks: %+v, %v", detail, err)
	}
	_, err = c.RestoreTask(ctx, parent.ID)
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Status != 409 || ae.Code != "not_deleted" {
		t.Fatalf("restoring a task that is not deleted: %v", err)
	}

	done, err := c.UpdateTask(ctx, parent.ID, api.TaskPatch{StatusID: api.Set(cols[3].ID)})
	if err != nil || done.ReopenStatusID == nil || *done.ReopenStatusID != cols[2].ID {
		t.Fatalf("moved to Done from %s: %+v, %v", cols[2].Name, done, err)
	}
}

// A seed-only server can't restore: RestoreTask says so before sending.
func TestRestoreTaskOnASeedServer(t *testing.T) {
	e := newEnv(t, server.APISeed)
	c := e.client(e.user("ann"))
	ctx := context.Background()
	_, p := personal(t, c)
	k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "Gone"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTask(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RestoreTask(ctx, k.ID); !errors.Is(err, api.ErrNotSupported) {
		t.Fatalf("RestoreTask on a seed server: %v, want ErrNotSupported", err)
	}
	if c.Supports(api.FeatureRestore) {
		t.Fatal("a seed server claims to restore")
	}
}
