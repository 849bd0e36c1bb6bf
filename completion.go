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
	for _, name := range []string{"standup", "ssh", "export", "import"} {
		if c, _, err := root.Find([]string{name}); err == nil && c != root {
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
	server := ""
	if f := cmd.Flags().Lookup("server"); f != nil {
		server = f.Value.String()
	}
	space := ""
	if f := cmd.Flags().Lookup("space"); f != nil {
		space = f.Value.String()
	}
	dir, err := a.data()
	if err != nil {
		return nil, nil
	}
	if server == "" {
		cfg, _, err := a.loadConfig()
		if err != nil {
			return nil, nil
		}
		server = cmp.Or(os.Getenv("LANES_SERVER"), cfg.Server)
		flag := ""
		if f := cmd.Flags().Lookup("backend"); f != nil {
			flag = f.Value.String()
		}
		if b, err := backendOf(flag, cfg); err == nil && b == backendTaskade && server == "" {
			server = taskade.DefaultURL // what a Taskade board is remembered under
		}
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
