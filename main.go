// Command lanes is a keyboard-driven kanban board for the terminal and the
// task server it talks to. This file wires flags to packages and does nothing
// else.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/server/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lanes:", err)
		os.Exit(1)
	}
}

// app is what every subcommand shares: where output goes and where data lives.
type app struct {
	out, errOut io.Writer
	dataDir     string
	debug       string
}

func newRoot(out, errOut io.Writer) *cobra.Command {
	a := &app{out: out, errOut: errOut}
	root := &cobra.Command{
		Use:   "lanes",
		Short: "A keyboard-driven kanban board for the terminal, and its task server",
		Long: `lanes is a kanban board for the terminal that talks to a task server
speaking the Krokanti Tasks REST API. The same binary is that server.

Data (the SQLite database) lives in --data, $LANES_DATA, or
$XDG_DATA_HOME/lanes (~/.local/share/lanes).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var bf boardFlags
	a.addBoardFlags(root, &bf)
	root.Args = cobra.NoArgs
	root.RunE = func(cmd *cobra.Command, _ []string) error { return a.runBoard(cmd, bf) }
	root.SetOut(out)
	root.SetErr(errOut)
	root.PersistentFlags().StringVar(&a.dataDir, "data", "", "data directory (env LANES_DATA; default $XDG_DATA_HOME/lanes)")
	root.PersistentFlags().StringVar(&a.debug, "debug", "", "debug output: \"http\" logs every request to http.log in the data directory (env LANES_DEBUG)")
	root.AddCommand(a.serveCmd(), a.sshCmd(), a.standupCmd(), a.userCmd(), a.spaceCmd(), a.tokenCmd(), a.checkCmd(), a.configCmd(), versionCmd())
	return root
}

// data is the data directory: the flag, then LANES_DATA, then XDG.
func (a *app) data() (string, error) {
	if a.dataDir != "" {
		return a.dataDir, nil
	}
	if d := os.Getenv("LANES_DATA"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "lanes"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find a data directory (set --data or LANES_DATA): %w", err)
	}
	return filepath.Join(home, ".local", "share", "lanes"), nil
}

// openStore opens the data directory's database and makes sure the local
// user exists, as the first use of a data directory should.
func (a *app) openStore(ctx context.Context) (*store.Store, *store.User, error) {
	dir, err := a.data()
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, filepath.Join(dir, "lanes.db"))
	if err != nil {
		return nil, nil, err
	}
	u, err := st.EnsureLocalUser(ctx, localUserName())
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, u, nil
}

// localUserName is the OS user's name, made fit for a lanes user name.
func localUserName() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	name = strings.Map(func(r rune) rune {
		if validNameRune(r) {
			return r
		}
		return -1
	}, name)
	if name == "" {
		return "me"
	}
	return name
}

func validNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

func checkUserName(name string) error {
	if name == "" || len(name) > 64 || strings.IndexFunc(name, func(r rune) bool { return !validNameRune(r) }) >= 0 {
		return fmt.Errorf("user name %q must be 1-64 characters of letters, digits, '.', '_' and '-'", name)
	}
	return nil
}

// version is the module version and VCS revision the binary was built from.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the lanes version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "lanes", version())
			return nil
		},
	}
}
