//! Keeping secrets out of every output.
//!
//! HAR files and client logs carry credentials: cookies, `authorization` headers, bearer tokens,
//! API keys, OAuth codes in redirect URLs. None of them has forensic value, and none may reach an
//! event frame, a Parquet file, a quarantine file or a report. Values are replaced by
//! [`MARKER`], which says a value was there without saying what it was. Redaction happens where
//! records are framed, before parsing, so even a rejected record written to a quarantine file is
//! already clean. `--keep-secrets` turns it off for a user who needs the values.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What replaces a secret value.
pub const MARKER: &str = "[REDACTED]";

/// Header names whose values are always secret (compared case-insensitively).
const SECRET_HEADERS: [&str; 8] = [
    "cookie",
    "set-cookie",
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-auth-token",
    "x-csrf-token",
];

/// Query parameters whose values are secret (compared case-insensitively).
const SECRET_PARAMS: [&str; 20] = [
    "code",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "key",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "x-goog-signature",
    "x-goog-credential",
    "auth",
];

/// Whether a header's value must never be copied.
pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name.trim()))
}

/// Whether a query parameter's value must never be copied.
pub fn is_secret_param(name: &str) -> bool {
    let n = name.trim();
    let l = n.to_ascii_lowercase();
    SECRET_PARAMS.iter().any(|p| *p == l)
        || ["token", "secret", "password", "apikey", "api_key", "signature"].iter().any(|x| l.ends_with(x))
}

/// Words of a parameter name that make its value secret (the name is split at `_`, `-`, `.`
/// and case changes: `SAMLResponse` → `saml`, `response`; `oauth_token` → `oauth`, `token`).
const SECRET_WORDS: [&str; 19] = [
    "session",
    "sessionid",
    "sid",
    "ticket",
    "saml",
    "token",
    "key",
    "apikey",
    "secret",
    "auth",
    "authorization",
    "signature",
    "sig",
    "code",
    "password",
    "passwd",
    "pwd",
    "credential",
    "credentials",
];

/// Whether a URL's query or path parameter names a secret: any word of its name says session,
/// sid, ticket, SAML, token, key, secret, auth, signature or code (`session=`, `PHPSESSID=`,
/// `SAMLResponse=`, CAS `ticket=`, `jsessionid`, `X-Amz-Signature`, `state_code`), or the name is
/// one of [`is_secret_param`]'s. Failing closed: a harmless parameter so named loses its value.
pub fn is_secret_query_param(name: &str) -> bool {
    if is_secret_param(name) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if ["sessid", "sessionid", "session", "saml", "token", "secret", "passw"].iter().any(|w| lower.contains(w)) {
        return true;
    }
    words(name).iter().any(|w| SECRET_WORDS.contains(&w.as_str()))
}

/// The words of a name: split at non-alphanumerics and at lower-to-upper case changes.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `;name=value` path parameters (`;jsessionid=…`) whose names are secret.
static PATH_PARAM: LazyLock<Option<Regex>> =
    LazyLock::new(|| crate::text::regex(r"(?P<k>;[A-Za-z0-9_.%-]{1,64}=)(?P<v>[^/?#;&\s]+)"));

/// Replaces the credentials of a URL (`user:password@`), the values of secret path parameters
/// (`;jsessionid=…`) and the values of secret query (and fragment) parameters of a URL or path.
pub fn url(u: &str) -> Cow<'_, str> {
    if let Some(clean) = userinfo(u) {
        return Cow::Owned(url(&clean).into_owned());
    }
    if let Some(clean) = path_params(u) {
        return Cow::Owned(url(&clean).into_owned());
    }
    let Some(q) = u.find(['?', '#']) else {
        return Cow::Borrowed(u);
    };
    let (head, tail) = u.split_at(q);
    let mut out = String::with_capacity(u.len());
    out.push_str(head);
    let mut changed = false;
    // Walk the query and fragment, keeping separators, replacing secret values.
    let mut rest = tail;
    while let Some(sep) = rest.chars().next() {
        out.push(sep);
        rest = rest.get(sep.len_utf8()..).unwrap_or_default();
        let end = rest.find(['&', '#', ';']).unwrap_or(rest.len());
        let (pair, after) = rest.split_at(end);
        match pair.split_once('=') {
            Some((k, v))
                if !v.is_empty()
                    && v != MARKER
                    && (is_secret_query_param(&percent_decode_lossy(k)) || is_cookie_string(v)) =>
            {
                out.push_str(k);
                out.push('=');
                out.push_str(MARKER);
                changed = true;
            }
            _ => out.push_str(pair),
        }
        rest = after;
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(u)
    }
}

