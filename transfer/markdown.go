package transfer

import (
	"fmt"
	"io"
	"strings"

	"github.com/lanesboard/lanes/internal/safe"
)

// WriteMarkdown writes b as a readable board: the project as a heading, a
// section per column with its cards as a task list (- [x] when done),
// each with its priority, due date, labels and assignees, its description
// quoted under it and its subtasks indented under that; archived cards in
// a section of their own at the end. Every text from the board is
// escaped, so no title or description can start a heading, a list or a
// link of its own, or hide HTML.
func WriteMarkdown(w io.Writer, b *Board) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s\n", mdInline(b.Project.Name))
	if d := b.Project.Description; d != nil && *d != "" {
		sb.WriteString("\n")
		mdQuote(&sb, "", *d)
	}
	done := map[string]bool{}
	for _, col := range b.Columns {
		done[col.Name] = col.IsDone
	}
	var archived []*Card
	for _, col := range b.Columns {
		fmt.Fprintf(&sb, "\n## %s\n", mdInline(col.Name))
		var notes []string
		if col.IsDone {
			notes = append(notes, "done column")
		}
		if col.WipLimit != nil {
			notes = append(notes, fmt.Sprintf("WIP limit %d", *col.WipLimit))
		}
		if len(notes) > 0 {
			fmt.Fprintf(&sb, "\n_%s_\n", strings.Join(notes, ", "))
		}
		first := true
		for i := range b.Cards {
			c := &b.Cards[i]
			if c.Column != col.Name {
				continue
			}
			if c.Archived {
				archived = append(archived, c)
				continue
			}
			if first {
				sb.WriteString("\n")
				first = false
			}
			mdCard(&sb, c, "", done, false)
		}
	}
	if len(archived) > 0 {
		sb.WriteString("\n## Archived\n\n")
		for _, c := range archived {
			mdCard(&sb, c, "", done, true)
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// mdCard writes one card as a list item at indent, then its subtasks.
func mdCard(sb *strings.Builder, c *Card, indent string, done map[string]bool, withColumn bool) {
	box := "[ ]"
	if c.Completed != nil || done[c.Column] {
		box = "[x]"
	}
	var meta []string
	if withColumn {
		meta = append(meta, "in "+mdInline(c.Column))
	}
	if c.Priority != "" && c.Priority != "none" {
		meta = append(meta, mdInline(c.Priority))
	}
	if c.Due != nil {
		meta = append(meta, "due "+csvDate(c.Due))
	}
	if len(c.Labels) > 0 {
		meta = append(meta, "labels: "+mdList(c.Labels))
	}
	if len(c.Assignees) > 0 {
		meta = append(meta, "assigned: "+mdList(c.Assignees))
	}
	line := mdInline(c.Title)
	if len(meta) > 0 {
		line += " — " + strings.Join(meta, " · ")
	}
	fmt.Fprintf(sb, "%s- %s %s\n", indent, box, line)
	inner := indent + "  "
	if c.Description != "" {
		mdQuote(sb, inner, c.Description)
	}
	for i := range c.Subtasks {
		mdCard(sb, &c.Subtasks[i], inner, done, false)
	}
}

// mdQuote writes text as a block quote at indent, line for line.
func mdQuote(sb *strings.Builder, indent, text string) {
	for _, l := range strings.Split(safe.Text(text), "\n") {
		if l == "" {
			fmt.Fprintf(sb, "%s>\n", indent)
			continue
		}
		fmt.Fprintf(sb, "%s> %s\n", indent, mdText(l))
	}
}

func mdList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = mdInline(n)
	}
	return strings.Join(out, ", ")
}

// mdInline is one line of text as Markdown that reads as itself: on one
// line, no control characters, and every character that could mean
// something to Markdown or HTML escaped.
func mdInline(s string) string { return mdText(safe.Line(s)) }

// mdSpecial are the characters escaped anywhere in a line: emphasis, code,
// links and images, HTML and entities, headings, tables, strikethrough.
const mdSpecial = "\\`*_[]()<>#|~&!{}"

// mdText escapes one line (which holds no newline). Besides mdSpecial,
// what would start a list, a quote or a setext underline at the start of
// the line is escaped, and so is the dot or parenthesis of a leading
// number ("1." starts an ordered list).
func mdText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	trimmed := strings.TrimLeft(s, " ")
	b.WriteString(s[:len(s)-len(trimmed)])
	if trimmed != "" && strings.ContainsRune("-+=>", rune(trimmed[0])) {
		b.WriteByte('\\')
		b.WriteByte(trimmed[0])
		trimmed = trimmed[1:]
	} else if n := leadingDigits(trimmed); n > 0 && n < len(trimmed) && (trimmed[n] == '.' || trimmed[n] == ')') {
		b.WriteString(trimmed[:n])
		b.WriteByte('\\')
		b.WriteByte(trimmed[n])
		trimmed = trimmed[n+1:]
	}
	for _, r := range trimmed {
		if r < 0x80 && strings.ContainsRune(mdSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func leadingDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
