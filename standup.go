package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/server"
)

func (a *app) standupCmd() *cobra.Command {
	var (
		bf                  boardFlags
		since, user, format string
	)
	cmd := &cobra.Command{
		Use:   "standup",
		Short: "Print the standup report of a project (Markdown or JSON)",
		Long: `Print the standup report of a project: for each person, what they finished
since the last working day (Monday looks back to Friday), what is in
progress, what is next up, what is blocked and what is overdue. The same
report standup mode (s on the board) walks through.

A card is someone's when they are assigned to it or, with no one assigned,
when they made it. The speaking order comes from [standup] order in the
config file. Only the report goes to stdout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "markdown" && format != "json" {
				return fmt.Errorf("--format must be markdown or json, got %q", format)
			}
			now := time.Now()
			var from time.Time
			if since != "" {
				var err error
				if from, err = parseSince(since, now); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			cn, err := a.connect(ctx, bf)
			if err != nil {
				return err
			}
			defer cn.close()
			rep, title, err := standupReport(ctx, cn.c, cn.dir, cn.serverKey, cn.space, cn.project, cn.cfg.Standup.Order, now, from)
			if err != nil {
				return err
			}
			if user != "" {
				if rep, err = onlyPerson(rep, title, user); err != nil {
					return err
				}
			}
			if format == "json" {
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Board string `json:"board"`
					board.Standup
				}{title, rep})
			}
			_, err = fmt.Fprint(a.out, rep.Markdown(title))
			return err
		},
	}
	cmd.Flags().StringVar(&bf.server, "server", "", "the task server (env LANES_SERVER); default: the local one")
	cmd.Flags().StringVar(&bf.token, "token", "", "API token for --server (env LANES_TOKEN)")
	cmd.Flags().StringVar(&bf.space, "space", "", "the project's space, by name, slug or id")
	cmd.Flags().StringVar(&bf.project, "project", "", "the project, by name, slug or id (default: the board opened last)")
	cmd.Flags().StringVar(&since, "since", "", "count what was done from this date (YYYY-MM-DD, or yesterday); default: the last working day")
	cmd.Flags().StringVar(&user, "user", "", "only this person's part, by user name")
	cmd.Flags().StringVar(&format, "format", "markdown", "markdown or json")
	return cmd
}

// parseSince reads --since: a date (the start of that day, local time), a
// date and time in RFC 3339, or "yesterday" / "today".
func parseSince(v string, now time.Time) (time.Time, error) {
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch strings.ToLower(v) {
	case "today":
		return midnight, nil
	case "yesterday":
		return midnight.AddDate(0, 0, -1), nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, now.Location()); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since must be a date like 2026-11-20 (or yesterday, today, or an RFC 3339 time), got %q", v)
}

// standupReport fetches the project's board and members and builds the
// report; title is "Space / Project".
func standupReport(ctx context.Context, c *api.Client, dir, serverKey, space, project string, order []string, now, since time.Time) (board.Standup, string, error) {
	sp, p, err := openLast(ctx, c, dir, serverKey, space, project)
	if err != nil {
		return board.Standup{}, "", err
	}
	return buildStandup(ctx, c, sp, p, order, now, since)
}

func buildStandup(ctx context.Context, c *api.Client, sp api.Space, p api.Project, order []string, now, since time.Time) (board.Standup, string, error) {
	cols, cards, err := board.NewRemote(c).Fetch(ctx, p.ID)
	if err != nil {
		return board.Standup{}, "", fmt.Errorf("load %s: %w", p.Name, err)
	}
	members, err := c.Members(ctx, sp.ID)
	if err != nil && !errors.Is(err, api.ErrNotSupported) {
		return board.Standup{}, "", fmt.Errorf("list the members of %s: %w", sp.Name, err)
	}
	var people []board.Person
	for _, m := range members {
		people = append(people, board.Person{ID: m.UserID, Name: m.Name})
	}
	rep := board.NewState(cols, cards).Standup(board.StandupOptions{Now: now, Since: since, People: board.OrderPeople(people, order)})
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

// onlyPerson keeps one person's part of the report, by user name.
func onlyPerson(rep board.Standup, title, user string) (board.Standup, error) {
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

// standupPrompt is the report of the MCP prompt daily_standup: the one
// lanes standup prints, read through the server's own handler as the
// caller.
func standupPrompt(order []string) server.StandupFunc {
	return func(ctx context.Context, h http.Handler, authz, projectID, userName string) (string, error) {
		c := api.New("http://lanes.internal", strings.TrimPrefix(authz, "Bearer "), api.WithTransport(handlerTransport{h}))
		sp, p, err := pickBoard(ctx, c, "", projectID)
		if err != nil {
			return "", err
		}
		rep, title, err := buildStandup(ctx, c, sp, p, order, time.Now(), time.Time{})
		if err != nil {
			return "", err
		}
		if userName != "" {
			if rep, err = onlyPerson(rep, title, userName); err != nil {
				return "", err
			}
		}
		return rep.Markdown(title), nil
	}
}

// handlerTransport answers requests with a handler in this process.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}
