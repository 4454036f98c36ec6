#![doc = include_str!("docs/cf_52x.md")]

/// The documentation printed by `blastradius explain cf_52x`.
pub const DOC: &str = include_str!("docs/cf_52x.md");
