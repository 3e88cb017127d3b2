//! `trawl digest`: render the digest of a period, optionally deliver it; or fire the scheduled
//! digests that are due (`--scheduled`, what the daemon does, for running from cron).

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::{UsageError, exit};
use crate::config::Config;
use crate::digest::{Facts, Format, Period, Renderer};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The calendar day D (00:00–24:00 in [schedule] timezone), YYYY-MM-DD
    #[arg(long, value_name = "D", conflicts_with_all = ["from", "to"])]
    pub date: Option<String>,
    /// Start of the period (RFC 3339, or YYYY-MM-DD for midnight in [schedule] timezone)
    #[arg(long, value_name = "T", requires = "to")]
    pub from: Option<String>,
    /// End of the period, exclusive
    #[arg(long, value_name = "T", requires = "from")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Also deliver it through every channel that takes digests
    #[arg(long)]
    pub send: bool,
    /// Fire the [[digest.schedule]] digests that are due and deliver them (instead of printing)
    #[arg(long, conflicts_with_all = ["date", "from", "to", "send"])]
    pub scheduled: bool,
    /// Pretend it is this time (RFC 3339); for testing schedules
    #[arg(long, hide = true)]
    pub now: Option<String>,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<u8> {
    let cfg = super::load_config(config)?;
    let now = match &args.now {
        Some(t) => time(&cfg, t, "--now")?,
        None => Utc::now(),
    };
    let rules = crate::rules::RuleSet::load(&cfg.rules.paths).ok();
    let mut store = Store::open(&cfg.storage.database)?;
    if args.scheduled {
        let fired = crate::digest::schedule::fire_due(&mut store, &cfg, &|| rules.clone(), now)?;
        drop(store);
        eprintln!("fired {} scheduled digest(s){}", fired.len(), list(&fired));
        return super::deliveries::pass(&cfg);
    }
    let period = period(&cfg, &args, now)?;
    let facts = Facts::load(&store, &cfg, None, period)?;
    let digest = facts.digest(&cfg, |_| true);
    let msg = Renderer::new(&cfg.notify.digest)?.digest(&digest)?;
    print!("{}", msg.body(args.format));
    if !args.send {
        return Ok(exit::OK);
    }
    let tag = crate::store::ts(now);
    let deliveries = crate::digest::schedule::deliveries(&cfg, rules.as_ref(), &facts, &tag)?;
    if deliveries.is_empty() {
        return Err(UsageError("--send: no [[channel]] takes digests (check 'kinds' in the config)".into()).into());
    }
    store.record_digest(None, now, period.to, &deliveries, now)?;
    drop(store);
    super::deliveries::pass(&cfg)
}

fn list(names: &[String]) -> String {
    if names.is_empty() { String::new() } else { format!(": {}", names.join(", ")) }
}

fn period(cfg: &Config, a: &Args, now: DateTime<Utc>) -> anyhow::Result<Period> {
    let p = match (&a.date, &a.from, &a.to) {
        (Some(d), _, _) => {
            let from = midnight(cfg, d, "--date")?;
            let next = NaiveDate::parse_from_str(d, "%Y-%m-%d")?.succ_opt().expect("not the last date");
            Period { from, to: midnight(cfg, &next.to_string(), "--date")? }
        }
        (None, Some(f), Some(t)) => Period { from: time(cfg, f, "--from")?, to: time(cfg, t, "--to")? },
        _ => {
            // Stored times have whole seconds: end after the current second so what happened
            // in it is in.
            let to = DateTime::from_timestamp(now.timestamp() + 1, 0).unwrap_or(now);
            Period { from: to - Duration::hours(24), to }
        }
    };
    if p.to <= p.from {
        return Err(UsageError("the period is empty: --to must be after --from".into()).into());
    }
    Ok(p)
}

/// An RFC 3339 time, or a date meaning its midnight in the configured zone.
fn time(cfg: &Config, s: &str, flag: &str) -> anyhow::Result<DateTime<Utc>> {
    super::when::parse_time(s, cfg.schedule.timezone).ok_or_else(|| invalid(s, flag))
}

/// Midnight of the date `s` in the configured zone.
fn midnight(cfg: &Config, s: &str, flag: &str) -> anyhow::Result<DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| invalid(s, flag))?;
    Ok(super::when::midnight(d, cfg.schedule.timezone))
}

fn invalid(s: &str, flag: &str) -> anyhow::Error {
    UsageError(format!("invalid {flag} '{s}': write a date like 2026-10-01 or a time like 2026-10-01T08:00:00+08:00"))
        .into()
}
