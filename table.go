package main

import (
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/lanesboard/lanes/internal/safe"
)

// table is rows of cells printed in columns, for the listing commands.
// Cells hold names other people chose, so each is made one safe line, and
// columns are aligned by the width a terminal draws (日本 takes four
// columns, not two), which text/tabwriter, counting runes, gets wrong.
type table struct {
	rows [][]string
}

func newTable(header ...string) *table {
	return &table{rows: [][]string{header}}
}

func (t *table) row(cells ...string) {
	t.rows = append(t.rows, cells)
}

// print writes the table: two spaces between columns, nothing after the
// last cell of a row.
func (t *table) print(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i := range r {
			r[i] = safe.Line(r[i])
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(r[i]))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
