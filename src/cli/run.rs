//! `trawl run`: the daemon.

use std::path::Path;

use super::exit;

pub fn run(config: &Path) -> anyhow::Result<u8> {
    let cfg = super::load_config(config)?;
    let rules = super::load_rules(&cfg)?;
    warn_calendar(&cfg);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(crate::daemon::run(config.to_path_buf(), cfg, rules))?;
    Ok(exit::OK)
}

/// Logs the same calendar warnings `trawl check` prints.
fn warn_calendar(cfg: &crate::config::Config) {
    for w in super::schedule::calendar_warnings(cfg, chrono::Utc::now()) {
        tracing::warn!("{w}");
    }
}
