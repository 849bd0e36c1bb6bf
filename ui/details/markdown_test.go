package details

import (
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

func colourRenderer(profile termenv.Profile, dark bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(profile)
	r.SetHasDarkBackground(dark)
	return r
}

// onlySGR fails unless every escape in s is an SGR sequence (colours and
// emphasis) and no other control character but the newline is in it.
func onlySGR(t *testing.T, s string) {
	t.Helper()
	for i := 0; i < len(s); {
		if n := sgrLen(s[i:]); n > 0 {
			i += n
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f {
			t.Fatalf("a control %U at %d in %q", r, i, s)
		}
		i += n
	}
}

// Markdown is drawn: headings, emphasis, lists and code lose their marks
// and keep their words, in colour, wrapped to the width.
func TestMarkdownIsDrawn(t *testing.T) {
	md := newMarkdown()
	text := "# Launch plan\n\nShip **it** with `go build`, then tell everyone about it in the longest sentence this card has.\n\n- one\n- two\n"
	for _, width := range []int{20, 40, 77} {
		out := md.render(text, width, colourRenderer(termenv.ANSI256, true))
		onlySGR(t, out)
		plain := ansi.Strip(out)
		for _, want := range []string{"Launch plan", "• one", "• two", "Ship it with"} {
			if !strings.Contains(plain, want) {
				t.Fatalf("at width %d the drawing lacks %q:\n%s", width, want, plain)
			}
		}
		if strings.Contains(plain, "**") || strings.Contains(plain, "# ") || strings.Contains(plain, "`") {
			t.Fatalf("at width %d the Markdown marks are drawn:\n%s", width, plain)
		}
		for _, l := range strings.Split(plain, "\n") {
			if w := ansi.StringWidth(l); w > width {
				t.Fatalf("a line %d wide at width %d: %q", w, width, l)
			}
		}
		if out == plain {
			t.Fatalf("no colour in the drawing at width %d", width)
		}
	}
}

// A description is someone else's text: no escape of its own reaches the
// terminal, whether written raw, as an HTML character reference (which
// Markdown decodes), in a link or in code; only glamour's colours do.
func TestMarkdownKeepsOnlyItsOwnColours(t *testing.T) {
	md := newMarkdown()
	for _, text := range []string{
		"title \x1b]0;pwned\x07 and \x1b[2J wipe \x9b31m c1",
		"entity &#27;[2J and &#x1b;]52;c;aGk=&#7; and &#x9B;31m and &#155;",
		"[click](&#27;]8;;http://evil&#27;\\) and ![img](x&#x1b;[31m)",
		"`&#27;[31m in code` and\n\n```\n\x1b[31mred\n```\n",
		"<span>\x1b[5m</span> &#1114112; &#0; &#xD800;",
		"# head \x1b[31m\n\n> quote &#27;P+q\x1b\\",
	} {
		for _, dark := range []bool{true, false} {
			out := md.render(text, 60, colourRenderer(termenv.TrueColor, dark))
			onlySGR(t, out)
			if strings.Contains(ansi.Strip(out), "[2J") && !strings.Contains(ansi.Strip(out), "␛[2J") {
				t.Fatalf("a wipe without its ␛ shown: %q", out)
			}
		}
	}
	// Colours of its own too: they would pass for glamour's.
	for _, c := range []struct{ text, want string }{
		{"a &#27;[2J b", "a ␛[2J b"},
		{"a &#x1B;[31m red", "a ␛[31m red"},
		{"a &#155;31m red", "a ›31m red"}, // as Markdown reads it: harmless
	} {
		if got := ansi.Strip(md.render(c.text, 40, colourRenderer(termenv.ANSI, true))); !strings.Contains(got, c.want) {
			t.Fatalf("%q is drawn as %q, want %q", c.text, got, c.want)
		}
	}
}

// Without colours (NO_COLOR, theme none: the renderer's profile is
// Ascii) the description is the text as written, wrapped, cleaned.
func TestMarkdownPlainWithoutColours(t *testing.T) {
	md := newMarkdown()
	out := md.render("# Launch\n\nShip **it** \x1b[2J", 30, colourRenderer(termenv.Ascii, true))
	if !strings.Contains(out, "# Launch") || !strings.Contains(out, "Ship **it** ␛[2J") || strings.Contains(out, "\x1b") {
		t.Fatalf("without colours the description is drawn as %q", out)
	}
}

// Dark and light backgrounds get their own colours; the drawing is kept
// for the same text, width and colours, and drawn again when one changes.
func TestMarkdownThemeAndCache(t *testing.T) {
	md := newMarkdown()
	text := "# Plan\n\nSome *words*."
	dark := md.render(text, 40, colourRenderer(termenv.ANSI256, true))
	light := md.render(text, 40, colourRenderer(termenv.ANSI256, false))
	if dark == light || ansi.Strip(dark) != ansi.Strip(light) {
		t.Fatalf("dark and light:\n%q\n%q", dark, light)
	}
	if len(md.cache) != 2 {
		t.Fatalf("%d drawings kept, want 2", len(md.cache))
	}
	md.render(text, 40, colourRenderer(termenv.ANSI256, true))
	if len(md.cache) != 2 {
		t.Fatalf("the same drawing asked again was drawn again: %d kept", len(md.cache))
	}
	md.render(text, 41, colourRenderer(termenv.ANSI256, true))
	if len(md.cache) != 3 {
		t.Fatalf("a new width kept %d drawings, want 3", len(md.cache))
	}
	for i := range 2 * mdCacheSize {
		md.render(strings.Repeat("x", i), 40, colourRenderer(termenv.ANSI256, true))
	}
	if len(md.cache) > mdCacheSize {
		t.Fatalf("%d drawings kept, more than %d", len(md.cache), mdCacheSize)
	}
}

// BenchmarkMarkdownCached is View's cost of a description already drawn.
func BenchmarkMarkdownCached(b *testing.B) {
	md := newMarkdown()
	r := colourRenderer(termenv.ANSI256, true)
	text := strings.Repeat("Some **words** in a paragraph.\n\n", 50)
	md.render(text, 80, r)
	for b.Loop() {
		md.render(text, 80, r)
	}
}

// A numeric reference to a C0 control or DEL is written as its symbol;
// any other is left for Markdown.
func TestDefuseReferences(t *testing.T) {
	got := defuseReferences("a &#27;[31m &#x1b; &#X7F; &#10; &#65; &#x2014; &#155; &#99999999999;")
	if want := "a ␛[31m ␛ ␡   &#65; &#x2014; &#155; &#99999999999;"; got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
