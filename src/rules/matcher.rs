//! The compiled matcher: one aho-corasick automaton over the normalised keywords of every rule.

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

use super::normalize::{normalize, normalize_keyword};
use super::{Rule, RulesError};

/// A keyword occurrence: the keyword as written in the rule and its byte span in the post text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct KeywordMatch {
    pub keyword: String,
    pub start: usize,
    pub end: usize,
}

/// A rule that matched a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHit {
    /// Index into the rule list the matcher was built from.
    pub rule: usize,
    /// Every occurrence of the rule's `any`/`all` keywords, in text order.
    pub matches: Vec<KeywordMatch>,
    /// About 60 characters of text around the first match.
    pub snippet: String,
}

/// What a rule needs, in pattern ids.
#[derive(Debug, Clone)]
struct Compiled {
    any: Vec<usize>,
    all: Vec<Vec<usize>>,
    not: Vec<usize>,
}

/// One automaton for all keywords; cheap to clone (the automaton is shared).
#[derive(Debug, Clone)]
pub struct Matcher {
    automaton: Option<AhoCorasick>,
    /// Keyword text as written in a rule, per pattern id (first spelling wins).
    keywords: Arc<Vec<String>>,
    rules: Arc<Vec<Compiled>>,
    /// For each pattern id, the rules whose `any`/`all` use it: only those are evaluated.
    users: Arc<Vec<Vec<usize>>>,
}

impl Matcher {
    /// Compiles the keywords of `rules`; identical normalised keywords share one pattern.
    pub fn build(rules: &[Rule]) -> Result<Matcher, RulesError> {
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut keywords: Vec<String> = Vec::new();
        let mut id = |k: &String| -> usize {
            let n = normalize_keyword(k);
            *ids.entry(n.clone()).or_insert_with(|| {
                patterns.push(n);
                keywords.push(k.clone());
                patterns.len() - 1
            })
        };
        let compiled: Vec<Compiled> = rules
            .iter()
            .map(|r| Compiled {
                any: r.any.iter().map(&mut id).collect(),
                all: r.all.iter().map(|g| g.iter().map(&mut id).collect()).collect(),
                not: r.not.iter().map(&mut id).collect(),
            })
            .collect();
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .map_err(|e| RulesError::Build(e.to_string()))?,
            )
        };
        let mut users = vec![Vec::new(); patterns.len()];
        for (i, r) in compiled.iter().enumerate() {
            for &p in r.any.iter().chain(r.all.iter().flatten()) {
                if users[p].last() != Some(&i) {
                    users[p].push(i);
                }
            }
        }
        Ok(Matcher { automaton, keywords: Arc::new(keywords), rules: Arc::new(compiled), users: Arc::new(users) })
    }

    /// Every rule that matches `text`, in rule order.
    pub fn match_text(&self, text: &str) -> Vec<RuleHit> {
        let Some(ac) = &self.automaton else { return Vec::new() };
        let norm = normalize(text);
        // Every occurrence of every pattern (overlapping, so "北京" inside "北京大学" counts too).
        let mut found: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        for m in ac.find_overlapping_iter(&norm.text) {
            found.entry(m.pattern().as_usize()).or_default().push(norm.span(m.start(), m.end()));
        }
        if found.is_empty() {
            return Vec::new();
        }
        let mut candidates: Vec<usize> = found.keys().flat_map(|p| self.users[*p].iter().copied()).collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut hits = Vec::new();
        for i in candidates {
            let rule = &self.rules[i];
            let has = |p: &usize| found.contains_key(p);
            let any_ok = rule.any.is_empty() || rule.any.iter().any(has);
            let all_ok = rule.all.iter().all(|g| g.iter().any(has));
            if !(any_ok && all_ok) || rule.not.iter().any(has) {
                continue;
            }
            let mut pats: Vec<usize> = rule.any.iter().chain(rule.all.iter().flatten()).copied().collect();
            pats.sort_unstable();
            pats.dedup();
            let mut matches: Vec<KeywordMatch> = pats
                .iter()
                .filter_map(|p| found.get(p).map(|spans| (p, spans)))
                .flat_map(|(p, spans)| {
                    spans.iter().map(move |&(s, e)| KeywordMatch {
                        keyword: self.keywords[*p].clone(),
                        start: s,
                        end: e,
                    })
                })
                .collect();
            matches.sort_by(|a, b| (a.start, a.end, &a.keyword).cmp(&(b.start, b.end, &b.keyword)));
            matches.dedup();
            let snippet = snippet(text, matches[0].start, matches[0].end);
            hits.push(RuleHit { rule: i, matches, snippet });
        }
        hits
    }
}

/// About 60 characters around `start..end`: some context before, the match, more after,
/// with whitespace collapsed and `…` where the text was cut.
pub fn snippet(text: &str, start: usize, end: usize) -> String {
    const BEFORE: usize = 20;
    const TOTAL: usize = 60;
    let head: Vec<char> = text[..start].chars().rev().take(BEFORE).collect();
    let matched = text[start..end].chars().count();
    let after_budget = TOTAL.saturating_sub(head.len() + matched);
    let tail: String = text[end..].chars().take(after_budget).collect();
    let core: String = head.iter().rev().copied().chain(text[start..end].chars()).chain(tail.chars()).collect();
    let mut out = String::new();
    if head.len() == BEFORE && text[..start].chars().count() > BEFORE {
        out.push('…');
    }
    out.push_str(&core.split_whitespace().collect::<Vec<_>>().join(" "));
    if text[end..].chars().count() > after_budget {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;
