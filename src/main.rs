//! The `trawl` binary: parse arguments, set up logging, run one command, map the result to an
//! exit code (0 ok, 1 runtime failure, 2 bad usage or invalid config/rules).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use trawl::cli::{self, Cli, LogFormat, UsageError, exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(if e.is::<UsageError>() { exit::USAGE } else { exit::FAILURE })
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}
