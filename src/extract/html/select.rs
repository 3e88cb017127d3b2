//! Selectors as written in the config: a CSS selector, optionally followed by `@attr` to read an
//! attribute instead of the text (`a@href`, `time@datetime`). `@attr` alone reads the attribute of
//! the scope element itself (the item, or the reply).

use scraper::ElementRef;

use crate::extract::text;

/// A parsed selector; compares and prints as written.
#[derive(Debug, Clone)]
pub struct Sel {
    /// As written in the config or preset.
    pub source: String,
    /// `None` for `@attr` alone: the scope element itself.
    css: Option<scraper::Selector>,
    /// Read this attribute instead of the text.
    pub attr: Option<String>,
}

impl PartialEq for Sel {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}
impl Eq for Sel {}

/// Why a selector could not be parsed; the message quotes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid selector '{source_text}': {reason}")]
pub struct SelectorError {
    pub source_text: String,
    pub reason: String,
}

impl Sel {
    /// Parses `css[@attr]`.
    pub fn parse(s: &str) -> Result<Sel, SelectorError> {
        let err = |reason: String| SelectorError { source_text: s.to_string(), reason };
        let (css, attr) = split_attr(s.trim());
        let css = match css.trim() {
            "" if attr.is_some() => None,
            "" => return Err(err("empty selector".into())),
            c => Some(scraper::Selector::parse(c).map_err(|e| err(e.to_string()))?),
        };
        Ok(Sel { source: s.to_string(), css, attr: attr.map(str::to_string) })
    }

    /// Every element matching inside `scope` (or the scope itself for `@attr` alone).
    pub fn all<'a>(&self, scope: ElementRef<'a>) -> Vec<ElementRef<'a>> {
        match &self.css {
            Some(css) => scope.select(css).collect(),
            None => vec![scope],
        }
    }

    /// The value of the first match: its attribute, or its visible text; empty values are `None`.
    pub fn value(&self, scope: ElementRef<'_>) -> Option<String> {
        self.all(scope).into_iter().find_map(|el| {
            let v = match &self.attr {
                Some(a) => el.value().attr(a).map(|v| v.trim().to_string()),
                None => Some(text::element_text(el, false)),
            };
            v.filter(|v| !v.is_empty())
        })
    }

    /// The text of every match, paragraphs kept, joined by blank lines (for content).
    pub fn text(&self, scope: ElementRef<'_>) -> Option<String> {
        let parts: Vec<String> = self
            .all(scope)
            .into_iter()
            .map(|el| match &self.attr {
                Some(a) => el.value().attr(a).unwrap_or("").trim().to_string(),
                None => text::element_text(el, false),
            })
            .filter(|t| !t.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join("\n\n"))
    }
}

/// Splits `css@attr` at the last `@` that is followed only by an attribute name (so an `@` inside
/// `a[href*="@"]` stays part of the CSS).
fn split_attr(s: &str) -> (&str, Option<&str>) {
    if let Some(i) = s.rfind('@') {
        let name = &s[i + 1..];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':')) {
            return (&s[..i], Some(name));
        }
    }
    (s, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_suffix_and_errors() {
        let html = scraper::Html::parse_document(
            r#"<ul><li class="i"><a href="/x?a=1" title="T">Link <b>text</b></a><time datetime="2026-03-05">yesterday</time></li></ul>"#,
        );
        let li = Sel::parse("li.i").unwrap().all(html.root_element())[0];
        let cases = [
            ("a@href", Some("/x?a=1")),
            ("a", Some("Link text")),
            ("time@datetime", Some("2026-03-05")),
            ("a[href*=\"@\"]", None),
            ("a@title", Some("T")),
            ("@class", Some("i")),
            ("span", None),
        ];
        for (sel, want) in cases {
            assert_eq!(Sel::parse(sel).unwrap().value(li).as_deref(), want, "{sel}");
        }
        let e = Sel::parse("div[").unwrap_err();
        assert!(e.to_string().starts_with("invalid selector 'div[': "), "{e}");
        assert!(Sel::parse("  ").is_err());
    }
}
