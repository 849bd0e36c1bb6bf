package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/server/store"
)

func (a *app) migrateCmd() *cobra.Command {
	var fromData, to string
	cmd := &cobra.Command{
		Use:   "migrate --to postgres://USER@HOST/DBNAME",
		Short: "Copy a server's data from its SQLite database into an empty PostgreSQL database",
		Long: `Copy everything the task server keeps in a data directory's SQLite
database (lanes.db) into an empty PostgreSQL database, so that "lanes serve
--db URL" carries on from there: users and their tokens (stored hashed,
so tokens keep working, and revoked ones stay revoked), spaces, members,
projects, columns, tasks, comments, assignees, labels, the trash, the
change log with its sequence numbers (boards following it carry on), and
the idempotency keys of the last 24 hours (older ones can no longer be
replayed and are left behind).

The copy is one transaction: it happens entirely or not at all. Before it
commits, every table is read back from PostgreSQL and its row count and
checksum compared with the source's. A target that holds any lanes data
is refused, and left as it was. The tables are made in the URL's schema
(its search_path; default public), which must exist.

PostgreSQL's text can't hold the character U+0000 or bytes that are not
UTF-8, which SQLite keeps; old rows may have them. They are replaced by
U+FFFD, and the summary says in which rows.

Stop "lanes serve" (and boards running their own server) on the data
directory first: what is written to SQLite after the copy starts is not
copied. The SQLite database is only read (its schema is brought up to
date first, as any lanes command would).

Give the password in PGPASSWORD or ~/.pgpass rather than in the URL, which
other users of this machine may see in the process list. It is never
printed.`,
		Example: `  lanes migrate --to postgres://lanes@db.example.com/lanes
  lanes migrate --from-data /srv/lanes --to 'postgres://lanes@localhost/lanes?search_path=team'
  lanes serve --db postgres://lanes@db.example.com/lanes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return errors.New("--to is required: the PostgreSQL database to copy into (postgres://user@host/dbname)")
			}
			if !store.IsURL(to) {
				// The value is not repeated: it may hold a password.
				return errors.New("--to must be a PostgreSQL URL (postgres://user@host/dbname)")
			}
			dir := fromData
			if dir == "" {
				var err error
				if dir, err = a.data(); err != nil {
					return err
				}
			}
			path := filepath.Join(dir, "lanes.db")
			if _, err := os.Stat(path); err != nil {
				return fmt.Errorf("no lanes database to copy in %s: %w", dir, err)
			}
			ctx := cmd.Context()
			start := time.Now()
			from, err := store.Open(ctx, path)
			if err != nil {
				return err
			}
			defer from.Close()
			target, err := store.OpenPostgres(ctx, to)
			if err != nil {
				return err
			}
			defer target.Close()
			rep, err := store.Copy(ctx, from, target)
			if errors.Is(err, store.ErrNotEmpty) {
				return fmt.Errorf("%w; nothing was copied. migrate fills an empty database only: "+
					"point --to at a new database, or at a new schema (CREATE SCHEMA name; then ?search_path=name)", err)
			}
			if err != nil {
				return fmt.Errorf("nothing was copied: %w", err)
			}
			return printCopyReport(a, rep, time.Since(start))
		},
	}
	cmd.Flags().StringVar(&fromData, "from-data", "", "the data directory whose lanes.db is copied (default: --data, $LANES_DATA or $XDG_DATA_HOME/lanes)")
	cmd.Flags().StringVar(&to, "to", "", "the PostgreSQL database to copy into, empty: postgres://user@host/dbname (required)")
	_ = cmd.MarkFlagDirname("from-data")
	_ = cmd.RegisterFlagCompletionFunc("to", cobra.NoFileCompletions)
	return cmd
}

// printCopyReport says what was copied, table by table, and how it was
// checked.
func printCopyReport(a *app, rep *store.CopyReport, took time.Duration) error {
	var b strings.Builder
	// The schema's name is the database's to say: drawn harmless, as are
	// the names of the two databases.
	fmt.Fprintf(&b, "Copied %s into %s (schema %s) in %s:\n\n", safe.Line(rep.From), safe.Line(rep.To), safe.Line(rep.Schema), took.Round(time.Millisecond))
	t := newTable("TABLE", "ROWS", "CHECKSUM", "")
	var total int64
	for _, tr := range rep.Tables {
		sum, note := tr.Checksum[:16], ""
		if tr.Rows == 0 {
			sum = "-"
		}
		if tr.Expired > 0 {
			note = plural(tr.Expired, "expired key") + " left behind"
		}
		if tr.Replaced > 0 {
			note = plural(tr.Replaced, "row") + " with text replaced"
		}
		t.row(tr.Table, fmt.Sprint(tr.Rows), sum, note)
		total += tr.Rows
	}
	t.row("total", fmt.Sprint(total), "", "")
	if err := t.print(&b); err != nil {
		return err
	}
	for _, tr := range rep.Tables {
		if tr.Replaced == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s: %s held U+0000 or bytes that are not UTF-8, which PostgreSQL can't store; each was replaced by U+FFFD in:\n",
			tr.Table, plural(tr.Replaced, "row"))
		for _, k := range tr.ReplacedKeys {
			fmt.Fprintln(&b, "  "+safe.Line(k))
		}
		if more := tr.Replaced - int64(len(tr.ReplacedKeys)); more > 0 {
			fmt.Fprintf(&b, "  and %d more\n", more)
		}
	}
	fmt.Fprintln(&b, "\nVerified before the commit: every table's row count and checksum in PostgreSQL match the source's.")
	if rep.LastSeq > 0 {
		fmt.Fprintf(&b, "The change log continues after %d.\n", rep.LastSeq)
	}
	fmt.Fprintln(&b, "Serve it with: lanes serve --db URL (the --to URL)")
	// The table pads every cell but a row's last, and the notes column is
	// mostly empty.
	var out strings.Builder
	for line := range strings.Lines(b.String()) {
		out.WriteString(strings.TrimRight(line, " \n") + "\n")
	}
	_, err := io.WriteString(a.out, out.String())
	return err
}

// plural is n and the noun, with an s unless n is 1.
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
