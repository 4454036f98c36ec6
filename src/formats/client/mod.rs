//! Free-text logs of the tools users ran during an outage: Node SDKs and CLIs (errors printed
//! with stacks or as inspected objects), npm, Python `openai` / `anthropic` / `httpx` /
//! `requests` logging and tracebacks, curl verbose and error output, browser console exports;
//! and what users pasted into tickets and chats: Cloudflare's error pages (HTML, flattened to
//! text, or retyped), challenge messages, router lines (`cfpage.rs` reads the pages as evidence).
//!
//! **Framing** ([`ClientFramer`]): one event per logical record. A record starts at a line and
//! takes the lines that continue it: stack frames (`    at f (file.js:1:2)`, `  File "x.py"`),
//! the rest of a Python traceback through its final `SomeError: message` line, the lines of an
//! HTML page embedded in an error (through `</html>`), the lines of a `{ ... }` error object, and
//! a block of `npm ERR!` lines (with the wrapped lines inside it), a copied Cloudflare page (its
//! lines, and its sections after a blank line), a nested terminal marker's line. Known line
//! prefixes are set aside first (`lines.rs`): a collector's time stamp before every line (Docker,
//! kubectl, GitHub Actions, Heroku, compose, seconds elapsed), pm2's `0|app |`, `npm ERR!`,
//! GitHub Actions' `##[error]`, terminal UI markers; a URL the terminal wrapped is joined. A JSON
//! array of error objects on one line is one record per element. Blank lines end a record outside
//! those blocks.
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

use std::io::{self, BufRead, Read};
use std::sync::LazyLock;

use regex::Regex;

use crate::text::regex as re;

use super::norm::Record;
use super::{FrameOptions, LineFormat, Need, Reject};
use crate::event::Event;

mod cfpage;
mod fields;
mod lines;
mod pageframe;

use fields::json_elements;
use lines::{continues, Line, Pending};

/// Free-text client and SDK logs.
pub struct ClientLog;

impl LineFormat for ClientLog {
    fn id(&self) -> &'static str {
        "client_log"
    }
    fn provider(&self) -> &'static str {
        "client"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Client
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

