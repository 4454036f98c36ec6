//! The fields of one client record: time, status, error code or phrase, URL and host, request
//! id, message and body.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::text::regex as re;

use super::super::norm::{prefix, split_ray, split_url, Record};
use super::{cfpage, ClientFramer};
use crate::evidence::Code;
use crate::redact;

/// Error codes, in one alternation; the last one in a record is its error.
static CODES: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"\b(?:net::ERR_[A-Z0-9_]+|ERR_[A-Z0-9_]{4,}|SEC_ERROR_[A-Z_]+|SSL_ERROR_[A-Z_]+|",
        r"UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|",
        r"SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_HAS_EXPIRED|CERTIFICATE_VERIFY_FAILED|",
        r"ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|ESOCKETTIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|EHOSTUNREACH|",
        r"ENETUNREACH|UND_ERR_[A-Z_]+|APIConnectionError|APITimeoutError|APIStatusError|InternalServerError|",
        r"RateLimitError|ServiceUnavailableError|ConnectError|ConnectTimeout|ReadTimeout|RemoteProtocolError|",
        r"RemoteDisconnected|ConnectionResetError|SSLCertVerificationError|SSLError|ProxyError|ChunkedEncodingError|",
        r"IncompleteRead|api_error|overloaded_error|rate_limit_error|timeout_error|TIMED_OUT)\b"
    ))
});

/// Failure phrases used when no code is present: (pattern, label).
static PHRASES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"(?i)socket hang up", "socket hang up"),
        (r"(?i)unable to get local issuer certificate", "unable to get local issuer certificate"),
        (r"(?i)certificate verify failed", "CERTIFICATE_VERIFY_FAILED"),
        (r"(?i)self[- ]signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"),
        (r"(?i)self[- ]signed certificate in certificate chain", "SELF_SIGNED_CERT_IN_CHAIN"),
        (r"(?i)certificate has expired|certificate expired", "CERT_HAS_EXPIRED"),
        (r"(?i)hostname mismatch|doesn't match|does not match certificate|no alternative certificate subject name matches", "ERR_TLS_CERT_ALTNAME_INVALID"),
        (r"(?i)connection reset by peer", "ECONNRESET"),
        (r"(?i)connection refused|couldn't connect to server", "ECONNREFUSED"),
        (r"(?i)server disconnected without sending a response|empty reply from server", ""),
        (r"(?i)peer closed connection without sending complete message body|incomplete chunked read", ""),
        (r"(?i)could not resolve host|getaddrinfo|name or service not known|nodename nor servname|NameResolutionError", "ENOTFOUND"),
        (r"(?i)temporary failure in name resolution", "EAI_AGAIN"),
        (r"(?i)\bno such host\b", "ENOTFOUND"),
        (r"(?i)certificate signed by unknown authority", "x509: certificate signed by unknown authority"),
        (crate::evidence::TIMEOUT_WORDS, "timeout"),
        (r"(?i)network error", "network error"),
        // Other platforms' words for a failed connection, handshake or stream, kept as written
        // (a record's message is its first line; these are often further down).
        (
            concat!(
                r"(?i:cannot assign requested address|the target server failed to respond|did not (?:properly )?respond(?: correctly)? after a period of time|",
                r"unexpected end of stream|http2: stream closed|http2 error: (?:connection|stream) error|an SSL error has occurred|",
                r"unable to find valid certification path|the network connection was lost|could not connect to the server|",
                r"a server with the specified hostname could not be found)|PKIX path building failed|HandshakeException|",
                r"NoHttpResponseException|\bIncompleteMessage\b|:failed_connect\b|\bConnectionRefused\b|\bFailedToOpenSocket\b|",
                r"os error (?:10060|10061|10054|110|111|104)\b|(?i:actively refused it|forcibly closed by the remote host|transfer closed with \d+ bytes? remaining|",
                r"could not establish trust relationship|the remote certificate is invalid|the certificate for this server is invalid)"
            ),
            "",
        ),
        (r"curl: \(\d+\)", ""),
    ]
    .into_iter()
    .filter_map(|(p, l)| crate::text::regex(p).map(|r| (r, l)))
    .collect()
});

/// Codes that name a wrapper rather than the fault.
const GENERIC: [&str; 12] = [
    "CERTIFICATE_VERIFY_FAILED",
    "SSLError",
    "SSLCertVerificationError",
    "ConnectError",
    "APIConnectionError",
    "ProxyError",
    "RemoteProtocolError",
    "InternalServerError",
    "APIStatusError",
    "ServiceUnavailableError",
    "RemoteDisconnected",
    "ConnectionResetError",
];

