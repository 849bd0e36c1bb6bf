package board

import (
	"fmt"
)

// Check verifies a State's invariants: every listed id is a card, listed
// once, in order, under the list its card belongs in; every card that
// belongs in a list is in it. Tests use it; so can a bug report.
func (s *State) Check() error {
	seen := map[string]string{}
	keys := map[string]bool{}
	for k := range s.base.lists {
		keys[k] = true
	}
	for k := range s.lists {
		keys[k] = true
	}
	for key := range keys {
		l := s.list(key)
		for i, id := range l {
			c, ok := s.Card(id)
			if !ok {
				return fmt.Errorf("list %s holds %s, which is not a card", key, id)
			}
			if prev, dup := seen[id]; dup {
				return fmt.Errorf("card %s is in lists %s and %s", id, prev, key)
			}
			seen[id] = key
			if want, ok := s.listOf(c); !ok || want != key {
				return fmt.Errorf("card %s is in list %s, belongs in %q: %+v (list %v)", id, key, want, *c, l)
			}
			if i > 0 {
				p, _ := s.Card(l[i-1])
				if !cardLess(p, c) {
					return fmt.Errorf("list %s is out of order at %d: %s (%s) before %s (%s)", key, i, p.ID, p.Position, c.ID, c.Position)
				}
			}
		}
	}
	var err error
	s.each(func(c *Card) {
		if key, ok := s.listOf(c); ok && seen[c.ID] != key && err == nil {
			err = fmt.Errorf("card %s belongs in %s but is not listed", c.ID, key)
		}
	})
	return err
}
