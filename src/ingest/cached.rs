//! Event frames as input: an `events.parquet` written by `ingest` or `analyze` is read back
//! instead of the logs it came from, so an analysis re-run with other parameters (bucket,
//! baseline, window, changes) never parses the logs again.
//!
//! A frame is recognised from its bytes (Parquet's `PAR1` magic and the event frame's own
//! columns), not from its name. Its rows go to the same collectors as parsed lines, run by run of
//! rows from one original file and format, so every aggregate, signature and report is computed
//! by the same code as from the logs; the rows keep their original `source_file` and
//! `source_line`. The frame is read in slices of at most [`SLICE_ROWS`] rows, each within one
//! row group (so that a slice reads as one chunk, never copied to be joined), one slice per core
//! at a time; their partials are handed on in the frame's order, so the result does not depend on
//! the number of cores. Memory stays bounded by those slices, whatever the frame's size.
//!
//! Accounting: each row is a line read and, unless `--since`/`--until` filter it, an event. The
//! frame was de-duplicated when it was written; rows are not de-duplicated again (nor against
//! logs read in the same run: mixing a frame with the logs it came from counts them twice).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use polars::prelude::*;

use super::{Accounting, ChunkCtx, Collector, FileAccount, IngestOptions, Input, Progress};
use crate::columns::EventRows;
use crate::schema as s;
use crate::{Error, Result};

/// Rows read and handed to the collectors at a time.
pub const SLICE_ROWS: usize = 64 * 1024;

/// The `format` recorded in the accounting of a frame read back.
pub const FORMAT_ID: &str = "blastradius_event_frame";

/// Whether `input` is an event frame: a local file that starts with Parquet's magic bytes.
/// (Whether it holds the event frame's columns is checked when it is read.)
pub fn is_event_frame(input: &Input) -> bool {
    let Input::File { path, .. } = input else { return false };
    let mut magic = [0u8; 4];
    File::open(path).and_then(|mut f| f.read_exact(&mut magic)).is_ok() && &magic == b"PAR1"
}

/// Reads event frames into `collector`, calling `sink` with each run's finished partial.
pub fn run<C, S>(
    inputs: &[Input],
    first_index: usize,
    opts: &IngestOptions,
    progress: &dyn Progress,
    collector: &C,
    sink: &mut S,
) -> Result<Accounting>
where
    C: Collector,
    S: FnMut(C::Done, &ChunkCtx<'_>, u64) -> Result<()>,
{
    let mut acc = Accounting::default();
    for (i, input) in inputs.iter().enumerate() {
        let mut fa = FileAccount { file: input.display(), format: Some(FORMAT_ID.to_string()), ..Default::default() };
        if let Input::File { path, .. } = input {
            match read_frame(path, first_index + i, opts, progress, collector, sink, &mut fa) {
                Ok(()) => {}
                Err(Stop::File(e)) => fa.error = Some(e.to_string()),
                Err(Stop::Run(e)) => return Err(e),
            }
        }
        acc.files.push(fa);
    }
    acc.total_files();
    Ok(acc)
}

/// Why reading a frame stopped: the file is unusable (its own error, the run goes on), or what
/// consumes the events failed (the run stops).
enum Stop {
    File(Error),
    Run(Error),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::File(e)
    }
}

impl From<PolarsError> for Stop {
    fn from(e: PolarsError) -> Self {
        Stop::File(e.into())
    }
}

fn read_frame<C, S>(
    path: &Path,
    file_index: usize,
    opts: &IngestOptions,
    progress: &dyn Progress,
    collector: &C,
    sink: &mut S,
    fa: &mut FileAccount,
) -> std::result::Result<(), Stop>
where
    C: Collector,
    S: FnMut(C::Done, &ChunkCtx<'_>, u64) -> Result<()>,
{
    let open = || File::open(path).map_err(|e| Error::io(path, e));
    fa.bytes = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
    let mut reader = ParquetReader::new(open()?);
    let rows = reader.num_rows()?;
    let metadata = reader.get_metadata()?.clone();
    let schema = reader.schema()?;
    for need in [s::TIME, s::SOURCE_FORMAT, s::SOURCE_FILE, s::SOURCE_LINE] {
        if !schema.contains(need) {
            return Err(Stop::File(Error::Invalid(format!(
                "a Parquet file that is not an event frame of this program (no `{need}` column)"
            ))));
        }
    }
    let formats = formats_for(opts)?;
    let mut groups = Vec::with_capacity(metadata.row_groups.len());
    for g in &metadata.row_groups {
        groups.push(g.num_rows());
    }
    let plan = slices(groups.into_iter(), rows);
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, MAX_READERS);
    let read = |&(start, len): &(usize, usize)| -> std::result::Result<Slice<C::Done>, Stop> {
        let mut r = ParquetReader::new(open()?).with_slice(Some((start, len)));
        r.set_metadata(metadata.clone());
        let mut df = r.finish()?;
        // A slice within one row group is one chunk already; rechunking is then free.
        df.rechunk_mut();
        let cols = EventRows::new(&df)?;
        feed(&cols, df.height(), file_index, opts, &formats, collector)
    };
    // The slices of a batch are read and counted in parallel, then handed on in their order.
    for batch in plan.chunks(threads) {
        let done: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch.iter().map(|slice| scope.spawn(move || read(slice))).collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err(Stop::Run(Error::Invalid("a frame reader failed".into())))))
                .collect()
        });
        for slice in done {
            let slice = slice?;
            fa.lines += slice.lines;
            fa.filtered += slice.filtered;
            for run in slice.runs {
                fa.events += run.events;
                let ctx = ChunkCtx { file_index, file: &run.file, format: &*run.parser };
                sink(run.done, &ctx, 0).map_err(Stop::Run)?;
            }
            progress.advance(fa.bytes.saturating_mul(slice.lines) / (rows as u64).max(1));
        }
    }
    Ok(())
}

