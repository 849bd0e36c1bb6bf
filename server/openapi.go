package server

// The OpenAPI 3.1 document of the API, served at GET /api/openapi.json.
//
// Every route routes() registers has an entry in apiOperations, keyed by
// the same pattern; TestOpenAPICoversEveryRoute fails on a route without
// one (and on an entry for a route the server does not serve). The
// document is built from that table: the seed's routes are those seedRoute
// lists, every other route and every field the seed does not list is
// marked "x-lanes-addition": true, and the seed-only surface (lanes serve
// --api seed) gets the same document without them.
//
// The objects the server sends are described from the Go types it encodes
// (store.Task, seedTask, ...), field by field from their JSON tags, so a
// field can't be renamed or added without the document following; what a
// type can't say (enums, formats, descriptions) is in fieldNotes. Request
// bodies are decoded by hand, so their schemas are written out here, next
// to nothing else.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lanesboard/lanes/server/store"
)

// openAPIRoute is where the document is served, to anyone: it needs no
// token.
const openAPIRoute = "GET /api/openapi.json"

// apiOp is what the document says of one route. The statuses every route
// of its kind may answer (401 and 429 for a token, 400 and 404 for an id in
// the path, 400 and 413 for a body, 507 for a write...) are added by the
// builder; errs says what only this route answers, or what its answer
// means here.
type apiOp struct {
	id      string // operationId: the handler's name
	tag     string
	summary string
	desc    string
	query   []apiParam
	headers []apiParam              // request headers beyond Authorization and Idempotency-Key
	body    string                  // the request body's schema (a component), "" for none
	status  int                     // the success status; 200 when 0
	resp    func(b *docBuilder) obj // the success body's schema; nil for none
	errs    map[int]string
	// responses, when set, is the whole responses object: for the routes
	// that are not JSON in and JSON out (the event feed, MCP, this document).
	responses func(b *docBuilder) obj
	public    bool // needs no token
	// notWrite says a POST, PATCH or DELETE does not go through the
	// server's write path (no Idempotency-Key, no 507).
	notWrite bool
	// addDesc is said after desc on the full surface (of its additions).
	addDesc string
	// respHeaders are the success answer's own headers, beyond the rate
	// limit's.
	respHeaders func(b *docBuilder) obj
	// notModified says the route answers 304 to If-None-Match, with
	// respHeaders.
	notModified bool
	// addErrs are errs that only lanes' additions give (full surface only).
	addErrs map[int]string
}

// listHeaders are the task list's answers' headers.
func listHeaders(b *docBuilder) obj {
	h := obj{"ETag": hdrRef("ETag")}
	if !b.seed {
		h["X-Lanes-Seq"] = hdrRef("X-Lanes-Seq")
	}
	return h
}

// apiParam is a query parameter or a request header.
type apiParam struct {
	name, desc string
	schema     obj
	required   bool
	addition   bool // not in the seed
}

