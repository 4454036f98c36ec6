//! Fastly real-time log streaming, in its two common shapes.
//!
//! **JSON** ([`FastlyJson`]): Fastly has no fixed JSON schema (the service's VCL writes it), so the
//! reader accepts the field names of Fastly's documented JSON template and their usual variants:
//! `timestamp` (`time`, `time_start`; RFC 3339, `%Y-%m-%dT%H:%M:%S%z` or epoch), `status`
//! (`response_status`), `pop` (`datacenter`, `server_datacenter`), `fastly_server`
//! (`server_identity`, `cache-sjc10043-SJC`: its POP when no `pop` is logged), `host`, `url`,
//! `request_method`, `client_ip`, `request_user_agent`, `response_body_size`, `response_state`
//! (`fastly_info.state`: `HIT`, `MISS`, `PASS`, `ERROR`, ...), `response_reason`, `request_id`,
//! `origin_status` (`backend_status`), `time_elapsed` (µs).
//!
//! **Syslog** ([`FastlySyslog`]): the classic syslog message of a logging endpoint with the default
//! format `%h %l %u %t "%r" %>s %b`:
//! `<134>2016-07-04T22:37:04Z cache-sjc3128 endpoint[123]: 1.2.3.4 - - [04/Jul/2016:22:37:04 +0000] "GET / HTTP/1.1" 200 512`.
//! The cache node names the POP (`cache-sjc3128` → `SJC`).
//!
//! Attribution: a logged origin status is used as it is. Otherwise the cache state decides: a
//! `HIT` (including synthetic responses) did not ask the origin (`origin_status` 0); `MISS` and
//! `PASS` passed the origin's status on (`origin_status` = status); `ERROR` is Fastly's own error
//! path (`origin_status` 0, the reason or state in `error`; a backend timeout or refused connection
//! there gives `origin_unreachable`). The syslog default records neither, so its origin status is
//! null.

use std::borrow::Cow;

use super::access::parse_clf;
use super::{lenient, text, time, LineFormat, Need, Reject};
use crate::event::Event;

/// Fastly JSON logging.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastlyJson;

/// Fastly's classic syslog message with the default (common log) format.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastlySyslog;

/// Phrases of Fastly error reasons that say the backend (origin) could not be reached.
pub const ORIGIN_FAILURE_REASONS: [&str; 6] = [
    "first byte timeout",
    "between bytes timeout",
    "connection refused",
    "connection timed out",
    "backend unavailable",
    "backend is unhealthy",
];

type Str<'a> = Option<Cow<'a, str>>;

super::json::projected_record! {
    Line, CountsLine, Rest, fast = false;
    counts {
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "time", alias = "time_start", alias = "start_time")]
        timestamp: Str<'a>,
        #[serde(deserialize_with = "lenient::int", alias = "response_status", alias = "status_code")]
        status: Option<u16>,
        #[serde(deserialize_with = "lenient::soft_int", alias = "backend_status")]
        origin_status: Option<u16>,
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "datacenter", alias = "server_datacenter")]
        pop: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "server_identity", alias = "cache_node")]
        fastly_server: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "request_host")]
        host: Str<'a>,
        #[serde(deserialize_with = "lenient::soft_int", alias = "body_bytes", alias = "bytes")]
        response_body_size: Option<u64>,
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "state", alias = "cache_status")]
        response_state: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        response_reason: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "req_xid")]
        request_id: Str<'a>,
    }
    rest {
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "request_url", alias = "path")]
        url: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "method")]
        request_method: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "ip")]
        client_ip: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "user_agent")]
        request_user_agent: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str", alias = "country_code")]
        geo_country_code: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        request_protocol: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        tls_client_protocol: Str<'a>,
        #[serde(deserialize_with = "lenient::soft_int")]
        time_elapsed: Option<u64>,
    }
}

