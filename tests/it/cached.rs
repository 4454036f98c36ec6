//! Event frames written by `analyze` and `ingest` read back as input: the same timeline, cohorts
//! and users' section as from the logs, without parsing them again.

use std::path::{Path, PathBuf};
use std::process::Command;

use blastradius::ingest::{self, IngestOptions};
use polars::prelude::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blastradius"))
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/nov18")
}

fn analyze(input: &Path, out: &Path, extra: &[&str]) {
    let o = bin().arg("analyze").arg(input).arg("--out").arg(out).arg("-q").args(extra).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn frame(p: &Path) -> DataFrame {
    let df = ParquetReader::new(std::fs::File::open(p).unwrap()).finish().unwrap();
    df.sort(["source_file", "source_line"], SortMultipleOptions::default()).unwrap()
}

#[test]
fn a_report_frame_gives_the_same_analysis_as_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, cached) = (dir.path().join("logs"), dir.path().join("cached"));
    analyze(&sample(), &logs, &[]);
    analyze(&logs.join("events.parquet"), &cached, &[]);

    let (mut a, mut b) = (json(&logs.join("timeline.json")), json(&cached.join("timeline.json")));
    assert_eq!(b["input"]["events"], a["input"]["events"]);
    assert_eq!(b["input"]["lines"], a["input"]["events"], "a frame's rows are its lines");
    a.as_object_mut().unwrap().remove("input");
    b.as_object_mut().unwrap().remove("input");
    assert_eq!(a, b, "the timeline from the frame is the timeline from the logs");

    // The frame is the report's frame: the file is kept byte for byte, not encoded again.
    assert_eq!(
        std::fs::read(logs.join("events.parquet")).unwrap(),
        std::fs::read(cached.join("events.parquet")).unwrap()
    );
    // The users' section is there: the frame's rows keep their source kind.
    let md = std::fs::read_to_string(cached.join("report.md")).unwrap();
    assert!(md.contains("## What users saw"), "{md}");
    // Named after the report directory, not the file.
    assert!(md.starts_with("# Incident report: logs"), "{}", md.lines().next().unwrap_or_default());
}

#[test]
fn re_analysing_in_place_keeps_the_frame_and_applies_the_new_method() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    analyze(&sample(), &out, &[]);
    let before = frame(&out.join("events.parquet"));
    analyze(&out.join("events.parquet"), &out, &["--bucket", "5m"]);
    assert!(before.height() > 0);
    assert!(before.equals_missing(&frame(&out.join("events.parquet"))), "the frame survives being its own input");
    assert!(!out.join("events.parquet.new").exists());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("rates in buckets of 300 s"), "{md}");
}

#[test]
fn a_frame_analysed_within_a_window_keeps_only_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let (logs, hour) = (dir.path().join("logs"), dir.path().join("hour"));
    analyze(&sample(), &logs, &[]);
    let w = ["--since", "2025-11-18T12:00:00Z", "--until", "2025-11-18T13:00:00Z"];
    analyze(&logs.join("events.parquet"), &hour, &w);
    let (all, kept) = (frame(&logs.join("events.parquet")), frame(&hour.join("events.parquet")));
    assert!(kept.height() > 0 && kept.height() < all.height(), "{} of {}", kept.height(), all.height());
    assert_eq!(json(&hour.join("timeline.json"))["input"]["events"], kept.height() as u64);
}

#[test]
fn a_window_filters_a_frame_and_every_row_is_accounted() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("events.parquet");
    let o = bin().arg("ingest").arg(sample()).arg("-o").arg(&parquet).arg("-q").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = frame(&parquet).height() as u64;

    let mut opts = IngestOptions::default();
    opts.window.since = Some(ingest::parse_time("2025-11-18T12:00:00Z").unwrap());
    opts.window.until = Some(ingest::parse_time("2025-11-18T13:00:00Z").unwrap());
    let (inputs, errors) = ingest::discover(std::slice::from_ref(&parquet));
    assert!(errors.is_empty());
    let (df, acc) = blastradius::frame::read_events(&inputs, &opts).unwrap();
    let acc = crate::balanced(acc);
    assert_eq!(acc.lines, rows);
    assert!(acc.filtered > 0 && acc.events > 0, "{acc:?}");
    assert_eq!(df.height() as u64, acc.events);
    let t = df.column("time").unwrap().datetime().unwrap().physical().clone();
    let (lo, hi) = (opts.window.since.unwrap(), opts.window.until.unwrap());
    assert!(t.iter().flatten().all(|v| v >= lo && v < hi));
}

