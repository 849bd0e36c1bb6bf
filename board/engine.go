package board

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"time"
)

// Cmd is a piece of I/O for the UI to run off its update loop (Bubble Tea
// runs it as a tea.Cmd). It returns a message to hand back to Engine.Update.
type Cmd func() any

// Remote is the task server as the engine needs it. The api package's
// client is adapted to it by NewRemote.
type Remote interface {
	// Fetch reads the project's columns, labels and cards, archived ones
	// included (they are on the board, just not in a column).
	Fetch(ctx context.Context, projectID string) (Fetched, error)
	// Send makes one request; the card is the server's copy afterwards, or
	// nil when the request does not return one (delete, comment).
	Send(ctx context.Context, r Request) (*Card, error)
	// Reshape makes a request that changes a column or a label (r.Shape):
	// the answer is the server's copy of it, or the zero Shape after a
	// delete.
	Reshape(ctx context.Context, r Request) (Shape, error)
}

// Fetched is a whole board as the server has it, or (Changes) what
// changed in it.
type Fetched struct {
	Columns []Column
	Labels  []Label
	Cards   []*Card
	// Seq is the position in the server's change log the board is
	// complete up to: 0 when the server does not say (a seed-only
	// server, a lanes server from before), or the cache is from before.
	Seq int64
	// Changes says Cards are only the cards (archived ones too) that
	// changed after the position asked for, and Deleted the ids of those
	// deleted or moved out of the project since; the columns and labels
	// are whole all the same.
	Changes bool
	Deleted []string
}

// ChangeReader is a Remote that can read only what changed in a project
// after a position in its change log (a Fetched's Seq).
type ChangeReader interface {
	// FetchChanges reads the columns and labels, and the cards that
	// changed after seq; when the server can't say (it no longer holds
	// every change since, or never kept them) it reads the whole board,
	// and the answer's Changes is false.
	FetchChanges(ctx context.Context, projectID string, seq int64) (Fetched, error)
}

// Shape is a column or a label as the server answered a change to it.
type Shape struct {
	Column *Column
	Label  *Label
}

// id is the server's id of what the answer is about, or "".
func (s Shape) id() string {
	switch {
	case s.Column != nil:
		return s.Column.ID
	case s.Label != nil:
		return s.Label.ID
	}
	return ""
}

// Failure is how a Remote reports what went wrong, so the engine knows what
// to do: refuse (drop the change and say why), wait and retry, or treat the
// card as gone.
type Failure struct {
	Class      FailureClass
	Message    string // a sentence for the person
	RetryAfter time.Duration
	Err        error
}

// FailureClass sorts failures by what the engine does about them.
type FailureClass int

// The failure classes.
const (
	Transient   FailureClass = iota // network down, 5xx: retry with backoff
	RateLimited                     // 429: wait RetryAfter
	Refused                         // 400, 403, 409, unsupported: drop the change
	Gone                            // 404: the card (or project) is gone
	// Unauthorized: the token was refused (401: revoked, expired, wrong).
	// The change is kept, not dropped: it waits in the outbox for a token
	// that works, and is tried again now and then.
	Unauthorized
)

func (f *Failure) Error() string { return f.Message }
func (f *Failure) Unwrap() error { return f.Err }

// SyncState is what the status line says about syncing.
type SyncState int

// The sync states.
const (
	Synced SyncState = iota
	Syncing
	Offline
	Waiting      // rate limited
	Unavailable  // the server refused the board itself (gone, or no longer yours)
	TokenRefused // the server refused the token: changes wait for one it takes
)

func (s SyncState) String() string {
	return [...]string{"synced", "syncing", "offline", "rate limited", "unavailable", "token refused"}[s]
}

// Status is the engine's sync state for the status line.
type Status struct {
	State    SyncState
	Waiting  int    // changes not yet confirmed
	LastErr  string // why it is offline
	Fetching bool
	// Fetched counts the fetches answered so far (a refresh is done once
	// it grows); FetchErr is why the last one failed, if it did.
	Fetched  int64
	FetchErr string
	// Fresh says the board shown came from the server since it opened,
	// not only from the cache.
	Fresh bool
	// Polling says the board has no live feed and is fetched again every
	// so often; SyncedAt is when a fetch last succeeded.
	Polling  bool
	SyncedAt time.Time
}

// Options configure an engine.
type Options struct {
	Dir         string // data directory: outbox and cache live here
	Server      string // the server's URL, so each server has its own files
	ProjectID   string
	SpaceID     string // the project's space, for listing its members
	Actor       string // the user whose changes these are
	Remote      Remote
	Now         func() time.Time
	MaxInFlight int           // concurrent requests (default 4)
	BackoffBase time.Duration // first retry wait (default 250ms)
	BackoffCap  time.Duration // longest retry wait (default 30s)
	// Log, if set, records the sync engine's decisions (sent, confirmed,
	// refused, rebased) for bug reports: lanes --debug engine.
	Log *slog.Logger
	// NoBatch sends one request per change even to a server that takes
	// many in one (POST /api/batch): for tests of that path, and to
	// compare.
	NoBatch bool
	// Preview paints a large board's first frame from the head of its
	// cache (each column's first cards) and reads the rest in Start's
	// first command, for a screen: until then the engine is Loading.
	Preview bool
}

