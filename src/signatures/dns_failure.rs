#![doc = include_str!("docs/dns_failure.md")]

/// The documentation printed by `blastradius explain dns_failure`.
pub const DOC: &str = include_str!("docs/dns_failure.md");

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(
        r"ENOTFOUND|EAI_AGAIN|ERR_NAME_NOT_RESOLVED|NameResolutionError|(?i:getaddrinfo|could not resolve host|name or service not known|nodename nor servname|temporary failure in name resolution|no address associated with hostname|\bno such host\b|a server with the specified hostname could not be found)|curl: \(6\)|\blookup [\w.-]+ on [\w.:\[\]]+:53\b|UnknownEndpoint: Inaccessible host",
    )
});

/// The text in `text` that is this signature's evidence, if any.
pub fn find(text: &str) -> Option<&str> {
    PATTERN.as_ref()?.find(text).map(|m| m.as_str())
}
