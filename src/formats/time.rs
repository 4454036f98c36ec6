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
        if let Some(ns) = exact_decimal(b) {
            return in_range(ns);
        }
        return t.parse::<f64>().map_err(|_| TimeError::Unparseable).and_then(from_epoch_float);
    }
    if let Some(ns) = fast_rfc3339(b) {
        return in_range(ns);
    }
    if let Some(iso) = warehouse(t) {
        return parse_str(&iso);
    }
    let dt = chrono::DateTime::parse_from_rfc3339(t).map_err(|_| TimeError::Unparseable)?;
    dt.timestamp_nanos_opt().ok_or(TimeError::OutOfRange).and_then(in_range)
}

/// A timestamp as data warehouses export Logpush (a warehouse table, or its CSV
/// export): `YYYY-MM-DD HH:MM:SS[.fff]`, a space for the `T`, no zone (or ` UTC`), read as UTC;
/// returned in RFC 3339 form. `None` for any other shape.
fn warehouse(t: &str) -> Option<String> {
    let b = t.as_bytes();
    if b.len() < 19 || b.get(10) != Some(&b' ') || b.get(4) != Some(&b'-') || b.get(13) != Some(&b':') {
        return None;
    }
    let head = t.get(..10)?;
    let rest = t.get(11..)?;
    let rest = rest.strip_suffix(" UTC").or_else(|| rest.strip_suffix(" +00:00")).unwrap_or(rest);
    let zoned = rest.ends_with('Z') || rest.get(8..).is_some_and(|z| z.contains(['+', '-']));
    let clock_ok = rest.get(..8).is_some_and(|c| c.bytes().all(|x| x.is_ascii_digit() || x == b':'));
    if !clock_ok || rest.contains(' ') {
        return None;
    }
    Some(if zoned { format!("{head}T{rest}") } else { format!("{head}T{rest}Z") })
}

/// A decimal epoch in seconds (`1645568187.280`) or milliseconds, read digit by digit so that
/// the fraction is exact (a float would turn `.280` into `.279999971`); `None` for other shapes.
fn exact_decimal(b: &[u8]) -> Option<i64> {
    let dot = memchr::memchr(b'.', b)?;
    let (int, frac) = (b.get(..dot)?, b.get(dot + 1..)?);
    if int.is_empty() || int.len() > 14 || frac.len() > 9 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let whole = decimal(int)?;
    let (scale, digits) = if whole < 100_000_000_000 { (1_000_000_000, 9) } else { (1_000_000, 6) };
    if frac.len() > digits {
        return None;
    }
    let mut f = 0i64;
    for k in 0..digits {
        f = f * 10 + frac.get(k).map_or(0, |c| i64::from(c - b'0'));
    }
    whole.checked_mul(scale)?.checked_add(f)
}

