package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
	"github.com/lanesboard/lanes/ui"
)

// boardFlags are the root command's own flags: which board to open.
type boardFlags struct {
	server, token, space, project string
}

func (a *app) addBoardFlags(root *cobra.Command, f *boardFlags) {
	root.Flags().StringVar(&f.server, "server", "", "open a board on this task server (env LANES_SERVER); default: the local one")
	root.Flags().StringVar(&f.token, "token", "", "API token for --server (env LANES_TOKEN)")
	root.Flags().StringVar(&f.space, "space", "", "space to open, by name, slug or id (default: your personal space)")
	root.Flags().StringVar(&f.project, "project", "", "project to open, by name or id (default: the space's first)")
}

// conn is the task server lanes was pointed at (flags, then environment,
// then the config file), or the local one it started.
type conn struct {
	c         *api.Client
	cfg       config
	cfgPath   string
	dir       string
	serverKey string // the server's URL, or "local"
	space     string // asked for, if any
	project   string
	close     func()
}

func (a *app) connect(ctx context.Context, f boardFlags) (*conn, error) {
	cfgPath, err := configPath()
	if err != nil {
		return nil, err
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	// Flags, then the environment, then the config file.
	f.server = cmp.Or(f.server, os.Getenv("LANES_SERVER"), cfg.Server)
	f.token = cmp.Or(f.token, os.Getenv("LANES_TOKEN"))
	// The file's token is for the file's server only.
	if f.token == "" && f.server != "" && f.server == cfg.Server {
		if f.token, err = cfg.token(ctx); err != nil {
			return nil, err
		}
	}
	dir, err := a.data()
	if err != nil {
		return nil, err
	}
	cn := &conn{cfg: cfg, cfgPath: cfgPath, dir: dir, serverKey: f.server,
		space: cmp.Or(f.space, cfg.Space), project: cmp.Or(f.project, cfg.Project)}
	if f.server == "" {
		c, stop, err := a.startLocal(ctx, dir)
		if err != nil {
			return nil, err
		}
		cn.c, cn.serverKey = c, "local"
		cn.close = func() {
			if err := stop(); err != nil {
				fmt.Fprintln(a.errOut, "lanes:", err)
			}
		}
		return cn, nil
	}
	if f.token == "" {
		return nil, errors.New("--server needs --token kt_... (or LANES_TOKEN)")
	}
	c, _, closeLog, err := a.newClient(f.server, f.token)
	if err != nil {
		return nil, err
	}
	cn.c, cn.close = c, closeLog
	return cn, nil
}

// runBoard opens the board: on --server, or on a local server this process
// starts on the data directory (first run: with example cards).
func (a *app) runBoard(cmd *cobra.Command, f boardFlags) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	cn, err := a.connect(ctx, f)
	if err != nil {
		return err
	}
	defer cn.close()
	cfg, c, dir, serverKey := cn.cfg, cn.c, cn.dir, cn.serverKey
	keys := keymap.Default()
	if err := keys.Override(cfg.Keys); err != nil {
		return fmt.Errorf("%s: [keys]: %w", cn.cfgPath, err)
	}
	sp, p, err := openLast(ctx, c, dir, serverKey, cn.space, cn.project)
	if err != nil {
		return err
	}
	var actor string
	if me, err := c.Me(ctx); err == nil {
		actor = me.ID
	}
	e, err := board.Open(ctx, board.Options{Dir: dir, Server: serverKey, ProjectID: p.ID, SpaceID: sp.ID, Actor: actor, Remote: board.NewRemote(c)})
	if err != nil {
		return fmt.Errorf("open the board: %w", err)
	}
	sw := &projects{c: c, opts: board.Options{Dir: dir, Server: serverKey, Actor: actor}}
	m := ui.New(e, ui.Config{Keys: keys, Renderer: renderer(cmd.OutOrStdout(), cfg.Theme), SpaceName: sp.Name,
		ProjectID: p.ID, Project: p.Name, Switcher: sw, ReadOnly: readOnly(sp),
		StandupOrder: cfg.Standup.Order, Timebox: cfg.Standup.timebox()})
	prog := tea.NewProgram(m, tea.WithContext(ctx), tea.WithAltScreen(), tea.WithMouseCellMotion(),
		tea.WithInput(cmd.InOrStdin()), tea.WithOutput(cmd.OutOrStdout()))
	final, runErr := prog.Run()
	if errors.Is(runErr, tea.ErrProgramKilled) && ctx.Err() != nil {
		runErr = nil // stopped by a signal: a normal way out
	}
	if fm, ok := final.(ui.Model); ok {
		e = fm.Engine() // the project switcher may have opened another
	}
	return errors.Join(runErr, e.Close())
}

