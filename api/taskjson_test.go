package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/lanesboard/lanes/internal/safe"
)

// refTask is Task read as lanes read it before the streaming decoder:
// encoding/json into a wrapper, then the times parsed. It is the oracle
// the decoder is held to.
type refTask Task

func (t *refTask) UnmarshalJSON(b []byte) error {
	type plain Task
	var w struct {
		plain
		DueDate     *string `json:"dueDate"`
		CompletedAt *string `json:"completedAt"`
		CreatedAt   *string `json:"createdAt"`
		UpdatedAt   *string `json:"updatedAt"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = refTask(w.plain)
	var err error
	if t.DueDate, err = optTime("dueDate", w.DueDate); err != nil {
		return err
	}
	if t.CompletedAt, err = optTime("completedAt", w.CompletedAt); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		src  *string
		dst  *time.Time
	}{{"createdAt", w.CreatedAt, &t.CreatedAt}, {"updatedAt", w.UpdatedAt, &t.UpdatedAt}} {
		p, err := optTime(f.name, f.src)
		if err != nil {
			return err
		}
		if p != nil {
			*f.dst = *p
		}
	}
	if t.Priority == "" {
		t.Priority = PriorityNone
	}
	return nil
}

// refList is a task list as the client read it before: the whole answer,
// cleaned by safe.JSON, through encoding/json.
func refList(raw []byte) ([]Task, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	var out []refTask
	if err := json.Unmarshal(safe.JSON(raw), &out); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, nil
	}
	tasks := make([]Task, len(out))
	for i := range out {
		tasks[i] = Task(out[i])
	}
	return tasks, nil
}

// chunky hands out what it reads in pieces of random sizes, so values are
// cut at every place by the end of what has arrived.
type chunky struct {
	r   io.Reader
	rnd *rand.Rand
}

func (c chunky) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1+c.rnd.IntN(min(len(p), 97))]
	}
	return c.r.Read(p)
}

// readers are the ways an answer may arrive.
func readers(raw []byte, rnd *rand.Rand) map[string]io.Reader {
	return map[string]io.Reader{
		"whole":    bytes.NewReader(raw),
		"one-byte": iotest.OneByteReader(bytes.NewReader(raw)),
		"chunks":   chunky{bytes.NewReader(raw), rnd},
	}
}

// sameList fails t unless the decoder reads raw as encoding/json did.
func sameList(t *testing.T, raw []byte, rnd *rand.Rand) {
	t.Helper()
	want, werr := refList(raw)
	for how, r := range readers(raw, rnd) {
		got, err := decodeTaskList(r, true)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%s: decoder error %v, encoding/json error %v, on\n%q", how, err, werr, raw)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: decoder read\n%#v\nencoding/json read\n%#v\nfrom\n%q", how, got, want, raw)
		}
	}
}

// sameTask fails t unless Task's UnmarshalJSON reads raw as the old one
// did, alone and inside encoding/json.
func sameTask(t *testing.T, raw []byte) {
	t.Helper()
	var want refTask
	werr := want.UnmarshalJSON(raw)
	var got Task
	err := got.UnmarshalJSON(raw)
	if (err == nil) != (werr == nil) {
		t.Fatalf("UnmarshalJSON error %v, old one's %v, on\n%q", err, werr, raw)
	}
	if err == nil && !reflect.DeepEqual(got, Task(want)) {
		t.Fatalf("UnmarshalJSON read\n%#v\nthe old one read\n%#v\nfrom\n%q", got, Task(want), raw)
	}
	var wants, gots []refTask
	var gotTasks []Task
	werr, err = json.Unmarshal(raw, &wants), json.Unmarshal(raw, &gotTasks)
	_ = gots
	if (err == nil) != (werr == nil) {
		t.Fatalf("through encoding/json: error %v, old one's %v, on\n%q", err, werr, raw)
	}
}

// gen makes task-shaped JSON, mostly well formed, with every kind of
// value in every field now and then.
type gen struct{ r *rand.Rand }

func (g gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g gen) ws() string {
	if g.r.IntN(4) > 0 {
		return ""
	}
	return g.pick(" ", "\n", "\t", "\r\n  ", "  ")
}

// str is a JSON string literal of hostile content.
func (g gen) str() string {
	var b strings.Builder
	b.WriteByte('"')
	n := g.r.IntN(12)
	if g.r.IntN(20) == 0 {
		n = 200 + g.r.IntN(3000)
	}
	for range n {
		switch g.r.IntN(30) {
		case 0:
			b.WriteString(g.pick(`\n`, `\t`, `\r`, `\b`, `\f`, `\/`, `\\`, `\"`, `\r\n`, `\u000d\u000A`, `\r\u000a`))
		case 1:
			fmt.Fprintf(&b, `\u%04x`, g.r.IntN(0x100))
		case 2:
			fmt.Fprintf(&b, `\u%04X`, 0xd800+g.r.IntN(0x800)) // a surrogate, paired or not
		case 3:
			b.WriteString(g.pick("\x7f", "\xc2\x85", "\xc2\x9f", "\xc2\xa0", "\xff", "\xc3", "\xe2\x82", "é", "日本", "😀", "\u2028"))
		case 4:
			b.WriteString(g.pick(`\x`, `\u12`, "\x01", `\'`, `\u00g0`)) // broken
		default:
			b.WriteByte(byte('a' + g.r.IntN(26)))
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (g gen) num() string {
	switch g.r.IntN(12) {
	case 0:
		return g.pick("1.5", "-0", "0", "1e3", "1E+2", "-2.5e-3", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
			"1e400", "123456789012345678901234", "0.0", "01", "1.", ".5", "-", "1e", "+1", "0x10", "Infinity", "NaN")
	default:
		return fmt.Sprint(g.r.IntN(1000))
	}
}

func (g gen) time() string {
	return `"` + g.pick("2026-01-02T15:04:05.000Z", "2026-01-02T15:04:05Z", "2026-01-02T15:04:05.123456789Z", "2026-01-02T15:04:05.1234567891Z",
		"2026-02-29T00:00:00.000Z", "2024-02-29T00:00:00.000Z", "2026-13-01T00:00:00.000Z", "2026-01-02T24:00:00.000Z", "2026-01-02T23:60:00.000Z",
		"2026-01-02T23:59:60.000Z", "2026-01-02", "2026-01-02 10:11:12", "2026-01-02T10:11:12", "2026-01-02T10:11:12+02:00",
		"2026-01-02T10:11:12.5-07:30", "2026-01-02t10:11:12z", "", " ", "yesterday", "2026-01-02T15:04:05.Z", "0000-01-01T00:00:00.000Z",
		"2026-04-31T00:00:00.000Z", "2026-01-02T15:04:05,000Z", "2026-1-02T15:04:05.000Z") + `"`
}

// value is any JSON value, nested a little.
func (g gen) value(depth int) string {
	switch k := g.r.IntN(9); {
	case k == 0 && depth < 4:
		var parts []string
		for range g.r.IntN(4) {
			parts = append(parts, g.ws()+g.value(depth+1)+g.ws())
		}
		return "[" + strings.Join(parts, ",") + "]"
	case k == 1 && depth < 4:
		var parts []string
		for range g.r.IntN(4) {
			parts = append(parts, g.str()+g.ws()+":"+g.ws()+g.value(depth+1))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case k == 2:
		return g.pick("true", "false", "null", "nul", "tru", "nulll")
	case k == 3:
		return g.num()
	}
	return g.str()
}

// key is a task field's name, as lanes sends it or otherwise.
func (g gen) key(name string) string {
	switch g.r.IntN(15) {
	case 0:
		return `"` + strings.ToUpper(name) + `"`
	case 1:
		return `"` + strings.ToLower(name) + `"`
	case 2:
		if name == "id" {
			return `"\u0069d"`
		}
		return `"` + strings.Replace(name, "k", "\u212a", 1) + `"` // Kelvin sign folds to k
	case 3:
		return `"` + name + ` "`
	}
	return `"` + name + `"`
}

func (g gen) field(name string) string {
	good := g.r.IntN(6) > 0
	var v string
	switch name {
	case "id", "title", "position", "projectId", "creatorId", "priority":
		v = g.str()
		if name == "priority" && good {
			v = `"` + g.pick("none", "low", "medium", "high", "urgent", "", "asap") + `"`
		}
	case "statusId", "parentTaskId", "description", "reopenStatusId":
		v = g.pick(g.str(), "null")
	case "dueDate", "completedAt", "createdAt", "updatedAt":
		v = g.pick(g.time(), "null")
	case "isArchived":
		v = g.pick("true", "false", "null")
	case "estimatedHours", "commentCount", "version":
		v = g.pick(g.num(), "null")
	case "assigneeIds", "labelIds":
		var parts []string
		for range g.r.IntN(4) {
			parts = append(parts, g.pick(g.str(), `"u1"`, "null"))
		}
		v = g.pick("["+strings.Join(parts, ",")+"]", "null", "[]")
	}
	if !good {
		v = g.value(0)
	}
	return g.key(name) + g.ws() + ":" + g.ws() + v
}

func (g gen) task() string {
	if g.r.IntN(30) == 0 {
		return g.value(0)
	}
	names := append([]string(nil), taskFieldNames[1:]...)
	g.r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	var parts []string
	for _, n := range names[:g.r.IntN(len(names)+1)] {
		parts = append(parts, g.ws()+g.field(n)+g.ws())
		if g.r.IntN(10) == 0 {
			parts = append(parts, g.field(n)) // again: the last stands
		}
		if g.r.IntN(8) == 0 {
			parts = append(parts, g.str()+":"+g.value(0))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func (g gen) list() string {
	var parts []string
	for range g.r.IntN(5) {
		parts = append(parts, g.ws()+g.task()+g.ws())
	}
	return g.ws() + "[" + strings.Join(parts, ",") + "]" + g.ws()
}

// mangle breaks a document now and then: cut short, a byte changed, a
// byte dropped, junk after it.
func (g gen) mangle(s string) string {
	if len(s) == 0 || g.r.IntN(4) > 0 {
		return s
	}
	i := g.r.IntN(len(s))
	switch g.r.IntN(4) {
	case 0:
		return s[:i]
	case 1:
		return s[:i] + string([]byte{byte(g.r.IntN(256))}) + s[i+1:]
	case 2:
		return s[:i] + s[i+1:]
	}
	return s + g.pick("x", " ]", ",", "[]", "\x00")
}

// TestTaskListDecoderAgreesWithEncodingJSON holds the streaming decoder to
// what encoding/json (with the old wrapper and safe.JSON) made of the same
// answer, on random task lists with every kind of wrong and hostile value,
// arriving whole, a byte at a time and in random pieces.
func TestTaskListDecoderAgreesWithEncodingJSON(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	g := gen{rnd}
	for range *decodeCases {
		raw := []byte(g.mangle(g.list()))
		sameList(t, raw, rnd)
	}
	for range *decodeCases {
		sameTask(t, []byte(g.mangle(g.task())))
	}
}

var decodeCases = flag.Int("lanes.decodecases", 4000, "random lists and tasks the decoder is held to encoding/json on (try 200000)")

// TestTaskListDecoderHostileInput: what a hostile or broken server may
// send is an error, never a panic, and the decoder agrees with
// encoding/json on each.
func TestTaskListDecoderHostileInput(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	deep := strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000)
	deeper := strings.Repeat("[", 10_001) + strings.Repeat("]", 10_001)
	for _, raw := range []string{
		"", " ", "\n\t", "\f", "\u00a0", "\u0085", " \u2028 ", "null", " null ", "[]", "[null]", "{}", `"x"`, "1", "true",
		"[", "]", "[,]", "[1]", `["x"]`, "[[]]", "[{}", "[{}]x", "[{},]", `[{"id":}]`, `[{"id" "x"}]`, `[{"id":"x",}]`,
		`[{"id":"x"}{"id":"y"}]`, `[{"x":` + deep + `}]`, `[{"x":` + deeper + `}]`, deep, deeper,
		`[{"title":"\ud83d\ude00 \ud83d \ude00 \udc00\ud800"}]`, `[{"title":"a\u0000b\u001b[2Jc\u009b"}]`,
		`[{"title":"x` + "\x1b" + `y"}]`, `[{"dueDate":"2026-02-30"}]`, `[{"commentCount":1e2}]`, `[{"version":-0}]`,
		`[{"estimatedHours":1e999}]`, `[{"assigneeIds":[1]}]`, `[{"assigneeIds":{}}]`, `[{"labelIds":[null,"a"]}]`,
		`[{"priority":null}]`, `[{"id":"a","ID":"b","Id":"c"}]`, "\xef\xbb\xbf[]", "[]\x00", `[{"title":"` + strings.Repeat("é", 40_000) + `"}]`,
	} {
		sameList(t, []byte(raw), rnd)
		sameTask(t, []byte(raw))
	}
}

// FuzzTaskList holds the decoder to encoding/json on whatever the fuzzer
// makes: go test ./api -run X -fuzz FuzzTaskList.
func FuzzTaskList(f *testing.F) {
	g := gen{rand.New(rand.NewPCG(5, 6))}
	for range 50 {
		f.Add([]byte(g.list()))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		rnd := rand.New(rand.NewPCG(uint64(len(raw)), 7))
		sameList(t, raw, rnd)
		sameTask(t, raw)
	})
}
