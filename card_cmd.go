package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/ui/common"
)

// cardOpts are what every lanes card command takes: the board, the output
// format, and (for a change) the idempotency key.
type cardOpts struct {
	bf     boardFlags
	format string
	key    string
}

// maxKey is the longest --idempotency-key, leaving room for what lanes
// adds to it for a command's later requests.
const maxKey = 128

func (a *app) cardCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "card",
		Short: "Add, list, move, complete and comment on cards, for scripts",
		Long: `Change a project's cards from a script or a shell, without opening the
board: lanes card add, list, move, done and comment.

The board is found as the board finds it: --project and --space by name,
slug or id, else the board opened last, else the personal space's first
project; on --server (or LANES_SERVER, or the config file's server), else
on the local server. A card is named by its id, by its title (any case,
among the cards the board shows), or else by a part of its id that no
other card's holds (at least 4 characters: lanes card list shows the end
of each id, long enough to tell them apart).

Output is a table for people, or JSON with --format json: a card is an
object with the API's task fields (id, projectId, parentTaskId, title,
description, statusId, priority, dueDate, completedAt, isArchived,
estimatedHours, assigneeIds, labelIds, commentCount, creatorId, version,
updatedAt) and the names of its column, assignees and labels (column,
assignees, labels).

Exit status: 0 when it worked, 1 when it failed (the server refused, no
such card or column, no network), 2 when the command was used wrongly (an
unknown flag, a missing argument, a priority or date lanes can't read).
Errors go to stderr, one line each.

Each change is sent with an Idempotency-Key, and sent again under the same
key when the server could not be reached or failed, so it is made once.
Give --idempotency-key to make a whole command safe to run again: run twice
with the same key, lanes card add makes one card.`,
		Example: `  lanes card add "Fix the login page" --column "In Progress" --priority high --due fri --label bug
  lanes card list --column Done --format json | jq -r '.[].title'
  id=$(lanes card add "Write the release notes" --format json | jq -r .id)
  lanes card move "$id" --to "In Review"
  lanes card comment "$id" "Draft is in the wiki"
  lanes card done "$id"`,
	}
	cmd.AddCommand(a.cardAddCmd(), a.cardListCmd(), a.cardMoveCmd(), a.cardDoneCmd(), a.cardCommentCmd())
	return cmd
}

// cardFlags gives a card command the board's flags, --format and, for one
// that changes the board, --idempotency-key.
func cardFlags(cmd *cobra.Command, o *cardOpts, writes bool) {
	addBackendFlags(cmd, &o.bf)
	cmd.Flags().StringVar(&o.bf.space, "space", "", "the project's space, by name, slug or id")
	cmd.Flags().StringVar(&o.bf.project, "project", "", "the project, by name, slug or id (default: the board opened last)")
	cmd.Flags().StringVar(&o.format, "format", "table", "table (for people) or json (for scripts)")
	if writes {
		cmd.Flags().StringVar(&o.key, "idempotency-key", "", "make the change once however often the command runs with this key (printable ASCII, such as a UUID; lanes servers keep it 24 h)")
	}
}

// check refuses a format or a key lanes can't use.
func (o *cardOpts) check() error {
	if o.format != "table" && o.format != "json" {
		return usagef("--format must be table or json, got %q", o.format)
	}
	if o.key == "" {
		return nil
	}
	if len(o.key) > maxKey {
		return usagef("--idempotency-key must be at most %d characters, got %d", maxKey, len(o.key))
	}
	for i := 0; i < len(o.key); i++ {
		if o.key[i] < 0x20 || o.key[i] > 0x7e {
			return usagef("--idempotency-key must be printable ASCII (letters, digits, punctuation, spaces), such as a UUID")
		}
	}
	return nil
}

// keyed gives m the idempotency key of the command's request part: the
// --idempotency-key with part after it, or (with none) m's own fresh id.
func (o *cardOpts) keyed(m board.Mutation, part string) board.Mutation {
	if o.key != "" {
		m.ID = o.key + part
	}
	return m
}

