package transfer

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lanesboard/lanes/board"
)

// The bounds of what import reads: a file bigger, or holding more, is
// refused before anything is written to the server.
const (
	// MaxFileSize is the largest file import reads.
	MaxFileSize = 64 << 20
	// MaxColumns is the most columns a board may have (the server's limit).
	MaxColumns = board.MaxColumns
	// MaxLabels is the most labels (the server's own limit per project).
	MaxLabels = board.MaxLabels
	// MaxCards is the most cards and subtasks together.
	MaxCards = 100_000
	// MaxComments is the most comments, on all cards together.
	MaxComments = 200_000
	// MaxDepth is how deep subtasks may nest (a subtask of a subtask …).
	MaxDepth = 8
	// MaxCardLabels is the most labels on one card (the server's limit).
	MaxCardLabels = board.MaxCardLabels
	// MaxAssignees is the most assignees of one card.
	MaxAssignees = 50

	maxTitle       = board.MaxTitle
	maxColumnName  = board.MaxColumnName
	maxLabelName   = board.MaxLabelName
	maxProjectName = 200
	maxName        = 100
	maxDescription = 100_000
	maxComment     = board.MaxComment
	maxWipLimit    = board.MaxWipLimit
	maxEstimate    = 100_000
)

// Note says something import changed about a board to make it fit lanes:
// shown in the summary, so nothing changes silently.
type Note string

// check makes b fit for import and says what is wrong with it, naming the
// field: one-line texts are trimmed with tabs made spaces, multi-line ones
// get Unix line ends, priorities lower case, names of columns and labels
// on cards the board's own spelling. A board without a done column gets
// one ("Done", at the end), since every lanes project has one; a completed
// card outside a done column moves to the first done column, as
// completing a card does in lanes.
func (b *Board) check() ([]Note, error) {
	var notes []Note
	name, err := oneLine(b.Project.Name, maxProjectName, true)
	if err != nil {
		return nil, fmt.Errorf("project.name: %w", err)
	}
	b.Project.Name = name
	if d := b.Project.Description; d != nil {
		v, err := multiLine(*d, maxDescription)
		if err != nil {
			return nil, fmt.Errorf("project.description: %w", err)
		}
		b.Project.Description = &v
	}
	if b.Project.Color, err = checkColor(b.Project.Color); err != nil {
		return nil, fmt.Errorf("project.color: %w", err)
	}
	cols, err := b.checkColumns()
	if err != nil {
		return nil, err
	}
	if !hasDone(b.Columns) {
		name := "Done"
		for i := 2; cols[strings.ToLower(name)] != nil; i++ {
			name = fmt.Sprintf("Done %d", i)
		}
		b.Columns = append(b.Columns, Column{Name: name, IsDone: true})
		cols[strings.ToLower(name)] = &b.Columns[len(b.Columns)-1]
		notes = append(notes, Note(fmt.Sprintf("added a done column %q at the end: a lanes board needs one, and this one had none", name)))
	}
	if len(b.Columns) > MaxColumns {
		return nil, fmt.Errorf("columns: %d columns and none of them done: a lanes board needs a done column and has at most %d columns", MaxColumns, MaxColumns)
	}
	labels, err := b.checkLabels()
	if err != nil {
		return nil, err
	}
	var firstDone *Column
	for i := range b.Columns {
		if b.Columns[i].IsDone {
			firstDone = &b.Columns[i]
			break
		}
	}
	var (
		n, comments, moved int
		cardErr            error
	)
	var rec func(cs []Card, path string, depth int)
	rec = func(cs []Card, path string, depth int) {
		for i := range cs {
			if cardErr != nil {
				return
			}
			c := &cs[i]
			at := fmt.Sprintf("%s[%d]", path, i)
			if depth > MaxDepth {
				cardErr = fmt.Errorf("%s: subtasks nest deeper than %d levels", c.where(at, "subtasks"), MaxDepth)
				return
			}
			if n++; n > MaxCards {
				cardErr = fmt.Errorf("%s: more than %d cards and subtasks", c.where(at, "title"), MaxCards)
				return
			}
			if comments += len(c.Comments); comments > MaxComments {
				cardErr = fmt.Errorf("%s: more than %d comments in all", c.where(at, "comments"), MaxComments)
				return
			}
			wasMoved, err := c.check(at, b.Columns, cols, labels, firstDone)
			if err != nil {
				cardErr = err
				return
			}
			if wasMoved {
				moved++
			}
			rec(c.Subtasks, at+".subtasks", depth+1)
		}
	}
	rec(b.Cards, "cards", 0)
	if cardErr != nil {
		return nil, cardErr
	}
	if moved > 0 {
		notes = append(notes, Note(fmt.Sprintf("%d completed card(s) moved to the done column %q: in lanes a card is complete when it is in a done column", moved, firstDone.Name)))
	}
	return notes, nil
}

