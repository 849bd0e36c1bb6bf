package taskade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Workspace is a Taskade workspace.
type Workspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Folder is a folder of a workspace.
type Folder struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Project is a Taskade project: on a board, its top-level tasks are the
// columns and their children the cards.
type Project struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// User is a project member or an assignee.
type User struct {
	Handle      string `json:"handle"`
	DisplayName string `json:"displayName"`
}

// Task is one task. ParentID is "" for a top-level task. A task has no
// date, note, assignees or order index: each is its own call, and order
// is the position in Tasks' list.
type Task struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	ParentID  string `json:"parentId"`
	Completed bool   `json:"completed"`
}

// Date is a day, with an optional time ("HH:MM" or "HH:MM:SS", 24-hour)
// and an optional IANA time zone ("Europe/Oslo").
type Date struct {
	Date     string // YYYY-MM-DD
	Time     string // "" for none
	Timezone string // "" for none
}

// TaskDate is a task's date: one day, or a range when End is set.
type TaskDate struct {
	Start Date
	End   *Date
}

// Note is a task's note. Type is "text/plain" or "text/markdown".
type Note struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// The content types Taskade takes for a task's text and note.
const (
	TextPlain    = "text/plain"
	TextMarkdown = "text/markdown"
)

// SelectOption is one option of a Select field.
type SelectOption struct {
	ID, Name, Color string
	// Rank orders the options. Taskade's spec types it as a string: a
	// numeric one is its number; otherwise (a lexicographic rank) Rank is
	// the option's index in Field.Options.
	Rank float64
}

// Field is one of a project's custom fields. Name is its display name;
// Options (a Select's) are sorted by rank.
type Field struct {
	ID, Type, Name string
	Options        []SelectOption
}

// FieldValue is a task's value of a field, as Taskade sent it.
type FieldValue struct {
	FieldID string
	Value   json.RawMessage // nil when the answer had none
}

// Where a new task goes (NewTask.Placement), or where Move puts a task
// (position), relative to a task: just before it, as its first child, as
// its last child, or just after it. Without a task (top level) only
// AfterBegin and BeforeEnd apply: first or last top-level task.
const (
	BeforeBegin = "beforebegin"
	AfterBegin  = "afterbegin"
	BeforeEnd   = "beforeend"
	AfterEnd    = "afterend"
)

// NewTask is a task for CreateTasks. Text is sent as text/plain. TaskID
// is the task Placement is relative to; "" places it at the top level.
type NewTask struct {
	Text, TaskID, Placement string
}

// wireDate is a Date as the API sends and takes it.
type wireDate struct {
	Date     string  `json:"date"`
	Time     *string `json:"time,omitempty"`
	Timezone *string `json:"timezone,omitempty"`
}

func (d Date) wire() wireDate {
	w := wireDate{Date: d.Date}
	if d.Time != "" {
		w.Time = &d.Time
	}
	if d.Timezone != "" {
		w.Timezone = &d.Timezone
	}
	return w
}

// readDate reads a date from an answer, tolerantly: an ISO date-time
// ("2026-07-21T09:00:00.000Z", as the spec's examples show) gives its
// date part.
func readDate(w wireDate) (Date, error) {
	d := strings.TrimSpace(w.Date)
	if len(d) > 10 && (d[10] == 'T' || d[10] == 't' || d[10] == ' ') {
		d = d[:10]
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return Date{}, fmt.Errorf("the date %q is not YYYY-MM-DD", bound(w.Date, 40))
	}
	out := Date{Date: d}
	if w.Time != nil {
		out.Time = bound(*w.Time, 20)
	}
	if w.Timezone != nil {
		out.Timezone = bound(*w.Timezone, 100)
	}
	return out, nil
}

// wireTaskDate is GET …/date's item. end may be a Date, {period} or null.
type wireTaskDate struct {
	Start *wireDate       `json:"start"`
	End   json.RawMessage `json:"end"`
}

func readTaskDate(w wireTaskDate) (*TaskDate, error) {
	if w.Start == nil {
		return nil, fmt.Errorf("the date has no start")
	}
	start, err := readDate(*w.Start)
	if err != nil {
		return nil, err
	}
	out := &TaskDate{Start: start}
	if end := bytes.TrimSpace(w.End); len(end) > 0 && !bytes.Equal(end, []byte("null")) {
		var we struct {
			wireDate
			Period *string `json:"period"`
		}
		if err := json.Unmarshal(end, &we); err != nil {
			return nil, fmt.Errorf("the date's end: %w", err)
		}
		if we.Date != "" { // {period: …} alone is not a day: no End
			e, err := readDate(we.wireDate)
			if err != nil {
				return nil, fmt.Errorf("the date's end: %w", err)
			}
			out.End = &e
		}
	}
	return out, nil
}

// wireField is a Field as the API sends it.
type wireField struct {
	ID   string `json:"id"`
	Data struct {
		Type        string                `json:"type"`
		DisplayName string                `json:"displayName"`
		Title       string                `json:"title"`
		Options     map[string]wireOption `json:"options"`
	} `json:"data"`
}

type wireOption struct {
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Rank  json.RawMessage `json:"rank"`
	Color string          `json:"color"`
}

func readField(w wireField) (Field, error) {
	if w.ID == "" {
		return Field{}, fmt.Errorf("a field has no id")
	}
	f := Field{ID: w.ID, Type: w.Data.Type, Name: w.Data.DisplayName}
	if f.Name == "" {
		f.Name = w.Data.Title
	}
	type ranked struct {
		opt     SelectOption
		numeric bool
		key     string
	}
	var opts []ranked
	for key, o := range w.Data.Options {
		id := o.ID
		if id == "" {
			id = key
		}
		r := ranked{opt: SelectOption{ID: id, Name: o.Name, Color: o.Color}}
		raw := bytes.TrimSpace(o.Rank)
		var s string
		if json.Unmarshal(raw, &s) == nil {
			r.key = s
		} else {
			r.key = string(raw)
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(r.key), 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			r.opt.Rank, r.numeric = v, true
		}
		opts = append(opts, r)
	}
	allNumeric := true
	for _, o := range opts {
		allNumeric = allNumeric && o.numeric
	}
	sort.Slice(opts, func(i, j int) bool {
		a, b := opts[i], opts[j]
		switch {
		case allNumeric && a.opt.Rank != b.opt.Rank:
			return a.opt.Rank < b.opt.Rank
		case !allNumeric && a.key != b.key:
			return a.key < b.key
		case a.opt.Name != b.opt.Name:
			return a.opt.Name < b.opt.Name
		}
		return a.opt.ID < b.opt.ID
	})
	for i, o := range opts {
		if !allNumeric {
			o.opt.Rank = float64(i)
		}
		f.Options = append(f.Options, o.opt)
	}
	return f, nil
}

type wireFieldValue struct {
	FieldID string          `json:"fieldId"`
	Value   json.RawMessage `json:"value"`
}
