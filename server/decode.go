package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/lanesboard/lanes/server/store"
)

// maxBody is the largest request body accepted.
const maxBody = 1 << 20

// body is a request's JSON object, field by field, so that a field left out,
// a field set to null and a field of the wrong type can be told apart.
type body map[string]json.RawMessage

// pathAndBody reads a request about one object named by the id in its
// path (kind names it in errors) that carries a JSON object: the id, the
// raw body (kept for idempotent replays) and the object.
func pathAndBody(r *http.Request, kind string) (id string, raw []byte, b body, err error) {
	if id, err = pathUUID(r, "id", kind); err != nil {
		return "", nil, nil, err
	}
	raw, b, err = readBody(r)
	return id, raw, b, err
}

// readBody reads the request's JSON object and keeps the raw bytes for the
// idempotency hash.
func readBody(r *http.Request) ([]byte, body, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, nil, &apiError{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("Request body must be at most %d MiB", tooBig.Limit>>20), Code: "payload_too_large"}
		}
		return nil, nil, &apiError{Status: http.StatusBadRequest, Msg: "Could not read the request body", Code: "validation_failed"}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil, invalid("", "Request body is required: send a JSON object")
	}
	var b body
	if err := json.Unmarshal(raw, &b); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, nil, invalid("", "Request body must be a JSON object")
		}
		return nil, nil, invalid("", "Request body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if b == nil {
		return nil, nil, invalid("", "Request body must be a JSON object")
	}
	return raw, b, nil
}

func (b body) has(name string) bool { _, ok := b[name]; return ok }

func (b body) isNull(name string) bool { return string(bytes.TrimSpace(b[name])) == "null" }

// opt is a field of a PATCH: left out (Set false), cleared (Null) or set.
type opt[T any] struct {
	Set  bool
	Null bool
	V    T
}

// ptr is the field as a pointer: nil when cleared or left out.
func (o opt[T]) ptr() *T {
	if !o.Set || o.Null {
		return nil
	}
	v := o.V
	return &v
}

func field[T any](b body, name, kind string, nullable bool) (opt[T], error) {
	var o opt[T]
	raw, ok := b[name]
	if !ok {
		return o, nil
	}
	o.Set = true
	if b.isNull(name) {
		if !nullable {
			return o, invalid(name, "%s must be %s, not null", name, kind)
		}
		o.Null = true
		return o, nil
	}
	if err := json.Unmarshal(raw, &o.V); err != nil {
		return o, invalid(name, "%s must be %s", name, kind)
	}
	return o, nil
}

func (b body) str(name string, nullable bool) (opt[string], error) {
	return field[string](b, name, "a string", nullable)
}

func (b body) boolean(name string) (opt[bool], error) {
	return field[bool](b, name, "true or false", false)
}

func (b body) number(name string, nullable bool) (opt[float64], error) {
	return field[float64](b, name, "a number", nullable)
}

// integer reads a whole-number field.
func (b body) integer(name string, nullable bool) (opt[int], error) {
	o, err := field[float64](b, name, "a whole number", nullable)
	if err != nil || !o.Set || o.Null {
		return opt[int]{Set: o.Set, Null: o.Null}, err
	}
	if o.V != math.Trunc(o.V) || math.Abs(o.V) > 1<<31 {
		return opt[int]{}, invalid(name, "%s must be a whole number", name)
	}
	return opt[int]{Set: true, V: int(o.V)}, nil
}

// ids reads a field holding a list of at most max UUIDs; null is the
// empty list. Repeats are dropped; the list comes back sorted.
func (b body) ids(name string, max int) (opt[[]string], error) {
	o, err := field[[]json.RawMessage](b, name, "a list of ids", true)
	if err != nil || !o.Set {
		return opt[[]string]{Set: o.Set}, err
	}
	if len(o.V) > max {
		return opt[[]string]{}, invalid(name, "%s must hold at most %d ids (got %d)", name, max, len(o.V))
	}
	out := opt[[]string]{Set: true, V: make([]string, 0, len(o.V))}
	for _, raw := range o.V {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return opt[[]string]{}, invalid(name, "%s must be a list of ids (strings)", name)
		}
		id, err := checkUUID(name, v)
		if err != nil {
			return opt[[]string]{}, invalid(name, "%s must be a list of UUIDs, and %q is not one", name, clip(v))
		}
		out.V = append(out.V, id)
	}
	slices.Sort(out.V)
	out.V = slices.Compact(out.V)
	return out, nil
}