func hasDone(cols []Column) bool {
	for _, c := range cols {
		if c.IsDone {
			return true
		}
	}
	return false
}

// checkColumns checks the columns and returns them by lower-case name.
func (b *Board) checkColumns() (map[string]*Column, error) {
	if len(b.Columns) > MaxColumns {
		return nil, fmt.Errorf("columns: %d columns, at most %d", len(b.Columns), MaxColumns)
	}
	byName := map[string]*Column{}
	for i := range b.Columns {
		c := &b.Columns[i]
		at := fmt.Sprintf("columns[%d]", i)
		name, err := oneLine(c.Name, maxColumnName, true)
		if err != nil {
			return nil, fmt.Errorf("%s.name: %w", at, err)
		}
		c.Name = name
		key := strings.ToLower(name)
		if byName[key] != nil {
			return nil, fmt.Errorf("%s.name: there is already a column named %q", at, byName[key].Name)
		}
		byName[key] = c
		if c.WipLimit != nil && (*c.WipLimit < 1 || *c.WipLimit > maxWipLimit) {
			return nil, fmt.Errorf("%s.wipLimit: must be 1-%d or null, got %d", at, maxWipLimit, *c.WipLimit)
		}
		if c.Color, err = checkColor(c.Color); err != nil {
			return nil, fmt.Errorf("%s.color: %w", at, err)
		}
	}
	if len(b.Columns) == 0 {
		b.Columns = []Column{{Name: "To Do"}}
		byName["to do"] = &b.Columns[0]
	}
	return byName, nil
}

// checkLabels checks the labels and returns them by lower-case name.
func (b *Board) checkLabels() (map[string]*Label, error) {
	if len(b.Labels) > MaxLabels {
		return nil, fmt.Errorf("labels: %d labels, at most %d", len(b.Labels), MaxLabels)
	}
	byName := map[string]*Label{}
	for i := range b.Labels {
		l := &b.Labels[i]
		at := fmt.Sprintf("labels[%d]", i)
		name, err := oneLine(l.Name, maxLabelName, true)
		if err != nil {
			return nil, fmt.Errorf("%s.name: %w", at, err)
		}
		l.Name = name
		key := strings.ToLower(name)
		if byName[key] != nil {
			return nil, fmt.Errorf("%s.name: there is already a label named %q (label names are unique whatever their case)", at, byName[key].Name)
		}
		byName[key] = l
		if l.Color, err = checkColor(l.Color); err != nil {
			return nil, fmt.Errorf("%s.color: %w", at, err)
		}
	}
	return byName, nil
}

// where names a field of the card for an error: by its place in the
// source file when the reader said (a CSV line), else by its JSON path.
func (c *Card) where(path, field string) string {
	if c.src != "" {
		return c.src + ", " + field
	}
	return path + "." + field
}

