#![doc = include_str!("docs/cf_52x.md")]

/// The documentation printed by `blastradius explain cf_52x`.
pub const DOC: &str = include_str!("docs/cf_52x.md");

/// Fires on Cloudflare's own 520–527 codes when no origin status was recorded (null or 0).
pub fn detect(s: &super::Statuses) -> bool {
    (520..=527).contains(&s.edge) && s.origin.is_none_or(|o| o == 0)
}

use std::sync::LazyLock;

use regex::Regex;

use super::seen::{Seen, Verdict};
use super::Signature;

/// A Cloudflare 52x page says "Connection timed out" in its title: for a user-side event the
/// status decides (its page, when there is one, is quoted).
pub fn from_page(s: Seen<'_>) -> Option<Verdict> {
    let st = s.status.filter(|st| (520..=527).contains(st) || (*st == 530 && cloudflare_said(s)))?;
    let page = s.body.filter(|b| !b.is_empty()).unwrap_or(s.message.unwrap_or_default());
    let why = PAGE.as_ref().and_then(|r| r.find(page)).map_or_else(
        || format!("status {st}, a Cloudflare-only code"),
        |m| format!("status {st}, Cloudflare 52x page: {}", m.as_str()),
    );
    Some(Verdict::new(Signature::Cf52x, why, "strong"))
}

/// Whether a record shows Cloudflare answered (its `server` header, or a page or body naming it):
/// 530 is Cloudflare's only with such evidence (it carries a 1xxx error, as for an unreachable
/// tunnel or origin DNS).
fn cloudflare_said(s: Seen<'_>) -> bool {
    let cf = |t: &str| t.to_ascii_lowercase().contains("cloudflare");
    s.server.is_some_and(cf) || s.body.is_some_and(cf) || s.message.is_some_and(cf)
}

/// A Cloudflare 52x page (its title says `| 52x:` or its error code is 52x).
static PAGE: LazyLock<Option<Regex>> =
    LazyLock::new(|| crate::text::regex(r"(?i)\|\s*52[0-7]:|error code:?\s*52[0-7]|cf-error-code[^0-9]{0,40}52[0-7]"));
