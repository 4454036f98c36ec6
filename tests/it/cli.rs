//! The real binary.

use std::io::Write;
use std::process::{Command, Stdio};

use polars::prelude::SerReader;

use crate::fixture;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
}

/// Runs the binary with a fixture piped to its standard input.
fn with_stdin(args: &[&str], fixture_path: &str) -> std::process::Output {
    let mut child =
        bin().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(&std::fs::read(fixture(fixture_path)).unwrap()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn help_documents_exit_codes_and_subcommands() {
    let out = bin().arg("--help").output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    for word in
        ["Exit codes", "ingest", "rates", "timeline", "classify", "analyze", "explain", "simulate", "report", "batch"]
    {
        assert!(s.contains(word), "--help lacks {word}");
    }
}

#[test]
fn ingest_writes_parquet_and_quarantine_keeps_rejected_lines_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("events.parquet");
    let q = dir.path().join("rejected.ndjson");
    let st = bin()
        .args(["ingest", "-q", "-o"])
        .arg(&out)
        .arg("--quarantine")
        .arg(&q)
        .arg(fixture("logpush/hostile.ndjson"))
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(0), "{}", String::from_utf8_lossy(&st.stderr));
    let df = polars::prelude::ParquetReader::new(std::fs::File::open(&out).unwrap()).finish().unwrap();
    assert_eq!(df.height(), 2);
    let original = std::fs::read_to_string(fixture("logpush/hostile.ndjson")).unwrap();
    let rejected: Vec<&str> = original.lines().skip(1).take(8).collect();
    let quarantined = std::fs::read_to_string(&q).unwrap();
    assert_eq!(quarantined.lines().collect::<Vec<_>>(), rejected);
}

#[test]
fn stdin_and_the_accounting_line() {
    let out = with_stdin(&["rates", "-", "--format", "csv"], "logpush/mixed_encodings.ndjson");
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("7 lines = 6 events + 0 rejected + 1 duplicates"), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("bucket,pop,requests,status_5xx,edge_5xx,status_502"));
    assert_eq!(stdout.lines().count(), 5);
}

#[test]
fn nothing_read_exits_2_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.txt");
    std::fs::write(&p, "hello\nworld\n").unwrap();
    let out = bin().args(["rates"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("nothing could be read") && err.contains("notes.txt") && err.contains("fits no known format"),
        "{err}"
    );
}

#[test]
fn a_failed_file_beside_good_ones_exits_1() {
    let out = bin()
        .args(["rates", "-q", "--format", "csv"])
        .arg(fixture("logpush/mixed_encodings.ndjson"))
        .arg(fixture("logpush/does-not-exist.ndjson"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().contains("does-not-exist.ndjson"));
    assert!(!out.stdout.is_empty());
}

#[test]
fn explain_prints_a_signature_and_lists_them_all() {
    let out = bin().args(["explain", "cf_52x"]).output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("522") && s.contains("## False positives"));
    let out = bin().arg("explain").output().unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    for id in ["edge_500", "edge_502", "origin_5xx", "cf_52x", "rate_limited"] {
        assert!(s.contains(id));
    }
    assert_eq!(bin().args(["explain", "nope"]).output().unwrap().status.code(), Some(2));
}

#[test]
fn terminal_output_strips_escape_sequences_from_log_content() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("evil.ndjson");
    std::fs::write(&p, "{\"EdgeStartTimestamp\":1763464800,\"EdgeColoCode\":\"\\u001b[31mSCL\\u001b]0;pwned\\u0007\",\"EdgeResponseStatus\":200}\n").unwrap();
    let out = bin().args(["rates", "--format", "table"]).arg(&p).output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s:?}");
    assert!(s.contains("SCL"));
}

#[test]
fn stdin_can_be_named_only_once() {
    let out = with_stdin(&["rates", "-q", "-", "-", "--format", "csv"], "logpush/mixed_encodings.ndjson");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().contains("standard input can be read only once"));
}

