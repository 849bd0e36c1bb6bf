package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
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
		proxies   []string
		private   bool
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
finish, and closes the database.

The server sends webhooks (lanes webhook) while it runs. They go to public
addresses only: a URL on loopback, a private network or another internal
range is refused, unless --allow-private-webhooks (or
LANES_ALLOW_PRIVATE_WEBHOOKS=1) says the receivers may be there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api := server.API(surface)
			if api != server.APIFull && api != server.APISeed {
				return fmt.Errorf("--api must be full or seed, got %q", surface)
			}
			if rateLimit < 0 {
				return fmt.Errorf("--rate-limit must be 0 (off) or more, got %d", rateLimit)
			}
			trusted, err := parsePrefixes(proxies)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			st, localUser, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			log := slog.New(slog.NewTextHandler(a.errOut, nil))
			private = private || local.PrivateWebhooks()
			srv := server.New(st, server.WithLogger(log), server.WithRateLimit(rateLimit), server.WithAPI(api),
				server.WithTrustedProxies(trusted), server.WithPrivateWebhooks(private),
				server.WithStandup(local.StandupPrompt(nil)))
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			log.Info("lanes serving", "url", "http://"+ln.Addr().String()+"/api", "database", st.Path(),
				"local_user", localUser.Name, "api", surface, "rate_limit_per_minute", rateLimit, "private_webhooks", private)
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
	cmd.Flags().BoolVar(&private, "allow-private-webhooks", false, "let webhooks go to loopback, private and link-local addresses, for receivers on this machine or network (env LANES_ALLOW_PRIVATE_WEBHOOKS=1)")
	cmd.Flags().StringSliceVar(&proxies, "trusted-proxy", nil, "a load balancer's address or network (CIDR) whose X-Forwarded-For names the client, for the per-address limit on bad tokens; repeat or comma-separate for several")
	a.addDBFlag(cmd)
	return cmd
}

// parsePrefixes reads --trusted-proxy values: addresses or CIDR networks.
func parsePrefixes(vals []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy must be an IP address or a network like 10.0.0.0/8, got %q", v)
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
	}
	return out, nil
}