// apiOperations is the document's entry for each route, keyed by the
// pattern routes() registers it under. To document a new route:
//   - add its entry here (a new tag also goes in apiTags);
//   - a request body, or an answer that is not a Go type, goes in
//     handWrittenSchemas; an object the server encodes from a Go struct
//     goes in schemaTypes, with fieldNotes for what its type can't say
//     (enums, formats, descriptions);
//   - a new kind of change on the feed goes in feedResponses;
//   - a request that succeeds on it goes in exerciseFullSurface
//     (openapi_test.go), so its answers are checked;
//   - then go generate in internal/openapiclient.
//
// A route the seed does not list is marked as lanes' own by itself.
func apiOperations() map[string]apiOp {
	uuidParam := func(name, desc string, required bool) apiParam {
		return apiParam{name: name, desc: desc, required: required, schema: obj{"type": "string", "format": "uuid"}}
	}
	archived := func(what string, addition bool) apiParam {
		return apiParam{name: "archived", addition: addition, schema: obj{"type": "boolean", "default": false},
			desc: "true lists the archived " + what + " instead (1 and 0 are read as true and false)."}
	}
	wrap := func(key, component string) func(*docBuilder) obj {
		return func(b *docBuilder) obj { return wrapped(key, b.ref(component)) }
	}
	list := func(component string) func(*docBuilder) obj {
		return func(b *docBuilder) obj { return obj{"type": "array", "items": b.ref(component)} }
	}
	success := func(b *docBuilder) obj { return b.ref("Success") }
	const (
		adminOnly   = "The caller is not an Owner or Admin of the space (code forbidden)."
		memberOnly  = "The caller is a Viewer of the space: writes need Member or more (code forbidden)."
		slugTakenSp = "The slug is taken by another space (code slug_taken)."
		noSpace     = "No such space, or the caller is not a member of it (code not_found)."
		noProject   = "No such project, or the caller is not a member of its space (code not_found)."
	)
	return map[string]apiOp{
		"GET /api/spaces": {id: "listSpaces", tag: "Spaces", summary: "List the spaces the caller belongs to",
			desc: "Every space the caller is a member of, their Personal space included.", resp: list("Space")},
		"POST /api/spaces": {id: "createSpace", tag: "Spaces", summary: "Create a team space",
			desc:   "The caller becomes its Owner. A General project with the default columns is made with it.",
			body:   "SpaceCreate",
			status: http.StatusCreated, resp: wrap("space", "Space"),
			errs: map[int]string{409: slugTakenSp}},
		"GET /api/spaces/{id}/members": {id: "listMembers", tag: "Members", summary: "List a space's members",
			resp: list("Member")},
		"POST /api/spaces/{id}/members": {id: "addMember", tag: "Members", summary: "Add a user to a team space",
			body: "MemberAdd", status: http.StatusCreated, resp: wrap("member", "Member"),
			errs: map[int]string{
				403: adminOnly + " A Personal space can't be shared either.",
				409: "The user is already a member (code already_member).",
			}},
		"PATCH /api/spaces/{id}/members/{userId}": {id: "updateMember", tag: "Members", summary: "Change a member's role",
			body: "MemberUpdate", resp: wrap("member", "Member"),
			errs: map[int]string{403: adminOnly + " The Owner's role can't be changed."}},
		"DELETE /api/spaces/{id}/members/{userId}": {id: "removeMember", tag: "Members", summary: "Remove a member from a space",
			desc: "Anyone may leave a space (remove themselves); removing others takes an Owner or Admin. The member is unassigned from the space's tasks.",
			resp: success, errs: map[int]string{403: adminOnly + " The Owner can't be removed."}},

		"GET /api/projects": {id: "listProjects", tag: "Projects", summary: "List a space's projects",
			query: []apiParam{uuidParam("spaceId", "The space to list projects for.", true), archived("projects", true)},
			resp:  list("Project")},
		"POST /api/projects": {id: "createProject", tag: "Projects", summary: "Create a project in a space",
			desc: "Requires the Owner, Admin or Member role in the space. The default Kanban columns are made with it.",
			body: "ProjectCreate", status: http.StatusCreated, resp: wrap("project", "Project"),
			errs: map[int]string{403: memberOnly, 404: noSpace, 409: "The slug is taken in this space (code slug_taken)."}},
		"PATCH /api/projects/{id}": {id: "updateProject", tag: "Projects", summary: "Change a project's settings",
			desc: "Requires the Owner or Admin role in the space. Only the fields sent change.",
			body: "ProjectUpdate", resp: wrap("project", "Project"),
			errs: map[int]string{403: adminOnly, 409: "The slug is taken in this space (code slug_taken)."}},
		"DELETE /api/projects/{id}": {id: "archiveProject", tag: "Projects", summary: "Archive a project (soft delete)",
			desc: "Requires the Owner or Admin role. Archiving an archived project succeeds and changes nothing.",
			resp: success, errs: map[int]string{403: adminOnly}},

		"GET /api/statuses": {id: "listStatuses", tag: "Statuses", summary: "List a project's columns, in board order",
			query: []apiParam{uuidParam("projectId", "The project whose columns to list.", true)},
			resp:  list("Status")},
		"POST /api/statuses": {id: "createStatus", tag: "Statuses", summary: "Add a column to a project",
			desc: "Requires the Owner or Admin role. A project has at most 50 columns.",
			body: "StatusCreate", status: http.StatusCreated, resp: wrap("status", "Status"),
			errs: map[int]string{403: adminOnly, 404: noProject}},
		"PATCH /api/statuses/{id}": {id: "updateStatus", tag: "Statuses", summary: "Rename, recolour, reorder, WIP-limit or mark a column done",
			desc: "Requires the Owner or Admin role. Marking a column done completes its cards; unmarking it reopens them. A project keeps at least one done column.",
			body: "StatusUpdate", resp: wrap("status", "Status"),
			errs: map[int]string{403: adminOnly}},
		"DELETE /api/statuses/{id}": {id: "deleteStatus", tag: "Statuses", summary: "Delete a column",
			desc:  "Requires the Owner or Admin role. A column holding cards needs moveTo, the column they move to. A project keeps at least one column and one done column.",
			query: []apiParam{uuidParam("moveTo", "Another column of the project, where the column's cards go.", false)},
			resp:  success, errs: map[int]string{403: adminOnly}},

		"GET /api/labels": {id: "listLabels", tag: "Labels", summary: "List a project's labels",
			query: []apiParam{uuidParam("projectId", "The project whose labels to list.", true)},
			resp:  func(b *docBuilder) obj { return wrapped("labels", obj{"type": "array", "items": b.ref("Label")}) }},
		"POST /api/labels": {id: "createLabel", tag: "Labels", summary: "Make a label in a project",
			desc: "Requires the Member role or more. A project has at most 200 labels.",
			body: "LabelCreate", status: http.StatusCreated, resp: wrap("label", "Label"),
			errs: map[int]string{403: memberOnly, 404: noProject, 409: "The project has a label of that name already, ignoring case (code label_taken)."}},
		"PATCH /api/labels/{id}": {id: "updateLabel", tag: "Labels", summary: "Rename or recolour a label",
			body: "LabelUpdate", resp: wrap("label", "Label"),
			errs: map[int]string{403: memberOnly, 409: "The project has a label of that name already, ignoring case (code label_taken)."}},
		"DELETE /api/labels/{id}": {id: "deleteLabel", tag: "Labels", summary: "Delete a label",
			desc: "It comes off every task that carried it.",
			resp: success, errs: map[int]string{403: memberOnly}},

		"GET /api/tasks": {id: "listTasks", tag: "Tasks", summary: "List a project's active tasks",
			desc: "In board order: by column, then by position. The answer carries a strong ETag (send it back as If-None-Match to get 304 " +
				"while the list is unchanged) and is gzipped when Accept-Encoding allows it (Vary: Accept-Encoding).",
			addDesc: " With since, the answer is instead what changed after that change-log position (an X-Lanes-Seq or a feed event's id): " +
				"a TaskDelta, or 410 resync_required when the log no longer holds it (or never did: another database), and the lists must be read whole. " +
				"The delta and the feed followed from its seq miss no change.",
			query: []apiParam{uuidParam("projectId", "The project to list tasks for.", true), archived("tasks", false),
				{name: "since", addition: true, schema: obj{"type": "integer", "format": "int64", "minimum": 1},
					desc: "Answer only what changed after this change-log position (X-Lanes-Seq of an earlier answer): a TaskDelta holding the project's " +
						"tasks, active and archived, whose list entry changed, and the ids of those deleted or gone from the project. Not with archived."}},
			headers: []apiParam{{name: "If-None-Match", schema: obj{"type": "string"},
				desc: "The ETag of the list the caller holds: 304, with no body, while it is the list's ETag still (either encoding's)."}},
			resp: func(b *docBuilder) obj {
				if b.seed {
					return b.ref("TaskList")
				}
				return obj{"oneOf": []any{b.ref("TaskList"), b.ref("TaskDelta")}}
			},
			respHeaders: listHeaders, notModified: true,
			addErrs: map[int]string{410: "since is older than the change log keeps, past its head, or a change after it can't be told as a delta (code resync_required): read the lists whole."}},
		"POST /api/tasks": {id: "createTask", tag: "Tasks", summary: "Create a task in a project",
			desc: "Requires at least the Member role (not Viewer). The task goes at the end of its column; a task put in a done column is complete.",
			body: "TaskCreate", status: http.StatusCreated, resp: wrap("task", "Task"),
			errs: map[int]string{403: memberOnly, 404: noProject, 409: "The project is archived (code project_archived): restore it first."}},
		"GET /api/tasks/{id}": {id: "getTask", tag: "Tasks", summary: "Read a task with its comments and subtasks",
			resp: wrap("task", "TaskDetail")},
		"PATCH /api/tasks/{id}": {id: "updateTask", tag: "Tasks", summary: "Update a task",
			desc: "All fields optional: only those sent change. Requires at least the Member role. Setting completedAt moves the task to the first done column, clearing it moves it back out; moving it into a done column completes it.",
			body: "TaskUpdate", resp: wrap("task", "Task"),
			errs: map[int]string{403: memberOnly}},
		"DELETE /api/tasks/{id}": {id: "deleteTask", tag: "Tasks", summary: "Delete a task",
			desc: "Requires the Owner or Admin role, or to be the task's creator. Its subtasks go with it. lanes keeps it in the trash for 30 days (see restore).",
			resp: success, errs: map[int]string{403: "The caller is a Viewer, or a Member who did not create the task (code forbidden)."}},
		"POST /api/tasks/{id}/restore": {id: "restoreTask", tag: "Tasks", summary: "Bring a deleted task back from the trash",
			desc: "With its subtasks, under the same ids, in its column if it still exists. Those who may delete the task may restore it.",
			resp: wrap("task", "Task"),
			errs: map[int]string{
				403: "The caller is a Viewer, or a Member who did not create the task (code forbidden).",
				404: "No such task in the trash or on the board (deleted over 30 days ago, or never).",
				409: "The task is not deleted (code not_deleted).",
			}},
		"GET /api/tasks/{id}/comments": {id: "listComments", tag: "Comments", summary: "List a task's comments, oldest first",
			resp: list("Comment")},
		"POST /api/tasks/{id}/comments": {id: "addComment", tag: "Comments", summary: "Comment on a task",
			body: "CommentCreate", status: http.StatusCreated, resp: wrap("comment", "Comment"),
			errs: map[int]string{403: memberOnly}},
		"POST /api/tasks/{id}/assignees": {id: "assign", tag: "Assignees", summary: "Assign a member of the task's space",
			body: "AssigneeAdd", resp: wrap("task", "Task"),
			errs: map[int]string{403: memberOnly}},
		"DELETE /api/tasks/{id}/assignees/{userId}": {id: "unassign", tag: "Assignees", summary: "Unassign a user from a task",
			resp: wrap("task", "Task"), errs: map[int]string{403: memberOnly}},

		"GET /api/tasks/{id}/activity": {id: "taskActivity", tag: "Activity", summary: "A task's history: who changed what, and when",
			desc: "Newest first, a page at a time: the next page is before= the last id of this one. Anyone who can see the task may read it. " +
				"It lasts as long as the task does (a deleted task keeps its own while in the trash).",
			query: []apiParam{
				{name: "limit", desc: "How many entries (default 50).", schema: obj{"type": "integer", "minimum": 1, "maximum": maxActivityPage, "default": activityPage}},
				{name: "before", desc: "Only entries older than this id (the last id of the page before).", schema: obj{"type": "integer", "format": "int64", "minimum": 1}},
			},
			resp: list("Activity")},
		"GET /api/search": {id: "search", tag: "Search", summary: "Search titles, descriptions and comments",
			desc: "Full-text search in the spaces the caller is a member of (archived tasks and projects left out), best match first. " +
				"q is split into words of letters and digits, each matched as the start of a word, all of them required; anything else only separates words.",
			query: []apiParam{
				{name: "q", desc: "The words to find.", required: true, schema: obj{"type": "string", "minLength": 1, "maxLength": maxSearchLen}},
				uuidParam("spaceId", "Search this space only.", false),
				uuidParam("projectId", "Search this project only.", false),
				{name: "limit", desc: "How many hits (default 20).", schema: obj{"type": "integer", "minimum": 1, "maximum": maxSearchPage, "default": searchPage}},
			},
			resp: list("SearchHit"), errs: map[int]string{404: "spaceId or projectId names a space or project the caller can't see (code not_found)."}},

		"GET /api/webhooks": {id: "listWebhooks", tag: "Webhooks", summary: "List webhooks",
			desc:  "The webhooks of the space (Owner or Admin), or without spaceId those of every space where the caller is Owner or Admin.",
			query: []apiParam{uuidParam("spaceId", "The space whose webhooks to list.", false)},
			resp:  list("Webhook"), errs: map[int]string{403: adminOnly, 404: noSpace}},
		"POST /api/webhooks": {id: "createWebhook", tag: "Webhooks", summary: "Subscribe a URL to a space's events",
			desc: "Requires the Owner or Admin role. The answer holds the signing secret, shown this once. Each event is POSTed to the URL with " +
				"X-Lanes-Event, X-Lanes-Delivery (the same on every retry) and X-Lanes-Signature: t=UNIX,v1=hex(HMAC-SHA256(secret, t + \".\" + body)).",
			body: "WebhookCreate", status: http.StatusCreated, resp: wrap("webhook", "WebhookWithSecret"),
			errs: map[int]string{403: adminOnly, 404: noSpace}},
		"PATCH /api/webhooks/{id}": {id: "updateWebhook", tag: "Webhooks", summary: "Change, disable or re-enable a webhook",
			desc: "Requires the Owner or Admin role. A change of url, events or projectId, or active true on a disabled webhook, makes the caller " +
				"its owner (it is disabled if they leave the space or stop being Owner or Admin); active false fails its waiting deliveries.",
			body: "WebhookUpdate", resp: wrap("webhook", "Webhook"), errs: map[int]string{403: adminOnly}},
		"DELETE /api/webhooks/{id}": {id: "deleteWebhook", tag: "Webhooks", summary: "Remove a webhook",
			resp: success, errs: map[int]string{403: adminOnly}},
		"GET /api/webhooks/{id}/deliveries": {id: "listDeliveries", tag: "Webhooks", summary: "A webhook's recent deliveries, newest first",
			query: []apiParam{
				{name: "limit", desc: "How many (default 50).", schema: obj{"type": "integer", "minimum": 1, "maximum": maxDeliveriesPage, "default": 50}},
				uuidParam("before", "Only deliveries older than this one (the last of the page before).", false),
			},
			resp: list("Delivery"), errs: map[int]string{403: adminOnly}},
		"POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver": {id: "redeliver", tag: "Webhooks", summary: "Send a delivery again",
			desc: "The delivery is sent again under the same delivery id, with the same body, as if new: its attempts start again from none " +
				"(and its backoff from the shortest), it is retried for another 24 hours, and its last outcome is cleared. A finished one " +
				"(delivered or failed) is queued behind every delivery queued for the webhook so far, so it holds none of them up; a pending " +
				"one keeps its place and is tried as soon as it is first in the queue, without waiting out its backoff.",
			status: http.StatusAccepted, resp: wrap("delivery", "Delivery"),
			errs: map[int]string{403: adminOnly, 409: "The webhook is disabled (code webhook_disabled): enable it first; or the delivery " +
				"is being sent right now (code delivery_in_flight): redeliver it once that attempt's outcome is in."}},
		"POST /api/webhooks/{id}/ping": {id: "pingWebhook", tag: "Webhooks", summary: "Send a ping event to the webhook",
			status: http.StatusAccepted, resp: wrap("delivery", "Delivery"),
			errs: map[int]string{403: adminOnly, 409: "The webhook is disabled (code webhook_disabled): enable it first."}},

		batchPattern: {id: "batch", tag: "Batch", summary: "Many task, comment and assignee requests in one round trip",
			desc: "Up to 100 operations, each run in order as the same request alone would be (the caller's role, its own idempotencyKey, " +
				"its own answer, errors included), answered in order. With atomic true they run in one transaction: if one fails, none is " +
				"done; the one that failed has its error and the others 424 batch_rolled_back. The batch counts against the rate limit as " +
				"one request per 10 operations.",
			body: "BatchRequest", resp: func(b *docBuilder) obj { return b.ref("BatchResults") }, notWrite: true,
			errs: map[int]string{507: "The server's disk is full (code disk_full): an atomic batch wrote nothing."}},

		"GET /api/me": {id: "me", tag: "Me", summary: "Who the token belongs to", resp: wrap("user", "User")},
		"GET /api/events": {id: "events", tag: "Events", summary: "Follow a space's changes (Server-Sent Events)",
			desc: "A text/event-stream of the space's change log. Each event's id is its sequence number, its event name the kind of change " +
				"(the keys of x-lanes-events) and its data the object after the change, as JSON (see x-lanes-events for each kind's schema). " +
				"The first event, \"ready\", carries the position the feed starts from. A comment line (\": ping\") is sent every 15 s when nothing happens. " +
				"Resume after a drop with ?after= or Last-Event-ID set to the last id seen. The feed ends when the token is revoked or the caller leaves the space.",
			query: []apiParam{
				uuidParam("spaceId", "The space to follow.", true),
				{name: "after", desc: "Start after this sequence number (default: the head of the log, so only new changes).",
					schema: obj{"type": "integer", "format": "int64", "minimum": 0}},
			},
			headers: []apiParam{{name: "Last-Event-ID", desc: "What after says, as EventSource sends it on reconnecting; after wins if both are sent.",
				schema: obj{"type": "string", "pattern": "^[0-9]+$"}}},
			responses: feedResponses},
		"/api/mcp": {id: "mcp", tag: "MCP", summary: "The MCP server (Streamable HTTP, stateless)",
			desc: "The seed's Model Context Protocol server, with the same token: tools list_spaces, list_projects, list_statuses, list_tasks, " +
				"get_task, create_task, update_task, complete_task, add_comment, assign_task, and prompts plan_sprint and daily_standup. " +
				"Send JSON-RPC 2.0 messages with Content-Type application/json and an Accept header listing both application/json and " +
				"text/event-stream; each request is answered on its own (no Mcp-Session-Id). Other methods than POST are 405. " +
				"OpenAPI can't describe the tools themselves: ask the server with tools/list and prompts/list.",
			headers: []apiParam{{name: "MCP-Protocol-Version", desc: "The MCP protocol version the client speaks, after initialize.",
				schema: obj{"type": "string"}}},
			body: "JSONRPCMessage", notWrite: true, responses: mcpResponses},
		openAPIRoute: {id: "openAPI", tag: "Docs", summary: "This document",
			desc: "The OpenAPI 3.1 description of the API this server offers (on a seed-only server, the seed's alone). " +
				"Public: it needs no token and is not rate-limited. Send If-None-Match with the ETag to get 304 when unchanged.",
			public: true, responses: docResponses},
	}
}

