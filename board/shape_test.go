package board

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api"
)

// serverColumns is the project's columns as the server has them.
func (env *testEnv) serverColumns() []api.Status {
	env.t.Helper()
	sts, err := env.direct.Statuses(context.Background(), env.project)
	if err != nil {
		env.t.Fatal(err)
	}
	return sts
}

func columnNames[T any](cols []T, name func(T) string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = name(c)
	}
	return out
}

// A column made on the board shows at once, a card moved into it before
// the server answered lands in it on the server, and a WIP limit, a
// rename, a move and a delete all reach the server.
func TestColumnsShapedFromTheBoard(t *testing.T) {
	env := newTestEnv(t, 21)
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	now := time.Now()
	todo := env.colID("To Do")
	card, err := d.e.State().NewCard(env.project, todo, "Needs review", now)
	d.do(card, err)

	add, err := d.e.State().AddColumn(todo, "Review", now)
	if !d.do(add, err) {
		t.Fatal("add column refused")
	}
	// Shown at once, after To Do, under its temporary id.
	got := columnNames(d.e.State().Columns(), func(c Column) string { return c.Name })
	if !slices.Equal(got, []string{"To Do", "Review", "In Progress", "In Review", "Done"}) {
		t.Fatalf("columns on the board at once: %v", got)
	}
	if !d.do(d.e.State().MoveTo(card.TaskID, add.TaskID, now)) {
		t.Fatal("move into the new column refused")
	}
	d.settle(5 * time.Second)
	real := d.e.Resolve(add.TaskID)
	if IsTemp(real) {
		t.Fatalf("the new column never got the server's id")
	}
	sts := env.serverColumns()
	if names := columnNames(sts, func(s api.Status) string { return s.Name }); !slices.Equal(names, got) {
		t.Fatalf("server columns %v, want %v", names, got)
	}
	if task := env.serverTasks()["Needs review"]; len(task) != 1 || *task[0].StatusID != real {
		t.Fatalf("the card moved into the new column is %+v on the server, want in %s", task, real)
	}

	s := d.e.State()
	d.do(s.SetWipLimit(real, 1, now))
	d.do(d.e.State().RenameColumn(real, "Code review", now))
	d.do(d.e.State().MoveColumn(real, 1, now))
	d.settle(5 * time.Second)
	sts = env.serverColumns()
	if sts[2].Name != "Code review" || sts[2].WipLimit == nil || *sts[2].WipLimit != 1 {
		t.Fatalf("server column after rename, limit and move: %+v", sts[2])
	}
	if c, _ := d.e.State().ColumnByID(real); c.WipLimit != 1 || c.Name != "Code review" || d.e.State().ColumnIndex(real) != 2 {
		t.Fatalf("board column %+v at %d", c, d.e.State().ColumnIndex(real))
	}

	// Delete it: its card goes to In Review first, on the board and server.
	review := env.colID("In Review")
	if !d.do(d.e.State().DeleteColumn(real, review, now)) {
		t.Fatal("delete refused")
	}
	if c := d.card("Needs review"); c == nil || c.StatusID != review {
		t.Fatalf("on the board the deleted column's card is %+v", c)
	}
	d.settle(5 * time.Second)
	if len(env.serverColumns()) != 4 {
		t.Fatalf("server still has %d columns", len(env.serverColumns()))
	}
	if task := env.serverTasks()["Needs review"]; *task[0].StatusID != review {
		t.Fatalf("server card in %s, want In Review", *task[0].StatusID)
	}
	d.close()
}

// The last done column can't stop being done nor be deleted, and a column
// with cards needs somewhere for them to go: said at the keystroke.
func TestColumnRulesRefusedAtOnce(t *testing.T) {
	env := newTestEnv(t, 22)
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	now := time.Now()
	done := env.colID("Done")
	if _, err := d.e.State().ToggleColumnDone(done, now); err == nil {
		t.Fatal("the only done column was made open")
	}
	if _, err := d.e.State().DeleteColumn(done, env.colID("To Do"), now); err == nil {
		t.Fatal("the only done column was deleted")
	}
	m, err := d.e.State().NewCard(env.project, env.colID("To Do"), "Keep me", now)
	d.do(m, err)
	if _, err := d.e.State().DeleteColumn(env.colID("To Do"), "", now); err == nil {
		t.Fatal("a column with a card was deleted with nowhere for it to go")
	}
	if _, err := d.e.State().AddColumn("", "to do", now); err == nil {
		t.Fatal("a second column named to do was made")
	}
	d.close()
}

