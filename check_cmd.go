package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/safe"
)

func (a *app) checkCmd() *cobra.Command {
	var server, token string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check a task server: reachable, token accepted, which API it speaks",
		Long: `check connects to a task server (a lanes server or a Krokanti server) with a
token and reports what it finds: whether the server speaks lanes' additions or
only the Krokanti Tasks API, who the token belongs to, and the spaces and
projects it can see.`,
		Example: `  lanes check --server http://127.0.0.1:7420 --token kt_...
  LANES_TOKEN=kt_... lanes check --server https://tasks.krokanti.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if token == "" {
				token = os.Getenv("LANES_TOKEN")
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
	cmd.Flags().StringVar(&token, "token", "", "an API token (kt_...; env LANES_TOKEN)")
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
	for _, sp := range spaces {
		projects, err := c.Projects(ctx, sp.ID)
		if err != nil {
			return fmt.Errorf("list the projects of %q: %w", safe.Line(sp.Name), err)
		}
		fmt.Fprintf(out, "  %s (%s)\n", safe.Line(sp.Name), safe.Line(sp.Slug))
		for _, p := range projects {
			fmt.Fprintf(out, "    %s  %s\n", safe.Line(p.ID), safe.Line(p.Name))
		}
	}
	return nil
}
