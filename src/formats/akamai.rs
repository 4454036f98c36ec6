//! Akamai DataStream 2, JSON: one object per line, every value a string, `-` for empty, the
//! request time `reqTimeSec` in fractional epoch seconds (`"1645568187.280"`).
//!
//! Mapping: `statusCode` is the edge status; `reqHost`, `reqPath` (+ `?queryStr`), `reqMethod`,
//! `cliIP`, `UA` (URL-decoded), `reqId`, `bytes`, `country`, `proto`, `tlsVersion`,
//! `rspContentType` their columns; `turnAroundTimeMSec` the TTFB; the duration is
//! `reqEndTimeMSec + turnAroundTimeMSec + transferTimeMSec` (reading the request, waiting for the
//! first byte, sending the body); `cacheStatus` `1` is `hit`, `0` `miss`; `errorCode` is kept in
//! `error`. DataStream names no POP: the edge server's address (`edgeIP`), when logged, is the
//! POP column, so that events of one edge server group together.
//!
//! Attribution (DataStream logs no origin status): a cache hit did not ask the origin
//! (`origin_status` 0); an `errorCode` is the edge's account of a failure (`origin_status` 0), and
//! the codes that say the origin could not be reached ([`ORIGIN_FAILURE_PREFIXES`]:
//! `ERR_CONNECT_FAIL`, `ERR_DNS_FAIL`, `ERR_READ_TIMEOUT`, ...) give the `origin_unreachable`
//! signature; a miss without an error code passed the origin's status on (`origin_status` =
//! `statusCode`). Without `cacheStatus` and `errorCode` the origin status is not recorded.

use std::borrow::Cow;

use super::cloudfront::percent_decode;
use super::{lenient, time::TimeError, LineFormat, Need, Reject};
use crate::event::Event;

/// The DataStream 2 JSON format.
#[derive(Debug, Clone, Copy, Default)]
pub struct DataStream2;

/// Prefixes of Akamai error codes that say the edge could not get a response from the origin.
pub const ORIGIN_FAILURE_PREFIXES: [&str; 7] = [
    "ERR_CONNECT",
    "ERR_DNS",
    "ERR_READ_TIMEOUT",
    "ERR_READ_ERROR",
    "ERR_ZERO_SIZE_OBJECT",
    "ERR_NO_GOOD_FWD_IP",
    "ERR_ORIGIN",
];

type Str<'a> = Option<Cow<'a, str>>;

super::json::projected_record! {
    Line, CountsLine, Rest, fast = true;
    counts {
        #[serde(deserialize_with = "lenient::timestamp")]
        reqTimeSec: Option<Result<i64, TimeError>>,
        #[serde(deserialize_with = "lenient::int")]
        statusCode: Option<u16>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        reqHost: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        reqId: Str<'a>,
        #[serde(deserialize_with = "lenient::soft_int")]
        bytes: Option<u64>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        cacheStatus: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        errorCode: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        edgeIP: Str<'a>,
    }
    rest {
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        reqPath: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        queryStr: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        reqMethod: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        cliIP: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        UA: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        country: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        proto: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        tlsVersion: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        rspContentType: Str<'a>,
        #[serde(deserialize_with = "lenient::soft_int")]
        turnAroundTimeMSec: Option<u32>,
        #[serde(deserialize_with = "lenient::soft_int")]
        transferTimeMSec: Option<u32>,
        #[serde(deserialize_with = "lenient::soft_int")]
        reqEndTimeMSec: Option<u32>,
    }
}

fn request_time(t: Option<Result<i64, TimeError>>) -> Result<i64, Reject> {
    match t {
        Some(Ok(t)) => Ok(t),
        Some(Err(e)) => Err(Reject::new("bad timestamp", format!("reqTimeSec {e}"))),
        None => Err(Reject::new("missing field", "reqTimeSec")),
    }
}

/// The origin status DataStream implies (see the module docs).
fn origin_status(error: Option<&str>, cache: Option<&str>, status: Option<u16>) -> Option<u16> {
    match (error, cache) {
        (Some(_), _) | (None, Some("1")) => Some(0),
        (None, Some(_)) => status,
        (None, None) => None,
    }
}

