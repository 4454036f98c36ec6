//! Framing a copied Cloudflare page: the lines that start one, its sections after a blank line,
//! and the elements a page has once (a second one is the next page).

use std::sync::LazyLock;

use regex::Regex;

use super::lines::{Line, Pending};
use crate::text::regex as re;

/// A line that belongs to a Cloudflare page or challenge, or CloudFront's page (what a user copied
/// from the browser).
pub(super) static PAGE_START: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?i)\b(?:Cloudflare|Host|Browser)[ \t]+(?:Error|Working)\b|^\s*Error \d{4}\b|^\s*Error \d{3}(?: Ray ID|\s*$)|\berror code:?\s*\d{3,4}\b|",
        r"internal server error on Cloudflare's network|^\s*The web server reported an? [a-z -]{3,30} error|",
        // CloudFront's page (`502 ERROR`, `504 Gateway Timeout ERROR`, `The request could not be satisfied.`).
        r"^\s*[1-5]\d\d(?: [A-Z][A-Za-z-]*){0,3} ERROR\s*$|The request could not be satisfied|",
        r"Ray ID:?\s*[`*]*[0-9a-f]{16}|error reference number|Checking if the site connection is secure|cloudflare_error|Attention Required!|Just a moment|",
        r"unblock challenges\.cloudflare\.com|cf-error-details|id=\x22cf-(?:browser|cloudflare|host)-status|",
        // Varnish's and Fastly's page (`Error 503 first byte timeout`), a hosting platform's page
        // (Vercel's `This Serverless Function has timed out.` and `504: GATEWAY_TIMEOUT`).
        r"(?-i:^\s*Error [1-5]\d\d [A-Za-z]|^\s*This Serverless Function has|^\s*[1-5]\d\d: [A-Z][A-Z_]{3,}\s*$|",
        // A page's title alone on its line (Akamai's `Service Unavailable`, then its reference).
        r"^\s*(?:Service Unavailable|Bad Gateway|Gateway Time-?out|Internal Server Error)\s*$)"
    ))
});

/// The sections of a Cloudflare page after a blank line, as it reads when copied.
pub(super) static PAGE_PHRASE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^\s*(?:What happened\?|What can I do\?|If you are (?:a visitor|the owner)|Please (?:see|try again|include|enable)|",
        r"(?:Cloudflare )?Ray ID|Your IP|Performance & security|Was this page helpful|Additional troubleshooting|",
        r"Visit cloudflare\.com|There is an?\b|The (?:web server|owner|origin)|Why (?:have I|do I)|Error reference|",
        r"(?:Cloudflare )?Location:|(?:You|Browser|Cloudflare|Host|Working|Error)\s*$|If you(?:'|’)re (?:a visitor|the owner)|",
        // Each page's subtitle, as copied below its code.
        r"(?:Internal server error|Bad gateway|Service (?:temporarily )?unavailable|Gateway time-?out|",
        r"Web server is (?:down|returning an unknown error)|Connection timed out|Origin is unreachable|",
        r"A timeout occurred|SSL handshake failed|Invalid SSL certificate|Origin DNS error|Access denied|",
        r"You are being rate limited|Worker threw exception|Direct IP access not allowed)\s*\.?\s*$|",
        // Its explanations and footer, and a text browser's list of the page's links.
        r"Contact your hosting provider|Check your DNS|An? (?:Error )?\d{3,4} (?:error )?means|",
        r"Cloudflare (?:is|was) unable|It appears that|The initial connection|References\s*$|\d{1,2}\. https?://|",
        r"Browse a different|Additional troubleshooting|You can (?:email|contact)|This website is using a security service|",
        r"There is an internal server error|",
        // Varnish's and Fastly's page, and a hosting platform's.
        r"Guru Meditation|Details: cache-|Varnish cache server|Error \d{5}\s*$|first byte timeout|Backend fetch failed|",
        r"Your connection is working correctly|(?-i:[A-Z][a-z]+ is working correctly|Code: [A-Z][A-Z_]{3,}|ID: \S+\s*$)|",
        r"(?-i:[1-5]\d\d: [A-Z][A-Z_]{3,}\s*$)|Checking if the site connection is secure|\S+ needs to review the security|",
        r"The server is temporarily unable to service your request|Reference #\d+\.[0-9a-f]+\.)|",
        r"\b(?:Cloudflare|Host|Browser)[ \t]+(?:Error|Working)\b"
    ))
});

/// A line of a page element a page has once: its code, its Ray ID, a failing box.
pub(super) static PAGE_CODE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)\berror code:?\s*\d{3,4}\b|^\s*Error \d{4}\b|^\s*Error \d{3}(?: Ray ID|\s*$)|error reference number:?\s*\d",
    )
});
pub(super) static PAGE_RAY: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"(?i)Ray ID:?\s*[`*]*(?P<r>[0-9a-f]{16})"));
pub(super) static PAGE_BOX: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"\b(?:Cloudflare|Host|Browser)[ \t]+Error\b"));

/// A line that is only a host name.
pub(super) static HOST_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^\s*[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\s*$"));

/// Most lines a copied page may take.
const MAX_PAGE_LINES: usize = 120;

/// Whether a line continues a copied Cloudflare page (`None`: not a page, other rules decide).
/// The page takes its lines up to a blank line, and past one when the next line is one of the
/// page's sections; a second code, Ray ID or failing box is the next page.
pub(super) fn page_continues(p: &Pending, line: &Line<'_>) -> Option<bool> {
    let t = line.content.trim_start();
    let starts_page = PAGE_START.as_ref().is_some_and(|r| r.is_match(t));
    // The host a user wrote above the page they copied.
    if !p.page
        && p.lines.len() == 1
        && starts_page
        && p.lines.first().is_some_and(|l| HOST_LINE.as_ref().is_some_and(|r| r.is_match(l)))
    {
        return Some(true);
    }
    // A traceback, a curl run, an error object or an embedded page keep their own rules (an
    // SDK's `Error code: 500 - {…}` is not a copied page).
    if !p.page || p.html_open || p.traceback || p.family.is_some() || p.braces > 0 || p.lines.len() >= MAX_PAGE_LINES {
        return None;
    }
    if line.blank {
        return Some(true);
    }
    // A line with a collector's time stamp is the log going on, not the page.
    if line.stamped {
        return Some(false);
    }
    let again = (p.page_code && PAGE_CODE.as_ref().is_some_and(|r| r.is_match(t)))
        || ray_of(t).is_some_and(|r| p.page_ray.as_ref().is_some_and(|seen| *seen != r))
        || (p.page_box && PAGE_BOX.as_ref().is_some_and(|r| r.is_match(t)));
    if again {
        return Some(false);
    }
    if p.after_blank {
        // A section of the page, or a status box's city or host on its own line.
        let own_line = HOST_LINE.as_ref().is_some_and(|r| r.is_match(t))
            || (t.len() <= 40 && crate::geo::colo_by_city(t.trim()).is_some());
        return Some(own_line || PAGE_PHRASE.as_ref().is_some_and(|r| r.is_match(t)));
    }
    Some(true)
}

/// The Ray ID a line of a page names (lower case).
pub(super) fn ray_of(line: &str) -> Option<String> {
    let c = PAGE_RAY.as_ref()?.captures(line)?;
    Some(c.name("r")?.as_str().to_ascii_lowercase())
}
