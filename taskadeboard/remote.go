package taskadeboard

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lanesboard/lanes/api/taskade"
	"github.com/lanesboard/lanes/board"
)

// PollInterval is how often a Taskade board is fetched again: Taskade has
// no change feed. A fetch is one request per 1,000 tasks (plus a few for
// the details below), so a 5,000-task board polls at about 25 requests a
// minute, well inside what an API token may make.
const PollInterval = 15 * time.Second

// A task in Taskade's list has no due date, assignees, note or field
// values: each is a request of its own. A fetch does not wait for them:
// it starts reading them for a few cards in the background, those never
// read first (in board order, so the first screen fills first), then the
// stalest, and the next fetch (soon, while there are some: PollSoon)
// brings what was read. A big board so learns them over a few polls
// without a burst of thousands of requests; lanes' own changes keep them
// current for what it changes, and the knowledge file keeps them across
// starts.
const (
	detailsFirst   = 24               // cards read after the first fetch
	detailsEach    = 8                // by each later fetch, while some were never read
	detailsStale   = 2                // by each fetch, once all were read
	detailsOld     = 10 * time.Minute // a card's details older than this are stale
	detailsWorkers = 4                // requests at once
	fieldsOld      = 10 * time.Minute // the project's custom fields are read again after this
	// PollSoon is how soon the board is fetched again while details are
	// being read, so they show without waiting for the next poll.
	PollSoon = 2 * time.Second
	// wholeDetails bounds the cards FetchWhole reads details of.
	wholeDetails = 500
	// settleAfterKill is how long after a create was sent by a lanes that
	// was then killed this one waits before looking for what it made: a
	// request may still be on its way (the client gives up on one after
	// 15 s).
	settleAfterKill = 15 * time.Second
	// attemptsKept is how long a change's record of being sent is kept
	// when nothing comes to clear it (its change dropped meanwhile).
	attemptsKept = 7 * 24 * time.Hour
)

// Remote is one Taskade project's board for the engine (board.Remote).
//
// What Taskade lacks, it makes up for:
//   - No positions: a task's place is its place among its siblings. Each
//     card gets a position key, kept for as long as its order allows, so
//     a fetch of an unchanged board changes nothing; a move or reorder is
//     sent as "before the card after it" (or after the one before it, or
//     to the end of the column).
//   - No completion time: a card is taken as completed when lanes first
//     saw it completed (or completed it), which is what the standup
//     counts.
//   - No idempotency keys: see Send for how no change is made twice.
//
// It keeps what it learns (details, completion times, changes sent
// without an answer) in one file in the data directory, so a restart, a
// standup or another session of the same person knows it too.
type Remote struct {
	c       *taskade.Client
	project string
	path    string // the knowledge file; "" keeps it in memory only
	now     func() time.Time
	every   time.Duration // PollInterval, but for tests

	mu       sync.Mutex
	listed   bool // a list of the tasks arrived since this Remote was made
	loaded   bool // the knowledge file was read
	fetches  int
	tasks    map[string]*task
	kids     map[string][]string // parent ("" for the top level) → children, in order
	fields   fieldSet
	fieldsAt time.Time
	attempts map[string]*attempt // by the change's key
	// mine are the attempts this Remote made; others were found in the
	// file, left by a lanes that was killed, perhaps with a request still
	// on its way. settle is how long such a request may take to land.
	mine   map[string]bool
	settle time.Duration
	dirty  bool
	// changes counts lanes' own changes to what it knows of the tasks
	// (each task's seq is the count at its latest): a list read before
	// one is older than it.
	changes int64
	reading bool // a round of details is being read
	unshown bool // details were read since the last fetch

	saveMu sync.Mutex // one write of the file at a time
	// placeMu makes creates and moves one at a time: each is placed next
	// to a sibling as lanes knows the siblings, so two at once into one
	// column could land in the wrong order.
	placeMu sync.Mutex
}

// task is what lanes knows of one Taskade task.
type task struct {
	taskade.Task
	Key         string // position among its siblings
	CompletedAt *time.Time
	Due         *time.Time
	Assignees   []string // handles
	Note        string
	Priority    board.Priority
	Labels      []string
	DetailsAt   time.Time // when the details above were read; zero: never
	seq         int64     // Remote.changes at lanes' latest change of it
}

