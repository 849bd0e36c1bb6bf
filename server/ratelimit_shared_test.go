package server_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lanesboard/lanes/internal/pgtest"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// sharedLimitEnvs is n servers, each over its own store (its own pool and
// listener, as separate processes have) on one PostgreSQL schema, with the
// seed's limit of 100, once every one of them counts the others as peers.
func sharedLimitEnvs(t *testing.T, n int) []*testEnv {
	t.Helper()
	db := pgtest.URL(t)
	var envs []*testEnv
	var stores []*store.Store
	for range n {
		st := openStoreAt(t, db)
		stores = append(stores, st)
		e := newTestEnvOn(t, st, server.WithRateLimit(server.DefaultRateLimit))
		e.db = db
		envs = append(envs, e)
	}
	waitFor(t, 5*time.Second, "every process hears the others", func() bool {
		for _, st := range stores {
			if st.Mesh().Peers() != n {
				return false
			}
		}
		return true
	})
	return envs
}

// The limit is the token's across every process, not each process's: a
// client whose requests a load balancer spreads over three servers gets
// 100 in a minute in all, not 300, whether it sends them one at a time or
// many at once.
func TestRateLimitIsSharedByProcesses(t *testing.T) {
	envs := sharedLimitEnvs(t, 3)
	ann := envs[0].newUser("ann")
	bob := envs[0].newToken(envs[0].newUser("bob"), "burst")

	// A client sending as fast as it can may be asked to wait a moment
	// (a burst faster than the processes can tell one another), but over
	// the minute it gets its 100, and never more than one request per
	// other process beyond (see window.take).
	passed, sent := 0, 0
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); sent++ {
		if envs[sent%3].do(ann.Token, "GET", "/api/me", nil).Status == http.StatusOK {
			passed++
		}
		time.Sleep(time.Millisecond)
	}
	if passed < server.DefaultRateLimit || passed > server.DefaultRateLimit+2 {
		t.Fatalf("one at a time over 3 processes: %d of %d requests passed, want %d (at most %d)",
			passed, sent, server.DefaultRateLimit, server.DefaultRateLimit+2)
	}
	t.Logf("one at a time over 3 processes: %d of %d passed", passed, sent)

	var burst atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				e := envs[(g+i)%3]
				res, err := testSend(e.srv.Client(), e.srv.URL, bob.Token, "GET", "/api/me", nil)
				if err == nil && res.Status == http.StatusOK {
					burst.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := burst.Load(); n > server.DefaultRateLimit+2 {
		t.Fatalf("16 clients at once over 3 processes: %d of 320 requests passed, want at most %d", n, server.DefaultRateLimit+2)
	}
	t.Logf("16 at once over 3 processes: %d of 320 passed", burst.Load())
}
