//! Cloudflare Logpush, `http_requests` dataset: NDJSON, one object per request.
//!
//! Field names follow Cloudflare's dataset. Unknown fields are ignored, missing optional fields
//! become null, and every timestamp encoding Logpush emits is accepted (see
//! [`super::time`]). A line must be one JSON object with an `EdgeStartTimestamp` (or, failing
//! that, an `EdgeEndTimestamp`) to become an event.

use std::borrow::Cow;

use super::{lenient, time::TimeError, LineFormat, Need, Reject};
use crate::event::Event;

/// The Logpush `http_requests` format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Logpush;

type Str<'a> = Option<Cow<'a, str>>;
type Ts = Option<Result<i64, TimeError>>;

super::json::projected_record! {
    Line, CountsLine, Rest, fast = true;
    counts {
        #[serde(deserialize_with = "lenient::timestamp")]
        EdgeStartTimestamp: Ts,
        #[serde(deserialize_with = "lenient::timestamp")]
        EdgeEndTimestamp: Ts,
        #[serde(borrow, deserialize_with = "lenient::cow_str")]
        EdgeColoCode: Str<'a>,
        #[serde(deserialize_with = "lenient::int")]
        EdgeResponseStatus: Option<u16>,
        #[serde(deserialize_with = "lenient::int")]
        OriginResponseStatus: Option<u16>,
        #[serde(borrow, deserialize_with = "lenient::cow_str")]
        ClientRequestHost: Str<'a>,
        #[serde(deserialize_with = "lenient::int")]
        EdgeResponseBytes: Option<u64>,
        #[serde(borrow, deserialize_with = "lenient::cow_str")]
        RayID: Str<'a>,
        #[serde(deserialize_with = "lenient::soft_int")]
        BotScore: Option<u8>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        BotScoreSrc: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        SecurityAction: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        WAFAction: Str<'a>,
        #[serde(deserialize_with = "lenient::soft_int")]
        EdgeTimeToFirstByteMs: Option<u32>,
        #[serde(deserialize_with = "lenient::soft_int")]
        OriginResponseDurationMs: Option<u32>,
        #[serde(deserialize_with = "lenient::soft_int")]
        ClientTCPRTTMs: Option<u32>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        WorkerScriptName: Str<'a>,
        #[serde(deserialize_with = "lenient::soft_int")]
        ClientASN: Option<u32>,
    }
    rest {
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        ClientRequestMethod: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        ClientRequestURI: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        ClientRequestPath: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        ClientCountry: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        ClientIP: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        ClientRequestUserAgent: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        ClientSSLProtocol: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        ClientRequestProtocol: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        CacheCacheStatus: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        ZoneName: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        OriginIP: Str<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        EdgeResponseContentType: Str<'a>,
        #[serde(borrow)]
        SecuritySources: lenient::List<'a>,
        #[serde(borrow, deserialize_with = "lenient::soft_str")]
        SecurityRuleID: Str<'a>,
    }
}

/// The event time (start, else end) and the duration, from the two Logpush timestamps.
fn times(start: Ts, end: Ts) -> Result<(i64, Option<i64>, Option<u32>), Reject> {
    let start = time_field("EdgeStartTimestamp", start)?;
    let end = time_field("EdgeEndTimestamp", end)?;
    let Some(time_ns) = start.or(end) else {
        return Err(Reject::new("missing field", "EdgeStartTimestamp (and EdgeEndTimestamp)"));
    };
    let duration_ms = match (start, end) {
        (Some(s), Some(e)) if e >= s => u32::try_from((e - s) / 1_000_000).ok(),
        _ => None,
    };
    Ok((time_ns, end, duration_ms))
}

