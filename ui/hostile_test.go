package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/keymap"
	"github.com/lanesboard/lanes/server/store"
	"github.com/lanesboard/lanes/ui/switcher"
)

// hostileTitle is the title of the issue: it retitles the terminal, wipes
// the screen and paints the rest red, unless it is drawn harmless.
const hostileTitle = "inj \x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mRED\x1b[0m end"

// FuzzHostileText feeds random bytes as titles, descriptions, comments
// and names through a real server (through its API, which may refuse
// them, and straight into its store, as a server that allows anything
// would hold them) and through a cache file (as an old lanes or another
// backend may have left it), then draws the board, the details, the
// card's activity, the assign picker, the search of every project (for a
// word of the data), the standup screens and the project switcher with a
// colour profile that adds no escapes: no control character from the data
// reaches the output, only the newlines between lines. `go test` runs the
// seeds; `go test -fuzz FuzzHostileText ./ui` looks for more.
func FuzzHostileText(f *testing.F) {
	f.Add(hostileTitle, "line one\r\nline two\x1b[2J\x1b[H", "\x1b]52;c;cHduZWQ=\x07 copied")
	f.Add("tab\there\nnew\rline\x00nul\x7f", "\x00\x07\x08\x0b\x0c\x1b\x7f\tend", "\r\n\r\x1b[6n\tand a tab")
	f.Add("C1 \u009b2J and \u009d0;x\u009c", "bad utf8 \xff\xfe\xc0 and raw C1 \x9b31m", "\x9b\x9d\x90")
	f.Add("Plain title", "", "")
	ts := testenv.Start(f)
	ownerID, token := ts.User(f, "ann")
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, title, desc, comment string) {
		i := n.Add(1)
		ctx := context.Background()
		// Straight into the store: a space, a project and a person named
		// with the data, and a card (with a subtask, a comment and the
		// person assigned) holding it.
		var (
			sp      *store.Space
			project store.Project
			card    store.Task
		)
		err := ts.Store.Write(ctx, func(tx *store.Tx) error {
			var err error
			sp, _, err = tx.CreateSpace(&store.Space{Name: title, Slug: fmt.Sprintf("fuzz-%d", i)}, ownerID)
			if err != nil {
				return err
			}
			project = store.Project{SpaceID: sp.ID, Name: desc, Slug: fmt.Sprintf("p-%d", i)}
			if err := tx.CreateProject(&project); err != nil {
				return err
			}
			cols, err := tx.Statuses(project.ID)
			if err != nil {
				return err
			}
			u, err := tx.CreateUser(fmt.Sprintf("%s#%d", title, i), nil, false)
			if err != nil {
				return err
			}
			if _, err := tx.AddMember(sp.ID, u.ID, store.RoleMember); err != nil {
				return err
			}
			card = store.Task{ProjectID: project.ID, SpaceID: sp.ID, StatusID: &cols[0].ID, Title: title, Description: &desc,
				Priority: "high", CreatorID: ownerID}
			if err := tx.CreateTask(&card); err != nil {
				return err
			}
			sub := store.Task{ProjectID: project.ID, SpaceID: sp.ID, ParentTaskID: &card.ID, Title: comment, Priority: "none", CreatorID: u.ID}
			if err := tx.CreateTask(&sub); err != nil {
				return err
			}
			if err := tx.Assign(&card, u.ID); err != nil {
				return err
			}
			_, err = tx.AddComment(&card, u.ID, comment)
			return err
		})
		if err != nil {
			t.Fatalf("store the hostile card: %v", err)
		}
		// Through the API, which may refuse what it doesn't allow.
		c := api.New(ts.HTTP.URL, token, api.WithTimeout(5*time.Second))
		ids := []string{card.ID}
		if k, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: project.ID, Title: title, Description: &desc}); err == nil {
			ids = append(ids, k.ID)
			c.AddComment(ctx, k.ID, comment) // refused or not, the board shows what there is
		}

		e, err := board.Open(ctx, board.Options{Dir: t.TempDir(), Server: ts.HTTP.URL, ProjectID: project.ID, SpaceID: sp.ID,
			Actor: ownerID, Remote: board.NewRemote(c)})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Abandon()
		settle(t, e, e.Start())
		if _, ok := e.State().Card(card.ID); !ok {
			t.Fatalf("the board did not load the stored card")
		}
		drawEverything(t, e, ids, title, desc)

		// A cache holding the raw bytes, columns and names included, of a
		// project the server doesn't have: a change to it is refused, and
		// the status line quotes the title.
		o := board.Options{Dir: t.TempDir(), Server: "cache", ProjectID: "p", Remote: board.NewRemote(c)}
		cols := []board.Column{{ID: "c1", Name: title}, {ID: "c2", Name: desc}, {ID: "c3", Name: comment, IsDone: true}}
		cards := []*board.Card{
			{ID: "k1", ProjectID: "p", StatusID: "c1", Title: title, Description: desc, Priority: board.PriorityHigh, Assignees: []string{"u1", comment}, CreatorID: "u1", Position: "a0", Comments: 1},
			{ID: "k2", ProjectID: "p", StatusID: "c2", Title: desc, Priority: board.PriorityNone, CreatorID: comment, Position: "a0"},
			{ID: "k3", ProjectID: "p", ParentID: "k1", Title: comment, Priority: board.PriorityNone, Position: "a0"},
		}
		members := []board.Member{{UserID: "u1", Name: title, Role: desc}, {UserID: "u2", Name: comment, Role: "member"}}
		if err := board.SaveCache(o, board.NewState(cols, cards), members...); err != nil {
			t.Fatal(err)
		}
		cached, err := board.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		defer cached.Abandon()
		drawEverything(t, cached, []string{"k1", "k2"}, title, desc)
	})
}

