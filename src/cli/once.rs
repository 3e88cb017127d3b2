//! `trawl once`: poll now, print one line per source and a total.

use std::path::Path;
use std::sync::Arc;

use super::exit;
use crate::poll::{self, RunSummary, Status};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Poll only this source (repeatable)
    #[arg(long = "source", value_name = "NAME")]
    pub sources: Vec<String>,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<u8> {
    let cfg = super::load_config(config)?;
    let rules = Arc::new(super::load_rules(&cfg)?);
    let rt = tokio::runtime::Runtime::new()?;
    let summary = rt.block_on(poll::run_once(&cfg, rules, &args.sources)).map_err(|e| match e {
        poll::PollError::UnknownSource(_) => super::UsageError(e.to_string()).into(),
        e => anyhow::Error::new(e),
    })?;
    print!("{}", render(&summary));
    drop(rt);
    // Alerts were enqueued with the polls; without a daemon, deliver them now.
    if !cfg.notify.channels.is_empty() {
        let r = super::deliveries::deliver(&cfg)?;
        if r.attempted > 0 {
            println!("deliveries: {} sent, {} failed", r.sent, r.failed);
        }
    }
    Ok(if summary.failed() == 0 { exit::OK } else { exit::FAILURE })
}

/// One line per source, then the total.
pub fn render(s: &RunSummary) -> String {
    let width = s.reports.iter().map(|r| super::table::width(&r.name)).max().unwrap_or(0);
    let mut out = String::new();
    for r in &s.reports {
        let name = super::table::pad(&r.name, width);
        let secs = r.duration.as_secs_f64();
        let line = match &r.status {
            Status::Failed(err) => format!("FAILED  {name}  {err}"),
            Status::NotModified => format!("ok      {name}  not modified  {secs:.1}s"),
            Status::Ok => format!(
                "ok      {name}  {} posts, {} new, {} changed, {} new hits  {secs:.1}s",
                r.stats.posts_seen, r.stats.posts_new, r.stats.posts_changed, r.stats.hits_new
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let n = s.reports.len();
    out.push_str(&format!(
        "total: {n} sources, {} ok, {} failed; {} new posts; {} new hits\n",
        n - s.failed(),
        s.failed(),
        s.posts_new(),
        s.hits_new()
    ));
    out
}
