-- Full-text search of task titles, descriptions and comments: GIN indexes
-- over the same expressions the search query uses ('simple': no stemming
-- and no stop words, as SQLite's unicode61 tokenizer).
CREATE INDEX tasks_search ON tasks USING gin (to_tsvector('simple', title || ' ' || coalesce(description, '')));
CREATE INDEX comments_search ON comments USING gin (to_tsvector('simple', content));
