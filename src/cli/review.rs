//! `trawl hits review ID --status S [--note TEXT] [--by NAME] [--result TEXT]`: move a hit along
//! its review path, every step on record in `reviews`.

use super::{UsageError, exit};
use crate::store::Store;
use crate::store::reviews::ReviewStep;

/// The review path: `new → confirmed → reported → resolved`, or `dismissed` from new/confirmed.
const NEXT: &[(&str, &[&str])] = &[
    ("new", &["confirmed", "dismissed"]),
    ("confirmed", &["reported", "dismissed"]),
    ("reported", &["resolved"]),
    ("resolved", &[]),
    ("dismissed", &[]),
];

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// Hit id (from `hits list`)
    pub id: i64,
    /// New status: confirmed, reported, resolved or dismissed
    #[arg(long)]
    pub status: String,
    /// Why, or what was done
    #[arg(long)]
    pub note: Option<String>,
    /// Who reviews [default: $USER]
    #[arg(long)]
    pub by: Option<String>,
    /// Outcome kept on the hit (shown as `result` in hit_records), e.g. when resolving
    #[arg(long)]
    pub result: Option<String>,
}

/// The statuses a hit in `from` may move to.
pub fn allowed(from: &str) -> &'static [&'static str] {
    NEXT.iter().find(|(s, _)| *s == from).map_or(&[], |(_, next)| next)
}

pub fn run(store: &mut Store, a: ReviewArgs) -> anyhow::Result<u8> {
    if !NEXT.iter().any(|(s, _)| *s == a.status) || a.status == "new" {
        return Err(UsageError(format!(
            "unknown status '{}': expected confirmed, reported, resolved or dismissed",
            a.status
        ))
        .into());
    }
    let Some(from) = store.hit_status(a.id)? else {
        eprintln!("no hit with id {} (see `trawl hits list`)", a.id);
        return Ok(exit::FAILURE);
    };
    let next = allowed(&from);
    if !next.contains(&a.status.as_str()) {
        let options = if next.is_empty() { "nowhere: it is closed".to_string() } else { next.join(" or ") };
        return Err(UsageError(format!("hit {} is '{from}' and can go to {options}, not '{}'", a.id, a.status)).into());
    }
    let by = a.by.or_else(|| std::env::var("USER").ok()).or_else(|| std::env::var("LOGNAME").ok());
    let step = ReviewStep {
        hit_id: a.id,
        from: &from,
        to: &a.status,
        by: by.as_deref(),
        note: a.note.as_deref(),
        result: a.result.as_deref(),
        at: chrono::Utc::now(),
    };
    if !store.review(&step)? {
        eprintln!(
            "hit {} changed while this review was being recorded; look at it again (`trawl hits show {}`)",
            a.id, a.id
        );
        return Ok(exit::FAILURE);
    }
    let who = by.map(|b| format!(" by {b}")).unwrap_or_default();
    println!("hit {}: {from} → {}{who}", a.id, a.status);
    Ok(exit::OK)
}
