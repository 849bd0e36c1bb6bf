package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/config"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/taskadeboard"
)

func (a *app) checkCmd() *cobra.Command {
	var server, token, backend string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check a task server: reachable, token accepted, which API it speaks",
		Long: `check connects to a task server (a lanes server or a Krokanti server) with a
token and reports what it finds: whether the server speaks lanes' additions or
only the Krokanti Tasks API, who the token belongs to, and the spaces and
projects it can see. With --backend taskade it checks a Taskade personal
token against Taskade's API (or --server) and lists the workspaces,
folders and projects it can see.`,
		Example: `  lanes check --server http://127.0.0.1:7420 --token kt_...
  LANES_TOKEN=kt_... lanes check --server https://tasks.krokanti.com
  lanes check --backend taskade --token tskdp_...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" {
				token = os.Getenv("LANES_TOKEN")
			}
			b, err := backendOf(backend, config.Config{})
			if err != nil {
				return err
			}
			if b == backendTaskade {
				return a.checkTaskade(cmd, cmp.Or(server, os.Getenv("LANES_SERVER"), taskade.DefaultURL), token)
			}
			if server == "" || token == "" {
				return fmt.Errorf("check needs --server URL and --token kt_... (or LANES_TOKEN)")
			}
			c, logPath, closeLog, err := a.newClient(server, token)
			if err != nil {
				return err
			}
			defer closeLog()
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			err = check(ctx, cmd.OutOrStdout(), c)
			if logPath != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "HTTP log: %s\n", logPath)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&server, "server", "", "the server's base URL, e.g. http://127.0.0.1:7420")
	cmd.Flags().StringVar(&token, "token", "", "an API token (kt_..., or a Taskade personal token; env LANES_TOKEN)")
	cmd.Flags().StringVar(&backend, "backend", "", "what the server speaks: lanes or taskade (env LANES_BACKEND)")
	return cmd
}

func check(ctx context.Context, out io.Writer, c *api.Client) error {
	kind, err := c.Probe(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "server:   %s\nspeaks:   %s\n", c.BaseURL(), kind)
	if kind == api.ServerLanes {
		me, err := c.Me(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "token of: %s\n", safe.Line(me.Name))
	}
	spaces, err := c.Spaces(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "spaces:   %d\n", len(spaces))
	return listSpaces(ctx, out, c, spaces, func(sp api.Space) string { return sp.Slug })
}

// listSpaces prints each space (named by its name and what tag says) and
// its projects, for check.
func listSpaces(ctx context.Context, out io.Writer, d launch.Directory, spaces []api.Space, tag func(api.Space) string) error {
	for _, sp := range spaces {
		projects, err := d.Projects(ctx, sp.ID)
		if err != nil {
			return fmt.Errorf("list the projects of %q: %w", safe.Line(sp.Name), err)
		}
		fmt.Fprintf(out, "  %s (%s)\n", safe.Line(sp.Name), safe.Line(tag(sp)))
		for _, p := range projects {
			fmt.Fprintf(out, "    %s  %s\n", safe.Line(p.ID), safe.Line(p.Name))
		}
	}
	return nil
}

// checkTaskade is check for --backend taskade.
func (a *app) checkTaskade(cmd *cobra.Command, server, token string) error {
	if token == "" {
		return errors.New("check --backend taskade needs --token (a Taskade personal token, from Settings → API) or LANES_TOKEN")
	}
	if err := config.CheckServerURL(server); err != nil {
		return fmt.Errorf("--server: %w", err)
	}
	c, logPath, closeLog, err := a.newTaskade(server, token)
	if err != nil {
		return err
	}
	defer closeLog()
	ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
	defer cancel()
	err = checkTaskade(ctx, cmd.OutOrStdout(), taskadeboard.New(c))
	if logPath != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "HTTP log: %s\n", logPath)
	}
	return err
}

func checkTaskade(ctx context.Context, out io.Writer, acc *taskadeboard.Account) error {
	spaces, err := acc.Spaces(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "server:   %s\nspeaks:   Taskade API v1\ntoken of: %s; it is accepted\n", acc.BaseURL(), taskadeboard.ErrNoMe)
	fmt.Fprintf(out, "folders:  %d (each workspace's home folder, then its folders)\n", len(spaces))
	if err := listSpaces(ctx, out, acc, spaces, func(sp api.Space) string { return sp.ID }); err != nil {
		return err
	}
	if left, reset, ok := acc.Client().RateLimit(); ok {
		fmt.Fprintf(out, "rate:     %d requests left until %s\n", left, reset.Local().Format("15:04:05"))
	}
	return nil
}
