package board

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/lanesboard/lanes/api"
)

// apiRemote is the task server through package api.
type apiRemote struct {
	c *api.Client
}

// NewRemote adapts an api client to the engine.
func NewRemote(c *api.Client) Remote { return apiRemote{c} }

// Fetch reads the columns, the labels (from a server that has them) and
// the cards, archived ones too. The two lists of cards are read at once,
// each turned into cards as it arrives.
func (r apiRemote) Fetch(ctx context.Context, projectID string) (Fetched, error) {
	out, err := r.shape(ctx, projectID)
	if err != nil {
		return Fetched{}, err
	}
	type list struct {
		cards []*Card
		seq   int64
		err   error
	}
	read := func(archived bool) list {
		var l list
		var block []Card
		res, err := r.c.TaskList(ctx, projectID, api.ListTasksOptions{Archived: archived, Each: func(t *api.Task) {
			if len(block) == cap(block) {
				block = make([]Card, 0, 1024)
			}
			block = append(block, Card{})
			c := &block[len(block)-1]
			takeTask(c, t)
			l.cards = append(l.cards, c)
		}})
		if err != nil {
			l.err = err
			return l
		}
		l.seq = res.Seq
		return l
	}
	archivedCh := make(chan list, 1)
	go func() { archivedCh <- read(true) }()
	active := read(false)
	archived := <-archivedCh
	if active.err != nil {
		return Fetched{}, classify("load the cards", active.err)
	}
	if archived.err != nil {
		return Fetched{}, classify("load the archived cards", archived.err)
	}
	out.Cards = append(active.cards, archived.cards...)
	// The board is complete up to the older of the two lists' positions.
	out.Seq = min(active.seq, archived.seq)
	return out, nil
}

// shape reads what a fetch reads besides the cards: the columns, and the
// labels from a server that has them.
func (r apiRemote) shape(ctx context.Context, projectID string) (Fetched, error) {
	// What the server speaks decides what Send may ask of it (positions).
	if _, err := r.c.Probe(ctx); err != nil {
		return Fetched{}, classify("reach the server", err)
	}
	sts, err := r.c.Statuses(ctx, projectID)
	if err != nil {
		return Fetched{}, classify("load the columns", err)
	}
	var out Fetched
	if r.c.Supports(api.FeatureLabels) {
		ls, err := r.c.Labels(ctx, projectID)
		// A lanes server from before labels has no such route: its board
		// has none. (A project gone is said by the cards' list below.)
		if err != nil && !api.IsNotFound(err) {
			return Fetched{}, classify("load the labels", err)
		}
		for _, l := range ls {
			out.Labels = append(out.Labels, labelOf(l))
		}
	}
	out.Columns = make([]Column, len(sts))
	for i, s := range sts {
		out.Columns[i] = ColumnOf(s)
	}
	return out, nil
}

// FetchChanges reads the columns and labels, and the cards that changed
// after seq; the whole board when the server can't say.
func (r apiRemote) FetchChanges(ctx context.Context, projectID string, seq int64) (Fetched, error) {
	out, err := r.shape(ctx, projectID)
	if err != nil {
		return Fetched{}, err
	}
	ch, err := r.c.TasksSince(ctx, projectID, seq)
	if errors.Is(err, api.ErrResyncRequired) || errors.Is(err, api.ErrNotSupported) {
		return r.Fetch(ctx, projectID)
	}
	if err != nil {
		return Fetched{}, classify("load what changed", err)
	}
	out.Changes, out.Seq, out.Deleted = true, ch.Seq, ch.Deleted
	out.Cards = make([]*Card, len(ch.Tasks))
	block := make([]Card, len(ch.Tasks))
	for i := range ch.Tasks {
		takeTask(&block[i], &ch.Tasks[i])
		out.Cards[i] = &block[i]
	}
	return out, nil
}

// ColumnOf is the board's copy of a status column the server sent.
func ColumnOf(s api.Status) Column {
	c := Column{ID: s.ID, Name: s.Name, IsDone: s.IsDone}
	if s.WipLimit != nil && *s.WipLimit > 0 {
		// A server's number is drawn in a narrow header: held to what
		// lanes itself allows.
		c.WipLimit = min(*s.WipLimit, MaxWipLimit)
	}
	if s.Color != nil {
		c.Color = *s.Color
	}
	return c
}

