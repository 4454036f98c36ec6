//! Framing a client log's lines into records: the prefixes set aside, and the rules by which a
//! line continues the record before it.

use std::sync::LazyLock;

use regex::Regex;

use crate::text::regex as re;

use super::fields::{line_time, EXCEPTION_LINE};
use super::pageframe::{page_continues, ray_of, PAGE_BOX, PAGE_CODE, PAGE_START};

static PREFIX: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"^(?:#{1,6}[ \t]+|\d+\|[^|]{0,40}\|\s?|npm ERR!\s?|npm error\s?|npm (?:WARN|warn)\s?|[*<>](?: |$)|\s*[⎿⏺●✘✔■]\s+|##\[[a-z]+\])",
    )
});

/// A time stamp that a log collector put before every line: Docker and kubectl
/// (`2024-01-22T17:12:33.123456789Z`, `2024-01-22 17:12:33`), GitHub Actions
/// (`2020-08-30T00:00:00.0000000Z`), Heroku (`…+00:00 app[web.1]:`), a compose service
/// (`api-1  | `), seconds elapsed (`5.963`, `[  5.963]`), a build step of `docker build`
/// (`#10 18.23`). One separator after it is part of the prefix, so a line's own indentation
/// survives.
static STAMP: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[\w.-]{1,40}[ \t]+\|[ \t])?\[?(?P<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d| ?UTC)?)\]?",
        r"(?:[ \t](?:app|heroku)\[[\w.-]{1,40}\]:)?(?:[ \t]|$)|",
        r"^\[?[ \t]*(?P<el>\d{1,6}\.\d{3,6})\][ \t]?|^[ \t]*(?P<el2>\d{1,6}\.\d{3,6})[ \t]|",
        // A BuildKit step: `#10 18.23 ` (its number, then seconds elapsed).
        r"^#\d{1,4}[ \t]+(?P<el3>\d{1,6}\.\d{1,3})(?:[ \t]|$)"
    ))
});

/// Visual Studio's heading of an inner exception in its copy of an exception's details.
static INNER_EXCEPTION: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^\s*Inner Exception \d+:\s*$"));

/// Whether a line heads an inner exception: its record is the cause of the exception above,
/// whose message already says it (`One or more errors occurred. (No connection could be made…)`).
pub(super) fn inner_exception(line: &str) -> bool {
    INNER_EXCEPTION.as_ref().is_some_and(|r| r.is_match(line))
}

/// A tool's error line (`✘ [ERROR] …`, `error: …`).
static ERROR_MARK: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"(?i)\[ERROR\]|^\s*[✘✖×]\s|^\s*error:\s"));
static RAISED: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^[A-Za-z_][\w.]*: \S"));
static RUBY_FRAME: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^(?:\S+\.rb:\d+:in \S|\.\.\.$)"));

/// A line that only labels what follows, or a wrapped proxy error's reason.
static LABEL_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)^(?:(?:response )?body\s*:\s*$|(?:reset |transport failure )?reason:)"));
/// A response's status line printed without curl's marks (`curl -i`, a library's dump).
static STATUS_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^\s*HTTP/\d(?:\.\d)? [1-5]\d\d\b"));
/// A response header line (`Cf-Ray: …`).
static HEADER_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^[A-Za-z][A-Za-z0-9-]{0,60}:[ \t]*\S"));
/// A line of wget's run: its request, connection, response and error lines.
static WGET_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"^(?:--\d{4}-\d\d-\d\d \d\d:\d\d:\d\d--\s|Resolving \S+ \(|Connecting to \S+|(?:HTTP|Proxy) request sent, awaiting response|",
        r"Length: |Saving to: |Location: \S+ \[following\]|Reusing existing connection|ERROR \d{3}: )"
    ))
});

/// One physical line, its prefixes set aside.
pub(super) struct Line<'a> {
    /// The time stamp a collector put before it.
    pub(super) stamp: Option<i64>,
    /// Whether it had such a stamp.
    pub(super) stamped: bool,
    /// Its family prefix (`npm ERR!`, `curl`, a pm2 app).
    pub(super) family: Option<String>,
    /// What is left.
    pub(super) content: &'a str,
    /// The indentation of a terminal UI marker (`⎿`) at its start: a deeper one nests.
    pub(super) marker: Option<usize>,
    /// Blank (after its prefixes).
    pub(super) blank: bool,
}