// openCards connects as the board does and reads the board. done closes
// the connection (and stops the local server, if one was started).
func (a *app) openCards(ctx context.Context, o *cardOpts) (cs *launch.Cards, done func(), err error) {
	cn, err := a.connect(ctx, o.bf)
	if err != nil {
		return nil, nil, err
	}
	cs, err = launch.OpenCards(ctx, cn.srv, cn.dir, cn.serverKey, launch.Query{Space: cn.space, Project: cn.project})
	if err != nil {
		cn.close()
		return nil, nil, err
	}
	return cs, cn.close, nil
}

// openCardToChange opens the board for a change to the card named name:
// refused on a board the person may only read, or when no card (or more
// than one) goes by that name.
func (a *app) openCardToChange(ctx context.Context, o *cardOpts, name string) (cs *launch.Cards, c *board.Card, done func(), err error) {
	cs, done, err = a.openCards(ctx, o)
	if err != nil {
		return nil, nil, nil, err
	}
	if err = writable(cs); err == nil {
		c, err = cs.Card(name)
	}
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return cs, c, done, nil
}

// writable refuses a change of a board the person may only read.
func writable(cs *launch.Cards) error {
	if why := cs.ReadOnly(); why != "" {
		return errors.New(why)
	}
	return nil
}

func (a *app) cardAddCmd() *cobra.Command {
	var (
		o                                  cardOpts
		column, priority, due, description string
		labels, assignees                  []string
	)
	cmd := &cobra.Command{
		Use:   "add TITLE",
		Short: "Add a card and print it",
		Long: `Add a card at the end of a column (--column; default the first) and print
it. --label and --assign take names (repeat them, or separate with commas);
--assign me assigns you. --due takes what the board's due date does:
today, tomorrow, fri, +3d, 2w, dec 1, 2026-12-01.`,
		Example: `  lanes card add "Fix the login page"
  lanes card add "Renew the certificate" --column "In Progress" --priority urgent --due +3d --assign me
  lanes card add "Triage" --label bug,ui --format json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			title := strings.TrimSpace(args[0])
			if err := checkTitle(title); err != nil {
				return err
			}
			now := time.Now()
			prio, err := parsePriority(priority)
			if err != nil {
				return err
			}
			var dueAt *time.Time
			if due != "" {
				if dueAt, err = common.ParseDue(due, now); err != nil {
					return usagef("--due: %v", err)
				}
			}
			ctx := cmd.Context()
			cs, done, err := a.openCards(ctx, &o)
			if err != nil {
				return err
			}
			defer done()
			if err := writable(cs); err != nil {
				return err
			}
			colID := ""
			if column != "" {
				col, err := cs.Column(column)
				if err != nil {
					return err
				}
				colID = col.ID
			}
			if prio != nil && *prio != board.PriorityNone {
				if why := cs.Lacks(board.FeaturePriority); why != "" {
					return fmt.Errorf("--priority: %s", why)
				}
			}
			var labelIDs []string
			if len(labels) > 0 {
				if why := cs.Lacks(board.FeatureLabels); why != "" {
					return fmt.Errorf("--label: %s", why)
				}
				if labelIDs, err = cs.Labels(labels); err != nil {
					return err
				}
			}
			var people []board.Member
			for _, name := range assignees {
				m, err := cs.Member(ctx, name)
				if err != nil {
					return fmt.Errorf("--assign: %w", err)
				}
				people = append(people, m)
			}
			m, err := cs.State().NewCard(cs.Project.ID, colID, title, now)
			if err != nil {
				return usageError{err}
			}
			// The server puts it at the end of the column; with no
			// position of lanes' making, a command run again with the same
			// key sends the same request.
			m.Position, m.Priority, m.Due = nil, prio, dueAt
			if description != "" {
				m.Description = &description
			}
			c, err := cs.Send(ctx, "add the card", o.keyed(m, ""))
			if err != nil {
				return err
			}
			if c == nil {
				return errors.New("add the card: the server did not say which card it made")
			}
			added := func(err error) error {
				return fmt.Errorf("added %s, but %w", cs.ShortID(c.ID), err)
			}
			if len(labelIDs) > 0 {
				lm, err := cs.State().SetLabels(c.ID, labelIDs, now)
				if err == nil {
					c, err = cs.Send(ctx, "could not label it", o.keyed(lm, "/labels"))
				}
				if err != nil {
					return added(err)
				}
			}
			for _, p := range people {
				am, err := cs.State().SetAssigned(c.ID, p.UserID, true, now)
				if err == nil {
					c, err = cs.Send(ctx, "could not assign "+safe.Line(p.Name), o.keyed(am, "/assign/"+p.UserID))
				}
				if err != nil {
					return added(err)
				}
			}
			return a.printCard(ctx, cs, o.format, c)
		},
	}
	cardFlags(cmd, &o, true)
	cmd.Flags().StringVar(&column, "column", "", "the column to add it to, by name or id (default: the first)")
	cmd.Flags().StringVar(&priority, "priority", "", "none, low, medium, high or urgent")
	cmd.Flags().StringVar(&due, "due", "", "the due date: today, tomorrow, fri, +3d, 2w, dec 1, 2026-12-01")
	cmd.Flags().StringSliceVar(&labels, "label", nil, "a label, by name (repeat, or separate with commas)")
	cmd.Flags().StringSliceVar(&assignees, "assign", nil, "a member to assign, by name, or me (repeat, or separate with commas)")
	cmd.Flags().StringVar(&description, "description", "", "the card's description")
	return cmd
}

func (a *app) cardListCmd() *cobra.Command {
	var (
		o      cardOpts
		column string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the board's cards (or one column's)",
		Long: `List the cards the board shows, column by column in board order: not the
archived ones, nor subtasks (name those by id). --format json prints an
array of cards, [] when there are none.`,
		Example: `  lanes card list
  lanes card list --column "In Progress"
  lanes card list --format json | jq -r '.[] | select(.priority == "urgent") | .id'`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			cs, done, err := a.openCards(ctx, &o)
			if err != nil {
				return err
			}
			defer done()
			colID, where := "", cs.Board()
			if column != "" {
				col, err := cs.Column(column)
				if err != nil {
					return err
				}
				colID, where = col.ID, safe.Line(col.Name)+" on "+cs.Board()
			}
			cards := cs.Listed(colID)
			if o.format == "json" {
				out := make([]cardJSON, len(cards))
				for i, c := range cards {
					out[i] = toCardJSON(ctx, cs, c)
				}
				return a.writeJSON(out)
			}
			if len(cards) == 0 {
				fmt.Fprintf(a.errOut, "no cards in %s\n", where)
				return nil
			}
			return cardTable(ctx, cs, cards).print(a.out)
		},
	}
	cardFlags(cmd, &o, false)
	cmd.Flags().StringVar(&column, "column", "", "only this column's cards, by name or id")
	return cmd
}

func (a *app) cardMoveCmd() *cobra.Command {
	var (
		o  cardOpts
		to string
	)
	cmd := &cobra.Command{
		Use:   "move ID|TITLE --to COLUMN",
		Short: "Move a card to the end of another column",
		Long: `Move a card to the end of another column, and print it. Moving it into a
done column completes it; moving it out of one reopens it. A card already
in the column stays where it is (and lanes says so on stderr).`,
		Example: `  lanes card move 3f2a9c1e --to "In Review"
  lanes card move "Fix the login page" --to Done`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			if strings.TrimSpace(to) == "" {
				return usagef("lanes card move needs --to COLUMN, the column to move the card to")
			}
			ctx := cmd.Context()
			cs, c, done, err := a.openCardToChange(ctx, &o, args[0])
			if err != nil {
				return err
			}
			defer done()
			col, err := cs.Column(to)
			if err != nil {
				return err
			}
			m, err := cs.State().MoveTo(c.ID, col.ID, time.Now())
			switch {
			case errors.Is(err, board.ErrNoRoom):
				fmt.Fprintf(a.errOut, "%s is already in %s\n", cs.ShortID(c.ID), safe.Line(col.Name))
			case err != nil:
				return fmt.Errorf("move %s: %w", cs.ShortID(c.ID), err)
			default:
				if c, err = cs.Send(ctx, "move "+cs.ShortID(c.ID), o.keyed(m, "")); err != nil {
					return err
				}
			}
			return a.printCard(ctx, cs, o.format, c)
		},
	}
	cardFlags(cmd, &o, true)
	cmd.Flags().StringVar(&to, "to", "", "the column to move it to, by name or id")
	return cmd
}

func (a *app) cardDoneCmd() *cobra.Command {
	var o cardOpts
	cmd := &cobra.Command{
		Use:   "done ID|TITLE",
		Short: "Complete a card (it moves to the first done column) and print it",
		Long: `Complete a card as space on the board does: it is marked done and moves to
the first done column (a subtask stays under its card). A card already done
stays as it is (and lanes says so on stderr).`,
		Example: `  lanes card done 3f2a9c1e
  lanes card done "Fix the login page" --format json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			cs, c, done, err := a.openCardToChange(ctx, &o, args[0])
			if err != nil {
				return err
			}
			defer done()
			if c.Done() {
				fmt.Fprintf(a.errOut, "%s is already done\n", cs.ShortID(c.ID))
				return a.printCard(ctx, cs, o.format, c)
			}
			m, err := cs.State().ToggleDone(c.ID, time.Now())
			if err != nil {
				return fmt.Errorf("complete %s: %w", cs.ShortID(c.ID), err)
			}
			if c, err = cs.Send(ctx, "complete "+cs.ShortID(c.ID), o.keyed(m, "")); err != nil {
				return err
			}
			return a.printCard(ctx, cs, o.format, c)
		},
	}
	cardFlags(cmd, &o, true)
	return cmd
}