static SNIFF: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?m)npm ERR!|^< HTTP/[\d.]+ \d{3}|\bError: [1-5]\d\d\b|Traceback \(most recent call last\)|^\s+at .+:\d+:\d+\)?\s*$|API Error|",
        r"\b(?:E(?:CONNRESET|CONNREFUSED|TIMEDOUT|NOTFOUND|AI_AGAIN|PIPE)|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|",
        r"CERTIFICATE_VERIFY_FAILED|SELF_SIGNED_CERT_IN_CHAIN|APIConnectionError|APITimeoutError)\b|",
        r"net::ERR_|socket hang up|unable to get local issuer certificate|curl: \(\d+\)|",
        r"^\S*\s*\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d.{0,40}\b(?:ERROR|WARN(?:ING)?|INFO|DEBUG)\b|",
        // Pasted evidence: Cloudflare's pages and challenges, curl runs and responses, router
        // lines, SDK errors.
        r"\b(?:Cloudflare|Host|Browser)\s+(?:Error|Working)\b|\bRay ID:?\s*[0-9a-f]{16}|(?i:\berror code:?\s*\d{3,4}\b)|",
        r"^\s*Error \d{3,4}\b|cloudflare_error|challenges\.cloudflare\.com|Attention Required!|Just a moment|",
        r"(?i:<center>\s*cloudflare)|\bHTTP [45]\d\d\b|cf-error-|(?i:\bcf-ray:)|^\$?\s*curl\s|^HTTP/\d(?:\.\d)? [1-5]\d\d\b|",
        r"heroku\[router\]|\bat=error code=H\d|TypeError:? \(?(?:terminated|fetch failed)|FetchError|",
        r"^\s*[1-5]\d\d (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out|Origin )|",
        r"\b(?:InternalServerError|RateLimitError|APIStatusError|UND_ERR_[A-Z_]+)\b|unexpected status [1-5]\d\d|overloaded_error|",
        r"x509: |\bdial tcp\b|\bno such host\b|ServerDisconnectedError|\bHTTPError\b|stream disconnected|",
        // What users write or copy when a site fails: a status's reason phrase, a page's
        // sentence, a browser's or library's words for a cut or looping response.
        r"(?i:\b(?:internal server error|bad gateway|service (?:temporarily )?unavailable|gateway time-?out|origin dns error|",
        r"origin is unreachable|web server is (?:down|returning an unknown error)|connection timed out|",
        r"unexpected (?:http )?status|isn(?:'|’)?t redirecting properly|too many redirects)\b)|",
        r"ERR_TOO_MANY_REDIRECTS|IncompleteRead|ChunkedEncodingError|cdn-cgi/|stream error: stream ID|returned error: [1-5]\d\d|",
        r"with a status of [1-5]\d\d|status code does not indicate success|\bgot [1-5]\d\d\b|spurious network error|",
        // Other CDNs' own pages, challenges, and the words of name and rate failures.
        r"Generated by cloudfront|The request could not be satisfied|Varnish cache server|Guru Meditation|Fastly error|",
        r"AkamaiGHost|errors\.edgesuite\.net|(?i:turnstile|checking your browser|DDoS protection by|could not resolve host|",
        r"too many requests)|\b[1-5]\d\d ERROR\b|",
        // Other languages' and platforms' errors: an exception with its message, Java's frames
        // and causes, .NET's inner exception, iOS's error domain, Go's HTTP/2 errors, a Rust
        // error's debug print, wget's response line, a status monitor's line.
        r"\b[A-Z]\w*(?:Exception|Error): |(?m:^\s+at [\w$.<>/]+\(.*\)\s*$|^\s*(?:Caused by|Exception in thread) |^\s*---> )|",
        r"NSURLErrorDomain|kCFErrorDomain|\bhttp2: |::Error\b|awaiting response\.\.\. [1-5]\d\d|\bERROR [1-5]\d\d: |",
        r"(?i:\bHTTP code:?\s*[1-5]\d\d|HTTP:\s*[1-5]\d\d|",
        // Hosting platforms' pages and the challenge's words as users retell them.
        r"\bapplication error\b|serverless function has|function_invocation_|",
        r"checking if the site connection is secure|needs to review the security of your connection|unblock\s+\S*challenges|",
        r"performing security verification|connection reset by peer|connection refused|status code:? [1-5]\d\d|",
        r"our services aren(?:'|’)t available right now|that(?:'|’)s an error\.|an error occurred with this application)|",
        r"\[Errno -?\d+\]|:failed_connect\b|\bconnectex: |NoHttpResponseException|FailedToOpenSocket|\bConnectionRefused\b|",
        r"Reference #\d+\.[0-9a-f]+\.|NO_RESPONSE_FROM_FUNCTION|[\x22']code[\x22']:\s*(?:429|5\d\d)\b|",
        // .NET's and PowerShell's words (in English and French), curl's cut transfer, Envoy's
        // failed upstream, Go's client timeout, a monitor's status, Cloudflare's 500 retold.
        r"(?i:returned an error:?\s*\(\d{3}\)|retourné une erreur\s*:\s*\(\d{3}\)|the underlying connection was closed|",
        r"could not establish trust relationship|actively refused|forcibly closed by the remote host|transfer closed with|",
        r"upstream connect error|no healthy upstream|\bHTTP status:?\s*[1-5]\d\d\b|\bcloudflare\b[^.\n]{0,40}\berror:? ?5\d\d\b)|",
        r"net/http: |Client\.Timeout exceeded|",
        // Julia's, Ruby's, PHP's, OpenSSL's, urllib3's and a registry's words; a stream cut.
        r"EOFError|Net::(?:Read|Open)Timeout|cURL error \d+|SSL_ERROR_[A-Z]+|OpenSSL SSL_|after connection broken by|",
        r"\b(?:ReadTimeoutError|NewConnectionError|MaxRetryError)\b|toomanyrequests:|(?i:premature close|mid-stream)|",
        r"tcp connect error|error sending request for url|HTTP/2 stream \d+ was not closed cleanly|\bTooManyRequests\b|",
        r"exceeded a (?:secondary )?rate limit|rate limit exceeded|\bTIMED_OUT\b|(?i:HTTP[- ]код\w*\s*\d{3})|",
        r"UnknownEndpoint|Inaccessible host|\bconnect timed out\b|CloudflareChallengeError|\b[1-5]\d\d, message=|",
        r"SSLProtocolException|SSL_HANDSHAKE_FAILURE|Unable to reach the origin service|Maximum \(\d+\) redirects followed|",
        r"\bHTTP Error [1-5]\d\d: |RemoteDisconnected|(?i:\berror [1-5]\d\d:|\breturns? [1-5]\d\d error\b)|",
        r"SocketTimeoutException|(?i:\b(?:get|gets|getting|got|seeing|receiv\w*)\s+(?:an?\s+)?(?:http\s+|error\s+)?52\d\b)"
    ))
});

