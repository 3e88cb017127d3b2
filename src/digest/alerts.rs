//! Alerts, decided inside the poll's transaction: one per poll with all its new hits at or above
//! `[alerts] min_severity`, and "source down" / "recovered" when a source's failures cross
//! `source_down_after` or end. A hit belongs to the poll that first inserted it and alert keys
//! are per poll, so the same hit is never alerted twice.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::build::{ShownHit, fmt_local, local, shown};
use super::render::Renderer;
use super::route;
use crate::config::Notify;
use crate::rules::{RuleSet, Severity};
use crate::store::deliveries::NewDelivery;
use crate::store::hits::HitRecord;
use crate::store::{PollTx, StoreError};

/// What an alert template reads.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// `hits`, `source-down` or `recovered`.
    pub event: String,
    pub source: String,
    pub timezone: String,
    /// Local time of the poll that decided this alert.
    pub at: String,
    pub hits: Vec<ShownHit>,
    pub failing_since: Option<String>,
    pub failures: i64,
    pub error: Option<String>,
}

/// Enqueues this poll's alerts. Call after the hits are inserted and `finish_poll` ran, inside
/// the same transaction.
pub fn after_poll(
    tx: &PollTx,
    notify: &Notify,
    rules: &RuleSet,
    poll_id: i64,
    source_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (min, tz) = (notify.alerts.min_severity, notify.timezone);
    let mut serious: Vec<HitRecord> =
        tx.poll_hits(poll_id)?.into_iter().filter(|h| Severity::parse(&h.severity).is_some_and(|s| s >= min)).collect();
    // Most serious first: that is what the reader acts on.
    serious.sort_by_key(|h| (std::cmp::Reverse(Severity::parse(&h.severity)), h.id));
    let state = tx.down_state(source_id)?;
    let renderer = std::cell::OnceCell::new();
    let renderer = || {
        renderer.get_or_init(|| {
            Renderer::new(&notify.digest).unwrap_or_else(|e| {
                tracing::error!(error = %e, "alert templates failed; using the shipped ones");
                Renderer::shipped(&notify.digest.language)
            })
        })
    };
    let base = Alert {
        event: "hits".into(),
        source: state.name.clone(),
        timezone: tz.name().to_string(),
        at: fmt_local(now, tz),
        hits: Vec::new(),
        failing_since: state.failing_since.as_deref().map(|t| local(t, tz)),
        failures: state.consecutive_failures,
        error: state.last_error.clone(),
    };
    if !serious.is_empty() {
        for ch in route::channels_for(&notify.channels, "alert") {
            let hits: Vec<ShownHit> =
                serious.iter().filter(|h| route::keeps(&ch.route, h, Some(rules))).map(|h| shown(h, tz)).collect();
            if hits.is_empty() {
                continue;
            }
            let alert = Alert { hits, ..base.clone() };
            let key = route::safe_key(&["alert", &format!("poll{poll_id}"), &ch.name]);
            enqueue(tx, renderer(), &alert, &ch.name, key, poll_id, source_id, now)?;
        }
    }
    let down_for = state
        .failing_since
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| now.signed_duration_since(t.with_timezone(&Utc)));
    let limit = chrono::Duration::from_std(notify.alerts.source_down_after).unwrap_or(chrono::Duration::MAX);
    let event =
        if state.consecutive_failures > 0 && state.down_alerted_at.is_none() && down_for.is_some_and(|d| d >= limit) {
            tx.set_down_alerted(source_id, Some(now))?;
            "source-down"
        } else if state.consecutive_failures == 0 && state.down_alerted_at.is_some() {
            tx.set_down_alerted(source_id, None)?;
            "recovered"
        } else {
            return Ok(());
        };
    for ch in route::channels_for(&notify.channels, event) {
        let alert = Alert { event: event.to_string(), ..base.clone() };
        let key = route::safe_key(&[event, &format!("source{source_id}"), &format!("poll{poll_id}"), &ch.name]);
        enqueue(tx, renderer(), &alert, &ch.name, key, poll_id, source_id, now)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn enqueue(
    tx: &PollTx,
    renderer: &Renderer,
    alert: &Alert,
    channel: &str,
    key: String,
    poll_id: i64,
    source_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let msg = match renderer.alert(alert) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "alert template failed; using the shipped ones");
            Renderer::shipped("en").alert(alert).expect("shipped templates render (tested)")
        }
    };
    let d = NewDelivery {
        kind: alert.event.replace("hits", "alert"),
        channel: channel.to_string(),
        idempotency_key: key,
        subject: msg.subject.clone(),
        payload: serde_json::to_string(&msg).expect("messages serialise"),
        poll_id: Some(poll_id),
        source_id: Some(source_id),
        ..Default::default()
    };
    tx.enqueue(&d, now)?;
    Ok(())
}
