#![doc = include_str!("docs/stream_severed.md")]

/// The documentation printed by `blastradius explain stream_severed`.
pub const DOC: &str = include_str!("docs/stream_severed.md");

use std::sync::LazyLock;

use regex::Regex;

use super::seen::{evidence, Seen, Verdict};
use super::Signature;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        r"http2 error: (?:connection|stream) error|http2: (?:stream closed|server sent GOAWAY|client connection lost)|unexpected end of stream|\bIncompleteMessage\b|\bunexpected EOF\b|ERR_INCOMPLETE_CHUNKED_ENCODING|ChunkedEncodingError|IncompleteRead|InvalidChunkLength|curl: \((?:18|92)\)|stream error: stream ID \d+; (?:INTERNAL_ERROR|PROTOCOL_ERROR|CANCEL)|EOFError\(\) during request|HTTP/2 stream \d+ was not closed cleanly|(?i:cancell?ed mid-stream|transfer closed with \d+ bytes? remaining|peer closed connection without sending complete message body|incomplete chunked read|premature close|stream ended unexpectedly|other side closed|stream disconnected before completion|terminated)",
    )
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}

/// A user-side event whose response had begun and was cut: an error on a started stream (its
/// content type says so), an error after a 200 began, or a phrase of a cut body.
pub fn detect(s: Seen<'_>) -> Option<Verdict> {
    let (error, message) = (s.error.unwrap_or_default(), s.message.unwrap_or_default());
    cut(s, error, message).map(|ev| Verdict::new(Signature::StreamSevered, ev, "moderate"))
}

fn cut(s: Seen<'_>, error: &str, message: &str) -> Option<String> {
    let stream = s.content_type.is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c.contains("event-stream") || c.contains("ndjson") || c.contains("stream")
    });
    // A stream's content type means its response had begun.
    if !error.is_empty() && !error.contains("ERR_ABORTED") && stream {
        return Some(format!("error on a started stream ({}): {}", s.content_type.unwrap_or_default(), error));
    }
    if !error.is_empty() && !error.contains("ERR_ABORTED") && s.status == Some(200) && error.starts_with("net::") {
        return Some(format!("error after a 200 response began: {error}"));
    }
    // In text, with no status written, an HTTP/2 protocol error is a stream's (a HAR entry's
    // status 0 says no response began: a reset, read below).
    if s.status.is_none() && (error.contains("ERR_HTTP2_PROTOCOL_ERROR") || error.contains("ERR_QUIC_PROTOCOL_ERROR")) {
        return Some(format!("HTTP/2 or QUIC protocol error on a response: {error}"));
    }
    for (field, text) in [("error", error), ("message", message)] {
        if let Some(m) = find(text) {
            // "terminated" alone is a stream cut only in a record that speaks of a stream.
            // undici's `TypeError: terminated` is its body stream cut.
            let undici = text.contains("TypeError: terminated");
            if m.eq_ignore_ascii_case("terminated")
                && !undici
                && !text.to_ascii_lowercase().contains("stream")
                && !stream
            {
                continue;
            }
            return Some(evidence(field, m));
        }
        if text.to_ascii_lowercase().contains("network error")
            && (stream || text.to_ascii_lowercase().contains("stream"))
        {
            return Some(evidence(field, "network error mid-stream"));
        }
    }
    None
}