/// The attribution of a Fastly record: origin status and error (see the module docs).
fn attribution<'a>(
    logged: Option<u16>,
    state: Option<&Cow<'a, str>>,
    reason: Str<'a>,
    status: Option<u16>,
) -> (Option<u16>, Str<'a>) {
    let is_error = state.is_some_and(|s| s.contains("ERROR"));
    let origin = match (logged, state.map(AsRef::as_ref)) {
        (Some(o), _) => Some(o),
        (None, Some(s)) if is_error || s.starts_with("HIT") => Some(0),
        (None, Some(s)) if s.starts_with("MISS") || s.starts_with("PASS") => status,
        _ => None,
    };
    (origin, if is_error { reason.or_else(|| state.cloned()) } else { None })
}

/// The POP: a logged `pop`, else the code of the cache node.
fn pop_of(pop: Str<'_>, server: Str<'_>) -> Option<Cow<'static, str>> {
    val(pop)
        .map(|p| Cow::Owned(p.to_ascii_uppercase()))
        .or_else(|| val(server).and_then(|n| pop_of_node(&n)).map(Cow::Owned))
}

fn val(s: Str<'_>) -> Str<'_> {
    s.filter(|v| !v.is_empty() && v != "-" && v != "(null)")
}

/// The POP of a Fastly cache node: `cache-sjc10043-SJC` → `SJC`, `cache-sjc3128` → `SJC`.
pub fn pop_of_node(node: &str) -> Option<String> {
    if let Some((_, last)) = node.rsplit_once('-') {
        if last.len() == 3 && last.bytes().all(|c| c.is_ascii_uppercase()) {
            return Some(last.to_string());
        }
    }
    let rest = node.strip_prefix("cache-").unwrap_or(node);
    let code: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
    (code.len() >= 3).then(|| code.to_ascii_uppercase())
}

/// Whether a Fastly error reason says the backend could not be reached.
pub fn is_origin_failure(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    ORIGIN_FAILURE_REASONS.iter().any(|p| r.contains(p))
}

fn parse_time(s: &str) -> Result<i64, Reject> {
    if let Some(t) = time::iso_offset(s.trim().as_bytes()) {
        return Ok(t);
    }
    if let Ok(t) = time::parse_str(s) {
        return Ok(t);
    }
    chrono::DateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%z")
        .ok()
        .and_then(|d| d.timestamp_nanos_opt())
        .filter(|t| (time::MIN_NS..time::MAX_NS).contains(t))
        .ok_or_else(|| Reject::new("bad timestamp", format!("timestamp `{s}`")))
}

impl LineFormat for FastlyJson {
    fn id(&self) -> &'static str {
        "fastly_json"
    }
    fn provider(&self) -> &'static str {
        "fastly"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Cdn
    }
    fn expected(&self) -> &'static str {
        "Fastly JSON logging: one object per line with fields such as timestamp, fastly_server or pop, response_status, response_state"
    }
    fn sniff_line(&self, line: &[u8]) -> bool {
        const KEYS: [&[u8]; 4] =
            [b"\"fastly_server\"", b"\"fastly_is_edge\"", b"\"response_state\"", b"\"server_datacenter\""];
        line.first() == Some(&b'{') && KEYS.iter().any(|k| memchr::memmem::find(line, k).is_some())
    }
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        let (c, rest) = CountsLine::decode(line, need)?;
        let mut e = counts_event(c)?;
        let Some(r) = rest else { return Ok(e) };
        e.client_country = val(r.geo_country_code).filter(|c| c.len() == 2).map(|c| Cow::Owned(c.to_ascii_uppercase()));
        e.method = val(r.request_method);
        e.path = val(r.url);
        e.duration_ms = r.time_elapsed.and_then(|us| u32::try_from(us / 1000).ok());
        e.tls_protocol = val(r.tls_client_protocol);
        e.http_protocol = val(r.request_protocol);
        e.client_ip = val(r.client_ip);
        e.user_agent = val(r.request_user_agent);
        Ok(e)
    }
}

