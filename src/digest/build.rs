//! A period → the data of its digest: hits, totals, and per-source coverage from the store.
//!
//! Coverage is what makes a zero report worth something: every configured source with its
//! successful and failed polls in the period. A source that failed, or was never polled, makes
//! the digest "incomplete", and the templates say so in their first lines.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::Config;
use crate::schedule::DayKind;
use crate::store::coverage::SourceCoverage;
use crate::store::hits::HitRecord;
use crate::store::{Store, StoreError};

/// A half-open span of time `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// What the store says about a period, before it is cut per channel.
#[derive(Debug, Clone)]
pub struct Facts {
    pub name: Option<String>,
    pub period: Period,
    pub hits: Vec<HitRecord>,
    pub coverage: Vec<SourceCoverage>,
    pub undelivered: Vec<crate::store::deliveries::Delivery>,
}

impl Facts {
    /// Reads the facts of `period` for the sources configured in `cfg`.
    pub fn load(store: &Store, cfg: &Config, name: Option<&str>, period: Period) -> Result<Facts, StoreError> {
        let mut known = store.coverage(period.from, period.to)?;
        let mut coverage: Vec<SourceCoverage> = cfg
            .sources
            .iter()
            .map(|s| match known.iter().position(|k| k.name == s.name) {
                Some(i) => known.swap_remove(i),
                None => SourceCoverage { name: s.name.clone(), ..Default::default() },
            })
            .collect();
        // Sources removed from the config but polled in the period still prove (or disprove) watch.
        coverage.extend(known.into_iter().filter(|k| k.polls_ok + k.polls_failed > 0));
        Ok(Facts {
            name: name.map(str::to_string),
            period,
            hits: store.hits_between(period.from, period.to)?,
            coverage,
            undelivered: store.undelivered()?,
        })
    }
}

/// One hit as digests and alerts show it.
#[derive(Debug, Clone, Serialize)]
pub struct ShownHit {
    pub id: i64,
    pub severity: String,
    pub rule: String,
    pub owner: Option<String>,
    pub source: String,
    pub title: String,
    pub url: Option<String>,
    pub published: Option<String>,
    pub discovered: String,
    pub status: String,
    pub keywords: Vec<String>,
    /// The snippet cut into plain and keyword pieces, so each format can mark keywords its way.
    pub snippet: Vec<Piece>,
}

/// A piece of a snippet; `k` is true for a matched keyword.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Piece {
    pub t: String,
    pub k: bool,
}

/// A name and how many hits it has.
#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub name: String,
    pub count: usize,
}

/// A delivery that has not gone out, named in the next digest.
#[derive(Debug, Clone, Serialize)]
pub struct Undelivered {
    pub id: i64,
    pub kind: String,
    pub channel: String,
    pub subject: String,
    pub attempts: i64,
    pub status: String,
    pub last_error: Option<String>,
}

/// Everything a digest template reads; also the `--format json` output.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    pub name: Option<String>,
    pub timezone: String,
    /// Local times `YYYY-MM-DD HH:MM` in `timezone`.
    pub from: String,
    pub to: String,
    pub from_utc: String,
    pub to_utc: String,
    /// Calendar days the period touches, with their kind (`holiday (国庆节)`, `weekend`, …).
    pub days: Vec<Day>,
    pub zero: bool,
    /// False when a source failed or was not polled at all in the period.
    pub complete: bool,
    pub failing_sources: Vec<String>,
    pub unpolled_sources: Vec<String>,
    pub total: usize,
    pub by_severity: Vec<Count>,
    pub by_rule: Vec<Count>,
    pub by_source: Vec<Count>,
    pub by_status: Vec<Count>,
    pub hits: Vec<ShownHit>,
    pub coverage: Vec<SourceCoverage>,
    pub undelivered: Vec<Undelivered>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Day {
    pub date: String,
    /// `workday`, `weekend`, `holiday` or `make-up-workday`.
    pub kind: &'static str,
    /// The holiday's or make-up workday's name.
    pub name: Option<String>,
    /// English label: `holiday (国庆节)`.
    pub label: String,
    pub workday: bool,
}

/// Formats a stored UTC time as local `YYYY-MM-DD HH:MM`.
pub fn local(t: &str, tz: Tz) -> String {
    DateTime::parse_from_rfc3339(t).map_or_else(|_| t.to_string(), |t| fmt_local(t.with_timezone(&Utc), tz))
}

pub fn fmt_local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// Cuts `snippet` around every occurrence of `keywords`, found the way rules match them
/// (NFKC, case, Traditional/Simplified folded); overlapping occurrences are marked as one.
pub fn pieces(snippet: &str, keywords: &[String]) -> Vec<Piece> {
    use crate::rules::normalize::{normalize, normalize_keyword};
    let norm = normalize(snippet);
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for k in keywords.iter().map(|k| normalize_keyword(k)).filter(|k| !k.is_empty()) {
        marks.extend(norm.text.match_indices(&k).map(|(i, m)| norm.span(i, i + m.len())));
    }
    marks.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in marks {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in merged {
        if s > at {
            out.push(Piece { t: snippet[at..s].to_string(), k: false });
        }
        out.push(Piece { t: snippet[s..e].to_string(), k: true });
        at = e;
    }
    if at < snippet.len() {
        out.push(Piece { t: snippet[at..].to_string(), k: false });
    }
    out
}

pub fn shown(h: &HitRecord, tz: Tz) -> ShownHit {
    ShownHit {
        id: h.id,
        severity: h.severity.clone(),
        rule: h.rule.clone(),
        owner: h.owner.clone(),
        source: h.source.clone(),
        title: h.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| h.snippet.clone()),
        url: h.url.clone(),
        published: h.published_at.as_deref().map(|t| local(t, tz)),
        discovered: local(&h.discovered_at, tz),
        status: h.status.clone(),
        keywords: h.keywords.clone(),
        snippet: pieces(&h.snippet, &h.keywords),
    }
}

