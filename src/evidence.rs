//! Typed evidence that a reader records while parsing and a signature reads from the event,
//! so that no signature imports a vendor's module.
//!
//! A CDN's own error page (or challenge) found in what a user pasted is kept in the event's
//! `error` column as one token, `cdn_page:<provider>:<code>:<source>:<strength>`:
//! `cdn_page:cloudflare:500:edge:strong` is Cloudflare's 500 page whose "Cloudflare" box is the
//! failing one; `cdn_page:cloudflare:1015:unknown:strong` a 1xxx page (its code says the rest);
//! `cdn_page:cloudflare:challenge:edge:moderate` a challenge that failed to load.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// The prefix of the token a reader records in `error` when a response printed in the text
/// carries a header only the application sets (`access-control-allow-origin`, `x-powered-by`,
/// ...): `app_header:access-control-allow-origin`. With a body that is not the CDN's page, it
/// says the origin built the response, whatever the `server` header says.
pub const APP_HEADER: &str = "app_header:";

/// The words of a timeout in prose or a message: "timed out", or "timeout" as what happened
/// ("Error: timeout", "timeout exceeded", "timeout of 30000ms exceeded", a line ending in it),
/// not as a setting ("set a timeout on the proxy", `timeout: 0`).
pub const TIMEOUT_WORDS: &str = concat!(
    r"(?i:\btimed out\b|\btimeout(?: error| exceeded| expired| occurred| of \d| awaiting| waiting| while| after|$|[.,;)\]])|",
    r"\b(?:error|exception|failed|failure|read|connect(?:ion)?|request|socket|gateway)\W{1,3}timeout\b)"
);

/// A proxy's own words for the upstream behind it that failed: Envoy's `upstream connect error or
/// disconnect/reset before headers`, `no healthy upstream` and `upstream request timeout`, Traefik's
/// status `caused by` its dial. A reader keeps them as a record's error (before the timeout or
/// connection words they hold); the proxy answered for the origin.
const PROXY_UPSTREAM: &str = concat!(
    r"(?i:\bupstream connect error or disconnect/reset before headers|\bno healthy upstream\b|\bupstream request timeout\b)|",
    r"'5\d\d [A-Za-z ]{3,30}' caused by: (?:dial tcp|EOF|context deadline exceeded|read tcp)|",
    // cloudflared's words for the service behind a tunnel; HAProxy's and Fastly's for their
    // backends.
    r"Unable to reach the origin service|No server is available to handle this request|\bBackend is unhealthy\b"
);

static PROXY_WORDS: LazyLock<Option<Regex>> = LazyLock::new(|| crate::text::regex(PROXY_UPSTREAM));

/// The proxy's words for its failed upstream in `text`, if any (see [`PROXY_UPSTREAM`]).
pub fn proxy_upstream(text: &str) -> Option<&str> {
    PROXY_WORDS.as_ref()?.find(text).map(|m| m.as_str())
}

/// Which hop a page says failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The CDN's edge (the page's "Cloudflare Error" box, or a page the edge built itself).
    Edge,
    /// The origin behind it (the "Host Error" box, or a JSON `error_category: origin`).
    Origin,
    /// The visitor's side (the "Browser Error" box).
    Client,
    /// A security or rate-limiting rule of the site.
    Policy,
    /// The page does not say.
    Unknown,
}

impl Source {
    /// The lower-case name.
    pub fn id(self) -> &'static str {
        match self {
            Source::Edge => "edge",
            Source::Origin => "origin",
            Source::Client => "client",
            Source::Policy => "policy",
            Source::Unknown => "unknown",
        }
    }

    fn from_id(s: &str) -> Option<Source> {
        [Source::Edge, Source::Origin, Source::Client, Source::Policy, Source::Unknown]
            .into_iter()
            .find(|x| x.id() == s)
    }
}

/// How sure the evidence makes a reader: customers can brand their own pages, and a user may
/// retype one from memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// A name or branding only.
    Weak,
    /// One element of the page (a box phrase, a known sentence).
    Moderate,
    /// The page's structure: its status boxes with the failing one marked, a Ray ID with a
    /// code, Cloudflare's plain page footer, a JSON body flagged `cloudflare_error`.
    Strong,
}

impl Strength {
    /// The lower-case name (`weak`, `moderate`, `strong`).
    pub fn id(self) -> &'static str {
        match self {
            Strength::Weak => "weak",
            Strength::Moderate => "moderate",
            Strength::Strong => "strong",
        }
    }

    fn from_id(s: &str) -> Option<Strength> {
        [Strength::Weak, Strength::Moderate, Strength::Strong].into_iter().find(|x| x.id() == s)
    }
}

/// What a CDN's page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// An HTTP status (`500`, `522`) or a Cloudflare 1xxx code (`1015`).
    Number(u16),
    /// A challenge (or Turnstile) page, or a challenge that failed to load.
    Challenge,
    /// A page without a code.
    None,
}

/// A CDN's own page found in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Its code.
    pub code: Code,
    /// The hop it says failed.
    pub source: Source,
    /// How sure the reading is.
    pub strength: Strength,
}

/// The prefix of a page token.
const PREFIX: &str = "cdn_page:cloudflare:";

impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = match self.code {
            Code::Number(n) => n.to_string(),
            Code::Challenge => "challenge".to_string(),
            Code::None => "-".to_string(),
        };
        write!(f, "{PREFIX}{code}:{}:{}", self.source.id(), self.strength.id())
    }
}

impl Page {
    /// Reads a token written by [`Page`]'s `Display`; `None` for any other text.
    pub fn parse(s: &str) -> Option<Page> {
        let rest = s.strip_prefix(PREFIX)?;
        let mut it = rest.split(':');
        let code = match it.next()? {
            "challenge" => Code::Challenge,
            "-" => Code::None,
            n => Code::Number(n.parse().ok()?),
        };
        let source = Source::from_id(it.next()?)?;
        let strength = Strength::from_id(it.next()?)?;
        Some(Page { code, source, strength })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for p in [
            Page { code: Code::Number(500), source: Source::Edge, strength: Strength::Strong },
            Page { code: Code::Number(1015), source: Source::Unknown, strength: Strength::Moderate },
            Page { code: Code::Challenge, source: Source::Policy, strength: Strength::Weak },
            Page { code: Code::None, source: Source::Origin, strength: Strength::Strong },
        ] {
            assert_eq!(Page::parse(&p.to_string()), Some(p));
        }
        assert_eq!(Page::parse("ECONNRESET"), None);
        assert_eq!(Page::parse("cdn_page:cloudflare:x:edge:strong"), None);
    }
}
