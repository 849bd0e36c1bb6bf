package board

import (
	"context"
	"errors"
)

// Batcher is a Remote that can send many requests in one round trip (a
// lanes server's POST /api/batch), so a board coming back online with
// hundreds of changes waiting sends them in a few requests, not hundreds.
// Every request keeps its own idempotency key, and every answer is taken
// in exactly as the same request's answer alone would be.
type Batcher interface {
	// CanBatch says whether the server is known to take batches: once a
	// fetch or a send has asked what it speaks, and until it has said it
	// does not.
	CanBatch() bool
	// SendBatch sends the requests (each for a different card; none a
	// change to a column or a label) and answers each, in order, as Send
	// would have: the server's copy of the card, or why not. It may take
	// several round trips, or fall back to one request each where the
	// server refuses a batch as a whole.
	SendBatch(ctx context.Context, reqs []Request) []Answer
}

// Answer is one request's answer within a batch.
type Answer struct {
	Card *Card
	Err  error
}

// batchMax is the most requests the engine puts in one batch: what a
// lanes server takes in one.
const batchMax = 100

// batchSentMsg is the answers to a batch, one sentMsg per request.
type batchSentMsg struct {
	e    *Engine
	msgs []sentMsg
}

// batches says whether the cards' requests go many to a request.
func (e *Engine) batches() bool {
	b, ok := e.opts.Remote.(Batcher)
	return ok && !e.opts.NoBatch && b.CanBatch()
}

// sendBatch sends the groups (each a different card's) in one batch.
func (e *Engine) sendBatch(groups [][]Mutation) Cmd {
	msgs := make([]sentMsg, len(groups))
	reqs := make([]Request, len(groups))
	for i, g := range groups {
		msgs[i] = e.prepare(g)
		reqs[i] = msgs[i].req
	}
	b, ctx := e.opts.Remote.(Batcher), e.ctx
	e.trace("batched", "requests", len(reqs))
	return func() any {
		answers := b.SendBatch(ctx, reqs)
		for i := range msgs {
			if i >= len(answers) {
				msgs[i].err = &Failure{Class: Transient, Message: "the server did not answer every change of a batch"}
				continue
			}
			msgs[i].card, msgs[i].err = answers[i].Card, answers[i].Err
		}
		return batchSentMsg{e: e, msgs: msgs}
	}
}

// onBatchSent takes in a batch's answers in order, each as onSent takes a
// single one: a confirmation or a refusal settles its changes at once.
// Those that must wait (the network, 5xx, 429, a refused token) stay in
// the log, and the engine pauses once for all of them, as it does for one.
// Nothing is sent, and the view is not recomputed, until every answer is
// in.
func (e *Engine) onBatchSent(msg batchSentMsg) []Cmd {
	var (
		cmds []Cmd
		wait *sentMsg
	)
	e.holding = true
	for i := range msg.msgs {
		m := msg.msgs[i]
		if f := waits(m.err); f != nil {
			delete(e.inflight, m.req.TaskID)
			e.trace("failed", "task", m.req.TaskID, "op", string(m.req.Op), "changes", m.ids, "class", f.Class.String(), "error", f.Message)
			if wait == nil || waitRank(f) > waitRank(waits(wait.err)) {
				wait = &msg.msgs[i]
			}
			continue
		}
		cmds = append(cmds, e.onSent(m)...)
	}
	e.holding = false
	cmds = append(cmds, e.writeHeld()...)
	if e.reapplyOwed {
		e.reapply()
	}
	if wait != nil {
		return append(cmds, e.onSent(*wait)...)
	}
	return append(cmds, e.pump()...)
}

// waits is err's failure if it leaves the change in the log to be sent
// again later, else nil.
func waits(err error) *Failure {
	if err == nil {
		return nil
	}
	var f *Failure
	if !errors.As(err, &f) {
		return &Failure{Class: Transient, Message: err.Error(), Err: err}
	}
	switch f.Class {
	case Transient, RateLimited, Unauthorized:
		return f
	}
	return nil
}

// waitRank orders failures that wait by which decides the pause: a
// refused token over the server's asking to slow down over the rest.
func waitRank(f *Failure) int {
	switch f.Class {
	case Unauthorized:
		return 2
	case RateLimited:
		return 1
	}
	return 0
}
