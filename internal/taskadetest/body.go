package taskadetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxText is the most characters (code points) a task's text may have.
const MaxText = 2000

// MaxTasksPerCreate is the most tasks one create may hold.
const MaxTasksPerCreate = 20

// obj is a JSON object of a body, its keys checked: path names it in
// messages ("" for the body itself).
type obj struct {
	path string
	m    map[string]json.RawMessage
}

func (o obj) name(k string) string {
	if o.path == "" {
		return k
	}
	return o.path + "." + k
}

// parseObject decodes raw, which must be a JSON object holding no key but
// those allowed (matched exactly, case and all).
func parseObject(raw json.RawMessage, path string, allowed ...string) (obj, error) {
	what := path
	if what == "" {
		what = "the body"
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return obj{}, badRequest("%s must be a JSON object", what)
	}
	o := obj{path: path}
	if err := json.Unmarshal(raw, &o.m); err != nil {
		return obj{}, badRequest("%s is not valid JSON: %v", what, err)
	}
	keys := make([]string, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(allowed, k) {
			return obj{}, badRequest("unknown key %q in %s", o.name(k), what)
		}
	}
	return o, nil
}

// present reports whether o has k with a value other than null.
func (o obj) present(k string) bool {
	raw, ok := o.m[k]
	return ok && string(bytes.TrimSpace(raw)) != "null"
}

// str is the string at k; absent or null is "" and, when required, an
// error.
func (o obj) str(k string, required bool) (string, error) {
	if !o.present(k) {
		if required {
			return "", badRequest("%s is required", o.name(k))
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(o.m[k], &s); err != nil {
		return "", badRequest("%s must be a string", o.name(k))
	}
	return s, nil
}

// object is the object at k, holding only the allowed keys.
func (o obj) object(k string, allowed ...string) (obj, error) {
	if !o.present(k) {
		return obj{}, badRequest("%s is required", o.name(k))
	}
	return parseObject(o.m[k], o.name(k), allowed...)
}

// array is the array at k.
func (o obj) array(k string) ([]json.RawMessage, error) {
	raw := bytes.TrimSpace(o.m[k])
	if !o.present(k) {
		return nil, badRequest("%s is required", o.name(k))
	}
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, badRequest("%s must be an array", o.name(k))
	}
	return items, nil
}

// oneOf checks that v, at k, is one of values.
func (o obj) oneOf(k, v string, values ...string) error {
	if !slices.Contains(values, v) {
		return badRequest("%s must be one of %s, not %q", o.name(k), strings.Join(values, ", "), v)
	}
	return nil
}

var contentTypes = []string{"text/markdown", "text/plain"}

var positions = []string{"beforebegin", "afterbegin", "beforeend", "afterend"}

// checkText holds a task's text to the API's rules: at most MaxText
// characters, with no CR or LF.
func checkText(name, s string) error {
	if n := utf8.RuneCountInString(s); n > MaxText {
		return badRequest("%s has %d characters, over the %d allowed", name, n, MaxText)
	}
	if strings.ContainsAny(s, "\r\n") {
		return badRequest("%s must not hold a carriage return or line feed", name)
	}
	return nil
}

// validDate reports whether s is a calendar date written YYYY-MM-DD.
func validDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// validTime reports whether s is HH:MM or HH:MM:SS.
func validTime(s string) bool {
	if len(s) != 5 && len(s) != 8 {
		return false
	}
	layout := "15:04"
	if len(s) == 8 {
		layout = time.TimeOnly
	}
	_, err := time.Parse(layout, s)
	return err == nil
}

// validTimezone reports whether s looks like an IANA zone name (UTC,
// Europe/Paris, America/Argentina/Buenos_Aires, Etc/GMT+3). The zone
// database is not consulted.
func validTimezone(s string) bool {
	if s == "" || len(s) > 64 || !(s[0] >= 'A' && s[0] <= 'Z' || s[0] >= 'a' && s[0] <= 'z') {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("/_+-", r)) {
			return false
		}
	}
	return !strings.Contains(s, "//") && !strings.HasSuffix(s, "/")
}

// dateValue reads a Date object {date, time?, timezone?} at k.
func (o obj) dateValue(k string) (dateVal, error) {
	d, err := o.object(k, "date", "time", "timezone")
	if err != nil {
		return dateVal{}, err
	}
	var v dateVal
	if v.date, err = d.str("date", true); err != nil {
		return dateVal{}, err
	}
	if !validDate(v.date) {
		return dateVal{}, badRequest("%s must be a date written YYYY-MM-DD, not %q", d.name("date"), v.date)
	}
	if v.time, err = d.str("time", false); err != nil {
		return dateVal{}, err
	}
	if d.present("time") && !validTime(v.time) {
		return dateVal{}, badRequest("%s must be HH:MM or HH:MM:SS, not %q", d.name("time"), v.time)
	}
	if v.timezone, err = d.str("timezone", false); err != nil {
		return dateVal{}, err
	}
	if d.present("timezone") && !validTimezone(v.timezone) {
		return dateVal{}, badRequest("%s must be an IANA time zone name, not %q", d.name("timezone"), v.timezone)
	}
	return v, nil
}

func isAlnum(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
}

// isProjectID: 16 letters and digits.
func isProjectID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := range len(s) {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// isSpaceID (a workspace's or folder's): 16 characters, or 9; letters,
// digits, _ and -.
func isSpaceID(s string) bool {
	if len(s) != 16 && len(s) != 9 {
		return false
	}
	for i := range len(s) {
		if !isAlnum(s[i]) && s[i] != '_' && s[i] != '-' {
			return false
		}
	}
	return true
}

// isUUID: 8-4-4-4-12 hex digits.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// quote is s for a message: quoted, and cut if long.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return fmt.Sprintf("%q", s)
}
