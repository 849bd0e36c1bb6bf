package details

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/internal/safe"
)

// DescriptionLimit is the most characters a description may have, from
// the inline editor or $EDITOR alike.
const DescriptionLimit = 20000

// EditorReadyMsg says the card's description is in a file for the
// editor, and the command that edits it; or why not.
type EditorReadyMsg struct {
	edit
	Cmd *exec.Cmd
	Err error
}

// EditedMsg is how the editor left the description: what the file
// holds once it exited, or why nothing is to be saved.
type EditedMsg struct {
	edit
	Text string
	Err  error // the editor failed, or its file could not be read
}

// edit is one run of the editor: the card, the file, and the text the
// file started with.
type edit struct {
	TaskID string
	Path   string
	Orig   string
}

// EditorCommand is the editor the person chose: $VISUAL, else $EDITOR,
// else vi, split into words (an editor may be given arguments:
// "code --wait").
func EditorCommand(getenv func(string) string) []string {
	for _, v := range []string{"VISUAL", "EDITOR"} {
		if words := strings.Fields(getenv(v)); len(words) > 0 {
			return words
		}
	}
	return []string{"vi"}
}

// prepareEdit writes text to a new file of the person's own (0600) in
// dir (the system's temporary directory if ""), and makes the command
// that runs editor on it. Any failure leaves no file behind.
func prepareEdit(taskID, text, dir string, editor []string) EditorReadyMsg {
	msg := EditorReadyMsg{edit: edit{TaskID: taskID, Orig: text}}
	if len(editor) == 0 {
		msg.Err = errors.New("no editor named")
		return msg
	}
	f, err := os.CreateTemp(dir, "lanes-description-*.md") // made 0600
	if err != nil {
		msg.Err = fmt.Errorf("make a file for the editor: %w", err)
		return msg
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		msg.Err = fmt.Errorf("write the description for the editor: %w", err)
		return msg
	}
	msg.Path = f.Name()
	msg.Cmd = exec.Command(editor[0], append(editor[1:], f.Name())...)
	return msg
}

// finishEdit reads what the editor left in the file, once it exited
// with runErr, and removes the file whatever happened.
func finishEdit(e edit, runErr error) EditedMsg {
	msg := EditedMsg{edit: e}
	defer os.Remove(e.Path)
	if runErr != nil {
		msg.Err = runErr
		return msg
	}
	f, err := os.Open(e.Path)
	if err != nil {
		msg.Err = fmt.Errorf("read what the editor wrote: %w", err)
		return msg
	}
	defer f.Close()
	// A character is at most 4 bytes: more than this is over the limit.
	raw, err := io.ReadAll(io.LimitReader(f, 4*DescriptionLimit+1))
	if err != nil {
		msg.Err = fmt.Errorf("read what the editor wrote: %w", err)
		return msg
	}
	msg.Text = string(raw)
	return msg
}

// runEditor is the command that writes the card's description to a file
// and hands back the editor to run on it. It runs off the update loop:
// the file is I/O.
func (m *Model) runEditor(taskID, description string) tea.Cmd {
	text, dir := safe.Text(description), m.ctx.TempDir
	return func() tea.Msg { return prepareEdit(taskID, text, dir, EditorCommand(os.Getenv)) }
}

// editorReady runs the editor in the terminal, the board paused until
// it exits; then the file is read and removed.
func (m Model) editorReady(msg EditorReadyMsg) (Model, tea.Cmd) {
	if msg.Err != nil {
		m.ctx.Message = "Couldn't start the editor: " + msg.Err.Error()
		return m, nil
	}
	e := msg.edit
	return m, tea.ExecProcess(msg.Cmd, func(err error) tea.Msg { return finishEdit(e, err) })
}

// edited saves what the editor left, as the description editor here
// does, when it exited well and the text changed; it says what happened
// either way.
func (m Model) edited(msg EditedMsg) (Model, tea.Cmd) {
	var exit *exec.ExitError
	switch {
	case errors.As(msg.Err, &exit):
		m.ctx.Message = fmt.Sprintf("The editor exited with status %d: the description was not saved", exit.ExitCode())
		return m, nil
	case msg.Err != nil:
		m.ctx.Message = "The description was not saved: " + msg.Err.Error()
		return m, nil
	}
	// Editors end a file with a newline; that alone is no change.
	text := strings.TrimRight(msg.Text, "\n")
	if n := utf8.RuneCountInString(text); n > DescriptionLimit {
		m.ctx.Message = fmt.Sprintf("A description can be at most %d characters (the editor left %d): it was not saved", DescriptionLimit, n)
		return m, nil
	}
	c, ok := m.ctx.Engine.State().Card(m.ctx.Engine.Resolve(msg.TaskID))
	if !ok {
		m.ctx.Message = "That card is gone: the description was not saved"
		return m, nil
	}
	if text == strings.TrimRight(msg.Orig, "\n") || text == c.Description || text == safe.Text(c.Description) {
		m.ctx.Message = "The description is unchanged"
		return m, nil
	}
	cmd, ok := m.ctx.Do(m.ctx.Engine.State().Edit(c.ID, nil, &text, m.ctx.Now()))
	if ok {
		m.ctx.Message = "Saved the description from the editor"
	}
	return m, cmd
}
