//! AWS CloudFront access logs: standard logs (W3C, tab-separated, columns named by the file's
//! `#Fields` header) and real-time logs (tab-separated, no header, an epoch `timestamp` first and
//! the fields in CloudFront's documented order).
//!
//! The columns of a standard log are read from its `#Fields` header, so files written with any
//! field list are read right; a file without the header is read with the current default list
//! ([`DEFAULT_FIELDS`]). A line with fewer columns than the header names has its missing trailing
//! fields null; extra trailing columns are ignored. `#Version` and `#Fields` lines are headers,
//! counted apart from records. The field list is the first `#Fields` of the file: files written
//! with different lists and concatenated into one are read with the first list (keep them as
//! separate files, as CloudFront delivers them).
//!
//! Real-time logs have no header: their fields are read in the documented order of a
//! configuration that logs all fields; a line whose first field is not an epoch time with
//! milliseconds or whose fourth is not a status is refused rather than misread.
//!
//! Mapping: `x-edge-location` `SCL51-C1` becomes the POP `SCL` (its IATA airport code);
//! `sc-status` `000` (no response sent) is 0; `x-host-header` is the host and `cs(Host)` (the
//! distribution's domain) the zone; `time-taken` and `time-to-first-byte` are the duration and
//! TTFB; `x-edge-result-type` is the cache status.
//!
//! Edge-vs-origin attribution, from the result types (CloudFront logs no origin status):
//! - `Miss`, `RefreshHit`: the origin answered and its status was passed on: `origin_status` =
//!   `sc-status`.
//! - `Error` whose detailed type names an origin failure ([`ORIGIN_FAILURES`]: `OriginConnectError`,
//!   `OriginDnsError`, `OriginCommError`, ...): the origin never gave a usable response:
//!   `origin_status` 0 and the detailed type in `error` (signature `origin_unreachable`).
//! - `Error` with a detailed type that is CloudFront's own (functions, Lambda@Edge, invalid
//!   requests, client errors): `origin_status` 0 and the type in `error` (an edge 5xx).
//! - `Error` with the generic detailed type `Error`: CloudFront gives its own failures specific
//!   types, so this is the origin's error status passed on: `origin_status` = `sc-status`.
//! - `Hit`, `LimitExceeded`, `CapacityExceeded`, `Redirect` and generated responses: the origin was
//!   not asked: `origin_status` 0.

use std::borrow::Cow;
use std::sync::Arc;

use super::{dash, seconds_ms, status, text, time, uint, LineFormat, Need, Reject};
use crate::event::Event;

/// The CloudFront standard (W3C) log format.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloudFront;

/// The CloudFront real-time log format (all fields, in the documented order).
#[derive(Debug, Clone, Copy, Default)]
pub struct CloudFrontRealtime;

/// The field list of a standard log file without a `#Fields` header (CloudFront's current one).
pub const DEFAULT_FIELDS: &str = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

/// The fields of a real-time log, in CloudFront's documented order.
pub const REALTIME_FIELDS: &str = "timestamp c-ip time-to-first-byte sc-status sc-bytes cs-method cs-protocol cs-host cs-uri-stem cs-bytes x-edge-location x-edge-request-id x-host-header time-taken cs-protocol-version c-ip-version cs-user-agent cs-referer cs-cookie cs-uri-query x-edge-response-result-type x-forwarded-for ssl-protocol ssl-cipher x-edge-result-type fle-encrypted-fields fle-status sc-content-type sc-content-len sc-range-start sc-range-end c-port x-edge-detailed-result-type c-country cs-accept-encoding cs-accept cache-behavior-path-pattern cs-headers cs-header-names cs-headers-count primary-distribution-id primary-distribution-dns-name origin-fbl origin-lbl asn";

/// Detailed result types that say the origin gave no usable response.
pub const ORIGIN_FAILURES: [&str; 12] = [
    "OriginConnectError",
    "OriginDnsError",
    "OriginCommError",
    "OriginReadError",
    "OriginWriteError",
    "OriginInvalidResponseError",
    "OriginHeaderTooBigError",
    "OriginZeroSizeObjectError",
    "OriginContentRangeLengthError",
    "SlowReaderOriginError",
    "AbortedOrigin",
    "OriginShieldConnectError",
];

