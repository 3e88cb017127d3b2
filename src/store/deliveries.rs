//! The delivery outbox (`deliveries`), scheduled-digest state (`digest_runs`) and the
//! source-down flag: enqueued inside the transaction that decides a message, claimed and
//! settled by the delivery worker.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::hits::{HitRecord, SELECT, row};
use super::{PollTx, Store, StoreError, ts};

/// A message for one channel, about to be enqueued.
#[derive(Debug, Clone, Default)]
pub struct NewDelivery {
    /// `digest`, `alert`, `source-down` or `recovered`.
    pub kind: String,
    pub channel: String,
    /// Unique per (message, channel); enqueueing the same key twice is a no-op.
    pub idempotency_key: String,
    pub subject: String,
    /// The rendered message, JSON.
    pub payload: String,
    pub poll_id: Option<i64>,
    pub source_id: Option<i64>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
}

/// A row of the outbox, as `trawl deliveries` lists it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub kind: String,
    pub channel: String,
    pub idempotency_key: String,
    pub subject: String,
    #[serde(skip)]
    pub payload: String,
    pub status: String,
    pub created_at: String,
    pub next_attempt_at: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
}

const COLUMNS: &str = "id, kind, channel, idempotency_key, subject, payload, status, created_at, next_attempt_at,
    attempts, last_error, sent_at";

fn delivery(r: &rusqlite::Row) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        kind: r.get(1)?,
        channel: r.get(2)?,
        idempotency_key: r.get(3)?,
        subject: r.get(4)?,
        payload: r.get(5)?,
        status: r.get(6)?,
        created_at: r.get(7)?,
        next_attempt_at: r.get(8)?,
        attempts: r.get(9)?,
        last_error: r.get(10)?,
        sent_at: r.get(11)?,
    })
}

fn insert(conn: &Connection, d: &NewDelivery, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO deliveries (kind, channel, idempotency_key, subject, payload, created_at,
           next_attempt_at, poll_id, source_id, period_start, period_end)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10)",
        params![
            d.kind,
            d.channel,
            d.idempotency_key,
            d.subject,
            d.payload,
            ts(now),
            d.poll_id,
            d.source_id,
            d.period_start,
            d.period_end
        ],
    )?;
    Ok(n == 1)
}

/// A source's failure state after a poll, for source-down alerts.
#[derive(Debug, Clone)]
pub struct DownState {
    pub name: String,
    pub consecutive_failures: i64,
    pub last_error: Option<String>,
    /// Start of the earliest failed poll since the last success.
    pub failing_since: Option<String>,
    pub down_alerted_at: Option<String>,
}

