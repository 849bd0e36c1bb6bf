package sshd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// validTheme says t is a theme a session can be drawn in.
func validTheme(t string) bool {
	return t == "auto" || t == "dark" || t == "light"
}

// savedTheme is the theme name chose last, or "" if none (or the file is
// not one lanes wrote).
func (s *Server) savedTheme(name string) string {
	f, err := os.Open(s.themeFile(name))
	if err != nil {
		return ""
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, 64))
	if t := strings.TrimSpace(string(raw)); err == nil && validTheme(t) {
		return t
	}
	return ""
}

// saveTheme remembers name's theme for their next sessions.
func (s *Server) saveTheme(name, theme string) error {
	if !validTheme(theme) {
		return fmt.Errorf("no theme %q", theme)
	}
	path := s.themeFile(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("remember the theme: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(theme+"\n"), 0o600); err != nil {
		return fmt.Errorf("remember the theme: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return errors.Join(fmt.Errorf("remember the theme: %w", err), os.Remove(tmp))
	}
	return nil
}

// sessionTheme is the theme a session starts in: the client's LANES_THEME
// if it is one, else the person's saved choice, else auto.
func (s *Server) sessionTheme(name string, env map[string]string) string {
	if t := strings.ToLower(strings.TrimSpace(env["LANES_THEME"])); validTheme(t) {
		return t
	}
	if t := s.savedTheme(name); t != "" {
		return t
	}
	return "auto"
}
