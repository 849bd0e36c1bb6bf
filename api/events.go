package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lanesboard/lanes/internal/safe"
	"github.com/lanesboard/lanes/internal/wire"
)

// Event is one change from a space's live feed (GET /api/events): its
// sequence number, its kind (task.created, task.updated, task.deleted,
// task.restored, comment.created, project.*, member.*, status.created,
// status.updated, status.deleted, label.created, label.updated,
// label.deleted) and the changed object as JSON. A *.deleted event's
// object is {"id", "projectId"}.
type Event struct {
	Seq  int64
	Kind string
	Data json.RawMessage
}

// EventReady is the event a feed starts with each time it connects (or
// connects again): its Seq is the position the feed follows from. Follow
// keeps it to itself; FollowReady says it.
const EventReady = "ready"

// ErrResyncRequired means the feed no longer holds the changes after the
// position asked for: reload everything, then follow from the head.
var ErrResyncRequired = errors.New("the server no longer has every change since then: reload")

// Follow reads a space's live feed from after (0: from now), calling fn for
// each event in order, until ctx ends or the feed can't go on. A dropped
// connection is reopened from the last event seen (with backoff), so no
// change is missed or repeated. It returns ErrResyncRequired when the
// server has pruned changes not yet seen, ErrNotSupported when the server
// has no feed (seed only), and other errors (a revoked token, a space left)
// as they come.
func (c *Client) Follow(ctx context.Context, spaceID string, after int64, fn func(Event)) error {
	return c.FollowReady(ctx, spaceID, after, nil, fn)
}

// FollowReady is Follow that also tells ready, each time the feed
// connects, the position it follows from: a client that holds a board
// complete up to some position knows whether the feed joins up with it.
func (c *Client) FollowReady(ctx context.Context, spaceID string, after int64, ready func(seq int64), fn func(Event)) error {
	failures := 0
	// Whether the server has a feed at all needs an answer from it: a
	// board opened with the server away waits for one rather than give up
	// on live changes for good.
	for {
		err := c.addition(ctx, "follow live changes")
		if err == nil {
			break
		}
		if !IsNetwork(err) && !IsServerError(err) && !IsRateLimited(err) {
			return err
		}
		if err := wire.Sleep(ctx, c.backoff(failures)); err != nil {
			return err
		}
		failures++
	}
	failures = 0
	for {
		start := after
		err := c.followOnce(ctx, spaceID, &after, ready, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ae *Error
		switch {
		case errors.As(err, &ae) && ae.Status == http.StatusGone:
			return fmt.Errorf("follow space %s: %w", spaceID, ErrResyncRequired)
		case errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusTooManyRequests:
			return err
		}
		if after > start {
			failures = 0 // it was working: reconnect at once
		}
		wait := c.backoff(failures)
		if errors.As(err, &ae) && ae.RetryAfter > 0 {
			wait = ae.RetryAfter
		}
		failures++
		if err := wire.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// followOnce reads the feed over one connection, moving *after along.
func (c *Client) followOnce(ctx context.Context, spaceID string, after *int64, ready func(int64), fn func(Event)) error {
	path := "/api/events?spaceId=" + url.QueryEscape(spaceID)
	if *after > 0 {
		path += "&after=" + strconv.FormatInt(*after, 10)
	}
	k := call{method: http.MethodGet, path: path}
	res, err := c.r.R().SetContext(ctx).SetDoNotParseResponse(true).SetHeader("Accept", "text/event-stream").Get(c.base + path)
	if err != nil {
		return &NetworkError{Method: k.method, Path: k.path, Err: wire.UnwrapURL(err)}
	}
	body := res.RawBody()
	defer body.Close()
	c.logDebug(k, res.StatusCode(), 0, nil)
	if res.StatusCode() != http.StatusOK {
		raw := make([]byte, 4096)
		n, _ := body.Read(raw)
		e := &Error{Status: res.StatusCode(), Method: k.method, Path: k.path}
		var eb struct {
			Error string `json:"error"`
			Code  string `json:"code"`
		}
		if json.Unmarshal(safe.JSON(raw[:n]), &eb) == nil {
			e.Message, e.Code = eb.Error, eb.Code
		}
		if e.Status == http.StatusTooManyRequests {
			e.RetryAfter = wire.RetryAfter(res.Header().Get("Retry-After"), time.Now())
		}
		return e
	}
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64*1024), 8<<20)
	var ev Event
	var data strings.Builder
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Kind != "" {
				if ev.Seq > 0 {
					*after = ev.Seq
				}
				switch {
				case ev.Kind != EventReady:
					ev.Data = json.RawMessage(safe.JSON([]byte(data.String())))
					fn(ev)
				case ready != nil:
					ready(ev.Seq)
				}
			}
			ev, data = Event{}, strings.Builder{}
		case strings.HasPrefix(line, ":"):
			// a comment: the heartbeat
		case strings.HasPrefix(line, "id:"):
			ev.Seq, _ = strconv.ParseInt(strings.TrimSpace(line[3:]), 10, 64)
		case strings.HasPrefix(line, "event:"):
			ev.Kind = strings.TrimSpace(line[6:])
		case strings.HasPrefix(line, "data:"):
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(strings.TrimPrefix(line[5:], " "))
		}
	}
	if err := sc.Err(); err != nil {
		return &NetworkError{Method: k.method, Path: k.path, Err: err}
	}
	return &NetworkError{Method: k.method, Path: k.path, Err: errors.New("the feed ended")}
}
