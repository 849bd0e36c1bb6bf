package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/transfer"
)

func (a *app) exportCmd() *cobra.Command {
	var (
		bf             boardFlags
		format, output string
	)
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write a whole project out as lanes JSON (what import reads), CSV or Markdown",
		Long: `Write a whole project out: its columns with their settings, labels, and
every card (archived ones too) with its subtasks, comments, labels and
assignees.

  json      lanes JSON, versioned ({"lanes": 1, ...}): everything, and what
            lanes import reads back into a new project (the default)
  csv       a row per card and subtask, for spreadsheets; a cell that a
            spreadsheet would run as a formula starts with '
  markdown  the board to read: a section per column, cards as a task list

Without -o the export goes to stdout. The project is found as the board
finds it: --project and --space by name, slug or id, else the board opened
last, else the personal space's first project.`,
		Example: `  lanes export > general.json
  lanes export --project Roadmap --format markdown -o roadmap.md
  lanes export --server https://tasks.example.com --token kt_... --space team --project Launch --format csv -o launch.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var write func(io.Writer, *transfer.Board) error
			switch format {
			case "json":
				write = transfer.WriteJSON
			case "csv":
				write = transfer.WriteCSV
			case "markdown", "md":
				write = transfer.WriteMarkdown
			default:
				return fmt.Errorf("--format must be json, csv or markdown, got %q", format)
			}
			ctx := cmd.Context()
			cn, err := a.connect(ctx, bf)
			if err != nil {
				return err
			}
			defer cn.close()
			c, err := cn.krokanti("lanes export")
			if err != nil {
				return err
			}
			sp, p, err := launch.Lookup(ctx, c, cn.dir, cn.serverKey, launch.Query{Space: cn.space, Project: cn.project})
			if err != nil {
				return err
			}
			b, err := transfer.Export(ctx, c, sp, p)
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				return writeOut(a.out, isTerminal(a.out), func(w io.Writer) error { return write(w, b) })
			}
			return writeFile(output, func(w io.Writer) error { return write(w, b) })
		},
	}
	cmd.Flags().StringVar(&bf.server, "server", "", "the task server (env LANES_SERVER); default: the local one")
	cmd.Flags().StringVar(&bf.token, "token", "", "API token for --server (env LANES_TOKEN)")
	cmd.Flags().StringVar(&bf.space, "space", "", "the project's space, by name, slug or id")
	cmd.Flags().StringVar(&bf.project, "project", "", "the project, by name, slug or id (default: the board opened last)")
	cmd.Flags().StringVarP(&format, "format", "f", "json", "json, csv or markdown")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file (readable by you alone) instead of stdout")
	return cmd
}

// writeFile writes path whole or not at all: into a new file beside it,
// renamed over it once complete.
// writeOut writes an export to out. On a terminal it is drawn, so what
// came from the server (a title holding ESC) is made harmless first; to a
// pipe or a file it goes as it is.
func writeOut(out io.Writer, screen bool, write func(io.Writer) error) error {
	if !screen {
		return write(out)
	}
	var buf strings.Builder
	if err := write(&buf); err != nil {
		return err
	}
	_, err := io.WriteString(out, safe.Text(buf.String()))
	return err
}

func writeFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