// NewRemote is the board of project through c, keeping what it learns in
// dir (none if dir is ""), under the name of the server key.
func NewRemote(c *taskade.Client, project, dir, server string) *Remote {
	r := &Remote{c: c, project: project, now: time.Now, every: PollInterval, tasks: map[string]*task{}, kids: map[string][]string{},
		attempts: map[string]*attempt{}, mine: map[string]bool{}, settle: settleAfterKill}
	if dir != "" {
		h := sha256.Sum256([]byte(server + "\n" + project))
		r.path = filepath.Join(dir, "taskade", hex.EncodeToString(h[:8])+".json")
	}
	return r
}

// PollInterval is how often the board is fetched again (board.Poller):
// soon while details are being read, else every PollInterval.
func (r *Remote) PollInterval() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reading || r.unshown {
		return min(PollSoon, r.every)
	}
	return r.every
}

// CanReshape: columns are top-level tasks, which lanes can make, rename,
// move and delete (board.Reshaper).
func (r *Remote) CanReshape() (can, known bool) { return true, true }

// CanRestore: Taskade keeps no deleted task to bring back (board.Restorer).
func (r *Remote) CanRestore() (can, known bool) { return false, true }

// Lacks says what Taskade's v1 API has no way to do (board.Lacker).
func (r *Remote) Lacks(f board.Feature) string {
	switch f {
	case board.FeatureComments:
		return "Taskade's API has no comments"
	case board.FeatureArchive:
		return "Taskade has no archive (D deletes a card)"
	case board.FeatureEstimate:
		return "Taskade has no estimates"
	case board.FeatureWipLimits:
		return "Taskade has no WIP limits"
	case board.FeatureActivity:
		return "Taskade's API keeps no history of a task lanes can read"
	case board.FeatureSearch:
		return "Taskade's API has no search lanes can use: / filters the open board"
	case board.FeatureDoneToggle:
		return `in Taskade the column named "Done" is the done column: rename a column to make it one`
	case board.FeaturePriority, board.FeatureLabels:
		r.mu.Lock()
		defer r.mu.Unlock()
		name, have := "Priority", r.fields.priority != nil
		if f == board.FeatureLabels {
			name, have = "Labels", r.fields.labels != nil
		}
		if have || r.fieldsAt.IsZero() {
			return "" // or not known yet: the change waits, and is refused if so
		}
		return fmt.Sprintf("this Taskade project has no %s field (add a Select field named %q in Taskade)", name, name)
	}
	return ""
}

// Comments: Taskade's v1 API has none (board.Reader).
func (r *Remote) Comments(context.Context, string) ([]board.Comment, error) {
	return nil, &board.Failure{Class: board.Refused, Message: r.Lacks(board.FeatureComments)}
}

// Members lists the project's members by their Taskade handles, the ids
// lanes assigns cards by (board.Reader). The space is the project's.
func (r *Remote) Members(ctx context.Context, _ string) ([]board.Member, error) {
	us, err := r.c.Members(ctx, r.project)
	if err != nil {
		return nil, classify("list the project's members", err)
	}
	out := make([]board.Member, 0, len(us))
	for _, u := range us {
		if u.Handle == "" {
			continue
		}
		out = append(out, board.Member{UserID: u.Handle, Name: cmp.Or(u.DisplayName, u.Handle), Role: "member"})
	}
	return out, nil
}

// Fetch reads the project: every task (all pages) and its custom fields
// now and then, and starts reading the details of a few cards (see
// detailsEach) for the next fetch.
func (r *Remote) Fetch(ctx context.Context, projectID string) (board.Fetched, error) {
	return r.fetch(ctx, projectID, false)
}

// FetchWhole is Fetch that reads the details of every card before it
// returns (up to wholeDetails cards not read before or stale), for a
// report that must be whole: the standup.
func (r *Remote) FetchWhole(ctx context.Context, projectID string) (board.Fetched, error) {
	return r.fetch(ctx, projectID, true)
}

