package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lanesboard/lanes/internal/pgtest"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// apiServer is a task server over one store, on a loopback port, spoken to
// over HTTP as any client would.
type apiServer struct {
	t   *testing.T
	st  *store.Store
	url string
}

func startAPI(t *testing.T, st *store.Store) *apiServer {
	t.Helper()
	srv := httptest.NewServer(server.New(st, server.WithRateLimit(0),
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))))
	t.Cleanup(srv.Close)
	return &apiServer{t: t, st: st, url: srv.URL}
}

type apiResp struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request with token and optional JSON body; headers are
// name, value pairs.
func (s *apiServer) call(token, method, path string, body any, headers ...string) apiResp {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return apiResp{status: res.StatusCode, header: res.Header, body: raw}
}

// must sends a request that must answer status, decoding the answer into
// out (if not nil).
func (s *apiServer) must(status int, out any, token, method, path string, body any, headers ...string) apiResp {
	s.t.Helper()
	r := s.call(token, method, path, body, headers...)
	if r.status != status {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, r.status, r.body, status)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			s.t.Fatalf("%s %s: %v in %s", method, path, err, r.body)
		}
	}
	return r
}

type idOnly struct {
	ID string `json:"id"`
}

// person is a user of the test server and the token they act with.
type person struct{ id, token string }

