#![doc = include_str!("docs/rate_limited.md")]

/// The documentation printed by `blastradius explain rate_limited`.
pub const DOC: &str = include_str!("docs/rate_limited.md");
