package api_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/server"
)

// Columns through the client: made, changed, reordered, deleted with
// their cards moved, and the server's refusals as typed errors.
func TestColumnMethods(t *testing.T) {
	e := newEnv(t, server.APIFull)
	ann := e.user("ann")
	c := e.client(ann)
	ctx := context.Background()
	if _, err := c.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if !c.Supports(api.FeatureColumns) || !c.Supports(api.FeatureLabels) {
		t.Fatal("a lanes server should support columns and labels")
	}
	_, p := personal(t, c)
	cols, err := c.Statuses(ctx, p.ID)
	if err != nil || len(cols) != 4 || cols[0].WipLimit != nil {
		t.Fatalf("Statuses = %+v, %v", cols, err)
	}

	blocked, err := c.CreateStatus(ctx, api.StatusCreate{ProjectID: p.ID, Name: "Blocked", Position: ptr(1), WipLimit: ptr(2), Color: ptr("#ff0000")},
		api.IdempotencyKey("make-blocked"))
	if err != nil || blocked.Name != "Blocked" || blocked.Position != 1 || blocked.WipLimit == nil || *blocked.WipLimit != 2 || *blocked.Color != "#ff0000" {
		t.Fatalf("CreateStatus = %+v, %v", blocked, err)
	}
	again, err := c.CreateStatus(ctx, api.StatusCreate{ProjectID: p.ID, Name: "Blocked", Position: ptr(1), WipLimit: ptr(2), Color: ptr("#ff0000")},
		api.IdempotencyKey("make-blocked"))
	if err != nil || again.ID != blocked.ID {
		t.Fatalf("a retried CreateStatus = %+v, %v; want the same column", again, err)
	}
	shipped, err := c.CreateStatus(ctx, api.StatusCreate{ProjectID: p.ID, Name: "Shipped", IsDone: true})
	if err != nil || shipped.Position != 5 || !shipped.IsDone || shipped.WipLimit != nil || shipped.Color != nil {
		t.Fatalf("CreateStatus appended = %+v, %v", shipped, err)
	}

	st, err := c.UpdateStatus(ctx, blocked.ID, api.StatusPatch{Name: api.Set("Waiting"), WipLimit: api.Clear[int](), Color: api.Clear[string](), Position: api.Set(0)})
	if err != nil || st.Name != "Waiting" || st.WipLimit != nil || st.Color != nil || st.Position != 0 {
		t.Fatalf("UpdateStatus = %+v, %v", st, err)
	}
	if st, err = c.UpdateStatus(ctx, blocked.ID, api.StatusPatch{WipLimit: api.Set(5), IsDone: api.Set(false)}); err != nil || *st.WipLimit != 5 || st.Name != "Waiting" {
		t.Fatalf("UpdateStatus limit = %+v, %v", st, err)
	}
	cols, _ = c.Statuses(ctx, p.ID)
	var names []string
	for _, col := range cols {
		names = append(names, col.Name)
	}
	if strings.Join(names, ",") != "Waiting,To Do,In Progress,In Review,Done,Shipped" || *cols[0].WipLimit != 5 {
		t.Fatalf("columns %v", names)
	}

	// Refusals are typed, with the field named.
	_, err = c.UpdateStatus(ctx, blocked.ID, api.StatusPatch{WipLimit: api.Set(0)})
	var ae *api.Error
	if !api.IsValidation(err) || !errors.As(err, &ae) || ae.Field != "wipLimit" {
		t.Fatalf("wipLimit 0: %v", err)
	}
	if _, err = c.CreateStatus(ctx, api.StatusCreate{ProjectID: p.ID, Name: ""}); !api.IsValidation(err) {
		t.Fatalf("no name: %v", err)
	}
	if _, err = c.UpdateStatus(ctx, "00000000-0000-4000-8000-000000000000", api.StatusPatch{Name: api.Set("x")}); !api.IsNotFound(err) {
		t.Fatalf("unknown column: %v", err)
	}

	// Deleting: a column with cards needs somewhere for them.
	k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "stuck", StatusID: &blocked.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err = c.DeleteStatus(ctx, blocked.ID, ""); !errors.As(err, &ae) || ae.Field != "moveTo" {
		t.Fatalf("DeleteStatus without moveTo: %v", err)
	}
	if err = c.DeleteStatus(ctx, blocked.ID, shipped.ID, api.IdempotencyKey("del")); err != nil {
		t.Fatalf("DeleteStatus: %v", err)
	}
	if err = c.DeleteStatus(ctx, blocked.ID, shipped.ID, api.IdempotencyKey("del")); err != nil {
		t.Fatalf("a retried DeleteStatus: %v", err)
	}
	moved, err := c.Task(ctx, k.ID)
	if err != nil || moved.StatusID == nil || *moved.StatusID != shipped.ID || moved.CompletedAt == nil {
		t.Fatalf("the card after its column went: %+v, %v", moved, err)
	}
	if err = c.DeleteStatus(ctx, blocked.ID, ""); !api.IsNotFound(err) {
		t.Fatalf("deleting a deleted column: %v", err)
	}

	// A member who is not an admin can't shape columns.
	bob := e.user("bob")
	team, err := c.CreateSpace(ctx, api.SpaceCreate{Name: "Team", Slug: "team"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = c.AddMember(ctx, team.ID, bob.ID, api.RoleMember); err != nil {
		t.Fatal(err)
	}
	tp, err := c.Projects(ctx, team.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = e.client(bob).CreateStatus(ctx, api.StatusCreate{ProjectID: tp[0].ID, Name: "Mine"}); !api.IsForbidden(err) {
		t.Fatalf("a member's CreateStatus: %v", err)
	}
}

// Labels through the client, and on tasks.
func TestLabelMethods(t *testing.T) {
	e := newEnv(t, server.APIFull)
	c := e.client(e.user("ann"))
	ctx := context.Background()
	_, p := personal(t, c)

	labels, err := c.Labels(ctx, p.ID)
	if err != nil || labels == nil || len(labels) != 0 {
		t.Fatalf("Labels of a new project = %#v, %v", labels, err)
	}
	bug, err := c.CreateLabel(ctx, api.LabelCreate{ProjectID: p.ID, Name: "bug", Color: ptr("#ff0000")}, api.IdempotencyKey("bug"))
	if err != nil || bug.Name != "bug" || bug.ProjectID != p.ID || *bug.Color != "#ff0000" {
		t.Fatalf("CreateLabel = %+v, %v", bug, err)
	}
	if again, err := c.CreateLabel(ctx, api.LabelCreate{ProjectID: p.ID, Name: "bug", Color: ptr("#ff0000")}, api.IdempotencyKey("bug")); err != nil || again.ID != bug.ID {
		t.Fatalf("a retried CreateLabel = %+v, %v", again, err)
	}
	if _, err = c.CreateLabel(ctx, api.LabelCreate{ProjectID: p.ID, Name: "BUG"}); !api.IsConflict(err) {
		t.Fatalf("a duplicate name: %v", err)
	}
	docs, err := c.CreateLabel(ctx, api.LabelCreate{ProjectID: p.ID, Name: "Docs"})
	if err != nil || docs.Color != nil {
		t.Fatalf("CreateLabel = %+v, %v", docs, err)
	}
	if bug, err = c.UpdateLabel(ctx, bug.ID, api.LabelPatch{Name: api.Set("Bug"), Color: api.Clear[string]()}); err != nil || bug.Name != "Bug" || bug.Color != nil {
		t.Fatalf("UpdateLabel = %+v, %v", bug, err)
	}
	var ae *api.Error
	if _, err = c.UpdateLabel(ctx, bug.ID, api.LabelPatch{Color: api.Set("red")}); !errors.As(err, &ae) || ae.Field != "color" {
		t.Fatalf("a bad colour: %v", err)
	}
	if labels, err = c.Labels(ctx, p.ID); err != nil || len(labels) != 2 || labels[0].ID != bug.ID || labels[1].ID != docs.ID {
		t.Fatalf("Labels = %+v, %v", labels, err)
	}

	// On tasks: set on create, replaced by a patch, cleared by Set(nil).
	both := []string{bug.ID, docs.ID}
	slices.Sort(both)
	k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "labelled", LabelIDs: []string{docs.ID, bug.ID}})
	if err != nil || !slices.Equal(k.LabelIDs, both) {
		t.Fatalf("CreateTask with labels = %+v, %v", k, err)
	}
	plain, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: p.ID, Title: "plain"})
	if err != nil || plain.LabelIDs == nil || len(plain.LabelIDs) != 0 {
		t.Fatalf("CreateTask without labels: labelIds %#v, %v", plain.LabelIDs, err)
	}
	if k, err = c.UpdateTask(ctx, k.ID, api.TaskPatch{LabelIDs: api.Set([]string{docs.ID})}); err != nil || !slices.Equal(k.LabelIDs, []string{docs.ID}) || k.Version != 2 {
		t.Fatalf("UpdateTask labels = %+v, %v", k, err)
	}
	if _, err = c.UpdateTask(ctx, k.ID, api.TaskPatch{LabelIDs: api.Set([]string{"00000000-0000-4000-8000-000000000000"})}); !errors.As(err, &ae) || ae.Field != "labelIds" {
		t.Fatalf("a label of no project: %v", err)
	}
	if k, err = c.UpdateTask(ctx, k.ID, api.TaskPatch{LabelIDs: api.Set[[]string](nil)}); err != nil || len(k.LabelIDs) != 0 {
		t.Fatalf("UpdateTask clearing labels = %+v, %v", k, err)
	}
	k, _ = c.UpdateTask(ctx, k.ID, api.TaskPatch{LabelIDs: api.Set(both)})

	// Deleting a label takes it off the task.
	if err = c.DeleteLabel(ctx, bug.ID); err != nil {
		t.Fatalf("DeleteLabel: %v", err)
	}
	tasks, err := c.Tasks(ctx, p.ID, api.ListTasksOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range tasks {
		if got.ID == k.ID && (!slices.Equal(got.LabelIDs, []string{docs.ID}) || got.Version != k.Version+1) {
			t.Fatalf("after DeleteLabel the task is %+v", got)
		}
	}
	if err = c.DeleteLabel(ctx, bug.ID); !api.IsNotFound(err) {
		t.Fatalf("deleting a deleted label: %v", err)
	}
}