func labelOf(l api.Label) Label {
	out := Label{ID: l.ID, Name: l.Name}
	if l.Color != nil {
		out.Color = *l.Color
	}
	return out
}

// Reshape sends a change to a column or a label.
func (r apiRemote) Reshape(ctx context.Context, q Request) (Shape, error) {
	if _, err := r.c.Probe(ctx); err != nil {
		return Shape{}, classify("reach the server", err)
	}
	key := api.IdempotencyKey(q.Key)
	m := q.Shape
	var (
		st  *api.Status
		lb  *api.Label
		err error
	)
	switch q.Op {
	case OpColumnCreate:
		in := api.StatusCreate{ProjectID: m.ProjectID, Position: m.Index}
		if m.Title != nil {
			in.Name = *m.Title
		}
		if m.Done != nil {
			in.IsDone = *m.Done
		}
		if m.WipLimit != nil && *m.WipLimit > 0 {
			in.WipLimit = m.WipLimit
		}
		in.Color = m.Color
		st, err = r.c.CreateStatus(ctx, in, key)
	case OpColumnPatch:
		var p api.StatusPatch
		if m.Title != nil {
			p.Name.Set(*m.Title)
		}
		if m.Done != nil {
			p.IsDone.Set(*m.Done)
		}
		if m.Index != nil {
			p.Position.Set(*m.Index)
		}
		switch {
		case m.WipLimit != nil && *m.WipLimit > 0:
			p.WipLimit.Set(*m.WipLimit)
		case m.WipLimit != nil:
			p.WipLimit.Clear()
		}
		st, err = r.c.UpdateStatus(ctx, q.TaskID, p, key)
	case OpColumnDelete:
		moveTo := ""
		if m.StatusID != nil {
			moveTo = *m.StatusID
		}
		err = r.c.DeleteStatus(ctx, q.TaskID, moveTo, key)
	case OpLabelCreate:
		in := api.LabelCreate{ProjectID: m.ProjectID, Color: m.Color}
		if m.Title != nil {
			in.Name = *m.Title
		}
		lb, err = r.c.CreateLabel(ctx, in, key)
	default:
		return Shape{}, &Failure{Class: Refused, Message: fmt.Sprintf("lanes can't send %q", q.Op)}
	}
	if err != nil {
		return Shape{}, classify(string(q.Op), err)
	}
	var out Shape
	if st != nil {
		c := ColumnOf(*st)
		out.Column = &c
	}
	if lb != nil {
		l := labelOf(*lb)
		out.Label = &l
	}
	return out, nil
}

// CardFromTask is the board's copy of a task the server sent.
func CardFromTask(t *api.Task) *Card {
	c := &Card{}
	takeTask(c, t)
	c.Assignees = append([]string(nil), t.AssigneeIDs...)
	c.Labels = sortedLabels(t.LabelIDs)
	return c
}

// takeTask makes c the board's copy of t, taking t's assignees and labels
// as they are: for a task no one else holds.
func takeTask(c *Card, t *api.Task) {
	*c = Card{
		ID: t.ID, ProjectID: t.ProjectID, Title: t.Title, Priority: Priority(t.Priority),
		Due: t.DueDate, CompletedAt: t.CompletedAt, Archived: t.IsArchived, Estimate: t.EstimatedHours,
		Position: t.Position, Assignees: t.AssigneeIDs, CreatorID: t.CreatorID,
		Labels:   t.LabelIDs,
		Comments: t.CommentCount, Version: t.Version, UpdatedAt: t.UpdatedAt,
	}
	if len(c.Assignees) == 0 {
		c.Assignees = nil
	}
	if !increasing(c.Labels) {
		c.Labels = sortedLabels(c.Labels)
	}
	if c.Priority == "" {
		c.Priority = PriorityNone
	}
	if t.StatusID != nil {
		c.StatusID = *t.StatusID
	}
	if t.ParentTaskID != nil {
		c.ParentID = *t.ParentTaskID
	}
	if t.Description != nil {
		c.Description = *t.Description
	}
	if t.ReopenStatusID != nil {
		c.ReopenStatusID = *t.ReopenStatusID
	}
}

// increasing says whether ids are sorted, each once (as sortedLabels
// leaves them).
func increasing(ids []string) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			return false
		}
	}
	return true
}

