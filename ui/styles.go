package ui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/lanesboard/lanes/ui/common"
)

// Styles are every style the board draws with (see common.Styles).
type Styles = common.Styles

// NewStyles builds the styles for a renderer (lipgloss.DefaultRenderer()
// for the local terminal).
func NewStyles(r *lipgloss.Renderer) Styles { return common.NewStyles(r) }
