//! Free-text logs of the tools users ran during an outage: Node SDKs and CLIs (errors printed
//! with stacks or as inspected objects), npm, Python `openai` / `anthropic` / `httpx` /
//! `requests` logging and tracebacks, curl verbose and error output, browser console exports.
//!
//! **Framing** ([`ClientFramer`]): one event per logical record. A record starts at a line and
//! takes the lines that continue it: stack frames (`    at f (file.js:1:2)`, `  File "x.py"`),
//! the rest of a Python traceback through its final `SomeError: message` line, the lines of an
//! HTML page embedded in an error (through `</html>`), the lines of a `{ ... }` error object, and
//! a block of `npm ERR!` lines (with the wrapped lines inside it). Known line prefixes (pm2's
//! `0|app |`, `npm ERR!`, terminal UI markers) are set aside first. A JSON array of error objects
//! on one line is one record per element. Blank lines end a record outside those blocks.
//!
//! **Fields**: the time found in the record's first line (ISO 8601 with or without `T`, offset
//! or fraction, `YYYY-MM-DD HH:MM:SS,mmm`, a leading epoch), or a `timestamp` key of a JSON
//! record; a record without one takes the time of the record before it in the same file, and is
//! null before the first. A time without an offset is read as UTC. The HTTP status (`API Error
//! (520`, `Error: 500 {`, `HTTP/1.1 502`, `status code 503`, a Cloudflare error page's title),
//! the error code found last in the record (`UNABLE_TO_GET_ISSUER_CERT_LOCALLY`,
//! `CERTIFICATE_VERIFY_FAILED`, `ECONNRESET`, `ETIMEDOUT`, `net::ERR_*`, `APIConnectionError`,
//! ...) or else a known phrase (`socket hang up`, `unable to get local issuer certificate`,
//! `curl: (60)`), the first URL (host, path) or a host named in "connect to HOST", a request id
//! (`request_id`, `x-request-id`, `cf-ray`, whose suffix names the data center), the first line
//! as the message, and a bounded prefix of an embedded HTML page as the body. Messages, URLs and
//! bodies are redacted ([`crate::redact`]).
//!
//! The accounting counts records: a client log's "lines" are its logical records, and the
//! event's `source_line` is the 1-based line where the record starts.

use std::borrow::Cow;
use std::io::{self, BufRead, Read};
use std::sync::LazyLock;

use regex::Regex;

use super::norm::{prefix, split_ray, split_url, Record};
use super::{FrameOptions, LineFormat, Need, Reject};
use crate::event::Event;
use crate::redact;

/// Free-text client and SDK logs.
pub struct ClientLog;

impl LineFormat for ClientLog {
    fn id(&self) -> &'static str {
        "client_log"
    }
    fn provider(&self) -> &'static str {
        "client"
    }
    fn source_kind(&self) -> &'static str {
        "client"
    }
    fn expected(&self) -> &'static str {
        "a client or SDK log: text with HTTP errors, error codes, stack traces or tracebacks"
    }
    fn sniff_line(&self, _line: &[u8]) -> bool {
        false
    }
    fn reframes(&self) -> bool {
        true
    }
    fn reframe<'r>(&self, input: Box<dyn BufRead + Send + 'r>, opts: &FrameOptions) -> Box<dyn Read + Send + 'r> {
        Box::new(ClientFramer::new(input, opts.clone()))
    }
    fn parse_fields<'a>(&self, line: &'a [u8], _need: Need) -> Result<Event<'a>, Reject> {
        Record::parse(line)
    }
}

impl ClientLog {
    /// Whether the head of a file reads like a client log: text (no NUL bytes) carrying an error
    /// code, a known failure phrase, an npm error block, a traceback, a stack frame or an API
    /// error.
    pub fn sniff_text(&self, head: &[u8]) -> bool {
        if head.contains(&0) {
            return false;
        }
        let text = String::from_utf8_lossy(head);
        SNIFF.as_ref().is_some_and(|re| re.is_match(&text))
    }
}

fn re(s: &str) -> Option<Regex> {
    Regex::new(s).ok()
}

