-- 0001: the first schema. Shipped migrations are never edited; add a new file instead.
-- All times are UTC RFC 3339 text ("2026-03-05T06:30:00Z"), so they sort as text.

CREATE TABLE sources (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    tags                 TEXT NOT NULL DEFAULT '[]',       -- JSON array of strings
    created_at           TEXT NOT NULL,
    last_poll_at         TEXT,
    last_status          TEXT,                             -- ok | not_modified | failed
    last_error           TEXT,
    last_success_at      TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    etag                 TEXT,
    last_modified        TEXT,
    next_due_at          TEXT
);

CREATE TABLE polls (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    url           TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('ok', 'not_modified', 'failed')),
    http_status   INTEGER,
    bytes         INTEGER,
    posts_seen    INTEGER NOT NULL DEFAULT 0,
    posts_new     INTEGER NOT NULL DEFAULT 0,
    posts_changed INTEGER NOT NULL DEFAULT 0,
    hits_new      INTEGER NOT NULL DEFAULT 0,
    error         TEXT
);
CREATE INDEX polls_source_started ON polls(source_id, started_at);
CREATE INDEX polls_started ON polls(started_at);

CREATE TABLE snapshots (
    sha256       TEXT PRIMARY KEY,                         -- of the raw, uncompressed bytes
    url          TEXT NOT NULL,
    final_url    TEXT NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT,
    charset      TEXT,
    headers      TEXT NOT NULL,                            -- JSON array of [name, value]
    fetched_at   TEXT NOT NULL,
    size         INTEGER NOT NULL,
    stored_path  TEXT NOT NULL                             -- relative to storage.archive
);

CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    guid            TEXT NOT NULL,
    url             TEXT,
    title           TEXT,
    author          TEXT,
    published_at    TEXT,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    text_hash       TEXT NOT NULL,
    text            TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    snapshot_sha256 TEXT REFERENCES snapshots(sha256),
    UNIQUE (source_id, guid)
);

-- Every distinct text a post has had, so spans of older hits still resolve after an edit.
CREATE TABLE post_versions (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts(id),
    version    INTEGER NOT NULL,
    text_hash  TEXT NOT NULL,
    title      TEXT,
    text       TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    UNIQUE (post_id, version)
);

CREATE TABLE hits (
    id              INTEGER PRIMARY KEY,
    post_id         INTEGER NOT NULL REFERENCES posts(id),
    poll_id         INTEGER REFERENCES polls(id),
    rule            TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    owner           TEXT,
    keywords        TEXT NOT NULL,                         -- JSON array of distinct keywords
    matches         TEXT NOT NULL,                         -- JSON [{keyword, start, end}], byte spans in the post text
    snippet         TEXT NOT NULL,
    text_hash       TEXT NOT NULL,                         -- which version of the post text matched
    snapshot_sha256 TEXT REFERENCES snapshots(sha256),
    discovered_at   TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'confirmed', 'reported', 'resolved', 'dismissed')),
    reported_at     TEXT,
    resolved_at     TEXT,
    result          TEXT,
    UNIQUE (post_id, rule, text_hash)
);
CREATE INDEX hits_discovered ON hits(discovered_at);

CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    hit_id      INTEGER NOT NULL REFERENCES hits(id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    by          TEXT,
    at          TEXT NOT NULL,
    note        TEXT
);

CREATE VIEW hit_records AS
SELECT h.id, h.severity, h.rule, s.name AS source, p.title, p.url,
       p.published_at AS published, h.discovered_at AS discovered, h.reported_at AS reported,
       h.status, h.result
FROM hits h JOIN posts p ON p.id = h.post_id JOIN sources s ON s.id = p.source_id;
