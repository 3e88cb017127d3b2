//! Groups the polls started for one slot into a *cycle* and summarises it when the last one ends
//! (the daemon's status line and log).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::poll::{SourceReport, Status};

#[derive(Debug, Default)]
struct Tally {
    slot: Option<DateTime<Utc>>,
    running: usize,
    ok: usize,
    failed: usize,
    posts_new: u64,
    hits_new: u64,
}

/// Cycles in progress, by id.
#[derive(Debug, Default)]
pub struct Cycles {
    open: HashMap<u64, Tally>,
    by_slot: HashMap<DateTime<Utc>, u64>,
    next_id: u64,
}

impl Cycles {
    /// Registers a poll for the slot at `slot`; returns its cycle id.
    pub fn start(&mut self, slot: DateTime<Utc>) -> u64 {
        let id = *self.by_slot.entry(slot).or_insert_with(|| {
            self.next_id += 1;
            self.next_id
        });
        let t = self.open.entry(id).or_default();
        t.slot = Some(slot);
        t.running += 1;
        id
    }

    /// Records a finished poll; returns the summary line when it was the cycle's last.
    pub fn finish(&mut self, id: u64, report: Option<&SourceReport>) -> Option<String> {
        let t = self.open.get_mut(&id)?;
        t.running -= 1;
        match report {
            Some(r) if !matches!(r.status, Status::Failed(_)) => {
                t.ok += 1;
                t.posts_new += r.stats.posts_new;
                t.hits_new += r.stats.hits_new;
            }
            _ => t.failed += 1,
        }
        if t.running > 0 {
            return None;
        }
        let t = self.open.remove(&id)?;
        if let Some(slot) = t.slot {
            self.by_slot.remove(&slot);
        }
        Some(format!(
            "last cycle {}: {} sources, {} ok, {} failed; {} new posts; {} new hits",
            t.slot.map(crate::store::ts).unwrap_or_default(),
            t.ok + t.failed,
            t.ok,
            t.failed,
            t.posts_new,
            t.hits_new
        ))
    }
}
