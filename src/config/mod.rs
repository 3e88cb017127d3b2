//! Loading and validating `trawl.toml`.
//!
//! The file is parsed once into raw, span-carrying structs ([`raw`]) and then checked as a whole
//! into a [`Config`] ([`validate`]). Every problem is reported as `path:line:col: message`; nothing
//! after this module re-checks the config. Relative paths resolve against the config file's folder.

mod digest;
pub mod html;
mod raw;
mod schedule;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diag::{Diagnostic, Diagnostics};

pub use digest::{
    Alerts, CaFile, Channel, ChannelKind, Delivery, DigestConfig, DigestSchedule, Notify, Route, Security,
    WebhookFormat,
};

/// The default config path when neither `-c` nor `$TRAWL_CONFIG` is given.
pub const DEFAULT_PATH: &str = "config/trawl.toml";

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was loaded from.
    pub path: PathBuf,
    pub storage: Storage,
    pub fetch: Fetch,
    pub rules: Rules,
    pub schedule: Schedule,
    pub daemon: Daemon,
    pub log: Log,
    pub sources: Vec<Source>,
    /// Digests, alerts and the channels they are delivered through.
    pub notify: Notify,
}

/// When sources are polled.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The zone cron expressions and calendar days are read in.
    pub timezone: chrono_tz::Tz,
    /// Holidays and make-up workdays from `[schedule] calendar` files.
    pub calendar: crate::schedule::Calendar,
    /// Default spread of a slot's polls (0: all start on the slot).
    pub jitter: Duration,
    /// `[schedules.NAME]` tables, or the built-in `daytime` and `night`.
    pub named: Vec<crate::schedule::NamedSchedule>,
}

/// The run loop's settings.
#[derive(Debug, Clone)]
pub struct Daemon {
    /// How long in-flight polls may finish after SIGTERM before they are cancelled.
    pub shutdown_grace: Duration,
}

/// Logging settings (`RUST_LOG` overrides `level`).
#[derive(Debug, Clone, Default)]
pub struct Log {
    pub level: Option<String>,
}

/// Where the database and the evidence archive live.
#[derive(Debug, Clone)]
pub struct Storage {
    pub database: PathBuf,
    pub archive: PathBuf,
}

/// How trawl fetches pages.
#[derive(Debug, Clone)]
pub struct Fetch {
    pub user_agent: String,
    pub timeout: Duration,
    pub concurrency: usize,
    /// Responses larger than this are cut off and the poll fails.
    pub max_bytes: u64,
    pub max_redirects: usize,
    /// Obey robots.txt (default true).
    pub robots: bool,
    /// Minimum time between the starts of two requests to the same host.
    pub host_delay: Duration,
}

/// Where rule files are found.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Glob patterns, already resolved against the config folder.
    pub paths: Vec<String>,
}

/// What a source publishes and so how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed.
    Feed,
    /// A news list or forum board read with CSS selectors ([`html::HtmlSource`]).
    Html,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Html => "html",
        }
    }
}

/// One watched URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub kind: SourceKind,
    pub url: url::Url,
    pub tags: Vec<String>,
    /// The schedules this source polls on (named ones it lists, or its own `cron`).
    pub schedules: Vec<crate::schedule::NamedSchedule>,
    /// Spread of this source's start within a slot; falls back to `[schedule] jitter`.
    pub jitter: Duration,
    /// Selectors, follow, budgets and time zone; `Some` exactly when `kind` is `Html`.
    pub html: Option<std::sync::Arc<html::HtmlSource>>,
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("cannot read config '{path}': {source} (pass another file with -c or set $TRAWL_CONFIG)")]
    Read { path: PathBuf, source: std::io::Error },
    /// The file was read but is invalid; one diagnostic per problem.
    #[error("{0}")]
    Invalid(Diagnostics),
}

impl Config {
    /// Reads and validates the config at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Self::parse(path, &text)
    }

    /// Validates `text` as if it had been read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: raw::RawConfig = toml::from_str(text)
            .map_err(|e| ConfigError::Invalid(Diagnostics(vec![crate::diag::from_toml(path, text, &e)])))?;
        validate::validate(path, text, raw).map_err(ConfigError::Invalid)
    }

    /// The folder relative paths in this config resolve against.
    pub fn base_dir(&self) -> &Path {
        base_dir(&self.path)
    }

    /// Finds a source by name.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }
}

fn base_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `[log] level` from the config file, read leniently before logging starts (the full validation
/// comes later and reports any problem).
pub fn log_level_hint(path: &Path) -> Option<String> {
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    table.get("log")?.get("level")?.as_str().map(str::to_string)
}

/// `[rules] paths` read leniently (default `rules/*.toml`), resolved like [`Config::load`] does, so
/// `trawl check` can report rule problems even when the config itself is invalid.
pub fn lenient_rule_paths(path: &Path) -> Vec<String> {
    let table: Option<toml::Table> = std::fs::read_to_string(path).ok().and_then(|t| toml::from_str(&t).ok());
    let globs: Vec<String> = table
        .as_ref()
        .and_then(|t| t.get("rules")?.get("paths")?.as_array().cloned())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_else(|| vec!["rules/*.toml".to_string()]);
    globs.iter().map(|g| base_dir(path).join(g).to_string_lossy().into_owned()).collect()
}

/// Resolves the config path: `-c`, then `$TRAWL_CONFIG` (clap reads it), then the default.
pub fn resolve_path(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| PathBuf::from(DEFAULT_PATH))
}

pub(crate) fn diag(path: &Path, text: &str, span: std::ops::Range<usize>, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::at(path, text, Some(span), msg)
}
