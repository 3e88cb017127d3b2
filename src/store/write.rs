//! Writing one poll: every row a poll produces goes through one [`PollTx`], one transaction.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{StoreError, ts};
use crate::rules::KeywordMatch;

/// A post as the poll stage hands it over.
#[derive(Debug, Clone)]
pub struct PostRow<'a> {
    pub guid: &'a str,
    pub url: Option<&'a str>,
    pub title: Option<&'a str>,
    pub author: Option<&'a str>,
    pub published_at: Option<DateTime<Utc>>,
    pub text: &'a str,
    pub text_hash: &'a str,
    /// A forum reply's floor (1 = opening post).
    pub floor: Option<u64>,
}

/// What storing a post found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostChange {
    /// First time this post was seen.
    New,
    /// Seen before with different text; the new text was stored.
    Changed,
    /// Seen before with the same text.
    Unchanged,
}

/// Fetch metadata of a snapshot; the blob itself is in the archive.
#[derive(Debug, Clone)]
pub struct SnapshotRow<'a> {
    pub sha256: &'a str,
    pub url: &'a str,
    pub final_url: &'a str,
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub charset: Option<&'a str>,
    pub headers: &'a [(String, String)],
    pub fetched_at: DateTime<Utc>,
    pub size: u64,
    pub stored_path: &'a str,
}

/// Counters and outcome of a finished poll.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollStats {
    pub http_status: Option<u16>,
    pub bytes: Option<u64>,
    pub posts_seen: u64,
    pub posts_new: u64,
    pub posts_changed: u64,
    pub hits_new: u64,
}

/// How the poll ended, for the `polls` and `sources` rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceStatus {
    Ok { etag: Option<String>, last_modified: Option<String> },
    NotModified,
    Failed { error: String },
}

impl SourceStatus {
    fn as_str(&self) -> &'static str {
        match self {
            SourceStatus::Ok { .. } => "ok",
            SourceStatus::NotModified => "not_modified",
            SourceStatus::Failed { .. } => "failed",
        }
    }
}

/// The transaction of one poll. Dropping it without [`PollTx::commit`] writes nothing.
pub struct PollTx<'c> {
    tx: Transaction<'c>,
}

impl<'c> PollTx<'c> {
    pub(super) fn new(tx: Transaction<'c>) -> Self {
        PollTx { tx }
    }

