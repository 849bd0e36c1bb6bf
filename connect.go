package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/config"
	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/taskadeboard"
)

// This file makes what every command that talks to a task server needs: the
// API client (with its debug log), the connection the flags, environment
// and config file point at, and the local server when they point nowhere.

// debugging says whether what ("http", "engine") is being debugged:
// --debug or LANES_DEBUG, a comma-separated list.
func (a *app) debugging(what string) bool {
	for _, v := range []string{a.debug, os.Getenv("LANES_DEBUG")} {
		for _, part := range strings.Split(v, ",") {
			if strings.TrimSpace(part) == what {
				return true
			}
		}
	}
	return false
}

// newClient is an API client of server as token, logging requests to
// http.log in the state directory when HTTP debugging is on. close
// releases the log.
func (a *app) newClient(server, token string) (c *api.Client, logPath string, close func(), err error) {
	log, logPath, close, err := a.httpLog()
	if err != nil {
		return nil, "", nil, err
	}
	opts := []api.Option{api.WithUserAgent(userAgent())}
	if log != nil {
		opts = append(opts, api.WithDebugLog(log))
	}
	return api.New(server, token, opts...), logPath, close, nil
}

// userAgent is what lanes calls itself to servers.
func userAgent() string { return "lanes/" + strings.Fields(shortVersion() + " ")[0] }

// httpLog is http.log in the state directory when HTTP debugging is on
// (nil when it is off), where it is, and what closes it.
func (a *app) httpLog() (w io.Writer, path string, close func(), err error) {
	if !a.debugging("http") {
		return nil, "", func() {}, nil
	}
	f, err := a.openLog("http.log")
	if err != nil {
		return nil, "", nil, fmt.Errorf("the HTTP debug log: %w", err)
	}
	return f, f.Name(), func() { f.Close() }, nil
}

// startLocalServer starts the task server on the data directory, in this
// process, logging to server.log in the state directory; sends says it
// sends webhooks meanwhile (see local.Config). stop stops it.
func (a *app) startLocalServer(ctx context.Context, dir string, sends bool) (ls *local.Server, stop func() error, err error) {
	logFile, err := a.openLog("server.log")
	if err != nil {
		return nil, nil, fmt.Errorf("the server log: %w", err)
	}
	ls, err = local.Start(ctx, dir, local.Config{Log: logFile, Standup: local.StandupPrompt(nil), SendWebhooks: sends})
	if err != nil {
		logFile.Close()
		return nil, nil, err
	}
	return ls, func() error { return errors.Join(ls.Stop(), logFile.Close()) }, nil
}

// startLocal starts the task server on the data directory (sending
// webhooks if sends) and returns a client of it as the local user; a
// first run puts the example cards on the personal board.
func (a *app) startLocal(ctx context.Context, dir string, sends bool) (*api.Client, func() error, error) {
	ls, stopServer, err := a.startLocalServer(ctx, dir, sends)
	if err != nil {
		return nil, nil, err
	}
	token, err := ls.Token(ctx, filepath.Join(dir, "local-token"), ls.Local, "lanes board")
	if err != nil {
		stopServer()
		return nil, nil, err
	}
	c, _, closeLog, err := a.newClient(ls.URL, token)
	if err != nil {
		stopServer()
		return nil, nil, err
	}
	if err := local.SeedExamples(ctx, dir, c); err != nil {
		closeLog()
		stopServer()
		return nil, nil, err
	}
	return c, func() error { closeLog(); return stopServer() }, nil
}

// newTaskade is a Taskade API client of server as token, logging like
// newClient.
func (a *app) newTaskade(server, token string) (c *taskade.Client, logPath string, close func(), err error) {
	log, logPath, close, err := a.httpLog()
	if err != nil {
		return nil, "", nil, err
	}
	opts := []taskade.Option{taskade.WithUserAgent(userAgent())}
	if log != nil {
		opts = append(opts, taskade.WithDebugLog(log))
	}
	return taskade.New(server, token, opts...), logPath, close, nil
}

// The backends: what the task server speaks.
const (
	backendLanes   = "lanes" // a lanes server or a Krokanti one
	backendTaskade = "taskade"
)

// backendOf is the backend asked for: the flag, then LANES_BACKEND, then
// the config file's.
func backendOf(flag string, cfg config.Config) (string, error) {
	b := strings.ToLower(strings.TrimSpace(cmp.Or(flag, os.Getenv("LANES_BACKEND"), cfg.Backend, backendLanes)))
	switch b {
	case backendLanes, "krokanti":
		return backendLanes, nil
	case backendTaskade:
		return b, nil
	}
	return "", fmt.Errorf("--backend must be lanes or taskade, got %q", b)
}

