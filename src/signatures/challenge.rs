#![doc = include_str!("docs/challenge.md")]

/// The documentation printed by `blastradius explain challenge`.
pub const DOC: &str = include_str!("docs/challenge.md");
