package main

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/server/store"
)

// completeBoardFlags teaches shell completion (lanes completion bash|zsh|
// fish|powershell) the spaces and projects --space and --project can name:
// from the local server's database when no server is configured, else from
// what this data directory remembers of the configured server. Completion
// never asks a server over the network: a tab must answer at once.
func (a *app) completeBoardFlags(root *cobra.Command) {
	cmds := []*cobra.Command{root}
	// import's --project is a new project's name: only its --space is
	// one there is.
	for _, path := range [][]string{{"standup"}, {"ssh"}, {"export"}, {"import"},
		{"card", "add"}, {"card", "list"}, {"card", "move"}, {"card", "done"}, {"card", "comment"}} {
		if c, _, err := root.Find(path); err == nil && c.Name() == path[len(path)-1] {
			cmds = append(cmds, c)
		}
	}
	for _, c := range cmds {
		if c.Flags().Lookup("backend") != nil {
			_ = c.RegisterFlagCompletionFunc("backend", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
				return []string{backendLanes + "\ta lanes or Krokanti server", backendTaskade + "\tyour Taskade projects"}, cobra.ShellCompDirectiveNoFileComp
			})
		}
		_ = c.RegisterFlagCompletionFunc("space", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
			spaces, _ := a.knownBoards(cmd)
			return spaces, cobra.ShellCompDirectiveNoFileComp
		})
		if c.Name() == "import" {
			continue
		}
		_ = c.RegisterFlagCompletionFunc("project", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
			_, projects := a.knownBoards(cmd)
			return projects, cobra.ShellCompDirectiveNoFileComp
		})
	}
}

// knownBoards are completions ("word\tdescription") for --space and
// --project; the projects are the space's when --space names one.
func (a *app) knownBoards(cmd *cobra.Command) (spaces, projects []string) {
	space := flagValue(cmd, "space")
	dir, server, ok := a.completionServer(cmd)
	if !ok {
		return nil, nil
	}
	if server != "" {
		for _, b := range launch.Remembered(dir, server) {
			spaces = appendWord(spaces, b.SpaceSlug, b.SpaceName)
			if space == "" || matches(space, b.SpaceName, b.SpaceSlug, b.Space) {
				projects = appendWord(projects, b.ProjectSlug, b.ProjectName)
			}
		}
		return spaces, projects
	}
	return localBoards(cmd.Context(), dir, space)
}

// localBoards are the local user's spaces and projects, read from the data
// directory's database if there is one (completion makes none).
func localBoards(ctx context.Context, dir, space string) (spaces, projects []string) {
	path := filepath.Join(dir, "lanes.db")
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(cmp.Or[context.Context](ctx, context.Background()), 2*time.Second)
	defer cancel()
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, nil
	}
	defer st.Close()
	_ = st.Read(ctx, func(tx *store.Tx) error {
		u, err := tx.LocalUser()
		if err != nil {
			return err
		}
		all, err := tx.SpacesForUser(u.ID)
		if err != nil {
			return err
		}
		for _, sp := range all {
			spaces = appendWord(spaces, sp.Slug, sp.Name)
			if space != "" && !matches(space, sp.Name, sp.Slug, sp.ID) {
				continue
			}
			ps, err := tx.Projects(sp.ID, false)
			if err != nil {
				return err
			}
			for _, p := range ps {
				projects = appendWord(projects, p.Slug, p.Name)
			}
		}
		return nil
	})
	return spaces, projects
}

// matches says ref names the space of that name, slug or id, as --space
// does.
func matches(ref, name, slug, id string) bool {
	return strings.EqualFold(ref, name) || ref == slug || ref == id
}

