//! The run loop: schedules polls of every source, runs them in a bounded pool, writes results
//! through one writer thread, and handles SIGTERM/SIGINT (graceful stop), SIGHUP (reload) and
//! systemd notifications.
//!
//! Schedule state (`next_due_at`) lives in SQLite and is advanced only after a poll commits, so a
//! crash or `kill -9` mid-poll means that source polls once more at restart (catch-up), never
//! that a slot is lost; re-polling adds no duplicate posts or hits.

mod cycle;
mod notify;
mod state;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::archive::Archive;
use crate::config::Config;
use crate::fetch::{FetchError, Fetcher};
use crate::poll::{Plan, SourceReport, fetch_source};
use crate::rules::RuleSet;
use crate::store::StoreError;
use cycle::Cycles;
use state::States;
use writer::{Known, Msg};

/// Why the daemon could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
    /// The writer thread stopped.
    #[error("the database writer stopped unexpectedly")]
    WriterGone,
}

/// The longest the loop sleeps, so status and watchdog stay fresh.
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// Source name and cycle id of each running poll task.
type Owners = HashMap<tokio::task::Id, (String, u64)>;

/// What the loop shares with poll tasks; replaced whole on reload.
struct Live {
    cfg: Arc<Config>,
    rules: Arc<RuleSet>,
    fetcher: Fetcher,
    pool: Arc<Semaphore>,
}

impl Live {
    fn new(cfg: Config, rules: RuleSet) -> Result<Live, FetchError> {
        let fetcher = Fetcher::new(&cfg.fetch)?;
        let pool = Arc::new(Semaphore::new(cfg.fetch.concurrency));
        Ok(Live { cfg: Arc::new(cfg), rules: Arc::new(rules), fetcher, pool })
    }
}

/// Runs until SIGTERM or SIGINT; returns after in-flight polls finished or were cancelled.
pub async fn run(config_path: PathBuf, cfg: Config, rules: RuleSet) -> Result<(), DaemonError> {
    let mut term = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut int = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;
    let mut hup = signal(SignalKind::hangup()).map_err(DaemonError::Signals)?;

    let (wtx, writer) = writer::spawn(cfg.storage.database.clone(), Archive::new(&cfg.storage.archive))?;
    let mut live = Live::new(cfg, rules)?;
    let known = register(&wtx, live.cfg.sources.clone()).await?;
    let mut states = state::initial(&live.cfg, known, Utc::now());
    let (cfg_tx, cfg_rx) = watch::channel(live.cfg.clone());
    let shutdown = CancellationToken::new();
    // Scheduled digests and the delivery outbox run beside the poll loop.
    let (rules_tx, rules_rx) = watch::channel(live.rules.clone());
    let digests = tokio::spawn(crate::digest::run_worker_with_rules(cfg_rx, rules_rx, shutdown.child_token()));
    let ready = format!("watching {} sources with {} rules", states.len(), live.rules.rules.len());
    tracing::info!(config = %config_path.display(), "{ready}");
    notify::ready(&ready);

    let mut tasks: JoinSet<(String, u64, Option<SourceReport>)> = JoinSet::new();
    // Which source and cycle each task polls, so even a task that panicked frees its source.
    let mut owners: Owners = HashMap::new();
    let mut cycles = Cycles::default();
    let watchdog = notify::watchdog_interval();
    loop {
        let now = Utc::now();
        dispatch(&mut states, &live, &wtx, &mut tasks, &mut owners, &mut cycles, now);
        let wake = next_wake(&states, now, watchdog);
        tokio::select! {
            _ = tokio::time::sleep(wake) => {}
            Some(done) = tasks.join_next_with_id() => finish(&mut states, &mut cycles, &mut owners, done),
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                if let Some(next) = reload(&config_path, &live, &mut states, &wtx).await {
                    live = next;
                    let _ = cfg_tx.send(live.cfg.clone());
                    let _ = rules_tx.send(live.rules.clone());
                }
            }
        }
        if watchdog.is_some() {
            notify::watchdog();
        }
    }
    stop(&mut tasks, live.cfg.daemon.shutdown_grace).await;
    // After the polls: alerts they decided are in the outbox, sent at the next start if not now.
    shutdown.cancel();
    let _ = digests.await;
    drop(wtx);
    tokio::task::spawn_blocking(move || writer.join()).await.ok();
    tracing::info!("stopped");
    Ok(())
}