impl<'a> Line<'a> {
    /// Splits a physical line (right padding dropped) into its prefixes and content.
    pub(super) fn split(raw: &'a str) -> Line<'a> {
        let raw = raw.trim_end();
        // A line that is only a time stamp keeps it as its content (a user's note of when).
        let stamp = STAMP.as_ref().and_then(|r| r.captures(raw)).and_then(|c| {
            let rest = raw.get(c.get(0)?.end()..)?;
            (!rest.trim().is_empty()).then(|| (c.name("ts").and_then(|m| super::fields::read_time(m.as_str())), rest))
        });
        let (stamp, stamped, rest) = match stamp {
            Some((ts, rest)) => (ts, true, rest),
            None => (None, false, raw),
        };
        let marker = ["⎿", "⏺", "●", "✘", "✔", "■"]
            .iter()
            .find(|m| rest.trim_start().starts_with(**m))
            .map(|_| rest.len() - rest.trim_start().len());
        let (family, content) = split_prefix(rest);
        Line { stamp, stamped, family, content, marker, blank: raw.trim().is_empty() }
    }
}

static CURL_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[*<>]\s*$|\* (?:Host |\s*Trying|Connected|ALPN|TLS|SSL|using|Request|Connection|Closing|IPv[46]|\[HTTP|CAfile|CApath|",
        r"Server certificate|\s*subject|\s*start date|\s*expire date|\s*issuer|Established|Recv failure|Send failure|OpenSSL|",
        r"schannel|Operation|Could not|Failed|Re-using|upload|Mark bundle|processing|Uses proxy|h2|HTTP/|old SSL|ALPN)|",
        r"> (?:GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS|CONNECT) |> [A-Za-z][A-Za-z0-9-]*: |< HTTP/|< [A-Za-z][A-Za-z0-9-]*: |[{}] \[)"
    ))
});

/// A record being collected.
#[derive(Default)]
#[expect(clippy::struct_excessive_bools, reason = "independent block states of one record")]
pub(super) struct Pending {
    pub(super) first_line: u64,
    /// The family prefix of the first line (`npm ERR!`, a pm2 app prefix), if any.
    pub(super) family: Option<String>,
    pub(super) lines: Vec<String>,
    pub(super) bytes: usize,
    pub(super) html_open: bool,
    /// Lines taken while an HTML page was open (a page cut off must not swallow the log).
    pub(super) html_lines: usize,
    pub(super) traceback: bool,
    /// A blank line inside a traceback or a curl run: the next line decides whether the record
    /// goes on (a chained traceback, an event-stream body).
    pub(super) after_blank: bool,
    pub(super) braces: i64,
    /// `(` minus `)` so far: a message wrapped inside parentheses goes on.
    pub(super) parens: i64,
    /// The record is a response printed without curl's marks (`HTTP/1.1 530`, then its headers,
    /// a blank line and its body).
    pub(super) response: bool,
    pub(super) overflow: bool,
    /// The time stamp before the first line.
    pub(super) stamp: Option<i64>,
    /// The indentation of the first line's terminal UI marker.
    pub(super) marker: Option<usize>,
    /// A copied Cloudflare page: the elements it already has (a second one starts a new page).
    pub(super) page: bool,
    pub(super) page_code: bool,
    /// The page's Ray ID (its footer repeats it; another one is the next page).
    pub(super) page_ray: Option<String>,
    pub(super) page_box: bool,
    /// An HTML page in the record was closed.
    pub(super) html_closed: bool,
}

/// Whether a line is the rest of a URL a terminal wrapped at the end of the record's last line:
/// that line is long and ends inside a URL, and this one is URL characters only.
pub(super) fn wraps_url(p: &Pending, line: &Line<'_>) -> bool {
    let Some(last) = p.lines.last() else {
        return false;
    };
    let t = line.content;
    let tail = last.rsplit(char::is_whitespace).next().unwrap_or_default();
    last.chars().count() >= 70
        && !line.stamped
        && tail.starts_with("http")
        && !tail.ends_with(['.', ',', ')', ']', '"', '\''])
        && !t.is_empty()
        && !t.starts_with("http")
        && t.len() <= 2048
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"/?&=%._~:#+-@!$*;".contains(&b))
}

