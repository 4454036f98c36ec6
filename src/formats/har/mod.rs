//! HAR 1.2 archives (browser exports from Chrome, Firefox and Safari; Proxyman, `WebPageTest`,
//! browsertime and other tools).
//!
//! A HAR is one JSON document, often pretty-printed, sometimes hundreds of MB. It is framed by
//! streaming over `log.entries` ([`HarFramer`]): the document is scanned once, each entry's bytes
//! are collected (up to a size limit) and turned into one [`Record`] line, so at most one entry is
//! held at a time and there is never a second copy of the document.
//!
//! Per entry: start time, method, URL (host, path; secret query parameters redacted), status (0
//! when the request failed), `_error` / `_failureText` (`net::ERR_CERT_AUTHORITY_INVALID`, ...),
//! the response headers of forensic value (`cf-ray` → request id and data center, `server`,
//! `location`, `content-type`, `cf-cache-status`), redirect URL, timings, response size, page, and
//! a bounded prefix of a textual response body (a CDN's error page is evidence). Cookies,
//! `authorization`, `set-cookie` and the like are never read.
//!
//! The accounting counts entries: a HAR's "lines" are its entries, and the event's `source_line`
//! is the 0-based entry index plus one.

use std::borrow::Cow;
use std::io::{BufRead, Read};

use serde_json::Value;

use super::norm::{prefix, split_ray, split_url, Record};
use super::{FrameOptions, LineFormat, Need, Reject};
use crate::event::Event;
use crate::redact;

mod framer;

use framer::first_key_is_log;
pub use framer::HarFramer;

/// The HAR format.
pub struct Har;

impl LineFormat for Har {
    fn id(&self) -> &'static str {
        "har"
    }
    fn provider(&self) -> &'static str {
        "browser"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Har
    }
    fn expected(&self) -> &'static str {
        "a HAR 1.2 archive: a JSON object whose first key is `log`, holding an `entries` list"
    }
    fn sniff_line(&self, _line: &[u8]) -> bool {
        false
    }
    fn sniff_head(&self, head: &[u8]) -> bool {
        first_key_is_log(head)
    }
    fn reframes(&self) -> bool {
        true
    }
    fn reframe<'r>(&self, input: Box<dyn BufRead + Send + 'r>, opts: &FrameOptions) -> Box<dyn Read + Send + 'r> {
        Box::new(HarFramer::new(input, opts.clone()))
    }
    fn parse_fields<'a>(&self, line: &'a [u8], _need: Need) -> Result<Event<'a>, Reject> {
        Record::parse(line)
    }
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().filter(|s| !s.is_empty())
}

fn num_at(v: &Value, path: &[&str]) -> Option<f64> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    match cur {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite())
}

fn header<'v>(headers: Option<&'v Value>, name: &str) -> Option<&'v str> {
    headers?.as_array()?.iter().find_map(|h| {
        let n = h.get("name")?.as_str()?;
        if n.eq_ignore_ascii_case(name) {
            h.get("value")?.as_str().filter(|s| !s.is_empty())
        } else {
            None
        }
    })
}

fn ms(x: Option<f64>) -> Option<u32> {
    x.filter(|v| *v >= 0.0 && *v < 4.0e9).map(|v| v.round() as u32)
}

fn is_textual(mime: &str) -> bool {
    let m = mime.to_ascii_lowercase();
    m.starts_with("text/") || m.contains("json") || m.contains("html") || m.contains("xml") || m.contains("javascript")
}

/// The cookie values an entry carries (request `cookie` header and `cookies`, response
/// `set-cookie` and `cookies`): pages copy them into URLs (analytics beacons do), so they are
/// scrubbed from every text field of the entry, not only left out.
fn cookie_values(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for side in ["request", "response"] {
        let Some(r) = v.get(side) else { continue };
        for h in r.get("headers").and_then(Value::as_array).into_iter().flatten() {
            let name = h.get("name").and_then(Value::as_str).unwrap_or_default();
            let value = h.get("value").and_then(Value::as_str).unwrap_or_default();
            if name.eq_ignore_ascii_case("cookie") {
                out.extend(value.split(';').filter_map(|p| p.split_once('=')).map(|(_, v)| v.trim().to_string()));
            } else if name.eq_ignore_ascii_case("set-cookie") {
                let firsts = value.lines().filter_map(|l| l.split(';').next());
                out.extend(firsts.filter_map(|p| p.split_once('=')).map(|(_, v)| v.trim().to_string()));
            }
        }
        for c in r.get("cookies").and_then(Value::as_array).into_iter().flatten() {
            if let Some(val) = c.get("value").and_then(Value::as_str) {
                out.push(val.to_string());
            }
        }
    }
    // Short values (`1`, `true`) would scrub ordinary text.
    out.retain(|v| v.len() >= 4);
    out.sort_by_key(|v| std::cmp::Reverse(v.len()));
    out.dedup();
    out
}

