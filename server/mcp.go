package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/server/store"
)

// StandupFunc writes the standup report of a project as Markdown, reading
// the board through h with the given Authorization header (as `lanes
// standup` does over HTTP); userName, if set, keeps only that person. The
// lanes binary provides it, so the MCP prompt daily_standup and `lanes
// standup` are the same report.
type StandupFunc func(ctx context.Context, h http.Handler, authorization, projectID, userName string) (string, error)

// WithStandup gives the daily_standup prompt the standup report.
func WithStandup(f StandupFunc) Option { return func(s *Server) { s.standup = f } }

// The MCP server of the seed: its ten tools and two prompts, at /api/mcp,
// over Streamable HTTP, for the same Bearer token. Every tool is answered
// by the REST handler for the same operation, in process, so validation,
// role rules, the store code and the change feed are the REST API's own.

func (s *Server) newMCP() http.Handler {
	m := mcp.NewServer(&mcp.Implementation{Name: "lanes", Title: "lanes task server", Version: "1"}, &mcp.ServerOptions{
		Instructions: "Tools for the spaces, projects, status columns and tasks of a Krokanti Tasks server (lanes). " +
			"Ids are UUIDs: list_spaces, then list_projects, list_statuses and list_tasks find them. " +
			"Writes need at least the Member role in the space; Viewers can only read.",
	})
	s.mcpTools(m)
	s.mcpPrompts(m)
	// Stateless: no session outlives its request or carries who asked, so
	// every request acts as its own token, and a session begun with one
	// token is never another's.
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return m },
		&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, Logger: s.log})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A request may stay open (subscriptions/listen holds one for the
		// life of the client's session): it ends when its token is revoked.
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go s.watchToken(ctx, cancel, actor(r))
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// watchToken cancels a long-lived request when its token is revoked (seen
// within pollEvery, whichever process revoked it) or the server shuts down.
// It returns when ctx is done.
func (s *Server) watchToken(ctx context.Context, cancel context.CancelFunc, p principal) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			cancel()
			return
		case <-tick.C:
			err := s.store.Read(ctx, func(tx *store.Tx) error { return s.stillSignedIn(tx, p) })
			if errors.Is(err, errUnauthorized) {
				cancel()
				return
			}
		}
	}
}

// internal answers API requests for MCP: authenticated by the caller's own
// token like any request, but not counted against the rate limit again
// (the MCP request was) and not held to the seed's routes (the seed's MCP
// tools reach further than its REST API).
func (s *Server) internal() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// toolError is the API's answer to a tool's request, as the tool's error.
type toolError struct {
	Status  int
	Message string
	Code    string
	Field   string
}

func (e *toolError) Error() string {
	msg := e.Message
	if e.Field != "" && !strings.Contains(msg, e.Field) {
		msg += " (field " + e.Field + ")"
	}
	return fmt.Sprintf("%s (HTTP %d %s)", msg, e.Status, cmp.Or(e.Code, strings.ToLower(strings.ReplaceAll(http.StatusText(e.Status), " ", "_"))))
}

// authorization is the MCP request's own Authorization header: every API
// call a tool or prompt makes is made with the caller's token.
func authorization(extra *mcp.RequestExtra) string {
	if extra == nil {
		return ""
	}
	return extra.Header.Get("Authorization")
}

// call makes an API request as the MCP caller and decodes the answer into
// out (if not nil).
func (s *Server) call(ctx context.Context, authz, method, path string, body, out any) error {
	var rd io.Reader = http.NoBody
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode the request: %w", err)
		}
		rd = bytes.NewReader(raw)
	}
	r, err := http.NewRequestWithContext(ctx, method, "http://lanes"+path, rd)
	if err != nil {
		return fmt.Errorf("make the request: %w", err)
	}
	r.Header.Set("Authorization", authz)
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.internal().ServeHTTP(rec, r)
	if rec.Code >= 400 {
		var e apiError
		json.Unmarshal(rec.Body.Bytes(), &e)
		return &toolError{Status: rec.Code, Message: cmp.Or(e.Msg, http.StatusText(rec.Code)), Code: e.Code, Field: e.Field}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		return fmt.Errorf("decode the answer to %s %s: %w", method, path, err)
	}
	return nil
}