static SNIFF: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?m)npm ERR!|^< HTTP/[\d.]+ \d{3}|\bError: [1-5]\d\d\b|Traceback \(most recent call last\)|^\s+at .+:\d+:\d+\)?\s*$|API Error|",
        r"\b(?:E(?:CONNRESET|CONNREFUSED|TIMEDOUT|NOTFOUND|AI_AGAIN|PIPE)|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|",
        r"CERTIFICATE_VERIFY_FAILED|SELF_SIGNED_CERT_IN_CHAIN|APIConnectionError|APITimeoutError)\b|",
        r"net::ERR_|socket hang up|unable to get local issuer certificate|curl: \(\d+\)|",
        r"^\S*\s*\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d.{0,40}\b(?:ERROR|WARN(?:ING)?|INFO|DEBUG)\b"
    ))
});

/// Error codes, in one alternation; the last one in a record is its error.
static CODES: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"\b(?:net::ERR_[A-Z0-9_]+|ERR_[A-Z0-9_]{4,}|SEC_ERROR_[A-Z_]+|SSL_ERROR_[A-Z_]+|",
        r"UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|",
        r"SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|CERTIFICATE_VERIFY_FAILED|",
        r"ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|ESOCKETTIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|EHOSTUNREACH|",
        r"ENETUNREACH|UND_ERR_[A-Z_]+|APIConnectionError|APITimeoutError|APIStatusError|InternalServerError|",
        r"RateLimitError|ServiceUnavailableError|ConnectError|ConnectTimeout|ReadTimeout|RemoteProtocolError|",
        r"RemoteDisconnected|ConnectionResetError|SSLCertVerificationError|SSLError|ProxyError|ChunkedEncodingError|",
        r"IncompleteRead|api_error|overloaded_error|rate_limit_error|timeout_error)\b"
    ))
});

/// Failure phrases used when no code is present: (pattern, label).
static PHRASES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"(?i)socket hang up", "socket hang up"),
        (r"(?i)unable to get local issuer certificate", "unable to get local issuer certificate"),
        (r"(?i)certificate verify failed", "CERTIFICATE_VERIFY_FAILED"),
        (r"(?i)self[- ]signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"),
        (r"(?i)self[- ]signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"),
        (r"(?i)certificate has expired|certificate expired", "CERT_HAS_EXPIRED"),
        (r"(?i)hostname mismatch|doesn't match|does not match certificate|no alternative certificate subject name matches", "ERR_TLS_CERT_ALTNAME_INVALID"),
        (r"(?i)connection reset by peer", "ECONNRESET"),
        (r"(?i)connection refused|couldn't connect to server", "ECONNREFUSED"),
        (r"(?i)server disconnected without sending a response|empty reply from server", ""),
        (r"(?i)peer closed connection without sending complete message body|incomplete chunked read", ""),
        (r"(?i)could not resolve host|getaddrinfo|name or service not known|nodename nor servname|NameResolutionError", "ENOTFOUND"),
        (r"(?i)temporary failure in name resolution", "EAI_AGAIN"),
        (r"(?i)\btimed out\b|\btimeout(?:$|[\s.,:;)\]])", "timeout"),
        (r"(?i)network error", "network error"),
        (r"curl: \(\d+\)", ""),
    ]
    .into_iter()
    .filter_map(|(p, l)| Regex::new(p).ok().map(|r| (r, l)))
    .collect()
});

/// Codes that name a wrapper rather than the fault.
const GENERIC: [&str; 12] = [
    "CERTIFICATE_VERIFY_FAILED",
    "SSLError",
    "SSLCertVerificationError",
    "ConnectError",
    "APIConnectionError",
    "ProxyError",
    "RemoteProtocolError",
    "InternalServerError",
    "APIStatusError",
    "ServiceUnavailableError",
    "RemoteDisconnected",
    "ConnectionResetError",
];

static STATUS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"API Error \((?P<a>[1-5]\d\d)\b|\bError: (?P<b>[1-5]\d\d) |\bHTTP/\d(?:\.\d)? (?P<c>[1-5]\d\d)\b|",
        r"(?i:status(?:[ _]code)?)\x22?\s*[=:]?\s*(?P<d>[1-5]\d\d)\b|<title>[^<]*\|\s*(?P<e>[1-5]\d\d):|",
        r"\b(?P<f>[1-5]\d\d) (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out|Too Many Requests)|",
        r"Error code: (?P<g>[1-5]\d\d)\b|\bHTTP (?P<h>[1-5]\d\d)\b|\bE(?P<i>429|5\d\d)\b|",
        r"\b(?:RateLimitError|InternalServerError|APIStatusError|ServiceUnavailableError)\W+(?P<j>[1-5]\d\d)\b|",
        r"-> (?P<k>[1-5]\d\d)\b|\bfetch (?:GET|POST|PUT|PATCH|DELETE|HEAD) (?P<l>[1-5]\d\d)\b"
    ))
});

static TIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"(?P<d>\d{4}-\d\d-\d\d)[T ](?P<t>\d\d:\d\d:\d\d)(?:[.,](?P<f>\d{1,9}))?\s?(?P<z>Z|[+-]\d\d:?\d\d)?")
});

static EPOCH: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^\[?(?P<e>1\d{9}(?:\.\d+)?|1\d{12})\]?\s"));

static DATE_HEADER: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?mi)^date:\s*(?P<d>[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [A-Z]{3})"));

static URL: LazyLock<Option<Regex>> = LazyLock::new(|| re(r#"https?://[^\s'"<>)\]]+"#));

static CONNECT_HOST: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)(?:connect(?:ing)? to|host:?)\s+'?(?P<h>[a-z0-9-]+(?:\.[a-z0-9-]+)+)"));

static TITLE_HOST: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"<title>\s*(?P<h>[a-z0-9.-]+\.[a-z]{2,}) \|"));

static REQUEST_ID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(?:cf-ray\x22?\s*[:=]\s*\x22?(?P<ray>[0-9a-f]{16}(?:-[A-Z]{3})?))|",
        r"(?:\b(?:x-)?request[_-]id\x22?\s*[:=]\s*\x22?(?P<rid>[A-Za-z0-9_-]{6,}))"
    ))
});

static PREFIX: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^(?:\d+\|[^|]{0,40}\|\s?|npm ERR!\s?|npm error\s?|[*<>](?: |$)|\s*[⎿⏺●✘✔]\s+)"));

static CURL_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[*<>]\s*$|\* (?:Host |\s*Trying|Connected|ALPN|TLS|SSL|using|Request|Connection|Closing|IPv[46]|\[HTTP|CAfile|CApath|",
        r"Server certificate|\s*subject|\s*start date|\s*expire date|\s*issuer|Established|Recv failure|Send failure|OpenSSL|",
        r"schannel|Operation|Could not|Failed|Re-using|upload|Mark bundle|processing|Uses proxy|h2|HTTP/|old SSL|ALPN)|",
        r"> (?:GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS|CONNECT) |> [A-Za-z][A-Za-z0-9-]*: |< HTTP/|< [A-Za-z][A-Za-z0-9-]*: |[{}] \[)"
    ))
});

static EXCEPTION_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure)\b"));

/// Longest physical line kept, in bytes (the rest of a longer line is skipped).
const MAX_LINE: usize = 64 << 10;

/// A record being collected.
#[derive(Default)]
#[expect(clippy::struct_excessive_bools, reason = "independent block states of one record")]
struct Pending {
    first_line: u64,
    /// The family prefix of the first line (`npm ERR!`, a pm2 app prefix), if any.
    family: Option<String>,
    lines: Vec<String>,
    bytes: usize,
    html_open: bool,
    /// Lines taken while an HTML page was open (a page cut off must not swallow the log).
    html_lines: usize,
    traceback: bool,
    /// A blank line inside a traceback or a curl run: the next line decides whether the record
    /// goes on (a chained traceback, an event-stream body).
    after_blank: bool,
    braces: i64,
    overflow: bool,
}

/// Groups a client log's lines into records and writes one [`Record`] line each.
pub struct ClientFramer<'r> {
    input: Box<dyn BufRead + Send + 'r>,
    opts: FrameOptions,
    line_no: u64,
    pending: Option<Pending>,
    last_time: Option<i64>,
    out: Vec<u8>,
    pos: usize,
    eof: bool,
    /// A read error held back until the records before it were handed out.
    failed: Option<io::Error>,
}

impl<'r> ClientFramer<'r> {
    /// A framer over a decompressed client log.
    pub fn new(input: Box<dyn BufRead + Send + 'r>, opts: FrameOptions) -> Self {
        ClientFramer {
            input,
            opts,
            line_no: 0,
            pending: None,
            last_time: None,
            out: Vec::new(),
            pos: 0,
            eof: false,
            failed: None,
        }
    }

    /// The next physical line (without terminator, at most [`MAX_LINE`] bytes kept).
    fn read_line(&mut self) -> io::Result<Option<String>> {
        let mut line = Vec::new();
        let mut any = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            any = true;
            let (used, done) = match memchr::memchr(b'\n', buf) {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let take = if done { used - 1 } else { used };
            if line.len() < MAX_LINE {
                let room = MAX_LINE - line.len();
                line.extend_from_slice(buf.get(..take.min(room)).unwrap_or_default());
            }
            self.input.consume(used);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line);
        Ok(Some(String::from_utf8_lossy(line).into_owned()))
    }

