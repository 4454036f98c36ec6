//! Conformance on the real CDN and access-log lines of the shared corpus (skipped when it is
//! absent): Logpush, CloudFront against Elastic's published parse, Akamai against a peer's
//! parse, nginx and Apache access logs.

use blastradius::ingest::IngestOptions;
use blastradius::schema as s;

use crate::{balanced, corpus, read};

#[test]
fn every_logpush_corpus_line_is_read_with_its_values() {
    let Some(dir) = corpus("cloudflare_logpush") else {
        return;
    };
    let opts = IngestOptions { dedup: false, ..IngestOptions::default() };
    let (df, acc) = read(std::slice::from_ref(&dir), &opts);
    let acc = balanced(acc);
    assert_eq!(acc.rejected, 0, "{:?}", acc.rejects);
    let file = dir.join("test-pipeline-http-request.log");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<serde_json::Value> =
        text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(df.height(), lines.len());
    let col = |name: &str| df.column(name).unwrap().clone();
    for (i, v) in lines.iter().enumerate() {
        let str_of = |c: &str| col(c).str().unwrap().get(i).map(str::to_string);
        assert_eq!(str_of(s::POP), v["EdgeColoCode"].as_str().map(str::to_uppercase));
        assert_eq!(str_of(s::HOST).as_deref(), v["ClientRequestHost"].as_str());
        assert_eq!(str_of(s::PATH).as_deref(), v["ClientRequestURI"].as_str());
        assert_eq!(str_of(s::REQUEST_ID).as_deref(), v["RayID"].as_str());
        assert_eq!(str_of(s::CLIENT_IP).as_deref(), v["ClientIP"].as_str());
        assert_eq!(str_of(s::USER_AGENT).as_deref(), v["ClientRequestUserAgent"].as_str());
        assert_eq!(str_of(s::CLIENT_COUNTRY), v["ClientCountry"].as_str().map(str::to_uppercase));
        assert_eq!(str_of(s::TLS_PROTOCOL).as_deref(), v["ClientSSLProtocol"].as_str());
        assert_eq!(str_of(s::CACHE_STATUS).as_deref(), v["CacheCacheStatus"].as_str());
        let u16_of = |c: &str| col(c).u16().unwrap().get(i).map(u64::from);
        assert_eq!(u16_of(s::EDGE_STATUS), v["EdgeResponseStatus"].as_u64());
        assert_eq!(u16_of(s::ORIGIN_STATUS), v["OriginResponseStatus"].as_u64());
        assert_eq!(col(s::BYTES).u64().unwrap().get(i), v["EdgeResponseBytes"].as_u64());
        assert_eq!(col(s::TTFB_MS).u32().unwrap().get(i).map(u64::from), v["EdgeTimeToFirstByteMs"].as_u64());
        assert_eq!(u16_of(s::BOT_SCORE), v["BotScore"].as_u64());
        assert_eq!(str_of(s::BOT_SCORE_SRC).as_deref(), v["BotScoreSrc"].as_str());
        assert_eq!(str_of(s::SECURITY_RULE_ID).as_deref(), v["SecurityRuleID"].as_str());
        let sources: Option<Vec<&str>> =
            v["SecuritySources"].as_array().map(|a| a.iter().filter_map(|x| x.as_str()).collect());
        assert_eq!(str_of(s::SECURITY_SOURCES), sources.map(|v| v.join(",")).filter(|s| !s.is_empty()));
        assert_eq!(col(s::CLIENT_RTT_MS).u32().unwrap().get(i).map(u64::from), v["ClientTCPRTTMs"].as_u64());
        // Three encodings of the same instant in the file: all 2022-05-25T13:25:26Z.
        let t = col(s::TIME).datetime().unwrap().physical().get(i);
        assert_eq!(t, Some(1_653_485_126_000_000_000), "line {}", i + 1);
        assert_eq!(col(s::DURATION_MS).u32().unwrap().get(i), Some(6000));
        assert_eq!(col(s::SOURCE_LINE).u64().unwrap().get(i), Some(i as u64 + 1));
    }
}

#[test]
fn corpus_lines_share_one_ray_id_and_dedup_says_so() {
    let Some(dir) = corpus("cloudflare_logpush") else {
        return;
    };
    let (df, acc) = read(&[dir], &IngestOptions::default());
    let acc = balanced(acc);
    // The five corpus lines are variants of one request (same RayID and instant).
    assert_eq!((acc.events, acc.duplicates, df.height()), (1, 4, 1));
}