func (a *app) cardCommentCmd() *cobra.Command {
	var o cardOpts
	cmd := &cobra.Command{
		Use:   "comment ID|TITLE TEXT",
		Short: "Comment on a card (TEXT - reads the comment from stdin)",
		Long: `Comment on a card as you. TEXT - reads the comment from stdin, for one of
several lines. --format json prints {"comment": {"taskId", "content"},
"card": {...}}.`,
		Example: `  lanes card comment 3f2a9c1e "Deployed to staging"
  git log -1 --format=%B | lanes card comment "Fix the login page" -`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			text := args[1]
			if text == "-" {
				raw, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 4*board.MaxComment+1))
				if err != nil {
					return fmt.Errorf("read the comment from stdin: %w", err)
				}
				text = string(raw)
			}
			text = strings.TrimSpace(text)
			switch n := utf8.RuneCountInString(text); {
			case n == 0:
				return usagef("the comment is empty: lanes card comment ID|TITLE TEXT")
			case n > board.MaxComment:
				return usagef("a comment can be at most %d characters (this one has %d)", board.MaxComment, n)
			}
			ctx := cmd.Context()
			cs, c, done, err := a.openCardToChange(ctx, &o, args[0])
			if err != nil {
				return err
			}
			defer done()
			if why := cs.Lacks(board.FeatureComments); why != "" {
				return errors.New(why)
			}
			m, err := cs.State().AddComment(c.ID, text, time.Now())
			if err != nil {
				return usageError{err}
			}
			if _, err := cs.Send(ctx, "comment on "+cs.ShortID(c.ID), o.keyed(m, "")); err != nil {
				return err
			}
			// The server answers a comment with the comment: the card is
			// shown as the board would, counting it.
			if st, err := board.Apply(cs.State(), m); err == nil {
				if k, ok := st.Card(c.ID); ok {
					c = k
				}
			}
			if o.format == "json" {
				type comment struct {
					TaskID  string `json:"taskId"`
					Content string `json:"content"`
				}
				return a.writeJSON(struct {
					Comment comment  `json:"comment"`
					Card    cardJSON `json:"card"`
				}{comment{c.ID, m.Comment}, toCardJSON(ctx, cs, c)})
			}
			_, err = fmt.Fprintf(a.out, "Commented on %s %q\n", cs.ShortID(c.ID), safe.Line(c.Title))
			return err
		},
	}
	cardFlags(cmd, &o, true)
	return cmd
}

