//! Hostile inputs written at test time: every one is accounted, none crashes or hangs, and the
//! valid lines around them are kept.

use std::io::Write;
use std::path::{Path, PathBuf};

use blastradius::ingest::{discover, IngestOptions};

use crate::balanced;

fn line(i: u32, pop: &str, status: u16) -> String {
    format!(
        r#"{{"EdgeStartTimestamp":{},"EdgeColoCode":"{pop}","EdgeResponseStatus":{status},"OriginResponseStatus":0,"RayID":"{:016x}"}}"#,
        1_763_464_800 + i,
        0x00c0_ffee_0000_u64 + u64::from(i)
    )
}

fn lines(from: u32, n: u32) -> String {
    (from..from + n).map(|i| line(i, "SCL", 200) + "\n").collect()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, data).unwrap();
    p
}

fn run(paths: &[PathBuf], opts: &IngestOptions) -> (polars::prelude::DataFrame, blastradius::ingest::Accounting) {
    let (inputs, errors) = discover(paths);
    assert!(errors.is_empty());
    let (df, acc) = blastradius::frame::read_events(&inputs, opts).unwrap();
    (df, balanced(acc))
}

#[test]
fn truncated_gzip_keeps_what_came_before_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let full = gz(lines(0, 5000).as_bytes());
    let p = write(dir.path(), "cut.log.gz", &full[..full.len() / 2]);
    let (df, acc) = run(&[p], &IngestOptions::default());
    assert!(acc.events > 1000 && acc.events < 5000, "{}", acc.events);
    assert_eq!(df.height() as u64, acc.events);
    let f = &acc.files[0];
    assert!(f.error.as_deref().unwrap().contains("truncated or corrupt gzip"), "{:?}", f.error);
    // At most the one line cut in the middle is rejected.
    assert!(acc.rejected <= 1);
}

#[test]
fn multi_member_gzip_and_zstd_are_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut two = gz(lines(0, 100).as_bytes());
    two.extend(gz(lines(100, 100).as_bytes()));
    let a = write(dir.path(), "a.log.gz", &two);
    let z = zstd::encode_all(lines(200, 50).as_bytes(), 3).unwrap();
    let b = write(dir.path(), "b.data", &z); // name says nothing: detected from content
    let (_, acc) = run(&[a, b], &IngestOptions::default());
    assert_eq!((acc.events, acc.rejected), (250, 0));
    assert_eq!(acc.files[0].compression.as_deref(), Some("gzip"));
    assert_eq!(acc.files[1].compression.as_deref(), Some("zstd"));
}

#[test]
fn a_20_mb_line_is_rejected_and_its_neighbours_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = lines(0, 10).into_bytes();
    data.extend_from_slice(br#"{"EdgeStartTimestamp":1763464800,"pad":""#);
    data.extend(std::iter::repeat_n(b'x', 20 << 20));
    data.extend_from_slice(b"\"}\n");
    data.extend(lines(10, 10).into_bytes());
    let p = write(dir.path(), "big.ndjson", &data);
    let (_, acc) = run(&[p], &IngestOptions::default());
    assert_eq!((acc.lines, acc.events, acc.rejected), (21, 20, 1));
    assert_eq!(acc.rejects[0].line, 11);
    assert!(acc.rejects[0].reason.contains("line too long"), "{}", acc.rejects[0].reason);
    assert!(acc.rejects[0].reason.contains("--max-line-bytes"));
}

#[test]
fn a_long_line_within_a_raised_limit_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = lines(0, 3).into_bytes();
    data.extend_from_slice(br#"{"EdgeStartTimestamp":1763464800,"EdgeColoCode":"SCL","pad":""#);
    data.extend(std::iter::repeat_n(b'x', 3 << 20));
    data.extend_from_slice(b"\"}\n");
    let p = write(dir.path(), "long.ndjson", &data);
    let opts = IngestOptions { max_line_bytes: 8 << 20, chunk_bytes: 1 << 20, ..IngestOptions::default() };
    let (_, acc) = run(&[p], &opts);
    assert_eq!((acc.events, acc.rejected), (4, 0));
}

