//! Plain-text tables that fit a terminal, counting East Asian wide characters as two columns.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display width of `s` in terminal columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` columns, ending in `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `s` padded with spaces to `w` columns.
pub fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// A column: header and the most columns it may take (`None`: whatever is left).
pub struct Column {
    pub header: &'static str,
    pub max: Option<usize>,
}

/// Renders rows under headers within `total` columns; the flexible column takes what is left.
pub fn render(columns: &[Column], rows: &[Vec<String>], total: usize) -> String {
    let gap = 2;
    let mut widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let natural = rows.iter().map(|r| width(&r[i])).chain([width(c.header)]).max().unwrap_or(0);
            c.max.map_or(natural, |m| natural.min(m))
        })
        .collect();
    if let Some(flex) = columns.iter().position(|c| c.max.is_none()) {
        let fixed: usize = widths.iter().enumerate().filter(|(i, _)| *i != flex).map(|(_, w)| w + gap).sum();
        widths[flex] = widths[flex].min(total.saturating_sub(fixed).max(10));
    }
    let line = |cells: Vec<String>| -> String {
        let last = cells.len() - 1;
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let t = truncate(c, widths[i]);
                if i == last { t } else { pad(&t, widths[i]) }
            })
            .collect();
        parts.join(&" ".repeat(gap)).trim_end().to_string() + "\n"
    };
    let mut out = line(columns.iter().map(|c| c.header.to_string()).collect());
    for r in rows {
        out += &line(r.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_by_display_width() {
        let cases = [("abcdef", 4, "abc…"), ("学校通知", 5, "学校…"), ("学校", 4, "学校"), ("ab", 5, "ab")];
        for (s, max, want) in cases {
            assert_eq!(truncate(s, max), want);
            assert!(width(&truncate(s, max)) <= max);
        }
    }

    #[test]
    fn table_fits_width_with_cjk() {
        let cols = [Column { header: "ID", max: Some(4) }, Column { header: "TITLE", max: None }];
        let rows = vec![vec!["1".into(), "很长的中文标题".repeat(20)], vec!["22".into(), "short".into()]];
        let out = render(&cols, &rows, 40);
        for l in out.lines() {
            assert!(width(l) <= 40, "{l:?} is {} wide", width(l));
        }
    }
}
