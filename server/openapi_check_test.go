package server_test

// Every test server (newTestEnvOn) answers through an openAPIChecker: each
// response of the whole test suite is checked against the OpenAPI
// document the server itself serves, so a field, status, header or route
// the document does not describe fails the test that met it.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/lanesboard/lanes/server"
)

// openAPIChecker is a server's handler checked against the server's own
// OpenAPI document:
//   - every response must be one the document gives for its route and
//     status: its headers, and its body if JSON (held strictly: an object
//     may carry no property the document does not name);
//   - a request the document calls invalid must not succeed;
//   - a request for a route the document lacks must not succeed, and an
//     answer to it in JSON must be an Error;
//   - every event of the change feed must be of a kind x-lanes-events
//     names, its data of the schema it gives.
type openAPIChecker struct {
	t testing.TB
	h http.Handler
	*openAPISpec

	mu   sync.Mutex
	seen map[string]map[int]int // "METHOD /path/template": how many answers of each status were checked
}

// checksPerAnswerKind bounds how many answers of one operation and status
// one server's checker holds to the document: a test that sends the same
// request a thousand times is checked on its first ones, so that checking
// costs the suite seconds, not minutes.
const checksPerAnswerKind = 30

// openAPISpec is a document ready to check answers against.
type openAPISpec struct {
	doc    *openapi3.T
	router routers.Router
	events map[string]*openapi3.Schema // the change feed's events, by kind
}

// openAPISpecs are both surfaces' documents, keyed by their text, parsed
// once for the whole test binary: a parse takes a tenth of a second, and
// the suite starts hundreds of servers. Never changed once made.
var openAPISpecs = sync.OnceValues(func() (map[string]*openAPISpec, error) {
	out := map[string]*openAPISpec{}
	for _, a := range []server.API{server.APIFull, server.APISeed} {
		raw, err := server.OpenAPI(a)
		if err != nil {
			return nil, err
		}
		spec, err := parseOpenAPI(raw)
		if err != nil {
			return nil, fmt.Errorf("the %s surface's document: %w", a, err)
		}
		out[string(raw)] = spec
	}
	return out, nil
})

// newOpenAPIChecker checks h's answers against the document h serves.
func newOpenAPIChecker(t testing.TB, h http.Handler) *openAPIChecker {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json without a token: %d, want 200: %s", rec.Code, rec.Body)
	}
	specs, err := openAPISpecs()
	if err != nil {
		t.Fatal(err)
	}
	spec := specs[rec.Body.String()]
	if spec == nil {
		t.Fatalf("GET /api/openapi.json is neither server.OpenAPI(APIFull) nor server.OpenAPI(APISeed)")
	}
	return &openAPIChecker{t: t, h: h, openAPISpec: spec, seen: map[string]map[int]int{}}
}

// parseOpenAPI parses and validates a document, and makes its response
// schemas strict: an object in a response may hold only the properties
// the document names. (The document itself leaves them open, so that
// clients generated from it accept a later server's new fields.)
func parseOpenAPI(raw []byte) (*openAPISpec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	strict := map[*openapi3.Schema]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, resp := range op.Responses.Map() {
				for _, mt := range resp.Value.Content {
					strictObjects(mt.Schema, strict)
				}
			}
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	events, err := feedEvents(doc, strict)
	if err != nil {
		return nil, err
	}
	return &openAPISpec{doc: doc, router: router, events: events}, nil
}

// strictObjects forbids properties the schema does not name, in every
// object schema within it.
func strictObjects(ref *openapi3.SchemaRef, done map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || done[ref.Value] {
		return
	}
	s := ref.Value
	done[s] = true
	if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
		no := false
		s.AdditionalProperties.Has = &no
	}
	for _, p := range s.Properties {
		strictObjects(p, done)
	}
	strictObjects(s.Items, done)
	for _, group := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
		for _, x := range group {
			strictObjects(x, done)
		}
	}
}

// feedEvents are the change feed's event kinds and their data's schemas,
// from x-lanes-events of GET /api/events' text/event-stream answer.
func feedEvents(doc *openapi3.T, strict map[*openapi3.Schema]bool) (map[string]*openapi3.Schema, error) {
	item := doc.Paths.Value("/api/events")
	if item == nil || item.Get == nil {
		return nil, nil // the seed's surface has no feed
	}
	mt := item.Get.Responses.Status(200).Value.Content.Get("text/event-stream")
	if mt == nil {
		return nil, errors.New("GET /api/events: the document gives no text/event-stream answer")
	}
	raw, err := json.Marshal(mt.Extensions["x-lanes-events"])
	if err != nil {
		return nil, err
	}
	var kinds map[string]json.RawMessage
	if err := json.Unmarshal(raw, &kinds); err != nil || len(kinds) == 0 {
		return nil, fmt.Errorf("GET /api/events: x-lanes-events is not a map of event kinds to schemas: %s", raw)
	}
	out := map[string]*openapi3.Schema{}
	for kind, s := range kinds {
		var ref openapi3.SchemaRef
		if err := json.Unmarshal(s, &ref); err != nil {
			return nil, fmt.Errorf("x-lanes-events %s: %w", kind, err)
		}
		if ref.Ref != "" {
			target := doc.Components.Schemas[strings.TrimPrefix(ref.Ref, "#/components/schemas/")]
			if target == nil {
				return nil, fmt.Errorf("x-lanes-events %s: no schema %s", kind, ref.Ref)
			}
			strictObjects(target, strict)
			out[kind] = target.Value
			continue
		}
		strictObjects(&ref, strict)
		out[kind] = ref.Value
	}
	return out, nil
}

