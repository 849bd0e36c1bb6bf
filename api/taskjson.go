package api

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lanesboard/lanes/internal/safe"
)

// A project's list of tasks is the largest thing a server sends: 100,000
// tasks are 50 MB of JSON. encoding/json read it at a third of a second
// per 10 MB (reflection for every field of every task, each task decoded
// a second time into a wrapper for its times), after the whole answer had
// been read into memory. jsonIn reads it as it arrives, with a decoder
// written for the task object: its fields by name, unknown ones skipped
// (checked, not kept), nothing but the strings allocated, and the time
// form lanes sends parsed without time.Parse. What it accepts, and what
// it makes of it, is what encoding/json made of the same bytes: the tests
// hold the two side by side on random and hostile input.

// The bounds on what a server can make lanes hold.
const (
	// maxAnswerBytes is the most a task list (or a delta) may be: 20
	// times a list of 100,000 tasks.
	maxAnswerBytes = 1 << 30
	// maxTokenBytes is the longest one string or number may be; the
	// server takes no request body over 1 MiB.
	maxTokenBytes = 8 << 20
	// maxDepth is how deep arrays and objects may nest, as encoding/json
	// allows.
	maxDepth = 10000
	// maxInterned is how many distinct ids (projects, columns, people,
	// labels) a decoder keeps one copy of.
	maxInterned = 4096
)

// jsonIn reads JSON from src (or from buf alone when src is nil), a token
// at a time. Its first error sticks: every read after it does nothing.
type jsonIn struct {
	src   io.Reader
	buf   []byte
	i, n  int   // buf[i:n] is read but not yet taken
	keep  int   // start of the token being read, kept by more; -1: none
	total int64 // bytes taken from src
	limit int64 // most bytes src may give
	eof   bool
	err   error
	// clean makes strings safe as safe.JSON would have made the raw
	// answer (the client cleans every answer): a control character
	// decodes to its symbol.
	clean   bool
	depth   int
	scratch []byte
	ids     map[string]string
	last    [idSlots]string
	// inTask: the task being read keeps its own text in text1, for own.
	inTask bool
	text1  []byte
	own    []later
	// What pointer fields point to, made a block at a time.
	strings []string
	times   []time.Time
	floats  []float64
}

// readErr is a failure to read the answer (not a fault in it): the
// connection dropped, the context ended.
type readErr struct{ err error }

func (e *readErr) Error() string { return e.err.Error() }
func (e *readErr) Unwrap() error { return e.err }

func newJSONIn(src io.Reader, clean bool) *jsonIn {
	return &jsonIn{src: src, buf: make([]byte, 256<<10), keep: -1, limit: maxAnswerBytes, clean: clean}
}

func bytesJSONIn(b []byte, clean bool) *jsonIn {
	return &jsonIn{buf: b, n: len(b), total: int64(len(b)), keep: -1, eof: true, clean: clean}
}

func (d *jsonIn) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// offset is where in the answer the next byte is, for messages.
func (d *jsonIn) offset() int64 { return d.total - int64(d.n-d.i) }

func (d *jsonIn) syntax(c byte, context string) {
	if c == 0 && d.i >= d.n {
		d.fail(errors.New("unexpected end of JSON input"))
		return
	}
	d.fail(fmt.Errorf("invalid character %s %s (at byte %d)", quoteChar(c), context, d.offset()))
}

// quoteChar is how encoding/json names a character in its messages.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// more reads more of src into buf, keeping the token being read (or what
// is not yet taken). It reports false at the end of src or on an error.
func (d *jsonIn) more() bool {
	if d.eof || d.err != nil {
		return false
	}
	from := d.i
	if d.keep >= 0 {
		from = d.keep
	}
	if from > 0 {
		copy(d.buf, d.buf[from:d.n])
		d.n -= from
		d.i -= from
		if d.keep >= 0 {
			d.keep -= from
		}
	}
	if d.n == len(d.buf) {
		if len(d.buf) >= maxTokenBytes {
			d.fail(fmt.Errorf("a value in the answer is longer than %d MiB (at byte %d)", maxTokenBytes>>20, d.offset()))
			return false
		}
		nb := make([]byte, min(2*len(d.buf), maxTokenBytes))
		copy(nb, d.buf[:d.n])
		d.buf = nb
	}
	for {
		m, err := d.src.Read(d.buf[d.n:])
		d.n += m
		d.total += int64(m)
		if d.total > d.limit {
			d.fail(fmt.Errorf("the answer is longer than %d MiB", d.limit>>20))
			return false
		}
		switch {
		case err == io.EOF:
			d.eof = true
			return m > 0
		case err != nil:
			d.fail(&readErr{err})
			return false
		case m > 0:
			return true
		}
	}
}

