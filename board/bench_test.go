package board

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lanesboard/lanes/internal/benchcpu"
)

// benchBoard is a board of n cards spread over four columns, positions as
// the server hands them out.
func benchBoard(n int) *State {
	cards := make([]*Card, n)
	pos := make([]string, len(cols4))
	for i := range pos {
		pos[i] = "a0"
	}
	for i := range cards {
		col := i % len(cols4)
		cards[i] = &Card{ID: fmt.Sprintf("card-%07d", i), ProjectID: "p", StatusID: cols4[col].ID,
			Title: fmt.Sprintf("Card number %d", i), Position: pos[col], Priority: PriorityMedium}
		pos[col], _ = Between(pos[col], "")
	}
	return NewState(cols4, cards)
}

// BenchmarkKeystroke is one keystroke's work in the board: make the
// mutation (move a card one column right), apply it, and read the visible
// top of every column as the view would.
func BenchmarkKeystroke(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("cards=%d", n), func(b *testing.B) {
			s := benchBoard(n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := fmt.Sprintf("card-%07d", (i*4)%n) // always in To Do
				m, err := s.Shift(id, 1, t0)
				if err != nil {
					b.Fatal(err)
				}
				next, err := Apply(s, m)
				if err != nil {
					b.Fatal(err)
				}
				for _, c := range next.Columns() {
					ids := next.Column(c.ID)
					for _, id := range ids[:min(len(ids), 40)] {
						next.Card(id)
					}
				}
			}
		})
	}
}

// BenchmarkRebase replays 1,000 pending mutations on fresh server state, as
// a refresh or a confirmation does.
func BenchmarkRebase(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("cards=%d/pending=1000", n), func(b *testing.B) {
			s := benchBoard(n)
			view := s
			var pending []Mutation
			for i := 0; len(pending) < 1000; i++ {
				id := fmt.Sprintf("card-%07d", (i*7919)%n)
				var m Mutation
				var err error
				switch i % 4 {
				case 0:
					m, err = view.Shift(id, 1, t0)
				case 1:
					m, err = view.StepPriority(id, 1, t0)
				case 2:
					m, err = view.ToggleDone(id, t0)
				default:
					m, err = view.Reorder(id, -1, t0)
				}
				if err != nil {
					continue
				}
				view, _ = Apply(view, m)
				pending = append(pending, m)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, refused := rebase(s, pending); len(refused) != 0 {
					b.Fatalf("%d refused", len(refused))
				}
			}
		})
	}
}

// BenchmarkNewState is a board built from its cards: "before" by
// NewState as it was (its sort looked both cards up by id on every
// comparison), "after" by NewState now; the cards in random order (as a
// map hands them out) and in list order (as the cache and a server's list
// give them). Goal: ≤ 50 ms at 100,000.
func BenchmarkNewState(b *testing.B) {
	for _, n := range []int{100, 10_000, 100_000} {
		s := benchBoard(n)
		var cards []*Card
		s.each(func(c *Card) { cards = append(cards, c) })
		rand.New(rand.NewPCG(uint64(n), 1)).Shuffle(len(cards), func(i, j int) { cards[i], cards[j] = cards[j], cards[i] })
		var inOrder []*Card
		for _, col := range cols4 {
			for _, id := range s.Column(col.ID) {
				c, _ := s.Card(id)
				inOrder = append(inOrder, c)
			}
		}
		for _, v := range []struct {
			name  string
			build func([]Column, []*Card) *State
			cards []*Card
		}{{"before/random", newStateBefore, cards}, {"after/random", NewState, cards}, {"before/in-order", newStateBefore, inOrder}, {"after/in-order", NewState, inOrder}} {
			b.Run(fmt.Sprintf("cards=%d/%s", n, v.name), func(b *testing.B) {
				in := make([]*Card, len(v.cards))
				cpu := benchcpu.Start()
				for i := 0; i < b.N; i++ {
					copy(in, v.cards) // NewState may sort what it is given
					if st := v.build(cols4, in); st.Len() != n {
						b.Fatalf("%d cards", st.Len())
					}
				}
				cpu.Report(b)
			})
		}
	}
}

// BenchmarkStandup is a change to a large board and one person's standup
// built again, as the standup screen does after a key press: the cards are
// spread over 20 people, so the person has n/20 of them.
func BenchmarkStandup(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("cards=%d", n), func(b *testing.B) {
			s := benchBoard(n)
			for _, c := range s.base.cards {
				var k int
				fmt.Sscanf(c.ID, "card-%d", &k)
				c.Assignees = []string{fmt.Sprintf("u%d", k%20)}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A change to the board, as a key press in standup makes.
				id := fmt.Sprintf("card-%07d", (i*20+5)%n)
				m, err := s.StepPriority(id, 1-2*(i%2), t0)
				if err != nil {
					b.Fatal(err)
				}
				next, err := Apply(s, m)
				if err != nil {
					b.Fatal(err)
				}
				r := next.Standup(StandupOptions{Now: t0, People: []Person{{ID: "u5", Name: "five"}}, Only: true})
				if len(r.People) != 1 || len(r.People[0].Next)+len(r.People[0].InProgress) < n/40 {
					b.Fatalf("u5's standup: %d people", len(r.People))
				}
			}
		})
	}
}

// BenchmarkOutboxDrain is a board coming back online with 1,000 changes
// waiting (new cards, moves, priorities, due dates, comments, made while
// the server could not be reached), until the server has them all: sent
// as batches, and one request per change as to a server without batches.
// The real server on loopback over SQLite, through the (now faultless)
// proxy that counts the requests; requests/op is the round trips.
func BenchmarkOutboxDrain(b *testing.B) {
	for _, mode := range []struct {
		name    string
		noBatch bool
	}{{"batch", false}, {"one-per-change", true}} {
		b.Run(mode.name+"/changes=1000", func(b *testing.B) {
			var requests, batches int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				env := newTestEnv(b, uint64(i+1))
				d := env.driverWith(b.TempDir(), env.token, func(d *driver) { d.noBatch = mode.noBatch })
				d.waitLoaded(time.Minute)
				d.settle(10 * time.Second)
				d.goOffline()
				if made := d.offlineWork(1000, 5, false); d.e.Status().Waiting != made {
					b.Fatalf("%d waiting of %d made", d.e.Status().Waiting, made)
				}
				before, sent := env.proxy.count("forwarded"), env.proxy.count("batch")
				b.StartTimer()
				env.proxy.set(faults{})
				d.settle(5 * time.Minute)
				b.StopTimer()
				requests += env.proxy.count("forwarded") - before
				batches += env.proxy.count("batch") - sent
				d.close()
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(batches)/float64(b.N), "batches/op")
		})
	}
}
