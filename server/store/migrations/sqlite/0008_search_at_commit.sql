-- New search documents reach the index once per transaction, at its
-- commit, rather than by a trigger per row: FTS5 writes what it holds to
-- disk at every statement that opens a savepoint, so a transaction of a
-- hundred creates paid for a hundred flushes. search_docs is still kept
-- by the triggers on tasks and comments (0007). Its own triggers now take
-- a changed or deleted document's old text out of the index at once (the
-- index must be told exactly what it holds) and note the document's id in
-- search_dirty; the commit (sqliteConn.syncSearch) puts the current text
-- of every noted document still there into the index. A noted document is
-- not in the index until then, so a second change to it in the same
-- transaction takes nothing out. search_dirty keeps only ids: a change
-- made to free space on a full disk must not need room of its own.
DROP TRIGGER search_docs_insert;
DROP TRIGGER search_docs_delete;
DROP TRIGGER search_docs_update;

CREATE TABLE search_dirty (id INTEGER PRIMARY KEY);

CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
    INSERT OR IGNORE INTO search_dirty (id) VALUES (new.id);
END;
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs
WHEN NOT EXISTS (SELECT 1 FROM search_dirty WHERE id = old.id) BEGIN
    INSERT INTO search_index (search_index, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_dirty (id) VALUES (old.id);
END;
CREATE TRIGGER search_docs_update AFTER UPDATE ON search_docs
WHEN NOT EXISTS (SELECT 1 FROM search_dirty WHERE id = old.id) BEGIN
    INSERT INTO search_index (search_index, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_dirty (id) VALUES (old.id);
END;