// The method a method-less pattern (such as "/api/mcp", where the MCP SDK
// answers every method) is documented under: the only one it serves.
const anyMethodDocumentedAs = "post"

// splitPattern is a route pattern's method (lower case, as OpenAPI keys
// operations) and path.
func splitPattern(pattern string) (method, path string) {
	if m, p, ok := strings.Cut(pattern, " "); ok {
		return strings.ToLower(m), p
	}
	return anyMethodDocumentedAs, pattern
}

// wrapped is the schema of {"key": inner}.
func wrapped(key string, inner obj) obj {
	return obj{"type": "object", "required": []string{key}, "properties": obj{key: inner}}
}

// docBuilder builds one surface's document. Components are made when
// first referred to, so the seed's document holds only those its routes
// use.
type docBuilder struct {
	seed     bool
	schemas  obj
	seedOnes map[string]bool // in the full document: the components the seed's document has too
	err      error
}

// OpenAPI is the OpenAPI 3.1 document (indented JSON) of the API surface a
// offers: with APIFull, the seed's routes and lanes' additions, each
// addition marked "x-lanes-addition": true; with APISeed, the seed's
// routes and fields alone, as a server started with WithAPI(APISeed)
// answers them.
func OpenAPI(a API) ([]byte, error) {
	seed := &docBuilder{seed: true}
	doc, err := seed.build()
	if err != nil || a == APISeed {
		return doc, err
	}
	full := &docBuilder{seedOnes: map[string]bool{}}
	for name := range seed.schemas {
		full.seedOnes[name] = true
	}
	return full.build()
}

func (b *docBuilder) build() ([]byte, error) {
	b.schemas = obj{}
	paths := obj{}
	ops := apiOperations()
	for _, pattern := range slices.Sorted(maps.Keys(ops)) {
		if b.seed && !seedRoute(pattern) && pattern != openAPIRoute {
			continue
		}
		method, path := splitPattern(pattern)
		item, _ := paths[path].(obj)
		if item == nil {
			item = obj{}
			paths[path] = item
		}
		item[method] = b.operation(pattern, ops[pattern])
	}
	if b.err != nil {
		return nil, b.err
	}
	doc := struct {
		OpenAPI    string `json:"openapi"`
		Info       obj    `json:"info"`
		Security   []obj  `json:"security"`
		Tags       []obj  `json:"tags"`
		Paths      obj    `json:"paths"`
		Components obj    `json:"components"`
	}{
		OpenAPI:  "3.1.0",
		Info:     b.info(),
		Security: []obj{{"bearerAuth": []string{}}},
		Tags:     b.tags(paths),
		Paths:    paths,
		Components: obj{
			"schemas":         b.schemas,
			"securitySchemes": obj{"bearerAuth": obj{"type": "http", "scheme": "bearer", "bearerFormat": "kt_…", "description": "A personal API token: kt_ and 43 characters, shown once by lanes token create. Send it as Authorization: Bearer kt_…"}},
			"headers":         b.headers(),
			"responses":       b.commonResponses(),
		},
	}
	if !b.seed {
		doc.Components["parameters"] = obj{"IdempotencyKey": idempotencyKeyParam()}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the OpenAPI document: %w", err)
	}
	return append(out, '\n'), nil
}

