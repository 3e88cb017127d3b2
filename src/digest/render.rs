//! Rendering digests and alerts through minijinja templates: the shipped Chinese and English
//! ones, each overridable by a file of the same name in `[digest] templates`.

use minijinja::value::{Serde, Value};
use minijinja::{AutoEscape, Environment};
use serde::Serialize;

use super::{Digest, DigestError, Message};
use crate::config::DigestConfig;

/// What `trawl digest --format` and file channels write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Markdown,
    Html,
    Text,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        <Format as clap::ValueEnum>::from_str(s, true).ok()
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Text => "txt",
            Format::Json => "json",
        }
    }
}

/// Template names and their shipped sources, (English, Chinese).
const SHIPPED: [(&str, &str, &str); 4] = [
    ("digest.md.j2", include_str!("templates/en/digest.md.j2"), include_str!("templates/zh/digest.md.j2")),
    ("digest.html.j2", include_str!("templates/en/digest.html.j2"), include_str!("templates/zh/digest.html.j2")),
    ("alert.md.j2", include_str!("templates/en/alert.md.j2"), include_str!("templates/zh/alert.md.j2")),
    ("alert.html.j2", include_str!("templates/en/alert.html.j2"), include_str!("templates/zh/alert.html.j2")),
];

/// A compiled set of templates.
pub struct Renderer {
    env: Environment<'static>,
}

fn terr(e: minijinja::Error) -> DigestError {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg += &format!(": {s}");
        src = s.source();
    }
    DigestError::Template(msg)
}

impl Renderer {
    /// The templates for `cfg.language`, with any overrides from `cfg.templates`.
    pub fn new(cfg: &DigestConfig) -> Result<Renderer, DigestError> {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        env.set_auto_escape_callback(
            |name| {
                if name.ends_with(".html.j2") { AutoEscape::Html } else { AutoEscape::None }
            },
        );
        for (name, en, zh) in SHIPPED {
            let shipped = if cfg.language == "en" { en } else { zh };
            let over = cfg.templates.as_ref().map(|d| d.join(name)).filter(|p| p.is_file());
            let source = match over {
                Some(p) => std::fs::read_to_string(&p)
                    .map_err(|e| DigestError::Template(format!("cannot read '{}': {e}", p.display())))?,
                None => shipped.to_string(),
            };
            env.add_template_owned(name, source).map_err(terr)?;
        }
        Ok(Renderer { env })
    }

    /// The shipped templates only (used when overrides fail, so an alert still goes out).
    pub fn shipped(language: &str) -> Renderer {
        let cfg = DigestConfig { language: language.to_string(), templates: None, schedules: Vec::new() };
        Renderer::new(&cfg).expect("shipped templates compile (tested)")
    }

    fn render(&self, name: &str, ctx: Value) -> Result<String, DigestError> {
        self.env.get_template(name).and_then(|t| t.render(ctx)).map_err(terr)
    }

    /// Renders data bound to `var` (`d` for digests, `a` for alerts) in every format.
    fn message<T: Serialize>(&self, kind: &str, base: &str, var: &str, data: &T) -> Result<Message, DigestError> {
        let value = Value::from(Serde(data));
        let ctx = |fmt: &str, subject: &str| {
            let mut m = std::collections::BTreeMap::new();
            m.insert(var.to_string(), value.clone());
            m.insert("fmt".to_string(), Value::from(fmt));
            m.insert("subject".to_string(), Value::from(subject));
            Value::from(m)
        };
        let text = self.render(&format!("{base}.md.j2"), ctx("text", ""))?;
        let subject = text.lines().find(|l| !l.trim().is_empty()).unwrap_or(kind).trim().to_string();
        Ok(Message {
            kind: kind.to_string(),
            markdown: self.render(&format!("{base}.md.j2"), ctx("markdown", &subject))?,
            html: self.render(&format!("{base}.html.j2"), ctx("html", &subject))?,
            subject,
            text,
            data: serde_json::to_value(data).map_err(|e| DigestError::Template(e.to_string()))?,
        })
    }

    pub fn digest(&self, d: &Digest) -> Result<Message, DigestError> {
        self.message("digest", "digest", "d", d)
    }

    pub fn alert(&self, a: &super::alerts::Alert) -> Result<Message, DigestError> {
        let kind = if a.event == "hits" { "alert" } else { a.event.as_str() };
        self.message(kind, "alert", "a", a)
    }
}

impl Message {
    /// The message in one format.
    pub fn body(&self, format: Format) -> String {
        match format {
            Format::Markdown => self.markdown.clone(),
            Format::Html => self.html.clone(),
            Format::Text => self.text.clone(),
            Format::Json => serde_json::to_string_pretty(&self.data).unwrap_or_default() + "\n",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::alerts::Alert;

    fn alert(event: &str) -> Alert {
        Alert {
            event: event.into(),
            source: "s<1>".into(),
            timezone: "UTC".into(),
            at: "2026-10-01 08:00".into(),
            hits: Vec::new(),
            failing_since: Some("2026-10-01 01:00".into()),
            failures: 3,
            error: Some("HTTP 503".into()),
        }
    }

    /// The shipped templates are what `Renderer::shipped` relies on never failing.
    #[test]
    fn shipped_templates_compile_and_render_every_event_in_both_languages() {
        for lang in ["en", "zh"] {
            let r = Renderer::shipped(lang);
            for (event, kind, want) in [
                ("hits", "alert", "alert"),
                ("source-down", "source-down", "down"),
                ("recovered", "recovered", "recovered"),
            ] {
                let m = r.alert(&alert(event)).unwrap();
                assert_eq!(m.kind, kind);
                assert!(m.subject.to_lowercase().contains(want), "{lang} {event}: {}", m.subject);
                assert!(m.html.contains("s&lt;1&gt;"), "HTML is escaped: {}", m.html);
                assert!(m.text.contains("s<1>"), "text is not: {}", m.text);
            }
        }
    }

    #[test]
    fn an_override_folder_replaces_a_template_by_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("alert.md.j2"), "Custom {{ a.source }}\n").unwrap();
        let cfg = DigestConfig { language: "en".into(), templates: Some(dir.path().into()), schedules: Vec::new() };
        let m = Renderer::new(&cfg).unwrap().alert(&alert("hits")).unwrap();
        assert_eq!(m.subject, "Custom s<1>");
        std::fs::write(dir.path().join("alert.md.j2"), "{% if %}").unwrap();
        assert!(matches!(Renderer::new(&cfg), Err(DigestError::Template(_))));
    }
}
