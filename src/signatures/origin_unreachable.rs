#![doc = include_str!("docs/origin_unreachable.md")]

/// The documentation printed by `blastradius explain origin_unreachable`.
pub const DOC: &str = include_str!("docs/origin_unreachable.md");

/// Whether a vendor's error detail (the `error` column) says the edge could not get a response
/// from the origin: CloudFront's origin detailed result types, Akamai's connection and DNS error
/// codes, Fastly's backend timeouts and refusals, nginx's `upstream_no_response`.
pub fn evidence(error: Option<&str>) -> bool {
    let Some(e) = error else { return false };
    crate::formats::cloudfront::ORIGIN_FAILURES.contains(&e)
        || e == crate::formats::nginx::NO_RESPONSE
        || crate::formats::akamai::is_origin_failure(e)
        || crate::formats::fastly::is_origin_failure(e)
}

/// Fires on a 5xx with origin status 0 when the vendor's error detail says the origin could not
/// be reached.
pub fn detect(s: &super::Statuses) -> bool {
    s.edge >= 500 && s.origin == Some(0) && s.origin_failure
}