func (b *docBuilder) info() obj {
	desc := "The API of lanes' task server: the Krokanti Tasks REST API (the seed) and lanes' additions to it, " +
		"each addition (route, field, parameter, schema) marked \"x-lanes-addition\": true. " +
		"A server started with `lanes serve --api seed` offers the seed's surface alone, and describes it at this same URL.\n\n"
	if b.seed {
		desc = "The Krokanti Tasks REST API (the seed) as lanes' task server offers it when started with `lanes serve --api seed`: " +
			"the seed's routes and fields alone, without lanes' additions (a full server describes those at this same URL).\n\n"
	}
	desc +=
		"Authentication: a personal API token (kt_…) as a Bearer token on every request but this document.\n\n" +
			"Errors: a JSON body {\"error\": sentence, \"code\": machine code (optional), \"field\": the request field at fault (optional)}.\n\n" +
			"Rate limit: 100 requests per minute per token (and as many failed authentications per client address). " +
			"Every answer to a limited request carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset; " +
			"over the limit the answer is 429 with Retry-After, the seconds to wait."
	if !b.seed {
		desc += "\n\nIdempotency: a POST, PATCH or DELETE sent with an Idempotency-Key header is done once; a retry with the same key " +
			"(from the same token, within 24 h) gets the first answer again, with Idempotent-Replayed: true."
	}
	title := "lanes task server API"
	if b.seed {
		title += " (seed-only surface)"
	}
	return obj{"title": title, "version": "1", "description": desc}
}

// apiTags are the groups of operations, in the document's order.
func apiTags() [][2]string {
	return [][2]string{
		{"Spaces", "Team and personal workspaces."},
		{"Members", "Who belongs to a space, in which role (owner, admin, member, viewer)."},
		{"Projects", "A space's projects: each holds columns (statuses) and tasks."},
		{"Statuses", "A project's columns, in board order; a column with isDone is a done column."},
		{"Labels", "Tags a project's tasks can carry."},
		{"Tasks", "Cards."},
		{"Comments", "Notes on a task."},
		{"Assignees", "Who a task is assigned to."},
		{"Batch", "Many requests in one."},
		{"Activity", "Each task's history."},
		{"Search", "Full-text search."},
		{"Webhooks", "Events POSTed to other tools' URLs, signed."},
		{"Me", "The token's user."},
		{"Events", "The live change feed."},
		{"MCP", "The Model Context Protocol server, for AI assistants."},
		{"Docs", "This document."},
	}
}

// tags lists the tags the document's operations use, in apiTags' order.
func (b *docBuilder) tags(paths obj) []obj {
	used := map[string]bool{}
	for _, item := range paths {
		for _, op := range item.(obj) {
			for _, t := range op.(obj)["tags"].([]string) {
				used[t] = true
			}
		}
	}
	var out []obj
	for _, t := range apiTags() {
		if used[t[0]] {
			out = append(out, obj{"name": t[0], "description": t[1]})
			delete(used, t[0])
		}
	}
	for t := range used {
		b.fail(fmt.Errorf("openapi: tag %q is not in apiTags", t))
	}
	return out
}

func (b *docBuilder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func hdrRef(name string) obj  { return obj{"$ref": "#/components/headers/" + name} }
func respRef(name string) obj { return obj{"$ref": "#/components/responses/" + name} }

// rateLimitHeaders are on every answer to a request that counts against a
// limit (when the server has limits on).
func rateLimitHeaders() obj {
	return obj{"X-RateLimit-Limit": hdrRef("X-RateLimit-Limit"), "X-RateLimit-Remaining": hdrRef("X-RateLimit-Remaining"),
		"X-RateLimit-Reset": hdrRef("X-RateLimit-Reset"), "X-Request-Id": hdrRef("X-Request-Id")}
}

func (b *docBuilder) headers() obj {
	int64Header := func(desc string) obj {
		return obj{"description": desc, "schema": obj{"type": "integer", "format": "int64", "minimum": 0}}
	}
	h := obj{
		"X-RateLimit-Limit":     int64Header("Requests allowed in any minute (100 per token). Sent when the server limits requests."),
		"X-RateLimit-Remaining": int64Header("Requests left now."),
		"X-RateLimit-Reset":     int64Header("When the limit is whole again: a Unix time in seconds."),
		"Retry-After": obj{"description": "Seconds to wait before the next request would pass.", "required": true,
			"schema": obj{"type": "integer", "minimum": 0}},
		"X-Request-Id": obj{"description": "The request's id in the server's log: the caller's own X-Request-Id if it sent one (at most 64 characters), else a fresh one.",
			"schema": obj{"type": "string"}},
		"ETag": obj{"description": "A strong validator of the answer's content (its gzip has its own): it changes whenever the content does, " +
			"and is the same from every server over the database. Send it back as If-None-Match.", "required": true, "schema": obj{"type": "string"}},
	}
	if !b.seed {
		h["X-Lanes-Seq"] = obj{"description": "The change-log position the answer is complete up to: a delta's since, or a feed's after, from here on misses nothing.",
			"required": true, "schema": obj{"type": "integer", "format": "int64", "minimum": 0}, "x-lanes-addition": true}
		h["Idempotent-Replayed"] = obj{"description": "true when this is the remembered answer to an earlier request with the same Idempotency-Key.",
			"schema": obj{"type": "string", "enum": []string{"true"}}, "x-lanes-addition": true}
	}
	return h
}

func idempotencyKeyParam() obj {
	return obj{"name": "Idempotency-Key", "in": "header", "x-lanes-addition": true,
		"description": "Makes the write happen once: a retry with the same key (same token, within 24 h) and the same request gets the first answer again " +
			"(with Idempotent-Replayed: true); the same key with a different request is 409 idempotency_mismatch. At most 255 printable ASCII characters, such as a UUID.",
		"schema": obj{"type": "string", "maxLength": 255, "pattern": "^[ -~]*$"}}
}

// errorResponse is an error answer: the Error body with the headers every
// answer to a limited request carries.
func (b *docBuilder) errorResponse(desc string, extra obj) obj {
	h := rateLimitHeaders()
	for k, v := range extra {
		h[k] = v
	}
	return obj{"description": desc, "headers": h, "content": obj{"application/json": obj{"schema": b.ref("Error")}}}
}

// commonResponses are the answers every route of a kind gives alike.
func (b *docBuilder) commonResponses() obj {
	r := obj{
		"Unauthorized": b.errorResponse("No token, or one that is malformed, unknown or revoked: {\"error\": \"Unauthorized\"}.", nil),
		"RateLimited": b.errorResponse("Over the rate limit: {\"error\": \"Rate limit exceeded\"}. Wait Retry-After seconds.",
			obj{"Retry-After": hdrRef("Retry-After")}),
		"PayloadTooLarge": b.errorResponse("The request body is over 1 MiB (code payload_too_large).", nil),
		"InternalError":   b.errorResponse("The server failed (code internal); the cause is in its log, under the X-Request-Id.", nil),
		"DiskFull":        b.errorResponse("The server's disk is full (code disk_full): nothing was written. Keep the change and try again later.", nil),
	}
	return r
}

// operation is the document's Operation Object for one route.
func (b *docBuilder) operation(pattern string, op apiOp) obj {
	method, path := splitPattern(pattern)
	if op.id == "" || op.tag == "" || op.summary == "" {
		b.fail(fmt.Errorf("openapi: %s needs an id, a tag and a summary", pattern))
	}
	o := obj{"operationId": op.id, "summary": op.summary, "tags": []string{op.tag}}
	desc := op.desc
	if !b.seed {
		desc += op.addDesc
	}
	if desc != "" {
		o["description"] = desc
	}
	if !seedRoute(pattern) {
		o["x-lanes-addition"] = true
	}
	if op.public {
		o["security"] = []obj{}
	}
	write := (method == "post" || method == "patch" || method == "delete") && !op.notWrite
	var params []any
	pathIDs := pathParams(path)
	for _, name := range pathIDs {
		params = append(params, obj{"name": name, "in": "path", "required": true, "description": pathParamDesc(path, name),
			"schema": obj{"type": "string", "format": "uuid"}})
	}
	for _, p := range op.query {
		if q := b.param(p, "query"); q != nil {
			params = append(params, q)
		}
	}
	for _, p := range op.headers {
		if h := b.param(p, "header"); h != nil {
			params = append(params, h)
		}
	}
	if write && !b.seed {
		params = append(params, obj{"$ref": "#/components/parameters/IdempotencyKey"})
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if op.body != "" {
		o["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": b.ref(op.body)}}}
	}
	if op.responses != nil {
		o["responses"] = op.responses(b)
		return o
	}

	// The statuses this route may answer, each with what it means.
	errs := map[int][]string{}
	add := func(status int, desc string) {
		if !slices.Contains(errs[status], desc) {
			errs[status] = append(errs[status], desc)
		}
	}
	if len(pathIDs) > 0 {
		add(400, "An id in the path is not a UUID (code validation_failed, field naming it).")
		add(404, "No such object, or the caller can't see it: a space's objects are 404, not 403, to those outside it (code not_found).")
	}
	if len(op.query) > 0 {
		add(400, "A query parameter is missing or invalid (code validation_failed, field naming it).")
		if slices.ContainsFunc(op.query, func(p apiParam) bool { return p.required && p.schema["format"] == "uuid" }) { // names an object
			add(404, "No such object, or the caller can't see it: a space's objects are 404, not 403, to those outside it (code not_found).")
		}
	}
	if op.body != "" {
		add(400, "The body is not a JSON object, or a field is missing or invalid (code validation_failed, field naming it).")
	}
	if write && !b.seed {
		add(400, "The Idempotency-Key header is over 255 characters or not printable ASCII (field Idempotency-Key).")
		add(409, "The Idempotency-Key was used for a different request (code idempotency_mismatch).")
	}
	own := map[int]string{}
	maps.Copy(own, op.errs)
	if !b.seed {
		for status, desc := range op.addErrs {
			own[status] = desc
		}
	}
	for status, desc := range own {
		if status == 404 && len(errs[404]) > 0 {
			errs[404] = nil // the route says it better
		}
		add(status, desc)
	}
	success := obj{"description": "Done.", "headers": rateLimitHeaders()}
	if op.respHeaders != nil {
		for k, v := range op.respHeaders(b) {
			success["headers"].(obj)[k] = v
		}
	}
	if op.resp != nil {
		success["content"] = obj{"application/json": obj{"schema": op.resp(b)}}
	}
	if write && !b.seed {
		success["headers"].(obj)["Idempotent-Replayed"] = hdrRef("Idempotent-Replayed")
	}
	status := op.status
	if status == 0 {
		status = http.StatusOK
	}
	responses := obj{strconv.Itoa(status): success,
		"401": respRef("Unauthorized"), "429": respRef("RateLimited"), "500": respRef("InternalError")}
	if op.body != "" {
		responses["413"] = respRef("PayloadTooLarge")
	}
	if write {
		responses["507"] = respRef("DiskFull")
	}
	if op.notModified {
		h := rateLimitHeaders()
		for k, v := range op.respHeaders(b) {
			h[k] = v
		}
		responses["304"] = obj{"description": "Unchanged: If-None-Match names the ETag the answer would have. No body.", "headers": h}
	}
	for status, descs := range errs {
		responses[strconv.Itoa(status)] = b.errorResponse(strings.Join(descs, " Or: "), nil)
	}
	o["responses"] = responses
	return o
}

