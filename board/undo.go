package board

import (
	"errors"
	"fmt"
)

// Restorer is a Remote whose server may keep deleted cards and bring them
// back (a Request with OpRestore). Undo asks it before it undoes a delete,
// so a delete the server can't bring back is refused at the keystroke
// rather than shown undone and then snapped back.
type Restorer interface {
	// CanRestore says whether the server restores deleted cards; known is
	// false until lanes has heard from the server what it speaks.
	CanRestore() (can, known bool)
}

// maxHistory is how many changes Undo can take back, and Redo make again.
const maxHistory = 200

// redoState is what Redo can make again: the changes Undo took back,
// latest last. mark is the engine's nextSeq after the last undo or redo;
// only a change moves it on, so a change made since (one the person made,
// not an undo or a redo) leaves nothing to redo.
type redoState struct {
	steps []redoStep
	mark  int64
}

// redoStep is one change Undo took back: the undo as it was made (the
// card before it, its mutation, and for a delete what it took away), and
// the change it took back in words.
type redoStep struct {
	undone undo
	label  string
}

// Undo undoes the person's last change, as a new change, and says which
// (`Undid delete "Fix login"`). When the last change can't be undone (a
// comment; a delete on a server that can't bring cards back) the error
// says so and nothing changes; that change is then forgotten, so the next
// Undo is of the one before, and says so in turn. Undo never undoes an
// older change in place of the last one. What Undo took back, Redo makes
// again.
func (e *Engine) Undo() ([]Cmd, string, error) {
	e.forgetStaleRedo()
	if len(e.history) == 0 {
		return nil, "", errors.New("Nothing to undo")
	}
	u := e.history[len(e.history)-1]
	e.history = e.history[:len(e.history)-1]
	label := stepLabel(u)
	title := "a card"
	if u.before != nil && u.before.Title != "" {
		title = quoteTitle(u.before.Title)
	}
	inv, why := e.inverse(u)
	if why != "" {
		switch u.m.Kind {
		case KindDelete:
			return nil, "", fmt.Errorf("Can't undo the delete of %s: %s", title, why)
		case KindComment:
			return nil, "", fmt.Errorf("Can't undo the comment on %s: %s", title, why)
		}
		return nil, "", fmt.Errorf("Can't undo %s: %s", label, why)
	}
	step, cmds, err := e.apply(inv)
	if err != nil {
		return nil, "", fmt.Errorf("Can't undo %s: %w", label, err)
	}
	e.redo.steps = keepLast(append(e.redo.steps, redoStep{step, label}))
	e.redo.mark = e.nextSeq
	return cmds, "Undid " + label, nil
}

// Redo makes again the change the last Undo took back, as a new change,
// and says which (`Redid move "Fix login"`); it can itself be undone. Each
// Redo goes one undo further back, until a change the person makes (not
// an undo or a redo) leaves nothing to redo. When the change can't be made
// again (a create undone, on a server that can't bring cards back) the
// error says so and nothing changes; that change is then forgotten.
func (e *Engine) Redo() ([]Cmd, string, error) {
	e.forgetStaleRedo()
	if len(e.redo.steps) == 0 {
		return nil, "", errors.New("Nothing to redo")
	}
	r := e.redo.steps[len(e.redo.steps)-1]
	e.redo.steps = e.redo.steps[:len(e.redo.steps)-1]
	e.resolveStep(&r.undone)
	again, why := e.inverse(r.undone)
	if why != "" {
		return nil, "", fmt.Errorf("Can't redo %s: %s", r.label, why)
	}
	step, cmds, err := e.apply(again)
	if err != nil {
		return nil, "", fmt.Errorf("Can't redo %s: %w", r.label, err)
	}
	e.history = keepLast(append(e.history, step))
	e.redo.mark = e.nextSeq
	return cmds, "Redid " + r.label, nil
}

// forgetStaleRedo empties the redo list once a change has been made since
// the last undo or redo.
func (e *Engine) forgetStaleRedo() {
	if e.nextSeq != e.redo.mark {
		e.redo.steps = nil
	}
}

// keepLast is s without its oldest entries past maxHistory.
func keepLast[T any](s []T) []T {
	if n := len(s) - maxHistory; n > 0 {
		return append(s[:0:0], s[n:]...)
	}
	return s
}

