package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lanesboard/lanes/server"
)

// A prompt asked for with bad arguments answers JSON-RPC's invalid params
// (-32602), so an MCP host can tell the model its call was wrong.
func TestMCPPromptErrorsAreInvalidParams(t *testing.T) {
	standup := func(context.Context, http.Handler, string, string, string) (string, error) {
		return "# Standup\n", nil
	}
	e := newTestEnv(t, server.WithStandup(standup))
	ann, bob := e.newUser("ann"), e.newUser("bob")
	bobsProject := e.personalBoard(bob).ProjectID
	cs := e.mcpClient(ann)
	for _, c := range []struct {
		name, prompt string
		args         map[string]string
		says         string
	}{
		{"unknown prompt", "weekly_report", map[string]string{"projectId": bobsProject}, "unknown prompt"},
		{"plan_sprint without projectId", "plan_sprint", map[string]string{}, "projectId is required"},
		{"daily_standup without projectId", "daily_standup", map[string]string{}, "projectId is required"},
		{"plan_sprint with a malformed projectId", "plan_sprint", map[string]string{"projectId": "p-1"}, "projectId must be a UUID"},
		{"daily_standup with a malformed projectId", "daily_standup", map[string]string{"projectId": "'; drop table"}, "projectId must be a UUID"},
		{"plan_sprint with someone else's project", "plan_sprint", map[string]string{"projectId": bobsProject}, "names no project you can see"},
		{"daily_standup with an unknown project", "daily_standup", map[string]string{"projectId": "01a22b3c-0000-7000-8000-000000000000"}, "names no project you can see"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := cs.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: c.prompt, Arguments: c.args})
			var je *jsonrpc.Error
			if !errors.As(err, &je) {
				t.Fatalf("error %v (%T), want a JSON-RPC error", err, err)
			}
			if je.Code != jsonrpc.CodeInvalidParams || !strings.Contains(je.Message, c.says) {
				t.Fatalf("code %d %q, want %d saying %q", je.Code, je.Message, jsonrpc.CodeInvalidParams, c.says)
			}
		})
	}
	if _, err := cs.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "plan_sprint", Arguments: map[string]string{"projectId": e.personalBoard(ann).ProjectID}}); err != nil {
		t.Fatalf("plan_sprint on ann's own project: %v", err)
	}
}

// update_task with null clears the due date and the estimate, as PATCH
// does; left out, they stay.
func TestMCPUpdateTaskNullClears(t *testing.T) {
	e := newTestEnv(t)
	ann := e.newUser("ann")
	b := e.personalBoard(ann)
	k := e.createTask(ann, b.ProjectID, map[string]any{"title": "Plan", "dueDate": "2026-12-01", "estimatedHours": 3})
	cs := e.mcpClient(ann)

	mustTool(t, cs, "update_task", map[string]any{"taskId": k.ID, "priority": "high"})
	if got := e.getTask(ann, k.ID); got.DueDate == nil || got.EstimatedHours == nil {
		t.Fatalf("left out, yet cleared: due %s, estimate %v", str(got.DueDate), got.EstimatedHours)
	}
	mustTool(t, cs, "update_task", map[string]any{"taskId": k.ID, "dueDate": nil})
	got := e.getTask(ann, k.ID)
	if got.DueDate != nil {
		t.Fatalf("dueDate null: due date still %s", str(got.DueDate))
	}
	if got.EstimatedHours == nil || *got.EstimatedHours != 3 {
		t.Fatalf("dueDate null changed the estimate to %v", got.EstimatedHours)
	}
	mustTool(t, cs, "update_task", map[string]any{"taskId": k.ID, "estimatedHours": nil})
	if got := e.getTask(ann, k.ID); got.EstimatedHours != nil {
		t.Fatalf("estimatedHours null: estimate still %v", *got.EstimatedHours)
	}
	// Setting them again still works.
	mustTool(t, cs, "update_task", map[string]any{"taskId": k.ID, "dueDate": "2027-01-02", "estimatedHours": 1.5})
	if got := e.getTask(ann, k.ID); got.DueDate == nil || !strings.HasPrefix(*got.DueDate, "2027-01-02") || got.EstimatedHours == nil || *got.EstimatedHours != 1.5 {
		t.Fatalf("set again: due %s, estimate %v", str(got.DueDate), got.EstimatedHours)
	}
}
