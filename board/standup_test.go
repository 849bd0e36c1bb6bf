package board

import (
	"slices"
	"testing"
	"time"
)

var cet = time.FixedZone("CET", 3600)

func at(day, hour int) *time.Time {
	t := time.Date(2026, time.November, day, hour, 0, 0, 0, cet)
	return &t
}

func TestLastWorkingDay(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{*at(23, 9), "Fri 2026-11-20"},  // Monday looks back to Friday
		{*at(24, 0), "Mon 2026-11-23"},  // Tuesday, just after midnight
		{*at(22, 12), "Fri 2026-11-20"}, // Sunday
		{*at(21, 12), "Fri 2026-11-20"}, // Saturday
		{*at(20, 23), "Thu 2026-11-19"}, // Friday
	} {
		got := LastWorkingDay(c.now)
		if got.Format("Mon 2006-01-02") != c.want || got.Hour() != 0 || got.Location() != cet {
			t.Errorf("LastWorkingDay(%s) = %s, want the start of %s in the same zone", c.now.Format("Mon 15:04"), got, c.want)
		}
	}
}

// standupBoard is a team board on the Monday after a weekend.
func standupBoard() *State {
	cols := []Column{{ID: "todo", Name: "To Do"}, {ID: "doing", Name: "In Progress"}, {ID: "blk", Name: "Blocked by others"},
		{ID: "review", Name: "In Review"}, {ID: "done", Name: "Done", IsDone: true}}
	card := func(id, title, col string, p Priority, assignees ...string) *Card {
		return &Card{ID: id, Title: title, StatusID: col, Priority: p, Assignees: assignees, Position: "a" + id, CreatorID: "u-ann"}
	}
	done := func(c *Card, when *time.Time) *Card { c.CompletedAt = when; return c }
	due := func(c *Card, when *time.Time) *Card { c.Due = when; return c }
	archived := card("k11", "Archived and open", "doing", PriorityNone, "u-alice")
	archived.Archived = true
	archivedDone := done(card("k12", "Archived after finishing", "done", PriorityNone, "u-alice"), at(20, 10))
	archivedDone.Archived = true
	sub := card("k10", "A subtask", "doing", PriorityNone, "u-alice")
	sub.ParentID = "k4"
	unassigned := card("k8", "Made by bob, no one assigned", "todo", PriorityLow)
	unassigned.CreatorID = "u-bob"
	return NewState(cols, []*Card{
		done(card("k1", "Fixed the login redirect", "done", PriorityHigh, "u-alice"), at(20, 16)),
		done(card("k2", "Thursday's fix", "done", PriorityNone, "u-alice"), at(19, 23)),
		done(card("k3", "Weekend hotfix", "done", PriorityUrgent, "u-alice", "u-bob"), at(21, 11)),
		card("k4", "Write the launch post", "review", PriorityHigh, "u-alice"),
		card("k4b", "Draft pricing page", "doing", PriorityNone, "u-alice"),
		card("k5", "Waiting on legal", "blk", PriorityMedium, "u-alice"),
		card("k6", "Low one", "todo", PriorityLow, "u-alice"),
		due(card("k6b", "Medium, due Friday", "todo", PriorityMedium, "u-alice"), at(27, 0)),
		due(card("k6c", "Medium, due Wednesday", "todo", PriorityMedium, "u-alice"), at(25, 0)),
		card("k6d", "Urgent one", "todo", PriorityUrgent, "u-alice"),
		due(card("k7", "Quarterly report", "review", PriorityNone, "u-bob"), at(20, 0)),
		unassigned, sub, archived, archivedDone,
		due(card("k9", "Due today is not overdue", "doing", PriorityNone, "u-bob"), at(23, 0)),
		card("k13", "Carol's card", "doing", PriorityNone, "u-carol"),
	})
}

func cardTitles(cs []StandupCard) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Title)
	}
	return out
}