fn counts<'a>(items: impl Iterator<Item = &'a str>) -> Vec<Count> {
    let mut m: BTreeMap<&str, usize> = BTreeMap::new();
    for i in items {
        *m.entry(i).or_default() += 1;
    }
    let mut v: Vec<Count> = m.into_iter().map(|(n, c)| Count { name: n.to_string(), count: c }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    v
}

fn days(p: Period, tz: Tz, cal: &crate::schedule::Calendar) -> Vec<Day> {
    let first = p.from.with_timezone(&tz).date_naive();
    // The end is exclusive: a period ending at midnight does not touch the next day.
    let last = (p.to - chrono::Duration::seconds(1)).with_timezone(&tz).date_naive();
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .take(31)
        .map(|d| {
            let day = cal.day_kind(d);
            let (kind, name) = match &day {
                DayKind::Workday => ("workday", None),
                DayKind::Weekend => ("weekend", None),
                DayKind::Holiday(n) => ("holiday", Some(n.clone())),
                DayKind::MakeupWorkday(n) => ("make-up-workday", Some(n.clone())),
            };
            Day { date: d.to_string(), kind, name, label: day.label(), workday: day.is_workday() }
        })
        .collect()
}

impl Facts {
    /// The digest of these facts with only the hits `keep` accepts (a channel's routing).
    pub fn digest(&self, cfg: &Config, keep: impl Fn(&HitRecord) -> bool) -> Digest {
        let tz = cfg.schedule.timezone;
        let mut hits: Vec<&HitRecord> = self.hits.iter().filter(|h| keep(h)).collect();
        // Most serious first, then in the order they were found.
        hits.sort_by_key(|h| (std::cmp::Reverse(crate::rules::Severity::parse(&h.severity)), h.id));
        let mut by_severity = counts(hits.iter().map(|h| h.severity.as_str()));
        by_severity.sort_by_key(|c| std::cmp::Reverse(crate::rules::Severity::parse(&c.name)));
        let coverage: Vec<SourceCoverage> = self
            .coverage
            .iter()
            .map(|c| SourceCoverage {
                last_success: c.last_success.as_deref().map(|t| local(t, tz)),
                last_error_at: c.last_error_at.as_deref().map(|t| local(t, tz)),
                ..c.clone()
            })
            .collect();
        let failing: Vec<String> = coverage.iter().filter(|c| c.polls_failed > 0).map(|c| c.name.clone()).collect();
        let unpolled: Vec<String> =
            coverage.iter().filter(|c| c.polls_ok + c.polls_failed == 0).map(|c| c.name.clone()).collect();
        Digest {
            name: self.name.clone(),
            timezone: tz.name().to_string(),
            from: fmt_local(self.period.from, tz),
            to: fmt_local(self.period.to, tz),
            from_utc: crate::store::ts(self.period.from),
            to_utc: crate::store::ts(self.period.to),
            days: days(self.period, tz, &cfg.schedule.calendar),
            zero: hits.is_empty(),
            complete: failing.is_empty() && unpolled.is_empty(),
            failing_sources: failing,
            unpolled_sources: unpolled,
            total: hits.len(),
            by_severity,
            by_rule: counts(hits.iter().map(|h| h.rule.as_str())),
            by_source: counts(hits.iter().map(|h| h.source.as_str())),
            by_status: counts(hits.iter().map(|h| h.status.as_str())),
            hits: hits.iter().map(|h| shown(h, tz)).collect(),
            coverage,
            undelivered: self
                .undelivered
                .iter()
                .map(|d| Undelivered {
                    id: d.id,
                    kind: d.kind.clone(),
                    channel: d.channel.clone(),
                    subject: d.subject.clone(),
                    attempts: d.attempts,
                    status: d.status.clone(),
                    last_error: d.last_error.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_mark_every_keyword_occurrence() {
        let p = |t: &str, k| Piece { t: t.into(), k };
        let cases: [(&str, &[&str], Vec<Piece>); 7] = [
            (
                "a fire at a School",
                &["fire", "school"],
                vec![p("a ", false), p("fire", true), p(" at a ", false), p("School", true)],
            ),
            ("学校附近发生火灾", &["火灾", "学校"], vec![p("学校", true), p("附近发生", false), p("火灾", true)]),
            ("nothing here", &["fire"], vec![p("nothing here", false)]),
            ("firefire", &["fire", "ref"], vec![p("firefire", true)]),
            (
                "Part ＡＢＣ１２３ recalled",
                &["abc123"],
                vec![p("Part ", false), p("ＡＢＣ１２３", true), p(" recalled", false)],
            ),
            ("臺灣大學開放日", &["台湾大学"], vec![p("臺灣大學", true), p("開放日", false)]),
            ("北京大学", &["北京", "北京大学"], vec![p("北京大学", true)]),
        ];
        for (snippet, kws, want) in cases {
            let kws: Vec<String> = kws.iter().map(|s| s.to_string()).collect();
            assert_eq!(pieces(snippet, &kws), want, "{snippet}");
        }
    }
}