// The tools' inputs. Field names are the seed's.
type (
	noInput      struct{}
	spaceIDInput struct {
		SpaceID string `json:"spaceId" jsonschema:"the space's id (from list_spaces)"`
	}
	projectIDInput struct {
		ProjectID string `json:"projectId" jsonschema:"the project's id (from list_projects)"`
	}
	taskIDInput struct {
		TaskID string `json:"taskId" jsonschema:"the task's id (from list_tasks)"`
	}
	createTaskInput struct {
		ProjectID string  `json:"projectId" jsonschema:"the project to add the task to"`
		Title     string  `json:"title" jsonschema:"the task's title (1-500 characters)"`
		StatusID  *string `json:"statusId,omitempty" jsonschema:"the column to put it in (from list_statuses); default the first"`
		Priority  *string `json:"priority,omitempty" jsonschema:"none, low, medium, high or urgent; default none"`
		DueDate   *string `json:"dueDate,omitempty" jsonschema:"when it is due, ISO 8601 (2026-12-01 or 2026-12-01T17:00:00Z)"`
	}
	updateTaskInput struct {
		TaskID         string   `json:"taskId" jsonschema:"the task to change"`
		Title          *string  `json:"title,omitempty" jsonschema:"a new title"`
		StatusID       *string  `json:"statusId,omitempty" jsonschema:"move it to this column (a done column completes it)"`
		Priority       *string  `json:"priority,omitempty" jsonschema:"none, low, medium, high or urgent"`
		DueDate        *string  `json:"dueDate,omitempty" jsonschema:"a new due date, ISO 8601; null or an empty string clears it"`
		EstimatedHours *float64 `json:"estimatedHours,omitempty" jsonschema:"the estimate in hours; null or a negative number clears it"`
	}
	completeTaskInput struct {
		TaskID string `json:"taskId" jsonschema:"the task to complete"`
		Reopen bool   `json:"reopen,omitempty" jsonschema:"true to reopen a completed task instead"`
	}
	addCommentInput struct {
		TaskID  string `json:"taskId" jsonschema:"the task to comment on"`
		Content string `json:"content" jsonschema:"the comment's text"`
	}
	assignTaskInput struct {
		TaskID string `json:"taskId" jsonschema:"the task to assign"`
		UserID string `json:"userId" jsonschema:"the member to assign (a user id of the task's space)"`
	}
)

// obj is a JSON object as the API sends it.
type obj = map[string]any

// str is a field for a tool's text, on one line and with any control
// character made visible: the text is shown to a person, often in a
// terminal, and data written before the server refused control characters
// (or by an older lanes on the same database) may still hold them.
func str(o obj, k string) string {
	v, _ := o[k].(string)
	return safe.Line(v)
}

// result is a tool's answer: a readable summary and the data itself.
func result(text string, data any) (*mcp.CallToolResult, any, error) {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}, data, nil
}

func taskLine(t obj) string {
	parts := []string{fmt.Sprintf("%s [%s]", str(t, "title"), str(t, "id"))}
	if p := str(t, "priority"); p != "" && p != "none" {
		parts = append(parts, p)
	}
	if d := str(t, "dueDate"); d != "" {
		parts = append(parts, "due "+d)
	}
	if str(t, "completedAt") != "" {
		parts = append(parts, "done")
	}
	return strings.Join(parts, " · ")
}

func lines[T any](items []T, empty string, line func(T) string) string {
	if len(items) == 0 {
		return empty
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = line(it)
	}
	return strings.Join(out, "\n")
}

