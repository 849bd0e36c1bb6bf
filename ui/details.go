package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
)

// The details screen's own keys. They are fixed (the board's keys are the
// configurable ones) and listed at the bottom of the screen.
var (
	detailKeys = struct {
		Description, Due, Subtask, Comment, Assign, Toggle, Up, Down, Back key.Binding
	}{
		Assign:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "assign")),
		Description: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "description")),
		Due:         key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "due date")),
		Subtask:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "add subtask")),
		Comment:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "comment")),
		Toggle:      key.NewBinding(key.WithKeys(" ", "x"), key.WithHelp("space", "complete subtask")),
		Up:          key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("j/k", "subtask")),
		Down:        key.NewBinding(key.WithKeys("j", "down")),
		Back:        key.NewBinding(key.WithKeys("esc", "q", "enter"), key.WithHelp("esc", "back")),
	}
)

// detail is the state of the details screen.
type detail struct {
	id       string // the card shown
	sub      int    // the selected subtask
	input    string // which field the text input edits: "due", "subtask", "comment"
	editor   textarea.Model
	comments []board.Comment
	note     string // why the comments could not be listed
	picking  bool   // choosing assignees (from the engine's members)
	pick     int    // the member under the cursor
}

// openDetails shows the selected card's details.
func (m Model) openDetails() (tea.Model, tea.Cmd) {
	if _, ok := m.e.State().Card(m.selected); !ok {
		return m, nil
	}
	m.mode = modeDetails
	m.det = detail{id: m.e.Resolve(m.selected)}
	return m, wrap([]board.Cmd{m.e.LoadComments(m.det.id)})
}

// detailsMsg takes the comments the details screen asked for. (The
// members it asks for are the engine's: see membersArrived.)
func (m Model) detailsMsg(msg tea.Msg) (Model, bool) {
	if msg, ok := msg.(board.CommentsMsg); ok {
		if msg.TaskID == m.e.Resolve(m.det.id) {
			m.det.comments, m.det.note = msg.Comments, ""
			if msg.Err != nil {
				m.det.note = "Couldn't load the comments: " + msg.Err.Error()
			}
		}
		return m, true
	}
	return m, false
}

func (m Model) detailCard() (*board.Card, bool) {
	return m.e.State().Card(m.e.Resolve(m.det.id))
}

