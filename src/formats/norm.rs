//! The one-record-per-line form that re-framed formats emit.
//!
//! A HAR document or a free-text client log is not one record per line. Its framer
//! ([`super::har`], [`super::client`]) splits it into records, picks out the fields of forensic
//! value, drops or redacts secrets ([`crate::redact`]), and writes each record as one compact JSON
//! line in this form. The ingest pipeline then treats those lines like any other line format:
//! parsed on both cores, de-duplicated, accounted. A record the framer could not read becomes a
//! line carrying only `reject`, so it is counted and reported like a malformed log line.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::Reject;
use crate::event::Event;

/// One framed record. Short keys keep the intermediate lines small.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Record<'a> {
    /// Why the framer could not read the record (nothing else is set then).
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub reject: Option<Cow<'a, str>>,
    /// Event time, ns since the epoch (absent when the record has no timestamp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<i64>,
    /// 1-based line of the record's first line in its file (client logs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub method: Option<Cow<'a, str>>,
    /// Full URL, secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub url: Option<Cow<'a, str>>,
    /// Host of the URL (or named in the text).
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub host: Option<Cow<'a, str>>,
    /// Path with query, secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub path: Option<Cow<'a, str>>,
    /// HTTP status seen by the client (0: no response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// HTTP protocol version.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub proto: Option<Cow<'a, str>>,
    /// Error code or text (`net::ERR_CONNECTION_RESET`, `ECONNRESET`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub error: Option<Cow<'a, str>>,
    /// The record's message (its first line, or the error message), bounded and redacted.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub msg: Option<Cow<'a, str>>,
    /// Request id (a Ray ID without its data-center suffix, an API request id).
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub rid: Option<Cow<'a, str>>,
    /// Data center named by a `cf-ray` suffix.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub pop: Option<Cow<'a, str>>,
    /// `server` response header.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub server: Option<Cow<'a, str>>,
    /// Response content type.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub ctype: Option<Cow<'a, str>>,
    /// `cf-cache-status` (or another CDN's cache status) response header.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub cache: Option<Cow<'a, str>>,
    /// Redirect target (`location` header or HAR `redirectURL`), secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub redirect: Option<Cow<'a, str>>,
    /// Time to first byte, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttfb: Option<u32>,
    /// Total duration, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dur: Option<u32>,
    /// Response bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// HAR page the entry belongs to, or a session id.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub page: Option<Cow<'a, str>>,
    /// A bounded prefix of the response body, secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub body: Option<Cow<'a, str>>,
    /// Client user agent.
    #[serde(default, skip_serializing_if = "Option::is_none", borrow)]
    pub ua: Option<Cow<'a, str>>,
}

impl<'a> Record<'a> {
    /// A record that could not be read, with the reason.
    pub fn rejected(reason: impl Into<String>) -> Record<'static> {
        Record { reject: Some(Cow::Owned(reason.into())), ..Record::default() }
    }

    /// Appends the record as one JSON line to `out`.
    pub fn write_line(&self, out: &mut Vec<u8>) {
        if serde_json::to_writer(&mut *out, self).is_err() {
            out.extend_from_slice(br#"{"reject":"record could not be encoded"}"#);
        }
        out.push(b'\n');
    }

    /// The event of a framed line.
    pub fn parse(line: &'a [u8]) -> Result<Event<'a>, Reject> {
        let r: Record<'a> =
            serde_json::from_slice(line).map_err(|e| Reject::new("invalid framed record", e.to_string()))?;
        if let Some(why) = r.reject {
            let (kind, detail) = match why.split_once(": ") {
                Some(("invalid HAR entry", d)) => ("invalid HAR entry", d.to_string()),
                Some(("HAR entry too large", d)) => ("HAR entry too large", d.to_string()),
                Some(("HAR entry without time", d)) => ("HAR entry without time", d.to_string()),
                Some(("record too large", d)) => ("record too large", d.to_string()),
                _ => ("unreadable record", why.into_owned()),
            };
            return Err(Reject { line: r.line, ..Reject::new(kind, detail) });
        }
        Ok(Event {
            time_ns: r.t.unwrap_or(0),
            time_unknown: r.t.is_none(),
            line: r.line,
            pop: r.pop,
            host: r.host,
            method: r.method,
            path: r.path,
            edge_status: r.status,
            bytes: r.bytes,
            ttfb_ms: r.ttfb,
            duration_ms: r.dur,
            cache_status: r.cache,
            http_protocol: r.proto,
            request_id: r.rid,
            user_agent: r.ua,
            content_type: r.ctype,
            error: r.error,
            url: r.url,
            page: r.page,
            redirect_url: r.redirect,
            server: r.server,
            body: r.body,
            message: r.msg,
            ..Event::default()
        })
    }
}

/// Cuts `s` to at most `max` bytes at a character boundary.
pub fn prefix(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

/// Splits a URL into lower-case host (without port or credentials) and path with query.
pub fn split_url(url: &str) -> (Option<String>, Option<&str>) {
    let Some((_, rest)) = url.split_once("://") else {
        return (None, url.starts_with('/').then_some(url));
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if authority.starts_with('[') {
        authority.split_once(']').map_or(authority, |(h, _)| h).trim_start_matches('[')
    } else {
        authority.split_once(':').map_or(authority, |(h, _)| h)
    };
    let host = (!host.is_empty()).then(|| host.to_ascii_lowercase());
    (host, Some(if path.is_empty() { "/" } else { path }))
}

/// The request id and data center of a `cf-ray` value such as `8e1c2f3a4b5c6d7e-SJC`.
pub fn split_ray(ray: &str) -> (&str, Option<&str>) {
    match ray.trim().rsplit_once('-') {
        Some((id, pop)) if !pop.is_empty() && pop.len() <= 4 && pop.bytes().all(|b| b.is_ascii_alphabetic()) => {
            (id, Some(pop))
        }
        _ => (ray.trim(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            split_url("https://User:pw@API.Example.com:8443/v1/x?y=1"),
            (Some("api.example.com".into()), Some("/v1/x?y=1"))
        );
        assert_eq!(split_url("http://[::1]:80"), (Some("::1".into()), Some("/")));
        assert_eq!(split_url("about:blank"), (None, None));
        assert_eq!(split_url("/rel"), (None, Some("/rel")));
    }

    #[test]
    fn rays() {
        assert_eq!(split_ray("8e1c2f3a4b5c6d7e-SJC"), ("8e1c2f3a4b5c6d7e", Some("SJC")));
        assert_eq!(split_ray("abc"), ("abc", None));
    }

    #[test]
    fn round_trip_and_reject() {
        let mut out = Vec::new();
        Record { t: Some(1), status: Some(502), host: Some("a".into()), ..Record::default() }.write_line(&mut out);
        Record::rejected("HAR entry too large: 9 bytes").write_line(&mut out);
        let mut lines = out.split(|b| *b == b'\n');
        let ev = Record::parse(lines.next().unwrap()).unwrap();
        assert_eq!(ev.edge_status, Some(502));
        assert!(!ev.time_unknown);
        let r = Record::parse(lines.next().unwrap()).unwrap_err();
        assert_eq!(r.kind, "HAR entry too large");
        assert_eq!(prefix("héllo", 2), "h");
    }
}
