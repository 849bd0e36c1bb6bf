// Package transfer moves a whole project in and out of lanes: it reads a
// project off any lanes server into a Board, writes a Board as lanes JSON
// (the versioned format import reads back), CSV or Markdown, reads a Board
// from lanes JSON, a Trello board export or CSV, and imports a Board into a
// new project through the API, resumably. It knows nothing of the command
// line; the export and import commands wire it up.
package transfer

import "time"

// FormatVersion is the version of the lanes JSON format this package
// writes and the newest it reads (the "lanes" field of the file).
const FormatVersion = 1

// Board is a whole project, the same whichever format it came from or
// goes to. It is also, as it is, the lanes JSON format: see README.md.
type Board struct {
	// Lanes is the format version (FormatVersion).
	Lanes      int        `json:"lanes"`
	ExportedAt *time.Time `json:"exportedAt,omitempty"`
	Project    Project    `json:"project"`
	// Columns in board order, left to right.
	Columns []Column `json:"columns"`
	Labels  []Label  `json:"labels"`
	// Cards are the top-level cards, each column's in board order (the
	// order within a column is kept; columns may interleave).
	Cards []Card `json:"cards"`
}

// Project is the project's own settings.
type Project struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
	Color       *string `json:"color,omitempty"`
}

// Column is a status column and its settings.
type Column struct {
	Name     string  `json:"name"`
	IsDone   bool    `json:"isDone"`
	WipLimit *int    `json:"wipLimit"`
	Color    *string `json:"color"`
}

// Label is one of the project's labels.
type Label struct {
	Name  string  `json:"name"`
	Color *string `json:"color"`
}

// Card is a card, or a subtask of one, with everything on it. People are
// named by user name; columns and labels by name.
type Card struct {
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Column      string     `json:"column"`
	Priority    string     `json:"priority"`
	Due         *time.Time `json:"due"`
	Completed   *time.Time `json:"completed"`
	Archived    bool       `json:"archived"`
	Estimate    *float64   `json:"estimate"`
	Labels      []string   `json:"labels"`
	Assignees   []string   `json:"assignees"`
	Creator     string     `json:"creator,omitempty"`
	CreatedAt   *time.Time `json:"createdAt,omitempty"`
	Comments    []Comment  `json:"comments"`
	// Subtasks in their order.
	Subtasks []Card `json:"subtasks"`

	src      string // where the card is in the file read, for errors (a CSV line); "" for its JSON path
	complete bool   // completed, when is not known (a CSV "yes")
}

// Comment is a note on a card.
type Comment struct {
	Author string    `json:"author"`
	Time   time.Time `json:"time"`
	Text   string    `json:"text"`
}

// The priorities a card may have, lowest first.
var priorities = []string{"none", "low", "medium", "high", "urgent"}

// walk calls fn for every card and subtask at any depth, parents first,
// in order, with the card's depth (0 for top-level cards) and its parent
// (nil for top-level cards).
func walk(cards []Card, fn func(c *Card, parent *Card, depth int)) {
	var rec func(cs []Card, parent *Card, depth int)
	rec = func(cs []Card, parent *Card, depth int) {
		for i := range cs {
			fn(&cs[i], parent, depth)
			rec(cs[i].Subtasks, &cs[i], depth+1)
		}
	}
	rec(cards, nil, 0)
}

// Counts is how many of each thing a board holds.
type Counts struct {
	Columns, Labels, Cards, Subtasks, Comments, Assignments int
}

// Count counts the board's objects.
func (b *Board) Count() Counts {
	n := Counts{Columns: len(b.Columns), Labels: len(b.Labels)}
	walk(b.Cards, func(c *Card, _ *Card, depth int) {
		if depth == 0 {
			n.Cards++
		} else {
			n.Subtasks++
		}
		n.Comments += len(c.Comments)
		n.Assignments += len(c.Assignees)
	})
	return n
}
