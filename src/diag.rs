//! Diagnostics that point at a place in a file: `path:line:col: message`.
//!
//! Config and rule files are both TOML; both report problems the same way so that editors and
//! `grep` can jump to them.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem found in a file, with the 1-based line and column it starts at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub col: usize,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at byte offset `span.start` of `source`.
    pub fn at(path: &Path, source: &str, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        let (line, col) = span.map_or((1, 1), |s| line_col(source, s.start));
        Self { path: path.to_path_buf(), line, col, message: message.into() }
    }

    /// A diagnostic about a whole file (reported at 1:1).
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self { path: path.to_path_buf(), line: 1, col: 1, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.col, self.message)
    }
}

/// A list of diagnostics, displayed one per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// 1-based (line, column) of byte `offset` in `source`; the column counts characters.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Turns a TOML/serde error into a diagnostic at the place it names.
pub fn from_toml(path: &Path, source: &str, err: &toml::de::Error) -> Diagnostic {
    let message = err.message().trim().replace('\n', " ");
    Diagnostic::at(path, source, err.span(), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let cases = [
            ("abc", 0, (1, 1)),
            ("abc", 2, (1, 3)),
            ("a\nbc", 3, (2, 2)),
            ("名字\nx = 1", 7, (2, 1)),
            ("名字 = 1", 6, (1, 3)),
        ];
        for (src, off, want) in cases {
            assert_eq!(line_col(src, off), want, "{src:?} @ {off}");
        }
    }
}
