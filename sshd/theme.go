package sshd

import (
	"path/filepath"

	"github.com/lanesboard/lanes/config"
)

// A person's theme over SSH: wish can't ask the client's terminal for its
// background (wish#262), so every session would be drawn for a dark one.
// Each person chooses instead: T on the board cycles auto, dark and light,
// and the host remembers the choice in ssh/NAME/theme; LANES_THEME sent by
// the client (ssh -o SendEnv=LANES_THEME) wins for that session, since a
// person may use a light terminal here and a dark one there.

// themeFile is where the host keeps name's theme.
func (s *Server) themeFile(name string) string {
	return filepath.Join(s.cfg.Dir, "ssh", name, "theme")
}

// saveTheme remembers name's theme for their next sessions.
func (s *Server) saveTheme(name, theme string) error {
	return config.WriteTheme(s.themeFile(name), theme)
}

// sessionTheme is the theme a session starts in: the client's LANES_THEME
// if it is one, else the person's saved choice, else auto.
func (s *Server) sessionTheme(name string, env map[string]string) string {
	return config.FirstTheme(env["LANES_THEME"], config.ReadTheme(s.themeFile(name)))
}
