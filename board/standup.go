package board

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Person is someone standup walks through.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// StandupCard is a card as standup reports it.
type StandupCard struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Column      string     `json:"column"`
	Priority    Priority   `json:"priority"`
	Due         *time.Time `json:"dueDate,omitempty"`
	CompletedAt *time.Time `json:"completedAt,omitempty"`
	Overdue     bool       `json:"overdue,omitempty"`
}

// PersonReport is one person's part of standup.
type PersonReport struct {
	Person
	Done       []StandupCard `json:"done"`       // completed since the report's Since
	InProgress []StandupCard `json:"inProgress"` // open, past the first column
	Next       []StandupCard `json:"next"`       // open, in the first open column
	Blocked    []StandupCard `json:"blocked"`    // open, in a column named "…block…"
	Overdue    []StandupCard `json:"overdue"`    // open and due before today (also listed above)
}

// Empty reports whether the person has nothing to report.
func (p PersonReport) Empty() bool {
	return len(p.Done)+len(p.InProgress)+len(p.Next)+len(p.Blocked) == 0
}

// Standup is the report standup walks through and `lanes standup` prints.
type Standup struct {
	Since  time.Time      `json:"since"`
	Now    time.Time      `json:"generatedAt"`
	People []PersonReport `json:"people"`
}

// StandupOptions say whose standup, and from when.
type StandupOptions struct {
	Now time.Time // its location is the team's: days start at its midnight
	// Since is when "done" starts counting; zero means the start of the
	// last working day before Now (Monday looks back to Friday).
	Since time.Time
	// People are the team in speaking order; anyone else with cards is
	// added after them, by name.
	People []Person
	// Only, if true, reports on People alone (faster on a big board when
	// one person's part is wanted).
	Only bool
}

// LastWorkingDay is the start of the working day (Monday to Friday) before
// the day of now: Friday for a Monday, a Saturday or a Sunday.
func LastWorkingDay(now time.Time) time.Time {
	d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location()).AddDate(0, 0, -1)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// IsBlockedColumn is whether cards in the column are blocked: its name
// contains "block", in any case.
func IsBlockedColumn(name string) bool {
	return strings.Contains(strings.ToLower(name), "block")
}

// owners are whose a card is: its assignees, or with none its maker.
func (c *Card) owners() []string {
	if len(c.Assignees) == 0 && c.CreatorID != "" {
		return []string{c.CreatorID}
	}
	return c.Assignees
}

// reportable is whether a card can be in a standup counting from since:
// a top-level card, open, or done since then.
func (c *Card) reportable(since time.Time) bool {
	return c.ParentID == "" && !(c.Archived && !c.Done()) && !(c.Done() && c.CompletedAt.Before(since))
}

// StandupPeople is who Standup reports on, in the same order, without
// building the report: People, then anyone else with cards to report.
func (s *State) StandupPeople(o StandupOptions) []Person {
	if o.Since.IsZero() {
		o.Since = LastWorkingDay(o.Now)
	}
	known := map[string]bool{}
	out := make([]Person, 0, len(o.People))
	for _, p := range o.People {
		if !known[p.ID] {
			known[p.ID] = true
			out = append(out, p)
		}
	}
	var extra []string
	s.each(func(c *Card) {
		if !c.reportable(o.Since) {
			return
		}
		for _, id := range c.owners() {
			if !known[id] {
				known[id] = true
				extra = append(extra, id)
			}
		}
	})
	slices.Sort(extra)
	for _, id := range extra {
		out = append(out, Person{ID: id, Name: id})
	}
	return out
}

