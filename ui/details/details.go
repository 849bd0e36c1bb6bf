// Package details is the screen of one card: its description (drawn as
// Markdown), subtasks, comments, due date and assignees, each changed
// from there; the description in the inline editor or in $EDITOR; and,
// on a key, its activity (who did what to it, newest first).
package details

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/ui/common"
)

// The details screen's own keys. They are fixed (the board's keys are the
// configurable ones) and listed at the bottom of the screen.
var (
	detailKeys = struct {
		Description, Due, Subtask, Comment, Assign, Activity, Toggle, Up, Down, Back key.Binding
	}{
		Assign:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "assign")),
		Description: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "description")),
		Due:         key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "due date")),
		Subtask:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "add subtask")),
		Comment:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "comment")),
		Activity:    key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "activity")),
		Toggle:      key.NewBinding(key.WithKeys(" ", "x"), key.WithHelp("space", "complete subtask")),
		Up:          key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("j/k", "subtask")),
		Down:        key.NewBinding(key.WithKeys("j", "down")),
		Back:        key.NewBinding(key.WithKeys("esc", "q", "enter"), key.WithHelp("esc", "back")),
	}
)

// mode is what keys on the details screen do.
type mode int

const (
	viewing    mode = iota
	typing          // typing a due date, subtask or comment
	describing      // editing the description
)

// Model is the details screen of one card.
type Model struct {
	ctx      *common.Context
	mode     mode
	closed   bool   // the last Update went back to the board
	id       string // the card shown
	sub      int    // the selected subtask
	field    string // which field the input edits: "due", "subtask", "comment"
	input    common.Input
	editor   textarea.Model
	comments []board.Comment
	// mine are the comments made here that no list from the server has
	// held yet: a list asked for before one was made (at Open) and
	// answered after keeps it shown.
	mine     []board.Comment
	note     string // why the comments could not be listed
	picking  bool   // choosing assignees (from the engine's members)
	pick     int    // the member under the cursor
	md       *markdown
	activity activity
}

// activityLines bounds the entries of the activity section drawn.
const activityLines = 8

// activity is the activity section: shown or not, and what the server
// said of the card's history.
type activity struct {
	shown   bool
	loading bool
	entries []board.Activity // newest first
	err     error
}

// New is the details screen, showing nothing until Open.
func New(ctx *common.Context) Model {
	return Model{ctx: ctx, input: common.NewInput(), md: newMarkdown()}
}

// Open shows the card id's details and loads its comments; ok is false,
// and nothing opens, when there is no such card.
func (m Model) Open(id string) (_ Model, _ tea.Cmd, ok bool) {
	e := m.ctx.Engine
	if _, ok := e.State().Card(id); !ok {
		return m, nil, false
	}
	m = Model{ctx: m.ctx, input: m.input, md: m.md, id: e.Resolve(id)}
	if e.Lacks(board.FeatureComments) != "" {
		return m, nil, true // a server without comments: none to load
	}
	return m, m.ctx.Wrap([]board.Cmd{e.LoadComments(m.id)}), true
}

// Closed is whether the last Update went back to the board.
func (m *Model) Closed() bool { return m.closed }

// Typing is whether keys are text for an input here.
func (m *Model) Typing() bool { return m.mode != viewing }

