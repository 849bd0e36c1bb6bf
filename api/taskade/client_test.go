package taskade_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/internal/taskadetest"
)

func TestNavigation(t *testing.T) {
	b := newBoard(t)
	s := b.s
	ctx := context.Background()
	c := b.client()

	folder := s.AddFolder(b.ws, "Plans")
	planned := s.AddProject(folder, "Roadmap")
	s.AddUser("bob", "Bob")
	other := s.AddWorkspace("Elsewhere", "bob") // ann is not a member
	s.AddProject(other, "Secret")

	ws, err := c.Workspaces(ctx)
	if err != nil || len(ws) != 1 || ws[0] != (taskade.Workspace{ID: b.ws, Name: "Team"}) {
		t.Fatalf("Workspaces: %+v, %v", ws, err)
	}
	folders, err := c.Folders(ctx, b.ws)
	if err != nil || len(folders) != 1 || folders[0] != (taskade.Folder{ID: folder, Name: "Plans"}) {
		t.Fatalf("Folders: %+v, %v", folders, err)
	}
	ps, err := c.FolderProjects(ctx, folder)
	if err != nil || len(ps) != 1 || ps[0] != (taskade.Project{ID: planned, Name: "Roadmap"}) {
		t.Fatalf("FolderProjects of a folder: %+v, %v", ps, err)
	}
	home, err := c.FolderProjects(ctx, b.ws) // the workspace's home folder
	if err != nil || len(home) != 1 || home[0].ID != b.project {
		t.Fatalf("FolderProjects of the home folder: %+v, %v", home, err)
	}
	p, err := c.Project(ctx, b.project)
	if err != nil || p != (taskade.Project{ID: b.project, Name: "Board"}) {
		t.Fatalf("Project: %+v, %v", p, err)
	}
	if _, err := c.FolderProjects(ctx, other); !taskade.IsNotFound(err) {
		t.Errorf("another's workspace: %v, want a 404", err)
	}

	// me/projects pages by 100: 250 projects are 3 pages.
	want := map[string]bool{b.project: true, planned: true}
	for i := range 248 {
		want[s.AddProject(folder, fmt.Sprintf("P%03d", i))] = true
	}
	mine, err := c.MyProjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range mine {
		got[p.ID] = true
	}
	if len(mine) != 250 || len(got) != 250 || !mapsEqual(got, want) {
		t.Errorf("MyProjects: %d projects (%d distinct), want the 250 of ann's workspace", len(mine), len(got))
	}
	if n := s.Hits("GET /me/projects"); n != 3 {
		t.Errorf("MyProjects took %d requests, want 3", n)
	}

	// Members page by 20: 45 members are 3 pages.
	handles := []string{"ann"}
	for i := range 44 {
		h := fmt.Sprintf("user%02d", i)
		s.AddUser(h, "User "+h)
		s.AddMember(b.ws, h)
		handles = append(handles, h)
	}
	members, err := c.Members(ctx, b.project)
	if err != nil {
		t.Fatal(err)
	}
	var gotHandles []string
	for _, m := range members {
		gotHandles = append(gotHandles, m.Handle)
	}
	if !slices.Equal(gotHandles, handles) || members[0].DisplayName != "Ann A." {
		t.Errorf("Members: %v", members[:min(3, len(members))])
	}
	if n := s.Hits("GET /projects/{projectId}/members"); n != 3 {
		t.Errorf("Members took %d requests, want 3", n)
	}
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// seedTasks adds n tasks to b's project: columns of up to 40 cards, each
// fifth card with two subtasks, every third card completed.
func seedTasks(b *board, n int) {
	var col, card string
	for i := 0; i < n; i++ {
		switch {
		case i%44 == 0:
			col = b.s.AddTask(b.project, "", fmt.Sprintf("Column %d", i))
		case i%11 == 5 && card != "":
			b.s.AddTask(b.project, card, fmt.Sprintf("Sub %d a", i))
			if i+1 < n {
				i++
				b.s.AddTask(b.project, card, fmt.Sprintf("Sub %d b", i))
			}
		default:
			card = b.s.AddTask(b.project, col, fmt.Sprintf("Card %d ✓ «ünïcode»", i))
			if i%3 == 0 {
				b.s.SetCompleted(b.project, card, true)
			}
		}
	}
}

// Tasks follows the cursor to the end, whatever the page.
func TestTasksPagesToTheEnd(t *testing.T) {
	const n = 2500
	for _, tc := range []struct {
		name     string
		server   []taskadetest.Option
		client   []taskade.Option
		requests int
	}{
		// 1000, 1000, then a short page of 500.
		{"default page", nil, nil, 3},
		// The client asks for 7 a page: 357 full pages and a short one.
		{"client pages of 7", nil, []taskade.Option{taskade.WithPageSize(7)}, 358},
		// No limit sent: the server's default page (7), to an empty one.
		{"server's default page", nil, []taskade.Option{taskade.WithPageSize(0)}, 359},
		{"server's page of 100", []taskadetest.Option{taskadetest.WithPageSize(100)}, []taskade.Option{taskade.WithPageSize(-1)}, 26},
		// Past the API's maximum is the maximum.
		{"client pages over 1000", nil, []taskade.Option{taskade.WithPageSize(5000)}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBoard(t, tc.server...)
			seedTasks(b, n)
			want := stored(b.s, b.project)
			if len(want) != n {
				t.Fatalf("seeded %d tasks", len(want))
			}
			got, err := b.client(tc.client...).Tasks(context.Background(), b.project)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %d tasks, want the server's %d in its order", len(got), len(want))
			}
			if h := b.s.Hits("GET /projects/{projectId}/tasks"); h != tc.requests {
				t.Errorf("%d requests, want %d", h, tc.requests)
			}
		})
	}
}

