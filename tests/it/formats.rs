//! Each input format on its own fixtures (written for these tests, with the nasty real-world
//! cases and broken lines), format detection, and a mixed folder read in one run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use blastradius::ingest::{Accounting, IngestOptions};
use blastradius::schema as s;
use blastradius::signatures::{classify, SIGNATURE};
use polars::prelude::DataFrame;

use crate::{balanced, fixture, read};

fn no_dedup() -> IngestOptions {
    IngestOptions { dedup: false, ..IngestOptions::default() }
}

fn strs(df: &DataFrame, col: &str) -> Vec<Option<String>> {
    df.column(col).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
}

fn u16s(df: &DataFrame, col: &str) -> Vec<Option<u16>> {
    df.column(col).unwrap().u16().unwrap().iter().collect()
}

fn u32s(df: &DataFrame, col: &str) -> Vec<Option<u32>> {
    df.column(col).unwrap().u32().unwrap().iter().collect()
}

fn times(df: &DataFrame) -> Vec<i64> {
    df.column(s::TIME).unwrap().datetime().unwrap().physical().iter().map(Option::unwrap).collect()
}

fn signatures(df: &DataFrame) -> Vec<Option<String>> {
    let mut df = df.clone();
    classify(&mut df).unwrap();
    strs(&df, SIGNATURE)
}

fn reject_lines(acc: &Accounting) -> BTreeMap<u64, String> {
    acc.rejects.iter().map(|r| (r.line, r.reason.clone())).collect()
}

fn kinds(acc: &Accounting) -> BTreeMap<String, u64> {
    acc.reject_kinds.clone()
}

fn map(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
}

/// 2026-11-20T13:40:00Z.
const T0: i64 = 1_795_182_000_000_000_000;

