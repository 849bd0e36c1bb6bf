package taskadeboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/board"
)

// hook is a transport to the test server that lets a test stop a request
// before it is sent (before) or its answer before it is returned (after).
// A request held by before is sent even if its context ended meanwhile,
// as one already on the wire lands when the lanes that sent it is killed.
type hook struct {
	mu     sync.Mutex
	before func(*http.Request)
	after  func(*http.Request)
	answer func(*http.Request) string // a body to answer with instead, if not ""
}

func (h *hook) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	before, after := h.before, h.after
	h.mu.Unlock()
	if before != nil {
		before(req)
		req = req.Clone(context.WithoutCancel(req.Context()))
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if after != nil {
		after(req)
	}
	h.mu.Lock()
	answer := h.answer
	h.mu.Unlock()
	if answer != nil && err == nil {
		if body := answer(req); body != "" {
			res.Body.Close()
			res.Body = io.NopCloser(strings.NewReader(body))
			res.ContentLength = int64(len(body))
			res.Header.Del("Content-Length")
		}
	}
	return res, err
}

func (h *hook) set(before, after func(*http.Request)) {
	h.mu.Lock()
	h.before, h.after = before, after
	h.mu.Unlock()
}

func isList(req *http.Request) bool {
	return req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/tasks")
}

func isCreate(req *http.Request) bool {
	return req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/tasks/")
}

// fetchedHookedRemote is hookedRemote("") once it has read the project.
func (e *env) fetchedHookedRemote(t *testing.T) (*Remote, *hook) {
	t.Helper()
	r, h := e.hookedRemote("")
	if _, err := r.Fetch(context.Background(), e.project); err != nil {
		t.Fatal(err)
	}
	return r, h
}

func (e *env) hookedRemote(dir string) (*Remote, *hook) {
	h := &hook{}
	c := taskade.New(e.srv.URL, e.token, taskade.WithRetry(0, time.Millisecond, time.Millisecond),
		taskade.WithTimeout(5*time.Second), taskade.WithTransport(h))
	r := NewRemote(c, e.project, dir, e.srv.URL)
	r.settle = 0
	return r, h
}

func newCard(key, col, title string) board.Request {
	return board.Request{Key: key, Op: board.OpCreate, TaskID: board.NewTempID(),
		Create: &board.Mutation{ID: key, Kind: board.KindCreate, Title: &title, StatusID: &col}}
}

// A fetch whose list was read before lanes made a card, taken in after it:
// the card lanes made is still known, so a change to it goes to Taskade
// rather than being dropped as "deleted elsewhere".
func TestAListReadBeforeACreateDoesNotForgetTheCard(t *testing.T) {
	env := newEnv(t)
	r, h := env.fetchedHookedRemote(t)
	ctx := context.Background()
	read, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h.set(nil, func(req *http.Request) {
		if isList(req) {
			once.Do(func() { close(read); <-release })
		}
	})
	fetched := make(chan error)
	go func() { _, err := r.Fetch(ctx, env.project); fetched <- err }()
	<-read // Taskade answered the list: the new card is not in it
	h.set(nil, nil)
	c, err := r.Send(ctx, newCard("make", env.cols["To Do"], "New"))
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-fetched; err != nil {
		t.Fatal(err)
	}
	title := "Renamed"
	if _, err := r.Send(ctx, board.Request{Key: "edit", Op: board.OpPatch, TaskID: c.ID, Patch: board.Patch{Title: &title}}); err != nil {
		t.Fatalf("renaming the card lanes just made: %v", err)
	}
	if got := env.titles("To Do"); !same(got, []string{"Renamed"}) {
		t.Fatalf("Taskade's To Do is %q", got)
	}
}