    fn emit(&mut self, p: &Pending) {
        let text = p.lines.join("\n");
        if p.overflow {
            let limit = self.opts.max_record_bytes;
            let mut r = Record::rejected(format!(
                "record too large: the record at line {} exceeds the limit of {limit} bytes (--max-record-bytes)",
                p.first_line
            ));
            r.line = Some(p.first_line);
            r.write_line(&mut self.out);
            return;
        }
        let trimmed = text.trim_start();
        if trimmed.starts_with("[{") || (trimmed.starts_with("{\"") && trimmed.contains("},{")) {
            let elements = json_elements(trimmed);
            if elements.len() > 1 || trimmed.starts_with('[') {
                for el in elements {
                    let rec = self.json_record(&el, p.first_line);
                    rec.write_line(&mut self.out);
                }
                return;
            }
        }
        let rec = self.text_record(&text, p.first_line, None);
        rec.write_line(&mut self.out);
    }

    fn json_record(&mut self, el: &str, line: u64) -> Record<'static> {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(el) else {
            // A cut-off element: read its text with JSON escapes undone.
            let text = el.replace("\\\"", "\"").replace("\\n", "\n");
            let time = text.find("\"timestamp\":\"").and_then(|i| {
                let rest = text.get(i + 13..)?;
                read_time(rest.split('"').next()?)
            });
            return self.text_record(&text, line, time);
        };
        let time =
            ["timestamp", "time", "ts", "@timestamp", "date"].iter().find_map(|k| v.get(*k)).and_then(|t| match t {
                serde_json::Value::String(s) => read_time(s),
                serde_json::Value::Number(n) => n.as_f64().and_then(|f| super::time::from_epoch_float(f).ok()),
                _ => None,
            });
        let mut parts = Vec::new();
        collect_strings(&v, &mut parts);
        self.text_record(&parts.join("\n"), line, time)
    }

    fn text_record(&mut self, text: &str, line: u64, time: Option<i64>) -> Record<'static> {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
        let time = time.or_else(|| line_time(first)).or_else(|| header_date(text));
        if time.is_some() {
            self.last_time = time;
        }
        let t = time.or(self.last_time);
        let clean = |s: &str| -> String {
            if self.opts.keep_secrets {
                s.to_string()
            } else {
                redact::text(s).into_owned()
            }
        };
        let code = CODES.as_ref().and_then(|re| re.find_iter(text).last()).map(|m| m.as_str().to_string());
        // The phrase found last in the record.
        let phrase = PHRASES
            .iter()
            .filter_map(|(re, label)| {
                re.find_iter(text).last().map(|m| (m.start(), if label.is_empty() { m.as_str() } else { label }))
            })
            .max_by_key(|(at, _)| *at)
            .map(|(_, l)| l.to_string());
        // A specific phrase says more than a wrapper's name (`ConnectError: [Errno -2] Name or
        // service not known`, `CERTIFICATE_VERIFY_FAILED] ... certificate has expired`).
        let error = match (code, phrase) {
            (Some(c), Some(p)) if GENERIC.contains(&c.as_str()) && p != "CERTIFICATE_VERIFY_FAILED" => Some(p),
            (Some(c), _) => Some(c),
            (None, p) => p,
        };
        let status = STATUS.as_ref().and_then(|re| {
            re.captures(text).and_then(|c| {
                ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]
                    .iter()
                    .find_map(|n| c.name(n))
                    .and_then(|m| m.as_str().parse::<u16>().ok())
            })
        });
        let url = URL.as_ref().and_then(|re| re.find(text)).map(|m| {
            let u = m.as_str().trim_end_matches(['.', ',', ':', ';']);
            if self.opts.keep_secrets {
                u.to_string()
            } else {
                redact::url(u).into_owned()
            }
        });
        let (mut host, path) = url.as_deref().map_or((None, None), |u| {
            let (h, p) = split_url(u);
            (h, p.map(str::to_string))
        });
        if let Some(h) = TITLE_HOST.as_ref().and_then(|re| re.captures(text)).and_then(|c| c.name("h")) {
            host = Some(h.as_str().to_ascii_lowercase());
        } else if let Some(h) = CONNECT_HOST.as_ref().and_then(|re| re.captures(text)).and_then(|c| c.name("h")) {
            host = Some(h.as_str().to_ascii_lowercase());
        }
        let (mut rid, mut pop) = (None, None);
        if let Some(c) = REQUEST_ID.as_ref().and_then(|re| re.captures(text)) {
            if let Some(ray) = c.name("ray") {
                let (id, p) = split_ray(ray.as_str());
                rid = Some(id.to_string());
                pop = p.map(str::to_ascii_uppercase);
            } else if let Some(r) = c.name("rid") {
                rid = Some(r.as_str().to_string());
            }
        }
        // A body the record printed: an HTML page, or a JSON document on a line of its own.
        let body = ["<!DOCTYPE", "<!doctype", "<html"]
            .iter()
            .filter_map(|m| text.find(m))
            .min()
            .or_else(|| text.find("\n{").map(|i| i + 1))
            .and_then(|i| text.get(i..))
            .map(|b| prefix(&clean(prefix(b, 4 * self.opts.max_body_bytes)), self.opts.max_body_bytes).to_string());
        Record {
            t,
            line: Some(line),
            host: host.map(Cow::Owned),
            path: path.map(Cow::Owned),
            url: url.map(Cow::Owned),
            status,
            error: error.map(|e| Cow::Owned(prefix(&e, 256).to_string())),
            msg: Some(Cow::Owned(prefix(&clean(&message(text, first)), 512).to_string())),
            rid: rid.map(|r| Cow::Owned(prefix(&r, 128).to_string())),
            pop: pop.map(Cow::Owned),
            body: body.map(Cow::Owned),
            ..Record::default()
        }
    }

    /// Feeds one physical line; may finish the pending record.
    fn feed(&mut self, raw: &str) {
        self.line_no += 1;
        let (family, content) = split_prefix(raw);
        // A blank line ends a record; a line that is only a prefix (`npm ERR!`, curl's `>`)
        // continues its block but starts nothing.
        let blank = raw.trim().is_empty();
        let continues = match self.pending.as_ref() {
            None => false,
            Some(p) => continues(p, family.as_deref(), content, blank),
        };
        if continues {
            if let Some(p) = self.pending.as_mut() {
                if (p.traceback || p.family.as_deref() == Some("curl")) && blank {
                    p.after_blank = true;
                    return;
                }
                p.after_blank = false;
                if content.trim_start().starts_with("Traceback (most recent call last)") {
                    p.traceback = true;
                }
                p.add(content, self.opts.max_record_bytes);
            }
            return;
        }
        if let Some(p) = self.pending.take() {
            self.emit(&p);
        }
        if content.trim().is_empty() {
            return;
        }
        let mut p = Pending { first_line: self.line_no, family, ..Pending::default() };
        p.traceback = content.trim_start().starts_with("Traceback (most recent call last)");
        p.add(content, self.opts.max_record_bytes);
        self.pending = Some(p);
    }
}