static STATUS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"API Error \((?P<a>[1-5]\d\d)\b|\bError: (?P<b>[1-5]\d\d) |\bHTTP/\d(?:\.\d)? (?P<c>[1-5]\d\d)\b|",
        r"(?i:status(?:[ _]code)?)\x22?\s*[=:]?\s*(?P<d>[1-5]\d\d)\b|<title>[^<]*\|\s*(?P<e>[1-5]\d\d):|",
        r"\b(?P<f>[1-5]\d\d) (?:Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out|Too Many Requests)|",
        r"Error code:? (?P<g>[1-5]\d\d)\b|\bHTTP (?P<h>[1-5]\d\d)\b|\bE(?P<i>429|5\d\d)\b|",
        r"\b(?:RateLimitError|InternalServerError|APIStatusError|ServiceUnavailableError)\W+(?P<j>[1-5]\d\d)\b|",
        r"-> (?P<k>[1-5]\d\d)\b|\bfetch (?:GET|POST|PUT|PATCH|DELETE|HEAD) (?P<l>[1-5]\d\d)\b|",
        r"<(?:title|h1)>\s*(?P<m>[1-5]\d\d) [A-Za-z]|[\x22']code[\x22']\s*:\s*(?P<n>429|5\d\d)\b|",
        r"\b(?P<o>[1-5]\d\d) (?:Client|Server) Error\b|ClientResponseError: (?P<p>[1-5]\d\d)\b|",
        // .NET's `status code does not indicate success: 503 (Service Unavailable)`, git's and
        // curl's `The requested URL returned error: 500`, a browser console's `the server
        // responded with a status of 520`.
        r"\b(?P<q>[1-5]\d\d) \((?:[A-Z][A-Za-z]+ ?){1,4}\)|returned error: (?P<r>[1-5]\d\d)\b|",
        r"(?i:with a status of) (?P<s>[1-5]\d\d)\b|",
        // cargo's `failed to get 200 response from …, got 504`; CloudFront's page header `502 ERROR`.
        r"\bgot (?P<t>[1-5]\d\d)\b|(?m:^\s*(?P<u>[1-5]\d\d) ERROR\s*$)|",
        // wget's `awaiting response... 521 Origin Down` and `ERROR 521: Origin Down.`; a status
        // monitor's `HTTP code: 500`; `HTTP:403`; urllib3's `too many 500 error responses`;
        // Vercel's page `504: GATEWAY_TIMEOUT`.
        r"awaiting response\.\.\. (?P<v>[1-5]\d\d)\b|\bERROR (?P<w>[1-5]\d\d): |(?i:\bHTTP code:?\s*(?P<x>[1-5]\d\d)\b|\bHTTP:\s*(?P<y>[1-5]\d\d)\b)|",
        r"too many (?P<z>5\d\d) error responses|(?m:^\s*(?P<za>[1-5]\d\d): [A-Z][A-Z_]{3,}\s*$)|",
        // Varnish's and Fastly's page: `Error 503 Backend fetch failed`.
        r"(?m:^\s*Error (?P<zb>[1-5]\d\d) [A-Za-z])|",
        // A browser console's `GET https://… net::ERR_FAILED 522`; Google's page `502. That’s an error.`
        r"\bnet::ERR_[A-Z_]+ (?P<zc>[1-5]\d\d)\b|(?m:^\s*(?P<zd>[1-5]\d\d)\. That(?:'|’)s an error)|",
        // A page's title alone on its line: its reason phrase stands for its status.
        r"(?m:^\s*(?P<ze>Internal Server Error|Bad Gateway|Service (?:Temporarily )?Unavailable|Gateway Time-?out)\s*\.?\s*$)|",
        // .NET's `The remote server returned an error: (502) Bad Gateway.`, in any language
        // (`Le serveur distant a retourné une erreur : (503) Serveur non disponible.`).
        r"(?i:error|erreur|Fehler|errore)\s*:\s*\((?P<zf>[1-5]\d\d)\)|",
        // A registry's `toomanyrequests: You have reached your pull rate limit` is its 429.
        r"\b(?P<zg>toomanyrequests):|",
        // `Получен ответ с неудачным HTTP-кодом 522`, `HTTP code 502`.
        r"(?i:HTTP[- ](?:код\w*|code))\s*:?\s*(?P<zh>[1-5]\d\d)\b|",
        // aiohttp's `ClientResponseError`: `429, message='Too Many Requests', url=…`.
        r"\b(?P<zi>[1-5]\d\d), message=|",
        // urllib's `HTTP Error 429: Too Many Requests`, an app's `error 524: <!DOCTYPE html>` and
        // `Request returns 429 error!`.
        r"\bHTTP Error (?P<zj>[1-5]\d\d): |(?i:\berror (?P<zk>[1-5]\d\d):|\breturn(?:s|ed)? (?:an? )?(?P<zl>[1-5]\d\d) error\b)"
    ))
});

