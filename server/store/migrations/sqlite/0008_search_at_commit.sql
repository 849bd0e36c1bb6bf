-- The search index is brought up to date once per transaction, at its
-- commit, rather than by a trigger per row: FTS5 writes what it holds to
-- disk at every statement that opens a savepoint, so a transaction of a
-- hundred creates paid for a hundred flushes. search_docs is still kept
-- by the triggers on tasks and comments (0007); its own triggers now only
-- note which documents changed, and what the index held of each before
-- (indexed = 1: the index has old title and body, to be taken out).
-- The commit (sqliteConn.commit) moves those changes into search_index.
DROP TRIGGER search_docs_insert;
DROP TRIGGER search_docs_delete;
DROP TRIGGER search_docs_update;

CREATE TABLE search_dirty (
    id      INTEGER PRIMARY KEY,
    title   TEXT,
    body    TEXT,
    indexed INTEGER NOT NULL
);

-- The first change of a document in a transaction says what the index
-- holds of it; later ones add nothing (OR IGNORE).
CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
    INSERT OR IGNORE INTO search_dirty (id, indexed) VALUES (new.id, 0);
END;
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    INSERT OR IGNORE INTO search_dirty (id, title, body, indexed) VALUES (old.id, old.title, old.body, 1);
END;
CREATE TRIGGER search_docs_update AFTER UPDATE ON search_docs BEGIN
    INSERT OR IGNORE INTO search_dirty (id, title, body, indexed) VALUES (old.id, old.title, old.body, 1);
END;
