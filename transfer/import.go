package transfer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/lanesboard/lanes/api"
)

// Importer puts a board into a new project through the API, so it works
// against any lanes server, local or remote. A run cut short is finished
// by the next run of the same file into the same server, without making
// anything twice (see state.go).
type Importer struct {
	Client *api.Client
	// Server names the server in the import's state: "local", or its URL.
	Server string
	// StateDir is where imports remember how far they got.
	StateDir string
	// Space is where the new project is made.
	Space api.Space
	// Name is the new project's name ("": the board's own).
	Name string
	// Slug makes a project's slug from its name.
	Slug func(name string) string
	// FileName is the file's name, kept in the state for people.
	FileName string
	// Again imports a file imported before as one more project.
	Again bool
	// Workers is how many writes are in flight at once (default 4).
	Workers int
	// Retries is how often a write is sent again after no answer, a 5xx
	// or a 429 (default 8; -1: never).
	Retries int
	// Progress hears how far the import has got (nil: nobody).
	Progress Progress
}

// Progress hears how far a long job has got: done of total steps, now
// in phase (columns, labels, cards, subtasks, comments, assignees).
type Progress interface {
	Step(phase string, done, total int)
}

// Summary is what an import made.
type Summary struct {
	Project api.Project
	// Resumed says a run cut short was finished; Already is how many of
	// the objects it had made.
	Resumed                                               bool
	Already                                               int
	Columns, Labels, Cards, Subtasks, Comments, Assignees int
	// Skipped are the assignees left off because they are not members of
	// the space (by name, as many times as they were skipped).
	Skipped []string
	Notes   []Note
}

// AlreadyImportedError says the file went into this server before.
type AlreadyImportedError struct{ Project string }

func (e *AlreadyImportedError) Error() string {
	return fmt.Sprintf("this file was imported into this server before, as project %q: pass --again to import it once more as another project", e.Project)
}

// run is one import on its way.
type run struct {
	im       *Importer
	c        *api.Client
	b        *Board
	files    stateFiles
	st       importState
	j        *journal
	prefix   string // of every idempotency key
	me       *api.User
	project  api.Project
	colID    map[string]string
	labelID  map[string]string
	nodes    []node   // the cards and subtasks, parents first
	cardIDs  []string // the id of each node's card
	sum      *Summary
	done     atomic.Int64
	total    int
	progress sync.Mutex
}

// Import makes a new project of f's board: its columns (the columns a new
// project comes with renamed and adjusted, so it has exactly the board's),
// labels, cards a few at a time, subtasks, comments (by someone else than
// the importer: headed with their name and time, since the importer posts
// them) and assignees (people who are members of the space; the others are
// skipped and counted).
func (im *Importer) Import(ctx context.Context, f *File) (*Summary, error) {
	r := &run{im: im, c: im.Client, b: f.Board, sum: &Summary{Notes: f.Notes}, colID: map[string]string{}, labelID: map[string]string{}}
	kind, err := r.c.Probe(ctx)
	if err != nil {
		return nil, err
	}
	if kind != api.ServerLanes {
		return nil, errors.New("import needs a lanes server: this one speaks only the Krokanti Tasks API, which has no columns, labels or comments to make")
	}
	if im.Space.Role != api.RoleOwner && im.Space.Role != api.RoleAdmin {
		return nil, fmt.Errorf("importing makes a project's columns, which only an owner or admin of %s can do (you are a %s there)", im.Space.Name, im.Space.Role)
	}
	if r.me, err = r.c.Me(ctx); err != nil {
		return nil, err
	}
	r.files = newStateFiles(im.StateDir, stateKey(f.Hash, im.Server))
	if err := r.begin(ctx, f); err != nil {
		return nil, err
	}
	r.prefix = fmt.Sprintf("lanes-import/%s/%d/", f.Hash[:32], r.st.Run)
	if err := r.makeProject(ctx); err != nil {
		return nil, err
	}
	r.sum.Project = r.project
	// Every write after the project's is keyed by the project too: an
	// import into another project (the state lost, another name) never
	// meets the keys of this one.
	r.prefix = fmt.Sprintf("lanes-import/%s/%s/", f.Hash[:32], r.project.ID)
	if r.j, err = openJournal(r.files.journal, r.project.ID); err != nil {
		return nil, err
	}
	defer func() {
		if r.j != nil {
			r.j.close()
		}
	}()
	r.sum.Already = len(r.j.done)
	r.sum.Resumed = r.sum.Resumed || r.sum.Already > 0
	n := r.b.Count()
	r.total = n.Columns + n.Labels + n.Cards + n.Subtasks + n.Comments + n.Assignments
	steps := []func(context.Context) error{r.makeColumns, r.makeLabels, r.makeCards, r.makeComments, r.assign}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, fmt.Errorf("%w\n(run the same import again to finish it: nothing made so far is made twice)", err)
		}
	}
	r.st.Done = true
	if err := r.files.save(r.st); err != nil {
		return nil, err
	}
	err = r.j.close()
	r.j = nil
	os.Remove(r.files.journal) // done with: the state says the import finished
	return r.sum, err
}