// checkTitle refuses a title no board takes.
func checkTitle(title string) error {
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		return usagef("the card needs a title: lanes card add TITLE")
	case n > board.MaxTitle:
		return usagef("a title can be at most %d characters (this one has %d)", board.MaxTitle, n)
	}
	return nil
}

// parsePriority reads --priority ("": not given).
func parsePriority(v string) (*board.Priority, error) {
	if v == "" {
		return nil, nil
	}
	p := board.Priority(strings.ToLower(strings.TrimSpace(v)))
	switch p {
	case board.PriorityNone, board.PriorityLow, board.PriorityMedium, board.PriorityHigh, board.PriorityUrgent:
		return &p, nil
	}
	return nil, usagef("--priority must be none, low, medium, high or urgent, got %q", v)
}

// cardJSON is a card as lanes card --format json prints it: the API's
// task fields (a subset, under the API's names, every one always there,
// null where the API's is) and the names of its column, assignees and
// labels.
type cardJSON struct {
	ID             string     `json:"id"`
	ProjectID      string     `json:"projectId"`
	ParentTaskID   *string    `json:"parentTaskId"`
	Title          string     `json:"title"`
	Description    *string    `json:"description"`
	StatusID       *string    `json:"statusId"`
	Column         string     `json:"column"`
	Priority       string     `json:"priority"`
	DueDate        *time.Time `json:"dueDate"`
	CompletedAt    *time.Time `json:"completedAt"`
	IsArchived     bool       `json:"isArchived"`
	EstimatedHours *float64   `json:"estimatedHours"`
	AssigneeIDs    []string   `json:"assigneeIds"`
	Assignees      []string   `json:"assignees"`
	LabelIDs       []string   `json:"labelIds"`
	Labels         []string   `json:"labels"`
	CommentCount   int        `json:"commentCount"`
	CreatorID      string     `json:"creatorId"`
	Version        int64      `json:"version"`
	UpdatedAt      time.Time  `json:"updatedAt"`
}

