package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/api"
)

func (e *env) serverColumns() []string {
	e.t.Helper()
	sts, err := e.direct.Statuses(context.Background(), e.project.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, s := range sts {
		name := s.Name
		if s.WipLimit != nil {
			name += "/" + string(rune('0'+*s.WipLimit))
		}
		out = append(out, name)
	}
	return out
}

// A column over its WIP limit says so in its header, and a card moved into
// a full column moves, with a word that it is over.
func TestWipLimitGolden(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	two, one := 2, 1
	var p api.StatusPatch
	p.WipLimit.Set(two)
	if _, err := e.direct.UpdateStatus(ctx, e.col("To Do"), p); err != nil {
		t.Fatal(err)
	}
	p.WipLimit.Set(one)
	if _, err := e.direct.UpdateStatus(ctx, e.col("In Progress"), p); err != nil {
		t.Fatal(err)
	}
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "3/2", "1/1")
	keys(tm, "L")
	waitScreen(t, tm, "over its WIP limit: 2 of 1")
	e.eventually("the card moved into the full column", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return *k.StatusID == e.col("In Progress")
	})
	m := finish(t, tm)
	golden(t, "wip-80x24", m.View())
}

// The column menu adds a column after the focused one, renames it, sets
// its WIP limit, moves it, and deletes one with its cards going where the
// person picks; the server has each change.
func TestColumnMenu(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 120, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "C", "a", "Blocked", "enter")
	waitScreen(t, tm, "Added the column")
	e.eventually("the new column after To Do", func() bool {
		return slices.Equal(e.serverColumns(), []string{"To Do", "Blocked", "In Progress", "In Review", "Done"})
	})
	// The new column is focused: rename it, limit it to 2, move it right.
	keys(tm, "C", "r")
	for range len("Blocked") {
		tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	keys(tm, "Waiting", "enter", "C", "w", "2", "enter", "C", ">")
	e.eventually("renamed, limited and moved", func() bool {
		return slices.Equal(e.serverColumns(), []string{"To Do", "In Progress", "Waiting/2", "In Review", "Done"})
	})
	// Move a card into it from To Do: three columns left, first card.
	keys(tm, "h", "h", "L", "L")
	e.eventually("the card in Waiting", func() bool {
		k, _ := e.serverTask("Write the launch post")
		sts, _ := e.direct.Statuses(context.Background(), e.project.ID)
		return *k.StatusID == sts[2].ID
	})
	// Delete Waiting (focused with the card): its cards go left by
	// default; → picks In Review instead.
	keys(tm, "C", "x")
	waitScreen(t, tm, `Its cards go to "In Progress"`)
	keys(tm, "l")
	waitScreen(t, tm, `Its cards go to "In Review"`)
	keys(tm, "enter")
	e.eventually("Waiting gone, its card in In Review", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return slices.Equal(e.serverColumns(), []string{"To Do", "In Progress", "In Review", "Done"}) && *k.StatusID == e.col("In Review")
	})
	// The last done column can't stop being done.
	keys(tm, "l", "C", "d")
	waitScreen(t, tm, "only done column")
	finish(t, tm)
}

// A viewer gets no column menu and no label picker: it says why.
func TestColumnMenuReadOnly(t *testing.T) {
	e := newEnv(t)
	_, token := e.joinTeam("vic", api.RoleViewer)
	if _, err := e.direct.CreateTask(context.Background(), api.TaskCreate{ProjectID: e.project.ID, Title: "Look only"}); err != nil {
		t.Fatal(err)
	}
	tm := e.board(token, 80, 24, func(c *Config) { c.ReadOnly = "You can only look: you are a viewer here" })
	waitScreen(t, tm, "synced", "Look only")
	keys(tm, "C")
	waitScreen(t, tm, "You can only look")
	keys(tm, "t", "x")
	m := finish(t, tm)
	if len(m.Engine().State().Columns()) != 4 || strings.Contains(m.View(), "Labels of") {
		t.Fatalf("a viewer changed the board:\n%s", m.View())
	}
}

func (e *env) labels() []string {
	e.t.Helper()
	ls, err := e.direct.Labels(context.Background(), e.project.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		out = append(out, l.Name)
	}
	return out
}

