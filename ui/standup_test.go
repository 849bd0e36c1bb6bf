package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lanesboard/lanes/api"
)

// teamEnv is the env with a Team space in which ann (the owner) and bob
// (a member) each have cards; the board opens its General project.
func teamEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t)
	bobID, _ := e.joinTeam("bob", api.RoleMember)
	yesterday := now.Add(-20 * time.Hour) // Tue 13:00
	due := now.AddDate(0, 0, 2)
	for _, c := range []struct {
		title string
		col   int
		pri   api.Priority
		due   *time.Time
		bob   bool
		done  bool
	}{
		{"Plan the launch", 0, api.PriorityHigh, &due, false, false},
		{"Write release notes", 0, api.PriorityUrgent, nil, false, false},
		{"Fix the flaky test", 1, api.PriorityMedium, nil, false, false},
		{"Shipped the beta", 3, api.PriorityNone, nil, false, true},
		{"Review the docs", 1, api.PriorityLow, nil, true, false},
		{"Answer support", 0, api.PriorityNone, nil, true, false},
	} {
		k, err := e.direct.CreateTask(ctx, api.TaskCreate{ProjectID: e.project.ID, Title: c.title, StatusID: &e.cols[c.col].ID, Priority: c.pri, DueDate: c.due})
		if err != nil {
			t.Fatal(err)
		}
		if c.done {
			if _, err := e.direct.UpdateTask(ctx, k.ID, api.TaskPatch{CompletedAt: api.Set(yesterday)}); err != nil {
				t.Fatal(err)
			}
		}
		if c.bob {
			if _, err := e.direct.Assign(ctx, k.ID, bobID); err != nil {
				t.Fatal(err)
			}
		}
	}
	return e
}

// testClock is a test's time, moved on by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestStandupGolden(t *testing.T) {
	e := teamEnv(t)
	tm := e.board(e.token, 100, 32, func(c *Config) { c.SpaceName = "Team" })
	waitScreen(t, tm, "synced", "Plan the launch")
	keys(tm, "s")
	waitScreen(t, tm, "Standup · ann", "1 of 2", "Shipped the beta")
	m := finish(t, tm)
	golden(t, "standup-100x32", m.View())
}

// Standup walks the team in the configured order with a timebox that runs
// down and over; a card changed there changes on the server, and the
// summary says who spoke, who ran over and what changed.
func TestStandupWalkthrough(t *testing.T) {
	e := teamEnv(t)
	clk := &testClock{now: now}
	tm := e.board(e.token, 100, 32, func(c *Config) {
		c.Now, c.StandupOrder, c.Timebox = clk.Now, []string{"bob"}, 90*time.Second
	})
	waitScreen(t, tm, "synced", "Plan the launch")
	keys(tm, "s")
	waitScreen(t, tm, "Standup · bob", "1 of 2", "1:30 left", "Review the docs", "Answer support")

	clk.add(70 * time.Second) // the timer ticks each second
	waitScreen(t, tm, "0:20 left")
	clk.add(25 * time.Second)
	waitScreen(t, tm, "over by 0:05")
	keys(tm, "t") // pause: the minute that passes now is not bob's
	waitScreen(t, tm, "over by 0:05 (paused)")
	clk.add(time.Minute)
	keys(tm, "t")

	// bob completes his first open card, right here.
	keys(tm, "space")
	e.eventually("Review the docs completed", func() bool {
		k, ok := e.serverTask("Review the docs")
		return ok && k.CompletedAt != nil
	})
	keys(tm, "n")
	waitScreen(t, tm, "Standup · ann", "2 of 2", "Write release notes")
	clk.add(30 * time.Second)
	keys(tm, "p")
	waitScreen(t, tm, "Standup · bob")
	keys(tm, "n")
	waitScreen(t, tm, "Standup · ann")
	// ann's rows: Shipped the beta (done), Fix the flaky test (in progress),
	// Write release notes and Plan the launch (next up, by priority).
	keys(tm, "j", "j", "j", "+")
	e.eventually("Plan the launch raised", func() bool {
		k, _ := e.serverTask("Plan the launch")
		return k.Priority == api.PriorityUrgent
	})
	clk.add(10 * time.Second)
	keys(tm, "n") // past the last person: the summary
	waitScreen(t, tm, "Standup done", "2 of 2 spoke", "2 cards changed")
	m := finish(t, tm)
	view := m.View()
	for _, want := range []string{fmt.Sprintf("%-16s 1:35  over by 0:05", "bob"), fmt.Sprintf("%-16s 0:40  ", "ann"), "Review the docs · Done", "Plan the launch · To Do"} {
		if !strings.Contains(view, want) {
			t.Errorf("the summary has no %q:\n%s", want, view)
		}
	}
}

// esc ends standup at any point, and esc again is back on the board.
func TestStandupEndsWithEsc(t *testing.T) {
	e := teamEnv(t)
	tm := e.board(e.token, 100, 32)
	waitScreen(t, tm, "synced", "Plan the launch")
	keys(tm, "s")
	waitScreen(t, tm, "Standup · ann")
	keys(tm, "esc")
	waitScreen(t, tm, "Standup done", "0 of 2 spoke", "did not speak")
	keys(tm, "esc")
	m := finish(t, tm)
	if m.mode != modeBoard || !strings.Contains(m.View(), "To Do") {
		t.Fatalf("esc did not return to the board:\n%s", m.View())
	}
}

// The countdown is green, then amber in the timebox's last quarter, then
// red once over.
func TestStandupCountdownColours(t *testing.T) {
	e := teamEnv(t)
	tm := e.board(e.token, 100, 32, func(c *Config) { c.Timebox = 2 * time.Minute })
	waitScreen(t, tm, "synced", "Plan the launch")
	keys(tm, "s")
	waitScreen(t, tm, "Standup · ann")
	m := finish(t, tm)
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.TrueColor)
	r.SetHasDarkBackground(true)
	m.ctx.Styles = NewStyles(r)
	// ann's clock started at now, the board's time when standup began.
	clk := &testClock{now: now}
	m.ctx.Now = clk.Now
	for _, c := range []struct {
		after     time.Duration
		text, sgr string
	}{
		{10 * time.Second, "1:50 left", "38;2;73;222;128"},      // green
		{95 * time.Second, "0:25 left", "38;2;251;191;36"},      // amber
		{130 * time.Second, "over by 0:10", "38;2;248;113;113"}, // red
	} {
		clk.now = now.Add(c.after)
		got := lineWith(m.View(), "Standup · ann")
		if !strings.Contains(got, c.sgr+"m"+c.text) {
			t.Errorf("after %s the countdown line is %q, want %q in colour %s", c.after, got, c.text, c.sgr)
		}
	}
}

// lineWith is the first line of view that holds s.
func lineWith(view, s string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
