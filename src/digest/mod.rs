//! Digests and alerts: building them from the store, rendering them through templates, and
//! delivering them through channels via the `deliveries` outbox.
//!
//! Flow: a decision (a poll found serious hits — [`alerts::after_poll`]; a scheduled digest is
//! due — [`schedule::fire_due`]; `trawl digest --send`) renders one [`Message`] per routed
//! channel and writes it to the outbox in the transaction that decided it. The delivery worker
//! ([`outbox::deliver_pass`], looped by [`run_worker`]) sends what is due and records the result,
//! retrying failures with capped exponential backoff. Delivery is at-least-once: every message
//! carries an idempotency key (webhook body and `Idempotency-Key` header, mail `Message-ID`).

pub mod alerts;
pub mod build;
pub mod channels;
pub mod outbox;
pub mod render;
pub mod route;
pub mod schedule;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use build::{Digest, Facts, Period};
pub use render::{Format, Renderer};

use crate::config::Config;

/// A rendered message, as stored in `deliveries.payload`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Message {
    /// `digest`, `alert`, `source-down` or `recovered`.
    pub kind: String,
    /// The first line of the text rendering.
    pub subject: String,
    pub markdown: String,
    pub text: String,
    pub html: String,
    /// The data the templates were rendered from (what `--format json` prints).
    pub data: serde_json::Value,
}

/// Why building, rendering or delivering failed.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A template (shipped or from `[digest] templates`) failed to parse or render.
    #[error("template error: {0}")]
    Template(String),
    /// A channel routes by rule tag but the rule files do not load: sending would drop every hit
    /// and look like a zero report, so the digest waits until they load.
    #[error(
        "cannot route the digest to channel '{0}' by rule tag: the rule files do not load (run `trawl check`); it is decided once they do"
    )]
    RulesUnavailable(String),
    /// A blocking database task panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

/// How often the worker looks for due digests and deliveries.
const TICK: Duration = Duration::from_secs(5);

/// The daemon's digest and delivery loop: fires scheduled digests when due (state in SQLite, so
/// a restart neither skips nor repeats one) and sends pending deliveries. Returns promptly when
/// `shutdown` is cancelled; an unsent delivery stays pending and goes out after the restart.
/// Tag routing reads the rule files from disk at each digest.
pub async fn run_worker(cfg: tokio::sync::watch::Receiver<Arc<Config>>, shutdown: tokio_util::sync::CancellationToken) {
    worker(cfg, None, shutdown).await
}

/// [`run_worker`] for the daemon: tag routing uses the rules the daemon is running, so a rule file
/// broken mid-edit (and refused on reload) does not hold digests up.
pub async fn run_worker_with_rules(
    cfg: tokio::sync::watch::Receiver<Arc<Config>>,
    rules: tokio::sync::watch::Receiver<Arc<crate::rules::RuleSet>>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    worker(cfg, Some(rules), shutdown).await
}

async fn worker(
    cfg: tokio::sync::watch::Receiver<Arc<Config>>,
    rules: Option<tokio::sync::watch::Receiver<Arc<crate::rules::RuleSet>>>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let cfg = cfg.borrow().clone();
        let running = rules.as_ref().map(|r| r.borrow().clone());
        let now = chrono::Utc::now();
        if let Err(e) = schedule::fire_due_async(cfg.clone(), running, now).await {
            tracing::error!(error = %e, "scheduled digests failed");
        }
        match outbox::deliver_pass(&cfg, Duration::from_secs(120), &shutdown).await {
            Ok(r) if r.attempted > 0 => tracing::info!(sent = r.sent, failed = r.failed, "deliveries attempted"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "delivery pass failed"),
        }
    }
}

/// Runs `f` on a fresh connection to the database, off the async threads.
pub(crate) async fn with_store<T: Send + 'static>(
    cfg: &Config,
    f: impl FnOnce(&mut crate::store::Store) -> Result<T, DigestError> + Send + 'static,
) -> Result<T, DigestError> {
    let path = cfg.storage.database.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = crate::store::Store::open(&path)?;
        f(&mut store)
    })
    .await
    .map_err(|e| DigestError::Task(e.to_string()))?
}
