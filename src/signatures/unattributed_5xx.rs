#![doc = include_str!("docs/unattributed_5xx.md")]

/// The documentation printed by `blastradius explain unattributed_5xx`.
pub const DOC: &str = include_str!("docs/unattributed_5xx.md");
