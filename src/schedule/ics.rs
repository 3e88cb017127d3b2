//! A small iCalendar reader for holiday calendars: all-day VEVENTs with DTSTART, DTEND and SUMMARY.
//!
//! Published Chinese holiday calendars list days off and make-up workdays as events; an event whose
//! SUMMARY marks it as a working day (`班`, `补班`, `上班`, `调休上班`, `工作日`, `workday`,
//! `make-up`) is a make-up workday, every other event is a holiday. DTEND is exclusive, as the
//! standard says.

use std::path::Path;

use chrono::NaiveDate;

use super::calendar::Calendar;
use crate::diag::Diagnostic;

const WORKDAY_MARKERS: &[&str] =
    &["补班", "上班", "调班", "工作日", "(班)", "（班）", "[班]", "workday", "make-up", "makeup"];

/// True if an event summary says the day is worked.
pub fn is_workday_summary(summary: &str) -> bool {
    let s = summary.to_lowercase();
    WORKDAY_MARKERS.iter().any(|m| s.contains(m)) || s.trim_end().ends_with('班')
}

/// Content lines with folding undone (a line starting with space or tab continues the previous one),
/// each with its 1-based line number.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match (line.strip_prefix([' ', '\t']), out.last_mut()) {
            (Some(rest), Some((_, prev))) => prev.push_str(rest),
            _ => out.push((i + 1, line.to_string())),
        }
    }
    out
}

fn date_value(value: &str) -> Option<NaiveDate> {
    let digits: String = value.chars().take_while(|c| c.is_ascii_digit()).collect();
    NaiveDate::parse_from_str(digits.get(..8)?, "%Y%m%d").ok()
}

/// Parses `text` (from `path`) into `cal`, reporting unreadable events with their line.
pub fn parse(path: &Path, text: &str, cal: &mut Calendar, problems: &mut Vec<Diagnostic>) {
    let mut event: Option<(usize, Option<NaiveDate>, Option<NaiveDate>, String)> = None;
    let mut events = 0;
    for (line_no, line) in unfold(text) {
        let (head, value) = line.split_once(':').unwrap_or((line.as_str(), ""));
        let name = head.split(';').next().unwrap_or("").to_ascii_uppercase();
        match (name.as_str(), value.trim(), event.as_mut()) {
            ("BEGIN", "VEVENT", _) => event = Some((line_no, None, None, String::new())),
            ("DTSTART", v, Some(e)) => e.1 = date_value(v),
            ("DTEND", v, Some(e)) => e.2 = date_value(v),
            ("SUMMARY", v, Some(e)) => e.3 = v.replace("\\,", ",").replace("\\;", ";"),
            ("END", "VEVENT", Some(_)) => {
                let (start_line, start, end, summary) = event.take().expect("matched Some above");
                let Some(start) = start else {
                    problems.push(Diagnostic {
                        path: path.to_path_buf(),
                        line: start_line,
                        col: 1,
                        message: "VEVENT without a readable DTSTART date".into(),
                    });
                    continue;
                };
                // DTEND is exclusive; a missing one means a single day.
                let until = end.and_then(|e| e.pred_opt()).filter(|e| *e >= start).unwrap_or(start);
                if is_workday_summary(&summary) {
                    cal.add_workday(start, until, &summary);
                } else {
                    cal.add_holiday(start, until, &summary);
                }
                events += 1;
            }
            _ => {}
        }
    }
    if events == 0 {
        problems.push(Diagnostic::file(path, "no VEVENT entries: is this an iCalendar file?"));
    }
}