// Engine is one project's board and its optimistic sync. It is a value the
// UI owns: only Update, Do and friends change it, all from the UI's update
// loop; the I/O it needs comes back as Cmds whose results are messages.
type Engine struct {
	opts      Options
	ctx       context.Context
	journal   *journal
	confirmed *State
	view      *State
	pending   []Mutation
	persisted map[string]bool // mutation ids whose outbox line is on disk
	perTask   map[string]int  // pending mutations per card
	inflight  map[string]bool // cards with a request on the wire
	refused   map[string]string
	refusedAt map[string]int64 // the refusal's number (see refusals), per card
	refusals  int64
	renamed   map[string]string // temporary id → server id
	history   []undo
	shapedAt  int64     // e.confirms when a column or label change was last confirmed
	redo      redoState // what Redo can make again (undo.go)
	notices   []string
	nextSeq   int64
	paused    bool
	attempt   int
	lastErr   string
	waiting   bool
	fetching  bool
	fetched   int64
	fetchErr  string
	// seq is the position in the server's change log the confirmed board
	// is complete up to (0: unknown), so a refresh asks only for what
	// changed after it (see Fetched.Seq).
	seq int64
	// fetches counts the fetches set out, numbering them.
	fetches   int64
	loadErr   string // why the server refused the board, until a fetch succeeds
	authErr   string // why the server refused the token, until a send gets through
	cacheBusy bool
	cacheAt   time.Time // no cache write before this
	fresh     bool      // the confirmed state came from the server, not the cache
	syncedAt  time.Time // when a fetch last succeeded
	needFetch bool      // a fetch is owed: one failed, or an answer showed the board behind
	// confirms counts answers that changed the confirmed state; touched is
	// the count at each card's latest one. A fetch remembers the count it
	// started at, and an answer that overtook it wins over what it read.
	confirms int64
	touched  map[string]touch
	// dropped, when set (by tests), hears of every change reapply drops.
	dropped func(Mutation, error)
	live    live
	onWire  int  // requests on the wire (a batch is one)
	holding bool // answers of a batch are being taken in: send nothing yet
	// reapplyOwed: answers taken in while holding changed what the view
	// is computed from.
	reapplyOwed bool
	held        entry // outbox writes gathered while holding (see markDone)

	// forget are changes reapply dropped, still to be marked done in the
	// outbox (else a restart would bring them back).
	forget []string
	// forgetGone are the cards of deletes reapply dropped as done
	// already (the card was gone): the outbox says they are gone, so a
	// restart from an older cache does not show them again.
	forgetGone []outboxLine
	// unsure are creates that may have reached the server without lanes
	// hearing back (sent, or found in the outbox at start). Until each is
	// answered, a fetch would show its card twice (the server's copy and
	// the pending one), so fetches wait: deferred says one is owed.
	unsure map[string]bool
	// bases are the card's confirmed version when each comment first set
	// out (-1: unknown, it may have set out before a restart). A comment
	// sent again after a lost answer is counted against its first base: by
	// then the feed may have brought the card with the comment in it.
	bases    map[string]int64
	deferred bool

	members []Member          // the space's members (see Members)
	names   map[string]string // user id → name, from members
	// cacheAgain: the members changed while a cache write was busy.
	cacheAgain bool
	// loading: a large board's cache is being read after the first
	// frame (see Loading).
	loading *loading
}

// touch is when an answer last changed a card in the confirmed state, and
// whether that answer deleted it.
type touch struct {
	at      int64
	deleted bool
}

type undo struct {
	before *Card
	m      Mutation
	tree   []Card  // for a delete: the card and its subtasks, to bring back
	col    *placed // for a change of a column: the column as it was
}

// placed is a column and where it stood on the board.
type placed struct {
	Column
	index int
}

// The messages the engine's Cmds answer with. Each names its engine, so a
// message from an engine that was replaced is ignored.
type (
	persistedMsg struct {
		e   *Engine
		ids []string
		err error
	}
	sentMsg struct {
		e     *Engine
		req   Request
		ids   []string
		card  *Card
		shape Shape
		err   error
		group []Mutation
		// base is the card's confirmed version when the request set out:
		// a newer one by the answer already holds what it did.
		base int64
	}
	fetchedMsg struct {
		e     *Engine
		n     int64 // which fetch (e.fetches when it set out)
		mark  int64 // e.confirms when the fetch started
		board Fetched
		err   error
	}
	retryMsg  struct{ e *Engine }
	cachedMsg struct {
		e   *Engine
		err error
	}
	journaledMsg struct {
		e   *Engine
		err error
	}
)

// ErrNoProject means the engine was opened without a project.
var ErrNoProject = errors.New("no project to open")

// Open loads the project's outbox (locking it: a second lanes on the same
// data directory gets ErrLocked) and cached board, so the first frame can be
// painted at once. Then call Start for the I/O that brings it up to date.
func Open(ctx context.Context, o Options) (*Engine, error) {
	if o.ProjectID == "" {
		return nil, ErrNoProject
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = 4
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 250 * time.Millisecond
	}
	if o.BackoffCap <= 0 {
		o.BackoffCap = 30 * time.Second
	}
	base := filepath.Join(o.Dir, "boards", fileKey(o.Server, o.ProjectID))
	ob, raw, err := openOutbox(base + ".outbox")
	if err != nil {
		return nil, fmt.Errorf("open the outbox: %w", err)
	}
	e := &Engine{
		opts: o, ctx: ctx, journal: newJournal(ob, base+cacheSuffix),
		persisted: map[string]bool{}, perTask: map[string]int{}, inflight: map[string]bool{},
		refused: map[string]string{}, refusedAt: map[string]int64{}, renamed: map[string]string{}, touched: map[string]touch{}, unsure: map[string]bool{},
		bases: map[string]int64{},
	}
	for _, r := range raw {
		var m Mutation
		if err := json.Unmarshal(r, &m); err != nil {
			continue
		}
		e.pending = append(e.pending, m)
	}
	sort.SliceStable(e.pending, func(i, j int) bool { return e.pending[i].Seq < e.pending[j].Seq })
	for _, r := range ob.renames {
		e.renamed[r.From] = r.To
		for i := range e.pending {
			e.pending[i].Rewrite(r.From, r.To)
		}
	}
	for _, m := range e.pending {
		if m.creates() {
			e.unsure[m.ID] = true // it may have been sent before the restart
		}
		if m.Kind == KindComment {
			e.bases[m.ID] = -1 // so may this; the fetch after the start counts it
		}
		e.persisted[m.ID] = true
		e.perTask[m.TaskID]++
		e.nextSeq = max(e.nextSeq, m.Seq+1)
	}
	read := readCache
	if o.Preview {
		read = readCacheHead
	}
	cached, _ := read(e.journal.cache)
	if cached.members != nil {
		e.setMembers(cached.members)
	}
	cards := cached.Cards
	// The cache's board holds every change up to this position, and the
	// outbox's lines only add newer ones.
	e.seq = cached.Seq
	deltas := slices.Clone(ob.deltas)
	if cached.more != nil {
		// A large board: the first frame is painted from the cache's head,
		// its columns' first cards, while Start's first command reads the
		// rest and the outbox's lines are taken in with it.
		e.confirmed = NewState(cached.Columns, cards).WithLabels(cached.Labels).withSizes(cached.sizes)
		e.loading = &loading{head: cached, deltas: deltas}
	} else {
		e.confirmed = assemble(cached.Fetched, deltas)
	}
	e.reapply()
	e.trace("opened", "cached_cards", len(cards), "pending", len(e.pending), "renames", len(ob.renames), "confirmed_lines", len(ob.deltas))
	return e, nil
}

