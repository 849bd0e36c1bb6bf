package transfer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// csvHeader is the header row export writes, one row per card and
// subtask; parent is the title of a subtask's card.
var csvHeader = []string{"title", "column", "priority", "due", "labels", "assignees", "description", "completed", "archived", "parent"}

// WriteCSV writes b as CSV: a header row, then a row for every card and
// subtask, each subtask after its card. Labels and assignees are joined
// with ", ". Every cell a spreadsheet would take for a formula (one
// starting with = + - @, a tab or a carriage return) starts with ' instead.
func WriteCSV(w io.Writer, b *Board) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return fmt.Errorf("write the CSV: %w", err)
	}
	var err error
	walk(b.Cards, func(c *Card, parent *Card, _ int) {
		if err != nil {
			return
		}
		completed, parentTitle := "", ""
		if c.Completed != nil {
			completed = c.Completed.UTC().Format(time.RFC3339)
		}
		if parent != nil {
			parentTitle = parent.Title
		}
		row := []string{c.Title, c.Column, c.Priority, csvDate(c.Due), strings.Join(c.Labels, ", "),
			strings.Join(c.Assignees, ", "), c.Description, completed, strconv.FormatBool(c.Archived), parentTitle}
		for i := range row {
			row[i] = guardCell(row[i])
		}
		err = cw.Write(row)
	})
	if err != nil {
		return fmt.Errorf("write the CSV: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write the CSV: %w", err)
	}
	return nil
}

// csvDate is a due date as a date alone when it is midnight UTC (as a
// date set without a time is), else as an RFC 3339 time.
func csvDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	u := t.UTC()
	if u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.Format(time.DateOnly)
	}
	return u.Format(time.RFC3339)
}

// formulaStart says a spreadsheet would read a cell starting with c as a
// formula (or, with a tab or carriage return, as something it strips and
// then reads as one).
func formulaStart(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// guardCell keeps a spreadsheet from running a cell as a formula: such a
// cell gets a leading '.
func guardCell(s string) string {
	if s != "" && formulaStart(s[0]) {
		return "'" + s
	}
	return s
}

// unguardCell undoes guardCell, so an export read back is what it was.
func unguardCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && formulaStart(s[1]) {
		return s[1:]
	}
	return s
}

// csvAliases are other names a header may give a column import reads.
var csvAliases = map[string]string{"status": "column", "list": "column", "due date": "due", "label": "labels", "assignee": "assignees"}

// doneNames are column names that mean a done column in a CSV file, which
// can't say so otherwise.
var doneNames = map[string]bool{"done": true, "complete": true, "completed": true, "finished": true, "closed": true, "resolved": true}

