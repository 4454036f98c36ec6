//! What users captured during the simulated incident: HAR files and client logs, with the
//! signature each entry and record should get (`captures_truth.json` beside `captures/`).
//!
//! A few requests a minute are drawn from the edge's traffic and exported by simulated users,
//! each with a wrong clock (an offset of up to ±90 s). A user's entry carries what a browser
//! records: the `cf-ray` of the edge line, the status, and a body: the CDN's own error page for an
//! edge-generated 5xx (three page styles), the API's JSON for an origin 5xx (behind `server:
//! cloudflare`, a decoy), a Cloudflare 52x page, or nothing (an export without bodies: no
//! evidence of who generated it). Streams to the chat endpoint are cut mid-way when the edge
//! failed them; other streams complete or are cancelled by the user (`net::ERR_ABORTED`, healthy).
//! Users also see what the edge never logs: a proxy's certificate (`tls_chain`), an expired
//! certificate (`tls_cert`), resets, timeouts, DNS failures, and sign-in loops during the incident
//! beside normal sign-ins and plain redirect chains (healthy). Client logs (a Node SDK's and a
//! Python script's) hold the same kinds of records over several lines.

use std::fmt::Write as _;
use std::path::Path;

use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{json, Value};

use super::record::Request;
use super::world::{Pop, HOSTS};
use crate::{Error, Result};

/// Users exporting HAR files.
const USERS: usize = 6;
/// Requests per minute drawn for capture (on average).
const PER_MINUTE: f64 = 2.5;

/// The expected signature of one captured event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Expected {
    /// File name inside `captures/`.
    pub file: String,
    /// 0-based HAR entry index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<u64>,
    /// 1-based line where a client log record starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Expected signature id, `None` when healthy.
    pub signature: Option<&'static str>,
}

/// The ground truth of the captures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CaptureTruth {
    /// Each user's clock offset, seconds (user time minus true time), by file.
    pub clock_skew_s: Vec<(String, f64)>,
    /// Every event.
    pub events: Vec<Expected>,
}

