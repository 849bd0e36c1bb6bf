package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// IsTheme says t is a theme T on the board cycles through: auto, dark or
// light. ("none", colours off, is a setting of the file, not a theme T
// picks.)
func IsTheme(t string) bool {
	return t == "auto" || t == "dark" || t == "light"
}

// FirstTheme is the first of choices that is a theme (any case, spaces
// around ignored), or auto: a board asks the places that may name its
// theme, the most particular first.
func FirstTheme(choices ...string) string {
	for _, t := range choices {
		if t = strings.ToLower(strings.TrimSpace(t)); IsTheme(t) {
			return t
		}
	}
	return "auto"
}

// ReadTheme is the theme remembered at path, or "" if there is none, or
// the file holds something else.
func ReadTheme(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, 64))
	if t := strings.TrimSpace(string(raw)); err == nil && IsTheme(t) {
		return t
	}
	return ""
}

// WriteTheme remembers theme at path, whole or not at all: another board
// of the same person may be reading it.
func WriteTheme(path, theme string) error {
	if !IsTheme(theme) {
		return fmt.Errorf("no theme %q", theme)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("remember the theme: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".theme-*")
	if err != nil {
		return fmt.Errorf("remember the theme: %w", err)
	}
	_, err = tmp.WriteString(theme + "\n")
	if err = errors.Join(err, tmp.Close()); err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("remember the theme: %w", err), os.Remove(tmp.Name()))
	}
	return nil
}