func (e *env) withLabels(names ...string) {
	e.t.Helper()
	for i, n := range names {
		color := []string{"#e11d48", "#2563eb", "#16a34a"}[i%3]
		if _, err := e.direct.CreateLabel(context.Background(), api.LabelCreate{ProjectID: e.project.ID, Name: n, Color: &color}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// The label picker over the board, narrowed by what was typed.
func TestLabelPickerGolden(t *testing.T) {
	e := newEnv(t)
	e.withLabels("bug", "docs", "backend")
	tm := e.board(e.token, 80, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "t", "b")
	waitScreen(t, tm, "Labels of Write the launch post", "[ ] #backend", "[ ] #bug")
	m := finish(t, tm)
	if v := m.View(); strings.Contains(v, "#docs") {
		t.Fatalf("b still lists docs:\n%s", v)
	}
	golden(t, "labels-80x24", m.View())
}

// Tab puts the label under the cursor on the card; enter on a name no
// label has makes it and puts it on; the card shows them, the server has
// them, and the filter finds the card by #name.
func TestLabelPicker(t *testing.T) {
	e := newEnv(t)
	e.withLabels("bug", "docs", "backend")
	tm := e.board(e.token, 100, 24)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "t")
	waitScreen(t, tm, "[ ] #backend")
	tm.Send(tea.KeyMsg{Type: tea.KeyTab})
	waitScreen(t, tm, "[x] #backend")
	keys(tm, "esc", "t", "ops", "enter")
	waitScreen(t, tm, `Made the label "ops"`)
	e.eventually("the card with backend and ops", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return len(k.LabelIDs) == 2 && slices.Equal(e.labels(), []string{"backend", "bug", "docs", "ops"})
	})
	keys(tm, "/", "#op", "enter")
	waitScreen(t, tm, "1 of 3")
	m := finish(t, tm)
	if v := m.View(); strings.Contains(v, "Fix the login") || !strings.Contains(v, "Write the launch") || !strings.Contains(v, "#backend #ops") {
		t.Fatalf("#op shows:\n%s", v)
	}
}

// v cycles the views; by assignee, each person is a lane across the
// columns with their cards, and unassigned cards a lane of their own.
func TestSwimlanesGolden(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bobID, _ := e.joinTeam("bob", api.RoleMember)
	for _, c := range []struct {
		title, col string
		who        string
	}{{"Plan the sprint", "To Do", e.userID}, {"Fix the build", "In Progress", bobID}, {"Write release notes", "To Do", bobID}, {"Tidy the backlog", "To Do", ""}} {
		k, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: c.title, StatusID: &[]string{e.col(c.col)}[0]})
		if err != nil {
			t.Fatal(err)
		}
		if c.who != "" {
			if _, err := e.direct.Assign(ctx, k.ID, c.who); err != nil {
				t.Fatal(err)
			}
		}
	}
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Plan the sprint", "@bob")
	keys(tm, "v")
	waitScreen(t, tm, "swimlanes by assignee", "Unassigned")
	m := finish(t, tm)
	v := m.View()
	ann, bob, none := strings.Index(v, "@ann"), strings.Index(v, "@bob  2"), strings.Index(v, "Unassigned  1")
	if ann < 0 || bob < 0 || none < 0 || !(ann < bob && bob < none) {
		t.Fatalf("the lanes are not ann, bob (2), unassigned (1):\n%s", v)
	}
	golden(t, "lanes-assignee-100x30", v)
}

// The filter works in the swimlane view: lanes hold only the cards it lets
// through, and the headers say how many of how many.
func TestSwimlanesFiltered(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "v", "v", "/", "the", "enter")
	waitScreen(t, tm, "Filter: the", "No priority")
	m := finish(t, tm)
	v := m.View()
	flat := strings.Join(strings.Fields(v), " ")
	if !strings.Contains(flat, "To Do 3 of 3") || !strings.Contains(flat, "In Progress 1 of 1") || strings.Contains(v, "Ship 1.0") {
		t.Fatalf("the filter \"the\" in lanes by priority shows:\n%s", v)
	}
}

// In lanes by priority, J at a lane's edge moves the card into the next
// lane (its priority becomes that lane's, on the server too), and k walks
// up a lane's column into the lanes above.
func TestSwimlaneMoveChangesPriority(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "v", "v")
	waitScreen(t, tm, "swimlanes by priority")
	// To Do: urgent (Fix the login), high (Write the launch, selected),
	// none (Update the screenshots).
	keys(tm, "J")
	waitScreen(t, tm, `Moved "Write the launch post" to Medium`)
	e.eventually("the card's priority is medium", func() bool {
		k, _ := e.serverTask("Write the launch post")
		return k.Priority == api.PriorityMedium
	})
	// Up from Medium: High is empty in To Do now, so k lands in Urgent.
	keys(tm, "k", "v", "v")
	waitScreen(t, tm, "View: columns")
	m := finish(t, tm)
	if c, _ := m.Engine().State().Card(m.board.Selected()); c == nil || c.Title != "Fix the login redirect" {
		t.Fatalf("the selection did not stay on the card: %+v", c)
	}
}

// A card's details name its labels.
func TestDetailsShowLabels(t *testing.T) {
	e := newEnv(t)
	e.withLabels("bug", "docs")
	ls, err := e.direct.Labels(context.Background(), e.project.ID)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := e.serverTask("Write the launch post")
	var p api.TaskPatch
	p.LabelIDs.Set([]string{ls[0].ID, ls[1].ID})
	if _, err := e.direct.UpdateTask(context.Background(), k.ID, p); err != nil {
		t.Fatal(err)
	}
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "#bug #docs")
	keys(tm, "enter")
	waitScreen(t, tm, "No description")
	m := finish(t, tm)
	if v := m.View(); !strings.Contains(v, "To Do · ! high · #bug · #docs") {
		t.Fatalf("the details do not name the labels:\n%s", v)
	}
}