// appendWord adds a completion: the slug (one word, always accepted), with
// the name as its description, and the name itself when it is one word.
func appendWord(words []string, slug, name string) []string {
	add := func(w string) {
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	name = safe.Line(name)
	if slug = safe.Line(slug); slug != "" {
		add(slug + "\t" + name)
	}
	if name != "" && name != slug && !strings.ContainsAny(name, " \t") {
		add(name)
	}
	return words
}

// flagValue is the value of cmd's flag name ("" if it has none).
func flagValue(cmd *cobra.Command, name string) string {
	if f := cmd.Flags().Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// completionServer is the data directory and the server a command on the
// command line would talk to: --server, then LANES_SERVER and the config
// file's (Taskade's API for --backend taskade); "" for the local one.
func (a *app) completionServer(cmd *cobra.Command) (dir, server string, ok bool) {
	dir, err := a.data()
	if err != nil {
		return "", "", false
	}
	if server = flagValue(cmd, "server"); server != "" {
		return dir, server, true
	}
	cfg, _, err := a.loadConfig()
	if err != nil {
		return "", "", false
	}
	server = cmp.Or(os.Getenv("LANES_SERVER"), cfg.Server)
	if b, err := backendOf(flagValue(cmd, "backend"), cfg); err == nil && b == backendTaskade && server == "" {
		server = taskade.DefaultURL // what a Taskade board is remembered under
	}
	return dir, server, true
}

// completeCardCommands teaches completion what lanes card's arguments and
// flags name: the cards, columns, labels and members of the board the
// command would open, from the copy the board keeps of the board opened
// last (never the server: a tab must answer at once), and the values
// --format, --priority and --due take. A column, label or member is
// offered by id (its name the description) and by name when that is one
// word, as spaces and projects are.
func (a *app) completeCardCommands(root *cobra.Command) {
	card, _, err := root.Find([]string{"card"})
	if err != nil || card == root {
		return
	}
	words := func(ws ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return ws, cobra.ShellCompDirectiveNoFileComp
		}
	}
	from := func(what func(board.Fetched, []board.Member) []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
			f, ms, ok := a.cachedBoard(cmd)
			if !ok {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return what(f, ms), cobra.ShellCompDirectiveNoFileComp
		}
	}
	columns := from(func(f board.Fetched, _ []board.Member) []string {
		var out []string
		for _, c := range f.Columns {
			out = appendWord(out, c.ID, c.Name)
		}
		return out
	})
	for _, c := range card.Commands() {
		flag := func(name string, fn func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)) {
			if c.Flags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
		flag("format", words("table\tfor people", "json\tfor scripts"))
		flag("priority", words("none", "low", "medium", "high", "urgent"))
		flag("due", words("today", "tomorrow", "+3d", "1w", "fri"))
		flag("column", columns)
		flag("to", columns)
		flag("label", from(func(f board.Fetched, _ []board.Member) []string {
			var out []string
			for _, l := range f.Labels {
				out = appendWord(out, l.ID, l.Name)
			}
			return out
		}))
		flag("assign", from(func(_ board.Fetched, ms []board.Member) []string {
			out := []string{"me\tyou"}
			for _, m := range ms {
				out = appendWord(out, m.UserID, m.Name)
			}
			return out
		}))
		switch c.Name() {
		case "move", "done", "comment":
			cards := from(func(f board.Fetched, _ []board.Member) []string {
				st := board.NewState(f.Columns, f.Cards)
				var out []string
				for _, col := range st.Columns() {
					for _, id := range st.Column(col.ID) {
						if k, ok := st.Card(id); ok {
							out = append(out, safe.Line(id)+"\t"+safe.Line(k.Title))
						}
					}
				}
				return out
			})
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return cards(cmd, args, s)
			}
		}
	}
}

// cachedBoard is the cached copy of the board a card command would open,
// if it is the board opened last and the board keeps a copy of it.
func (a *app) cachedBoard(cmd *cobra.Command) (board.Fetched, []board.Member, bool) {
	dir, server, ok := a.completionServer(cmd)
	if !ok {
		return board.Fetched{}, nil, false
	}
	server = cmp.Or(server, "local")
	space, project := flagValue(cmd, "space"), flagValue(cmd, "project")
	for _, l := range launch.Remembered(dir, server) {
		if space != "" && !matches(space, l.SpaceName, l.SpaceSlug, l.Space) ||
			project != "" && !matches(project, l.ProjectName, l.ProjectSlug, l.Project) {
			continue
		}
		f, ms, err := board.ReadCache(board.Options{Dir: dir, Server: server, ProjectID: l.Project})
		if err != nil || len(f.Columns) == 0 {
			continue
		}
		return f, ms, true
	}
	return board.Fetched{}, nil, false
}