func TestTasksOfEmptyProject(t *testing.T) {
	b := newBoard(t)
	got, err := b.client().Tasks(context.Background(), b.project)
	if err != nil || len(got) != 0 {
		t.Errorf("%v, %v", got, err)
	}
}

// The board's writes: make columns and cards, edit, complete, move,
// delete, each seen in the server's store.
func TestTaskWrites(t *testing.T) {
	b := newBoard(t)
	ctx := context.Background()
	c := b.client()

	cols, err := c.CreateTasks(ctx, b.project, []taskade.NewTask{
		{Text: "Todo", Placement: taskade.BeforeEnd},
		{Text: "Done", Placement: taskade.BeforeEnd},
	})
	if err != nil || len(cols) != 2 || cols[0].Text != "Todo" || cols[1].Text != "Done" || cols[0].ParentID != "" {
		t.Fatalf("create columns: %+v, %v", cols, err)
	}
	todo, done := cols[0].ID, cols[1].ID
	cards, err := c.CreateTasks(ctx, b.project, []taskade.NewTask{
		{Text: "write the client", TaskID: todo, Placement: taskade.BeforeEnd},
		{Text: "test it", TaskID: todo, Placement: taskade.BeforeEnd},
		{Text: "first!", TaskID: todo, Placement: taskade.AfterBegin},
	})
	if err != nil || len(cards) != 3 || cards[0].ParentID != todo {
		t.Fatalf("create cards: %+v, %v", cards, err)
	}
	if h := b.s.Hits("POST /projects/{projectId}/tasks/"); h != 2 {
		t.Errorf("%d creates sent, want 2", h)
	}
	titles := func() (out []string) {
		for _, t := range stored(b.s, b.project) {
			out = append(out, t.Text)
		}
		return out
	}
	if got := titles(); !slices.Equal(got, []string{"Todo", "first!", "write the client", "test it", "Done"}) {
		t.Errorf("after creating: %q", got)
	}

	// Edit, with text a terminal would choke on made harmless on the way
	// back, and with the characters Taskade counts as two.
	long := strings.Repeat("é", 1000) + strings.Repeat("😀", 500)
	edited, err := c.SetText(ctx, b.project, cards[0].ID, long)
	if err != nil || edited.Text != long || edited.ID != cards[0].ID {
		t.Fatalf("SetText: %v", err)
	}
	if st, _ := b.s.Task(b.project, cards[0].ID); st.Text != long {
		t.Errorf("stored text %q…", st.Text[:10])
	}
	if _, err := c.SetText(ctx, b.project, cards[0].ID, long+"x"); !errors.Is(err, taskade.ErrInvalid) {
		t.Errorf("2001 characters: %v", err)
	}

	tk, err := c.Complete(ctx, b.project, cards[1].ID)
	if err != nil || !tk.Completed {
		t.Fatalf("Complete: %+v, %v", tk, err)
	}
	if st, _ := b.s.Task(b.project, cards[1].ID); !st.Completed {
		t.Error("not completed in the store")
	}
	tk, err = c.Uncomplete(ctx, b.project, cards[1].ID)
	if err != nil || tk.Completed {
		t.Fatalf("Uncomplete: %+v, %v", tk, err)
	}

	// Move a card to the other column, then before its first card.
	moved, err := c.Move(ctx, b.project, cards[1].ID, done, taskade.BeforeEnd)
	if err != nil || moved.ParentID != done {
		t.Fatalf("Move to a column: %+v, %v", moved, err)
	}
	if _, err := c.Move(ctx, b.project, cards[2].ID, cards[1].ID, taskade.BeforeBegin); err != nil {
		t.Fatal(err)
	}
	if got := titles(); !slices.Equal(got, []string{"Todo", long, "Done", "first!", "test it"}) {
		t.Errorf("after moving: %q", got)
	}
	// Into its own subtree: Taskade's 400, with its message.
	_, err = c.Move(ctx, b.project, todo, cards[0].ID, taskade.AfterBegin)
	var e *taskade.Error
	if !taskade.IsValidation(err) || !errors.As(err, &e) || !strings.Contains(e.Message, "subtasks") {
		t.Errorf("moving a column into its own card: %v", err)
	}

	got, err := c.Task(ctx, b.project, cards[2].ID)
	if err != nil || got == nil || *got != (taskade.Task{ID: cards[2].ID, Text: "first!", ParentID: done}) {
		t.Errorf("Task: %+v, %v", got, err)
	}

	if err := c.DeleteTask(ctx, b.project, todo); err != nil {
		t.Fatal(err)
	}
	if got := titles(); !slices.Equal(got, []string{"Done", "first!", "test it"}) {
		t.Errorf("after deleting a column: %q", got)
	}
	if _, err := c.Task(ctx, b.project, todo); !taskade.IsNotFound(err) {
		t.Errorf("a deleted task: %v, want a 404", err)
	}
	if err := c.DeleteTask(ctx, b.project, todo); !taskade.IsNotFound(err) {
		t.Errorf("deleting it again: %v, want a 404", err)
	}
}

