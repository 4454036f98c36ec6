#![doc = include_str!("docs/http_5xx.md")]

/// The documentation printed by `blastradius explain http_5xx`.
pub const DOC: &str = include_str!("docs/http_5xx.md");
