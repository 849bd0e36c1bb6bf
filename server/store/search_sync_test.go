package store_test

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/lanesboard/lanes/server/store"
)

// Random transactions of several changes each (creates, renames, new
// descriptions, comments, deletes and restores) and, after each, a search
// for every word finds exactly the tasks that hold it now. On SQLite the
// index is brought up to date once per transaction, at its commit (migration
// 0008): FTS5's own check says the index matches its documents, and no
// change is left waiting.
func TestSearchFollowsTransactionsOfManyChanges(t *testing.T) {
	onEach(t, func(t *testing.T, db string) {
		st := open(t, db)
		defer st.Close()
		ann := newUser(t, st, "ann")
		_, p := personal(t, st, ann)
		ctx := context.Background()
		words := []string{"alpha", "bravo", "delta", "kilo", "lima", "oscar", "tango", "zulu"}
		rng := rand.New(rand.NewPCG(17, 4))
		phrase := func() string { return words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] }
		type doc struct{ title, desc, comments string }
		live := map[string]*doc{}
		trashed := map[string]*doc{}
		for round := range 40 {
			err := st.Write(ctx, func(tx *store.Tx) error {
				tx.SetActor(ann.ID)
				for range 1 + rng.IntN(8) {
					ids := slices.Sorted(func(yield func(string) bool) {
						for id := range live {
							if !yield(id) {
								return
							}
						}
					})
					switch op := rng.IntN(6); {
					case op == 0 || len(ids) == 0:
						k := &store.Task{ProjectID: p.ID, SpaceID: p.SpaceID, Title: phrase(), Priority: "none", CreatorID: ann.ID}
						if err := tx.CreateTask(k); err != nil {
							return err
						}
						live[k.ID] = &doc{title: k.Title}
					case op == 1 && len(trashed) > 0:
						for id, d := range trashed {
							tr, err := tx.Trashed(id)
							if err != nil {
								return err
							}
							if err := tx.RestoreTask(tr); err != nil {
								return err
							}
							live[id] = d
							delete(trashed, id)
							break
						}
					default:
						id := ids[rng.IntN(len(ids))]
						k, err := tx.TaskByID(id)
						if err != nil {
							return err
						}
						switch op {
						case 2:
							k.Title = phrase()
							live[id].title = k.Title
							err = tx.UpdateTask(k)
						case 3:
							d := phrase()
							k.Description = &d
							live[id].desc = d
							err = tx.UpdateTask(k)
						case 4:
							c := phrase()
							_, err = tx.AddComment(k, ann.ID, c)
							live[id].comments += " " + c
						default:
							err = tx.DeleteTask(k)
							trashed[id] = live[id]
							delete(live, id)
						}
						if err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			for _, w := range words {
				var want []string
				for id, d := range live {
					if strings.Contains(d.title+" "+d.desc+" "+d.comments, w) {
						want = append(want, id)
					}
				}
				var hits []store.SearchHit
				err := st.Read(ctx, func(tx *store.Tx) (err error) {
					hits, err = tx.Search(store.SearchFilter{UserID: ann.ID, Terms: []string{w}, Limit: 10_000})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, h := range hits {
					if !slices.Contains(got, h.TaskID) {
						got = append(got, h.TaskID)
					}
				}
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("round %d: searching %q found %d tasks, want %d", round, w, len(got), len(want))
				}
			}
		}
		if strings.HasPrefix(db, "postgres") {
			return
		}
		raw, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.Exec(`INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 1)`); err != nil {
			t.Fatalf("the search index does not match its documents: %v", err)
		}
		var waiting int
		if err := raw.QueryRow(`SELECT count(*) FROM search_dirty`).Scan(&waiting); err != nil || waiting != 0 {
			t.Fatalf("changes left waiting for the index: %d (%v)", waiting, err)
		}
	})
}
