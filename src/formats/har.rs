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
use std::io::{self, BufRead, Read};

use serde_json::Value;

use super::norm::{prefix, split_ray, split_url, Record};
use super::{FrameOptions, FramingError, LineFormat, Need, Reject};
use crate::event::Event;
use crate::redact;

/// The HAR format.
pub struct Har;

impl LineFormat for Har {
    fn id(&self) -> &'static str {
        "har"
    }
    fn provider(&self) -> &'static str {
        "browser"
    }
    fn source_kind(&self) -> &'static str {
        "har"
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

/// Whether a document's first key is `log` (every HAR writer puts it first; an NDJSON edge log
/// line never has it).
fn first_key_is_log(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut it = head.iter().copied().skip_while(u8::is_ascii_whitespace);
    if it.next() != Some(b'{') {
        return false;
    }
    // `"log"`, then `:`, then an object (a Docker json-file line is `{"log":"…"}`).
    let rest: Vec<u8> = it.skip_while(u8::is_ascii_whitespace).take(64).collect();
    let Some(after) = rest.strip_prefix(b"\"log\"") else {
        return false;
    };
    let mut t = after.iter().copied().skip_while(u8::is_ascii_whitespace);
    t.next() == Some(b':') && t.find(|b| !b.is_ascii_whitespace()) == Some(b'{')
}

