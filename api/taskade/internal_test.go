package taskade

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestObserveRate(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	c := New("http://127.0.0.1:1", "tskdp_x")
	if _, _, known := c.RateLimit(); known {
		t.Fatal("known before any answer")
	}
	c.observeRate(h("X-RateLimit-Remaining", "5", "X-RateLimit-Reset", "30"), now)
	rem, reset, known := c.RateLimit()
	if !known || rem != 5 || !reset.Equal(now.Add(30*time.Second)) {
		t.Fatalf("after 5 left, reset in 30s: %d %s %v", rem, reset, known)
	}
	// An answer overtaken by a later one, within the window, can't raise
	// the count.
	c.observeRate(h("X-RateLimit-Remaining", "7", "X-RateLimit-Reset", "29"), now.Add(time.Second))
	if rem, _, _ := c.RateLimit(); rem != 5 {
		t.Errorf("a stale answer raised the count to %d", rem)
	}
	// After the reset, a new window's count is taken as it is.
	c.observeRate(h("RateLimit-Remaining", "9", "RateLimit-Reset", "60"), now.Add(31*time.Second))
	if rem, reset, _ := c.RateLimit(); rem != 9 || !reset.Equal(now.Add(91*time.Second)) {
		t.Errorf("new window: %d %s", rem, reset)
	}
	// A Unix time; a far future is held to a day; nonsense is ignored.
	c.observeRate(h("X-RateLimit-Remaining", "3", "X-RateLimit-Reset", "1777640000"), now.Add(200*time.Second))
	if _, reset, _ := c.RateLimit(); !reset.Equal(time.Unix(1777640000, 0)) {
		t.Errorf("Unix reset read as %s", reset)
	}
	c2 := New("http://127.0.0.1:1", "tskdp_x")
	c2.observeRate(h("X-RateLimit-Remaining", "-4", "X-RateLimit-Reset", "99999999"), now)
	if rem, reset, _ := c2.RateLimit(); rem != 0 || reset.After(now.Add(24*time.Hour)) {
		t.Errorf("hostile headers: %d left, reset %s", rem, reset)
	}
	c2.observeRate(h("X-RateLimit-Remaining", "many"), now)
	if rem, _, _ := c2.RateLimit(); rem != 0 {
		t.Errorf("a non-number changed the count to %d", rem)
	}
}