// ws skips white space and returns the next byte, not taking it: 0 at the
// end of the input.
func (d *jsonIn) ws() byte {
	for {
		for d.i < d.n {
			c := d.buf[d.i]
			if c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
				return c
			}
			d.i++
		}
		if !d.more() {
			return 0
		}
	}
}

// expect takes c, the next byte after white space.
func (d *jsonIn) expect(c byte, context string) bool {
	if got := d.ws(); got != c {
		d.syntax(got, context)
		return false
	}
	d.i++
	return true
}

func (d *jsonIn) enter() bool {
	d.i++
	if d.depth++; d.depth > maxDepth {
		d.fail(errors.New("exceeded max depth"))
		return false
	}
	return true
}

// str reads a string (the next byte is its quote) and returns its value,
// valid until the next read.
func (d *jsonIn) str() []byte {
	d.i++
	d.keep = d.i
	j := d.i
	for {
		for j < d.n {
			j += plainRun(d.buf[j:d.n])
			if j >= d.n {
				break
			}
			c := d.buf[j]
			switch {
			case c == '"':
				s := d.buf[d.keep:j]
				d.i, d.keep = j+1, -1
				return s
			case c == '\\' || c < 0x20 || (c == 0x7f && d.clean):
				return d.slowStr(j)
			case c < utf8.RuneSelf:
				j++
				continue
			}
			if !utf8.FullRune(d.buf[j:d.n]) && !d.eof {
				break // the rest of the character is still to come
			}
			r, size := utf8.DecodeRune(d.buf[j:d.n])
			if (r == utf8.RuneError && size == 1) || (d.clean && r <= 0x9f) {
				return d.slowStr(j)
			}
			j += size
		}
		// Out of bytes, or a character cut by the end of what arrived.
		if d.eof {
			d.keep, d.i = -1, d.n
			d.fail(errors.New("unexpected end of JSON input"))
			return nil
		}
		off := j - d.keep
		if d.more(); d.err != nil {
			d.keep = -1
			return nil
		}
		j = d.keep + off
	}
}

// The bytes of eight at a time, for plainRun.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainRun is how many bytes at the start of b are plain string content
// as they stand: no quote, backslash, control character, DEL or byte of a
// longer character. Eight bytes are checked at a time.
func plainRun(b []byte) int {
	i := 0
	for ; i+16 <= len(b); i += 16 {
		if special(binary.LittleEndian.Uint64(b[i:]))|special(binary.LittleEndian.Uint64(b[i+8:])) != 0 {
			break
		}
	}
	for ; i+8 <= len(b); i += 8 {
		if special(binary.LittleEndian.Uint64(b[i:])) != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			break
		}
	}
	return i
}

// special has a byte's high bit set where one of the eight in x is a
// quote, a backslash, a control character, DEL or not ASCII (and maybe
// elsewhere after the first such byte).
func special(x uint64) uint64 {
	q, bs, del := x^(ones*'"'), x^(ones*'\\'), x^(ones*0x7f)
	return ((x-ones*0x20)&^x | (q-ones)&^q | (bs-ones)&^bs | (del-ones)&^del | x) & highs
}

