//! Civil time without a clock: UTC instants to and from calendar dates, and the text forms the
//! simulator writes (RFC 3339 in the truth and in log lines, the compact form in file names).
//!
//! Pure arithmetic (Howard Hinnant's `days_from_civil` / `civil_from_days`), so formatting
//! half a million timestamps costs nothing and can never fail.

use std::fmt::Write as _;

use crate::vocab::time::days_from_civil;

/// Nanoseconds per second.
pub(super) const NS: i64 = 1_000_000_000;

/// The date of a day number: (year, month, day).
const fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// A calendar day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Date {
    pub year: i64,
    pub month: i64,
    pub day: i64,
}

impl Date {
    /// Unix seconds of `hh:mm:ss` UTC on this day.
    pub const fn at(self, hh: i64, mm: i64, ss: i64) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400 + hh * 3600 + mm * 60 + ss
    }
}

/// Broken-down UTC time of unix seconds.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    Civil { year, month, day, hour: sod / 3600, minute: sod % 3600 / 60, second: sod % 60 }
}

/// Appends `2025-11-18T11:20:03Z` (or `2025-11-18T11:20:03.123Z` with `millis`) for an instant
/// in nanoseconds.
pub(super) fn push_rfc3339(buf: &mut String, ns: i64, millis: bool) {
    let c = civil(ns.div_euclid(NS));
    let _ = write!(buf, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second);
    if millis {
        let _ = write!(buf, ".{:03}", ns.rem_euclid(NS) / 1_000_000);
    }
    buf.push('Z');
}

/// The instant of unix seconds `secs`.
pub(super) fn at(secs: i64) -> crate::vocab::time::Timestamp {
    crate::vocab::time::Timestamp(secs.saturating_mul(NS))
}

/// `20251118T112000Z`, the form Logpush uses in object names.
pub(super) fn compact(secs: i64) -> String {
    let c = civil(secs);
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// `20251118`, the daily folder Logpush delivers into.
pub(super) fn day_folder(secs: i64) -> String {
    let c = civil(secs);
    format!("{:04}{:02}{:02}", c.year, c.month, c.day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_chrono() {
        let day = Date { year: 2025, month: 11, day: 18 };
        assert_eq!(day.at(11, 20, 0), 1_763_464_800);
        for secs in [0_i64, 951_782_400, 1_709_164_799, 1_763_464_803, 4_102_444_800, 1_234_567_890] {
            let ns = secs * NS + 123_456_789;
            let want = chrono::DateTime::from_timestamp(secs, 123_456_789).unwrap();
            let mut got = String::new();
            push_rfc3339(&mut got, ns, true);
            assert_eq!(got, want.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
            assert_eq!(at(secs).to_string(), want.format("%Y-%m-%dT%H:%M:%S.000Z").to_string());
            assert_eq!(compact(secs), want.format("%Y%m%dT%H%M%SZ").to_string());
            assert_eq!(day_folder(secs), want.format("%Y%m%d").to_string());
            let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
            assert_eq!(days_from_civil(y, m, d), secs.div_euclid(86_400));
        }
    }
}