// detailsKey handles a key on the details screen.
func (m Model) detailsKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	c, ok := m.detailCard()
	if !ok {
		m.mode, m.message = modeBoard, "That card is gone."
		return m, nil
	}
	s, now := m.e.State(), m.cfg.Now()
	subs := s.Subtasks(c.ID)
	switch m.mode {
	case modeDetailsDesc:
		switch msg.String() {
		case "esc":
			m.mode = modeDetails
			return m, nil
		case "ctrl+s":
			m.mode = modeDetails
			desc := m.det.editor.Value()
			if desc == c.Description || desc == safe.Text(c.Description) {
				return m, nil
			}
			return m.do(s.Edit(c.ID, nil, &desc, now))
		}
		var cmd tea.Cmd
		m.det.editor, cmd = m.det.editor.Update(msg)
		return m, cmd
	case modeDetailsInput:
		switch msg.Type {
		case tea.KeyEsc:
			m.mode = modeDetails
			m.input.Blur()
			return m, nil
		case tea.KeyEnter:
			m.mode = modeDetails
			m.input.Blur()
			return m.detailInput(c, m.input.Value())
		}
		return m, m.typeInto(msg)
	}
	if m.det.picking {
		members := m.e.Members()
		switch {
		case msg.String() == "esc" || msg.String() == "q":
			m.det.picking = false
		case key.Matches(msg, detailKeys.Up):
			m.det.pick = max(0, m.det.pick-1)
		case key.Matches(msg, detailKeys.Down):
			m.det.pick = max(0, min(len(members)-1, m.det.pick+1))
		case key.Matches(msg, detailKeys.Toggle), msg.String() == "enter":
			if m.det.pick < len(members) {
				uid := members[m.det.pick].UserID
				return m.do(s.SetAssigned(c.ID, uid, !slices.Contains(c.Assignees, uid), now))
			}
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, detailKeys.Back):
		m.mode = modeBoard
		m.follow()
		return m, nil
	case key.Matches(msg, detailKeys.Assign):
		// The list known (cached with the board) shows at once; the
		// server's may have someone new.
		m.det.picking, m.det.pick = true, 0
		return m, wrap([]board.Cmd{m.e.LoadMembers()})
	case key.Matches(msg, detailKeys.Up):
		m.det.sub = max(0, m.det.sub-1)
	case key.Matches(msg, detailKeys.Down):
		m.det.sub = max(0, min(len(subs)-1, m.det.sub+1))
	case key.Matches(msg, detailKeys.Toggle):
		if m.det.sub < len(subs) {
			return m.do(s.ToggleDone(subs[m.det.sub], now))
		}
	case key.Matches(msg, detailKeys.Description):
		if m.refuseReadOnly() {
			return m, nil
		}
		ta := textarea.New()
		ta.SetWidth(max(20, min(m.width-6, 100)))
		ta.SetHeight(max(3, min(m.height-12, 12)))
		ta.CharLimit = 20000
		ta.SetValue(safe.Text(c.Description))
		ta.Focus()
		m.det.editor = ta
		m.mode = modeDetailsDesc
		return m, textarea.Blink
	case key.Matches(msg, detailKeys.Due), key.Matches(msg, detailKeys.Subtask), key.Matches(msg, detailKeys.Comment):
		if m.refuseReadOnly() {
			return m, nil
		}
		m.det.input = map[string]string{"d": "due", "s": "subtask", "c": "comment"}[msg.String()]
		m.cut, m.input.CharLimit = 0, titleLimit
		if m.det.input == "comment" {
			m.input.CharLimit = commentLimit
		}
		m.input.SetValue("")
		m.input.Placeholder = map[string]string{"due": "today, fri, +3d, dec 1, none", "subtask": "title", "comment": "say something"}[m.det.input]
		if m.det.input == "due" && c.Due != nil {
			m.input.SetValue(c.Due.Format("2006-01-02"))
		}
		m.input.Focus()
		m.mode = modeDetailsInput
	}
	return m, nil
}

// detailInput applies what was typed into the details screen's input.
func (m Model) detailInput(c *board.Card, value string) (tea.Model, tea.Cmd) {
	s, now := m.e.State(), m.cfg.Now()
	switch m.det.input {
	case "due":
		due, err := parseDue(value, now)
		if err != nil {
			m.message = err.Error()
			return m, nil
		}
		return m.do(s.SetDue(c.ID, due, now))
	case "subtask":
		if strings.TrimSpace(value) == "" {
			return m, nil
		}
		return m.toldOfCut(m.do(s.NewSubtask(c.ID, value, now)))
	case "comment":
		if strings.TrimSpace(value) == "" {
			return m, nil
		}
		m.det.comments = append(m.det.comments, board.Comment{Author: m.me(), Content: value, CreatedAt: now})
		return m.toldOfCut(m.do(s.AddComment(c.ID, value, now)))
	}
	return m, nil
}

// me is the name of the person using the board, as the server will give
// it as the author of their comments; "you" if the engine doesn't know it.
func (m *Model) me() string {
	if id := m.e.Actor(); id != "" {
		if n, ok := m.e.Name(id); ok {
			return n
		}
		if n, ok := m.cfg.Names[id]; ok {
			return n
		}
	}
	return "you"
}

