#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs,
    reason = "a benchmark harness over generated input"
)]
//! Throughput of the two hot paths, `rates` and ingest to Parquet, on generated Logpush files of
//! several sizes (bytes per second). Run with `cargo bench`; the paired comparison against
//! `DuckDB` and polars is in `BENCHMARKS.md`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::LazyLock;

use blastradius::ingest::{discover, IngestOptions, Input, NoProgress};
use divan::counter::BytesCount;
use divan::Bencher;

fn main() {
    divan::main();
}

const POPS: [&str; 8] = ["SCL", "GRU", "LHR", "FRA", "IAD", "SJC", "NRT", "SYD"];

/// A Logpush file of `lines` lines (~600 bytes each), written once per size.
fn file(lines: usize) -> (PathBuf, u64) {
    let dir = std::env::temp_dir().join("blastradius-bench");
    std::fs::create_dir_all(&dir).ok();
    let path = dir.join(format!("logpush_{lines}.ndjson"));
    if !path.exists() {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..lines {
            let pop = POPS[i % POPS.len()];
            let (edge, origin) = if i % 37 == 0 {
                (500, 0)
            } else if i % 101 == 0 {
                (502, 502)
            } else {
                (200, 200)
            };
            let t = 1_763_464_800 + (i / 500) as u64;
            writeln!(
                w,
                r#"{{"CacheCacheStatus":"dynamic","ClientCountry":"cl","ClientIP":"203.0.113.{}","ClientRequestHost":"chat.example.com","ClientRequestMethod":"GET","ClientRequestProtocol":"HTTP/2","ClientRequestURI":"/backend-api/conversation/{i}","ClientRequestUserAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36","ClientSSLProtocol":"TLSv1.3","EdgeColoCode":"{pop}","EdgeEndTimestamp":"2025-11-18T11:20:03Z","EdgeResponseBytes":{},"EdgeResponseStatus":{edge},"EdgeStartTimestamp":{t},"EdgeTimeToFirstByteMs":{},"OriginResponseDurationMs":{},"OriginResponseStatus":{origin},"RayID":"{:016x}","ZoneName":"example.com"}}"#,
                i % 250,
                1000 + i % 5000,
                i % 300,
                i % 250,
                0x9a00_0000_0000_0000_u64 + i as u64
            )
            .unwrap();
        }
    }
    let len = std::fs::metadata(&path).map_or(0, |m| m.len());
    (path, len)
}

static SIZES: LazyLock<Vec<(Vec<Input>, u64)>> = LazyLock::new(|| {
    [10_000, 100_000, 1_000_000]
        .into_iter()
        .map(|n| {
            let (p, len) = file(n);
            (discover(&[p]).0, len)
        })
        .collect()
});

#[divan::bench(args = [0, 1, 2], sample_count = 5)]
fn rates(b: Bencher, size: usize) {
    let (inputs, len) = &SIZES[size];
    b.counter(BytesCount::new(*len))
        .bench(|| blastradius::rates::compute(inputs, &IngestOptions::default(), &NoProgress, 60, false).unwrap());
}

#[divan::bench(args = [0, 1, 2], sample_count = 5)]
fn ingest_to_parquet(b: Bencher, size: usize) {
    let (inputs, len) = &SIZES[size];
    let out = std::env::temp_dir().join("blastradius-bench").join("out.parquet");
    b.counter(BytesCount::new(*len)).bench(|| {
        blastradius::frame::ingest_to_parquet(inputs, &IngestOptions::default(), &NoProgress, &out, None).unwrap()
    });
}
