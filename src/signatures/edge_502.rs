#![doc = include_str!("docs/edge_502.md")]

/// The documentation printed by `blastradius explain edge_502`.
pub const DOC: &str = include_str!("docs/edge_502.md");

/// Fires on a 502 or 504 that the edge generated (the origin did not answer 5xx).
pub fn detect(s: &super::Statuses) -> bool {
    matches!(s.edge, 502 | 504)
}
