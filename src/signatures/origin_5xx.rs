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

/// A hosting platform's page saying the application failed: Heroku's "Application error" (served
/// as 503, its text or its frame of Heroku's error page) and Vercel's function errors
/// (`FUNCTION_INVOCATION_TIMEOUT`, `…_FAILED`, `NO_RESPONSE_FROM_FUNCTION`).
static PLATFORM_PAGE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(concat!(
        r"An error occurred in the application and your page could not be served|herokucdn\.com/error-pages/application-error|",
        r"\b(?:EDGE_)?FUNCTION_INVOCATION_(?:TIMEOUT|FAILED)\b|\bNO_RESPONSE_FROM_FUNCTION\b|This Serverless Function has (?:timed out|crashed)"
    ))
});

/// A user-side record holding a hosting platform's page for an application that failed: the
/// platform answered, the application behind it (the origin) did not.
pub fn from_platform_page(s: Seen<'_>) -> Option<Verdict> {
    let text = s.body.filter(|b| !b.is_empty()).or(s.message)?;
    let m = PLATFORM_PAGE.as_ref()?.find(text)?;
    let status = s.status.filter(|st| (500..600).contains(st)).map_or(String::new(), |st| format!("status {st}, "));
    let why = format!("{status}the hosting platform's page: {} (the application failed)", m.as_str());
    Some(Verdict::new(super::Signature::Origin5xx, why, "moderate"))
}

static PROXY_DIAL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(r"dial tcp [\w.:\[\]-]+: connect: (?:connection refused|no route to host|i/o timeout)")
});

/// A user-side record where a proxy says its upstream failed: the origin, answered by the proxy.
pub fn from_proxy(s: Seen<'_>) -> Option<Verdict> {
    let texts = [s.message, s.body, s.error].into_iter().flatten();
    if let Some(st @ 500..=599) = s.status {
        // A 5xx logged with the proxy's own dial to its upstream refused (Caddy's and Go's
        // reverse proxies: `dial tcp 127.0.0.1:4040: connect: connection refused`).
        if let Some(m) = texts.clone().find_map(|t| PROXY_DIAL.as_ref()?.find(t)) {
            let why = format!("status {st}, the proxy's dial to its upstream failed: {}", m.as_str());
            return Some(Verdict::new(super::Signature::Origin5xx, why, "moderate"));
        }
    }
    // The proxy answered for the application behind it, whatever connection words follow
    // (`reset reason: … Connection refused`).
    let m = texts.into_iter().find_map(crate::evidence::proxy_upstream)?;
    let st = s.status.filter(|st| (500..600).contains(st)).map_or(String::new(), |st| format!("status {st}, "));
    let why = format!("{st}the proxy's upstream failed: {m}");
    Some(Verdict::new(super::Signature::Origin5xx, why, "moderate"))
}

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
