use blastradius::ingest::IngestOptions;
use blastradius::schema as s;

use crate::{balanced, fixture, read};

#[test]
fn mixed_timestamp_encodings_decode_to_the_right_instants() {
    let (df, acc) = read(&[fixture("logpush/mixed_encodings.ndjson")], &IngestOptions::default());
    let acc = balanced(acc);
    assert_eq!((acc.lines, acc.events, acc.rejected, acc.duplicates), (7, 6, 0, 1));
    assert_eq!(acc.duplicate_examples.first().map(|d| d.line), Some(8));
    let t = df.column(s::TIME).unwrap().datetime().unwrap().physical().clone();
    let secs: Vec<i64> = t.into_no_null_iter().map(|ns| ns / 1_000_000_000).collect();
    assert_eq!(secs, vec![1_763_464_803, 1_763_464_804, 1_763_464_805, 1_763_464_806, 1_763_464_807, 1_763_464_861]);
    // Sub-second precision survives: 12:20:07.5+01:00 is 11:20:07.5Z.
    let ns = df.column(s::TIME).unwrap().datetime().unwrap().physical().get(4).unwrap();
    assert_eq!(ns % 1_000_000_000, 500_000_000);
    let pops: Vec<Option<&str>> = df.column(s::POP).unwrap().str().unwrap().iter().collect();
    assert_eq!(pops, vec![Some("SCL"), Some("SCL"), Some("GRU"), Some("GRU"), Some("FRA"), Some("FRA")]);
    let lines: Vec<u64> = df.column(s::SOURCE_LINE).unwrap().u64().unwrap().into_no_null_iter().collect();
    assert_eq!(lines, vec![1, 2, 3, 4, 5, 7], "line numbers are 1-based and count blank lines");
    let origin: Vec<Option<u16>> = df.column(s::ORIGIN_STATUS).unwrap().u16().unwrap().iter().collect();
    assert_eq!(origin, vec![Some(0), Some(200), Some(0), Some(503), None, Some(200)]);
    assert_eq!(df.column(s::DURATION_MS).unwrap().u32().unwrap().get(0), Some(250));
}

#[test]
fn dedup_can_be_switched_off() {
    let opts = IngestOptions { dedup: false, ..IngestOptions::default() };
    let (df, acc) = read(&[fixture("logpush/mixed_encodings.ndjson")], &opts);
    assert_eq!((balanced(acc).events, df.height()), (7, 7));
}

#[test]
fn hostile_lines_are_rejected_with_file_line_and_reason() {
    let (df, acc) = read(&[fixture("logpush/hostile.ndjson")], &IngestOptions::default());
    let acc = balanced(acc);
    assert_eq!((acc.lines, acc.events, acc.rejected), (10, 2, 8));
    assert_eq!(df.height(), 2);
    let rejected: Vec<u64> = acc.rejects.iter().map(|r| r.line).collect();
    assert_eq!(rejected, vec![2, 3, 4, 5, 6, 7, 8, 9]);
    let reason = |line: u64| acc.rejects.iter().find(|r| r.line == line).unwrap().reason.clone();
    assert!(reason(2).starts_with("not a JSON object"), "{}", reason(2));
    assert!(reason(6).starts_with("bad timestamp: EdgeStartTimestamp"), "{}", reason(6));
    assert!(reason(7).starts_with("truncated JSON"), "{}", reason(7));
    assert!(reason(8).starts_with("missing field"), "{}", reason(8));
    assert!(acc.rejects.iter().all(|r| r.file.ends_with("hostile.ndjson")));
}

#[test]
fn bom_crlf_and_invalid_utf8() {
    let (df, acc) = read(&[fixture("logpush/bom_crlf_utf8.ndjson")], &IngestOptions::default());
    let acc = balanced(acc);
    assert_eq!((acc.lines, acc.events, acc.rejected), (3, 2, 1));
    assert_eq!(acc.reject_kinds.get("invalid UTF-8"), Some(&1));
    let rid: Vec<Option<&str>> = df.column(s::REQUEST_ID).unwrap().str().unwrap().iter().collect();
    assert_eq!(rid, vec![Some("bbbbbbbbbbbbbb01"), Some("bbbbbbbbbbbbbb02")]);
}

#[test]
fn the_frame_has_the_canonical_schema() {
    let (df, _) = read(&[fixture("logpush/mixed_encodings.ndjson")], &IngestOptions::default());
    let want = s::event_schema();
    let got = df.schema();
    assert_eq!(got.len(), want.len());
    for ((gn, gt), (wn, wt)) in got.iter().zip(want.iter()) {
        assert_eq!((gn, gt), (wn, wt));
    }
    let f = df.column(s::SOURCE_FORMAT).unwrap().str().unwrap().get(0).map(str::to_string);
    assert_eq!(f.as_deref(), Some("cloudflare_logpush"));
}

