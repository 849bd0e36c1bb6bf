package server

import (
	"net/http"

	"github.com/lanesboard/lanes/server/store"
)

// Search pages and query length: the default, the most a request may ask
// for, and the longest query.
const (
	searchPage    = 20
	maxSearchPage = 100
	maxSearchLen  = 200
)

// search is a full-text search of task titles, descriptions and comments
// in the spaces the caller is a member of (narrowed to one with spaceId,
// or one project with projectId), best match first: GET
// /api/search?q=&spaceId=&projectId=&limit=.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	q := query.Get("q")
	f := store.SearchFilter{UserID: actor(r).user.ID, Terms: store.SearchTerms(q)}
	var err error
	switch {
	case len(q) > maxSearchLen:
		err = invalid("q", "q must be at most %d bytes", maxSearchLen)
	case len(f.Terms) == 0:
		err = invalid("q", "q must hold a word to search for (letters or digits)")
	}
	if err == nil && query.Has("spaceId") {
		f.SpaceID, err = queryUUID(r, "spaceId")
	}
	if err == nil && query.Has("projectId") {
		f.ProjectID, err = queryUUID(r, "projectId")
	}
	if err == nil {
		f.Limit, err = queryCount(r, "limit", searchPage, maxSearchPage)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.read(w, r, func(tx *store.Tx) (any, error) {
		// A space or project the caller can't see is not found, as
		// everywhere else, rather than found empty.
		if f.SpaceID != "" {
			if _, _, err := spaceRole(tx, f.SpaceID, f.UserID); err != nil {
				return nil, err
			}
		}
		if f.ProjectID != "" {
			if _, _, err := projectRole(tx, f.ProjectID, f.UserID); err != nil {
				return nil, err
			}
		}
		return tx.Search(f)
	})
}
