package ui

import (
	"context"
	"io"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/lanesboard/lanes/api"
)

// Enter opens the details: a subtask added and completed, a due date typed
// as a word, a comment and a description all reach the server.
func TestDetails(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "enter")
	waitScreen(t, tm, "No description.", "Subtasks 0/0")
	keys(tm, "s", "Draft it", "enter")
	keys(tm, "d", "tomorrow", "enter")
	keys(tm, "c", "on it", "enter")
	keys(tm, "e", "Five hundred words.")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlS})
	waitScreen(t, tm, "Subtasks 0/1")
	keys(tm, "space")
	waitScreen(t, tm, "Subtasks 1/1")
	e.eventually("all the details on the server", func() bool {
		k, _ := e.serverTask("Write the launch post")
		sub, ok := e.serverTask("Draft it")
		return ok && sub.ParentTaskID != nil && *sub.ParentTaskID == k.ID && sub.CompletedAt != nil &&
			k.DueDate != nil && k.DueDate.Format("2006-01-02") == "2026-11-26" &&
			k.CommentCount == 1 && k.Description != nil && *k.Description == "Five hundred words."
	})
	// The server has it all; wait for the comment, the last answer, to reach
	// the board (a fixed sleep was too short on a loaded machine). A resize
	// repaints the whole screen, so the comment shows in what is read next
	// even if it was drawn already.
	tm.Send(tea.WindowSizeMsg{Width: 100, Height: 30})
	waitScreen(t, tm, "ann · 25 Nov 09:00", "on it")
	m := finish(t, tm)
	golden(t, "details-100x30", m.View())
	comments, err := e.direct.Comments(context.Background(), mustTask(e, "Write the launch post").ID)
	if err != nil || len(comments) != 1 || comments[0].Content != "on it" {
		t.Fatalf("comments on the server: %+v, %v", comments, err)
	}
}

// The details list the comments already made, and a assigns people from
// the space's members.
func TestDetailsCommentsAndAssignees(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	k := mustTask(e, "Write the launch post")
	if _, err := e.direct.AddComment(ctx, k.ID, "First draft is in the doc"); err != nil {
		t.Fatal(err)
	}
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "enter")
	waitScreen(t, tm, "First draft is in the doc", "ann · ")
	keys(tm, "a")
	waitScreen(t, tm, "[ ] ann")
	keys(tm, "space")
	waitScreen(t, tm, "[x] ann")
	e.eventually("ann assigned", func() bool {
		k := mustTask(e, "Write the launch post")
		return len(k.AssigneeIDs) == 1 && k.AssigneeIDs[0] == e.userID
	})
	keys(tm, "esc", "esc")
	waitScreen(t, tm, "@ann")
	finish(t, tm)
}

// A date lanes can't read is said so, and nothing changes.
func TestDetailsBadDue(t *testing.T) {
	e := newEnv(t)
	tm := e.board(e.token, 100, 30)
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "enter", "d", "someday", "enter")
	waitScreen(t, tm, "is not a date lanes knows")
	finish(t, tm)
	if k := mustTask(e, "Write the launch post"); k.DueDate != nil {
		t.Fatalf("a bad date set the due date: %v", k.DueDate)
	}
}

func mustTask(e *env, title string) api.Task {
	e.t.Helper()
	task, ok := e.serverTask(title)
	if !ok {
		e.t.Fatalf("no task %q on the server", title)
	}
	return task
}

// The description is drawn as Markdown in the board's colours, wrapped
// to the details' width.
func TestDetailsMarkdownGolden(t *testing.T) {
	e := newEnv(t)
	e.describe("Write the launch post", "# Launch plan\n\nShip **it** on *Friday*, after the screenshots and the pricing page are both done and reviewed:\n\n- write the post\n- tell `everyone`\n\n> no surprises")
	tm := e.board(e.token, 100, 30, func(c *Config) {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.ANSI256)
		r.SetHasDarkBackground(true)
		c.Renderer = r
	})
	waitScreen(t, tm, "synced", "Write the launch")
	keys(tm, "enter")
	waitScreen(t, tm, "Launch plan", "no surprises")
	m := finish(t, tm)
	v := m.View()
	plain := ansi.Strip(v)
	for _, want := range []string{"Launch plan", "Ship it on Friday", "• write the post", "│ no surprises"} {
		if !strings.Contains(plain, want) {
			t.Fatalf("the details lack %q:\n%s", want, plain)
		}
	}
	if strings.Contains(plain, "**") || strings.Contains(plain, "# Launch") {
		t.Fatalf("the Markdown marks are drawn:\n%s", plain)
	}
	golden(t, "details-markdown-100x30", v)
}