/// The URL's path (before any `?` or `#`) with secret `;name=value` parameters replaced, when it
/// has one.
fn path_params(u: &str) -> Option<String> {
    let end = u.find(['?', '#']).unwrap_or(u.len());
    let (path, tail) = u.split_at(end);
    let re = PATH_PARAM.as_ref()?;
    let mut changed = false;
    let clean = re.replace_all(path, |c: &regex::Captures<'_>| {
        let k = c.name("k").map_or("", |m| m.as_str());
        let v = c.name("v").map_or("", |m| m.as_str());
        let name = k.trim_start_matches(';').trim_end_matches('=');
        if v != MARKER && is_secret_query_param(&percent_decode_lossy(name)) {
            changed = true;
            format!("{k}{MARKER}")
        } else {
            format!("{k}{v}")
        }
    });
    changed.then(|| format!("{clean}{tail}"))
}

/// The URL with its `user:password@` replaced, when it has one.
fn userinfo(u: &str) -> Option<String> {
    let (scheme, rest) = u.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    let at = authority.rfind('@')?;
    if authority.get(..at) == Some(MARKER) {
        return None;
    }
    let tail = rest.get(at..)?;
    Some(format!("{scheme}://{MARKER}{tail}"))
}

/// [`url`] on an owned-or-borrowed value, keeping the borrow when nothing changes.
pub fn url_cow(u: Cow<'_, str>) -> Cow<'_, str> {
    match u {
        Cow::Borrowed(b) => url(b),
        Cow::Owned(o) => match url(&o) {
            Cow::Borrowed(_) => Cow::Owned(o),
            Cow::Owned(n) => Cow::Owned(n),
        },
    }
}

/// Whether a (percent-encoded) parameter value is a cookie string (`a=1; b=2`), as analytics
/// beacons relay them in URLs.
fn is_cookie_string(v: &str) -> bool {
    let d = percent_decode_lossy(v);
    d.contains(';') && d.split(';').filter(|p| p.contains('=')).count() >= 2
}

fn percent_decode_lossy(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            if let Some(h) = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()) {
                if let Ok(v) = u8::from_str_radix(h, 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// Token-like values in free text: bearer/basic credentials, API keys of the common shapes,
/// secret `name=value` pairs, `Cookie:`/`Authorization:` header lines and JWTs.
static TOKENS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    crate::text::regex(concat!(
        // An authorization scheme and its credential.
        r"(?i)(?P<a>\b(?:bearer|basic|token)\s+)[A-Za-z0-9._~+/=-]{8,}",
        // Secret headers written as `Name: value` up to the end of the line.
        r"|(?P<h>(?:^|[\s{,(]|\x22|')(?:proxy-)?(?:authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-csrf-token)(?:\x22|')?\s*[:=]\s*(?:\x22|')?)[^\r\n\x22']+",
        // Secret names in any case or style (`password`, `sessionToken`, `refresh_token`,
        // `client_secret`, `X-Amz-Signature`, `'x-api-key'`), quoted or not, then their value.
        r"|(?P<k>\b[\w-]*(?:token|secret|password|passwd|api[_-]?key|signature|credential)(?:\x22|')?\s*[=:]\s*(?:\x22|')?)[^&\s\x22',;)}]{4,}",
        // Query-style short names (not `code: 1020`, which is evidence).
        r"|(?P<q>[?&](?:code|key|sig|auth)=)[^&\s\x22',;]{4,}",
        // URL credentials.
        r"|(?P<u>[a-z][a-z0-9+.-]*://)[^/\s@:\x22']+:[^/\s@\x22']+@",
        // API keys: sk-..., sk-ant-..., xox?-..., ghp_..., AKIA...
        r"|\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{12,}|xox[abpr]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,})",
        // JSON Web Tokens.
        r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    ))
});

/// `name=value` pairs after `?`, `&` or `;` in free text (URLs inside a log line, a JSON string).
static TEXT_PARAM: LazyLock<Option<Regex>> =
    LazyLock::new(|| crate::text::regex(r#"(?P<k>[?&;][A-Za-z0-9_.%-]{1,64}=)(?P<v>[^&\s"',;#<>\\]+)"#));

/// [`text`], then every secret query or path parameter in the text ([`is_secret_query_param`]):
/// for whole raw lines (a rejected edge log line in a quarantine file, a reason quoting one).
pub fn line(s: &str) -> Cow<'_, str> {
    let t = text(s);
    let Some(re) = TEXT_PARAM.as_ref() else {
        return t;
    };
    if !re.is_match(&t) {
        return t;
    }
    let out = re.replace_all(&t, |c: &regex::Captures<'_>| {
        let k = c.name("k").map_or("", |m| m.as_str());
        let v = c.name("v").map_or("", |m| m.as_str());
        let name = k.get(1..k.len().saturating_sub(1)).unwrap_or_default();
        if v != MARKER && is_secret_query_param(&percent_decode_lossy(name)) {
            format!("{k}{MARKER}")
        } else {
            format!("{k}{v}")
        }
    });
    Cow::Owned(out.into_owned())
}

/// Replaces token-like values in free text (a log line, an error message, a body prefix).
pub fn text(s: &str) -> Cow<'_, str> {
    let Some(re) = TOKENS.as_ref() else {
        return Cow::Borrowed(s);
    };
    re.replace_all(s, |c: &regex::Captures<'_>| {
        let keep = ["a", "h", "k", "q"].iter().find_map(|n| c.name(n)).map_or("", |m| m.as_str());
        if let Some(scheme) = c.name("u") {
            return format!("{}{MARKER}@", scheme.as_str());
        }
        format!("{keep}{MARKER}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_redaction_pattern_compiles() {
        // A typo in a pattern would turn its redaction off silently (`.ok()`): fail here instead.
        assert!(TOKENS.is_some());
        assert!(PATH_PARAM.is_some());
        assert!(TEXT_PARAM.is_some());
    }

    #[test]
    fn session_ticket_and_saml_parameters() {
        for (input, secret) in [
            ("/app?session=abc123def&x=1", "abc123def"),
            ("/app?sid=s3cr3t77&x=1", "s3cr3t77"),
            ("/sso/acs?SAMLResponse=PHNhbWxwOlJlc3BvbnNl&RelayState=home", "PHNhbWxw"),
            ("/cas/login?service=x&ticket=ST-1234-abcdefg-cas", "ST-1234"),
            ("/shop/cart;jsessionid=0123ABCDEF4567?item=3", "0123ABCDEF"),
            ("/p?PHPSESSID=deadbeef42", "deadbeef42"),
            ("/p?oauth_verifier_code=vvvvvv", "vvvvvv"),
            ("/p?X-Auth=hhhhhh", "hhhhhh"),
        ] {
            let u = url(input);
            assert!(!u.contains(secret), "{input} -> {u}");
            let raw = format!(r#"{{"ClientRequestURI":"{input}","authorization":"Bearer abcdefghijklmnop"}}"#);
            let l = line(&raw);
            assert!(!l.contains(secret) && !l.contains("abcdefghijklmnop"), "{input} -> {l}");
        }
        assert_eq!(url("/shop/cart;jsessionid=0123?item=3"), "/shop/cart;jsessionid=[REDACTED]?item=3");
        assert_eq!(url("/p?author=jane&q=1"), "/p?author=jane&q=1");
        assert_eq!(line("GET /p?q=1&page=2"), "GET /p?q=1&page=2");
        assert!(is_secret_query_param("SAMLRequest") && is_secret_query_param("jsessionid"));
        assert!(!is_secret_query_param("author") && !is_secret_query_param("consider"));
    }

    #[test]
    fn url_params() {
        assert_eq!(url("/cb?code=abc123&state=xyz"), "/cb?code=[REDACTED]&state=xyz");
        assert_eq!(
            url("https://a.b/x?access_token=t0k&x=1#id_token=zz"),
            "https://a.b/x?access_token=[REDACTED]&x=1#id_token=[REDACTED]"
        );
        assert_eq!(url("/plain/path"), "/plain/path");
        assert_eq!(url("/p?codes=1&Token=9"), "/p?codes=1&Token=[REDACTED]");
        assert_eq!(url("/p?%63ode=9"), "/p?%63ode=[REDACTED]");
        assert_eq!(url("/p?code="), "/p?code=");
        assert_eq!(url("/b.gif?utmcc=__utma%3D1.2%3B%2B__utmz%3D3.4%3B&x=1"), "/b.gif?utmcc=[REDACTED]&x=1");
        assert!(matches!(url("/p?q=1"), Cow::Borrowed(_)));
    }

    #[test]
    fn free_text() {
        let t = text("Authorization: Bearer abcdefghijklmnop123");
        assert!(!t.contains("abcdefghijklmnop123"), "{t}");
        let t = text("using key sk-ant-api03-AbCdEfGhIjKlMnOp and more");
        assert!(!t.contains("AbCdEfGhIjKlMnOp"), "{t}");
        assert!(t.contains("and more"));
        let t = text("GET /cb?code=SplxlOBeZQQYbYS6WxSbIA&state=1");
        assert!(!t.contains("SplxlOBeZQQYbYS6WxSbIA"), "{t}");
        let t = text(r#"{"cookie": "session=s3cr3tvalue"}"#);
        assert!(!t.contains("s3cr3tvalue"), "{t}");
        let t = text("Error: read ECONNRESET");
        assert_eq!(t, "Error: read ECONNRESET");
        for (input, secret) in [
            ("auth: { username: 'u', password: 'hunter2hunter2' }", "hunter2hunter2"),
            ("headers: { 'x-api-key': '0123abcd0123abcd' }", "0123abcd0123abcd"),
            (r#"{"sessionToken": "abcdef123456"}"#, "abcdef123456"),
            ("GET /geocode/json?address=x&key=AIzaSyA1234567890abcdefghijklmnopq HTTP/1.1", "AIzaSyA123"),
            ("ProxyError('Cannot connect to proxy', 'http://bob:S3cret@proxy.corp:8080')", "S3cret"),
            ("https://b.s3.amazonaws.com/o?X-Amz-Signature=deadbeefcafe&X-Amz-Date=1", "deadbeefcafe"),
            ("api-key: 0123456789abcdef0123456789abcdef", "0123456789abcdef"),
        ] {
            let t = text(input);
            assert!(!t.contains(secret), "{input} -> {t}");
        }
        assert_eq!(text("error code: 1020"), "error code: 1020", "a Cloudflare code is evidence");
        assert_eq!(url("https://admin:hunter2@api.example.com/x?q=1"), "https://[REDACTED]@api.example.com/x?q=1");
        assert_eq!(url("/o?X-Amz-Signature=abc&X-Amz-Date=1"), "/o?X-Amz-Signature=[REDACTED]&X-Amz-Date=1");
        assert!(is_secret_header("Set-Cookie"));
        assert!(!is_secret_header("cf-ray"));
    }
}
