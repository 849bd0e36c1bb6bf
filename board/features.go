package board

import (
	"context"
	"errors"
	"time"
)

// Feature is something lanes does that a task server may not: a Taskade
// project has no comments, no archive and no estimates, and has priority
// and labels only as custom fields it may lack.
type Feature string

// The features a server may lack. A live feed is asked of a Remote by
// whether it is a Follower, restoring deleted cards by Restorer, and
// changing columns by Reshaper; these are the rest.
const (
	FeatureComments   Feature = "comments"
	FeatureArchive    Feature = "archive"
	FeaturePriority   Feature = "priority"
	FeatureLabels     Feature = "labels"
	FeatureEstimate   Feature = "estimate"
	FeatureWipLimits  Feature = "WIP limits"
	FeatureDoneToggle Feature = "done columns" // making a column done or open
	// FeatureActivity is a card's history (ActivityReader), FeatureSearch
	// a search of every project (Searcher): a Remote without the
	// interface has neither; Lacks says why in the backend's words.
	FeatureActivity Feature = "activity"
	FeatureSearch   Feature = "search"
)

// Lacker is a Remote that can't do all lanes does. Lacks says why f can't
// be used on this board, in a sentence for the status line ("Taskade has
// no comments"), or "" when it can.
type Lacker interface {
	Lacks(f Feature) string
}

// Lacks is why f can't be used on this board, or "" when it can (or the
// server has not said it can't).
func (e *Engine) Lacks(f Feature) string {
	if l, ok := e.opts.Remote.(Lacker); ok {
		return l.Lacks(f)
	}
	return ""
}

// needs are the features a change can't be made without.
func (m *Mutation) needs() []Feature {
	switch m.Kind {
	case KindComment:
		return []Feature{FeatureComments}
	case KindArchive, KindRestore:
		return []Feature{FeatureArchive}
	case KindPriority:
		return []Feature{FeaturePriority}
	case KindLabels, KindLabelAdd:
		return []Feature{FeatureLabels}
	case KindEstimate:
		return []Feature{FeatureEstimate}
	case KindCreate:
		var out []Feature
		if m.Priority != nil && *m.Priority != PriorityNone {
			out = append(out, FeaturePriority)
		}
		if m.Estimate != nil {
			out = append(out, FeatureEstimate)
		}
		return out
	case KindColumnAdd, KindColumnEdit:
		var out []Feature
		if m.WipLimit != nil && (m.Kind == KindColumnEdit || *m.WipLimit > 0) {
			out = append(out, FeatureWipLimits)
		}
		if m.Done != nil && (m.Kind == KindColumnEdit || *m.Done) {
			out = append(out, FeatureDoneToggle)
		}
		return out
	}
	return nil
}

// lacking is why m can't be made on this board, or nil.
func (e *Engine) lacking(m *Mutation) error {
	for _, f := range m.needs() {
		if why := e.Lacks(f); why != "" {
			return errors.New(why)
		}
	}
	return nil
}

// WholeFetcher is a Remote whose Fetch leaves some of a card for later
// fetches (a Taskade task's assignees and due date each take a request):
// FetchWhole reads it all before it returns, for a report that must be
// whole, like the standup.
type WholeFetcher interface {
	FetchWhole(ctx context.Context, projectID string) (Fetched, error)
}

// Poller is a Remote without a live feed that says how often its board
// should be fetched again (PollEvery when it does not say).
type Poller interface {
	PollInterval() time.Duration
}
