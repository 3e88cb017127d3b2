//! The command line: argument parsing (clap derive) and one file per subcommand.
//!
//! [`run`] dispatches a parsed [`Cli`] and returns the process exit code; errors that mean "bad
//! usage or invalid config/rules" are [`UsageError`]s and map to exit code 2.

mod check;
mod deliveries;
mod digest;
mod hits;
mod once;
mod review;
mod rules_test;
mod run;
mod schedule;
mod sources;
mod sources_list;
pub mod table;
mod when;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit codes, as documented in README.md.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// A runtime failure (a source failed, the database is unreachable, …).
    pub const FAILURE: u8 = 1;
    /// Bad usage or an invalid config or rule file.
    pub const USAGE: u8 = 2;
}

/// trawl: watches public feeds and sites, matches keyword rules, keeps every hit with its evidence.
#[derive(Debug, Parser)]
#[command(name = "trawl", version, about, max_term_width = 100)]
pub struct Cli {
    /// Config file [default: $TRAWL_CONFIG, then config/trawl.toml]
    #[arg(short, long, global = true, env = "TRAWL_CONFIG", value_name = "CONFIG")]
    pub config: Option<PathBuf>,
    /// Log line format on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: poll every source on its schedule until SIGTERM
    Run,
    /// Poll every source (or the named ones) now, once, then exit
    Once(once::Args),
    /// List the next poll times
    Schedule(schedule::Args),
    /// Validate the config and the rule files
    Check,
    /// Query and review hits
    #[command(subcommand)]
    Hits(hits::HitsCommand),
    /// Work with rules
    #[command(subcommand)]
    Rules(rules_test::RulesCommand),
    /// Health of every source; `sources test NAME` shows what a source would yield, storing nothing
    Sources(SourcesArgs),
    /// Render the digest of a period (default: the last 24 hours); --send delivers it
    Digest(digest::Args),
    /// The delivery outbox: list, retry, send
    Deliveries(deliveries::Args),
}

/// `trawl sources`: without a subcommand, the health of every source.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SourcesArgs {
    #[command(subcommand)]
    pub command: Option<sources::SourcesCommand>,
    /// Output format of the health list
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    pub format: TableOrJson,
}

/// Bad usage, or an invalid config or rule file: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs the parsed command; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let config_path = crate::config::resolve_path(cli.config);
    match cli.command {
        Command::Run => run::run(&config_path),
        Command::Once(args) => once::run(&config_path, args),
        Command::Schedule(args) => schedule::run(&config_path, args),
        Command::Check => check::run(&config_path),
        Command::Hits(cmd) => hits::run(&config_path, cmd),
        Command::Rules(cmd) => rules_test::run(&config_path, cmd),
        Command::Sources(SourcesArgs { command: Some(cmd), .. }) => sources::run(&config_path, cmd),
        Command::Sources(SourcesArgs { command: None, format }) => sources_list::run(&config_path, format),
        Command::Digest(args) => digest::run(&config_path, args),
        Command::Deliveries(args) => deliveries::run(&config_path, args),
    }
}

/// Loads the config, mapping invalid config to a [`UsageError`].
pub(crate) fn load_config(path: &std::path::Path) -> anyhow::Result<crate::config::Config> {
    crate::config::Config::load(path).map_err(|e| UsageError(e.to_string()).into())
}

/// Loads the rules of `cfg`, mapping invalid rules to a [`UsageError`].
pub(crate) fn load_rules(cfg: &crate::config::Config) -> anyhow::Result<crate::rules::RuleSet> {
    crate::rules::RuleSet::load(&cfg.rules.paths).map_err(|e| UsageError(e.to_string()).into())
}

/// Output format of lists without a CSV form (`sources`, `deliveries`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableOrJson {
    Table,
    Json,
}

/// Output formats shared by listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}
