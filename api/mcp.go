package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/lanesboard/lanes/internal/safe"
)

// The seed's API has no columns endpoint, but its MCP server (/api/mcp,
// same token) has list_statuses. A seed-only server's columns are asked
// for there before being guessed from the tasks.

// mcpRetry is how long a server whose /api/mcp failed is left alone.
const mcpRetry = 5 * time.Minute

// mcpSession is the client's MCP session, made on first use.
func (c *Client) mcpSession(ctx context.Context) (*mcp.ClientSession, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mcp != nil {
		return c.mcp, nil
	}
	if !c.mcpFailed.IsZero() && time.Since(c.mcpFailed) < mcpRetry {
		return nil, errors.New("the server's MCP endpoint failed a moment ago")
	}
	hc := &http.Client{Timeout: c.timeout, Transport: sameAuth{c: c, base: c.r.GetClient().Transport}}
	client := mcp.NewClient(&mcp.Implementation{Name: "lanes", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: c.base + "/api/mcp", HTTPClient: hc,
		DisableStandaloneSSE: true, MaxRetries: -1}, nil)
	if err != nil {
		c.mcpFailed = time.Now()
		return nil, fmt.Errorf("connect to %s/api/mcp: %w", c.base, err)
	}
	c.mcp = cs
	return cs, nil
}

// dropMCP forgets a session that failed, to connect afresh next time.
func (c *Client) dropMCP(cs *mcp.ClientSession) {
	c.mu.Lock()
	if c.mcp == cs {
		c.mcp, c.mcpFailed = nil, time.Now()
	}
	c.mu.Unlock()
	cs.Close()
}

// sameAuth sends the client's own headers (its token) on MCP requests.
type sameAuth struct {
	c    *Client
	base http.RoundTripper
}

func (a sameAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", a.c.r.Header.Get("Authorization"))
	r.Header.Set("User-Agent", a.c.r.Header.Get("User-Agent"))
	base := a.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
}

// statusesOverMCP calls list_statuses.
func (c *Client) statusesOverMCP(ctx context.Context, projectID string) ([]Status, error) {
	cs, err := c.mcpSession(ctx)
	if err != nil {
		return nil, err
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_statuses", Arguments: map[string]any{"projectId": projectID}})
	if err != nil {
		c.dropMCP(cs)
		return nil, fmt.Errorf("list_statuses: %w", err)
	}
	var text []string
	for _, ct := range res.Content {
		if tc, ok := ct.(*mcp.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	if res.IsError {
		return nil, fmt.Errorf("list_statuses: %s", strings.Join(text, " "))
	}
	// The columns as structured content ({"statuses": [...]} or a bare
	// list), or else as JSON in the text.
	var raws [][]byte
	if res.StructuredContent != nil {
		raw, err := json.Marshal(res.StructuredContent)
		if err == nil {
			raws = append(raws, raw)
		}
	}
	for _, t := range text {
		raws = append(raws, []byte(t))
	}
	for _, raw := range raws {
		raw = safe.JSON(raw)
		var wrapped struct {
			Statuses []Status `json:"statuses"`
		}
		if json.Unmarshal(raw, &wrapped) == nil && wrapped.Statuses != nil {
			return wrapped.Statuses, nil
		}
		var list []Status
		if json.Unmarshal(raw, &list) == nil && list != nil {
			return list, nil
		}
	}
	return nil, errors.New("list_statuses answered without a list of columns")
}