/// Replaces every occurrence of the given values.
fn scrub(text: String, values: &[String]) -> String {
    if values.iter().all(|v| !text.contains(v.as_str())) {
        return text;
    }
    values.iter().fold(text, |t, v| t.replace(v.as_str(), redact::MARKER))
}

/// Longest URL kept (a `data:` URI or a long GraphQL GET is cut after redaction).
const MAX_URL: usize = 8192;

fn clean_url(u: &str, opts: &FrameOptions, cookies: &[String]) -> String {
    let clean = if opts.keep_secrets {
        u.to_string()
    } else {
        // Query secrets and credentials, then tokens anywhere (a JWT in the path).
        let u = redact::url(u);
        scrub(redact::text(&u).into_owned(), cookies)
    };
    prefix(&clean, MAX_URL).to_string()
}

/// Free text from the capture (a response body, an error message): token-like values and the
/// entry's cookie values redacted first, then cut to `max` bytes (a token cut in two would slip
/// under its pattern).
fn clean_text(t: &str, max: usize, opts: &FrameOptions, cookies: &[String]) -> String {
    let wide = prefix(t, 4 * max);
    if opts.keep_secrets {
        return prefix(wide, max).to_string();
    }
    let clean = scrub(redact::text(wide).into_owned(), cookies);
    prefix(&clean, max).to_string()
}

/// The URLs in a browser's error message ("... loading https://...") with their secret query
/// parameters and credentials redacted, as [`clean_url`] does.
fn urls_redacted<'a>(t: &'a str, opts: &FrameOptions) -> Cow<'a, str> {
    if opts.keep_secrets || !t.contains("://") {
        return Cow::Borrowed(t);
    }
    let words: Vec<Cow<'_, str>> =
        t.split(' ').map(|w| if w.contains("://") { redact::url(w) } else { Cow::Borrowed(w) }).collect();
    Cow::Owned(words.join(" "))
}

/// The request id and POP an entry's response headers carry: the edge's ray id (and the POP in
/// it), else another request id header.
fn request_id(resp_headers: Option<&Value>) -> (Option<String>, Option<String>) {
    match header(resp_headers, "cf-ray") {
        Some(ray) => {
            let (id, pop) = split_ray(ray);
            (Some(id.to_string()), pop.map(str::to_ascii_uppercase))
        }
        None => (
            header(resp_headers, "x-request-id")
                .or_else(|| header(resp_headers, "request-id"))
                .or_else(|| header(resp_headers, "x-amz-cf-id"))
                .map(str::to_string),
            None,
        ),
    }
}

/// A response body kept as text: only when it is not encoded and its type is textual (or unknown).
fn body(v: &Value, ctype: Option<&str>, opts: &FrameOptions, cookies: &[String]) -> Option<String> {
    match (str_at(v, &["response", "content", "text"]), str_at(v, &["response", "content", "encoding"])) {
        (Some(text), None) if ctype.is_none_or(is_textual) => {
            Some(clean_text(text, opts.max_body_bytes, opts, cookies))
        }
        _ => None,
    }
}

