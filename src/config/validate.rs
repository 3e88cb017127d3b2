//! Turns a [`RawConfig`] into a [`Config`], collecting every problem instead of stopping at the first.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use super::raw::{RawConfig, RawFetch, RawSource};
use super::{Config, Fetch, Rules, Source, SourceKind, Storage, diag};
use crate::diag::{Diagnostic, Diagnostics};

/// The longest duration any setting accepts.
const MAX_DURATION: Duration = Duration::from_secs(7 * 24 * 3600);
/// The most sources polled at once.
const MAX_CONCURRENCY: u64 = 256;

pub(super) struct Checker<'a> {
    path: &'a Path,
    pub(super) text: &'a str,
    pub(super) problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// Records a problem at `span`; returns `None` so callers can `return c.error(…)`.
    pub(super) fn error<T>(&mut self, span: std::ops::Range<usize>, msg: impl Into<String>) -> Option<T> {
        self.err(span, msg)
    }

    pub(super) fn err<T>(&mut self, span: std::ops::Range<usize>, msg: impl Into<String>) -> Option<T> {
        self.problems.push(diag(self.path, self.text, span, msg));
        None
    }

    /// A duration that may be zero ("0s"), defaulting to zero.
    pub(super) fn duration_or_zero(&mut self, value: &Option<Spanned<String>>) -> Duration {
        let Some(v) = value else { return Duration::ZERO };
        self.parse_duration(v, true).unwrap_or_default()
    }

    pub(super) fn duration(&mut self, value: &Option<Spanned<String>>, default: Duration) -> Duration {
        let Some(v) = value else { return default };
        self.parse_duration(v, false).unwrap_or(default)
    }

    /// A duration up to [`MAX_DURATION`] (longer ones are mistakes and would overflow timers).
    fn parse_duration(&mut self, v: &Spanned<String>, zero_ok: bool) -> Option<Duration> {
        match humantime::parse_duration(v.get_ref()) {
            Ok(d) if d > MAX_DURATION => {
                self.err(v.span(), format!("duration '{}' is too long: at most 7 days", v.get_ref()))
            }
            Ok(d) if zero_ok || !d.is_zero() => Some(d),
            _ => self
                .err(v.span(), format!("invalid duration '{}': write it like \"30s\", \"5m\" or \"2h\"", v.get_ref())),
        }
    }

    pub(super) fn positive(&mut self, value: &Option<Spanned<i64>>, key: &str, default: u64) -> u64 {
        let Some(v) = value else { return default };
        match u64::try_from(*v.get_ref()) {
            Ok(n) if n > 0 => n,
            _ => self
                .err(v.span(), format!("'{key}' must be a positive whole number, not {}", v.get_ref()))
                .unwrap_or(default),
        }
    }
}

pub fn validate(path: &Path, text: &str, raw: RawConfig) -> Result<Config, Diagnostics> {
    let mut c = Checker { path, text, problems: Vec::new() };
    let base = super::base_dir(path);
    let resolve =
        |s: &Option<Spanned<String>>, default: &str| base.join(s.as_ref().map_or(default, |v| v.get_ref().as_str()));
    let storage = Storage {
        database: resolve(&raw.storage.database, "data/trawl.db"),
        archive: resolve(&raw.storage.archive, "data/archive"),
    };
    let fetch = fetch(&mut c, &raw.fetch);
    let rules = Rules {
        paths: match &raw.rules.paths {
            None => vec![base.join("rules/*.toml").to_string_lossy().into_owned()],
            Some(globs) => globs.iter().filter_map(|g| rule_glob(&mut c, base, g)).collect(),
        },
    };
    let schedule = super::schedule::schedule(&mut c, base, &raw.schedule, &raw.schedules);
    let daemon = super::schedule::daemon(&mut c, &raw.daemon);
    let log = super::schedule::log(&mut c, &raw.log);
    let sources = sources(&mut c, &raw.source, &schedule);
    let notify = super::digest::notify(&mut c, base, &raw, schedule.timezone);
    if c.problems.is_empty() {
        Ok(Config { path: path.to_path_buf(), storage, fetch, rules, schedule, daemon, log, sources, notify })
    } else {
        c.problems.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
        Err(Diagnostics(c.problems))
    }
}

