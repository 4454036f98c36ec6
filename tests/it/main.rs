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
mod cli;
mod corpus;
mod formats;
mod hostile;
mod ingest;
mod pasted;
mod props;
mod report;
mod signals;
mod signatures;
mod state;
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

/// Checks the accounting invariant and returns the accounting.
pub fn balanced(acc: Accounting) -> Accounting {
    assert!(acc.balanced(), "lines != events + rejected + duplicates: {acc:#?}");
    acc
}

/// A file or folder of the shared corpus, or `None` (with a note) when the corpus is absent.
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let root = std::env::var_os("BLASTRADIUS_CORPUS")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"), PathBuf::from);
    let p = root.join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("corpus file {} not present; skipping", p.display());
        None
    }
}
