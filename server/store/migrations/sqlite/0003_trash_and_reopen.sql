-- A deleted task is kept for 30 days so it can be restored: one row per
-- DELETE holding the task and its subtasks, their comments and assignees
-- as they were (JSON). Nothing in the live tables changes, so neither do
-- their queries.
CREATE TABLE trash (
    task_id    TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    space_id   TEXT NOT NULL,
    deleted_at TEXT NOT NULL,
    snapshot   TEXT NOT NULL
);
CREATE INDEX trash_by_age ON trash(deleted_at);

-- The open column a done task was completed from: reopening it puts it
-- back there. Forgotten with the column.
ALTER TABLE tasks ADD COLUMN reopen_status_id TEXT REFERENCES statuses(id) ON DELETE SET NULL;
