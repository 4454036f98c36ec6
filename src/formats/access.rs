//! nginx and Apache access logs in the combined and common formats (one grammar: common is
//! combined without its two trailing quoted fields).
//!
//! ```text
//! [vhost[:port] ]client ident user [dd/Mon/yyyy:HH:MM:SS ±hhmm] "request" status bytes[ "referer" "user agent"][ ...]
//! ```
//!
//! What real servers write and this reader accepts: a virtual-host prefix (`%v`, `%v:%p`), a
//! client with a port, IPv6 clients, `-` for any empty field, any UTC offset, request lines that
//! are not HTTP at all (`"-"`, raw TLS handshake bytes written as `\x16\x03...`, scanner probes),
//! escaped quotes inside quoted fields (`\"` from Apache, `\x22` from nginx), numeric fields
//! between the byte count and the referer (a response time), and any trailing fields after the
//! user agent. A line is rejected only when the time, the status or the shape before them cannot
//! be read.
//!
//! These logs record one tier: `edge_status` is the status the server sent and `origin_status`
//! stays null (not recorded), so a 5xx here gets the `unattributed_5xx` signature. Give the nginx
//! `log_format` with `--log-format` when it records `$upstream_status` (see [`super::nginx`]).

use std::borrow::Cow;

use nom::bytes::complete::{tag, take_till, take_till1};
use nom::character::complete::char as ch;
use nom::sequence::delimited;
use nom::{IResult, Parser as _};

use super::{dash, status, text, time, uint, LineFormat, Need, Reject};
use crate::event::Event;

/// The combined / common access-log format of nginx and Apache.
#[derive(Debug, Clone, Copy, Default)]
pub struct Combined;

/// The fields of one access-log line, borrowed from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Clf<'a> {
    /// The virtual host (without port), when the line has a `%v` prefix.
    pub vhost: Option<&'a [u8]>,
    /// The client address (a port after an IPv4 address is dropped).
    pub client: Option<&'a [u8]>,
    /// The authenticated user.
    pub user: Option<&'a [u8]>,
    /// UTC nanoseconds.
    pub time_ns: i64,
    /// The raw request line, unescaped only where needed.
    pub request: Option<&'a [u8]>,
    /// Status sent to the client.
    pub status: u16,
    /// Body bytes sent (`-` is 0).
    pub bytes: Option<u64>,
    /// Referer.
    pub referer: Option<&'a [u8]>,
    /// User agent, raw (escapes kept; see [`unescape`]).
    pub user_agent: Option<&'a [u8]>,
}

/// One space-separated token.
fn token(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_till1(|c| c == b' ').parse(i)
}

/// `[...]`.
fn bracketed(i: &[u8]) -> IResult<&[u8], &[u8]> {
    delimited(ch('['), take_till(|c| c == b']'), ch(']')).parse(i)
}

/// A quoted field: from `"` to the first unescaped `"` that ends the field (followed by a space
/// or the end of the line), so an unescaped quote inside a value does not cut it short unless a
/// space follows it.
pub fn quoted(i: &[u8]) -> IResult<&[u8], &[u8]> {
    let (body, _) = tag(&b"\""[..]).parse(i)?;
    let mut k = 0usize;
    while let Some(off) = body.get(k..).and_then(|r| memchr::memchr2(b'"', b'\\', r)) {
        let at = k + off;
        if body.get(at) == Some(&b'\\') {
            k = at + 2; // skip the escaped byte
            continue;
        }
        match body.get(at + 1) {
            None | Some(b' ') => {
                let field = body.get(..at).unwrap_or_default();
                let rest = body.get(at + 1..).unwrap_or_default();
                return Ok((rest, field));
            }
            Some(_) => k = at + 1,
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Char)))
}