fn fetch(c: &mut Checker, raw: &RawFetch) -> Fetch {
    let user_agent = match &raw.user_agent {
        Some(ua) if ua.get_ref().trim().is_empty() => c
            .err(ua.span(), "'user_agent' must not be empty: sites should be able to tell who is reading")
            .unwrap_or_default(),
        Some(ua) => ua.get_ref().clone(),
        None => crate::fetch::DEFAULT_USER_AGENT.to_string(),
    };
    Fetch {
        user_agent,
        timeout: c.duration(&raw.timeout, Duration::from_secs(30)),
        concurrency: match c.positive(&raw.concurrency, "concurrency", 4) {
            n if n > MAX_CONCURRENCY => {
                let span = raw.concurrency.as_ref().map(|v| v.span()).unwrap_or_default();
                c.err::<()>(span, format!("'concurrency' must be at most {MAX_CONCURRENCY}, not {n}"));
                4
            }
            n => n as usize,
        },
        max_bytes: c.positive(&raw.max_bytes, "max_bytes", 10 * 1024 * 1024),
        max_redirects: c.positive(&raw.max_redirects, "max_redirects", 10) as usize,
        robots: raw.robots.unwrap_or(true),
        host_delay: if raw.host_delay.is_some() { c.duration_or_zero(&raw.host_delay) } else { Duration::from_secs(1) },
    }
}

fn rule_glob(c: &mut Checker, base: &Path, g: &Spanned<String>) -> Option<String> {
    let full = base.join(g.get_ref()).to_string_lossy().into_owned();
    match glob::Pattern::new(&full) {
        Ok(_) => Some(full),
        Err(e) => c.err(g.span(), format!("invalid glob '{}': {e}", g.get_ref())),
    }
}

fn sources(c: &mut Checker, raw: &[RawSource], schedule: &super::Schedule) -> Vec<Source> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::new();
    for s in raw {
        let name = s.name.get_ref().trim();
        if name.is_empty() {
            c.err::<()>(s.name.span(), "source 'name' must not be empty");
            continue;
        }
        if let Some(first) = seen.insert(name, s.name.span().start) {
            let (line, _) = crate::diag::line_col(c.text, first);
            c.err::<()>(s.name.span(), format!("duplicate source name '{name}' (first defined on line {line})"));
        }
        let kind = match s.kind.get_ref().as_str() {
            "feed" => Some(SourceKind::Feed),
            "html" => Some(SourceKind::Html),
            other => c.err(s.kind.span(), format!("unknown source kind '{other}': expected \"feed\" or \"html\"")),
        };
        let html = match kind {
            Some(SourceKind::Html) => super::html::validate(c, s, schedule.timezone),
            _ => {
                if kind.is_some()
                    && let Some((key, span)) = super::html::html_only_key(s)
                {
                    c.err::<()>(span, format!("'{key}' only applies to sources with kind = \"html\""));
                }
                None
            }
        };
        let url = parse_url(c, &s.url);
        let schedules = super::schedule::source_schedules(c, s, &schedule.named);
        let jitter = if s.jitter.is_some() { c.duration_or_zero(&s.jitter) } else { schedule.jitter };
        if let (Some(kind), Some(url)) = (kind, url)
            && (kind != SourceKind::Html || html.is_some())
        {
            out.push(Source { name: name.to_string(), kind, url, tags: s.tags.clone(), schedules, jitter, html });
        }
    }
    out
}

fn parse_url(c: &mut Checker, raw: &Spanned<String>) -> Option<url::Url> {
    match url::Url::parse(raw.get_ref().trim()) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
        Ok(u) => c.err(
            raw.span(),
            format!(
                "bad URL '{}': only http:// and https:// URLs with a host can be watched (got scheme '{}')",
                raw.get_ref(),
                u.scheme()
            ),
        ),
        Err(e) => c.err(raw.span(), format!("bad URL '{}': {e}", raw.get_ref())),
    }
}