#[test]
fn combined_reads_nasty_lines_and_rejects_broken_ones_with_reasons() {
    let (df, acc) = read(&[fixture("combined/nasty.log")], &no_dedup());
    let acc = balanced(acc);
    assert_eq!(acc.files[0].format.as_deref(), Some("combined"));
    assert_eq!((acc.events, acc.rejected), (10, 4));
    assert_eq!(kinds(&acc), map(&[("not an access log line", 2), ("bad status", 1), ("bad timestamp", 1)]));
    assert_eq!(reject_lines(&acc).keys().copied().collect::<Vec<_>>(), vec![11, 12, 13, 14]);
    // Every line was written at 13:40:0N UTC, in several UTC offsets.
    let t: Vec<i64> = times(&df).iter().map(|t| (t - T0) / 1_000_000_000).collect();
    assert_eq!(t, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(u16s(&df, s::EDGE_STATUS), [200, 302, 503, 502, 200, 400, 408, 504, 200, 200].map(Some).to_vec());
    assert!(u16s(&df, s::ORIGIN_STATUS).iter().all(Option::is_none));
    let ip = strs(&df, s::CLIENT_IP);
    assert_eq!(ip[2].as_deref(), Some("2001:db8::7"));
    assert_eq!(ip[5].as_deref(), Some("198.51.100.9"));
    let host = strs(&df, s::HOST);
    assert_eq!((host[3].as_deref(), host[4].as_deref()), (Some("www.example.com"), Some("www.example.com")));
    let ua = strs(&df, s::USER_AGENT);
    assert_eq!(ua[1].as_deref(), Some("Mozilla/5.0 (X11; Linux x86_64) \"quoted\" Firefox/130.0"));
    assert_eq!(ua[8].as_deref(), Some("a\"b"));
    let path = strs(&df, s::PATH);
    assert_eq!((path[5].as_deref(), path[6].as_deref(), path[0].as_deref()), (None, None, Some("/api/v2/items?id=1")));
    assert_eq!(strs(&df, s::SOURCE_FORMAT)[0].as_deref(), Some("combined"));
    assert_eq!(strs(&df, s::SOURCE_KIND)[0].as_deref(), Some("server"));
    // No upstream status recorded: the 5xx are not blamed on any tier.
    let sig = signatures(&df);
    assert_eq!(sig[2].as_deref(), Some("unattributed_5xx"));
    assert_eq!(sig[3].as_deref(), Some("unattributed_5xx"));
    assert_eq!(sig[0], None);
}

#[test]
fn cloudfront_result_types_decide_edge_or_origin() {
    let (df, acc) = read(&[fixture("cloudfront/standard.log")], &no_dedup());
    let acc = balanced(acc);
    assert_eq!(acc.files[0].format.as_deref(), Some("cloudfront_standard"));
    assert_eq!((acc.headers, acc.lines, acc.events, acc.rejected), (2, 11, 8, 3));
    assert_eq!(kinds(&acc), map(&[("bad timestamp", 1), ("bad status", 1), ("missing field", 1)]));
    assert_eq!(reject_lines(&acc).keys().copied().collect::<Vec<_>>(), vec![11, 12, 13]);
    assert_eq!(
        strs(&df, s::POP).iter().map(|p| p.as_deref().unwrap()).collect::<Vec<_>>(),
        vec!["SCL", "SCL", "GRU", "IAD", "FRA", "LHR", "NRT", "FRA"]
    );
    assert_eq!(u16s(&df, s::EDGE_STATUS), [502, 504, 503, 502, 200, 0, 503, 200].map(Some).to_vec());
    assert_eq!(u16s(&df, s::ORIGIN_STATUS), [0, 0, 503, 502, 0, 0, 0, 0].map(Some).to_vec());
    let err = strs(&df, s::ERROR);
    assert_eq!(err[0].as_deref(), Some("OriginConnectError"));
    assert_eq!(err[2].as_deref(), Some("Error"));
    assert_eq!(err[6].as_deref(), Some("LambdaExecutionError"));
    assert_eq!(
        signatures(&df),
        vec![
            Some("origin_unreachable".into()),
            Some("origin_unreachable".into()),
            Some("origin_5xx".into()),
            Some("origin_5xx".into()),
            None,
            None,
            Some("edge_500".into()),
            None
        ]
    );
    assert_eq!(u32s(&df, s::DURATION_MS)[1], Some(30_000));
    assert_eq!(strs(&df, s::PATH)[1].as_deref(), Some("/api?a=1"));
    assert_eq!(strs(&df, s::USER_AGENT)[2].as_deref(), Some("Mozilla/5.0 (Windows NT 10.0)"));
    assert_eq!(strs(&df, s::HOST)[0].as_deref(), Some("shop.example.com"));
    assert_eq!(strs(&df, s::ZONE)[0].as_deref(), Some("d1.cloudfront.net"));
    // The short line (31 of 33 columns) keeps what it has.
    assert_eq!(strs(&df, s::REQUEST_ID)[7].as_deref(), Some("id-short"));
    // CloudFront POPs get their region from the embedded table.
    for pop in ["SCL", "GRU", "IAD", "FRA", "LHR", "NRT", "SEA", "LAX", "EWR"] {
        assert_ne!(blastradius::geo::region(pop), blastradius::geo::UNKNOWN_REGION, "{pop}");
    }
}

#[test]
fn akamai_strings_dashes_and_error_codes() {
    let (df, acc) = read(&[fixture("akamai/ds2.json")], &no_dedup());
    let acc = balanced(acc);
    assert_eq!(acc.files[0].format.as_deref(), Some("akamai_datastream2"));
    assert_eq!((acc.events, acc.rejected), (4, 3));
    assert_eq!(kinds(&acc), map(&[("bad timestamp", 1), ("invalid JSON", 1), ("truncated JSON", 1)]));
    assert_eq!(times(&df)[0], 1_763_464_801_280_000_000);
    assert_eq!(u16s(&df, s::EDGE_STATUS), [200, 503, 502, 500].map(Some).to_vec());
    assert_eq!(u16s(&df, s::ORIGIN_STATUS), [0, 0, 502, 0].map(Some).to_vec());
    assert_eq!(
        signatures(&df),
        vec![None, Some("origin_unreachable".into()), Some("origin_5xx".into()), Some("edge_500".into())]
    );
    assert_eq!(strs(&df, s::PATH)[1].as_deref(), Some("api/x?a=1"));
    assert_eq!(strs(&df, s::USER_AGENT)[0].as_deref(), Some("Mozilla/5.0"));
    assert_eq!(u32s(&df, s::DURATION_MS)[0], Some(11));
    assert_eq!(strs(&df, s::POP)[0].as_deref(), Some("23.50.55.38"));
}

#[test]
fn fastly_json_and_syslog() {
    let (df, acc) = read(&[fixture("fastly/json.log")], &no_dedup());
    let acc = balanced(acc);
    assert_eq!(acc.files[0].format.as_deref(), Some("fastly_json"));
    assert_eq!((acc.events, acc.rejected), (5, 2));
    assert_eq!(
        strs(&df, s::POP).iter().map(|p| p.as_deref().unwrap()).collect::<Vec<_>>(),
        vec!["SJC", "SJC", "LHR", "LCY", "AMS"]
    );
    assert_eq!(u16s(&df, s::ORIGIN_STATUS), [0, 503, 0, 0, 200].map(Some).to_vec());
    assert_eq!(
        signatures(&df),
        vec![None, Some("origin_5xx".into()), Some("origin_unreachable".into()), Some("edge_500".into()), None]
    );
    assert_eq!(strs(&df, s::CLIENT_COUNTRY)[0].as_deref(), Some("US"));

    let (df, acc) = read(&[fixture("fastly/syslog.log")], &no_dedup());
    let acc = balanced(acc);
    assert_eq!(acc.files[0].format.as_deref(), Some("fastly_syslog"));
    assert_eq!((acc.events, acc.rejected), (3, 1));
    assert_eq!(strs(&df, s::POP)[2].as_deref(), Some("LHR"));
    assert_eq!(signatures(&df)[1].as_deref(), Some("unattributed_5xx"));
}

#[test]
fn an_nginx_log_format_makes_upstream_fields_origin_fields() {
    let conf = std::fs::read_to_string(fixture("nginx/log_format.conf")).unwrap();
    let opts = IngestOptions { log_format: Some(conf), ..no_dedup() };
    let (df, acc) = read(&[fixture("nginx/upstream.log")], &opts);
    let acc = balanced(acc);
    assert_eq!(acc.files[0].format.as_deref(), Some("nginx_log_format"));
    assert_eq!((acc.events, acc.rejected), (7, 1));
    assert_eq!(kinds(&acc), map(&[("does not match --log-format", 1)]));
    assert_eq!(u16s(&df, s::ORIGIN_STATUS), vec![Some(200), Some(503), Some(0), Some(0), Some(200), None, Some(200)]);
    assert_eq!(
        signatures(&df),
        vec![
            None,
            Some("origin_5xx".into()),
            Some("edge_502".into()),
            Some("origin_unreachable".into()),
            None,
            None,
            None
        ]
    );
    assert_eq!(strs(&df, s::ERROR)[3].as_deref(), Some("upstream_no_response"));
    assert_eq!(u32s(&df, s::ORIGIN_DURATION_MS)[1], Some(249));
    assert_eq!(u32s(&df, s::DURATION_MS)[3], Some(3001));
    // Without the format the same file is a combined log: nothing is attributed.
    let (df, acc) = read(&[fixture("nginx/upstream.log")], &no_dedup());
    assert_eq!(acc.files[0].format.as_deref(), Some("combined"));
    assert!(u16s(&df, s::ORIGIN_STATUS).iter().all(Option::is_none));
    // A format without a time or a status is refused before any work.
    let bad = IngestOptions { log_format: Some("$remote_addr $status".into()), ..no_dedup() };
    assert!(bad.validate().unwrap_err().to_string().contains("--log-format"));
}

#[test]
fn detection_by_content_and_a_forced_format() {
    use blastradius::formats::detect;
    let head = |p: &str| std::fs::read(fixture(p)).unwrap();
    for (file, id) in [
        ("combined/nasty.log", "combined"),
        ("cloudfront/standard.log", "cloudfront_standard"),
        ("akamai/ds2.json", "akamai_datastream2"),
        ("fastly/json.log", "fastly_json"),
        ("fastly/syslog.log", "fastly_syslog"),
        ("logpush/mixed_encodings.ndjson", "cloudflare_logpush"),
    ] {
        assert_eq!(detect(&head(file)).map(|f| f.id()), Some(id), "{file}");
    }
    assert!(detect(b"hello\nworld\n").is_none());
    // Forcing a format that does not fit rejects every line, with the format's reasons.
    let opts = IngestOptions { format: Some("combined".into()), ..no_dedup() };
    let (_, acc) = read(&[fixture("akamai/ds2.json")], &opts);
    assert_eq!((balanced(acc.clone()).events, acc.rejected), (0, 7));
}

fn copy(from: &str, dir: &std::path::Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::copy(fixture(from), &p).unwrap();
    p
}

#[test]
fn a_mixed_folder_is_read_in_one_run_and_a_file_that_fits_nothing_is_named() {
    let dir = tempfile::tempdir().unwrap();
    copy("cloudfront/standard.log", dir.path(), "E2ABCD.2025-11-18-11.a1b2c3.log");
    copy("combined/nasty.log", dir.path(), "access.log");
    copy("akamai/ds2.json", dir.path(), "ds2.json");
    copy("fastly/json.log", dir.path(), "fastly.log");
    copy("logpush/mixed_encodings.ndjson", dir.path(), "logpush.ndjson");
    std::fs::write(dir.path().join("notes.txt"), "call with the vendor at 14:00\nno action yet\n").unwrap();
    let (df, acc) = read(&[dir.path().to_path_buf()], &no_dedup());
    let acc = balanced(acc);
    let formats: BTreeMap<String, Option<String>> =
        acc.files.iter().map(|f| (f.file.rsplit('/').next().unwrap().to_string(), f.format.clone())).collect();
    assert_eq!(formats["E2ABCD.2025-11-18-11.a1b2c3.log"].as_deref(), Some("cloudfront_standard"));
    assert_eq!(formats["access.log"].as_deref(), Some("combined"));
    assert_eq!(formats["ds2.json"].as_deref(), Some("akamai_datastream2"));
    assert_eq!(formats["fastly.log"].as_deref(), Some("fastly_json"));
    assert_eq!(formats["logpush.ndjson"].as_deref(), Some("cloudflare_logpush"));
    assert_eq!(formats["notes.txt"], None);
    let notes = acc.files.iter().find(|f| f.file.ends_with("notes.txt")).unwrap();
    assert!(notes.note.as_deref().unwrap().contains("fits no known format"), "{notes:?}");
    let providers: std::collections::BTreeSet<String> = strs(&df, s::PROVIDER).into_iter().flatten().collect();
    assert_eq!(providers.len(), 5, "{providers:?}");
    assert_eq!(df.height() as u64, acc.events);
}
