package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

var listRounds = flag.Int("lanes.listrounds", 0, "rounds of random changes in TestListAnswersMatchTheStore (0: the normal run's 40)")

// rawClient sends requests as they are written: no Accept-Encoding of its
// own, no gzip undone on the way back.
func rawClient(t testing.TB) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// gunzip is the content of a gzip body; the test fails if it is not one.
func gunzip(t testing.TB, body []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gzip body does not decompress: %v", err)
	}
	return out
}

// storeList is a project's list read from the store itself, encoded as the
// full surface shows it.
func storeList(t testing.TB, st *store.Store, projectID string, archived bool) []byte {
	t.Helper()
	var out bytes.Buffer
	err := st.Read(context.Background(), func(tx *store.Tx) error {
		tasks, err := tx.Tasks(projectID, archived)
		if err != nil {
			return err
		}
		out.WriteByte('[')
		for i := range tasks {
			if i > 0 {
				out.WriteByte(',')
			}
			raw, err := json.Marshal(&tasks[i])
			if err != nil {
				return err
			}
			out.Write(raw)
		}
		out.WriteString("]\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// byID is a list's tasks, each's JSON by its id.
func byID(t testing.TB, lists ...[]byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range lists {
		var tasks []json.RawMessage
		if err := json.Unmarshal(l, &tasks); err != nil {
			t.Fatalf("not a list: %v: %s", err, clipBody(l))
		}
		for _, k := range tasks {
			var id struct{ ID string }
			json.Unmarshal(k, &id)
			out[id.ID] = string(k)
		}
	}
	return out
}

// delta is a delta answer as read.
type delta struct {
	Seq     int64             `json:"seq"`
	Tasks   []json.RawMessage `json:"tasks"`
	Deleted []string          `json:"deleted"`
}

// apply is held (a map from byID) brought up to date by d.
func (d delta) apply(held map[string]string) map[string]string {
	out := map[string]string{}
	for id, k := range held {
		out[id] = k
	}
	for _, id := range d.Deleted {
		delete(out, id)
	}
	for _, k := range d.Tasks {
		var id struct{ ID string }
		json.Unmarshal(k, &id)
		out[id.ID] = string(k)
	}
	return out
}

// listRig is a team space with two projects, its people, and a server over
// the store that answers the lists under test, beside one that writes and
// one that keeps nothing (every list read afresh from the store).
type listRig struct {
	t           *testing.T
	st          *store.Store
	e           *testEnv // the server under test
	full        *testEnv // writes, on the full surface
	fresh       *testEnv // keeps no list
	raw         *http.Client
	ann, bob    testUser
	spaceID     string
	p, q        board // two projects of the space: the lists' and another
	other       board // ann's Personal board, another space
	labels      []string
	ids, qIDs   []string // tasks of p (some since gone), of q
	deleted     []string // tasks of p deleted, perhaps to restore
	rng         *rand.Rand
	bobIsMember bool
	made        int // labels made, for their names
}

func newListRig(t *testing.T, api server.API, seed uint64) *listRig {
	st := openTestStore(t)
	g := &listRig{t: t, st: st, rng: rand.New(rand.NewPCG(seed, 17)), raw: rawClient(t), bobIsMember: true}
	g.e = newTestEnvOn(t, st, server.WithAPI(api))
	g.full = newTestEnvOn(t, st)
	g.fresh = newTestEnvOn(t, st, server.WithAPI(api), server.WithListCacheBytes(0))
	g.ann, g.bob = g.full.newUser("ann"), g.full.newUser("bob")
	var sp struct{ Space tSpace }
	g.full.do(g.ann.Token, "POST", "/api/spaces", map[string]any{"name": "Team", "slug": "team"}).want(t, 201, &sp)
	g.spaceID = sp.Space.ID
	g.full.do(g.ann.Token, "POST", "/api/spaces/"+g.spaceID+"/members", map[string]any{"userId": g.bob.ID, "role": "member"}).want(t, 201, nil)
	g.p = g.full.boardOf(g.ann, g.spaceID)
	var q struct{ Project tProject }
	g.full.do(g.ann.Token, "POST", "/api/projects", map[string]any{"spaceId": g.spaceID, "name": "Other", "slug": "other"}).want(t, 201, &q)
	g.q = board{SpaceID: g.spaceID, ProjectID: q.Project.ID}
	g.full.do(g.ann.Token, "GET", "/api/statuses?projectId="+q.Project.ID, nil).want(t, 200, &g.q.Columns)
	g.other = g.full.personalBoard(g.ann)
	for _, name := range []string{"bug", "idea"} {
		var lb struct{ Label tLabel }
		g.full.do(g.ann.Token, "POST", "/api/labels", map[string]any{"projectId": g.p.ProjectID, "name": name}).want(t, 201, &lb)
		g.labels = append(g.labels, lb.Label.ID)
	}
	for i := 0; i < 30; i++ {
		g.ids = append(g.ids, g.full.createTask(g.ann, g.p.ProjectID, map[string]any{"title": fmt.Sprintf("card %d", i), "statusId": g.column()}).ID)
	}
	for i := 0; i < 3; i++ {
		g.qIDs = append(g.qIDs, g.full.createTask(g.ann, g.q.ProjectID, map[string]any{"title": fmt.Sprintf("q %d", i)}).ID)
	}
	return g
}

// column is one of p's columns as they are now.
func (g *listRig) column() string {
	var cols []tStatus
	g.full.do(g.ann.Token, "GET", "/api/statuses?projectId="+g.p.ProjectID, nil).want(g.t, 200, &cols)
	return cols[g.rng.IntN(len(cols))].ID
}

func (g *listRig) pick() string { return g.ids[g.rng.IntN(len(g.ids))] }

// change makes one random change, of any kind that can touch p's lists
// (or must not), through the API or straight through the store.
func (g *listRig) change(round int) string {
	t, f, ann := g.t, g.full, g.ann
	who := ann
	if g.bobIsMember && g.rng.IntN(2) == 0 {
		who = g.bob
	}
	id := g.pick()
	switch op := g.rng.IntN(17); op {
	case 0:
		body := map[string]any{"title": fmt.Sprintf("new %d", round), "statusId": g.column()}
		if g.rng.IntN(3) == 0 {
			body["parentTaskId"] = id
		}
		if r := f.do(who.Token, "POST", "/api/tasks", mergeProject(body, g.p.ProjectID)); r.Status == 201 {
			var k struct{ Task tTask }
			r.want(t, 201, &k)
			g.ids = append(g.ids, k.Task.ID)
		}
		return "create"
	case 1:
		f.do(who.Token, "PATCH", "/api/tasks/"+id, map[string]any{"title": fmt.Sprintf("renamed %d", round),
			"priority": []string{"low", "medium", "high", "urgent"}[g.rng.IntN(4)], "description": fmt.Sprintf("text %d\nmore", round)})
		return "edit"
	case 2:
		f.do(who.Token, "PATCH", "/api/tasks/"+id, map[string]any{"statusId": g.column(), "position": fmt.Sprintf("a%d", g.rng.IntN(50))})
		return "move"
	case 3:
		f.do(who.Token, "PATCH", "/api/tasks/"+id, map[string]any{"isArchived": g.rng.IntN(2) == 0})
		return "archive"
	case 4:
		if f.do(ann.Token, "DELETE", "/api/tasks/"+id, nil).Status == 200 {
			g.deleted = append(g.deleted, id)
		}
		return "delete"
	case 5:
		if len(g.deleted) > 0 {
			f.do(ann.Token, "POST", "/api/tasks/"+g.deleted[g.rng.IntN(len(g.deleted))]+"/restore", nil)
		}
		return "restore"
	case 6:
		f.do(who.Token, "POST", "/api/tasks/"+id+"/comments", map[string]any{"content": "hi"})
		return "comment"
	case 7:
		if g.rng.IntN(2) == 0 {
			f.do(ann.Token, "POST", "/api/tasks/"+id+"/assignees", map[string]any{"userId": g.bob.ID})
		} else {
			f.do(ann.Token, "DELETE", "/api/tasks/"+id+"/assignees/"+g.bob.ID, nil)
		}
		return "assign"
	case 8:
		var ls []string
		for _, l := range g.labels {
			if g.rng.IntN(2) == 0 {
				ls = append(ls, l)
			}
		}
		f.do(who.Token, "PATCH", "/api/tasks/"+id, map[string]any{"labelIds": ls})
		return "labels"
	case 9:
		var cols []tStatus
		f.do(ann.Token, "GET", "/api/statuses?projectId="+g.p.ProjectID, nil).want(t, 200, &cols)
		switch g.rng.IntN(4) {
		case 0:
			f.do(ann.Token, "POST", "/api/statuses", map[string]any{"projectId": g.p.ProjectID, "name": fmt.Sprintf("col %d", round), "position": g.rng.IntN(len(cols) + 1)})
		case 1:
			f.do(ann.Token, "PATCH", "/api/statuses/"+cols[g.rng.IntN(len(cols))].ID, map[string]any{"position": g.rng.IntN(len(cols))})
		case 2:
			f.do(ann.Token, "PATCH", "/api/statuses/"+cols[g.rng.IntN(len(cols))].ID, map[string]any{"name": fmt.Sprintf("renamed %d", round)})
		case 3:
			from, to := cols[g.rng.IntN(len(cols))].ID, cols[g.rng.IntN(len(cols))].ID
			f.do(ann.Token, "DELETE", "/api/statuses/"+from+"?moveTo="+to, nil)
		}
		return "column"
	case 10:
		i := g.rng.IntN(len(g.labels))
		f.do(ann.Token, "DELETE", "/api/labels/"+g.labels[i], nil)
		var lb struct{ Label tLabel }
		g.made++
		f.do(ann.Token, "POST", "/api/labels", map[string]any{"projectId": g.p.ProjectID, "name": fmt.Sprintf("label %d", g.made)}).want(t, 201, &lb)
		g.labels[i] = lb.Label.ID
		return "label"
	case 11:
		// A move to another project, as a client makes one: a copy there,
		// the card gone here.
		var k struct{ Task tTask }
		if f.do(ann.Token, "GET", "/api/tasks/"+id, nil).Status == 200 {
			f.do(ann.Token, "GET", "/api/tasks/"+id, nil).want(t, 200, &k)
			g.qIDs = append(g.qIDs, f.createTask(ann, g.q.ProjectID, map[string]any{"title": k.Task.Title}).ID)
			if f.do(ann.Token, "DELETE", "/api/tasks/"+id, nil).Status == 200 {
				g.deleted = append(g.deleted, id)
			}
		}
		return "to other project"
	case 12:
		f.do(ann.Token, "PATCH", "/api/tasks/"+g.qIDs[g.rng.IntN(len(g.qIDs))], map[string]any{"title": fmt.Sprintf("q %d", round)})
		f.do(ann.Token, "POST", "/api/tasks/"+g.qIDs[g.rng.IntN(len(g.qIDs))]+"/comments", map[string]any{"content": "over there"})
		return "other project"
	case 13:
		f.createTask(ann, g.other.ProjectID, map[string]any{"title": fmt.Sprintf("mine %d", round)})
		return "other space"
	case 14:
		// Straight through the store, as lanes' own CLI writes.
		err := g.st.Write(context.Background(), func(tx *store.Tx) error {
			k, err := tx.TaskByID(id)
			if err != nil {
				return nil // gone
			}
			k.Title = fmt.Sprintf("outside %d", round)
			return tx.UpdateTask(k)
		})
		if err != nil {
			t.Fatal(err)
		}
		return "outside"
	case 15:
		if g.rng.IntN(2) == 0 {
			f.do(who.Token, "PATCH", "/api/tasks/"+id, map[string]any{"completedAt": "2026-11-20T10:00:00.000Z"})
		} else {
			f.do(who.Token, "PATCH", "/api/tasks/"+id, map[string]any{"completedAt": nil})
		}
		return "complete"
	case 16:
		// Bob leaves (unassigned everywhere) or comes back.
		if g.bobIsMember {
			f.do(ann.Token, "DELETE", "/api/spaces/"+g.spaceID+"/members/"+g.bob.ID, nil).want(t, 200, nil)
		} else {
			f.do(ann.Token, "POST", "/api/spaces/"+g.spaceID+"/members", map[string]any{"userId": g.bob.ID, "role": "member"}).want(t, 201, nil)
		}
		g.bobIsMember = !g.bobIsMember
		return "membership"
	default:
		panic(op)
	}
}

func mergeProject(body map[string]any, projectID string) map[string]any {
	body["projectId"] = projectID
	return body
}

// listAnswer is one list answer as sent.
type listAnswer struct {
	status int
	etag   string
	seq    int64
	body   []byte // decompressed
}

// get asks env for a list as ann, with the headers given, and reads the
// answer back to its content.
func (g *listRig) get(env *testEnv, path string, headers ...string) listAnswer {
	g.t.Helper()
	r := testDo(g.t, g.raw, env.srv.URL, g.ann.Token, "GET", path, nil, headers...)
	a := listAnswer{status: r.Status, etag: r.Header.Get("ETag"), body: r.Body}
	if r.Status != 200 && r.Status != 304 {
		g.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	if r.Header.Get("Vary") != "Accept-Encoding" {
		g.t.Fatalf("GET %s: Vary %q", path, r.Header.Get("Vary"))
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		a.body = gunzip(g.t, r.Body)
	}
	if v := r.Header.Get("X-Lanes-Seq"); v != "" {
		a.seq, _ = strconv.ParseInt(v, 10, 64)
	}
	return a
}

// The lists, their ETags and 304s, their gzip, and the deltas since any
// position they gave are what a fresh read of the store says, whatever
// mix of changes came between two reads (a fixed seed; -lanes.listrounds
// for a longer run). On the seed's surface, the lists and ETags alone.
func TestListAnswersMatchTheStore(t *testing.T) {
	rounds := 40
	if *listRounds > 0 {
		rounds = *listRounds
	}
	for _, api := range []server.API{server.APIFull, server.APISeed} {
		t.Run(string(api), func(t *testing.T) {
			g := newListRig(t, api, uint64(len(api)))
			paths := []string{"/api/tasks?projectId=" + g.p.ProjectID, "/api/tasks?projectId=" + g.p.ProjectID + "&archived=true"}
			prev := make([]listAnswer, len(paths))
			// Where the deltas start: the lists' X-Lanes-Seq as read before
			// the round's changes, and a chain of deltas from the first.
			var listHeld, chainHeld map[string]string
			var listSeq, chainSeq int64
			for round := 0; round <= rounds; round++ {
				var did []string
				if round > 0 {
					for n := 1 + g.rng.IntN(4); n > 0; n-- {
						did = append(did, g.change(round))
					}
				}
				what := fmt.Sprintf("round %d (%s)", round, strings.Join(did, ", "))
				var now [][]byte
				for i, path := range paths {
					got := g.get(g.e, path)
					gz := g.get(g.e, path, "Accept-Encoding", "gzip")
					want := g.get(g.fresh, path)
					if !bytes.Equal(got.body, want.body) {
						t.Fatalf("%s: GET %s differs from a fresh read:\n got %s\nwant %s", what, path, clipBody(got.body), clipBody(want.body))
					}
					if !bytes.Equal(gz.body, got.body) {
						t.Fatalf("%s: GET %s: the gzip decompresses to\n%s\nnot\n%s", what, path, clipBody(gz.body), clipBody(got.body))
					}
					if api == server.APIFull {
						archived := strings.HasSuffix(path, "true")
						if st := storeList(t, g.st, g.p.ProjectID, archived); !bytes.Equal(got.body, st) {
							t.Fatalf("%s: GET %s differs from the store's tasks:\n got %s\nwant %s", what, path, clipBody(got.body), clipBody(st))
						}
					}
					// The ETag: the same from any server, one per content and
					// coding, and 304 exactly while it is the list's.
					if got.etag == "" || got.etag != want.etag || gz.etag == "" || gz.etag == got.etag {
						t.Fatalf("%s: GET %s: ETag %q, gzip %q, a fresh server's %q", what, path, got.etag, gz.etag, want.etag)
					}
					if p := prev[i]; p.etag != "" {
						same := bytes.Equal(p.body, got.body)
						if same != (p.etag == got.etag) {
							t.Fatalf("%s: GET %s: the list %s but its ETag went from %s to %s", what, path, map[bool]string{true: "is the same", false: "changed"}[same], p.etag, got.etag)
						}
						again := g.get(g.e, path, "If-None-Match", p.etag)
						if same && (again.status != 304 || len(again.body) != 0 || again.etag != got.etag) {
							t.Fatalf("%s: GET %s with If-None-Match of the unchanged list: %d %q %s", what, path, again.status, again.etag, clipBody(again.body))
						}
						if !same && (again.status != 200 || !bytes.Equal(again.body, got.body)) {
							t.Fatalf("%s: GET %s with If-None-Match of the list before: %d %s", what, path, again.status, clipBody(again.body))
						}
					}
					for _, tag := range []string{got.etag, gz.etag, `"x", ` + gz.etag} {
						if again := g.get(g.e, path, "If-None-Match", tag); again.status != 304 {
							t.Fatalf("%s: GET %s with If-None-Match %s: %d", what, path, tag, again.status)
						}
					}
					if again := g.get(g.e, path, "If-None-Match", `"`+strings.Repeat("0", 32)+`"`); again.status != 200 {
						t.Fatalf("%s: GET %s with a wrong If-None-Match: %d", what, path, again.status)
					}
					prev[i] = got
					now = append(now, got.body)
				}
				if api != server.APIFull {
					continue
				}
				current := byID(t, now...)
				if round > 0 {
					for _, from := range []struct {
						name string
						seq  int64
						held map[string]string
					}{{"the lists' seq", listSeq, listHeld}, {"the last delta's seq", chainSeq, chainHeld}} {
						var d delta
						g.e.do(g.ann.Token, "GET", fmt.Sprintf("%s&since=%d", paths[0], from.seq), nil).want(t, 200, &d)
						if d.Seq < from.seq {
							t.Fatalf("%s: a delta since %d says seq %d", what, from.seq, d.Seq)
						}
						if got := d.apply(from.held); !mapsEqual(got, current) {
							t.Fatalf("%s: the delta since %s (%d) applied to the lists then is not the lists now:\ndelta %+v\n got %v\nwant %v", what, from.name, from.seq, d, got, current)
						}
						if from.name == "the last delta's seq" {
							chainSeq, chainHeld = d.Seq, d.apply(from.held)
						}
					}
				} else {
					chainSeq, chainHeld = prev[0].seq, current
				}
				listSeq, listHeld = min(prev[0].seq, prev[1].seq), current
			}
		})
	}
}

// etagBase is a list's ETag without its coding's mark.
func etagBase(tag string) string { return strings.TrimSuffix(strings.Trim(tag, `"`), "-gzip") }

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Readers in parallel with a writer never see a torn list, an old list
// under a new ETag or X-Lanes-Seq, or a position go backwards; the writer
// sees each of its writes in its next list; at the end every reader lists
// what the store holds.
func TestListReadersDuringWrites(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	seedTasks(t, e, u, bd, 600)
	var first []tTask
	e.do(u.Token, "GET", "/api/tasks?projectId="+bd.ProjectID, nil).want(t, 200, &first)
	path := "/api/tasks?projectId=" + bd.ProjectID
	raw := rawClient(t)

	type seen struct {
		etag string
		seq  int64
		body []byte
	}
	var (
		mu     sync.Mutex
		byTag  = map[string][]byte{}
		bySeq  = map[int64][]byte{}
		stop   = make(chan struct{})
		wg     sync.WaitGroup
		errs   = make(chan error, 16)
		report = func(err error) {
			select {
			case errs <- err:
			default:
			}
		}
	)
	for reader := 0; reader < 4; reader++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last seen
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				hdr := []string{}
				if i%2 == 1 {
					hdr = append(hdr, "Accept-Encoding", "gzip")
				}
				if i%3 == 2 && last.etag != "" {
					hdr = append(hdr, "If-None-Match", last.etag)
				}
				r, err := testSend(raw, e.srv.URL, u.Token, "GET", path, nil, hdr...)
				if err != nil {
					report(err)
					return
				}
				seq, _ := strconv.ParseInt(r.Header.Get("X-Lanes-Seq"), 10, 64)
				if seq < last.seq {
					report(fmt.Errorf("X-Lanes-Seq went back from %d to %d", last.seq, seq))
					return
				}
				body := r.Body
				switch {
				case r.Status == 304:
					if len(r.Body) != 0 || etagBase(r.Header.Get("ETag")) != etagBase(last.etag) {
						report(fmt.Errorf("304 with ETag %s for If-None-Match %s, body %q", r.Header.Get("ETag"), last.etag, r.Body))
						return
					}
					body = last.body
				case r.Status != 200:
					report(fmt.Errorf("GET: %d %s", r.Status, r.Body))
					return
				case r.Header.Get("Content-Encoding") == "gzip":
					zr, err := gzip.NewReader(bytes.NewReader(r.Body))
					if err == nil {
						body, err = io.ReadAll(zr)
					}
					if err != nil {
						report(fmt.Errorf("gzip: %v", err))
						return
					}
				}
				var list []json.RawMessage
				if err := json.Unmarshal(body, &list); err != nil || len(list) != len(first) {
					report(fmt.Errorf("a list of %d tasks (%v): %s", len(list), err, clipBody(body)))
					return
				}
				tag := etagBase(r.Header.Get("ETag"))
				mu.Lock()
				if b, ok := byTag[tag]; ok && !bytes.Equal(b, body) {
					mu.Unlock()
					report(fmt.Errorf("two lists under ETag %s", tag))
					return
				}
				if b, ok := bySeq[seq]; ok && !bytes.Equal(b, body) {
					mu.Unlock()
					report(fmt.Errorf("two lists under X-Lanes-Seq %d", seq))
					return
				}
				byTag[tag], bySeq[seq] = body, body
				mu.Unlock()
				last = seen{etag: r.Header.Get("ETag"), seq: seq, body: body}
			}
		}()
	}
	for i := 0; i < 60; i++ {
		k := first[(i*37)%len(first)]
		title := fmt.Sprintf("written %d", i)
		e.patchTask(u, k.ID, map[string]any{"title": title})
		found := false
		for _, got := range e.listTasks(u, bd.ProjectID, false) {
			found = found || got.ID == k.ID && got.Title == title
		}
		if !found {
			t.Fatalf("write %d: the writer's next list does not hold its write", i)
		}
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	want := storeList(t, e.st, bd.ProjectID, false)
	for i := 0; i < 4; i++ {
		if r := testDo(t, raw, e.srv.URL, u.Token, "GET", path, nil); !bytes.Equal(r.Body, want) {
			t.Fatalf("after the writes a reader lists\n%s\nnot the store's\n%s", clipBody(r.Body), clipBody(want))
		}
	}
	if len(byTag) < 2 {
		t.Fatalf("the readers saw %d lists: they did not read during the writes", len(byTag))
	}
}

// Readers who ask together for a list nobody has built wait for one build,
// and a list's gzip is made once per version, by compressing only the
// chunks that version changed: a burst of writes, then readers, costs one
// patch and one gzip.
func TestListBuiltAndCompressedOncePerVersion(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	seedTasks(t, e, u, bd, 3000)
	path := "/api/tasks?projectId=" + bd.ProjectID
	raw := rawClient(t)
	together := func(n int, headers ...string) {
		t.Helper()
		var wg sync.WaitGroup
		bodies := make([][]byte, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := testSend(raw, e.srv.URL, u.Token, "GET", path, nil, headers...)
				if err != nil || r.Status != 200 {
					t.Errorf("GET: %v %d", err, r.Status)
					return
				}
				bodies[i] = r.Body
			}()
		}
		wg.Wait()
		for _, b := range bodies[1:] {
			if !bytes.Equal(b, bodies[0]) {
				t.Fatal("readers together got different lists")
			}
		}
	}
	stats := func() (int64, int64, int64) {
		b, g, d, _ := server.ListStats(e.api)
		return b, g, d
	}
	together(8)
	if b, g, _ := stats(); b != 1 || g != 0 {
		t.Fatalf("8 readers of a list not yet built: %d builds and %d gzips, want 1 and 0", b, g)
	}
	together(8, "Accept-Encoding", "gzip")
	b0, g0, d0 := stats()
	if b0 != 1 || g0 != 1 || d0 < 5 {
		t.Fatalf("8 gzip readers: %d builds, %d gzips, %d chunks compressed; want 1, 1 and the list's chunks (over 5)", b0, g0, d0)
	}
	var list []tTask
	e.do(u.Token, "GET", path, nil).want(t, 200, &list)
	e.patchTask(u, list[1234].ID, map[string]any{"title": "one change"})
	together(8, "Accept-Encoding", "gzip")
	b1, g1, d1 := stats()
	if b1 != b0+1 || g1 != g0+1 || d1 != d0+1 {
		t.Fatalf("after one change, 8 gzip readers: %d more builds, %d more gzips, %d more chunks compressed; want 1, 1, 1", b1-b0, g1-g0, d1-d0)
	}
	for i := 0; i < 20; i++ {
		e.patchTask(u, list[i*97].ID, map[string]any{"title": fmt.Sprintf("burst %d", i)})
	}
	together(8, "Accept-Encoding", "gzip")
	together(8)
	b2, g2, d2 := stats()
	if b2 != b1+1 || g2 != g1+1 || d2-d1 > 20 {
		t.Fatalf("after a burst of 20 writes, 16 readers: %d more builds, %d more gzips, %d more chunks compressed; want 1, 1, at most 20", b2-b1, g2-g1, d2-d1)
	}
	// A column renamed: the list is patched, not read afresh, and its
	// tasks are as they were, so nothing is compressed again.
	e.do(u.Token, "PATCH", "/api/statuses/"+bd.Columns[0].ID, map[string]any{"name": "Later"}).want(t, 200, nil)
	together(4, "Accept-Encoding", "gzip")
	if b3, g3, d3 := stats(); b3 != b2+1 || g3 != g2 || d3 != d2 {
		t.Fatalf("after a column rename: %d more builds, %d more gzips, %d more chunks compressed; want 1, 0, 0", b3-b2, g3-g2, d3-d2)
	}
}

// The cache keeps to its budget: a list over half of it is served (right)
// but not kept, and lists that fit push others out rather than grow it.
func TestListCacheKeepsToItsBudget(t *testing.T) {
	const budget = 400 << 10
	st := openTestStore(t)
	e := newTestEnvOn(t, st, server.WithListCacheBytes(budget))
	u := e.newUser("ann")
	big := e.personalBoard(u)
	seedTasks(t, e, u, big, 1000) // some 500 KB: over half the budget
	var small []board
	for i := 0; i < 6; i++ {
		var p struct{ Project tProject }
		e.do(u.Token, "POST", "/api/projects", map[string]any{"spaceId": big.SpaceID, "name": fmt.Sprintf("P%d", i), "slug": fmt.Sprintf("p%d", i)}).want(t, 201, &p)
		b := board{SpaceID: big.SpaceID, ProjectID: p.Project.ID}
		e.do(u.Token, "GET", "/api/statuses?projectId="+p.Project.ID, nil).want(t, 200, &b.Columns)
		seedTasks(t, e, u, b, 150) // some 75 KB each
		small = append(small, b)
	}
	raw := rawClient(t)
	for round := 0; round < 3; round++ {
		for _, b := range append([]board{big}, small...) {
			path := "/api/tasks?projectId=" + b.ProjectID
			for _, hdr := range [][]string{nil, {"Accept-Encoding", "gzip"}} {
				r := testDo(t, raw, e.srv.URL, u.Token, "GET", path, nil, hdr...)
				body := r.Body
				if len(hdr) > 0 {
					body = gunzip(t, body)
				}
				if want := storeList(t, st, b.ProjectID, false); !bytes.Equal(body, want) {
					t.Fatalf("GET %s under a small budget: not the store's list", path)
				}
			}
			if _, _, _, size := server.ListStats(e.api); size > budget {
				t.Fatalf("the cache holds %d bytes, over its budget of %d", size, budget)
			}
		}
	}
	builds, _, _, _ := server.ListStats(e.api)
	before := builds
	testDo(t, raw, e.srv.URL, u.Token, "GET", "/api/tasks?projectId="+big.ProjectID, nil)
	if builds, _, _, _ = server.ListStats(e.api); builds != before+1 {
		t.Fatalf("the list over half the budget was kept (%d builds for a read of it, want 1)", builds-before)
	}
}

// Deltas are refused where they can't be right: a position past the
// log's head (another database), one older than the log keeps, a
// project the caller can't see; since must be a position, and can't go
// with archived. A seed-only server has never heard of since.
func TestListDeltaRefusals(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	st := openTestStore(t, store.WithClock(clock.Now))
	e := newTestEnvOn(t, st, server.WithClock(clock.Now))
	u, other := e.newUser("ann"), e.newUser("otto")
	bd := e.personalBoard(u)
	k := e.createTask(u, bd.ProjectID, map[string]any{"title": "first"})
	r := e.do(u.Token, "GET", "/api/tasks?projectId="+bd.ProjectID, nil).want(t, 200, nil)
	seq := r.Header.Get("X-Lanes-Seq")
	path := "/api/tasks?projectId=" + bd.ProjectID + "&since="
	var d delta
	e.do(u.Token, "GET", path+seq, nil).want(t, 200, &d)
	if strconv.FormatInt(d.Seq, 10) != seq || len(d.Tasks) != 0 || len(d.Deleted) != 0 {
		t.Fatalf("a delta since the list's own position: %+v, want nothing at seq %s", d, seq)
	}
	for _, bad := range []string{"0", "-3", "x", "1.5", "99999999999999999999"} {
		e.do(u.Token, "GET", path+bad, nil).wantErr(t, 400, "validation_failed")
	}
	e.do(u.Token, "GET", path+seq+"&archived=false", nil).wantErr(t, 400, "validation_failed")
	e.do(u.Token, "GET", path+"100000", nil).wantErr(t, 410, "resync_required")
	e.do(other.Token, "GET", path+seq, nil).wantErr(t, 404, "not_found")

	// The log pruned past the position: 410; from the head on, deltas again.
	e.patchTask(u, k.ID, map[string]any{"title": "second"})
	clock.Advance(store.ChangeRetention + time.Hour)
	e.patchTask(u, k.ID, map[string]any{"title": "third"})
	if err := st.Write(context.Background(), func(tx *store.Tx) error { return tx.PruneChanges() }); err != nil {
		t.Fatal(err)
	}
	e.do(u.Token, "GET", path+seq, nil).wantErr(t, 410, "resync_required")
	r = e.do(u.Token, "GET", "/api/tasks?projectId="+bd.ProjectID, nil).want(t, 200, nil)
	e.do(u.Token, "GET", path+r.Header.Get("X-Lanes-Seq"), nil).want(t, 200, &d)

	seed := newTestEnvOn(t, st, server.WithAPI(server.APISeed))
	r = seed.do(u.Token, "GET", path+"5", nil).want(t, 200, nil)
	var list []tTask
	r.want(t, 200, &list)
	if len(list) != 1 || r.Header.Get("X-Lanes-Seq") != "" || r.Header.Get("ETag") == "" {
		t.Fatalf("a seed-only server asked for a delta: %d tasks, headers %v; want the list, an ETag, no X-Lanes-Seq", len(list), r.Header)
	}
}

// A board that takes a delta, then follows the feed from the delta's seq,
// ends up holding exactly the store's tasks, however the writes that go
// on meanwhile fall around the delta: the delta's seq is read in the same
// snapshot as its tasks.
func TestDeltaThenFeedMissNothing(t *testing.T) {
	e := newTestEnv(t)
	u := e.newUser("ann")
	bd := e.personalBoard(u)
	var ids []string
	for i := 0; i < 20; i++ {
		ids = append(ids, e.createTask(u, bd.ProjectID, map[string]any{"title": fmt.Sprintf("card %d", i)}).ID)
	}
	path := "/api/tasks?projectId=" + bd.ProjectID
	for attempt := 0; attempt < 5; attempt++ {
		active := e.do(u.Token, "GET", path, nil).want(t, 200, nil)
		archived := e.do(u.Token, "GET", path+"&archived=true", nil).want(t, 200, nil)
		held := byID(t, active.Body, archived.Body)
		seq, _ := strconv.ParseInt(active.Header.Get("X-Lanes-Seq"), 10, 64)
		if s, _ := strconv.ParseInt(archived.Header.Get("X-Lanes-Seq"), 10, 64); s < seq {
			seq = s
		}
		done := make(chan error, 1)
		marker := fmt.Sprintf("done %d", attempt)
		go func() {
			// Writes while the board takes its delta and opens its feed.
			for i := 0; i < 30; i++ {
				id := ids[(i*7+attempt)%len(ids)]
				var err error
				switch i % 5 {
				case 0, 1:
					_, err = testSend(e.srv.Client(), e.srv.URL, u.Token, "PATCH", "/api/tasks/"+id, map[string]any{"title": fmt.Sprintf("w %d %d", attempt, i)})
				case 2:
					_, err = testSend(e.srv.Client(), e.srv.URL, u.Token, "PATCH", "/api/tasks/"+id, map[string]any{"isArchived": i%2 == 0})
				case 3:
					_, err = testSend(e.srv.Client(), e.srv.URL, u.Token, "POST", "/api/tasks/"+id+"/comments", map[string]any{"content": "hm"})
				case 4:
					var r testResp
					r, err = testSend(e.srv.Client(), e.srv.URL, u.Token, "DELETE", "/api/tasks/"+id, nil)
					if err == nil && r.Status == 200 {
						_, err = testSend(e.srv.Client(), e.srv.URL, u.Token, "POST", "/api/tasks/"+id+"/restore", nil)
					}
				}
				if err != nil {
					done <- err
					return
				}
			}
			_, err := testSend(e.srv.Client(), e.srv.URL, u.Token, "POST", "/api/tasks", map[string]any{"projectId": bd.ProjectID, "title": marker})
			done <- err
		}()
		var d delta
		e.do(u.Token, "GET", fmt.Sprintf("%s&since=%d", path, seq), nil).want(t, 200, &d)
		held = d.apply(held)
		f := openFeed(t, e, u.Token, fmt.Sprintf("spaceId=%s&after=%d", bd.SpaceID, d.Seq))
		for finished := false; !finished; {
			ev := f.next()
			switch ev.Kind {
			case "task.created", "task.updated", "task.restored":
				var k struct{ ID, ProjectID, Title string }
				json.Unmarshal([]byte(ev.Data), &k)
				if k.ProjectID == bd.ProjectID {
					held[k.ID] = ev.Data
				}
				finished = k.Title == marker
			case "task.deleted":
				var k struct{ ID string }
				json.Unmarshal([]byte(ev.Data), &k)
				delete(held, k.ID)
			}
		}
		f.close()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		want := byID(t, storeList(t, e.st, bd.ProjectID, false), storeList(t, e.st, bd.ProjectID, true))
		if !mapsEqual(held, want) {
			t.Fatalf("attempt %d: the lists, the delta since %d and the feed from %d make\n%v\nnot the store's\n%v", attempt, seq, d.Seq, held, want)
		}
	}
}