#[test]
fn deep_nesting_is_an_answer_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = lines(0, 2).into_bytes();
    data.extend_from_slice(br#"{"EdgeStartTimestamp":1763464800,"x":"#);
    data.extend(std::iter::repeat_n(b'[', 500_000));
    data.extend(std::iter::repeat_n(b']', 500_000));
    data.extend_from_slice(b"}\n");
    data.extend(lines(2, 2).into_bytes());
    let p = write(dir.path(), "deep.ndjson", &data);
    let (_, acc) = run(&[p], &IngestOptions::default());
    assert_eq!(acc.lines, 5);
    assert!(acc.events >= 4);
}

#[test]
fn garbage_is_skipped_in_a_directory_and_an_error_when_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut junk = vec![0u8; 4096];
    for (i, b) in junk.iter_mut().enumerate() {
        *b = (i * 7 + 3) as u8;
    }
    write(dir.path(), "20251118/junk.bin", &junk);
    write(dir.path(), "20251118/20251118T112000Z_20251118T112100Z_0a1b2c3d.log.gz", &gz(lines(0, 30).as_bytes()));
    write(dir.path(), "20251118/empty.log", b"");
    let (_, acc) = run(&[dir.path().to_path_buf()], &IngestOptions::default());
    assert_eq!(acc.events, 30);
    assert!(acc.failed_files().next().is_none());
    let junk_acc = acc.files.iter().find(|f| f.file.ends_with("junk.bin")).unwrap();
    assert!(junk_acc.note.as_deref().unwrap().starts_with("skipped: fits no known format"));
    let empty = acc.files.iter().find(|f| f.file.ends_with("empty.log")).unwrap();
    assert_eq!(empty.note.as_deref(), Some("empty file"));

    let (_, acc) = run(&[dir.path().join("20251118/junk.bin")], &IngestOptions::default());
    assert_eq!(acc.events, 0);
    let err = acc.files[0].error.as_deref().unwrap();
    assert!(err.contains("fits no known format") && err.contains("Logpush"), "{err}");
    assert!(acc.why_nothing().contains("junk.bin"));
}

#[test]
fn file_size_limit_stops_reading_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.ndjson", lines(0, 1000).as_bytes());
    let opts = IngestOptions { max_file_bytes: 20_000, ..IngestOptions::default() };
    let (_, acc) = run(&[p], &opts);
    assert!(acc.events > 0 && acc.events < 1000);
    assert!(acc.files[0].error.as_deref().unwrap().contains("--max-file-bytes"));
}

#[test]
fn a_bucket_directory_with_mixed_encodings_and_many_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let mut expected = 0;
    for (i, enc) in ["rfc", "unix", "nano"].iter().enumerate() {
        let body: String = (0..2000u32)
            .map(|j| {
                let n = i as u32 * 2000 + j;
                let t = 1_763_464_800 + u64::from(n);
                let ts = match *enc {
                    "rfc" => format!("\"{}\"", chrono::DateTime::from_timestamp(t as i64, 0).unwrap().to_rfc3339()),
                    "unix" => t.to_string(),
                    _ => (t * 1_000_000_000).to_string(),
                };
                format!("{{\"EdgeStartTimestamp\":{ts},\"EdgeColoCode\":\"AMS\",\"EdgeResponseStatus\":200,\"RayID\":\"{n:016x}\"}}\n")
            })
            .collect();
        expected += 2000;
        write(dir.path(), &format!("20251118/2025111{i}T000000Z_x_{i}.log.gz"), &gz(body.as_bytes()));
    }
    let opts = IngestOptions { chunk_bytes: 8192, threads: 3, ..IngestOptions::default() };
    let (df, acc) = run(&[dir.path().to_path_buf()], &opts);
    assert_eq!((acc.events, acc.rejected, acc.files.len() as u64), (expected, 0, 3));
    // Order is deterministic (files in name order, lines in file order) whatever the threads do.
    let t = df.column(blastradius::schema::TIME).unwrap().datetime().unwrap().physical().clone();
    let v: Vec<i64> = t.into_no_null_iter().collect();
    assert!(v.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(v.first(), Some(&1_763_464_800_000_000_000));
}
