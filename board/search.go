package board

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lanesboard/lanes/api"
)

// SearchLimit is how many hits Search asks for, best first.
const SearchLimit = 50

// MaxSearchQuery bounds what a search may look for, in bytes (as a lanes
// server does).
const MaxSearchQuery = 200

// The kinds of search hit (the Remote passes the API's kind through).
const (
	HitTask    = api.HitTask
	HitComment = api.HitComment
)

// SearchHit is a card, or a comment on one, that a search found.
type SearchHit struct {
	Kind      string // HitTask or HitComment
	TaskID    string
	CommentID string // for a comment
	ProjectID string
	SpaceID   string
	Title     string // the card's
	Snippet   string // the text around the words found
}

// SearchQuery is what a Searcher looks for, and where ("" for anywhere
// the person can see).
type SearchQuery struct {
	Text               string
	SpaceID, ProjectID string
	Limit              int
}

// Searcher is a Remote that can search the cards and comments of every
// project the person can see.
type Searcher interface {
	Search(ctx context.Context, q SearchQuery) ([]SearchHit, error)
}

// ErrNoSearch means the server can't search; the error a Remote or Search
// gives may say it in its own words (errors.Is holds).
var ErrNoSearch = errors.New("this server can't search")

// SearchMsg answers Search: the hits, best first, or why there are none.
type SearchMsg struct {
	Query      string
	Everywhere bool
	Hits       []SearchHit
	Err        error
}

// Search looks for the words of query in the cards and comments of every
// space the person is in (everywhere), or of this board's space.
func (e *Engine) Search(query string, everywhere bool) Cmd {
	r, ok := e.opts.Remote.(Searcher)
	why := e.Lacks(FeatureSearch)
	ctx := e.ctx
	q := SearchQuery{Text: strings.TrimSpace(query), Limit: SearchLimit}
	if !everywhere {
		q.SpaceID = e.opts.SpaceID
		if q.SpaceID == "" {
			q.ProjectID = e.opts.ProjectID
		}
	}
	return func() any {
		msg := SearchMsg{Query: query, Everywhere: everywhere}
		switch {
		case why != "":
			msg.Err = &unavailable{why, ErrNoSearch}
		case !ok:
			msg.Err = ErrNoSearch
		case q.Text == "":
			msg.Err = errors.New("type a word to search for")
		default:
			// The server takes MaxSearchQuery bytes, and only the first
			// words of them: a long query (100 characters of CJK are 300
			// bytes) is searched for as far as it fits, at a word's end.
			if len(q.Text) > MaxSearchQuery {
				cut := strings.LastIndexFunc(q.Text[:MaxSearchQuery+1], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
				if cut <= 0 {
					cut = MaxSearchQuery
					for cut > 0 && !utf8.RuneStart(q.Text[cut]) {
						cut--
					}
				}
				q.Text = q.Text[:cut]
			}
			msg.Hits, msg.Err = r.Search(ctx, q)
			if len(msg.Hits) > SearchLimit {
				msg.Hits = msg.Hits[:SearchLimit]
			}
		}
		return msg
	}
}
