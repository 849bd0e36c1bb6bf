package store

import "strings"

// A transaction remembers what it read of a project (the project and the
// caller's role, its columns, its labels) until it writes to any table
// those come from. A batch of a hundred creates in one transaction then
// reads them once, not a hundred times. Writes go through exec, query
// and queryRow, which forget on any statement that may change them.

// memo is what a transaction has read and may read again.
type memo struct {
	roles    map[[2]string]memoRole
	statuses map[string][]Status
	labels   map[string][]Label
}

type memoRole struct {
	p    Project
	role Role
}

// hotTables are the tables a statement may write without changing what
// the memo holds: a task's own rows and the logs its changes write.
var hotTables = map[string]bool{
	"tasks": true, "task_labels": true, "task_assignees": true, "comments": true,
	"changes": true, "activity": true, "idempotency": true, "deliveries": true, "search_docs": true,
}

// forgets says whether query may change what the memo holds: any write
// but to the hot tables. What it can't read is taken as a write.
func forgets(query string) bool {
	q := strings.TrimSpace(query)
	word := func() string {
		i := strings.IndexAny(q, " \t\n(")
		if i < 0 {
			w := q
			q = ""
			return strings.ToUpper(w)
		}
		w := q[:i]
		q = strings.TrimSpace(q[i:])
		return strings.ToUpper(w)
	}
	switch word() {
	case "SELECT":
		return false
	case "INSERT":
		for w := word(); w != "INTO"; w = word() {
			if w == "" {
				return true
			}
		}
	case "UPDATE":
	case "DELETE":
		if word() != "FROM" {
			return true
		}
	default:
		return true
	}
	return !hotTables[strings.ToLower(word())]
}

// forget drops what the memo holds if query may change it.
func (t *Tx) forget(query string) {
	if t.memo != nil && forgets(query) {
		t.memo = nil
	}
}

func (t *Tx) remembered() *memo {
	if t.memo == nil {
		t.memo = &memo{roles: map[[2]string]memoRole{}, statuses: map[string][]Status{}, labels: map[string][]Label{}}
	}
	return t.memo
}
