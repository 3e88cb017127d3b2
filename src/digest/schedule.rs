//! Scheduled digests (`[[digest.schedule]]`): when one is due, its digest covers the time since
//! the previous digest of the same name, so no hit falls between two. After downtime only the
//! latest missed fire runs (covering everything since the previous one) — no burst of copies.
//! The end of each covered period is kept in `digest_runs`, written in the same transaction as
//! the digest's deliveries: a restart neither skips nor repeats a digest.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::build::{Facts, Period};
use super::render::Renderer;
use super::{DigestError, route};
use crate::config::{Config, DigestSchedule};
use crate::rules::RuleSet;
use crate::store::Store;
use crate::store::deliveries::NewDelivery;

/// Upper bound on fires skipped over when catching up (years of a per-minute schedule).
const CATCH_UP_LIMIT: usize = 1_000_000;

/// The latest fire of `s` in `(after, now]`, if any.
pub fn latest_fire(
    s: &DigestSchedule,
    cfg: &Config,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let (tz, cal) = (cfg.schedule.timezone, &cfg.schedule.calendar);
    let mut fire = s.schedule.next_after(after, tz, cal).filter(|f| *f <= now)?;
    for _ in 0..CATCH_UP_LIMIT {
        match s.schedule.next_after(fire, tz, cal) {
            Some(n) if n <= now => fire = n,
            _ => break,
        }
    }
    Some(fire)
}

/// Fires every scheduled digest that is due at `now`; returns the names fired. `rules` (for tag
/// routing) is only called when a digest is due.
pub fn fire_due(
    store: &mut Store,
    cfg: &Config,
    rules: &dyn Fn() -> Option<RuleSet>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DigestError> {
    let loaded = std::cell::OnceCell::new();
    let mut fired = Vec::new();
    for s in &cfg.notify.digest.schedules {
        let name = &s.schedule.name;
        let Some(end) = store.digest_period_end(name)? else {
            // First sight of this schedule: its first digest covers from now on.
            store.init_digest_run(name, now)?;
            continue;
        };
        let Ok(prev) = DateTime::parse_from_rfc3339(&end).map(|t| t.with_timezone(&Utc)) else { continue };
        let Some(fire) = latest_fire(s, cfg, prev, now) else { continue };
        let facts = Facts::load(store, cfg, Some(name), Period { from: prev, to: fire })?;
        let deliveries = if facts.hits.is_empty() && !s.zero_report {
            Vec::new()
        } else {
            let rules = loaded.get_or_init(rules).as_ref();
            deliveries(cfg, rules, &facts, &format!("scheduled-{}", crate::store::ts(fire)))?
        };
        store.record_digest(Some(name), fire, fire, &deliveries, now)?;
        tracing::info!(digest = %name, from = %crate::store::ts(prev), to = %crate::store::ts(fire), messages = deliveries.len(), "digest fired");
        fired.push(name.clone());
    }
    Ok(fired)
}

/// [`fire_due`] on its own connection, off the async threads (for the daemon's worker).
/// `rules`: the running rules, if the caller has them; otherwise they are read from disk.
pub async fn fire_due_async(
    cfg: Arc<Config>,
    rules: Option<Arc<crate::rules::RuleSet>>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DigestError> {
    if cfg.notify.digest.schedules.is_empty() {
        return Ok(Vec::new());
    }
    let c = cfg.clone();
    super::with_store(&cfg, move |store| {
        // Rule tags are only needed for tag routing; a broken rule file must not stop digests.
        let paths = c.rules.paths.clone();
        let load = move || match &rules {
            Some(r) => Some(crate::rules::RuleSet::clone(r)),
            None => crate::rules::RuleSet::load(&paths).ok(),
        };
        fire_due(store, &c, &load, now)
    })
    .await
}

/// One delivery per channel that takes digests, each with that channel's hits. Fails without
/// `rules` when a channel filters by rule tag, rather than send it a false zero report.
pub fn deliveries(
    cfg: &Config,
    rules: Option<&RuleSet>,
    facts: &Facts,
    tag: &str,
) -> Result<Vec<NewDelivery>, DigestError> {
    let renderer = Renderer::new(&cfg.notify.digest)?;
    let name = facts.name.as_deref().unwrap_or("manual");
    if rules.is_none()
        && let Some(ch) = route::channels_for(&cfg.notify.channels, "digest").find(|c| !c.route.tags.is_empty())
    {
        return Err(DigestError::RulesUnavailable(ch.name.clone()));
    }
    let mut out = Vec::new();
    for ch in route::channels_for(&cfg.notify.channels, "digest") {
        let digest = facts.digest(cfg, |h| route::keeps(&ch.route, h, rules));
        let msg = renderer.digest(&digest)?;
        out.push(NewDelivery {
            kind: "digest".into(),
            channel: ch.name.clone(),
            idempotency_key: route::safe_key(&["digest", name, tag, &ch.name]),
            subject: msg.subject.clone(),
            payload: serde_json::to_string(&msg).expect("messages serialise"),
            period_start: Some(crate::store::ts(facts.period.from)),
            period_end: Some(crate::store::ts(facts.period.to)),
            ..Default::default()
        });
    }
    Ok(out)
}