// param is a query parameter or header, or nil if it is an addition and
// this is the seed's document.
func (b *docBuilder) param(p apiParam, in string) obj {
	if p.addition && b.seed {
		return nil
	}
	o := obj{"name": p.name, "in": in, "description": p.desc, "schema": p.schema}
	if p.required {
		o["required"] = true
	}
	if p.addition {
		o["x-lanes-addition"] = true
	}
	return o
}

// pathParams are the names of the {wildcards} of a path.
func pathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(seg, "{"), "}"))
		}
	}
	return out
}

// pathParamDesc says what a wildcard names, from the segment before it
// ("/api/tasks/{id}": the task's id).
func pathParamDesc(path, name string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if seg != "{"+name+"}" || i == 0 {
			continue
		}
		what := segs[i-1]
		switch {
		case strings.HasSuffix(what, "ses"):
			what = strings.TrimSuffix(what, "es")
		default:
			what = strings.TrimSuffix(what, "s")
		}
		if name == "userId" {
			return "The " + what + "'s user id."
		}
		return "The " + what + "'s id."
	}
	return ""
}

// feedResponses are GET /api/events' answers.
func feedResponses(b *docBuilder) obj {
	events := obj{"ready": obj{"type": "object", "description": "The first event: its id is where the feed starts."}}
	idAndProject := func(more obj) obj {
		props := obj{"id": obj{"type": "string", "format": "uuid"}, "projectId": obj{"type": "string", "format": "uuid"}}
		for k, v := range more {
			props[k] = v
		}
		return obj{"type": "object", "required": []string{"id", "projectId"}, "properties": props}
	}
	for kind, schema := range map[string]obj{
		"space.created":    b.ref("Space"),
		"member.added":     b.ref("Member"),
		"member.updated":   b.ref("Member"),
		"member.removed":   b.ref("Member"),
		"project.created":  b.ref("Project"),
		"project.updated":  b.ref("Project"),
		"project.archived": b.ref("Project"),
		"project.restored": b.ref("Project"),
		"status.created":   b.ref("Status"),
		"status.updated":   b.ref("Status"),
		"status.deleted":   idAndProject(obj{"moveTo": obj{"type": []string{"string", "null"}, "format": "uuid", "description": "The column its cards went to."}}),
		"label.created":    b.ref("Label"),
		"label.updated":    b.ref("Label"),
		"label.deleted":    idAndProject(nil),
		"task.created":     b.ref("Task"),
		"task.updated":     b.ref("Task"),
		"task.restored":    b.ref("Task"),
		"task.deleted":     idAndProject(nil),
		"comment.created":  b.ref("Comment"),
	} {
		events[kind] = schema
	}
	ok := obj{
		"description": "The feed: events until the client goes, the token is revoked, the caller leaves the space or the server stops.",
		"headers":     rateLimitHeaders(),
		"content": obj{"text/event-stream": obj{
			"schema":         obj{"type": "string", "description": "id: SEQ\\nevent: KIND\\ndata: JSON\\n\\n, one per change."},
			"x-lanes-events": events,
			"example":        "id: 42\nevent: task.updated\ndata: {\"id\":\"…\",\"title\":\"…\"}\n\n",
		}},
	}
	return obj{
		"200": ok,
		"400": b.errorResponse("spaceId is missing or not a UUID, or after (or Last-Event-ID) is not a sequence number, or is past the head of the log (code validation_failed).", nil),
		"401": respRef("Unauthorized"),
		"404": b.errorResponse("No such space, or the caller is not a member of it (code not_found).", nil),
		"410": b.errorResponse("The log no longer holds the changes after that position (code resync_required): reload the board and follow from the head.", nil),
		"429": respRef("RateLimited"),
		"500": respRef("InternalError"),
	}
}

// mcpResponses are POST /api/mcp's answers: JSON-RPC from the MCP SDK,
// whose own refusals are plain text; lanes' token and rate limit answer
// before it, in JSON.
func mcpResponses(b *docBuilder) obj {
	text := obj{"text/plain": obj{"schema": obj{"type": "string"}}}
	plain := func(desc string) obj { return obj{"description": desc, "headers": rateLimitHeaders(), "content": text} }
	return obj{
		"200": obj{"description": "The JSON-RPC response.", "headers": rateLimitHeaders(), "content": obj{
			"application/json":  obj{"schema": b.ref("JSONRPCMessage")},
			"text/event-stream": obj{"schema": obj{"type": "string", "description": "JSON-RPC messages as Server-Sent Events."}},
		}},
		"202": obj{"description": "A notification or response from the client, accepted; no body.", "headers": rateLimitHeaders()},
		"400": obj{"description": "Not a JSON-RPC message, a wrong Accept header, or an unsupported protocol version.", "headers": rateLimitHeaders(),
			"content": obj{"text/plain": obj{"schema": obj{"type": "string"}}, "application/json": obj{"schema": b.ref("JSONRPCMessage")}}},
		"401": respRef("Unauthorized"),
		"403": plain("The Host header is not loopback while the server listens on loopback (DNS rebinding protection)."),
		"413": plain("The request body is over 1 MiB."),
		"415": plain("Content-Type is not application/json."),
		"429": respRef("RateLimited"),
		"500": obj{"description": "The server failed.", "headers": rateLimitHeaders(),
			"content": obj{"text/plain": obj{"schema": obj{"type": "string"}}, "application/json": obj{"schema": b.ref("Error")}}},
	}
}

// docResponses are GET /api/openapi.json's answers.
func docResponses(b *docBuilder) obj {
	etag := obj{"description": "The document's version: send it back as If-None-Match.", "schema": obj{"type": "string"}}
	return obj{
		"200": obj{"description": "This document.", "headers": obj{"ETag": etag, "X-Request-Id": hdrRef("X-Request-Id")},
			"content": obj{"application/json": obj{"schema": obj{"type": "object", "required": []string{"openapi", "info", "paths"}}}}},
		"304": obj{"description": "Unchanged since the If-None-Match ETag.", "headers": obj{"ETag": etag, "X-Request-Id": hdrRef("X-Request-Id")}},
	}
}

