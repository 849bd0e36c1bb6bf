package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/server/store"
)

// hostileTitle retitles the terminal, wipes the screen and paints the rest
// red, if it reaches a terminal as it is.
const hostileTitle = "inj \x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mRED\x1b[0m end"

// startInShell starts a tmux session with a plain shell whose pane is
// titled "before lanes", then runs command in it: the title is set before
// lanes draws anything, so any change to it is lanes'.
func startInShell(t *testing.T, command string) *tmuxSession {
	t.Helper()
	s := tmuxServer(t, "hostile-"+t.Name())
	s.tmux("new-session", "-d", "-s", "lanes", "-x", "120", "-y", "40", "env -i PATH=/usr/bin:/bin TERM=xterm-256color sh")
	s.tmux("select-pane", "-t", "lanes", "-T", "before lanes")
	s.tmux("send-keys", "-t", "lanes", "-l", command+"; sleep 60")
	s.tmux("send-keys", "-t", "lanes", "Enter")
	return s
}

// harmless checks the pane's title is still its own, the board's frame,
// headers and other cards are on the screen, and the hostile title shows
// as visible symbols.
func (s *tmuxSession) harmless(screen string) {
	s.t.Helper()
	if title := strings.TrimSpace(s.tmux("display", "-p", "-t", "lanes", "#{pane_title}")); title != "before lanes" {
		s.t.Fatalf("the card retitled the terminal to %q", title)
	}
	for _, want := range []string{
		"╭", "╰", "│ To Do", "│ In Progress", "│ In Review", // the frame and the headers
		"inj ␛]0;pwned␇␛[2J", // the title, its escapes as symbols
	} {
		if !strings.Contains(screen, want) {
			s.t.Fatalf("%q is not on the screen:\n%s", want, screen)
		}
	}
	if !strings.Contains(testenv.Column(screen, "To Do"), "Neighbour card") || !strings.Contains(testenv.Column(screen, "In Progress"), "Card in progress") {
		s.t.Fatalf("the other cards are not in their columns:\n%s", screen)
	}
	if lines := strings.Split(screen, "\n"); !strings.HasPrefix(lines[0], "╭") {
		s.t.Fatalf("the board does not start at the top of the screen:\n%s", screen)
	}
}

// A card whose title holds terminal escapes, stored as a server that
// allows anything would hold it, is drawn as visible symbols: the
// terminal's title stays, the screen is not wiped, and the board's frame
// and the other cards are all there.
func TestHostileTitleInTmux(t *testing.T) {
	dir := t.TempDir()
	bin := builtLanes(t)
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	// The board's own data directory, with the hostile card put straight
	// into its database (the server refuses such a title; a seed-only
	// server may not) before lanes first opens it.
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(data, "lanes.db"))
	if err != nil {
		t.Fatal(err)
	}
	me, err := st.EnsureLocalUser(ctx, local.UserName())
	if err != nil {
		t.Fatal(err)
	}
	err = st.Write(ctx, func(tx *store.Tx) error {
		spaces, err := tx.SpacesForUser(me.ID)
		if err != nil {
			return err
		}
		ps, err := tx.Projects(spaces[0].ID, false)
		if err != nil {
			return err
		}
		cols, err := tx.Statuses(ps[0].ID)
		if err != nil {
			return err
		}
		for _, k := range []struct {
			title string
			col   int
		}{{hostileTitle, 0}, {"Neighbour card", 0}, {"Card in progress", 1}} {
			task := store.Task{ProjectID: ps[0].ID, SpaceID: spaces[0].ID, StatusID: &cols[k.col].ID, Title: k.title, Priority: "none", CreatorID: me.ID}
			if err := tx.CreateTask(&task); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	s := startInShell(t, fmt.Sprintf("HOME=%s XDG_CONFIG_HOME=%s/config LANES_DATA=%s %s", dir, dir, data, bin))
	s.harmless(s.waitFor("the board", "synced", "Neighbour card", "Card in progress"))
	s.tmux("send-keys", "-t", "lanes", "q")
}

// The same title in the board's cache, as a lanes from before answers
// were cleaned would have left it, is as harmless: the board paints the
// cache at once, before the server (slow here) has answered.
func TestHostileCacheInTmux(t *testing.T) {
	dir := t.TempDir()
	bin := builtLanes(t)
	data := filepath.Join(dir, "data")
	ts := testenv.Start(t)
	_, token := ts.User(t, "ann")
	ctx := context.Background()
	c := api.New(ts.HTTP.URL, token)
	spaces, err := c.Spaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := c.Projects(ctx, spaces[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	sts, err := c.Statuses(ctx, ps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: ps[0].ID, Title: "Only on the server"}); err != nil {
		t.Fatal(err)
	}
	// The server answers for the cards only once the test has looked.
	var once sync.Once
	release := make(chan struct{})
	target, _ := url.Parse(ts.HTTP.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1 // the live feed streams
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/api/tasks" {
			<-release
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	// Before the server closes (cleanups run last first), which waits for
	// the requests held here.
	t.Cleanup(func() { once.Do(func() { close(release) }) })

	var cols []board.Column
	for _, st := range sts {
		cols = append(cols, board.Column{ID: st.ID, Name: st.Name, IsDone: st.IsDone})
	}
	card := func(id, title string, col int) *board.Card {
		return &board.Card{ID: id, ProjectID: ps[0].ID, StatusID: cols[col].ID, Title: title, Priority: board.PriorityNone, Position: "a" + id}
	}
	cards := []*board.Card{card("1", hostileTitle, 0), card("2", "Neighbour card", 0), card("3", "Card in progress", 1)}
	if err := board.SaveCache(board.Options{Dir: data, Server: slow.URL, ProjectID: ps[0].ID}, board.NewState(cols, cards)); err != nil {
		t.Fatal(err)
	}

	s := startInShell(t, fmt.Sprintf("HOME=%s XDG_CONFIG_HOME=%s/config LANES_DATA=%s %s --server %s --token %s", dir, dir, data, bin, slow.URL, token))
	s.harmless(s.waitFor("the board from its cache", "Neighbour card", "Card in progress", "inj"))
	once.Do(func() { close(release) })
	s.waitFor("the board from the server", "Only on the server")
	s.tmux("send-keys", "-t", "lanes", "q")
}
