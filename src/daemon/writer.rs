//! The daemon's single database writer: a dedicated thread that owns the SQLite connection and
//! handles one message at a time, so blocking SQLite work never runs on the async runtime.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use crate::archive::Archive;
use crate::config::{Config, Source};
use crate::fetch::Validators;
use crate::poll::{self, Fetched, PollError, SourceReport};
use crate::rules::RuleSet;
use crate::store::{Followed, Store, StoreError};

/// What the database knows about a configured source.
#[derive(Debug, Clone)]
pub struct Known {
    pub source_id: i64,
    pub next_due: Option<DateTime<Utc>>,
}

/// What a poll needs from earlier polls: conditional-GET validators and, for html sources, what it
/// followed before.
pub type Prepared = (Validators, HashMap<String, Followed>);

/// A request to the writer.
pub enum Msg {
    /// Create/update the `sources` rows and report their state.
    Register { sources: Vec<Source>, reply: oneshot::Sender<Result<Vec<Known>, StoreError>> },
    /// Read what a poll of this source needs from earlier polls.
    Prepare { source_id: i64, html: bool, reply: oneshot::Sender<Result<Prepared, StoreError>> },
    /// Record one poll (one transaction, with the alerts it decides), then its source's next due
    /// time. `cfg` and `rules` are the ones the poll ran with.
    Commit {
        fetched: Box<Fetched>,
        cfg: Arc<Config>,
        rules: Arc<RuleSet>,
        next_due: DateTime<Utc>,
        reply: oneshot::Sender<Result<SourceReport, PollError>>,
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
        Msg::Prepare { source_id, html, reply } => {
            let _ = reply.send(prepare(store, source_id, html));
        }
        Msg::Commit { fetched, cfg, rules, next_due, reply } => {
            let id = fetched.plan.source_id;
            let result = poll::commit(store, archive, &rules, &cfg.notify, *fetched).and_then(|report| {
                // After the poll's own transaction: a crash in between only means one extra
                // catch-up poll at restart, which adds no duplicate rows.
                store.set_next_due(id, Some(next_due))?;
                Ok(report)
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

fn prepare(store: &Store, source_id: i64, html: bool) -> Result<Prepared, StoreError> {
    let (etag, last_modified) = store.validators(source_id)?;
    let followed = if html { store.followed(source_id)? } else { HashMap::new() };
    Ok((Validators { etag, last_modified }, followed))
}

fn register(store: &mut Store, sources: &[Source]) -> Result<Vec<Known>, StoreError> {
    sources
        .iter()
        .map(|s| {
            let source_id = store.ensure_source(&s.name, s.kind.as_str(), s.url.as_str(), &s.tags)?;
            Ok(Known { source_id, next_due: store.next_due(source_id)? })
        })
        .collect()
}
