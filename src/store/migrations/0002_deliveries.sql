-- 0002: the delivery outbox for digests and alerts, scheduled-digest state, source-down state.

-- One row per (message, channel). Written in the same transaction that decides the message;
-- sent later by the delivery worker. `idempotency_key` is unique, so deciding twice never
-- enqueues twice, and it travels with the message (webhook body, mail Message-ID) so a receiver
-- can drop the rare duplicate that at-least-once delivery allows.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('digest', 'alert', 'source-down', 'recovered')),
    channel         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    subject         TEXT NOT NULL,
    payload         TEXT NOT NULL,                        -- JSON: the rendered message
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,                        -- also a claim lease while sending
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         TEXT,
    poll_id         INTEGER REFERENCES polls(id),
    source_id       INTEGER REFERENCES sources(id),
    period_start    TEXT,
    period_end      TEXT
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);

-- Scheduled digests: the end of the period the last digest of each name covered.
CREATE TABLE digest_runs (
    name        TEXT PRIMARY KEY,
    period_end  TEXT NOT NULL,
    last_fire   TEXT
);

-- Set when a "source down" alert went out; cleared (with a "recovered" alert) on success.
ALTER TABLE sources ADD COLUMN down_alerted_at TEXT;
