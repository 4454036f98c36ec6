#![doc = include_str!("docs/overloaded.md")]

/// The documentation printed by `blastradius explain overloaded`.
pub const DOC: &str = include_str!("docs/overloaded.md");

use super::seen::{Seen, Verdict};
use super::Signature;

/// A user-side event of an origin over capacity: status 529 or an `overloaded_error` body.
pub fn detect(s: Seen<'_>) -> Option<Verdict> {
    let error = s.error.unwrap_or_default();
    if s.status != Some(529) && error != "overloaded_error" {
        return None;
    }
    let what = match (s.status, error) {
        (Some(st), "overloaded_error") => format!("status {st} and an overloaded_error body"),
        (Some(st), _) => format!("status {st}"),
        _ => "an overloaded_error body".to_string(),
    };
    Some(Verdict::new(Signature::Overloaded, format!("{what}: the origin is over capacity"), "strong"))
}