func newPerson(t *testing.T, st *store.Store, name string) person {
	t.Helper()
	var u *store.User
	err := st.Write(context.Background(), func(tx *store.Tx) (err error) {
		u, err = tx.CreateUser(name, nil, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := server.IssueToken(context.Background(), st, u.ID, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	return person{id: u.ID, token: secret}
}

// fixture is what fillServer made and the test checks afterwards.
type fixture struct {
	people        []person
	revoked       string // a revoked token's secret
	space         string
	deleted       string // a task in the trash
	idemBody      map[string]any
	idemKey       string
	idemFirst     []byte // the keyed write's response
	owner, viewer person
}

// fillServer makes one of every kind of object through the API.
func fillServer(t *testing.T, st *store.Store, s *apiServer) fixture {
	t.Helper()
	var f fixture
	ann, ben, cy, dee := newPerson(t, st, "ann"), newPerson(t, st, "ben"), newPerson(t, st, "cy"), newPerson(t, st, "dee")
	f.people, f.owner, f.viewer = []person{ann, ben, cy, dee}, ann, dee
	old, tok, err := server.IssueToken(context.Background(), st, dee.id, "old laptop")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(context.Background(), func(tx *store.Tx) error { _, err := tx.RevokeToken(tok.ID); return err }); err != nil {
		t.Fatal(err)
	}
	f.revoked = old

	var sp idOnly
	s.must(201, &struct{ Space *idOnly }{&sp}, ann.token, "POST", "/api/spaces",
		map[string]any{"name": "Launch Team", "slug": "launch", "description": "Shipping v2", "color": "#336699"})
	f.space = sp.ID
	for _, m := range []struct {
		p    person
		role string
	}{{ben, "admin"}, {cy, "member"}, {dee, "viewer"}} {
		s.must(201, nil, ann.token, "POST", "/api/spaces/"+sp.ID+"/members", map[string]any{"userId": m.p.id, "role": m.role})
	}
	var proj, old2 idOnly
	s.must(201, &struct{ Project *idOnly }{&proj}, ann.token, "POST", "/api/projects",
		map[string]any{"spaceId": sp.ID, "name": "Roadmap", "slug": "roadmap", "description": "What comes next", "color": "#aa0000"})
	s.must(201, &struct{ Project *idOnly }{&old2}, ann.token, "POST", "/api/projects",
		map[string]any{"spaceId": sp.ID, "name": "Old plans", "slug": "old"})
	s.must(200, nil, ann.token, "DELETE", "/api/projects/"+old2.ID, nil)

	var cols []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	s.must(200, &cols, ann.token, "GET", "/api/statuses?projectId="+proj.ID, nil)
	col := map[string]string{}
	for _, c := range cols {
		col[c.Name] = c.ID
	}
	var blocked idOnly
	s.must(201, &struct{ Status *idOnly }{&blocked}, ben.token, "POST", "/api/statuses",
		map[string]any{"projectId": proj.ID, "name": "Blocked", "position": 1, "wipLimit": 3, "color": "#ff0000"})
	s.must(200, nil, ben.token, "PATCH", "/api/statuses/"+col["In Progress"], map[string]any{"wipLimit": 2, "color": "#00ff00"})

	var bug, docs idOnly
	s.must(201, &struct{ Label *idOnly }{&bug}, cy.token, "POST", "/api/labels", map[string]any{"projectId": proj.ID, "name": "bug", "color": "#ff0000"})
	s.must(201, &struct{ Label *idOnly }{&docs}, cy.token, "POST", "/api/labels", map[string]any{"projectId": proj.ID, "name": "docs"})

	task := func(who person, body map[string]any) string {
		t.Helper()
		body["projectId"] = proj.ID
		var k idOnly
		s.must(201, &struct{ Task *idOnly }{&k}, who.token, "POST", "/api/tasks", body)
		return k.ID
	}
	epic := task(ann, map[string]any{"title": "Launch v2", "description": "All of it.\n\n- docs\n- site", "priority": "urgent",
		"dueDate": "2026-12-01T00:00:00.000Z", "estimatedHours": 12.5, "statusId": col["In Progress"], "labelIds": []string{bug.ID, docs.ID}})
	sub := task(cy, map[string]any{"title": "Write the docs", "parentTaskId": epic, "priority": "low", "labelIds": []string{docs.ID}})
	task(cy, map[string]any{"title": "Proofread", "parentTaskId": sub})
	stuck := task(ben, map[string]any{"title": "Waiting on legal", "statusId": blocked.ID, "priority": "medium"})
	for _, a := range [][2]string{{epic, ben.id}, {epic, cy.id}, {sub, cy.id}} {
		s.must(200, nil, ann.token, "POST", "/api/tasks/"+a[0]+"/assignees", map[string]any{"userId": a[1]})
	}
	for _, c := range [][2]string{{epic, "Kick-off on Monday"}, {epic, "Docs first, please"}, {stuck, "Pinged them again"}} {
		s.must(201, nil, cy.token, "POST", "/api/tasks/"+c[0]+"/comments", map[string]any{"content": c[1]})
	}
	finished := task(ann, map[string]any{"title": "Pick a name", "statusId": col["In Review"]})
	s.must(200, nil, ann.token, "PATCH", "/api/tasks/"+finished, map[string]any{"statusId": col["Done"]})
	moved := task(ann, map[string]any{"title": "Moved to the top", "statusId": col["In Progress"]})
	s.must(200, nil, ann.token, "PATCH", "/api/tasks/"+moved, map[string]any{"position": "Zz"})
	archived := task(ann, map[string]any{"title": "Shelved"})
	s.must(200, nil, ann.token, "PATCH", "/api/tasks/"+archived, map[string]any{"isArchived": true})
	f.deleted = task(ann, map[string]any{"title": "Deleted by mistake", "description": "with a comment"})
	s.must(201, nil, ann.token, "POST", "/api/tasks/"+f.deleted+"/comments", map[string]any{"content": "will be restored"})
	s.must(200, nil, ann.token, "DELETE", "/api/tasks/"+f.deleted, nil)
	// A personal board too.
	var mine []idOnly
	s.must(200, &mine, cy.token, "GET", "/api/spaces", nil)
	for _, sp := range mine {
		var ps []idOnly
		s.must(200, &ps, cy.token, "GET", "/api/projects?spaceId="+sp.ID, nil)
		for _, p := range ps {
			s.must(201, nil, cy.token, "POST", "/api/tasks", map[string]any{"projectId": p.ID, "title": "Personal errand"})
		}
	}
	f.idemKey = "create-retro-1"
	f.idemBody = map[string]any{"projectId": proj.ID, "title": "Retro", "priority": "low"}
	f.idemFirst = s.must(201, nil, ben.token, "POST", "/api/tasks", f.idemBody, "Idempotency-Key", f.idemKey).body
	return f
}

// crawl GETs everything each person can read, following ids from lists to
// their objects, and returns each answer by "who path".
func crawl(s *apiServer, people []person) map[string]string {
	s.t.Helper()
	out := map[string]string{}
	get := func(p person, path string, v any) {
		s.t.Helper()
		r := s.must(200, v, p.token, "GET", path, nil)
		out[p.id+" "+path] = string(r.body)
	}
	for _, p := range people {
		get(p, "/api/me", nil)
		var spaces []idOnly
		get(p, "/api/spaces", &spaces)
		for _, sp := range spaces {
			get(p, "/api/spaces/"+sp.ID+"/members", nil)
			for _, archived := range []string{"", "&archived=true"} {
				var projects []idOnly
				get(p, "/api/projects?spaceId="+sp.ID+archived, &projects)
				for _, pr := range projects {
					get(p, "/api/statuses?projectId="+pr.ID, nil)
					get(p, "/api/labels?projectId="+pr.ID, nil)
					for _, archivedTasks := range []string{"", "&archived=true"} {
						var tasks []idOnly
						get(p, "/api/tasks?projectId="+pr.ID+archivedTasks, &tasks)
						for _, k := range tasks {
							get(p, "/api/tasks/"+k.ID, nil)
							get(p, "/api/tasks/"+k.ID+"/comments", nil)
						}
					}
				}
			}
		}
	}
	return out
}

// migrateEnv keeps the test's migrate away from the real home: its data,
// config and state directories are temporary.
func migrateEnv(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	t.Setenv("LANES_DATA", "")
	t.Setenv("LANES_DB", "")
}

// A server moved from SQLite to PostgreSQL answers every read the same,
// byte for byte; its tokens still work (and the revoked one still does
// not); a retried keyed write is replayed; a board following the change
// log carries on after the last change it saw; a deleted task can still
// be restored.
func TestMigrateRoundTrip(t *testing.T) {
	migrateEnv(t)
	url := pgtest.URL(t)
	ctx := context.Background()
	data := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(data, "lanes.db"))
	if err != nil {
		t.Fatal(err)
	}
	sqliteAPI := startAPI(t, st)
	f := fillServer(t, st, sqliteAPI)
	before := crawl(sqliteAPI, f.people)
	var head int64
	var spaceLog []store.Change
	err = st.Read(ctx, func(tx *store.Tx) (err error) {
		if head, err = tx.ChangeHead(); err != nil {
			return err
		}
		spaceLog, err = tx.ChangesAfter(f.space, 0, 1000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if head < 30 || len(spaceLog) < 20 || len(before) < 60 {
		t.Fatalf("the fixture is too small to prove much: %d changes, %d in the team space, %d reads", head, len(spaceLog), len(before))
	}

	out := mustRun(t, data, "migrate", "--to", url)
	t.Logf("lanes migrate printed:\n%s", out)
	t.Logf("%d reads compared, %d changes", len(before), head)
	for _, want := range []string{
		"Copied " + filepath.Join(data, "lanes.db") + " into " + redactedBase(t) + " (schema lt_",
		"Verified before the commit", fmt.Sprintf("The change log continues after %d.", head),
		"idempotency", "trash ", "task_labels ", "Serve it with: lanes serve --db",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate printed:\n%s\nwant %q in it", out, want)
		}
	}
	for _, table := range []string{"users", "tokens", "spaces", "members", "projects", "statuses", "tasks", "task_assignees", "comments", "labels", "task_labels", "changes", "idempotency", "trash"} {
		fields := rowOf(out, table)
		if len(fields) < 3 || fields[1] == "0" || len(fields[2]) != 16 {
			t.Errorf("migrate's line for %s: %q, want rows (not 0) and a checksum", table, fields)
		}
	}

	pg, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	pgAPI := startAPI(t, pg)
	after := crawl(pgAPI, f.people)
	for k, want := range before {
		if after[k] != want {
			t.Errorf("GET %s differs after the move:\nSQLite:     %s\nPostgreSQL: %s", k, want, after[k])
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d reads on SQLite, %d on PostgreSQL", len(before), len(after))
	}

	if r := pgAPI.call(f.revoked, "GET", "/api/spaces", nil); r.status != 401 {
		t.Errorf("the revoked token on PostgreSQL: %d %s, want 401", r.status, r.body)
	}
	ben := f.people[1]
	replay := pgAPI.must(201, nil, ben.token, "POST", "/api/tasks", f.idemBody, "Idempotency-Key", f.idemKey)
	if replay.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(replay.body, f.idemFirst) {
		t.Errorf("the retried keyed write on PostgreSQL: replayed %q, body %s; want the first answer again: %s",
			replay.header.Get("Idempotent-Replayed"), replay.body, f.idemFirst)
	}

	// A board of the team space that had seen all but its last two
	// changes gets those, then the first new one, numbered after every
	// copied change.
	last := spaceLog[len(spaceLog)-3:]
	events := follow(t, pgAPI, f.owner.token, f.space, last[0].Seq)
	pgAPI.must(200, nil, f.owner.token, "POST", "/api/tasks/"+f.deleted+"/restore", nil)
	var ids []int64
	for len(ids) < 3 {
		select {
		case id := <-events:
			ids = append(ids, id)
		case <-time.After(10 * time.Second):
			t.Fatalf("the feed after %d gave %v, then nothing for 10 s", last[0].Seq, ids)
		}
	}
	if ids[0] != last[1].Seq || ids[1] != last[2].Seq || ids[2] != head+1 {
		t.Errorf("the feed after %d on PostgreSQL gave %v, want %d, %d, %d", last[0].Seq, ids, last[1].Seq, last[2].Seq, head+1)
	}
	var restored struct {
		Task struct {
			Title        string `json:"title"`
			CommentCount int    `json:"commentCount"`
		} `json:"task"`
	}
	pgAPI.must(200, &restored, f.owner.token, "GET", "/api/tasks/"+f.deleted, nil)
	if restored.Task.Title != "Deleted by mistake" || restored.Task.CommentCount != 1 {
		t.Errorf("the task restored from the moved trash: %+v", restored.Task)
	}
}

// rowOf is the fields of the line of migrate's summary for table.
func rowOf(out, table string) []string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == table {
			return f
		}
	}
	return nil
}

// follow opens the space's feed after seq and sends the id of each change
// event it gets.
func follow(t *testing.T, s *apiServer, token, space string, after int64) <-chan int64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/api/events?spaceId="+space+"&after="+strconv.FormatInt(after, 10), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		t.Fatalf("the feed after %d: %d %s", after, res.StatusCode, raw)
	}
	ids := make(chan int64, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(res.Body)
		var id int64
		kind := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if kind != "" && kind != "ready" {
					ids <- id
				}
				kind = ""
			case strings.HasPrefix(line, "id: "):
				id, _ = strconv.ParseInt(line[4:], 10, 64)
			case strings.HasPrefix(line, "event: "):
				kind = line[7:]
			}
		}
	}()
	t.Cleanup(func() { cancel(); res.Body.Close(); <-done })
	return ids
}