/// `-` and empty strings are DataStream's "no value".
fn val(s: Str<'_>) -> Str<'_> {
    s.filter(|v| !v.is_empty() && v != "-" && v != "^")
}

/// Whether an Akamai error code says the origin could not be reached.
pub fn is_origin_failure(code: &str) -> bool {
    ORIGIN_FAILURE_PREFIXES.iter().any(|p| code.starts_with(p))
}

impl LineFormat for DataStream2 {
    fn id(&self) -> &'static str {
        "akamai_datastream2"
    }
    fn provider(&self) -> &'static str {
        "akamai"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Cdn
    }
    fn expected(&self) -> &'static str {
        "Akamai DataStream 2 JSON: one object per line with string fields such as reqTimeSec, statusCode, reqHost, reqId"
    }
    fn sniff_line(&self, line: &[u8]) -> bool {
        line.first() == Some(&b'{')
            && memchr::memmem::find(line, b"\"reqTimeSec\"").is_some()
            && (memchr::memmem::find(line, b"\"statusCode\"").is_some()
                || memchr::memmem::find(line, b"\"reqHost\"").is_some())
    }
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        let (c, rest) = CountsLine::decode(line, need)?;
        let cache = val(c.cacheStatus.clone());
        let mut e = counts_event(c)?;
        let Some(r) = rest else { return Ok(e) };
        e.duration_ms = match (r.reqEndTimeMSec, r.turnAroundTimeMSec, r.transferTimeMSec) {
            (None, None, None) => None,
            (a, b, c) => a.unwrap_or(0).checked_add(b.unwrap_or(0)).and_then(|x| x.checked_add(c.unwrap_or(0))),
        };
        e.path = match (val(r.reqPath), val(r.queryStr)) {
            (Some(p), Some(q)) => Some(Cow::Owned(format!("{p}?{q}"))),
            (p, _) => p,
        };
        e.client_country = val(r.country);
        e.method = val(r.reqMethod);
        e.ttfb_ms = r.turnAroundTimeMSec;
        e.cache_status = cache.map(|c| Cow::Borrowed(if c == "1" { "hit" } else { "miss" }));
        e.tls_protocol = val(r.tlsVersion);
        e.http_protocol = val(r.proto);
        e.client_ip = val(r.cliIP);
        e.user_agent = val(r.UA).map(|u| match u {
            Cow::Borrowed(b) => percent_decode(b.as_bytes()),
            Cow::Owned(o) => Cow::Owned(percent_decode(o.as_bytes()).into_owned()),
        });
        e.content_type = val(r.rspContentType);
        Ok(e)
    }
}

/// The event of a record's aggregate fields (the whole event of [`Need::Counts`]).
fn counts_event(l: CountsLine<'_>) -> Result<Event<'_>, Reject> {
    let error = val(l.errorCode);
    Ok(Event {
        time_ns: request_time(l.reqTimeSec)?,
        pop: val(l.edgeIP),
        host: val(l.reqHost),
        edge_status: l.statusCode,
        origin_status: origin_status(error.as_deref(), val(l.cacheStatus).as_deref(), l.statusCode),
        bytes: l.bytes,
        request_id: val(l.reqId),
        origin_failure: error.as_deref().is_some_and(is_origin_failure),
        error,
        ..Event::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_dashes_and_fractional_seconds() {
        let e = DataStream2
            .parse(br#"{"reqTimeSec":"1645568187.280","statusCode":"200","reqHost":"h.akamaized.net","reqPath":"Tiger.pdf","queryStr":"-","cliIP":"15.188.240.172","UA":"Datadog%2fSynthetics","reqId":"2898b6","bytes":"376255","cacheStatus":"1","errorCode":"-","reqEndTimeMSec":"2","turnAroundTimeMSec":"1","transferTimeMSec":"8","tlsVersion":"-"}"#)
            .unwrap();
        assert_eq!(e.time_ns, 1_645_568_187_280_000_000);
        assert_eq!((e.edge_status, e.origin_status), (Some(200), Some(0)));
        assert_eq!(e.path.as_deref(), Some("Tiger.pdf"));
        assert_eq!(e.user_agent.as_deref(), Some("Datadog/Synthetics"));
        assert_eq!((e.duration_ms, e.ttfb_ms), (Some(11), Some(1)));
        assert_eq!(e.tls_protocol, None);
        assert_eq!(e.cache_status.as_deref(), Some("hit"));
    }

    #[test]
    fn error_codes_attribute_the_failure() {
        let e = DataStream2
            .parse(br#"{"reqTimeSec":"1645568187","statusCode":"503","cacheStatus":"0","errorCode":"ERR_CONNECT_FAIL|origin"}"#)
            .unwrap();
        assert_eq!((e.origin_status, e.error.as_deref()), (Some(0), Some("ERR_CONNECT_FAIL|origin")));
        assert!(is_origin_failure("ERR_DNS_FAIL"));
        assert!(!is_origin_failure("ERR_ACCESS_DENIED|fwd_acl"));
        let e = DataStream2.parse(br#"{"reqTimeSec":"1645568187","statusCode":"502","cacheStatus":"0"}"#).unwrap();
        assert_eq!(e.origin_status, Some(502));
        let e = DataStream2.parse(br#"{"reqTimeSec":"1645568187","statusCode":"502"}"#).unwrap();
        assert_eq!(e.origin_status, None);
    }

    #[test]
    fn rejections() {
        assert_eq!(DataStream2.parse(br#"{"statusCode":"200"}"#).unwrap_err().kind, "missing field");
        assert_eq!(DataStream2.parse(br#"{"reqTimeSec":"soon"}"#).unwrap_err().kind, "bad timestamp");
        assert_eq!(
            DataStream2.parse(br#"{"reqTimeSec":"1645568187","statusCode":"2000"}"#).unwrap_err().kind,
            "invalid JSON"
        );
    }
}
