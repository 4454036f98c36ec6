//! Cloudflare's own error pages and challenges in pasted text, read as evidence.
//!
//! The facts of the formats: the styled 5xx page has the title `<host> | <code>: <text>`, a
//! header `Error code NNN`, three status boxes (`cf-browser-status`, `cf-cloudflare-status` with
//! the data-center city, `cf-host-status`), each "Working" or "Error", the failing one carrying
//! the class `cf-error-source`, and the footer `Cloudflare Ray ID: …`; its links carry
//! `utm_source=errorcode_NNN`. Flattened to text, the boxes read `Browser Working Frankfurt
//! Cloudflare Working api.example.com Host Error`. The plain nginx-style page (`<center>
//! cloudflare</center>`, formerly `cloudflare-nginx`) is built by Cloudflare itself. The 1xxx pages
//! read `Error 1015 Ray ID: … • <UTC time>` as text. Cloudflare's JSON error bodies carry
//! `"cloudflare_error": true`, `ray_id`, `error_code` and `error_category`. A challenge reads
//! "Just a moment…", "Attention Required! | Cloudflare", or, when it cannot load, "Please unblock
//! challenges.cloudflare.com to proceed". A `server: cloudflare` header or a `cf-ray` alone says
//! only that the response passed through Cloudflare.

use std::sync::LazyLock;

use regex::Regex;

use crate::text::regex as re;

use crate::evidence::{Code, Page, Source, Strength};

/// Cheap pre-check: any of the markers below.
static ANY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?i)cloudflare|cf-error|errorcode_\d|\bRay ID\b|\berror code:?\s*\d{3,4}|^\s*Error \d{4}\b|The web server reported|",
        r"Just a moment|Attention Required|cf-mitigated|error reference number|<center>\s*clou|turnstile|checking your browser|",
        r"Performing security verification|verifies you are not a bot|Verify you are human|cf-ray|cdn-cgi/challenge-platform"
    ))
});

/// The box that the styled page marks as the failing one.
static ERROR_SOURCE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r#"id="cf-(?P<a>browser|cloudflare|host)-status"[^>]*class="[^"]*cf-error-source|"#,
        r#"class="[^"]*cf-error-source[^"]*"[^>]*id="cf-(?P<b>browser|cloudflare|host)-status""#
    ))
});

/// A status box as text: its label, then Working or Error (a line break between allowed).
static BOX: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"\b(?P<who>Browser|Cloudflare|Host)[ \t]*:?\r?\n?[ \t]*(?P<state>Working|Error)\b"));

/// The plain nginx-style page Cloudflare builds (HTML or flattened: a status line, then the
/// word `cloudflare` alone on its line), its footer possibly cut.
static PLAIN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?im)<center>\s*cloudflare(?:-nginx)?\s*</center>|^\s*[1-5]\d\d [A-Za-z][^\n]{2,60}\n\s*cloudflare(?:-nginx)?\s*$|",
        // Its footer cut by a client that shortens bodies (`<hr><center>clou (truncated...)`).
        r"<hr><center>\s*clou(?:d(?:f(?:l(?:a(?:r)?)?)?)?)?\s*(?:\(truncated|\.\.\.|…)",
    ))
});

/// The code of a page: its `Error code`, a 1xxx header, its title, its landing links.
static CODE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?im)\berror code:?\s*(?P<a>[1-5]\d\d\d?)\b|^[\s>#*/]*Error\s+(?P<b>1\d{3}\b|[1-5]\d\d\s+Ray ID|[1-5]\d\d\s*$)|",
        r"error reference number:?\s*(?P<c>[1-5]\d\d\d?)\b|cf-error-code[^>]*>\s*(?P<d>[1-5]\d\d\d?)\s*<|",
        r"<title>[^<|]*\|\s*(?P<e>[1-5]\d\d\d?):|errorcode_(?P<f>[1-5]\d\d\d?)\b|",
        r#""error_code"\s*:\s*"?(?P<g>[1-5]\d\d\d?)\b|class="cf-error-details cf-error-(?P<h>5\d\d)\b"#
    ))
});

