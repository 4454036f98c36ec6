#![doc = include_str!("docs/edge_500.md")]

/// The documentation printed by `blastradius explain edge_500`.
pub const DOC: &str = include_str!("docs/edge_500.md");
