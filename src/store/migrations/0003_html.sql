-- 0003: html sources. Shipped migrations are never edited; add a new file instead.

-- The floor (1 = opening post) of a forum reply; NULL for everything else.
ALTER TABLE posts ADD COLUMN floor INTEGER;

-- Pages an html source followed from its list page (articles and forum threads), so the next
-- poll re-reads only what changed: an article when its list entry changed, a thread from the
-- last page read, skipping floors already seen, or not at all when its reply count is unchanged.
CREATE TABLE followed (
    source_id             INTEGER NOT NULL REFERENCES sources(id),
    url                   TEXT NOT NULL,                   -- the link on the list page
    item_hash             TEXT,                            -- SHA-256 of the list entry as last seen
    reply_count           INTEGER,                         -- from the board's 'replies' selector
    last_floor            INTEGER,                         -- highest floor stored
    last_page_url         TEXT,                            -- last thread page read
    last_page_first_floor INTEGER,                         -- floor number of its first reply
    updated_at            TEXT NOT NULL,
    PRIMARY KEY (source_id, url)
);