// assemble is the confirmed board from the cache's and what the outbox
// says the server confirmed after it was written. The lines come from
// concurrent writes, so their order means nothing: a deletion is final
// unless a restore followed it (a card is deleted and restored by turns,
// so it is gone when it has more of one than the other), and of two
// copies of a card the higher version stands.
func assemble(cached Fetched, deltas []delta) *State {
	confirmed := NewState(cached.Columns, cached.Cards).WithLabels(cached.Labels)
	gone := map[string]int{}
	for _, d := range deltas {
		switch {
		case d.line.Gone != "":
			gone[d.line.Gone]++
		case d.line.Restored != "":
			gone[d.line.Restored]--
		}
	}
	for id, n := range gone {
		if n > 0 {
			confirmed.remove(id)
		}
	}
	for _, d := range deltas {
		var c Card
		if d.line.Card == nil || json.Unmarshal(d.line.Card, &c) != nil || c.ID == "" || gone[c.ID] > 0 {
			continue
		}
		confirmed.putNewer(&c)
	}
	return confirmed.flatten()
}

// loading is a large board's cache being read after the first frame: its
// head, painted already, and the outbox's confirmed lines to take in
// with the rest.
type loading struct {
	head    cached
	deltas  []delta
	started bool
	// live are the live feed's messages that came meanwhile, taken in
	// once the board is whole.
	live []LiveMsg
}

// loadedMsg is the whole board from the cache.
type loadedMsg struct {
	e     *Engine
	state *State
}

// ErrLoading is what a change made before a large board's cache has been
// read whole is refused with: the screen waits for it (see Loading).
var ErrLoading = errors.New("the board is still loading")

// Loading says the board shown is the head of a large board's cache (its
// columns' first cards) and the rest is being read: changes wait until it
// has been (Do says ErrLoading). Only an engine opened with
// Options.Preview loads so, once Start has been run.
func (e *Engine) Loading() bool { return e.loading != nil }

// load reads the rest of the cache and makes the whole board of it.
func (e *Engine) load() Cmd {
	l := e.loading
	return func() any {
		rest, err := l.head.more.read()
		c := l.head.Fetched
		if err == nil {
			// (A rest that can't be read leaves the head: a head start.)
			c.Cards = append(slices.Clip(c.Cards), rest...)
		}
		return loadedMsg{e: e, state: assemble(c, l.deltas)}
	}
}

// onLoaded takes in the whole board, then does what Start does: fetch,
// send, and the live feed's messages that came meanwhile.
func (e *Engine) onLoaded(msg loadedMsg) []Cmd {
	l := e.loading
	e.loading = nil
	e.confirmed = msg.state
	e.reapply()
	e.trace("loaded", "cached_cards", msg.state.Len())
	var cmds []Cmd
	if c := e.Refresh(); c != nil {
		cmds = append(cmds, c)
	}
	cmds = append(cmds, e.pump()...)
	for _, lm := range l.live {
		if lm.events != nil {
			cmds = append(cmds, e.takeEvents(lm.events)...) // its Live was returned then
		} else {
			cmds = append(cmds, e.onLive(lm)...)
		}
	}
	return cmds
}

// fileKey names a board's files after its server and project.
func fileKey(server, project string) string {
	h := sha256.Sum256([]byte(server + "\n" + project))
	return hex.EncodeToString(h[:8])
}

// Start is the I/O to run after Open: fetch the board and its space's
// members, and send what the outbox still holds, with the same idempotency
// keys as before.
func (e *Engine) Start() []Cmd {
	var cmds []Cmd
	if e.loading != nil {
		// The rest of the cache first: fetching and sending follow it.
		if e.loading.started {
			return nil
		}
		e.loading.started = true
		cmds = append(cmds, e.load())
		if _, ok := e.opts.Remote.(Reader); ok && e.opts.SpaceID != "" {
			cmds = append(cmds, e.LoadMembers())
		}
		return cmds
	}
	if c := e.Refresh(); c != nil {
		cmds = append(cmds, c)
	}
	if _, ok := e.opts.Remote.(Reader); ok && e.opts.SpaceID != "" {
		cmds = append(cmds, e.LoadMembers())
	}
	return e.withForget(append(cmds, e.pump()...))
}

// Close writes the cache and releases the outbox. Changes not yet sent stay
// in the outbox for next time.
func (e *Engine) Close() error {
	e.stopLive()
	var err error
	if e.loading != nil {
		// Only the head was read: the cache stands as it was.
		e.loading.head.more.close()
	} else {
		err = e.journal.writeCache(e.confirmed, e.members, e.confirms, e.seq)
	}
	return errors.Join(err, e.journal.close())
}

// Abandon drops the engine as a crash would: nothing more is written.
func (e *Engine) Abandon() {
	e.stopLive()
	if e.loading != nil && !e.loading.started {
		e.loading.head.more.close()
	}
	e.journal.close()
}

// State is the board as the person sees it: pending changes applied on the
// confirmed server state. It never changes; the next one replaces it.
func (e *Engine) State() *State { return e.view }

// Confirmed is the last state the server confirmed.
func (e *Engine) Confirmed() *State { return e.confirmed }

// Status is the sync state for the status line.
func (e *Engine) Status() Status {
	st := Status{Waiting: len(e.pending), LastErr: e.lastErr, Fetching: e.fetching, Fetched: e.fetched, FetchErr: e.fetchErr, Fresh: e.fresh,
		Polling: e.polls(), SyncedAt: e.syncedAt}
	switch {
	case e.loadErr != "":
		st.State, st.LastErr = Unavailable, e.loadErr
	case e.authErr != "":
		st.State, st.LastErr = TokenRefused, e.authErr
	case e.paused && e.waiting:
		st.State = Waiting
	case e.paused, e.attempt > 0 && len(e.pending) > 0:
		// Offline until a request gets through, not just between retries:
		// a status that flickers back to syncing on each attempt says
		// nothing new.
		st.State = Offline
	case len(e.pending) > 0:
		st.State = Syncing
	}
	return st
}

