package board

import "log/slog"

// trace records one of the sync engine's decisions in Options.Log (lanes
// --debug engine), for a bug report: a change queued, sent, confirmed,
// refused, retried; a fetch and the pending changes rebased onto it. The
// logger's handler must not block (lanes gives it a bounded, dropping
// queue): trace is called from the UI's update loop.
func (e *Engine) trace(msg string, args ...any) {
	if l := e.opts.Log; l != nil {
		l.Debug(msg, append([]any{slog.String("project", e.opts.ProjectID)}, args...)...)
	}
}

// kinds are the kinds of a group of changes, for trace.
func kinds(group []Mutation) []string {
	out := make([]string, len(group))
	for i, m := range group {
		out[i] = string(m.Kind)
	}
	return out
}

// String names the class in the engine's log.
func (c FailureClass) String() string {
	switch c {
	case Transient:
		return "transient"
	case RateLimited:
		return "rate-limited"
	case Refused:
		return "refused"
	case Gone:
		return "gone"
	case Unauthorized:
		return "unauthorized"
	}
	return "unknown"
}