// required reads a string field that must be there and not blank.
func (b body) required(name string) (string, error) {
	o, err := b.str(name, false)
	if err != nil {
		return "", err
	}
	if !o.Set || strings.TrimSpace(o.V) == "" {
		return "", invalid(name, "%s is required", name)
	}
	return o.V, nil
}

// requiredUUID reads an id field that must be there and be a UUID.
func (b body) requiredUUID(name string) (string, error) {
	v, err := b.required(name)
	if err != nil {
		return "", err
	}
	return checkUUID(name, v)
}

// line checks a one-line human-entered string (a title, a name): no control
// characters, trimmed, not blank, at most max runes.
func line(name, v string, max int) (string, error) {
	if err := noControls(name, v, false); err != nil {
		return "", err
	}
	return filled(name, v, max)
}

// text checks a multi-line human-entered string (a comment): no control
// characters but newline and tab, trimmed, not blank, at most max runes.
func text(name, v string, max int) (string, error) {
	if err := noControls(name, v, true); err != nil {
		return "", err
	}
	return filled(name, v, max)
}

// prose checks a multi-line string that may be empty (a description).
func prose(name, v string) (string, error) {
	if err := noControls(name, v, true); err != nil {
		return "", err
	}
	return v, nil
}

// noControls refuses a string holding a control character: C0 (U+0000 to
// U+001F), DEL (U+007F) or C1 (U+0080 to U+009F), newline and tab excepted
// in multi-line text. Every client draws these strings in someone's
// terminal, which would obey them: retitle the window, clear the screen,
// write the clipboard (OSC 52), move the cursor over other text. The check
// runs before trimming, so a trailing \r or NEL is refused, not hidden.
func noControls(name, v string, multiline bool) error {
	if msg := controlsIn(name, v, multiline); msg != "" {
		return invalid(name, "%s", msg)
	}
	return nil
}

// controlsIn is noControls' sentence ("" when v is clean), for callers
// outside HTTP such as IssueToken.
func controlsIn(name, v string, multiline bool) string {
	if !utf8.ValidString(v) {
		// JSON decoding never lets this through; a command-line argument can.
		return name + " must be valid UTF-8"
	}
	at := 0
	for _, c := range v {
		at++
		if multiline && (c == '\n' || c == '\t') {
			continue
		}
		if c < 0x20 || c >= 0x7f && c <= 0x9f {
			what := "control characters"
			if multiline {
				what = "control characters other than newline and tab"
			}
			return fmt.Sprintf("%s must not contain %s (U+%04X at character %d)", name, what, c, at)
		}
	}
	return ""
}

// filled trims v and checks it is not blank and at most max runes.
func filled(name, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", invalid(name, "%s must not be empty", name)
	}
	if n := len([]rune(v)); n > max {
		return "", invalid(name, "%s must be at most %d characters (got %d)", name, max, n)
	}
	return v, nil
}

func checkUUID(name, v string) (string, error) {
	id, err := uuid.Parse(v)
	if err != nil || len(v) != 36 {
		return "", invalid(name, "%s must be a UUID, got %q", name, clip(v))
	}
	return id.String(), nil
}

func clip(v string) string {
	if len(v) > 40 {
		return v[:40] + "…"
	}
	return v
}

var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

