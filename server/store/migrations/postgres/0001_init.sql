-- The lanes task server's schema on PostgreSQL: the same tables, columns
-- and meanings as the SQLite schema after its migrations, so the store's
-- queries are written once for both. Times are TEXT in the API's own
-- format (UTC, millisecond precision, "Z"), so rows are sent as they are
-- read; flags are INTEGER 0 or 1, as in SQLite. Every text column compares
-- by bytes (COLLATE "C"), as SQLite's do: positions and names must sort the
-- same whatever the database's locale.

CREATE TABLE users (
    id         TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE,
    email      TEXT COLLATE "C",
    is_local   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE tokens (
    id           TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label        TEXT COLLATE "C" NOT NULL DEFAULT '',
    hash         BYTEA NOT NULL UNIQUE,
    created_at   TEXT COLLATE "C" NOT NULL,
    last_used_at TEXT COLLATE "C",
    revoked_at   TEXT COLLATE "C"
);
CREATE INDEX tokens_by_user ON tokens(user_id);

CREATE TABLE spaces (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    slug        TEXT COLLATE "C" NOT NULL UNIQUE,
    description TEXT COLLATE "C",
    color       TEXT COLLATE "C",
    is_personal INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE members (
    space_id  TEXT COLLATE "C" NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    user_id   TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role      TEXT COLLATE "C" NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    joined_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (space_id, user_id)
);
CREATE INDEX members_by_user ON members(user_id);

CREATE TABLE projects (
    id           TEXT COLLATE "C" PRIMARY KEY,
    space_id     TEXT COLLATE "C" NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    slug         TEXT COLLATE "C" NOT NULL,
    description  TEXT COLLATE "C",
    default_view TEXT COLLATE "C" NOT NULL DEFAULT 'kanban',
    color        TEXT COLLATE "C",
    is_archived  INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT COLLATE "C" NOT NULL,
    updated_at   TEXT COLLATE "C" NOT NULL,
    UNIQUE (space_id, slug)
);

CREATE TABLE statuses (
    id         TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       TEXT COLLATE "C" NOT NULL,
    color      TEXT COLLATE "C",
    position   INTEGER NOT NULL,
    is_done    INTEGER NOT NULL DEFAULT 0,
    wip_limit  INTEGER
);
CREATE INDEX statuses_by_project ON statuses(project_id, position);

CREATE TABLE tasks (
    id               TEXT COLLATE "C" PRIMARY KEY,
    project_id       TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    status_id        TEXT COLLATE "C" REFERENCES statuses(id) ON DELETE SET NULL,
    parent_task_id   TEXT COLLATE "C" REFERENCES tasks(id) ON DELETE CASCADE,
    title            TEXT COLLATE "C" NOT NULL,
    description      TEXT COLLATE "C",
    priority         TEXT COLLATE "C" NOT NULL DEFAULT 'none'
                     CHECK (priority IN ('none', 'low', 'medium', 'high', 'urgent')),
    due_date         TEXT COLLATE "C",
    completed_at     TEXT COLLATE "C",
    is_archived      INTEGER NOT NULL DEFAULT 0,
    estimated_hours  DOUBLE PRECISION,
    position         TEXT COLLATE "C" NOT NULL,
    creator_id       TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    comment_count    INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT COLLATE "C" NOT NULL,
    updated_at       TEXT COLLATE "C" NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    reopen_status_id TEXT COLLATE "C" REFERENCES statuses(id) ON DELETE SET NULL
);
CREATE INDEX tasks_by_column ON tasks(project_id, status_id, position);
CREATE INDEX tasks_by_parent ON tasks(parent_task_id) WHERE parent_task_id IS NOT NULL;
-- PostgreSQL, unlike SQLite, indexes no foreign key by itself: these keep
-- deleting a column, a user or a reopen target from scanning every task.
CREATE INDEX tasks_by_status ON tasks(status_id);
CREATE INDEX tasks_by_reopen ON tasks(reopen_status_id) WHERE reopen_status_id IS NOT NULL;
CREATE INDEX tasks_by_creator ON tasks(creator_id);

CREATE TABLE task_assignees (
    task_id     TEXT COLLATE "C" NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assigned_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX task_assignees_by_user ON task_assignees(user_id);

CREATE TABLE comments (
    id         TEXT COLLATE "C" PRIMARY KEY,
    task_id    TEXT COLLATE "C" NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    author_id  TEXT COLLATE "C" NOT NULL REFERENCES users(id),
    content    TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX comments_by_task ON comments(task_id, created_at);
CREATE INDEX comments_by_author ON comments(author_id);

-- Every change, in the transaction that made it: the live feed reads this.
-- seq comes from the database; write transactions run one at a time (an
-- advisory lock), so sequence numbers commit in order.
CREATE TABLE changes (
    seq        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    space_id   TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    object_id  TEXT COLLATE "C" NOT NULL,
    payload    TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);

-- Responses to writes sent with an Idempotency-Key, kept for 24 hours.
CREATE TABLE idempotency (
    token_id     TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    request_hash BYTEA NOT NULL,
    status       INTEGER NOT NULL,
    body         BYTEA NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (token_id, key)
);
CREATE INDEX idempotency_by_age ON idempotency(created_at);

-- A deleted task, kept for 30 days so it can be restored.
CREATE TABLE trash (
    task_id    TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT COLLATE "C" NOT NULL,
    space_id   TEXT COLLATE "C" NOT NULL,
    deleted_at TEXT COLLATE "C" NOT NULL,
    snapshot   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX trash_by_age ON trash(deleted_at);

CREATE TABLE labels (
    id         TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name       TEXT COLLATE "C" NOT NULL,
    color      TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX labels_by_name ON labels(project_id, lower(name));

CREATE TABLE task_labels (
    task_id  TEXT COLLATE "C" NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    label_id TEXT COLLATE "C" NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);
CREATE INDEX task_labels_by_label ON task_labels(label_id);
