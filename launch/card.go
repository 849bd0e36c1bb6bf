package launch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/internal/wire"
)

// Cards is one project's board for a command that makes a change or two
// and ends (lanes card): no outbox, no cache, no live feed. The board is
// read once; each change is sent at once under its mutation's id as the
// idempotency key and, when the server could not be reached or failed,
// sent again under the same key (so it is made once, however often it is
// sent) before the command says how it went.
type Cards struct {
	Space   api.Space
	Project api.Project
	srv     Server
	remote  board.Remote
	fetched board.Fetched
	state   *board.State
	short   int // how many characters of an id ShortID shows

	members     []board.Member
	membersErr  error
	membersRead bool
}

// Send retries: at most sendAttempts sends of one change, waiting between
// them as wire.Backoff says from sendWait up to sendWaitMax; a server that
// asks for a longer pause than maxRetryAfter is not waited for.
const (
	sendAttempts  = 4
	sendWait      = 500 * time.Millisecond
	sendWaitMax   = 5 * time.Second
	maxRetryAfter = 30 * time.Second
)

// MinIDPart is the fewest characters of an id that name a card by a part
// of it: fewer would match by chance.
const MinIDPart = 4

// shortID is the fewest characters ShortID shows.
const shortID = 8

// OpenCards finds the board q asks for as the board itself would (the one
// asked for, else the one opened last on this server, else the personal
// space's first project) and reads it whole: columns, labels and cards,
// with every detail a list shows (a Taskade card's due date and assignees
// take requests of their own).
func OpenCards(ctx context.Context, c Server, dir, serverKey string, q Query) (*Cards, error) {
	sp, p, err := lookup(ctx, c, NewLastFile(dir, serverKey), q)
	if err != nil {
		return nil, err
	}
	r := c.Remote(board.Options{Dir: dir, Server: serverKey, ProjectID: p.ID, SpaceID: sp.ID})
	fetch := r.Fetch
	if w, ok := r.(board.WholeFetcher); ok {
		// A Fetch of Taskade leaves details to read in the background,
		// which would outlive a command.
		fetch = w.FetchWhole
	}
	f, err := fetch(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", safe.Line(sp.Name+" / "+p.Name), err)
	}
	cs := &Cards{Space: sp, Project: p, srv: c, remote: r, fetched: f}
	cs.rebuild()
	return cs, nil
}

// Board is "Space / Project", made one safe line, for messages.
func (cs *Cards) Board() string { return safe.Line(cs.Space.Name + " / " + cs.Project.Name) }

// State is the board as last read or changed.
func (cs *Cards) State() *board.State { return cs.state }

// rebuild makes the state from what was fetched, and the length of short
// ids: the shortest end of an id that tells every card apart, at least
// shortID. The end, not the start: a lanes server's ids are UUIDv7, whose
// start is the time they were made, alike for cards made together.
func (cs *Cards) rebuild() {
	cs.state = board.NewState(cs.fetched.Columns, cs.fetched.Cards).WithLabels(cs.fetched.Labels)
	ends := make([]string, len(cs.fetched.Cards))
	for i, c := range cs.fetched.Cards {
		r := []byte(c.ID)
		slices.Reverse(r)
		ends[i] = string(r)
	}
	slices.Sort(ends)
	cs.short = shortID
	for i := 1; i < len(ends); i++ {
		a, b := ends[i-1], ends[i]
		n := 0
		for n < len(a) && n < len(b) && a[n] == b[n] {
			n++
		}
		cs.short = max(cs.short, n+1)
	}
}

// put takes the server's copy of a card after a change.
func (cs *Cards) put(c *board.Card) {
	i := slices.IndexFunc(cs.fetched.Cards, func(o *board.Card) bool { return o.ID == c.ID })
	if i < 0 {
		cs.fetched.Cards = append(cs.fetched.Cards, c)
	} else {
		cs.fetched.Cards[i] = c
	}
	cs.rebuild()
}

// ShortID is the end of id that tells it apart from every other card's.
func (cs *Cards) ShortID(id string) string {
	if len(id) <= cs.short {
		return id
	}
	return id[len(id)-cs.short:]
}

