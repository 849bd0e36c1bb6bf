package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// WriteJSON writes b as lanes JSON, indented, with every list present
// (empty rather than null), so the file reads the same whoever made it.
func WriteJSON(w io.Writer, b *Board) error {
	out := *b
	out.Lanes = FormatVersion
	out.Columns = orEmpty(out.Columns)
	out.Labels = orEmpty(out.Labels)
	out.Cards = filled(out.Cards)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("write the JSON: %w", err)
	}
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// filled is cards with every list of theirs, at any depth, non-nil.
func filled(cards []Card) []Card {
	out := make([]Card, len(cards))
	for i, c := range cards {
		c.Labels, c.Assignees, c.Comments = orEmpty(c.Labels), orEmpty(c.Assignees), orEmpty(c.Comments)
		c.Subtasks = filled(c.Subtasks)
		out[i] = c
	}
	return out
}

// readLanes reads lanes JSON. Errors name the field, or the line and
// column where the JSON itself is broken.
func readLanes(data []byte) (*Board, error) {
	var head struct {
		Lanes *int `json:"lanes"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, jsonError(data, err)
	}
	switch {
	case head.Lanes == nil:
		return nil, errors.New(`"lanes": missing: not a lanes export`)
	case *head.Lanes > FormatVersion:
		return nil, fmt.Errorf(`"lanes": format %d was written by a newer lanes; this one reads format %d: update lanes`, *head.Lanes, FormatVersion)
	case *head.Lanes < 1:
		return nil, fmt.Errorf(`"lanes": format %d is not a lanes format version (1 is the first)`, *head.Lanes)
	}
	var b Board
	if err := json.Unmarshal(data, &b); err != nil {
		var perr *time.ParseError
		if errors.As(err, &perr) {
			if at := badTime(data); at != "" {
				return nil, fmt.Errorf("%s: %q is not an RFC 3339 time (like 2026-12-01T09:00:00Z)", at, perr.Value)
			}
		}
		return nil, jsonError(data, err)
	}
	return &b, nil
}

// badTime is the path of the first time in a lanes file that is not one
// ("" if none is found): encoding/json does not say which field a time
// that failed to parse was.
func badTime(data []byte) string {
	type comment struct {
		Time json.RawMessage `json:"time"`
	}
	type card struct {
		Due, Completed, CreatedAt json.RawMessage
		Comments                  []comment
		Subtasks                  []json.RawMessage
	}
	bad := func(raw json.RawMessage) bool {
		var t *time.Time
		return len(raw) > 0 && json.Unmarshal(raw, &t) != nil
	}
	var top struct {
		ExportedAt json.RawMessage   `json:"exportedAt"`
		Cards      []json.RawMessage `json:"cards"`
	}
	if json.Unmarshal(data, &top) != nil {
		return ""
	}
	if bad(top.ExportedAt) {
		return "exportedAt"
	}
	var find func(cards []json.RawMessage, path string) string
	find = func(cards []json.RawMessage, path string) string {
		for i, raw := range cards {
			var c card
			if json.Unmarshal(raw, &c) != nil {
				continue
			}
			at := fmt.Sprintf("%s[%d]", path, i)
			for _, f := range []struct {
				name string
				raw  json.RawMessage
			}{{"due", c.Due}, {"completed", c.Completed}, {"createdAt", c.CreatedAt}} {
				if bad(f.raw) {
					return at + "." + f.name
				}
			}
			for j, m := range c.Comments {
				if bad(m.Time) {
					return fmt.Sprintf("%s.comments[%d].time", at, j)
				}
			}
			if p := find(c.Subtasks, at+".subtasks"); p != "" {
				return p
			}
		}
		return ""
	}
	return find(top.Cards, "cards")
}

// jsonError says where in data a decoding error is: the field (as
// encoding/json names it) and the line and column.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset)
		return fmt.Errorf("broken JSON at line %d, column %d: %s", line, col, syn.Error())
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		field := typ.Field
		if field == "" {
			field = "the top level"
		}
		return fmt.Errorf("field %s (line %d, column %d): want %s, got JSON %s", field, line, col, typ.Type, typ.Value)
	}
	var perr *time.ParseError
	if errors.As(err, &perr) {
		return fmt.Errorf("a time is not in RFC 3339 form (like 2026-12-01T09:00:00Z): %q", perr.Value)
	}
	return fmt.Errorf("read the JSON: %w", err)
}

// position is the 1-based line and column of byte offset off in data.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}