// conn is the task server lanes was pointed at (flags, then environment,
// then the config file), or the local one it started.
type conn struct {
	srv       launch.Server
	c         *api.Client // nil on Taskade
	backend   string
	cfg       config.Config
	cfgPath   string
	dir       string
	serverKey string // the server's URL, or "local"
	space     string // asked for, if any
	project   string
	close     func()
}

// loadConfig reads the config file the flags and environment name.
func (a *app) loadConfig() (config.Config, string, error) {
	path, err := a.configPath()
	if err != nil {
		return config.Config{}, "", err
	}
	cfg, err := config.Load(path)
	return cfg, path, err
}

// connect connects a command that does its work and ends: if it starts
// the local server, that server sends no webhooks (they wait for a
// process that lives long enough to send them: the board, lanes ssh).
func (a *app) connect(ctx context.Context, f boardFlags) (*conn, error) {
	return a.connectSending(ctx, f, false)
}

// connectSending is connect for a command that waits for webhooks to be
// sent (sends): the local server, if started, sends them while it runs.
func (a *app) connectSending(ctx context.Context, f boardFlags, sends bool) (*conn, error) {
	cfg, cfgPath, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	return a.connectWith(ctx, f, cfgPath, cfg, sends)
}

// connectWith is connectSending with the config file already read.
func (a *app) connectWith(ctx context.Context, f boardFlags, cfgPath string, cfg config.Config, sends bool) (*conn, error) {
	backend, err := backendOf(f.backend, cfg)
	if err != nil {
		return nil, err
	}
	if backend == backendTaskade {
		return a.connectTaskade(ctx, f, cfgPath, cfg)
	}
	// Flags, then the environment, then the config file.
	f.server = cmp.Or(f.server, os.Getenv("LANES_SERVER"), cfg.Server)
	f.token = cmp.Or(f.token, os.Getenv("LANES_TOKEN"))
	// The file's token is for the file's server only.
	if f.token == "" && f.server != "" && f.server == cfg.Server {
		var err error
		if f.token, err = cfg.ResolveToken(ctx); err != nil {
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
		c, stop, err := a.startLocal(ctx, dir, sends)
		if err != nil {
			return nil, err
		}
		cn.srv, cn.c, cn.serverKey = launch.Krokanti(c), c, "local"
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
	cn.srv, cn.c, cn.close = launch.Krokanti(c), c, closeLog
	return cn, nil
}

// connectTaskade is connectWith for --backend taskade: Taskade's API (or
// --server's, for a test server) with a Taskade personal token.
func (a *app) connectTaskade(ctx context.Context, f boardFlags, cfgPath string, cfg config.Config) (*conn, error) {
	fileTaskade := strings.EqualFold(cfg.Backend, backendTaskade)
	fileServer := ""
	if fileTaskade {
		fileServer = cfg.Server
	}
	server := cmp.Or(f.server, os.Getenv("LANES_SERVER"), fileServer, taskade.DefaultURL)
	token := cmp.Or(f.token, os.Getenv("LANES_TOKEN"))
	// The file's token is for the file's backend and server only.
	if token == "" && fileTaskade && cmp.Or(cfg.Server, taskade.DefaultURL) == server {
		var err error
		if token, err = cfg.ResolveToken(ctx); err != nil {
			return nil, err
		}
	}
	if token == "" {
		return nil, fmt.Errorf("--backend taskade needs a Taskade personal token (Taskade: Settings → API): --token, LANES_TOKEN, or token_command in %s", cfgPath)
	}
	if err := config.CheckServerURL(server); err != nil {
		return nil, fmt.Errorf("--server: %w", err)
	}
	dir, err := a.data()
	if err != nil {
		return nil, err
	}
	tc, _, closeLog, err := a.newTaskade(server, token)
	if err != nil {
		return nil, err
	}
	return &conn{srv: taskadeboard.New(tc), backend: backendTaskade, cfg: cfg, cfgPath: cfgPath, dir: dir, serverKey: server,
		space: cmp.Or(f.space, cfg.Space), project: cmp.Or(f.project, cfg.Project), close: closeLog}, nil
}

// krokanti is the conn's API client, for a command that speaks only the
// Krokanti Tasks API (what, for the error).
func (cn *conn) krokanti(what string) (*api.Client, error) {
	if cn.c == nil {
		return nil, fmt.Errorf("%s works with a lanes or Krokanti server, not with --backend taskade", what)
	}
	return cn.c, nil
}
