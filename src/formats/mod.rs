//! Input formats: one module per format, all behind [`LineFormat`], listed in [`REGISTRY`].
//!
//! Framing (splitting bytes into lines, decompression, limits) lives in [`crate::ingest`]; a
//! format only turns one record into an [`Event`] or says why it cannot.
//!
//! Most formats parse every line alone. Two need more: a CloudFront standard log names its
//! columns in a `#Fields` header, so its parser is built per file from the file's head
//! ([`LineFormat::for_file`]); and an nginx `log_format` given on the command line is compiled
//! once into a configured format ([`FormatSet::with_log_format`]). Header and comment lines
//! ([`LineFormat::is_header`]) are not records: they are counted apart from the lines read.
//! Documents and free text (a HAR archive, a client log) are re-framed into one record per line
//! before parsing ([`LineFormat::reframe`], [`norm`]).

pub mod access;
pub mod akamai;
pub mod client;
pub mod cloudfront;
pub mod fastly;
pub mod har;
pub mod json;
pub mod lenient;
pub mod logpush;
pub mod nginx;
pub mod norm;
pub mod scan;
pub mod time;

use std::io::{BufRead, Read};
use std::sync::Arc;

use crate::event::Event;

/// Options of a re-framing format ([`LineFormat::reframe`]).
#[derive(Debug, Clone)]
pub struct FrameOptions {
    /// Largest record (a HAR entry, a multi-line client record) read whole, in bytes.
    pub max_record_bytes: usize,
    /// Longest response body prefix kept as evidence, in bytes.
    pub max_body_bytes: usize,
    /// Copy secrets (cookies, authorization headers, tokens) instead of redacting them.
    pub keep_secrets: bool,
}

impl Default for FrameOptions {
    fn default() -> Self {
        FrameOptions { max_record_bytes: 64 << 20, max_body_bytes: 1024, keep_secrets: false }
    }
}

/// A file-level problem found while framing (a HAR that is not JSON, whose `entries` is not a
/// list, that ends early): the file's error, with the records before it kept.
#[derive(Debug)]
pub struct FramingError(pub String);

impl std::fmt::Display for FramingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FramingError {}

/// Why one record was refused. Rejections are counted and kept with file and line; they
/// never stop a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// A short, stable category (`invalid JSON`, `missing field`, ...), used to group counts.
    pub kind: &'static str,
    /// The detail: which field, what value, where in the line.
    pub detail: String,
    /// The 1-based line of the record in its file when the framing knows it better than the
    /// count of records (a multi-line client log record).
    pub line: Option<u64>,
}

impl Reject {
    /// A rejection of the given kind.
    pub fn new(kind: &'static str, detail: impl Into<String>) -> Self {
        Reject { kind, detail: detail.into(), line: None }
    }
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.detail.is_empty() {
            f.write_str(self.kind)
        } else {
            write!(f, "{}: {}", self.kind, self.detail)
        }
    }
}

/// Which event fields a consumer needs: a format may skip decoding the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// Time, POP, host, edge and origin status, bytes and request id: what aggregates use.
    Counts,
    /// Every field of the event frame.
    All,
}

/// A line-oriented input format (one record per line).
pub trait LineFormat: Sync + Send {
    /// Stable id, used by `--input-format` and in the `source_format` column.
    fn id(&self) -> &'static str;
    /// The vendor or tool (the `provider` column).
    fn provider(&self) -> &'static str;
    /// The kind of source (the `source_kind` column).
    fn source_kind(&self) -> crate::vocab::source::SourceKind;
    /// What a file of this format looks like, for error messages.
    fn expected(&self) -> &'static str;
    /// Whether one non-blank line from the head of a file looks like this format.
    fn sniff_line(&self, line: &[u8]) -> bool;
    /// Parses one line (without its line terminator). Fields outside `need` may be left empty.
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject>;
    /// Parses one line with every field.
    fn parse<'a>(&self, line: &'a [u8]) -> Result<Event<'a>, Reject> {
        self.parse_fields(line, Need::All)
    }
    /// Whether a (trimmed, non-blank) line is a header or comment of this format rather than a
    /// record, such as CloudFront's `#Version` and `#Fields`. Such lines are counted apart and
    /// never rejected.
    fn is_header(&self, _line: &[u8]) -> bool {
        false
    }
    /// The parser for one file, configured from the file's (decompressed) head; `None` when the
    /// format needs no per-file state and parses as it is.
    fn for_file(&self, _head: &[u8]) -> Option<Arc<dyn LineFormat>> {
        None
    }
    /// Whether the head of a file (its first decompressed bytes) is this format, for formats
    /// recognised by the file's shape rather than by its lines (a HAR document).
    fn sniff_head(&self, _head: &[u8]) -> bool {
        false
    }
    /// Whether files of this format are re-framed into one record per line before parsing.
    fn reframes(&self) -> bool {
        false
    }
    /// Re-frames a file's decompressed bytes into one record per line (see [`norm`]).
    fn reframe<'r>(&self, input: Box<dyn BufRead + Send + 'r>, _opts: &FrameOptions) -> Box<dyn Read + Send + 'r> {
        Box::new(input)
    }
}