impl Pending {
    fn add(&mut self, content: &str, limit: usize) {
        let lower = content.to_ascii_lowercase();
        if lower.contains("<!doctype html") || lower.contains("<html") {
            self.html_open = true;
        }
        if lower.contains("</html>") {
            self.html_open = false;
        }
        if self.html_open {
            self.html_lines += 1;
        }
        if !self.html_open {
            self.braces += brace_balance(content);
        }
        // A line costs its bytes plus its own allocation, so that a flood of prefix-only lines
        // cannot hold much more memory than the limit says.
        self.bytes += content.len() + 32;
        if self.bytes > limit {
            self.overflow = true;
        } else {
            self.lines.push(content.to_string());
        }
    }
}

/// Whether `content` continues the record `p`.
/// Most lines an embedded HTML page may take.
const MAX_HTML_LINES: usize = 400;

fn continues(p: &Pending, family: Option<&str>, content: &str, blank: bool) -> bool {
    let starts_ws = content.starts_with([' ', '\t']);
    let t = content.trim_start();
    if p.html_open && p.html_lines < MAX_HTML_LINES && (blank || starts_ws || t.starts_with('<')) {
        return true;
    }
    if p.braces > 0 && !blank && (starts_ws || t.starts_with('}')) {
        return true;
    }
    // After a blank line inside a curl run, its event-stream body and curl's error continue it.
    if p.family.as_deref() == Some("curl") && p.after_blank {
        // A terminal transcript: the run goes on (event-stream body, curl's error and its
        // advice) until the next prompt or a timestamped log line.
        return !t.starts_with("$ ") && line_time(t).is_none();
    }
    if p.family.as_deref() == Some("curl") && blank {
        return true;
    }
    if p.traceback {
        if blank {
            // Decided by the next line: a chained traceback continues the record.
            return true;
        }
        if p.after_blank {
            return t.starts_with("During handling of the above exception")
                || t.starts_with("The above exception was")
                || t.starts_with("Traceback (most recent call last)");
        }
        // Indented frames and code lines, then the final exception line; chain markers.
        return starts_ws
            || p.lines.last().is_some_and(|l| l.starts_with([' ', '\t']))
            || t.starts_with("Traceback (most recent call last)");
    }
    if blank {
        return false;
    }
    // Python's logger.exception: the log line, then its traceback.
    if t.starts_with("Traceback (most recent call last)") && p.lines.len() == 1 {
        return true;
    }
    if starts_ws && (t.starts_with("at ") || t.starts_with("File \"") || t.starts_with("...")) {
        return true;
    }
    if let Some(last) = p.lines.last() {
        // A Python exception line directly after a frame or code line.
        if last.starts_with([' ', '\t']) && EXCEPTION_LINE.as_ref().is_some_and(|re| re.is_match(content)) {
            return true;
        }
    }
    match (p.family.as_deref(), family) {
        // An npm error block holds all its lines; so does curl's verbose trace (`*` notes,
        // `>` request, `<` response).
        (Some("npm ERR!"), Some("npm ERR!")) | (Some("curl"), Some("curl")) => true,
        // A wrapped line inside an npm block (no prefix, no time of its own).
        (Some("npm ERR!"), None) => line_time(t).is_none(),
        // After curl's trace: the response body and curl's error, up to a new prompt.
        (Some("curl"), None) => !t.starts_with("$ ") && line_time(t).is_none(),
        _ => false,
    }
}