// Send makes one request.
func (r apiRemote) Send(ctx context.Context, q Request) (*Card, error) {
	// What is sent depends on what the server speaks (positions), and a
	// retry must send the same body under the same idempotency key, so the
	// answer must be known before the first attempt (Probe keeps it).
	if _, err := r.c.Probe(ctx); err != nil {
		return nil, classify("reach the server", err)
	}
	key := api.IdempotencyKey(q.Key)
	var (
		t   *api.Task
		err error
	)
	switch q.Op {
	case OpCreate:
		t, err = r.c.CreateTask(ctx, r.taskCreate(q.Create), key)
	case OpPatch:
		t, err = r.c.UpdateTask(ctx, q.TaskID, r.patch(q.Patch), key)
	case OpDelete:
		err = r.c.DeleteTask(ctx, q.TaskID, key)
	case OpRestore:
		t, err = r.c.RestoreTask(ctx, q.TaskID, key)
	case OpComment:
		_, err = r.c.AddComment(ctx, q.TaskID, q.Comment, key)
	case OpAssign:
		t, err = r.c.Assign(ctx, q.TaskID, q.UserID, key)
	case OpUnassign:
		t, err = r.c.Unassign(ctx, q.TaskID, q.UserID, key)
	default:
		return nil, &Failure{Class: Refused, Message: fmt.Sprintf("lanes can't send %q", q.Op)}
	}
	if err != nil {
		return nil, classify(string(q.Op), err)
	}
	if t == nil {
		return nil, nil
	}
	return CardFromTask(t), nil
}

// taskCreate is what a create sends.
func (r apiRemote) taskCreate(m *Mutation) api.TaskCreate {
	in := api.TaskCreate{ProjectID: m.ProjectID, StatusID: m.StatusID, DueDate: m.Due}
	if m.Title != nil {
		in.Title = *m.Title
	}
	if m.Priority != nil {
		in.Priority = api.Priority(*m.Priority)
	}
	if m.ParentID != "" {
		in.ParentTaskID = &m.ParentID
	}
	if m.Description != nil && *m.Description != "" {
		in.Description = m.Description
	}
	// A key past what the server makes would only have it renumber
	// the column; with none it appends, which is where the key was.
	if m.Position != nil && len(*m.Position) <= PositionBound && r.c.Supports(api.FeaturePositions) {
		in.Position = *m.Position
	}
	return in
}

// batchBytes is the most a batch's operations carry: a lanes server takes
// api.MaxBatchBytes, and the envelope's quoting needs a little of it.
const batchBytes = api.MaxBatchBytes * 3 / 4

// CanBatch says whether the server is known to take batches.
func (r apiRemote) CanBatch() bool { return r.c.Supports(api.FeatureBatch) }

// SendBatch sends the requests as batches of at most api.MaxBatchOps
// operations and batchBytes each, every request under its own key and as
// Send would send it alone, so the server does each once however it
// arrives. A batch the server refuses as a whole (or, after all, does not
// take) is sent again one request at a time; one that got no answer leaves
// it and the ones after it waiting, with the reason.
func (r apiRemote) SendBatch(ctx context.Context, reqs []Request) []Answer {
	out := make([]Answer, len(reqs))
	if _, err := r.c.Probe(ctx); err != nil {
		f := classify("reach the server", err)
		for i := range out {
			out[i].Err = f
		}
		return out
	}
	ops := make([]api.BatchOp, len(reqs))
	var todo []int
	for i, q := range reqs {
		op, err := r.op(q)
		if err != nil {
			out[i].Err = classify(string(q.Op), err)
			continue
		}
		ops[i] = op
		todo = append(todo, i)
	}
	// waitAll gives the requests not yet answered the failure that
	// stopped the sending: they wait in the outbox, to go again later.
	waitAll := func(from []int, f error) []Answer {
		for _, i := range from {
			out[i].Err = f
		}
		return out
	}
	for len(todo) > 0 {
		n, size := 0, 0
		for n < len(todo) && n < api.MaxBatchOps {
			s := api.BatchSize(ops[todo[n] : todo[n]+1])
			if n > 0 && size+s > batchBytes {
				break
			}
			size += s
			n++
		}
		chunk := todo[:n]
		var (
			res []api.BatchResult
			err error
		)
		if size <= batchBytes {
			chunkOps := make([]api.BatchOp, n)
			for j, i := range chunk {
				chunkOps[j] = ops[i]
			}
			res, err = r.c.Batch(ctx, chunkOps, false)
		} else {
			err = api.ErrNotSupported // one change too big for a batch: alone
		}
		if err == nil {
			for j, i := range chunk {
				out[i] = r.answer(reqs[i], res[j])
			}
			todo = todo[n:]
			continue
		}
		if f := classify("send changes", err); waits(f) != nil {
			return waitAll(todo, f)
		}
		for k, i := range chunk {
			card, err := r.Send(ctx, reqs[i])
			if waits(err) != nil {
				return waitAll(todo[k:], err)
			}
			out[i] = Answer{Card: card, Err: err}
		}
		todo = todo[n:]
	}
	return out
}