// checkDate reads an ISO 8601 date or date-time and returns it in the form
// the server sends. A date alone is midnight UTC; a time without a zone, UTC.
func checkDate(name, v string) (string, error) {
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			// Sent back in UTC, which must still be a four-digit year.
			if y := t.UTC().Year(); y < 0 || y > 9999 {
				return "", invalid(name, "%s must fall between the years 0000 and 9999 in UTC, got %q", name, clip(v))
			}
			return store.FormatTime(t), nil
		}
	}
	return "", invalid(name, "%s must be an ISO 8601 date such as 2026-12-01 or 2026-12-01T10:00:00Z, got %q", name, clip(v))
}

func checkEnum(name, v string, allowed ...string) (string, error) {
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", invalid(name, "%s must be one of %s", name, strings.Join(allowed, ", "))
}

var (
	priorities   = []string{"none", "low", "medium", "high", "urgent"}
	views        = []string{"kanban", "list", "calendar", "gantt"}
	grantedRoles = []string{"admin", "member", "viewer"}
)

func checkSlug(name, v string, minLen int) (string, error) {
	if err := noControls(name, v, false); err != nil {
		return "", err
	}
	if len(v) < minLen || len(v) > 50 || !slugChars(v) {
		return "", invalid(name, "%s must be %d-50 characters of a-z, 0-9 and -, got %q", name, minLen, clip(v))
	}
	return v, nil
}

func slugChars(v string) bool {
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func checkColor(name, v string) (string, error) {
	if err := noControls(name, v, false); err != nil {
		return "", err
	}
	hex := strings.TrimPrefix(v, "#")
	ok := len(v) == len(hex)+1 && (len(hex) == 3 || len(hex) == 6)
	for _, c := range hex {
		ok = ok && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')
	}
	if !ok {
		return "", invalid(name, "%s must be a hex colour such as #3b82f6, got %q", name, clip(v))
	}
	return v, nil
}

// checkHex is a colour in the one form lanes' own additions take:
// "#rrggbb".
func checkHex(name, v string) (string, error) {
	ok := len(v) == 7 && v[0] == '#'
	for i := 1; ok && i < len(v); i++ {
		c := v[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
	}
	if !ok {
		return "", invalid(name, "%s must be a colour written #rrggbb, such as #3b82f6, got %q", name, clip(v))
	}
	return v, nil
}

// hexColor reads the optional, nullable "color" of a column or a label:
// "#rrggbb", or null to clear it.
func (b body) hexColor() (opt[string], error) {
	c, err := b.str("color", true)
	if err != nil {
		return c, err
	}
	return optional(c, func(v string) (string, error) { return checkHex("color", v) })
}

func checkHours(name string, v float64) (float64, error) {
	if v < 0 || v > 100000 || math.IsNaN(v) {
		return 0, invalid(name, "%s must be between 0 and 100000", name)
	}
	return v, nil
}

// optional runs check on a field that is set and not null.
func optional[T any](o opt[T], check func(T) (T, error)) (opt[T], error) {
	if !o.Set || o.Null {
		return o, nil
	}
	var err error
	o.V, err = check(o.V)
	return o, err
}

// queryUUID reads a required UUID query parameter.
func queryUUID(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", invalid(name, "%s is required as a query parameter", name)
	}
	return checkUUID(name, v)
}

// queryBool reads an optional boolean query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	default:
		return false, invalid(name, "%s must be true or false, got %q", name, clip(v))
	}
}

// queryCount reads an optional whole-number query parameter from 1 to max
// (def when absent).
func queryCount(r *http.Request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, invalid(name, "%s must be a whole number from 1 to %d, got %q", name, max, clip(v))
	}
	return n, nil
}

// querySeq reads an optional sequence number (a cursor) from the query: 0
// when absent.
func querySeq(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, invalid(name, "%s must be a positive whole number, got %q", name, clip(v))
	}
	return n, nil
}

// pathUUID reads a UUID from the path.
func pathUUID(r *http.Request, name, what string) (string, error) {
	v := r.PathValue(name)
	id, err := uuid.Parse(v)
	if err != nil || len(v) != 36 {
		return "", invalid(name, "%s id must be a UUID, got %q", what, clip(v))
	}
	return id.String(), nil
}