/// The family prefix of a line (set aside) and its content.
fn split_prefix(raw: &str) -> (Option<String>, &str) {
    if raw.starts_with("$ curl ") {
        return (Some("curl".to_string()), raw);
    }
    match PREFIX.as_ref().and_then(|re| re.find(raw)) {
        // `>`, `<` and `*` open a curl trace only on curl's own lines (npm prints `> app@1.0.0
        // start`, Markdown has `* item`).
        Some(m)
            if matches!(m.as_str().trim(), "*" | "<" | ">")
                && !CURL_LINE.as_ref().is_some_and(|re| re.is_match(raw)) =>
        {
            (None, raw)
        }
        Some(m) if m.end() > 0 => {
            let p = m.as_str().trim();
            let family = if p.starts_with("npm") {
                Some("npm ERR!".to_string())
            } else if matches!(p, "*" | "<" | ">") {
                Some("curl".to_string())
            } else if p.contains('|') {
                Some(p.to_string())
            } else {
                None
            };
            (family, raw.get(m.end()..).unwrap_or_default())
        }
        _ => (None, raw),
    }
}

/// `{` minus `}` outside quoted strings, counted only when the line opens an object (an error
/// object printed over several lines); other text with braces does not hold a record open.
fn brace_balance(line: &str) -> i64 {
    let mut n = 0i64;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                // Only double quotes: an apostrophe in prose (`Can't reach API: {`) is not a string.
                '"' => quote = Some(c),
                '{' => n += 1,
                '}' => n -= 1,
                _ => {}
            },
        }
    }
    n.max(-1_000)
}

/// A record's message: its first line, and for a traceback or stack its final exception line.
fn message(text: &str, first: &str) -> String {
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
    if last != first && EXCEPTION_LINE.as_ref().is_some_and(|re| re.is_match(last)) {
        format!("{first} … {last}")
    } else {
        first.to_string()
    }
}

/// The time at the start of (or within) a record's first line.
fn line_time(line: &str) -> Option<i64> {
    if let Some(c) = EPOCH.as_ref().and_then(|re| re.captures(line)) {
        let e: f64 = c.name("e")?.as_str().parse().ok()?;
        return super::time::from_epoch_float(e).ok();
    }
    read_time(line)
}

/// A `date:` response header in a verbose trace (RFC 2822).
fn header_date(text: &str) -> Option<i64> {
    let c = DATE_HEADER.as_ref()?.captures(text)?;
    let d = chrono::DateTime::parse_from_rfc2822(c.name("d")?.as_str().trim()).ok()?;
    d.timestamp_nanos_opt().filter(|t| (super::time::MIN_NS..super::time::MAX_NS).contains(t))
}

fn read_time(s: &str) -> Option<i64> {
    let c = TIME.as_ref()?.captures(s)?;
    assemble(&c)
}

