#![doc = include_str!("docs/origin_5xx.md")]

/// The documentation printed by `blastradius explain origin_5xx`.
pub const DOC: &str = include_str!("docs/origin_5xx.md");
