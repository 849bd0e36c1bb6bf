package taskade

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// item sends k and decodes the answer's item into out. A missing item is
// an error; a null one is too unless nullable, when item reports false.
func (c *Client) item(ctx context.Context, k call, out any, nullable bool) (bool, error) {
	env, err := c.do(ctx, k)
	if err != nil {
		return false, err
	}
	raw := bytes.TrimSpace(env.Item)
	switch {
	case len(raw) == 0:
		return false, fmt.Errorf("%s %s: the answer has no \"item\"", k.method, k.path)
	case bytes.Equal(raw, []byte("null")):
		if nullable {
			return false, nil
		}
		return false, fmt.Errorf("%s %s: the answer's \"item\" is null", k.method, k.path)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return false, fmt.Errorf("%s %s: the answer's \"item\" is not what lanes expects: %w", k.method, k.path, err)
	}
	return true, nil
}

// items sends k and decodes the answer's items (a list, maybe empty) into
// out, a pointer to a slice.
func (c *Client) items(ctx context.Context, k call, out any) error {
	env, err := c.do(ctx, k)
	if err != nil {
		return err
	}
	raw := bytes.TrimSpace(env.Items)
	if len(raw) == 0 || raw[0] != '[' {
		return fmt.Errorf("%s %s: the answer has no \"items\" list", k.method, k.path)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: the answer's \"items\" are not what lanes expects: %w", k.method, k.path, err)
	}
	return nil
}

// ok sends k and wants only {ok: true}.
func (c *Client) ok(ctx context.Context, k call) error {
	_, err := c.do(ctx, k)
	return err
}

// task sends k and reads the Task in its item.
func (c *Client) task(ctx context.Context, k call) (Task, error) {
	var t Task
	if _, err := c.item(ctx, k, &t, false); err != nil {
		return Task{}, err
	}
	if t.ID == "" {
		return Task{}, fmt.Errorf("%s %s: the answer's task has no id", k.method, k.path)
	}
	return t, nil
}

// Paths. Every id is checked (checkID) and path-escaped.

func esc(id string) string { return url.PathEscape(id) }

func projectPath(projectID string) string { return "/projects/" + esc(projectID) }

func taskPath(projectID, taskID string) string {
	return projectPath(projectID) + "/tasks/" + esc(taskID)
}

// checkID refuses an id no object can have: empty, a dot segment, too
// long, or holding control characters.
func checkID(what, id string) error {
	switch {
	case id == "":
		return invalid("the %s id is empty", what)
	case id == "." || id == "..":
		return invalid("the %s id %q is a path segment", what, id)
	case len(id) > 200:
		return invalid("the %s id is %d bytes long", what, len(id))
	case !utf8.ValidString(id) || strings.ContainsFunc(id, isControl):
		return invalid("the %s id %q holds control characters", what, bound(id, 40))
	}
	return nil
}

func checkIDs(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkID(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) }

// maxText is the API's limit on a task's text and a note, in characters.
// Taskade counts as JavaScript does (UTF-16 code units), so this client
// does too: an emoji is two.
const maxText = 2000

func textLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// checkText applies the rules of a task's text (and a note's value): at
// most 2000 characters, and, where oneLine, no CR or LF.
func checkText(what, s string, oneLine bool) error {
	if n := textLen(s); n > maxText {
		return invalid("the %s is %d characters long; Taskade takes at most %d", what, n, maxText)
	}
	if oneLine && strings.ContainsAny(s, "\r\n") {
		return invalid("the %s holds a line break; Taskade takes one line", what)
	}
	return nil
}