/// Most columns a line is split into; later ones are ignored.
const MAX_COLUMNS: usize = 96;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Date,
    Time,
    Epoch,
    Location,
    Bytes,
    ClientIp,
    Method,
    Distribution,
    UriStem,
    Status,
    UserAgent,
    Query,
    ResultType,
    RequestId,
    HostHeader,
    TimeTaken,
    SslProtocol,
    ProtocolVersion,
    Ttfb,
    DetailedResultType,
    ContentType,
    Country,
    OriginFbl,
    Ignore,
}

fn role(name: &str) -> Role {
    match name {
        "date" => Role::Date,
        "time" => Role::Time,
        "timestamp" => Role::Epoch,
        "x-edge-location" => Role::Location,
        "sc-bytes" => Role::Bytes,
        "c-ip" => Role::ClientIp,
        "cs-method" => Role::Method,
        "cs(Host)" | "cs-host" => Role::Distribution,
        "cs-uri-stem" => Role::UriStem,
        "sc-status" => Role::Status,
        "cs(User-Agent)" | "cs-user-agent" => Role::UserAgent,
        "cs-uri-query" => Role::Query,
        "x-edge-result-type" => Role::ResultType,
        "x-edge-request-id" => Role::RequestId,
        "x-host-header" => Role::HostHeader,
        "time-taken" => Role::TimeTaken,
        "ssl-protocol" => Role::SslProtocol,
        "cs-protocol-version" => Role::ProtocolVersion,
        "time-to-first-byte" => Role::Ttfb,
        "x-edge-detailed-result-type" => Role::DetailedResultType,
        "sc-content-type" => Role::ContentType,
        "c-country" => Role::Country,
        "origin-fbl" => Role::OriginFbl,
        _ => Role::Ignore,
    }
}

/// A CloudFront parser for one field list.
#[derive(Debug, Clone)]
pub struct Columns {
    roles: Vec<Role>,
    id: &'static str,
}

impl Columns {
    /// A parser for the given space-separated field names.
    pub fn new(fields: &str, id: &'static str) -> Columns {
        Columns { roles: fields.split_ascii_whitespace().map(role).take(MAX_COLUMNS).collect(), id }
    }
}

/// The POP of an edge location: its leading IATA code, upper-cased (`SCL51-C1` → `SCL`).
pub fn pop_of(location: &[u8]) -> Option<Cow<'_, str>> {
    let code = location.get(..3)?;
    if !code.iter().all(u8::is_ascii_alphabetic) {
        return Some(text(location));
    }
    Some(if code.iter().all(u8::is_ascii_uppercase) { text(code) } else { Cow::Owned(text(code).to_ascii_uppercase()) })
}