impl PollTx<'_> {
    /// Enqueues a delivery in this poll's transaction; false if its key was already there.
    pub fn enqueue(&self, d: &NewDelivery, now: DateTime<Utc>) -> Result<bool, StoreError> {
        insert(self.sql(), d, now)
    }

    /// The hits this poll inserted (a hit belongs to the poll that first found it).
    pub fn poll_hits(&self, poll_id: i64) -> Result<Vec<HitRecord>, StoreError> {
        let mut stmt = self.sql().prepare(&format!("{SELECT} WHERE h.poll_id = ?1 ORDER BY h.id"))?;
        let rows = stmt.query_map([poll_id], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn down_state(&self, source_id: i64) -> Result<DownState, StoreError> {
        Ok(self.sql().query_row(
            "SELECT s.name, s.consecutive_failures, s.last_error,
               (SELECT MIN(p.started_at) FROM polls p WHERE p.source_id = s.id AND p.outcome = 'failed'
                  AND p.started_at >= COALESCE(s.last_success_at, '')),
               s.down_alerted_at
             FROM sources s WHERE s.id = ?1",
            [source_id],
            |r| {
                Ok(DownState {
                    name: r.get(0)?,
                    consecutive_failures: r.get(1)?,
                    last_error: r.get(2)?,
                    failing_since: r.get(3)?,
                    down_alerted_at: r.get(4)?,
                })
            },
        )?)
    }

    pub fn set_down_alerted(&self, source_id: i64, at: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        self.sql().execute("UPDATE sources SET down_alerted_at = ?2 WHERE id = ?1", params![source_id, at.map(ts)])?;
        Ok(())
    }
}

impl Store {
    /// The end of the period the last digest called `name` covered, if any.
    pub fn digest_period_end(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT period_end FROM digest_runs WHERE name = ?1", [name], |r| r.get(0))
            .optional()?)
    }

    /// Starts tracking digest `name`: its first period begins at `at`.
    pub fn init_digest_run(&self, name: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn()
            .execute("INSERT OR IGNORE INTO digest_runs (name, period_end) VALUES (?1, ?2)", params![name, ts(at)])?;
        Ok(())
    }

    /// Records that digest `name` fired at `fire`, covering up to `period_end`, and enqueues its
    /// deliveries — all in one transaction, so a crash neither loses nor repeats it.
    pub fn record_digest(
        &mut self,
        name: Option<&str>,
        fire: DateTime<Utc>,
        period_end: DateTime<Utc>,
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        for d in deliveries {
            n += usize::from(insert(&tx, d, now)?);
        }
        if let Some(name) = name {
            tx.execute(
                "INSERT INTO digest_runs (name, period_end, last_fire) VALUES (?1, ?2, ?3)
                 ON CONFLICT(name) DO UPDATE SET period_end = excluded.period_end, last_fire = excluded.last_fire",
                params![name, ts(period_end), ts(fire)],
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Claims up to `limit` pending deliveries that are due, leasing each until `lease_until`
    /// so another worker (daemon and `trawl once` at the same time) does not send it too.
    pub fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2"
        ))?;
        let due: Vec<Delivery> = stmt.query_map(params![ts(now), limit as i64], delivery)?.collect::<Result<_, _>>()?;
        let mut claimed = Vec::new();
        for d in due {
            let n = self.conn().execute(
                "UPDATE deliveries SET next_attempt_at = ?3 WHERE id = ?1 AND next_attempt_at = ?2 AND status = 'pending'",
                params![d.id, d.next_attempt_at, ts(lease_until)],
            )?;
            if n == 1 {
                claimed.push(d);
            }
        }
        Ok(claimed)
    }

    pub fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE deliveries SET status = 'sent', sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
            params![id, ts(now)],
        )?;
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or given up (`failed`) when `None`.
    pub fn mark_attempt_failed(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        let (status, next) = match retry_at {
            Some(t) => ("pending", Some(ts(t))),
            None => ("failed", None),
        };
        self.conn().execute(
            "UPDATE deliveries SET status = ?2, next_attempt_at = COALESCE(?3, next_attempt_at),
               attempts = attempts + 1, last_error = ?4 WHERE id = ?1",
            params![id, status, next, error],
        )?;
        Ok(())
    }

    /// Every delivery (or those in `status`), newest first.
    pub fn list_deliveries(&self, status: Option<&str>) -> Result<Vec<Delivery>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM deliveries WHERE ?1 IS NULL OR status = ?1 ORDER BY id DESC"))?;
        let rows = stmt.query_map([status], delivery)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deliveries that have not gone out although they were tried: given up, or still retrying.
    pub fn undelivered(&self) -> Result<Vec<Delivery>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE status = 'failed' OR (status = 'pending' AND attempts > 0) ORDER BY id"
        ))?;
        let rows = stmt.query_map([], delivery)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Makes a delivery (or every unsent one when `id` is `None`) due now, with a fresh count of
    /// attempts; returns how many were reset.
    pub fn retry_deliveries(&self, id: Option<i64>, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?2
             WHERE status != 'sent' AND (?1 IS NULL OR id = ?1)",
            params![id, ts(now)],
        )?)
    }
}
