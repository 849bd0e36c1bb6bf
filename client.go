package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/safe"
)

// debugHTTP says whether HTTP debugging is on: --debug http or
// LANES_DEBUG=http.
func (a *app) debugHTTP() bool {
	for _, v := range []string{a.debug, os.Getenv("LANES_DEBUG")} {
		for _, part := range strings.Split(v, ",") {
			if strings.TrimSpace(part) == "http" {
				return true
			}
		}
	}
	return false
}

// newClient is an API client of server as token, logging requests to
// http.log in the data directory when HTTP debugging is on. close releases
// the log.
func (a *app) newClient(server, token string) (c *api.Client, logPath string, close func(), err error) {
	opts := []api.Option{api.WithUserAgent("lanes/" + strings.Fields(version() + " ")[0])}
	close = func() {}
	if a.debugHTTP() {
		dir, err := a.data()
		if err != nil {
			return nil, "", nil, err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, "", nil, fmt.Errorf("create data directory: %w", err)
		}
		logPath = filepath.Join(dir, "http.log")
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, "", nil, fmt.Errorf("open the HTTP debug log: %w", err)
		}
		opts = append(opts, api.WithDebugLog(f))
		close = func() { f.Close() }
	}
	return api.New(server, token, opts...), logPath, close, nil
}

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
