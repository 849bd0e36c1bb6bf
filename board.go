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
	"slices"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/term"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
	"github.com/lanesboard/lanes/ui"
)

// boardFlags are the root command's own flags: which board to open.
type boardFlags struct {
	server, token, space, project string
	archived                      bool
}

func (a *app) addBoardFlags(root *cobra.Command, f *boardFlags) {
	root.Flags().StringVar(&f.server, "server", "", "open a board on this task server (env LANES_SERVER); default: the local one")
	root.Flags().StringVar(&f.token, "token", "", "API token for --server (env LANES_TOKEN)")
	root.Flags().StringVar(&f.space, "space", "", "space to open, by name, slug or id (default: the board opened last, else your personal space)")
	root.Flags().StringVar(&f.project, "project", "", "project to open, by name, slug or id (default: the board opened last, else the space's first)")
	root.Flags().BoolVar(&f.archived, "archived", false, "list archived projects too (in the project switcher and when --project names none)")
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
	return a.connectWith(ctx, f, cfgPath, cfg)
}

// connectWith is connect with the config file already read.
func (a *app) connectWith(ctx context.Context, f boardFlags, cfgPath string, cfg config) (*conn, error) {
	// Flags, then the environment, then the config file.
	f.server = cmp.Or(f.server, os.Getenv("LANES_SERVER"), cfg.Server)
	f.token = cmp.Or(f.token, os.Getenv("LANES_TOKEN"))
	// The file's token is for the file's server only.
	if f.token == "" && f.server != "" && f.server == cfg.Server {
		var err error
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
		if f.server == cfg.Server {
			return nil, fmt.Errorf("%s: server = %q needs a token: add token_command = \"…\" (or token = \"kt_…\") to the file, or pass --token / LANES_TOKEN", cfgPath, cfg.Server)
		}
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
	cfgPath, err := configPath()
	if err != nil {
		return err
	}
	cfg, err := loadConfig(cfgPath)
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
	cn, err := a.connectWith(ctx, f, cfgPath, cfg)
	if err != nil {
		return err
	}
	defer cn.close()
	c, dir, serverKey := cn.c, cn.dir, cn.serverKey
	last := &lastFile{dir: dir, server: serverKey}
	ch, err := chooseBoard(ctx, c, last, boardQuery{space: cn.space, project: cn.project, archived: f.archived})
	if err != nil {
		return err
	}
	e, err := board.Open(ctx, board.Options{Dir: dir, Server: serverKey, ProjectID: ch.project.ID, SpaceID: ch.space.ID, Actor: ch.actor, Remote: board.NewRemote(c)})
	if err != nil {
		return fmt.Errorf("open the board: %w", err)
	}
	checked := last.recheck(ctx, c, ch)
	defer func() { cancel(); <-checked }()
	sw := &projects{c: c, opts: board.Options{Dir: dir, Server: serverKey, Actor: ch.actor}, archived: f.archived, last: last}
	m := ui.New(e, ui.Config{Keys: keys, Renderer: renderer(cmd.OutOrStdout(), cfg.Theme), SpaceName: ch.space.Name,
		ProjectID: ch.project.ID, Project: ch.project.Name, Switcher: sw, ReadOnly: readOnly(ch.space),
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

// reachWithin bounds how long lanes waits for the server to find a board
// it has no copy of: long enough for a slow server, short enough that an
// absent one is named while the person is still looking.
const reachWithin = 8 * time.Second

// boardQuery is the board asked for: a space and a project by name, slug
// or id (none: the last one, or the personal space's first).
type boardQuery struct {
	space, project string
	// archived lets defaults and lists hold archived projects too.
	archived bool
}

// boardChoice is the board to open and what its first frame shows.
type boardChoice struct {
	space   api.Space
	project api.Project
	actor   string // the person's user id, if known
	// remembered says it came from last-board.json without asking the
	// server, which may since have renamed it, or removed it.
	remembered bool
}

// chooseBoard picks the board to open. The last board, when it is the one
// asked for and its cache is on disk, opens without a word to the server:
// the engine fetches it in the background, and says so if it is gone. Any
// other board is looked up, for at most reachWithin.
func chooseBoard(ctx context.Context, c *api.Client, last *lastFile, q boardQuery) (boardChoice, error) {
	if l, ok := last.read(); ok && l.answers(q) &&
		board.Cached(board.Options{Dir: last.dir, Server: last.server, ProjectID: l.Project}) {
		return l.choice(), nil
	}
	rctx, cancel := context.WithTimeout(ctx, reachWithin)
	defer cancel()
	sp, p, err := lookupLast(rctx, c, last, q)
	if err != nil {
		if ctx.Err() == nil && unreachable(err) {
			return boardChoice{}, fmt.Errorf("can't reach the task server %s, and no board of it is cached here to open without it: %w", c.BaseURL(), err)
		}
		return boardChoice{}, err
	}
	ch := boardChoice{space: sp, project: p}
	if me, err := c.Me(rctx); err == nil {
		ch.actor = me.ID
		last.update(p.ID, func(l *lastBoard) { l.Actor = me.ID })
	}
	return ch, nil
}

// unreachable says err means the server did not answer (or not in time).
func unreachable(err error) bool {
	return api.IsNetwork(err) || api.IsServerError(err) || errors.Is(err, context.DeadlineExceeded)
}

// openLast picks the board to open: the one asked for, or else the one
// opened last time on this server if it is still there, or else the personal
// space's first project; and remembers it for next time.
func openLast(ctx context.Context, c *api.Client, dir, serverKey, space, project string) (api.Space, api.Project, error) {
	return lookupLast(ctx, c, &lastFile{dir: dir, server: serverKey}, boardQuery{space: space, project: project})
}

func lookupLast(ctx context.Context, c *api.Client, last *lastFile, q boardQuery) (api.Space, api.Project, error) {
	if q.space == "" && q.project == "" {
		if l, ok := last.read(); ok {
			if sp, p, err := findBoard(ctx, c, boardQuery{space: l.Space, project: l.Project, archived: true}); err == nil {
				last.write(sp, p, q)
				return sp, p, nil
			} else if !errors.Is(err, errNoBoard) {
				return sp, p, err
			}
		}
	}
	sp, p, err := findBoard(ctx, c, q)
	if err != nil {
		return sp, p, err
	}
	last.write(sp, p, q)
	return sp, p, nil
}

// projects is the project switcher's view of the server: every project of
// every space, each opened as a board on the same data directory.
type projects struct {
	c        *api.Client
	opts     board.Options
	archived bool // list archived projects too
	last     *lastFile

	mu     sync.Mutex
	spaces map[string]api.Space // as last listed, for the person's role
}

func (p *projects) Projects(ctx context.Context) ([]ui.Choice, error) {
	spaces, err := p.c.Spaces(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.spaces = map[string]api.Space{}
	for _, sp := range spaces {
		p.spaces[sp.ID] = sp
	}
	p.mu.Unlock()
	var out []ui.Choice
	for _, sp := range spaces {
		ps, err := listProjects(ctx, p.c, sp, p.archived)
		if err != nil {
			return nil, err
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
		p.mu.Lock()
		sp, ok := p.spaces[c.SpaceID]
		p.mu.Unlock()
		if !ok {
			sp = api.Space{ID: c.SpaceID, Name: c.Space}
		}
		p.last.write(sp, api.Project{ID: c.ProjectID, SpaceID: c.SpaceID, Name: c.Project}, boardQuery{})
	}
	return e, err
}

// lastFile is last-board.json in a data directory: the board opened last
// on a server, with what its first frame needs, so a plain "lanes" opens
// it again, at once, even with the server away. Its writers in one process
// (the board, the switcher, the background check) take turns.
type lastFile struct {
	dir, server string
	mu          sync.Mutex
}

// lastBoard is what last-board.json holds.
type lastBoard struct {
	Server      string   `json:"server"`
	Space       string   `json:"space"`   // id
	Project     string   `json:"project"` // id
	SpaceName   string   `json:"spaceName,omitempty"`
	SpaceSlug   string   `json:"spaceSlug,omitempty"`
	ProjectName string   `json:"projectName,omitempty"`
	ProjectSlug string   `json:"projectSlug,omitempty"`
	Role        api.Role `json:"role,omitempty"`  // the person's, in the space
	Actor       string   `json:"actor,omitempty"` // the person's user id
	// AskedSpace and AskedProject are the --space and --project that led
	// to this board: asked again, they lead to it again.
	AskedSpace   string `json:"askedSpace,omitempty"`
	AskedProject string `json:"askedProject,omitempty"`
}

// maxLastBoard is more than any honest last-board.json; maxServers is
// how many servers' last boards it keeps, the latest first.
const (
	maxLastBoard = 64 << 10
	maxServers   = 16
)

func (f *lastFile) read() (lastBoard, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return readLast(f.dir, f.server)
}

// readLasts reads every server's record. The file is the person's own,
// but it is read as carefully as any: too big or not JSON, it holds none.
func readLasts(dir string) []lastBoard {
	fh, err := os.Open(filepath.Join(dir, "last-board.json"))
	if err != nil {
		return nil
	}
	defer fh.Close()
	raw, err := io.ReadAll(io.LimitReader(fh, maxLastBoard+1))
	var file struct {
		Boards []lastBoard `json:"boards"`
		// The one record an older lanes wrote, at the top level.
		lastBoard
	}
	if err != nil || len(raw) > maxLastBoard || json.Unmarshal(raw, &file) != nil {
		return nil
	}
	if file.Boards == nil && file.Server != "" {
		file.Boards = []lastBoard{file.lastBoard}
	}
	return file.Boards
}

// readLast is the server's record, if there is one with a project; its
// names are drawn, so made harmless, and an unknown role is none.
func readLast(dir, server string) (lastBoard, bool) {
	all := readLasts(dir)
	i := slices.IndexFunc(all, func(l lastBoard) bool { return l.Server == server })
	if i < 0 {
		return lastBoard{}, false
	}
	l := all[i]
	if l.Project == "" {
		return lastBoard{}, false
	}
	for _, s := range []*string{&l.SpaceName, &l.SpaceSlug, &l.ProjectName, &l.ProjectSlug} {
		*s = safe.Line(*s)
	}
	switch l.Role {
	case api.RoleOwner, api.RoleAdmin, api.RoleMember, api.RoleViewer:
	default:
		l.Role = ""
	}
	return l, true
}

// writeLast remembers l as its server's last board; failing to is not
// worth stopping for. A record with no actor keeps the one remembered for
// the same server: the data directory is one person's.
func writeLast(dir string, l lastBoard) {
	if l.Actor == "" {
		if old, ok := readLast(dir, l.Server); ok {
			l.Actor = old.Actor
		}
	}
	others := slices.DeleteFunc(readLasts(dir), func(o lastBoard) bool { return o.Server == l.Server })
	saveLasts(dir, append([]lastBoard{l}, others...))
}

// saveLasts writes the records, whole or not at all: another lanes on the
// same data directory may be reading them.
func saveLasts(dir string, boards []lastBoard) {
	raw, err := json.Marshal(struct {
		Boards []lastBoard `json:"boards"`
	}{boards[:min(len(boards), maxServers)]})
	if err != nil {
		return
	}
	path := filepath.Join(dir, "last-board.json")
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if os.MkdirAll(dir, 0o700) != nil || os.WriteFile(tmp, raw, 0o600) != nil || os.Rename(tmp, path) != nil {
		os.Remove(tmp)
	}
}

// write remembers sp / p as the board opened last, found by q.
func (f *lastFile) write(sp api.Space, p api.Project, q boardQuery) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeLast(f.dir, lastBoard{Server: f.server, Space: sp.ID, Project: p.ID,
		SpaceName: sp.Name, SpaceSlug: sp.Slug, ProjectName: p.Name, ProjectSlug: p.Slug, Role: sp.Role,
		AskedSpace: q.space, AskedProject: q.project})
}

// update changes the record if it is still of the project: the switcher
// may have moved on since the caller looked.
func (f *lastFile) update(project string, change func(*lastBoard)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := readLast(f.dir, f.server)
	if !ok || l.Project != project {
		return
	}
	change(&l)
	writeLast(f.dir, l)
}

// forget drops the server's record if it is still of the project.
func (f *lastFile) forget(project string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	all := readLasts(f.dir)
	kept := slices.DeleteFunc(slices.Clone(all), func(l lastBoard) bool { return l.Server == f.server && l.Project == project })
	if len(kept) < len(all) {
		saveLasts(f.dir, kept)
	}
}

// complete says the record has what a first frame needs.
func (l lastBoard) complete() bool {
	return l.Space != "" && l.Project != "" && l.SpaceName != "" && l.ProjectName != ""
}

// answers says the remembered board is the one q asks for, as far as can
// be told without the server.
func (l lastBoard) answers(q boardQuery) bool {
	if !l.complete() {
		return false
	}
	switch {
	case q.space == "" && q.project == "":
		return true
	case q.space == l.AskedSpace && q.project == l.AskedProject:
		return true
	case q.project == "":
		return false // the space's first project, which only the server knows
	}
	space := q.space == "" || strings.EqualFold(q.space, l.SpaceName) || q.space == l.SpaceSlug || q.space == l.Space
	return space && (strings.EqualFold(q.project, l.ProjectName) || q.project == l.ProjectSlug || q.project == l.Project)
}

func (l lastBoard) choice() boardChoice {
	return boardChoice{
		space:      api.Space{ID: l.Space, Name: l.SpaceName, Slug: l.SpaceSlug, Role: l.Role},
		project:    api.Project{ID: l.Project, SpaceID: l.Space, Name: l.ProjectName, Slug: l.ProjectSlug},
		actor:      l.Actor,
		remembered: true,
	}
}

// recheck asks the server, in the background, about a board opened from
// memory: its names, the person's role and id are remembered afresh for
// next time, and a board that is gone is forgotten so the next start opens
// another. The channel closes when it is done (ctx ending ends it).
func (f *lastFile) recheck(ctx context.Context, c *api.Client, ch boardChoice) <-chan struct{} {
	done := make(chan struct{})
	if !ch.remembered {
		close(done)
		return done
	}
	go func() {
		defer close(done)
		sp, p, err := findBoard(ctx, c, boardQuery{space: ch.space.ID, project: ch.project.ID, archived: true})
		switch {
		case errors.Is(err, errNoBoard):
			f.forget(ch.project.ID)
			return
		case err != nil:
			return // still away: what is remembered stands
		}
		var actor string
		if me, err := c.Me(ctx); err == nil {
			actor = me.ID
		}
		f.update(ch.project.ID, func(l *lastBoard) {
			l.SpaceName, l.SpaceSlug, l.Role = sp.Name, sp.Slug, sp.Role
			l.ProjectName, l.ProjectSlug = p.Name, p.Slug
			l.Actor = cmp.Or(actor, l.Actor)
		})
	}()
	return done
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

// errNoBoard means the space or project asked for is not among the
// person's: the server answered, and it is not there.
var errNoBoard = errors.New("no such board")

// noBoard is errNoBoard with what to tell the person.
type noBoard struct{ msg string }

func (e noBoard) Error() string        { return e.msg }
func (e noBoard) Is(target error) bool { return target == errNoBoard }

// pickBoard finds the space and project to open: by name, slug or id, or
// the personal space and its first active project.
func pickBoard(ctx context.Context, c *api.Client, space, project string) (api.Space, api.Project, error) {
	return findBoard(ctx, c, boardQuery{space: space, project: project})
}

// findBoard is pickBoard for a query. A project asked for by name, slug or
// id opens archived or not; an archived one is never a default and is
// listed only when q.archived says so.
func findBoard(ctx context.Context, c *api.Client, q boardQuery) (api.Space, api.Project, error) {
	spaces, err := c.Spaces(ctx)
	if err != nil {
		return api.Space{}, api.Project{}, fmt.Errorf("list spaces: %w", err)
	}
	if len(spaces) == 0 {
		return api.Space{}, api.Project{}, noBoard{"this account has no spaces"}
	}
	var candidates []api.Space
	switch {
	case q.space != "":
		for _, s := range spaces {
			if strings.EqualFold(s.Name, q.space) || s.Slug == q.space || s.ID == q.space {
				candidates = append(candidates, s)
			}
		}
		if len(candidates) == 0 {
			return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("no space %q (you have: %s)", q.space, spaceNames(spaces))}
		}
	case q.project != "":
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
	var seen []string // "Space / Project", for the error
	for _, s := range candidates {
		// Asked for by name, the project may be archived; a default never is.
		projects, err := listProjects(ctx, c, s, q.archived || q.project != "")
		if err != nil {
			return api.Space{}, api.Project{}, err
		}
		// An active project wins over an archived one of the same name.
		slices.SortStableFunc(projects, func(a, b api.Project) int {
			return cmp.Compare(boolRank(a.IsArchived), boolRank(b.IsArchived))
		})
		for _, p := range projects {
			if q.project == "" || strings.EqualFold(p.Name, q.project) || p.Slug == q.project || p.ID == q.project {
				return s, p, nil
			}
			if q.archived || !p.IsArchived {
				seen = append(seen, s.Name+" / "+p.Name)
			}
		}
	}
	if q.project != "" {
		if len(seen) == 0 {
			return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("no project %q (there are none to open)", q.project)}
		}
		return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("no project %q (there are: %s)", q.project, strings.Join(seen, ", "))}
	}
	if q.archived {
		return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("space %q has no projects", candidates[0].Name)}
	}
	return api.Space{}, api.Project{}, noBoard{fmt.Sprintf("space %q has no active projects (--archived opens an archived one)", candidates[0].Name)}
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// listProjects lists a space's projects, archived ones only if archived
// says so. Whether the server's list holds archived projects differs (a
// lanes server lists them apart, another may not), so the project's own
// isArchived decides.
func listProjects(ctx context.Context, c *api.Client, sp api.Space, archived bool) ([]api.Project, error) {
	ps, err := c.Projects(ctx, sp.ID)
	if err != nil {
		return nil, fmt.Errorf("list the projects of %q: %w", sp.Name, err)
	}
	if archived {
		more, err := c.ArchivedProjects(ctx, sp.ID)
		if err != nil && !api.IsNetwork(err) && !api.IsServerError(err) && ctx.Err() == nil {
			more, err = nil, nil // a server that can't list them apart lists them with the rest, or not at all
		}
		if err != nil {
			return nil, fmt.Errorf("list the archived projects of %q: %w", sp.Name, err)
		}
		seen := map[string]bool{}
		for _, p := range ps {
			seen[p.ID] = true
		}
		for _, p := range more {
			if p.IsArchived && !seen[p.ID] {
				ps = append(ps, p)
				seen[p.ID] = true
			}
		}
		return ps, nil
	}
	return slices.DeleteFunc(ps, func(p api.Project) bool { return p.IsArchived }), nil
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