// slowStr finishes a string from buf[j] on, where something needs
// decoding: an escape, a character that is not valid UTF-8, or (to clean)
// a control character. It decodes as encoding/json does.
func (d *jsonIn) slowStr(j int) []byte {
	out := append(d.scratch[:0], d.buf[d.keep:j]...)
	d.keep = j
	for {
		for d.n-j < 12 && !d.eof {
			d.keep = j
			d.more()
			if d.err != nil {
				d.keep = -1
				return nil
			}
			j = d.keep
		}
		if j >= d.n {
			d.keep, d.i = -1, d.n
			d.fail(errors.New("unexpected end of JSON input"))
			return nil
		}
		if len(out) > maxTokenBytes {
			d.keep = -1
			d.fail(fmt.Errorf("a value in the answer is longer than %d MiB (at byte %d)", maxTokenBytes>>20, d.offset()))
			return nil
		}
		c := d.buf[j]
		switch {
		case c == '"':
			d.i, d.keep = j+1, -1
			d.scratch = out
			if d.clean && !harmless(out) {
				out = append(out[:0], safe.Text(string(out))...)
				d.scratch = out
			}
			return out
		case c < 0x20:
			d.i, d.keep = j, -1
			d.syntax(c, "in string literal")
			return nil
		case c == '\\':
			if j+1 >= d.n {
				d.keep, d.i = -1, d.n
				d.fail(errors.New("unexpected end of JSON input"))
				return nil
			}
			switch e := d.buf[j+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				rr := hex4(d.buf[j+2 : d.n])
				if rr < 0 {
					d.i, d.keep = min(j+2+hexLen(d.buf[j+2:d.n]), d.n), -1
					if d.i >= d.n {
						d.fail(errors.New("unexpected end of JSON input"))
					} else {
						d.syntax(d.buf[d.i], "in \\u hexadecimal character escape")
					}
					return nil
				}
				j += 6
				if utf16.IsSurrogate(rr) {
					if j+1 < d.n && d.buf[j] == '\\' && d.buf[j+1] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(d.buf[j+2:d.n])); dec != unicode.ReplacementChar {
							out = utf8.AppendRune(out, dec)
							j += 6
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				out = utf8.AppendRune(out, rr)
				continue
			default:
				d.i, d.keep = j+1, -1
				d.syntax(e, "in string escape code")
				return nil
			}
			j += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			j++
		default:
			r, size := utf8.DecodeRune(d.buf[j:d.n])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, d.buf[j:j+size]...)
			}
			j += size
		}
	}
}

// harmless says whether safe.Text would leave s as it is.
func harmless(s []byte) bool {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < 0x20:
			if c != '\n' && c != '\t' {
				return false
			}
			i++
		case c == 0x7f:
			return false
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(s[i:])
			if (r == utf8.RuneError && n == 1) || r <= 0x9f {
				return false
			}
			i += n
		}
	}
	return true
}

// hex4 is the value of four hex digits at the start of b, or -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// hexLen is how many hex digits (up to 4) b starts with.
func hexLen(b []byte) int {
	n := 0
	for n < len(b) && n < 4 {
		c := b[n]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			break
		}
		n++
	}
	return n
}

// need makes sure buf holds k bytes from i on, if the input has them.
func (d *jsonIn) need(k int) {
	for d.n-d.i < k && d.more() {
	}
}

// lit takes the literal word (true, false or null).
func (d *jsonIn) lit(word string) {
	d.need(len(word))
	for k := 0; k < len(word); k++ {
		if d.i >= d.n {
			d.fail(errors.New("unexpected end of JSON input"))
			return
		}
		if d.buf[d.i] != word[k] {
			d.syntax(d.buf[d.i], "in literal "+word+" (expecting "+quoteChar(word[k])+")")
			return
		}
		d.i++
	}
}

// num reads a number, checking its form, and returns its text, valid until
// the next read.
func (d *jsonIn) num() []byte {
	d.keep = d.i
	j := d.i
	at := func() byte {
		for j >= d.n {
			off := j - d.keep
			if !d.more() {
				return 0
			}
			j = d.keep + off
		}
		return d.buf[j]
	}
	digits := func() int {
		k := 0
		for c := at(); '0' <= c && c <= '9'; c = at() {
			j++
			k++
		}
		return k
	}
	bad := func(context string) []byte {
		c := at()
		d.i, d.keep = j, -1
		d.syntax(c, context)
		return nil
	}
	if at() == '-' {
		j++
	}
	switch c := at(); {
	case c == '0':
		j++
	case '1' <= c && c <= '9':
		digits()
	default:
		return bad("in numeric literal")
	}
	if at() == '.' {
		j++
		if digits() == 0 {
			return bad("after decimal point in numeric literal")
		}
	}
	if c := at(); c == 'e' || c == 'E' {
		j++
		if c := at(); c == '+' || c == '-' {
			j++
		}
		if digits() == 0 {
			return bad("in exponent of numeric literal")
		}
	}
	if d.err != nil {
		return nil
	}
	s := d.buf[d.keep:j]
	d.i, d.keep = j, -1
	return s
}