// pgCounts is every lanes table's row count and the change log's head in
// the schema at url.
func pgCounts(t *testing.T, url string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var b strings.Builder
	for _, table := range []string{"users", "tokens", "spaces", "members", "projects", "statuses", "tasks", "task_assignees", "comments", "labels", "task_labels", "changes", "idempotency", "trash"} {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d\n", table, n)
	}
	var seq int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "head %d\n", seq)
	return b.String()
}

// A second migrate into the same schema is refused with a clear message,
// and leaves the schema as the first one left it; --from-data names the
// source.
func TestMigrateRefusesANonEmptyTarget(t *testing.T) {
	migrateEnv(t)
	url := pgtest.URL(t)
	first, second := t.TempDir(), t.TempDir()
	mustRun(t, first, "token", "create")
	mustRun(t, second, "user", "create", "zed")
	mustRun(t, t.TempDir(), "migrate", "--from-data", first, "--to", url)
	was := pgCounts(t, url)
	_, _, err := run(t, context.Background(), t.TempDir(), "migrate", "--from-data", second, "--to", url)
	if err == nil || !strings.Contains(err.Error(), "the target database is not empty") ||
		!strings.Contains(err.Error(), "already has rows in users, tokens, spaces, members, projects, statuses, changes") ||
		!strings.Contains(err.Error(), "nothing was copied") || !strings.Contains(err.Error(), "search_path") {
		t.Fatalf("second migrate: %v, want a refusal naming the tables with rows and what to do", err)
	}
	if now := pgCounts(t, url); now != was {
		t.Fatalf("the refused migrate changed the target:\nbefore:\n%s\nafter:\n%s", was, now)
	}
}

