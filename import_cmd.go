package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/config"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/transfer"
)

func (a *app) importCmd() *cobra.Command {
	var (
		bf    boardFlags
		name  string
		again bool
	)
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Make a new project from a lanes export, a Trello board export or a CSV file",
		Long: `Make a new project from FILE ("-": standard input), whose kind is told by
its content:

  lanes JSON   what lanes export writes: everything comes back
  Trello JSON  a Trello board export: open lists become columns, cards
               their cards (closed ones, and those of closed lists,
               archived), labels with their colours, checklist items
               subtasks, comments comments
  CSV          a header row, then a card per row: title (required),
               column, priority, due, labels, description; also what
               lanes export writes (assignees, completed, archived,
               parent); other columns are ignored

The project is made through the API, so this works against any lanes
server: its columns, labels, cards, subtasks, comments, then assignees
(people who are members of the space; the others are skipped and
counted). A board with no done column gets one. Comments someone else
wrote are headed with their name and time, since you post them.

A run cut short (^C, a lost connection) is finished by running the same
import again: nothing is made twice. A file imported before is refused
unless --again.`,
		Example: `  lanes import roadmap.json
  lanes import trello-board.json --space team --project "Website (from Trello)"
  lanes import cards.csv --project Backlog`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			data, err := transfer.ReadFile(path, cmd.InOrStdin())
			if err != nil {
				return err
			}
			fallback := "Imported"
			if path != "-" {
				fallback = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
			}
			f, err := transfer.Read(data, fallback)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			stateDir, err := config.StateDir()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			cn, err := a.connect(ctx, bf)
			if err != nil {
				return err
			}
			defer cn.close()
			c, err := cn.krokanti("lanes import")
			if err != nil {
				return err
			}
			sp, err := launch.FindSpace(ctx, c, cn.space)
			if err != nil {
				return err
			}
			if abs, err := filepath.Abs(path); err == nil && path != "-" {
				path = abs
			}
			server := cn.serverKey
			if server == "local" {
				server += " " + cn.dir // each data directory is a server of its own
			}
			im := &transfer.Importer{Client: c, Server: server, StateDir: stateDir, Space: sp, Name: name,
				Slug: slugOf, FileName: path, Again: again}
			finish := func() {}
			if isTerminal(a.errOut) {
				bar := transfer.NewBar(a.errOut, termenv.NewOutput(a.errOut).EnvColorProfile())
				im.Progress, finish = bar, bar.Finish
			} else {
				im.Progress = transfer.NewLines(a.errOut)
			}
			sum, err := im.Import(ctx, f)
			finish()
			if err != nil {
				return err
			}
			a.printSummary(f, sp.Name, sum)
			return nil
		},
	}
	cmd.Flags().StringVar(&bf.server, "server", "", "the task server (env LANES_SERVER); default: the local one")
	cmd.Flags().StringVar(&bf.token, "token", "", "API token for --server (env LANES_TOKEN)")
	cmd.Flags().StringVar(&bf.space, "space", "", "the space to make the project in, by name, slug or id (default: your personal space)")
	cmd.Flags().StringVar(&name, "project", "", "the new project's name (default: the one in the file, or the file's name)")
	cmd.Flags().BoolVar(&again, "again", false, "import a file imported before once more, as another project")
	return cmd
}

// printSummary says what an import made.
func (a *app) printSummary(f *transfer.File, space string, s *transfer.Summary) {
	fmt.Fprintf(a.out, "Imported %s into %s / %s:\n", f.Format, safe.Line(space), safe.Line(s.Project.Name))
	fmt.Fprintf(a.out, "  %d columns, %d labels, %d cards, %d subtasks, %d comments, %d assignees\n",
		s.Columns, s.Labels, s.Cards, s.Subtasks, s.Comments, s.Assignees)
	if s.Resumed {
		fmt.Fprintf(a.out, "  finished a run cut short (%d of these were made by it)\n", s.Already)
	}
	if len(s.Skipped) > 0 {
		names := make([]string, 0, len(s.Skipped))
		seen := map[string]bool{}
		for _, n := range s.Skipped {
			if !seen[n] {
				seen[n] = true
				names = append(names, safe.Line(n))
			}
		}
		fmt.Fprintf(a.out, "  skipped %d assignees who are not members of %s: %s\n", len(s.Skipped), safe.Line(space), strings.Join(names, ", "))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(a.out, "  note: %s\n", safe.Line(string(n)))
	}
}
