//! `trawl sources`: the health of every configured source — last poll, status, last success,
//! failures, next slot — from the database.

use std::path::Path;

use chrono::Utc;
use chrono_tz::Tz;

use super::table::{Column, render};
use super::{TableOrJson, exit};
use crate::store::Store;
use crate::store::sources::SourceHealth;

pub fn run(config: &Path, format: TableOrJson) -> anyhow::Result<u8> {
    let cfg = super::load_config(config)?;
    let store = Store::open(&cfg.storage.database)?;
    let names: Vec<String> = cfg.sources.iter().map(|s| s.name.clone()).collect();
    let health = store.source_health(&names, Utc::now())?;
    let rows: Vec<SourceHealth> = cfg
        .sources
        .iter()
        .zip(health)
        .map(|(s, h)| {
            h.unwrap_or_else(|| SourceHealth {
                name: s.name.clone(),
                kind: s.kind.as_str().into(),
                url: s.url.to_string(),
                ..SourceHealth::default()
            })
        })
        .collect();
    match format {
        TableOrJson::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        TableOrJson::Table => print!("{}", table(&rows, cfg.schedule.timezone)),
    }
    Ok(exit::OK)
}

fn table(rows: &[SourceHealth], tz: Tz) -> String {
    if rows.is_empty() {
        return "no sources in the config\n".into();
    }
    let t =
        |v: &Option<String>| v.as_deref().map_or_else(|| "-".to_string(), |s| super::when::show(s, tz, "%m-%d %H:%M"));
    let cols = [
        Column { header: "SOURCE", max: Some(18) },
        Column { header: "STATUS", max: Some(12) },
        Column { header: "LAST POLL", max: Some(11) },
        Column { header: "LAST OK", max: Some(11) },
        Column { header: "24H", max: Some(9) },
        Column { header: "NEXT", max: Some(11) },
        Column { header: "LAST ERROR", max: None },
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|h| {
            let status = match (&h.last_status, h.consecutive_failures) {
                (None, _) => "never polled".to_string(),
                (Some(s), n) if s == "failed" => format!("failed ×{n}"),
                (Some(s), _) => s.replace('_', " "),
            };
            let day = format!("{}/{}", h.polls_24h - h.failed_24h, h.polls_24h);
            vec![
                h.name.clone(),
                status,
                t(&h.last_poll_at),
                t(&h.last_success_at),
                day,
                t(&h.next_due_at),
                h.last_error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    format!("times in {tz}; 24H = successful/all polls in the last 24 hours\n{}", render(&cols, &cells, 100))
}
