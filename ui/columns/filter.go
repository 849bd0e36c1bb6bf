package columns

import (
	"strings"

	"github.com/lanesboard/lanes/board"
	"github.com/lanesboard/lanes/internal/safe"
)

// parseFilter reads the filter line: @name, #label, !priority,
// due:overdue, words.
func (m *Model) parseFilter(text string) board.Filter {
	var f board.Filter
	var words []string
	for _, w := range strings.Fields(text) {
		switch {
		case strings.HasPrefix(w, "@") && len(w) > 1:
			f.Assignee = m.userID(w[1:])
		case strings.HasPrefix(w, "#") && len(w) > 1:
			f.Label = m.labelID(w[1:])
		case strings.HasPrefix(w, "!") && len(w) > 1:
			f.Priority = board.Priority(strings.ToLower(w[1:]))
		case strings.EqualFold(w, "due:overdue"):
			f.Overdue = true
		default:
			words = append(words, w)
		}
	}
	f.Text = strings.Join(words, " ")
	return f
}

// userID finds a user by name as shown (or a prefix of it), among the
// space's members and then Config.Names; unknown names match no one.
func (m *Model) userID(name string) string {
	type person struct{ id, name string }
	var people []person
	for _, mb := range m.ctx.Engine.Members() {
		people = append(people, person{mb.UserID, safe.Line(mb.Name)})
	}
	for id, n := range m.ctx.Names {
		people = append(people, person{id, safe.Line(n)})
	}
	for _, p := range people {
		if strings.EqualFold(p.name, name) {
			return p.id
		}
	}
	for _, p := range people {
		if strings.HasPrefix(strings.ToLower(p.name), strings.ToLower(name)) {
			return p.id
		}
	}
	return "unknown:" + name
}

// labelID finds a label by name (or a prefix of it); unknown names match
// no card.
func (m *Model) labelID(name string) string {
	ls := m.ctx.Engine.State().Labels()
	for _, l := range ls {
		if strings.EqualFold(safe.Line(l.Name), name) {
			return l.ID
		}
	}
	for _, l := range ls {
		if strings.HasPrefix(strings.ToLower(safe.Line(l.Name)), strings.ToLower(name)) {
			return l.ID
		}
	}
	return "unknown:" + name
}
