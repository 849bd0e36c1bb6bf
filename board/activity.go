package board

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lanesboard/lanes/api"
)

// The kinds of entry a card's history holds, as the server names them
// (the Remote passes the API's kind through as it came).
const (
	ActivityCreated   = api.ActivityCreated
	ActivityUpdated   = api.ActivityUpdated
	ActivityDeleted   = api.ActivityDeleted
	ActivityRestored  = api.ActivityRestored
	ActivityCommented = api.ActivityCommented
)

// ActivityPage is how many entries of a card's history LoadActivity reads:
// the newest.
const ActivityPage = 20

// Activity is one entry of a card's history: who did what, and when.
type Activity struct {
	ID      int64  // orders a card's entries: the newest is the highest
	Kind    string // one of the Activity* kinds, or one lanes doesn't know
	TaskID  string
	ActorID string // "" for the server's own changes
	Actor   string // the actor's name as the server gave it ("" if none)
	// Changes are the fields an update changed, by the API's name for
	// them; for a comment, commentId and content.
	Changes map[string]Change
	At      time.Time
}

// Change is one field's value before and after, as JSON (null for none).
type Change struct {
	From, To json.RawMessage
}

// ActivityReader is a Remote that keeps each card's history.
type ActivityReader interface {
	// Activity is a page of the card's history, newest first: at most
	// limit entries older than the entry before (0: from the newest).
	Activity(ctx context.Context, taskID string, before int64, limit int) ([]Activity, error)
}

// ErrNoActivity means the server keeps no history of its cards; the error
// a Remote or LoadActivity gives may say it in its own words (errors.Is
// holds).
var ErrNoActivity = errors.New("this server keeps no activity")

// unavailable is something a board can't do, in the words of the one who
// said so, that is (errors.Is) one of the Err* sentinels.
type unavailable struct {
	why string
	is  error
}

func (u *unavailable) Error() string        { return u.why }
func (u *unavailable) Is(target error) bool { return target == u.is }

// ActivityMsg answers LoadActivity: the card's newest entries, newest
// first, or why they could not be read.
type ActivityMsg struct {
	TaskID  string
	Entries []Activity
	Err     error
}

// LoadActivity reads the card's newest ActivityPage entries (by its real
// id once known). A card the server has not made yet has none.
func (e *Engine) LoadActivity(id string) Cmd {
	id = e.Resolve(id)
	r, ok := e.opts.Remote.(ActivityReader)
	why := e.Lacks(FeatureActivity)
	ctx := e.ctx
	return func() any {
		switch {
		case why != "":
			return ActivityMsg{TaskID: id, Err: &unavailable{why, ErrNoActivity}}
		case !ok:
			return ActivityMsg{TaskID: id, Err: ErrNoActivity}
		case IsTemp(id):
			return ActivityMsg{TaskID: id}
		}
		as, err := r.Activity(ctx, id, 0, ActivityPage)
		if len(as) > ActivityPage {
			as = as[:ActivityPage]
		}
		return ActivityMsg{TaskID: id, Entries: as, Err: err}
	}
}

// quoteLimit bounds the text an entry quotes (a title, a comment), in
// characters: the sentence is one line.
const quoteLimit = 60

// Describe is an entry in words, for a person: "ana moved it to In
// Progress", "ben renamed it to “Ship it” and set priority to high",
// "cat commented: “Looks good”". Columns, labels and people are named as
// this board knows them ("another column", "a label" and "someone" where
// it doesn't). The sentence holds the server's text (names, titles,
// comments) as it came: drawing it is the caller's to make safe.
func (e *Engine) Describe(a Activity) string {
	who := a.Actor
	switch {
	case who != "":
	case a.ActorID == "":
		who = "the server"
	default:
		if n, ok := e.Name(a.ActorID); ok {
			who = n
		} else {
			who = "someone"
		}
	}
	var what string
	switch a.Kind {
	case ActivityCreated:
		what = "created it"
	case ActivityDeleted:
		what = "deleted it"
	case ActivityRestored:
		what = "restored it"
	case ActivityCommented:
		what = "commented"
		if text, ok := jsonString(a.Changes["content"].To); ok {
			what += ": " + quoted(text)
		}
	case ActivityUpdated:
		what = inWords(e.updates(a.Changes, a.ActorID))
	default:
		what = "did " + a.Kind
	}
	return who + " " + what
}

// fieldOrder is the order an update's changes are told in: where the card
// went first, the rest by how much a person cares.
func fieldOrder() []string {
	return []string{"statusId", "completedAt", "isArchived", "title", "description", "priority", "dueDate",
		"assigneeIds", "labelIds", "estimatedHours", "position"}
}

