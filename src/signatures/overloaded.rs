#![doc = include_str!("docs/overloaded.md")]

/// The documentation printed by `blastradius explain overloaded`.
pub const DOC: &str = include_str!("docs/overloaded.md");