fn expected_docs(path: &std::path::Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["expected"].as_array().unwrap().clone()
}

#[test]
fn cloudfront_corpus_agrees_with_the_published_parse() {
    let Some(log) = corpus("cloudfront/test-cloudfront.log") else {
        return;
    };
    let Some(expected) = corpus("cloudfront/test-cloudfront.log-expected.json") else {
        return;
    };
    let opts = IngestOptions { dedup: false, ..IngestOptions::default() };
    let (df, acc) = read(std::slice::from_ref(&log), &opts);
    let acc = balanced(acc);
    assert_eq!(acc.rejected, 0, "{:?}", acc.rejects);
    assert_eq!(acc.files[0].format.as_deref(), Some("cloudfront_standard"));
    let docs = expected_docs(&expected);
    // The two header lines have no document: they are headers, not records.
    let records: Vec<&serde_json::Value> = docs.iter().filter(|d| !d.is_null()).collect();
    assert_eq!(acc.headers, (docs.len() - records.len()) as u64);
    assert_eq!(df.height(), records.len());
    let col = |name: &str| df.column(name).unwrap().clone();
    for (i, d) in records.iter().enumerate() {
        let at = format!("record {}", i + 1);
        let ts = chrono::DateTime::parse_from_rfc3339(d["@timestamp"].as_str().unwrap()).unwrap();
        assert_eq!(col(s::TIME).datetime().unwrap().physical().get(i), ts.timestamp_nanos_opt(), "{at}");
        let status = d["http"]["response"]["status_code"].as_u64().unwrap_or(0);
        assert_eq!(col(s::EDGE_STATUS).u16().unwrap().get(i).map(u64::from), Some(status), "{at}");
        let cf = &d["aws"]["cloudfront"];
        let location = cf["edge_location"].as_str().unwrap();
        assert_eq!(col(s::POP).str().unwrap().get(i), location.get(..3), "{at}");
        let result = cf["edge_result_type"].as_str().unwrap();
        assert_eq!(col(s::CACHE_STATUS).str().unwrap().get(i), Some(result), "{at}");
        let detailed = cf["edge_detailed_result_type"].as_str().unwrap();
        let error = col(s::ERROR).str().unwrap().get(i).map(str::to_string);
        assert_eq!(error.as_deref(), (result == "Error").then_some(detailed), "{at}");
        let duration_ns = d["event"]["duration"].as_u64().unwrap();
        assert_eq!(
            col(s::DURATION_MS).u32().unwrap().get(i).map(|ms| u64::from(ms) * 1_000_000),
            Some(duration_ns),
            "{at}"
        );
        let ttfb_ms = cf["time_to_first_byte"].as_f64().map(|s| (s * 1000.0).round() as u32);
        assert_eq!(col(s::TTFB_MS).u32().unwrap().get(i), ttfb_ms, "{at}");
        assert_eq!(col(s::REQUEST_ID).str().unwrap().get(i), d["event"]["id"].as_str(), "{at}");
        assert_eq!(col(s::CLIENT_IP).str().unwrap().get(i), d["source"]["ip"].as_str(), "{at}");
        assert_eq!(col(s::USER_AGENT).str().unwrap().get(i), d["user_agent"]["original"].as_str(), "{at}");
        // Origin DNS failures at SEA are the origin's, with CloudFront's words kept.
        if detailed == "OriginDnsError" {
            assert_eq!(col(s::ORIGIN_STATUS).u16().unwrap().get(i), Some(0), "{at}");
        }
    }
    let mut df = df;
    blastradius::signatures::classify(&mut df).unwrap();
    let sigs: Vec<Option<&str>> =
        df.column(blastradius::signatures::SIGNATURE).unwrap().str().unwrap().iter().collect();
    assert_eq!(sigs.iter().filter(|s| **s == Some("origin_unreachable")).count(), 3);
}

