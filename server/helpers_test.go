package server_test

// Shared helpers for the server's tests: a real server on an httptest
// listener over a real SQLite file in a temp dir, spoken to over real HTTP.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/lanesboard/lanes/internal/pgtest"
	"github.com/lanesboard/lanes/server"
	"github.com/lanesboard/lanes/server/store"
)

// testEnv is one server over one database.
type testEnv struct {
	t   testing.TB
	st  *store.Store
	db  string // where st is: a SQLite file or a PostgreSQL URL
	srv *httptest.Server
	api *server.Server // what srv serves (under the checker)
	// oas checks every answer against the server's OpenAPI document (nil
	// in benchmarks and fuzz targets, which can't fail from a server's
	// goroutine).
	oas *openAPIChecker
}

// testUser is a user of the env's server with one token.
type testUser struct {
	ID    string
	Name  string
	Token string
	// TokenID is the store's id of Token, for revoking it.
	TokenID string
}

// testResp is an answered request.
type testResp struct {
	Status int
	Header http.Header
	Body   []byte
}

// openTestStore opens a fresh database: a SQLite file in a temp dir or,
// for a test run by TestOnPostgres, a PostgreSQL schema of its own.
func openTestStore(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	return openStoreAt(t, freshDB(t), opts...)
}

// freshDB is where a new, empty database for t is: a SQLite file, or a
// PostgreSQL schema's URL under TestOnPostgres.
func freshDB(t testing.TB) string {
	t.Helper()
	if onPostgres(t) {
		return pgtest.URL(t)
	}
	return filepath.Join(t.TempDir(), "lanes.db")
}