// Pending reports whether a card has changes the server has not confirmed.
func (e *Engine) Pending(id string) bool { return e.perTask[id] > 0 }

// RefusedReason is why the server refused the last change to a card, if it did.
func (e *Engine) RefusedReason(id string) (string, bool) {
	r, ok := e.refused[id]
	return r, ok
}

// Refusals counts the changes the server refused so far.
func (e *Engine) Refusals() int64 { return e.refusals }

// ForgetRefusals takes the refused mark off the cards refused up to the
// n-th refusal: the card is back as the server has it and the person was
// told why, so the mark has done its job.
func (e *Engine) ForgetRefusals(n int64) {
	for id, at := range e.refusedAt {
		if at <= n {
			delete(e.refused, id)
			delete(e.refusedAt, id)
		}
	}
}

// Resolve follows a temporary card id to the server's id, once known.
func (e *Engine) Resolve(id string) string {
	if real, ok := e.renamed[id]; ok {
		return real
	}
	return id
}

// Notices takes the messages for the person that arrived since last asked.
func (e *Engine) Notices() []string {
	n := e.notices
	e.notices = nil
	return n
}

func (e *Engine) notify(format string, args ...any) {
	e.notices = append(e.notices, fmt.Sprintf(format, args...))
}

// Do applies a mutation to the board at once and returns the I/O that makes
// it durable and sends it. An error means the change makes no sense on this
// board (the card is gone, …); nothing was changed.
func (e *Engine) Do(m Mutation) ([]Cmd, error) {
	return e.do(m, true)
}

func (e *Engine) do(m Mutation, remember bool) ([]Cmd, error) {
	if e.loading != nil {
		return nil, ErrLoading
	}
	if m.ID == "" {
		m.ID = NewID()
	}
	m.Actor = e.opts.Actor
	if m.ProjectID == "" {
		m.ProjectID = e.opts.ProjectID
	}
	// A change to a card by its temporary id is stored under the real one
	// once known; the rename must then be on disk before the change, or a
	// restart could replay it ahead of the create it depends on.
	var renames []rename
	for _, id := range append(m.refs(), &m.TaskID) {
		if to := e.Resolve(*id); to != *id {
			renames = append(renames, rename{From: *id, To: to})
			*id = to
		}
	}
	if err := e.lacking(&m); err != nil {
		return nil, err
	}
	before, _ := e.view.Card(m.TaskID)
	col := e.view.placed(m)
	var tree []Card
	if remember && m.Kind == KindDelete {
		tree = e.view.tree(m.TaskID)
	}
	next, err := Apply(e.view, m)
	if err != nil {
		return nil, err
	}
	m.Seq = e.nextSeq
	e.nextSeq++
	e.pending = append(e.pending, m)
	e.perTask[m.TaskID]++
	delete(e.refused, m.TaskID)
	delete(e.refusedAt, m.TaskID)
	e.view = next
	e.trace("queued", "change", m.ID, "kind", string(m.Kind), "task", m.TaskID, "seq", m.Seq)
	if remember {
		var b *Card
		if before != nil {
			b = before.clone()
		}
		e.history = keepLast(append(e.history, undo{b, m, tree, col}))
	}
	j := e.journal
	t := j.ticket()
	return []Cmd{func() any {
		return persistedMsg{e: e, ids: []string{m.ID}, err: j.write(t, entry{renames: renames, add: &m})}
	}}, nil
}

// Refresh fetches the board from the server: only what changed, when the
// board knows the position it is complete up to and the server can say
// what changed after it (else, and when it no longer can, all of it).
//
// While a create may have reached the server unanswered, the fetch waits
// for its answer (Refresh returns nil and the engine fetches afterwards), so
// the new card is never shown twice.
func (e *Engine) Refresh() Cmd {
	if e.loading != nil {
		return nil // the board is fetched once the cache is read
	}
	if len(e.unsure) > 0 {
		e.deferred = true
		return nil
	}
	e.fetching = true
	e.fetches++
	r, ctx, project, mark, seq, n := e.opts.Remote, e.ctx, e.opts.ProjectID, e.confirms, e.seq, e.fetches
	cr, changes := r.(ChangeReader)
	return func() any {
		var b Fetched
		var err error
		if changes && seq > 0 {
			b, err = cr.FetchChanges(ctx, project, seq)
		} else {
			b, err = r.Fetch(ctx, project)
		}
		return fetchedMsg{e: e, n: n, mark: mark, board: b, err: err}
	}
}

// Update handles a message from one of the engine's Cmds. It reports false
// for messages that are not the engine's.
func (e *Engine) Update(msg any) ([]Cmd, bool) {
	cmds, ok := e.update(msg)
	return e.withForget(cmds), ok
}

// withForget adds to cmds the outbox write for changes reapply dropped.
func (e *Engine) withForget(cmds []Cmd) []Cmd {
	if e.deferred && len(e.unsure) == 0 {
		e.deferred = false
		if c := e.Refresh(); c != nil {
			cmds = append(cmds, c)
		}
	}
	if len(e.forget) == 0 {
		return cmds
	}
	ids, gone := e.forget, e.forgetGone
	e.forget, e.forgetGone = nil, nil
	if len(gone) > 0 {
		// Numbered after any cache write already under way, which may
		// still hold the cards (see markDone).
		e.confirms++
	}
	return append(cmds, e.markDone(ids, gone...)...)
}

