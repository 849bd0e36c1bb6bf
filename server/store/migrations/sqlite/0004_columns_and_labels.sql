-- Columns people shape themselves: a work-in-progress limit per column
-- (NULL: none).
ALTER TABLE statuses ADD COLUMN wip_limit INTEGER;

-- A project's labels. A name is unique in its project whatever its case
-- (lower() folds ASCII; the store compares the rest itself).
CREATE TABLE labels (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    color      TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX labels_by_name ON labels(project_id, lower(name));

-- The labels on each task. Deleting a label takes it off its tasks in the
-- same transaction (the store does, so each task's version moves); the
-- cascades only tidy up behind a deleted task or project.
CREATE TABLE task_labels (
    task_id  TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);
CREATE INDEX task_labels_by_label ON task_labels(label_id);
