package config

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
)

// Path is where the config file is: the --config flag (flag), then
// $LANES_CONFIG, then $XDG_CONFIG_HOME/lanes/config.toml, then
// ~/.config/lanes/config.toml.
func Path(flag string) (string, error) {
	if p := cmp.Or(flag, os.Getenv("LANES_CONFIG")); p != "" {
		return p, nil
	}
	return xdg("XDG_CONFIG_HOME", ".config", "lanes", "config.toml")
}

// DataDir is where lanes keeps data (the database, each board's outbox and
// cache): the --data flag (flag), then $LANES_DATA, then
// $XDG_DATA_HOME/lanes, then ~/.local/share/lanes.
func DataDir(flag string) (string, error) {
	if d := cmp.Or(flag, os.Getenv("LANES_DATA")); d != "" {
		return d, nil
	}
	return xdg("XDG_DATA_HOME", filepath.Join(".local", "share"), "lanes")
}

// StateDir is where lanes writes its logs (server.log, http.log,
// engine.log): $LANES_STATE, then $XDG_STATE_HOME/lanes, then
// ~/.local/state/lanes. Logs are not data: deleting them loses nothing.
func StateDir() (string, error) {
	if d := os.Getenv("LANES_STATE"); d != "" {
		return d, nil
	}
	return xdg("XDG_STATE_HOME", filepath.Join(".local", "state"), "lanes")
}

// xdg is $env/elem..., or ~/home/elem... when env is unset or not an
// absolute path (which the XDG spec says to ignore).
func xdg(env, home string, elem ...string) (string, error) {
	if d := os.Getenv(env); d != "" && filepath.IsAbs(d) {
		return filepath.Join(append([]string{d}, elem...)...), nil
	}
	h, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home directory (set %s): %w", env, err)
	}
	return filepath.Join(append([]string{h, home}, elem...)...), nil
}