func (e *Engine) update(msg any) ([]Cmd, bool) {
	switch msg := msg.(type) {
	case persistedMsg:
		if msg.e != e {
			return nil, false
		}
		return e.onPersisted(msg), true
	case sentMsg:
		if msg.e != e {
			return nil, false
		}
		e.onWire--
		return e.onSent(msg), true
	case batchSentMsg:
		if msg.e != e {
			return nil, false
		}
		e.onWire--
		return e.onBatchSent(msg), true
	case fetchedMsg:
		if msg.e != e {
			return nil, false
		}
		return e.onFetched(msg), true
	case retryMsg:
		if msg.e != e {
			return nil, false
		}
		e.paused, e.waiting = false, false
		return append(e.pump(), e.fetchOwed()...), true
	case LiveMsg:
		if msg.e != e {
			return nil, false
		}
		return e.onLive(msg), true
	case cachedMsg:
		if msg.e != e {
			return nil, false
		}
		e.cacheBusy = false
		if e.cacheAgain {
			e.cacheAgain, e.cacheAt = false, time.Time{}
			if c := e.maybeCache(); c != nil {
				return []Cmd{c}, true
			}
		}
		return nil, true
	case MembersMsg:
		if msg.e != e {
			return nil, false
		}
		return e.onMembers(msg), true
	case loadedMsg:
		if msg.e != e {
			return nil, false
		}
		return e.onLoaded(msg), true
	case journaledMsg:
		if msg.e != e {
			return nil, false
		}
		if msg.err != nil {
			e.notify("Could not update the outbox: %v", msg.err)
		}
		return nil, true
	}
	return nil, false
}

func (e *Engine) onPersisted(msg persistedMsg) []Cmd {
	if msg.err != nil {
		// Not durable, so not accepted: take the change back.
		for _, id := range msg.ids {
			e.drop(id)
		}
		e.reapply()
		e.notify("Could not save your change, so it was undone: %v", msg.err)
		return nil
	}
	for _, id := range msg.ids {
		e.persisted[id] = true
	}
	return e.pump()
}

// pump sends what can be sent: per card in order, one request in flight per
// card, a few requests at once, consecutive PATCHes of a card merged. To a
// server that takes batches, the cards' requests go many to a request
// (see batch.go); changes to columns and labels always go one by one.
func (e *Engine) pump() []Cmd {
	if e.paused || e.holding || e.loading != nil {
		return nil
	}
	var (
		cmds    []Cmd
		batch   [][]Mutation
		batches = e.batches()
	)
	flush := func() {
		switch len(batch) {
		case 0:
			return
		case 1:
			cmds = append(cmds, e.send(batch[0])) // one change: as ever, alone
		default:
			cmds = append(cmds, e.sendBatch(batch))
		}
		batch = nil
	}
	blocked := map[string]bool{}
	// A batch being filled was counted on the wire when it was begun.
	for i := 0; i < len(e.pending) && (e.onWire < e.opts.MaxInFlight || len(batch) > 0); i++ {
		m := e.pending[i]
		key := m.TaskID
		if e.inflight[key] || blocked[key] {
			continue
		}
		// A change that names a card, column or label the server has not
		// made yet waits for it: in a batch too, it goes in the next one,
		// once the create's answer has given the server's id.
		if !e.persisted[m.ID] || m.waitsOn() != "" || (IsTemp(key) && !m.creates()) {
			blocked[key] = true
			continue
		}
		if !(batches && !m.shapes()) && e.onWire >= e.opts.MaxInFlight {
			blocked[key] = true // its turn comes with the next answer
			continue
		}
		group := []Mutation{m}
		if m.patches() {
			for _, n := range e.pending[i+1:] {
				if n.TaskID != key {
					continue
				}
				if !n.patches() || !e.persisted[n.ID] {
					break
				}
				group = append(group, n)
			}
		}
		e.inflight[key] = true
		if batches && !m.shapes() {
			if len(batch) == 0 {
				e.onWire++
			}
			if batch = append(batch, group); len(batch) == batchMax {
				flush()
			}
			continue
		}
		e.onWire++
		cmds = append(cmds, e.send(group))
	}
	flush()
	return cmds
}

// prepare readies a group's request: what is sent, and the message its
// answer will come back in.
func (e *Engine) prepare(group []Mutation) sentMsg {
	if group[0].creates() {
		e.unsure[group[0].ID] = true
	}
	req := request(group)
	ids := make([]string, len(group))
	for i, m := range group {
		ids[i] = m.ID
	}
	var base int64
	if c, ok := e.confirmed.Card(req.TaskID); ok {
		base = c.Version
	}
	if req.Op == OpComment {
		if first, ok := e.bases[group[0].ID]; ok {
			base = first
		} else {
			e.bases[group[0].ID] = base
		}
	}
	e.trace("sent", "task", req.TaskID, "op", string(req.Op), "changes", ids, "kinds", kinds(group), "base_version", base)
	return sentMsg{e: e, req: req, ids: ids, group: group, base: base}
}

func (e *Engine) send(group []Mutation) Cmd {
	msg := e.prepare(group)
	r, ctx := e.opts.Remote, e.ctx
	if msg.req.Shape != nil {
		msg.base = 0
		return func() any {
			msg.shape, msg.err = r.Reshape(ctx, msg.req)
			return msg
		}
	}
	return func() any {
		msg.card, msg.err = r.Send(ctx, msg.req)
		return msg
	}
}

