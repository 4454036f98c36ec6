#![doc = include_str!("docs/stream_severed.md")]

/// The documentation printed by `blastradius explain stream_severed`.
pub const DOC: &str = include_str!("docs/stream_severed.md");

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"ERR_INCOMPLETE_CHUNKED_ENCODING|ChunkedEncodingError|IncompleteRead|InvalidChunkLength|curl: \((?:18|92)\)|(?i:peer closed connection without sending complete message body|incomplete chunked read|premature close|stream ended unexpectedly|other side closed|stream disconnected before completion|terminated)").ok()
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}
