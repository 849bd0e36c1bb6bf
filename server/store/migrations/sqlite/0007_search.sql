-- Full-text search of task titles, descriptions and comments (FTS5).
-- search_docs holds one row per task and per comment, kept by triggers on
-- tasks and comments (so every path that writes them, restores and
-- lanes migrate included, keeps it); search_index indexes it, with
-- search_docs as its content, kept by the triggers the FTS5 manual
-- describes. Both are derived: lanes migrate does not copy them (the
-- PostgreSQL schema searches its own tables through GIN indexes).
CREATE TABLE search_docs (
    id        INTEGER PRIMARY KEY,
    object_id TEXT NOT NULL UNIQUE,
    task_id   TEXT NOT NULL,
    kind      TEXT NOT NULL,
    title     TEXT NOT NULL,
    body      TEXT NOT NULL
);
CREATE VIRTUAL TABLE search_index USING fts5(title, body, content = 'search_docs', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER search_docs_insert AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_index (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_index (search_index, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_docs_update AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_index (search_index, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_index (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TRIGGER tasks_search_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO search_docs (object_id, task_id, kind, title, body)
    VALUES (new.id, new.id, 'task', new.title, coalesce(new.description, ''));
END;
-- Every update sets title and description: only a real change reindexes.
CREATE TRIGGER tasks_search_update AFTER UPDATE OF title, description ON tasks
WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN
    UPDATE search_docs SET title = new.title, body = coalesce(new.description, '') WHERE object_id = new.id;
END;
CREATE TRIGGER tasks_search_delete AFTER DELETE ON tasks BEGIN
    DELETE FROM search_docs WHERE object_id = old.id;
END;
CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO search_docs (object_id, task_id, kind, title, body) VALUES (new.id, new.task_id, 'comment', '', new.content);
END;
CREATE TRIGGER comments_search_update AFTER UPDATE OF content ON comments BEGIN
    UPDATE search_docs SET body = new.content WHERE object_id = new.id;
END;
CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    DELETE FROM search_docs WHERE object_id = old.id;
END;

INSERT INTO search_docs (object_id, task_id, kind, title, body)
    SELECT id, id, 'task', title, coalesce(description, '') FROM tasks;
INSERT INTO search_docs (object_id, task_id, kind, title, body)
    SELECT id, task_id, 'comment', '', content FROM comments;