/// The event of a record's aggregate fields (the whole event of [`Need::Counts`]).
fn counts_event(l: CountsLine<'_>) -> Result<Event<'_>, Reject> {
    let ts = val(l.timestamp).ok_or_else(|| Reject::new("missing field", "timestamp"))?;
    let state = val(l.response_state);
    let (origin_status, error) = attribution(l.origin_status, state.as_ref(), val(l.response_reason), l.status);
    Ok(Event {
        time_ns: parse_time(&ts)?,
        pop: pop_of(l.pop, l.fastly_server),
        host: val(l.host),
        edge_status: l.status,
        origin_status,
        bytes: l.response_body_size,
        request_id: val(l.request_id),
        cache_status: state,
        origin_failure: error.as_deref().is_some_and(is_origin_failure),
        error,
        ..Event::default()
    })
}

/// Splits a classic syslog message into the cache node and the message body.
fn syslog_parts(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = line.strip_prefix(b"<")?;
    let gt = memchr::memchr(b'>', rest)?;
    if gt == 0 || gt > 3 || !rest.get(..gt)?.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut parts = rest.get(gt + 1..)?.splitn(4, |c| *c == b' ');
    let (_ts, node, tag, body) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if !tag.ends_with(b":") || !node.starts_with(b"cache-") {
        return None;
    }
    Some((node, body))
}

impl LineFormat for FastlySyslog {
    fn id(&self) -> &'static str {
        "fastly_syslog"
    }
    fn provider(&self) -> &'static str {
        "fastly"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Cdn
    }
    fn expected(&self) -> &'static str {
        "Fastly syslog messages: `<134>2016-07-04T22:37:04Z cache-sjc3128 name[1]: ` then a common-log line"
    }
    fn sniff_line(&self, line: &[u8]) -> bool {
        syslog_parts(line).is_some()
    }
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        let (node, body) = syslog_parts(line)
            .ok_or_else(|| Reject::new("not a Fastly syslog line", "expected `<pri>time cache-node name: `"))?;
        let mut e = parse_clf(body)?.event(need);
        e.pop = pop_of_node(&text(node)).map(Cow::Owned);
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_template_fields() {
        let e = FastlyJson
            .parse(br#"{"timestamp":"2024-03-01T12:00:05+0000","client_ip":"1.2.3.4","host":"www.example.com","url":"/a?b=1","request_method":"GET","response_state":"MISS","response_status":503,"response_body_size":12,"fastly_server":"cache-sjc10043-SJC","fastly_is_edge":true}"#)
            .unwrap();
        assert_eq!(e.time_ns, 1_709_294_405_000_000_000);
        assert_eq!(e.pop.as_deref(), Some("SJC"));
        assert_eq!((e.edge_status, e.origin_status), (Some(503), Some(503)));
        let e = FastlyJson
            .parse(br#"{"timestamp":"2024-03-01T12:00:05Z","pop":"ams","response_state":"ERROR","response_status":"503","response_reason":"first byte timeout"}"#)
            .unwrap();
        assert_eq!((e.pop.as_deref(), e.origin_status), (Some("AMS"), Some(0)));
        assert_eq!((e.error.as_deref(), e.origin_failure), (Some("first byte timeout"), true));
        assert!(is_origin_failure("First byte timeout"));
        assert_eq!(FastlyJson.parse(br#"{"response_status":200}"#).unwrap_err().kind, "missing field");
        assert_eq!(FastlyJson.parse(br#"{"timestamp":"noon"}"#).unwrap_err().kind, "bad timestamp");
    }

    #[test]
    fn syslog_default_format() {
        let line = br#"<134>2016-07-04T22:37:04Z cache-sjc3128 my-endpoint[123]: 127.0.0.1 - - [04/Jul/2016:22:37:04 +0000] "GET /x HTTP/1.1" 503 512"#;
        assert!(FastlySyslog.sniff_line(line));
        let e = FastlySyslog.parse(line).unwrap();
        assert_eq!((e.pop.as_deref(), e.edge_status, e.origin_status), (Some("SJC"), Some(503), None));
        assert_eq!(e.path.as_deref(), Some("/x"));
        assert_eq!(FastlySyslog.parse(b"<134>2016 cache-x y: hello").unwrap_err().kind, "not an access log line");
        assert!(!FastlySyslog.sniff_line(b"<134>2016-07-04T22:37:04Z host name: x"));
        assert_eq!(pop_of_node("cache-lcy19220"), Some("LCY".into()));
    }
}