func TestStandupMondayAfterAWeekend(t *testing.T) {
	s := standupBoard()
	r := s.Standup(StandupOptions{Now: *at(23, 9), People: []Person{{"u-bob", "bob"}, {"u-alice", "alice"}, {"u-dan", "dan"}}})
	if want := *at(20, 0); !r.Since.Equal(want) {
		t.Fatalf("Since = %s, want Friday's start %s", r.Since, want)
	}
	var names []string
	for _, p := range r.People {
		names = append(names, p.Name)
	}
	// The given order first, then anyone else with cards (by id, as their
	// name is unknown).
	if !slices.Equal(names, []string{"bob", "alice", "dan", "u-carol"}) {
		t.Fatalf("people = %v", names)
	}
	alice, bob, dan := r.People[1], r.People[0], r.People[2]
	check := func(who, what string, got []StandupCard, want ...string) {
		t.Helper()
		if !slices.Equal(cardTitles(got), want) {
			t.Errorf("%s %s = %q, want %q", who, what, cardTitles(got), want)
		}
	}
	check("alice", "done", alice.Done, "Archived after finishing", "Fixed the login redirect", "Weekend hotfix")
	check("alice", "in progress", alice.InProgress, "Draft pricing page", "Write the launch post")
	check("alice", "next", alice.Next, "Urgent one", "Medium, due Wednesday", "Medium, due Friday", "Low one")
	check("alice", "blocked", alice.Blocked, "Waiting on legal")
	check("alice", "overdue", alice.Overdue)
	check("bob", "done", bob.Done, "Weekend hotfix")
	check("bob", "in progress", bob.InProgress, "Due today is not overdue", "Quarterly report")
	check("bob", "next", bob.Next, "Made by bob, no one assigned")
	check("bob", "overdue", bob.Overdue, "Quarterly report")
	if !bob.InProgress[1].Overdue || bob.InProgress[0].Overdue {
		t.Error("the overdue mark is on the wrong card")
	}
	if !dan.Empty() {
		t.Errorf("dan has no cards but reports %+v", dan)
	}
	if alice.InProgress[1].Column != "In Review" {
		t.Errorf("the launch post's column = %q", alice.InProgress[1].Column)
	}
}

func TestStandupTuesdayAndSince(t *testing.T) {
	s := standupBoard()
	tue := s.Standup(StandupOptions{Now: *at(24, 9), People: []Person{{"u-alice", "alice"}}})
	if len(tue.People[0].Done) != 0 {
		t.Errorf("on Tuesday nothing was done since Monday, got %q", cardTitles(tue.People[0].Done))
	}
	since := s.Standup(StandupOptions{Now: *at(24, 9), Since: *at(19, 0), People: []Person{{"u-alice", "alice"}}})
	if got := cardTitles(since.People[0].Done); len(got) != 4 || got[0] != "Thursday's fix" {
		t.Errorf("since Thursday alice did %q", got)
	}
}

func TestOrderPeople(t *testing.T) {
	people := []Person{{"1", "dan"}, {"2", "Bob"}, {"3", "alice"}, {"4", "carol"}}
	got := OrderPeople(people, []string{"carol", "ALICE", "nobody"})
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"carol", "alice", "Bob", "dan"}) {
		t.Fatalf("order = %v", names)
	}
}

func TestStandupMarkdown(t *testing.T) {
	r := standupBoard().Standup(StandupOptions{Now: *at(23, 9), People: []Person{{"u-alice", "alice"}, {"u-bob", "bob"}, {"u-dan", "dan"}}})
	r.People = r.People[:3]
	want := `# Standup: Team / General

Done since Fri 20 Nov · Mon 23 Nov 2026 09:00

## alice

**Done**
- Archived after finishing (Fri 10:00)
- Fixed the login redirect (Fri 16:00)
- Weekend hotfix (Sat 11:00)

**In progress**
- Draft pricing page · In Progress
- Write the launch post · In Review · high

**Next up**
- Urgent one · urgent
- Medium, due Wednesday · medium · due Wed 25 Nov
- Medium, due Friday · medium · due Fri 27 Nov
- Low one · low

**Blocked**
- Waiting on legal · Blocked by others · medium

## bob

**Done**
- Weekend hotfix (Sat 11:00)

**In progress**
- Due today is not overdue · In Progress · due Mon 23 Nov
- Quarterly report · In Review · due Fri 20 Nov (overdue)

**Next up**
- Made by bob, no one assigned · low

**Overdue**
- Quarterly report · In Review · due Fri 20 Nov (overdue)

## dan

Nothing to report.
`
	if got := r.Markdown("Team / General"); got != want {
		t.Fatalf("markdown:\n%s\nwant:\n%s", got, want)
	}
}

// StandupPeople names the people Standup reports on, in the same order,
// and Only narrows the report to the people given.
func TestStandupPeopleAndOnly(t *testing.T) {
	s := standupBoard()
	o := StandupOptions{Now: *at(23, 9), People: []Person{{"u-bob", "bob"}, {"u-dan", "dan"}}}
	var want []Person
	for _, p := range s.Standup(o).People {
		want = append(want, p.Person)
	}
	if got := s.StandupPeople(o); !slices.Equal(got, want) {
		t.Fatalf("StandupPeople = %v, the report's people = %v", got, want)
	}
	o.Only = true
	only := s.Standup(o)
	if len(only.People) != 2 || only.People[0].Name != "bob" || len(only.People[0].InProgress) != 2 {
		t.Fatalf("Only: %+v", only.People)
	}
}