// Standup builds the report from the board. A card is someone's when they
// are assigned to it, or, with no one assigned, when they made it.
// Subtasks are left out; archived cards count only as done.
func (s *State) Standup(o StandupOptions) Standup {
	if o.Since.IsZero() {
		o.Since = LastWorkingDay(o.Now)
	}
	today := time.Date(o.Now.Year(), o.Now.Month(), o.Now.Day(), 0, 0, 0, 0, o.Now.Location())
	overdue := func(c *Card) bool { return !c.Done() && c.Due != nil && c.Due.Before(today) }
	next, _ := s.FirstColumn(false)
	type colInfo struct {
		index   int
		name    string
		blocked bool
	}
	cols := make(map[string]colInfo, len(s.columns))
	for i, c := range s.columns {
		cols[c.ID] = colInfo{i, c.Name, IsBlockedColumn(c.Name)}
	}
	byID := map[string]*PersonReport{}
	var order []string
	for _, p := range o.People {
		if _, dup := byID[p.ID]; !dup {
			byID[p.ID] = &PersonReport{Person: p}
			order = append(order, p.ID)
		}
	}
	var extra []string
	report := func(id string) *PersonReport {
		if r, ok := byID[id]; ok {
			return r
		}
		if o.Only {
			return nil
		}
		r := &PersonReport{Person: Person{ID: id, Name: id}}
		byID[id] = r
		extra = append(extra, id)
		return r
	}
	type entry struct {
		c   *Card
		col int
	}
	lists := map[*[]StandupCard][]entry{}
	walk := s.each
	if o.Only {
		ids := make([]string, len(o.People))
		for i, p := range o.People {
			ids[i] = p.ID
		}
		walk = func(fn func(*Card)) { s.eachOwnedBy(ids, fn) }
	}
	walk(func(c *Card) {
		if !c.reportable(o.Since) {
			return
		}
		owners := c.owners()
		col := cols[c.StatusID]
		late := overdue(c)
		for _, id := range owners {
			r := report(id)
			if r == nil {
				continue
			}
			var into []*[]StandupCard
			switch {
			case c.Done():
				into = append(into, &r.Done)
			case c.Archived:
			case col.blocked:
				into = append(into, &r.Blocked)
			case c.StatusID == next.ID:
				into = append(into, &r.Next)
			default:
				into = append(into, &r.InProgress)
			}
			if late && !c.Archived {
				into = append(into, &r.Overdue)
			}
			for _, l := range into {
				lists[l] = append(lists[l], entry{c, col.index})
			}
		}
	})
	dueOf := func(c *Card) time.Time {
		if c.Due == nil {
			return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return *c.Due
	}
	out := Standup{Since: o.Since, Now: o.Now}
	for _, id := range append(order, sortedByName(byID, extra)...) {
		r := byID[id]
		sortInto := func(l *[]StandupCard, less func(a, b entry) int) {
			es := lists[l]
			slices.SortFunc(es, func(a, b entry) int {
				return cmp.Or(less(a, b), cmp.Compare(a.c.Position, b.c.Position), cmp.Compare(a.c.ID, b.c.ID))
			})
			*l = make([]StandupCard, len(es))
			for i, e := range es {
				(*l)[i] = StandupCard{ID: e.c.ID, Title: e.c.Title, Column: cols[e.c.StatusID].name, Priority: e.c.Priority,
					Due: e.c.Due, CompletedAt: e.c.CompletedAt, Overdue: overdue(e.c)}
			}
		}
		sortInto(&r.Done, func(a, b entry) int { return a.c.CompletedAt.Compare(*b.c.CompletedAt) })
		sortInto(&r.InProgress, func(a, b entry) int { return cmp.Compare(a.col, b.col) })
		sortInto(&r.Next, func(a, b entry) int {
			return cmp.Or(cmp.Compare(b.c.Priority.Rank(), a.c.Priority.Rank()), dueOf(a.c).Compare(dueOf(b.c)))
		})
		sortInto(&r.Blocked, func(a, b entry) int { return cmp.Compare(a.col, b.col) })
		sortInto(&r.Overdue, func(a, b entry) int { return dueOf(a.c).Compare(dueOf(b.c)) })
		out.People = append(out.People, *r)
	}
	return out
}

func sortedByName(byID map[string]*PersonReport, ids []string) []string {
	ids = slices.Clone(ids)
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(strings.ToLower(byID[a].Name), strings.ToLower(byID[b].Name)), cmp.Compare(a, b))
	})
	return ids
}

// OrderPeople puts people in the order of names (as a config gives it),
// then the rest by name.
func OrderPeople(people []Person, names []string) []Person {
	rank := map[string]int{}
	for i, n := range names {
		if _, dup := rank[strings.ToLower(n)]; !dup {
			rank[strings.ToLower(n)] = i
		}
	}
	out := slices.Clone(people)
	slices.SortStableFunc(out, func(a, b Person) int {
		ra, aok := rank[strings.ToLower(a.Name)]
		rb, bok := rank[strings.ToLower(b.Name)]
		switch {
		case aok && bok:
			return cmp.Compare(ra, rb)
		case aok:
			return -1
		case bok:
			return 1
		}
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}

// Markdown is the report as Markdown, for chat and scripts: a heading per
// person and a list per section, leaving out empty sections.
func (r Standup) Markdown(title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Standup: %s\n\n", title)
	fmt.Fprintf(&b, "Done since %s · %s\n", r.Since.Format("Mon 2 Jan"), r.Now.Format("Mon 2 Jan 2006 15:04"))
	if len(r.People) == 0 {
		b.WriteString("\nNo one has cards on this board.\n")
	}
	day := func(t time.Time) string { return t.In(r.Now.Location()).Format("Mon 2 Jan") }
	for _, p := range r.People {
		fmt.Fprintf(&b, "\n## %s\n", p.Name)
		if p.Empty() {
			b.WriteString("\nNothing to report.\n")
			continue
		}
		section := func(name string, cards []StandupCard, line func(StandupCard) string) {
			if len(cards) == 0 {
				return
			}
			fmt.Fprintf(&b, "\n**%s**\n", name)
			for _, c := range cards {
				fmt.Fprintf(&b, "- %s\n", line(c))
			}
		}
		meta := func(c StandupCard, col bool) string {
			parts := []string{c.Title}
			if col {
				parts = append(parts, c.Column)
			}
			if c.Priority != "" && c.Priority != PriorityNone {
				parts = append(parts, string(c.Priority))
			}
			if c.Due != nil {
				due := "due " + day(*c.Due)
				if c.Overdue {
					due += " (overdue)"
				}
				parts = append(parts, due)
			}
			return strings.Join(parts, " · ")
		}
		section("Done", p.Done, func(c StandupCard) string {
			return c.Title + " (" + c.CompletedAt.In(r.Now.Location()).Format("Mon 15:04") + ")"
		})
		section("In progress", p.InProgress, func(c StandupCard) string { return meta(c, true) })
		section("Next up", p.Next, func(c StandupCard) string { return meta(c, false) })
		section("Blocked", p.Blocked, func(c StandupCard) string { return meta(c, true) })
		section("Overdue", p.Overdue, func(c StandupCard) string { return meta(c, true) })
	}
	return b.String()
}
