package taskade

import (
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/lanesboard/lanes/internal/safe"
)

// Error is an answer from Taskade that was not a success: its status, the
// server's message, code and status text (each bounded and made safe to
// show on one line), how long it asked to wait (429), and the request that
// got it. A 200 whose body says ok:false is an Error with Status 200.
type Error struct {
	Status        int
	Message       string // the server's "message"
	Code          string // the server's "code", e.g. not_found
	StatusMessage string // the server's "statusMessage", e.g. Not Found
	RetryAfter    time.Duration
	Method        string
	Path          string

	okFalse bool // a 2xx answer that said ok:false
	local   bool // a 429 made by the client, which did not send the request
}

// fill sets the server's texts, bounded and made safe for a terminal.
func (e *Error) fill(message, code, statusMessage string) {
	e.Message = bound(message, maxMessage)
	e.Code = bound(code, 100)
	e.StatusMessage = bound(statusMessage, 100)
}

// bound is s on one safe line, cut to n runes (with an ellipsis).
func bound(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n]) + "…"
	}
	return safe.Line(s)
}

func (e *Error) Error() string {
	var hint string
	switch {
	case e.okFalse:
		hint = " (the answer said ok:false)"
	case e.local:
		hint = fmt.Sprintf(" (try again in %s)", e.RetryAfter.Round(time.Second))
	case e.Status == http.StatusUnauthorized:
		hint = " (the Taskade token is missing, wrong or revoked: make a new personal token)"
	case e.Status == http.StatusForbidden:
		hint = " (the token's user may not do this)"
	case e.Status == http.StatusTooManyRequests:
		hint = fmt.Sprintf(" (try again in %s)", e.RetryAfter.Round(time.Second))
	}
	msg := e.Message
	if msg == "" {
		msg = e.StatusMessage
	}
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s %s: %d %s%s", e.Method, e.Path, e.Status, msg, hint)
}

// NetworkError is a request that got no answer: refused, reset, timed out,
// or cut off mid-answer. Whether a write reached Taskade is unknown, and
// Taskade has no idempotency key: sending a create again may make the task
// twice.
type NetworkError struct {
	Method, Path string
	Err          error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("%s %s: can't reach Taskade: %v", e.Method, e.Path, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// ErrInvalid is wrapped by the errors of requests refused before sending
// because the API would refuse them (too many tasks, a line break in a
// text, an unknown placement, an empty id…).
var ErrInvalid = errors.New("not sent")

// invalid is a request refused before sending.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalid)
}

func statusIs(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status && !e.okFalse
}

// IsUnauthorized: the token is missing, wrong or revoked (401).
func IsUnauthorized(err error) bool { return statusIs(err, http.StatusUnauthorized) }

// IsForbidden: the token's user may not do this (403).
func IsForbidden(err error) bool { return statusIs(err, http.StatusForbidden) }

// IsNotFound: the object does not exist or the token's user can't see it
// (404).
func IsNotFound(err error) bool { return statusIs(err, http.StatusNotFound) }

// IsValidation: Taskade refused the request as malformed (400); the
// message says why.
func IsValidation(err error) bool { return statusIs(err, http.StatusBadRequest) }

// IsRateLimited: too many requests; Error.RetryAfter says how long to
// wait. Also true of a request the client did not send because the window
// would reset only after the caller's deadline.
func IsRateLimited(err error) bool { return statusIs(err, http.StatusTooManyRequests) }

// IsServerError: Taskade failed (5xx). A read may be retried; a write may
// or may not have been applied.
func IsServerError(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status >= 500
}

// IsNetwork: no answer came back (see NetworkError).
func IsNetwork(err error) bool {
	var e *NetworkError
	return errors.As(err, &e)
}
