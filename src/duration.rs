//! Parsing bucket widths such as `1m`, `30s`, `5m`, `1h` or a bare number of seconds.

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::digit1;
use nom::combinator::{all_consuming, map_res, opt, value};
use nom::{IResult, Parser};

fn unit(i: &str) -> IResult<&str, i64> {
    alt((value(1, tag("s")), value(60, tag("m")), value(3600, tag("h")))).parse(i)
}

fn width(i: &str) -> IResult<&str, (i64, Option<i64>)> {
    (map_res(digit1, str::parse::<i64>), opt(unit)).parse(i)
}

/// The widest bucket: one day.
pub const MAX_SECONDS: i64 = 86_400;

/// Checks a bucket width given in seconds (1 s to 1 day).
pub fn check_seconds(secs: i64) -> Result<i64, String> {
    if (1..=MAX_SECONDS).contains(&secs) {
        Ok(secs)
    } else {
        Err(format!("a bucket of {secs} s: it must be between 1s and 24h"))
    }
}

/// Parses a duration (`90`, `30s`, `5m`, `1h`) into seconds, whatever its size.
pub fn parse_width(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let (_, (n, u)) =
        all_consuming(width).parse(t).map_err(|_| format!("`{s}` is not a duration like 60s, 1m, 5m or 1h"))?;
    n.checked_mul(u.unwrap_or(1)).ok_or_else(|| format!("`{s}` is too long"))
}

/// Parses a bucket width into seconds; it must be between 1 s and 1 day.
pub fn parse_seconds(s: &str) -> Result<i64, String> {
    let secs = parse_width(s)?;
    check_seconds(secs).map_err(|_| format!("`{s}` must be between 1s and 24h"))
}

/// A time period, ns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// Start, ns since the epoch.
    pub from: i64,
    /// End (exclusive), ns since the epoch.
    pub to: i64,
}

/// Parses `FROM..TO` (RFC 3339 times).
pub fn parse_period(s: &str) -> Result<Period, String> {
    let (a, b) = s.split_once("..").ok_or_else(|| format!("expected FROM..TO, got {s:?}"))?;
    let t = |x: &str| {
        chrono::DateTime::parse_from_rfc3339(x.trim())
            .ok()
            .and_then(|d| d.timestamp_nanos_opt())
            .ok_or_else(|| format!("{x:?} is not an RFC 3339 time (2025-11-18T09:00:00Z)"))
    };
    let (from, to) = (t(a)?, t(b)?);
    if to <= from {
        return Err(format!("the period {s:?} ends before it starts"));
    }
    Ok(Period { from, to })
}

#[cfg(test)]
mod tests {
    use super::parse_seconds;

    #[test]
    fn widths() {
        assert_eq!(parse_seconds("1m"), Ok(60));
        assert_eq!(parse_seconds("30s"), Ok(30));
        assert_eq!(parse_seconds("90"), Ok(90));
        assert_eq!(parse_seconds("1h"), Ok(3600));
        assert!(parse_seconds("0s").is_err());
        assert!(super::check_seconds(0).is_err());
        assert!(super::check_seconds(1 << 62).is_err());
        assert_eq!(super::check_seconds(86_400), Ok(86_400));
        assert!(parse_seconds("2d").is_err());
        assert!(parse_seconds("m").is_err());
        assert!(parse_seconds("99999999999999999999h").is_err());
    }
}
