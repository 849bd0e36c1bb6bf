package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/lanesboard/lanes/server/store"
)

// apiError is an error the client is told about: a status, a sentence, and
// where a program needs to tell cases apart, a code.
type apiError struct {
	Status int    `json:"-"`
	Msg    string `json:"error"`
	Code   string `json:"code,omitempty"`
	Field  string `json:"field,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Msg) }

func invalid(field, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...), Code: "validation_failed", Field: field}
}

func notFound(what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Msg: what + " not found", Code: "not_found"}
}

func forbidden(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusForbidden, Msg: fmt.Sprintf(format, args...), Code: "forbidden"}
}

func conflict(code, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusConflict, Msg: fmt.Sprintf(format, args...), Code: code}
}

var errUnauthorized = &apiError{Status: http.StatusUnauthorized, Msg: "Unauthorized"}

// errRateLimited is the seed's 429 body.
var errRateLimited = &apiError{Status: http.StatusTooManyRequests, Msg: "Rate limit exceeded"}

// errDiskFull answers a write the store had no room for (507).
var errDiskFull = &apiError{Status: http.StatusInsufficientStorage, Msg: "the server's disk is full", Code: "disk_full"}

// writeJSON sends v as the response body with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"Internal server error"}`, http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte("\n"))
}

// writeError sends err to the client: an apiError as it is, anything else as
// a 500 whose cause goes to the log, not to the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		writeJSON(w, ae.Status, ae)
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusNotFound, notFound("Resource"))
	case errors.Is(err, store.ErrDiskFull):
		// Named, so a client knows to keep the change and try again later,
		// and the operator's log says what to fix.
		s.log.ErrorContext(r.Context(), "write refused: the disk is full", "method", r.Method, "path", r.URL.Path,
			"request_id", requestID(r.Context()), "err", err)
		writeJSON(w, http.StatusInsufficientStorage, errDiskFull)
	default:
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", requestID(r.Context()), "err", err)
		writeJSON(w, http.StatusInternalServerError, &apiError{Msg: "Internal server error", Code: "internal"})
	}
}

// roleWord is the role as a plural noun at the start of a sentence.
func roleWord(r store.Role) string {
	if r == "" {
		return "Non-members"
	}
	s := string(r)
	return strings.ToUpper(s[:1]) + s[1:] + "s"
}