static TIME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"(?P<d>\d{4}-\d\d-\d\d)[T ](?P<t>\d\d:\d\d:\d\d)(?:[.,](?P<f>\d{1,9}))?\s?(?P<z>Z|[+-]\d\d:?\d\d)?")
});

static EPOCH: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"^\[?(?P<e>1\d{9}(?:\.\d+)?|1\d{12})\]?\s"));

static DATE_HEADER: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?mi)^date:\s*(?P<d>[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [A-Z]{3})"));

static URL: LazyLock<Option<Regex>> = LazyLock::new(|| re(r#"https?://[^\s'"<>)\]]+"#));

static CONNECT_HOST: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?i)(?:(?:connect(?:ing)? to|host:?)\s+'?|\bhost=)(?P<h>[a-z0-9-]+(?:\.[a-z0-9-]+)+)"));

static TITLE_HOST: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"<title>\s*(?P<h>[a-z0-9.-]+\.[a-z]{2,}) \|"));

static REQUEST_ID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(?:cf-ray\x22?\s*[:=]\s*\x22?(?P<ray>[0-9a-f]{16}(?:-[A-Z]{3})?))|",
        r"(?:\b(?:x-)?request[ _-]id\x22?\s*[:=]\s*\x22?(?P<rid>[A-Za-z0-9_-]{6,}))"
    ))
});

/// A response's status line (`HTTP/2 500`, curl's `< HTTP/1.1 502 Bad Gateway`).
static HTTP_LINE: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"(?m)^(?:< )?HTTP/\d(?:\.\d)? [1-5]\d\d\b.*$"));

/// Response headers that only an application sets (a CDN's own error response has none).
static APP_HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"(?mi)^(?:< )?(?P<h>access-control-allow-[a-z-]+|x-powered-by|x-runtime|x-request-id|etag|last-modified)\s*:")
});

/// curl's notes about its connection, printed after a response.
static CURL_NOTE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"^\s*(?:Connection #\d|Closing connection|Connection died|curl: \(|[{}] \[|TLSv|Re-using|Mark bundle|Leftovers|Trying )",
    )
});

pub(super) static EXCEPTION_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure)\b"));

