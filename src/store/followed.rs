//! What an html source followed before (`followed` table): read when a poll is planned, written
//! in the poll's transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{PollTx, Store, StoreError, ts};

/// A followed article or thread as last seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Followed {
    pub url: String,
    pub item_hash: Option<String>,
    pub reply_count: Option<u64>,
    pub last_floor: Option<u64>,
    pub last_page_url: Option<String>,
    pub last_page_first_floor: Option<u64>,
}

impl Store {
    /// Everything `source_id` followed before, by URL.
    pub fn followed(&self, source_id: i64) -> Result<HashMap<String, Followed>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT url, item_hash, reply_count, last_floor, last_page_url, last_page_first_floor
             FROM followed WHERE source_id = ?1",
        )?;
        let rows = stmt.query_map([source_id], |r| {
            Ok(Followed {
                url: r.get(0)?,
                item_hash: r.get(1)?,
                reply_count: r.get::<_, Option<i64>>(2)?.map(|n| n as u64),
                last_floor: r.get::<_, Option<i64>>(3)?.map(|n| n as u64),
                last_page_url: r.get(4)?,
                last_page_first_floor: r.get::<_, Option<i64>>(5)?.map(|n| n as u64),
            })
        })?;
        rows.map(|f| f.map(|f| (f.url.clone(), f)).map_err(StoreError::from)).collect()
    }
}

impl PollTx<'_> {
    /// Records what a poll followed, replacing the previous row.
    pub fn put_followed(&self, source_id: i64, f: &Followed, now: DateTime<Utc>) -> Result<(), StoreError> {
        let n = |v: Option<u64>| v.map(|n| n as i64);
        self.tx().execute(
            "INSERT OR REPLACE INTO followed
               (source_id, url, item_hash, reply_count, last_floor, last_page_url, last_page_first_floor, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                source_id,
                f.url,
                f.item_hash,
                n(f.reply_count),
                n(f.last_floor),
                f.last_page_url,
                n(f.last_page_first_floor),
                ts(now)
            ],
        )?;
        Ok(())
    }
}