func TestReadDate(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		in      wireDate
		want    Date
		wantErr bool
	}{
		{in: wireDate{Date: "2026-07-21"}, want: Date{Date: "2026-07-21"}},
		{in: wireDate{Date: "2026-07-21T09:00:00.000Z"}, want: Date{Date: "2026-07-21"}},
		{in: wireDate{Date: "2026-07-21", Time: s("15:30"), Timezone: s("Europe/Oslo")}, want: Date{Date: "2026-07-21", Time: "15:30", Timezone: "Europe/Oslo"}},
		{in: wireDate{Date: "2026-07-21", Timezone: s("Evil\x1b]0;x\x07")}, want: Date{Date: "2026-07-21", Timezone: "Evil␛]0;x␇"}},
		{in: wireDate{Date: "21/07/2026"}, wantErr: true},
		{in: wireDate{Date: ""}, wantErr: true},
		{in: wireDate{Date: "2026-02-30"}, wantErr: true},
	} {
		got, err := readDate(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("readDate(%+v) = %+v, %v; want %+v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestReadTaskDateEnds(t *testing.T) {
	var w wireTaskDate
	if err := json.Unmarshal([]byte(`{"start":{"date":"2026-01-02"},"end":{"period":"P3D"}}`), &w); err != nil {
		t.Fatal(err)
	}
	d, err := readTaskDate(w)
	if err != nil || d.Start.Date != "2026-01-02" || d.End != nil {
		t.Errorf("a period end: %+v, %v", d, err)
	}
	w = wireTaskDate{}
	if err := json.Unmarshal([]byte(`{"start":{"date":"2026-01-02","time":null},"end":{"date":"2026-01-05","time":"10:00"}}`), &w); err != nil {
		t.Fatal(err)
	}
	d, err = readTaskDate(w)
	if err != nil || d.End == nil || *d.End != (Date{Date: "2026-01-05", Time: "10:00"}) {
		t.Errorf("a day end: %+v, %v", d, err)
	}
	if _, err := readTaskDate(wireTaskDate{}); err == nil {
		t.Error("a date without start was accepted")
	}
}

func TestReadFieldSortsOptions(t *testing.T) {
	read := func(js string) Field {
		t.Helper()
		var w wireField
		if err := json.Unmarshal([]byte(js), &w); err != nil {
			t.Fatal(err)
		}
		f, err := readField(w)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	names := func(f Field) (out []string) {
		for _, o := range f.Options {
			out = append(out, o.Name)
		}
		return out
	}
	// The spec's ranks are strings: lexicographic ones keep their order
	// and Rank becomes the index.
	f := read(`{"id":"f1","data":{"type":"Select","displayName":"Status","options":{
		"o3":{"id":"o3","name":"Done","rank":"a2","color":"green"},
		"o1":{"id":"o1","name":"Todo","rank":"a0"},
		"o2":{"name":"Doing","rank":"a1"}}}}`)
	if f.ID != "f1" || f.Type != "Select" || f.Name != "Status" {
		t.Errorf("field: %+v", f)
	}
	if got := names(f); len(got) != 3 || got[0] != "Todo" || got[1] != "Doing" || got[2] != "Done" {
		t.Errorf("lexicographic ranks sorted as %v", got)
	}
	if f.Options[1].ID != "o2" || f.Options[2].Rank != 2 || f.Options[2].Color != "green" {
		t.Errorf("options: %+v", f.Options)
	}
	// Numeric ranks, as numbers or strings, sort as numbers.
	f = read(`{"id":"f2","data":{"type":"Select","displayName":"P","options":{
		"a":{"id":"a","name":"ten","rank":"10"},"b":{"id":"b","name":"nine","rank":9},"c":{"id":"c","name":"one","rank":1.5}}}}`)
	if got := names(f); got[0] != "one" || got[1] != "nine" || got[2] != "ten" || f.Options[2].Rank != 10 {
		t.Errorf("numeric ranks sorted as %v (%+v)", got, f.Options)
	}
	// Other types, unknown keys and all.
	f = read(`{"id":"f3","data":{"type":"number","displayName":"Points","render":{"type":"text"},"format":{"type":"decimal"}}}`)
	if f.Type != "number" || f.Name != "Points" || len(f.Options) != 0 {
		t.Errorf("number field: %+v", f)
	}
	if _, err := readField(wireField{}); err == nil {
		t.Error("a field without id was accepted")
	}
}

func TestCheckText(t *testing.T) {
	long := make([]rune, 2000)
	for i := range long {
		long[i] = 'x'
	}
	if err := checkText("text", string(long), true); err != nil {
		t.Errorf("2000 characters refused: %v", err)
	}
	if err := checkText("text", string(long)+"y", true); err == nil {
		t.Error("2001 characters accepted")
	}
	emoji := make([]rune, 1001)
	for i := range emoji {
		emoji[i] = '😀'
	}
	if err := checkText("text", string(emoji), true); err == nil {
		t.Error("1001 emoji (2002 UTF-16 units, as Taskade counts) accepted")
	}
	for _, s := range []string{"a\nb", "a\rb", "a\r\n"} {
		if err := checkText("text", s, true); err == nil {
			t.Errorf("%q accepted as one line", s)
		}
	}
}

func TestBackoff(t *testing.T) {
	c := New("http://127.0.0.1:1", "tskdp_x", WithRetry(5, 100*time.Millisecond, time.Second))
	for n, hi := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		hi *= time.Millisecond
		for range 20 {
			if d := c.backoff(n); d < hi/2 || d > hi {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", n, d, hi/2, hi)
			}
		}
	}
}
