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
///
/// A hit whose rule has since been renamed or removed has no tags to check: tag-filtered channels
/// keep it rather than lose it silently.
pub fn keeps(route: &Route, hit: &HitRecord, rules: Option<&RuleSet>) -> bool {
    let severity_ok = route.min_severity.is_none_or(|min| Severity::parse(&hit.severity).is_some_and(|s| s >= min));
    let owner_ok = route.owners.is_empty() || hit.owner.as_ref().is_some_and(|o| route.owners.contains(o));
    let tags_ok = route.tags.is_empty()
        || rules.is_some_and(|rules| match rules.rules.iter().find(|r| r.name == hit.rule) {
            Some(r) => r.tags.iter().any(|t| route.tags.contains(t)),
            None => true,
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(rule: &str) -> HitRecord {
        HitRecord {
            id: 1,
            rule: rule.into(),
            severity: "high".into(),
            owner: None,
            source: "s".into(),
            url: None,
            title: None,
            author: None,
            published_at: None,
            discovered_at: "2026-11-25T00:00:00Z".into(),
            status: "new".into(),
            keywords: vec![],
            matches: vec![],
            snippet: String::new(),
            snapshot_sha256: None,
            post_id: 1,
        }
    }

    #[test]
    fn tag_filters_keep_hits_of_rules_that_no_longer_exist() {
        let rules = RuleSet::parse_str(
            std::path::Path::new("r.toml"),
            "[[rule]]\nname = \"tagged\"\nseverity = \"low\"\ntags = [\"safety\"]\nany = [\"x\"]\n\n\
             [[rule]]\nname = \"other\"\nseverity = \"low\"\nany = [\"y\"]\n",
        )
        .unwrap();
        let route = Route { kinds: vec![], min_severity: None, owners: vec![], tags: vec!["safety".into()] };
        let cases = [("tagged", true), ("other", false), ("renamed-since", true)];
        for (rule, want) in cases {
            assert_eq!(keeps(&route, &hit(rule), Some(&rules)), want, "{rule}");
        }
    }
}
