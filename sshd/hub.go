package sshd

// What the sessions of one host share. Per person (a key line's name and
// token): one API client, so one HTTP transport and its connections, and
// one data directory, ssh/NAME/1, holding one last-board.json, one outbox
// and one cache per board. Per person and project: one board.Engine,
// opened, started, kept live and closed here, whose confirmed board, feed
// subscription, outbox and pending changes every session of that person
// on that project shows. A session holds only its view (ui.Model, with the
// screen in front, the selection, the filter), its terminal and its
// program.
//
// The engine is not safe for use by more than one goroutine: its lock is
// held for every Update of the sessions showing it and every result handed
// to it, and shared by their Views, which only read it (see sharedModel).
// Its commands run here (sharedEngine.run), never in a session's program:
// a session that quits while a change it made is on the wire does not
// lose the answer, which the others' outbox would then wait for.
//
// Different people never share an engine, though they may look at the
// same project: what proves a person may see a board is their own fetch
// and their own live feed, which the server ends when their token is
// revoked or they leave the space.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/launch"
	"github.com/lanesboard/lanes/ui"
	"github.com/lanesboard/lanes/ui/common"
	"github.com/lanesboard/lanes/ui/switcher"
)

// closeWait bounds how long an engine whose last session left waits for
// its commands on their way (cancelled, they end at once; a disk write
// finishes) before it writes its cache and releases its outbox.
const closeWait = 5 * time.Second

// maxNotices is how many of an engine's notices wait for a session that
// has not drawn since: the status line shows the latest.
const maxNotices = 4

// hub holds what the host's sessions share.
type hub struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	people  map[personKey]*person
	lasts   map[string]*launch.LastFile // by person name: one data directory each
	engines map[engineKey]*sharedEngine
	dirs    map[string]bool // data directory + "\x00" + project of every open engine
	order   uint64          // the last engine's lock order
	// bg counts engines being released by a session that stays (the
	// project switcher opened another), so Serve can wait for them.
	bg sync.WaitGroup
}

func newHub(cfg Config, log *slog.Logger) *hub {
	return &hub{cfg: cfg, log: log, people: map[personKey]*person{}, lasts: map[string]*launch.LastFile{},
		engines: map[engineKey]*sharedEngine{}, dirs: map[string]bool{}}
}

// personKey is who a session acts as: the key line's name and token (two
// lines of one name with different tokens may be two people to a remote
// server, and never share a client or an engine).
type personKey struct{ name, token string }

// person is one API client of the task server, shared by the person's
// sessions and engines.
type person struct {
	key     personKey
	ready   chan struct{} // closed once c (or err) is set
	c       launch.Server
	release func()
	err     error
	refs    int // under hub.mu: sessions and engines using it
}

// person is the client of k, made by the first session that needs it; the
// caller drops it when done.
func (h *hub) person(ctx context.Context, k personKey) (*person, error) {
	h.mu.Lock()
	p := h.people[k]
	maker := p == nil
	if maker {
		p = &person{key: k, ready: make(chan struct{})}
		h.people[k] = p
	}
	p.refs++
	h.mu.Unlock()
	if maker {
		// Not the session's context: others may be waiting for the client.
		p.c, p.release, p.err = h.cfg.Client(context.WithoutCancel(ctx), k.name, k.token)
		close(p.ready)
	}
	select {
	case <-p.ready:
	case <-ctx.Done():
		h.dropPerson(p)
		return nil, ctx.Err()
	}
	if p.err != nil {
		h.dropPerson(p)
		return nil, p.err
	}
	return p, nil
}

// dropPerson gives up a use of p's client, releasing it after the last.
func (h *hub) dropPerson(p *person) {
	h.mu.Lock()
	p.refs--
	last := p.refs == 0
	if last && h.people[p.key] == p {
		delete(h.people, p.key)
	}
	h.mu.Unlock()
	if last && p.release != nil {
		p.release()
	}
}