// check checks one card (not its subtasks); moved says a completed card
// was moved to the done column.
func (c *Card) check(at string, columns []Column, cols map[string]*Column, labels map[string]*Label, firstDone *Column) (moved bool, err error) {
	if c.Title, err = oneLine(c.Title, maxTitle, true); err != nil {
		return false, fmt.Errorf("%s: %w", c.where(at, "title"), err)
	}
	if c.Description, err = multiLine(c.Description, maxDescription); err != nil {
		return false, fmt.Errorf("%s: %w", c.where(at, "description"), err)
	}
	col := &columns[0]
	if c.Column != "" {
		if col = cols[strings.ToLower(strings.TrimSpace(c.Column))]; col == nil {
			return false, fmt.Errorf("%s: no column named %q", c.where(at, "column"), c.Column)
		}
	}
	c.Column = col.Name
	p := strings.ToLower(strings.TrimSpace(c.Priority))
	if p == "" {
		p = "none"
	}
	if !isPriority(p) {
		return false, fmt.Errorf("%s: must be one of %s, got %q", c.where(at, "priority"), strings.Join(priorities, ", "), c.Priority)
	}
	c.Priority = p
	for _, f := range []struct {
		name string
		t    *time.Time
	}{{"due", c.Due}, {"completed", c.Completed}, {"createdAt", c.CreatedAt}} {
		if f.t != nil && (f.t.UTC().Year() < 1 || f.t.UTC().Year() > 9999) {
			return false, fmt.Errorf("%s: must fall between the years 0001 and 9999, got %s", c.where(at, f.name), f.t)
		}
	}
	if (c.Completed != nil || c.complete) && !col.IsDone {
		c.Column, moved = firstDone.Name, true
	}
	if e := c.Estimate; e != nil && (*e < 0 || *e > maxEstimate || math.IsNaN(*e)) {
		return false, fmt.Errorf("%s: must be 0-%d hours, got %v", c.where(at, "estimate"), maxEstimate, *e)
	}
	seen := map[string]bool{}
	var names []string
	for _, l := range c.Labels {
		lb := labels[strings.ToLower(strings.TrimSpace(l))]
		if lb == nil {
			return false, fmt.Errorf("%s: no label named %q in labels", c.where(at, "labels"), l)
		}
		if !seen[lb.Name] {
			seen[lb.Name] = true
			names = append(names, lb.Name)
		}
	}
	if len(names) > MaxCardLabels {
		return false, fmt.Errorf("%s: %d labels, at most %d on a card", c.where(at, "labels"), len(names), MaxCardLabels)
	}
	c.Labels = names
	seen = map[string]bool{}
	names = nil
	for _, a := range c.Assignees {
		a, err := oneLine(a, maxName, true)
		if err != nil {
			return false, fmt.Errorf("%s: %w", c.where(at, "assignees"), err)
		}
		if !seen[a] {
			seen[a] = true
			names = append(names, a)
		}
	}
	if len(names) > MaxAssignees {
		return false, fmt.Errorf("%s: %d assignees, at most %d", c.where(at, "assignees"), len(names), MaxAssignees)
	}
	c.Assignees = names
	if c.Creator, err = oneLine(c.Creator, maxName, false); err != nil {
		return false, fmt.Errorf("%s: %w", c.where(at, "creator"), err)
	}
	for i := range c.Comments {
		m := &c.Comments[i]
		cat := fmt.Sprintf("%s.comments[%d]", at, i)
		if m.Author, err = oneLine(m.Author, maxName, false); err != nil {
			return false, fmt.Errorf("%s: %w", c.where(cat, "author"), err)
		}
		if m.Text, err = multiLine(m.Text, maxComment); err != nil {
			return false, fmt.Errorf("%s: %w", c.where(cat, "text"), err)
		}
		if strings.TrimSpace(m.Text) == "" {
			return false, fmt.Errorf("%s: a comment can't be empty", c.where(cat, "text"))
		}
	}
	return moved, nil
}

func isPriority(p string) bool {
	for _, q := range priorities {
		if p == q {
			return true
		}
	}
	return false
}

// oneLine is s trimmed, with tabs made spaces, checked to hold no other
// control character and at most max characters, and not to be empty when
// required.
func oneLine(s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\t", " "))
	if err := noControls(s, false); err != nil {
		return "", err
	}
	if required && s == "" {
		return "", fmt.Errorf("can't be empty")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", fmt.Errorf("at most %d characters, got %d", max, n)
	}
	return s, nil
}

// multiLine is s with Windows and old Mac line ends made Unix ones,
// checked to hold no control character but newline and tab, and at most
// max characters.
func multiLine(s string, max int) (string, error) {
	if strings.Contains(s, "\r") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	if err := noControls(s, true); err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", fmt.Errorf("at most %d characters, got %d", max, n)
	}
	return s, nil
}

// noControls refuses what the server refuses: invalid UTF-8, and control
// characters (C0, DEL, C1), newline and tab excepted in multi-line text.
func noControls(s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	at := 0
	for _, r := range s {
		at++
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			return fmt.Errorf("holds a control character (U+%04X at character %d)", r, at)
		}
	}
	return nil
}

// checkColor checks a "#rrggbb" colour (nil or "" is none) and returns it
// lower case.
func checkColor(c *string) (*string, error) {
	if c == nil || strings.TrimSpace(*c) == "" {
		return nil, nil
	}
	v := strings.ToLower(strings.TrimSpace(*c))
	if !board.IsColor(v) {
		return nil, fmt.Errorf("must be a colour like #3b82f6, got %q", clip(*c))
	}
	return &v, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
