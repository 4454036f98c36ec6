#![doc = include_str!("docs/edge_502.md")]

/// The documentation printed by `blastradius explain edge_502`.
pub const DOC: &str = include_str!("docs/edge_502.md");
