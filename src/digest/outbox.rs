//! The delivery worker: claims due deliveries, sends them, records the outcome. Failures retry
//! with capped exponential backoff and jitter; the state is in SQLite, so retries survive
//! restarts. A message that keeps failing ends up `failed` after `max_attempts`, visible in
//! `trawl deliveries` and in the next digest, and `trawl deliveries retry` brings it back.
//!
//! Guarantee: at-least-once. A crash after a send but before it is recorded sends that one
//! message again after the restart (never more: a claimed row is leased, and only the rows that
//! were in flight can repeat). Receivers deduplicate by the idempotency key.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::{DigestError, Message, with_store};
use crate::config::Config;

/// How long a claimed delivery is reserved for the worker that claimed it.
const LEASE: Duration = Duration::from_secs(300);
/// Deliveries claimed per round.
const BATCH: usize = 20;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub attempted: usize,
    pub sent: usize,
    pub failed: usize,
}

/// Sends every due delivery until none is left, `deadline` passes or `shutdown` is cancelled.
pub async fn deliver_pass(
    cfg: &Config,
    deadline: Duration,
    shutdown: &CancellationToken,
) -> Result<PassReport, DigestError> {
    let end = tokio::time::Instant::now() + deadline;
    let mut report = PassReport::default();
    // Only what was due when the pass began: a delivery that fails now waits for its backoff.
    let now = Utc::now();
    while tokio::time::Instant::now() < end && !shutdown.is_cancelled() {
        let lease = now + chrono::Duration::from_std(LEASE).expect("small");
        let batch = with_store(cfg, move |s| Ok(s.claim_due(now, lease, BATCH)?)).await?;
        if batch.is_empty() {
            break;
        }
        for d in batch {
            report.attempted += 1;
            let outcome = tokio::select! {
                r = tokio::time::timeout_at(end.max(tokio::time::Instant::now() + Duration::from_secs(5)), send(cfg, &d)) =>
                    r.unwrap_or_else(|_| Err("timed out".to_string())),
                _ = shutdown.cancelled() => Err("interrupted by shutdown".to_string()),
            };
            let (id, attempts) = (d.id, d.attempts + 1);
            let retry = backoff(cfg, id, attempts);
            match &outcome {
                Ok(()) => report.sent += 1,
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(delivery = id, channel = %d.channel, attempts, error = %e, "delivery failed");
                }
            }
            with_store(cfg, move |s| {
                match outcome {
                    Ok(()) => s.mark_sent(id, Utc::now())?,
                    Err(e) => s.mark_attempt_failed(id, &e, retry.map(|r| ceil_second(Utc::now() + r)))?,
                }
                Ok(())
            })
            .await?;
        }
    }
    Ok(report)
}

async fn send(cfg: &Config, d: &crate::store::deliveries::Delivery) -> Result<(), String> {
    let ch = cfg.notify.channels.iter().find(|c| c.name == d.channel).ok_or_else(|| {
        format!("channel '{}' is no longer in the config (add it back, or leave this delivery failed)", d.channel)
    })?;
    let msg: Message = serde_json::from_str(&d.payload).map_err(|e| format!("unreadable payload: {e}"))?;
    super::channels::send(ch, &msg, &d.idempotency_key).await
}

/// The wait before attempt `attempts + 1`, or `None` to give up.
fn backoff(cfg: &Config, id: i64, attempts: i64) -> Option<chrono::Duration> {
    let r = &cfg.notify.delivery;
    if attempts >= i64::from(r.max_attempts) {
        return None;
    }
    let exp = r.retry_initial.saturating_mul(1u32 << attempts.clamp(0, 20) as u32 >> 1).min(r.retry_max);
    // ±25% jitter so channels that failed together do not retry in lockstep.
    let seed = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ Utc::now().timestamp_subsec_nanos() as u64;
    let factor = 0.75 + (seed % 1000) as f64 / 2000.0;
    chrono::Duration::from_std(exp.mul_f64(factor)).ok()
}

/// Rounds up to the whole second: stored times have whole seconds, and a retry time rounded
/// down could fall before the start of the pass that just failed, and be retried in it.
fn ceil_second(t: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    let whole = chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t);
    if whole == t { t } else { whole + chrono::Duration::seconds(1) }
}