// openLast picks the board to open: the one asked for, or else the one
// opened last time on this server if it is still there, or else the personal
// space's first project; and remembers it for next time.
func openLast(ctx context.Context, c *api.Client, dir, serverKey, space, project string) (api.Space, api.Project, error) {
	if space == "" && project == "" {
		if last, ok := readLast(dir, serverKey); ok {
			if sp, p, err := pickBoard(ctx, c, last.Space, last.Project); err == nil {
				return sp, p, nil
			}
		}
	}
	sp, p, err := pickBoard(ctx, c, space, project)
	if err != nil {
		return sp, p, err
	}
	writeLast(dir, lastBoard{Server: serverKey, Space: sp.ID, Project: p.ID})
	return sp, p, nil
}

// projects is the project switcher's view of the server: every project of
// every space, each opened as a board on the same data directory.
type projects struct {
	c    *api.Client
	opts board.Options
}

// lastBoard is the board opened last, per data directory, so a plain
// "lanes" opens it again.
type lastBoard struct {
	Server  string `json:"server"`
	Space   string `json:"space"`
	Project string `json:"project"`
}

func readLast(dir, server string) (lastBoard, bool) {
	raw, err := os.ReadFile(filepath.Join(dir, "last-board.json"))
	var l lastBoard
	if err != nil || json.Unmarshal(raw, &l) != nil || l.Server != server || l.Project == "" {
		return lastBoard{}, false
	}
	return l, true
}

// writeLast remembers the board; failing to is not worth stopping for.
func writeLast(dir string, l lastBoard) {
	raw, _ := json.Marshal(l)
	os.WriteFile(filepath.Join(dir, "last-board.json"), raw, 0o600)
}

func (p *projects) Projects(ctx context.Context) ([]ui.Choice, error) {
	spaces, err := p.c.Spaces(ctx)
	if err != nil {
		return nil, err
	}
	var out []ui.Choice
	for _, sp := range spaces {
		ps, err := p.c.Projects(ctx, sp.ID)
		if err != nil {
			return nil, fmt.Errorf("list the projects of %q: %w", sp.Name, err)
		}
		for _, pr := range ps {
			out = append(out, ui.Choice{SpaceID: sp.ID, Space: sp.Name, ProjectID: pr.ID, Project: pr.Name, ReadOnly: readOnly(sp)})
		}
	}
	return out, nil
}

func (p *projects) Open(ctx context.Context, c ui.Choice) (*board.Engine, error) {
	o := p.opts
	o.ProjectID, o.SpaceID, o.Remote = c.ProjectID, c.SpaceID, board.NewRemote(p.c)
	e, err := board.Open(ctx, o)
	if err == nil {
		writeLast(o.Dir, lastBoard{Server: o.Server, Space: c.SpaceID, Project: c.ProjectID})
	}
	return e, err
}

// localServer is the task server on the data directory, run by this
// process on a free loopback port, logging to server.log.
type localServer struct {
	st    *store.Store
	local *store.User
	base  string // http://127.0.0.1:port
	stop  func() error
}

func (a *app) startLocalServer(ctx context.Context, dir string) (*localServer, error) {
	st, local, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open the server log: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		logFile.Close()
		st.Close()
		return nil, fmt.Errorf("start the local server: %w", err)
	}
	srv := server.New(st, server.WithLogger(slog.New(slog.NewTextHandler(logFile, nil))), server.WithRateLimit(0),
		server.WithStandup(standupPrompt(nil)))
	sctx, stopServer := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln, 5*time.Second) }()
	stop := func() error {
		stopServer()
		return errors.Join(<-done, st.Close(), logFile.Close())
	}
	return &localServer{st: st, local: local, base: "http://" + ln.Addr().String(), stop: stop}, nil
}

// startLocal starts the task server on the data directory on a free
// loopback port and returns a client of it as the local user.
func (a *app) startLocal(ctx context.Context, dir string) (*api.Client, func() error, error) {
	ls, err := a.startLocalServer(ctx, dir)
	if err != nil {
		return nil, nil, err
	}
	token, err := localToken(ctx, filepath.Join(dir, "local-token"), func(ctx context.Context) (string, error) {
		secret, _, err := server.IssueToken(ctx, ls.st, ls.local.ID, "lanes board")
		return secret, err
	}, ls.base)
	if err != nil {
		ls.stop()
		return nil, nil, err
	}
	c, _, closeLog, err := a.newClient(ls.base, token)
	if err != nil {
		ls.stop()
		return nil, nil, err
	}
	if err := seedExamples(ctx, dir, c); err != nil {
		closeLog()
		ls.stop()
		return nil, nil, err
	}
	return c, func() error { closeLog(); return ls.stop() }, nil
}

