package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lanesboard/lanes/api"
	"github.com/lanesboard/lanes/internal/local"
	"github.com/lanesboard/lanes/internal/testenv"
	"github.com/lanesboard/lanes/launch"
)

// lanes serve's /api/mcp, as an assistant would use it: the daily_standup
// prompt carries the same report lanes standup prints.
func TestServeMCPDailyStandup(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	data := t.TempDir()
	token := strings.TrimSpace(mustRun(t, data, "token", "create", "--label", "mcp"))
	ctx, base := serveLanes(t, data)
	c := api.New(base, token)
	_, project, err := launch.Pick(ctx, c, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTask(ctx, api.TaskCreate{ProjectID: project.ID, Title: "Wire up the MCP server", Priority: api.PriorityHigh}); err != nil {
		t.Fatal(err)
	}

	client := mcp.NewClient(&mcp.Implementation{Name: "assistant", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/api/mcp",
		HTTPClient: testenv.TokenClient(token)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "daily_standup", Arguments: map[string]string{"projectId": project.ID}})
	if err != nil {
		t.Fatal(err)
	}
	text := res.Messages[0].Content.(*mcp.TextContent).Text
	me := local.UserName()
	for _, want := range []string{"# Standup: Personal / General", "## " + me, "**Next up**\n- Wire up the MCP server · high"} {
		if !strings.Contains(text, want) {
			t.Fatalf("daily_standup has no %q:\n%s", want, text)
		}
	}
	if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "daily_standup", Arguments: map[string]string{"projectId": project.ID, "userName": "nobody"}}); err == nil || !strings.Contains(err.Error(), `no "nobody" on Personal / General`) {
		t.Fatalf("daily_standup for an unknown person: %v", err)
	}
}

// serveLanes runs lanes serve on data until the test ends and returns its
// base URL, with a context that ends with the test.
func serveLanes(t *testing.T, data string) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var log testenv.SyncBuffer
	root := newRoot(&log, &log)
	root.SetArgs([]string{"--data", data, "serve", "--addr", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`url=(http://\S+)/api`).FindStringSubmatch(log.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("lanes serve did not start:\n%s", log.String())
	}
	return ctx, base
}

// The daily_standup prompt hands an assistant the report as harmless text:
// hostile titles, names and columns hold no control character and add no
// Markdown of their own, which could pass as the prompt's instructions.
func TestDailyStandupPromptIsSafe(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	data := t.TempDir()
	token := strings.TrimSpace(mustRun(t, data, "token", "create", "--label", "mcp"))
	writeHostile(t, data)
	ctx, base := serveLanes(t, data)
	_, project, err := launch.Pick(ctx, api.New(base, token), "", "")
	if err != nil {
		t.Fatal(err)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "assistant", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/api/mcp",
		HTTPClient: testenv.TokenClient(token)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	for _, args := range []map[string]string{{"projectId": project.ID}, {"projectId": project.ID, "userName": local.UserName()}} {
		res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "daily_standup", Arguments: args})
		if err != nil {
			t.Fatal(err)
		}
		text := res.Messages[0].Content.(*mcp.TextContent).Text
		assertNoControls(t, "the daily_standup prompt", text)
		// The server's own words come first; the report is the rest.
		at := strings.Index(text, "\n# Standup: ")
		if at < 0 {
			t.Fatalf("no report in the prompt:\n%s", text)
		}
		assertMarkdownShape(t, "the daily_standup prompt's report", text[at+1:])
		if !strings.Contains(text, "- first inj ␛]0;pwned") {
			t.Fatalf("the prompt lacks the hostile card:\n%s", text)
		}
	}
}