func (c *openAPIChecker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recordingWriter{ResponseWriter: w}
	c.h.ServeHTTP(rec, r)
	c.check(r, body, rec)
}

// check holds one answered request to the document.
func (c *openAPIChecker) check(r *http.Request, reqBody []byte, rec *recordingWriter) {
	c.t.Helper()
	if r.Method == http.MethodHead {
		return
	}
	status := rec.status
	if status == 0 { // nothing written: net/http sends 200
		status, rec.header = http.StatusOK, rec.ResponseWriter.Header().Clone()
	}
	what := fmt.Sprintf("%s %s → %d", r.Method, r.URL.RequestURI(), status)
	// The validator reads the request again: give it a copy.
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		// A route the document lacks: it must not be served.
		if status < 400 {
			c.t.Errorf("%s: the server answers a route the OpenAPI document lacks (%v): document it in apiOperations (server/openapi.go)", what, err)
			return
		}
		if isJSON(rec.header.Get("Content-Type")) {
			c.checkSchema(what, c.doc.Components.Schemas["Error"], rec.body.Bytes())
		}
		return
	}
	key := strings.ToUpper(route.Method) + " " + route.Path
	c.mu.Lock()
	if c.seen[key] == nil {
		c.seen[key] = map[int]int{}
	}
	c.seen[key][status]++
	n := c.seen[key][status]
	c.mu.Unlock()
	if n > checksPerAnswerKind {
		return
	}

	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	// A request the server refused may break the document's rules (many
	// tests send such on purpose); one it did must keep them.
	if status < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			c.t.Errorf("%s: the OpenAPI document calls this request invalid, but the server did it:\n%v\nrequest body: %s", what, err, clipBody(reqBody))
		}
	}
	ct := rec.header.Get("Content-Type")
	opts := &openapi3filter.Options{IncludeResponseStatus: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
	if ct != "" && !isJSON(ct) {
		// The validator reads JSON and text bodies; a stream it can't, so its
		// media type is checked here and its events below.
		opts.ExcludeResponseBody = true
		if resp := route.Operation.Responses.Status(status); resp != nil && resp.Value.Content.Get(ct) == nil {
			c.t.Errorf("%s: Content-Type %q is not one the OpenAPI document gives for this answer", what, ct)
		}
	}
	body := rec.body.Bytes()
	if enc := rec.header.Get("Content-Encoding"); enc != "" {
		// The document describes the content; its coding is HTTP's.
		if enc != "gzip" {
			c.t.Errorf("%s: Content-Encoding %q: the server sends only gzip", what, enc)
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			c.t.Errorf("%s: the gzip body does not decompress: %v", what, err)
			return
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: rec.header, Options: opts}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Errorf("%s: the response is not what the OpenAPI document says:\n%v\nresponse body: %s", what, err, clipBody(body))
	}
	if mt, _, _ := mime.ParseMediaType(ct); mt == "text/event-stream" && key == "GET /api/events" {
		c.checkEvents(what, rec.body.Bytes())
	}
}

// checkEvents holds each complete event of a change feed to x-lanes-events.
func (c *openAPIChecker) checkEvents(what string, stream []byte) {
	c.t.Helper()
	blocks := strings.Split(string(stream), "\n\n")
	for _, block := range blocks[:len(blocks)-1] { // the last may be cut short
		var kind, data string
		sc := bufio.NewScanner(strings.NewReader(block))
		sc.Buffer(nil, len(block)+1)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			}
		}
		if kind == "" {
			continue // a comment (": ping")
		}
		schema, ok := c.events[kind]
		if !ok {
			c.t.Errorf("%s: event %q is not one of the kinds x-lanes-events names in the OpenAPI document (server/openapi.go feedResponses)", what, kind)
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			c.t.Errorf("%s: event %s: data is not JSON: %v: %s", what, kind, err, clipBody([]byte(data)))
			continue
		}
		if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
			c.t.Errorf("%s: event %s: data is not what x-lanes-events says:\n%v\ndata: %s", what, kind, err, clipBody([]byte(data)))
		}
	}
}

// checkSchema holds a JSON body to a component schema.
func (c *openAPIChecker) checkSchema(what string, ref *openapi3.SchemaRef, body []byte) {
	c.t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		c.t.Errorf("%s: the body is not JSON: %v: %s", what, err, clipBody(body))
		return
	}
	s := *ref.Value
	no := false
	s.AdditionalProperties.Has = &no
	if err := s.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		c.t.Errorf("%s: the body is not an Error:\n%v\nbody: %s", what, err, clipBody(body))
	}
}

// statuses are the statuses checked for the operation key ("GET
// /api/tasks/{id}"), sorted.
func (c *openAPIChecker) statuses(key string) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for s := range c.seen[key] {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

func clipBody(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// recordingWriter passes a response on and keeps a copy: the status, the
// headers as sent, and the body (a stream's first MiB).
type recordingWriter struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

const recordStreamMax = 1 << 20

func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.header = w.ResponseWriter.Header().Clone()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if room := recordStreamMax - w.body.Len(); room > 0 || isJSON(w.header.Get("Content-Type")) {
		if room > 0 && room < len(b) && !isJSON(w.header.Get("Content-Type")) {
			w.body.Write(b[:room])
		} else {
			w.body.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer's Flush.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush on (the MCP SDK asks for it directly).
func (w *recordingWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.status == 0 {
			w.WriteHeader(http.StatusOK)
		}
		f.Flush()
	}
}