impl ClientFramer<'_> {
    pub(super) fn json_record(&mut self, el: &str, line: u64) -> Record<'static> {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(el) else {
            // A cut-off element: read its text with JSON escapes undone.
            let text = el.replace("\\\"", "\"").replace("\\n", "\n");
            let time = text.find("\"timestamp\":\"").and_then(|i| {
                let rest = text.get(i + 13..)?;
                read_time(rest.split('"').next()?)
            });
            return self.text_record(&text, line, time);
        };
        let time =
            ["timestamp", "time", "ts", "@timestamp", "date"].iter().find_map(|k| v.get(*k)).and_then(|t| match t {
                serde_json::Value::String(s) => read_time(s),
                serde_json::Value::Number(n) => n.as_f64().and_then(|f| crate::formats::time::from_epoch_float(f).ok()),
                _ => None,
            });
        let mut parts = Vec::new();
        collect_strings(&v, &mut parts);
        self.text_record(&parts.join("\n"), line, time)
    }

    pub(super) fn text_record(&mut self, text: &str, line: u64, time: Option<i64>) -> Record<'static> {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
        let found = cfpage::read(text);
        // A copied page's own time (`2025-11-18 11:50:02 UTC`, a 1xxx page's header).
        let page_time = || found.as_ref().and_then(|_| read_time(text));
        let time = time.or_else(|| line_time(first)).or_else(|| header_date(text)).or_else(page_time);
        if time.is_some() {
            self.last_time = time;
        }
        let t = time.or(self.last_time);
        let keep = self.opts.keep_secrets;
        let clean = |s: &str| -> String {
            if keep {
                s.to_string()
            } else {
                redact::text(s).into_owned()
            }
        };
        let mut error = error_of(text);
        let mut status = status_of(text);
        let (url, mut host, path) = url_and_host(text, first, keep);
        let (mut rid, mut pop) = request_id_of(text);
        // Cloudflare's own page or challenge: its verdict, code, Ray ID and data-center city.
        if let Some(found) = found {
            if let (None, Code::Number(n @ 100..=599)) = (status, found.page.code) {
                status = Some(n);
            }
            error = Some(found.page.to_string());
            if let Some(h) = found.host {
                host = Some(h);
            }
            if let Some(ray) = found.ray {
                rid = Some(ray);
            }
            if let Some(colo) = found.city.as_deref().and_then(crate::geo::colo_by_city) {
                pop = Some(colo.iata.clone());
            }
        }
        let (server, ctype) = (header_of(text, "server"), header_of(text, "content-type"));
        if error.is_none() && HTTP_LINE.as_ref().is_some_and(|r| r.is_match(text)) {
            let app = APP_HEADER.as_ref().and_then(|r| r.captures(text)).and_then(|c| c.name("h"));
            error = app.map(|h| format!("{}{}", crate::evidence::APP_HEADER, h.as_str().to_ascii_lowercase()));
        }
        let body = body_of(text)
            .map(|b| prefix(&clean(prefix(b, 4 * self.opts.max_body_bytes)), self.opts.max_body_bytes).to_string());
        let owned = |v: Option<String>, max: usize| v.map(|v| Cow::Owned(prefix(&v, max).to_string()));
        Record {
            t,
            line: Some(line),
            host: host.map(Cow::Owned),
            path: path.map(Cow::Owned),
            url: url.map(Cow::Owned),
            status,
            error: owned(error, 256),
            msg: Some(Cow::Owned(prefix(&clean(&message(text, first)), 512).to_string())),
            rid: owned(rid, 128),
            pop: pop.map(Cow::Owned),
            body: body.map(Cow::Owned),
            server: owned(server, 128),
            ctype: owned(ctype, 128),
            ..Record::default()
        }
    }
}