/// Slices read in parallel at most (each holds up to [`SLICE_ROWS`] rows in memory).
const MAX_READERS: usize = 4;

/// The slices a frame is read in: `(first row, rows)`, each within one row group (so that it
/// reads as one chunk) and at most [`SLICE_ROWS`] rows. A frame without row groups in its
/// metadata is sliced evenly.
fn slices(groups: impl Iterator<Item = usize>, rows: usize) -> Vec<(usize, usize)> {
    let mut plan = Vec::new();
    let mut start = 0;
    for g in groups.chain(std::iter::once(rows)) {
        let end = (start + g).min(rows);
        while start < end {
            let len = (end - start).min(SLICE_ROWS);
            plan.push((start, len));
            start += len;
        }
    }
    plan
}

/// What one slice gave: its rows counted, and one finished partial per run of rows.
struct Slice<D> {
    lines: u64,
    filtered: u64,
    runs: Vec<Run<D>>,
}

/// A run of rows from one original file and format, as a finished partial.
struct Run<D> {
    file: String,
    parser: crate::formats::Parser,
    events: u64,
    done: D,
}

/// Hands the rows of one slice to the collector, one run of rows (same file and format) at a time.
fn feed<C: Collector>(
    cols: &EventRows<'_>,
    n: usize,
    file_index: usize,
    opts: &IngestOptions,
    formats: &crate::formats::FormatSet,
    collector: &C,
) -> std::result::Result<Slice<C::Done>, Stop> {
    let mut out = Slice { lines: 0, filtered: 0, runs: Vec::new() };
    let mut row = 0;
    while row < n {
        let (file, format_id) = (cols.file(row).unwrap_or(""), cols.format(row).unwrap_or(""));
        let mut end = row + 1;
        while end < n && cols.file(end) == Some(file) && cols.format(end) == Some(format_id) {
            end += 1;
        }
        let parser = formats.by_id(format_id).ok_or_else(|| {
            Error::Invalid(format!("row {} names a format this program does not know: `{format_id}`", row + 1))
        })?;
        let ctx = ChunkCtx { file_index, file, format: &*parser };
        let mut part = collector.new_part(&ctx);
        let mut kept = 0u64;
        for i in row..end {
            out.lines += 1;
            let ev = cols.event(i);
            if !ev.time_unknown && !opts.window.contains(ev.time_ns) {
                out.filtered += 1;
                continue;
            }
            collector.push(&mut part, &ev, (i + 1) as u32);
            kept += 1;
        }
        if kept > 0 {
            let done = collector.finish(part, &ctx).map_err(Stop::Run)?;
            out.runs.push(Run { file: file.to_string(), parser, events: kept, done });
        }
        row = end;
    }
    Ok(out)
}

/// The formats a frame's rows may name: the registry, and the configured nginx format (its rows
/// were parsed already: without the `--log-format` they were read with, a placeholder format
/// stands in, which only fixes the id, provider and kind the collectors use).
fn formats_for(opts: &IngestOptions) -> Result<crate::formats::FormatSet> {
    match opts.formats() {
        Ok(f) if opts.log_format.is_some() => Ok(f),
        _ => crate::formats::FormatSet::with_log_format("$time_iso8601 $status").map_err(Error::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_stay_within_row_groups_and_cover_every_row_once() {
        let groups = [16_384, 16_384, 3, 200_000, 0, 10];
        let rows: usize = groups.iter().sum();
        let plan = slices(groups.iter().copied(), rows);
        let mut next = 0;
        for &(start, len) in &plan {
            assert_eq!(start, next, "{plan:?}");
            assert!(len > 0 && len <= SLICE_ROWS, "{plan:?}");
            next += len;
        }
        assert_eq!(next, rows);
        // No slice crosses a group's end.
        let ends: Vec<usize> = groups
            .iter()
            .scan(0, |acc, g| {
                *acc += g;
                Some(*acc)
            })
            .collect();
        for &(start, len) in &plan {
            assert!(!ends.iter().any(|&e| start < e && e < start + len), "{start}+{len} crosses a group");
        }
        assert_eq!(plan.len(), 2 + 1 + 4 + 1);
    }

    #[test]
    fn a_frame_without_row_groups_is_sliced_evenly_and_metadata_never_overruns_it() {
        assert_eq!(slices(std::iter::empty(), 100_000), vec![(0, SLICE_ROWS), (SLICE_ROWS, 100_000 - SLICE_ROWS)]);
        // Groups claiming more rows than the file has stop at its end.
        assert_eq!(slices([50, 50].into_iter(), 70), vec![(0, 50), (50, 20)]);
        assert!(slices(std::iter::empty(), 0).is_empty());
    }
}
