-- Outbound webhooks: a space's subscriptions, and the outbox of deliveries
-- to them. A delivery is written in the transaction of the change it
-- reports, so a change and its deliveries commit (or vanish) together; a
-- worker sends them afterwards, in seq order per subscription.
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    space_id        TEXT NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
    project_id      TEXT REFERENCES projects(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,
    description     TEXT,
    -- The signing key. Kept as it is (not hashed): the worker signs with it.
    secret          TEXT NOT NULL,
    owner_id        TEXT NOT NULL REFERENCES users(id),
    failing_since   TEXT,
    disabled_at     TEXT,
    disabled_reason TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX webhooks_by_space ON webhooks(space_id);

CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    give_up_at      TEXT NOT NULL,
    leased_until    TEXT,
    lease           TEXT,
    last_attempt_at TEXT,
    response_code   INTEGER,
    duration_ms     INTEGER,
    error           TEXT,
    created_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, seq);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(webhook_id, seq) WHERE state = 'pending';