impl Pending {
    /// Appends the rest of a wrapped line to the record's last line.
    pub(super) fn append(&mut self, rest: &str, limit: usize) {
        self.bytes += rest.len();
        if self.bytes > limit {
            self.overflow = true;
        } else if let Some(last) = self.lines.last_mut() {
            last.push_str(rest);
        }
    }

    pub(super) fn add(&mut self, content: &str, limit: usize) {
        let lower = content.to_ascii_lowercase();
        // A page, or a fragment of one (`<div id="cf-host-status" …>` pasted alone).
        let t = content.trim_start();
        let tag = t.starts_with('<') && t.chars().nth(1).is_some_and(|c| c.is_ascii_alphabetic() || c == '!');
        if lower.contains("<!doctype html") || lower.contains("<html") || (tag && self.lines.is_empty()) {
            self.html_open = true;
        }
        if lower.contains("</html>") {
            self.html_open = false;
            self.html_closed = true;
        }
        if PAGE_START.as_ref().is_some_and(|r| r.is_match(content)) {
            self.page = true;
        }
        if self.page {
            self.page_code |= PAGE_CODE.as_ref().is_some_and(|r| r.is_match(content));
            if self.page_ray.is_none() {
                self.page_ray = ray_of(content);
            }
            self.page_box |= PAGE_BOX.as_ref().is_some_and(|r| r.is_match(content));
        }
        if self.html_open {
            self.html_lines += 1;
        }
        if !self.html_open {
            self.braces += brace_balance(content);
            self.parens = (self.parens + paren_balance(content)).clamp(-1_000, 1_000);
        }
        if STATUS_LINE.as_ref().is_some_and(|r| r.is_match(content)) {
            self.response = true;
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

/// Most lines an embedded HTML page may take.
const MAX_HTML_LINES: usize = 400;

/// Whether `line` continues the record `p`.
pub(super) fn continues(p: &Pending, line: &Line<'_>) -> bool {
    let (family, content, blank) = (line.family.as_deref(), line.content, line.blank);
    let starts_ws = content.starts_with([' ', '\t']);
    let t = content.trim_start();
    // A nested marker (`  ⎿  API Error …` then `    ⎿  TypeError (fetch failed)`) is the
    // cause of the line above.
    if let (Some(outer), Some(inner)) = (p.marker, line.marker) {
        if inner > outer && !blank {
            return true;
        }
    }
    // Text that cannot start a record: `, request id: …` after a page, Cloudflare's plain
    // page footer flattened onto its own line.
    if !blank && (t.starts_with([',', ';']) || matches!(t, "cloudflare" | "cloudflare-nginx")) {
        return true;
    }
    // Visual Studio's copy of an exception: `Inner Exception 1:`, then that exception's line.
    if !blank && p.lines.len() == 1 && p.lines.first().is_some_and(|l| inner_exception(l)) {
        return true;
    }
    // A label announcing what follows (cargo's `body:` before the page it got), and a proxy's
    // error wrapped before its reason (`     reason: delayed connect error: …`).
    if !blank && LABEL_LINE.as_ref().is_some_and(|r| r.is_match(t)) && (starts_ws || !t.contains("reason")) {
        return true;
    }
    if let Some(go) = page_continues(p, line) {
        return go;
    }
    if markup_continues(p, line, t, starts_ws) {
        return true;
    }
    if let Some(go) = block_continues(p, line, t, starts_ws) {
        return go;
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
    if chain_continues(p, t, starts_ws) {
        return true;
    }
    if let Some(last) = p.lines.last() {
        // A Python exception line directly after a frame or code line (`raise X(e)` when the
        // frames above were not copied).
        let code = last.starts_with([' ', '\t']) || last.starts_with("raise ");
        if code && EXCEPTION_LINE.as_ref().is_some_and(|re| re.is_match(content)) {
            return true;
        }
        // The exception a `raise` line raised: `http.client.RemoteDisconnected: Remote end …`.
        if last.trim_start().starts_with("raise ") && RAISED.as_ref().is_some_and(|re| re.is_match(content)) {
            return true;
        }
        // The lines indented under a tool's error line: its detail, the request that failed.
        let indent = |l: &str| l.len() - l.trim_start().len();
        let first = p.lines.first().map_or("", String::as_str);
        if starts_ws
            && p.lines.len() < 12
            && indent(content) > indent(first)
            && ERROR_MARK.as_ref().is_some_and(|r| r.is_match(first))
        {
            return true;
        }
    }
    match (p.family.as_deref(), family) {
        // An npm error block holds all its lines, except that npm's note that it will retry
        // the fetch that just failed (with that attempt's error) ends the attempt: the next
        // `npm ERR!` line is the next attempt. curl's verbose trace holds all its lines (`*`
        // notes, `>` request, `<` response).
        (Some("npm ERR!"), Some("npm ERR!")) => !p.lines.last().is_some_and(|l| l.starts_with("retry ")),
        (Some("npm ERR!"), Some("npm WARN")) => t.starts_with("retry "),
        (Some("curl"), Some("curl")) => true,
        // A wrapped line inside an npm block (no prefix, no time of its own).
        (Some("npm ERR!"), None) => !line.stamped && line_time(t).is_none(),
        // After curl's trace: the response body and curl's error, up to a new prompt.
        (Some("curl"), None) => !t.starts_with("$ ") && !line.stamped && line_time(t).is_none(),
        _ => false,
    }
}

/// A line without its Markdown fences: the text left, whether a fence opened the line and
/// whether one closed it (```` ```json ````, ```` ```502 ERROR ````, ```` …== ``` ````).
pub(super) fn unfence(raw: &str) -> (&str, bool, bool) {
    let t = raw.trim();
    for fence in ["```", "~~~"] {
        if let Some(rest) = t.strip_prefix(fence) {
            // A fence alone, or with its language word, is no text at all.
            if !rest.contains(char::is_whitespace) && !rest.contains(fence) {
                return ("", true, false);
            }
            let (rest, closes) = rest.strip_suffix(fence).map_or((rest, false), |r| (r, true));
            return (rest, true, closes);
        }
        if let Some(rest) = t.strip_suffix(fence) {
            if !rest.contains(fence) {
                return (rest, false, true);
            }
        }
    }
    (raw, false, false)
}

/// A cause chain or a wrapped message: Java's `Caused by:`, .NET's inner exception (`--->`,
/// `--- End of inner exception stack trace ---`), a report's cause arrows (`╰─▶`), a line
/// inside parentheses left open, an indented line under a line that ends open (`,` `:` `{` `(`),
/// the next line of a wget run.
fn chain_continues(p: &Pending, t: &str, starts_ws: bool) -> bool {
    if t.starts_with("Caused by: ")
        || t.starts_with("Caused by ")
        || t.starts_with("Suppressed: ")
        || t.starts_with(['╰', '├', '│'])
    {
        return true;
    }
    if starts_ws && (t.starts_with("---> ") || t.starts_with("--- End of ")) {
        return true;
    }
    // The rest of a parenthesised list printed over several lines (`), NSLocalizedDescription=…`).
    if p.parens > 0 && t.starts_with([')', ']']) {
        return true;
    }
    let last = p.lines.last().map_or("", |l| l.trim_end());
    if starts_ws && !p.html_open && (p.parens > 0 || last.ends_with([',', ':', '{', '(', '['])) {
        return true;
    }
    // A wget run's lines; a Ruby backtrace's frames (`…/net/http.rb:904:in open`, `...`).
    let wget = |l: &str| WGET_LINE.as_ref().is_some_and(|r| r.is_match(l.trim_start()));
    let ruby = |l: &str| RUBY_FRAME.as_ref().is_some_and(|r| r.is_match(l.trim_start()));
    (wget(last) && wget(t)) || (ruby(last) && ruby(t))
}

/// An embedded page or error object: an open HTML page takes its markup and its text lines, a
/// response announced at the end of the line before takes its page, an open `{` its lines.
fn markup_continues(p: &Pending, line: &Line<'_>, t: &str, starts_ws: bool) -> bool {
    let blank = line.blank;
    // An open page takes its markup and its text lines (`Visit cloudflare.com …`, an inline
    // script), up to a line a log stamped or timed.
    let timed = line.stamped || line_time(t).is_some();
    if p.html_open && p.html_lines < MAX_HTML_LINES && (blank || starts_ws || t.starts_with('<') || !timed) {
        return true;
    }
    // A response announced at the end of the line before (`… resulted in a 502 response:`),
    // then its page.
    let lower = t.get(..t.len().min(16)).unwrap_or_default().to_ascii_lowercase();
    if (lower.starts_with("<html") || lower.starts_with("<!doctype"))
        && p.lines.last().is_some_and(|l| l.trim_end().ends_with(':'))
    {
        return true;
    }
    if p.braces > 0 && !blank && (starts_ws || t.starts_with('}')) {
        return true;
    }
    false
}

/// The blocks that run past blank lines: a curl run, a Python traceback (chained ones too), an
/// npm error block. `None` outside them: the other rules decide.
fn block_continues(p: &Pending, line: &Line<'_>, t: &str, starts_ws: bool) -> Option<bool> {
    let blank = line.blank;
    if let Some(go) = response_continues(p, line, t) {
        return Some(go);
    }
    // After a blank line inside a curl run, its event-stream body and curl's error continue it.
    if p.family.as_deref() == Some("curl") && p.after_blank {
        // A terminal transcript: the run goes on (event-stream body, curl's error and its
        // advice) until the next prompt or a timestamped log line.
        return Some(!t.starts_with("$ ") && !line.stamped && line_time(t).is_none());
    }
    if p.family.as_deref() == Some("curl") && blank {
        return Some(true);
    }
    if p.traceback {
        if blank {
            // Decided by the next line: a chained traceback continues the record.
            return Some(true);
        }
        if p.after_blank {
            return Some(
                t.starts_with("During handling of the above exception")
                    || t.starts_with("The above exception was")
                    || t.starts_with("Traceback (most recent call last)"),
            );
        }
        // Indented frames and code lines, then the final exception line; chain markers.
        return Some(
            starts_ws
                || p.lines.last().is_some_and(|l| l.starts_with([' ', '\t']))
                || t.starts_with("Traceback (most recent call last)"),
        );
    }
    // npm separates the parts of one error block with blank lines; the next `npm ERR!` line
    // decides: the error goes on, its pointer to the run's log file is a record of its own.
    if p.family.as_deref() == Some("npm ERR!") && (blank || p.after_blank) {
        let pointer = t.starts_with("A complete log of this run") || t.starts_with("Please include the following file");
        return Some(blank || (line.family.as_deref() == Some("npm ERR!") && !pointer));
    }
    None
}

/// A response printed without curl's marks: its header lines, then past one blank line its body
/// (markup, JSON, or the chunk size before them). `None` outside one.
fn response_continues(p: &Pending, line: &Line<'_>, t: &str) -> Option<bool> {
    if !p.response || p.html_open || p.family.is_some() || p.traceback {
        return None;
    }
    if line.blank {
        // Only the blank line after the headers; the next line decides.
        return (!p.after_blank).then_some(true);
    }
    if p.after_blank {
        let chunk = t.len() <= 6 && t.bytes().all(|b| b.is_ascii_hexdigit());
        return Some(t.starts_with(['<', '{', '[']) || chunk);
    }
    if HEADER_LINE.as_ref().is_some_and(|r| r.is_match(t)) || t.starts_with(['<', '{']) {
        return Some(true);
    }
    None
}

/// The family prefix of a line (set aside) and its content.
pub(super) fn split_prefix(raw: &str) -> (Option<String>, &str) {
    if raw.starts_with("$ curl ") {
        return (Some("curl".to_string()), raw);
    }
    match PREFIX.as_ref().and_then(|re| re.find(raw)) {
        // `>`, `<` and `*` open a curl trace only on curl's own lines (npm prints `> app@1.0.0
        // start`, Markdown has `* item`). Otherwise `>` is a Markdown quote: set aside.
        Some(m)
            if matches!(m.as_str().trim(), "*" | "<" | ">")
                && !CURL_LINE.as_ref().is_some_and(|re| re.is_match(raw)) =>
        {
            let quote = m.as_str().trim() == ">";
            (None, if quote { raw.get(m.end()..).unwrap_or_default() } else { raw })
        }
        Some(m) if m.end() > 0 => {
            let p = m.as_str().trim();
            let family = if p.starts_with("npm WARN") || p.starts_with("npm warn") {
                // A warning (a retry's cause, a deprecation) is a line of its own.
                Some("npm WARN".to_string())
            } else if p.starts_with("npm") {
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

/// `(` minus `)` in a line.
fn paren_balance(line: &str) -> i64 {
    let open = line.bytes().filter(|&b| b == b'(').count();
    let close = line.bytes().filter(|&b| b == b')').count();
    i64::try_from(open).unwrap_or(0) - i64::try_from(close).unwrap_or(0)
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