static JSON_OPENED: LazyLock<Option<Regex>> = LazyLock::new(|| re(r#"\{[ \t]*\n\s*"[\w-]+"\s*:"#));

/// A Heroku router line: `at=error code=H12 desc="Request timeout" … status=503`.
static HEROKU: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r#"\bat=error code=(?P<c>H\d{1,2})(?: desc="(?P<d>[^"]{0,80})")?"#));

/// The first URL of the record (secrets redacted unless `keep`), and the host: the page title's,
/// else one named in "connect to HOST" or `host=`, else the URL's, else a first line that is
/// only a host name.
fn url_and_host(text: &str, first: &str, keep: bool) -> (Option<String>, Option<String>, Option<String>) {
    // A page's DTD and namespaces (`http://www.w3.org/TR/…`) name no host of the request.
    let url =
        URL.as_ref().and_then(|re| re.find_iter(text).find(|m| !m.as_str().contains("://www.w3.org/"))).map(|m| {
            let u = m.as_str().trim_end_matches(['.', ',', ':', ';']);
            if keep {
                u.to_string()
            } else {
                redact::url(u).into_owned()
            }
        });
    let (mut host, path) = url.as_deref().map_or((None, None), |u| {
        let (h, p) = split_url(u);
        (h, p.map(str::to_string))
    });
    if let Some(h) = TITLE_HOST.as_ref().and_then(|re| re.captures(text)).and_then(|c| c.name("h")) {
        host = Some(h.as_str().to_ascii_lowercase());
    } else if let Some(h) = CONNECT_HOST.as_ref().and_then(|re| re.captures(text)).and_then(|c| c.name("h")) {
        host = Some(h.as_str().to_ascii_lowercase());
    } else if host.is_none() {
        host = bare_host(first);
    }
    (url, host, path)
}

/// The error code found last in the record, else the failure phrase found last.
fn error_of(text: &str) -> Option<String> {
    if let Some(c) = HEROKU.as_ref().and_then(|r| r.captures(text)) {
        let desc = c.name("d").map_or(String::new(), |d| format!(" {}", d.as_str()));
        return c.name("c").map(|code| format!("{}{desc}", code.as_str()));
    }
    // A proxy's words for its upstream name the failure before the timeout or reset words they hold.
    if let Some(m) = crate::evidence::proxy_upstream(text) {
        return Some(m.to_string());
    }
    let code = CODES.as_ref().and_then(|re| re.find_iter(text).last()).map(|m| m.as_str().to_string());
    let phrase = PHRASES
        .iter()
        .filter_map(|(re, label)| {
            // A response's reason phrase (`504 Gateway Timeout`) is not a timeout of the client's.
            re.find_iter(text)
                .filter(|m| !m.as_str().to_ascii_lowercase().starts_with("gateway"))
                .last()
                .map(|m| (m.start(), if label.is_empty() { m.as_str() } else { label }))
        })
        .max_by_key(|(at, _)| *at)
        .map(|(_, l)| l.to_string());
    // A specific phrase says more than a wrapper's name (`ConnectError: [Errno -2] Name or
    // service not known`, `CERTIFICATE_VERIFY_FAILED] ... certificate has expired`).
    match (code, phrase) {
        (Some(c), Some(p)) if GENERIC.contains(&c.as_str()) && p != "CERTIFICATE_VERIFY_FAILED" => Some(p),
        (Some(c), _) => Some(c),
        (None, p) => p,
    }
}

fn status_of(text: &str) -> Option<u16> {
    // One alternative matches, with its one group: a number, or a phrase that names one.
    let c = STATUS.as_ref()?.captures(text)?;
    let m = c.iter().skip(1).flatten().next()?;
    m.as_str().parse::<u16>().ok().or_else(|| phrase_status(m.as_str()))
}

/// The status a reason phrase names.
fn phrase_status(phrase: &str) -> Option<u16> {
    let p = phrase.to_ascii_lowercase();
    [("internal", 500), ("bad gateway", 502), ("unavailable", 503), ("gateway", 504), ("toomanyrequests", 429)]
        .iter()
        .find(|(w, _)| p.contains(w))
        .map(|(_, s)| *s)
}

/// The request id and the data center of a `cf-ray` (a CLI may print the cf-ray as its
/// `request id: 9bcf27732f28ab39-YYZ`).
fn request_id_of(text: &str) -> (Option<String>, Option<String>) {
    let Some(c) = REQUEST_ID.as_ref().and_then(|re| re.captures(text)) else {
        return (None, None);
    };
    let Some(m) = c.name("ray").or(c.name("rid")) else {
        return (None, None);
    };
    let v = m.as_str();
    let looks_like_ray = c.name("ray").is_some()
        || v.split_once('-').is_some_and(|(id, p)| {
            id.len() == 16
                && id.bytes().all(|b| b.is_ascii_hexdigit())
                && p.len() == 3
                && p.bytes().all(|b| b.is_ascii_uppercase())
        });
    if looks_like_ray {
        let (id, p) = split_ray(v);
        (Some(id.to_string()), p.map(str::to_ascii_uppercase))
    } else {
        (Some(v.to_string()), None)
    }
}

/// A response header printed in the record (`curl -i`, `curl -v`'s `< server: cloudflare`).
fn header_of(text: &str, name: &str) -> Option<String> {
    if !HTTP_LINE.as_ref().is_some_and(|r| r.is_match(text)) {
        return None;
    }
    text.lines().find_map(|l| {
        let l = l.trim_start().strip_prefix("< ").unwrap_or(l.trim_start());
        let (k, v) = l.split_once(':')?;
        (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().to_string()).filter(|v| !v.is_empty())
    })
}

/// A body the record printed: an HTML page, a JSON document on a line of its own, or what
/// follows the blank line after a response's headers.
/// The words of another CDN's own page, as copied from a browser.
static TEXT_PAGE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"The request could not be satisfied|Generated by cloudfront|Varnish cache server|Guru Meditation|Fastly error|",
        r"That(?:'|’)s an error\.|Our services aren(?:'|’)t available right now|Reference #\d+\.[0-9a-f]+\."
    ))
});