func (s *Server) mcpTools(m *mcp.Server) {
	ro := &mcp.ToolAnnotations{ReadOnlyHint: true}
	mcp.AddTool(m, &mcp.Tool{Name: "list_spaces", Description: "List all spaces the user belongs to, with the user's role in each.", Annotations: ro},
		func(ctx context.Context, req *mcp.CallToolRequest, _ noInput) (*mcp.CallToolResult, any, error) {
			var spaces []obj
			if err := s.call(ctx, authorization(req.Extra), "GET", "/api/spaces", nil, &spaces); err != nil {
				return nil, nil, err
			}
			return result(lines(spaces, "No spaces.", func(sp obj) string {
				return fmt.Sprintf("%s (%s) [%s] %s", str(sp, "name"), str(sp, "slug"), str(sp, "id"), str(sp, "role"))
			}), obj{"spaces": spaces})
		})
	mcp.AddTool(m, &mcp.Tool{Name: "list_projects", Description: "List projects in a space.", Annotations: ro},
		func(ctx context.Context, req *mcp.CallToolRequest, in spaceIDInput) (*mcp.CallToolResult, any, error) {
			var projects []obj
			if err := s.call(ctx, authorization(req.Extra), "GET", "/api/projects?spaceId="+url.QueryEscape(in.SpaceID), nil, &projects); err != nil {
				return nil, nil, err
			}
			return result(lines(projects, "No projects in this space.", func(p obj) string {
				return fmt.Sprintf("%s [%s]", str(p, "name"), str(p, "id"))
			}), obj{"projects": projects})
		})
	mcp.AddTool(m, &mcp.Tool{Name: "list_statuses", Description: "List the status columns of a project, in board order; isDone marks done columns, wipLimit the most cards a column should hold (null: no limit).", Annotations: ro},
		func(ctx context.Context, req *mcp.CallToolRequest, in projectIDInput) (*mcp.CallToolResult, any, error) {
			var statuses []obj
			if err := s.call(ctx, authorization(req.Extra), "GET", "/api/statuses?projectId="+url.QueryEscape(in.ProjectID), nil, &statuses); err != nil {
				return nil, nil, err
			}
			return result(lines(statuses, "No columns.", func(st obj) string {
				done := ""
				if d, _ := st["isDone"].(bool); d {
					done = " (done)"
				}
				if limit, ok := st["wipLimit"].(float64); ok {
					done += fmt.Sprintf(" (WIP limit %d)", int(limit))
				}
				return fmt.Sprintf("%s%s [%s]", str(st, "name"), done, str(st, "id"))
			}), obj{"statuses": statuses})
		})
	if s.api != APISeed {
		// A lanes addition: a seed-only server offers the seed's ten tools.
		mcp.AddTool(m, &mcp.Tool{Name: "list_labels", Description: "List the labels of a project by name; a task's labelIds name them.", Annotations: ro},
			func(ctx context.Context, req *mcp.CallToolRequest, in projectIDInput) (*mcp.CallToolResult, any, error) {
				var out struct {
					Labels []obj `json:"labels"`
				}
				if err := s.call(ctx, authorization(req.Extra), "GET", "/api/labels?projectId="+url.QueryEscape(in.ProjectID), nil, &out); err != nil {
					return nil, nil, err
				}
				if out.Labels == nil {
					out.Labels = []obj{}
				}
				return result(lines(out.Labels, "No labels.", func(l obj) string {
					colour := ""
					if c := str(l, "color"); c != "" {
						colour = " " + c
					}
					return fmt.Sprintf("%s%s [%s]", str(l, "name"), colour, str(l, "id"))
				}), obj{"labels": out.Labels})
			})
	}
	mcp.AddTool(m, &mcp.Tool{Name: "list_tasks", Description: "List the tasks of a project as a lean summary: id, title, statusId, priority, dueDate, completedAt, assigneeIds, labelIds (see list_labels).", Annotations: ro},
		func(ctx context.Context, req *mcp.CallToolRequest, in projectIDInput) (*mcp.CallToolResult, any, error) {
			var tasks []obj
			if err := s.call(ctx, authorization(req.Extra), "GET", "/api/tasks?projectId="+url.QueryEscape(in.ProjectID), nil, &tasks); err != nil {
				return nil, nil, err
			}
			lean := make([]obj, 0, len(tasks))
			for _, t := range tasks {
				if p, _ := t["parentTaskId"].(string); p != "" {
					continue // subtasks show in get_task
				}
				l := obj{}
				for _, k := range []string{"id", "title", "statusId", "priority", "dueDate", "completedAt", "assigneeIds", "labelIds"} {
					if v, ok := t[k]; ok {
						l[k] = v
					}
				}
				lean = append(lean, l)
			}
			return result(lines(lean, "No tasks.", taskLine), obj{"tasks": lean})
		})
	mcp.AddTool(m, &mcp.Tool{Name: "get_task", Description: "Full detail of a task, including its comments and subtasks.", Annotations: ro},
		func(ctx context.Context, req *mcp.CallToolRequest, in taskIDInput) (*mcp.CallToolResult, any, error) {
			var detail obj
			if err := s.call(ctx, authorization(req.Extra), "GET", "/api/tasks/"+url.PathEscape(in.TaskID), nil, &detail); err != nil {
				return nil, nil, err
			}
			task, _ := detail["task"].(obj)
			if task == nil {
				task = detail
			}
			text := taskLine(task)
			if d, _ := task["description"].(string); d != "" {
				text += "\n\n" + safe.Text(d)
			}
			cs, _ := task["comments"].([]any)
			if more, _ := detail["comments"].([]any); len(more) > 0 {
				cs = more
			}
			if subs, _ := task["subtasks"].([]any); len(subs) > 0 {
				text += "\n\nSubtasks:"
				for _, st := range subs {
					if st, ok := st.(obj); ok {
						text += "\n- " + taskLine(st)
					}
				}
			}
			if len(cs) > 0 {
				text += "\n\nComments:"
				for _, c := range cs {
					if c, ok := c.(obj); ok {
						text += fmt.Sprintf("\n- %s (%s): %s", str(c, "authorName"), str(c, "createdAt"), str(c, "content"))
					}
				}
			}
			return result(text, detail)
		})
	mcp.AddTool(m, &mcp.Tool{Name: "create_task", Description: "Create a new task in a project. Needs the Member role or higher."},
		func(ctx context.Context, req *mcp.CallToolRequest, in createTaskInput) (*mcp.CallToolResult, any, error) {
			body := obj{"projectId": in.ProjectID, "title": in.Title}
			setIf(body, "statusId", in.StatusID)
			setIf(body, "priority", in.Priority)
			setIf(body, "dueDate", in.DueDate)
			var out obj
			if err := s.call(ctx, authorization(req.Extra), "POST", "/api/tasks", body, &out); err != nil {
				return nil, nil, err
			}
			return result("Created "+taskLine(taskOf(out)), out)
		})
	mcp.AddTool(m, &mcp.Tool{Name: "update_task", Description: "Update a task's title, status (column), priority, due date or estimated hours; only the fields given change. Needs the Member role or higher."},
		func(ctx context.Context, req *mcp.CallToolRequest, in updateTaskInput) (*mcp.CallToolResult, any, error) {
			body := obj{}
			setIf(body, "title", in.Title)
			setIf(body, "statusId", in.StatusID)
			setIf(body, "priority", in.Priority)
			// null clears, as in a PATCH; the decoded input can't tell null
			// from left out, so the raw arguments say which it was.
			nulls := nullArgs(req.Params.Arguments)
			switch {
			case in.DueDate != nil && *in.DueDate != "":
				body["dueDate"] = *in.DueDate
			case in.DueDate != nil || nulls["dueDate"]:
				body["dueDate"] = nil
			}
			switch {
			case in.EstimatedHours != nil && *in.EstimatedHours >= 0:
				body["estimatedHours"] = *in.EstimatedHours
			case in.EstimatedHours != nil || nulls["estimatedHours"]:
				body["estimatedHours"] = nil
			}
			if len(body) == 0 {
				return nil, nil, errors.New("nothing to change: give at least one of title, statusId, priority, dueDate, estimatedHours")
			}
			var out obj
			if err := s.call(ctx, authorization(req.Extra), "PATCH", "/api/tasks/"+url.PathEscape(in.TaskID), body, &out); err != nil {
				return nil, nil, err
			}
			return result("Updated "+taskLine(taskOf(out)), out)
		})
	mcp.AddTool(m, &mcp.Tool{Name: "complete_task", Description: "Mark a task done (it moves to the first done column), or reopen it with reopen: true. Needs the Member role or higher."},
		func(ctx context.Context, req *mcp.CallToolRequest, in completeTaskInput) (*mcp.CallToolResult, any, error) {
			body := obj{"completedAt": s.now().UTC().Format("2006-01-02T15:04:05.000Z")}
			verb := "Completed "
			if in.Reopen {
				body["completedAt"], verb = nil, "Reopened "
			}
			var out obj
			if err := s.call(ctx, authorization(req.Extra), "PATCH", "/api/tasks/"+url.PathEscape(in.TaskID), body, &out); err != nil {
				return nil, nil, err
			}
			return result(verb+taskLine(taskOf(out)), out)
		})
	mcp.AddTool(m, &mcp.Tool{Name: "add_comment", Description: "Add a comment to a task. Needs the Member role or higher."},
		func(ctx context.Context, req *mcp.CallToolRequest, in addCommentInput) (*mcp.CallToolResult, any, error) {
			var out obj
			if err := s.call(ctx, authorization(req.Extra), "POST", "/api/tasks/"+url.PathEscape(in.TaskID)+"/comments", obj{"content": in.Content}, &out); err != nil {
				return nil, nil, err
			}
			return result("Comment added.", out)
		})
	mcp.AddTool(m, &mcp.Tool{Name: "assign_task", Description: "Assign a member of the task's space to it. Needs the Member role or higher."},
		func(ctx context.Context, req *mcp.CallToolRequest, in assignTaskInput) (*mcp.CallToolResult, any, error) {
			var out obj
			if err := s.call(ctx, authorization(req.Extra), "POST", "/api/tasks/"+url.PathEscape(in.TaskID)+"/assignees", obj{"userId": in.UserID}, &out); err != nil {
				return nil, nil, err
			}
			return result("Assigned "+taskLine(taskOf(out)), out)
		})
}