/// Sentences that explain errors rather than report one: documentation (its front matter, "occurs
/// when", "common causes"), help text and advice pasted as they are.
static DOCS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"\A(?:\s*\x22)?---\s*\n(?:[\w-]+:.*\n){0,8}?(?:title|description):",
        r"(?i)\b(?:occurs|happens|is returned|is shown) when\b",
        r"(?im)\bcommon causes\b|^#+\s*(?:resolution|troubleshooting)\b",
        r"(?i)\bindicates (?:an?|that|the)\b|\bindication\b",
        r"(?i)\bthis (?:error )?(?:could|can|may|might) be (?:due to|caused by)\b",
        r"(?i)\bfollow these steps\b|\bdocumentation index\b",
        r"(?i)\bif you (?:receive|see|get|encounter) an?\b",
        r"(?i)\bwill be (?:automatically )?retried\b",
        r"(?i)\bthis error (?:will|may|can|might) (?:appear|occur|happen|be (?:shown|returned))\b",
    ]
    .into_iter()
    .filter_map(crate::text::regex)
    .collect()
});

/// Whether a text's head reads as documentation: two kinds of explaining sentence or more.
fn reads_as_docs(head: &str) -> bool {
    DOCS.iter().filter(|r| r.is_match(head)).count() >= 2
}

/// Longest physical line kept, in bytes (the rest of a longer line is skipped).
const MAX_LINE: usize = 64 << 10;
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
    /// Whether the text reads as documentation (decided from its head): its records are kept
    /// and counted, but they report no failure.
    docs: Option<bool>,
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
            docs: None,
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
        // Documentation reports no failure, and an inner exception is the cause of the record
        // above: counted, with no evidence (their words would be read as failures of their own).
        if self.docs == Some(true) || p.lines.first().is_some_and(|l| lines::inner_exception(l)) {
            Record { line: Some(p.first_line), ..Record::default() }.write_line(&mut self.out);
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
        let rec = self.text_record(&text, p.first_line, p.stamp);
        rec.write_line(&mut self.out);
    }
}

impl ClientFramer<'_> {
    /// Feeds one physical line; may finish the pending record.
    fn feed(&mut self, raw: &str) {
        self.line_no += 1;
        // A Markdown fence around a pasted block is no part of it: it ends the record before it,
        // and a block closed on its last line ends there.
        let (raw, opens, closes) = lines::unfence(raw);
        if opens {
            self.flush();
        }
        self.feed_line(raw);
        if closes {
            self.flush();
        }
    }

    /// Ends the pending record.
    fn flush(&mut self) {
        if let Some(p) = self.pending.take() {
            self.emit(&p);
        }
    }

    fn feed_line(&mut self, raw: &str) {
        let line = Line::split(raw);
        // A blank line ends a record; a line that is only a prefix (`npm ERR!`, curl's `>`)
        // continues its block but starts nothing.
        // A URL the terminal wrapped: its rest joins the line it was cut from.
        if let Some(p) = self.pending.as_mut() {
            if lines::wraps_url(p, &line) {
                p.append(line.content, self.opts.max_record_bytes);
                return;
            }
        }
        let continues = self.pending.as_ref().is_some_and(|p| continues(p, &line));
        let content = line.content;
        if continues {
            if let Some(p) = self.pending.as_mut() {
                if (p.traceback || p.page || p.response || matches!(p.family.as_deref(), Some("curl" | "npm ERR!")))
                    && line.blank
                {
                    p.after_blank = true;
                    return;
                }
                if std::mem::take(&mut p.after_blank) {
                    // The blank line stays: it separates a response's headers from its body.
                    p.add("", self.opts.max_record_bytes);
                }
                if content.trim_start().starts_with("Traceback (most recent call last)") {
                    p.traceback = true;
                }
                // The next nested marker must be deeper than this one (a tool's result under
                // `⏺`, then its own cause); a sibling at the same depth is a record of its own.
                if line.marker.is_some() {
                    p.marker = line.marker;
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
        let mut p = Pending {
            first_line: self.line_no,
            family: line.family,
            stamp: line.stamp,
            marker: line.marker,
            ..Pending::default()
        };
        p.traceback = content.trim_start().starts_with("Traceback (most recent call last)");
        p.add(content, self.opts.max_record_bytes);
        self.pending = Some(p);
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
            if self.docs.is_none() {
                let head = self.input.fill_buf().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
                self.docs = Some(reads_as_docs(&head));
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
mod tests;