fn nonempty(s: Str<'_>) -> Str<'_> {
    s.filter(|v| !v.is_empty())
}

fn upper(s: Str<'_>) -> Str<'_> {
    nonempty(s).map(|v| if v.bytes().any(|b| b.is_ascii_lowercase()) { Cow::Owned(v.to_ascii_uppercase()) } else { v })
}

/// A security action worth keeping: `unknown` is Logpush's spelling of "none".
fn action(s: Str<'_>) -> Str<'_> {
    nonempty(s).filter(|v| v != "unknown")
}

fn time_field(name: &'static str, v: Ts) -> Result<Option<i64>, Reject> {
    match v {
        None => Ok(None),
        Some(Ok(ns)) => Ok(Some(ns)),
        Some(Err(e)) => Err(Reject::new("bad timestamp", format!("{name} {e}"))),
    }
}

impl LineFormat for Logpush {
    fn id(&self) -> &'static str {
        "cloudflare_logpush"
    }
    fn provider(&self) -> &'static str {
        "cloudflare"
    }
    fn source_kind(&self) -> crate::vocab::source::SourceKind {
        crate::vocab::source::SourceKind::Cdn
    }
    fn expected(&self) -> &'static str {
        "Cloudflare Logpush http_requests NDJSON: one JSON object per line with fields such as EdgeStartTimestamp, EdgeColoCode, EdgeResponseStatus, RayID"
    }

    fn sniff_line(&self, line: &[u8]) -> bool {
        const KEYS: [&[u8]; 5] = [
            b"\"EdgeStartTimestamp\"",
            b"\"EdgeColoCode\"",
            b"\"EdgeResponseStatus\"",
            b"\"RayID\"",
            b"\"ClientRequestHost\"",
        ];
        line.first() == Some(&b'{') && KEYS.iter().any(|k| memchr::memmem::find(line, k).is_some())
    }

    fn parse_fields<'a>(&self, line: &'a [u8], need: Need) -> Result<Event<'a>, Reject> {
        let (c, rest) = CountsLine::decode(line, need)?;
        let mut e = counts_event(c)?;
        let Some(r) = rest else { return Ok(e) };
        e.client_country = upper(r.ClientCountry);
        e.method = nonempty(r.ClientRequestMethod);
        e.path = nonempty(r.ClientRequestURI).or(nonempty(r.ClientRequestPath));
        e.cache_status = nonempty(r.CacheCacheStatus);
        e.tls_protocol = nonempty(r.ClientSSLProtocol);
        e.http_protocol = nonempty(r.ClientRequestProtocol);
        e.client_ip = nonempty(r.ClientIP);
        e.user_agent = nonempty(r.ClientRequestUserAgent);
        e.zone = nonempty(r.ZoneName);
        e.origin_ip = nonempty(r.OriginIP);
        e.content_type = nonempty(r.EdgeResponseContentType);
        e.security_sources = nonempty(r.SecuritySources.0);
        e.security_rule_id = nonempty(r.SecurityRuleID);
        Ok(e)
    }
}

