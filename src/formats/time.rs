//! Timestamp decoding for every encoding Logpush emits (and the numeric shapes other formats use).
//!
//! Accepted, as JSON numbers or strings: RFC 3339 with or without fractional seconds and with any
//! UTC offset; unix seconds (integer or fractional); unix milliseconds; unix microseconds; unix
//! nanoseconds. The unit of a bare number is decided by its magnitude, which is unambiguous for
//! any date between 1973 and 2262: below 10^11 it is seconds, below 10^14 milliseconds, below
//! 10^17 microseconds, else nanoseconds.

/// Earliest accepted time: 1990-01-01T00:00:00Z (ns). Edge logs do not predate it, and the
/// bound keeps a stray tiny number from reading as a 1970 event.
pub const MIN_NS: i64 = 631_152_000_000_000_000;
/// Latest accepted time: 2200-01-01T00:00:00Z (ns), far from the i64 limit so that bucket
/// arithmetic cannot overflow.
pub const MAX_NS: i64 = 7_258_118_400_000_000_000;
/// Largest unix second representable as i64 nanoseconds (2262-04-11).
const MAX_SECONDS: f64 = 9_223_372_036.0;

fn in_range(ns: i64) -> Result<i64, TimeError> {
    if (MIN_NS..MAX_NS).contains(&ns) {
        Ok(ns)
    } else {
        Err(TimeError::OutOfRange)
    }
}

/// Why a timestamp was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// Not a number and not RFC 3339.
    Unparseable,
    /// Zero, negative, not finite, or past 2262.
    OutOfRange,
}

impl std::fmt::Display for TimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeError::Unparseable => f.write_str("not RFC 3339 or a unix epoch number"),
            TimeError::OutOfRange => f.write_str("out of range (must be between 1990 and 2200)"),
        }
    }
}

/// Converts an integer epoch in unknown units to nanoseconds.
pub fn from_epoch_int(v: i128) -> Result<i64, TimeError> {
    if v <= 0 {
        return Err(TimeError::OutOfRange);
    }
    let ns = if v < 100_000_000_000 {
        v * 1_000_000_000
    } else if v < 100_000_000_000_000 {
        v * 1_000_000
    } else if v < 100_000_000_000_000_000 {
        v * 1_000
    } else {
        v
    };
    i64::try_from(ns).map_err(|_| TimeError::OutOfRange).and_then(in_range)
}

/// Converts a fractional epoch in unknown units to nanoseconds.
pub fn from_epoch_float(v: f64) -> Result<i64, TimeError> {
    if !v.is_finite() || v <= 0.0 {
        return Err(TimeError::OutOfRange);
    }
    if v.fract() == 0.0 && v < 1e19 {
        return from_epoch_int(v as i128);
    }
    // A fractional value is seconds (Akamai's `1645568187.280`) or milliseconds.
    let secs = if v < 1e11 {
        v
    } else if v < 1e14 {
        v / 1e3
    } else {
        return Err(TimeError::OutOfRange);
    };
    if secs >= MAX_SECONDS {
        return Err(TimeError::OutOfRange);
    }
    let whole = secs.trunc();
    let nanos = ((secs - whole) * 1e9).round();
    in_range(whole as i64 * 1_000_000_000 + nanos as i64)
}

/// Parses a timestamp given as text: digits (an epoch) or RFC 3339.
pub fn parse_str(s: &str) -> Result<i64, TimeError> {
    let t = s.trim();
    let b = t.as_bytes();
    if !b.is_empty() && b.iter().all(u8::is_ascii_digit) {
        if b.len() > 30 {
            return Err(TimeError::OutOfRange);
        }
        return t.parse::<i128>().map_err(|_| TimeError::Unparseable).and_then(from_epoch_int);
    }
    if !b.is_empty() && b.iter().all(|c| c.is_ascii_digit() || *c == b'.') && memchr::memchr_iter(b'.', b).count() == 1
    {
        return t.parse::<f64>().map_err(|_| TimeError::Unparseable).and_then(from_epoch_float);
    }
    if let Some(ns) = fast_rfc3339(b) {
        return in_range(ns);
    }
    let dt = chrono::DateTime::parse_from_rfc3339(t).map_err(|_| TimeError::Unparseable)?;
    dt.timestamp_nanos_opt().ok_or(TimeError::OutOfRange).and_then(in_range)
}

