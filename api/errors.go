package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error is an answer from the server that was not a success: its status,
// the server's sentence and code, how long it asked to wait (429), and the
// request that got it.
type Error struct {
	Status     int
	Message    string // the server's "error" field
	Code       string // the server's "code" field, where it sent one
	Field      string // the field a 400 is about, where the server said
	RetryAfter time.Duration
	Method     string
	Path       string
}

func (e *Error) Error() string {
	var hint string
	switch e.Status {
	case http.StatusUnauthorized:
		hint = " (the token is missing, wrong or revoked: make a new one)"
	case http.StatusPaymentRequired:
		hint = " (this server's plan does not include API access)"
	case http.StatusTooManyRequests:
		hint = fmt.Sprintf(" (try again in %s)", e.RetryAfter.Round(time.Second))
	}
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s %s: %d %s%s", e.Method, e.Path, e.Status, msg, hint)
}

// ErrNotSupported is returned for lanes additions (comments, members, the
// current user, single tasks, assignees) when the server only speaks the
// seed's API.
var ErrNotSupported = errors.New("not supported by this server")

// unsupported is ErrNotSupported for one operation, in a sentence a person
// can be shown: "this server can't add columns" (or said, when set, as the
// whole sentence: "this server keeps no activity").
type unsupported struct{ what, said string }

func (e *unsupported) Error() string {
	if e.said != "" {
		return e.said
	}
	return "this server can't " + e.what
}

// Is makes errors.Is(err, ErrNotSupported) hold.
func (e *unsupported) Is(target error) bool { return target == ErrNotSupported }

// NetworkError is a request that got no answer: refused, reset, timed out,
// or cut off mid-answer. Whether a write reached the server is unknown.
type NetworkError struct {
	Method, Path string
	Err          error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("%s %s: can't reach the server: %v", e.Method, e.Path, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

func statusIs(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// IsUnauthorized: the token is missing, wrong or revoked (401).
func IsUnauthorized(err error) bool { return statusIs(err, http.StatusUnauthorized) }

// IsPaymentRequired: the server's plan has no API access (402).
func IsPaymentRequired(err error) bool { return statusIs(err, http.StatusPaymentRequired) }

// IsForbidden: the user's role does not allow it (403).
func IsForbidden(err error) bool { return statusIs(err, http.StatusForbidden) }

// IsNotFound: the object does not exist or is not the user's to see (404).
func IsNotFound(err error) bool { return statusIs(err, http.StatusNotFound) }

// IsConflict: a slug is taken, or an idempotency key was reused (409).
func IsConflict(err error) bool { return statusIs(err, http.StatusConflict) }

// IsValidation: the request was malformed or a field invalid (400).
func IsValidation(err error) bool { return statusIs(err, http.StatusBadRequest) }

// IsRateLimited: too many requests; Error.RetryAfter says how long to wait.
func IsRateLimited(err error) bool { return statusIs(err, http.StatusTooManyRequests) }

// IsServerError: the server failed (5xx); the request may be retried.
func IsServerError(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status >= 500
}

// IsNetwork: no answer came back (see NetworkError).
func IsNetwork(err error) bool {
	var e *NetworkError
	return errors.As(err, &e)
}