func (r *Remote) fetch(ctx context.Context, projectID string, whole bool) (board.Fetched, error) {
	if projectID != r.project {
		return board.Fetched{}, &board.Failure{Class: board.Refused, Message: "this board is of another project"}
	}
	r.load()
	if err := r.list(ctx); err != nil {
		return board.Fetched{}, err
	}
	r.mu.Lock()
	needFields := r.fieldsAt.IsZero() || r.now().Sub(r.fieldsAt) > fieldsOld
	r.mu.Unlock()
	if needFields {
		fs, err := r.c.Fields(ctx, r.project)
		if err != nil {
			return board.Fetched{}, classify("read the project's fields", err)
		}
		r.mu.Lock()
		r.fields, r.fieldsAt = fieldsOf(fs), r.now()
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.fetches++
	budget, stale := detailsEach, detailsStale
	switch {
	case whole:
		budget, stale = wholeDetails, wholeDetails
	case r.fetches == 1:
		budget = detailsFirst
	}
	var todo []string
	if whole || !r.reading {
		todo = r.needDetails(budget, stale)
	}
	start := !whole && len(todo) > 0
	r.reading = r.reading || start
	r.unshown = false
	r.mu.Unlock()
	if whole {
		r.readDetails(ctx, todo)
	} else if start {
		go func() {
			r.readDetails(ctx, todo)
			r.save(ctx, false)
			r.mu.Lock()
			r.reading, r.unshown = false, true
			r.mu.Unlock()
		}()
	}
	r.mu.Lock()
	out := r.board()
	r.mu.Unlock()
	r.save(ctx, false)
	return out, nil
}

// list reads every task and takes the list in.
func (r *Remote) list(ctx context.Context) error {
	r.mu.Lock()
	start := r.changes
	r.mu.Unlock()
	ts, err := r.c.Tasks(ctx, r.project)
	if err != nil {
		return classify("load the tasks", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.absorb(ts, start)
	return nil
}

// absorb takes a list of the project's tasks in as what is on the server,
// keeping what lanes knew of each. A task is taken only under a parent
// that is taken too, so a list whose parents loop or point nowhere (a
// hostile or broken answer) can't make a card that hangs from nothing.
// What lanes itself changed since start (a task it made, moved, renamed
// or completed while the list was on its way) is newer than the list, and
// kept as lanes has it.
func (r *Remote) absorb(ts []taskade.Task, start int64) {
	now := r.now()
	byParent := map[string][]string{}
	listed := make(map[string]taskade.Task, len(ts))
	for _, t := range ts {
		if t.ID == "" {
			continue
		}
		if _, dup := listed[t.ID]; dup {
			continue
		}
		listed[t.ID] = t
		byParent[t.ParentID] = append(byParent[t.ParentID], t.ID)
	}
	tasks := make(map[string]*task, len(listed))
	kids := map[string][]string{}
	queue := []string{""}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		for _, id := range byParent[parent] {
			if _, taken := tasks[id]; taken {
				continue
			}
			t := listed[id]
			n := &task{Task: t}
			if old, ok := r.tasks[id]; ok {
				*n = *old
				n.Task = t
			}
			switch {
			case !t.Completed:
				n.CompletedAt = nil
			case n.CompletedAt == nil:
				at := now // completed since lanes last looked
				n.CompletedAt = &at
			}
			tasks[id] = n
			kids[parent] = append(kids[parent], id)
			queue = append(queue, id)
		}
	}
	var newer []*task
	for _, t := range r.tasks {
		if t.seq > start {
			newer = append(newer, t)
		}
	}
	slices.SortFunc(newer, func(a, b *task) int { return cmp.Compare(a.seq, b.seq) })
	for _, old := range newer {
		if _, ok := tasks[old.ParentID]; old.ParentID != "" && !ok {
			continue // its parent is gone: the list stands
		}
		if under(tasks, old.ParentID, old.ID) {
			continue // moved in Taskade under it meanwhile: the list stands
		}
		if n, ok := tasks[old.ID]; ok {
			kids[n.ParentID] = slices.DeleteFunc(kids[n.ParentID], func(id string) bool { return id == old.ID })
		}
		n := *old
		tasks[old.ID] = &n
		sibs := kids[n.ParentID]
		i := len(sibs)
		for j, id := range sibs {
			if n.Key != "" && tasks[id].Key > n.Key {
				i = j
				break
			}
		}
		kids[n.ParentID] = slices.Insert(sibs, i, n.ID)
	}
	old := r.tasks
	r.tasks, r.kids, r.listed = tasks, kids, true
	for parent := range kids {
		r.rekey(parent)
	}
	// The knowledge file is written again only if the list changed what
	// it holds: a poll of a board nobody touched writes nothing.
	r.dirty = r.dirty || changedFrom(old, tasks)
}

// changedFrom says tasks differ from old in what the knowledge file keeps
// of them that a list can change: which there are, their text, parent and
// completion, when lanes saw them completed, their position keys.
func changedFrom(old, tasks map[string]*task) bool {
	if len(old) != len(tasks) {
		return true
	}
	for id, n := range tasks {
		o, ok := old[id]
		if !ok || o.Task != n.Task || o.Key != n.Key || !sameTime(o.CompletedAt, n.CompletedAt) {
			return true
		}
	}
	return false
}

func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

// under says task id is parent or one of its ancestors in tasks.
func under(tasks map[string]*task, parent, id string) bool {
	for i := 0; parent != "" && i < 1000; i++ {
		if parent == id {
			return true
		}
		t, ok := tasks[parent]
		if !ok {
			return false
		}
		parent = t.ParentID
	}
	return parent != ""
}

// rekey gives the children of parent increasing position keys, keeping
// every key its order still allows.
func (r *Remote) rekey(parent string) {
	ids := r.kids[parent]
	prev := ""
	for i, id := range ids {
		t := r.tasks[id]
		if t.Key != "" && t.Key > prev {
			prev = t.Key
			continue
		}
		// Before the next card that keeps its key, if one does.
		next := ""
		for _, later := range ids[i+1:] {
			if k := r.tasks[later].Key; k != "" && k > prev {
				next = k
				break
			}
		}
		k, err := board.Between(prev, next)
		if err != nil {
			// Keys worn too long by many moves into one gap: number the
			// whole list afresh.
			r.renumber(parent)
			return
		}
		t.Key, prev = k, k
	}
}

func (r *Remote) renumber(parent string) {
	prev := ""
	for _, id := range r.kids[parent] {
		k, err := board.Between(prev, "")
		if err != nil {
			return
		}
		r.tasks[id].Key, prev = k, k
	}
}

// column is the top-level task a task is under (itself, for a column).
func (r *Remote) column(id string) string {
	for i := 0; i < 1000; i++ {
		t, ok := r.tasks[id]
		if !ok || t.ParentID == "" {
			return id
		}
		id = t.ParentID
	}
	return id
}

// isDone says a column's name makes it the done column.
func isDone(name string) bool { return strings.EqualFold(strings.TrimSpace(name), "done") }

// board is what lanes knows, as the engine's board.
func (r *Remote) board() board.Fetched {
	var out board.Fetched
	for _, id := range r.kids[""] {
		t := r.tasks[id]
		out.Columns = append(out.Columns, board.Column{ID: id, Name: t.Text, IsDone: isDone(t.Text)})
	}
	if l := r.fields.labels; l != nil {
		for _, o := range l.Options {
			out.Labels = append(out.Labels, board.Label{ID: o.ID, Name: o.Name, Color: color(o.Color)})
		}
	}
	for _, col := range r.kids[""] {
		r.walk(r.kids[col], func(id string) { out.Cards = append(out.Cards, r.card(r.tasks[id], col)) })
	}
	return out
}

// walk calls fn for each of the tasks from and every task under them,
// parents before their children, in board order.
func (r *Remote) walk(from []string, fn func(id string)) {
	queue := slices.Clone(from)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		fn(id)
		queue = append(queue, r.kids[id]...)
	}
}

// card is a task as the engine's card.
func (r *Remote) card(t *task, col string) *board.Card {
	c := &board.Card{ID: t.ID, ProjectID: r.project, StatusID: col, Title: t.Text, Description: t.Note,
		Priority: board.PriorityNone, Position: t.Key, CompletedAt: t.CompletedAt, Due: t.Due,
		Assignees: slices.Clone(t.Assignees), Labels: slices.Clone(t.Labels)}
	if t.Priority != "" {
		c.Priority = t.Priority
	}
	if t.ParentID != col {
		c.ParentID = t.ParentID
	}
	return c
}

// cardOf is the card of task id as lanes now knows it.
func (r *Remote) cardOf(id string) *board.Card {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tasks[id]
	if !ok {
		return nil
	}
	return r.card(t, r.column(id))
}

// color is a field option's colour if it is one lanes draws (#rrggbb).
func color(c string) string {
	if !board.IsColor(c) {
		return ""
	}
	return strings.ToLower(c)
}

// needDetails are the cards whose details the next fetch reads: up to
// budget never read, in board order, else up to stale of the stalest.
func (r *Remote) needDetails(budget, stale int) []string {
	var never []string
	var old []*task
	cutoff := r.now().Add(-detailsOld)
	for _, col := range r.kids[""] {
		r.walk(r.kids[col], func(id string) {
			t := r.tasks[id]
			switch {
			case t.DetailsAt.IsZero():
				if len(never) < budget {
					never = append(never, id)
				}
			case t.DetailsAt.Before(cutoff):
				old = append(old, t)
			}
		})
	}
	if len(never) > 0 {
		return never
	}
	slices.SortFunc(old, func(a, b *task) int { return a.DetailsAt.Compare(b.DetailsAt) })
	var out []string
	for _, t := range old[:min(stale, len(old))] {
		out = append(out, t.ID)
	}
	return out
}

// details is what one card's detail requests brought.
type details struct {
	id        string
	due       *time.Time
	assignees []string
	note      string
	priority  board.Priority
	labels    []string
	ok        bool
}

// readDetails reads the details of the cards, a few requests at a time.
// A failure stops the round quietly: the board stands without them, and a
// later fetch tries again.
func (r *Remote) readDetails(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan string)
	got := make(chan details)
	var wg sync.WaitGroup
	for range min(detailsWorkers, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				d, err := r.readCard(ctx, id)
				if err != nil && !taskade.IsNotFound(err) {
					cancel()
				}
				select {
				case got <- d:
				case <-ctx.Done():
				}
			}
		}()
	}
	go func() {
		defer close(work)
		for _, id := range ids {
			select {
			case work <- id:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(got) }()
	var read []details
	for d := range got {
		if d.ok {
			read = append(read, d)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	for _, d := range read {
		if t, ok := r.tasks[d.id]; ok {
			t.Due, t.Assignees, t.Note, t.Priority, t.Labels, t.DetailsAt = d.due, d.assignees, d.note, d.priority, d.labels, now
			r.dirty = true
		}
	}
}

// readCard reads one card's date, assignees, note and field values.
func (r *Remote) readCard(ctx context.Context, id string) (details, error) {
	d := details{id: id}
	date, err := r.c.Date(ctx, r.project, id)
	if err != nil {
		return d, err
	}
	d.due = dueOf(date)
	us, err := r.c.Assignees(ctx, r.project, id)
	if err != nil {
		return d, err
	}
	for _, u := range us {
		if u.Handle != "" {
			d.assignees = append(d.assignees, u.Handle)
		}
	}
	n, err := r.c.Note(ctx, r.project, id)
	if err != nil {
		return d, err
	}
	if n != nil {
		d.note = n.Value
	}
	r.mu.Lock()
	fs := r.fields
	r.mu.Unlock()
	if fs.priority != nil || fs.labels != nil {
		vs, err := r.c.FieldValues(ctx, r.project, id)
		if err != nil {
			return d, err
		}
		d.priority, d.labels = fs.read(vs)
	}
	d.ok = true
	return d, nil
}

// dueOf is a Taskade date as a lanes due date (the start's day).
func dueOf(d *taskade.TaskDate) *time.Time {
	if d == nil || d.Start.Date == "" {
		return nil
	}
	day := d.Start.Date
	if len(day) > 10 {
		day = day[:10]
	}
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return nil
	}
	return &t
}

// fieldSet is the project's custom fields lanes draws: a Select field
// named Priority (its options named as lanes' priorities) and one named
// Labels (its options are the labels; a task holds one).
type fieldSet struct {
	priority *taskade.Field
	labels   *taskade.Field
}

func fieldsOf(fs []taskade.Field) fieldSet {
	var out fieldSet
	for i := range fs {
		f := &fs[i]
		if !strings.EqualFold(f.Type, "Select") {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(f.Name)) {
		case "priority":
			if out.priority == nil {
				out.priority = f
			}
		case "labels", "label":
			if out.labels == nil {
				out.labels = f
			}
		}
	}
	return out
}

// read is a task's priority and labels from its field values.
func (s fieldSet) read(vs []taskade.FieldValue) (board.Priority, []string) {
	p, labels := board.PriorityNone, []string(nil)
	for _, v := range vs {
		var opt string
		if json.Unmarshal(v.Value, &opt) != nil || opt == "" {
			continue
		}
		switch {
		case s.priority != nil && v.FieldID == s.priority.ID:
			for _, o := range s.priority.Options {
				if o.ID == opt {
					if q := board.Priority(strings.ToLower(strings.TrimSpace(o.Name))); q.Rank() > 0 {
						p = q
					}
				}
			}
		case s.labels != nil && v.FieldID == s.labels.ID:
			for _, o := range s.labels.Options {
				if o.ID == opt {
					labels = []string{o.ID}
				}
			}
		}
	}
	return p, labels
}

// priorityOption is the Priority field's option for p.
func (s fieldSet) priorityOption(p board.Priority) (string, bool) {
	if s.priority == nil {
		return "", false
	}
	for _, o := range s.priority.Options {
		if strings.EqualFold(strings.TrimSpace(o.Name), string(p)) {
			return o.ID, true
		}
	}
	return "", false
}

// knowledge is the file of what lanes knows of a project beyond its list.
type knowledge struct {
	Tasks    map[string]*task    `json:"tasks"`
	Attempts map[string]*attempt `json:"attempts,omitempty"`
}

// maxKnowledge bounds the file lanes reads back (a 100,000-task project
// with notes fits).
const maxKnowledge = 256 << 20

// load reads the knowledge file, once.
func (r *Remote) load() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.loaded || r.path == "" {
		r.loaded = true
		return
	}
	r.loaded = true
	f, err := os.Open(r.path)
	if err != nil {
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() > maxKnowledge {
		return
	}
	var k knowledge
	if json.NewDecoder(f).Decode(&k) != nil {
		return // only a head start: a bad one is ignored
	}
	for id, t := range k.Tasks {
		if t == nil {
			continue
		}
		if _, ok := r.tasks[id]; !ok {
			t.ID = id
			r.tasks[id] = t
		}
	}
	cutoff := r.now().Add(-attemptsKept)
	for key, a := range k.Attempts {
		if a != nil && a.At.After(cutoff) {
			if _, ok := r.attempts[key]; !ok {
				r.attempts[key] = a
			}
		}
	}
}

// save writes the knowledge file if anything changed; sync makes it
// durable before returning (a change about to be sent depends on it).
// Once ctx (the board's) has ended, nothing more is written: another
// board may have the file by then.
func (r *Remote) save(ctx context.Context, sync bool) error {
	if r.path == "" {
		return nil
	}
	r.saveMu.Lock()
	defer r.saveMu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	if !r.dirty && !sync {
		r.mu.Unlock()
		return nil
	}
	data, err := json.Marshal(knowledge{Tasks: r.tasks, Attempts: r.attempts})
	r.dirty = false
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode what lanes knows of the project: %w", err)
	}
	if err := writeFile(r.path, data, sync); err != nil {
		r.mu.Lock()
		r.dirty = true
		r.mu.Unlock()
		return err
	}
	return nil
}

// writeFile replaces path with data atomically.
func writeFile(path string, data []byte, sync bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("make %s: %w", filepath.Dir(path), err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// classify sorts a Taskade error into what the engine does about it.
func classify(what string, err error) error {
	var f *board.Failure
	if errors.As(err, &f) {
		return f
	}
	var te *taskade.Error
	msg := err.Error()
	if errors.As(err, &te) && te.Message != "" {
		msg = te.Message
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &board.Failure{Class: board.Transient, Message: "cancelled", Err: err}
	case taskade.IsNetwork(err):
		return &board.Failure{Class: board.Transient, Message: "can't reach Taskade: " + shortErr(err), Err: err}
	case taskade.IsServerError(err):
		return &board.Failure{Class: board.Transient, Message: "Taskade failed: " + msg, Err: err}
	case taskade.IsRateLimited(err):
		out := &board.Failure{Class: board.RateLimited, Message: "Taskade asks lanes to slow down", Err: err}
		if te != nil {
			out.RetryAfter = te.RetryAfter
		}
		return out
	case taskade.IsUnauthorized(err):
		return &board.Failure{Class: board.Unauthorized, Message: msg, Err: err}
	case taskade.IsNotFound(err):
		return &board.Failure{Class: board.Gone, Message: msg, Err: err}
	}
	return &board.Failure{Class: board.Refused, Message: what + ": " + msg, Err: err}
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
