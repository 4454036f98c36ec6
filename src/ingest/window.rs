//! The time window of `--since` / `--until`: which objects and files to read, judged by the
//! times in their names before anything is downloaded, and which events to keep.
//!
//! Logpush names its objects `<prefix>/YYYYMMDD/<start>_<end>_<hash>.log.gz` with `<start>` and
//! `<end>` as `YYYYMMDDTHHMMSSZ`. An object whose span lies outside the window is not read, and
//! a day folder (`YYYYMMDD`) outside it is not listed. A batch can hold events a little outside
//! its name's span (late deliveries), so names are judged with [`NAME_SLACK_NS`] of slack on each
//! side; events are then filtered by their own time, exactly. Names that carry no time are read.

use chrono::{NaiveDate, NaiveDateTime};

/// Slack around the window when judging names: an object or day folder is read when its span
/// comes within this much of the window.
pub const NAME_SLACK_NS: i64 = 10 * 60 * 1_000_000_000;

const DAY_NS: i64 = 86_400 * 1_000_000_000;

/// A time window, ns since the epoch (UTC): `since` inclusive, `until` exclusive; either end
/// may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Earliest time kept.
    pub since: Option<i64>,
    /// Time from which on nothing is kept.
    pub until: Option<i64>,
}

impl Window {
    /// No bound at all: everything is read and kept.
    pub fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether an event at `t` is in the window.
    pub fn contains(&self, t: i64) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }

    /// Whether the span `[start, end]` comes within the slack of the window.
    pub fn overlaps(&self, start: i64, end: i64) -> bool {
        self.since.is_none_or(|s| end.saturating_add(NAME_SLACK_NS) >= s)
            && self.until.is_none_or(|u| start.saturating_sub(NAME_SLACK_NS) < u)
    }

    /// Whether an object or file named `name` (its last path segment) may hold events of the
    /// window: false only for a Logpush name whose span lies outside it.
    pub fn keeps_name(&self, name: &str) -> bool {
        match name_span(name) {
            Some((start, end)) => self.overlaps(start, end),
            None => true,
        }
    }

    /// Whether a folder named `name` may hold events of the window: false only for a day
    /// folder (`YYYYMMDD`) whose day lies outside it.
    pub fn keeps_folder(&self, name: &str) -> bool {
        match day_start(name) {
            Some(d) => self.overlaps(d, d + DAY_NS - 1),
            None => true,
        }
    }

    /// Checks the window before any work starts.
    pub fn validate(&self) -> crate::Result<()> {
        if let (Some(s), Some(u)) = (self.since, self.until) {
            if u <= s {
                return Err(crate::Error::Invalid("--until must be after --since".to_string()));
            }
        }
        Ok(())
    }
}

/// The `<start>_<end>` span of a Logpush object name, ns.
pub fn name_span(name: &str) -> Option<(i64, i64)> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let mut parts = base.split('_');
    let start = compact_time(parts.next()?)?;
    let end = compact_time(parts.next()?)?;
    (end >= start).then_some((start, end))
}

/// `YYYYMMDDTHHMMSSZ` as ns since the epoch.
fn compact_time(s: &str) -> Option<i64> {
    if s.len() != 16 {
        return None;
    }
    NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ").ok()?.and_utc().timestamp_nanos_opt()
}

/// The start of a day folder named `YYYYMMDD`, ns.
fn day_start(name: &str) -> Option<i64> {
    let name = name.trim_end_matches('/');
    if name.len() != 8 || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(name, "%Y%m%d").ok()?.and_hms_opt(0, 0, 0)?.and_utc().timestamp_nanos_opt()
}

/// Parses a `--since` / `--until` time: RFC 3339 (`2025-11-18T11:20:00Z`), the same without a
/// zone (taken as UTC, `T` or a space between date and time, seconds optional), or a date
/// (`2025-11-18`, its midnight UTC).
pub fn parse_time(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let bad = || format!("{s:?} is not a time like 2025-11-18T11:20:00Z, 2025-11-18 11:20 or 2025-11-18");
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return d.timestamp_nanos_opt().ok_or_else(bad);
    }
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return d.and_utc().timestamp_nanos_opt().ok_or_else(bad);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|d| d.and_utc().timestamp_nanos_opt())
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> i64 {
        parse_time(s).unwrap()
    }

    #[test]
    fn times_parse_in_every_accepted_shape() {
        assert_eq!(t("2025-11-18T11:20:00Z"), t("2025-11-18 11:20"));
        assert_eq!(t("2025-11-18T12:20:00+01:00"), t("2025-11-18T11:20:00"));
        assert_eq!(t("2025-11-18"), t("2025-11-18T00:00:00Z"));
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2025-13-01").is_err());
    }

    #[test]
    fn logpush_names_carry_their_span() {
        let (s, e) = name_span("logs/20251118/20251118T112000Z_20251118T112100Z_0badc0de.log.gz").unwrap();
        assert_eq!(s, t("2025-11-18T11:20:00Z"));
        assert_eq!(e, t("2025-11-18T11:21:00Z"));
        assert_eq!(name_span("access.log.gz"), None);
        assert_eq!(name_span("20251118T112100Z_20251118T112000Z_x.log"), None, "an end before the start is no span");
    }

    #[test]
    fn names_and_day_folders_are_pruned_with_slack() {
        let w = Window { since: Some(t("2025-11-18T11:00:00Z")), until: Some(t("2025-11-18T17:00:00Z")) };
        assert!(w.keeps_name("20251118T112000Z_20251118T112100Z_a.log.gz"));
        assert!(!w.keeps_name("20251118T090000Z_20251118T090100Z_a.log.gz"));
        // Within ten minutes of either end: read, the events are filtered one by one.
        assert!(w.keeps_name("20251118T104500Z_20251118T105100Z_a.log.gz"));
        assert!(w.keeps_name("20251118T170500Z_20251118T170600Z_a.log.gz"));
        assert!(!w.keeps_name("20251118T171100Z_20251118T171200Z_a.log.gz"));
        assert!(w.keeps_name("no-time-in-this-name.log"));
        assert!(w.keeps_folder("20251118"));
        assert!(!w.keeps_folder("20251117"));
        assert!(!w.keeps_folder("20251119"));
        assert!(w.keeps_folder("logs"));
        let late = Window { since: Some(t("2025-11-19T00:05:00Z")), until: None };
        assert!(late.keeps_folder("20251118"), "the slack reaches back into the day before");
        assert!(Window::default().keeps_name("20001118T112000Z_20001118T112100Z_a.log.gz"));
    }

    #[test]
    fn events_are_kept_in_a_half_open_window() {
        let w = Window { since: Some(10), until: Some(20) };
        assert!(w.contains(10) && w.contains(19));
        assert!(!w.contains(9) && !w.contains(20));
        assert!(Window { since: Some(20), until: Some(10) }.validate().is_err());
    }
}
