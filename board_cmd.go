package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/config"
	"github.com/lanesboard/lanes/internal/draw"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/ui"
)

// boardFlags are the root command's own flags: which board to open.
type boardFlags struct {
	backend                       string
	server, token, space, project string
	archived                      bool
}

func (a *app) addBoardFlags(root *cobra.Command, f *boardFlags) {
	addBackendFlags(root, f)
	root.Flags().StringVar(&f.space, "space", "", "space to open, by name, slug or id (default: the board opened last, else your personal space)")
	root.Flags().StringVar(&f.project, "project", "", "project to open, by name, slug or id (default: the board opened last, else the space's first)")
	root.Flags().BoolVar(&f.archived, "archived", false, "list archived projects too (in the project switcher and when --project names none)")
}

// addBackendFlags are the flags that say which task server to talk to.
func addBackendFlags(cmd *cobra.Command, f *boardFlags) {
	cmd.Flags().StringVar(&f.backend, "backend", "", "what the server speaks: lanes (a lanes or Krokanti server) or taskade (env LANES_BACKEND; default lanes)")
	cmd.Flags().StringVar(&f.server, "server", "", "the task server (env LANES_SERVER); default: the local one, or Taskade's API with --backend taskade")
	cmd.Flags().StringVar(&f.token, "token", "", "API token for --server, or a Taskade personal token (env LANES_TOKEN)")
}

// runBoard opens the board: on --server, or on a local server this process
// starts on the data directory (first run: with example cards).
func (a *app) runBoard(cmd *cobra.Command, f boardFlags) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	cfg, cfgPath, err := a.loadConfig()
	if err != nil {
		return err
	}
	keys := keymap.Default()
	if err := keys.Override(cfg.Keys); err != nil {
		return fmt.Errorf("%s: [keys]: %w", cfgPath, err)
	}
	if err := needTerminal(cmd.InOrStdin(), cmd.OutOrStdout()); err != nil {
		return err
	}
	elog, closeElog, err := a.engineLog()
	if err != nil {
		return err
	}
	defer closeElog()
	cn, err := a.connectWith(ctx, f, cfgPath, cfg, true) // the board runs a while: its local server sends webhooks
	if err != nil {
		return err
	}
	defer cn.close()
	c, dir, serverKey := cn.srv, cn.dir, cn.serverKey
	last := launch.NewLastFile(dir, serverKey)
	ch, err := launch.Choose(ctx, c, last, launch.Query{Space: cn.space, Project: cn.project, Archived: f.archived})
	if err != nil {
		return err
	}
	// A large board's first frame is painted from its cache's head.
	opts := board.Options{Dir: dir, Server: serverKey, Actor: ch.Actor, Log: elog, Preview: true}
	e, err := launch.Open(ctx, c, ch, opts)
	if err != nil {
		return err
	}
	checked := last.Recheck(ctx, c, ch)
	defer func() { cancel(); <-checked }()
	theme := startTheme(cfg.Theme)
	var save func(string) error
	if theme != "none" {
		save = saveTheme // with colours off, T has nothing to remember
	}
	m := ui.New(e, ui.Config{Keys: keys, Renderer: renderer(cmd.OutOrStdout(), theme), Theme: theme, SaveTheme: save, SpaceName: ch.Space.Name,
		ProjectID: ch.Project.ID, Project: ch.Project.Name, Switcher: launch.NewSwitcher(c, opts, f.archived, last),
		ReadOnly: launch.ReadOnly(ch.Space), OpenSwitcher: ch.Defaulted && cn.backend == backendTaskade, StandupOrder: cfg.Standup.Order, Timebox: cfg.Standup.TimeboxOrDefault()})
	// Drawn by draw: a key's frame is written as soon as the model has
	// taken it, not on Bubble Tea's next frame tick.
	prog := draw.NewProgram(m, draw.Config{In: cmd.InOrStdin(), Out: cmd.OutOrStdout(), AltScreen: true, Mouse: true},
		tea.WithContext(ctx))
	final, runErr := prog.Run()
	if errors.Is(runErr, tea.ErrProgramKilled) && ctx.Err() != nil {
		runErr = nil // stopped by a signal: a normal way out
	}
	if fm, ok := final.(ui.Model); ok {
		e = fm.Engine() // the project switcher may have opened another
	}
	return errors.Join(runErr, e.Close())
}

// needTerminal refuses to start the board where nobody can see it or type
// into it (a pipe, a file, /dev/null), before anything is written there:
// the board is a full-screen program that needs a terminal both ways.
func needTerminal(in io.Reader, out io.Writer) error {
	if isTerminal(in) && isTerminal(out) {
		return nil
	}
	return errors.New("the board needs a terminal (its input and output are not one); " +
		"without a terminal, \"lanes standup\" prints the report and \"lanes --help\" lists the other commands")
}

func isTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(f.Fd())
}

// renderer is the lipgloss renderer for the board's output: theme "none"
// (or NO_COLOR) draws plain text; any other theme is ui's to apply.
func renderer(out io.Writer, theme string) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(out)
	if theme == "none" || os.Getenv("NO_COLOR") != "" {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}

// startTheme is the theme the board starts in: none if the config file or
// LANES_THEME turns colours off, else LANES_THEME, then the one T chose
// last (kept in the state directory), then the config file's, then auto.
func startTheme(configured string) string {
	env := strings.ToLower(strings.TrimSpace(os.Getenv("LANES_THEME")))
	if configured == "none" || env == "none" {
		return "none"
	}
	return config.FirstTheme(env, config.ReadTheme(themeFile()), configured)
}

// themeFile is where T's last choice is kept: theme in the state
// directory ("" if there is none to be found).
func themeFile() string {
	dir, err := config.StateDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "theme")
}

// saveTheme remembers the theme T chose, for the next start.
func saveTheme(t string) error {
	path := themeFile()
	if path == "" {
		return errors.New("no state directory to remember the theme in (set LANES_STATE)")
	}
	return config.WriteTheme(path, t)
}
