package sshd

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"

	"github.com/lanesboard/lanes/internal/draw"
)

// newProgram is a session's board program, drawn by draw: a key's frame
// is written as soon as the board has taken it, and paced by what the
// client takes (out is draw.Paced), so a slow client gets the latest
// frame rather than a queue of them. run runs it and returns the model
// given, updated, as tea.Program.Run does.
func newProgram(m tea.Model, sess ssh.Session, out *sessionOutput) (prog *tea.Program, run func() (tea.Model, error)) {
	p := draw.NewProgram(m, draw.Config{In: sess, Out: out, AltScreen: true, Mouse: true}, tea.WithoutSignalHandler())
	return p.Program, p.Run
}
