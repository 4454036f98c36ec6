#![doc = include_str!("docs/rate_limited.md")]

/// The documentation printed by `blastradius explain rate_limited`.
pub const DOC: &str = include_str!("docs/rate_limited.md");

/// Fires on a 429: a policy (rate limit, WAF rule) refused the request. First in precedence:
/// a 429 is never an error of a tier.
pub fn detect(s: &super::Statuses) -> bool {
    s.edge == 429
}
