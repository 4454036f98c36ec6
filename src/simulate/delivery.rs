//! Delivery: requests become lines in one gzip file per one-minute batch, with the quirks of a
//! real Logpush bucket.
//!
//! - Each file is `logs/YYYYMMDD/<start>_<end>_<hash>.log.gz`, named after its minute.
//! - Each file draws its timestamp encoding (see [`Encoding`]).
//! - Lines are shuffled within a file.
//! - About 1% of requests arrive one batch late (in the next minute's file).
//! - About 0.2% of lines are written twice: the exact same bytes, in the same file or the next
//!   one (the next only when it has the same encoding, so a copy is always byte-identical and
//!   every line is in its file's encoding).
//! - About 0.05% of lines are cut in the middle (no closing brace); a duplicated line is never
//!   cut, and a cut line's request is lost.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::clock;
use super::record::{Encoding, Request};
use super::truth::{Tally, Written};
use super::world::Pop;
use crate::{Error, Result};

/// Share of requests delivered one batch late.
const LATE: f64 = 0.01;
/// Share of lines written twice.
const DUPLICATE: f64 = 0.002;
/// Share of (non-duplicated) lines cut short.
const TRUNCATED: f64 = 0.0005;
/// Gzip level: fixed, so that output is byte-identical run to run.
const GZIP_LEVEL: u32 = 6;

/// Writes batches in order.
pub(super) struct Delivery {
    logs: PathBuf,
    rng: ChaCha8Rng,
    encodings: Vec<Encoding>,
    /// Requests held back for the next batch.
    late: Vec<Request>,
    /// Copies of lines to write again in the next batch.
    echoes: Vec<String>,
    pub written: Written,
}

impl Delivery {
    /// A delivery of `batches` one-minute batches into `logs`.
    pub fn new(logs: PathBuf, mut rng: ChaCha8Rng, batches: usize) -> Self {
        let encodings = (0..batches)
            .map(|_| Encoding::ALL.get(rng.random_range(0..Encoding::ALL.len())).copied().unwrap_or(Encoding::Rfc3339))
            .collect();
        Delivery { logs, rng, encodings, late: Vec::new(), echoes: Vec::new(), written: Written::default() }
    }

    /// Delivers batch `index` (the minute from `start`, unix seconds) holding the requests that
    /// started in it, less those held back, plus those held back from the previous batch.
    pub fn batch(
        &mut self,
        index: usize,
        start: i64,
        fresh: impl Iterator<Item = Request>,
        pops: &[Pop],
        tally: &mut Tally,
    ) -> Result<()> {
        let encoding = self.encodings.get(index).copied().unwrap_or(Encoding::Rfc3339);
        let next = self.encodings.get(index + 1).copied();
        let mut requests = std::mem::take(&mut self.late);
        for r in fresh {
            if next.is_some() && self.rng.random::<f64>() < LATE {
                self.late.push(r);
            } else {
                requests.push(r);
            }
        }
        let mut lines = std::mem::take(&mut self.echoes);
        for r in &requests {
            let mut line = String::with_capacity(640);
            r.push_line(pops, encoding, &mut line);
            if self.rng.random::<f64>() < DUPLICATE {
                self.written.duplicates += 1;
                if next == Some(encoding) && self.rng.random::<bool>() {
                    self.echoes.push(line.clone());
                } else {
                    lines.push(line.clone());
                }
            } else if self.rng.random::<f64>() < TRUNCATED {
                self.written.truncated += 1;
                let cut = line.len() / 4 + self.rng.random_range(0..(line.len() / 2).max(1));
                line.truncate(cut);
                lines.push(line);
                continue;
            }
            tally.count(r);
            lines.push(line);
        }
        if lines.is_empty() {
            return Ok(());
        }
        lines.shuffle(&mut self.rng);
        let hash: u32 = self.rng.random();
        let dir = self.logs.join(clock::day_folder(start));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join(format!("{}_{}_{hash:08x}.log.gz", clock::compact(start), clock::compact(start + 60)));
        write_gz(&path, &lines)?;
        self.written.files += 1;
        self.written.lines += lines.len() as u64;
        Ok(())
    }
}

fn write_gz(path: &Path, lines: &[String]) -> Result<()> {
    let mut text = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in lines {
        text.extend_from_slice(l.as_bytes());
        text.push(b'\n');
    }
    let mut gz = GzEncoder::new(Vec::with_capacity(text.len() / 6), Compression::new(GZIP_LEVEL));
    gz.write_all(&text).map_err(|e| Error::io(path, e))?;
    let bytes = gz.finish().map_err(|e| Error::io(path, e))?;
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}