// A batch of AfterBegin at the top level applies in order, so comes out
// reversed; 20 is the most one create takes.
func TestCreateBatch(t *testing.T) {
	b := newBoard(t)
	ctx := context.Background()
	c := b.client()
	var batch []taskade.NewTask
	for i := range 20 {
		batch = append(batch, taskade.NewTask{Text: fmt.Sprint(i), Placement: taskade.AfterBegin})
	}
	made, err := c.CreateTasks(ctx, b.project, batch)
	if err != nil || len(made) != 20 {
		t.Fatalf("%d made, %v", len(made), err)
	}
	for i, m := range made {
		if m.Text != fmt.Sprint(i) {
			t.Fatalf("reply %d is %q: not in the request's order", i, m.Text)
		}
	}
	st := stored(b.s, b.project)
	if st[0].Text != "19" || st[19].Text != "0" {
		t.Errorf("stored first %q, last %q", st[0].Text, st[19].Text)
	}
}

func TestTaskNull(t *testing.T) {
	b := newBoard(t, taskadetest.WithMissingTaskNull())
	got, err := b.client().Task(context.Background(), b.project, "0b0e8f9e-1c1d-4a4f-9f6e-2f2c1d0b0a09")
	if got != nil || err != nil {
		t.Errorf("a task answered null: %+v, %v; want nil, nil", got, err)
	}
}

func TestDates(t *testing.T) {
	for _, dateTimes := range []bool{false, true} {
		t.Run(fmt.Sprint("date-times ", dateTimes), func(t *testing.T) {
			var opts []taskadetest.Option
			if dateTimes {
				opts = append(opts, taskadetest.WithDateTimes())
			}
			b := newBoard(t, opts...)
			ctx := context.Background()
			c := b.client()
			_, cards := b.column("Todo", "card")
			card := cards[0]

			d, err := c.Date(ctx, b.project, card)
			if d != nil || err != nil {
				t.Fatalf("no date: %+v, %v", d, err)
			}
			want := taskade.TaskDate{
				Start: taskade.Date{Date: "2026-07-21", Time: "09:30", Timezone: "Europe/Oslo"},
				End:   &taskade.Date{Date: "2026-07-23"},
			}
			if tk, err := c.SetDate(ctx, b.project, card, want); err != nil || tk.ID != card {
				t.Fatalf("SetDate: %+v, %v", tk, err)
			}
			if st, _ := b.s.Task(b.project, card); st.Date != "2026-07-21" {
				t.Errorf("stored date %q", st.Date)
			}
			d, err = c.Date(ctx, b.project, card)
			if err != nil || d == nil || d.Start != want.Start || d.End == nil || *d.End != *want.End {
				t.Fatalf("Date: %+v, %v", d, err)
			}
			if _, err := c.ClearDate(ctx, b.project, card); err != nil {
				t.Fatal(err)
			}
			if d, err := c.Date(ctx, b.project, card); d != nil || err != nil {
				t.Errorf("after ClearDate: %+v, %v", d, err)
			}
		})
	}
}

