package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/lanesboard/lanes/server/store"
)

// heartbeat is how often an idle feed sends a comment, so proxies and
// clients can tell a quiet feed from a dead one.
const heartbeat = 15 * time.Second

// pollEvery is how often a feed looks at the change log even without a
// wake-up: changes made by another process (lanes on the same data
// directory, lanes token revoke) wake nobody here. It bounds how long a
// revoked token's feed stays open.
const pollEvery = 2 * time.Second

// events streams a space's change log as Server-Sent Events:
//
//	id: 42
//	event: task.updated
//	data: {"id":…}
//
// It starts after the sequence number in ?after= or Last-Event-ID, or at
// the head of the log when neither is given; the first event, "ready",
// carries that position as its id. A position older than the log
// still holds is 410 resync_required: the client must reload the board and
// follow from the head.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	spaceID, err := queryUUID(r, "spaceId")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	after, given, err := eventCursor(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	p := actor(r)
	err = s.store.Read(r.Context(), func(tx *store.Tx) error {
		if err := s.stillSignedIn(tx, p); err != nil {
			return err
		}
		if _, _, err := spaceRole(tx, spaceID, p.user.ID); err != nil {
			return err
		}
		head, err := tx.ChangeHead()
		if err != nil {
			return err
		}
		tail, err := tx.ChangeTail()
		if err != nil {
			return err
		}
		switch {
		case !given:
			after = head
		case after > head:
			return invalid("after", "after is %d, but the change log ends at %d", after, head)
		case tail > 0 && after < tail-1:
			return &apiError{Status: http.StatusGone, Code: "resync_required",
				Msg: fmt.Sprintf("Changes after %d are no longer kept (the log starts at %d): reload the board and follow from %d", after, tail, head)}
		}
		return nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A first event says where the feed starts, so a client that opened it
	// at the head can resume from there even if nothing happens before a
	// disconnect.
	fmt.Fprintf(w, "id: %d\nevent: ready\ndata: {}\n\n", after)
	rc.Flush()

	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	recheck := false // the token and membership are due a look, changes or not
	tokens := s.store.TokensChanged()
	for {
		wake := s.store.Changed() // before reading, so no change slips between
		ticket := s.ring.ticket()
		if t := s.store.TokensChanged(); t != tokens {
			recheck, tokens = true, t // a token was revoked somewhere: this one?
		}
		batch, err := s.nextBatch(r.Context(), p, spaceID, after, ticket, recheck)
		if err != nil {
			return // the client gone, the token revoked, the member removed, or the store closing
		}
		recheck = false
		for _, c := range batch {
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", c.Seq, c.Kind, c.Payload)
			after = c.Seq
		}
		if len(batch) > 0 {
			rc.Flush()
			if len(batch) == 500 {
				continue // more waiting
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.closing:
			return
		case <-wake:
		case <-poll.C:
			recheck = true
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			rc.Flush()
		}
	}
}

// nextBatch is up to 500 of the space's changes after seq for p's feed,
// or the error that ends it. The changes come from the process's ring
// when it holds them, else from the database. Either way the token and the
// membership are checked after the changes are read (a revocation is for
// good, so a token found good then was good when they were written): a
// token revoked or a member removed hears nothing written after. recheck
// asks for that check even when there is nothing to send, so a feed ends
// within a poll of a revocation.
func (s *Server) nextBatch(ctx context.Context, p principal, spaceID string, after, ticket int64, recheck bool) ([]store.Change, error) {
	if err := s.ring.refresh(ctx, s.store, ticket); err == nil {
		if batch, ok := s.ring.after(spaceID, after, 500); ok {
			if len(batch) > 0 || recheck {
				tokenOK, member, err := s.store.StillAllowed(ctx, p.tokenID, spaceID, p.user.ID)
				switch {
				case err != nil:
					return nil, err
				case !tokenOK:
					s.store.ForgetTokens()
					return nil, errUnauthorized
				case !member:
					return nil, notFound("Space")
				}
			}
			return batch, nil
		}
	}
	var batch []store.Change
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		// Older than the ring: read, and checked, in one snapshot.
		if err := s.stillSignedIn(tx, p); err != nil {
			return err
		}
		if _, _, err := spaceRole(tx, spaceID, p.user.ID); err != nil {
			return err
		}
		var err error
		batch, err = tx.ChangesAfter(spaceID, after, 500)
		return err
	})
	return batch, err
}

// eventCursor reads where the feed starts: ?after=, else Last-Event-ID.
func eventCursor(r *http.Request) (int64, bool, error) {
	v, name := r.URL.Query().Get("after"), "after"
	if v == "" {
		v, name = r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	}
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, invalid(name, "%s must be a change sequence number (0 or more), got %q", name, clip(v))
	}
	return n, true, nil
}

// stillSignedIn refuses, as a 401, a request whose token has been revoked
// since it signed in. Long-lived answers (the change feed, MCP streams) ask
// it again as they go, reading the database rather than the sign-in cache;
// a revocation seen this way is also dropped from the cache at once, so
// the token's next request is refused too.
func (s *Server) stillSignedIn(tx *store.Tx, p principal) error {
	ok, err := tx.TokenActive(p.tokenID)
	if err != nil {
		return err
	}
	if !ok {
		s.store.ForgetTokens()
		return errUnauthorized
	}
	return nil
}
