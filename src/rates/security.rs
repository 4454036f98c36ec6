//! What an event says about security decisions, as bits: see [`super::Counts::add_security`].

/// The log records a bot score.
pub const SCORED: u8 = 1;
/// The bot score was not computed.
pub const MISSING: u8 = 2;
/// A block or a challenge.
pub const DECISION: u8 = 4;
/// The edge answered 5xx.
pub const FAILED: u8 = 0b1000_0000;
/// The bits holding the `BotScoreSrc` id plus one (0: no source recorded).
pub const SOURCE_MASK: u8 = 0b0111_1000;
const SOURCE_SHIFT: u32 = 3;

/// The source id of an event's bits, if its log records a source.
pub fn source(flags: u8) -> Option<usize> {
    usize::from((flags & SOURCE_MASK) >> SOURCE_SHIFT).checked_sub(1)
}

/// The bits of an event.
pub fn flags(ev: &crate::event::Event<'_>) -> u8 {
    let mut f = 0;
    if ev.bot_score.is_some() || ev.bot_score_src.is_some() {
        f |= SCORED;
    }
    if ev.bot_score_missing() {
        f |= MISSING;
    }
    if crate::signatures::bot_score_missing::decision(ev.security_action.as_deref(), ev.edge_status) {
        f |= DECISION;
    }
    if ev.edge_status.is_some_and(|s| s >= 500) {
        f |= FAILED;
    }
    if let Some(src) = ev.bot_score_src.as_deref() {
        // Ids stay below 15: four bits hold id + 1.
        let id = crate::event::bot_source_id(src).min(14) as u8;
        f |= ((id + 1) << SOURCE_SHIFT) & SOURCE_MASK;
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;

    #[test]
    fn bits_hold_the_source_and_the_failure() {
        let ev = Event {
            bot_score: Some(40),
            bot_score_src: Some("Heuristics".into()),
            edge_status: Some(502),
            ..Event::default()
        };
        let f = flags(&ev);
        assert_eq!((f & SCORED, f & MISSING, f & FAILED), (SCORED, 0, FAILED));
        assert_eq!(source(f), Some(1));
        let other = Event { bot_score_src: Some("Some Engine".into()), ..Event::default() };
        assert_eq!(source(flags(&other)), Some(crate::event::BOT_SOURCE_OTHER));
        assert_eq!(source(flags(&Event::default())), None);
    }
}