// detailsView draws the details screen. Every text in it is someone
// else's: cleaned before it is styled.
func (m Model) detailsView() string {
	c, ok := m.detailCard()
	if !ok {
		return ""
	}
	s := m.e.State()
	w := max(20, min(m.width-4, 100))
	var b strings.Builder
	b.WriteString(m.st.Heading.Render(ansi.Truncate(safe.Line(c.Title), w, "…")) + "\n")
	col, _ := s.ColumnByID(s.ColumnOf(c))
	facts := []string{safe.Line(col.Name)}
	if l, ok := priorityLabel[c.Priority]; ok {
		facts = append(facts, l)
	}
	if c.Due != nil {
		facts = append(facts, "due "+c.Due.Format("Mon 2 Jan 2006"))
	}
	if c.Done() {
		facts = append(facts, "done")
	}
	for _, a := range c.Assignees {
		facts = append(facts, "@"+m.name(a))
	}
	if r, refused := m.e.RefusedReason(c.ID); refused {
		facts = append(facts, m.st.Refused.Render("refused: "+safe.Line(r)))
	} else if m.e.Pending(c.ID) {
		facts = append(facts, m.st.Pending.Render("⟳ saving"))
	}
	b.WriteString(m.st.Meta.Render(strings.Join(facts, " · ")) + "\n\n")

	if m.mode == modeDetailsDesc {
		b.WriteString(m.det.editor.View() + "\n" + m.st.Muted.Render("ctrl+s save · esc cancel") + "\n\n")
	} else if c.Description != "" {
		b.WriteString(m.cfg.Renderer.NewStyle().Width(w).Render(safe.Text(c.Description)) + "\n\n")
	} else {
		b.WriteString(m.st.Muted.Render("No description.") + "\n\n")
	}

	subs := s.Subtasks(c.ID)
	done, total := s.SubtaskCounts(c.ID)
	b.WriteString(m.st.ColumnTitle.Render(fmt.Sprintf("Subtasks %d/%d", done, total)) + "\n")
	for i, id := range subs {
		sc, ok := s.Card(id)
		if !ok {
			continue
		}
		mark := "○"
		if sc.Done() {
			mark = "✓"
		}
		line := fmt.Sprintf("%s %s", mark, ansi.Truncate(safe.Line(sc.Title), w-4, "…"))
		if i == m.det.sub && m.mode == modeDetails {
			line = m.st.CardSelected.Render(line)
		} else {
			line = "  " + line
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n" + m.st.ColumnTitle.Render(fmt.Sprintf("Comments %d", c.Comments)) + "\n")
	if m.det.note != "" {
		b.WriteString(m.st.Muted.Render(safe.Line(m.det.note)) + "\n")
	}
	shown := m.det.comments[max(0, len(m.det.comments)-5):]
	for _, cm := range shown {
		b.WriteString(m.st.Meta.Render(safe.Line(cm.Author)+" · "+cm.CreatedAt.In(m.cfg.Now().Location()).Format("2 Jan 15:04")) + "\n")
		b.WriteString("  " + ansi.Truncate(safe.Line(cm.Content), w-2, "…") + "\n")
	}
	if m.det.picking {
		b.WriteString("\n" + m.st.ColumnTitle.Render("Assign (space toggles, esc done)") + "\n")
		members := m.e.Members()
		if members == nil {
			b.WriteString(m.st.Muted.Render("Loading…") + "\n")
		}
		for i, mb := range members {
			mark := "[ ]"
			if slices.Contains(c.Assignees, mb.UserID) {
				mark = "[x]"
			}
			line := mark + " " + safe.Line(mb.Name) + m.st.Muted.Render(" "+safe.Line(mb.Role))
			if i == m.det.pick {
				b.WriteString(m.st.CardSelected.Render(line) + "\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	if m.mode == modeDetailsInput {
		b.WriteString("\n" + map[string]string{"due": "Due: ", "subtask": "Subtask: ", "comment": "Comment: "}[m.det.input] + m.input.View() + "\n")
	}
	keys := []key.Binding{detailKeys.Description, detailKeys.Due, detailKeys.Subtask, detailKeys.Comment, detailKeys.Assign, detailKeys.Toggle, detailKeys.Up, detailKeys.Back}
	var help []string
	for _, k := range keys {
		help = append(help, k.Help().Key+" "+m.st.Muted.Render(k.Help().Desc))
	}
	body := b.String() + "\n" + strings.Join(help, "  ")
	return lipgloss.JoinVertical(lipgloss.Left, m.st.Dialog.Width(min(m.width-2, w+4)).Render(body), m.statusLine())
}
