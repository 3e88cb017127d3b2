//! Reading hits back for people: filters, and one record per hit with everything a reviewer reads.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use serde::Serialize;

use super::{Store, StoreError, ts};
use crate::rules::KeywordMatch;

/// Which hits to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct HitFilter {
    /// Only hits discovered at or after this time.
    pub since: Option<DateTime<Utc>>,
    pub rules: Vec<String>,
    pub sources: Vec<String>,
    pub statuses: Vec<String>,
    /// Only hits at or above this severity (`low` < `medium` < `high` < `critical`).
    pub min_severity: Option<crate::rules::Severity>,
    pub limit: Option<u64>,
}

/// A hit as `trawl hits list` shows it; the JSON field names are a stable interface.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HitRecord {
    pub id: i64,
    pub rule: String,
    pub severity: String,
    pub owner: Option<String>,
    pub source: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<String>,
    pub discovered_at: String,
    pub status: String,
    pub keywords: Vec<String>,
    /// Every keyword occurrence with its byte span in the post text that matched.
    pub matches: Vec<KeywordMatch>,
    pub snippet: String,
    pub snapshot_sha256: Option<String>,
    pub post_id: i64,
}

pub(super) const SELECT: &str =
    "SELECT h.id, h.rule, h.severity, h.owner, s.name, p.url, p.title, p.author, p.published_at,
        h.discovered_at, h.status, h.keywords, h.matches, h.snippet, h.snapshot_sha256, h.post_id
    FROM hits h JOIN posts p ON p.id = h.post_id JOIN sources s ON s.id = p.source_id";

fn severity_rank_sql() -> &'static str {
    "CASE h.severity WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE 3 END"
}

impl Store {
    /// Hits matching `f`, oldest first.
    pub fn list_hits(&self, f: &HitFilter) -> Result<Vec<HitRecord>, StoreError> {
        let mut sql = format!("{SELECT} WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(since) = f.since {
            args.push(Value::Text(ts(since)));
            sql += &format!(" AND h.discovered_at >= ?{}", args.len());
        }
        for (col, values) in [("h.rule", &f.rules), ("s.name", &f.sources), ("h.status", &f.statuses)] {
            if values.is_empty() {
                continue;
            }
            let start = args.len();
            args.extend(values.iter().map(|v| Value::Text(v.clone())));
            let marks: Vec<String> = (start + 1..=args.len()).map(|i| format!("?{i}")).collect();
            sql += &format!(" AND {col} IN ({})", marks.join(", "));
        }
        if let Some(min) = f.min_severity {
            sql += &format!(" AND {} >= {}", severity_rank_sql(), min as i64);
        }
        sql += " ORDER BY h.discovered_at, h.id";
        if let Some(n) = f.limit {
            sql += &format!(" LIMIT {n}");
        }
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One hit by id.
    pub fn hit(&self, id: i64) -> Result<Option<HitRecord>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self.conn().query_row(&format!("{SELECT} WHERE h.id = ?1"), [id], row).optional()?)
    }
}

pub(super) fn row(r: &rusqlite::Row) -> rusqlite::Result<HitRecord> {
    let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    Ok(HitRecord {
        id: r.get(0)?,
        rule: r.get(1)?,
        severity: r.get(2)?,
        owner: r.get(3)?,
        source: r.get(4)?,
        url: r.get(5)?,
        title: r.get(6)?,
        author: r.get(7)?,
        published_at: r.get(8)?,
        discovered_at: r.get(9)?,
        status: r.get(10)?,
        keywords: serde_json::from_str(&json(11)?).unwrap_or_default(),
        matches: serde_json::from_str(&json(12)?).unwrap_or_default(),
        snippet: r.get(13)?,
        snapshot_sha256: r.get(14)?,
        post_id: r.get(15)?,
    })
}
