//! SQLite: the schema, its migrations and every SQL statement trawl runs.
//!
//! [`Store`] owns one connection. The poll stage writes a whole poll through one [`PollTx`]
//! (one transaction); the CLI reads through the query functions in [`hits`]. No SQL lives
//! outside this module.

pub mod coverage;
pub mod deliveries;
mod followed;
pub mod hits;
mod migrate;
pub mod reviews;
pub mod sources;
mod write;

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Connection;

pub use followed::Followed;
pub use write::{PollStats, PollTx, PostChange, PostRow, SnapshotRow, SourceStatus};

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or its folder created.
    #[error("cannot open database '{path}': {reason}")]
    Open { path: PathBuf, reason: String },
    /// The database was written by a newer trawl.
    #[error("database '{path}' has schema version {found}, newer than this trawl knows ({known}): upgrade trawl")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    /// A statement failed.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// A connection to the trawl database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating file and folders if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |reason: String| StoreError::Open { path: path.to_path_buf(), reason };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| open_err(format!("cannot create folder '{}': {e}", dir.display())))?;
        }
        let conn = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "wal")?;
        conn.pragma_update(None, "synchronous", "normal")?;
        conn.pragma_update(None, "foreign_keys", "on")?;
        let mut store = Store { conn };
        migrate::run(&mut store.conn, path)?;
        Ok(store)
    }

    /// Starts the transaction that records one poll.
    pub fn begin_poll(&mut self) -> Result<PollTx<'_>, StoreError> {
        Ok(PollTx::new(self.conn.transaction()?))
    }

    /// Creates or updates the `sources` row for a configured source; returns its id.
    pub fn ensure_source(&mut self, name: &str, kind: &str, url: &str, tags: &[String]) -> Result<i64, StoreError> {
        let tags = serde_json::to_string(tags).expect("a list of strings always serialises");
        self.conn.execute(
            "INSERT INTO sources (name, kind, url, tags, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, url = excluded.url, tags = excluded.tags,
               etag = CASE WHEN sources.url = excluded.url THEN sources.etag END,
               last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified END",
            rusqlite::params![name, kind, url, tags, ts(Utc::now())],
        )?;
        Ok(self.conn.query_row("SELECT id FROM sources WHERE name = ?1", [name], |r| r.get(0))?)
    }

    /// The conditional-GET validators stored for a source.
    pub fn validators(&self, source_id: i64) -> Result<(Option<String>, Option<String>), StoreError> {
        Ok(self.conn.query_row("SELECT etag, last_modified FROM sources WHERE id = ?1", [source_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
    }

    /// Sets when a source is next due (`None`: as soon as the daemon starts).
    pub fn set_next_due(&mut self, source_id: i64, due: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE sources SET next_due_at = ?2 WHERE id = ?1", rusqlite::params![source_id, due.map(ts)])?;
        Ok(())
    }

    /// When a source is next due, as last recorded.
    pub fn next_due(&self, source_id: i64) -> Result<Option<DateTime<Utc>>, StoreError> {
        let s: Option<String> =
            self.conn.query_row("SELECT next_due_at FROM sources WHERE id = ?1", [source_id], |r| r.get(0))?;
        Ok(s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|t| t.with_timezone(&Utc)))
    }

    /// The underlying connection, for the query modules.
    fn conn(&self) -> &Connection {
        &self.conn
    }

    fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Formats a time the way every column stores it: UTC, RFC 3339, whole seconds.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
