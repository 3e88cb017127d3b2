//! One poll of a set of sources: fetch → extract → match in a bounded pool of tasks, then store
//! each poll's results in one transaction on a single writer thread.
//!
//! [`run_once`] is what `trawl once` runs; the daemon reuses [`fetch_source`] and [`commit`].

mod commit;
mod fetch_source;
pub mod html;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot};

pub use commit::commit;
pub use fetch_source::{Fetched, MatchedPost, Page, PageDoc, Plan, fetch_source};

use crate::archive::Archive;
use crate::config::{Config, Source};
use crate::fetch::{FetchError, Fetcher, Validators};
use crate::rules::RuleSet;
use crate::store::{PollStats, Store, StoreError};

/// How one source's poll ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Ok,
    NotModified,
    Failed(String),
}

/// The result of polling one source, as `trawl once` prints it.
#[derive(Debug, Clone)]
pub struct SourceReport {
    pub name: String,
    pub url: String,
    pub status: Status,
    pub stats: PollStats,
    pub duration: Duration,
}

/// Everything one `once` run did, in config order.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    pub reports: Vec<SourceReport>,
}

impl RunSummary {
    pub fn failed(&self) -> usize {
        self.reports.iter().filter(|r| matches!(r.status, Status::Failed(_))).count()
    }
    pub fn posts_new(&self) -> u64 {
        self.reports.iter().map(|r| r.stats.posts_new).sum()
    }
    pub fn hits_new(&self) -> u64 {
        self.reports.iter().map(|r| r.stats.hits_new).sum()
    }
}

/// Why a run could not go on (a single source failing is not one of these: it is reported).
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The database failed; nothing more can be recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be set up.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// `--source` named a source that is not in the config.
    #[error("no source named '{0}' in the config (see `trawl sources` or the [[source]] tables)")]
    UnknownSource(String),
    /// The writer thread stopped unexpectedly.
    #[error("the database writer stopped unexpectedly")]
    WriterGone,
}

/// Polls every configured source (or only those named in `only`) once, and waits for all.
pub async fn run_once(cfg: &Config, rules: Arc<RuleSet>, only: &[String]) -> Result<RunSummary, PollError> {
    let sources = select(cfg, only)?;
    let fetcher = Fetcher::new(&cfg.fetch)?;
    let concurrency = cfg.fetch.concurrency;
    let (tx, rx) = mpsc::channel::<Fetched>(concurrency);
    let (ready_tx, ready_rx) = oneshot::channel();
    let (db, archive) = (cfg.storage.database.clone(), Archive::new(&cfg.storage.archive));
    let (writer_rules, notify) = (rules.clone(), cfg.notify.clone());
    let writer = std::thread::spawn(move || writer_loop(&db, &archive, &writer_rules, &notify, sources, ready_tx, rx));
    let Ok(plans) = ready_rx.await else {
        return Err(writer.join().map_err(|_| PollError::WriterGone)?.err().unwrap_or(PollError::WriterGone));
    };
    futures_util::stream::iter(plans)
        .map(|plan| fetch_source(&fetcher, &rules, plan))
        .buffer_unordered(concurrency)
        .for_each(|f| {
            let tx = tx.clone();
            async move {
                // The writer only goes away on a database error, which join() below reports.
                let _ = tx.send(f).await;
            }
        })
        .await;
    drop(tx);
    let mut reports = writer.join().map_err(|_| PollError::WriterGone)??;
    reports.sort_by_key(|(i, _)| *i);
    Ok(RunSummary { reports: reports.into_iter().map(|(_, r)| r).collect() })
}

fn select(cfg: &Config, only: &[String]) -> Result<Vec<Source>, PollError> {
    if only.is_empty() {
        return Ok(cfg.sources.clone());
    }
    only.iter().map(|n| cfg.source(n).cloned().ok_or_else(|| PollError::UnknownSource(n.clone()))).collect()
}

type Reports = Vec<(usize, SourceReport)>;

fn writer_loop(
    db: &std::path::Path,
    archive: &Archive,
    rules: &RuleSet,
    notify: &crate::config::Notify,
    sources: Vec<Source>,
    ready: oneshot::Sender<Vec<Plan>>,
    mut rx: mpsc::Receiver<Fetched>,
) -> Result<Reports, PollError> {
    let mut store = Store::open(db)?;
    let mut plans = Vec::new();
    for (order, source) in sources.into_iter().enumerate() {
        let id = store.ensure_source(&source.name, source.kind.as_str(), source.url.as_str(), &source.tags)?;
        let (etag, last_modified) = store.validators(id)?;
        let followed = if source.html.is_some() { store.followed(id)? } else { Default::default() };
        plans.push(Plan { order, source_id: id, source, validators: Validators { etag, last_modified }, followed });
    }
    if ready.send(plans).is_err() {
        return Ok(Vec::new());
    }
    let mut reports = Vec::new();
    while let Some(fetched) = rx.blocking_recv() {
        let order = fetched.plan.order;
        reports.push((order, commit(&mut store, archive, rules, notify, fetched)?));
    }
    Ok(reports)
}
