package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	neturl "net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/config"
	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/sshd"
	"github.com/lanesboard/lanes/taskadeboard"
)

type sshFlags struct {
	addr, keys, server string
	backend            string
	space, project     string
	idle               time.Duration
	maxSessions        int
}

func (a *app) sshCmd() *cobra.Command {
	var f sshFlags
	cmd := &cobra.Command{
		Use:   "ssh",
		Short: "Serve the board to a team over SSH",
		Long: `Serve the board over SSH: "ssh -p 2222 HOST" opens it, as the lanes user
the key belongs to.

Only public keys in the authorized keys file get in (default:
authorized_keys in the data directory). Each line is an OpenSSH public key
whose comment is the lanes user name:

  ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice

A name with no lanes user yet gets one, with a Personal space, at its first
login. The file is read again whenever it changes: a key taken out of it
(or given to another name) no longer gets in, and its open sessions are
told so and closed within seconds.

Without --server, lanes serves the data directory's own task server, in
this process. With --server, each key line must also carry the token its
user acts with:

  environment="LANES_TOKEN=kt_..." ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice

With --backend taskade, each person opens their own Taskade projects: the
key line carries their Taskade personal token, and --server defaults to
Taskade's API.

The host key is made on first start and kept in the data directory
(ssh_host_ed25519_key). SIGINT or SIGTERM closes every board, saving what
each person changed, and stops.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runSSH(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.addr, "addr", ":2222", "address to listen on")
	cmd.Flags().StringVar(&f.keys, "authorized-keys", "", "the authorized keys file (default: authorized_keys in the data directory)")
	cmd.Flags().StringVar(&f.server, "server", "", "serve boards of this task server instead of the local one")
	cmd.Flags().StringVar(&f.backend, "backend", "", "what --server speaks: lanes or taskade (env LANES_BACKEND; taskade defaults --server to Taskade's API)")
	cmd.Flags().StringVar(&f.space, "space", "", "the space every session opens first, by name, slug or id (default: each person's last board, or Personal)")
	cmd.Flags().StringVar(&f.project, "project", "", "the project every session opens first, by name or id")
	cmd.Flags().DurationVar(&f.idle, "idle-timeout", 8*time.Hour, "close a connection after this long with no traffic (0: never)")
	cmd.Flags().IntVar(&f.maxSessions, "max-sessions", 500, "most sessions at once; more are turned away")
	return cmd
}

func (a *app) runSSH(ctx context.Context, f sshFlags) error {
	if f.maxSessions < 1 {
		return fmt.Errorf("--max-sessions must be 1 or more, got %d", f.maxSessions)
	}
	if f.idle < 0 {
		return fmt.Errorf("--idle-timeout must be 0 (never) or more, got %s", f.idle)
	}
	dir, err := a.data()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("make the data directory: %w", err)
	}
	if f.keys == "" {
		f.keys = filepath.Join(dir, "authorized_keys")
	}
	log := slog.New(slog.NewTextHandler(a.errOut, nil))
	elog, closeElog, err := a.engineLog()
	if err != nil {
		return err
	}
	defer closeElog()
	cfg := sshd.Config{EngineLog: elog, Dir: dir, KeysFile: f.keys, Log: log, MaxSessions: f.maxSessions, Idle: f.idle,
		Space: f.space, Project: f.project}
	backend, err := backendOf(f.backend, config.Config{})
	if err != nil {
		return err
	}
	if backend == backendTaskade {
		f.server = cmp.Or(f.server, os.Getenv("LANES_SERVER"), taskade.DefaultURL)
		if err := checkTaskadeRemote(ctx, log, f.server); err != nil {
			return err
		}
		cfg.ServerKey, cfg.NeedToken = f.server, true
		cfg.Client = func(_ context.Context, _, token string) (launch.Server, func(), error) {
			c, _, closeLog, err := a.newTaskade(f.server, token)
			if err != nil {
				return nil, nil, err
			}
			return taskadeboard.New(c), closeLog, nil
		}
	} else if f.server != "" {
		if err := checkRemote(ctx, log, f.server); err != nil {
			return err
		}
		cfg.ServerKey, cfg.NeedToken = f.server, true
		cfg.Client = func(_ context.Context, _, token string) (launch.Server, func(), error) {
			c, _, closeLog, err := a.newClient(f.server, token)
			return launch.Krokanti(c), closeLog, err
		}
	} else {
		ls, stop, err := a.startLocalServer(ctx, dir, true)
		if err != nil {
			return err
		}
		defer func() {
			if err := stop(); err != nil {
				log.Error("stop the task server", "err", err)
			}
		}()
		cfg.ServerKey, cfg.Client = "local", a.localUsers(ls, dir, log)
	}
	srv, err := sshd.New(cfg)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no authorized keys file at %s: make one with a line per person, an OpenSSH public key followed by their lanes user name, like\n  ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI... alice", f.keys)
	}
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	log.Info("lanes ssh serving", "addr", ln.Addr().String(), "authorized_keys", f.keys, "keys", srv.Keys(),
		"task_server", cmp.Or(f.server, "local ("+dir+")"), "max_sessions", f.maxSessions, "idle_timeout", f.idle.String())
	return srv.Serve(ctx, ln)
}

// localUsers makes API clients of the local server for SSH users: each
// acts as the lanes user their key names (made, with a Personal space, at
// their first login) with a token kept in ssh/NAME/token in the data
// directory.
func (a *app) localUsers(ls *local.Server, dir string, log *slog.Logger) func(context.Context, string, string) (launch.Server, func(), error) {
	return func(ctx context.Context, name, _ string) (launch.Server, func(), error) {
		token, made, err := ls.UserToken(ctx, dir, name)
		if err != nil {
			return nil, nil, err
		}
		if made {
			log.Info("ssh: made a lanes user at first login", "user", name)
		}
		c, _, closeLog, err := a.newClient(ls.URL, token)
		return launch.Krokanti(c), closeLog, err
	}
}

// checkRemote checks --server is a URL, and warns if it does not answer
// now: each person's board opens from what their last session cached, and
// syncs when the server is back.
func checkRemote(ctx context.Context, log *slog.Logger, url string) error {
	if u, err := neturl.Parse(url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--server %q is not an http:// or https:// URL", url)
	}
	warnIfAway(ctx, log, url, "the task server", func(ctx context.Context) error {
		_, err := api.New(url, "").Probe(ctx)
		if api.IsUnauthorized(err) {
			return nil
		}
		return err
	})
	return nil
}

// warnIfAway asks the task server at url (what, in the warning) whether it
// is there, for at most launch.ReachWithin, and warns if not: the host
// serves anyway, each board opening from its person's cache. Without a
// token a server answers 401, which probe takes for "there"; each
// person's own token is checked at their login.
func warnIfAway(ctx context.Context, log *slog.Logger, url, what string, probe func(context.Context) error) {
	rctx, cancel := context.WithTimeout(ctx, launch.ReachWithin)
	defer cancel()
	if err := probe(rctx); err != nil && ctx.Err() == nil {
		log.Warn(what+" does not answer; serving anyway: boards open from each person's cache and sync when it is back",
			"task_server", url, "err", err)
	}
}

// checkTaskadeRemote is checkRemote for Taskade's API: without a token it
// answers 401, which is enough to know it is there.
func checkTaskadeRemote(ctx context.Context, log *slog.Logger, url string) error {
	if err := config.CheckServerURL(url); err != nil {
		return fmt.Errorf("--server: %w", err)
	}
	warnIfAway(ctx, log, url, "Taskade's API", func(ctx context.Context) error {
		_, err := taskade.New(url, "").Workspaces(ctx)
		if taskade.IsUnauthorized(err) {
			return nil
		}
		return err
	})
	return nil
}
