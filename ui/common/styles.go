package common

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/lanesboard/lanes/board"
)

// Styles are every style the board draws with, built in one place from one
// renderer, so colours follow the terminal the board is drawn on (a local
// terminal or an SSH session's), adapt to light and dark backgrounds, and
// vanish under NO_COLOR (the renderer's profile is then Ascii).
type Styles struct {
	Column        lipgloss.Style
	ColumnFocused lipgloss.Style
	// Frame and FrameFocused colour a column's border, which the board
	// draws itself (see columns.Model.frame) rather than through Column's Render.
	Frame        lipgloss.Style
	FrameFocused lipgloss.Style
	ColumnTitle  lipgloss.Style
	Count        lipgloss.Style
	Card         lipgloss.Style
	CardSelected lipgloss.Style
	Title        lipgloss.Style
	Meta         lipgloss.Style
	Overdue      lipgloss.Style
	Pending      lipgloss.Style
	Refused      lipgloss.Style
	Priority     map[board.Priority]lipgloss.Style
	StatusBar    lipgloss.Style
	StatusOK     lipgloss.Style
	StatusWarn   lipgloss.Style
	StatusBad    lipgloss.Style
	Message      lipgloss.Style
	Dialog       lipgloss.Style
	Heading      lipgloss.Style
	Muted        lipgloss.Style
}

// NewStyles builds the styles for a renderer (lipgloss.DefaultRenderer()
// for the local terminal).
func NewStyles(r *lipgloss.Renderer) Styles {
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	var (
		accent = c("#5b21b6", "#a78bfa")
		subtle = c("#9ca3af", "#4b5563")
		muted  = c("#6b7280", "#9ca3af")
		red    = c("#b91c1c", "#f87171")
		amber  = c("#b45309", "#fbbf24")
		green  = c("#15803d", "#4ade80")
		blue   = c("#1d4ed8", "#60a5fa")
	)
	s := Styles{
		Column:      r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(subtle).Padding(0, 1),
		ColumnTitle: r.NewStyle().Bold(true),
		Count:       r.NewStyle().Foreground(muted),
		Card:        r.NewStyle().PaddingLeft(1).Border(lipgloss.HiddenBorder(), false, false, false, true),
		Title:       r.NewStyle(),
		Meta:        r.NewStyle().Foreground(muted),
		Overdue:     r.NewStyle().Foreground(red).Bold(true),
		Pending:     r.NewStyle().Foreground(amber),
		Refused:     r.NewStyle().Foreground(red).Bold(true),
		StatusBar:   r.NewStyle().Padding(0, 1),
		StatusOK:    r.NewStyle().Foreground(green),
		StatusWarn:  r.NewStyle().Foreground(amber),
		StatusBad:   r.NewStyle().Foreground(red).Bold(true),
		Message:     r.NewStyle().Foreground(muted),
		Dialog:      r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
		Heading:     r.NewStyle().Bold(true).Foreground(accent),
		Muted:       r.NewStyle().Foreground(muted),
		Priority: map[board.Priority]lipgloss.Style{
			board.PriorityUrgent: r.NewStyle().Foreground(red).Bold(true),
			board.PriorityHigh:   r.NewStyle().Foreground(amber),
			board.PriorityMedium: r.NewStyle().Foreground(blue),
			board.PriorityLow:    r.NewStyle().Foreground(muted),
		},
	}
	s.ColumnFocused = s.Column.BorderForeground(accent)
	s.Frame = r.NewStyle().Foreground(subtle)
	s.FrameFocused = r.NewStyle().Foreground(accent)
	s.CardSelected = s.Card.Border(lipgloss.ThickBorder(), false, false, false, true).BorderForeground(accent).Bold(true)
	return s
}