static RAY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r#"(?i)\bRay ID:?\s*(?:</?[a-z][^>]*>\s*)*[`*]*(?P<a>[0-9a-f]{16})\b|"ray_id"\s*:\s*"(?P<b>[0-9a-f]{16})"#)
});

/// Cloudflare's error body for a client that does not accept HTML: `error code: 1020` alone on its
/// line (lower case, as Cloudflare writes it).
/// Inside JSON it is a string of its own (`"message":"error code: 524"`, escaped or not).
static PLAIN_CODE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r#"(?m)(?:^|[\s"'>:])error code: [1-5]\d\d\d?\s*["'<]?\s*$|\\?["']error code: [1-5]\d\d\d?\\?["']"#)
});

/// Sentences of one page: the 500 page Cloudflare builds when its own network fails ("There is an
/// internal server error on Cloudflare's network"), and the compact 502/504 page that relays the
/// origin's answer ("The web server reported a bad gateway error").
static EDGE_SENTENCE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)internal server error on Cloudflare(?:'|’)?s network"));
static ORIGIN_SENTENCE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)\bThe web server reported an? (?:bad gateway|gateway time-?out|[a-z -]{3,30}) error"));

/// The 1015 page's title, for a page retyped without its code ("Ray ID: … You are being rate
/// limited").
static RATE_LIMITED_SENTENCE: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"(?i)\byou are being rate limited\b"));

/// The branded 502/504 page (its title, details block, code label or landing link): Cloudflare
/// shows it when the origin answered 502/504 or did not answer in time; its own 502/504 is the
/// plain page.
static BRANDED_50X: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"(?i)\|\s*50[24]:|errorcode_50[24]\b|cf-error-code[^>]*>\s*50[24]\s*<|cf-error-details|\bError 50[24] Ray ID:")
});

/// The plain page retold in prose: "'503 service temporarily unavailable' with 'cloudflare'
/// underneath it".
static PLAIN_TOLD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r#"(?i)\b(?P<c>5\d\d)[ -][a-z][a-z -]{2,40}['"’]?,? (?:with|and|then) (?:the word )?['"‘]?cloudflare(?:-nginx)?['"’]? "#,
        r"(?:underneath|below|beneath|under(?:neath)? it|at the bottom)"
    ))
});

/// A Cloudflare code retold in a line of prose: "cloudflare not working error 500", "getting a 522
/// from cloudflare", "I get a 522 and the `cf-ray` is …". Cloudflare's own 500 page is only served
/// for its own failure (an origin's 500 is relayed as the origin sent it), so a retold 500 blames
/// the edge; a 52x is Cloudflare's code for the origin's failure.
static CF_TOLD: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?i)\bcloudflare\b[^.\n]{0,40}?\berror:? ?(?P<a>500)\b|\berror:? ?(?P<b>500)\b[^.\n]{0,40}?\bcloudflare\b|",
        // A 52x someone got, not one they talk about ("Treat response code 522 as transient").
        r"\b(?:get|gets|getting|got|seeing|see|saw|receiv\w*|return\w*|show\w*)\s+(?:an?\s+|the\s+)?(?:http\s+|error\s+)?",
        r"(?P<c>52\d|530)\b[^.\n]{0,60}?\b(?:cloudflare|cf-ray)\b|",
        r"\b(?:cloudflare|cf-ray)\b[^.\n]{0,40}?\b(?:get|gets|getting|got|return\w*|show\w*|gives?|giving)\s+",
        r"(?:an?\s+)?(?:http\s+|error\s+)?(?P<d>52\d|530)\b"
    ))
});

