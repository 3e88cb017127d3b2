//! `trawl hits list` and `trawl hits show`.

use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::table::{Column, render};
use super::{Format, UsageError, exit};
use crate::rules::Severity;
use crate::store::Store;
use crate::store::hits::{HitFilter, HitRecord};
use crate::store::reviews::Review;

#[derive(Debug, clap::Subcommand)]
pub enum HitsCommand {
    /// List hits, oldest first
    List(ListArgs),
    /// Show one hit with its matches and evidence
    Show {
        /// Hit id (from `hits list`)
        id: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Move a hit along its review path (new → confirmed → reported → resolved, or dismissed)
    Review(super::review::ReviewArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only hits discovered since this date (YYYY-MM-DD: midnight in [schedule] timezone) or RFC 3339 time
    #[arg(long, value_name = "DATE|RFC3339")]
    pub since: Option<String>,
    /// Only hits of this rule (repeatable)
    #[arg(long = "rule", value_name = "NAME")]
    pub rules: Vec<String>,
    /// Only hits from this source (repeatable)
    #[arg(long = "source", value_name = "NAME")]
    pub sources: Vec<String>,
    /// Only hits in this review status (repeatable): new, confirmed, reported, resolved, dismissed
    #[arg(long = "status", value_name = "STATUS")]
    pub statuses: Vec<String>,
    /// Only hits at or above this severity: low, medium, high, critical
    #[arg(long, value_name = "SEVERITY")]
    pub severity: Option<String>,
    /// At most this many hits
    #[arg(long)]
    pub limit: Option<u64>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(config: &Path, cmd: HitsCommand) -> anyhow::Result<u8> {
    let cfg = super::load_config(config)?;
    let mut store = Store::open(&cfg.storage.database)?;
    match cmd {
        HitsCommand::Review(args) => return super::review::run(&mut store, args),
        HitsCommand::List(args) => {
            let tz = cfg.schedule.timezone;
            let filter = filter(&args, tz)?;
            let hits = store.list_hits(&filter)?;
            print!("{}", format_hits(&hits, args.format, tz)?);
        }
        HitsCommand::Show { id, format } => {
            let Some(hit) = store.hit(id)? else {
                eprintln!("no hit with id {id} (see `trawl hits list`)");
                return Ok(exit::FAILURE);
            };
            let reviews = store.reviews(id)?;
            match format {
                Format::Json => {
                    let shown = ShownHit { hit: &hit, reviews: &reviews };
                    println!("{}", serde_json::to_string_pretty(&shown)?)
                }
                _ => print!("{}", show(&hit, &reviews, cfg.schedule.timezone)),
            }
        }
    }
    Ok(exit::OK)
}

fn filter(a: &ListArgs, tz: Tz) -> anyhow::Result<HitFilter> {
    const STATUSES: [&str; 5] = ["new", "confirmed", "reported", "resolved", "dismissed"];
    if let Some(bad) = a.statuses.iter().find(|s| !STATUSES.contains(&s.as_str())) {
        return Err(UsageError(format!("unknown status '{bad}': expected one of {}", STATUSES.join(", "))).into());
    }
    let min_severity = match &a.severity {
        None => None,
        Some(s) => Some(
            Severity::parse(s)
                .ok_or_else(|| UsageError(format!("unknown severity '{s}': expected low, medium, high or critical")))?,
        ),
    };
    Ok(HitFilter {
        since: a.since.as_deref().map(|s| parse_since(s, tz)).transpose()?,
        rules: a.rules.clone(),
        sources: a.sources.clone(),
        statuses: a.statuses.clone(),
        min_severity,
        limit: a.limit,
    })
}

/// An RFC 3339 time, or `YYYY-MM-DD` / `YYYY-MM-DD HH:MM` in the config's time zone.
pub fn parse_since(s: &str, tz: Tz) -> anyhow::Result<DateTime<Utc>> {
    super::when::parse_time(s, tz).ok_or_else(|| {
        UsageError(format!(
            "invalid --since '{s}': write a date like 2026-03-05 or a time like 2026-03-05T08:00:00+08:00"
        ))
        .into()
    })
}

/// A stored UTC time as `YYYY-MM-DD HH:MM` in the config's time zone.
fn local(t: &str, tz: Tz) -> String {
    super::when::show(t, tz, "%Y-%m-%d %H:%M")
}

/// Renders hits in the chosen format.
pub fn format_hits(hits: &[HitRecord], format: Format, tz: Tz) -> anyhow::Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(hits)? + "\n",
        Format::Csv => csv(hits)?,
        Format::Table if hits.is_empty() => "no hits\n".to_string(),
        Format::Table => {
            let cols = [
                Column { header: "ID", max: Some(6) },
                Column { header: "SEVERITY", max: Some(8) },
                Column { header: "RULE", max: Some(14) },
                Column { header: "SOURCE", max: Some(14) },
                Column { header: "DISCOVERED", max: Some(16) },
                Column { header: "TITLE", max: None },
            ];
            let rows: Vec<Vec<String>> = hits
                .iter()
                .map(|h| {
                    let title = h.title.clone().unwrap_or_else(|| h.snippet.clone());
                    vec![
                        h.id.to_string(),
                        h.severity.clone(),
                        h.rule.clone(),
                        h.source.clone(),
                        local(&h.discovered_at, tz),
                        title,
                    ]
                })
                .collect();
            render(&cols, &rows, 100)
        }
    })
}

fn csv(hits: &[HitRecord]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "rule",
        "severity",
        "owner",
        "source",
        "url",
        "title",
        "author",
        "published_at",
        "discovered_at",
        "status",
        "keywords",
        "snippet",
        "snapshot_sha256",
    ])?;
    for h in hits {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        w.write_record([
            h.id.to_string(),
            h.rule.clone(),
            h.severity.clone(),
            opt(&h.owner),
            h.source.clone(),
            opt(&h.url),
            opt(&h.title),
            opt(&h.author),
            opt(&h.published_at),
            h.discovered_at.clone(),
            h.status.clone(),
            h.keywords.join("; "),
            h.snippet.clone(),
            opt(&h.snapshot_sha256),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// `hits show --format json`: the hit's fields plus its review history.
#[derive(serde::Serialize)]
struct ShownHit<'a> {
    #[serde(flatten)]
    hit: &'a HitRecord,
    reviews: &'a [Review],
}

fn show(h: &HitRecord, reviews: &[Review], tz: Tz) -> String {
    let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    let mut out = format!(
        "hit {}  [{}] {}  status: {}\nsource:     {}\ntitle:      {}\nurl:        {}\nauthor:     {}\npublished:  {}\ndiscovered: {}\nowner:      {}\nsnapshot:   {}\nkeywords:   {}\nsnippet:    {}\nmatches:\n",
        h.id,
        h.severity,
        h.rule,
        h.status,
        h.source,
        opt(&h.title),
        opt(&h.url),
        opt(&h.author),
        h.published_at.as_deref().map_or("-".into(), |t| local(t, tz)),
        local(&h.discovered_at, tz),
        opt(&h.owner),
        opt(&h.snapshot_sha256),
        h.keywords.join(", "),
        h.snippet
    );
    for m in &h.matches {
        out += &format!("  {} bytes {}..{}\n", super::table::pad(&m.keyword, 20), m.start, m.end);
    }
    if !reviews.is_empty() {
        out += "reviews:\n";
        for r in reviews {
            let by = r.by.as_deref().map(|b| format!(" by {b}")).unwrap_or_default();
            let note = r.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
            out += &format!("  {}  {} → {}{by}{note}\n", local(&r.at, tz), r.from_status, r.to_status);
        }
    }
    out
}
