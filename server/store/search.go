package store

import (
	"fmt"
	"strings"
	"unicode"
)

// SearchFilter is what a full-text search looks for, and where.
type SearchFilter struct {
	// UserID is whose search it is: only spaces they are a member of are
	// searched.
	UserID string
	// Terms are the words to find, each as the start of a word: all of
	// them, in a task's title and description or in one comment. See
	// SearchTerms.
	Terms []string
	// SpaceID and ProjectID narrow the search ("" for any).
	SpaceID, ProjectID string
	Limit              int
}

// SearchHit is one task or comment a search found.
type SearchHit struct {
	Kind      string `json:"kind"` // "task" or "comment"
	TaskID    string `json:"taskId"`
	CommentID string `json:"commentId,omitempty"`
	ProjectID string `json:"projectId"`
	SpaceID   string `json:"spaceId"`
	// Title is the task's (a comment's task's, for a comment).
	Title string `json:"title"`
	// Snippet is the part of the text around the words found.
	Snippet string `json:"snippet"`
	// Rank orders hits, best first; only its order means anything.
	Rank float64 `json:"rank"`
}

// MaxSearchTerms bounds the words one search looks for.
const MaxSearchTerms = 8

// SearchTerms splits what someone typed into the words a search looks
// for: runs of letters and digits, lowercased, at most MaxSearchTerms.
// Everything else (quotes, operators, punctuation) only separates words,
// so no input is a syntax error to either engine's query language.
func SearchTerms(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > MaxSearchTerms {
		words = words[:MaxSearchTerms]
	}
	return words
}

// The marks the engines put around the words found in a snippet; taken
// out before a snippet is sent.
const (
	markStart = "\uE000"
	markEnd   = "\uE001"
)

// Search finds tasks and comments that hold every term, in the spaces the
// user is a member of, best first. Archived tasks and the tasks of
// archived projects are left out.
func (t *Tx) Search(f SearchFilter) ([]SearchHit, error) {
	out := []SearchHit{}
	if len(f.Terms) == 0 {
		return out, nil
	}
	q, args := t.s.e.searchQuery(f)
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h SearchHit
		if err := rows.Scan(&h.Kind, &h.CommentID, &h.TaskID, &h.ProjectID, &h.SpaceID, &h.Title, &h.Snippet, &h.Rank); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if h.Kind == "task" {
			h.CommentID = ""
		}
		h.Snippet = strings.NewReplacer(markStart, "", markEnd, "").Replace(h.Snippet)
		out = append(out, h)
	}
	return out, rows.Err()
}

// where are the conditions every search has beyond the match: the user's
// spaces, live tasks and projects, and the filter's space and project.
func (f SearchFilter) where() (string, []any) {
	cond := ` AND t.is_archived = 0 AND p.is_archived = 0
		AND p.space_id IN (SELECT space_id FROM members WHERE user_id = ?)`
	args := []any{f.UserID}
	if f.SpaceID != "" {
		cond += ` AND p.space_id = ?`
		args = append(args, f.SpaceID)
	}
	if f.ProjectID != "" {
		cond += ` AND t.project_id = ?`
		args = append(args, f.ProjectID)
	}
	return cond, args
}

// searchQuery on SQLite: the FTS5 index over search_docs, ranked by bm25
// with a word in the title worth ten in the text.
func (e *sqliteEngine) searchQuery(f SearchFilter) (string, []any) {
	match := make([]string, len(f.Terms))
	for i, w := range f.Terms {
		match[i] = `"` + w + `"*`
	}
	cond, args := f.where()
	return `SELECT d.kind, d.object_id, d.task_id, t.project_id, p.space_id, t.title,
			snippet(search_index, -1, '` + markStart + `', '` + markEnd + `', '…', 16), -bm25(search_index, 10.0, 1.0)
		FROM search_index JOIN search_docs d ON d.id = search_index.rowid
		JOIN tasks t ON t.id = d.task_id JOIN projects p ON p.id = t.project_id
		WHERE search_index MATCH ?` + cond + `
		ORDER BY bm25(search_index, 10.0, 1.0) LIMIT ?`, append(append([]any{strings.Join(match, " ")}, args...), f.Limit)
}

// searchQuery on PostgreSQL: the GIN indexes on tasks' and comments'
// stored words, ranked by ts_rank (a word in a title weighs most);
// snippets are made for the page only.
func (e *postgresEngine) searchQuery(f SearchFilter) (string, []any) {
	words := make([]string, len(f.Terms))
	for i, w := range f.Terms {
		words[i] = w + ":*"
	}
	tsq := strings.Join(words, " & ")
	cond, args := f.where()
	q := `WITH hits AS (
			(SELECT 'task' AS kind, t.id AS object_id, t.id AS task_id, t.project_id, p.space_id, t.title,
				t.title || ' ' || coalesce(t.description, '') AS body, ts_rank(t.search_words, q) AS rank
			FROM tasks t JOIN projects p ON p.id = t.project_id, to_tsquery('simple', ?) q
			WHERE t.search_words @@ q` + cond + `)
			UNION ALL
			(SELECT 'comment', c.id, t.id, t.project_id, p.space_id, t.title, c.content, ts_rank(c.search_words, q)
			FROM comments c JOIN tasks t ON t.id = c.task_id JOIN projects p ON p.id = t.project_id, to_tsquery('simple', ?) q
			WHERE c.search_words @@ q` + cond + `)
			ORDER BY rank DESC, object_id LIMIT ?)
		SELECT kind, object_id, task_id, project_id, space_id, title,
			ts_headline('simple', body, to_tsquery('simple', ?),
				'StartSel=` + markStart + `, StopSel=` + markEnd + `, MaxWords=24, MinWords=8, ShortWord=2, MaxFragments=1, FragmentDelimiter=" … "'),
			rank::float8
		FROM hits ORDER BY rank DESC, object_id`
	all := append([]any{tsq}, args...)
	all = append(all, tsq)
	all = append(all, args...)
	all = append(all, f.Limit, tsq)
	return q, all
}
