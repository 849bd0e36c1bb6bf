package board

import "testing"

func TestRequestMerging(t *testing.T) {
	at := t0
	move := func(col, pos string) Mutation {
		return Mutation{ID: NewID(), Kind: KindMove, TaskID: "a", StatusID: ptr(col), Position: ptr(pos), At: at}
	}
	cases := []struct {
		name  string
		group []Mutation
		check func(t *testing.T, r Request)
	}{
		{"three moves right are one PATCH to the last column", []Mutation{move("doing", "a0"), move("review", "a0"), move("done", "a3")},
			func(t *testing.T, r Request) {
				if r.Op != OpPatch || *r.Patch.StatusID != "done" || *r.Patch.Position != "a3" {
					t.Errorf("%+v", r.Patch)
				}
			}},
		{"complete then move out: the column decides", []Mutation{
			{ID: NewID(), Kind: KindComplete, TaskID: "a", StatusID: ptr("done"), Position: ptr("a5"), At: at},
			move("review", "a1"),
		}, func(t *testing.T, r Request) {
			if r.Patch.CompletedAt != nil || r.Patch.ClearCompleted || *r.Patch.StatusID != "review" {
				t.Errorf("%+v", r.Patch)
			}
		}},
		{"move then reopen in place keeps the move's column", []Mutation{
			move("review", "a1"),
			{ID: NewID(), Kind: KindReopen, TaskID: "a", At: at},
		}, func(t *testing.T, r Request) {
			if !r.Patch.ClearCompleted || *r.Patch.StatusID != "review" {
				t.Errorf("%+v", r.Patch)
			}
		}},
		{"priority, due, estimate, archive together", []Mutation{
			{ID: NewID(), Kind: KindPriority, TaskID: "a", Priority: ptr(PriorityHigh)},
			{ID: NewID(), Kind: KindDue, TaskID: "a", ClearDue: true},
			{ID: NewID(), Kind: KindEstimate, TaskID: "a", Estimate: ptr(2.0)},
			{ID: NewID(), Kind: KindArchive, TaskID: "a"},
			{ID: NewID(), Kind: KindPriority, TaskID: "a", Priority: ptr(PriorityUrgent)},
		}, func(t *testing.T, r Request) {
			p := r.Patch
			if *p.Priority != PriorityUrgent || !p.ClearDue || p.Due != nil || *p.Estimate != 2 || !*p.Archived || p.Title != nil || p.StatusID != nil {
				t.Errorf("%+v", p)
			}
		}},
		{"create goes alone under its own id", []Mutation{{ID: "m1", Kind: KindCreate, TaskID: "new-x", Title: ptr("T")}},
			func(t *testing.T, r Request) {
				if r.Op != OpCreate || r.Key != "m1" || r.Create == nil || *r.Create.Title != "T" {
					t.Errorf("%+v", r)
				}
			}},
		{"comment", []Mutation{{ID: "m2", Kind: KindComment, TaskID: "a", Comment: "hi"}},
			func(t *testing.T, r Request) {
				if r.Op != OpComment || r.Key != "m2" || r.Comment != "hi" {
					t.Errorf("%+v", r)
				}
			}},
		{"unassign", []Mutation{{ID: "m3", Kind: KindUnassign, TaskID: "a", UserID: "u1"}},
			func(t *testing.T, r Request) {
				if r.Op != OpUnassign || r.UserID != "u1" {
					t.Errorf("%+v", r)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := request(c.group)
			c.check(t, r)
			if len(c.group) > 1 && r.Key != c.group[0].ID+"+"+c.group[len(c.group)-1].ID {
				t.Errorf("merged key %q", r.Key)
			}
		})
	}
}