// op is the request as a batch operation: the same request Send makes.
func (r apiRemote) op(q Request) (api.BatchOp, error) {
	key := api.IdempotencyKey(q.Key)
	switch q.Op {
	case OpCreate:
		return api.CreateTaskOp(r.taskCreate(q.Create), key)
	case OpPatch:
		return api.UpdateTaskOp(q.TaskID, r.patch(q.Patch), key)
	case OpDelete:
		return api.DeleteTaskOp(q.TaskID, key), nil
	case OpRestore:
		return api.RestoreTaskOp(q.TaskID, key), nil
	case OpComment:
		return api.AddCommentOp(q.TaskID, q.Comment, key)
	case OpAssign:
		return api.AssignOp(q.TaskID, q.UserID, key)
	case OpUnassign:
		return api.UnassignOp(q.TaskID, q.UserID, key), nil
	}
	return api.BatchOp{}, &Failure{Class: Refused, Message: fmt.Sprintf("lanes can't send %q", q.Op)}
}

// answer is a batched request's result as Send would have returned it.
func (r apiRemote) answer(q Request, res api.BatchResult) Answer {
	var (
		t   *api.Task
		err error
	)
	switch q.Op {
	case OpDelete:
		err = res.Err()
	case OpComment:
		_, err = res.Comment()
	default:
		t, err = res.Task()
	}
	if err != nil {
		return Answer{Err: classify(string(q.Op), err)}
	}
	if t == nil {
		return Answer{}
	}
	return Answer{Card: CardFromTask(t)}
}

func (r apiRemote) patch(p Patch) api.TaskPatch {
	var out api.TaskPatch
	if p.Title != nil {
		out.Title.Set(*p.Title)
	}
	if p.Description != nil {
		if *p.Description == "" {
			out.Description.Clear()
		} else {
			out.Description.Set(*p.Description)
		}
	}
	if p.StatusID != nil {
		out.StatusID.Set(*p.StatusID)
	}
	if p.Position != nil && r.c.Supports(api.FeaturePositions) {
		out.Position.Set(*p.Position)
	}
	if p.Priority != nil {
		out.Priority.Set(api.Priority(*p.Priority))
	}
	switch {
	case p.ClearDue:
		out.DueDate.Clear()
	case p.Due != nil:
		out.DueDate.Set(*p.Due)
	}
	switch {
	case p.ClearEstimate:
		out.EstimatedHours.Clear()
	case p.Estimate != nil:
		out.EstimatedHours.Set(*p.Estimate)
	}
	if p.Archived != nil {
		out.IsArchived.Set(*p.Archived)
	}
	if p.Labels != nil {
		out.LabelIDs.Set(*p.Labels)
	}
	switch {
	case p.ClearCompleted:
		out.CompletedAt.Clear()
	case p.CompletedAt != nil:
		out.CompletedAt.Set(*p.CompletedAt)
	}
	return out
}

// classify sorts an api error into what the engine does about it.
func classify(what string, err error) error {
	var ae *api.Error
	msg := err.Error()
	if errors.As(err, &ae) && ae.Message != "" {
		msg = ae.Message
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &Failure{Class: Transient, Message: "cancelled", Err: err}
	case api.IsNetwork(err):
		return &Failure{Class: Transient, Message: "can't reach the server: " + shortNetErr(err), Err: err}
	case ae != nil && ae.Status == http.StatusInsufficientStorage:
		// The server's disk is full: the change waits and is sent again,
		// and the status line says why in the server's words.
		return &Failure{Class: Transient, Message: msg, Err: err}
	case api.IsServerError(err):
		return &Failure{Class: Transient, Message: "the server failed: " + msg, Err: err}
	case api.IsRateLimited(err):
		f := &Failure{Class: RateLimited, Message: "the server asks lanes to slow down", Err: err}
		if ae != nil {
			f.RetryAfter = ae.RetryAfter
		}
		return f
	case api.IsUnauthorized(err):
		return &Failure{Class: Unauthorized, Message: msg, Err: err}
	case api.IsNotFound(err):
		return &Failure{Class: Gone, Message: msg, Err: err}
	case errors.Is(err, api.ErrNotSupported):
		return &Failure{Class: Refused, Message: msg, Err: err}
	}
	return &Failure{Class: Refused, Message: msg, Err: err}
}

func shortNetErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}

// CanReshape says whether the server makes and changes columns and labels:
// known once a fetch or a send has asked what the server speaks.
func (r apiRemote) CanReshape() (can, known bool) {
	return r.c.Supports(api.FeatureColumns), r.c.Kind() != api.ServerUnknown
}

// CanRestore says whether the server keeps deleted cards to bring back:
// known once a fetch or a send has asked what the server speaks.
func (r apiRemote) CanRestore() (can, known bool) {
	return r.c.Supports(api.FeatureRestore), r.c.Kind() != api.ServerUnknown
}

// Comments lists a card's comments, oldest first.
func (r apiRemote) Comments(ctx context.Context, taskID string) ([]Comment, error) {
	cs, err := r.c.Comments(ctx, taskID)
	if err != nil {
		return nil, classify("load the comments", err)
	}
	out := make([]Comment, len(cs))
	for i, c := range cs {
		out[i] = Comment{ID: c.ID, Author: c.AuthorName, Content: c.Content, CreatedAt: c.CreatedAt}
	}
	return out, nil
}

// Members lists the space's members.
func (r apiRemote) Members(ctx context.Context, spaceID string) ([]Member, error) {
	ms, err := r.c.Members(ctx, spaceID)
	if err != nil {
		return nil, classify("load the members", err)
	}
	out := make([]Member, len(ms))
	for i, m := range ms {
		out[i] = Member{UserID: m.UserID, Name: m.Name, Role: string(m.Role)}
	}
	return out, nil
}

// Follow streams the space's changes (see api.Client.Follow).
func (r apiRemote) Follow(ctx context.Context, spaceID string, after int64, fn func(api.Event)) error {
	return r.c.Follow(ctx, spaceID, after, fn)
}

// FollowReady streams the space's changes and says where the feed starts
// (see api.Client.FollowReady).
func (r apiRemote) FollowReady(ctx context.Context, spaceID string, after int64, ready func(int64), fn func(api.Event)) error {
	return r.c.FollowReady(ctx, spaceID, after, ready, fn)
}

// Activity reads a page of a card's history, newest first.
func (r apiRemote) Activity(ctx context.Context, taskID string, before int64, limit int) ([]Activity, error) {
	as, err := r.c.TaskActivity(ctx, taskID, before, limit)
	switch {
	case errors.Is(err, api.ErrNotSupported):
		return nil, &unavailable{err.Error(), ErrNoActivity}
	case err != nil:
		return nil, classify("load the activity", err)
	}
	out := make([]Activity, len(as))
	for i, a := range as {
		out[i] = Activity{ID: a.ID, Kind: a.Kind, TaskID: a.TaskID, At: a.CreatedAt}
		if a.ActorID != nil {
			out[i].ActorID = *a.ActorID
		}
		if a.ActorName != nil {
			out[i].Actor = *a.ActorName
		}
		if len(a.Changes) > 0 {
			out[i].Changes = make(map[string]Change, len(a.Changes))
			for f, c := range a.Changes {
				out[i].Changes[f] = Change{From: c.From, To: c.To}
			}
		}
	}
	return out, nil
}

// Search searches the cards and comments the person can see.
func (r apiRemote) Search(ctx context.Context, q SearchQuery) ([]SearchHit, error) {
	hits, err := r.c.Search(ctx, api.SearchOptions{Q: q.Text, SpaceID: q.SpaceID, ProjectID: q.ProjectID, Limit: q.Limit})
	switch {
	case errors.Is(err, api.ErrNotSupported):
		return nil, &unavailable{err.Error(), ErrNoSearch}
	case err != nil:
		return nil, classify("search", err)
	}
	out := make([]SearchHit, len(hits))
	for i, h := range hits {
		out[i] = SearchHit{Kind: h.Kind, TaskID: h.TaskID, CommentID: h.CommentID, ProjectID: h.ProjectID, SpaceID: h.SpaceID,
			Title: h.Title, Snippet: h.Snippet}
	}
	return out, nil
}
