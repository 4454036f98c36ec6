#![doc = include_str!("docs/worker_error.md")]

/// The documentation printed by `blastradius explain worker_error`.
pub const DOC: &str = include_str!("docs/worker_error.md");