// A new column made offline, a card moved into it, and lanes killed: the
// next start shows both from the outbox, and sends both once the server
// is back, in order.
func TestNewColumnSurvivesCrashOffline(t *testing.T) {
	env := newTestEnv(t, 23)
	dir := t.TempDir()
	d := env.driver(dir, env.token)
	d.settle(5 * time.Second)
	now := time.Now()
	m, err := d.e.State().NewCard(env.project, "", "Blocked thing", now)
	d.do(m, err)
	d.settle(5 * time.Second)
	env.proxy.set(faults{Reset: 1})
	add, err := d.e.State().AddColumn(env.colID("In Progress"), "Blocked", now)
	d.do(add, err)
	d.do(d.e.State().MoveTo(d.e.Resolve(m.TaskID), add.TaskID, now))
	d.pumpFor(100 * time.Millisecond)
	d.crash()
	if c := d.card("Blocked thing"); c == nil || c.StatusID != add.TaskID {
		t.Fatalf("after the crash the card is %+v, want in the new column", c)
	}
	if i := d.e.State().ColumnIndex(add.TaskID); i != 2 {
		t.Fatalf("after the crash the new column is at %d", i)
	}
	env.proxy.set(faults{})
	d.settle(10 * time.Second)
	sts := env.serverColumns()
	if sts[2].Name != "Blocked" {
		t.Fatalf("server columns %v", columnNames(sts, func(s api.Status) string { return s.Name }))
	}
	if task := env.serverTasks()["Blocked thing"]; len(task) != 1 || *task[0].StatusID != sts[2].ID {
		t.Fatalf("server card %+v, want in Blocked", task)
	}
	if n := len(env.serverColumns()); n != 5 {
		t.Fatalf("the column was made %d times", n-4)
	}
	d.close()
}

// A label made on the board and put on a card at once reaches the server
// with the card carrying it; undo takes it off again.
func TestLabelsFromTheBoard(t *testing.T) {
	env := newTestEnv(t, 24)
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	now := time.Now()
	m, err := d.e.State().NewCard(env.project, "", "Crashes on start", now)
	d.do(m, err)
	l, err := d.e.State().NewLabel(env.project, "bug", "#e11d48", now)
	if !d.do(l, err) {
		t.Fatal("new label refused")
	}
	if !d.do(d.e.State().ToggleLabel(m.TaskID, l.TaskID, now)) {
		t.Fatal("label on card refused")
	}
	if c := d.card("Crashes on start"); c == nil || !c.HasLabel(l.TaskID) {
		t.Fatalf("the card does not show its label at once: %+v", c)
	}
	d.settle(5 * time.Second)
	labels, err := env.direct.Labels(context.Background(), env.project)
	if err != nil || len(labels) != 1 || labels[0].Name != "bug" {
		t.Fatalf("server labels %+v, %v", labels, err)
	}
	task := env.serverTasks()["Crashes on start"]
	if len(task) != 1 || !slices.Equal(task[0].LabelIDs, []string{labels[0].ID}) {
		t.Fatalf("server card %+v", task)
	}
	if c := d.card("Crashes on start"); !c.HasLabel(labels[0].ID) {
		t.Fatalf("board card lost the label's real id: %v", c.Labels)
	}
	if _, err := d.undo(); err != nil {
		t.Fatal(err)
	}
	d.settle(5 * time.Second)
	if task := env.serverTasks()["Crashes on start"]; len(task[0].LabelIDs) != 0 {
		t.Fatalf("undo left labels %v on the server", task[0].LabelIDs)
	}
	d.close()
}