/// The city the page names for the data center.
static HTML_CITY: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r#"(?s)id="cf-cloudflare-status".{0,1500}?truncate">\s*(?P<c>[^<]{3,40}?)\s*<"#));
static LOCATION: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)\b(?:Cloudflare )?Location:?[ \t]*(?P<c>[A-Za-z][A-Za-z .'-]{2,40})"));

/// The site named by the page's landing link (`5xx-error-landing?utm_source=errorcode_521&utm_campaign=example.com`).
static CAMPAIGN: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"error-landing\?[^\s\x22')]*?utm_campaign=(?P<h>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"));

/// The site named in the Host box (`api.openai.com Host Error`) or a flattened title
/// (`api.openai.com | 520: Web server is returning an unknown error`).
static HOST_BOX: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?P<h>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\s+Host\s+(?:Working|Error)\b"));
static TITLE_TEXT: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?m)^\s*(?P<h>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}) \| [1-5]\d\d\d?:"));

static JSON_FLAG: LazyLock<Option<Regex>> = LazyLock::new(|| re(r#""cloudflare_error"\s*:\s*true"#));
static JSON_CATEGORY: LazyLock<Option<Regex>> = LazyLock::new(|| re(r#""error_category"\s*:\s*"(?P<c>[^"]{1,40})""#));

/// A challenge that could not load (strong), or a challenge page shown (moderate).
static CHALLENGE_FAILED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?i)unblock\s+challenges\.cloudflare\.com|unblock\s+cloudflare\s*challenges\b|challenges\.cloudflare\.com[^\n]{0,60}(?:blocked|failed|unreachable|could not|couldn't)|\bturnstile\b[^\n/]{0,40}\b(?:error|failed|could not load)|(?m:^\s*Error Code:?\s*(?:1[01]\d|[236]00)\d{3}\s*$)",
    )
});
static CHALLENGE_SHOWN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?i)<title>\s*Just a moment|^\s*Just a moment(?:\.\.\.|…)|Checking your browser before accessing|",
        r"cf-mitigated:\s*challenge|Attention Required! \| Cloudflare|Enable JavaScript and cookies to continue|",
        r"Verify you are human by completing|/cdn-cgi/challenge-platform|Checking if the site connection is secure|",
        r"needs to review the security of your connection before proceeding|Performing security verification|",
        r"This page is displayed while the website verifies you are not a bot|",
        // A scraper's report of the challenge it met (cloudscraper).
        r"CloudflareChallengeError|Detected a Cloudflare version \d challenge"
    ))
});
/// A block page: a 403 of a security rule, not a challenge.
static BLOCKED: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)Sorry, you have been blocked|you are unable to access|Access denied"));

/// What the record's text says about a Cloudflare page, with the page's city (as written) and
/// Ray ID.
pub(super) struct Found {
    pub page: Page,
    /// The site, from the landing link's `utm_campaign` (Cloudflare puts the host there).
    pub host: Option<String>,
    pub city: Option<String>,
    pub ray: Option<String>,
}

/// Reads the Cloudflare page or challenge in `text`, if there is one.
pub(super) fn read(text: &str) -> Option<Found> {
    if !ANY.as_ref().is_some_and(|r| r.is_match(text)) {
        return None;
    }
    let ray = RAY
        .as_ref()
        .and_then(|r| r.captures(text))
        .and_then(|c| c.name("a").or(c.name("b")))
        .map(|m| m.as_str().to_ascii_lowercase());
    let said = Said::read(text);
    let code = code(text).or(said.code);
    let (source, strength) = source(text, code, ray.is_some(), said.who)?;
    let code = match (code, challenge(text)) {
        (_, Some(_)) if BLOCKED.as_ref().is_some_and(|r| r.is_match(text)) => code.map_or(Code::None, Code::Number),
        (None | Some(403), Some(_)) => Code::Challenge,
        (Some(n), _) => Code::Number(n),
        (None, None) => Code::None,
    };
    let host = [&CAMPAIGN, &HOST_BOX, &TITLE_TEXT]
        .iter()
        .find_map(|r| r.as_ref().and_then(|r| r.captures(text)).and_then(|c| c.name("h")))
        .map(|m| m.as_str().to_ascii_lowercase());
    Some(Found { page: Page { code, source, strength }, host, city: city(text), ray })
}