// settle runs cmds and every Cmd their answers bring, one at a time, as
// the board would (the live feed, which never ends, is not among them).
func settle(t *testing.T, e *board.Engine, cmds []board.Cmd) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(cmds) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the engine is still busy (retrying?): %+v", e.Status())
		}
		c := cmds[0]
		cmds = cmds[1:]
		more, ok := e.Update(c())
		if !ok {
			t.Fatal("the engine did not take its own answer")
		}
		cmds = append(cmds, more...)
	}
}

// fuzzSwitcher offers projects named with the data.
type fuzzSwitcher struct{ space, project string }

func (s fuzzSwitcher) Projects(context.Context) ([]Choice, error) {
	return []Choice{{SpaceID: "s", Space: s.space, ProjectID: "p", Project: s.project}, {SpaceID: "s2", Space: s.project, ProjectID: "p2", Project: s.space}}, nil
}

// Open fails, quoting the data, as another backend's error might.
func (s fuzzSwitcher) Open(_ context.Context, c Choice) (*board.Engine, error) {
	return nil, fmt.Errorf("no project %s in %s", c.Project, c.Space)
}

// drawEverything draws every screen that shows data, with each of ids
// selected, and fails on any control character in what is drawn.
func drawEverything(t *testing.T, e *board.Engine, ids []string, space, project string) {
	t.Helper()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	sw := fuzzSwitcher{space, project}
	m := New(e, Config{Keys: keymap.Default(), Renderer: r, SpaceName: space, Project: project, ProjectID: "p",
		Now: func() time.Time { return now }, Switcher: sw, RefusedFor: time.Nanosecond})
	press := func(k string) tea.Cmd {
		t.Helper()
		msg := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		}
		next, cmd := m.Update(msg)
		m = next.(Model)
		return cmd
	}
	// run runs a command and what its answers bring, as Bubble Tea would
	// but one at a time: only for commands that end at once (no timers).
	run := func(cmd tea.Cmd) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for queue := []tea.Cmd{cmd}; len(queue) > 0; queue = queue[1:] {
			if queue[0] == nil {
				continue
			}
			if time.Now().After(deadline) {
				t.Fatalf("the board is still busy (retrying?): %+v", m.Engine().Status())
			}
			switch msg := queue[0]().(type) {
			case nil:
			case tea.BatchMsg:
				queue = append(queue, msg...)
			default:
				next, more := m.Update(msg)
				m = next.(Model)
				queue = append(queue, more)
			}
		}
	}
	// look draws the screen as it is at two widths: a wide one, so no
	// text is cut off before it is drawn, and the usual one.
	look := func(what string) {
		t.Helper()
		for _, size := range [][2]int{{1000, 60}, {80, 24}} {
			next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			m = next.(Model)
			noControls(t, fmt.Sprintf("%s at %dx%d", what, size[0], size[1]), m.View())
		}
	}
	for _, size := range [][2]int{{160, 48}, {30, 12}} {
		next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		m = next.(Model)
		noControls(t, fmt.Sprintf("the board at %dx%d", size[0], size[1]), m.View())
	}
	for _, id := range ids {
		if _, ok := e.State().Card(id); !ok {
			t.Fatalf("no card %s on the board", id)
		}
		m.board.Select(id) // and its column focused
		look("the board with the card selected")
		run(press("L"))
		look("the board after moving the card")
		press("D")
		look("the delete question")
		press("n")
		press("e")
		look("the title being edited")
		press("esc")
		press("/")
		press("@")
		look("the filter")
		press("esc")
		press("enter")
		next, _ := m.Update(e.LoadComments(id)())
		m = next.(Model)
		look("the details")
		run(press("A"))
		look("the activity")
		press("A")
		press("e")
		look("the description being edited")
		press("esc")
		press("a")
		look("the assign picker")
		press("esc")
		press("esc")
	}
	// The search, for a word of the data (the space's name): its hits
	// quote the data's titles and snippets.
	word := "x"
	if ws := strings.FieldsFunc(space, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }); len(ws) > 0 {
		word = ws[0]
	}
	press("F")
	press(word)
	run(press("enter"))
	look("the search")
	press("esc")
	press("s")
	for range len(m.standup.People()) + 1 {
		look("standup")
		press("+") // a card changed in standup is listed in the summary
		look("standup after a change")
		press("n")
	}
	look("the standup summary")
	press("esc")
	press("p")
	cs, _ := sw.Projects(context.Background())
	next, _ := m.Update(switcher.ChoicesMsg{Choices: cs})
	m = next.(Model)
	look("the project switcher")
	press("down")
	run(press("enter"))
	look("the board after the switcher failed to open a project")
}

// noControls fails if out holds a control character (C0 but the newlines
// between lines, DEL, C1) or a byte that is not UTF-8 (a raw C1 byte is an
// escape to some terminals).
func noControls(t *testing.T, what, out string) {
	t.Helper()
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRuneInString(out[i:])
		bad := r == utf8.RuneError && size == 1 || r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f
		if bad {
			from, to := max(0, i-30), min(len(out), i+30)
			t.Fatalf("%s: %q at byte %d, in …%q…", what, out[i:i+size], i, out[from:to])
		}
		i += size
	}
	if strings.Contains(out, "\x1b") {
		t.Fatalf("%s: an escape in the output", what)
	}
}