/// The shape Logpush writes, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (or `+00:00`), read field by field
/// with chrono's calendar validating the date; `None` sends anything else (other offsets, leap
/// seconds, lowercase separators) to chrono's full RFC 3339 parser.
fn fast_rfc3339(b: &[u8]) -> Option<i64> {
    let digit = |i: usize| -> Option<i64> { b.get(i).filter(|c| c.is_ascii_digit()).map(|c| i64::from(c - b'0')) };
    let num = |at: usize, n: usize| (at..at + n).try_fold(0i64, |acc, i| Some(acc * 10 + digit(i)?));
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, s) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let mut i = 19;
    let mut nanos = 0i64;
    if sep(19, b'.') {
        i = 20;
        let mut digits = 0u32;
        while let Some(x) = digit(i) {
            if digits < 9 {
                nanos = nanos * 10 + x;
                digits += 1;
            }
            i += 1;
        }
        if digits == 0 {
            return None;
        }
        nanos *= 10i64.pow(9 - digits);
    }
    match b.get(i..)? {
        b"Z" | b"+00:00" => {}
        _ => return None,
    }
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, u32::try_from(mo).ok()?, u32::try_from(d).ok()?)?;
    let t = date.and_hms_opt(u32::try_from(h).ok()?, u32::try_from(mi).ok()?, u32::try_from(s).ok()?)?;
    t.and_utc().timestamp().checked_mul(1_000_000_000)?.checked_add(nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_653_485_126_000_000_000; // 2022-05-25T13:25:26Z

    #[test]
    fn every_logpush_encoding_decodes_to_the_same_instant() {
        assert_eq!(parse_str("2022-05-25T13:25:26Z"), Ok(T));
        assert_eq!(parse_str("2022-05-25T15:25:26+02:00"), Ok(T));
        assert_eq!(parse_str("2022-05-25T13:25:26.250Z"), Ok(T + 250_000_000));
        assert_eq!(parse_str("1653485126"), Ok(T));
        assert_eq!(parse_str("1653485126000"), Ok(T));
        assert_eq!(parse_str("1653485126000000"), Ok(T));
        assert_eq!(parse_str("1653485126000000000"), Ok(T));
        assert_eq!(parse_str("1653485126.5"), Ok(T + 500_000_000));
        assert_eq!(from_epoch_int(1_653_485_126), Ok(T));
        assert_eq!(from_epoch_float(1_653_485_126.25), Ok(T + 250_000_000));
    }

    #[test]
    fn the_fast_path_agrees_with_chrono() {
        let mut n = 0u64;
        for y in [1990, 1999, 2000, 2024, 2025, 2100, 2199] {
            for (mo, d) in [(1, 1), (2, 28), (2, 29), (2, 30), (4, 31), (12, 31), (13, 1), (0, 5)] {
                for (h, mi, s) in [(0, 0, 0), (23, 59, 59), (11, 20, 3), (24, 0, 0), (12, 60, 0)] {
                    for frac in ["", ".5", ".123", ".123456789", ".1234567891", "."] {
                        for zone in ["Z", "+00:00", "+02:00", "z", ""] {
                            let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{zone}");
                            let want =
                                chrono::DateTime::parse_from_rfc3339(&s).ok().and_then(|d| d.timestamp_nanos_opt());
                            if let Some(got) = fast_rfc3339(s.as_bytes()) {
                                assert_eq!(Some(got), want, "{s}");
                                n += 1;
                            }
                            assert_eq!(parse_str(&s).ok(), want.filter(|w| (MIN_NS..MAX_NS).contains(w)), "{s}");
                        }
                    }
                }
            }
        }
        assert!(n > 500, "the fast path handled only {n} cases");
    }

    #[test]
    fn hostile_values_are_refused_not_wrapped() {
        assert_eq!(parse_str("NaN"), Err(TimeError::Unparseable));
        assert_eq!(parse_str("inf"), Err(TimeError::Unparseable));
        assert_eq!(parse_str(""), Err(TimeError::Unparseable));
        assert_eq!(parse_str("0"), Err(TimeError::OutOfRange));
        assert_eq!(parse_str("99999999999999999999999999999"), Err(TimeError::OutOfRange));
        assert_eq!(parse_str("9999999999999999999999999999999999999999"), Err(TimeError::OutOfRange));
        assert_eq!(from_epoch_float(f64::NAN), Err(TimeError::OutOfRange));
        assert_eq!(from_epoch_float(1e300), Err(TimeError::OutOfRange));
        assert_eq!(from_epoch_int(-5), Err(TimeError::OutOfRange));
        assert_eq!(parse_str("9999-12-31T23:59:59Z"), Err(TimeError::OutOfRange));
        assert_eq!(parse_str("2262-04-01T00:00:00Z"), Err(TimeError::OutOfRange));
        assert_eq!(parse_str("1"), Err(TimeError::OutOfRange));
        assert_eq!(from_epoch_float(1e-12), Err(TimeError::OutOfRange));
    }
}
