package main

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/server"
)

func (a *app) serveCmd() *cobra.Command {
	var (
		addr      string
		rateLimit int
		surface   string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the task server (the Krokanti Tasks API) on this data directory or a PostgreSQL database",
		Long: `Run the task server: the Krokanti Tasks REST API and lanes' additions,
over the SQLite database in the data directory, or over the PostgreSQL
database of --db (LANES_DB). On PostgreSQL any number of "lanes serve"
processes may share one database behind a load balancer: the schema is
migrated on start (one process at a time), and each process hears the
others' changes at once. Every request needs a token from "lanes token
create". SIGINT or SIGTERM stops taking requests, lets the ones in flight
finish, and closes the database.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api := server.API(surface)
			if api != server.APIFull && api != server.APISeed {
				return fmt.Errorf("--api must be full or seed, got %q", surface)
			}
			if rateLimit < 0 {
				return fmt.Errorf("--rate-limit must be 0 (off) or more, got %d", rateLimit)
			}
			ctx := cmd.Context()
			st, localUser, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			log := slog.New(slog.NewTextHandler(a.errOut, nil))
			srv := server.New(st, server.WithLogger(log), server.WithRateLimit(rateLimit), server.WithAPI(api),
				server.WithStandup(local.StandupPrompt(nil)))
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			log.Info("lanes serving", "url", "http://"+ln.Addr().String()+"/api", "database", st.Path(),
				"local_user", localUser.Name, "api", surface, "rate_limit_per_minute", rateLimit)
			serveErr := srv.Serve(ctx, ln, 30*time.Second)
			if err := st.Close(); err != nil {
				return fmt.Errorf("close database: %w", err)
			}
			if serveErr != nil {
				return serveErr
			}
			log.Info("lanes stopped; database closed")
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:7420", "address to listen on")
	cmd.Flags().IntVar(&rateLimit, "rate-limit", server.DefaultRateLimit, "requests per minute per token (0 turns the limit off)")
	cmd.Flags().StringVar(&surface, "api", string(server.APIFull), "API surface: full (the seed plus lanes' additions) or seed (exactly the Krokanti seed)")
	a.addDBFlag(cmd)
	return cmd
}
