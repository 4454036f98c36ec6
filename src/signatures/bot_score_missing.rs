#![doc = include_str!("docs/bot_score_missing.md")]

/// The documentation printed by `blastradius explain bot_score_missing`.
pub const DOC: &str = include_str!("docs/bot_score_missing.md");

/// Cloudflare's `BotScoreSrc` for a score that was not computed.
pub const NOT_COMPUTED: &str = crate::event::BOT_NOT_COMPUTED;

/// The bot score was not computed: a score of 0, or a source of `Not Computed`. `false` when
/// the log records neither.
pub fn missing(score: Option<u8>, source: Option<&str>) -> bool {
    crate::event::bot_score_not_computed(score, source)
}

/// A security decision against the request: an action that blocks or challenges (not one that
/// was solved, bypassed, logged or allowed), or a 403 with any security action. A 5xx or a 429 is
/// the edge's own answer, whatever the action field says: it keeps its status signature.
pub fn decision(action: Option<&str>, edge_status: Option<u16>) -> bool {
    let Some(a) = action else { return false };
    if edge_status.is_some_and(|s| s >= 500 || s == 429) {
        return false;
    }
    if edge_status == Some(403) {
        return true;
    }
    let a = a.as_bytes();
    let has = |w: &[u8]| a.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
    (has(b"block") || has(b"challenge")) && !has(b"solved") && !has(b"bypass")
}

use super::seen::Verdict;
use super::Signature;

/// The verdict on a block or challenge decided on a score that was not computed.
pub fn verdict(score: Option<u8>, src: Option<&str>, action: Option<&str>, edge: Option<u16>) -> Option<Verdict> {
    if !(missing(score, src) && decision(action, edge)) {
        return None;
    }
    let score = score.map_or_else(|| "none".to_string(), |s| s.to_string());
    let why = format!(
        "bot_score {score} ({}), security_action {}, edge_status {}",
        src.unwrap_or("no source"),
        action.unwrap_or(""),
        edge.unwrap_or(0)
    );
    Some(Verdict { signature: Signature::BotScoreMissing, evidence: why, blame: None, confidence: "moderate" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_decisions() {
        assert!(missing(Some(0), None));
        assert!(missing(None, Some("not computed")));
        assert!(!missing(Some(1), Some("Machine Learning")));
        assert!(!missing(None, None));
        for a in ["block", "managedChallenge", "jschallengeFailed", "challenge"] {
            assert!(decision(Some(a), Some(200)), "{a}");
        }
        for a in ["managedChallengeNonInteractiveSolved", "log", "allow", "skip"] {
            assert!(!decision(Some(a), Some(200)), "{a}");
        }
        assert!(decision(Some("log"), Some(403)));
        assert!(!decision(None, Some(403)));
        assert!(!decision(Some("block"), Some(500)));
    }
}