fn body_of(text: &str) -> Option<&str> {
    ["<!DOCTYPE", "<!doctype", "<html", "<HTML"]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .or_else(|| text.find("\n{").map(|i| i + 1))
        // An object opened at the end of a log line (`<<< HTTP RESPONSE BODY {`), its keys below.
        .or_else(|| JSON_OPENED.as_ref()?.find(text).map(|m| m.start()))
        // A CDN's page copied as text (CloudFront's, Varnish's): the record is the page.
        .or_else(|| TEXT_PAGE.as_ref().is_some_and(|r| r.is_match(text)).then_some(0))
        .or_else(|| {
            // curl's own notes after the headers (`* Connection #0 … left intact`) are not a body.
            let at = HTTP_LINE.as_ref()?.find(text)?.end();
            let gap = text.get(at..)?.find("\n\n")? + at;
            let rest = text.get(gap..)?;
            let real = rest.lines().any(|l| !l.trim().is_empty() && !CURL_NOTE.as_ref().is_some_and(|r| r.is_match(l)));
            real.then_some(gap + 2)
        })
        .and_then(|i| text.get(i..))
        .map(str::trim)
        .filter(|b| !b.is_empty())
}

/// A first line that is only a host name (a user's note of the site above a page they copied).
fn bare_host(first: &str) -> Option<String> {
    let f = first.trim();
    let ok = f.len() <= 100
        && f.contains('.')
        && f.rsplit('.').next().is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        && f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    ok.then(|| f.to_ascii_lowercase())
}
/// A record's message: its first line, and for a traceback or stack its final exception line.
fn message(text: &str, first: &str) -> String {
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim();
    if last != first && EXCEPTION_LINE.as_ref().is_some_and(|re| re.is_match(last)) {
        format!("{first} … {last}")
    } else {
        first.to_string()
    }
}

/// The time at the start of (or within) a record's first line.
pub(super) fn line_time(line: &str) -> Option<i64> {
    if let Some(c) = EPOCH.as_ref().and_then(|re| re.captures(line)) {
        let e: f64 = c.name("e")?.as_str().parse().ok()?;
        return crate::formats::time::from_epoch_float(e).ok();
    }
    read_time(line)
}

/// A `date:` response header in a verbose trace (RFC 2822).
fn header_date(text: &str) -> Option<i64> {
    let c = DATE_HEADER.as_ref()?.captures(text)?;
    let d = chrono::DateTime::parse_from_rfc2822(c.name("d")?.as_str().trim()).ok()?;
    d.timestamp_nanos_opt().filter(|t| (crate::formats::time::MIN_NS..crate::formats::time::MAX_NS).contains(t))
}

pub(super) fn read_time(s: &str) -> Option<i64> {
    let c = TIME.as_ref()?.captures(s)?;
    assemble(&c)
}

fn assemble(c: &regex::Captures<'_>) -> Option<i64> {
    let d = c.name("d")?.as_str();
    let t = c.name("t")?.as_str();
    let f = c.name("f").map_or("", |m| m.as_str());
    let z = match c.name("z").map(|m| m.as_str()) {
        None | Some("Z") => "Z".to_string(),
        Some(z) if z.len() == 5 => format!("{}:{}", z.get(..3)?, z.get(3..)?),
        Some(z) => z.to_string(),
    };
    let s = if f.is_empty() { format!("{d}T{t}{z}") } else { format!("{d}T{t}.{f}{z}") };
    crate::formats::time::parse_str(&s).ok()
}

/// The top-level elements of a JSON array written on one line (a cut-off last element
/// included as it is).
pub(super) fn json_elements(s: &str) -> Vec<String> {
    let body = s.strip_prefix('[').unwrap_or(s);
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut escaped = false;
    let mut start: Option<usize> = None;
    for (i, c) in body.char_indices() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '{' | '[' => {
                if depth == 0 {
                    start = Some(i);
                }
                depth += 1;
            }
            '}' | ']' => {
                depth -= 1;
                if depth == 0 {
                    if let Some(st) = start.take() {
                        out.push(body.get(st..=i).unwrap_or_default().to_string());
                    }
                }
                if depth < 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push(body.get(st..).unwrap_or_default().to_string());
    }
    out
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        serde_json::Value::Object(o) => {
            // Keys stay with their values (`request_id: req_…` is how the id is found); secret
            // keys are left out with their values.
            for (k, x) in o {
                if redact::is_secret_param(k) || redact::is_secret_header(k) {
                    continue;
                }
                match x {
                    serde_json::Value::Number(n) => out.push(format!("{k}: {n}")),
                    serde_json::Value::String(v) => out.push(format!("{k}: {v}")),
                    other => collect_strings(other, out),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_phrase_compiles() {
        // The phrases are compiled from a table rather than one literal per call, so the source
        // reader of the pattern test does not see them: none may be dropped.
        assert_eq!(super::PHRASES.len(), 19);
    }
}
