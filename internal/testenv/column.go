package testenv

import "strings"

// Column is the text of the board column that has the header name, read
// off the screen: the columns are boxes side by side.
func Column(screen, name string) string {
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		start := strings.Index(l, name)
		if start < 0 || i == 0 {
			continue
		}
		// The box around the header starts at the last '│' before it.
		left := strings.LastIndex(l[:start], "│")
		var b strings.Builder
		for _, row := range lines[i:] {
			r := []rune(row)
			col := len([]rune(l[:left]))
			if col+30 <= len(r) {
				b.WriteString(string(r[col : col+30]))
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	return ""
}
