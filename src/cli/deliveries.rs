//! `trawl deliveries`: the outbox — list it, retry failed messages, send what is due.

use std::path::Path;

use chrono::Utc;

use super::table::{Column, render};
use super::{TableOrJson, UsageError, exit};
use crate::config::Config;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Only deliveries in this status: pending, sent, failed
    #[arg(long, global = true)]
    pub status: Option<String>,
    #[arg(long, value_enum, default_value_t = TableOrJson::Table, global = true)]
    pub format: TableOrJson,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List deliveries, newest first (the default)
    List,
    /// Make a delivery (or all unsent ones) due now with fresh attempts, then send
    Retry {
        /// Delivery id (from `deliveries list`)
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        #[arg(long)]
        all: bool,
    },
    /// Send every delivery that is due now, once, then exit
    Send,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<u8> {
    let cfg = super::load_config(config)?;
    match args.command.unwrap_or(Command::List) {
        Command::List => list(&cfg, args.status.as_deref(), args.format),
        Command::Retry { id, all: _ } => {
            let n = Store::open(&cfg.storage.database)?.retry_deliveries(id, Utc::now())?;
            if n == 0 {
                eprintln!("nothing to retry{}", id.map(|i| format!(": no unsent delivery {i}")).unwrap_or_default());
                return Ok(if id.is_some() { exit::FAILURE } else { exit::OK });
            }
            pass(&cfg)
        }
        Command::Send => pass(&cfg),
    }
}

fn list(cfg: &Config, status: Option<&str>, format: TableOrJson) -> anyhow::Result<u8> {
    if let Some(s) = status.filter(|s| !["pending", "sent", "failed"].contains(s)) {
        return Err(UsageError(format!("unknown status '{s}': expected pending, sent or failed")).into());
    }
    let rows = Store::open(&cfg.storage.database)?.list_deliveries(status)?;
    if format == TableOrJson::Json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(exit::OK);
    }
    if rows.is_empty() {
        println!("no deliveries");
        return Ok(exit::OK);
    }
    let cols = [
        Column { header: "ID", max: Some(6) },
        Column { header: "KIND", max: Some(11) },
        Column { header: "CHANNEL", max: Some(14) },
        Column { header: "STATUS", max: Some(7) },
        Column { header: "TRIES", max: Some(5) },
        Column { header: "CREATED", max: Some(20) },
        Column { header: "SUBJECT / LAST ERROR", max: None },
    ];
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|d| {
            let what = match (&d.status[..], &d.last_error) {
                ("sent", _) | (_, None) => d.subject.clone(),
                (_, Some(e)) => format!("[{e}] {}", d.subject),
            };
            vec![
                d.id.to_string(),
                d.kind.clone(),
                d.channel.clone(),
                d.status.clone(),
                d.attempts.to_string(),
                d.created_at.clone(),
                what,
            ]
        })
        .collect();
    print!("{}", render(&cols, &rows, 140));
    Ok(exit::OK)
}

/// One delivery pass (30 s at most); exit 1 if a delivery failed.
pub fn pass(cfg: &Config) -> anyhow::Result<u8> {
    let r = deliver(cfg)?;
    if r.attempted > 0 {
        eprintln!("deliveries: {} sent, {} failed (see `trawl deliveries`)", r.sent, r.failed);
    }
    Ok(if r.failed == 0 { exit::OK } else { exit::FAILURE })
}

/// Sends what is due, for commands that run without the daemon (`once`, `digest --send`).
pub fn deliver(cfg: &Config) -> anyhow::Result<crate::digest::outbox::PassReport> {
    let rt = tokio::runtime::Runtime::new()?;
    let token = tokio_util::sync::CancellationToken::new();
    Ok(rt.block_on(crate::digest::outbox::deliver_pass(cfg, std::time::Duration::from_secs(30), &token))?)
}
