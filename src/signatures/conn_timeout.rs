#![doc = include_str!("docs/conn_timeout.md")]

/// The documentation printed by `blastradius explain conn_timeout`.
pub const DOC: &str = include_str!("docs/conn_timeout.md");

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        r"ETIMEDOUT|ESOCKETTIMEDOUT|ERR_TIMED_OUT|ERR_CONNECTION_TIMED_OUT|UND_ERR_[A-Z_]*TIMEOUT|APITimeoutError|ReadTimeout|ConnectTimeout|WriteTimeout|PoolTimeout|TimeoutError|curl: \(28\)|(?i:timed out|\btimeout(?:$|[\s.,:;)\]]))",
    )
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}