func TestNotes(t *testing.T) {
	b := newBoard(t)
	ctx := context.Background()
	c := b.client()
	_, cards := b.column("Todo", "card")
	card := cards[0]

	if n, err := c.Note(ctx, b.project, card); n != nil || err != nil {
		t.Fatalf("no note: %+v, %v", n, err)
	}
	n, err := c.SetNote(ctx, b.project, card, taskade.Note{Value: "remember the milk"})
	if err != nil || n != (taskade.Note{Type: taskade.TextPlain, Value: "remember the milk"}) {
		t.Fatalf("SetNote: %+v, %v", n, err)
	}
	if _, err := c.SetNote(ctx, b.project, card, taskade.Note{Type: taskade.TextMarkdown, Value: "**bold**"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Note(ctx, b.project, card)
	if err != nil || got == nil || *got != (taskade.Note{Type: taskade.TextMarkdown, Value: "**bold**"}) {
		t.Fatalf("Note: %+v, %v", got, err)
	}
	if err := c.ClearNote(ctx, b.project, card); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.s.Task(b.project, card); st.Note != "" {
		t.Errorf("note %q after ClearNote", st.Note)
	}
}

func TestAssignees(t *testing.T) {
	b := newBoard(t)
	ctx := context.Background()
	c := b.client()
	b.s.AddUser("bob", "Bob B.")
	b.s.AddMember(b.ws, "bob")
	b.s.AddUser("eve", "Eve") // not a member
	_, cards := b.column("Todo", "card")
	card := cards[0]

	if us, err := c.Assignees(ctx, b.project, card); err != nil || len(us) != 0 {
		t.Fatalf("none yet: %v, %v", us, err)
	}
	if _, err := c.SetAssignees(ctx, b.project, card, []string{"ann", "bob"}); err != nil {
		t.Fatal(err)
	}
	us, err := c.Assignees(ctx, b.project, card)
	if err != nil || len(us) != 2 || us[0] != (taskade.User{Handle: "ann", DisplayName: "Ann A."}) || us[1].Handle != "bob" {
		t.Fatalf("Assignees: %+v, %v", us, err)
	}
	if _, err := c.SetAssignees(ctx, b.project, card, []string{"eve"}); !taskade.IsValidation(err) {
		t.Errorf("a non-member: %v, want a 400", err)
	}
	if _, err := c.Unassign(ctx, b.project, card, "ann"); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.s.Task(b.project, card); !slices.Equal(st.Assignees, []string{"bob"}) {
		t.Errorf("stored assignees %v", st.Assignees)
	}
}

func TestFields(t *testing.T) {
	b := newBoard(t)
	ctx := context.Background()
	c := b.client()
	status, opts := b.s.AddSelectField(b.project, "Status", "Todo", "Doing", "Done")
	points := b.s.AddField(b.project, "number", "Points")
	_, cards := b.column("Todo", "card")
	card := cards[0]

	fields, err := c.Fields(ctx, b.project)
	if err != nil || len(fields) != 2 {
		t.Fatalf("Fields: %+v, %v", fields, err)
	}
	f := fields[0]
	if f.ID != status || f.Type != "Select" || f.Name != "Status" || len(f.Options) != 3 {
		t.Fatalf("Select field: %+v", f)
	}
	for i, name := range []string{"Todo", "Doing", "Done"} {
		if f.Options[i].ID != opts[i] || f.Options[i].Name != name {
			t.Errorf("option %d: %+v", i, f.Options[i])
		}
	}
	if g := fields[1]; g.ID != points || g.Type != "number" || g.Name != "Points" || g.Options != nil {
		t.Errorf("number field: %+v", fields[1])
	}

	if err := c.SetField(ctx, b.project, card, status, opts[1]); err != nil {
		t.Fatal(err)
	}
	if err := c.SetField(ctx, b.project, card, points, 2.5); err != nil {
		t.Fatal(err)
	}
	vals, err := c.FieldValues(ctx, b.project, card)
	if err != nil || len(vals) != 2 {
		t.Fatalf("FieldValues: %+v, %v", vals, err)
	}
	var sel string
	var num float64
	if vals[0].FieldID != status || json.Unmarshal(vals[0].Value, &sel) != nil || sel != opts[1] {
		t.Errorf("select value: %s %s", vals[0].FieldID, vals[0].Value)
	}
	if vals[1].FieldID != points || json.Unmarshal(vals[1].Value, &num) != nil || num != 2.5 {
		t.Errorf("number value: %s %s", vals[1].FieldID, vals[1].Value)
	}
	if err := c.SetField(ctx, b.project, card, points, 3); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.s.Task(b.project, card); st.Fields[points] != "3" {
		t.Errorf("an int stored as %q", st.Fields[points])
	}
	if err := c.ClearField(ctx, b.project, card, status); err != nil {
		t.Fatal(err)
	}
	vals, err = c.FieldValues(ctx, b.project, card)
	if err != nil || vals[0].Value != nil {
		t.Errorf("after ClearField: %s, %v", vals[0].Value, err)
	}
	if err := c.SetField(ctx, b.project, card, "nosuchfield00000", "x"); !taskade.IsNotFound(err) {
		t.Errorf("an unknown field: %v", err)
	}
}

// Errors a caller can tell apart.
func TestTypedErrors(t *testing.T) {
	b := newBoard(t)
	ctx := context.Background()

	bad := clientOf(b.s, "tskdp_wrong")
	_, err := bad.Workspaces(ctx)
	var e *taskade.Error
	if !taskade.IsUnauthorized(err) || !errors.As(err, &e) || e.Code != "unauthorized" || !strings.Contains(err.Error(), "make a new personal token") {
		t.Errorf("a wrong token: %v", err)
	}
	revoked := b.s.AddUser("rex", "Rex")
	rc := clientOf(b.s, revoked)
	if _, err := rc.Workspaces(ctx); err != nil {
		t.Fatal(err)
	}
	b.s.Revoke(revoked)
	if _, err := rc.Workspaces(ctx); !taskade.IsUnauthorized(err) {
		t.Errorf("a revoked token: %v", err)
	}

	c := b.client()
	_, err = c.Project(ctx, "AAAAAAAAAAAAAAAA")
	if !taskade.IsNotFound(err) || !errors.As(err, &e) || e.Status != 404 || e.Code != "not_found" || e.Method != "GET" || e.Path != "/projects/AAAAAAAAAAAAAAAA" {
		t.Errorf("an unknown project: %v (%+v)", err, e)
	}
	if taskade.IsNotFound(nil) || taskade.IsNetwork(err) || taskade.IsRateLimited(err) || taskade.IsServerError(err) || taskade.IsForbidden(err) {
		t.Error("a 404 is only a 404")
	}
	// A 400's message is the server's.
	_, err = c.Tasks(ctx, "not-a-project-id")
	if !taskade.IsValidation(err) || !errors.As(err, &e) || e.Message == "" || !strings.Contains(err.Error(), e.Message) {
		t.Errorf("a malformed id: %v", err)
	}
	// An id is path-escaped, not a path.
	_, err = c.Project(ctx, "../workspaces")
	if !errors.As(err, &e) || e.Path != "/projects/..%2Fworkspaces" {
		t.Errorf("an id with a slash: %v", err)
	}
}

// roundTripFunc is a RoundTripper that runs a function first.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// When the task a page is asked after is deleted between two pages (the
// server refuses the cursor), the listing starts over and ends whole.
func TestTasksStartOverWhenTheCursorIsDeleted(t *testing.T) {
	b := newBoard(t)
	seedTasks(b, 30)
	var deleted string
	c := b.client(taskade.WithPageSize(10), taskade.WithTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if after := r.URL.Query().Get("after"); after != "" && deleted == "" {
			deleted = after // someone deletes it just now
			b.s.DeleteTask(b.project, after)
		}
		return http.DefaultTransport.RoundTrip(r)
	})))
	got, err := c.Tasks(context.Background(), b.project)
	if err != nil {
		t.Fatal(err)
	}
	if want := stored(b.s, b.project); !slices.Equal(got, want) || slices.ContainsFunc(got, func(t taskade.Task) bool { return t.ID == deleted }) {
		t.Errorf("got %d tasks, want the %d left", len(got), len(want))
	}
	// 10, then the refused page, then 10, 10 and a short page.
	if h := b.s.Hits("GET /projects/{projectId}/tasks"); h != 5 {
		t.Errorf("%d requests, want 5", h)
	}
}
