//! The daemon's single database writer: a dedicated thread that owns the SQLite connection and
//! handles one message at a time, so blocking SQLite work never runs on the async runtime.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use crate::archive::Archive;
use crate::config::Source;
use crate::fetch::Validators;
use crate::poll::{self, Fetched, PollError, SourceReport};
use crate::rules::RuleSet;
use crate::store::{Store, StoreError};

/// What the database knows about a configured source.
#[derive(Debug, Clone)]
pub struct Known {
    pub source_id: i64,
    pub validators: Validators,
    pub next_due: Option<DateTime<Utc>>,
}

/// A request to the writer.
pub enum Msg {
    /// Create/update the `sources` rows and report their state.
    Register { sources: Vec<Source>, reply: oneshot::Sender<Result<Vec<Known>, StoreError>> },
    /// Record one poll (one transaction), then its source's next due time.
    Commit {
        fetched: Box<Fetched>,
        rules: Arc<RuleSet>,
        next_due: DateTime<Utc>,
        reply: oneshot::Sender<Result<(SourceReport, Validators), PollError>>,
    },
    /// Record when a source is next due.
    SetDue { source_id: i64, due: DateTime<Utc> },
}

/// Opens the database (running migrations) and starts the writer thread.
pub fn spawn(db: PathBuf, archive: Archive) -> Result<(mpsc::Sender<Msg>, std::thread::JoinHandle<()>), StoreError> {
    let mut store = Store::open(&db)?;
    let (tx, mut rx) = mpsc::channel::<Msg>(64);
    let handle = std::thread::Builder::new()
        .name("trawl-writer".into())
        .spawn(move || {
            while let Some(msg) = rx.blocking_recv() {
                handle(&mut store, &archive, msg);
            }
        })
        .map_err(|e| StoreError::Open { path: db, reason: format!("cannot start the writer thread: {e}") })?;
    Ok((tx, handle))
}

fn handle(store: &mut Store, archive: &Archive, msg: Msg) {
    match msg {
        Msg::Register { sources, reply } => {
            let _ = reply.send(register(store, &sources));
        }
        Msg::Commit { fetched, rules, next_due, reply } => {
            let id = fetched.plan.source_id;
            let result = poll::commit(store, archive, &rules, *fetched).and_then(|report| {
                // After the poll's own transaction: a crash in between only means one extra
                // catch-up poll at restart, which adds no duplicate rows.
                store.set_next_due(id, Some(next_due))?;
                let (etag, last_modified) = store.validators(id)?;
                Ok((report, Validators { etag, last_modified }))
            });
            let _ = reply.send(result);
        }
        Msg::SetDue { source_id, due } => {
            if let Err(e) = store.set_next_due(source_id, Some(due)) {
                tracing::error!(error = %e, "cannot record when a source is next due");
            }
        }
    }
}

fn register(store: &mut Store, sources: &[Source]) -> Result<Vec<Known>, StoreError> {
    sources
        .iter()
        .map(|s| {
            let source_id = store.ensure_source(&s.name, s.kind.as_str(), s.url.as_str(), &s.tags)?;
            let (etag, last_modified) = store.validators(source_id)?;
            Ok(Known {
                source_id,
                validators: Validators { etag, last_modified },
                next_due: store.next_due(source_id)?,
            })
        })
        .collect()
}
