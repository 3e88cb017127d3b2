//! Text normalisation for matching: NFKC plus lower case, with a map back to the original text.
//!
//! Keywords and post text are normalised the same way, so full-width `ＡＢＣ１２３` matches `abc123`
//! and `Trawl` matches `TRAWL`. The matcher runs over the normalised text; [`Normalized::span`]
//! turns a match back into a byte span of the original text, which is what hits record.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{canonical_combining_class, decompose_compatible, is_combining_mark};

/// Normalised text and, for each of its bytes, the original byte range it came from.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The normalised text the automaton searches.
    pub text: String,
    /// `origin[i]` = (start, end) in the original text of the cluster that produced byte `i`.
    origin: Vec<(u32, u32)>,
}

impl Normalized {
    /// Maps a byte range of the normalised text to the byte range of the original text.
    pub fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.origin[start].0 as usize;
        let e = self.origin[end - 1].1 as usize;
        (s, e)
    }
}

/// Normalises one keyword (no offset map needed).
pub fn normalize_keyword(keyword: &str) -> String {
    normalize(keyword).text
}

/// Normalises `text`, NFKC and lower case, cluster by cluster so each output byte maps back.
///
/// A cluster is a character with the characters after it that NFKC may join to it (combining
/// marks, half-width voiced sound marks, conjoining Hangul vowels and finals), so `e` + U+0301
/// composes to `é` and `ﾃﾞ` to `デ` exactly as whole-string NFKC would.
pub fn normalize(text: &str) -> Normalized {
    let simplified = to_simplified(text);
    let text = simplified.as_deref().unwrap_or(text);
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    let mut iter = text.char_indices().peekable();
    while let Some((start, c)) = iter.next() {
        let mut end = start + c.len_utf8();
        while let Some(&(i, m)) = iter.peek() {
            if !joins_previous(m) {
                break;
            }
            end = i + m.len_utf8();
            iter.next();
        }
        let before = out.len();
        push_folded(&text[start..end], &mut out);
        origin.resize(out.len(), (start as u32, end as u32));
        debug_assert!(out.len() >= before);
    }
    Normalized { text: out, origin }
}

/// Traditional Chinese characters folded to Simplified (臺灣 → 台湾), so either form of a keyword
/// matches either form in the text. `None` when there is nothing to convert.
///
/// The conversion maps character to character within the same UTF-8 length, so the result has the
/// original's byte layout and spans need no second map; a result that broke this is not used.
fn to_simplified(text: &str) -> Option<String> {
    if text.is_ascii() {
        return None;
    }
    let converted = fast2s::convert(text);
    if converted == text {
        return None;
    }
    let same_layout =
        converted.len() == text.len() && converted.chars().zip(text.chars()).all(|(a, b)| a.len_utf8() == b.len_utf8());
    same_layout.then_some(converted)
}

fn push_folded(cluster: &str, out: &mut String) {
    if cluster.is_ascii() {
        out.extend(cluster.chars().map(|c| c.to_ascii_lowercase()));
        return;
    }
    // CJK unified ideographs are NFKC-stable and caseless: the bulk of Chinese text skips the tables.
    if let Some(c) = single_char(cluster)
        && matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
    {
        out.push(c);
        return;
    }
    for c in cluster.nfkc() {
        out.extend(c.to_lowercase());
    }
}

/// Whether NFKC may combine `c` with the character before it: a combining mark, a character whose
/// compatibility decomposition starts with one (half-width `ﾞ` → U+3099), or a conjoining Hangul
/// vowel or final (`ᄒ` + `ᅡ` + `ᆫ` → `한`). These are the only kinds of composition second parts.
fn joins_previous(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    if is_combining_mark(c) || matches!(c, '\u{1160}'..='\u{11FF}' | '\u{D7B0}'..='\u{D7FF}') {
        return true;
    }
    let mut first = None;
    decompose_compatible(c, |d| {
        first.get_or_insert(d);
    });
    first.is_some_and(|d| canonical_combining_class(d) != 0)
}

fn single_char(s: &str) -> Option<char> {
    let mut it = s.chars();
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_width_case_and_composition() {
        let cases = [
            ("ＡＢＣ１２３", "abc123"),
            ("Trawl MONITOR", "trawl monitor"),
            ("北京大学", "北京大学"),
            ("cafe\u{301}", "café"),
            ("ﾃｽﾄ", "テスト"),
            ("㈱", "(株)"),
            ("ÉCOLE", "école"),
            ("臺灣大學", "台湾大学"),
            ("學校發布通知", "学校发布通知"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input).text, want, "input {input:?}");
        }
    }

    #[test]
    fn composes_across_characters_that_are_not_combining_marks() {
        // Regression: half-width voiced sound marks and conjoining Hangul jamo compose with the
        // character before them under NFKC, but were normalised alone, so "ﾃﾞｰﾀ" never matched "データ".
        let cases = [
            ("ﾃﾞｰﾀ", "データ"),
            ("ﾊﾟﾝ", "パン"),
            ("\u{1112}\u{1161}\u{11AB}국", "한국"),
            ("\u{AC00}\u{11A8}", "각"),
            ("x ﾃﾞ y", "x デ y"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input).text, want, "input {input:?}");
        }
    }

    #[test]
    fn spans_map_back_to_original_bytes() {
        // (original, normalised needle, expected original substring)
        let cases = [
            ("x ＡＢＣ y", "abc", "ＡＢＣ"),
            ("Hello WORLD", "world", "WORLD"),
            ("关于北京大学的报道", "北京", "北京"),
            ("a cafe\u{301}!", "café", "cafe\u{301}"),
            ("關於臺灣大學的報導", "台湾大学", "臺灣大學"),
            ("新ﾃﾞｰﾀ!", "データ", "ﾃﾞｰﾀ"),
            ("k \u{1112}\u{1161}\u{11AB}!", "한", "\u{1112}\u{1161}\u{11AB}"),
        ];
        for (orig, needle, want) in cases {
            let n = normalize(orig);
            let at = n.text.find(needle).expect("needle present");
            let (s, e) = n.span(at, at + needle.len());
            assert_eq!(&orig[s..e], want, "in {orig:?}");
        }
    }
}
