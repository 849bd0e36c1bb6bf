-- Full-text search of task titles, descriptions and comments: each row
-- keeps its words (a stored, generated tsvector, so ranking reads them
-- rather than parsing every match's text again), a title's weighted above
-- a description's, under a GIN index. 'simple': no stemming and no stop
-- words, as SQLite's unicode61 tokenizer. Derived columns: lanes migrate
-- leaves them to the database.
ALTER TABLE tasks ADD COLUMN search_words tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', coalesce(description, '')), 'B')) STORED;
CREATE INDEX tasks_search ON tasks USING gin (search_words);
ALTER TABLE comments ADD COLUMN search_words tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED;
CREATE INDEX comments_search ON comments USING gin (search_words);
