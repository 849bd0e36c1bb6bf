package safe

import (
	"encoding/json"
	"strings"
	"testing"
)

// hostile holds what a member might put in a title to take over a
// teammate's terminal: a window title, a screen wipe, a colour, an OSC 52
// clipboard write, carriage return, NUL, DEL and C1 controls.
const hostile = "inj \x1b]0;pwned\x07\x1b[2J\x1b[H\x1b[31mRED\x1b[0m end \x1b]52;c;aGk=\x07 \r over \x00 nul \x7f del \u009b31m c1 \u0085"

func hasControl(s string, allow string) bool {
	for _, r := range s {
		if (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f) && !strings.ContainsRune(allow, r) {
			return true
		}
	}
	return false
}

func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain title", "plain title"},
		{"Café 日本 ✓", "Café 日本 ✓"},
		{"two\nlines\tand tab\r", "two lines and tab "},
		{"\x1b[31mred", "␛[31mred"},
		{"bell\x07", "bell␇"},
		{"del\x7f", "del␡"},
		{"c1\u009bx", "c1\ufffdx"},
		{"bad \xff utf8", "bad \ufffd utf8"},
		{"nul\x00", "nul␀"},
	} {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Line(hostile); hasControl(got, "") {
		t.Errorf("Line left a control character: %q", got)
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a\nb\tc", "a\nb\tc"},
		{"windows\r\nlines\r\n", "windows\nlines\n"},
		{"old mac\rline", "old mac\nline"},
		{"\x1b]0;pwned\x07", "␛]0;pwned␇"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Text(hostile); hasControl(got, "\n\t") {
		t.Errorf("Text left a control character: %q", got)
	}
}

// What a server sends is cleaned before it is decoded: no string in any
// answer holds a control character but newline and tab.
func TestJSON(t *testing.T) {
	raw, err := json.Marshal(map[string]any{"title": hostile, "description": "line one\r\nline two\n\ttabbed\rcr",
		"quoted": `a \u001b that is text, a backslash \ and "quotes"`})
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json writes DEL and C1 raw; a server may also escape them.
	raw = []byte(strings.ReplaceAll(string(raw), "\x7f", `\u007f`) + "")
	var got map[string]string
	if err := json.Unmarshal(JSON(raw), &got); err != nil {
		t.Fatalf("cleaned JSON does not decode: %v\n%s", err, JSON(raw))
	}
	if hasControl(got["title"], "\n\t") {
		t.Errorf("title kept a control character: %q", got["title"])
	}
	if want := "inj ␛]0;pwned␇␛[2J␛[H␛[31mRED␛[0m end"; !strings.HasPrefix(got["title"], want) {
		t.Errorf("title = %q, want it to start %q", got["title"], want)
	}
	if want := "line one\nline two\n\ttabbed\ncr"; got["description"] != want {
		t.Errorf("description = %q, want %q", got["description"], want)
	}
	if want := `a \u001b that is text, a backslash \ and "quotes"`; got["quoted"] != want {
		t.Errorf("an escaped backslash was taken for an escape: %q, want %q", got["quoted"], want)
	}
	// Raw DEL and C1 bytes inside strings (valid JSON) are cleaned too.
	var raw2 map[string]string
	if err := json.Unmarshal(JSON([]byte("{\"a\":\"x\x7fy\u0085z\"}")), &raw2); err != nil {
		t.Fatal(err)
	}
	if raw2["a"] != "x␡y\ufffdz" {
		t.Errorf("raw DEL and C1: %q", raw2["a"])
	}
	clean := []byte(`[{"title":"nothing to do here","n":1}]`)
	if got := JSON(clean); &got[0] != &clean[0] {
		t.Error("a clean document was copied")
	}
}

// A document lanes writes has its DEL and C1 controls escaped, which
// encoding/json leaves raw: the same values, and nothing a terminal obeys.
func TestEscapeJSON(t *testing.T) {
	in := map[string]string{"title": "a\x1b]0;x\a b\u0085c\u009b31m d\x7fe \u00a0 日本", "plain": "nothing odd"}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out := EscapeJSON(raw)
	if hasControl(string(out), "") {
		t.Fatalf("escaped JSON holds a control character: %q", out)
	}
	for _, esc := range []string{`\u0085`, `\u009b`, `\u007f`} {
		if !strings.Contains(string(out), esc) {
			t.Errorf("%s is not in %s", esc, out)
		}
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil || got["title"] != in["title"] || got["plain"] != in["plain"] {
		t.Fatalf("escaped JSON decodes to %q (%v), want %q", got, err, in)
	}
	clean := []byte(`{"title":"nothing to do here \u001b","n":1}`)
	if got := EscapeJSON(clean); &got[0] != &clean[0] {
		t.Error("a clean document was copied")
	}
}

func FuzzJSON(f *testing.F) {
	f.Add(hostile)
	f.Add(`\u001b\\u001b\r\n`)
	f.Fuzz(func(t *testing.T, s string) {
		raw, _ := json.Marshal([]string{s})
		var out []string
		if err := json.Unmarshal(JSON(raw), &out); err != nil {
			t.Fatalf("cleaned JSON does not decode: %v", err)
		}
		if hasControl(out[0], "\n\t") {
			t.Fatalf("%q became %q", s, out[0])
		}
		if hasControl(Line(s), "") || hasControl(Text(s), "\n\t") {
			t.Fatalf("Clean left a control in %q", s)
		}
	})
}

func BenchmarkJSON(b *testing.B) {
	task := `{"id":"0192d7a2-1111-7000-8000-000000000000","title":"A card with an ordinary title","description":"two\nlines","priority":"none"},`
	raw := []byte("[" + strings.Repeat(task, 100000) + "{}]")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		JSON(raw)
	}
}
