//! Input formats: one module per format, all behind [`LineFormat`], listed in [`REGISTRY`].
//!
//! Framing (splitting bytes into lines, decompression, limits) lives in [`crate::ingest`]; a
//! format only turns one record into an [`Event`] or says why it cannot.

pub mod client;
pub mod har;
pub mod json;
pub mod lenient;
pub mod logpush;
pub mod norm;
pub mod time;

use std::io::{BufRead, Read};

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
    /// Stable id, used by `--format` and in the `source_format` column.
    fn id(&self) -> &'static str;
    /// The vendor or tool (the `provider` column).
    fn provider(&self) -> &'static str;
    /// The kind of source (the `source_kind` column).
    fn source_kind(&self) -> &'static str;
    /// What a file of this format looks like, for error messages.
    fn expected(&self) -> &'static str;
    /// Whether one non-blank line from the head of a file looks like this format.
    fn sniff_line(&self, line: &[u8]) -> bool;
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
    /// Parses one line (without its line terminator). Fields outside `need` may be left empty.
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject>;
    /// Parses one line with every field.
    fn parse<'a>(&self, line: &'a [u8]) -> Result<Event<'a>, Reject> {
        self.parse_fields(line, Need::All)
    }
}

/// Every known line format, in detection order.
pub static REGISTRY: &[&dyn LineFormat] = &[&logpush::Logpush, &har::Har, &client::ClientLog];

/// Looks a format up by its id.
pub fn by_id(id: &str) -> Option<&'static dyn LineFormat> {
    REGISTRY.iter().copied().find(|f| f.id() == id)
}

/// The ids of every format, for help texts and errors.
pub fn ids() -> Vec<&'static str> {
    REGISTRY.iter().map(|f| f.id()).collect()
}

/// Detects the format of a file from its (decompressed) head: a format recognised by the file's
/// shape (HAR) first; then the line format that recognises the most of the first non-blank
/// lines, so one garbled line does not hide a good file; then free-text client logs, last,
/// because any text could be one.
pub fn detect(head: &[u8]) -> Option<&'static dyn LineFormat> {
    if let Some(f) = REGISTRY.iter().copied().find(|f| f.sniff_head(head)) {
        return Some(f);
    }
    detect_lines(head).or_else(|| client::ClientLog.sniff_text(head).then_some(&client::ClientLog as &dyn LineFormat))
}

/// The line format that recognises the most of the first non-blank lines of `head`.
fn detect_lines(head: &[u8]) -> Option<&'static dyn LineFormat> {
    let lines: Vec<&[u8]> = head.split(|b| *b == b'\n').map(trim_line).filter(|l| !l.is_empty()).take(16).collect();
    let mut best: Option<(&'static dyn LineFormat, usize)> = None;
    for f in REGISTRY {
        let n = lines.iter().filter(|l| f.sniff_line(l)).count();
        if n > 0 && best.is_none_or(|(_, b)| n > b) {
            best = Some((*f, n));
        }
    }
    best.map(|(f, _)| f)
}

/// Strips a UTF-8 byte-order mark, surrounding ASCII whitespace and a trailing `\r`.
pub fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    line.trim_ascii()
}