// updates are what an update by actor did, a phrase per field.
func (e *Engine) updates(changes map[string]Change, actor string) []string {
	fields := make([]string, 0, len(changes))
	for f := range changes {
		fields = append(fields, f)
	}
	order := fieldOrder()
	rank := func(f string) int {
		if i := slices.Index(order, f); i >= 0 {
			return i
		}
		return len(order)
	}
	sort.Slice(fields, func(i, j int) bool {
		if ri, rj := rank(fields[i]), rank(fields[j]); ri != rj {
			return ri < rj
		}
		return fields[i] < fields[j]
	})
	s := e.State()
	var out []string
	for _, f := range fields {
		c := changes[f]
		switch f {
		case "statusId":
			if id, ok := jsonString(c.To); ok {
				name := "another column"
				if col, ok := s.ColumnByID(id); ok {
					name = col.Name
				}
				out = append(out, "moved it to "+name)
			} else {
				out = append(out, "took it out of its column")
			}
		case "completedAt":
			if isNull(c.To) {
				out = append(out, "reopened it")
			} else {
				out = append(out, "completed it")
			}
		case "isArchived":
			if on, _ := jsonBool(c.To); on {
				out = append(out, "archived it")
			} else {
				out = append(out, "brought it back from the archive")
			}
		case "title":
			title, _ := jsonString(c.To)
			out = append(out, "renamed it to "+quoted(title))
		case "description":
			out = append(out, "edited the description")
		case "priority":
			if p, ok := jsonString(c.To); ok && p != string(PriorityNone) {
				out = append(out, "set priority to "+p)
			} else {
				out = append(out, "cleared the priority")
			}
		case "dueDate":
			if d, ok := jsonString(c.To); ok {
				if t, err := time.Parse(time.RFC3339, d); err == nil {
					d = t.Format("Mon 2 Jan 2006")
				}
				out = append(out, "set the due date to "+d)
			} else {
				out = append(out, "cleared the due date")
			}
		case "estimatedHours":
			var h float64
			if json.Unmarshal(c.To, &h) == nil && !isNull(c.To) {
				out = append(out, "estimated it at "+strconv.FormatFloat(h, 'f', -1, 64)+"h")
			} else {
				out = append(out, "cleared the estimate")
			}
		case "position":
			if _, moved := changes["statusId"]; !moved {
				out = append(out, "reordered it")
			}
		case "assigneeIds":
			added, removed := listChange(c)
			if len(added) > 0 {
				out = append(out, "assigned "+inWords(e.people(added, actor)))
			}
			if len(removed) > 0 {
				out = append(out, "unassigned "+inWords(e.people(removed, actor)))
			}
		case "labelIds":
			added, removed := listChange(c)
			if len(added) > 0 {
				out = append(out, "labelled it "+inWords(labelNames(s, added)))
			}
			if len(removed) > 0 {
				out = append(out, "took "+inWords(labelNames(s, removed))+" off it")
			}
		case "commentCount", "version", "updatedAt":
			// Follow from the others: nothing a person did.
		default:
			out = append(out, "changed "+f)
		}
	}
	if len(out) == 0 {
		return []string{"changed it"}
	}
	return out
}

// people are the users ids named, the actor as "themselves".
func (e *Engine) people(ids []string, actor string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "someone"
		if n, ok := e.Name(id); ok {
			out[i] = n
		}
		if id == actor {
			out[i] = "themselves"
		}
	}
	return out
}

func labelNames(s *State, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "a label"
		if l, ok := s.LabelByID(id); ok {
			out[i] = "#" + l.Name
		}
	}
	return out
}

// listChange is what a list field gained and lost.
func listChange(c Change) (added, removed []string) {
	var from, to []string
	json.Unmarshal(c.From, &from)
	json.Unmarshal(c.To, &to)
	for _, id := range to {
		if !slices.Contains(from, id) {
			added = append(added, id)
		}
	}
	for _, id := range from {
		if !slices.Contains(to, id) {
			removed = append(removed, id)
		}
	}
	return added, removed
}

// inWords joins phrases as a sentence does: "a", "a and b", "a, b and c".
func inWords(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// quoted is text in quotes, cut to quoteLimit characters.
func quoted(text string) string {
	if utf8.RuneCountInString(text) > quoteLimit {
		text = string([]rune(text)[:quoteLimit-1]) + "…"
	}
	return fmt.Sprintf("“%s”", text)
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if isNull(raw) || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func jsonBool(raw json.RawMessage) (bool, bool) {
	var b bool
	if isNull(raw) || json.Unmarshal(raw, &b) != nil {
		return false, false
	}
	return b, true
}