/// A format ready to parse a file: a registered format, or one configured for a file or a run.
#[derive(Clone)]
pub enum Parser {
    /// A format from [`REGISTRY`].
    Static(&'static dyn LineFormat),
    /// A configured format (from a file's header or the command line).
    Shared(Arc<dyn LineFormat>),
}

impl std::ops::Deref for Parser {
    type Target = dyn LineFormat;
    fn deref(&self) -> &Self::Target {
        match self {
            Parser::Static(f) => *f,
            Parser::Shared(f) => &**f,
        }
    }
}

impl Parser {
    /// The parser for one file: the format's per-file parser when it has one, else itself.
    #[must_use]
    pub fn for_file(&self, head: &[u8]) -> Parser {
        (**self).for_file(head).map_or_else(|| self.clone(), Parser::Shared)
    }
}

impl std::fmt::Debug for Parser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Every known line format, in detection order.
pub static REGISTRY: &[&dyn LineFormat] = &[
    &logpush::Logpush,
    &cloudfront::CloudFront,
    &cloudfront::CloudFrontRealtime,
    &akamai::DataStream2,
    &fastly::FastlyJson,
    &fastly::FastlySyslog,
    &access::Combined,
    &har::Har,
    &client::ClientLog,
];

/// Looks a registered format up by its id.
pub fn by_id(id: &str) -> Option<&'static dyn LineFormat> {
    REGISTRY.iter().copied().find(|f| f.id() == id)
}

/// The ids of every format, for help texts and errors.
pub fn ids() -> Vec<&'static str> {
    let mut v: Vec<&str> = REGISTRY.iter().map(|f| f.id()).collect();
    v.push(nginx::ID);
    v
}

/// The formats of one run: the registry plus a format configured on the command line, which
/// comes first in detection (it is the user's word on what their files hold).
#[derive(Clone, Default)]
pub struct FormatSet {
    configured: Option<Parser>,
}

impl FormatSet {
    /// The registered formats only.
    pub fn new() -> Self {
        FormatSet::default()
    }

    /// The registered formats plus an nginx `log_format` string.
    pub fn with_log_format(log_format: &str) -> Result<Self, String> {
        let f = nginx::LogFormat::compile(log_format)?;
        Ok(FormatSet { configured: Some(Parser::Shared(Arc::new(f))) })
    }