fn assemble(c: &regex::Captures<'_>) -> Option<i64> {
    let d = c.name("d")?.as_str();
    let t = c.name("t")?.as_str();
    let f = c.name("f").map_or("", |m| m.as_str());
    let z = match c.name("z").map(|m| m.as_str()) {
        None | Some("Z") => "Z".to_string(),
        Some(z) if z.len() == 5 => format!("{}:{}", z.get(..3)?, z.get(3..)?),
        Some(z) => z.to_string(),
    };
    let s = if f.is_empty() { format!("{d}T{t}{z}") } else { format!("{d}T{t}.{f}{z}") };
    super::time::parse_str(&s).ok()
}

/// The top-level elements of a JSON array written on one line (a cut-off last element
/// included as it is).
fn json_elements(s: &str) -> Vec<String> {
    let body = s.strip_prefix('[').unwrap_or(s);
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut escaped = false;
    let mut start: Option<usize> = None;
    for (i, c) in body.char_indices() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' | '[' => {
                if depth == 0 {
                    start = Some(i);
                }
                depth += 1;
            }
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    if let Some(st) = start.take() {
                        out.push(body.get(st..=i).unwrap_or_default().to_string());
                    }
                }
                if depth < 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push(body.get(st..).unwrap_or_default().to_string());
    }
    out
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => {
            // Keys stay with their values (`request_id: req_…` is how the id is found); secret
            // keys are left out with their values.
            for (k, x) in o {
                if redact::is_secret_param(k) || redact::is_secret_header(k) {
                    continue;
                }
                match x {
                    serde_json::Value::Number(n) => out.push(format!("{k}: {n}")),
                    serde_json::Value::String(v) => out.push(format!("{k}: {v}")),
                    other => collect_strings(other, out),
                }
            }
        }
        _ => {}
    }
}