// localToken is the token the board uses on the local server, kept in the
// data directory (readable by its owner only) and made anew if it no longer
// works.
func localToken(ctx context.Context, path string, issue func(context.Context) (string, error), base string) (string, error) {
	if raw, err := os.ReadFile(path); err == nil {
		tok := strings.TrimSpace(string(raw))
		if _, err := api.New(base, tok).Spaces(ctx); err == nil {
			return tok, nil
		} else if !api.IsUnauthorized(err) {
			return "", fmt.Errorf("reach the local server: %w", err)
		}
	}
	tok, err := issue(ctx)
	if err != nil {
		return "", fmt.Errorf("make a token for the board: %w", err)
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save the board's token: %w", err)
	}
	return tok, nil
}

// exampleCards are what a first run shows, so the board is not empty.
var exampleCards = []struct {
	title    string
	column   int
	priority api.Priority
}{
	{"Welcome to lanes: press ? for the keys", 0, api.PriorityHigh},
	{"Move a card with H and L", 0, api.PriorityMedium},
	{"Add a card with n", 0, api.PriorityNone},
	{"Complete a card with space", 1, api.PriorityLow},
	{"Undo anything with u", 2, api.PriorityNone},
}

// seedExamples puts the example cards on the personal board, the first
// time the data directory is used for a board, through the API like any
// other change.
func seedExamples(ctx context.Context, dir string, c *api.Client) error {
	marker := filepath.Join(dir, "examples-added")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	_, p, err := pickBoard(ctx, c, "", "")
	if err != nil {
		return err
	}
	tasks, err := c.Tasks(ctx, p.ID, api.ListTasksOptions{})
	if err != nil {
		return err
	}
	if len(tasks) == 0 {
		cols, err := c.Statuses(ctx, p.ID)
		if err != nil {
			return err
		}
		for _, ex := range exampleCards {
			in := api.TaskCreate{ProjectID: p.ID, Title: ex.title, Priority: ex.priority}
			if ex.column < len(cols) {
				in.StatusID = &cols[ex.column].ID
			}
			if _, err := c.CreateTask(ctx, in); err != nil {
				return fmt.Errorf("add the example cards: %w", err)
			}
		}
	}
	return os.WriteFile(marker, []byte("example cards were added to the personal board\n"), 0o600)
}

// pickBoard finds the space and project to open: by name, slug or id, or
// the personal space and its first project.
func pickBoard(ctx context.Context, c *api.Client, space, project string) (api.Space, api.Project, error) {
	spaces, err := c.Spaces(ctx)
	if err != nil {
		return api.Space{}, api.Project{}, fmt.Errorf("list spaces: %w", err)
	}
	if len(spaces) == 0 {
		return api.Space{}, api.Project{}, errors.New("this account has no spaces")
	}
	var candidates []api.Space
	switch {
	case space != "":
		for _, s := range spaces {
			if strings.EqualFold(s.Name, space) || s.Slug == space || s.ID == space {
				candidates = append(candidates, s)
			}
		}
		if len(candidates) == 0 {
			return api.Space{}, api.Project{}, fmt.Errorf("no space %q (you have: %s)", space, spaceNames(spaces))
		}
	case project != "":
		candidates = spaces // look for the project everywhere
	default:
		candidates = []api.Space{spaces[0]}
		for _, s := range spaces {
			if s.IsPersonal {
				candidates = []api.Space{s}
				break
			}
		}
	}
	for _, s := range candidates {
		projects, err := c.Projects(ctx, s.ID)
		if err != nil {
			return api.Space{}, api.Project{}, fmt.Errorf("list the projects of %q: %w", s.Name, err)
		}
		for _, p := range projects {
			if project == "" || strings.EqualFold(p.Name, project) || p.Slug == project || p.ID == project {
				return s, p, nil
			}
		}
	}
	if project != "" {
		return api.Space{}, api.Project{}, fmt.Errorf("no project %q", project)
	}
	return api.Space{}, api.Project{}, fmt.Errorf("space %q has no projects", candidates[0].Name)
}

// readOnly is why the board of a space can't be changed by this person:
// Viewers see the board and nothing more.
func readOnly(sp api.Space) string {
	if sp.Role == api.RoleViewer {
		return "Read-only: you are a Viewer of " + sp.Name
	}
	return ""
}

func spaceNames(spaces []api.Space) string {
	names := make([]string, len(spaces))
	for i, s := range spaces {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// renderer is the lipgloss renderer for the board's output, with the
// theme's colours: none (or NO_COLOR) draws plain text; dark and light fix
// the background instead of asking the terminal.
func renderer(out io.Writer, theme string) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(out)
	switch {
	case theme == "none" || os.Getenv("NO_COLOR") != "":
		r.SetColorProfile(termenv.Ascii)
	case theme == "dark":
		r.SetHasDarkBackground(true)
	case theme == "light":
		r.SetHasDarkBackground(false)
	}
	return r
}
