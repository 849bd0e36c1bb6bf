package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"

	"github.com/lanesboard/lanes/keymap"
)

// config is the config file: what to open and how it looks.
type config struct {
	Server       string              `toml:"server"`
	Token        string              `toml:"token"`
	TokenCommand string              `toml:"token_command"`
	Space        string              `toml:"space"`
	Project      string              `toml:"project"`
	Theme        string              `toml:"theme"`
	Keys         map[string][]string `toml:"keys"`
	Standup      standupConfig       `toml:"standup"`
}

// standupConfig is how standup runs: who speaks in what order, for how long.
type standupConfig struct {
	Order   []string `toml:"order"`   // user names; the rest follow by name
	Timebox string   `toml:"timebox"` // per person, like "2m" or "90s"
}

// timebox is the time each person gets (2 minutes unless set).
func (s standupConfig) timebox() time.Duration {
	d, err := time.ParseDuration(s.Timebox)
	if err != nil || d <= 0 {
		return 2 * time.Minute
	}
	return d
}

// defaultConfig is what lanes config init writes: every setting, commented.
const defaultConfig = `# lanes configuration. Flags and environment variables win over this file.

# The task server to open (a lanes server or a Krokanti one). Leave it out
# to use the local server lanes starts on its data directory.
# server = "https://tasks.krokanti.com"

# The API token for server, or a command that prints it (so the token can
# live in a password manager instead of this file).
# token = "kt_..."
# token_command = "pass show krokanti/token"

# What to open: a space (name, slug or id) and a project (name or id).
# space = "team"
# project = "Launch"

# Colours: "auto" (follow the terminal), "dark", "light" or "none".
# NO_COLOR in the environment also turns colours off.
# theme = "auto"

# Standup (s on the board, or lanes standup): the speaking order by user
# name (everyone else follows, by name) and each person's timebox.
[standup]
# order = ["alice", "bob"]
# timebox = "2m"

# Key overrides: an action and the keys that do it (replacing the default).
# "lanes config keys" lists the actions.
[keys]
# move_left = ["H", "<"]
# move_right = ["L", ">"]
`

// configPath is where the config file lives: $XDG_CONFIG_HOME/lanes or
// ~/.config/lanes.
func configPath() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "lanes", "config.toml"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory (set XDG_CONFIG_HOME): %w", err)
	}
	return filepath.Join(home, ".config", "lanes", "config.toml"), nil
}

// loadConfig reads the config file; a missing one is an empty config. A bad
// one is an error naming the file and line.
func loadConfig(path string) (config, error) {
	var c config
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read the config file: %w", err)
	}
	md, err := toml.Decode(string(raw), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return c, fmt.Errorf("%s line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return c, fmt.Errorf("%s: %w", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		k := un[0].String()
		return c, fmt.Errorf("%s line %d: unknown setting %q", path, lineOf(raw, un[0][len(un[0])-1]), k)
	}
	switch c.Theme {
	case "", "auto", "dark", "light", "none":
	default:
		return c, fmt.Errorf("%s line %d: theme must be auto, dark, light or none, got %q", path, lineOf(raw, "theme"), c.Theme)
	}
	if c.Standup.Timebox != "" {
		if d, err := time.ParseDuration(c.Standup.Timebox); err != nil || d <= 0 {
			return c, fmt.Errorf("%s line %d: standup timebox must be a duration like \"2m\" or \"90s\", got %q", path, lineOf(raw, "timebox"), c.Standup.Timebox)
		}
	}
	if c.Token != "" && c.TokenCommand != "" {
		return c, fmt.Errorf("%s: set token or token_command, not both", path)
	}
	return c, nil
}

// lineOf is the first line that sets key, for messages (1 if none does).
func lineOf(raw []byte, key string) int {
	for i, l := range bytes.Split(raw, []byte("\n")) {
		t := strings.TrimSpace(string(l))
		if strings.HasPrefix(t, key) && strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(t, key)), "=") {
			return i + 1
		}
	}
	return 1
}

// token is the configured token, running token_command if that is how it
// is given.
func (c config) token(ctx context.Context) (string, error) {
	if c.TokenCommand == "" {
		return c.Token, nil
	}
	out, err := exec.CommandContext(ctx, "sh", "-c", c.TokenCommand).Output()
	if err != nil {
		return "", fmt.Errorf("run token_command %q: %w", c.TokenCommand, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Show or create the config file"}
	cmd.AddCommand(&cobra.Command{
		Use:   "path",
		Short: "Print where the config file is (it need not exist)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := configPath()
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), p)
			return nil
		},
	})
	var force bool
	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Write a config file with every setting, commented out",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := configPath()
			if err != nil {
				return err
			}
			if _, err := os.Stat(p); err == nil && !force {
				return fmt.Errorf("%s exists already (use --force to replace it)", p)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return fmt.Errorf("create the config directory: %w", err)
			}
			if err := os.WriteFile(p, []byte(defaultConfig), 0o600); err != nil {
				return fmt.Errorf("write the config file: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), p)
			return nil
		},
	}
	initCmd.Flags().BoolVar(&force, "force", false, "replace an existing config file")
	cmd.AddCommand(initCmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "keys",
		Short: "List the actions the [keys] table can rebind, with their default keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return printActions(cmd.OutOrStdout())
		},
	})
	return cmd
}

// printActions lists the rebindable actions: name, default keys, what it does.
func printActions(w io.Writer) error {
	km := keymap.Default()
	actions := km.Actions()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tKEYS\tDOES")
	for _, name := range keymap.ActionNames() {
		b := actions[name]
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, strings.Join(b.Keys(), " "), b.Help().Desc)
	}
	return tw.Flush()
}