// begin reads what an earlier run of this file left, if any: a run cut
// short is resumed, a finished one is refused unless Again.
func (r *run) begin(ctx context.Context, f *File) error {
	st, ok, err := r.files.load()
	if err != nil {
		return err
	}
	fresh := importState{File: r.im.FileName, Hash: f.Hash, Server: r.im.Server, SpaceID: r.im.Space.ID}
	switch {
	case !ok:
		r.st = fresh
	case st.Done && !r.im.Again:
		return &AlreadyImportedError{Project: st.Project}
	case r.im.Again:
		fresh.Run = st.Run + 1
		r.st = fresh
	case st.SpaceID != r.im.Space.ID:
		return fmt.Errorf("an import of this file into another space (id %s) was cut short: finish it with --space %s, or pass --again to import afresh here", st.SpaceID, st.SpaceID)
	default:
		r.st = st
		r.sum.Resumed = st.ProjectID != ""
		if st.ProjectID != "" {
			if _, err := r.c.Statuses(ctx, st.ProjectID); api.IsNotFound(err) {
				// The half-made project is gone: start again, with new keys.
				fresh.Run = st.Run + 1
				r.st, r.sum.Resumed = fresh, false
			} else if err != nil {
				return fmt.Errorf("find the project the last run made: %w", err)
			}
		}
	}
	return nil
}

// key is the Idempotency-Key of one write: the file, the run and what.
func (r *run) key(what string, i ...int) api.WriteOption {
	k := r.prefix + what
	for _, n := range i {
		k += "/" + strconv.Itoa(n)
	}
	return api.IdempotencyKey(k)
}

// step counts one object made (or found made) for the progress.
func (r *run) step(phase string) {
	d := r.done.Add(1)
	if r.im.Progress != nil {
		r.progress.Lock()
		r.im.Progress.Step(phase, int(d), r.total)
		r.progress.Unlock()
	}
}

