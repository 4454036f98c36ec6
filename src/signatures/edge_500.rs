#![doc = include_str!("docs/edge_500.md")]

/// The documentation printed by `blastradius explain edge_500`.
pub const DOC: &str = include_str!("docs/edge_500.md");

/// Fires on any other 5xx: the edge generated it (the last status rule; earlier rules took the
/// origin's and the unattributed ones).
pub fn detect(s: &super::Statuses) -> bool {
    s.edge >= 500
}
