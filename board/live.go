package board

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/lanesboard/lanes/api"
)

// Follower is a Remote that can stream its space's changes as they happen.
type Follower interface {
	// Follow calls fn for each change in the space after the position
	// (0: from now) until ctx ends or the feed fails.
	Follow(ctx context.Context, spaceID string, after int64, fn func(api.Event)) error
}

// readyFollower is a Follower that also says, each time its feed
// connects, the position it follows from (see api.Client.FollowReady).
type readyFollower interface {
	FollowReady(ctx context.Context, spaceID string, after int64, ready func(seq int64), fn func(api.Event)) error
}

// PollEvery is how often a board without a live feed (a seed-only server)
// fetches the board again.
const PollEvery = 5 * time.Second

// LiveMsg carries what the live feed brought: changes, an error, or (with
// no feed) that it is time to poll.
type LiveMsg struct {
	e      *Engine
	events []api.Event
	err    error
	poll   bool
	soon   bool // the fetch owed after lanes' own changes (pollSoon)
}

// live is the engine's end of the feed: a goroutine of its own pushes
// events into ch and its end into done; Update reads them through Live's
// Cmds, so the engine's state is still only touched by Update.
type live struct {
	started bool
	polling bool // no feed: poll instead
	soon    bool // a fetch after lanes' own changes is on its timer
	asked   bool // Live was called: the board is kept live
	ch      chan api.Event
	done    chan error
	cancel  context.CancelFunc
	// from is the position the feed follows from (-1: not yet known):
	// once the board is complete up to it, every event the feed brings
	// keeps the board complete up to the event's position.
	from int64
	// readyAt is e.fetches when the feed said where it starts; gaveUp:
	// a fetch set out after that still ended before it, so the engine no
	// longer tries to join the board up with this feed.
	readyAt int64
	gaveUp  bool
}

// Live is the Cmd that waits for the next changes made elsewhere (or, with
// no feed, for the next poll). Each LiveMsg handed to Update returns the
// next Live, so the board stays live for as long as it is open.
func (e *Engine) Live() Cmd {
	e.live.asked = true
	if e.polls() {
		ctx, every := e.ctx, e.pollEvery()
		return func() any {
			t := time.NewTimer(every)
			defer t.Stop()
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			return LiveMsg{e: e, poll: true}
		}
	}
	f := e.opts.Remote.(Follower)
	if !e.live.started {
		ctx, cancel := context.WithCancel(e.ctx)
		e.live = live{started: true, ch: make(chan api.Event, 256), done: make(chan error, 1), cancel: cancel, from: -1}
		ch, done, space := e.live.ch, e.live.done, e.opts.SpaceID
		push := func(ev api.Event) {
			select {
			case ch <- ev:
			case <-ctx.Done():
			}
		}
		go func() {
			if rf, ok := f.(readyFollower); ok {
				done <- rf.FollowReady(ctx, space, 0, func(seq int64) { push(api.Event{Kind: api.EventReady, Seq: seq}) }, push)
				return
			}
			done <- f.Follow(ctx, space, 0, push)
		}()
	}
	ch, done, ctx := e.live.ch, e.live.done, e.ctx
	return func() any {
		select {
		case ev := <-ch:
			evs := []api.Event{ev}
			for len(evs) < 256 { // take what else has arrived, in one go
				select {
				case ev := <-ch:
					evs = append(evs, ev)
					continue
				default:
				}
				break
			}
			return LiveMsg{e: e, events: evs}
		case err := <-done:
			return LiveMsg{e: e, err: err}
		case <-ctx.Done():
			return LiveMsg{e: e, err: ctx.Err()}
		}
	}
}

// polls says the board has no live feed to follow, so it is fetched
// again every so often instead.
func (e *Engine) polls() bool {
	_, ok := e.opts.Remote.(Follower)
	return !ok || e.opts.SpaceID == "" || e.live.polling
}

// pollEvery is how often a board without a feed is fetched again.
func (e *Engine) pollEvery() time.Duration {
	if p, ok := e.opts.Remote.(Poller); ok && p.PollInterval() > 0 {
		return p.PollInterval()
	}
	return PollEvery
}

// SyncSoon is how long after its own changes reach the server a board
// without a feed fetches itself again, to see what the server made of
// them (a Done column completing a card, say) and what others did
// meanwhile, without waiting for the next poll. Changes made in a burst
// get one fetch.
const SyncSoon = time.Second

// pollSoon is the fetch owed once the outbox has drained, on a board
// without a feed; nil when one is already on its timer, or changes are
// still waiting.
func (e *Engine) pollSoon() Cmd {
	if !e.live.asked || !e.polls() || e.live.soon || len(e.pending) > 0 {
		return nil
	}
	e.live.soon = true
	ctx := e.ctx
	return func() any {
		t := time.NewTimer(SyncSoon)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		return LiveMsg{e: e, soon: true}
	}
}

// stopLive ends the feed's goroutine.
func (e *Engine) stopLive() {
	if e.live.cancel != nil {
		e.live.cancel()
	}
}

