//! Source health for `trawl sources`: the status columns of `sources` plus recent poll counts.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Store, StoreError, ts};

/// One source's health as recorded.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SourceHealth {
    pub name: String,
    pub kind: String,
    pub url: String,
    pub last_poll_at: Option<String>,
    /// `ok`, `not_modified` or `failed`; `None` if never polled.
    pub last_status: Option<String>,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub consecutive_failures: i64,
    pub next_due_at: Option<String>,
    /// Polls in the 24 hours before `now`, and how many of them failed.
    pub polls_24h: i64,
    pub failed_24h: i64,
}

impl Store {
    /// Health of the sources named `names`, in that order; a source never seen has an empty record.
    pub fn source_health(&self, names: &[String], now: DateTime<Utc>) -> Result<Vec<Option<SourceHealth>>, StoreError> {
        let since = ts(now - chrono::Duration::hours(24));
        let mut stmt = self.conn().prepare(
            "SELECT s.name, s.kind, s.url, s.last_poll_at, s.last_status, s.last_success_at, s.last_error,
                    s.consecutive_failures, s.next_due_at,
                    (SELECT COUNT(*) FROM polls p WHERE p.source_id = s.id AND p.started_at >= ?2),
                    (SELECT COUNT(*) FROM polls p WHERE p.source_id = s.id AND p.started_at >= ?2 AND p.outcome = 'failed')
             FROM sources s WHERE s.name = ?1",
        )?;
        names
            .iter()
            .map(|n| {
                let mut rows = stmt.query(rusqlite::params![n, since])?;
                let Some(r) = rows.next()? else { return Ok(None) };
                Ok(Some(SourceHealth {
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    url: r.get(2)?,
                    last_poll_at: r.get(3)?,
                    last_status: r.get(4)?,
                    last_success_at: r.get(5)?,
                    last_error: r.get(6)?,
                    consecutive_failures: r.get(7)?,
                    next_due_at: r.get(8)?,
                    polls_24h: r.get(9)?,
                    failed_24h: r.get(10)?,
                }))
            })
            .collect()
    }
}