impl Read for ClientFramer<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.out.len() {
            self.out.clear();
            self.pos = 0;
            if self.eof {
                return match self.failed.take() {
                    Some(e) => Err(e),
                    None => Ok(0),
                };
            }
            if let Some(e) = self.failed.take() {
                return Err(e);
            }
            match self.read_line() {
                Ok(Some(l)) => self.feed(&l),
                Ok(None) => {
                    self.eof = true;
                    if let Some(p) = self.pending.take() {
                        self.emit(&p);
                    }
                }
                Err(e) => {
                    // The record being read is often the one that says what went wrong: emit
                    // it, then report the error.
                    self.eof = true;
                    if let Some(p) = self.pending.take() {
                        self.emit(&p);
                    }
                    if self.out.is_empty() {
                        return Err(e);
                    }
                    self.failed = Some(e);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<Event<'static>> {
        let mut f = ClientFramer::new(Box::new(io::Cursor::new(text.as_bytes().to_vec())), FrameOptions::default());
        let mut out = String::new();
        f.read_to_string(&mut out).unwrap();
        let leaked: &'static str = Box::leak(out.into_boxed_str());
        leaked.lines().map(|l| Record::parse(l.as_bytes()).unwrap()).collect()
    }

    #[test]
    fn node_stack_is_one_record() {
        let ev = events("0|game     | Error: read ECONNRESET\n0|game     |     at exports._errnoException (util.js:1022:11)\n0|game     |     at TCP.onread (net.js:572:26)\n");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].error.as_deref(), Some("ECONNRESET"));
        assert_eq!(ev[0].line, Some(1));
    }

    #[test]
    fn python_traceback_takes_its_last_error() {
        let text = "2025-11-18 11:21:03,120 INFO sending request\n2025-11-18 11:21:04,500 ERROR request failed\nTraceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    client.messages.create()\n  File \"httpx/_transports.py\", line 9, in handle\n    raise exc\nopenai.APIConnectionError: Connection error.\n\nnext line\n";
        let ev = events(text);
        // logger.exception: the log line and its traceback are one record.
        assert_eq!(ev.len(), 3, "{ev:#?}");
        assert_eq!(ev[1].line, Some(2));
        assert_eq!(ev[1].error.as_deref(), Some("APIConnectionError"));
        assert!(ev[1].message.as_deref().unwrap().ends_with("openai.APIConnectionError: Connection error."));
        assert_eq!(ev[0].time_ns, 1_763_464_863_120_000_000);
        // No timestamp: the time of the record before.
        assert_eq!(ev[2].time_ns, ev[1].time_ns);
        assert!(!ev[2].time_unknown);
    }

    #[test]
    fn chained_tracebacks_and_a_cut_off_page() {
        let text = "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n    g()\nsocket.gaierror: [Errno -2] Name or service not known\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"a.py\", line 9, in h\n    f(timeout=(10, 30))\nhttpx.ConnectError: [Errno -2] Name or service not known\n2025-11-18 11:30:00,000 WARNING completion failed (HTTP 522): <!DOCTYPE html><html><head>\n2025-11-18 11:30:05,000 INFO next\n";
        let ev = events(text);
        assert_eq!(ev.len(), 3, "{ev:#?}");
        assert_eq!(ev[0].error.as_deref(), Some("ENOTFOUND"));
        assert_eq!(ev[1].edge_status, Some(522));
        assert_eq!(ev[2].line, Some(13), "a page cut off in a log line does not swallow the next record");
    }

    #[test]
    fn npm_block_and_wrapped_line() {
        let text = "npm ERR! argv \"C:\\\\node.exe\" \"C:\\\\\nnode_modules\\\\npm-cli.js\"\nnpm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY\n\nnpm ERR! other\n";
        let ev = events(text);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].error.as_deref(), Some("UNABLE_TO_GET_ISSUER_CERT_LOCALLY"));
        assert_eq!(ev[1].line, Some(5));
        assert!(ev[0].time_unknown);
    }

    #[test]
    fn html_page_in_an_api_error() {
        let text = "  ⎿  API Error (520 <!DOCTYPE html>\n<head>\n\n<title>api.example.com | 520: Web server is returning an unknown error</title>\n</head></html>\nafter\n";
        let ev = events(text);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].edge_status, Some(520));
        assert_eq!(ev[0].host.as_deref(), Some("api.example.com"));
        assert!(ev[0].body.as_deref().unwrap().starts_with("<!DOCTYPE html>"));
    }

    #[test]
    fn json_array_is_one_record_per_element() {
        let text = r#"[{"error":"Error: 500 {\"type\":\"error\",\"request_id\":\"req_011ABC\"}","timestamp":"2026-06-23T14:16:08.129Z"},{"error":"Error: 502 x","timestamp":"2026-06-23T14:17:15.531Z"},{"error":"Error: 500 {\"request_id\":\"req_0"#;
        let ev = events(text);
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[0].edge_status, Some(500));
        assert_eq!(ev[0].request_id.as_deref(), Some("req_011ABC"));
        assert_eq!(ev[1].edge_status, Some(502));
        assert!(ev.iter().all(|e| e.line == Some(1)));
    }

    #[test]
    fn inspected_error_object_and_secrets() {
        let text = "{ [Error: socket hang up] code: 'ECONNRESET' }\ncurl -H 'Authorization: Bearer sk-ant-api03-SECRETSECRETSECRET' https://api.example.com/v1?token=abcdef\n";
        let ev = events(text);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].error.as_deref(), Some("ECONNRESET"));
        let m = ev[1].message.as_deref().unwrap();
        assert!(!m.contains("SECRETSECRET"), "{m}");
        assert_eq!(ev[1].path.as_deref(), Some("/v1?token=[REDACTED]"));
    }

    #[test]
    fn npm_script_banners_are_not_a_curl_trace() {
        let text = "> myapp@1.0.0 start\n> node index.js\n\n2025-11-18T11:30:00Z Error: read ECONNRESET\n2025-11-18T11:31:00Z getaddrinfo ENOTFOUND api.example.com\n";
        let ev = events(text);
        assert_eq!(ev.iter().map(|e| e.line.unwrap()).collect::<Vec<_>>(), vec![1, 2, 4, 5]);
        assert_eq!(ev[2].error.as_deref(), Some("ECONNRESET"));
        assert_eq!(ev[3].error.as_deref(), Some("ENOTFOUND"));
    }

    #[test]
    fn json_records_keep_their_keys_and_drop_secret_ones() {
        let text = r#"[{"api_key":"0123456789abcdef0123","error":"Error: 500 boom","request_id":"req_011ABC"}]"#;
        let ev = events(text);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].request_id.as_deref(), Some("req_011ABC"));
        assert!(!ev[0].message.as_deref().unwrap_or_default().contains("0123456789abcdef"));
    }

    #[test]
    fn sniffing() {
        assert!(ClientLog.sniff_text(b"Error: socket hang up\n"));
        assert!(!ClientLog.sniff_text(b"hello world\n"));
        assert!(!ClientLog.sniff_text(b"\x00\x01ECONNRESET"));
    }
}