/// Decodes `%XX` escapes (CloudFront URL-encodes user agents); borrows when there are none.
pub fn percent_decode(v: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'%', v).is_none() {
        return text(v);
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0usize;
    while let Some(&c) = v.get(i) {
        let hex = |j: usize| v.get(j).and_then(|h| (*h as char).to_digit(16));
        if c == b'%' {
            if let (Some(a), Some(b)) = (hex(i + 1), hex(i + 2)) {
                out.push((a * 16 + b) as u8);
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// `origin_status` and `error` from the result types and the status (see the module docs).
fn attribution<'a>(
    result: Option<&'a [u8]>,
    detailed: Option<&'a [u8]>,
    status: Option<u16>,
) -> (Option<u16>, Option<&'a [u8]>) {
    let detail = detailed.or(result);
    match result.or(detailed) {
        Some(b"Miss" | b"RefreshHit") => (status, None),
        Some(b"Error") => match detail {
            Some(b"Error") | None => (status, Some(&b"Error"[..])),
            Some(d) => {
                let origin_answered = d == b"OriginError";
                (if origin_answered { status } else { Some(0) }, Some(d))
            }
        },
        Some(_) => (Some(0), None),
        None => (None, None),
    }
}

impl Columns {
    fn parse_line<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        let mut e = Event::default();
        let (mut date, mut tod, mut epoch) = (None, None, None);
        let (mut result, mut detailed, mut stem, mut query, mut dist) = (None, None, None, None, None);
        let mut start = 0usize;
        let mut col = 0usize;
        let mut ends = memchr::memchr_iter(b'\t', line);
        loop {
            let end = ends.next();
            let field = line.get(start..end.unwrap_or(line.len())).unwrap_or_default();
            let Some(&r) = self.roles.get(col) else { break };
            let v = dash(field);
            match r {
                Role::Date => date = Some(field),
                Role::Time => tod = Some(field),
                Role::Epoch => epoch = Some(field),
                Role::Location => e.pop = v.and_then(pop_of),
                Role::Status => {
                    e.edge_status = match v {
                        None => None,
                        Some(s) => Some(status(s).ok_or_else(|| {
                            Reject::new("bad status", format!("sc-status `{}` is not a 3-digit status", text(s)))
                        })?),
                    };
                }
                Role::Bytes => e.bytes = v.and_then(|x| uint(x, 19)),
                Role::ResultType => result = v,
                Role::DetailedResultType => detailed = v,
                Role::HostHeader => e.host = v.map(text),
                Role::Distribution => dist = v,
                Role::RequestId => e.request_id = v.map(text),
                _ if need == Need::Counts => {}
                Role::ClientIp => e.client_ip = v.map(text),
                Role::Method => e.method = v.map(text),
                Role::UriStem => stem = v,
                Role::Query => query = v,
                Role::UserAgent => e.user_agent = v.map(percent_decode),
                Role::TimeTaken => e.duration_ms = v.and_then(seconds_ms),
                Role::Ttfb => e.ttfb_ms = v.and_then(seconds_ms),
                Role::OriginFbl => e.origin_duration_ms = v.and_then(seconds_ms),
                Role::SslProtocol => e.tls_protocol = v.map(text),
                Role::ProtocolVersion => e.http_protocol = v.map(text),
                Role::ContentType => e.content_type = v.map(text),
                Role::Country => e.client_country = v.map(text),
                Role::Ignore => {}
            }
            col += 1;
            match end {
                Some(i) => start = i + 1,
                None => break,
            }
        }
        e.time_ns = event_time(date, tod, epoch)?;
        if col < 3 {
            return Err(Reject::new("missing field", format!("only {col} tab-separated columns")));
        }
        let (origin, error) = attribution(result, detailed, e.edge_status);
        e.origin_status = origin;
        e.origin_failure = error.is_some_and(|t| ORIGIN_FAILURES.iter().any(|f| f.as_bytes() == t));
        e.error = error.map(text);
        if e.host.is_none() {
            e.host = dist.map(text);
        }
        if need == Need::All {
            e.zone = dist.map(text);
            e.cache_status = result.map(text);
            e.path = match (stem, query) {
                (Some(s), Some(q)) => Some(Cow::Owned(format!("{}?{}", text(s), text(q)))),
                (Some(s), None) => Some(text(s)),
                _ => None,
            };
        }
        Ok(e)
    }
}

/// A line's time: its date and time columns (standard logs), else its epoch column (real-time
/// logs).
#[inline]
fn event_time(date: Option<&[u8]>, tod: Option<&[u8]>, epoch: Option<&[u8]>) -> Result<i64, Reject> {
    match (date, tod, epoch) {
        (Some(d), Some(t), _) => time::date_time(d, t).ok_or_else(|| {
            Reject::new("bad timestamp", format!("`{} {}` is not yyyy-mm-dd HH:MM:SS", text(d), text(t)))
        }),
        (_, _, Some(s)) => std::str::from_utf8(s)
            .ok()
            .and_then(|s| time::parse_str(s).ok())
            .ok_or_else(|| Reject::new("bad timestamp", format!("`{}` is not an epoch time", text(s)))),
        _ => Err(Reject::new("missing field", "date and time (the line has too few columns)")),
    }
}

/// Whether a line is a W3C header or comment.
fn w3c_header(line: &[u8]) -> bool {
    line.first() == Some(&b'#')
}

/// Whether a line looks like a standard-log record: `yyyy-mm-dd<TAB>HH:MM:SS<TAB>` and many
/// tab-separated columns.
fn looks_standard(line: &[u8]) -> bool {
    let date = line.get(..11);
    let shape = date.is_some_and(|d| d.get(4) == Some(&b'-') && d.get(7) == Some(&b'-') && d.get(10) == Some(&b'\t'));
    shape
        && line.get(13) == Some(&b':')
        && line.get(19) == Some(&b'\t')
        && memchr::memchr_iter(b'\t', line).count() >= 10
}

impl LineFormat for Columns {
    fn id(&self) -> &'static str {
        self.id
    }
    fn provider(&self) -> &'static str {
        "aws_cloudfront"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Cdn
    }
    fn expected(&self) -> &'static str {
        CloudFront.expected()
    }
    fn sniff_line(&self, line: &[u8]) -> bool {
        CloudFront.sniff_line(line)
    }
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        self.parse_line(line, need)
    }
    fn is_header(&self, line: &[u8]) -> bool {
        w3c_header(line)
    }
}

