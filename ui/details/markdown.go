package details

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/glamour"
	"github.com/charmbracelet/glamour/styles"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/lanesboard/lanes/internal/safe"
)

// mdCacheSize bounds the descriptions kept drawn: the details show one
// card, and a few more spare going back and forth between cards.
const mdCacheSize = 16

// mdKey is what a description's drawing depends on.
type mdKey struct {
	text    string
	width   int
	dark    bool
	profile termenv.Profile
}

// markdown draws descriptions as Markdown, each drawing kept until the
// cache is full: View draws every frame, glamour is not cheap. It is
// shared by the model's copies; only Update and View use it.
type markdown struct {
	cache map[mdKey]string
}

func newMarkdown() *markdown { return &markdown{cache: map[mdKey]string{}} }

// render is the description text drawn as Markdown, word-wrapped to width,
// in the colours of r's background; with no colours (r's profile Ascii:
// NO_COLOR, or theme "none") it is the text as written, wrapped. text is
// someone else's: it is cleaned before glamour reads it, and glamour's
// drawing keeps no terminal control but its own colours.
func (md *markdown) render(text string, width int, r *lipgloss.Renderer) string {
	k := mdKey{text: text, width: width, dark: r.HasDarkBackground(), profile: r.ColorProfile()}
	if out, ok := md.cache[k]; ok {
		return out
	}
	out, ok := glamourRender(text, width, k.dark, k.profile)
	if !ok {
		out = r.NewStyle().Width(width).Render(safe.Text(text))
	}
	if len(md.cache) >= mdCacheSize {
		clear(md.cache)
	}
	md.cache[k] = out
	return out
}

// glamourRender is text drawn by glamour, or ok false when it is not to
// be (no colours) or glamour failed.
func glamourRender(text string, width int, dark bool, profile termenv.Profile) (string, bool) {
	if profile == termenv.Ascii {
		return "", false
	}
	// A copy: the styles are values, so this changes no one else's.
	style := styles.LightStyleConfig
	if dark {
		style = styles.DarkStyleConfig
	}
	// The description sits in the details as the rest does: no margin of
	// the document's own, no blank lines around it.
	noMargin := uint(0)
	style.Document.Margin = &noMargin
	style.Document.BlockPrefix, style.Document.BlockSuffix = "", ""
	tr, err := glamour.NewTermRenderer(glamour.WithStyles(style), glamour.WithWordWrap(width), glamour.WithColorProfile(profile))
	if err != nil {
		return "", false
	}
	out, err := tr.Render(defuseReferences(safe.Text(text)))
	if err != nil {
		return "", false
	}
	lines := strings.Split(keepSGR(out), "\n")
	for i, l := range lines {
		lines[i] = trimRight(l)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n"), true
}

// trimRight is a line of glamour's without the blanks it pads it with to
// the full width, each in colours of its own (a blank on a background
// colour is seen, and stays), and with the colours reset at its end.
func trimRight(line string) string {
	end, styled, bg := 0, false, false
	for i := 0; i < len(line); {
		if n := sgrLen(line[i:]); n > 0 {
			styled, bg = true, background(line[i+2:i+n-1])
			i += n
			continue
		}
		r, n := utf8.DecodeRuneInString(line[i:])
		i += n
		if r != ' ' || bg {
			end = i
		}
	}
	if !styled {
		return line[:end]
	}
	return line[:end] + "\x1b[0m"
}

// background is whether the SGR parameters params set a background
// colour (glamour resets before each change, so one sequence says).
func background(params string) bool {
	ps := strings.Split(params, ";")
	for i := 0; i < len(ps); i++ {
		n, _ := strconv.Atoi(ps[i])
		switch {
		case n >= 40 && n <= 48 || n >= 100 && n <= 107:
			return true
		case (n == 38 || n == 58) && i+1 < len(ps):
			// A colour's own numbers follow: 5;index or 2;r;g;b.
			if ps[i+1] == "5" {
				i += 2
			} else if ps[i+1] == "2" {
				i += 4
			}
		}
	}
	return false
}

// sgrLen is the length of the SGR sequence s starts with (ESC [ digits,
// semicolons and colons, m), or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	j := 2
	for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';' || s[j] == ':') {
		j++
	}
	if j < len(s) && s[j] == 'm' {
		return j + 1
	}
	return 0
}

// numericRef is an HTML numeric character reference, which Markdown
// decodes: &#27; is ESC.
var numericRef = regexp.MustCompile(`&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));`)

// defuseReferences writes each numeric character reference to a control
// character as that character's symbol (&#27; as ␛), so Markdown can't
// decode one into the drawing. (keepSGR would show it as a symbol too,
// unless it made up colours that would pass for glamour's.)
func defuseReferences(s string) string {
	if !strings.Contains(s, "&#") {
		return s
	}
	return numericRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := numericRef.FindStringSubmatch(ref)
		v, err := strconv.ParseUint(m[1], 16, 32)
		if m[1] == "" {
			v, err = strconv.ParseUint(m[2], 10, 32)
		}
		// Markdown reads a C1 control (&#155;) as the Windows-1252
		// character of its number (›), and what is no character as
		// U+FFFD: harmless both. The C0 controls and DEL it decodes.
		if err != nil || v >= 0x20 && v != 0x7f {
			return ref
		}
		return safe.Line(string(rune(v)))
	})
}

// keepSGR is glamour's drawing with every terminal control taken out but
// its colours and emphasis (SGR: ESC [ digits ; m): any other escape, and
// any control character but the newline and tab, is shown as its symbol.
func keepSGR(s string) string {
	var b strings.Builder
	text := 0 // where the text not yet written starts
	for i := 0; i < len(s); i++ {
		n := sgrLen(s[i:])
		if n == 0 {
			continue
		}
		b.WriteString(safe.Text(s[text:i]))
		b.WriteString(s[i : i+n])
		text, i = i+n, i+n-1
	}
	b.WriteString(safe.Text(s[text:]))
	return b.String()
}