    pub(super) fn tx(&self) -> &Transaction<'c> {
        &self.tx
    }

    /// The open transaction, for the other write modules of `store` (deliveries).
    pub(super) fn sql(&self) -> &rusqlite::Connection {
        &self.tx
    }

    /// Inserts the poll row (finished later by [`PollTx::finish_poll`]); returns its id.
    pub fn start_poll(&self, source_id: i64, url: &str, started_at: DateTime<Utc>) -> Result<i64, StoreError> {
        self.tx.execute(
            "INSERT INTO polls (source_id, url, started_at, finished_at, outcome) VALUES (?1, ?2, ?3, ?3, 'failed')",
            params![source_id, url, ts(started_at)],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Stores a post: inserts it, updates it if its text changed, or just marks it seen.
    pub fn upsert_post(
        &self,
        source_id: i64,
        p: &PostRow,
        now: DateTime<Utc>,
    ) -> Result<(i64, PostChange), StoreError> {
        let now = ts(now);
        let existing: Option<(i64, String, i64)> = self
            .tx
            .query_row(
                "SELECT id, text_hash, version FROM posts WHERE source_id = ?1 AND guid = ?2",
                params![source_id, p.guid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let published = p.published_at.map(ts);
        let floor = p.floor.map(|f| f as i64);
        let (id, version, change) = match existing {
            Some((id, hash, _)) if hash == p.text_hash => {
                self.tx.execute("UPDATE posts SET last_seen = ?2 WHERE id = ?1", params![id, now])?;
                return Ok((id, PostChange::Unchanged));
            }
            Some((id, _, version)) => {
                self.tx.execute(
                    "UPDATE posts SET url = ?2, title = ?3, author = ?4, published_at = COALESCE(?5, published_at),
                       last_seen = ?6, text_hash = ?7, text = ?8, version = ?9, floor = ?10 WHERE id = ?1",
                    params![id, p.url, p.title, p.author, published, now, p.text_hash, p.text, version + 1, floor],
                )?;
                (id, version + 1, PostChange::Changed)
            }
            None => {
                self.tx.execute(
                    "INSERT INTO posts (source_id, guid, url, title, author, published_at, first_seen, last_seen, text_hash, text, floor)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10)",
                    params![source_id, p.guid, p.url, p.title, p.author, published, now, p.text_hash, p.text, floor],
                )?;
                (self.tx.last_insert_rowid(), 1, PostChange::New)
            }
        };
        self.tx.execute(
            "INSERT INTO post_versions (post_id, version, text_hash, title, text, seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, version, p.text_hash, p.title, p.text, now],
        )?;
        Ok((id, change))
    }

    /// Records a snapshot's metadata (once per SHA-256) and links it to the post.
    pub fn put_snapshot(&self, s: &SnapshotRow) -> Result<(), StoreError> {
        let headers = serde_json::to_string(s.headers).expect("string pairs always serialise");
        self.tx.execute(
            "INSERT OR IGNORE INTO snapshots (sha256, url, final_url, status, content_type, charset, headers, fetched_at, size, stored_path)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![s.sha256, s.url, s.final_url, s.status, s.content_type, s.charset, headers, ts(s.fetched_at), s.size as i64, s.stored_path],
        )?;
        Ok(())
    }

    /// Points a post at the snapshot its current text came from.
    pub fn link_snapshot(&self, post_id: i64, sha256: &str) -> Result<(), StoreError> {
        self.tx.execute("UPDATE posts SET snapshot_sha256 = ?2 WHERE id = ?1", params![post_id, sha256])?;
        Ok(())
    }

    /// Inserts a hit unless this rule already hit this version of the post; true if inserted.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_hit(
        &self,
        post_id: i64,
        poll_id: i64,
        rule: &str,
        severity: &str,
        owner: Option<&str>,
        matches: &[KeywordMatch],
        snippet: &str,
        text_hash: &str,
        snapshot: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut keywords: Vec<&str> = Vec::new();
        for m in matches {
            if !keywords.contains(&m.keyword.as_str()) {
                keywords.push(&m.keyword);
            }
        }
        let n = self.tx.execute(
            "INSERT OR IGNORE INTO hits (post_id, poll_id, rule, severity, owner, keywords, matches, snippet, text_hash, snapshot_sha256, discovered_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                post_id,
                poll_id,
                rule,
                severity,
                owner,
                serde_json::to_string(&keywords).expect("strings serialise"),
                serde_json::to_string(matches).expect("matches serialise"),
                snippet,
                text_hash,
                snapshot,
                ts(now)
            ],
        )?;
        Ok(n == 1)
    }

    /// Completes the poll row and the source's status columns.
    pub fn finish_poll(
        &self,
        poll_id: i64,
        source_id: i64,
        status: &SourceStatus,
        stats: &PollStats,
        finished: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let error = match status {
            SourceStatus::Failed { error } => Some(error.as_str()),
            _ => None,
        };
        let finished = ts(finished);
        self.tx.execute(
            "UPDATE polls SET finished_at = ?2, outcome = ?3, http_status = ?4, bytes = ?5, posts_seen = ?6, posts_new = ?7,
               posts_changed = ?8, hits_new = ?9, error = ?10 WHERE id = ?1",
            params![
                poll_id,
                finished,
                status.as_str(),
                stats.http_status,
                stats.bytes.map(|b| b as i64),
                stats.posts_seen as i64,
                stats.posts_new as i64,
                stats.posts_changed as i64,
                stats.hits_new as i64,
                error
            ],
        )?;
        match status {
            SourceStatus::Failed { error } => self.tx.execute(
                "UPDATE sources SET last_poll_at = ?2, last_status = 'failed', last_error = ?3,
                   consecutive_failures = consecutive_failures + 1 WHERE id = ?1",
                params![source_id, finished, error],
            )?,
            SourceStatus::NotModified => self.tx.execute(
                "UPDATE sources SET last_poll_at = ?2, last_status = 'not_modified', last_error = NULL,
                   last_success_at = ?2, consecutive_failures = 0 WHERE id = ?1",
                params![source_id, finished],
            )?,
            SourceStatus::Ok { etag, last_modified } => self.tx.execute(
                "UPDATE sources SET last_poll_at = ?2, last_status = 'ok', last_error = NULL, last_success_at = ?2,
                   consecutive_failures = 0, etag = ?3, last_modified = ?4 WHERE id = ?1",
                params![source_id, finished, etag, last_modified],
            )?,
        };
        Ok(())
    }

    /// Makes everything written through this transaction durable.
    pub fn commit(self) -> Result<(), StoreError> {
        self.tx.commit()?;
        Ok(())
    }
}