// Columns and labels changed elsewhere reach an open board on the feed.
func TestShapeChangesElsewhereArriveLive(t *testing.T) {
	env := newTestEnv(t, 25)
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	// The feed straight from the server: the fault proxy answers whole
	// responses, not streams.
	d.e.Abandon()
	e, err := Open(context.Background(), Options{Dir: d.dir, Server: env.srv.URL, ProjectID: env.project, SpaceID: env.space,
		Remote: NewRemote(env.client(env.srv.URL, env.token)), BackoffBase: time.Millisecond, BackoffCap: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	d.e = e
	d.run(e.Start())
	d.settle(5 * time.Second)
	d.run([]Cmd{d.e.Live()})
	d.pumpFor(200 * time.Millisecond)
	ctx := context.Background()
	limit := 3
	if _, err := env.direct.CreateStatus(ctx, api.StatusCreate{ProjectID: env.project, Name: "Waiting", WipLimit: &limit}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.direct.CreateLabel(ctx, api.LabelCreate{ProjectID: env.project, Name: "ops"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		d.pumpFor(50 * time.Millisecond)
		cols := d.e.State().Columns()
		if _, ok := d.e.State().LabelNamed("ops"); ok && len(cols) == 5 && cols[4].Name == "Waiting" && cols[4].WipLimit == 3 {
			d.e.Close() // ends the feed, which settling would wait on
			return
		}
	}
	d.e.Close()
	t.Fatalf("the board has columns %v and labels %v", d.e.State().Columns(), d.e.State().Labels())
}

// u takes back changes of columns too: a rename and a WIP limit are
// changed back, a column added is deleted again, and U makes them again;
// a column deleted with its cards moved out can't come back, and says so.
func TestUndoColumnChanges(t *testing.T) {
	env := newTestEnv(t, 26)
	d := env.driver(t.TempDir(), env.token)
	d.settle(5 * time.Second)
	now := time.Now()
	doing := env.colID("In Progress")
	d.do(d.e.State().RenameColumn(doing, "Doing", now))
	d.do(d.e.State().SetWipLimit(doing, 3, now))
	if undid, err := d.undo(); err != nil || undid != `Undid change the column "Doing"` {
		t.Fatalf("undo of the limit: %q, %v", undid, err)
	}
	if undid, err := d.undo(); err != nil || undid != `Undid change the column "In Progress"` {
		t.Fatalf("undo of the rename: %q, %v", undid, err)
	}
	d.settle(5 * time.Second)
	if c := env.serverColumns()[1]; c.Name != "In Progress" || c.WipLimit != nil {
		t.Fatalf("after two undos the server has %+v", c)
	}
	if _, err := d.redo(); err != nil {
		t.Fatal(err)
	}
	d.settle(5 * time.Second)
	if c := env.serverColumns()[1]; c.Name != "Doing" {
		t.Fatalf("after a redo the server has %+v", c)
	}

	add, err := d.e.State().AddColumn(doing, "Later", now)
	d.do(add, err)
	d.settle(5 * time.Second)
	if _, err := d.undo(); err != nil {
		t.Fatal(err)
	}
	d.settle(5 * time.Second)
	if n := len(env.serverColumns()); n != 4 {
		t.Fatalf("undoing the add left %d columns", n)
	}
	if _, err := d.redo(); err != nil {
		t.Fatal(err)
	}
	d.settle(5 * time.Second)
	if sts := env.serverColumns(); len(sts) != 5 || sts[2].Name != "Later" {
		t.Fatalf("redoing the add: %v", columnNames(sts, func(s api.Status) string { return s.Name }))
	}

	m, err := d.e.State().NewCard(env.project, doing, "Moves out", now)
	d.do(m, err)
	d.do(d.e.State().DeleteColumn(doing, env.colID("To Do"), now))
	if _, err := d.undo(); err == nil || !strings.Contains(err.Error(), "its cards went to another column") {
		t.Fatalf("undo of a delete that moved cards: %v", err)
	}
	d.close()
}

// A project holds at most MaxColumns columns, as the server does: the
// next one is refused at the keystroke, not shown and then snapped back.
func TestAddColumnPastTheLimit(t *testing.T) {
	cols := make([]Column, MaxColumns)
	for i := range cols {
		cols[i] = Column{ID: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("Column %d", i)}
	}
	s := NewState(cols, nil)
	if _, err := s.AddColumn("c0", "One more", time.Now()); err == nil || !strings.Contains(err.Error(), "at most 50 columns") {
		t.Fatalf("a column past the limit: %v", err)
	}
	s = NewState(cols[:MaxColumns-1], nil)
	if _, err := s.AddColumn("c0", "The last", time.Now()); err != nil {
		t.Fatalf("the fiftieth column: %v", err)
	}
}
