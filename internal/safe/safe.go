// Package safe makes text from elsewhere harmless to draw on a terminal.
// Everything a server sends is someone else's bytes, bound for this
// person's terminal: a title holding ESC ] 0 ; … BEL retitles the window, one
// holding ESC [ 2 J wipes the screen, an OSC 52 sequence writes the
// clipboard. Nothing from a server, a file or another person reaches a
// terminal as a control character: the api client cleans every answer as
// it arrives (JSON), and what is drawn or printed goes through Line or
// Text once more, for text that came some other way (an old cache, a file,
// a database written before the server refused control characters).
//
// A control character is not dropped but shown: C0 controls and DEL as
// their Unicode symbols (ESC as ␛, BEL as ␇), C1 controls (U+0080 to
// U+009F, which some terminals obey as ESC sequences) and invalid UTF-8 as
// U+FFFD. So the person sees that something odd was there.
package safe

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Line is s made safe to draw on one line: tabs, newlines and carriage
// returns become spaces, and every other control character its symbol.
func Line(s string) string {
	if harmless(s, false) {
		return s
	}
	return clean(s, false)
}

// Text is s made safe to draw as text of several lines: newlines and
// tabs are kept, a carriage return before a newline is dropped (and any
// other becomes a newline), and every other control character becomes its
// symbol.
func Text(s string) string {
	if harmless(s, true) {
		return s
	}
	return clean(s, true)
}

// harmless reports whether s holds nothing clean would change.
func harmless(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case b < 0x20:
			if !multiline || (b != '\n' && b != '\t') {
				return false
			}
			i++
		case b == 0x7f:
			return false
		case b < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || r >= 0x80 && r <= 0x9f {
				return false
			}
			i += n
		}
	}
	return true
}

func clean(s string, multiline bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r' && multiline:
			if i+1 >= len(s) || s[i+1] != '\n' {
				b.WriteByte('\n')
			}
		case r == '\n' || r == '\t':
			if multiline {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case r == '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(symbol(r))
		}
		i += n
	}
	return b.String()
}

// symbol is what stands for r on screen: r itself unless it is a control
// character.
func symbol(r rune) rune {
	switch {
	case r < 0x20:
		return 0x2400 + r // the Control Pictures block: ␀ … ␟
	case r == 0x7f:
		return 0x2421 // ␡
	case r >= 0x80 && r <= 0x9f:
		return utf8.RuneError
	}
	return r
}

// JSON rewrites a JSON document so that no string in it decodes to a
// control character other than newline and tab: each escape of one
// (\u001b, \b, …) becomes an escape of its symbol, a \r before a \n is
// dropped (any other \r becomes \n), and DEL and C1 controls written raw
// become escapes too. One-line fields are flattened later, where they are
// drawn. A document with nothing to change comes back as it is, without a
// copy, which is the case for nearly every answer.
func JSON(raw []byte) []byte {
	var f finder
	f.init(raw)
	start := f.next(0)
	if start < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw)+64)
	out = append(out, raw[:start]...)
	for i := start; i < len(raw); {
		next := f.next(i)
		if next < 0 {
			out = append(out, raw[i:]...)
			break
		}
		out = append(out, raw[i:next]...)
		i = next
		switch raw[i] {
		case 0x7f:
			out = appendEscape(out, 0x2421)
			i++
		case 0xc2:
			if i+1 < len(raw) && raw[i+1] >= 0x80 && raw[i+1] <= 0x9f {
				out = appendEscape(out, utf8.RuneError)
				i += 2
			} else {
				out = append(out, raw[i])
				i++
			}
		default: // a backslash: an escape
			if i+1 >= len(raw) {
				out = append(out, raw[i:]...)
				i = len(raw)
				break
			}
			var v rune = -1
			width := 2
			switch raw[i+1] {
			case 'b':
				v = '\b'
			case 'f':
				v = '\f'
			case 'r':
				v = '\r'
			case 'u':
				if i+6 <= len(raw) {
					if h, ok := hex4(raw[i+2 : i+6]); ok {
						v, width = h, 6
					}
				}
			}
			switch {
			case v == '\r':
				// \r\n is a newline; a lone \r is one too.
				if rest := raw[i+width:]; !bytes.HasPrefix(rest, []byte(`\n`)) && !bytes.HasPrefix(rest, []byte(`\u000a`)) &&
					!bytes.HasPrefix(rest, []byte(`\u000A`)) {
					out = append(out, `\n`...)
				}
			case v >= 0 && v != '\n' && v != '\t' && symbol(v) != v:
				out = appendEscape(out, symbol(v))
			default:
				out = append(out, raw[i:i+width]...)
			}
			i += width
		}
	}
	return out
}

// EscapeJSON writes a JSON document's raw DEL and C1 control characters
// (which encoding/json leaves as they are, though it escapes the C0 ones)
// as \u escapes: the same document, decoding to the same values, with no
// byte a terminal obeys. Unlike JSON it changes no value: it is for what
// lanes prints, not for what it reads. A document with nothing to escape
// comes back as it is.
func EscapeJSON(raw []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(raw); i++ {
		var r rune
		switch {
		case raw[i] == 0x7f:
			r = 0x7f
		case raw[i] == 0xc2 && i+1 < len(raw) && raw[i+1] >= 0x80 && raw[i+1] <= 0x9f:
			r = rune(raw[i+1])
		default:
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(raw)+32)
		}
		out = appendEscape(append(out, raw[last:i]...), r)
		if r > 0x7f {
			i++
		}
		last = i + 1
	}
	if out == nil {
		return raw
	}
	return append(out, raw[last:]...)
}

// finder finds the bytes that may start something JSON changes: a
// backslash, DEL, or the lead byte of a C1 control. It remembers where the
// next of each is, so a document is searched once for each, not once per
// escape.
type finder struct {
	raw []byte
	at  [3]int // the next of each at or after the last search; -1: none left
}

func (f *finder) init(raw []byte) {
	f.raw = raw
	for k := range f.at {
		f.at[k] = -2 // not searched yet
	}
}

// next is the index of the first suspect byte at or after i, or -1.
func (f *finder) next(i int) int {
	best := -1
	for k, c := range [3]byte{'\\', 0x7f, 0xc2} {
		if f.at[k] == -1 {
			continue
		}
		if f.at[k] < i {
			j := bytes.IndexByte(f.raw[i:], c)
			if j < 0 {
				f.at[k] = -1
				continue
			}
			f.at[k] = i + j
		}
		if best < 0 || f.at[k] < best {
			best = f.at[k]
		}
	}
	return best
}

func hex4(h []byte) (rune, bool) {
	var v rune
	for _, c := range h {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			v |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return v, true
}

func appendEscape(out []byte, r rune) []byte {
	const hexDigits = "0123456789abcdef"
	return append(out, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
