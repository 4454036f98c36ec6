#![doc = include_str!("docs/origin_5xx.md")]

/// The documentation printed by `blastradius explain origin_5xx`.
pub const DOC: &str = include_str!("docs/origin_5xx.md");

/// Fires when the origin itself answered 5xx and the edge relayed an error.
pub fn detect(s: &super::Statuses) -> bool {
    s.edge >= 500 && s.origin.is_some_and(|o| o >= 500)
}

use std::sync::LazyLock;

use regex::Regex;

use super::seen::{Seen, Verdict};

/// A Heroku router error (`at=error code=H12 desc="Request timeout"`), as the reader records it.
static HEROKU_ROUTER: LazyLock<Option<Regex>> = LazyLock::new(|| crate::text::regex(r"^H\d{1,2}\b"));

/// A user-side 5xx that Heroku's router answered for an app that failed it (H12 request
/// timeout, H10 app crashed): server evidence of the origin.
pub fn from_router(s: Seen<'_>) -> Option<Verdict> {
    let error = s.error.unwrap_or_default();
    let st @ 500..=599 = s.status.filter(|_| HEROKU_ROUTER.as_ref().is_some_and(|r| r.is_match(error)))? else {
        return None;
    };
    let why = format!("status {st}, Heroku's router: {error} (the app failed it)");
    Some(Verdict::new(super::Signature::Origin5xx, why, "strong"))
}
