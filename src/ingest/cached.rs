//! Event frames as input: an `events.parquet` written by `ingest` or `analyze` is read back
//! instead of the logs it came from, so an analysis re-run with other parameters (bucket,
//! baseline, window, changes) never parses the logs again.
//!
//! A frame is recognised from its bytes (Parquet's `PAR1` magic and the event frame's own
//! columns), not from its name. Its rows go to the same collectors as parsed lines, run by run of
//! rows from one original file and format, so every aggregate, signature and report is computed
//! by the same code as from the logs; the rows keep their original `source_file` and
//! `source_line`. The frame is read in slices of [`SLICE_ROWS`] rows (memory stays bounded by a
//! slice, whatever the frame's size).
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
    let mut start = 0;
    while start < rows {
        let mut r = ParquetReader::new(open()?).with_slice(Some((start, SLICE_ROWS)));
        r.set_metadata(metadata.clone());
        let mut df = r.finish()?;
        df.rechunk_mut();
        let n = df.height();
        if n == 0 {
            break;
        }
        let cols = EventRows::new(&df)?;
        feed(&cols, n, file_index, opts, &formats, collector, sink, fa)?;
        progress.advance(fa.bytes.saturating_mul(n as u64) / (rows as u64).max(1));
        start += n;
    }
    Ok(())
}

/// Hands the rows of one slice to the collector, one run of rows (same file and format) at a time.
#[allow(clippy::too_many_arguments)]
fn feed<C, S>(
    cols: &EventRows<'_>,
    n: usize,
    file_index: usize,
    opts: &IngestOptions,
    formats: &crate::formats::FormatSet,
    collector: &C,
    sink: &mut S,
    fa: &mut FileAccount,
) -> std::result::Result<(), Stop>
where
    C: Collector,
    S: FnMut(C::Done, &ChunkCtx<'_>, u64) -> Result<()>,
{
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
            fa.lines += 1;
            let ev = cols.event(i);
            if !ev.time_unknown && !opts.window.contains(ev.time_ns) {
                fa.filtered += 1;
                continue;
            }
            collector.push(&mut part, &ev, (i + 1) as u32);
            kept += 1;
        }
        fa.events += kept;
        if kept > 0 {
            let done = collector.finish(part, &ctx).map_err(Stop::Run)?;
            sink(done, &ctx, 0).map_err(Stop::Run)?;
        }
        row = end;
    }
    Ok(())
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
