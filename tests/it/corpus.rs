//! Conformance on the real Logpush lines in the shared corpus (skipped when it is absent).

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