// nullArgs names the arguments sent as JSON null.
func nullArgs(raw json.RawMessage) map[string]bool {
	var args map[string]json.RawMessage
	json.Unmarshal(raw, &args)
	out := map[string]bool{}
	for k, v := range args {
		if string(bytes.TrimSpace(v)) == "null" {
			out[k] = true
		}
	}
	return out
}

func setIf(body obj, k string, v *string) {
	if v != nil {
		body[k] = *v
	}
}

// taskOf is the task in an answer shaped {"task": {...}}, or the answer.
func taskOf(o obj) obj {
	if t, ok := o["task"].(obj); ok {
		return t
	}
	return o
}

func (s *Server) mcpPrompts(m *mcp.Server) {
	m.AddPrompt(&mcp.Prompt{
		Name:        "plan_sprint",
		Title:       "Plan a sprint",
		Description: "Review a project and suggest a prioritized sprint plan.",
		Arguments: []*mcp.PromptArgument{
			{Name: "projectId", Description: "the project to plan (from list_projects)", Required: true},
			{Name: "goal", Description: "what the sprint should achieve"},
		},
	}, func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		pid, err := s.promptProject(ctx, req)
		if err != nil {
			return nil, err
		}
		// The caller's own words, but shown back as one line all the same.
		goal := safe.Line(req.Params.Arguments["goal"])
		if goal == "" {
			goal = "the most valuable work that fits in a two-week sprint"
		}
		text := fmt.Sprintf(`Plan the next sprint for the project %s. The goal: %s.

1. Call list_statuses with projectId %s to learn the columns, and which are done.
2. Call list_tasks with projectId %s to see every task; call get_task on any whose title is not clear.
3. Propose a sprint plan: the tasks to take on, in priority order, each with one line on why. Call out work that is overdue, blocked or unassigned, and anything too big to finish.
4. Ask before changing anything. Once agreed, use update_task to set priorities and due dates, and assign_task to give tasks owners.`, pid, goal, pid, pid)
		return &mcp.GetPromptResult{Description: "Sprint planning for " + pid,
			Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}}}, nil
	})
	m.AddPrompt(&mcp.Prompt{
		Name:        "daily_standup",
		Title:       "Daily standup",
		Description: "Generate a done / in-progress / next / blockers report for a project.",
		Arguments: []*mcp.PromptArgument{
			{Name: "projectId", Description: "the project (from list_projects)", Required: true},
			{Name: "userName", Description: "only this person's report"},
		},
	}, func(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		pid, err := s.promptProject(ctx, req)
		if err != nil {
			return nil, err
		}
		user := req.Params.Arguments["userName"]
		who := "each person"
		if user != "" {
			who = safe.Line(user)
		}
		text := fmt.Sprintf(`Write the daily standup for the project %s, for %s: what was done since the last working day, what is in progress, what is next, and what is blocked or overdue.`, pid, who)
		if s.standup != nil {
			sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			report, err := s.standup(sctx, s.internal(), authorization(req.Extra), pid, user)
			if err != nil {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "make the standup report: " + err.Error()}
			}
			text += `

Here is the board's standup report, from the same data as "lanes standup". Summarise it for the team in a few short lines per person: lead with what matters (blockers and overdue work), keep card titles as they are, and do not invent work that is not listed. Use get_task for detail on a card if needed.

` + report
		} else {
			text += ` Use list_statuses and list_tasks to gather the data: done means completedAt since the last working day (Monday looks back to Friday); a column whose name contains "block" holds blocked tasks; next up is the first open column, by priority.`
		}
		return &mcp.GetPromptResult{Description: "Daily standup for " + pid,
			Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}}}, nil
	})
}

// promptProject is a prompt's projectId once it is known to name a project
// the caller can see. A missing, malformed or unknown one is the caller's
// mistake, so it is JSON-RPC's invalid params (-32602), as the SDK answers
// for an unknown prompt; anything else is an internal error (-32603).
func (s *Server) promptProject(ctx context.Context, req *mcp.GetPromptRequest) (string, error) {
	pid := req.Params.Arguments["projectId"]
	if pid == "" {
		return "", &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "projectId is required: the project's id, from list_projects"}
	}
	pid, err := checkUUID("projectId", pid)
	if err != nil {
		var ae *apiError
		errors.As(err, &ae)
		return "", &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: ae.Msg}
	}
	err = s.call(ctx, authorization(req.Extra), "GET", "/api/statuses?projectId="+url.QueryEscape(pid), nil, nil)
	var te *toolError
	switch {
	case err == nil:
		return pid, nil
	case errors.As(err, &te) && te.Status == http.StatusNotFound:
		return "", &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("projectId %s names no project you can see: list_projects shows them", pid)}
	case errors.As(err, &te) && te.Status < 500:
		return "", &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: te.Error()}
	}
	return "", &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}
}
