// Package common is what every screen of the board shares: the Context
// (the engine, the terminal's size, the styles and keys, the project open
// and the status line's message), the styles, the one-line input, and the
// small helpers more than one screen draws with.
package common

import (
	"errors"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/keymap"
)

// The server's limits on what one line of input may hold, in characters.
const (
	TitleLimit   = board.MaxTitle
	CommentLimit = board.MaxComment
)

// Context is the state the screens share. The board (package ui) makes
// one and hands the same pointer to every screen; only Update changes it,
// whichever screen that Update is handed to, so the screen in front and
// the status line under it always agree.
type Context struct {
	Engine   *board.Engine // the board's engine; the project switcher may swap it
	Keys     keymap.KeyMap
	Renderer *lipgloss.Renderer
	Styles   Styles // built from Renderer; built again when the theme changes

	Width, Height int

	SpaceName string
	ProjectID string
	Project   string            // the project's name
	Names     map[string]string // user id → name, for people the engine's members lack
	ReadOnly  string            // why this person can't change anything, if so
	Now       func() time.Time
	// NoEditor is why the description can't be edited in $EDITOR here
	// (over SSH no editor runs for the remote person), if so; TempDir is
	// where the description is written for the editor ("" is the
	// system's temporary directory).
	NoEditor string
	TempDir  string

	// Message is the status line's last word to the person. Every screen
	// may set it; an empty one says nothing.
	Message string

	// Host, when set, runs the engine's I/O: the engine is shared with
	// other boards in the process (lanes ssh), so no one board runs it.
	Host Host
}

// Host runs the I/O of engines that several boards in one process share
// (lanes ssh: every session of a person on a project). The engine is
// started, kept live and closed by the host, not by any one board, so a
// board that quits loses nothing on its way. Its methods are called from
// a board's Update and return at once.
type Host interface {
	// Run runs the engine's commands. A result that is the engine's own
	// is handed to it by the host, which then tells every board of the
	// engine with an EngineChanged; any other result (comments, a search)
	// comes back to this board as a message.
	Run(e *board.Engine, cmds []board.Cmd)
	// Leave says this board no longer shows e (the project switcher
	// opened another): the host closes it once no board shows it.
	Leave(e *board.Engine)
}

// EngineChanged is the message a Host sends every board of an engine
// after the engine took in a result: the board follows the engine's new
// state as when it handles the engine's messages itself.
type EngineChanged struct {
	Engine *board.Engine
	// Notices are what the engine had to say to the person (the latest
	// last); Members, the latest member list it took in, if any.
	Notices []string
	Members *board.MembersMsg
}

// Name is how a user is shown: their name once the space's members are
// known (the engine has them from the cache or the server), else the start
// of their id.
func (c *Context) Name(userID string) string {
	if n, ok := c.Engine.Name(userID); ok {
		return safe.Line(n)
	}
	if n, ok := c.Names[userID]; ok {
		return safe.Line(n)
	}
	if len(userID) > 6 {
		userID = userID[:6]
	}
	return safe.Line(userID)
}

// RefuseReadOnly says why nothing can be changed here, when so, rather
// than opening an input whose text would be refused.
func (c *Context) RefuseReadOnly() bool {
	if c.ReadOnly != "" {
		c.Message = c.ReadOnly
		return true
	}
	return false
}

// Do hands a mutation (or the error that stopped one being made) to the
// engine: the board changes in this Update, and the command sends it. ok
// is whether the engine took it; if not, the message says why (a move
// past the last column says nothing).
func (c *Context) Do(mut board.Mutation, err error) (cmd tea.Cmd, ok bool) {
	if err != nil {
		if !errors.Is(err, board.ErrNoRoom) {
			c.Message = "Can't do that: " + err.Error()
		}
		return nil, false
	}
	if c.ReadOnly != "" {
		c.Message = c.ReadOnly
		return nil, false
	}
	cmds, err := c.Engine.Do(mut)
	if err != nil {
		c.Message = "Can't do that: " + err.Error()
		return nil, false
	}
	c.Message = ""
	return c.Wrap(cmds), true
}

// Wrap runs the engine's commands: as Bubble Tea's, or by the Host when
// there is one (nil is returned then: the results come as messages).
func (c *Context) Wrap(cmds []board.Cmd) tea.Cmd {
	if c.Host != nil {
		c.Host.Run(c.Engine, cmds)
		return nil
	}
	return Wrap(cmds)
}

// Wrap turns the engine's commands into Bubble Tea's.
func Wrap(cmds []board.Cmd) tea.Cmd {
	out := make([]tea.Cmd, 0, len(cmds))
	for _, c := range cmds {
		if c != nil {
			out = append(out, func() tea.Msg { return c() })
		}
	}
	return tea.Batch(out...)
}

// KeyName is the first key of a binding, to name it in a message.
func KeyName(b key.Binding) string {
	if keys := b.Keys(); len(keys) > 0 {
		return keys[0]
	}
	return "?"
}

// PriorityLabel is how a card's priority is written; none has no label.
func PriorityLabel(p board.Priority) (string, bool) {
	switch p {
	case board.PriorityUrgent:
		return "‼ urgent", true
	case board.PriorityHigh:
		return "! high", true
	case board.PriorityMedium:
		return "medium", true
	case board.PriorityLow:
		return "low", true
	}
	return "", false
}
