//! A point in time as the program computes with it: nanoseconds since the epoch, UTC. It becomes
//! text only at the edges: RFC 3339 with milliseconds (`2025-11-18T11:20:00.000Z`) in JSON, by
//! its serde adapter, and wherever it is displayed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`: pure
/// arithmetic, no validation; the caller checks the month and day).
pub const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Nanoseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Nanoseconds since the epoch.
    pub fn ns(self) -> i64 {
        self.0
    }

    /// Seconds since the epoch, with the fraction.
    pub fn secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// An RFC 3339 time with any offset; `None` when it is not one (or lies beyond 2262).
    pub fn parse(s: &str) -> Option<Timestamp> {
        chrono::DateTime::parse_from_rfc3339(s.trim()).ok()?.timestamp_nanos_opt().map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = chrono::DateTime::from_timestamp_nanos(self.0);
        f.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Timestamp::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 time: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn json_carries_rfc3339_and_reads_it_back() {
        let t = Timestamp(1_763_464_800_123_000_000);
        let j = serde_json::to_string(&t).unwrap();
        assert_eq!(j, "\"2025-11-18T11:20:00.123Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&j).unwrap(), t);
        assert_eq!(serde_json::from_str::<Timestamp>("\"2025-11-18T12:20:00.123+01:00\"").unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("\"noon\"").is_err());
        assert!((Timestamp(1_500_000_000).secs_f64() - 1.5).abs() < 1e-12);
    }
}