// skip reads any value and throws it away, checking that it is well formed.
func (d *jsonIn) skip() {
	var open []byte // the arrays and objects skip is inside
	for d.err == nil {
		c := d.ws()
		switch {
		case c == '{' || c == '[':
			if !d.enter() {
				return
			}
			open = append(open, c)
			next := d.ws()
			if c == '[' && next == ']' || c == '{' && next == '}' {
				d.i++
				d.depth--
				open = open[:len(open)-1]
				break
			}
			if c == '{' && !d.key() {
				return
			}
			continue
		case c == '"':
			d.str()
		case c == 't':
			d.lit("true")
		case c == 'f':
			d.lit("false")
		case c == 'n':
			d.lit("null")
		case c == '-' || '0' <= c && c <= '9':
			d.num()
		default:
			d.syntax(c, "looking for beginning of value")
			return
		}
		// After a value: the next of its array or object, or their ends.
		for d.err == nil {
			if len(open) == 0 {
				return
			}
			top := open[len(open)-1]
			c := d.ws()
			if c == ',' {
				d.i++
				if top == '{' && !d.key() {
					return
				}
				break
			}
			if top == '[' && c == ']' || top == '{' && c == '}' {
				d.i++
				d.depth--
				open = open[:len(open)-1]
				continue
			}
			if top == '[' {
				d.syntax(c, "after array element")
			} else {
				d.syntax(c, "after object key:value pair")
			}
			return
		}
	}
}

// key reads an object's key and the colon after it, for skip.
func (d *jsonIn) key() bool {
	if c := d.ws(); c != '"' {
		d.syntax(c, "looking for beginning of object key string")
		return false
	}
	d.str()
	return d.expect(':', "after object key")
}