/// The reader's buffered bytes, refilled when empty (empty at the end of input), retrying
/// interrupted reads.
fn filled<'b>(input: &'b mut (dyn BufRead + Send + '_)) -> io::Result<&'b [u8]> {
    loop {
        match input.fill_buf() {
            // Asked again below: a buffer returned from inside the loop would keep `input`
            // borrowed across iterations. A filled buffer is handed out without reading.
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    input.fill_buf()
}

/// Appends `b` to `v` up to `limit + 1` bytes in all (one past the limit says it overflowed).
fn append_capped(v: &mut Vec<u8>, b: &[u8], limit: usize) {
    if v.len() <= limit {
        let room = limit + 1 - v.len();
        v.extend_from_slice(b.get(..b.len().min(room)).unwrap_or_default());
    }
}

/// Where the framer is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Looking for `log.entries`.
    Seek,
    /// Inside the entries list, before an entry or the end.
    Entries,
    /// The list ended (or the document failed).
    Done,
}

/// Streams a HAR document as one [`Record`] line per entry.
pub struct HarFramer<'r> {
    input: Box<dyn BufRead + Send + 'r>,
    opts: FrameOptions,
    state: State,
    out: Vec<u8>,
    pos: usize,
    entries: u64,
    /// Bytes of the document consumed, for error messages.
    offset: u64,
    /// The entry being collected.
    entry: Vec<u8>,
}

impl<'r> HarFramer<'r> {
    /// A framer over a decompressed HAR document.
    pub fn new(input: Box<dyn BufRead + Send + 'r>, opts: FrameOptions) -> Self {
        HarFramer { input, opts, state: State::Seek, out: Vec::new(), pos: 0, entries: 0, offset: 0, entry: Vec::new() }
    }

    fn fail(&mut self, msg: String) -> io::Error {
        self.state = State::Done;
        io::Error::other(FramingError(msg))
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(filled(&mut *self.input)?.first().copied())
    }

    fn bump(&mut self) {
        self.input.consume(1);
        self.offset += 1;
    }

    /// The next byte that is not JSON whitespace, consumed.
    fn next_token(&mut self) -> io::Result<Option<u8>> {
        while let Some(b) = self.peek()? {
            self.bump();
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
        }
        Ok(None)
    }

    /// Reads a string whose opening quote was consumed; keeps at most `keep` bytes of it.
    fn string(&mut self, keep: usize) -> io::Result<Option<Vec<u8>>> {
        let mut s = Vec::new();
        let mut escaped = false;
        loop {
            let buf = filled(&mut *self.input)?;
            if buf.is_empty() {
                return Ok(None);
            }
            let mut used = 0;
            let mut end = false;
            for &b in buf {
                used += 1;
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    end = true;
                    break;
                }
                if s.len() < keep {
                    s.push(b);
                }
            }
            self.input.consume(used);
            self.offset += used as u64;
            if end {
                return Ok(Some(s));
            }
        }
    }

    /// Skips (or, with `into`, collects up to `limit` bytes of) a value whose first byte
    /// `first` was consumed. Returns false at a premature end of input; the collected length
    /// saturates at `limit + 1` to say it overflowed.
    fn value(&mut self, first: u8, mut into: Option<&mut Vec<u8>>, limit: usize) -> io::Result<bool> {
        let push = |into: &mut Option<&mut Vec<u8>>, b: &[u8]| {
            if let Some(v) = into.as_deref_mut() {
                append_capped(v, b, limit);
            }
        };
        push(&mut into, &[first]);
        let mut depth: u64 = match first {
            b'{' | b'[' => 1,
            b'"' => {
                // A string: copy through the closing quote.
                return self.copy_string(into, limit);
            }
            _ => {
                // A number or literal: up to the next delimiter (left unconsumed).
                while let Some(b) = self.peek()? {
                    if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                        return Ok(true);
                    }
                    push(&mut into, &[b]);
                    self.bump();
                }
                return Ok(true);
            }
        };
        let mut in_str = false;
        let mut escaped = false;
        loop {
            let buf = filled(&mut *self.input)?;
            if buf.is_empty() {
                return Ok(false);
            }
            let mut used = 0;
            for &b in buf {
                used += 1;
                if in_str {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_str = false;
                    }
                } else {
                    match b {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth -= 1,
                        _ => {}
                    }
                }
                if depth == 0 {
                    break;
                }
            }
            push(&mut into, buf.get(..used).unwrap_or_default());
            self.input.consume(used);
            self.offset += used as u64;
            if depth == 0 {
                return Ok(true);
            }
        }
    }

    fn copy_string(&mut self, into: Option<&mut Vec<u8>>, limit: usize) -> io::Result<bool> {
        let s = self.string(if into.is_some() { limit } else { 0 })?;
        match s {
            Some(s) => {
                if let Some(v) = into {
                    v.extend_from_slice(&s);
                    v.push(b'"');
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Walks from the start of the document to the first entry of `log.entries`.
    fn seek(&mut self) -> io::Result<()> {
        if self.peek()? == Some(0xEF) {
            for _ in 0..3 {
                self.bump();
            }
        }
        if self.next_token()? != Some(b'{') {
            return Err(self.fail("not a HAR archive: the document is not a JSON object".into()));
        }
        // depth 1: the top-level object; depth 2: inside `log`.
        let mut in_log = false;
        loop {
            let Some(t) = self.next_token()? else {
                return Err(self.fail("not a HAR archive: no `log.entries` list before the end of the document".into()));
            };
            match t {
                b',' => continue,
                b'"' => {}
                b'}' if in_log => {
                    return Err(self.fail("not a HAR archive: `log` has no `entries` list".into()));
                }
                b'}' => {
                    return Err(self.fail("not a HAR archive: the document has no `log` object".into()));
                }
                other => {
                    let at = self.offset;
                    return Err(self.fail(format!(
                        "invalid JSON at byte {at}: expected a key, found `{}`",
                        char::from(other).escape_default()
                    )));
                }
            }
            let Some(key) = self.string(16)? else {
                return Err(self.fail("truncated HAR archive: the document ends inside a key".into()));
            };
            if self.next_token()? != Some(b':') {
                let at = self.offset;
                return Err(self.fail(format!("invalid JSON at byte {at}: expected `:` after a key")));
            }
            let Some(v) = self.next_token()? else {
                return Err(self.fail("truncated HAR archive: the document ends after a key".into()));
            };
            match (in_log, key.as_slice(), v) {
                (false, b"log", b'{') => in_log = true,
                (false, b"log", _) => return Err(self.fail("not a HAR archive: `log` is not an object".into())),
                (true, b"entries", b'[') => {
                    self.state = State::Entries;
                    return Ok(());
                }
                (true, b"entries", _) => {
                    return Err(self.fail("not a HAR archive: `log.entries` is not a list".into()));
                }
                _ => {
                    if !self.value(v, None, 0)? {
                        return Err(self.fail("truncated HAR archive: the document ends inside a value".into()));
                    }
                }
            }
        }
    }

    /// Frames the next entry into `out`; false when the list is over.
    fn next_entry(&mut self) -> io::Result<bool> {
        loop {
            let Some(t) = self.next_token()? else {
                let n = self.entries;
                return Err(self.fail(format!("truncated HAR archive: the document ends after {n} entries")));
            };
            match t {
                b',' => {}
                b']' => {
                    self.state = State::Done;
                    return Ok(false);
                }
                first => {
                    let limit = self.opts.max_record_bytes;
                    let mut entry = std::mem::take(&mut self.entry);
                    entry.clear();
                    let complete = self.value(first, Some(&mut entry), limit)?;
                    if !complete {
                        let n = self.entries;
                        return Err(self.fail(format!("truncated HAR archive: the document ends inside entry {n}")));
                    }
                    let index = self.entries;
                    self.entries += 1;
                    let record = if entry.len() > limit {
                        Record::rejected(format!(
                            "HAR entry too large: entry {index} exceeds the limit of {limit} bytes (--max-record-bytes)"
                        ))
                    } else {
                        match serde_json::from_slice::<Value>(&entry) {
                            Ok(v) => entry_record(&v, index, &self.opts),
                            Err(e) => Record::rejected(format!("invalid HAR entry: entry {index}: {e}")),
                        }
                    };
                    record.write_line(&mut self.out);
                    self.entry = entry;
                    return Ok(true);
                }
            }
        }
    }
}

impl Read for HarFramer<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.out.len() {
            self.out.clear();
            self.pos = 0;
            match self.state {
                State::Done => return Ok(0),
                State::Seek => self.seek()?,
                State::Entries => {
                    self.next_entry()?;
                }
            }
        }
        let avail = self.out.get(self.pos..).unwrap_or_default();
        let n = avail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos += n;
        Ok(n)
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
    let (rid, pop) = match header(resp_headers, "cf-ray") {
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
    };
    let mime = str_at(v, &["response", "content", "mimeType"]);
    let ctype = header(resp_headers, "content-type").or(mime).map(|c| prefix(c, 128).to_string());
    let body = match (str_at(v, &["response", "content", "text"]), str_at(v, &["response", "content", "encoding"])) {
        (Some(text), None) if ctype.as_deref().is_none_or(is_textual) => {
            Some(clean_text(text, opts.max_body_bytes, opts, &cookies))
        }
        _ => None,
    };
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
        let mut f = HarFramer::new(Box::new(io::Cursor::new(doc.as_bytes().to_vec())), FrameOptions::default());
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
        let mut f = HarFramer::new(Box::new(io::Cursor::new(doc.into_bytes())), opts);
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
