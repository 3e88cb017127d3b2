//! HTML pages read with the selectors of a `kind = "html"` source.
//!
//! Three kinds of page: a *list* (news list or forum board: one item per entry, [`list_page`]),
//! an *article* a list item links to ([`article_page`]), and a forum *thread* whose replies the
//! `post` selector splits apart ([`thread_page`]). Each returns what it found plus a
//! [`SelectorUse`] per selector, so `trawl sources test` can say what matched. Which pages to
//! fetch, and when to stop, is the poll stage's business (`poll::html`).

mod origin;
mod pages;
pub mod select;

use serde::Serialize;

pub use origin::{Origin, Origins};
pub use pages::{ArticlePage, ListItem, ListPage, Reply, ThreadPage, article_page, list_page, thread_page};

/// What one selector matched on one page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectorUse {
    /// The config key: `item`, `link`, `article.content`, …
    pub key: String,
    /// The selector as written.
    pub selector: String,
    pub page: String,
    /// Elements matched (`item`, `post`), or scopes in which it produced a value.
    pub matched: usize,
    /// For selectors applied inside each item or reply: how many there were. `None` for
    /// selectors applied to the whole page.
    pub of: Option<usize>,
}

impl SelectorUse {
    /// One line for people: what matched, and plainly when nothing did.
    pub fn describe(&self) -> String {
        let what = match self.of {
            None => format!("matched {} element{}", self.matched, if self.matched == 1 { "" } else { "s" }),
            Some(of) => format!("matched in {} of {of}", self.matched),
        };
        let warn = if self.matched == 0 { "  <- matched nothing" } else { "" };
        format!("selector '{}' = {:?} {what} on {}{warn}", self.key, self.selector, self.page)
    }
}

/// The first whole number in a text ("12 Replies" → 12, "第3楼" → 3, "1,024" → 1024).
pub fn first_number(s: &str) -> Option<u64> {
    let start = s.find(|c: char| c.is_ascii_digit())?;
    let digits: String =
        s[start..].chars().take_while(|c| c.is_ascii_digit() || *c == ',').filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}