// kind is what the JSON value starting with c is, as encoding/json says in
// a type error.
func kind(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// typeErr fails the decoding: the value at the next byte is not what the
// field takes.
func (d *jsonIn) typeErr(c byte, field, want string) {
	if d.err != nil {
		return
	}
	switch c {
	case '"', '{', '[', 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
	default:
		d.syntax(c, "looking for beginning of value")
		return
	}
	d.fail(fmt.Errorf("json: cannot unmarshal %s into Go struct field Task.%s of type %s", kind(c), field, want))
}

// id is a string that many tasks share (a project's, a column's, a
// person's): one copy of each is kept.
func (d *jsonIn) id(b []byte, slot int) string {
	// Tasks in a row mostly share them: the field's last one is tried
	// first.
	if string(b) == d.last[slot] {
		return d.last[slot]
	}
	s, ok := d.ids[string(b)]
	if !ok {
		s = string(b)
		if d.ids == nil {
			d.ids = make(map[string]string, 64)
		}
		if len(d.ids) < maxInterned {
			d.ids[s] = s
		}
	}
	d.last[slot] = s
	return s
}

// The fields whose values many tasks share (see id); notShared for the
// rest.
const (
	notShared = iota - 1
	idProject
	idStatus
	idParent
	idPriority
	idReopen
	idCreator
	idAssignee
	idLabel
	idSlots
)

// text reads a string field: null leaves it as it was.
func (d *jsonIn) text(dst *string, field string, shared int) {
	switch c := d.ws(); c {
	case '"':
		b := d.str()
		if d.err != nil {
			return
		}
		switch {
		case shared != notShared:
			*dst = d.id(b, shared)
		case d.inTask:
			// One string for all of a task's own text, cut up once the
			// task is read (see own).
			d.own = append(d.own, later{dst, len(d.text1), len(d.text1) + len(b)})
			d.text1 = append(d.text1, b...)
		default:
			*dst = string(b)
		}
	case 'n':
		d.lit("null")
	default:
		d.typeErr(c, field, "string")
	}
}

// optText reads a string that may be null.
func (d *jsonIn) optText(dst **string, field string, shared int) {
	switch c := d.ws(); c {
	case '"':
		p := d.newString()
		d.text(p, field, shared)
		*dst = p
	case 'n':
		d.lit("null")
		*dst = nil
	default:
		d.typeErr(c, field, "string")
	}
}

// later is a string of a task's own text, at text1[a:b], for dst.
type later struct {
	dst  *string
	a, b int
}

// ownText gives a task's own strings (its id, title, description,
// position) their values: pieces of one string.
func (d *jsonIn) ownText() {
	if len(d.own) > 0 {
		all := string(d.text1)
		for _, l := range d.own {
			*l.dst = all[l.a:l.b]
		}
	}
	d.own, d.text1 = d.own[:0], d.text1[:0]
}

// The values pointer fields point to are made a block at a time.
const slab = 128

func (d *jsonIn) newString() *string {
	if len(d.strings) == 0 {
		d.strings = make([]string, slab)
	}
	p := &d.strings[0]
	d.strings = d.strings[1:]
	return p
}

func (d *jsonIn) newTime() *time.Time {
	if len(d.times) == 0 {
		d.times = make([]time.Time, slab)
	}
	p := &d.times[0]
	d.times = d.times[1:]
	return p
}

func (d *jsonIn) newFloat() *float64 {
	if len(d.floats) == 0 {
		d.floats = make([]float64, slab)
	}
	p := &d.floats[0]
	d.floats = d.floats[1:]
	return p
}

// texts reads an array of strings (a null element leaves what was there).
// A key given twice is read into what the first left, as encoding/json
// does: its array's elements stay where the second is null.
func (d *jsonIn) texts(dst *[]string, field string, shared int) {
	switch c := d.ws(); c {
	case 'n':
		d.lit("null")
		*dst = nil
		return
	case '[':
	default:
		d.typeErr(c, field, "[]string")
		return
	}
	if !d.enter() {
		return
	}
	s, i := *dst, 0
	if d.ws() == ']' {
		d.i++
		d.depth--
		*dst = []string{}
		return
	}
	for d.err == nil {
		if i >= cap(s) {
			s = slices.Grow(s, 1)
		}
		if i >= len(s) {
			s = s[:i+1]
		}
		d.text(&s[i], field, shared)
		i++
		switch c := d.ws(); c {
		case ',':
			d.i++
		case ']':
			d.i++
			d.depth--
			*dst = s[:i]
			return
		default:
			d.syntax(c, "after array element")
		}
	}
}

func (d *jsonIn) boolean(dst *bool, field string) {
	switch c := d.ws(); c {
	case 't':
		d.lit("true")
		*dst = true
	case 'f':
		d.lit("false")
		*dst = false
	case 'n':
		d.lit("null")
	default:
		d.typeErr(c, field, "bool")
	}
}

func (d *jsonIn) integer(dst *int64, field, typ string) {
	switch c := d.ws(); {
	case c == '-' || '0' <= c && c <= '9':
		b := d.num()
		if d.err != nil {
			return
		}
		if v, ok := smallInt(b); ok {
			*dst = v
			return
		}
		v, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			d.fail(fmt.Errorf("json: cannot unmarshal number %s into Go struct field Task.%s of type %s", b, field, typ))
			return
		}
		*dst = v
	case c == 'n':
		d.lit("null")
	default:
		d.typeErr(c, field, typ)
	}
}

// smallInt reads an integer of up to 18 digits.
func smallInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

func (d *jsonIn) optFloat(dst **float64, field string) {
	switch c := d.ws(); {
	case c == '-' || '0' <= c && c <= '9':
		b := d.num()
		if d.err != nil {
			return
		}
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			d.fail(fmt.Errorf("json: cannot unmarshal number %s into Go struct field Task.%s of type float64", b, field))
			return
		}
		p := d.newFloat()
		*p = v
		*dst = p
	case c == 'n':
		d.lit("null")
		*dst = nil
	default:
		d.typeErr(c, field, "float64")
	}
}

