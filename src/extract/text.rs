//! Markup to plain text: visible text only, whitespace collapsed, paragraph breaks kept.

use scraper::{ElementRef, Html, Node};

/// Elements whose text is never shown to a reader.
const HIDDEN: &[&str] = &["script", "style", "noscript", "template", "head", "iframe", "object"];
/// Page furniture dropped too when a whole page is read (no selector chose what to read).
const HIDDEN_ON_PAGE: &[&str] = &[
    "script", "style", "noscript", "template", "head", "iframe", "object", "nav", "header", "footer", "aside", "form",
    "button", "select",
];
/// Elements that start a new paragraph.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "hr",
    "dd",
    "dt",
    "figure",
    "figcaption",
];

/// Plain text of an HTML fragment (or of text without markup, which passes through cleaned).
pub fn html_to_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return collapse(html);
    }
    let doc = Html::parse_fragment(html);
    let mut raw = String::new();
    walk(doc.tree.root(), HIDDEN, &mut raw);
    collapse(&raw)
}

/// Visible text of an element. With `whole_page`, navigation, headers, footers, asides and forms
/// are dropped as well: that is for reading a page no selector narrowed down; an element chosen
/// by a selector keeps them.
pub fn element_text(el: ElementRef<'_>, whole_page: bool) -> String {
    let mut raw = String::new();
    walk(*el, if whole_page { HIDDEN_ON_PAGE } else { HIDDEN }, &mut raw);
    collapse(&raw)
}

fn walk(node: ego_tree::NodeRef<'_, Node>, hidden: &[&str], out: &mut String) {
    for child in node.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if hidden.contains(&name) {
                    continue;
                }
                if name == "br" {
                    out.push('\n');
                    continue;
                }
                let block = BLOCK.contains(&name);
                if block {
                    out.push('\n');
                }
                walk(child, hidden, out);
                if block {
                    out.push('\n');
                }
            }
            _ => walk(child, hidden, out),
        }
    }
}

/// Collapses runs of spaces within lines and keeps at most one blank line between paragraphs.
fn collapse(raw: &str) -> String {
    let lines: Vec<String> = raw.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    let mut out = String::new();
    let mut blank = false;
    for l in lines {
        if l.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        out.push_str(&l);
        blank = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn strips_markup_keeps_paragraphs() {
        let cases = [
            ("plain  text\n", "plain text"),
            ("<p>One <b>bold</b> word.</p><p>Two</p>", "One bold word.\n\nTwo"),
            ("a<br>b", "a\nb"),
            ("<script>var x=1;</script><style>p{}</style>Visible", "Visible"),
            ("Fish &amp; chips &lt;3", "Fish & chips <3"),
            ("<div>学校  通知</div>\n\n\n<div>明天停课</div>", "学校 通知\n\n明天停课"),
            ("a < b and c > d", "a < b and c > d"),
        ];
        for (input, want) in cases {
            assert_eq!(html_to_text(input), want, "input {input:?}");
        }
    }
}