impl LineFormat for CloudFront {
    fn id(&self) -> &'static str {
        "cloudfront_standard"
    }
    fn provider(&self) -> &'static str {
        "aws_cloudfront"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Cdn
    }
    fn expected(&self) -> &'static str {
        "AWS CloudFront standard logs: `#Version: 1.0` and `#Fields: date time x-edge-location ...` headers, then tab-separated lines"
    }
    fn sniff_line(&self, line: &[u8]) -> bool {
        line.starts_with(b"#Version:") || line.starts_with(b"#Fields:") || looks_standard(line)
    }
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        Columns::new(DEFAULT_FIELDS, "cloudfront_standard").parse_line(line, need)
    }
    fn is_header(&self, line: &[u8]) -> bool {
        w3c_header(line)
    }
    fn for_file(&self, head: &[u8]) -> Option<Arc<dyn LineFormat>> {
        let fields = head
            .split(|c| *c == b'\n')
            .find_map(|l| super::trim_line(l).strip_prefix(b"#Fields:"))
            .map_or(Cow::Borrowed(DEFAULT_FIELDS), |f| String::from_utf8_lossy(f));
        Some(Arc::new(Columns::new(&fields, "cloudfront_standard")))
    }
}

/// Whether a line looks like a real-time record: an epoch with milliseconds, a tab, then more
/// than ten tab-separated columns, the fourth a status.
fn looks_realtime(line: &[u8]) -> bool {
    let mut cols = line.split(|c| *c == b'\t');
    let ts = cols.next().unwrap_or_default();
    let dot = memchr::memchr(b'.', ts);
    let epoch = dot.is_some_and(|d| d == 10 && ts.len() == 14) && ts.iter().all(|c| c.is_ascii_digit() || *c == b'.');
    let st = cols.nth(2).unwrap_or_default();
    epoch && status(st).is_some() && memchr::memchr_iter(b'\t', line).count() >= 10
}

impl LineFormat for CloudFrontRealtime {
    fn id(&self) -> &'static str {
        "cloudfront_realtime"
    }
    fn provider(&self) -> &'static str {
        "aws_cloudfront"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Cdn
    }
    fn expected(&self) -> &'static str {
        "AWS CloudFront real-time logs: tab-separated, `timestamp` (epoch with milliseconds) first, fields in the documented order"
    }
    fn sniff_line(&self, line: &[u8]) -> bool {
        looks_realtime(line)
    }
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        if !looks_realtime(line) {
            return Err(Reject::new(
                "not a real-time log line",
                "expected an epoch timestamp with milliseconds, then tab-separated fields in the documented order",
            ));
        }
        Columns::new(REALTIME_FIELDS, "cloudfront_realtime").parse_line(line, need)
    }
    fn for_file(&self, _head: &[u8]) -> Option<Arc<dyn LineFormat>> {
        Some(Arc::new(Realtime(Columns::new(REALTIME_FIELDS, "cloudfront_realtime"))))
    }
}

/// A real-time log parser with its column roles built once.
struct Realtime(Columns);

