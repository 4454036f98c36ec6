#![doc = include_str!("docs/conn_timeout.md")]

/// The documentation printed by `blastradius explain conn_timeout`.
pub const DOC: &str = include_str!("docs/conn_timeout.md");

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        &format!(
            "ETIMEDOUT|ESOCKETTIMEDOUT|(?i:did not (?:properly )?respond(?: correctly)? after a period of time)|os error (?:10060|110)\\b|ERR_TIMED_OUT|ERR_CONNECTION_TIMED_OUT|UND_ERR_[A-Z_]*TIMEOUT|APITimeoutError|ReadTimeout|ConnectTimeout|SocketTimeoutException|\\bTIMED_OUT\\b|Net::OpenTimeout|WriteTimeout|PoolTimeout|TimeoutError|curl: \\(28\\)|{}",
            crate::evidence::TIMEOUT_WORDS
        ),
    )
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_timeout_that_happened_not_a_setting() {
        for yes in [
            "Error: timeout",
            "timeout of 30000ms exceeded",
            "Connection timed out",
            "504 Gateway timeout",
            "read timeout.",
        ] {
            assert!(super::find(yes).is_some(), "{yes}");
        }
        for no in ["Did you set a timeout on the proxy or gateway?", "How long is the timeout set?", "timeout: 0,"] {
            assert!(super::find(no).is_none(), "{no}");
        }
    }
}