// readCSV reads CSV with a header row. The headers (any case) import
// reads are title (required), column, priority, due, labels, description,
// and what export writes besides: assignees, completed, archived and
// parent; others are ignored. Errors name the line and the column.
func readCSV(data []byte) (*Board, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, csvError(err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if a, ok := csvAliases[h]; ok {
			h = a
		}
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	if _, ok := col["title"]; !ok {
		return nil, fmt.Errorf("line 1: the header row has no title column (it has: %s)", clip(strings.Join(header, ", ")))
	}
	b := &Board{Lanes: FormatVersion}
	columns := map[string]bool{}
	labels := map[string]bool{}
	var (
		cards   []*Card
		parents []int // index in cards of each card's parent, -1 for none
		byTitle = map[string]int{}
	)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		cell := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return unguardCell(rec[i])
		}
		if len(cards) >= MaxCards {
			return nil, fmt.Errorf("line %d: more than %d cards", line, MaxCards)
		}
		c := &Card{src: fmt.Sprintf("line %d", line), Title: cell("title"), Column: strings.TrimSpace(cell("column")),
			Priority: cell("priority"), Description: cell("description")}
		if c.Column != "" && !columns[strings.ToLower(c.Column)] {
			columns[strings.ToLower(c.Column)] = true
			b.Columns = append(b.Columns, Column{Name: c.Column, IsDone: doneNames[strings.ToLower(c.Column)]})
		}
		if c.Due, err = csvTime(cell("due")); err != nil {
			return nil, fmt.Errorf("line %d, due: %w", line, err)
		}
		if c.Completed, c.complete, err = csvCompleted(cell("completed")); err != nil {
			return nil, fmt.Errorf("line %d, completed: %w", line, err)
		}
		if c.Archived, err = csvBool(cell("archived")); err != nil {
			return nil, fmt.Errorf("line %d, archived: %w", line, err)
		}
		for _, l := range splitList(cell("labels")) {
			if !labels[strings.ToLower(l)] {
				if len(b.Labels) >= MaxLabels {
					return nil, fmt.Errorf("line %d, labels: more than %d labels in all", line, MaxLabels)
				}
				labels[strings.ToLower(l)] = true
				b.Labels = append(b.Labels, Label{Name: l})
			}
			c.Labels = append(c.Labels, l)
		}
		c.Assignees = splitList(cell("assignees"))
		parent := -1
		if p := strings.TrimSpace(cell("parent")); p != "" {
			i, ok := byTitle[p]
			if !ok {
				return nil, fmt.Errorf("line %d, parent: no card titled %q above this line", line, clip(p))
			}
			parent = i
		}
		if t := strings.TrimSpace(c.Title); t != "" {
			if _, seen := byTitle[t]; !seen {
				byTitle[t] = len(cards)
			}
		}
		cards = append(cards, c)
		parents = append(parents, parent)
	}
	// Put the cards together, subtasks under their cards, in file order.
	children := make([][]int, len(cards))
	var top []int
	for i, p := range parents {
		if p < 0 {
			top = append(top, i)
		} else {
			children[p] = append(children[p], i)
		}
	}
	var build func(ids []int, depth int) ([]Card, error)
	build = func(ids []int, depth int) ([]Card, error) {
		if len(ids) == 0 {
			return nil, nil
		}
		if depth > MaxDepth {
			return nil, fmt.Errorf("%s, parent: subtasks nest deeper than %d levels", cards[ids[0]].src, MaxDepth)
		}
		out := make([]Card, len(ids))
		for j, i := range ids {
			subs, err := build(children[i], depth+1)
			if err != nil {
				return nil, err
			}
			cards[i].Subtasks = subs
			out[j] = *cards[i]
		}
		return out, nil
	}
	if b.Cards, err = build(top, 0); err != nil {
		return nil, err
	}
	return b, nil
}

// csvError names the line of a CSV syntax error.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %w", pe.Line, pe.Column, pe.Err)
	}
	if errors.Is(err, io.EOF) {
		return errors.New("the file has no header row")
	}
	return err
}

// splitList splits a cell of names joined with commas.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

var csvTimeLayouts = []string{time.RFC3339Nano, time.DateOnly, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"}

// csvTime reads a date or a date and time ("" is none); one without a
// zone is UTC.
func csvTime(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	for _, layout := range csvTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return &t, nil
		}
	}
	return nil, fmt.Errorf("%q is not a date like 2026-12-01 or 2026-12-01T09:00:00Z", clip(s))
}

// csvCompleted reads a completed cell: empty or a no, a yes (completed,
// time unknown), or the time it was completed.
func csvCompleted(s string) (at *time.Time, yes bool, err error) {
	if b, err := csvBool(s); err == nil {
		return nil, b, nil
	}
	at, err = csvTime(s)
	if err != nil {
		return nil, false, fmt.Errorf("%q is neither yes/no nor a time", clip(s))
	}
	return at, false, nil
}

// csvBool reads yes/no, true/false, y/n, x, 1/0; "" is no.
func csvBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "no", "n", "0":
		return false, nil
	case "true", "yes", "y", "x", "1":
		return true, nil
	}
	return false, fmt.Errorf("%q is not yes or no", clip(s))
}
