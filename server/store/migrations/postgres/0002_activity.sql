-- Each task's history: who did what to it, and when. A row is written in
-- the transaction of the change, with the change log's sequence number,
-- and kept while the task (or its trash entry) lives: the change log
-- itself is pruned after a week.
CREATE TABLE activity (
    seq        BIGINT PRIMARY KEY,
    task_id    TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    actor_id   TEXT COLLATE "C",
    changes    TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX activity_by_task ON activity(task_id, seq);