/// What a page's own words say when its code or boxes were not copied: the code they stand for
/// and who they say failed. Each sentence is matched once.
struct Said {
    code: Option<u16>,
    who: Option<Source>,
}

impl Said {
    fn read(text: &str) -> Said {
        let hit = |r: &LazyLock<Option<Regex>>| r.as_ref().is_some_and(|r| r.is_match(text));
        let told = PLAIN_TOLD.as_ref().and_then(|r| r.captures(text)).and_then(|c| c.name("c")?.as_str().parse().ok());
        let retold: Option<u16> = CF_TOLD
            .as_ref()
            .and_then(|r| r.captures(text))
            .and_then(|c| c.name("a").or(c.name("b")).or(c.name("c")).or(c.name("d"))?.as_str().parse().ok());
        let told = told.or(retold.filter(|c| *c == 500));
        let edge = hit(&EDGE_SENTENCE);
        // The plain page retold, the 500 page's sentence, the 1015 page's title stand for
        // their codes.
        let code = told.or(edge.then_some(500)).or(hit(&RATE_LIMITED_SENTENCE).then_some(1015)).or(retold);
        let who =
            if edge || told.is_some() { Some(Source::Edge) } else { hit(&ORIGIN_SENTENCE).then_some(Source::Origin) };
        Said { code, who }
    }
}

fn code(text: &str) -> Option<u16> {
    let c = CODE.as_ref()?.captures(text)?;
    let m = c.iter().skip(1).flatten().next()?;
    m.as_str().get(..4).unwrap_or(m.as_str()).trim().parse().ok()
}

fn challenge(text: &str) -> Option<(Source, Strength)> {
    if CHALLENGE_FAILED.as_ref().is_some_and(|r| r.is_match(text)) {
        // The challenge platform could not be reached: Cloudflare's challenge did not load.
        return Some((Source::Edge, Strength::Moderate));
    }
    CHALLENGE_SHOWN.as_ref().is_some_and(|r| r.is_match(text)).then_some((Source::Policy, Strength::Moderate))
}

/// The hop the page blames and how sure that is; `None` when the text holds no Cloudflare page.
fn source(text: &str, code: Option<u16>, ray: bool, said: Option<Source>) -> Option<(Source, Strength)> {
    if let Some(c) = ERROR_SOURCE.as_ref().and_then(|r| r.captures(text)) {
        let who = c.name("a").or(c.name("b")).map_or("", |m| m.as_str());
        return Some((tier(who), Strength::Strong));
    }
    if JSON_FLAG.as_ref().is_some_and(|r| r.is_match(text)) {
        let cat = JSON_CATEGORY.as_ref().and_then(|r| r.captures(text)).and_then(|c| c.name("c"));
        return Some((category(cat.map_or("", |m| m.as_str())), Strength::Strong));
    }
    let boxes: Vec<(&str, &str)> = BOX
        .as_ref()
        .map(|r| {
            r.captures_iter(text).filter_map(|c| Some((c.name("who")?.as_str(), c.name("state")?.as_str()))).collect()
        })
        .unwrap_or_default();
    if let Some((who, _)) = boxes.iter().find(|(_, s)| *s == "Error") {
        // The page's boxes (two or more, or one with the page's code beside it) are its
        // structure; a lone "Cloudflare Error" in prose is one phrase.
        let strength = if boxes.len() >= 2 || code.is_some() { Strength::Strong } else { Strength::Moderate };
        return Some((tier(who), strength));
    }
    if PLAIN.as_ref().is_some_and(|r| r.is_match(text)) {
        return Some((Source::Edge, Strength::Strong));
    }
    if let Some(who) = said {
        return Some((who, Strength::Moderate));
    }
    if matches!(code, Some(502 | 504)) && BRANDED_50X.as_ref().is_some_and(|r| r.is_match(text)) {
        return Some((Source::Origin, Strength::Moderate));
    }
    if let Some(found) = challenge(text) {
        return Some(found);
    }
    match code {
        // A 1xxx page: its code says who (signatures read the code).
        Some(1000..=1999) => Some((Source::Unknown, if ray { Strength::Strong } else { Strength::Moderate })),
        // A Cloudflare-branded 5xx without its boxes: who failed is not shown.
        // Cloudflare's plain-text error body for clients that do not take HTML: `error code: 520`.
        Some(_) if PLAIN_CODE.as_ref().is_some_and(|r| r.is_match(text)) => Some((Source::Unknown, Strength::Moderate)),
        // Cloudflare brands a 500 only when its own network failed ("There is an internal server
        // error on Cloudflare's network"): the origin's 500 reaches the user as the origin sent it.
        Some(500) if ray || branded(text) => Some((Source::Edge, Strength::Moderate)),
        Some(_) if ray || branded(text) => Some((Source::Unknown, Strength::Weak)),
        _ => None,
    }
}

