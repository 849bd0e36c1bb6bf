package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/lanesboard/lanes/server/store"
)

// deltaMaxChanges bounds a delta: when more of the space's changes than
// this follow since, the answer is 410 and the client reads the lists
// whole, which by then costs it little more.
const deltaMaxChanges = 10_000

// taskDelta is the answer to GET /api/tasks?projectId=P&since=SEQ: what
// changed in the project's lists after SEQ.
type taskDelta struct {
	Seq     int64        `json:"seq"`
	Tasks   []store.Task `json:"tasks"`
	Deleted []string     `json:"deleted"`
}

// querySince reads the optional since parameter: a change-log position
// from 1 (0 when absent). It can't go with archived: a delta holds the
// archived tasks and the active ones alike.
func querySince(r *http.Request) (int64, error) {
	n, err := querySeq(r, "since")
	if err != nil {
		return 0, invalid("since", "since must be a change sequence number from 1 (an X-Lanes-Seq the server sent), got %q", clip(r.URL.Query().Get("since")))
	}
	if n > 0 && r.URL.Query().Get("archived") != "" {
		return 0, invalid("archived", "archived can't be combined with since: a delta holds the archived tasks and the active ones alike")
	}
	return n, nil
}

// errResync is the answer to a delta the change log can't give.
func errResync(format string, args ...any) error {
	return &apiError{Status: http.StatusGone, Code: "resync_required", Msg: fmt.Sprintf(format, args...) + ": read the task lists whole"}
}

// listDelta answers a delta: every task of the project, active or archived,
// whose list entry changed after since, and the ids of those deleted (or
// gone from the project) since, read with the position they are complete
// up to in one snapshot. Feed events after that position are the changes
// that follow, so a delta and the feed from its seq miss nothing.
func (s *Server) listDelta(w http.ResponseWriter, r *http.Request, projectID string, since int64) {
	var out taskDelta
	err := s.readTx(r.Context(), func(tx *store.Tx) error {
		p, _, err := projectRole(tx, projectID, actor(r).user.ID)
		if err != nil {
			return err
		}
		head, err := tx.ChangeHead()
		if err != nil {
			return err
		}
		if since > head {
			return errResync("since is %d, but this server's change log ends at %d (a list from another database?)", since, head)
		}
		tail, err := tx.ChangeTail()
		if err != nil {
			return err
		}
		if tail > since+1 {
			return errResync("The changes after %d are no longer kept (the log starts at %d)", since, tail)
		}
		changes, err := tx.ChangesAfter(p.SpaceID, since, deltaMaxChanges+1)
		if err != nil {
			return err
		}
		if len(changes) > deltaMaxChanges {
			return errResync("Over %d changes followed %d", deltaMaxChanges, since)
		}
		touched, _, err := changedTasks(changes, projectID)
		if errors.Is(err, errRebuild) {
			return errResync("A change after %d can't be told as a delta", since)
		}
		if err != nil {
			return err
		}
		tasks, err := tx.TasksByIDs(slices.Sorted(maps.Keys(touched)))
		if err != nil {
			return err
		}
		rank, err := tx.ColumnRanks(projectID)
		if err != nil {
			return err
		}
		out = taskDelta{Seq: head, Tasks: []store.Task{}, Deleted: []string{}}
		here := map[string]bool{}
		for _, k := range tasks {
			if k.ProjectID == projectID {
				out.Tasks = append(out.Tasks, k)
				here[k.ID] = true
			}
		}
		for _, id := range slices.Sorted(maps.Keys(touched)) {
			if touched[id] && !here[id] {
				out.Deleted = append(out.Deleted, id)
			}
		}
		// In board order, as the list has them.
		slices.SortFunc(out.Tasks, func(a, b store.Task) int {
			return compareItems(listItem{id: a.ID, rank: rankOf(a.StatusID, rank), status: a.StatusID, position: a.Position},
				listItem{id: b.ID, rank: rankOf(b.StatusID, rank), status: b.StatusID, position: b.Position})
		})
		return nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode the delta: %w", err))
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("X-Lanes-Seq", strconv.FormatInt(out.Seq, 10))
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", etag)
	if etagMatch(strings.Join(r.Header.Values("If-None-Match"), ","), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeRaw(w, http.StatusOK, body)
}