// inverse is the change that takes u back, or why there is none: a
// delete comes back (if the server can restore it), a card brought back
// is deleted again, a comment can't be taken back, and the rest is undone
// by a change of the card (see Invert).
func (e *Engine) inverse(u undo) (Mutation, string) {
	now := e.opts.Now()
	switch u.m.Kind {
	case KindDelete:
		if why := e.cantRestore(); why != "" {
			return Mutation{}, why
		}
		return Undelete(u.tree, u.m, now), ""
	case KindUndelete:
		return Mutation{ID: NewID(), Kind: KindDelete, TaskID: u.m.TaskID, ProjectID: u.m.ProjectID, At: now}, ""
	case KindComment:
		return Mutation{}, "a comment can't be taken back"
	case KindColumnAdd, KindColumnEdit, KindColumnDelete, KindLabelAdd:
		return invertShape(u, now)
	}
	inv, ok := Invert(u.before, u.m, now)
	if !ok {
		return Mutation{}, "lanes can't take back a change of this kind"
	}
	return inv, ""
}

// apply makes m, an undo or a redo, without remembering it as the
// person's change, and returns it as history holds a change: the card as
// it was before, and for a delete the card and subtasks it takes away.
func (e *Engine) apply(m Mutation) (undo, []Cmd, error) {
	m.TaskID = e.Resolve(m.TaskID)
	var step undo
	if before, ok := e.view.Card(m.TaskID); ok {
		step.before = before.clone()
	}
	if m.Kind == KindDelete {
		step.tree = e.view.tree(m.TaskID)
	}
	step.col = e.view.placed(m)
	cmds, err := e.do(m, false)
	if err != nil {
		return undo{}, nil, err
	}
	step.m = m
	return step, cmds, nil
}

// resolveStep gives every card id in u that was temporary when it was
// made the server's id, if known by now: the redo list is not renamed as
// history is when a create is answered.
func (e *Engine) resolveStep(u *undo) {
	ids := []string{u.m.TaskID, u.m.ParentID}
	if u.before != nil {
		ids = append(ids, u.before.ID, u.before.ParentID)
	}
	for _, c := range u.tree {
		ids = append(ids, c.ID, c.ParentID)
	}
	for _, c := range u.m.Cards {
		ids = append(ids, c.ID, c.ParentID)
	}
	for _, id := range ids {
		if real := e.Resolve(id); real != id {
			u.m.Rewrite(id, real)
			if u.before != nil {
				u.before.rename(id, real)
			}
			for i := range u.tree {
				u.tree[i].rename(id, real)
			}
		}
	}
}

// stepLabel is the change u in words, for "Undid …", "Redid …" and
// "Can't undo …": a card brought back by a redo is the create it redid.
func stepLabel(u undo) string {
	if u.m.Kind == KindUndelete && u.before == nil && len(u.m.Cards) > 0 {
		return "create " + quoteTitle(u.m.Cards[0].Title)
	}
	if u.col != nil {
		return u.m.Describe(u.col.Name)
	}
	return undoLabel(u.before, u.m)
}

// CanRestore reports whether a delete can be undone here, as far as lanes
// knows yet.
func (e *Engine) CanRestore() bool { return e.cantRestore() == "" }

// cantRestore is why a deleted card can't be brought back, or "".
func (e *Engine) cantRestore() string {
	r, ok := e.opts.Remote.(Restorer)
	if !ok {
		return "this server can't restore deleted cards"
	}
	switch can, known := r.CanRestore(); {
	case !known:
		return "lanes has not yet reached the server to learn whether it can restore deleted cards"
	case !can:
		return "this server can't restore deleted cards"
	}
	return ""
}

// tree is a card and every subtask under it (archived ones too, which are
// in no list), parents before their children: what a delete takes away.
func (s *State) tree(id string) []Card {
	root, ok := s.Card(id)
	if !ok {
		return nil
	}
	children := map[string][]*Card{}
	s.each(func(c *Card) {
		if c.ParentID != "" {
			children[c.ParentID] = append(children[c.ParentID], c)
		}
	})
	out := []Card{*root.clone()}
	seen := map[string]bool{id: true} // a server's parents could loop
	for i := 0; i < len(out); i++ {
		for _, c := range children[out[i].ID] {
			if !seen[c.ID] {
				seen[c.ID] = true
				out = append(out, *c.clone())
			}
		}
	}
	return out
}
