package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ListTasksOptions narrows Tasks.
type ListTasksOptions struct {
	// Archived lists the archived tasks instead of the active ones.
	Archived bool
	// IfNoneMatch is the ETag of a list read before: while the list is
	// still that version, a lanes server answers NotModified, without
	// the tasks.
	IfNoneMatch string
	// Each, if set, is handed each task as it is read, and the list's
	// Tasks stay empty: a caller that turns the tasks into something else
	// (the board, into cards) does not hold 100,000 of them twice. The
	// Task is used again once Each returns; what its fields point to is
	// Each's to keep. A read cut off once Each has been called is not
	// tried again: the error is returned.
	Each func(*Task)
}

// TaskList is a project's tasks as one list answer had them.
type TaskList struct {
	Tasks []Task
	// Seq is the position in the server's change log the list is
	// complete up to (a lanes server's X-Lanes-Seq): TasksSince(Seq) tells
	// later what changed after it. 0 when the server does not say (a
	// seed-only server, a lanes server from before).
	Seq int64
	// ETag names this version of the list, on a lanes server ("" if
	// none): ask with it as IfNoneMatch to hear NotModified while it
	// stands.
	ETag string
	// NotModified: the list is still the version IfNoneMatch named.
	NotModified bool
}

// maxETag is the longest ETag kept; a longer one is no ETag.
const maxETag = 256

// Tasks lists a project's active (or archived) tasks.
func (c *Client) Tasks(ctx context.Context, projectID string, o ListTasksOptions) ([]Task, error) {
	l, err := c.TaskList(ctx, projectID, o)
	if err != nil {
		return nil, err
	}
	return l.Tasks, nil
}

// TaskList lists a project's active (or archived) tasks, with the
// position in the change log the list is complete up to and its ETag.
// The answer is read as it arrives, never held whole.
func (c *Client) TaskList(ctx context.Context, projectID string, o ListTasksOptions) (*TaskList, error) {
	path := "/api/tasks?projectId=" + url.QueryEscape(projectID)
	if o.Archived {
		path += "&archived=true"
	}
	header := map[string]string{}
	if o.IfNoneMatch != "" && validETag(o.IfNoneMatch) {
		header["If-None-Match"] = o.IfNoneMatch
	}
	var (
		out      *TaskList
		handedOn bool
	)
	err := c.stream(ctx, call{method: http.MethodGet, path: path}, header, func(a answer) error {
		out = &TaskList{Seq: headerSeq(a.header), ETag: a.header.Get("ETag")}
		if !validETag(out.ETag) {
			out.ETag = ""
		}
		if a.status == http.StatusNotModified {
			out.NotModified = true
			return nil
		}
		if o.Each != nil {
			return readTaskList(a.body, true, &taskEach{fn: func(t *Task) {
				handedOn = true
				o.Each(t)
			}})
		}
		var col taskCollector
		if err := readTaskList(a.body, true, &col); err != nil {
			return err
		}
		out.Tasks = col.all()
		return nil
	}, func() bool { return handedOn })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// headerSeq is the X-Lanes-Seq an answer carries: 0 if none (or not a
// position).
func headerSeq(h http.Header) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Lanes-Seq")), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// validETag says whether an ETag can be kept and sent back: short, and
// only the visible ASCII a header value may hold.
func validETag(s string) bool {
	if len(s) == 0 || len(s) > maxETag {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// TaskChanges is what changed in a project after a position in the
// server's change log (see TasksSince).
type TaskChanges struct {
	// Seq is the position the changes reach: ask from it next time, or
	// follow the project's space's events from it.
	Seq int64
	// Tasks are the project's tasks, active and archived (IsArchived),
	// whose list entry changed, each as the lists now have it.
	Tasks []Task
	// Deleted are the ids of tasks deleted or moved out of the project
	// (some perhaps never seen by this client).
	Deleted []string
}

// errWholeList is a lanes server from before since answering with the
// whole list (it ignores the parameter).
var errWholeList = errors.New("the server answered with the whole list")

// TasksSince is what changed in a project after position since (from a
// TaskList's Seq, a TaskChanges' Seq or an Event's Seq). An error wrapping
// ErrResyncRequired means the server no longer holds every change after
// it (or since is not one of its positions): read the whole lists.
// ErrNotSupported means the server can't say (seed only, or a lanes
// server from before): read the whole lists.
func (c *Client) TasksSince(ctx context.Context, projectID string, since int64) (*TaskChanges, error) {
	if since < 1 {
		return nil, fmt.Errorf("the tasks changed since %d: %w", since, ErrResyncRequired)
	}
	if !c.Supports(FeatureSince) {
		if err := c.addition(ctx, "read what changed"); err != nil {
			return nil, err
		}
		if !c.Supports(FeatureSince) {
			return nil, fmt.Errorf("read what changed: %w", ErrNotSupported)
		}
	}
	path := "/api/tasks?projectId=" + url.QueryEscape(projectID) + "&since=" + strconv.FormatInt(since, 10)
	k := call{method: http.MethodGet, path: path}
	var out *TaskChanges
	err := c.stream(ctx, k, nil, func(a answer) error {
		out = &TaskChanges{}
		return readChanges(a.body, out)
	}, nil)
	var ae *Error
	switch {
	case errors.Is(err, errWholeList):
		c.lacks(FeatureSince)
		return nil, fmt.Errorf("read what changed: %w", ErrNotSupported)
	case errors.As(err, &ae) && ae.Status == http.StatusGone:
		return nil, fmt.Errorf("%w: %w", err, ErrResyncRequired)
	case err != nil:
		return nil, err
	}
	return out, nil
}

// readChanges reads a delta answer, {"seq": N, "tasks": [...],
// "deleted": [...]}, as it arrives. An array is the whole list, from a
// server that ignored since.
func readChanges(src io.Reader, out *TaskChanges) error {
	d := newJSONIn(src, true)
	switch c := d.ws(); c {
	case '[':
		return errWholeList
	case '{':
	default:
		if d.err != nil {
			return d.err
		}
		d.syntax(c, "looking for the beginning of an object")
		return d.err
	}
	if !d.enter() {
		return d.err
	}
	var tasks taskCollector
	seen := false
	c := d.ws()
	if c == '}' {
		d.i++
		d.depth--
	}
	for c != '}' && d.err == nil {
		if c != '"' {
			d.syntax(c, "looking for beginning of object key string")
			break
		}
		k := d.str()
		field := ""
		for _, name := range [...]string{"seq", "tasks", "deleted"} {
			if string(k) == name || strings.EqualFold(string(k), name) {
				field = name
			}
		}
		if !d.expect(':', "after object key") {
			break
		}
		switch field {
		case "seq":
			seen = true
			d.integer(&out.Seq, "seq", "int64")
		case "tasks":
			tasks = taskCollector{}
			d.taskList(&tasks, false)
		case "deleted":
			d.texts(&out.Deleted, "deleted", notShared)
		default:
			d.skip()
		}
		switch c = d.ws(); c {
		case ',':
			d.i++
			if c = d.ws(); c == '}' {
				d.syntax(c, "looking for beginning of object key string")
			}
		case '}':
			d.i++
			d.depth--
		default:
			d.syntax(c, "after object key:value pair")
		}
	}
	d.end()
	if d.err != nil {
		return d.err
	}
	if !seen || out.Seq < 1 {
		return errors.New(`it has no "seq"`)
	}
	out.Tasks = tasks.all()
	return nil
}