/// The shape Logpush writes, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (or `+00:00`), read field by field
/// and validated by [`civil_secs`]; `None` sends anything else (other offsets, leap
/// seconds, lowercase separators) to chrono's full RFC 3339 parser.
fn fast_rfc3339(b: &[u8]) -> Option<i64> {
    let digit = |i: usize| -> Option<i64> { b.get(i).filter(|c| c.is_ascii_digit()).map(|c| i64::from(c - b'0')) };
    let head: [u8; 19] = b.get(..19)?.try_into().ok()?;
    let [y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'T', h0, h1, b':', mi0, mi1, b':', s0, s1] = head else {
        return None;
    };
    let (y, mo, d) = (decimal(&[y0, y1, y2, y3])?, decimal(&[mo0, mo1])?, decimal(&[d0, d1])?);
    let (h, mi, s) = (decimal(&[h0, h1])?, decimal(&[mi0, mi1])?, decimal(&[s0, s1])?);
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
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
    civil_secs(y, mo, d, h, mi, s)?.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Seconds since the epoch of a UTC calendar date and time; `None` for an impossible one. Years
/// 0 to 9999 are computed here (the proleptic Gregorian calendar, no leap second), to the answer
/// chrono gives; other years are left to chrono.
fn civil_secs(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    if !(0..=9999).contains(&y) {
        return chrono_secs(y, mo, d, h, mi, s);
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if !(1..=month_days).contains(&d) || !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..60).contains(&s) {
        return None;
    }
    Some(crate::vocab::time::days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// [`civil_secs`] by chrono's calendar.
fn chrono_secs(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, u32::try_from(mo).ok()?, u32::try_from(d).ok()?)?;
    let t = date.and_hms_opt(u32::try_from(h).ok()?, u32::try_from(mi).ok()?, u32::try_from(s).ok()?)?;
    Some(t.and_utc().timestamp())
}

/// Nanoseconds since the epoch of a UTC calendar date and time ([`civil_secs`]); `None` for an
/// impossible date or time, or one outside the accepted range.
pub fn civil_ns(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    let ns = civil_secs(y, mo, d, h, mi, s)?.checked_mul(1_000_000_000)?;
    in_range(ns).ok()
}

/// The `n` ASCII digits of `b` from `at` as a number; `None` if any is not a digit.
fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    decimal(b.get(at..at + n)?)
}

/// ASCII digits as a number; `None` if any is not a digit (the callers bound the length).
#[inline]
fn decimal(s: &[u8]) -> Option<i64> {
    s.iter().try_fold(0i64, |acc, c| c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0')))
}

/// The month number of an English three-letter abbreviation (any case).
fn month(b: &[u8]) -> Option<i64> {
    const MONTHS: [&[u8; 3]; 12] =
        [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"];
    let m = [b.first()?.to_ascii_lowercase(), b.get(1)?.to_ascii_lowercase(), b.get(2)?.to_ascii_lowercase()];
    MONTHS.iter().position(|x| **x == m).map(|i| i as i64 + 1)
}

/// A UTC offset `+hhmm`, `-hhmm` or `+hh:mm` in seconds east of UTC (at most 18 hours).
fn offset(b: &[u8]) -> Option<i64> {
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = match b.len() {
        5 => (digits(b, 1, 2)?, digits(b, 3, 2)?),
        6 if b.get(3) == Some(&b':') => (digits(b, 1, 2)?, digits(b, 4, 2)?),
        _ => return None,
    };
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// The access-log time `dd/Mon/yyyy:HH:MM:SS ±hhmm` (nginx `$time_local`, Apache `%t` without
/// the brackets), any UTC offset, as UTC nanoseconds. A fraction after the seconds
/// (`:SS.mmm`, Apache `%{%d/%b/%Y:%H:%M:%S}t.%{msec_frac}t` styles) is kept.
pub fn clf(b: &[u8]) -> Option<i64> {
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(sep(2, b'/') && sep(6, b'/') && sep(11, b':') && sep(14, b':') && sep(17, b':')) {
        return None;
    }
    let (d, mo, y) = (digits(b, 0, 2)?, month(b.get(3..6)?)?, digits(b, 7, 4)?);
    let (h, mi, s) = (digits(b, 12, 2)?, digits(b, 15, 2)?, digits(b, 18, 2)?);
    let mut i = 20;
    let mut nanos = 0i64;
    if sep(20, b'.') {
        let frac: &[u8] = b.get(21..).unwrap_or_default();
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for k in 0..9 {
            nanos = nanos * 10 + if k < n { digits(frac, k, 1)? } else { 0 };
        }
        i = 21 + n;
    }
    let rest = b.get(i..)?;
    let off = match rest {
        [] => 0,
        [b' ', z @ ..] => offset(z)?,
        _ => return None,
    };
    let ns = civil_ns(y, mo, d, h, mi, s)?.checked_add(nanos)?.checked_sub(off.checked_mul(1_000_000_000)?)?;
    in_range(ns).ok()
}

/// ISO 8601 date and time with a UTC offset in any of the shapes loggers write:
/// `YYYY-MM-DDTHH:MM:SS[.fraction]` then `Z`, `±hh:mm` or `±hhmm` (strftime's `%z`, as Fastly's
/// JSON template writes it), as UTC nanoseconds; `None` for anything else.
pub fn iso_offset(b: &[u8]) -> Option<i64> {
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(sep(4, b'-') && sep(7, b'-') && (sep(10, b'T') || sep(10, b' ')) && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (y, mo, d) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (h, mi, s) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    let mut i = 19;
    let mut nanos = 0i64;
    if sep(19, b'.') {
        let frac: &[u8] = b.get(20..).unwrap_or_default();
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        for k in 0..9 {
            nanos = nanos * 10 + if k < n { digits(frac, k, 1)? } else { 0 };
        }
        i = 20 + n;
    }
    let off = match b.get(i..)? {
        b"Z" | b"z" => 0,
        z => offset(z)?,
    };
    let ns = civil_ns(y, mo, d, h, mi, s)?.checked_add(nanos)?.checked_sub(off.checked_mul(1_000_000_000)?)?;
    in_range(ns).ok()
}

/// A date `yyyy-mm-dd` and a time `HH:MM:SS` (CloudFront's `date` and `time`, UTC) as UTC ns.
pub fn date_time(date: &[u8], time: &[u8]) -> Option<i64> {
    if date.len() != 10 || date.get(4) != Some(&b'-') || date.get(7) != Some(&b'-') {
        return None;
    }
    if time.len() != 8 || time.get(2) != Some(&b':') || time.get(5) != Some(&b':') {
        return None;
    }
    civil_ns(
        digits(date, 0, 4)?,
        digits(date, 5, 2)?,
        digits(date, 8, 2)?,
        digits(time, 0, 2)?,
        digits(time, 3, 2)?,
        digits(time, 6, 2)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_653_485_126_000_000_000; // 2022-05-25T13:25:26Z

    #[test]
    fn the_calendar_agrees_with_chrono() {
        // Every day of years 0 to 9999 (a month past the end of each too), at two times of day.
        for y in 0..=9999 {
            for mo in 0..=13 {
                for d in 0..=32 {
                    for (h, mi, s) in [(0, 0, 0), (23, 59, 59)] {
                        assert_eq!(civil_secs(y, mo, d, h, mi, s), chrono_secs(y, mo, d, h, mi, s), "{y}-{mo}-{d}");
                    }
                }
            }
        }
        for (h, mi, s) in [(24, 0, 0), (0, 60, 0), (0, 0, 60), (-1, 0, 0), (12, 30, 30)] {
            assert_eq!(civil_secs(2024, 2, 29, h, mi, s), chrono_secs(2024, 2, 29, h, mi, s));
        }
        for y in [-1, 10_000, 262_143, 262_144, -262_144, -262_145] {
            assert_eq!(civil_secs(y, 3, 1, 0, 0, 0), chrono_secs(y, 3, 1, 0, 0, 0), "{y}");
        }
    }

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
        // As warehouses export them: a space for the `T`, no zone (UTC).
        assert_eq!(parse_str("2022-05-25 13:25:26"), Ok(T));
        assert_eq!(parse_str("2022-05-25 13:25:26.250"), Ok(T + 250_000_000));
        assert_eq!(parse_str("2022-05-25 13:25:26 UTC"), Ok(T));
        assert_eq!(parse_str("2022-05-25 15:25:26+02:00"), Ok(T));
        assert!(parse_str("2022-05-25 13:25").is_err());
        assert!(parse_str("2022-05-25 13:25:26 tomorrow").is_err());
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
    fn access_log_times_in_every_offset() {
        // 2016-10-25T12:49:33Z written in four zones.
        let t = 1_477_399_773_000_000_000;
        assert_eq!(clf(b"25/Oct/2016:14:49:33 +0200"), Some(t));
        assert_eq!(clf(b"25/Oct/2016:12:49:33 +0000"), Some(t));
        assert_eq!(clf(b"25/Oct/2016:05:49:33 -0700"), Some(t));
        assert_eq!(clf(b"25/Oct/2016:18:19:33 +0530"), Some(t));
        assert_eq!(clf(b"26/Oct/2016:02:34:33 +13:45"), Some(t));
        assert_eq!(clf(b"25/oct/2016:12:49:33"), Some(t));
        assert_eq!(clf(b"25/Oct/2016:12:49:33.250 +0000"), Some(t + 250_000_000));
        for bad in [
            &b"25/Oct/2016:12:49:33 +2500"[..],
            b"31/Feb/2016:12:49:33 +0000",
            b"25/Foo/2016:12:49:33 +0000",
            b"25/Oct/2016 12:49:33",
            b"",
            b"25/Oct/2016:12:49:33 +0000x",
        ] {
            assert_eq!(clf(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(date_time(b"2019-12-04", b"21:02:31"), Some(1_575_493_351_000_000_000));
        assert_eq!(iso_offset(b"2016-10-25T14:49:33+0200"), Some(t));
        assert_eq!(iso_offset(b"2016-10-25T05:49:33-07:00"), Some(t));
        assert_eq!(iso_offset(b"2016-10-25T12:49:33.5Z"), Some(t + 500_000_000));
        assert_eq!(iso_offset(b"2016-10-25T12:49:33"), None);
        assert_eq!(iso_offset(b"2016-02-30T12:49:33Z"), None);
        assert_eq!(date_time(b"2019-13-04", b"21:02:31"), None);
        assert_eq!(date_time(b"2019-12-04", b"25:02:31"), None);
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