/// The record of one entry.
fn entry_record(v: &Value, index: u64, opts: &FrameOptions) -> Record<'static> {
    let Some(started) = str_at(v, &["startedDateTime"]) else {
        return Record::rejected(format!("HAR entry without time: entry {index} has no `startedDateTime`"));
    };
    let Ok(t) = super::time::parse_str(started) else {
        return Record::rejected(format!(
            "HAR entry without time: entry {index} has an unreadable `startedDateTime` {:?}",
            prefix(started, 64)
        ));
    };
    let cookies = if opts.keep_secrets { Vec::new() } else { cookie_values(v) };
    let req_headers = v.get("request").and_then(|r| r.get("headers"));
    let resp_headers = v.get("response").and_then(|r| r.get("headers"));
    let url = str_at(v, &["request", "url"]).map(|u| clean_url(u, opts, &cookies));
    let (host, path) = url.as_deref().map_or((None, None), |u| {
        let (h, p) = split_url(u);
        (h, p.map(str::to_string))
    });
    let host = host.or_else(|| header(req_headers, "host").map(str::to_ascii_lowercase));
    let status = num_at(v, &["response", "status"]).filter(|s| (0.0..1000.0).contains(s)).map(|s| s as u16);
    let error = str_at(v, &["_error"])
        .or_else(|| str_at(v, &["response", "_error"]))
        .or_else(|| str_at(v, &["_failureText"]))
        .or_else(|| str_at(v, &["response", "_failureText"]))
        .map(|e| clean_text(&urls_redacted(e, opts), 512, opts, &cookies));
    let (rid, pop) = request_id(resp_headers);
    let mime = str_at(v, &["response", "content", "mimeType"]);
    let ctype = header(resp_headers, "content-type").or(mime).map(|c| prefix(c, 128).to_string());
    let body = body(v, ctype.as_deref(), opts, &cookies);
    let redirect = str_at(v, &["response", "redirectURL"])
        .or_else(|| header(resp_headers, "location"))
        .map(|u| clean_url(u, opts, &cookies));
    let bytes = num_at(v, &["response", "content", "size"])
        .or_else(|| num_at(v, &["response", "bodySize"]))
        .filter(|b| *b >= 0.0)
        .map(|b| b as u64);
    let ua = header(req_headers, "user-agent").map(|u| prefix(u, 512).to_string());
    Record {
        t: Some(t),
        method: str_at(v, &["request", "method"]).map(|m| Cow::Owned(prefix(m, 16).to_string())),
        host: host.map(Cow::Owned),
        path: path.map(Cow::Owned),
        url: url.map(Cow::Owned),
        status,
        proto: str_at(v, &["response", "httpVersion"])
            .or_else(|| str_at(v, &["request", "httpVersion"]))
            .map(|p| Cow::Owned(prefix(p, 16).to_string())),
        error: error.map(Cow::Owned),
        rid: rid.map(|r| Cow::Owned(prefix(&r, 128).to_string())),
        pop: pop.map(Cow::Owned),
        server: header(resp_headers, "server").map(|s| Cow::Owned(prefix(s, 128).to_string())),
        ctype: ctype.map(Cow::Owned),
        cache: header(resp_headers, "cf-cache-status")
            .or_else(|| header(resp_headers, "x-cache"))
            .map(|c| Cow::Owned(prefix(c, 64).to_string())),
        redirect: redirect.map(Cow::Owned),
        ttfb: ms(num_at(v, &["timings", "wait"])),
        dur: ms(num_at(v, &["time"])),
        bytes,
        page: str_at(v, &["pageref"]).map(|p| Cow::Owned(prefix(p, 128).to_string())),
        body: body.map(Cow::Owned),
        ua: ua.map(Cow::Owned),
        ..Record::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(doc: &str) -> (Vec<String>, Option<String>) {
        let mut f = HarFramer::new(Box::new(std::io::Cursor::new(doc.as_bytes().to_vec())), FrameOptions::default());
        let mut out = String::new();
        let err = f.read_to_string(&mut out).err().map(|e| e.to_string());
        (out.lines().map(str::to_string).collect(), err)
    }

    #[test]
    fn entries_in_order_with_fields() {
        let doc = r#"{ "log": { "version": "1.2", "pages": [{"id": "p1", "title": "x ] } \" ["}],
          "entries": [
            {"startedDateTime": "2025-11-18T11:28:01.250+00:00", "time": 35.5, "pageref": "p1",
             "request": {"method": "GET", "url": "https://chatgpt.com/backend?code=abc&x=1",
                         "headers": [{"name": "Cookie", "value": "sess=SECRET1"}, {"name": "Authorization", "value": "Bearer SECRET2"}]},
             "response": {"status": 500, "httpVersion": "h2",
                          "headers": [{"name": "cf-ray", "value": "9a0b1c2d3e4f5a6b-FRA"}, {"name": "Server", "value": "cloudflare"},
                                      {"name": "set-cookie", "value": "x=SECRET3"}],
                          "content": {"size": 12, "mimeType": "text/html", "text": "<html>500 Internal Server Error</html>"}},
             "timings": {"wait": 20.2}},
            {"startedDateTime": "2025-11-18T11:28:02Z", "request": {"method": "POST", "url": "https://a.b/"},
             "response": {"status": 0, "_error": "net::ERR_CONNECTION_RESET"}}
          ] } }"#;
        let (lines, err) = frame(doc);
        assert_eq!(err, None);
        assert_eq!(lines.len(), 2);
        let all = lines.join("\n");
        for s in ["SECRET1", "SECRET2", "SECRET3", "code=abc"] {
            assert!(!all.contains(s), "{s} leaked: {all}");
        }
        let ev = Record::parse(lines[0].as_bytes()).unwrap();
        assert_eq!(ev.edge_status, Some(500));
        assert_eq!(ev.pop.as_deref(), Some("FRA"));
        assert_eq!(ev.request_id.as_deref(), Some("9a0b1c2d3e4f5a6b"));
        assert_eq!(ev.host.as_deref(), Some("chatgpt.com"));
        assert_eq!(ev.path.as_deref(), Some("/backend?code=[REDACTED]&x=1"));
        assert_eq!(ev.server.as_deref(), Some("cloudflare"));
        assert_eq!(ev.page.as_deref(), Some("p1"));
        assert_eq!(ev.ttfb_ms, Some(20));
        assert!(ev.body.as_deref().unwrap().contains("500 Internal"));
        let ev = Record::parse(lines[1].as_bytes()).unwrap();
        assert_eq!(ev.edge_status, Some(0));
        assert_eq!(ev.error.as_deref(), Some("net::ERR_CONNECTION_RESET"));
    }

    #[test]
    fn an_error_message_keeps_no_secret_of_the_url_it_names() {
        let doc = r#"{"log": {"entries": [
            {"startedDateTime": "2025-11-18T11:28:02Z",
             "request": {"method": "GET", "url": "https://a.b/login?state=1",
                         "headers": [{"name": "Cookie", "value": "sid=COOKIEVALUE9"}]},
             "response": {"status": 0, "_error": "net::ERR_CERT_AUTHORITY_INVALID loading https://u:pw@a.b/login?access_token=SEKRIT789&sid=COOKIEVALUE9 (x)"}}
          ] } }"#;
        let (lines, err) = frame(doc);
        assert_eq!(err, None);
        let ev = Record::parse(lines[0].as_bytes()).unwrap();
        let error = ev.error.as_deref().unwrap();
        assert!(error.starts_with("net::ERR_CERT_AUTHORITY_INVALID loading https://"), "{error}");
        for s in ["SEKRIT789", "COOKIEVALUE9", "u:pw"] {
            assert!(!lines[0].contains(s), "{s} leaked: {}", lines[0]);
        }
    }

    #[test]
    fn broken_documents_name_the_problem() {
        assert!(frame("[1,2]").1.unwrap().contains("not a JSON object"));
        assert!(frame(r#"{"log": {"entries": {}}}"#).1.unwrap().contains("not a list"));
        assert!(frame(r#"{"log": {"version": "1.2"}}"#).1.unwrap().contains("no `entries`"));
        let (lines, err) = frame(r#"{"log": {"entries": [{"startedDateTime": "2025-11-18T11:28:02Z"}, {"startedDa"#);
        assert_eq!(lines.len(), 1);
        assert!(err.unwrap().contains("inside entry 1"));
        let (lines, err) = frame(r#"{"log": {"entries": [{"time": 1}, 5, {"startedDateTime": "nope"}]}}"#);
        assert_eq!(err, None);
        assert_eq!(lines.len(), 3);
        assert_eq!(Record::parse(lines[0].as_bytes()).unwrap_err().kind, "HAR entry without time");
        assert_eq!(Record::parse(lines[1].as_bytes()).unwrap_err().kind, "HAR entry without time");
    }

    #[test]
    fn oversized_entry_is_rejected_and_skipped() {
        let big = "x".repeat(5000);
        let doc = format!(
            r#"{{"log": {{"entries": [{{"startedDateTime": "2025-11-18T11:28:02Z", "response": {{"content": {{"text": "{big}"}}}}}}, {{"startedDateTime": "2025-11-18T11:28:03Z"}}]}}}}"#
        );
        let opts = FrameOptions { max_record_bytes: 1000, ..FrameOptions::default() };
        let mut f = HarFramer::new(Box::new(std::io::Cursor::new(doc.into_bytes())), opts);
        let mut out = String::new();
        f.read_to_string(&mut out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(Record::parse(lines[0].as_bytes()).unwrap_err().kind, "HAR entry too large");
        assert!(Record::parse(lines[1].as_bytes()).is_ok());
    }

    #[test]
    fn sniffs_only_har() {
        assert!(first_key_is_log(b"\xEF\xBB\xBF{\n  \"log\": {"));
        assert!(!first_key_is_log(br#"{"RayID":"x","log":1}"#));
        assert!(!first_key_is_log(br#"{"log":"starting\n","stream":"stdout"}"#), "a Docker json-file line");
    }
}