// The fields of a task, by their JSON names.
const (
	tfUnknown = iota
	tfID
	tfProjectID
	tfStatusID
	tfParentTaskID
	tfTitle
	tfDescription
	tfPriority
	tfDueDate
	tfCompletedAt
	tfIsArchived
	tfEstimatedHours
	tfPosition
	tfReopenStatusID
	tfAssigneeIDs
	tfLabelIDs
	tfCreatorID
	tfCommentCount
	tfCreatedAt
	tfUpdatedAt
	tfVersion
	tfCount
)

var taskFieldNames = [tfCount]string{"", "id", "projectId", "statusId", "parentTaskId", "title", "description", "priority",
	"dueDate", "completedAt", "isArchived", "estimatedHours", "position", "reopenStatusId", "assigneeIds", "labelIds",
	"creatorId", "commentCount", "createdAt", "updatedAt", "version"}

// taskField is the field a key names: its exact name, or else its name in
// any case (as encoding/json matches).
func taskField(k []byte) int {
	switch string(k) {
	case "id":
		return tfID
	case "projectId":
		return tfProjectID
	case "statusId":
		return tfStatusID
	case "parentTaskId":
		return tfParentTaskID
	case "title":
		return tfTitle
	case "description":
		return tfDescription
	case "priority":
		return tfPriority
	case "dueDate":
		return tfDueDate
	case "completedAt":
		return tfCompletedAt
	case "isArchived":
		return tfIsArchived
	case "estimatedHours":
		return tfEstimatedHours
	case "position":
		return tfPosition
	case "reopenStatusId":
		return tfReopenStatusID
	case "assigneeIds":
		return tfAssigneeIDs
	case "labelIds":
		return tfLabelIDs
	case "creatorId":
		return tfCreatorID
	case "commentCount":
		return tfCommentCount
	case "createdAt":
		return tfCreatedAt
	case "updatedAt":
		return tfUpdatedAt
	case "version":
		return tfVersion
	}
	for f := tfID; f < tfCount; f++ {
		if bytes.EqualFold(k, []byte(taskFieldNames[f])) {
			return f
		}
	}
	return tfUnknown
}

// task reads one task into t, as Task's UnmarshalJSON always has: null is
// the zero task, times in any ISO 8601 form, no priority is none.
func (d *jsonIn) task(t *Task) {
	c := d.ws()
	switch c {
	case 'n':
		d.lit("null")
		*t = Task{Priority: PriorityNone}
		return
	case '{':
	default:
		if d.err == nil {
			switch c {
			case '"', '[', 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
				d.fail(fmt.Errorf("json: cannot unmarshal %s into Go value of type api.Task", kind(c)))
			default:
				d.syntax(c, "looking for beginning of value")
			}
		}
		return
	}
	if !d.enter() {
		return
	}
	*t = Task{}
	d.inTask, d.own, d.text1 = true, d.own[:0], d.text1[:0]
	// The times are parsed once the object is read, as the wrapper
	// encoding/json filled used to be; the form lanes sends, at once.
	var times [4]timeSlot
	var comments int64
	c = d.ws()
	if c == '}' {
		d.i++
		d.depth--
	}
	for c != '}' && d.err == nil {
		if c != '"' {
			d.syntax(c, "looking for beginning of object key string")
			return
		}
		f := taskField(d.str())
		if !d.expect(':', "after object key") {
			return
		}
		switch f {
		case tfID:
			d.text(&t.ID, "id", notShared)
		case tfProjectID:
			d.text(&t.ProjectID, "projectId", idProject)
		case tfStatusID:
			d.optText(&t.StatusID, "statusId", idStatus)
		case tfParentTaskID:
			d.optText(&t.ParentTaskID, "parentTaskId", idParent)
		case tfTitle:
			d.text(&t.Title, "title", notShared)
		case tfDescription:
			d.optText(&t.Description, "description", notShared)
		case tfPriority:
			p := string(t.Priority)
			d.text(&p, "priority", idPriority)
			t.Priority = Priority(p)
		case tfDueDate:
			d.time(&times[0], "dueDate")
		case tfCompletedAt:
			d.time(&times[1], "completedAt")
		case tfCreatedAt:
			d.time(&times[2], "createdAt")
		case tfUpdatedAt:
			d.time(&times[3], "updatedAt")
		case tfIsArchived:
			d.boolean(&t.IsArchived, "isArchived")
		case tfEstimatedHours:
			d.optFloat(&t.EstimatedHours, "estimatedHours")
		case tfPosition:
			d.text(&t.Position, "position", notShared)
		case tfReopenStatusID:
			d.optText(&t.ReopenStatusID, "reopenStatusId", idReopen)
		case tfAssigneeIDs:
			d.texts(&t.AssigneeIDs, "assigneeIds", idAssignee)
		case tfLabelIDs:
			d.texts(&t.LabelIDs, "labelIds", idLabel)
		case tfCreatorID:
			d.text(&t.CreatorID, "creatorId", idCreator)
		case tfCommentCount:
			d.integer(&comments, "commentCount", "int")
			t.CommentCount = int(comments)
		case tfVersion:
			d.integer(&t.Version, "version", "int64")
		default:
			d.skip()
		}
		switch c = d.ws(); c {
		case ',':
			d.i++
			c = d.ws()
			if c == '}' {
				d.syntax(c, "looking for beginning of object key string")
				return
			}
		case '}':
			d.i++
			d.depth--
		default:
			d.syntax(c, "after object key:value pair")
			return
		}
	}
	if d.err != nil {
		return
	}
	d.inTask = false
	d.ownText()
	for k, name := range [4]string{"dueDate", "completedAt", "createdAt", "updatedAt"} {
		if !times[k].set {
			continue
		}
		at, err := times[k].value(name)
		if err != nil {
			d.fail(err)
			return
		}
		switch k {
		case 0:
			t.DueDate = d.newTime()
			*t.DueDate = at
		case 1:
			t.CompletedAt = d.newTime()
			*t.CompletedAt = at
		case 2:
			t.CreatedAt = at
		case 3:
			t.UpdatedAt = at
		}
	}
	if t.Priority == "" {
		t.Priority = PriorityNone
	}
}

