package ui

import (
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lanesboard/lanes/board"
)

// The accent colour (the focused column's frame, the space and project in
// the status line) in each theme, as a true-colour terminal is sent it.
const (
	accentDark  = "38;2;167;139;250" // #a78bfa
	accentLight = "38;2;91;32;182"   // #5b21b6, as termenv rounds it
)

// trueColour is a renderer that draws every colour, on a terminal whose
// background it can't ask (so it takes it for dark).
func trueColour() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	return r
}

var themeColumns = []board.Column{{ID: "todo", Name: "To Do"}, {ID: "done", Name: "Done", IsDone: true}}

// drawnIn fails unless the board is drawn in the accent colour want and
// not in other.
func drawnIn(t *testing.T, m Model, what, want, other string) {
	t.Helper()
	if v := m.View(); !strings.Contains(v, want) || strings.Contains(v, other) {
		t.Fatalf("%s: the board is not drawn in %s alone:\n%q", what, want, v)
	}
}

// T cycles auto → dark → light → auto, says so, and the next frame is
// drawn in the theme's colours; auto is the background the renderer
// found (dark, here).
func TestThemeKeyCyclesTheColours(t *testing.T) {
	r := trueColour()
	m := cachedModel(t, themeColumns, Config{Renderer: r})
	m = update(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	drawnIn(t, m, "at start (auto)", accentDark, accentLight)
	for _, c := range []struct {
		theme       string
		dark        bool
		want, other string
	}{
		{"dark", true, accentDark, accentLight},
		{"light", false, accentLight, accentDark},
		{"auto", true, accentDark, accentLight},
	} {
		next, cmd := m.Update(runes("T"))
		m = next.(Model)
		if cmd != nil {
			t.Fatalf("T with no SaveTheme still has something to run")
		}
		if m.theme != c.theme || r.HasDarkBackground() != c.dark || !strings.Contains(m.View(), "theme: "+c.theme) {
			t.Fatalf("after T: theme %s, dark background %v, status line %q; want %s", m.theme, r.HasDarkBackground(), m.statusLine(), c.theme)
		}
		drawnIn(t, m, "theme "+c.theme, c.want, c.other)
	}
}

// With Theme "light" the board starts in the light colours; auto is still
// what the renderer found before the theme set it (dark).
func TestThemeLightAtStart(t *testing.T) {
	r := trueColour()
	m := cachedModel(t, themeColumns, Config{Renderer: r, Theme: "light"})
	m = update(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if r.HasDarkBackground() {
		t.Fatal("the renderer still takes the background for dark")
	}
	drawnIn(t, m, "at start (light)", accentLight, accentDark)
	m = update(m, runes("T"))
	if m.theme != "auto" {
		t.Fatalf("T after light is %s, want auto", m.theme)
	}
	drawnIn(t, m, "auto after light", accentDark, accentLight)
}

// SaveTheme gets each choice in a command, never in Update; saves run one
// at a time with the last choice saved last; a failed save is said.
func TestThemeIsSaved(t *testing.T) {
	var saved []string
	var fail error
	m := cachedModel(t, themeColumns, Config{Renderer: trueColour(), SaveTheme: func(theme string) error {
		saved = append(saved, theme)
		return fail
	}})
	press := func() tea.Cmd {
		t.Helper()
		before := len(saved)
		next, cmd := m.Update(runes("T"))
		m = next.(Model)
		if len(saved) != before {
			t.Fatal("the theme was saved in Update")
		}
		return cmd
	}
	answer := func(cmd tea.Cmd) tea.Cmd {
		t.Helper()
		if cmd == nil {
			t.Fatal("nothing to save")
		}
		next, more := m.Update(cmd())
		m = next.(Model)
		return more
	}
	if more := answer(press()); more != nil || !slices.Equal(saved, []string{"dark"}) {
		t.Fatalf("saved %v, want dark", saved)
	}
	// Two presses while a save is on its way: the second waits for it, and
	// its answer saves the theme chosen since.
	first := press()
	if press() != nil {
		t.Fatal("a second save ran beside the first")
	}
	if more := answer(answer(first)); more != nil || !slices.Equal(saved, []string{"dark", "light", "auto"}) {
		t.Fatalf("saved %v, want dark, light, auto", saved)
	}
	fail = errors.New("the disk is full")
	answer(press())
	if v := m.View(); !strings.Contains(v, "Couldn't save the theme: the disk is full") {
		t.Fatalf("a failed save is not said:\n%s", v)
	}
}

// On a running board over a real server, T is drawn at once in the new
// colours, and each choice reaches SaveTheme.
func TestThemeKeyOnTheBoard(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var saved []string
	savedNow := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(saved)
	}
	tm := e.board(e.token, 80, 24, func(c *Config) {
		c.Renderer = trueColour()
		c.SaveTheme = func(theme string) error {
			mu.Lock()
			defer mu.Unlock()
			saved = append(saved, theme)
			return nil
		}
	})
	waitScreen(t, tm, "synced", "Write the launch", accentDark)
	for i, theme := range []string{"dark", "light", "auto"} {
		keys(tm, "T")
		if theme == "light" {
			waitScreen(t, tm, "theme: light", accentLight)
		} else {
			waitScreen(t, tm, "theme: "+theme)
		}
		e.eventually("theme "+theme+" saved", func() bool { return len(savedNow()) == i+1 })
	}
	m := finish(t, tm)
	if got := savedNow(); !slices.Equal(got, []string{"dark", "light", "auto"}) {
		t.Fatalf("saved %v", got)
	}
	drawnIn(t, m, "auto at the end", accentDark, accentLight)
}