#[test]
fn rates_match_a_row_by_row_count_of_the_lines() {
    let (inputs, _) = blastradius::ingest::discover(&[fixture("logpush/mixed_encodings.ndjson")]);
    let (t, acc) =
        blastradius::rates::compute(&inputs, &IngestOptions::default(), &blastradius::ingest::NoProgress, 60, false)
            .unwrap();
    balanced(acc);
    let mut csv = Vec::new();
    blastradius::rates::write_csv(&t, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').take(7).collect()).collect();
    assert_eq!(rows[0], ["bucket", "pop", "requests", "status_5xx", "edge_5xx", "status_502", "status_4xx"]);
    assert_eq!(
        &rows[1..],
        [
            // The 522 records no origin status: a 5xx, and `cf_52x`, but not counted as edge-generated.
            vec!["2025-11-18 11:20:00", "FRA", "1", "1", "0", "0", "0"],
            vec!["2025-11-18 11:20:00", "GRU", "2", "2", "1", "1", "0"],
            vec!["2025-11-18 11:20:00", "SCL", "2", "1", "1", "0", "0"],
            vec!["2025-11-18 11:21:00", "FRA", "1", "0", "0", "0", "0"],
        ]
    );
    let total = t.total();
    use blastradius::signatures::Signature::*;
    assert_eq!(
        (total.signature(Edge500), total.signature(Edge502), total.signature(Origin5xx), total.signature(Cf52x)),
        (1, 1, 1, 1)
    );
}

#[test]
fn rates_merge_is_order_independent() {
    let (inputs, _) =
        blastradius::ingest::discover(&[fixture("logpush/mixed_encodings.ndjson"), fixture("logpush/hostile.ndjson")]);
    let opts = IngestOptions { dedup: false, ..IngestOptions::default() };
    let whole = blastradius::rates::compute(&inputs, &opts, &blastradius::ingest::NoProgress, 60, true).unwrap().0;
    let a = blastradius::rates::compute(&inputs[..1], &opts, &blastradius::ingest::NoProgress, 60, true).unwrap().0;
    let b = blastradius::rates::compute(&inputs[1..], &opts, &blastradius::ingest::NoProgress, 60, true).unwrap().0;
    let mut ab = a.clone();
    ab.merge(b.clone());
    let mut ba = b;
    ba.merge(a);
    assert_eq!(ab, whole);
    assert_eq!(ba, whole);
}

#[test]
fn signature_column_agrees_with_the_aggregate() {
    let (mut df, _) = read(&[fixture("logpush/mixed_encodings.ndjson")], &IngestOptions::default());
    blastradius::signatures::classify(&mut df).unwrap();
    let sig: Vec<Option<&str>> = df.column(blastradius::signatures::SIGNATURE).unwrap().str().unwrap().iter().collect();
    assert_eq!(sig, vec![Some("edge_500"), None, Some("edge_502"), Some("origin_5xx"), Some("cf_52x"), None]);
}

#[test]
fn rates_of_an_event_frame_equal_the_rates_of_its_logs() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/nov18/logs");
    let (inputs, _) = blastradius::ingest::discover(&[sample]);
    let opts = IngestOptions::default();
    let logs = blastradius::rates::compute(&inputs, &opts, &blastradius::ingest::NoProgress, 60, true).unwrap().0;
    let (df, _) = blastradius::frame::read_events(&inputs, &opts).unwrap();
    let frame = blastradius::rates::state::from_events(&df, 60_000_000_000).unwrap();
    let rtt = |t: &blastradius::rates::RatesTable| t.rows.values().map(|c| c.rtt_n).sum::<u64>();
    assert!(rtt(&logs) > 0, "the sample records ClientTCPRTTMs");
    assert_eq!(rtt(&frame), rtt(&logs), "the frame's rates count the network's round trips too");
    assert_eq!(frame, logs);
    // A notebook's frame: statuses widened to Int64, times in microseconds; the same counts (the
    // first and last times lose their nanoseconds).
    use polars::prelude::*;
    let mut nb = df.clone();
    for c in [blastradius::schema::EDGE_STATUS, blastradius::schema::ORIGIN_STATUS] {
        let wide = nb.column(c).unwrap().cast(&DataType::Int64).unwrap();
        nb.with_column(wide).unwrap();
    }
    let us = nb
        .column(blastradius::schema::TIME)
        .unwrap()
        .cast(&DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)))
        .unwrap();
    nb.with_column(us).unwrap();
    let nbt = blastradius::rates::state::from_events(&nb, 60_000_000_000).unwrap();
    assert_eq!(nbt.rows.len(), logs.rows.len());
    let counts = |c: &blastradius::rates::Counts| (c.requests, c.status_5xx, c.edge_5xx, c.status_502, c.bytes);
    for (k, v) in &logs.rows {
        assert_eq!(nbt.rows.get(k).map(counts), Some(counts(v)), "{k:?}");
    }
}