// personDir is the data directory of name's n-th engine of one project
// at once: ssh/NAME/1 for the one there normally is (the directory the
// first session of each person had before sessions shared their board).
func (h *hub) personDir(name string, n int) string {
	return filepath.Join(h.cfg.Dir, "ssh", name, strconv.Itoa(n))
}

// last is name's last-board.json, one for all their sessions: its writers
// in one process take turns.
func (h *hub) last(name string) *launch.LastFile {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.lasts[name]
	if l == nil {
		l = launch.NewLastFile(h.personDir(name, 1), h.cfg.ServerKey)
		h.lasts[name] = l
	}
	return l
}

// engineKey is one person's board of one project.
type engineKey struct {
	person  personKey
	project string
}

// sharedEngine is an engine and the sessions showing it.
type sharedEngine struct {
	h     *hub
	key   engineKey
	p     *person
	dir   string // the data directory it has open
	order uint64 // engines are locked in this order, when two are
	// opened is closed once e (or err) is set; done once the engine is
	// closed, after its last session left.
	opened chan struct{}
	done   chan struct{}
	err    error

	// mu guards the engine: every Update over it and every result handed
	// to it hold it; Views, which only read the engine, share it.
	mu     sync.RWMutex
	e      *board.Engine
	closed bool // no result is handed to e any more

	ctx    context.Context
	cancel context.CancelFunc
	cmds   sync.WaitGroup // commands on their way

	bmu    sync.Mutex
	boards map[*boardSession]int // the sessions holding it, and how often
	// unheard are notices that came while no session held the engine
	// (its first one is still opening it): the next to hold it has them.
	unheard []string

	// Under hub.mu:
	refs      int
	closing   bool
	rechecked bool
	drains    []*sharedEngine // engines of older data directories sending what waits there
	recheck   <-chan struct{}

	drain *drainOf // set on an engine that only empties an old directory's outbox
}

// drainOf is what an engine that empties an old directory's outbox needs
// to forget it afterwards.
type drainOf struct {
	opts   board.Options
	parent *sharedEngine
	once   sync.Once
}