// Update handles a key on the details screen, the comments it asked for,
// and the description coming back from $EDITOR. (The members it asks for
// are the engine's: see MembersArrived.)
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	m.closed = false
	switch msg := msg.(type) {
	case board.CommentsMsg:
		if msg.TaskID == m.ctx.Engine.Resolve(m.id) {
			m.comments, m.note = msg.Comments, ""
			m.mine = slices.DeleteFunc(m.mine, func(t board.Comment) bool {
				return slices.ContainsFunc(msg.Comments, func(c board.Comment) bool { return c.Content == t.Content })
			})
			m.comments = append(slices.Clip(m.comments), m.mine...)
			if msg.Err != nil {
				m.note = "Couldn't load the comments: " + msg.Err.Error()
			}
		}
	case board.ActivityMsg:
		if msg.TaskID == m.ctx.Engine.Resolve(m.id) {
			m.activity.loading = false
			m.activity.err = msg.Err
			if msg.Err == nil {
				m.activity.entries = msg.Entries
			}
		}
	case EditorReadyMsg:
		return m.editorReady(msg)
	case EditedMsg:
		return m.edited(msg)
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

// MembersArrived takes note of a new member list for the assign picker:
// it says when the server could not list them, and closes the picker when
// no one is known at all. (A board opening on a server that can't list
// them says nothing.)
func (m *Model) MembersArrived(msg board.MembersMsg) {
	if msg.Err == nil || !m.picking {
		return
	}
	if len(m.ctx.Engine.Members()) == 0 {
		m.picking = false
		m.ctx.Message = "Couldn't list the people in this space: " + msg.Err.Error()
		return
	}
	m.ctx.Message = "These are the people as last listed; the server didn't answer: " + msg.Err.Error()
}

func (m *Model) card() (*board.Card, bool) {
	return m.ctx.Engine.State().Card(m.ctx.Engine.Resolve(m.id))
}

// do hands a mutation to the engine.
func (m Model) do(mut board.Mutation, err error) (Model, tea.Cmd) {
	cmd, _ := m.ctx.Do(mut, err)
	return m, cmd
}

// key handles a key on the details screen.
func (m Model) key(msg tea.KeyMsg) (Model, tea.Cmd) {
	c, ok := m.card()
	if !ok {
		m.closed, m.ctx.Message = true, "That card is gone."
		return m, nil
	}
	s, now := m.ctx.Engine.State(), m.ctx.Now()
	subs := s.Subtasks(c.ID)
	switch m.mode {
	case describing:
		switch msg.String() {
		case "esc":
			m.mode = viewing
			return m, nil
		case "ctrl+s":
			m.mode = viewing
			desc := m.editor.Value()
			if desc == c.Description || desc == safe.Text(c.Description) {
				return m, nil
			}
			return m.do(s.Edit(c.ID, nil, &desc, now))
		}
		var cmd tea.Cmd
		m.editor, cmd = m.editor.Update(msg)
		return m, cmd
	case typing:
		switch msg.Type {
		case tea.KeyEsc:
			m.mode = viewing
			m.input.Blur()
			return m, nil
		case tea.KeyEnter:
			m.mode = viewing
			m.input.Blur()
			return m.typed(c, m.input.Value())
		}
		return m, m.input.Type(msg, m.ctx)
	}
	if m.picking {
		members := m.ctx.Engine.Members()
		switch {
		case msg.String() == "esc" || msg.String() == "q":
			m.picking = false
		case key.Matches(msg, detailKeys.Up):
			m.pick = max(0, m.pick-1)
		case key.Matches(msg, detailKeys.Down):
			m.pick = max(0, min(len(members)-1, m.pick+1))
		case key.Matches(msg, detailKeys.Toggle), msg.String() == "enter":
			if m.pick < len(members) {
				uid := members[m.pick].UserID
				return m.do(s.SetAssigned(c.ID, uid, !slices.Contains(c.Assignees, uid), now))
			}
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, detailKeys.Back):
		m.closed = true
		return m, nil
	case key.Matches(msg, m.ctx.Keys.Editor):
		if m.ctx.RefuseReadOnly() {
			return m, nil
		}
		if m.ctx.NoEditor != "" {
			m.ctx.Message = m.ctx.NoEditor
			return m, nil
		}
		return m, m.runEditor(c.ID, c.Description)
	case key.Matches(msg, detailKeys.Activity):
		// Read again each time it is shown: the card may have changed
		// since. What was read stays drawn until the answer comes.
		m.activity.shown = !m.activity.shown
		if !m.activity.shown {
			return m, nil
		}
		m.activity.loading = true
		return m, m.ctx.Wrap([]board.Cmd{m.ctx.Engine.LoadActivity(c.ID)})
	case key.Matches(msg, detailKeys.Assign):
		// The list known (cached with the board) shows at once; the
		// server's may have someone new.
		m.picking, m.pick = true, 0
		return m, m.ctx.Wrap([]board.Cmd{m.ctx.Engine.LoadMembers()})
	case key.Matches(msg, detailKeys.Up):
		m.sub = max(0, m.sub-1)
	case key.Matches(msg, detailKeys.Down):
		m.sub = max(0, min(len(subs)-1, m.sub+1))
	case key.Matches(msg, detailKeys.Toggle):
		if m.sub < len(subs) {
			return m.do(s.ToggleDone(subs[m.sub], now))
		}
	case key.Matches(msg, detailKeys.Description):
		if m.ctx.RefuseReadOnly() {
			return m, nil
		}
		ta := textarea.New()
		ta.SetWidth(max(20, min(m.ctx.Width-6, 100)))
		ta.SetHeight(max(3, min(m.ctx.Height-12, 12)))
		ta.CharLimit = DescriptionLimit
		ta.SetValue(safe.Text(c.Description))
		ta.Focus()
		m.editor = ta
		m.mode = describing
		return m, textarea.Blink
	case key.Matches(msg, detailKeys.Due), key.Matches(msg, detailKeys.Subtask), key.Matches(msg, detailKeys.Comment):
		if m.ctx.RefuseReadOnly() {
			return m, nil
		}
		if why := m.ctx.Engine.Lacks(board.FeatureComments); why != "" && key.Matches(msg, detailKeys.Comment) {
			m.ctx.Message = why
			return m, nil
		}
		m.field = map[string]string{"d": "due", "s": "subtask", "c": "comment"}[msg.String()]
		what, limit := "Titles", common.TitleLimit
		if m.field == "comment" {
			what, limit = "Comments", common.CommentLimit
		}
		value := ""
		if m.field == "due" && c.Due != nil {
			value = c.Due.Format("2006-01-02")
		}
		placeholder := map[string]string{"due": "today, fri, +3d, dec 1, none", "subtask": "title", "comment": "say something"}[m.field]
		m.input.Open(what, limit, placeholder, value) // the cursor's blink is not wanted here
		m.mode = typing
	}
	return m, nil
}

// typed applies what was typed into the details screen's input.
func (m Model) typed(c *board.Card, value string) (Model, tea.Cmd) {
	s, now := m.ctx.Engine.State(), m.ctx.Now()
	switch m.field {
	case "due":
		due, err := common.ParseDue(value, now)
		if err != nil {
			m.ctx.Message = err.Error()
			return m, nil
		}
		return m.do(s.SetDue(c.ID, due, now))
	case "subtask":
		if strings.TrimSpace(value) == "" {
			return m, nil
		}
		m, cmd := m.do(s.NewSubtask(c.ID, value, now))
		m.input.ToldOfCut(m.ctx)
		return m, cmd
	case "comment":
		if strings.TrimSpace(value) == "" {
			return m, nil
		}
		made := board.Comment{Author: m.me(), Content: value, CreatedAt: now}
		m.comments, m.mine = append(m.comments, made), append(m.mine, made)
		m, cmd := m.do(s.AddComment(c.ID, value, now))
		m.input.ToldOfCut(m.ctx)
		return m, cmd
	}
	return m, nil
}

// me is the name of the person using the board, as the server will give
// it as the author of their comments; "you" if the engine doesn't know it.
func (m *Model) me() string {
	e := m.ctx.Engine
	if id := e.Actor(); id != "" {
		if n, ok := e.Name(id); ok {
			return n
		}
		if n, ok := m.ctx.Names[id]; ok {
			return n
		}
	}
	return "you"
}

// View draws the details screen (the caller adds the status line), or
// nothing once the card is gone. Every text in it is someone else's:
// cleaned before it is styled.
func (m Model) View() string {
	c, ok := m.card()
	if !ok {
		return ""
	}
	s, st := m.ctx.Engine.State(), &m.ctx.Styles
	w := max(20, min(m.ctx.Width-4, 100))
	var b strings.Builder
	b.WriteString(st.Heading.Render(ansi.Truncate(safe.Line(c.Title), w, "…")) + "\n")
	col, _ := s.ColumnByID(s.ColumnOf(c))
	facts := []string{safe.Line(col.Name)}
	if l, ok := common.PriorityLabel(c.Priority); ok {
		facts = append(facts, l)
	}
	if c.Due != nil {
		facts = append(facts, "due "+c.Due.Format("Mon 2 Jan 2006"))
	}
	if c.Done() {
		facts = append(facts, "done")
	}
	for _, a := range c.Assignees {
		facts = append(facts, "@"+m.ctx.Name(a))
	}
	for _, l := range s.Labels() {
		if c.HasLabel(l.ID) {
			facts = append(facts, "#"+safe.Line(l.Name))
		}
	}
	if r, refused := m.ctx.Engine.RefusedReason(c.ID); refused {
		facts = append(facts, st.Refused.Render("refused: "+safe.Line(r)))
	} else if m.ctx.Engine.Pending(c.ID) {
		facts = append(facts, st.Pending.Render("⟳ saving"))
	}
	b.WriteString(st.Meta.Render(strings.Join(facts, " · ")) + "\n\n")

	if m.mode == describing {
		b.WriteString(m.editor.View() + "\n" + st.Muted.Render("ctrl+s save · esc cancel") + "\n\n")
	} else if c.Description != "" {
		b.WriteString(m.md.render(c.Description, w, m.ctx.Renderer) + "\n\n")
	} else {
		b.WriteString(st.Muted.Render("No description.") + "\n\n")
	}

	subs := s.Subtasks(c.ID)
	done, total := s.SubtaskCounts(c.ID)
	b.WriteString(st.ColumnTitle.Render(fmt.Sprintf("Subtasks %d/%d", done, total)) + "\n")
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
		if i == m.sub && m.mode == viewing {
			line = st.CardSelected.Render(line)
		} else {
			line = "  " + line
		}
		b.WriteString(line + "\n")
	}
	if why := m.ctx.Engine.Lacks(board.FeatureComments); why != "" {
		b.WriteString("\n" + st.Muted.Render(safe.Line(why)) + "\n")
	} else {
		b.WriteString("\n" + st.ColumnTitle.Render(fmt.Sprintf("Comments %d", c.Comments)) + "\n")
	}
	if m.note != "" {
		b.WriteString(st.Muted.Render(safe.Line(m.note)) + "\n")
	}
	shown := m.comments[max(0, len(m.comments)-5):]
	for _, cm := range shown {
		b.WriteString(st.Meta.Render(safe.Line(cm.Author)+" · "+cm.CreatedAt.In(m.ctx.Now().Location()).Format("2 Jan 15:04")) + "\n")
		b.WriteString("  " + ansi.Truncate(safe.Line(cm.Content), w-2, "…") + "\n")
	}
	if m.activity.shown {
		b.WriteString(m.activityView(w))
	}
	if m.picking {
		b.WriteString("\n" + st.ColumnTitle.Render("Assign (space toggles, esc done)") + "\n")
		members := m.ctx.Engine.Members()
		if members == nil {
			b.WriteString(st.Muted.Render("Loading…") + "\n")
		}
		for i, mb := range members {
			mark := "[ ]"
			if slices.Contains(c.Assignees, mb.UserID) {
				mark = "[x]"
			}
			line := mark + " " + safe.Line(mb.Name) + st.Muted.Render(" "+safe.Line(mb.Role))
			if i == m.pick {
				b.WriteString(st.CardSelected.Render(line) + "\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	if m.mode == typing {
		b.WriteString("\n" + map[string]string{"due": "Due: ", "subtask": "Subtask: ", "comment": "Comment: "}[m.field] + m.input.View() + "\n")
	}
	keys := []key.Binding{detailKeys.Description}
	if m.ctx.NoEditor == "" { // the key is only refused here
		keys = append(keys, m.ctx.Keys.Editor)
	}
	keys = append(keys, detailKeys.Due, detailKeys.Subtask, detailKeys.Comment, detailKeys.Assign, detailKeys.Activity, detailKeys.Toggle, detailKeys.Up, detailKeys.Back)
	var help []string
	for _, k := range keys {
		help = append(help, k.Help().Key+" "+st.Muted.Render(k.Help().Desc))
	}
	body := b.String() + "\n" + strings.Join(help, "  ")
	return st.Dialog.Width(min(m.ctx.Width-2, w+4)).Render(body)
}

// activityView is the activity section: the newest entries, one line
// each, in words. Names, titles and comments in them are someone else's:
// cleaned before they are drawn.
func (m Model) activityView(w int) string {
	st, e := &m.ctx.Styles, m.ctx.Engine
	a := &m.activity
	var b strings.Builder
	b.WriteString("\n" + st.ColumnTitle.Render("Activity") + "\n")
	switch {
	case a.err != nil && errors.Is(a.err, board.ErrNoActivity):
		b.WriteString(st.Muted.Render(ansi.Truncate(safe.Line(a.err.Error()), w, "…")) + "\n")
		return b.String()
	case a.err != nil:
		b.WriteString(st.Muted.Render(ansi.Truncate(safe.Line("Couldn't load the activity: "+a.err.Error()), w, "…")) + "\n")
	case a.loading && a.entries == nil:
		b.WriteString(st.Muted.Render("Loading…") + "\n")
		return b.String()
	case len(a.entries) == 0:
		b.WriteString(st.Muted.Render("No activity yet.") + "\n")
	}
	loc := m.ctx.Now().Location()
	for i, en := range a.entries {
		if i == activityLines {
			b.WriteString(st.Muted.Render("  … and earlier") + "\n")
			break
		}
		when := en.At.In(loc).Format("2 Jan 15:04")
		b.WriteString(st.Meta.Render(when) + "  " + ansi.Truncate(safe.Line(e.Describe(en)), max(0, w-len(when)-2), "…") + "\n")
	}
	return b.String()
}