#[test]
fn a_parquet_file_that_is_not_an_event_frame_is_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.parquet");
    let mut df = df!("a" => [1i64, 2, 3]).unwrap();
    ParquetWriter::new(std::fs::File::create(&other).unwrap()).finish(&mut df).unwrap();
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logpush/warehouse_export.ndjson");
    let (inputs, _) = ingest::discover(&[other.clone(), good]);
    let (_, acc) = blastradius::frame::read_events(&inputs, &IngestOptions::default()).unwrap();
    let bad = acc.files.iter().find(|f| f.file.ends_with("other.parquet")).unwrap();
    assert!(bad.error.as_deref().unwrap_or_default().contains("not an event frame"), "{bad:?}");
    assert!(acc.events > 0, "the log beside it is read");
}

#[test]
fn a_frame_keeps_the_formats_evidence_of_an_unreachable_origin() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("cf.log");
    let fields = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";
    let line = |detail: &str, id: &str| {
        format!("2019-12-13\t22:36:27\tSEA19-C1\t900\t89.160.20.112\tGET\td111111abcdef8.cloudfront.net\t/favicon.ico\t502\t-\tcurl\t-\t-\tError\t{id}\twww.example.com\thttp\t675\t0.102\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t25260\t0.102\t{detail}\ttext/html\t507\t-\t-\n")
    };
    let text = format!("#Version: 1.0\n#Fields: {fields}\n{}{}", line("OriginDnsError", "a1"), line("Error", "a2"));
    std::fs::write(&log, text).unwrap();
    let out = dir.path().join("r");
    analyze(&log, &out, &[]);
    let df = frame(&out.join("events.parquet"));
    let failure: Vec<Option<bool>> = df.column("origin_failure").unwrap().bool().unwrap().iter().collect();
    assert_eq!(failure, [Some(true), Some(false)]);
    let classify = |input: &Path| {
        let o = bin().arg("classify").arg(input).args(["--format", "ndjson"]).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["signature"].clone())
            .collect::<Vec<_>>()
    };
    let from_logs = classify(&log);
    assert_eq!(from_logs[0], "origin_unreachable");
    assert_eq!(from_logs, classify(&out.join("events.parquet")), "the frame's rows get the logs' signatures");
}

#[test]
fn a_frame_left_unfinished_is_not_a_readable_part_of_the_events() {
    let dir = tempfile::tempdir().unwrap();
    let logs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logpush/warehouse_export.ndjson");
    let (inputs, _) = ingest::discover(&[logs]);
    let (df, _) = blastradius::frame::read_events(&inputs, &IngestOptions::default()).unwrap();
    let chunk = || {
        let frame = df.drop_many(["source_line", "entry"]);
        let lines = (1..=frame.height() as u32).collect();
        blastradius::frame::EventChunk { frame, lines, abs_lines: Vec::new(), har_entries: false }
    };
    let (done, dropped) = (dir.path().join("done.parquet"), dir.path().join("dropped.parquet"));
    let mut sink = blastradius::frame::ParquetSink::create(&done).unwrap();
    sink.push(chunk(), 0).unwrap();
    assert_eq!(sink.finish().unwrap(), df.height() as u64);
    assert_eq!(frame(&done).height(), df.height());
    let mut sink = blastradius::frame::ParquetSink::create(&dropped).unwrap();
    sink.push(chunk(), 0).unwrap();
    drop(sink); // as when an error stops the run
    let read = ParquetReader::new(std::fs::File::open(&dropped).unwrap()).finish();
    assert!(read.is_err(), "an unfinished frame must not read as a complete one");
}