// Two cards of one name made at once, the first's answer lost: its
// retry must not adopt the card the second is still making, or both end
// up as one task and the first's task is nobody's.
func TestARetriedCreateDoesNotAdoptACreateStillOnItsWay(t *testing.T) {
	env := newEnv(t)
	other := env.card("To Do", "Other")
	r, h := env.fetchedHookedRemote(t)
	ctx := context.Background()
	env.srv.DropNext(http.MethodPost, 1)
	a := newCard("a", env.cols["To Do"], "Same")
	if _, err := r.Send(ctx, a); err == nil {
		t.Fatal("the lost answer was not noticed")
	}
	// The second goes first in the column, its answer held back.
	r.mu.Lock()
	first, _ := board.Between("", r.tasks[other].Key)
	r.mu.Unlock()
	b := newCard("b", env.cols["To Do"], "Same")
	b.Create.Position = &first
	applied, release := make(chan struct{}), make(chan struct{})
	h.set(nil, func(req *http.Request) {
		if isCreate(req) {
			close(applied)
			<-release
		}
	})
	type sent struct {
		c   *board.Card
		err error
	}
	bDone := make(chan sent)
	go func() { c, err := r.Send(ctx, b); bDone <- sent{c, err} }()
	<-applied
	h.set(nil, nil)
	aDone := make(chan sent)
	go func() { c, err := r.Send(ctx, a); aDone <- sent{c, err} }()
	// The retry may wait for the second create (it should): let both go.
	time.Sleep(50 * time.Millisecond)
	close(release)
	gb, ga := <-bDone, <-aDone
	if ga.err != nil || gb.err != nil {
		t.Fatalf("a: %v, b: %v", ga.err, gb.err)
	}
	if ga.c.ID == gb.c.ID {
		t.Fatalf("both creates answered with task %s: one of Taskade's two %q is lanes' twice, the other nobody's", ga.c.ID, "Same")
	}
}

// A create first sent long ago (then refused by a 503), sent again, and
// lanes killed with that second request still on its way: the next lanes
// must wait for it to land, as it would for a first one, rather than send
// it a third time.
func TestACreateResentThenKilledIsNotMadeTwice(t *testing.T) {
	env := newEnv(t)
	dir := t.TempDir()
	r1, h1 := env.hookedRemote(dir)
	ctx1, kill := context.WithCancel(context.Background())
	if _, err := r1.Fetch(ctx1, env.project); err != nil {
		t.Fatal(err)
	}
	r1.now = func() time.Time { return time.Now().Add(-time.Hour) }
	env.srv.FailNext(1, http.StatusServiceUnavailable, 0) // not made
	q := newCard("once", env.cols["To Do"], "Once")
	if _, err := r1.Send(ctx1, q); err == nil {
		t.Fatal("the 503 was not noticed")
	}
	r1.now = time.Now
	sending, release, landed := make(chan struct{}), make(chan struct{}), make(chan struct{})
	h1.set(func(req *http.Request) {
		if isCreate(req) {
			close(sending)
			<-release // on its way, slowly
		}
	}, func(req *http.Request) {
		if isCreate(req) {
			close(landed)
		}
	})
	go r1.Send(ctx1, q)
	<-sending
	kill()

	r2, _ := env.hookedRemote(dir)
	r2.settle = time.Hour // as long as a request may take to land
	ctx2, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := r2.Send(ctx2, q) // waits for the first lanes' request, until ctx2 ends
	t.Logf("the second lanes' send: %v", err)
	close(release)
	<-landed // the first lanes' request
	if got := env.titles("To Do"); !same(got, []string{"Once"}) {
		t.Fatalf("Taskade's To Do is %q, want the card once", got)
	}
}

// A record of a create left with a time in the future (the clock was
// ahead, or the file is damaged) makes the next lanes wait no longer than
// a request can take to land.
func TestACreateRecordedInTheFutureIsNotHeldBack(t *testing.T) {
	env := newEnv(t)
	dir := t.TempDir()
	r1, _ := env.hookedRemote(dir)
	ctx := context.Background()
	if _, err := r1.Fetch(ctx, env.project); err != nil {
		t.Fatal(err)
	}
	r1.now = func() time.Time { return time.Now().Add(24 * time.Hour) }
	env.srv.FailNext(1, http.StatusServiceUnavailable, 0) // not made
	q := newCard("later", env.cols["To Do"], "Later")
	if _, err := r1.Send(ctx, q); err == nil {
		t.Fatal("the 503 was not noticed")
	}
	r2, _ := env.hookedRemote(dir)
	r2.settle = 10 * time.Millisecond
	ctx2, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := r2.Send(ctx2, q); err != nil {
		t.Fatalf("the create was held back: %v", err)
	}
	if got := env.titles("To Do"); !same(got, []string{"Later"}) {
		t.Fatalf("Taskade's To Do is %q", got)
	}
}

