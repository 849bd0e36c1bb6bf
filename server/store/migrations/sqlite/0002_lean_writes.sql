-- Every page a write touches costs two write(2) calls at commit, so each
-- index on a hot table is paid on every create. Keep only those a query uses.

-- tasks_by_column (project_id, status_id, position) serves every lookup by
-- project; tasks_by_project was never chosen over it.
DROP INDEX tasks_by_project;

-- Most tasks have no parent: index only those that do. Lookups by
-- "parent_task_id = ?" (subtasks, the cascade on delete) can still use it.
DROP INDEX tasks_by_parent;
CREATE INDEX tasks_by_parent ON tasks(parent_task_id) WHERE parent_task_id IS NOT NULL;

-- The change log: a plain rowid key (no AUTOINCREMENT, which writes
-- sqlite_sequence on every insert) stays monotonic because rows are never
-- deleted from its end; readers follow the head of the log by seq, so the
-- (space_id, seq) index is not needed either.
CREATE TABLE changes_new (
    seq        INTEGER PRIMARY KEY,
    space_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO changes_new SELECT seq, space_id, kind, object_id, payload, created_at FROM changes;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
