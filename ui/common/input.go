package common

import (
	"fmt"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// Input is the one-line text input of the board and the details: it
// counts what its limit cuts off (a long paste) and says so, because text
// is never dropped without a word.
type Input struct {
	textinput.Model
	what string // what it holds, for the word about a cut ("Titles"); "" for text never cut (a filter)
	cut  int    // characters the limit cut off since it opened
}

// NewInput is an input closed, with the title's limit.
func NewInput() Input {
	in := textinput.New()
	in.CharLimit = TitleLimit
	return Input{Model: in}
}

// Open starts typing into the input: what it holds (plural, as the word
// about a cut names it: "Titles"; "" counts no cut), at most limit
// characters, with value already there and the cursor after it.
func (in *Input) Open(what string, limit int, placeholder, value string) tea.Cmd {
	in.what, in.cut = what, 0
	in.CharLimit = limit
	in.Placeholder = placeholder
	in.SetValue(value)
	in.CursorEnd()
	return in.Focus()
}

// Cut is how many characters the limit cut off since the input opened.
func (in *Input) Cut() int { return in.cut }

// Type hands a key to the input and, when its limit cut off some of what
// was typed, says so in c's message at once.
func (in *Input) Type(msg tea.KeyMsg, c *Context) tea.Cmd {
	before := utf8.RuneCountInString(in.Value())
	var cmd tea.Cmd
	in.Model, cmd = in.Model.Update(msg)
	if msg.Type != tea.KeyRunes || in.CharLimit <= 0 || in.what == "" {
		return cmd
	}
	after := utf8.RuneCountInString(in.Value())
	if lost := len(msg.Runes) - (after - before); after >= in.CharLimit && lost > 0 {
		in.cut += lost
		c.Message = fmt.Sprintf("%s can be at most %d characters: %d more were cut off", in.what, in.CharLimit, in.cut)
	}
	return cmd
}

// ToldOfCut keeps the word about a cut in c's message once what was typed
// is saved (saving clears the message); a message saving left, why it
// could not be saved, stays.
func (in *Input) ToldOfCut(c *Context) {
	if in.cut > 0 && c.Message == "" {
		c.Message = fmt.Sprintf("Saved the first %d characters: %d more were cut off", in.CharLimit, in.cut)
	}
}