// ref is a reference to the component, which is made if it is not yet.
func (b *docBuilder) ref(name string) obj {
	r := obj{"$ref": "#/components/schemas/" + name}
	if _, ok := b.schemas[name]; ok {
		return r
	}
	b.schemas[name] = nil // being made: a type that refers to itself stops here
	var s obj
	if t, ok := b.schemaTypes()[name]; ok {
		s = b.structSchema(name, t)
	} else if f, ok := handWrittenSchemas()[name]; ok {
		s = f(b)
	} else {
		b.fail(fmt.Errorf("openapi: no schema %q: add it to schemaTypes or handWrittenSchemas", name))
		return r
	}
	if !b.seed && !b.seedOnes[name] {
		s["x-lanes-addition"] = true
	}
	b.schemas[name] = s
	return r
}

// schemaTypes are the components described from the Go types the server
// encodes: on the seed's surface, seedShape's types where it has them.
func (b *docBuilder) schemaTypes() map[string]reflect.Type {
	t := map[string]reflect.Type{
		"Error":             reflect.TypeFor[apiError](),
		"Space":             reflect.TypeFor[store.Space](),
		"Member":            reflect.TypeFor[store.Member](),
		"Project":           reflect.TypeFor[store.Project](),
		"Status":            reflect.TypeFor[store.Status](),
		"Label":             reflect.TypeFor[store.Label](),
		"Task":              reflect.TypeFor[store.Task](),
		"TaskDetail":        reflect.TypeFor[taskDetail](),
		"Comment":           reflect.TypeFor[store.Comment](),
		"User":              reflect.TypeFor[store.User](),
		"Activity":          reflect.TypeFor[store.Activity](),
		"FieldChange":       reflect.TypeFor[store.FieldChange](),
		"SearchHit":         reflect.TypeFor[store.SearchHit](),
		"Webhook":           reflect.TypeFor[store.Webhook](),
		"WebhookWithSecret": reflect.TypeFor[webhookWithSecret](),
		"Delivery":          reflect.TypeFor[store.Delivery](),
		"TaskDelta":         reflect.TypeFor[taskDelta](),
	}
	if b.seed {
		for name, typ := range seedTypes() {
			t[name] = typ
		}
	}
	return t
}

// seedTypes are the shapes seedShape sends on the seed's surface.
func seedTypes() map[string]reflect.Type {
	return map[string]reflect.Type{
		"Space":   reflect.TypeFor[seedSpace](),
		"Project": reflect.TypeFor[seedProject](),
		"Status":  reflect.TypeFor[seedStatus](),
		"Task":    reflect.TypeFor[seedTask](),
	}
}

// componentOf names the component a Go type is described by, if any.
func (b *docBuilder) componentOf(t reflect.Type) (string, bool) {
	for name, typ := range b.schemaTypes() {
		if typ == t {
			return name, true
		}
	}
	return "", false
}

// fieldNotes say what a field's Go type can't: keyed "Component.field".
// Beyond them, by convention, a string field named id or ending in Id is a
// UUID, one ending in At a date-time, and a list ending in Ids a list of
// UUIDs.
func fieldNotes() map[string]obj {
	roles := []string{string(store.RoleOwner), string(store.RoleAdmin), string(store.RoleMember), string(store.RoleViewer)}
	return map[string]obj{
		"Error.error": {"description": "What went wrong, in a sentence for people."},
		"Error.code": {"description": "What went wrong, for programs: validation_failed, not_found, forbidden, slug_taken, already_member, " +
			"label_taken, project_archived, not_deleted, idempotency_mismatch, resync_required, payload_too_large, method_not_allowed, disk_full, internal. " +
			"New codes may appear."},
		"Error.field":         {"description": "The request field (or header, or query parameter) at fault, for a 400."},
		"Space.slug":          {"description": "Unique URL-friendly identifier (3-50 characters of a-z, 0-9 and -)."},
		"Space.color":         {"description": "Hex colour for the space's icon."},
		"Space.isPersonal":    {"description": "The user's own Personal space: it can't be shared."},
		"Space.role":          {"description": "The caller's role in the space.", "enum": roles},
		"Member.role":         {"enum": roles},
		"Project.slug":        {"description": "URL-friendly identifier, unique within the space."},
		"Project.defaultView": {"enum": views},
		"Status.position":     {"description": "The column's place in the board, from 0.", "minimum": 0},
		"Status.isDone":       {"description": "A done column: a card in it is complete."},
		"Status.wipLimit":     {"description": "The most cards the column should hold (null: no limit). The board warns; the server does not enforce it.", "minimum": 1},
		"Task.priority":       {"enum": priorities},
		"Task.dueDate":        {"format": "date-time"},
		"Task.completedAt":    {"description": "When the task was completed; null while it is open. A task in a done column is complete."},
		"Task.isArchived":     {"description": "Archived tasks are listed only with archived=true."},
		"Task.estimatedHours": {"description": "Time estimate in hours.", "minimum": 0, "maximum": 100000},
		"Task.position":       {"description": "The task's place in its column: tasks sort by this string, byte by byte (a fractional index key)."},
		"Task.reopenStatusId": {"description": "The open column the task was completed from, where reopening puts it back."},
		"Task.labelIds":       {"description": "The task's labels, sorted."},
		"Task.commentCount":   {"minimum": 0},
		"Task.version":        {"description": "Bumped on every change to the task.", "minimum": 1},
		"TaskDelta.seq":       {"description": "The change-log position the delta is complete up to: the since of the next delta, and where the feed goes on from.", "minimum": 1},
		"TaskDelta.tasks":     {"description": "Every task of the project, active or archived (see isArchived), whose list entry changed after since, as the lists show it, in board order."},
		"TaskDelta.deleted":   {"description": "The ids of tasks deleted, or gone from the project, after since (some perhaps never listed to the caller).", "items": obj{"type": "string", "format": "uuid"}},
		"TaskDetail.comments": {"description": "The task's comments, oldest first."},
		"TaskDetail.subtasks": {"description": "The tasks whose parentTaskId is this task."},
		"Comment.content":     {"description": "The comment's text; may hold newlines."},
		"Activity.id":         {"description": "The change's sequence number: entries sort by it; page with before=."},
		"Activity.kind":       {"enum": []string{"task.created", "task.updated", "task.deleted", "task.restored", "comment.created"}},
		"Activity.actorName":  {"description": "Who made the change; null for the server's own (a member leaving is unassigned by it)."},
		"Activity.changes": {"description": "For task.updated, each field the update changed, from and to (a description's text is left out: from and to null). " +
			"For comment.created, commentId and content (its first 200 bytes) in to. Null otherwise."},
		"FieldChange.from":          {"description": "The value before, as the API spells it."},
		"FieldChange.to":            {"description": "The value after."},
		"SearchHit.kind":            {"enum": []string{"task", "comment"}},
		"SearchHit.commentId":       {"description": "The comment found, for a comment's hit."},
		"SearchHit.title":           {"description": "The task's title (the comment's task's, for a comment)."},
		"SearchHit.snippet":         {"description": "The text around the words found."},
		"SearchHit.rank":            {"description": "Orders hits, best first; only its order means anything."},
		"Webhook.events":            {"items": obj{"type": "string", "enum": store.WebhookEvents()}},
		"Webhook.ownerId":           {"description": "Who made the webhook, or last changed its url, events or projectId, or enabled it: it is disabled if they leave the space or stop being Owner or Admin."},
		"Webhook.failingSince":      {"description": "When the current run of failed attempts began (null: the last attempt succeeded); a success ends a run, a failure over 24 hours after the attempt before starts a new one, and a run of three days disables the webhook."},
		"Webhook.pendingDeliveries": {"minimum": 0},
		"WebhookWithSecret.secret":  {"description": "The signing secret (whsec_…), shown this once."},
		"Delivery.event":            {"enum": append(store.WebhookEvents(), "ping")},
		"Delivery.state":            {"enum": []string{"pending", "delivered", "failed"}},
		"Delivery.responseCode":     {"description": "The receiver's HTTP status, if it answered."},
		"Delivery.error":            {"description": "Why the last attempt failed, in words (the receiver's text is not included)."},
	}
}

