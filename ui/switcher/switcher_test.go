package switcher

import "testing"

func TestFuzzyRanksCloseMatchesFirst(t *testing.T) {
	cs := []Choice{{Space: "Team", Project: "Planning"}, {Space: "Personal", Project: "General"}, {Space: "Team", Project: "Launch"}}
	got := fuzzy(cs, "tl")
	if len(got) != 2 || got[0].Project != "Launch" {
		t.Fatalf("fuzzy(tl) = %+v, want Team / Launch first", got)
	}
	if len(fuzzy(cs, "zzz")) != 0 || len(fuzzy(cs, "")) != 3 {
		t.Fatal("fuzzy keeps what does not match, or drops on an empty query")
	}
}