/// Undoes the escapes servers write in quoted fields (`\"`, `\\`, `\xHH`); borrows when there
/// are none.
pub fn unescape(v: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'\\', v).is_none() {
        return text(v);
    }
    let mut out = Vec::with_capacity(v.len());
    let mut it = v.iter().copied().enumerate();
    while let Some((i, c)) = it.next() {
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let hex = |j: usize| v.get(j).and_then(|h| (*h as char).to_digit(16));
        match v.get(i + 1) {
            Some(b'x') => {
                if let (Some(a), Some(b)) = (hex(i + 2), hex(i + 3)) {
                    out.push((a * 16 + b) as u8);
                    it.nth(2);
                } else {
                    out.push(c);
                }
            }
            Some(&e @ (b'"' | b'\\')) => {
                out.push(e);
                it.next();
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn space(i: &[u8]) -> IResult<&[u8], char> {
    ch(' ').parse(i)
}

/// Drops `:port` after an IPv4 address or a host name (not from IPv6 addresses).
pub fn strip_port(v: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', v) {
        Some(i) if memchr::memchr(b':', v.get(..i).unwrap_or_default()).is_none() => {
            let port = v.get(i + 1..).unwrap_or_default();
            if !port.is_empty() && port.iter().all(u8::is_ascii_digit) {
                v.get(..i).unwrap_or(v)
            } else {
                v
            }
        }
        _ => v,
    }
}

fn bad(kind: &'static str, detail: &str) -> Reject {
    Reject::new(kind, detail.to_string())
}

/// Parses one combined or common line.
pub fn parse_clf(line: &[u8]) -> Result<Clf<'_>, Reject> {
    let Some(open) = memchr::memchr(b'[', line) else {
        return Err(bad("not an access log line", "no [time] field"));
    };
    let head = line.get(..open).unwrap_or_default();
    let mut toks = head.split(|c| *c == b' ').filter(|t| !t.is_empty());
    let (a, b, c, d, e) = (toks.next(), toks.next(), toks.next(), toks.next(), toks.next());
    let (vhost, client, user) = match (a, b, c, d, e) {
        (Some(client), Some(_ident), Some(user), None, None) => (None, client, user),
        (Some(vhost), Some(client), Some(_ident), Some(user), None) => (Some(vhost), client, user),
        _ => {
            return Err(bad(
                "not an access log line",
                "expected `client ident user` (after an optional vhost) before [time]",
            ))
        }
    };
    let rest = line.get(open..).unwrap_or_default();
    let (rest, when) = bracketed(rest).map_err(|_| bad("not an access log line", "unterminated [time]"))?;
    let time_ns = time::clf(when)
        .ok_or_else(|| Reject::new("bad timestamp", format!("[{}] is not dd/Mon/yyyy:HH:MM:SS ±hhmm", text(when))))?;
    let (rest, _) = space(rest).map_err(|_| bad("not an access log line", "no space after [time]"))?;
    let (rest, request) = quoted(rest).map_err(|_| bad("not an access log line", "no quoted request after [time]"))?;
    let (rest, _) = space(rest).map_err(|_| bad("missing field", "status"))?;
    let (rest, st) = token(rest).map_err(|_| bad("missing field", "status"))?;
    let st = status(st).ok_or_else(|| Reject::new("bad status", format!("`{}` is not a 3-digit status", text(st))))?;
    // Bytes, then any numeric fields before the quoted referer and user agent.
    let mut rest = rest;
    let mut bytes = None;
    let mut quoted_fields: [Option<&[u8]>; 2] = [None, None];
    let mut nq = 0usize;
    let mut first = true;
    while let Ok((r, _)) = space(rest) {
        if r.first() == Some(&b'"') {
            match quoted(r) {
                Ok((r2, q)) if nq < 2 => {
                    if let Some(slot) = quoted_fields.get_mut(nq) {
                        *slot = Some(q);
                    }
                    nq += 1;
                    rest = r2;
                    first = false;
                    continue;
                }
                _ => break,
            }
        }
        if nq > 0 {
            break; // trailing fields after the user agent are not ours
        }
        let Ok((r2, t)) = token(r) else { break };
        if first {
            bytes = if t == b"-" {
                Some(0)
            } else {
                Some(uint(t, 19).ok_or_else(|| Reject::new("bad byte count", text(t).into_owned()))?)
            };
            first = false;
        }
        rest = r2;
    }
    let [referer, user_agent] = quoted_fields;
    Ok(Clf {
        vhost: vhost.and_then(dash).map(strip_port),
        client: dash(client).map(strip_port),
        user: dash(user),
        time_ns,
        request: dash(request),
        status: st,
        bytes,
        referer: referer.and_then(dash),
        user_agent: user_agent.and_then(dash),
    })
}

/// Method, path and protocol of a request line.
pub type RequestParts<'a> = (Option<&'a [u8]>, Option<&'a [u8]>, Option<&'a [u8]>);

/// Method, path and protocol of an HTTP request line; `None`s for anything else (raw bytes, a
/// scanner's probe, `-`).
pub fn request_parts(req: &[u8]) -> RequestParts<'_> {
    let mut parts = req.split(|c| *c == b' ').filter(|p| !p.is_empty());
    let (m, p, v) = (parts.next(), parts.next(), parts.next());
    let is_method = |m: &[u8]| !m.is_empty() && m.len() <= 16 && m.iter().all(u8::is_ascii_uppercase);
    match (m, p, v) {
        (Some(m), Some(p), v) if is_method(m) => (Some(m), dash(p), v.filter(|v| v.starts_with(b"HTTP/"))),
        _ => (None, None, None),
    }
}

impl<'a> Clf<'a> {
    /// The event of this line; `origin_status` stays null (not recorded).
    pub fn event(&self, need: Need) -> Event<'a> {
        let mut e = Event {
            time_ns: self.time_ns,
            host: self.vhost.map(text),
            edge_status: Some(self.status),
            bytes: self.bytes,
            ..Event::default()
        };
        if need == Need::All {
            let (m, p, v) = self.request.map_or((None, None, None), request_parts);
            e.method = m.map(text);
            e.path = p.map(text);
            e.http_protocol = v.map(text);
            e.client_ip = self.client.map(text);
            e.user_agent = self.user_agent.map(unescape);
        }
        e
    }
}

