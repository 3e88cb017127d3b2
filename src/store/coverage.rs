//! What a digest reads: the hits of a period and, per source, the polls that prove coverage.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::hits::{HitRecord, SELECT, row};
use super::{Store, StoreError, ts};

/// One source's polls within a period.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct SourceCoverage {
    pub name: String,
    /// Polls that ended `ok` or `not_modified`.
    pub polls_ok: i64,
    pub polls_failed: i64,
    /// Latest successful poll finished before the period's end (any time, not only in it).
    pub last_success: Option<String>,
    /// Latest failed poll before the period's end: when, and why.
    pub last_error_at: Option<String>,
    pub last_error: Option<String>,
}

impl Store {
    /// Hits discovered in `[from, to)`, oldest first.
    pub fn hits_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<HitRecord>, StoreError> {
        let sql =
            format!("{SELECT} WHERE h.discovered_at >= ?1 AND h.discovered_at < ?2 ORDER BY h.discovered_at, h.id");
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map([ts(from), ts(to)], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every known source's polls started in `[from, to)`, by name.
    pub fn coverage(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<SourceCoverage>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT s.name,
               (SELECT COUNT(*) FROM polls p WHERE p.source_id = s.id AND p.started_at >= ?1 AND p.started_at < ?2
                  AND p.outcome != 'failed'),
               (SELECT COUNT(*) FROM polls p WHERE p.source_id = s.id AND p.started_at >= ?1 AND p.started_at < ?2
                  AND p.outcome = 'failed'),
               (SELECT MAX(p.finished_at) FROM polls p WHERE p.source_id = s.id AND p.started_at < ?2
                  AND p.outcome != 'failed'),
               (SELECT p.finished_at FROM polls p WHERE p.source_id = s.id AND p.started_at < ?2
                  AND p.outcome = 'failed' ORDER BY p.started_at DESC, p.id DESC LIMIT 1),
               (SELECT p.error FROM polls p WHERE p.source_id = s.id AND p.started_at < ?2
                  AND p.outcome = 'failed' ORDER BY p.started_at DESC, p.id DESC LIMIT 1)
             FROM sources s ORDER BY s.name",
        )?;
        let rows = stmt.query_map([ts(from), ts(to)], |r| {
            Ok(SourceCoverage {
                name: r.get(0)?,
                polls_ok: r.get(1)?,
                polls_failed: r.get(2)?,
                last_success: r.get(3)?,
                last_error_at: r.get(4)?,
                last_error: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