// structSchema describes what encoding/json makes of a struct of type t:
// every field it writes, required unless omitempty, null where the field
// is a pointer. On the full surface, a field the seed's shape of the type
// lacks is marked as an addition.
func (b *docBuilder) structSchema(name string, t reflect.Type) obj {
	notes := fieldNotes()
	var seedFields map[string]bool
	if st, ok := seedTypes()[name]; ok && !b.seed {
		seedFields = map[string]bool{}
		for _, f := range jsonFields(st) {
			seedFields[f.name] = true
		}
	}
	props := obj{}
	required := []string{}
	for _, f := range jsonFields(t) {
		p := b.typeSchema(f.typ)
		conventions(p, f.name)
		owner := name // an embedded component's fields keep its notes
		if c, ok := b.componentOf(f.in); ok {
			owner = c
		}
		if n, ok := notes[owner+"."+f.name]; ok {
			for k, v := range n {
				p[k] = v
			}
		}
		if seedFields != nil && !seedFields[f.name] {
			p["x-lanes-addition"] = true
		}
		props[f.name] = p
		if !f.omitempty {
			required = append(required, f.name)
		}
	}
	// A note for a field the type does not have is a mistake to hear about.
	for key := range notes {
		comp, field, _ := strings.Cut(key, ".")
		if comp != name {
			continue
		}
		if _, ok := props[field]; !ok {
			if _, shaped := seedTypes()[name]; !(b.seed && shaped) {
				b.fail(fmt.Errorf("openapi: fieldNotes names %s, but %s has no field %q", key, t, field))
			}
		}
	}
	return obj{"type": "object", "required": required, "properties": props}
}

// jsonField is a field as encoding/json writes it.
type jsonField struct {
	name      string
	omitempty bool
	typ       reflect.Type
	in        reflect.Type // the struct that declares it
}

// jsonFields are the fields encoding/json writes for struct type t, in
// order, embedded structs' fields in their place.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			out = append(out, jsonFields(et)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty"), typ: f.Type, in: t})
	}
	return out
}

// typeSchema is the schema of a Go value as encoding/json writes it.
func (b *docBuilder) typeSchema(t reflect.Type) obj {
	if name, ok := b.componentOf(t); ok {
		return b.ref(name)
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := b.typeSchema(t.Elem())
		if typ, ok := s["type"].(string); ok {
			s["type"] = []string{typ, "null"}
			return s
		}
		return obj{"oneOf": []any{s, obj{"type": "null"}}}
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int32:
		return obj{"type": "integer"}
	case reflect.Int64:
		return obj{"type": "integer", "format": "int64"}
	case reflect.Float64:
		return obj{"type": "number", "format": "double"}
	case reflect.Map:
		s := obj{"type": "object", "additionalProperties": b.typeSchema(t.Elem())}
		// A nil map is sent as null.
		s["type"] = []string{"object", "null"}
		return s
	case reflect.Interface:
		// Any JSON value, null too (a schema without a type is not
		// nullable to kin-openapi, and oapi-codegen reads no list of
		// types but one and null).
		return obj{"oneOf": []any{obj{}, obj{"type": "null"}}}
	case reflect.Slice:
		// The server never sends these lists as null (store and handlers
		// make them empty); the response test holds it to that.
		return obj{"type": "array", "items": b.typeSchema(t.Elem())}
	}
	b.fail(fmt.Errorf("openapi: no schema for Go type %s", t))
	return obj{}
}

// conventions add the formats field names promise.
func conventions(p obj, name string) {
	isString := p["type"] == "string" || slices.Equal(asStrings(p["type"]), []string{"string", "null"})
	switch {
	case isString && (name == "id" || strings.HasSuffix(name, "Id")):
		p["format"] = "uuid"
	case isString && strings.HasSuffix(name, "At"):
		p["format"] = "date-time"
	case p["type"] == "array" && strings.HasSuffix(name, "Ids"):
		if items, ok := p["items"].(obj); ok && items["type"] == "string" {
			items["format"] = "uuid"
		}
	}
}

func asStrings(v any) []string { s, _ := v.([]string); return s }

// webhookFields are the fields a webhook is made or changed with, and more.
func webhookFields(more obj) obj {
	f := obj{
		"url": obj{"type": "string", "format": "uri", "maxLength": maxWebhookURL,
			"description": "Where events are POSTed: http or https; private, loopback and link-local addresses are refused unless the server allows them."},
		"events": obj{"type": "array", "minItems": 1, "maxItems": maxWebhookEventsSent, "items": obj{"type": "string", "enum": store.WebhookEvents()},
			"description": "The events to send."},
		"projectId":   obj{"type": []string{"string", "null"}, "format": "uuid", "description": "Only this project's events (null: the whole space's)."},
		"description": obj{"type": []string{"string", "null"}, "maxLength": maxWebhookDescription, "description": "What the webhook is for. One line."},
	}
	for k, v := range more {
		f[k] = v
	}
	return f
}

