//! `trawl rules test`: which rules match a text, and where.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::exit;

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// Show which rules match a text (from FILE, or standard input with - or no argument)
    Test {
        /// A text file to test; - or nothing reads standard input
        file: Option<PathBuf>,
    },
}

pub fn run(config: &Path, cmd: RulesCommand) -> anyhow::Result<u8> {
    let RulesCommand::Test { file } = cmd;
    let cfg = super::load_config(config)?;
    let rules = super::load_rules(&cfg)?;
    let mut text = String::new();
    match file.as_deref() {
        None => std::io::stdin().read_to_string(&mut text)?,
        Some(p) if p == Path::new("-") => std::io::stdin().read_to_string(&mut text)?,
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| anyhow::anyhow!("cannot read '{}': {e}", p.display()))?;
            text = crate::fetch::charset::decode(&bytes, None).text;
            0
        }
    };
    let hits = rules.matcher.match_text(&text);
    if hits.is_empty() {
        println!("no rule matches");
        return Ok(exit::OK);
    }
    for h in hits {
        let r = &rules.rules[h.rule];
        println!("{} [{}] ({}:{})", r.name, r.severity.as_str(), r.file.display(), r.line);
        for m in &h.matches {
            println!(
                "  {} bytes {}..{}  {:?}",
                super::table::pad(&m.keyword, 20),
                m.start,
                m.end,
                &text[m.start..m.end]
            );
        }
        println!("  snippet: {}", h.snippet);
    }
    Ok(exit::OK)
}