func toCardJSON(ctx context.Context, cs *launch.Cards, c *board.Card) cardJSON {
	out := cardJSON{
		ID: c.ID, ProjectID: c.ProjectID, Title: c.Title, Column: cs.ColumnName(c), Priority: string(c.Priority),
		DueDate: c.Due, CompletedAt: c.CompletedAt, IsArchived: c.Archived, EstimatedHours: c.Estimate,
		AssigneeIDs: append([]string{}, c.Assignees...), Assignees: cs.AssigneeNames(ctx, c),
		LabelIDs: append([]string{}, c.Labels...), Labels: cs.LabelNames(c),
		CommentCount: c.Comments, CreatorID: c.CreatorID, Version: c.Version, UpdatedAt: c.UpdatedAt,
	}
	for _, f := range []struct {
		to **string
		v  string
	}{{&out.ParentTaskID, c.ParentID}, {&out.Description, c.Description}, {&out.StatusID, c.StatusID}} {
		if f.v != "" {
			v := f.v
			*f.to = &v
		}
	}
	return out
}

// cardTable is the cards as lanes card prints them for people.
func cardTable(ctx context.Context, cs *launch.Cards, cards []*board.Card) *table {
	t := newTable("ID", "COLUMN", "TITLE", "PRIORITY", "DUE", "ASSIGNEES", "LABELS")
	for _, c := range cards {
		due := ""
		if c.Due != nil {
			due = c.Due.Local().Format("2006-01-02")
		}
		prio := string(c.Priority)
		if c.Priority == board.PriorityNone {
			prio = ""
		}
		t.row(cs.ShortID(c.ID), orDash(cs.ColumnName(c)), c.Title, orDash(prio), orDash(due),
			orDash(strings.Join(cs.AssigneeNames(ctx, c), ", ")), orDash(strings.Join(cs.LabelNames(c), ", ")))
	}
	return t
}

// printCard prints the card a change left, as --format says.
func (a *app) printCard(ctx context.Context, cs *launch.Cards, format string, c *board.Card) error {
	if format == "json" {
		return a.writeJSON(toCardJSON(ctx, cs, c))
	}
	return cardTable(ctx, cs, []*board.Card{c}).print(a.out)
}

// writeJSON prints v as indented JSON, for scripts: what lanes card and
// lanes webhook print with --format json.
func (a *app) writeJSON(v any) error { return writeJSON(a.out, v) }

// writeJSON writes v to w as indented JSON with every control character
// in it escaped, DEL and C1 ones included (encoding/json writes those
// raw): the same document to a pipe, a file or a terminal, where nothing
// in it is obeyed.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode the JSON: %w", err)
	}
	_, err := w.Write(safe.EscapeJSON(buf.Bytes()))
	return err
}