// timeSlot is a time field as read: none (null or ""), a time in the
// form lanes sends, or some other text for parseTime.
type timeSlot struct {
	set  bool
	at   time.Time
	text *string
}

// time reads a time field, as the *string it was read into before.
func (d *jsonIn) time(dst *timeSlot, field string) {
	switch c := d.ws(); c {
	case '"':
		b := d.str()
		if d.err != nil {
			return
		}
		*dst = timeSlot{}
		if len(b) == 0 {
			return
		}
		dst.set = true
		if at, ok := utcTime(b); ok {
			dst.at = at
			return
		}
		s := string(b)
		dst.text = &s
	case 'n':
		d.lit("null")
		*dst = timeSlot{}
	default:
		d.typeErr(c, field, "string")
	}
}

func (s timeSlot) value(name string) (time.Time, error) {
	if s.text == nil {
		return s.at, nil
	}
	p, err := optTime(name, s.text)
	if err != nil {
		return time.Time{}, err
	}
	return *p, nil
}

// utcTime reads a UTC time of the form 2006-01-02T15:04:05[.fraction]Z,
// every part in range; anything else is left to parseTime.
func utcTime(s []byte) (time.Time, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	num := func(a, b int) int {
		v := 0
		for _, c := range s[a:b] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec := num(11, 13), num(14, 16), num(17, 19)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	if day > daysIn(month, year) {
		return time.Time{}, false
	}
	nsec := 0
	switch frac := s[19 : len(s)-1]; {
	case len(frac) == 0:
	case frac[0] == '.' && len(frac) >= 2 && len(frac) <= 10:
		v := num(20, len(s)-1)
		if v < 0 {
			return time.Time{}, false
		}
		for k := len(frac) - 1; k < 9; k++ {
			v *= 10
		}
		nsec = v
	default:
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// end checks that nothing but white space follows the value.
func (d *jsonIn) end() {
	if c := d.ws(); d.err == nil && (c != 0 || d.i < d.n) {
		d.syntax(c, "after top-level value")
	}
}

// decodeTaskList reads a JSON array of tasks (or null) from src as it
// arrives, each task as Task's UnmarshalJSON reads it. clean makes every
// string safe as the client's answers are (see safe.JSON). An answer of
// nothing but white space is no tasks, as for every other answer.
func decodeTaskList(src io.Reader, clean bool) ([]Task, error) {
	var c taskCollector
	if err := readTaskList(src, clean, &c); err != nil {
		return nil, err
	}
	return c.all(), nil
}

// readTaskList reads a JSON array of tasks (or null) from src into sink.
func readTaskList(src io.Reader, clean bool, sink taskSink) error {
	d := newJSONIn(src, clean)
	d.taskList(sink, true)
	d.end()
	return d.err
}

// taskSink is where a list's tasks go as they are read: slot is where the
// next is read into, and took is told once it has been.
type taskSink interface {
	slot() *Task
	took(*Task)
}

// taskCollector gathers a list's tasks, in blocks, so a long list is not
// copied again and again as it grows.
type taskCollector struct {
	full  [][]Task
	cur   []Task
	n     int
	array bool // the list was an array (so none is []Task{}, not nil)
}

func (c *taskCollector) slot() *Task {
	c.array = true
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]Task, 0, min(max(16, 2*cap(c.cur)), 4096))
	}
	c.cur = c.cur[:len(c.cur)+1]
	c.n++
	return &c.cur[len(c.cur)-1]
}

