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

// Undo undoes the person's last change, as a new change, and says which
// (`Undid delete "Fix login"`). When the last change can't be undone (a
// comment; a delete on a server that can't bring cards back) the error
// says so and nothing changes; that change is then forgotten, so the next
// Undo is of the one before, and says so in turn. Undo never undoes an
// older change in place of the last one.
func (e *Engine) Undo() ([]Cmd, string, error) {
	if len(e.history) == 0 {
		return nil, "", errors.New("Nothing to undo")
	}
	u := e.history[len(e.history)-1]
	e.history = e.history[:len(e.history)-1]
	label := undoLabel(u.before, u.m)
	title := "a card"
	if u.before != nil && u.before.Title != "" {
		title = quoteTitle(u.before.Title)
	}
	var inv Mutation
	switch u.m.Kind {
	case KindDelete:
		if why := e.cantRestore(); why != "" {
			return nil, "", fmt.Errorf("Can't undo the delete of %s: %s", title, why)
		}
		inv = Undelete(u.tree, u.m, e.opts.Now())
	case KindComment:
		return nil, "", fmt.Errorf("Can't undo the comment on %s: a comment can't be taken back", title)
	default:
		var ok bool
		if inv, ok = Invert(u.before, u.m, e.opts.Now()); !ok {
			return nil, "", fmt.Errorf("Can't undo %s", label)
		}
	}
	cmds, err := e.do(inv, false)
	if err != nil {
		return nil, "", fmt.Errorf("Can't undo %s: %w", label, err)
	}
	return cmds, "Undid " + label, nil
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
