package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/launch"
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
			rep, title, err := launch.StandupReport(ctx, cn.srv, cn.dir, cn.serverKey, cn.space, cn.project, cn.cfg.Standup.Order, now, from)
			if err != nil {
				return err
			}
			if user != "" {
				if rep, err = launch.OnlyPerson(rep, title, user); err != nil {
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
	addBackendFlags(cmd, &bf)
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