// openStoreAt opens the database at db (a path or URL), closed when t ends.
func openStoreAt(t testing.TB, db string, opts ...store.Option) *store.Store {
	t.Helper()
	st, err := store.OpenDB(context.Background(), db, opts...)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newTestEnv starts a server with rate limiting off (so fixtures never hit
// it) unless opts turn it on, and a discard logger.
func newTestEnv(t testing.TB, opts ...server.Option) *testEnv {
	t.Helper()
	db := freshDB(t)
	e := newTestEnvOn(t, openStoreAt(t, db), opts...)
	e.db = db
	return e
}

// newTestEnvOn starts a server over st.
func newTestEnvOn(t testing.TB, st *store.Store, opts ...server.Option) *testEnv {
	t.Helper()
	all := append([]server.Option{
		server.WithLogger(slog.New(slog.NewTextHandler(testLog(), nil))),
		server.WithRateLimit(0),
	}, opts...)
	e := &testEnv{t: t, st: st, api: server.New(st, all...)}
	var h http.Handler = e.api
	switch t.(type) {
	case *testing.B, *testing.F:
	default:
		e.oas = newOpenAPIChecker(t, h)
		h = e.oas
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

// on is the env reporting to t instead (for fuzz targets and subtests that
// must not fail their parent).
func (e *testEnv) on(t testing.TB) *testEnv {
	c := *e
	c.t = t
	return &c
}

// newUser makes a user (with their Personal space) and a token for them.
func (e *testEnv) newUser(name string) testUser {
	e.t.Helper()
	ctx := context.Background()
	var u *store.User
	err := e.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.CreateUser(name, nil, false)
		return err
	})
	if err != nil {
		e.t.Fatalf("create user %s: %v", name, err)
	}
	return e.newToken(testUser{ID: u.ID, Name: name}, "test")
}

// newToken gives u another token (returned in a copy of u).
func (e *testEnv) newToken(u testUser, label string) testUser {
	e.t.Helper()
	secret, tok, err := server.IssueToken(context.Background(), e.st, u.ID, label)
	if err != nil {
		e.t.Fatalf("issue token for %s: %v", u.Name, err)
	}
	u.Token, u.TokenID = secret, tok.ID
	return u
}

// do sends a request as token ("" for none). body is nil (no body), a
// string or []byte (sent as is) or anything else (sent as JSON). headers
// are name, value pairs.
func (e *testEnv) do(token, method, path string, body any, headers ...string) testResp {
	e.t.Helper()
	return testDo(e.t, e.srv.Client(), e.srv.URL, token, method, path, body, headers...)
}

func testDo(t testing.TB, c *http.Client, base, token, method, path string, body any, headers ...string) testResp {
	t.Helper()
	res, err := testSend(c, base, token, method, path, body, headers...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// testSend is testDo for goroutines other than the test's: it reports
// errors instead of failing the test.
func testSend(c *http.Client, base, token, method, path string, body any, headers ...string) (testResp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return testResp{}, fmt.Errorf("encode request body: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return testResp{}, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		return testResp{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return testResp{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return testResp{Status: res.StatusCode, Header: res.Header, Body: raw}, nil
}

// want fails unless the response has the status, and decodes the body into
// v (if not nil).
func (r testResp) want(t testing.TB, status int, v any) testResp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal(r.Body, v); err != nil {
			t.Fatalf("decode %s: %v", r.Body, err)
		}
	}
	return r
}

// fields is the body as a JSON object, key by key.
func (r testResp) fields(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// apiErr is an error body.
type apiErr struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	Field string `json:"field"`
}

// wantErr fails unless the response is an error with the status and code
// (code "" means no code at all) and returns the body.
func (r testResp) wantErr(t testing.TB, status int, code string) apiErr {
	t.Helper()
	var e apiErr
	r.want(t, status, &e)
	if e.Error == "" {
		t.Fatalf("error body has no \"error\" sentence: %s", r.Body)
	}
	if e.Code != code {
		t.Fatalf("error code %q, want %q; body: %s", e.Code, code, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error Content-Type %q, want JSON", ct)
	}
	return e
}

// The API's objects as a client reads them.
type (
	tSpace struct {
		ID          string  `json:"id"`
		Name        string  `json:"name"`
		Slug        string  `json:"slug"`
		Description *string `json:"description"`
		Color       *string `json:"color"`
		IsPersonal  bool    `json:"isPersonal"`
		Role        string  `json:"role"`
	}
	tProject struct {
		ID          string  `json:"id"`
		SpaceID     string  `json:"spaceId"`
		Name        string  `json:"name"`
		Slug        string  `json:"slug"`
		Description *string `json:"description"`
		DefaultView string  `json:"defaultView"`
		Color       *string `json:"color"`
		IsArchived  bool    `json:"isArchived"`
	}
	tStatus struct {
		ID        string  `json:"id"`
		ProjectID string  `json:"projectId"`
		Name      string  `json:"name"`
		Color     *string `json:"color"`
		Position  int     `json:"position"`
		IsDone    bool    `json:"isDone"`
		WipLimit  *int    `json:"wipLimit"`
	}
	tLabel struct {
		ID        string  `json:"id"`
		ProjectID string  `json:"projectId"`
		Name      string  `json:"name"`
		Color     *string `json:"color"`
	}
	tTask struct {
		ID             string     `json:"id"`
		ProjectID      string     `json:"projectId"`
		StatusID       *string    `json:"statusId"`
		ParentTaskID   *string    `json:"parentTaskId"`
		Title          string     `json:"title"`
		Description    *string    `json:"description"`
		Priority       string     `json:"priority"`
		DueDate        *string    `json:"dueDate"`
		CompletedAt    *string    `json:"completedAt"`
		IsArchived     bool       `json:"isArchived"`
		EstimatedHours *float64   `json:"estimatedHours"`
		Position       string     `json:"position"`
		AssigneeIDs    []string   `json:"assigneeIds"`
		LabelIDs       []string   `json:"labelIds"`
		ReopenStatusID *string    `json:"reopenStatusId"`
		CreatorID      string     `json:"creatorId"`
		CommentCount   int        `json:"commentCount"`
		CreatedAt      string     `json:"createdAt"`
		UpdatedAt      string     `json:"updatedAt"`
		Version        int64      `json:"version"`
		Comments       []tComment `json:"comments"`
		Subtasks       []tTask    `json:"subtasks"`
	}
	tComment struct {
		ID         string `json:"id"`
		TaskID     string `json:"taskId"`
		AuthorID   string `json:"authorId"`
		AuthorName string `json:"authorName"`
		Content    string `json:"content"`
		CreatedAt  string `json:"createdAt"`
	}
	tMember struct {
		SpaceID string `json:"spaceId"`
		UserID  string `json:"userId"`
		Name    string `json:"name"`
		Role    string `json:"role"`
	}
)

// board is a project with its columns, as fixtures need it.
type board struct {
	SpaceID   string
	ProjectID string
	Columns   []tStatus
}

// col is the id of the column named name.
func (b board) col(t testing.TB, name string) string {
	t.Helper()
	for _, c := range b.Columns {
		if c.Name == name {
			return c.ID
		}
	}
	t.Fatalf("no column %q in %+v", name, b.Columns)
	return ""
}

// personalBoard is u's Personal space and its General project.
func (e *testEnv) personalBoard(u testUser) board {
	e.t.Helper()
	var spaces []tSpace
	e.do(u.Token, "GET", "/api/spaces", nil).want(e.t, 200, &spaces)
	for _, sp := range spaces {
		if sp.IsPersonal {
			return e.boardOf(u, sp.ID)
		}
	}
	e.t.Fatalf("%s has no personal space among %+v", u.Name, spaces)
	return board{}
}

// boardOf is the first project of the space and its columns.
func (e *testEnv) boardOf(u testUser, spaceID string) board {
	e.t.Helper()
	var projects []tProject
	e.do(u.Token, "GET", "/api/projects?spaceId="+spaceID, nil).want(e.t, 200, &projects)
	if len(projects) == 0 {
		e.t.Fatalf("space %s has no project", spaceID)
	}
	return board{SpaceID: spaceID, ProjectID: projects[0].ID, Columns: e.columns(u, projects[0].ID)}
}

func (e *testEnv) columns(u testUser, projectID string) []tStatus {
	e.t.Helper()
	var cols []tStatus
	e.do(u.Token, "GET", "/api/statuses?projectId="+projectID, nil).want(e.t, 200, &cols)
	return cols
}

// createTask makes a task from body (projectId filled in) and returns it.
func (e *testEnv) createTask(u testUser, projectID string, body map[string]any) tTask {
	e.t.Helper()
	b := map[string]any{"projectId": projectID}
	for k, v := range body {
		b[k] = v
	}
	if _, ok := b["title"]; !ok {
		b["title"] = "a task"
	}
	var out struct{ Task tTask }
	e.do(u.Token, "POST", "/api/tasks", b).want(e.t, 201, &out)
	return out.Task
}

// patchTask sends a PATCH and returns the task it answers with.
func (e *testEnv) patchTask(u testUser, id string, body any) tTask {
	e.t.Helper()
	var out struct{ Task tTask }
	e.do(u.Token, "PATCH", "/api/tasks/"+id, body).want(e.t, 200, &out)
	return out.Task
}

// getTask reads one task with its comments and subtasks.
func (e *testEnv) getTask(u testUser, id string) tTask {
	e.t.Helper()
	var out struct{ Task tTask }
	e.do(u.Token, "GET", "/api/tasks/"+id, nil).want(e.t, 200, &out)
	return out.Task
}

// listTasks lists a project's active tasks (archived ones with archived).
func (e *testEnv) listTasks(u testUser, projectID string, archived bool) []tTask {
	e.t.Helper()
	path := "/api/tasks?projectId=" + projectID
	if archived {
		path += "&archived=true"
	}
	var out []tTask
	e.do(u.Token, "GET", path, nil).want(e.t, 200, &out)
	return out
}

// fakeClock is a clock tests move by hand; safe for the server's goroutines.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now().UTC()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// str is a pointer's value for messages, "<nil>" for nil.
func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", *p)
}

// onPostgres reports whether t runs under TestOnPostgres, and so on a
// PostgreSQL schema rather than a SQLite file.
func onPostgres(t testing.TB) bool { return strings.HasPrefix(t.Name(), "TestOnPostgres/") }

// execSQL runs one statement on the env's database behind the server's
// back, as another program with the database's credentials might: for
// states the API cannot make. ? marks the arguments.
func (e *testEnv) execSQL(query string, args ...any) {
	e.t.Helper()
	ctx := context.Background()
	if store.IsURL(e.db) {
		conn, err := pgx.Connect(ctx, e.db)
		if err != nil {
			e.t.Fatal(err)
		}
		defer conn.Close(ctx)
		n := 0
		query = regexp.MustCompile(`\?`).ReplaceAllStringFunc(query, func(string) string { n++; return fmt.Sprintf("$%d", n) })
		if _, err := conn.Exec(ctx, query, args...); err != nil {
			e.t.Fatal(err)
		}
		return
	}
	db, err := sql.Open("sqlite", "file:"+e.db+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		e.t.Fatal(err)
	}
}

// testLog is where test servers log: nowhere, unless LANES_TEST_LOG is set.
func testLog() io.Writer {
	if os.Getenv("LANES_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}

// fieldNames is a JSON object's field names, sorted and comma-separated.
func fieldNames[V any](obj map[string]V) string {
	return strings.Join(slices.Sorted(maps.Keys(obj)), ",")
}