    /// Every candidate, in detection order.
    fn candidates(&self) -> impl Iterator<Item = Parser> + '_ {
        self.configured.iter().cloned().chain(REGISTRY.iter().map(|f| Parser::Static(*f)))
    }

    /// Looks a format up by id (the configured format answers to [`nginx::ID`]).
    pub fn by_id(&self, id: &str) -> Option<Parser> {
        self.candidates().find(|f| f.id() == id)
    }

    /// What each candidate expects, for the message about a file that fits none.
    pub fn expected(&self) -> String {
        let v: Vec<&str> = self.candidates().map(|f| f.expected()).collect();
        v.join("; or ")
    }

    /// The formats' names only (each description up to its colon), for one-line messages.
    pub fn expected_brief(&self) -> String {
        let v: Vec<&str> = self.candidates().map(|f| f.expected().split(": ").next().unwrap_or_default()).collect();
        v.join(", ")
    }

    /// Detects the format of a file from its (decompressed) head: a format recognised by the
    /// file's shape (HAR) first; then the format that recognises the most of the first non-blank
    /// lines (the earlier one on a tie), so one garbled line does not hide a good file; then
    /// free-text client logs, last, because any text could be one.
    pub fn detect(&self, head: &[u8]) -> Option<Parser> {
        if let Some(f) = REGISTRY.iter().copied().find(|f| f.sniff_head(head)) {
            return Some(Parser::Static(f));
        }
        self.detect_lines(head)
            .or_else(|| client::ClientLog.sniff_text(head).then_some(Parser::Static(&client::ClientLog)))
    }

    fn detect_lines(&self, head: &[u8]) -> Option<Parser> {
        let lines: Vec<&[u8]> = head.split(|b| *b == b'\n').map(trim_line).filter(|l| !l.is_empty()).take(16).collect();
        let mut best: Option<(Parser, usize)> = None;
        for f in self.candidates() {
            let n = lines.iter().filter(|l| f.sniff_line(l)).count();
            if n > 0 && best.as_ref().is_none_or(|(_, b)| n > *b) {
                best = Some((f, n));
            }
        }
        best.map(|(f, _)| f)
    }
}

/// Detects the format of a file among the registered formats (see [`FormatSet::detect`]).
pub fn detect(head: &[u8]) -> Option<Parser> {
    FormatSet::new().detect(head)
}

/// Whether a vendor's error detail (the `error` column) says the edge could not get a response
/// from the origin: each format sets [`Event::origin_failure`] by its own rule while parsing; this
/// reads a frame's `error` column back the same way (the vendors' details do not overlap).
pub fn origin_failure(error: &str) -> bool {
    cloudfront::ORIGIN_FAILURES.contains(&error)
        || error == nginx::NO_RESPONSE
        || akamai::is_origin_failure(error)
        || fastly::is_origin_failure(error)
}

/// A field that is `-` (or empty) in a log means "no value".
pub fn dash(v: &[u8]) -> Option<&[u8]> {
    if v.is_empty() || v == b"-" {
        None
    } else {
        Some(v)
    }
}

/// Text of a log field, borrowed when it is valid UTF-8 (invalid bytes are replaced).
pub fn text(v: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(v)
}

/// A decimal unsigned integer of at most `max_digits` digits, with no sign or spaces.
pub fn uint(v: &[u8], max_digits: usize) -> Option<u64> {
    if v.is_empty() || v.len() > max_digits {
        return None;
    }
    v.iter().try_fold(0u64, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0')))
}

/// A three-digit HTTP status (`000` is 0, as CloudFront writes it for no response).
pub fn status(v: &[u8]) -> Option<u16> {
    uint(v, 3).map(|n| n as u16)
}

/// Seconds with an optional fraction (`0.102`, `12`, `.5`) as whole milliseconds, rounded;
/// `None` when not such a number or above `u32::MAX` ms.
pub fn seconds_ms(v: &[u8]) -> Option<u32> {
    let (int, frac) = match memchr::memchr(b'.', v) {
        Some(i) => (v.get(..i)?, v.get(i + 1..)?),
        None => (v, &b""[..]),
    };
    if (int.is_empty() && frac.is_empty()) || int.len() > 9 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let whole = if int.is_empty() { 0 } else { uint(int, 9)? };
    // Milliseconds from the first three fraction digits, rounded on the fourth.
    let digit = |i: usize| frac.get(i).map_or(0, |c| u64::from(c - b'0'));
    let mut ms = digit(0) * 100 + digit(1) * 10 + digit(2);
    if digit(3) >= 5 {
        ms += 1;
    }
    u32::try_from(whole * 1000 + ms).ok()
}

/// Strips a UTF-8 byte-order mark, surrounding ASCII whitespace and a trailing `\r`.
pub fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    line.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_failure_details_of_each_vendor() {
        for yes in
            ["OriginConnectError", "ERR_CONNECT_FAIL", "ERR_DNS_FAIL", "first byte timeout", "upstream_no_response"]
        {
            assert!(origin_failure(yes), "{yes}");
        }
        for no in ["Error", "OriginError", "ERR_ACCESS_DENIED|fwd_acl", ""] {
            assert!(!origin_failure(no), "{no}");
        }
    }
}