// Text PostgreSQL can't hold (U+0000, bytes not UTF-8) in an old row is
// replaced by U+FFFD, and the summary names the rows.
func TestMigrateReplacesNULs(t *testing.T) {
	migrateEnv(t)
	url := pgtest.URL(t)
	data := t.TempDir()
	mustRun(t, data, "space", "create", "Team")
	raw, err := sql.Open("sqlite", filepath.Join(data, "lanes.db"))
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := raw.QueryRow(`UPDATE spaces SET name = 'Te' || char(0) || 'am' WHERE slug = 'team' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	out := mustRun(t, data, "migrate", "--to", url)
	t.Logf("lanes migrate printed:\n%s", out)
	if f := rowOf(out, "spaces"); len(f) < 6 || strings.Join(f[3:], " ") != "1 row with text replaced" ||
		!strings.Contains(out, "spaces: 1 row held U+0000 or bytes that are not UTF-8") ||
		!strings.Contains(out, `  id "`+id+`" (name)`) {
		t.Fatalf("migrate printed:\n%s\nwant the space's name reported replaced", out)
	}
	pg, err := store.OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	var sp *store.Space
	if err := pg.Read(context.Background(), func(tx *store.Tx) (err error) { sp, err = tx.SpaceByID(id); return }); err != nil {
		t.Fatal(err)
	}
	if sp.Name != "Te\uFFFDam" {
		t.Fatalf("the space on PostgreSQL is named %q, want %q", sp.Name, "Te\uFFFDam")
	}
}

// Bad flags are refused before anything is opened, and a URL's password
// never shows in an error.
func TestMigrateBadFlags(t *testing.T) {
	migrateEnv(t)
	data := t.TempDir()
	mustRun(t, data, "token", "create")
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate"}, "--to is required"},
		{[]string{"migrate", "--to", "mysql://root:hunter2pw@db/lanes"}, "--to must be a PostgreSQL URL"},
		{[]string{"migrate", "--to", "postgres://bob:hunter2pw@127.0.0.1:1/lanes"}, "connect to postgres://bob@127.0.0.1:1/lanes"},
		{[]string{"migrate", "--to", "postgres://bob:hunter2pw@127.0.0.1:notaport/lanes"}, "read database URL"},
		{[]string{"migrate", "--from-data", empty, "--to", "postgres://bob@127.0.0.1/lanes"}, "no lanes database to copy in " + empty},
	} {
		_, _, err := run(t, context.Background(), data, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2pw") {
			t.Errorf("lanes %s: %v, want an error saying %q and no password", strings.Join(tc.args, " "), err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(empty, "lanes.db")); err == nil {
		t.Error("migrate made a database in the directory it was to copy from")
	}
}

// redactedBase is the tests' PostgreSQL as lanes names it in what it
// prints: user, host, port and database, without the password or the
// query.
func redactedBase(t *testing.T) string {
	t.Helper()
	cfg, err := pgx.ParseConfig(pgtest.Base())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