/// Whether a text names Cloudflare (its name, its `cf-ray` header, its error page's markup).
fn branded(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["cloudflare", "cf-ray", "cf-error-", "cf-wrapper"].iter().any(|w| lower.contains(w))
}

fn tier(who: &str) -> Source {
    match who {
        "Cloudflare" | "cloudflare" => Source::Edge,
        "Host" | "host" => Source::Origin,
        "Browser" | "browser" => Source::Client,
        _ => Source::Unknown,
    }
}

fn category(cat: &str) -> Source {
    let c = cat.to_ascii_lowercase();
    if c.contains("origin") || c.contains("host") {
        Source::Origin
    } else if c.contains("rate")
        || c.contains("access")
        || c.contains("security")
        || c.contains("waf")
        || c.contains("firewall")
        || c.contains("bot")
    {
        Source::Policy
    } else if c.contains("client") || c.contains("browser") {
        Source::Client
    } else if c.contains("cloudflare") || c.contains("edge") || c.contains("internal") || c.contains("network") {
        Source::Edge
    } else {
        Source::Unknown
    }
}

/// Words of a status box that are never a city.
const NOT_CITY: [&str; 8] = ["cloudflare", "error", "working", "host", "browser", "you", "internal", "server"];

/// The data-center city the page names: the Cloudflare box of the HTML page, a `Location:` line,
/// the name written beside the Cloudflare box of a flattened or retyped page. Checked against
/// the data-center table, so prose does not become a city.
fn city(text: &str) -> Option<String> {
    let known = |s: &str| crate::geo::colo_by_city(s).map(|_| s.trim().to_string());
    if let Some(c) = HTML_CITY.as_ref().and_then(|r| r.captures(text)).and_then(|c| c.name("c")) {
        if let Some(k) = known(c.as_str()) {
            return Some(k);
        }
    }
    if let Some(c) = LOCATION.as_ref().and_then(|r| r.captures(text)).and_then(|c| c.name("c")) {
        if let Some(k) = words_city(c.as_str()) {
            return Some(k);
        }
    }
    // Lines around a status box: `Frankfurt Cloudflare Working`, `Cloudflare Error "…" Miami`,
    // or the city alone on the line above the box.
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        if BOX.as_ref().is_some_and(|r| r.is_match(l)) || l.trim().eq_ignore_ascii_case("cloudflare") {
            // The line above, past the blank lines a text browser puts between a page's parts.
            let above = lines.get(..i).unwrap_or_default();
            let before = above.iter().rev().find(|b| !b.trim().is_empty()).copied().unwrap_or_default();
            for cand in [*l, before] {
                if let Some(k) = words_city(cand) {
                    return Some(k);
                }
            }
        }
    }
    None
}