func (e *Engine) onSent(msg sentMsg) []Cmd {
	delete(e.inflight, msg.req.TaskID)
	if msg.err == nil {
		return e.confirm(msg)
	}
	var f *Failure
	if !errors.As(msg.err, &f) {
		f = &Failure{Class: Transient, Message: msg.err.Error(), Err: msg.err}
	}
	title := e.titleOf(msg.req.TaskID, msg.group[0])
	e.trace("failed", "task", msg.req.TaskID, "op", string(msg.req.Op), "changes", msg.ids, "class", f.Class.String(), "error", f.Message)
	switch f.Class {
	case Transient:
		e.paused, e.waiting = true, false
		e.attempt++
		e.lastErr = f.Message
		return []Cmd{e.retryAfter(e.backoff())}
	case RateLimited:
		e.paused, e.waiting = true, true
		e.lastErr = f.Message
		return []Cmd{e.retryAfter(max(f.RetryAfter, e.opts.BackoffBase))}
	case Unauthorized:
		if !e.paused || e.authErr == "" {
			e.notify("The server refused the token (%s): %d changes wait until it takes one", f.Message, len(e.pending))
		}
		e.paused, e.authErr = true, f.Message
		e.lastErr = f.Message
		return []Cmd{e.retryAfter(e.opts.BackoffCap)}
	case Gone:
		if msg.req.Op == OpDelete {
			return e.confirm(msg) // already gone: what was asked for
		}
		if msg.req.Op == OpRestore {
			e.notify("Couldn't %s: the server no longer keeps it", msg.group[0].Describe(title))
			break
		}
		if msg.req.Shape != nil {
			// A column deleted elsewhere: the board is behind; fetch it.
			e.notify("Couldn't %s: it was deleted elsewhere", msg.group[0].Describe(title))
			e.needFetch = true
			break
		}
		e.confirmed = e.confirmed.clone()
		e.confirmed.remove(msg.req.TaskID)
		e.confirms++
		e.touched[msg.req.TaskID] = touch{at: e.confirms, deleted: true}
		last := msg.group[len(msg.group)-1]
		if !e.deletedLater([]refusal{{m: last}})[last.ID] {
			e.notify("Couldn't %s: it was deleted elsewhere", msg.group[0].Describe(title))
		}
	default:
		e.refusals++
		e.refused[msg.req.TaskID], e.refusedAt[msg.req.TaskID] = f.Message, e.refusals
		e.notify("Couldn't %s: %s", msg.group[0].Describe(title), f.Message)
	}
	e.attempt, e.lastErr = 0, ""
	for _, id := range msg.ids {
		e.drop(id)
	}
	// Changes waiting on a card, column or label that was never created
	// can't go anywhere.
	if msg.group[0].creates() {
		for _, m := range append([]Mutation(nil), e.pending...) {
			if m.refersTo(msg.req.TaskID) {
				e.drop(m.ID)
				msg.ids = append(msg.ids, m.ID)
			}
		}
	}
	e.reapply()
	var gone []outboxLine
	if f.Class == Gone && msg.req.Op != OpRestore && msg.req.Shape == nil {
		gone = append(gone, outboxLine{Gone: msg.req.TaskID})
	}
	cmds := append(e.markDone(msg.ids, gone...), e.pump()...)
	return append(cmds, e.fetchOwed()...)
}

func (e *Engine) titleOf(id string, m Mutation) string {
	if m.shapes() {
		for _, s := range []*State{e.view, e.confirmed} {
			if c, ok := s.ColumnByID(id); ok {
				return c.Name
			}
			if l, ok := s.LabelByID(id); ok {
				return l.Name
			}
		}
	}
	if c, ok := e.view.Card(id); ok {
		return c.Title
	}
	if c, ok := e.confirmed.Card(id); ok {
		return c.Title
	}
	if m.Title != nil {
		return *m.Title
	}
	return ""
}

// backoff is the wait before the next retry: exponential, capped, jittered.
func (e *Engine) backoff() time.Duration {
	d := e.opts.BackoffBase << min(e.attempt-1, 16)
	d = min(d, e.opts.BackoffCap)
	return d/2 + rand.N(d/2+1)
}

func (e *Engine) retryAfter(d time.Duration) Cmd {
	ctx := e.ctx
	return func() any {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		return retryMsg{e: e}
	}
}

// confirm takes a group the server accepted out of the log and into the
// confirmed state.
func (e *Engine) confirm(msg sentMsg) []Cmd {
	var version int64
	if msg.card != nil {
		version = msg.card.Version
	}
	e.trace("confirmed", "task", msg.req.TaskID, "op", string(msg.req.Op), "changes", msg.ids, "version", version)
	e.attempt, e.lastErr, e.authErr = 0, "", ""
	var renamed *rename
	newID := msg.shape.id()
	if msg.card != nil {
		newID = msg.card.ID
	}
	if msg.group[0].creates() && newID != "" && msg.req.TaskID != newID {
		temp, real := msg.req.TaskID, newID
		e.renamed[temp] = real
		renamed = &rename{From: temp, To: real}
		for i := range e.pending {
			e.pending[i].Rewrite(temp, real)
		}
		for i := range e.history {
			e.history[i].m.Rewrite(temp, real)
			if e.history[i].before != nil && e.history[i].before.ID == temp {
				e.history[i].before.ID = real
			}
			for j := range e.history[i].tree {
				e.history[i].tree[j].rename(temp, real)
			}
		}
		e.perTask[real] += e.perTask[temp]
		delete(e.perTask, temp)
	}
	for _, id := range msg.ids {
		e.drop(id)
	}
	if msg.req.Shape != nil {
		return e.confirmShape(msg, renamed)
	}
	c := e.confirmed.clone()
	var back []string // the subtasks a restore brought back with the card
	switch {
	case msg.req.Op == OpDelete:
		c.remove(msg.req.TaskID)
	case msg.card != nil:
		c.putNewer(msg.card)
		if msg.req.Op == OpRestore && len(msg.group[0].Cards) > 1 {
			// The server answers with the card; its subtasks come back with
			// it, newer copies to follow on the feed.
			for _, sub := range msg.group[0].Cards[1:] {
				c.putNewer(sub.clone())
				back = append(back, sub.ID)
			}
		}
	case msg.req.Op == OpComment:
		// The answer is the comment, not the card: count it, unless the
		// live feed already brought the card as the comment left it.
		if old, ok := c.Card(msg.req.TaskID); ok && old.Version <= msg.base {
			n := old.clone()
			n.Comments++
			c.put(n)
		}
	}
	e.confirmed = c.flatten()
	e.confirms++
	e.touched[msg.req.TaskID] = touch{at: e.confirms, deleted: msg.req.Op == OpDelete}
	if msg.card != nil {
		e.touched[msg.card.ID] = touch{at: e.confirms}
	}
	for _, id := range back {
		e.touched[id] = touch{at: e.confirms}
	}
	e.reapply()
	changed := msg.req.TaskID
	if msg.card != nil {
		changed = msg.card.ID
	}
	var lines []outboxLine
	if msg.req.Op == OpDelete {
		lines = append(lines, outboxLine{Gone: msg.req.TaskID})
	} else if l, ok := e.confirmedLine(changed); ok {
		if msg.req.Op == OpRestore {
			lines = append(lines, outboxLine{Restored: changed})
		}
		lines = append(lines, l)
	}
	for _, id := range back {
		if l, ok := e.confirmedLine(id); ok {
			lines = append(lines, l)
		}
	}
	if renamed != nil {
		lines = append([]outboxLine{{Renamed: renamed}}, lines...)
	}
	cmds := e.markDone(msg.ids, lines...)
	if cache := e.maybeCache(); cache != nil {
		cmds = append(cmds, cache)
	}
	if soon := e.pollSoon(); soon != nil {
		cmds = append(cmds, soon)
	}
	return append(cmds, e.pump()...)
}