func (c *taskCollector) took(*Task) {}

// all is the tasks in order.
func (c *taskCollector) all() []Task {
	switch {
	case len(c.full) > 0:
		out := make([]Task, 0, c.n)
		for _, b := range c.full {
			out = append(out, b...)
		}
		return append(out, c.cur...)
	case c.cur != nil:
		return c.cur
	case c.array:
		return []Task{}
	}
	return nil
}

// taskEach hands each task to fn as it is read, reading each into the
// same Task.
type taskEach struct {
	t  Task
	fn func(*Task)
}

func (e *taskEach) slot() *Task  { return &e.t }
func (e *taskEach) took(t *Task) { e.fn(t) }

// arrayMark is a sink's note that the list was an array, even an empty
// one.
type arrayMark interface{ isArray() }

func (c *taskCollector) isArray() { c.array = true }

// taskList reads an array of tasks or null into sink; at the very start
// of an answer (top), nothing but white space reads as null.
func (d *jsonIn) taskList(sink taskSink, top bool) {
	c := d.ws()
	switch {
	case c == 'n':
		d.lit("null")
		return
	case c == '[':
	case top && d.blank():
		return
	default:
		if d.err == nil {
			switch c {
			case '"', '{', 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
				if top {
					d.skip()
					if d.err == nil {
						d.end()
					}
				}
				d.fail(fmt.Errorf("json: cannot unmarshal %s into Go value of type []api.Task", kind(c)))
			default:
				d.syntax(c, "looking for beginning of value")
			}
		}
		return
	}
	if !d.enter() {
		return
	}
	if m, ok := sink.(arrayMark); ok {
		m.isArray()
	}
	if d.ws() == ']' {
		d.i++
		d.depth--
		return
	}
	for d.err == nil {
		t := sink.slot()
		d.task(t)
		if d.err != nil {
			return
		}
		sink.took(t)
		switch c := d.ws(); c {
		case ',':
			d.i++
		case ']':
			d.i++
			d.depth--
			return
		default:
			d.syntax(c, "after array element")
		}
	}
}

// blank says whether what is left of the input, from the start, is only
// white space as bytes.TrimSpace sees it (which the client has always
// taken as no answer). It reads at most a little.
func (d *jsonIn) blank() bool {
	for !d.eof && d.n-d.i < 4096 && d.more() {
	}
	if !d.eof || d.err != nil || len(bytes.TrimSpace(d.buf[d.i:d.n])) > 0 {
		return false
	}
	d.i = d.n
	return true
}

// UnmarshalJSON reads a task, taking its times in any ISO 8601 form (a
// seed server's due date may be a date alone).
func (t *Task) UnmarshalJSON(b []byte) error {
	d := bytesJSONIn(b, false)
	var n Task
	d.task(&n)
	d.end()
	if d.err != nil {
		return d.err
	}
	*t = n
	return nil
}