// handWrittenSchemas are the schemas written out by hand: the request
// bodies, as the handlers decode them (other fields are ignored, so they
// may be sent), and answers that are not a Go type the server encodes.
func handWrittenSchemas() map[string]func(b *docBuilder) obj {
	uuid := func(desc string) obj { return obj{"type": "string", "format": "uuid", "description": desc} }
	nullUUID := func(desc string) obj {
		return obj{"type": []string{"string", "null"}, "format": "uuid", "description": desc}
	}
	date := func(desc string, nullable bool) obj {
		s := obj{"type": "string", "description": desc + " ISO 8601: a date (2026-12-01, midnight UTC) or a date-time (2026-12-01T10:00:00Z; without a zone, UTC)."}
		if nullable {
			s["type"] = []string{"string", "null"}
		}
		return s
	}
	oneLine := func(desc string, max int) obj {
		return obj{"type": "string", "minLength": 1, "maxLength": max, "description": desc + " One line, no control characters; trimmed."}
	}
	prose := obj{"type": []string{"string", "null"}, "description": "Free text; may hold newlines and tabs, no other control characters."}
	anyHex := func(desc string) obj {
		return obj{"type": []string{"string", "null"}, "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", "description": desc}
	}
	hex6 := obj{"type": []string{"string", "null"}, "pattern": "^#[0-9a-fA-F]{6}$", "description": "Colour, #rrggbb; null clears it."}
	slug := func(min int, desc string) obj {
		return obj{"type": "string", "pattern": fmt.Sprintf("^[a-z0-9-]{%d,50}$", min), "description": desc}
	}
	priority := obj{"type": "string", "enum": priorities, "description": "Task priority."}
	view := obj{"type": "string", "enum": views, "description": "Default view mode."}
	role := obj{"type": "string", "enum": grantedRoles, "description": "The member's role (a space has one owner: its maker)."}
	hours := obj{"type": []string{"number", "null"}, "format": "double", "minimum": 0, "maximum": 100000, "description": "Time estimate in hours."}
	position := obj{"type": "string", "pattern": "^[A-Za-z][0-9A-Za-z]*$", "maxLength": store.MaxPosition, "description": "Where the task goes in its column: a fractional index key such as a0 or a0V; tasks sort by it byte by byte."}
	labelIDs := obj{"type": []string{"array", "null"}, "maxItems": maxLabelsPerTask, "items": obj{"type": "string", "format": "uuid"},
		"description": "The task's labels (labels of its project); null or [] clears them."}
	column := func(create bool) obj {
		pos := obj{"type": "integer", "minimum": 0, "description": "The column's place, from 0 (past the end: last)."}
		if create {
			pos["type"] = []string{"integer", "null"}
			pos["description"] = "The column's place, from 0; null or left out: after the last."
		}
		return pos
	}
	wip := obj{"type": []string{"integer", "null"}, "minimum": 1, "maximum": maxWipLimit, "description": "The most cards the column should hold; null: no limit."}
	return map[string]func(b *docBuilder) obj{
		"SpaceCreate": func(b *docBuilder) obj {
			return b.body([]string{"name", "slug"}, obj{
				"name":        oneLine("Space display name.", 100),
				"slug":        slug(3, "Unique URL-friendly identifier (3-50 characters of a-z, 0-9 and -)."),
				"description": prose,
				"color":       anyHex("Hex colour for the space icon (#rgb or #rrggbb)."),
			}, nil)
		},
		"MemberAdd": func(b *docBuilder) obj {
			return b.body([]string{"userId", "role"}, obj{"userId": uuid("The user to add."), "role": role}, nil)
		},
		"BatchRequest": func(b *docBuilder) obj {
			return b.body([]string{"operations"}, obj{
				"operations": obj{"type": "array", "maxItems": maxBatchOps,
					// An operation that is not one is that operation's 400,
					// not the batch's.
					"items":       obj{"anyOf": []any{b.ref("BatchOperation"), obj{}}},
					"description": "The requests, each a BatchOperation; anything else is answered 400 in its own result."},
				"atomic": obj{"type": "boolean", "default": false, "description": "All operations in one transaction, or none."},
			}, nil)
		},
		"BatchOperation": func(b *docBuilder) obj {
			return b.body([]string{"method", "path"}, obj{
				"method": obj{"type": "string", "description": "GET, POST, PATCH or DELETE, as the endpoint takes it (another is the operation's 405)."},
				"path": obj{"type": "string", "maxLength": 2048,
					"description": "A task, comment or assignee endpoint's path (with its query), such as /api/tasks/ID or /api/tasks?projectId=ID."},
				"body":           obj{"oneOf": []any{obj{}, obj{"type": "null"}}, "description": "The request's JSON body; left out or null for none."},
				"idempotencyKey": obj{"type": []string{"string", "null"}, "maxLength": 255, "description": "The operation's Idempotency-Key."},
			}, nil)
		},
		"BatchResults": func(b *docBuilder) obj {
			return b.body([]string{"results"}, obj{"results": obj{"type": "array", "items": b.ref("BatchResult"),
				"description": "One per operation, in order."}}, nil)
		},
		"BatchResult": func(b *docBuilder) obj {
			return b.body([]string{"status", "body"}, obj{
				"status":   obj{"type": "integer", "description": "The HTTP status the operation would have been answered alone (424 batch_rolled_back: an atomic batch's other operations)."},
				"body":     obj{"oneOf": []any{obj{}, obj{"type": "null"}}, "description": "The JSON the operation would have been answered alone, an error's too."},
				"replayed": obj{"type": "boolean", "description": "true when answered from an idempotency record; left out otherwise."},
			}, nil)
		},
		"WebhookCreate": func(b *docBuilder) obj {
			return b.body([]string{"spaceId", "url", "events"}, webhookFields(obj{"spaceId": uuid("The space whose events to send.")}), nil)
		},
		"WebhookUpdate": func(b *docBuilder) obj {
			return b.body(nil, webhookFields(obj{"active": obj{"type": "boolean",
				"description": "false disables the webhook (its waiting deliveries fail); true enables it again, and the caller becomes its owner."}}), nil)
		},
		"MemberUpdate": func(b *docBuilder) obj {
			return b.body([]string{"role"}, obj{"role": role}, nil)
		},
		"ProjectCreate": func(b *docBuilder) obj {
			return b.body([]string{"spaceId", "name", "slug"}, obj{
				"spaceId":     uuid("The space to create the project in."),
				"name":        oneLine("Project display name.", 200),
				"slug":        slug(1, "URL-friendly identifier, unique within the space."),
				"description": prose,
				"defaultView": view,
				"color":       anyHex("Hex colour (#rgb or #rrggbb)."),
			}, nil)
		},
		"ProjectUpdate": func(b *docBuilder) obj {
			return b.body(nil, obj{
				"name":        oneLine("New display name.", 200),
				"slug":        slug(1, "New slug (unique within the space)."),
				"description": prose,
				"defaultView": view,
			}, obj{
				"color":      anyHex("Hex colour (#rgb or #rrggbb); null clears it."),
				"isArchived": obj{"type": "boolean", "description": "false restores an archived project; true archives it."},
			})
		},
		"StatusCreate": func(b *docBuilder) obj {
			return b.body([]string{"projectId", "name"}, obj{
				"projectId": uuid("The project to add the column to."),
				"name":      oneLine("The column's name.", maxColumnName),
				"isDone":    obj{"type": "boolean", "description": "A done column: cards in it are complete."},
				"position":  column(true),
				"wipLimit":  wip,
				"color":     hex6,
			}, nil)
		},
		"StatusUpdate": func(b *docBuilder) obj {
			return b.body(nil, obj{
				"name":     oneLine("The column's name.", maxColumnName),
				"isDone":   obj{"type": "boolean", "description": "A done column: cards in it are complete."},
				"position": column(false),
				"wipLimit": wip,
				"color":    hex6,
			}, nil)
		},
		"LabelCreate": func(b *docBuilder) obj {
			return b.body([]string{"projectId", "name"}, obj{
				"projectId": uuid("The project to make the label in."),
				"name":      oneLine("The label's name, unique in the project ignoring case.", maxLabelName),
				"color":     hex6,
			}, nil)
		},
		"LabelUpdate": func(b *docBuilder) obj {
			return b.body(nil, obj{
				"name":  oneLine("The label's name, unique in the project ignoring case.", maxLabelName),
				"color": hex6,
			}, nil)
		},
		"TaskCreate": func(b *docBuilder) obj {
			return b.body([]string{"projectId", "title"}, obj{
				"projectId":    uuid("Project to create the task in."),
				"title":        oneLine("Task title.", 500),
				"statusId":     nullUUID("Status column for the task (default: the first column)."),
				"priority":     priority,
				"dueDate":      date("Due date.", true),
				"parentTaskId": nullUUID("Parent task for subtasks (a task of the same project)."),
			}, obj{
				"description":    prose,
				"completedAt":    date("Make the task already complete (it goes to the first done column).", true),
				"isArchived":     obj{"type": "boolean", "description": "Make the task already archived."},
				"estimatedHours": hours,
				"position":       position,
				"labelIds":       labelIDs,
			})
		},
		"TaskUpdate": func(b *docBuilder) obj {
			return b.body(nil, obj{
				"title":          oneLine("New title.", 500),
				"statusId":       nullUUID("Move to a different status column."),
				"priority":       priority,
				"dueDate":        date("Due date; null clears it.", true),
				"completedAt":    date("Mark done (a date) or reopen (null).", true),
				"isArchived":     obj{"type": "boolean", "description": "Archive or restore the task."},
				"estimatedHours": hours,
			}, obj{
				"description": prose,
				"position":    position,
				"labelIds":    labelIDs,
			})
		},
		"CommentCreate": func(b *docBuilder) obj {
			return b.body([]string{"content"}, obj{"content": obj{"type": "string", "minLength": 1, "maxLength": 20000,
				"description": "The comment; may hold newlines and tabs, no other control characters; trimmed."}}, nil)
		},
		"AssigneeAdd": func(b *docBuilder) obj {
			return b.body([]string{"userId"}, obj{"userId": uuid("A member of the task's space.")}, nil)
		},
		"TaskList": func(b *docBuilder) obj {
			return obj{"type": "array", "items": b.ref("Task"), "description": "A project's tasks in board order."}
		},
		"Success": func(b *docBuilder) obj {
			return obj{"type": "object", "required": []string{"success"}, "properties": obj{"success": obj{"type": "boolean", "const": true}}}
		},
		"JSONRPCMessage": func(b *docBuilder) obj {
			return obj{"type": "object", "required": []string{"jsonrpc"}, "description": "A JSON-RPC 2.0 request, notification or response (MCP).",
				"properties": obj{
					"jsonrpc": obj{"type": "string", "const": "2.0"},
					"id":      obj{"description": "The request's id: a string or a number (null in an error answering a message that could not be read)."},
					"method":  obj{"type": "string"},
					"params":  obj{"type": "object"},
					"result":  obj{},
					"error": obj{"type": "object", "required": []string{"code", "message"}, "properties": obj{
						"code": obj{"type": "integer"}, "message": obj{"type": "string"}, "data": obj{}}},
				}}
		},
	}
}

// body is a request body's schema: its properties, and the ones lanes adds
// to a body the seed describes (marked, and left out of the seed's
// document). A body only lanes' own routes take needs no additions: it is
// marked as a whole.
func (b *docBuilder) body(required []string, own, additions obj) obj {
	props := obj{}
	for k, v := range own {
		props[k] = v
	}
	if !b.seed {
		for k, v := range additions {
			p := obj{"x-lanes-addition": true}
			for kk, vv := range v.(obj) {
				p[kk] = vv
			}
			props[k] = p
		}
	}
	s := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// openAPIDoc is the document as served, with its ETag.
type openAPIDoc struct {
	body []byte
	etag string
}

// openAPIDocs are the two surfaces' documents, each built once for the
// process on first use (every Server of a surface serves the same bytes)
// and never changed after.
var openAPIDocs = map[API]func() (openAPIDoc, error){
	APIFull: sync.OnceValues(func() (openAPIDoc, error) { return newOpenAPIDoc(APIFull) }),
	APISeed: sync.OnceValues(func() (openAPIDoc, error) { return newOpenAPIDoc(APISeed) }),
}

func newOpenAPIDoc(a API) (openAPIDoc, error) {
	body, err := OpenAPI(a)
	if err != nil {
		return openAPIDoc{}, err
	}
	sum := sha256.Sum256(body)
	return openAPIDoc{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}, nil
}

// openAPI answers GET /api/openapi.json.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	doc, err := openAPIDocs[s.api]()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", doc.etag)
	h.Set("Cache-Control", "no-cache")
	if etagMatch(r.Header.Get("If-None-Match"), doc.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(doc.body)
	}
}

// etagMatch reports whether an If-None-Match header names the ETag.
func etagMatch(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == etag || v == "*" {
			return true
		}
	}
	return false
}