// drop takes a mutation out of the pending log (not the outbox file).
func (e *Engine) drop(id string) {
	for i, m := range e.pending {
		if m.ID == id {
			e.pending = append(e.pending[:i:i], e.pending[i+1:]...)
			if e.perTask[m.TaskID]--; e.perTask[m.TaskID] <= 0 {
				delete(e.perTask, m.TaskID)
			}
			delete(e.persisted, id)
			delete(e.unsure, id)
			delete(e.bases, id)
			return
		}
	}
}

// markDone records in the outbox that ids left the log. Before the done it
// writes lines (each one fsync'd line, so all or nothing): a new card's
// real id, so a crash never leaves a change naming an id nobody knows, and
// what the server confirmed (the card as it now stands, or that it is gone)
// so a restart from an older cache still shows it.
//
// While a batch's answers are taken in, the writes gather into one entry,
// written once all are in (see onBatchSent): a few fsyncs for the batch
// rather than a few per change.
func (e *Engine) markDone(ids []string, lines ...outboxLine) []Cmd {
	en := &e.held
	en.done = append(en.done, ids...)
	for _, l := range lines {
		if l.Renamed != nil {
			en.renames = append(en.renames, *l.Renamed)
		} else {
			en.lines = append(en.lines, l)
		}
	}
	if e.holding {
		return nil
	}
	return e.writeHeld()
}

// writeHeld writes what markDone gathered. Its confirmed lines are
// numbered with the count of the last answer among them, so a cache write
// drops them only once it holds them all.
func (e *Engine) writeHeld() []Cmd {
	en := e.held
	e.held = entry{}
	if len(en.done) == 0 && len(en.renames) == 0 && len(en.lines) == 0 {
		return nil
	}
	en.n = e.confirms
	j := e.journal
	t := j.ticket()
	return []Cmd{func() any {
		err := j.write(t, en)
		if errors.Is(err, errClosed) {
			err = nil
		}
		return journaledMsg{e: e, err: err}
	}}
}

// confirmedLine is what the outbox keeps of a card the server confirmed;
// nothing if the confirmed state does not hold the card (a board painted
// from an old cache, not yet fetched).
func (e *Engine) confirmedLine(id string) (outboxLine, bool) {
	c, ok := e.confirmed.Card(id)
	if !ok {
		return outboxLine{}, false
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return outboxLine{}, false
	}
	return outboxLine{Card: raw}, true
}

// reapply recomputes the view from the confirmed state and the pending log,
// dropping (and explaining) changes that no longer apply.
func (e *Engine) reapply() {
	if e.holding {
		// A batch's answers are being taken in: the view is recomputed
		// once, after the last (see onBatchSent), not once per answer.
		e.reapplyOwed = true
		return
	}
	e.reapplyOwed = false
	view, refused := rebase(e.confirmed, e.pending)
	deleted := e.deletedLater(refused)
	for _, r := range refused {
		if e.inflight[r.m.TaskID] || !e.fresh {
			// Its answer will tell; or the state is only the cache, which
			// may not have the card yet. Keep the change until we know.
			continue
		}
		e.drop(r.m.ID)
		e.forget = append(e.forget, r.m.ID)
		if e.dropped != nil {
			e.dropped(r.m, r.err)
		}
		if r.m.Kind == KindDelete && errors.Is(r.err, ErrGone) {
			e.forgetGone = append(e.forgetGone, outboxLine{Gone: r.m.TaskID})
		}
		switch {
		case errors.Is(r.err, ErrGone) && deleted[r.m.ID]:
			// The person deleted the card afterwards (or this is the
			// delete): gone is what they asked for.
		case errors.Is(r.err, ErrGone):
			e.notify("Your change to a card was dropped: it was deleted elsewhere")
		default:
			e.notify("Couldn't %s: %v", r.m.Describe(""), r.err)
		}
	}
	e.view = view
}

// deletedLater says, of each mutation in ms, whether the pending log ends
// its card deleted by this person at or after it. A lanes killed after the
// server did a change and a later delete of its card, but before the
// outbox recorded them done, sends the change again at the next start
// (under a new key, if it is merged with others), and the card is gone:
// that is no news to the person who deleted it.
func (e *Engine) deletedLater(ms []refusal) map[string]bool {
	if len(ms) == 0 {
		return nil // reapply's usual case: no pass over the log for nothing
	}
	type fate struct {
		kind Kind
		seq  int64
	}
	last := map[string]fate{}
	for _, m := range e.pending {
		if m.Kind == KindDelete || m.Kind == KindUndelete {
			last[m.TaskID] = fate{m.Kind, m.Seq}
		}
	}
	out := map[string]bool{}
	for _, r := range ms {
		f, ok := last[r.m.TaskID]
		out[r.m.ID] = ok && f.kind == KindDelete && r.m.Seq <= f.seq
	}
	return out
}

