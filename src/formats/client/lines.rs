//! Framing a client log's lines into records: the prefixes set aside, and the rules by which a
//! line continues the record before it.

use std::sync::LazyLock;

use regex::Regex;

use super::fields::{line_time, EXCEPTION_LINE};

fn re(s: &str) -> Option<Regex> {
    Regex::new(s).ok()
}

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
    pub(super) overflow: bool,
}

impl Pending {
    pub(super) fn add(&mut self, content: &str, limit: usize) {
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

pub(super) fn continues(p: &Pending, family: Option<&str>, content: &str, blank: bool) -> bool {
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
pub(super) fn split_prefix(raw: &str) -> (Option<String>, &str) {
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
