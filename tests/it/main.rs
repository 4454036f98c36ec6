//! Integration tests: the library and the real binary on fixtures, the shared corpus (when
//! present) and generated hostile inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::format_collect,
    clippy::items_after_statements,
    reason = "test code: a failed unwrap is a failed test"
)]

mod accuracy;
mod cached;
mod cli;
mod corpus;
mod forensics;
mod formats;
mod hostile;
mod ingest;
mod pasted;
mod patterns;
mod props;
mod report;
mod signals;
mod signatures;
mod state;
mod store;
mod timeline;
mod users;

use std::path::{Path, PathBuf};

use blastradius::ingest::{discover, Accounting, IngestOptions};

/// A fixture path.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// Reads paths into an event frame with the given options.
pub fn read(paths: &[PathBuf], opts: &IngestOptions) -> (polars::prelude::DataFrame, Accounting) {
    let (inputs, errors) = discover(paths);
    assert!(errors.is_empty(), "{errors:?}");
    blastradius::frame::read_events(&inputs, opts).unwrap()
}

/// Checks the accounting invariant and returns the accounting. `Accounting::balanced` alone
/// could not catch a lost line (the reader counts both sides), so each readable file's lines are
/// also counted here, independently of the reader: its non-blank lines after decompression
/// (line formats: lines read + header lines), or its `log.entries` (HAR).
pub fn balanced(acc: Accounting) -> Accounting {
    assert!(acc.balanced(), "lines != events + rejected + duplicates + filtered: {acc:#?}");
    let mut total = 0;
    for f in &acc.files {
        total += f.lines;
        if f.error.is_some() || f.file == "-" {
            continue;
        }
        if let Some(n) = independent_count(f) {
            assert_eq!(n, f.lines + f.headers, "{}: the reader's lines against an independent count", f.file);
        }
    }
    assert_eq!(total, acc.lines, "the files' lines add up to the total");
    acc
}

/// A file's records counted without the crate's reader, when its format is one whose records
/// can be counted that way (not client logs, whose records are the reader's own framing).
fn independent_count(f: &blastradius::ingest::FileAccount) -> Option<u64> {
    use std::io::Read;
    let raw = std::fs::read(&f.file).ok()?;
    let mut bytes = Vec::new();
    match f.compression.as_deref() {
        Some("gzip") => {
            flate2::read::MultiGzDecoder::new(raw.as_slice()).read_to_end(&mut bytes).ok()?;
        }
        Some("zstd") => bytes = zstd::decode_all(raw.as_slice()).ok()?,
        _ => bytes = raw,
    }
    match f.format.as_deref()? {
        "client_log" => None,
        blastradius::ingest::cached::FORMAT_ID => {
            use polars::prelude::SerReader;
            let mut r = polars::prelude::ParquetReader::new(std::fs::File::open(&f.file).ok()?);
            Some(r.num_rows().ok()? as u64)
        }
        "har" => {
            let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
            Some(v["log"]["entries"].as_array()?.len() as u64)
        }
        _ => Some(
            bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(l).trim_ascii().is_empty())
                .count() as u64,
        ),
    }
}

/// A file or folder of the shared corpus, or `None` (with a note) when the corpus is absent.
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let root = std::env::var_os("BLASTRADIUS_CORPUS")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"), PathBuf::from);
    let p = root.join(rel);
    if p.exists() {
        Some(p)
    } else {
        // CI has the corpus: there a missing file is a broken checkout, not a skip.
        assert!(std::env::var_os("CI").is_none(), "corpus file {} not present and CI is set", p.display());
        eprintln!("corpus file {} not present; skipping", p.display());
        None
    }
}