/// The event of a record's aggregate fields (the whole event of [`Need::Counts`]).
fn counts_event(l: CountsLine<'_>) -> Result<Event<'_>, Reject> {
    let (time_ns, end_ns, duration_ms) = times(l.EdgeStartTimestamp, l.EdgeEndTimestamp)?;
    Ok(Event {
        time_ns,
        end_ns,
        duration_ms,
        pop: upper(l.EdgeColoCode),
        host: nonempty(l.ClientRequestHost),
        edge_status: l.EdgeResponseStatus,
        origin_status: l.OriginResponseStatus,
        bytes: l.EdgeResponseBytes,
        request_id: nonempty(l.RayID),
        bot_score: l.BotScore,
        bot_score_src: nonempty(l.BotScoreSrc),
        security_action: action(l.SecurityAction).or(action(l.WAFAction)),
        ttfb_ms: l.EdgeTimeToFirstByteMs,
        origin_duration_ms: l.OriginResponseDurationMs,
        client_rtt_ms: l.ClientTCPRTTMs,
        worker_script: nonempty(l.WorkerScriptName),
        client_asn: l.ClientASN,
        ..Event::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Event<'_>, Reject> {
        Logpush.parse(s.as_bytes())
    }

    #[test]
    fn reads_the_forensic_fields() {
        let e = parse(r#"{"EdgeStartTimestamp":"2022-05-25T13:25:26Z","EdgeEndTimestamp":"2022-05-25T13:25:32Z","EdgeColoCode":"ruh","EdgeResponseStatus":502,"OriginResponseStatus":0,"ClientRequestHost":"a.example.com","RayID":"710e98d9367f357d","Extra":{"deep":[1,2,{"x":null}]}}"#)
            .unwrap();
        assert_eq!(e.time_ns, 1_653_485_126_000_000_000);
        assert_eq!(e.duration_ms, Some(6000));
        assert_eq!(e.pop.as_deref(), Some("RUH"));
        assert_eq!(e.edge_status, Some(502));
        assert_eq!(e.origin_status, Some(0));
        assert!(e.is_edge_5xx());
        assert_eq!(e.dedup_key(), Some(0x710e_98d9_367f_357d));
    }

    #[test]
    fn counts_projection_agrees_with_the_full_parse() {
        let line = br#"{"EdgeStartTimestamp":"2022-05-25T13:25:26Z","EdgeColoCode":"scl","EdgeResponseStatus":500,"OriginResponseStatus":0,"ClientRequestHost":"h","EdgeResponseBytes":12,"RayID":"710e98d9367f357d","ClientIP":"1.2.3.4"}"#;
        let full = Logpush.parse(line).unwrap();
        let lean = Logpush.parse_fields(line, Need::Counts).unwrap();
        assert_eq!(
            (full.time_ns, &full.pop, &full.host, full.edge_status, full.origin_status, full.bytes, &full.request_id),
            (lean.time_ns, &lean.pop, &lean.host, lean.edge_status, lean.origin_status, lean.bytes, &lean.request_id)
        );
        assert_eq!(lean.client_ip, None);
        assert_eq!(Logpush.parse_fields(b"{\"EdgeColoCode\":\"SC", Need::Counts).unwrap_err().kind, "truncated JSON");
    }

    #[test]
    fn reads_the_security_and_latency_fields() {
        let line = br#"{"EdgeStartTimestamp":1653485126,"EdgeColoCode":"fra","BotScore":0,"BotScoreSrc":"Not Computed","SecurityAction":"block","SecuritySources":["firewallCustom","botManagement"],"SecurityRuleID":"98d93d5","EdgeTimeToFirstByteMs":240,"OriginResponseDurationMs":40,"ClientTCPRTTMs":12}"#;
        let e = Logpush.parse(line).unwrap();
        assert_eq!(e.bot_score, Some(0));
        assert!(e.bot_score_missing());
        assert_eq!(e.security_action.as_deref(), Some("block"));
        assert_eq!(e.security_sources.as_deref(), Some("firewallCustom,botManagement"));
        assert_eq!(e.security_rule_id.as_deref(), Some("98d93d5"));
        assert_eq!((e.edge_added_ms(), e.client_rtt_ms), (Some(200), Some(12)));
        let lean = Logpush.parse_fields(line, Need::Counts).unwrap();
        assert_eq!((lean.bot_score, lean.edge_added_ms()), (Some(0), Some(200)));
        assert_eq!(lean.security_action.as_deref(), Some("block"));
        // A score out of range, or of the wrong type, is null: it never rejects the line.
        let e = parse(r#"{"EdgeStartTimestamp":1653485126,"BotScore":"n/a","SecuritySources":{"a":1}}"#).unwrap();
        assert_eq!((e.bot_score, e.security_sources.as_deref()), (None, None));
        assert!(!e.bot_score_missing());
    }

    #[test]
    fn escaped_strings_are_unescaped() {
        let e =
            parse(r#"{"EdgeStartTimestamp":1653485126,"ClientRequestUserAgent":"a \"quoted\" agent\u00e9"}"#).unwrap();
        assert_eq!(e.user_agent.as_deref(), Some("a \"quoted\" agenté"));
    }

    #[test]
    fn numbers_as_strings_and_nulls() {
        let e = parse(
            r#"{"EdgeStartTimestamp":"1653485126000000000","EdgeResponseStatus":"503","OriginResponseStatus":null}"#,
        )
        .unwrap();
        assert_eq!(e.edge_status, Some(503));
        assert_eq!(e.origin_status, None);
        // A null origin status is not recorded, not evidence of an edge error.
        assert!(!e.is_edge_5xx());
    }

    #[test]
    fn rejections_name_the_problem() {
        assert_eq!(parse(r#"{"EdgeColoCode":"SCL"}"#).unwrap_err().kind, "missing field");
        assert_eq!(parse(r#"{"EdgeStartTimestamp":"yesterday"}"#).unwrap_err().kind, "bad timestamp");
        assert_eq!(
            parse(r#"{"EdgeStartTimestamp":1653485126,"EdgeResponseStatus":70000}"#).unwrap_err().kind,
            "invalid JSON"
        );
        assert_eq!(
            parse(r#"{"EdgeStartTimestamp":1653485126,"EdgeResponseStatus":-1}"#).unwrap_err().kind,
            "invalid JSON"
        );
        assert_eq!(
            parse(r#"{"EdgeStartTimestamp":1653485126,"EdgeResponseStatus":NaN}"#).unwrap_err().kind,
            "invalid JSON"
        );
        assert_eq!(parse(r#"{"EdgeStartTimestamp":1653485126,"EdgeRes"#).unwrap_err().kind, "truncated JSON");
        assert_eq!(parse("[1,2]").unwrap_err().kind, "not a JSON object");
        assert_eq!(
            Logpush.parse(b"{\"EdgeStartTimestamp\":1653485126,\"ClientIP\":\"\xff\xfe\"}").unwrap_err().kind,
            "invalid UTF-8"
        );
    }

    /// The fast path must give the full decoder's answer on every line it takes: lines of the
    /// bench generator's shape and the corpus's, mutated at random a byte or a value at a time.
    #[test]
    fn the_fast_path_takes_only_lines_the_full_decoder_reads_the_same() {
        use rand::{Rng, SeedableRng};
        const SEEDS: [&str; 3] = [
            r#"{"BotScore":92,"BotScoreSrc":"Heuristics","CacheCacheStatus":"expired","ClientASN":28361,"ClientCountry":"de","ClientIP":"109.68.64.80","ClientRequestHost":"api.example.com","ClientRequestMethod":"POST","ClientRequestURI":"/img/hero.jpg?a=1\u0026b=2","ClientRequestUserAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15","ClientSSLProtocol":"TLSv1.2","ClientTCPRTTMs":169,"EdgeColoCode":"KIX","EdgeEndTimestamp":"2025-11-20T13:00:00.153Z","EdgeResponseBytes":71900,"EdgeResponseStatus":200,"EdgeStartTimestamp":"2025-11-20T13:00:00.000Z","EdgeTimeToFirstByteMs":153,"OriginResponseDurationMs":55,"OriginResponseStatus":200,"RayID":"169a73bf4c83cf3b","SecurityAction":"unknown","WAFAction":"unknown","WorkerScriptName":"","ZoneName":"example.com"}"#,
            r#"{"EdgeStartTimestamp":1653485126000000000,"EdgeEndTimestamp":1653485126500000000,"EdgeColoCode":"fra","EdgeResponseStatus":502,"OriginResponseStatus":0,"SecuritySources":["firewallCustom","botManagement"],"RequestHeaders":{"cf-ray":"x","n":[1,2.5,-3,true,null]},"ClientRequestPath":"/é","BotScore":null}"#,
            r#" { "EdgeStartTimestamp" : "1653485126" , "EdgeColoCode" : "SCL" , "EdgeResponseStatus" : "503" , "RayID" : "710e98d9367f357d" } "#,
        ];
        const VALUES: [&str; 42] = [
            "null",
            r#""""#,
            r#"" ""#,
            r#""503""#,
            "1e3",
            "-1",
            "1.0",
            "70000",
            "999",
            "1000",
            "true",
            "[1]",
            "{}",
            r#""a\u00e9""#,
            r#""\ud83d\ude00""#,
            "18446744073709551616",
            "255",
            "256",
            "0",
            "01",
            r#""2025-11-20T13:00:00Z""#,
            "1700000000",
            "1700000000000000000",
            r#""yesterday""#,
            "-0",
            r#""\u0000""#,
            r#"["a","b"]"#,
            r#"["a",1]"#,
            "[]",
            r#"["","a"]"#,
            r#"["a\"b"]"#,
            r#"[ "a" , "b" ]"#,
            r#"["a,b","c"]"#,
            "7.288895722013e-05",
            "1E+2",
            "1e999",
            "-1e-999",
            "1e",
            "1e+",
            "0.5e3",
            r#"{"r":7.2e-05,"s":[1e308,2E-4]}"#,
            "123456789012345678901234567890e300",
        ];
        const BYTES: &[u8] = b"\"\\{}[],: 0123456789-+.eEtrufalsn\tu\x00\x7f\xc3\xa9\xff";
        // Which seeds the fast path takes whole: the first one's URI has an escape, so its full
        // record goes to the full decoder (its counts do not need the URI); the third one's
        // statuses are strings.
        let took = |s: &str| (CountsLine::fast(s.as_bytes()).is_some(), Line::fast(s.as_bytes()).is_some());
        assert_eq!(SEEDS.map(took), [(true, false), (true, true), (false, false)]);
        // Numbers with exponents, out of a double's range too, are valid JSON in a field nobody reads.
        for v in ["7.2e-05", "1e999", "-1E-999", r#"{"s":[1e308,2E+4]}"#] {
            let line = format!(r#"{{"EdgeStartTimestamp":1,"JA4Signals":{v}}}"#);
            assert!(CountsLine::fast(line.as_bytes()).is_some(), "{line}");
            assert!(super::super::json::decode::<CountsLine<'_>>(line.as_bytes()).is_ok(), "{line}");
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
        let (mut taken, mut tried) = (0, 0);
        for round in 0..60_000 {
            let mut line = SEEDS[round % SEEDS.len()].as_bytes().to_vec();
            for _ in 0..rng.random_range(1..=3) {
                let at = rng.random_range(0..=line.len());
                match rng.random_range(0..6) {
                    0 => line.insert(at, BYTES[rng.random_range(0..BYTES.len())]),
                    1 if at < line.len() => drop(line.remove(at)),
                    2 if at < line.len() => line[at] = BYTES[rng.random_range(0..BYTES.len())],
                    3 | 4 => {
                        // A value replaced: after the `:` following a random point, up to the next `,` or `}`.
                        let Some(colon) = line[at..].iter().position(|&b| b == b':').map(|p| at + p + 1) else {
                            continue;
                        };
                        let end = line[colon..]
                            .iter()
                            .position(|&b| b == b',' || b == b'}')
                            .map_or(line.len(), |p| colon + p);
                        let v = VALUES[rng.random_range(0..VALUES.len())].as_bytes();
                        line.splice(colon..end, v.iter().copied());
                    }
                    _ => {
                        // A field named twice.
                        let field: &[u8] =
                            if rng.random_bool(0.5) { br#","EdgeColoCode":"X""# } else { br#","Other":1"# };
                        let close = line.iter().rposition(|&b| b == b'}').unwrap_or(0);
                        line.splice(close..close, field.iter().copied());
                    }
                }
            }
            if super::super::json::check_object(&line).is_err() {
                continue;
            }
            tried += 1;
            let full = super::super::json::decode::<CountsLine<'_>>(&line);
            if let Some(fast) = CountsLine::fast(&line) {
                taken += 1;
                let text = String::from_utf8_lossy(&line);
                let full = full.unwrap_or_else(|e| panic!("fast path took a line the decoder refuses ({e:?}): {text}"));
                assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{text}");
            }
            let full = super::super::json::decode::<Line<'_>>(&line);
            if let Some(fast) = Line::fast(&line) {
                let text = String::from_utf8_lossy(&line);
                let full = full.unwrap_or_else(|e| panic!("fast path took a line the decoder refuses ({e:?}): {text}"));
                assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{text}");
            }
        }
        // The test means something only if the fast path takes many of the mutated lines.
        assert!(taken * 4 > tried, "{taken} of {tried}");
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let mut s = String::from(r#"{"EdgeStartTimestamp":1653485126,"x":"#);
        s.push_str(&"[".repeat(200_000));
        s.push_str(&"]".repeat(200_000));
        s.push('}');
        assert_eq!(parse(&s).unwrap_err().kind, "nesting too deep");
        // The limit is the same on every path (the scanner's, the guard's), for every need.
        let nested = |n: usize| {
            let (open, close) = ("[".repeat(n), "]".repeat(n));
            format!(r#"{{"EdgeStartTimestamp":"2022-05-25T13:25:26Z","EdgeColoCode":"FRA","x":{open}{close}}}"#)
        };
        let limit = super::super::json::MAX_DEPTH;
        for need in [Need::Counts, Need::All] {
            assert!(Logpush.parse_fields(nested(limit - 1).as_bytes(), need).is_ok(), "{need:?}");
            for n in [limit, limit + 1, 200_000] {
                let got = Logpush.parse_fields(nested(n).as_bytes(), need).map(|_| ()).unwrap_err();
                assert_eq!(got.kind, "nesting too deep", "{need:?} {n}");
            }
        }
    }
}
