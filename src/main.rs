//! The `trawl` binary: parse arguments, set up logging, run one command, map the result to an
//! exit code (0 ok, 1 runtime failure, 2 bad usage or invalid config/rules).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use trawl::cli::{self, Cli, LogFormat, UsageError, exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = trawl::config::log_level_hint(&trawl::config::resolve_path(cli.config.clone()));
    init_logging(cli.log_format, level.as_deref().unwrap_or("info"));
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(if e.is::<UsageError>() { exit::USAGE } else { exit::FAILURE })
        }
    }
}

/// Logs to stderr: `RUST_LOG` wins over the config's `[log] level`; plain text without colour
/// when stderr is not a terminal (journald), or JSON.
fn init_logging(format: LogFormat, level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}
