//! Review steps: a hit's status changes, each recorded in the append-only `reviews` log in the
//! same transaction.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError, ts};

/// One recorded review step.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Review {
    pub from_status: String,
    pub to_status: String,
    pub by: Option<String>,
    pub at: String,
    pub note: Option<String>,
}

/// What a review step asks for.
#[derive(Debug, Clone)]
pub struct ReviewStep<'a> {
    pub hit_id: i64,
    /// The status the reviewer saw; the step applies only if the hit still has it.
    pub from: &'a str,
    pub to: &'a str,
    pub by: Option<&'a str>,
    pub note: Option<&'a str>,
    /// Outcome recorded on the hit (`hits.result`), e.g. when resolving.
    pub result: Option<&'a str>,
    pub at: DateTime<Utc>,
}

impl Store {
    /// The current review status of a hit, if it exists.
    pub fn hit_status(&self, hit_id: i64) -> Result<Option<String>, StoreError> {
        Ok(self.conn().query_row("SELECT status FROM hits WHERE id = ?1", [hit_id], |r| r.get(0)).optional()?)
    }

    /// Applies a review step and logs it, atomically; false if the hit's status changed meanwhile.
    pub fn review(&mut self, s: &ReviewStep) -> Result<bool, StoreError> {
        let tx = self.conn_mut().transaction()?;
        let at = ts(s.at);
        let n = tx.execute(
            "UPDATE hits SET status = ?3,
               reported_at = CASE WHEN ?3 = 'reported' THEN ?4 ELSE reported_at END,
               resolved_at = CASE WHEN ?3 IN ('resolved', 'dismissed') THEN ?4 ELSE resolved_at END,
               result = COALESCE(?5, result)
             WHERE id = ?1 AND status = ?2",
            params![s.hit_id, s.from, s.to, at, s.result],
        )?;
        if n == 0 {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO reviews (hit_id, from_status, to_status, by, at, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![s.hit_id, s.from, s.to, s.by, at, s.note],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Every review step of a hit, oldest first.
    pub fn reviews(&self, hit_id: i64) -> Result<Vec<Review>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT from_status, to_status, by, at, note FROM reviews WHERE hit_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([hit_id], |r| {
            Ok(Review { from_status: r.get(0)?, to_status: r.get(1)?, by: r.get(2)?, at: r.get(3)?, note: r.get(4)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