struct User {
    skew_ns: i64,
    entries: Vec<(i64, Value, Option<&'static str>)>,
}

/// Collects captures while the traffic is generated.
pub(super) struct Captures {
    rng: ChaCha8Rng,
    users: Vec<User>,
    node: Vec<(i64, String, Option<&'static str>)>,
    python: Vec<(i64, String, Option<&'static str>)>,
}

const EDGE_PAGES: [&str; 3] = [
    "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n",
    "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title></head><body><div id=\"cf-error-details\" class=\"cf-error-details-wrapper\"><h1>Internal server error</h1><span>Error code 500</span></div></body></html>",
    "<!DOCTYPE html><html><head><title>Bad gateway</title></head><body><p>Cloudflare Ray ID: <strong>{ray}</strong></p><a href=\"/cdn-cgi/l/email-protection\">contact</a></body></html>",
];

fn rfc3339(ns: i64) -> String {
    let mut s = String::new();
    super::clock::push_rfc3339(&mut s, ns, true);
    s
}

impl Captures {
    pub fn new(mut rng: ChaCha8Rng) -> Self {
        let users = (0..USERS)
            .map(|_| User { skew_ns: rng.random_range(-90_000..=90_000) * 1_000_000, entries: Vec::new() })
            .collect();
        Captures { rng, users, node: Vec::new(), python: Vec::new() }
    }

    /// Draws this minute's captured requests from the edge's traffic.
    pub fn minute(&mut self, requests: &[Request], pops: &[Pop]) {
        if requests.is_empty() {
            return;
        }
        let p = (PER_MINUTE / requests.len() as f64).min(1.0);
        for r in requests {
            if self.rng.random::<f64>() >= p {
                continue;
            }
            let u = self.rng.random_range(0..USERS);
            self.capture(r, pops, u);
        }
        if let Some(r) = requests.first() {
            self.extras(r.start_ns, requests.iter().any(|r| r.edge_status >= 500 && r.origin_status == 0));
        }
    }

    fn capture(&mut self, r: &Request, pops: &[Pop], u: usize) {
        let host = HOSTS.get(r.host).map_or("www.example.com", |h| h.name);
        let pop = pops.get(r.pop).map_or("XXX", |p| p.code);
        let ray = format!("{:016x}-{pop}", r.ray);
        let edge_made = r.origin_status == 0;
        let stream = host.starts_with("api") && self.rng.random::<f64>() < 0.3;
        let mut headers =
            vec![json!({"name": "cf-ray", "value": ray}), json!({"name": "server", "value": "cloudflare"})];
        let (status, ctype, body, error, sig): (u16, &str, Option<String>, Option<&str>, Option<&'static str>) =
            if stream {
                if r.edge_status >= 500 {
                    (200, "text/event-stream", None, Some("net::ERR_HTTP2_PROTOCOL_ERROR"), Some("stream_severed"))
                } else if self.rng.random::<f64>() < 0.1 {
                    (200, "text/event-stream", None, Some("net::ERR_ABORTED"), None)
                } else {
                    (200, "text/event-stream", None, None, None)
                }
            } else {
                match (r.edge_status, edge_made) {
                    (429, _) => (429, "text/plain", Some("rate limited".into()), None, Some("rate_limited")),
                    (s @ 520..=527, _) => {
                        let page = format!("<!DOCTYPE html><html><head><title>{host} | {s}: Web server is returning an unknown error</title></head><body>cloudflare</body></html>");
                        (s, "text/html", Some(page), None, Some("cf_52x"))
                    }
                    (s @ 500..=599, true) => {
                        if self.rng.random::<f64>() < 0.15 {
                            (s, "text/html", None, None, Some("http_5xx"))
                        } else {
                            let i = self.rng.random_range(0..EDGE_PAGES.len());
                            let page = EDGE_PAGES
                                .get(i)
                                .copied()
                                .unwrap_or_default()
                                .replace("{ray}", &format!("{:016x}", r.ray));
                            (
                                s,
                                "text/html",
                                Some(page),
                                None,
                                Some(if matches!(s, 502 | 504) { "edge_502" } else { "edge_500" }),
                            )
                        }
                    }
                    (s @ 500..=599, false) => {
                        let body = r#"{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}"#;
                        (s, "application/json", Some(body.into()), None, Some("origin_5xx"))
                    }
                    (s, _) => (s, r.content_type, Some("<html><body>ok</body></html>".into()), None, None),
                }
            };
        headers.push(json!({"name": "content-type", "value": ctype}));
        let user = self.users.get_mut(u);
        let Some(user) = user else { return };
        let t = r.start_ns + user.skew_ns;
        let mut content = json!({"size": r.bytes, "mimeType": ctype});
        if let Some(b) = body {
            if let Some(o) = content.as_object_mut() {
                o.insert("text".into(), json!(b));
            }
        }
        let mut response = json!({"status": status, "statusText": "", "httpVersion": "h2", "headers": headers, "cookies": [], "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1});
        if let Some(e) = error {
            if let Some(o) = response.as_object_mut() {
                o.insert("_error".into(), json!(e));
            }
        }
        let entry = json!({
            "startedDateTime": rfc3339(t),
            "time": f64::from(r.ttfb_ms) + 3.0,
            "pageref": format!("page_{}", t / 600_000_000_000),
            "request": {"method": r.method, "url": format!("https://{host}{}", r.uri), "httpVersion": "h2",
                        "headers": [{"name": "cookie", "value": format!("__cf_bm={:x}", self.rng.next_u64())}], "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0},
            "response": response,
            "cache": {},
            "timings": {"send": 0.1, "wait": r.ttfb_ms, "receive": 1.0}
        });
        user.entries.push((t, entry, sig));
    }

    #[expect(clippy::too_many_arguments, reason = "one capture entry's fields, named at each call")]
    fn simple(
        &mut self,
        u: usize,
        t: i64,
        url: &str,
        status: u16,
        error: Option<&str>,
        redirect: &str,
        sig: Option<&'static str>,
    ) {
        let Some(user) = self.users.get_mut(u) else { return };
        let t = t + user.skew_ns;
        let mut response = json!({"status": status, "statusText": "", "httpVersion": "h2", "headers": [], "cookies": [], "content": {"size": 0, "mimeType": ""}, "redirectURL": redirect, "headersSize": -1, "bodySize": -1});
        if let Some(e) = error {
            if let Some(o) = response.as_object_mut() {
                o.insert("_error".into(), json!(e));
            }
        }
        let entry = json!({"startedDateTime": rfc3339(t), "time": 12.0, "pageref": format!("page_{}", t / 600_000_000_000),
            "request": {"method": "GET", "url": url, "httpVersion": "h2", "headers": [], "cookies": [], "queryString": [], "headersSize": -1, "bodySize": 0},
            "response": response, "cache": {}, "timings": {"send": 0.1, "wait": 10.0, "receive": 1.0}});
        user.entries.push((t, entry, sig));
    }

    /// What users see that the edge never logs: in their browsers, then in their clients' logs.
    fn extras(&mut self, t: i64, incident: bool) {
        let roll: f64 = self.rng.random();
        let u = self.rng.random_range(0..USERS);
        let at = t + self.rng.random_range(0..60_000) * 1_000_000;
        self.browser_extras(roll, u, at, incident);
        self.client_log_extras(at);
    }

    /// A browser's failures below HTTP, a sign-in, a redirect chain.
    fn browser_extras(&mut self, roll: f64, u: usize, at: i64, incident: bool) {
        if roll < 0.05 {
            // A user behind a TLS-inspecting proxy.
            self.simple(
                0,
                at,
                "https://cdn.example.com/app.js",
                0,
                Some("net::ERR_CERT_AUTHORITY_INVALID"),
                "",
                Some("tls_chain"),
            );
        } else if roll < 0.07 {
            self.simple(u, at, "https://old.example.com/", 0, Some("net::ERR_CERT_DATE_INVALID"), "", Some("tls_cert"));
        } else if roll < 0.10 {
            self.simple(
                u,
                at,
                "https://api.example.com/v1/models",
                0,
                Some("net::ERR_CONNECTION_RESET"),
                "",
                Some("conn_reset"),
            );
        } else if roll < 0.12 {
            self.simple(
                u,
                at,
                "https://api.example.com/v1/models",
                0,
                Some("net::ERR_TIMED_OUT"),
                "",
                Some("conn_timeout"),
            );
        } else if roll < 0.13 {
            self.simple(
                u,
                at,
                "https://static.exmaple.com/x.css",
                0,
                Some("net::ERR_NAME_NOT_RESOLVED"),
                "",
                Some("dns_failure"),
            );
        } else if roll < 0.16 {
            self.sign_in(u, at, incident);
        } else if roll < 0.19 {
            // http→https→www: a redirect chain, healthy.
            self.simple(u, at, "http://example.com/", 301, None, "https://example.com/", None);
            self.simple(u, at + 80_000_000, "https://example.com/", 301, None, "https://www.example.com/", None);
        }
    }

    /// A sign-in: a loop during the incident, once and done otherwise.
    fn sign_in(&mut self, u: usize, at: i64, incident: bool) {
        let loops = incident && self.rng.random::<f64>() < 0.7;
        let trips = if loops { self.rng.random_range(4..8) } else { 1 };
        let sig = if loops { Some("oauth_loop") } else { None };
        let mut x = at;
        for _ in 0..trips {
            self.simple(
                u,
                x,
                "https://auth.example.com/authorize?client_id=web&state=s",
                302,
                None,
                "https://app.example.com/api/auth/callback?code=c",
                sig,
            );
            x += self.rng.random_range(300..1500) * 1_000_000;
            let next =
                if loops { "https://auth.example.com/authorize?client_id=web" } else { "https://app.example.com/" };
            self.simple(u, x, "https://app.example.com/api/auth/callback?code=c&state=s", 302, None, next, sig);
            x += self.rng.random_range(300..1500) * 1_000_000;
        }
        if !loops {
            self.simple(u, x, "https://app.example.com/", 200, None, "", None);
        }
    }

    /// Node and Python client log records, failing and healthy.
    fn client_log_extras(&mut self, at: i64) {
        let roll: f64 = self.rng.random();
        let stamp = rfc3339(at);
        let py_stamp = stamp.replace('T', " ");
        let py_stamp = py_stamp.trim_end_matches('Z');
        if roll < 0.04 {
            self.node.push((at, format!("[{stamp}] ERROR request to https://api.example.com/v1/chat failed"), None));
            let text = "Error: read ECONNRESET\n    at TLSWrap.onStreamRead (node:internal/stream_base_commons:218:20) {\n  errno: -104,\n  code: 'ECONNRESET',\n  syscall: 'read'\n}";
            self.node.push((at, text.to_string(), Some("conn_reset")));
        } else if roll < 0.08 {
            self.node.push((
                at,
                format!("[{stamp}] ERROR Failed to connect to api.example.com: UNABLE_TO_GET_ISSUER_CERT_LOCALLY"),
                Some("tls_chain"),
            ));
        } else if roll < 0.14 {
            self.node.push((at, format!("[{stamp}] INFO GET https://api.example.com/v1/models 200 in 212ms"), None));
        } else if roll < 0.17 {
            // logger.exception: the log line and its traceback are one record.
            let text = format!("{py_stamp} ERROR worker: call failed\nTraceback (most recent call last):\n  File \"/srv/worker.py\", line 88, in call\n    r = client.get(url)\n  File \"/usr/lib/python3/site-packages/httpx/_client.py\", line 1041, in get\n    raise exc\nhttpx.ConnectTimeout: timed out");
            self.python.push((at, text, Some("conn_timeout")));
        } else if roll < 0.22 {
            self.python.push((at, format!("{py_stamp} INFO worker: 48 jobs done"), None));
        }
    }

    /// Writes the captures under `dir` and returns the truth.
    pub fn write(mut self, dir: &Path) -> Result<CaptureTruth> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut truth = CaptureTruth { clock_skew_s: Vec::new(), events: Vec::new() };
        for (i, user) in self.users.iter_mut().enumerate() {
            user.entries.sort_by_key(|e| e.0);
            let name = format!("user{i}.har");
            let entries: Vec<&Value> = user.entries.iter().map(|e| &e.1).collect();
            let doc = json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [], "entries": entries}});
            let text = if i % 2 == 0 { serde_json::to_string_pretty(&doc)? } else { serde_json::to_string(&doc)? };
            let path = dir.join(&name);
            std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
            truth.clock_skew_s.push((name.clone(), user.skew_ns as f64 / 1e9));
            for (k, e) in user.entries.iter().enumerate() {
                truth.events.push(Expected { file: name.clone(), entry: Some(k as u64), line: None, signature: e.2 });
            }
        }
        for (name, records) in [("node-sdk.log", &mut self.node), ("worker.log", &mut self.python)] {
            // A stable sort keeps a record's lines together in order.
            records.sort_by_key(|r| r.0);
            let mut text = String::new();
            let mut line = 1u64;
            for (_, rec, sig) in records.iter() {
                truth.events.push(Expected { file: name.to_string(), entry: None, line: Some(line), signature: *sig });
                let _ = writeln!(text, "{rec}");
                line += rec.lines().count() as u64;
            }
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        }
        Ok(truth)
    }
}