async fn register(wtx: &mpsc::Sender<Msg>, sources: Vec<crate::config::Source>) -> Result<Vec<Known>, DaemonError> {
    let (reply, rx) = oneshot::channel();
    wtx.send(Msg::Register { sources, reply }).await.map_err(|_| DaemonError::WriterGone)?;
    Ok(rx.await.map_err(|_| DaemonError::WriterGone)??)
}

async fn prepare(wtx: &mpsc::Sender<Msg>, source_id: i64, html: bool) -> Result<writer::Prepared, DaemonError> {
    let (reply, rx) = oneshot::channel();
    wtx.send(Msg::Prepare { source_id, html, reply }).await.map_err(|_| DaemonError::WriterGone)?;
    Ok(rx.await.map_err(|_| DaemonError::WriterGone)??)
}

/// Starts a poll for every source whose slot has come. A source still polling from its previous
/// slot is not started twice: that slot is skipped.
fn dispatch(
    states: &mut States,
    live: &Live,
    wtx: &mpsc::Sender<Msg>,
    tasks: &mut JoinSet<(String, u64, Option<SourceReport>)>,
    owners: &mut Owners,
    cycles: &mut Cycles,
    now: DateTime<Utc>,
) {
    for st in states.values_mut() {
        let Some(slot) = st.next_due.filter(|d| *d <= now) else { continue };
        let next = st.next_slot(&live.cfg, now.max(slot));
        if st.running {
            tracing::warn!(source = %st.source.name, "previous poll still running; skipping this slot");
            st.next_due = next;
            continue;
        }
        let Some(next) = next else {
            tracing::warn!(source = %st.source.name, "no schedule of this source fires again; it will not be polled");
            st.next_due = None;
            continue;
        };
        st.next_due = Some(next);
        st.running = true;
        let cycle = cycles.start(slot);
        let (source, source_id) = (st.source.clone(), st.source_id);
        let (fetcher, rules, pool, wtx) = (live.fetcher.clone(), live.rules.clone(), live.pool.clone(), wtx.clone());
        let cfg = live.cfg.clone();
        let delay = st.jitter_delay(slot);
        let name = st.source.name.clone();
        let owner = (name.clone(), cycle);
        let handle = tasks.spawn(async move {
            tokio::time::sleep(delay).await;
            let Ok(_permit) = pool.acquire_owned().await else { return (name, cycle, None) };
            let (validators, followed) = match prepare(&wtx, source_id, source.html.is_some()).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(source = %name, error = %e, "cannot read the source's state");
                    return (name, cycle, None);
                }
            };
            let plan = Plan { order: 0, source_id, source, validators, followed };
            let fetched = fetch_source(&fetcher, &rules, plan).await;
            let (reply, rx) = oneshot::channel();
            let msg = Msg::Commit { fetched: Box::new(fetched), cfg, rules, next_due: next, reply };
            if wtx.send(msg).await.is_err() {
                return (name, cycle, None);
            }
            match rx.await {
                Ok(Ok(report)) => (name, cycle, Some(report)),
                Ok(Err(e)) => {
                    tracing::error!(source = %name, error = %e, "cannot record poll");
                    (name, cycle, None)
                }
                Err(_) => (name, cycle, None),
            }
        });
        owners.insert(handle.id(), owner);
    }
}