#[test]
fn nginx_and_apache_corpus_lines_are_all_read() {
    for (rel, lines) in [("nginx/test-access.log", 14u64), ("apache/test-access-basic.log", 17)] {
        let Some(p) = corpus(rel) else {
            continue;
        };
        let opts = IngestOptions { dedup: false, ..IngestOptions::default() };
        let (df, acc) = read(std::slice::from_ref(&p), &opts);
        let acc = balanced(acc);
        assert_eq!(acc.rejected, 0, "{rel}: {:?}", acc.rejects);
        assert_eq!(acc.events, lines, "{rel}");
        assert_eq!(acc.files[0].format.as_deref(), Some("combined"), "{rel}");
        let time = |i: usize| df.column(s::TIME).unwrap().datetime().unwrap().physical().get(i).unwrap();
        let host = |i: usize| df.column(s::HOST).unwrap().str().unwrap().get(i).map(str::to_string);
        let ip = |i: usize| df.column(s::CLIENT_IP).unwrap().str().unwrap().get(i).map(str::to_string);
        let status = |i: usize| df.column(s::EDGE_STATUS).unwrap().u16().unwrap().get(i);
        if rel.starts_with("nginx") {
            // 25/Oct/2016:14:49:33 +0200 and 09/Jun/2020:12:10:39 -0700.
            assert_eq!(time(0), 1_477_399_773_000_000_000);
            assert_eq!(time(12), 1_591_729_839_000_000_000);
            assert_eq!((host(12).as_deref(), ip(12).as_deref()), (Some("lessons.example.com"), Some("192.168.0.1")));
            assert_eq!(status(12), Some(206));
        } else {
            assert_eq!((ip(0).as_deref(), status(0)), (Some("::1"), Some(404)));
            assert_eq!(status(2), Some(408));
            assert_eq!(ip(4).as_deref(), Some("monitoring-server"));
            // The raw TLS handshake line and its vhost:port prefix.
            assert_eq!(
                (host(14).as_deref(), ip(14).as_deref(), status(14)),
                (Some("127.0.1.1"), Some("127.0.0.1"), Some(400))
            );
            // 14/Jun/2024:12:20:12 +0530.
            assert_eq!(time(15), 1_718_347_812_000_000_000);
            assert_eq!(status(16), Some(400));
        }
    }
}

#[test]
fn akamai_corpus_record_agrees_with_the_peer_parse() {
    let Some(p) = corpus("akamai/datadog__akamai.datastream_tests.yaml") else {
        return;
    };
    // The record is the YAML block after `sample: |-`, up to `result:`.
    let text = std::fs::read_to_string(&p).unwrap();
    let sample = text.split("sample: |-").nth(1).unwrap().split("result:").next().unwrap();
    let record: serde_json::Value = serde_json::from_str(sample.trim()).unwrap();
    assert!(record.as_object().unwrap().values().all(serde_json::Value::is_string), "all values are strings");
    let dir = tempfile::tempdir().unwrap();
    let line = dir.path().join("ds2.json");
    std::fs::write(&line, format!("{}\n", serde_json::to_string(&record).unwrap())).unwrap();
    let (df, acc) = read(std::slice::from_ref(&line), &IngestOptions::default());
    let acc = balanced(acc);
    assert_eq!((acc.events, acc.rejected), (1, 0));
    assert_eq!(acc.files[0].format.as_deref(), Some("akamai_datastream2"));
    // The peer's parse: timestamp 1645568187280 ms, status 200, request id 2898b6, host, path,
    // client ip, duration 1.1E7 ns.
    let col = |name: &str| df.column(name).unwrap().clone();
    assert_eq!(col(s::TIME).datetime().unwrap().physical().get(0), Some(1_645_568_187_280_000_000));
    assert_eq!(col(s::EDGE_STATUS).u16().unwrap().get(0), Some(200));
    assert_eq!(col(s::REQUEST_ID).str().unwrap().get(0), Some("2898b6"));
    assert_eq!(col(s::HOST).str().unwrap().get(0), Some("ds2-sqa-sanity-venkat-1.akamaized.net"));
    assert_eq!(col(s::PATH).str().unwrap().get(0), Some("Tiger.pdf"));
    assert_eq!(col(s::CLIENT_IP).str().unwrap().get(0), Some("15.188.240.172"));
    assert_eq!(col(s::USER_AGENT).str().unwrap().get(0), Some("Datadog/Synthetics"));
    assert_eq!(col(s::DURATION_MS).u32().unwrap().get(0).map(|ms| f64::from(ms) * 1e6), Some(1.1e7));
    assert_eq!(col(s::CLIENT_COUNTRY).str().unwrap().get(0), Some("FR"));
    assert_eq!(col(s::BYTES).u64().unwrap().get(0), Some(376_255));
}