// send does one write, sending it again (same key, so done at most once)
// when no answer came, the server failed or asked to slow down.
func (r *run) send(ctx context.Context, what string, fn func() error) error {
	retries := cmp.Or(r.im.Retries, 8)
	wait := 200 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		var ae *api.Error
		if errors.As(err, &ae) && ae.Code == "idempotency_mismatch" {
			return fmt.Errorf("%s: the server remembers this import's earlier run writing something else here (was the file changed?): %w", what, err)
		}
		if retries < 0 || attempt >= retries || ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		pause := wait
		switch {
		case api.IsRateLimited(err):
			if ae.RetryAfter > 0 {
				pause = ae.RetryAfter
			}
		case api.IsNetwork(err), api.IsServerError(err):
			wait = min(2*wait, 5*time.Second)
		default:
			return fmt.Errorf("%s: %w", what, err)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

// makeProject makes the project, or finds the one an earlier run made.
func (r *run) makeProject(ctx context.Context) error {
	if r.st.ProjectID != "" {
		ps, err := r.projects(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if p.ID == r.st.ProjectID {
				r.project = p
				return nil
			}
		}
		r.project = api.Project{ID: r.st.ProjectID, SpaceID: r.st.SpaceID, Name: r.st.Project}
		return nil
	}
	in := api.ProjectCreate{SpaceID: r.im.Space.ID, Description: r.b.Project.Description, Color: r.b.Project.Color}
	if r.st.Project == "" {
		// First time: a name of the person's, a slug of its own. Both are
		// kept before the project is made, so that a run cut short while
		// making it sends the very same request again.
		name, err := oneLine(cmp.Or(r.im.Name, r.b.Project.Name), maxProjectName, true)
		if err != nil {
			return fmt.Errorf("the project's name: %w", err)
		}
		ps, err := r.projects(ctx)
		if err != nil {
			return err
		}
		slugs := map[string]bool{}
		for _, p := range ps {
			if strings.EqualFold(p.Name, name) {
				return fmt.Errorf("%s already has a project named %q: name the new one with --project", r.im.Space.Name, p.Name)
			}
			slugs[p.Slug] = true
		}
		base := r.im.Slug(name)
		slug := base
		for i := 2; slugs[slug]; i++ {
			suffix := "-" + strconv.Itoa(i)
			slug = strings.TrimRight(base[:min(len(base), 50-len(suffix))], "-") + suffix
		}
		r.st.Project, r.st.Slug = name, slug
		if err := r.files.save(r.st); err != nil {
			return err
		}
	}
	in.Name, in.Slug = r.st.Project, r.st.Slug
	var p *api.Project
	err := r.send(ctx, "make the project", func() (err error) {
		p, err = r.c.CreateProject(ctx, in, r.key("project/"+in.Slug))
		return err
	})
	if api.IsConflict(err) {
		// Made by a run cut short long enough ago that the server forgot
		// the key: the project with its name and slug is that one.
		ps, lerr := r.projects(ctx)
		if lerr != nil {
			return lerr
		}
		for i := range ps {
			if ps[i].Slug == in.Slug && ps[i].Name == in.Name {
				p, err = &ps[i], nil
			}
		}
	}
	if err != nil {
		return err
	}
	r.project = *p
	r.st.ProjectID = p.ID
	return r.files.save(r.st)
}

// projects lists the space's projects, archived ones too.
func (r *run) projects(ctx context.Context) ([]api.Project, error) {
	ps, err := r.c.Projects(ctx, r.im.Space.ID)
	if err != nil {
		return nil, fmt.Errorf("list the projects of %s: %w", r.im.Space.Name, err)
	}
	more, err := r.c.ArchivedProjects(ctx, r.im.Space.ID)
	if err != nil {
		return nil, fmt.Errorf("list the archived projects of %s: %w", r.im.Space.Name, err)
	}
	return append(ps, more...), nil
}

// makeColumns turns the columns the new project came with into the
// board's: the first ones renamed and set, the rest made after them, the
// new project's extra ones removed. Done-ness is changed so the project
// never lacks a done column on the way (the server refuses that).
func (r *run) makeColumns(ctx context.Context) error {
	if len(r.st.Columns) == 0 {
		if len(r.st.Defaults) == 0 {
			cols, err := r.c.Statuses(ctx, r.project.ID)
			if err != nil {
				return fmt.Errorf("read the new project's columns: %w", err)
			}
			for _, s := range cols {
				r.st.Defaults = append(r.st.Defaults, defaultColumn{ID: s.ID, IsDone: s.IsDone})
			}
			if err := r.files.save(r.st); err != nil {
				return err
			}
		}
		if err := r.columnOps(ctx); err != nil {
			return err
		}
		cols, err := r.c.Statuses(ctx, r.project.ID)
		if err != nil {
			return fmt.Errorf("read the project's columns: %w", err)
		}
		if len(cols) != len(r.b.Columns) {
			return fmt.Errorf("the project has %d columns after they were made, not %d", len(cols), len(r.b.Columns))
		}
		for i, s := range cols {
			if s.Name != r.b.Columns[i].Name {
				return fmt.Errorf("column %d of the project is %q after the columns were made, not %q", i+1, s.Name, r.b.Columns[i].Name)
			}
			r.st.Columns = append(r.st.Columns, s.ID)
		}
		if err := r.files.save(r.st); err != nil {
			return err
		}
	}
	for i, col := range r.b.Columns {
		r.colID[col.Name] = r.st.Columns[i]
		r.step("columns")
	}
	r.sum.Columns = len(r.b.Columns)
	return nil
}

// columnOps are the writes that make the columns, each one the same on
// every run (so a rerun's are answered from the server's memory of them).
func (r *run) columnOps(ctx context.Context) error {
	defaults, want := r.st.Defaults, r.b.Columns
	kept := min(len(defaults), len(want))
	for i := range kept {
		col := want[i]
		p := api.StatusPatch{Name: api.Set(col.Name)}
		if col.IsDone {
			p.IsDone = api.Set(true)
		}
		if col.WipLimit != nil {
			p.WipLimit = api.Set(*col.WipLimit)
		} else {
			p.WipLimit = api.Clear[int]()
		}
		if col.Color != nil {
			p.Color = api.Set(*col.Color)
		} else {
			p.Color = api.Clear[string]()
		}
		err := r.send(ctx, fmt.Sprintf("set up column %q", col.Name), func() error {
			_, err := r.c.UpdateStatus(ctx, defaults[i].ID, p, r.key("column-set", i))
			return err
		})
		if err != nil {
			return err
		}
	}
	for i := kept; i < len(want); i++ {
		col := want[i]
		in := api.StatusCreate{ProjectID: r.project.ID, Name: col.Name, IsDone: col.IsDone, WipLimit: col.WipLimit, Color: col.Color}
		err := r.send(ctx, fmt.Sprintf("make column %q", col.Name), func() error {
			_, err := r.c.CreateStatus(ctx, in, r.key("column-new", i))
			return err
		})
		if err != nil {
			return err
		}
	}
	// Only now, with every done column of the board there, can a column
	// the project came with as done stop being one.
	for i := range kept {
		if !defaults[i].IsDone || want[i].IsDone {
			continue
		}
		err := r.send(ctx, fmt.Sprintf("set up column %q", want[i].Name), func() error {
			_, err := r.c.UpdateStatus(ctx, defaults[i].ID, api.StatusPatch{IsDone: api.Set(false)}, r.key("column-open", i))
			return err
		})
		if err != nil {
			return err
		}
	}
	for i := kept; i < len(defaults); i++ {
		err := r.send(ctx, "remove a column the new project came with", func() error {
			err := r.c.DeleteStatus(ctx, defaults[i].ID, "", r.key("column-delete", i))
			if api.IsNotFound(err) {
				return nil // gone already (a run cut short removed it)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *run) workers() int { return cmp.Or(r.im.Workers, 4) }

// makeLabels makes the board's labels.
func (r *run) makeLabels(ctx context.Context) error {
	ids := make([]string, len(r.b.Labels))
	err := each(ctx, len(r.b.Labels), r.workers(), func(ctx context.Context, i int) error {
		l := r.b.Labels[i]
		if id, ok := r.j.get("label", i); ok {
			ids[i] = id
			r.step("labels")
			return nil
		}
		var made *api.Label
		err := r.send(ctx, fmt.Sprintf("make label %q", l.Name), func() (err error) {
			made, err = r.c.CreateLabel(ctx, api.LabelCreate{ProjectID: r.project.ID, Name: l.Name, Color: l.Color}, r.key("label", i))
			return err
		})
		if api.IsConflict(err) {
			// Made by a run whose answer was lost, long enough ago that
			// the server forgot the key: it is there, by name.
			made, err = r.findLabel(ctx, l.Name)
		}
		if err != nil {
			return err
		}
		ids[i] = made.ID
		r.step("labels")
		return r.j.put("label", i, made.ID)
	})
	if err != nil {
		return err
	}
	for i, l := range r.b.Labels {
		r.labelID[strings.ToLower(l.Name)] = ids[i]
	}
	r.sum.Labels = len(r.b.Labels)
	return nil
}

func (r *run) findLabel(ctx context.Context, name string) (*api.Label, error) {
	ls, err := r.c.Labels(ctx, r.project.ID)
	if err != nil {
		return nil, fmt.Errorf("find label %q: %w", name, err)
	}
	for _, l := range ls {
		if strings.EqualFold(l.Name, name) {
			return &l, nil
		}
	}
	return nil, fmt.Errorf("label %q: the server says it exists but does not list it", name)
}

// node is a card or subtask in the order of the file, parents first.
type node struct {
	card   *Card
	parent int // index of the parent node, -1 for a top-level card
	depth  int
	pos    string
	at     string // where it is in the file, for errors
}

// flatten lists the board's cards and subtasks parents first, each with
// the position that keeps the file's order: top-level cards in file
// order (which keeps each column's), subtasks in order under their card.
func flatten(cards []Card) []node {
	var out []node
	var rec func(cs []Card, parent, depth int, path string)
	rec = func(cs []Card, parent, depth int, path string) {
		keys := spread(len(cs))
		start := len(out)
		for i := range cs {
			at := fmt.Sprintf("%s[%d]", path, i)
			if cs[i].src != "" {
				at = cs[i].src
			}
			out = append(out, node{card: &cs[i], parent: parent, depth: depth, pos: keys[i], at: at})
		}
		for i := range cs {
			rec(cs[i].Subtasks, start+i, depth+1, fmt.Sprintf("%s[%d].subtasks", path, i))
		}
	}
	rec(cards, -1, 0, "cards")
	return out
}

// spread is n position keys in increasing order, evenly apart: "d" and
// four base-62 digits, room for 14 million between the first and last.
func spread(n int) []string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	const span = 62 * 62 * 62 * 62
	step := span / (n + 1)
	keys := make([]string, n)
	for i := range keys {
		v := step * (i + 1)
		b := []byte{'d', 0, 0, 0, 0}
		for j := 4; j >= 1; j-- {
			b[j] = digits[v%62]
			v /= 62
		}
		keys[i] = string(b)
	}
	return keys
}

// makeCards makes the cards, then the subtasks level by level (a subtask
// needs its card's id), a few at a time.
func (r *run) makeCards(ctx context.Context) error {
	nodes := flatten(r.b.Cards)
	ids := make([]string, len(nodes))
	var levels [][]int
	for i, n := range nodes {
		for len(levels) <= n.depth {
			levels = append(levels, nil)
		}
		levels[n.depth] = append(levels[n.depth], i)
	}
	for depth, level := range levels {
		phase := "cards"
		if depth > 0 {
			phase = "subtasks"
		}
		// Each card is a chain of its own: cards may be made in any order,
		// their positions keep the file's.
		chains := make([]chain, len(level))
		for k, i := range level {
			what := fmt.Sprintf("make card %s (%q)", nodes[i].at, clip(nodes[i].card.Title))
			in := func() api.TaskCreate {
				in := r.taskCreate(nodes[i])
				if p := nodes[i].parent; p >= 0 {
					in.ParentTaskID = &ids[p]
				}
				return in
			}
			chains[k] = chain{{j: i, what: what,
				op: func() (api.BatchOp, error) { return api.CreateTaskOp(in(), r.key("card", i)) },
				alone: func(ctx context.Context) (string, error) {
					t, err := r.c.CreateTask(ctx, in(), r.key("card", i))
					if err != nil {
						return "", err
					}
					return t.ID, nil
				},
				took: func(id string) { ids[i] = id }}}
		}
		err := r.writeAll(ctx, "card", phase, chains, idOfTask)
		if err != nil {
			return err
		}
		if depth == 0 {
			r.sum.Cards = len(level)
		} else {
			r.sum.Subtasks += len(level)
		}
	}
	r.cardIDs, r.nodes = ids, nodes
	return nil
}

// taskCreate is the request that makes the card of n (its parent aside).
func (r *run) taskCreate(n node) api.TaskCreate {
	c := n.card
	col := r.colID[c.Column]
	in := api.TaskCreate{ProjectID: r.project.ID, Title: c.Title, StatusID: &col, Priority: api.Priority(c.Priority),
		DueDate: c.Due, Position: n.pos, CompletedAt: c.Completed, IsArchived: c.Archived, EstimatedHours: c.Estimate}
	if c.Description != "" {
		d := c.Description
		in.Description = &d
	}
	for _, l := range c.Labels {
		in.LabelIDs = append(in.LabelIDs, r.labelID[strings.ToLower(l)])
	}
	return in
}

// makeComments posts the comments, each card's in order, a few cards at
// a time.
func (r *run) makeComments(ctx context.Context) error {
	var with []int
	first := make([]int, len(r.nodes)) // global index of each card's first comment
	count := 0
	for i, n := range r.nodes {
		first[i] = count
		count += len(n.card.Comments)
		if len(n.card.Comments) > 0 {
			with = append(with, i)
		}
	}
	// A card's comments are a chain: posted in their order.
	chains := make([]chain, len(with))
	for k, i := range with {
		for m, cm := range r.nodes[i].card.Comments {
			j := first[i] + m
			text := r.commentText(cm)
			chains[k] = append(chains[k], write{j: j, what: fmt.Sprintf("add comment %d of card %s", m+1, r.nodes[i].at),
				op: func() (api.BatchOp, error) { return api.AddCommentOp(r.cardIDs[i], text, r.key("comment", j)) },
				alone: func(ctx context.Context) (string, error) {
					_, err := r.c.AddComment(ctx, r.cardIDs[i], text, r.key("comment", j))
					return "", err
				}})
		}
	}
	err := r.writeAll(ctx, "comment", "comments", chains, noID)
	r.sum.Comments = count
	return err
}

// commentText is a comment as the importer posts it: as it was when the
// importer wrote it, else headed with its author and time.
func (r *run) commentText(cm Comment) string {
	if cm.Author == r.me.Name || (cm.Author == "" && cm.Time.IsZero()) {
		return cm.Text
	}
	head := cmp.Or(cm.Author, "Someone")
	if !cm.Time.IsZero() {
		head += " (" + cm.Time.UTC().Format("2006-01-02 15:04 UTC") + ")"
	}
	text := head + ":\n" + cm.Text
	if utf8.RuneCountInString(text) > maxComment {
		text = string([]rune(text)[:maxComment-1]) + "…"
	}
	return text
}

// assign puts the members of the space among each card's assignees on
// it; the others are skipped and counted.
func (r *run) assign(ctx context.Context) error {
	members, err := r.c.Members(ctx, r.im.Space.ID)
	if err != nil {
		return fmt.Errorf("list the members of %s: %w", r.im.Space.Name, err)
	}
	exact, folded := map[string]string{}, map[string]string{}
	for _, m := range members {
		exact[m.Name] = m.UserID
		if _, ok := folded[strings.ToLower(m.Name)]; !ok {
			folded[strings.ToLower(m.Name)] = m.UserID
		}
	}
	var with []int
	first := make([]int, len(r.nodes))
	count := 0
	for i, n := range r.nodes {
		first[i] = count
		count += len(n.card.Assignees)
		if len(n.card.Assignees) > 0 {
			with = append(with, i)
		}
	}
	var chains []chain
	for _, i := range with {
		var c chain
		for a, name := range r.nodes[i].card.Assignees {
			j := first[i] + a
			user, ok := exact[name]
			if !ok {
				user, ok = folded[strings.ToLower(name)]
			}
			if !ok {
				r.sum.Skipped = append(r.sum.Skipped, name)
				r.step("assignees")
				continue
			}
			c = append(c, write{j: j, what: fmt.Sprintf("assign %s to card %s", name, r.nodes[i].at),
				op: func() (api.BatchOp, error) { return api.AssignOp(r.cardIDs[i], user, r.key("assign", j)) },
				alone: func(ctx context.Context) (string, error) {
					_, err := r.c.Assign(ctx, r.cardIDs[i], user, r.key("assign", j))
					return "", err
				}})
		}
		if len(c) > 0 {
			chains = append(chains, c)
		}
	}
	err = r.writeAll(ctx, "assign", "assignees", chains, noID)
	r.sum.Assignees = count - len(r.sum.Skipped)
	slices.Sort(r.sum.Skipped)
	return err
}
