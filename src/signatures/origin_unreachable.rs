#![doc = include_str!("docs/origin_unreachable.md")]

/// The documentation printed by `blastradius explain origin_unreachable`.
pub const DOC: &str = include_str!("docs/origin_unreachable.md");

/// Fires on a 5xx with origin status 0 when the format recorded that the origin could not be
/// reached ([`crate::event::Event::origin_failure`]: CloudFront's origin result types, Akamai's
/// connection and DNS error codes, Fastly's backend timeouts and refusals, nginx's
/// `upstream_no_response`).
pub fn detect(s: &super::Statuses) -> bool {
    s.edge >= 500 && s.origin == Some(0) && s.origin_failure
}
