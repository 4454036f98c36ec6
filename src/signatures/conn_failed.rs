#![doc = include_str!("docs/conn_failed.md")]

/// The documentation printed by `blastradius explain conn_failed`.
pub const DOC: &str = include_str!("docs/conn_failed.md");

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        r"APIConnectionError|ConnectError|:failed_connect\b|(?i:cannot assign requested address|\bconnection error\b|\bfetch failed\b|failed to fetch|network error|unable to connect to api)",
    )
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}
