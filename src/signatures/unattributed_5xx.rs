#![doc = include_str!("docs/unattributed_5xx.md")]

/// The documentation printed by `blastradius explain unattributed_5xx`.
pub const DOC: &str = include_str!("docs/unattributed_5xx.md");

/// Fires on a 5xx whose log records no origin status at all: who generated it is unknown from
/// the event alone (never guessed to be the edge's).
pub fn detect(s: &super::Statuses) -> bool {
    s.edge >= 500 && s.origin.is_none()
}