// onLive takes changes made elsewhere into the confirmed board, like a
// fetch of just those cards.
func (e *Engine) onLive(msg LiveMsg) []Cmd {
	if e.loading != nil {
		// Taken in once the board is whole; the feed is read on meanwhile.
		e.loading.live = append(e.loading.live, msg)
		if msg.events != nil {
			return []Cmd{e.Live()}
		}
		return nil
	}
	switch {
	case msg.soon:
		e.live.soon = false
		if c := e.Refresh(); c != nil {
			return []Cmd{c}
		}
		return nil
	case msg.poll:
		var cmds []Cmd
		if c := e.Refresh(); c != nil {
			cmds = append(cmds, c)
		}
		return append(cmds, e.Live())
	case msg.err != nil:
		if errors.Is(msg.err, context.Canceled) || e.ctx.Err() != nil {
			return nil // closing
		}
		e.live.started = false
		if errors.Is(msg.err, api.ErrResyncRequired) {
			// Missed too much: reload, then follow from now.
			var cmds []Cmd
			if c := e.Refresh(); c != nil {
				cmds = append(cmds, c)
			}
			return append(cmds, e.Live())
		}
		if !errors.Is(msg.err, api.ErrNotSupported) {
			e.notify("Live updates stopped (%v); the board will refresh every %s instead", msg.err, e.pollEvery())
		}
		e.live.polling = true
		return []Cmd{e.Live()}
	}
	return append(e.takeEvents(msg.events), e.Live())
}

// takeEvents takes changes made elsewhere into the confirmed board.
func (e *Engine) takeEvents(events []api.Event) []Cmd {
	c := e.confirmed.clone()
	var cmds []Cmd
	members, reshaped, changed := false, false, false
	for _, ev := range events {
		if ev.Kind == api.EventReady {
			if e.live.from < 0 {
				e.live.from, e.live.readyAt = ev.Seq, e.fetches
			}
			continue
		}
		changed = true
		prev := e.seq
		if e.joined() {
			// The feed holds every change after the position the board
			// is complete up to: with this one, it is complete up to here.
			e.seq = max(e.seq, ev.Seq)
		}
		// An event the board can't read is a change it missed: it is not
		// complete up to here, and the feed no longer keeps its position
		// (closeGap fetches what changed).
		unread := func() {
			e.seq, e.live.from = prev, math.MaxInt64
		}
		switch ev.Kind {
		case "member.added", "member.updated", "member.removed":
			if !members { // once for the batch
				members = true
				cmds = append(cmds, e.LoadMembers())
			}
		case "status.created", "status.updated", "status.deleted", "label.created", "label.updated", "label.deleted":
			// Columns and labels are few: the board is fetched again,
			// once for the batch, rather than patched from the event.
			var d struct{ ProjectID string }
			if json.Unmarshal(ev.Data, &d) != nil {
				unread()
				continue
			}
			if d.ProjectID != e.opts.ProjectID || reshaped {
				continue
			}
			reshaped = true
			if r := e.Refresh(); r != nil {
				cmds = append(cmds, r)
			}
		case "task.created", "task.updated", "task.restored":
			var t api.Task
			if json.Unmarshal(ev.Data, &t) != nil {
				unread()
				continue
			}
			if t.ProjectID != e.opts.ProjectID {
				continue
			}
			card := CardFromTask(&t)
			c.putNewer(card)
			e.confirms++
			e.touched[card.ID] = touch{at: e.confirms}
		case "task.deleted":
			var d struct{ ID, ProjectID string }
			if json.Unmarshal(ev.Data, &d) != nil {
				unread()
				continue
			}
			if d.ProjectID != e.opts.ProjectID {
				continue
			}
			c.remove(d.ID)
			e.confirms++
			e.touched[d.ID] = touch{at: e.confirms, deleted: true}
		}
	}
	if gap := e.closeGap(0); gap != nil {
		cmds = append(cmds, gap)
	}
	if !changed {
		return cmds // only where the feed starts
	}
	e.confirmed = c.flatten()
	e.reapply()
	if cache := e.maybeCache(); cache != nil {
		cmds = append(cmds, cache)
	}
	return append(cmds, e.pump()...)
}

// joined says the live feed follows from a position the board is
// complete up to, so the board stays complete up to each event it brings.
func (e *Engine) joined() bool {
	return e.seq > 0 && e.live.from >= 0 && e.live.from <= e.seq
}

// closeGap is the fetch that joins the board up with its live feed, when
// the feed follows from a later position than the board is complete up
// to (it started from the head, after the board was read): what changed
// in between, and since. landed is the fetch that just came back (0:
// none). A fetch already on its way is waited for; one set out after the
// feed said where it starts that still ends before it means the server
// can't join them, and the engine stops trying for this feed.
func (e *Engine) closeGap(landed int64) Cmd {
	if e.seq <= 0 || e.live.from < 0 || e.live.from <= e.seq || e.live.gaveUp || e.fetching {
		return nil
	}
	if landed > e.live.readyAt {
		e.live.gaveUp = true
		return nil
	}
	return e.Refresh()
}