// Listed are the cards the board shows (not archived, not subtasks), by
// column in board order and in their order there; only column's if it is
// not "".
func (cs *Cards) Listed(column string) []*board.Card {
	var out []*board.Card
	for _, col := range cs.state.Columns() {
		if column != "" && col.ID != column {
			continue
		}
		for _, id := range cs.state.Column(col.ID) {
			if c, ok := cs.state.Card(id); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// ColumnName is the name of the column the card shows in ("" if none).
func (cs *Cards) ColumnName(c *board.Card) string {
	col, _ := cs.state.ColumnByID(cs.state.ColumnOf(c))
	return col.Name
}

// Column finds a column by its name (any case) or id. Not there, the
// error names the columns there are.
func (cs *Cards) Column(ref string) (board.Column, error) {
	cols := cs.state.Columns()
	if len(cols) == 0 {
		return board.Column{}, fmt.Errorf("%s has no columns", cs.Board())
	}
	want := strings.TrimSpace(ref)
	var found []board.Column
	for _, c := range cols {
		if c.ID == want {
			return c, nil
		}
		if strings.EqualFold(strings.TrimSpace(c.Name), want) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return board.Column{}, fmt.Errorf("no column %q on %s (its columns: %s)", safe.Line(ref), cs.Board(), columnNames(cols))
	}
	ids := make([]string, len(found))
	for i, c := range found {
		ids[i] = safe.Line(c.ID)
	}
	return board.Column{}, fmt.Errorf("%d columns of %s are called %q: name one by its id (%s)", len(found), cs.Board(), safe.Line(ref), strings.Join(ids, ", "))
}

func columnNames(cols []board.Column) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = safe.Line(c.Name)
	}
	return strings.Join(names, ", ")
}

// Card finds a card by its id, its title (any case; among the cards
// Listed shows), or else a part of its id no other card's holds (at least
// MinIDPart characters: what ShortID shows, or its start). A ref that
// names none, or more than one, is an error that says so, listing the
// cards it could mean with their ids.
func (cs *Cards) Card(ref string) (*board.Card, error) {
	want := strings.TrimSpace(ref)
	if want == "" {
		return nil, errors.New("name a card by its id or its title")
	}
	if c, ok := cs.state.Card(want); ok {
		return c, nil
	}
	var found []*board.Card
	for _, c := range cs.Listed("") {
		if strings.EqualFold(strings.TrimSpace(c.Title), want) {
			found = append(found, c)
		}
	}
	// A title wins over a part of an id: "cafe" names the card of that
	// title, not it and every card whose id happens to hold those letters.
	if len(found) == 0 && len(want) >= MinIDPart {
		for _, c := range cs.fetched.Cards {
			if k, ok := cs.state.Card(c.ID); ok && strings.Contains(c.ID, want) {
				found = append(found, k)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, fmt.Errorf("no card %q on %s (lanes card list shows them with their ids)", safe.Line(ref), cs.Board())
	}
	const shown = 10
	var list []string
	for _, c := range found[:min(len(found), shown)] {
		where := cs.ColumnName(c)
		switch {
		case c.Archived:
			where = "archived"
		case c.ParentID != "":
			where = "a subtask"
		}
		list = append(list, fmt.Sprintf("%s %q (%s)", cs.ShortID(c.ID), safe.Line(c.Title), safe.Line(where)))
	}
	if len(found) > shown {
		list = append(list, fmt.Sprintf("and %d more", len(found)-shown))
	}
	return nil, fmt.Errorf("%q could be any of %d cards on %s: %s; name one by its id", safe.Line(ref), len(found), cs.Board(), strings.Join(list, ", "))
}

// Labels are the ids of the labels named (by name, any case, or id). An
// unknown one is an error naming the labels there are.
func (cs *Cards) Labels(refs []string) ([]string, error) {
	var ids []string
	for _, ref := range refs {
		want := strings.TrimSpace(ref)
		l, ok := cs.state.LabelByID(want)
		if !ok {
			l, ok = cs.state.LabelNamed(want)
		}
		if !ok {
			names := make([]string, len(cs.state.Labels()))
			for i, l := range cs.state.Labels() {
				names[i] = safe.Line(l.Name)
			}
			there := "it has none"
			if len(names) > 0 {
				there = "its labels: " + strings.Join(names, ", ")
			}
			return nil, fmt.Errorf("no label %q on %s (%s)", safe.Line(ref), cs.Board(), there)
		}
		if !slices.Contains(ids, l.ID) {
			ids = append(ids, l.ID)
		}
	}
	return ids, nil
}

// LabelNames are the names of the card's labels, as the board knows them.
func (cs *Cards) LabelNames(c *board.Card) []string {
	out := []string{}
	for _, id := range c.Labels {
		if l, ok := cs.state.LabelByID(id); ok {
			out = append(out, l.Name)
		} else {
			out = append(out, id)
		}
	}
	return out
}

// Members are the people of the project's space, read once; nil with the
// reason when the server can't list them.
func (cs *Cards) Members(ctx context.Context) ([]board.Member, error) {
	if !cs.membersRead {
		cs.membersRead = true
		if r, ok := cs.remote.(board.Reader); ok {
			cs.members, cs.membersErr = r.Members(ctx, cs.Space.ID)
		} else {
			cs.membersErr = board.ErrNoReader
		}
	}
	return cs.members, cs.membersErr
}

// AssigneeNames are the names of the card's assignees: a member's name,
// else (the members unknown, or one no longer a member) the user id.
func (cs *Cards) AssigneeNames(ctx context.Context, c *board.Card) []string {
	out := []string{}
	if len(c.Assignees) == 0 {
		return out
	}
	ms, _ := cs.Members(ctx)
	for _, id := range c.Assignees {
		name := id
		for _, m := range ms {
			if m.UserID == id {
				name = m.Name
			}
		}
		out = append(out, name)
	}
	return out
}

// Member finds a member of the project's space by name (any case) or user
// id; "me" is the token's owner.
func (cs *Cards) Member(ctx context.Context, ref string) (board.Member, error) {
	want := strings.TrimSpace(ref)
	ms, err := cs.Members(ctx)
	if err != nil {
		return board.Member{}, fmt.Errorf("list the members of %s: %w", safe.Line(cs.Space.Name), err)
	}
	if strings.EqualFold(want, "me") {
		me, err := cs.srv.Me(ctx)
		if err != nil {
			return board.Member{}, fmt.Errorf("find who \"me\" is: %w", err)
		}
		want = me.ID
	}
	var names []string
	for _, m := range ms {
		if m.UserID == want || strings.EqualFold(m.Name, want) {
			return m, nil
		}
		names = append(names, safe.Line(m.Name))
	}
	return board.Member{}, fmt.Errorf("no member %q in %s (its members: %s)", safe.Line(ref), safe.Line(cs.Space.Name), strings.Join(names, ", "))
}

// Lacks is why the board can't do f ("Taskade's API has no comments"),
// or "" when it can.
func (cs *Cards) Lacks(f board.Feature) string {
	if l, ok := cs.remote.(board.Lacker); ok {
		return l.Lacks(f)
	}
	return ""
}

// ReadOnly is why this person can't change the board ("" if they can).
func (cs *Cards) ReadOnly() string { return ReadOnly(cs.Space) }

// Send makes the change m (what says what it is, for an error): sent,
// and sent again under the same idempotency key while the server can't be
// reached, fails (5xx) or asks for a short pause (429). The card is the
// server's copy afterwards, or nil for a change that returns none (a
// comment).
func (cs *Cards) Send(ctx context.Context, what string, m board.Mutation) (*board.Card, error) {
	q := board.RequestOf(m)
	for attempt := 1; ; attempt++ {
		c, err := cs.remote.Send(ctx, q)
		if err == nil {
			if c != nil {
				cs.put(c)
			}
			return c, nil
		}
		var f *board.Failure
		again := errors.As(err, &f) && (f.Class == board.Transient || f.Class == board.RateLimited)
		wait := wire.Backoff(attempt-1, sendWait, sendWaitMax)
		if again && f.Class == board.RateLimited && f.RetryAfter > 0 {
			wait = f.RetryAfter
			again = wait <= maxRetryAfter
		}
		if !again || attempt >= sendAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if err := wire.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%s: %w (before that: %v)", what, err, f)
		}
	}
}