func (e *Engine) onFetched(msg fetchedMsg) []Cmd {
	e.fetching = false
	e.fetched++
	e.fetchErr = ""
	if msg.err != nil {
		var f *Failure
		if errors.As(msg.err, &f) && f.Class == Unauthorized {
			// The board stands as it was, its changes wait, and the fetch
			// is tried again now and then, for a token that works.
			if e.authErr == "" {
				e.notify("The server refused the token: %s", f.Message)
			}
			e.authErr, e.fetchErr, e.needFetch = f.Message, f.Message, true
			if !e.paused {
				e.paused = true
				return []Cmd{e.retryAfter(e.opts.BackoffCap)}
			}
			return nil
		}
		if errors.As(msg.err, &f) && f.Class != Transient && f.Class != RateLimited {
			e.fetchErr, e.loadErr = f.Message, f.Message
			e.notify("Couldn't load the board: %s", f.Message)
			return nil
		}
		e.lastErr = msg.err.Error()
		e.fetchErr = e.lastErr
		e.needFetch = true
		if !e.paused {
			e.paused = true
			e.attempt++
			return []Cmd{e.retryAfter(e.backoff())}
		}
		return nil
	}
	if len(e.unsure) > 0 {
		// A create went out while this fetch was on its way: the fetch may
		// hold its card, which lanes can't yet tell from the pending one.
		// Fetch again once the create is answered.
		e.deferred = true
		return nil
	}
	cols, labels := msg.board.Columns, msg.board.Labels
	if msg.mark < e.shapedAt {
		// A column or label change was confirmed after this fetch set out:
		// what it read of them may be older than what lanes holds.
		cols, labels = e.confirmed.Columns(), e.confirmed.Labels()
	}
	var fresh *State
	if msg.board.Changes {
		fresh = e.changed(msg, cols, labels)
	} else {
		fresh = e.whole(msg, cols, labels)
	}
	e.confirmed, e.fresh, e.loadErr, e.authErr, e.syncedAt = fresh, true, "", "", e.opts.Now()
	// The board is complete up to the position the fetch read at. What
	// changed only adds to a board complete up to a position the server
	// took, so the later of the two stands; a whole board stands alone (a
	// position it replaces may be another database's).
	if msg.board.Changes {
		e.seq = max(e.seq, msg.board.Seq)
	} else {
		e.seq = msg.board.Seq
	}
	e.reapply()
	e.trace("rebased", "fetched_cards", len(msg.board.Cards), "pending_reapplied", len(e.pending),
		"changes", msg.board.Changes, "deleted", len(msg.board.Deleted), "seq", e.seq)
	var cmds []Cmd
	if cache := e.maybeCache(); cache != nil {
		cmds = append(cmds, cache)
	}
	if gap := e.closeGap(msg.n); gap != nil {
		cmds = append(cmds, gap)
	}
	return append(cmds, e.pump()...)
}

// whole is the confirmed board from a fetch of the whole board.
func (e *Engine) whole(msg fetchedMsg, cols []Column, labels []Label) *State {
	fresh := NewState(cols, msg.board.Cards).WithLabels(labels)
	// A card confirmed by an answer that overtook this fetch is newer.
	for _, c := range msg.board.Cards {
		if old, ok := e.confirmed.Card(c.ID); ok && old.Version > c.Version {
			fresh.put(old)
		}
	}
	// So is a card created or deleted by an answer that came after the
	// fetch set out: the fetch may not have seen it.
	for id, t := range e.touched {
		if t.at <= msg.mark {
			delete(e.touched, id)
			continue
		}
		if t.deleted {
			fresh.remove(id)
		} else if c, ok := e.confirmed.Card(id); ok {
			fresh.putNewer(c)
		}
	}
	return fresh.flatten()
}

// changed is the confirmed board with what changed since the position the
// fetch asked from: the cards as the server now has them (unless an
// answer that came after the fetch set out says otherwise), and the
// deleted ones gone.
func (e *Engine) changed(msg fetchedMsg, cols []Column, labels []Label) *State {
	later := map[string]touch{}
	for id, t := range e.touched {
		if t.at <= msg.mark {
			delete(e.touched, id)
		} else {
			later[id] = t
		}
	}
	c := e.confirmed.clone()
	for _, id := range msg.board.Deleted {
		if t, ok := later[id]; ok && !t.deleted {
			continue // made again (restored) since: the answer knows
		}
		c.remove(id)
	}
	for _, card := range msg.board.Cards {
		if t, ok := later[card.ID]; ok && t.deleted {
			continue // deleted since
		}
		c.putNewer(card)
	}
	return c.flatten().withColumns(cols).WithLabels(labels)
}

// maybeCache writes the confirmed board to the cache, at most every few
// seconds and one write at a time. States never change, so the write can
// read this one from another goroutine.
func (e *Engine) maybeCache() Cmd {
	now := e.opts.Now()
	if e.cacheBusy || now.Before(e.cacheAt) || e.loading != nil {
		return nil
	}
	// The next write is 3 to 6 seconds away, at random: boards that see
	// the same changes (a team on one server) then don't all write at once.
	e.cacheBusy, e.cacheAt = true, now.Add(3*time.Second+rand.N(3*time.Second))
	j, st, ms, n, seq := e.journal, e.confirmed, e.members, e.confirms, e.seq
	return func() any { return cachedMsg{e: e, err: j.writeCache(st, ms, n, seq)} }
}

// confirmShape takes a column or label change the server accepted into the
// confirmed state: the change itself (ids now the server's), then the
// server's copy of what it made or changed.
func (e *Engine) confirmShape(msg sentMsg, renamed *rename) []Cmd {
	m := msg.group[0]
	if renamed != nil {
		m.Rewrite(renamed.From, renamed.To)
	}
	c := e.confirmed.clone()
	if err := c.apply(m); err != nil {
		e.needFetch = true // the confirmed board was behind; the server knows
	}
	if col := msg.shape.Column; col != nil {
		if i := c.ColumnIndex(col.ID); i >= 0 {
			cols := append([]Column(nil), c.columns...)
			cols[i] = *col
			c.columns = cols
		}
	}
	if l := msg.shape.Label; l != nil {
		ls := append([]Label(nil), c.labels...)
		for i := range ls {
			if ls[i].ID == l.ID {
				ls[i] = *l
			}
		}
		c.labels = sortLabels(ls)
	}
	e.confirmed = c.flatten()
	e.confirms++
	e.shapedAt = e.confirms
	e.reapply()
	var lines []outboxLine
	if renamed != nil {
		lines = append(lines, outboxLine{Renamed: renamed})
	}
	cmds := e.markDone(msg.ids, lines...)
	// The cache holds columns and labels, and no outbox line does: write
	// it now, so a restart paints the board's new shape.
	e.cacheAt = time.Time{}
	if cache := e.maybeCache(); cache != nil {
		cmds = append(cmds, cache)
	}
	cmds = append(cmds, e.fetchOwed()...)
	return append(cmds, e.pump()...)
}

// fetchOwed is the fetch needFetch says is owed, if one is.
func (e *Engine) fetchOwed() []Cmd {
	if !e.needFetch {
		return nil
	}
	e.needFetch = false
	if c := e.Refresh(); c != nil {
		return []Cmd{c}
	}
	return nil
}
