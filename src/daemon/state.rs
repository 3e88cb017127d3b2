//! The scheduler's view of each source: its config, database id, validators, next due time and
//! whether a poll is in flight.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{Config, Source};
use crate::schedule::next_fire;

use super::writer::Known;

/// One scheduled source.
#[derive(Debug, Clone)]
pub struct SourceState {
    pub source: Source,
    pub source_id: i64,
    /// The slot it is next due at (`None`: no schedule ever fires for it).
    pub next_due: Option<DateTime<Utc>>,
    pub running: bool,
}

impl SourceState {
    /// The first slot strictly after `after` (and after its current slot).
    pub fn next_slot(&self, cfg: &Config, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let tz = cfg.schedule.timezone;
        next_fire(&self.source.schedules, after, tz, &cfg.schedule.calendar).map(|f| f.at)
    }

    /// A stable spread of this source's start within the slot at `slot`, below its jitter.
    pub fn jitter_delay(&self, slot: DateTime<Utc>) -> Duration {
        let max = self.source.jitter.as_millis() as u64;
        if max == 0 {
            return Duration::ZERO;
        }
        let mut h = std::hash::DefaultHasher::new();
        (&self.source.name, slot.timestamp()).hash(&mut h);
        Duration::from_millis(h.finish() % max)
    }
}

/// Every scheduled source by name.
pub type States = BTreeMap<String, SourceState>;

/// Builds the states at start-up. A source that missed a slot while trawl was down (its recorded
/// slot has passed) or was never scheduled polls once now; the others wait for their slot.
pub fn initial(cfg: &Config, known: Vec<Known>, now: DateTime<Utc>) -> States {
    cfg.sources
        .iter()
        .zip(known)
        .map(|(source, k)| {
            let mut st = SourceState { source: source.clone(), source_id: k.source_id, next_due: None, running: false };
            st.next_due = match k.next_due {
                Some(due) if due > now => Some(due),
                // Missed while down, or never polled: catch up once, right away.
                _ => Some(now),
            };
            (source.name.clone(), st)
        })
        .collect()
}

/// Applies a reloaded config: removed sources go, new ones wait for their next slot, changed ones
/// are rescheduled. Returns the new and the changed sources, which must be registered in the
/// database (new ones are not in `states` yet).
pub fn reconcile(states: &mut States, cfg: &Config, now: DateTime<Utc>) -> (Vec<Source>, Vec<Source>) {
    states.retain(|name, _| cfg.source(name).is_some());
    let (mut added, mut changed) = (Vec::new(), Vec::new());
    for source in &cfg.sources {
        match states.get_mut(&source.name) {
            Some(st) if st.source == *source => {}
            Some(st) => {
                let reschedule = st.source.schedules != source.schedules;
                st.source = source.clone();
                if reschedule {
                    st.next_due = st.next_slot(cfg, now);
                }
                changed.push(source.clone());
            }
            None => added.push(source.clone()),
        }
    }
    (added, changed)
}