impl LineFormat for Combined {
    fn id(&self) -> &'static str {
        "combined"
    }
    fn provider(&self) -> &'static str {
        "nginx_apache"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Server
    }
    fn expected(&self) -> &'static str {
        "an nginx or Apache access log, combined or common: `client - user [25/Oct/2016:14:49:33 +0200] \"GET / HTTP/1.1\" 200 612 \"referer\" \"agent\"`"
    }
    fn sniff_line(&self, line: &[u8]) -> bool {
        parse_clf(line).is_ok()
    }
    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        Ok(parse_clf(line)?.event(need))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clf(s: &str) -> Clf<'_> {
        parse_clf(s.as_bytes()).unwrap()
    }

    #[test]
    fn combined_and_common() {
        let c = clf(r#"67.43.156.13 - - [25/Oct/2016:14:49:33 +0200] "GET / HTTP/1.1" 200 612 "-" "Mozilla/5.0 (X)""#);
        assert_eq!(c.client, Some(&b"67.43.156.13"[..]));
        assert_eq!(c.time_ns, 1_477_399_773_000_000_000);
        assert_eq!((c.status, c.bytes), (200, Some(612)));
        assert_eq!(c.referer, None);
        assert_eq!(c.user_agent, Some(&b"Mozilla/5.0 (X)"[..]));
        let c = clf(r#"::1 - - [26/Dec/2016:16:16:48 +0200] "-" 408 -"#);
        assert_eq!((c.client, c.request, c.status, c.bytes), (Some(&b"::1"[..]), None, 408, Some(0)));
    }

    #[test]
    fn nasty_real_world_lines() {
        let c = clf(
            r#"lessons.example.com 192.168.0.1 - - [09/Jun/2020:12:10:39 -0700] "GET /a%20b HTTP/1.1" 206 7648063 "http://x/" "Silk""#,
        );
        assert_eq!((c.vhost, c.client), (Some(&b"lessons.example.com"[..]), Some(&b"192.168.0.1"[..])));
        let c = clf(
            r#"127.0.1.1:80 127.0.0.1 - - [13/Nov/2023:10:44:31 +0000] "\x16\x03\x03\x01\x8f\x01" 400 483 "-" "-""#,
        );
        assert_eq!(c.vhost, Some(&b"127.0.1.1"[..]));
        assert_eq!(request_parts(c.request.unwrap()), (None, None, None));
        let c = clf(
            r#"127.0.0.1:80 - - [13/Nov/2023:10:44:01 +0000] "<SCRIPT>NXSSTEST</SCRIPT> / HTTP/1.1" 400 3386 "-" "-""#,
        );
        assert_eq!(c.client, Some(&b"127.0.0.1"[..]));
        let c = clf(
            r#"2a02:cf40::1 - - [29/May/2017:19:02:48 +0000] "GET / HTTP/1.1" 200 612 3413 "-" "Moz \"quoted\" agent" X-Forwarded-For="10.0.0.2""#,
        );
        assert_eq!(c.client, Some(&b"2a02:cf40::1"[..]));
        assert_eq!(unescape(c.user_agent.unwrap()), "Moz \"quoted\" agent");
        assert_eq!(unescape(br"a\x22b\\c"), "a\"b\\c");
        let c = clf(r#"1.2.3.4 - - [22/May/2024:08:21:14 +0300] "\n" 400 226 98"#);
        assert_eq!((c.status, c.bytes), (400, Some(226)));
        let c = clf(r#"1.2.3.4 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#);
        assert_eq!(c.user, Some(&b"frank"[..]));
        // An unescaped quote inside the user agent (nginx `escape=none`) that is not followed by a space.
        let c = clf(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1 "-" "a "b"c""#);
        assert_eq!(c.user_agent, Some(&br#"a "b"c"#[..]));
    }

    #[test]
    fn broken_lines_are_rejected_with_a_reason() {
        let kind = |s: &str| parse_clf(s.as_bytes()).unwrap_err().kind;
        assert_eq!(kind("hello world"), "not an access log line");
        assert_eq!(kind(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 2x0 1"#), "bad status");
        assert_eq!(kind(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0""#), "missing field");
        assert_eq!(kind(r#"1.2.3.4 - - [10/Oct/2000:25:55:36 -0700] "GET / HTTP/1.0" 200 1"#), "bad timestamp");
        assert_eq!(kind(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0 200 1"#), "not an access log line");
        assert_eq!(kind(r#"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 12a"#), "bad byte count");
    }

    #[test]
    fn events_leave_the_origin_unrecorded() {
        let e = Combined
            .parse(br#"example.com 1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "POST /x?y=1 HTTP/2.0" 503 0 "-" "curl""#)
            .unwrap();
        assert_eq!((e.edge_status, e.origin_status), (Some(503), None));
        assert_eq!(e.host.as_deref(), Some("example.com"));
        assert_eq!((e.method.as_deref(), e.path.as_deref()), (Some("POST"), Some("/x?y=1")));
        assert_eq!(e.http_protocol.as_deref(), Some("HTTP/2.0"));
        assert!(!e.is_edge_5xx());
    }
}
