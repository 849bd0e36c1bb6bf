package launch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
)

// StandupReport fetches the project's board and members and builds the
// report; title is "Space / Project".
func StandupReport(ctx context.Context, c Server, dir, serverKey, space, project string, order []string, now, since time.Time) (board.Standup, string, error) {
	sp, p, err := lookup(ctx, c, NewLastFile(dir, serverKey), Query{Space: space, Project: project})
	if err != nil {
		return board.Standup{}, "", err
	}
	return BuildStandup(ctx, c.Remote(board.Options{Dir: dir, Server: serverKey, ProjectID: p.ID, SpaceID: sp.ID}), sp, p, order, now, since)
}

// BuildStandup fetches the project's board and people through r and
// builds the report.
func BuildStandup(ctx context.Context, r board.Remote, sp api.Space, p api.Project, order []string, now, since time.Time) (board.Standup, string, error) {
	fetch := r.Fetch
	if w, ok := r.(board.WholeFetcher); ok {
		fetch = w.FetchWhole
	}
	b, err := fetch(ctx, p.ID)
	if err != nil {
		return board.Standup{}, "", fmt.Errorf("load %s: %w", p.Name, err)
	}
	var people []board.Person
	if rd, ok := r.(board.Reader); ok {
		members, err := rd.Members(ctx, sp.ID)
		if err != nil && !errors.Is(err, api.ErrNotSupported) {
			return board.Standup{}, "", fmt.Errorf("list the members of %s: %w", sp.Name, err)
		}
		for _, m := range members {
			people = append(people, board.Person{ID: m.UserID, Name: m.Name})
		}
	}
	rep := board.NewState(b.Columns, b.Cards).Standup(board.StandupOptions{Now: now, Since: since, People: board.OrderPeople(people, order)})
	return cleanStandup(rep), safe.Line(sp.Name + " / " + p.Name), nil
}

// cleanStandup is the report with every text in it from the server made
// one safe line: the Markdown goes to a terminal, a chat or an assistant,
// and a consumer of the JSON may print a field as it is. One line means no
// control character, and no newline with which a title could start a
// heading or a list item of its own.
func cleanStandup(rep board.Standup) board.Standup {
	cards := func(cs []board.StandupCard) []board.StandupCard {
		if cs == nil {
			return nil
		}
		out := make([]board.StandupCard, len(cs))
		for i, c := range cs {
			c.ID, c.Title, c.Column = safe.Line(c.ID), safe.Line(c.Title), safe.Line(c.Column)
			c.Priority = board.Priority(safe.Line(string(c.Priority)))
			out[i] = c
		}
		return out
	}
	people := make([]board.PersonReport, len(rep.People))
	for i, p := range rep.People {
		p.ID, p.Name = safe.Line(p.ID), safe.Line(p.Name)
		p.Done, p.InProgress, p.Next = cards(p.Done), cards(p.InProgress), cards(p.Next)
		p.Blocked, p.Overdue = cards(p.Blocked), cards(p.Overdue)
		people[i] = p
	}
	rep.People = people
	return rep
}

// OnlyPerson keeps one person's part of the report, by user name.
func OnlyPerson(rep board.Standup, title, user string) (board.Standup, error) {
	var only []board.PersonReport
	var names []string
	for _, p := range rep.People {
		names = append(names, p.Name)
		if strings.EqualFold(p.Name, user) {
			only = append(only, p)
		}
	}
	if len(only) == 0 {
		return rep, fmt.Errorf("no %q on %s (the people there: %s)", user, title, strings.Join(names, ", "))
	}
	rep.People = only
	return rep, nil
}