// Taskade made the task but answered with a list lanes can't take it from
// (none listed; a task without an id): the card exists, so the create is
// not refused (which would drop it and the changes waiting on it) but
// sent again, which finds the task instead of making another.
func TestACreateAnsweredUnreadablyIsFoundNotRefused(t *testing.T) {
	for _, body := range []string{`{"ok":true,"item":[]}`, `{"ok":true,"item":[{"text":"x"}]}`, `{"ok":true}`, `{"ok":true,"item":"what"}`} {
		env := newEnv(t)
		r, h := env.fetchedHookedRemote(t)
		ctx := context.Background()
		h.mu.Lock()
		h.answer = func(req *http.Request) string {
			if isCreate(req) {
				return body
			}
			return ""
		}
		h.mu.Unlock()
		q := newCard("make", env.cols["To Do"], "Made")
		_, err := r.Send(ctx, q)
		var f *board.Failure
		if !errors.As(err, &f) || f.Class == board.Refused || f.Class == board.Gone {
			t.Fatalf("answer %s: the create failed with %v (%+v), want it tried again", body, err, f)
		}
		h.mu.Lock()
		h.answer = nil
		h.mu.Unlock()
		c, err := r.Send(ctx, q)
		if err != nil {
			t.Fatalf("answer %s: sent again: %v", body, err)
		}
		if got := env.task("Made"); got.ID != c.ID {
			t.Fatalf("answer %s: the card is task %s, Taskade's is %s", body, c.ID, got.ID)
		}
	}
}

// A create answered with a task lanes knows as another (a card already
// there, a column), or under a parent it did not ask for: lanes' card
// must not become that other task (its next edit would change someone's
// card) nor hang from the task itself.
func TestACreateAnswerNamingAnotherTaskIsNotTaken(t *testing.T) {
	env := newEnv(t)
	card := env.card("To Do", "Someone's card")
	r, h := env.fetchedHookedRemote(t)
	ctx := context.Background()
	fake := "11111111-1111-1111-1111-111111111111"
	for i, answer := range []string{
		`{"ok":true,"item":[{"id":"` + card + `","text":"Mine","parentId":"` + env.cols["To Do"] + `"}]}`,
		`{"ok":true,"item":[{"id":"` + env.cols["Doing"] + `","text":"Mine","parentId":"` + env.cols["To Do"] + `"}]}`,
		`{"ok":true,"item":[{"id":"` + fake + `","text":"Mine","parentId":"` + fake + `"}]}`,
	} {
		h.mu.Lock()
		h.answer = func(req *http.Request) string {
			if isCreate(req) {
				return answer
			}
			return ""
		}
		h.mu.Unlock()
		c, err := r.Send(ctx, newCard(fmt.Sprint("mine", i), env.cols["To Do"], "Mine"))
		if err != nil {
			continue // not taken: tried again, it finds its task
		}
		if c.ID == card || c.ID == env.cols["Doing"] {
			t.Fatalf("answer %d: lanes' new card is task %s, which is another", i, c.ID)
		}
		if c.StatusID != env.cols["To Do"] || c.ParentID != "" {
			t.Fatalf("answer %d: the new card is in column %s under %q, want a card of To Do", i, c.StatusID, c.ParentID)
		}
	}
	if got := r.cardOf(card); got == nil || got.Title != "Someone's card" {
		t.Fatalf("someone's card is now %+v", got)
	}
}

// A move answered with the task under a parent lanes did not ask for
// (itself, here): the card is where lanes moved it, not hanging from
// itself out of every column.
func TestAMoveAnswerWithAnotherParentIsNotTaken(t *testing.T) {
	env := newEnv(t)
	card := env.card("To Do", "Mover")
	r, h := env.fetchedHookedRemote(t)
	ctx := context.Background()
	h.mu.Lock()
	h.answer = func(req *http.Request) string {
		if strings.HasSuffix(req.URL.Path, "/move") {
			return `{"ok":true,"item":{"id":"` + card + `","text":"Mover","parentId":"` + card + `"}}`
		}
		return ""
	}
	h.mu.Unlock()
	to := env.cols["Doing"]
	c, err := r.Send(ctx, board.Request{Key: "move", Op: board.OpPatch, TaskID: card, Patch: board.Patch{StatusID: &to}})
	if err != nil {
		t.Fatal(err)
	}
	if c.StatusID != to || c.ParentID != "" {
		t.Fatalf("the moved card is in column %s under %q, want a card of Doing", c.StatusID, c.ParentID)
	}
}