/// A known city among the words of `s` (three, two, then one word at a time).
fn words_city(s: &str) -> Option<String> {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '|' | '(' | ')' | ':' | '•'))
        .filter(|w| !w.is_empty() && !NOT_CITY.contains(&w.to_ascii_lowercase().as_str()))
        .collect();
    for n in [3, 2, 1] {
        for w in words.windows(n) {
            let cand = w.join(" ");
            if w.first().is_some_and(|f| f.starts_with(|c: char| c.is_ascii_uppercase()))
                && crate::geo::colo_by_city(&cand).is_some()
            {
                return Some(cand);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> (Code, Source, Strength, Option<String>) {
        let f = read(text).unwrap();
        (f.page.code, f.page.source, f.page.strength, f.city)
    }

    #[test]
    fn status_boxes_say_who_failed() {
        let (code, src, st, city) =
            page("Cloudflare Error \"internal server error\" Miami\n2025-11-18 11:50:02 UTC\nError code 500");
        assert_eq!(
            (code, src, st, city.as_deref()),
            (Code::Number(500), Source::Edge, Strength::Strong, Some("Miami"))
        );
        let flat = "Web server is returning an unknown error Error code 520\nYou\nBrowser\nWorking\nFrankfurt\nCloudflare\nWorking\napi.openai.com\nHost\nError";
        let (code, src, _, city) = page(flat);
        assert_eq!((code, src, city.as_deref()), (Code::Number(520), Source::Origin, Some("Frankfurt")));
        let html = "<div id=\"cf-cloudflare-status\" class=\"x\">\n<a href=\"https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_523\"></a>\n<span class=\"md:block w-full truncate\">Las Vegas</span>\n</div>\n<div id=\"cf-host-status\" class=\"cf-error-source relative\">";
        let (code, src, st, city) = page(html);
        assert_eq!(
            (code, src, st, city.as_deref()),
            (Code::Number(523), Source::Origin, Strength::Strong, Some("Las Vegas"))
        );
        let copy = "Ray ID: 8e1c2f3a4b5c6d7e\nError reference number: 502\nCloudflare Location: Santiago";
        let (code, _, _, city) = page(copy);
        assert_eq!((code, city.as_deref()), (Code::Number(502), Some("Santiago")));
    }

    #[test]
    fn plain_pages_1xxx_json_and_challenges() {
        assert_eq!(page("<hr><center>cloudflare</center>").1, Source::Edge);
        assert_eq!(page("500 Internal Server Error\ncloudflare").1, Source::Edge);
        let f =
            read("Error 1015 Ray ID: 9e7c8f741a2c1c63 • 2026-04-06 00:08:50 UTC\nYou are being rate limited").unwrap();
        assert_eq!((f.page.code, f.ray.as_deref()), (Code::Number(1015), Some("9e7c8f741a2c1c63")));
        let json = r#"{"cloudflare_error": true, "status": 502, "error_code": 502, "error_category": "origin", "ray_id": "8e1c2f3a4b5c6d7e"}"#;
        assert_eq!(page(json).1, Source::Origin);
        let (code, src, _, _) = page("Please unblock challenges.cloudflare.com to proceed.");
        assert_eq!((code, src), (Code::Challenge, Source::Edge));
        assert_eq!(page("<title>Attention Required! | Cloudflare</title>").0, Code::Challenge);
        let blocked =
            read("<title>Attention Required! | Cloudflare</title> Sorry, you have been blocked Error code 1020")
                .unwrap();
        assert_eq!(blocked.page.code, Code::Number(1020));
    }

    #[test]
    fn the_plain_text_error_body() {
        let f = read("openai.APIStatusError: error code: 524").unwrap();
        assert_eq!((f.page.code, f.page.source), (Code::Number(524), Source::Unknown));
        assert_eq!(read("error code: 1020").unwrap().page.code, Code::Number(1020));
        assert!(read("the error code: 500 appeared twice in our docs").is_none());
    }

    #[test]
    fn sentences_and_branding_say_who_when_the_boxes_are_missing() {
        let compact = "The web server reported a bad gateway error.\nRay ID: 9067a590dcc3d0ba\nError reference number: 502\nCloudflare Location: Paris";
        let (code, src, _, city) = page(compact);
        assert_eq!((code, src, city.as_deref()), (Code::Number(502), Source::Origin, Some("Paris")));
        let (code, src, _, _) = page("There is an internal server error on Cloudflare's network.");
        assert_eq!((code, src), (Code::Number(500), Source::Edge));
        let told = "it comes up with '503 service temporarily unavailable' with 'cloudflare' underneath it";
        assert_eq!(page(told).0, Code::Number(503));
        assert_eq!(page(told).1, Source::Edge);
        // The branded 504 page, cut off before its boxes: the origin answered or did not in time.
        let branded = "<title>api.example.app | 504: Gateway time-out</title>\n<div id=\"cf-error-details\">";
        assert_eq!(page(branded).1, Source::Origin);
        // The same code in an SDK's words is not a page.
        assert!(read("openai.InternalServerError: Error code: 502 - {'error': 'bad'}").is_none());
        // The 500 page as its text, and retold: Cloudflare brands only its own 500s.
        let text500 = "Internal server error Error code 500 Visit cloudflare.com for more information.";
        assert_eq!(page(text500).0, Code::Number(500));
        assert_eq!(page(text500).1, Source::Edge);
        assert_eq!(page("Hyderabad cloudflare not working error 500").1, Source::Edge);
        // A 52x someone got from Cloudflare, or with its cf-ray; not one talked about.
        assert_eq!(page("getting a 522 from cloudflare, looks like the server is down").0, Code::Number(522));
        assert_eq!(page("I get a 522 and the `cf-ray` in the response is `8e39e2c50f3aab97-SJC`").0, Code::Number(522));
        assert!(read("Treat HTTP response code 522 as a transient error since Cloudflare may use it").is_none());
        assert!(read("> 521 Web server is down (CloudFlare)").is_none_or(|f| f.page.code != Code::Number(521)));
        let flat = "Error 523\nRay ID: 60fed5af1d67fdd5 •\nOrigin is unreachable\n\nYou • Browser Working\nChicago • Cloudflare Working\nexample.net • Host Error";
        let (code, src, _, city) = page(flat);
        assert_eq!((code, src, city.as_deref()), (Code::Number(523), Source::Origin, Some("Chicago")));
        let nested = r#"{"error":"{\"success\":false,\"error\":{\"message\":\"error code: 524\"},\"status\":524}"}"#;
        assert_eq!(page(nested).0, Code::Number(524));
    }

    #[test]
    fn a_header_or_a_word_is_not_a_page() {
        assert!(read("server: cloudflare\ncf-ray: 36f967873e8e3030-YYZ\n\nInternal Server Error").is_none());
        assert!(read("says unblock cloudfare.com").is_none());
        assert!(read("we moved our DNS to Cloudflare last week").is_none());
        // A link to the Turnstile documentation is not a failed challenge.
        assert!(read("please visit Cloudflare's [Help Center](https://developers.cloudflare.com/turnstile/reference/client-side-errors/)").is_none());
        assert_eq!(read("Turnstile Error Code: 106010").map(|f| f.page.code), Some(Code::Challenge));
        // A scraper's report of the challenge it met.
        assert_eq!(
            read("cloudscraper.exceptions.CloudflareChallengeError: Detected a Cloudflare version 2 challenge")
                .map(|f| f.page.code),
            Some(Code::Challenge)
        );
        // The widget's own lines: its 6-digit error code alone on its line.
        assert_eq!(
            read("Troubleshooting\nError Code: 600010\nRayId: 8ae7045399325c0f").map(|f| f.page.code),
            Some(Code::Challenge)
        );
        // What a user wrote during an outage, without the page's dots.
        assert_eq!(
            read("It says Error Please unblock cloudflarechallenges.com").map(|f| f.page.code),
            Some(Code::Challenge)
        );
    }
}