impl LineFormat for Realtime {
    fn id(&self) -> &'static str {
        "cloudfront_realtime"
    }
    fn provider(&self) -> &'static str {
        "aws_cloudfront"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Cdn
    }
    fn expected(&self) -> &'static str {
        CloudFrontRealtime.expected()
    }
    fn sniff_line(&self, line: &[u8]) -> bool {
        looks_realtime(line)
    }
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        if !looks_realtime(line) {
            return Err(Reject::new("not a real-time log line", "expected an epoch timestamp with milliseconds first"));
        }
        self.0.parse_line(line, need)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn std_parser() -> Arc<dyn LineFormat> {
        CloudFront.for_file(format!("#Version: 1.0\n#Fields: {DEFAULT_FIELDS}\n").as_bytes()).unwrap()
    }

    #[test]
    fn origin_dns_error_is_an_origin_failure_at_the_pop() {
        let line = "2019-12-13\t22:36:27\tSEA19-C1\t900\t89.160.20.112\tGET\td111111abcdef8.cloudfront.net\t/favicon.ico\t502\thttp://www.example.com/\tMozilla/5.0%20(Windows)\t-\t-\tError\t1pkpNfBQ39sYMnjjUQjmH2w1wdJnbHYTbag21o_3OfcQgPzdL2RSSQ==\twww.example.com\thttp\t675\t0.102\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t25260\t0.102\tOriginDnsError\ttext/html\t507\t-\t-";
        let e = std_parser().parse(line.as_bytes()).unwrap();
        assert_eq!(e.time_ns, 1_576_276_587_000_000_000);
        assert_eq!(e.pop.as_deref(), Some("SEA"));
        assert_eq!((e.edge_status, e.origin_status), (Some(502), Some(0)));
        assert_eq!((e.error.as_deref(), e.origin_failure), (Some("OriginDnsError"), true));
        assert_eq!(e.duration_ms, Some(102));
        assert_eq!(e.host.as_deref(), Some("www.example.com"));
        assert_eq!(e.zone.as_deref(), Some("d111111abcdef8.cloudfront.net"));
        assert_eq!(e.user_agent.as_deref(), Some("Mozilla/5.0 (Windows)"));
    }

    #[test]
    fn the_header_decides_the_columns() {
        let p = CloudFront.for_file(b"#Version: 1.0\n#Fields: time date sc-status x-edge-location\n").unwrap();
        let e = p.parse(b"01:02:03\t2024-01-02\t000\tscl51-c1").unwrap();
        assert_eq!((e.edge_status, e.pop.as_deref()), (Some(0), Some("SCL")));
        assert!(p.is_header(b"#Fields: x"));
        // Fewer columns than the header: the rest is null; more: ignored.
        let e = p.parse(b"01:02:03\t2024-01-02\t200").unwrap();
        assert_eq!(e.pop, None);
        assert!(p.parse(b"01:02:03\t2024-01-02\t200\tAMS1\textra\tmore").is_ok());
        assert_eq!(p.parse(b"01:02:03").unwrap_err().kind, "missing field");
        assert_eq!(p.parse(b"01:02:03\t2024-01-32\t200").unwrap_err().kind, "bad timestamp");
        assert_eq!(p.parse(b"01:02:03\t2024-01-02\tOK").unwrap_err().kind, "bad status");
    }

    #[test]
    fn result_types_decide_the_origin_status() {
        assert_eq!(attribution(Some(b"Miss"), Some(b"Miss"), Some(503)), (Some(503), None));
        assert_eq!(attribution(Some(b"Hit"), Some(b"Hit"), Some(200)), (Some(0), None));
        assert_eq!(
            attribution(Some(b"Error"), Some(b"OriginConnectError"), Some(502)),
            (Some(0), Some(&b"OriginConnectError"[..]))
        );
        assert_eq!(attribution(Some(b"Error"), Some(b"Error"), Some(503)), (Some(503), Some(&b"Error"[..])));
        assert_eq!(
            attribution(Some(b"Error"), Some(b"LambdaExecutionError"), Some(503)),
            (Some(0), Some(&b"LambdaExecutionError"[..]))
        );
        assert_eq!(attribution(Some(b"LimitExceeded"), None, Some(503)), (Some(0), None));
        assert_eq!(attribution(None, None, Some(503)), (None, None));
    }

    #[test]
    fn realtime_lines_in_the_documented_order() {
        let mut cols = vec!["-"; 45];
        cols[0] = "1700000000.123";
        cols[3] = "504";
        cols[10] = "FRA56-P3";
        cols[24] = "Error";
        cols[32] = "OriginConnectError";
        cols[42] = "1.500";
        let line = cols.join("\t");
        assert!(CloudFrontRealtime.sniff_line(line.as_bytes()));
        let p = CloudFrontRealtime.for_file(b"").unwrap();
        let e = p.parse(line.as_bytes()).unwrap();
        assert_eq!(e.time_ns, 1_700_000_000_123_000_000);
        assert_eq!((e.pop.as_deref(), e.edge_status, e.origin_status), (Some("FRA"), Some(504), Some(0)));
        assert_eq!(e.origin_duration_ms, Some(1500));
        assert!(!CloudFront.sniff_line(line.as_bytes()));
    }
}