// A seed-only server has neither: every method says this server can't,
// as ErrNotSupported, without sending the request.
func TestColumnsAndLabelsOnASeedServer(t *testing.T) {
	e := newEnv(t, server.APISeed)
	c := e.client(e.user("ann"))
	ctx := context.Background()
	spaces, err := c.Spaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	projects, err := c.Projects(ctx, spaces[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	pid := projects[0].ID
	k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: pid, Title: "labels dropped", LabelIDs: []string{"00000000-0000-4000-8000-000000000000"}})
	if err != nil || len(k.LabelIDs) != 0 {
		t.Fatalf("CreateTask with labels on a seed server = %+v, %v", k, err)
	}
	if c.Supports(api.FeatureColumns) || c.Supports(api.FeatureLabels) {
		t.Fatal("a seed server should support neither columns nor labels")
	}
	id := "00000000-0000-4000-8000-000000000000"
	checks := map[string]error{}
	_, checks["CreateStatus"] = c.CreateStatus(ctx, api.StatusCreate{ProjectID: pid, Name: "x"})
	_, checks["UpdateStatus"] = c.UpdateStatus(ctx, id, api.StatusPatch{Name: api.Set("x")})
	checks["DeleteStatus"] = c.DeleteStatus(ctx, id, "")
	_, checks["Labels"] = c.Labels(ctx, pid)
	_, checks["CreateLabel"] = c.CreateLabel(ctx, api.LabelCreate{ProjectID: pid, Name: "x"})
	_, checks["UpdateLabel"] = c.UpdateLabel(ctx, id, api.LabelPatch{Name: api.Set("x")})
	checks["DeleteLabel"] = c.DeleteLabel(ctx, id)
	_, checks["UpdateTask labels"] = c.UpdateTask(ctx, k.ID, api.TaskPatch{LabelIDs: api.Set([]string{id})})
	for name, err := range checks {
		if !errors.Is(err, api.ErrNotSupported) || !strings.HasPrefix(err.Error(), "this server can't ") {
			t.Errorf("%s on a seed server: %v, want \"this server can't …\" (ErrNotSupported)", name, err)
		}
	}
}