// acquire is the engine of p's board of o.ProjectID (in o.SpaceID, acting
// as o.Actor), opened and started by its first session, held by b until
// b releases it (or ends).
func (h *hub) acquire(ctx context.Context, b *boardSession, p *person, o board.Options) (*sharedEngine, error) {
	key := engineKey{p.key, o.ProjectID}
	for {
		h.mu.Lock()
		se := h.engines[key]
		if se != nil && se.closing {
			// Its last session just left: it writes its cache and lets go
			// of its outbox, which the next one opens.
			h.mu.Unlock()
			select {
			case <-se.done:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		opener := se == nil
		if opener {
			se = h.newEngine(key, p)
		}
		se.refs++
		h.mu.Unlock()
		if opener {
			se.open(o)
		}
		select {
		case <-se.opened:
		case <-ctx.Done():
			h.release(b, se, false)
			return nil, ctx.Err()
		}
		if se.err != nil {
			h.release(b, se, false)
			return nil, se.err
		}
		// Held once open: b's Update looks through what it holds.
		if !b.hold(se) {
			h.release(b, se, false)
			return nil, errors.New("the session ended")
		}
		return se, nil
	}
}

// newEngine is the entry of an engine about to be opened, in the first
// data directory of the person no open engine of the project holds.
// Under hub.mu.
func (h *hub) newEngine(key engineKey, p *person) *sharedEngine {
	n := 1
	for h.dirs[h.personDir(key.person.name, n)+"\x00"+key.project] {
		n++
	}
	dir := h.personDir(key.person.name, n)
	h.dirs[dir+"\x00"+key.project] = true
	h.order++
	p.refs++ // the engine's own use of the client
	se := &sharedEngine{h: h, key: key, p: p, dir: dir, order: h.order, opened: make(chan struct{}), done: make(chan struct{}),
		boards: map[*boardSession]int{}}
	se.ctx, se.cancel = context.WithCancel(context.Background())
	h.engines[key] = se
	return se
}

// open opens the engine, starts it (its fetch, members and outbox) and
// keeps it live, once for all its sessions.
func (se *sharedEngine) open(o board.Options) {
	defer close(se.opened)
	if err := os.MkdirAll(se.dir, 0o700); err != nil {
		se.err = fmt.Errorf("make the person's directory: %w", err)
		return
	}
	o.Dir, o.Server, o.Log = se.dir, se.h.cfg.ServerKey, se.h.cfg.EngineLog
	o.Remote = se.p.c.Remote(o)
	e, err := board.Open(se.ctx, o)
	if err != nil {
		se.err = fmt.Errorf("open the board: %w", err)
		return
	}
	se.mu.Lock()
	se.e = e
	cmds := e.Start()
	if se.drain == nil {
		cmds = append(cmds, e.Live())
	}
	se.mu.Unlock()
	se.run(cmds, nil)
	if se.drain == nil {
		se.startDrains(o)
	} else {
		se.drained()
	}
}

// recheckOnce asks the server about a board opened from memory (see
// launch.LastFile.Recheck), once for all the sessions that opened it so.
func (se *sharedEngine) recheckOnce(last *launch.LastFile, ch launch.Choice) {
	h := se.h
	h.mu.Lock()
	defer h.mu.Unlock()
	if se.rechecked || se.closing || !ch.Remembered {
		return
	}
	se.rechecked = true
	se.recheck = last.Recheck(se.ctx, se.p.c, ch)
}

// run runs the engine's commands, each handing its result to the engine,
// or (not the engine's) back to the session from that asked.
func (se *sharedEngine) run(cmds []board.Cmd, from *boardSession) {
	for _, c := range cmds {
		if c == nil {
			continue
		}
		se.cmds.Add(1)
		go func() {
			defer se.cmds.Done()
			se.deliver(c(), from)
		}()
	}
}

// deliver hands msg to the engine and tells its sessions it changed.
func (se *sharedEngine) deliver(msg any, from *boardSession) {
	se.mu.Lock()
	if se.closed {
		se.mu.Unlock()
		return
	}
	before := markOf(se.e)
	next, ok := se.e.Update(msg)
	var (
		notices []string
		members *board.MembersMsg
	)
	if ok {
		notices = se.e.Notices()
		if mm, isMembers := msg.(board.MembersMsg); isMembers {
			members = &mm
		}
	}
	same := markOf(se.e) == before
	se.mu.Unlock()
	se.run(next, nil) // even for a message not its own: outbox writes it owed
	if !ok {
		if from != nil {
			from.send(msg)
		}
		return
	}
	// A result that changed nothing a board shows (a cache or outbox
	// write done) is not worth drawing every session again.
	if !same || len(notices) > 0 || members != nil {
		se.changed(nil, notices, members)
	}
	if se.drain != nil {
		se.drained()
	}
}

// mark is what a board draws of an engine, to tell whether it changed:
// the board, the sync status and the refusals.
type mark struct {
	state    *board.State
	status   board.Status
	refusals int64
}

func markOf(e *board.Engine) mark {
	return mark{e.State(), e.Status(), e.Refusals()}
}

// changed tells every session of the engine but except that it changed.
// An engine emptying an older outbox has no session: what it has to say
// (a change there refused) goes to the sessions of the board it serves.
func (se *sharedEngine) changed(except *boardSession, notices []string, members *board.MembersMsg) {
	if d := se.drain; d != nil {
		if len(notices) > 0 {
			d.parent.changed(nil, notices, nil)
		}
		return
	}
	se.bmu.Lock()
	defer se.bmu.Unlock()
	told := false
	for b := range se.boards {
		if b != except {
			b.notify(se.e, notices, members)
			told = true
		}
	}
	if !told && except == nil && len(notices) > 0 {
		se.unheard = lastN(append(se.unheard, notices...), maxNotices)
	}
}

// lastN is the last n of s.
func lastN(s []string, n int) []string {
	if len(s) > n {
		return slices.Clone(s[len(s)-n:])
	}
	return s
}

// release gives up b's hold on se; the last one closes the engine. held
// says b's hold was taken (b.hold succeeded).
func (h *hub) release(b *boardSession, se *sharedEngine, held bool) error {
	if held {
		b.unhold(se)
	}
	h.mu.Lock()
	se.refs--
	last := se.refs == 0
	if last {
		se.closing = true
	}
	h.mu.Unlock()
	if !last {
		return nil
	}
	return se.shut()
}

// shut closes the engine: what waits stays in its outbox for next time,
// its cache is written; then its entry goes, and its use of the client.
func (se *sharedEngine) shut() error {
	h := se.h
	<-se.opened
	se.mu.Lock()
	se.closed = true
	se.mu.Unlock()
	se.cancel()
	waited := make(chan struct{})
	go func() {
		se.cmds.Wait()
		close(waited)
	}()
	select {
	case <-waited:
	case <-time.After(closeWait):
		h.log.Warn("ssh: a board's commands did not end when it closed", "user", se.key.person.name)
	}
	var err error
	if se.e != nil {
		se.mu.Lock()
		err = se.e.Close()
		se.mu.Unlock()
	}
	h.mu.Lock()
	drains, recheck := se.drains, se.recheck
	se.drains = nil
	h.mu.Unlock()
	for _, d := range drains {
		d.shut()
	}
	if recheck != nil {
		<-recheck
	}
	h.mu.Lock()
	if h.engines[se.key] == se {
		delete(h.engines, se.key)
	}
	delete(h.dirs, se.dir+"\x00"+se.key.project)
	h.mu.Unlock()
	close(se.done)
	h.dropPerson(se.p)
	if err != nil {
		err = fmt.Errorf("close the board: %w", err)
		h.log.Error("ssh: closing a board", "user", se.key.person.name, "err", err)
	}
	return err
}

// startDrains opens an engine on each other data directory of the person
// (ssh/NAME/2, 3, …: what the sessions of a lanes before this one each
// had) whose outbox of this board may hold changes, to send them. Each
// closes, and its files go, once it has sent everything; until then it
// lives as long as se.
func (se *sharedEngine) startDrains(o board.Options) {
	h := se.h
	entries, err := os.ReadDir(filepath.Dir(se.dir))
	if err != nil {
		return
	}
	for _, ent := range entries {
		n, err := strconv.Atoi(ent.Name())
		dir := filepath.Join(filepath.Dir(se.dir), ent.Name())
		if err != nil || n < 1 || !ent.IsDir() || dir == se.dir {
			continue
		}
		do := o
		do.Dir = dir
		if !board.HasOutbox(do) {
			continue
		}
		h.mu.Lock()
		if h.dirs[dir+"\x00"+se.key.project] || se.closing {
			h.mu.Unlock()
			continue
		}
		h.dirs[dir+"\x00"+se.key.project] = true
		h.order++
		se.p.refs++
		d := &sharedEngine{h: h, key: se.key, p: se.p, dir: dir, order: h.order, opened: make(chan struct{}), done: make(chan struct{}),
			boards: map[*boardSession]int{}, drain: &drainOf{opts: do, parent: se}}
		d.ctx, d.cancel = context.WithCancel(se.ctx)
		se.drains = append(se.drains, d)
		h.mu.Unlock()
		h.log.Info("ssh: sending what an older session left in its outbox", "user", se.key.person.name, "dir", dir)
		d.open(do)
	}
}

// drained closes a draining engine whose outbox is empty, and forgets
// its files (and its directory, once it holds no board).
func (se *sharedEngine) drained() {
	se.mu.Lock()
	empty := se.e != nil && !se.closed && se.e.Status().Waiting == 0
	se.mu.Unlock()
	if !empty {
		return
	}
	d := se.drain
	d.once.Do(func() {
		h := se.h
		h.bg.Add(1)
		go func() {
			defer h.bg.Done()
			h.mu.Lock()
			owned := slices.Contains(d.parent.drains, se)
			d.parent.drains = slices.DeleteFunc(d.parent.drains, func(o *sharedEngine) bool { return o == se })
			h.mu.Unlock()
			if !owned {
				return // the parent is closing it
			}
			if se.shut() != nil {
				return
			}
			if err := board.Forget(d.opts); err != nil {
				h.log.Warn("ssh: forgetting an emptied outbox", "dir", d.opts.Dir, "err", err)
				return
			}
			if left, err := filepath.Glob(filepath.Join(d.opts.Dir, "boards", "*.outbox")); err == nil && len(left) == 0 {
				os.RemoveAll(d.opts.Dir)
			}
		}()
	})
}

// boardSession is one session's hold on the engines it shows (one, and a
// second while the project switcher swaps them) and the changes of theirs
// it has yet to be told.
type boardSession struct {
	h    *hub
	prog *tea.Program // set before the program runs

	mu     sync.Mutex
	holds  map[*sharedEngine]int
	ended  bool
	change *common.EngineChanged // to send
	signal chan struct{}         // a change waits to be sent
}

func (h *hub) newBoard() *boardSession {
	return &boardSession{h: h, holds: map[*sharedEngine]int{}, signal: make(chan struct{}, 1)}
}

// hold records b's hold on se, unless b has ended.
func (b *boardSession) hold(se *sharedEngine) bool {
	b.mu.Lock()
	if b.ended {
		b.mu.Unlock()
		return false
	}
	b.holds[se]++
	b.mu.Unlock()
	se.bmu.Lock()
	se.boards[b]++
	unheard := se.unheard
	se.unheard = nil
	se.bmu.Unlock()
	if len(unheard) > 0 {
		b.notify(se.e, unheard, nil)
	}
	return true
}

func (b *boardSession) unhold(se *sharedEngine) {
	b.mu.Lock()
	if b.holds[se]--; b.holds[se] <= 0 {
		delete(b.holds, se)
	}
	b.mu.Unlock()
	se.bmu.Lock()
	if se.boards[b]--; se.boards[b] <= 0 {
		delete(se.boards, b)
	}
	se.bmu.Unlock()
}

// held is b's shared engine of e (nil if b holds none).
func (b *boardSession) held(e *board.Engine) *sharedEngine {
	b.mu.Lock()
	defer b.mu.Unlock()
	for se := range b.holds {
		if se.e == e {
			return se
		}
	}
	return nil
}

// end releases every engine b holds; the error is of a close it made.
func (b *boardSession) end() error {
	b.mu.Lock()
	b.ended = true
	holds := b.holds
	b.holds = map[*sharedEngine]int{}
	b.mu.Unlock()
	var errs []error
	for se, n := range holds {
		se.bmu.Lock()
		delete(se.boards, b)
		se.bmu.Unlock()
		for range n {
			errs = append(errs, b.h.release(b, se, false))
		}
	}
	return errors.Join(errs...)
}

// notify notes that e changed, for the session's program to be told.
func (b *boardSession) notify(e *board.Engine, notices []string, members *board.MembersMsg) {
	b.mu.Lock()
	if b.change == nil || b.change.Engine != e {
		b.change = &common.EngineChanged{Engine: e}
	}
	c := b.change
	if len(notices) > 0 {
		c.Notices = lastN(append(c.Notices, notices...), maxNotices)
	}
	if members != nil {
		c.Members = members
	}
	b.mu.Unlock()
	select {
	case b.signal <- struct{}{}:
	default:
	}
}

// taken is the change waiting to be sent, if any.
func (b *boardSession) taken() *common.EngineChanged {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.change
	b.change = nil
	return c
}

// send hands the session's program a result of a command it asked for.
func (b *boardSession) send(msg any) {
	if b.prog != nil {
		b.prog.Send(msg)
	}
}

// Run runs the commands of e, which b shows (common.Host).
func (b *boardSession) Run(e *board.Engine, cmds []board.Cmd) {
	if se := b.held(e); se != nil {
		se.run(cmds, b)
	}
}

// Leave gives up b's hold on e, which the switcher replaced (common.Host).
// Called from an Update holding e's lock, it releases in the background.
func (b *boardSession) Leave(e *board.Engine) {
	se := b.held(e)
	if se == nil {
		return
	}
	b.h.bg.Add(1)
	go func() {
		defer b.h.bg.Done()
		b.h.release(b, se, true)
	}()
}

// opener is how the project switcher of b's session opens a board: the
// engine the person's other sessions of the project share.
func (b *boardSession) opener(p *person) launch.OpenFunc {
	return func(ctx context.Context, o board.Options) (*board.Engine, error) {
		se, err := b.h.acquire(ctx, b, p, o)
		if err != nil {
			return nil, err
		}
		return se.e, nil
	}
}

// lock takes the lock of e's engine, and of other's too if set (in the
// engines' order, so two sessions swapping boards both ways can't each
// hold one and wait for the other), and returns what lets them go.
func (b *boardSession) lock(e, other *board.Engine) func() {
	var ses []*sharedEngine
	for _, x := range []*board.Engine{e, other} {
		if x == nil {
			continue
		}
		if se := b.held(x); se != nil && !slices.Contains(ses, se) {
			ses = append(ses, se)
		}
	}
	slices.SortFunc(ses, func(a, c *sharedEngine) int { return cmp.Compare(a.order, c.order) })
	for _, se := range ses {
		se.mu.Lock()
	}
	return func() {
		for _, se := range slices.Backward(ses) {
			se.mu.Unlock()
		}
	}
}

// rlock is lock for a View, which only reads the engine: the sessions of
// an engine draw at once.
func (b *boardSession) rlock(e *board.Engine) func() {
	se := b.held(e)
	if se == nil {
		return func() {}
	}
	se.mu.RLock()
	return se.mu.RUnlock
}

// sharedModel is a session's board over a shared engine: every Update and
// View holds the engine's lock; a change the session made to the engine
// is told to its other sessions.
type sharedModel struct {
	tea.Model
	b *boardSession
	// seen is the engine as the board last followed it. A key must meet
	// the board as the engine has it now: the selection follows a card
	// the others' changes (or the server's answers) moved or renamed
	// before the key is handled, not after.
	seen mark
}

func (m sharedModel) Init() tea.Cmd {
	unlock := m.b.lock(engineOf(m.Model), nil)
	defer unlock()
	return m.Model.Init()
}

func (m sharedModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	e := engineOf(m.Model)
	var other *board.Engine
	if o, ok := msg.(switcher.OpenedMsg); ok && o.Err == nil {
		other = o.Engine
	}
	unlock := m.b.lock(e, other)
	var caught tea.Cmd
	if _, ok := msg.(common.EngineChanged); !ok && markOf(e) != m.seen {
		change := common.EngineChanged{Engine: e}
		if c := m.b.taken(); c != nil && c.Engine == e {
			change = *c
		}
		m.Model, caught = m.Model.Update(change)
	}
	before := markOf(e)
	next, cmd := m.Model.Update(msg)
	after := markOf(engineOf(next))
	changed := markOf(e) != before
	unlock()
	m.Model, m.seen = next, after
	if changed {
		if se := m.b.held(e); se != nil {
			se.changed(m.b, nil, nil)
		}
	}
	return m, tea.Batch(caught, cmd)
}

func (m sharedModel) View() string {
	unlock := m.b.rlock(engineOf(m.Model))
	defer unlock()
	return m.Model.View()
}

// engineOf is the engine a session's board shows.
func engineOf(m tea.Model) *board.Engine {
	if em, ok := m.(endable); ok {
		m = em.Model
	}
	if um, ok := m.(ui.Model); ok {
		return um.Engine()
	}
	return nil
}