fn finish(
    states: &mut States,
    cycles: &mut Cycles,
    owners: &mut Owners,
    done: Result<(tokio::task::Id, (String, u64, Option<SourceReport>)), tokio::task::JoinError>,
) {
    let (name, cycle, report) = match done {
        Ok((id, result)) => {
            owners.remove(&id);
            result
        }
        Err(e) => {
            let Some((name, cycle)) = owners.remove(&e.id()) else { return };
            tracing::error!(source = %name, error = %e, "poll task failed; the source polls again at its next slot");
            (name, cycle, None)
        }
    };
    if let Some(st) = states.get_mut(&name) {
        st.running = false;
    }
    if let Some(summary) = cycles.finish(cycle, report.as_ref()) {
        let next = states.values().filter_map(|s| s.next_due).min();
        let line = match next {
            Some(t) => format!("{summary}; next poll {}", crate::store::ts(t)),
            None => summary,
        };
        tracing::info!("{line}");
        notify::status(&line);
    }
}

/// Wakes for every due slot, also of running sources, so a slot that comes mid-poll is skipped on
/// time rather than run late.
fn next_wake(states: &States, now: DateTime<Utc>, watchdog: Option<Duration>) -> Duration {
    let until_due = states
        .values()
        .filter_map(|s| s.next_due)
        .min()
        .map_or(MAX_SLEEP, |t| (t - now).to_std().unwrap_or(Duration::ZERO));
    let cap = watchdog.map_or(MAX_SLEEP, |w| w.min(MAX_SLEEP));
    until_due.min(cap)
}

/// Reloads config and rules; on any error keeps the running ones and says why.
async fn reload(path: &Path, live: &Live, states: &mut States, wtx: &mpsc::Sender<Msg>) -> Option<Live> {
    tracing::info!(config = %path.display(), "SIGHUP: reloading config and rules");
    let loaded = Config::load(path).map_err(|e| e.to_string()).and_then(|cfg| {
        let rules = RuleSet::load(&cfg.rules.paths).map_err(|e| e.to_string())?;
        Live::new(cfg, rules).map_err(|e| e.to_string())
    });
    let next = match loaded {
        Ok(next) => next,
        Err(problems) => {
            for line in problems.lines() {
                tracing::error!("reload refused: {line}");
            }
            let first = problems.lines().next().unwrap_or_default();
            notify::status(&format!("reload refused, still running the previous config: {first}"));
            return None;
        }
    };
    let now = Utc::now();
    let (added, changed) = state::reconcile(states, &next.cfg, now);
    let mut to_register = added.clone();
    to_register.extend(changed);
    match register(wtx, to_register.clone()).await {
        Ok(known) => {
            for (source, k) in to_register.into_iter().zip(known) {
                if !added.iter().any(|a| a.name == source.name) {
                    // Changed: record its (possibly new) slot, so a restart before it polls
                    // does not count the old slot as missed.
                    if let Some(due) = states.get(&source.name).and_then(|st| st.next_due) {
                        let _ = wtx.send(Msg::SetDue { source_id: k.source_id, due }).await;
                    }
                    continue;
                }
                let mut st = state::SourceState { source, source_id: k.source_id, next_due: None, running: false };
                st.next_due = st.next_slot(&next.cfg, now);
                if let Some(due) = st.next_due {
                    let _ = wtx.send(Msg::SetDue { source_id: st.source_id, due }).await;
                }
                states.insert(st.source.name.clone(), st);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "reload refused: cannot register sources");
            return None;
        }
    }
    let msg = format!("reloaded: watching {} sources with {} rules", states.len(), next.rules.rules.len());
    tracing::info!("{msg}");
    notify::status(&msg);
    let _ = live;
    Some(next)
}

/// Lets in-flight polls finish within `grace`, then cancels the rest. A cancelled poll has not
/// reached the writer, so it leaves no rows behind.
async fn stop(tasks: &mut JoinSet<(String, u64, Option<SourceReport>)>, grace: Duration) {
    notify::stopping();
    let n = tasks.len();
    if n > 0 {
        tracing::info!(in_flight = n, grace_s = grace.as_secs_f32(), "stopping: waiting for in-flight polls");
    }
    let drained = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(cancelled = tasks.len(), "grace period over; cancelling the remaining polls");
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}
