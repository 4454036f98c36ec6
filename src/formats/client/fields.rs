//! The fields of one client record: time, status, error code or phrase, URL and host, request
//! id, message and body.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use super::super::norm::{prefix, split_ray, split_url, Record};
use super::ClientFramer;
use crate::redact;

fn re(s: &str) -> Option<Regex> {
    Regex::new(s).ok()
}

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
        r"IncompleteRead|api_error|overloaded_error|rate_limit_error|timeout_error)\b"
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
        (r"(?i)\btimed out\b|\btimeout(?:$|[\s.,:;)\]])", "timeout"),
        (r"(?i)network error", "network error"),
        (r"curl: \(\d+\)", ""),
    ]
    .into_iter()
    .filter_map(|(p, l)| Regex::new(p).ok().map(|r| (r, l)))
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
        r"Error code: (?P<g>[1-5]\d\d)\b|\bHTTP (?P<h>[1-5]\d\d)\b|\bE(?P<i>429|5\d\d)\b|",
        r"\b(?:RateLimitError|InternalServerError|APIStatusError|ServiceUnavailableError)\W+(?P<j>[1-5]\d\d)\b|",
        r"-> (?P<k>[1-5]\d\d)\b|\bfetch (?:GET|POST|PUT|PATCH|DELETE|HEAD) (?P<l>[1-5]\d\d)\b"
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
    LazyLock::new(|| re(r"(?i)(?:connect(?:ing)? to|host:?)\s+'?(?P<h>[a-z0-9-]+(?:\.[a-z0-9-]+)+)"));

static TITLE_HOST: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"<title>\s*(?P<h>[a-z0-9.-]+\.[a-z]{2,}) \|"));

static REQUEST_ID: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(?:cf-ray\x22?\s*[:=]\s*\x22?(?P<ray>[0-9a-f]{16}(?:-[A-Z]{3})?))|",
        r"(?:\b(?:x-)?request[_-]id\x22?\s*[:=]\s*\x22?(?P<rid>[A-Za-z0-9_-]{6,}))"
    ))
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
        let time = time.or_else(|| line_time(first)).or_else(|| header_date(text));
        if time.is_some() {
            self.last_time = time;
        }
        let t = time.or(self.last_time);
        let clean = |s: &str| -> String {
            if self.opts.keep_secrets {
                s.to_string()
            } else {
                redact::text(s).into_owned()
            }
        };
        let code = CODES.as_ref().and_then(|re| re.find_iter(text).last()).map(|m| m.as_str().to_string());
        // The phrase found last in the record.
        let phrase = PHRASES
            .iter()
            .filter_map(|(re, label)| {
                re.find_iter(text).last().map(|m| (m.start(), if label.is_empty() { m.as_str() } else { label }))
            })
            .max_by_key(|(at, _)| *at)
            .map(|(_, l)| l.to_string());
        // A specific phrase says more than a wrapper's name (`ConnectError: [Errno -2] Name or
        // service not known`, `CERTIFICATE_VERIFY_FAILED] ... certificate has expired`).
        let error = match (code, phrase) {
            (Some(c), Some(p)) if GENERIC.contains(&c.as_str()) && p != "CERTIFICATE_VERIFY_FAILED" => Some(p),
            (Some(c), _) => Some(c),
            (None, p) => p,
        };
        let status = STATUS.as_ref().and_then(|re| {
            re.captures(text).and_then(|c| {
                ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]
                    .iter()
                    .find_map(|n| c.name(n))
                    .and_then(|m| m.as_str().parse::<u16>().ok())
            })
        });
        let url = URL.as_ref().and_then(|re| re.find(text)).map(|m| {
            let u = m.as_str().trim_end_matches(['.', ',', ':', ';']);
            if self.opts.keep_secrets {
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
        }
        let (mut rid, mut pop) = (None, None);
        if let Some(c) = REQUEST_ID.as_ref().and_then(|re| re.captures(text)) {
            if let Some(ray) = c.name("ray") {
                let (id, p) = split_ray(ray.as_str());
                rid = Some(id.to_string());
                pop = p.map(str::to_ascii_uppercase);
            } else if let Some(r) = c.name("rid") {
                rid = Some(r.as_str().to_string());
            }
        }
        // A body the record printed: an HTML page, or a JSON document on a line of its own.
        let body = ["<!DOCTYPE", "<!doctype", "<html"]
            .iter()
            .filter_map(|m| text.find(m))
            .min()
            .or_else(|| text.find("\n{").map(|i| i + 1))
            .and_then(|i| text.get(i..))
            .map(|b| prefix(&clean(prefix(b, 4 * self.opts.max_body_bytes)), self.opts.max_body_bytes).to_string());
        Record {
            t,
            line: Some(line),
            host: host.map(Cow::Owned),
            path: path.map(Cow::Owned),
            url: url.map(Cow::Owned),
            status,
            error: error.map(|e| Cow::Owned(prefix(&e, 256).to_string())),
            msg: Some(Cow::Owned(prefix(&clean(&message(text, first)), 512).to_string())),
            rid: rid.map(|r| Cow::Owned(prefix(&r, 128).to_string())),
            pop: pop.map(Cow::Owned),
            body: body.map(Cow::Owned),
            ..Record::default()
        }
    }
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
