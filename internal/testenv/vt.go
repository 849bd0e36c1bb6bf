package testenv

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// VT is just enough of a terminal to read what Bubble Tea draws: it keeps
// a grid of cells and follows the cursor moves and erases the renderer
// sends; colours and modes are ignored.
type VT struct {
	mu       sync.Mutex
	w, h     int
	cells    [][]string
	row, col int
	pending  []byte // an incomplete escape sequence or rune
}

// NewVT is a blank terminal of w×h cells.
func NewVT(w, h int) *VT {
	t := &VT{w: w, h: h}
	t.clear()
	return t
}

func (t *VT) clear() {
	t.cells = make([][]string, t.h)
	for i := range t.cells {
		t.cells[i] = blankRow(t.w)
	}
}

func blankRow(w int) []string {
	r := make([]string, w)
	for i := range r {
		r[i] = " "
	}
	return r
}

// Write feeds the terminal bytes, as the connection delivers them.
func (t *VT) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := append(t.pending, p...)
	t.pending = nil
	for len(b) > 0 {
		n := t.step(b)
		if n == 0 { // needs more bytes
			t.pending = append([]byte(nil), b...)
			break
		}
		b = b[n:]
	}
	return len(p), nil
}

// step consumes one character or sequence from b; 0 if b ends inside one.
func (t *VT) step(b []byte) int {
	switch b[0] {
	case '\r':
		t.col = 0
		return 1
	case '\n':
		t.lineFeed()
		return 1
	case '\b':
		t.col = max(0, t.col-1)
		return 1
	case 0x1b:
		return t.escape(b)
	}
	if b[0] < 0x20 || b[0] == 0x7f {
		return 1
	}
	if !utf8.FullRune(b) {
		return 0
	}
	r, n := utf8.DecodeRune(b)
	w := ansi.StringWidth(string(r))
	if t.col < t.w && t.row < t.h {
		t.cells[t.row][t.col] = string(r)
		for i := 1; i < w && t.col+i < t.w; i++ {
			t.cells[t.row][t.col+i] = ""
		}
	}
	t.col += w
	return n
}

func (t *VT) lineFeed() {
	if t.row == t.h-1 {
		t.cells = append(t.cells[1:], blankRow(t.w))
		return
	}
	t.row++
}

func (t *VT) escape(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '[':
		for i := 2; i < len(b); i++ {
			if b[i] >= 0x40 && b[i] <= 0x7e {
				t.csi(string(b[2:i]), b[i])
				return i + 1
			}
		}
		return 0
	case ']', 'P', '_', '^': // strings, ended by BEL or ESC \
		for i := 2; i < len(b); i++ {
			if b[i] == 0x07 {
				return i + 1
			}
			if b[i] == 0x1b && i+1 < len(b) && b[i+1] == '\\' {
				return i + 2
			}
		}
		return 0
	case '(', ')':
		if len(b) < 3 {
			return 0
		}
		return 3
	}
	return 2
}

func (t *VT) csi(params string, final byte) {
	private := strings.HasPrefix(params, "?")
	var nums []int
	for _, p := range strings.Split(strings.TrimLeft(params, "?<>="), ";") {
		n, _ := strconv.Atoi(p)
		nums = append(nums, n)
	}
	arg := func(i, def int) int {
		if i < len(nums) && nums[i] > 0 {
			return nums[i]
		}
		return def
	}
	switch final {
	case 'A':
		t.row = max(0, t.row-arg(0, 1))
	case 'B':
		t.row = min(t.h-1, t.row+arg(0, 1))
	case 'C':
		t.col = min(t.w-1, t.col+arg(0, 1))
	case 'D':
		t.col = max(0, t.col-arg(0, 1))
	case 'G':
		t.col = min(t.w-1, arg(0, 1)-1)
	case 'H', 'f':
		t.row, t.col = min(t.h-1, arg(0, 1)-1), min(t.w-1, arg(1, 1)-1)
	case 'J':
		switch arg(0, 0) {
		case 0:
			t.eraseLine(t.col, t.w)
			for r := t.row + 1; r < t.h; r++ {
				t.cells[r] = blankRow(t.w)
			}
		case 2, 3:
			t.clear()
		}
	case 'K':
		switch arg(0, 0) {
		case 0:
			t.eraseLine(t.col, t.w)
		case 1:
			t.eraseLine(0, t.col+1)
		case 2:
			t.eraseLine(0, t.w)
		}
	case 'h', 'l':
		if private && params == "?1049" {
			t.clear()
		}
	}
}

func (t *VT) eraseLine(from, to int) {
	for c := max(0, from); c < min(to, t.w); c++ {
		t.cells[t.row][c] = " "
	}
}

// Screen is the terminal's text, a line per row.
func (t *VT) Screen() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := make([]string, t.h)
	for i, r := range t.cells {
		lines[i] = strings.TrimRight(strings.Join(r, ""), " ")
	}
	return strings.Join(lines, "\n")
}
