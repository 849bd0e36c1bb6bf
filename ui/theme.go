package ui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// The themes T cycles through. Auto is what the renderer made of the
// terminal's background when the board was built; over SSH it can't ask,
// and guesses dark, so a person on a light terminal picks light.
const (
	themeAuto  = "auto"
	themeDark  = "dark"
	themeLight = "light"
)

// themeOf reads Config.Theme: "" is auto, and so is anything T does not
// cycle through.
func themeOf(s string) string {
	if s == themeDark || s == themeLight {
		return s
	}
	return themeAuto
}

// nextTheme is the theme after t: auto → dark → light → auto.
func nextTheme(t string) string {
	switch t {
	case themeAuto:
		return themeDark
	case themeDark:
		return themeLight
	}
	return themeAuto
}

// setTheme draws the board in theme t from the next frame on: the
// renderer told the background (for auto, what it found at New), the
// styles built again, and whatever was drawn with the old ones forgotten.
func (m *Model) setTheme(t string) {
	dark := m.autoDark
	if t != themeAuto {
		dark = t == themeDark
	}
	m.theme = t
	m.ctx.Renderer.SetHasDarkBackground(dark)
	m.ctx.Styles = NewStyles(m.ctx.Renderer)
	m.board.Restyle()
	clear(m.helpLine)
}

// cycleTheme is the theme key on the board.
func (m Model) cycleTheme() (tea.Model, tea.Cmd) {
	m.setTheme(nextTheme(m.theme))
	m.ctx.Message = "theme: " + m.theme
	return m, m.saveTheme()
}

// themeSavedMsg is how saving theme went.
type themeSavedMsg struct {
	theme string
	err   error
}

// saveTheme saves the theme in force through Config.SaveTheme, one save
// at a time: saves running side by side could finish in any order and
// keep an older choice. While one is on its way nothing starts; its
// answer saves again if the theme changed meanwhile.
func (m *Model) saveTheme() tea.Cmd {
	if m.cfg.SaveTheme == nil || m.savingTheme {
		return nil
	}
	m.savingTheme = true
	save, theme := m.cfg.SaveTheme, m.theme
	return func() tea.Msg { return themeSavedMsg{theme, save(theme)} }
}

// themeSaved takes the answer of a save: a failure is said, and a theme
// chosen since is saved in turn.
func (m Model) themeSaved(msg themeSavedMsg) (tea.Model, tea.Cmd) {
	m.savingTheme = false
	if msg.err != nil {
		m.ctx.Message = "Couldn't save the theme: " + msg.err.Error()
	}
	if msg.theme != m.theme {
		return m, m.saveTheme()
	}
	return m, nil
}