#[test]
fn classify_prints_one_object_per_event_with_its_evidence_and_edge_verdict() {
    let out = bin()
        .args(["classify", "-q"])
        .arg(fixture("har/outage-chrome.har"))
        .arg(fixture("join/edge.ndjson"))
        .arg(fixture("client/node-cli.log"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 4 + 9 + 4, "every event, healthy ones included");
    let har0 = &rows[0];
    assert_eq!(har0["entry"], 0);
    assert!(har0.get("line").is_none());
    assert_eq!(har0["signature"], "edge_500");
    assert!(har0["evidence"].as_str().unwrap().contains("cloudflare"));
    assert_eq!(har0["edge_verdict"], "edge_500");
    assert_eq!(har0["joined_by"], "request_id");
    assert_eq!(rows[2]["signature"], serde_json::Value::Null, "the sign-in redirect is healthy");
    let node: Vec<&serde_json::Value> =
        rows.iter().filter(|r| r["file"].as_str().unwrap().ends_with("node-cli.log")).collect();
    assert_eq!(node[1]["line"], 2);
    assert_eq!(node[1]["signature"], "conn_reset");
    let edge = rows.iter().find(|r| r["file"].as_str().unwrap().ends_with("edge.ndjson") && r["line"] == 2).unwrap();
    assert_eq!(edge["signature"], "edge_500");
    // Parquet needs a file; the table renders.
    let out = bin().args(["classify", "-q", "--format", "parquet"]).arg(fixture("client")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out =
        bin().args(["classify", "-q", "--format", "table", "--failures-only"]).arg(fixture("client")).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("conn_reset"));
}

#[test]
fn analyze_reads_a_folder_of_mixed_vendors_in_one_command() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("incident");
    std::fs::create_dir(&logs).unwrap();
    for (from, to) in [
        ("cloudfront/standard.log", "cloudfront.log"),
        ("combined/nasty.log", "access.log"),
        ("akamai/ds2.json", "ds2.json"),
        ("fastly/json.log", "fastly.log"),
        ("logpush/mixed_encodings.ndjson", "logpush.ndjson"),
    ] {
        std::fs::copy(fixture(from), logs.join(to)).unwrap();
    }
    std::fs::write(logs.join("README.txt"), "what these logs are\n").unwrap();
    std::fs::write(logs.join("truth.json"), "{\n  \"incidents\": []\n}\n").unwrap();
    std::fs::write(logs.join("call-notes.txt"), "notes from the call\n").unwrap();
    let out = dir.path().join("report");
    let run = bin().arg("analyze").arg(&logs).arg("--out").arg(&out).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("2 header or comment lines"), "{stderr}");
    // A file that fits no format is named in one short line; plain non-logs are not named at all.
    let notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(notes[0].contains("call-notes.txt") && notes[0].contains("fits no known format"), "{stderr}");
    assert!(notes[0].len() < 400, "{}", notes[0]);
    assert!(!stderr.contains("README.txt") && !stderr.contains("truth.json"), "{stderr}");
    for f in ["report.md", "timeline.json", "events.parquet", "accounting.json"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let acc: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("accounting.json")).unwrap()).unwrap();
    let quiet: Vec<&str> = acc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["not_a_log"] == true)
        .map(|f| f["file"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(quiet, ["README.txt", "truth.json"]);
    let formats: Vec<&str> = acc["files"].as_array().unwrap().iter().filter_map(|f| f["format"].as_str()).collect();
    for id in ["cloudfront_standard", "combined", "akamai_datastream2", "fastly_json", "cloudflare_logpush"] {
        assert!(formats.contains(&id), "{id} not in {formats:?}");
    }
    assert_eq!(
        acc["lines"].as_u64().unwrap(),
        acc["events"].as_u64().unwrap() + acc["rejected"].as_u64().unwrap() + acc["duplicates"].as_u64().unwrap()
    );
}

#[test]
fn a_named_file_that_fits_no_format_is_an_error_and_the_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("capture.pcap.txt");
    std::fs::write(&junk, "GET / HTTP/1.1\r\nHost: example.com\r\n").unwrap();
    let out =
        bin().args(["rates", "-q", "--format", "csv"]).arg(&junk).arg(fixture("combined/nasty.log")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("capture.pcap.txt") && err.contains("fits no known format (expected"), "{err}");
    assert!(err.contains("CloudFront") && err.contains("access log"), "{err}");
    // The access log still gives its table (one minute, no POP: a header and one row).
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
}

#[test]
fn log_format_on_the_command_line() {
    let conf = std::fs::read_to_string(fixture("nginx/log_format.conf")).unwrap();
    let out = bin()
        .args(["rates", "-q", "--format", "csv", "--log-format", &conf])
        .arg(fixture("nginx/upstream.log"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).unwrap();
    // 7 events over 7 seconds of one minute: 3 5xx, 2 of them built without an origin answer.
    assert!(csv.lines().nth(1).unwrap().starts_with("2025-11-18 11:20:00,,7,3,2,2,0"), "{csv}");
    let bad =
        bin().args(["rates", "--log-format", "$remote_addr"]).arg(fixture("nginx/upstream.log")).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8(bad.stderr).unwrap().contains("--log-format"));
}
