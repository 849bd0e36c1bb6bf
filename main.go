// Command lanes is a keyboard-driven kanban board for the terminal and the
// task server it talks to. The root package is the command line only: this
// file builds the root command, each *_cmd.go file holds one command's flags
// and wiring, and the work is done by the packages below.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/config"
	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/server/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		report(os.Stderr, err)
		os.Exit(exitCode(err))
	}
}

// report says why lanes failed. An error may quote what a server or a
// file said (a project's name, a Trello card's id, a CSV header), so its
// control characters are shown, not obeyed.
func report(w io.Writer, err error) {
	fmt.Fprintln(w, "lanes:", safe.Text(err.Error()))
}

// app is what every command shares: where output goes, where data and the
// config file live, and what is being debugged.
type app struct {
	out, errOut io.Writer
	dataDir     string
	db          string // --db: a PostgreSQL URL, or "" for the data directory's SQLite
	configFile  string
	debug       string
}

func newRoot(out, errOut io.Writer) *cobra.Command {
	a := &app{out: out, errOut: errOut}
	root := &cobra.Command{
		Use:   "lanes",
		Short: "A keyboard-driven kanban board for the terminal, and its task server",
		Long: `lanes is a kanban board for the terminal that talks to a task server
speaking the Krokanti Tasks REST API. The same binary is that server.

Data (the SQLite database, each board's outbox and cache) lives in --data,
$LANES_DATA, or $XDG_DATA_HOME/lanes (~/.local/share/lanes). Logs go to
$XDG_STATE_HOME/lanes (~/.local/state/lanes). The config file is --config,
$LANES_CONFIG, or $XDG_CONFIG_HOME/lanes/config.toml.`,
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}")
	var bf boardFlags
	a.addBoardFlags(root, &bf)
	root.Args = exactArgs(0)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.RunE = func(cmd *cobra.Command, _ []string) error { return a.runBoard(cmd, bf) }
	root.SetOut(out)
	root.SetErr(errOut)
	pf := root.PersistentFlags()
	pf.StringVar(&a.dataDir, "data", "", "data directory (env LANES_DATA; default $XDG_DATA_HOME/lanes)")
	pf.StringVar(&a.configFile, "config", "", "config file (env LANES_CONFIG; default $XDG_CONFIG_HOME/lanes/config.toml)")
	pf.StringVar(&a.debug, "debug", "", "debug logs in the state directory, comma-separated: \"http\" (every request, http.log), \"engine\" (the sync engine's decisions, engine.log) (env LANES_DEBUG)")
	root.Flags().BoolP("version", "v", false, "print the version, commit, build date and Go version")
	root.AddCommand(a.serveCmd(), a.sshCmd(), a.standupCmd(), a.exportCmd(), a.importCmd(), a.userCmd(), a.spaceCmd(), a.tokenCmd(), a.webhookCmd(), a.migrateCmd(), a.checkCmd(),
		a.cardCmd(), a.configCmd(), versionCmd(), manCmd(root))
	a.completeBoardFlags(root)
	a.completeCardCommands(root)
	usageArgs(root)
	return root
}

// data is the data directory: the flag, then LANES_DATA, then XDG.
func (a *app) data() (string, error) {
	return config.DataDir(a.dataDir)
}

// configPath is the config file: the flag, then LANES_CONFIG, then XDG.
func (a *app) configPath() (string, error) {
	return config.Path(a.configFile)
}

// openStore opens the server's database, with its local user: the
// PostgreSQL database of --db or LANES_DB, or else the data directory's
// SQLite file.
func (a *app) openStore(ctx context.Context) (*store.Store, *store.User, error) {
	db, err := a.database()
	if err != nil {
		return nil, nil, err
	}
	if db != "" {
		return local.OpenDB(ctx, db)
	}
	dir, err := a.data()
	if err != nil {
		return nil, nil, err
	}
	return local.OpenStore(ctx, dir)
}

// database is the PostgreSQL URL the server's data is in: --db, then
// LANES_DB; "" (or "sqlite") for the data directory's SQLite file.
func (a *app) database() (string, error) {
	db, name := a.db, "--db"
	if db == "" {
		db, name = os.Getenv("LANES_DB"), "LANES_DB"
	}
	switch {
	case db == "" || db == "sqlite":
		return "", nil
	case store.IsURL(db):
		return db, nil
	}
	// The value is not repeated: it may hold a password.
	return "", fmt.Errorf("%s must be a PostgreSQL URL (postgres://user@host/dbname) or sqlite (the data directory's database)", name)
}

// addDBFlag gives cmd and its subcommands --db.
func (a *app) addDBFlag(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&a.db, "db", "", "the server's database: a PostgreSQL URL (postgres://user@host/dbname), or sqlite for the data directory's file (env LANES_DB; default sqlite)")
}
