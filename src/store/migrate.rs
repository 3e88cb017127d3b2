//! Append-only migrations, each in its own transaction, version kept in `PRAGMA user_version`.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Every migration in order; index + 1 is the schema version it brings the database to.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_deliveries.sql"),
    include_str!("migrations/0003_html.sql"),
];

pub fn run(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::TooNew { path: path.to_path_buf(), found: current, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "database migrated");
    }
    Ok(())
}
