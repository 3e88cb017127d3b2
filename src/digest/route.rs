//! Routing: which channels receive a message, and which of its hits.

use crate::config::{Channel, Route};
use crate::rules::{RuleSet, Severity};
use crate::store::hits::HitRecord;

/// True if `route` takes messages of `kind` (`recovered` travels with `source-down`).
pub fn takes_kind(route: &Route, kind: &str) -> bool {
    let kind = if kind == "recovered" { "source-down" } else { kind };
    route.kinds.is_empty() || route.kinds.iter().any(|k| k == kind)
}

/// True if `route` keeps `hit`: severity, owner and rule tag filters all pass.
pub fn keeps(route: &Route, hit: &HitRecord, rules: Option<&RuleSet>) -> bool {
    let severity_ok = route.min_severity.is_none_or(|min| Severity::parse(&hit.severity).is_some_and(|s| s >= min));
    let owner_ok = route.owners.is_empty() || hit.owner.as_ref().is_some_and(|o| route.owners.contains(o));
    let tags_ok = route.tags.is_empty()
        || rules
            .and_then(|r| r.rules.iter().find(|r| r.name == hit.rule))
            .is_some_and(|r| r.tags.iter().any(|t| route.tags.contains(t)));
    severity_ok && owner_ok && tags_ok
}

/// The channels that take messages of `kind`.
pub fn channels_for<'a>(channels: &'a [Channel], kind: &'a str) -> impl Iterator<Item = &'a Channel> + 'a {
    channels.iter().filter(move |c| takes_kind(&c.route, kind))
}

/// A key safe in file names and headers (letters, digits, `-`, `_`, `.`), made unique by a short
/// hash of the parts as given (names may be non-ASCII).
pub fn safe_key(parts: &[&str]) -> String {
    use sha2::Digest;
    let hash = hex::encode(&sha2::Sha256::digest(parts.join("\u{0}").as_bytes())[..4]);
    let readable = parts
        .iter()
        .map(|p| {
            p.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' }).collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("_");
    format!("{readable}_{hash}")
}
