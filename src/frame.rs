//! Building the canonical event frame ([`crate::schema`]) from parsed events, chunk by chunk,
//! and streaming it to Parquet.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use polars::prelude::*;

use crate::columns::{str_fields, STR_COLS};
use crate::event::Event;
use crate::ingest::{self, Accounting, ChunkCtx, Collector, IngestOptions, Input, Progress};
use crate::schema as s;
use crate::Result;

/// A string column of a chunk, built once it has a value: a field a chunk never has (most formats
/// fill a few of the frame's string columns) costs a count and ends as a column of nulls.
struct Strings {
    name: &'static str,
    nulls: usize,
    built: Option<StringChunkedBuilder>,
}

impl Strings {
    fn new(name: &'static str) -> Self {
        Strings { name, nulls: 0, built: None }
    }

    fn push(&mut self, v: Option<&str>) {
        match (&mut self.built, v) {
            (Some(b), v) => b.append_option(v),
            (None, None) => self.nulls += 1,
            (None, Some(v)) => {
                let mut b = StringChunkedBuilder::new(self.name.into(), (self.nulls + 1).max(4096));
                for _ in 0..self.nulls {
                    b.append_null();
                }
                b.append_value(v);
                self.built = Some(b);
            }
        }
    }

    fn finish(self) -> Column {
        match self.built {
            Some(b) => b.finish().into_column(),
            None => Column::full_null(self.name.into(), self.nulls, &DataType::String),
        }
    }
}

/// Column builders for one chunk of events.
pub struct EventColumns {
    time: Vec<i64>,
    /// Rows whose time is unknown (null in the frame).
    no_time: Vec<u32>,
    /// Rows whose line in the file is known absolutely (multi-line records).
    abs_lines: Vec<(u32, u64)>,
    end: Vec<Option<i64>>,
    strs: Vec<Strings>,
    edge_status: Vec<Option<u16>>,
    origin_status: Vec<Option<u16>>,
    bytes: Vec<Option<u64>>,
    ttfb: Vec<Option<u32>>,
    duration: Vec<Option<u32>>,
    origin_duration: Vec<Option<u32>>,
    client_rtt: Vec<Option<u32>>,
    bot_score: Vec<Option<u16>>,
    client_asn: Vec<Option<u32>>,
    origin_failure: Vec<bool>,
    lines: Vec<u32>,
}

/// A finished chunk: its frame (without `source_line`) and the chunk-local line of each row.
pub struct EventChunk {
    /// The rows.
    pub frame: DataFrame,
    /// 1-based line of each row within its chunk.
    pub lines: Vec<u32>,
    /// Rows whose line in the file is known absolutely (row, line), overriding `lines`.
    pub abs_lines: Vec<(u32, u64)>,
    /// The rows are HAR entries (their record number less one is the entry index).
    pub har_entries: bool,
}

/// Collects events into [`EventChunk`]s.
pub struct EventCollector;

fn constant(name: &str, value: &str, len: usize) -> Column {
    Column::new_scalar(name.into(), Scalar::new(DataType::String, AnyValue::StringOwned(value.into())), len)
}

impl Collector for EventCollector {
    type Part = EventColumns;
    type Done = EventChunk;
    type Row = u32;

    fn new_part(&self, _ctx: &ChunkCtx<'_>) -> EventColumns {
        let n = 4096;
        EventColumns {
            time: Vec::with_capacity(n),
            no_time: Vec::new(),
            abs_lines: Vec::new(),
            end: Vec::with_capacity(n),
            strs: STR_COLS.iter().copied().map(Strings::new).collect(),
            edge_status: Vec::with_capacity(n),
            origin_status: Vec::with_capacity(n),
            bytes: Vec::with_capacity(n),
            ttfb: Vec::with_capacity(n),
            duration: Vec::with_capacity(n),
            origin_duration: Vec::with_capacity(n),
            client_rtt: Vec::with_capacity(n),
            bot_score: Vec::with_capacity(n),
            client_asn: Vec::with_capacity(n),
            origin_failure: Vec::with_capacity(n),
            lines: Vec::with_capacity(n),
        }
    }

    fn push(&self, p: &mut EventColumns, ev: &Event<'_>, local_line: u32) -> u32 {
        let row = p.time.len() as u32;
        p.time.push(ev.time_ns);
        if ev.time_unknown {
            p.no_time.push(row);
        }
        if let Some(l) = ev.line {
            p.abs_lines.push((row, l));
        }
        p.end.push(ev.end_ns);
        for (b, v) in p.strs.iter_mut().zip(str_fields(ev)) {
            b.push(v);
        }
        p.edge_status.push(ev.edge_status);
        p.origin_status.push(ev.origin_status);
        p.bytes.push(ev.bytes);
        p.ttfb.push(ev.ttfb_ms);
        p.duration.push(ev.duration_ms);
        p.origin_duration.push(ev.origin_duration_ms);
        p.client_rtt.push(ev.client_rtt_ms);
        p.bot_score.push(ev.bot_score.map(u16::from));
        p.client_asn.push(ev.client_asn);
        p.origin_failure.push(ev.origin_failure);
        p.lines.push(local_line);
        row
    }

    fn finish(&self, p: EventColumns, ctx: &ChunkCtx<'_>) -> Result<EventChunk> {
        let n = p.time.len();
        let time = |name: &str, v: Vec<Option<i64>>| -> Column {
            Int64Chunked::from_slice_options(name.into(), &v)
                .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
                .into_column()
        };
        let mut strs = p.strs.into_iter().map(Strings::finish);
        let mut next = || strs.next().unwrap_or_else(|| Column::full_null("missing".into(), n, &DataType::String));
        let (pop, country, host, method, path) = (next(), next(), next(), next(), next());
        let (cache, tls, http, rid, ip, ua, zone, oip, ctype, sec, err) =
            (next(), next(), next(), next(), next(), next(), next(), next(), next(), next(), next());
        let (bot_src, sec_sources, sec_rule, worker) = (next(), next(), next(), next());
        let (url, page, redirect, server, body, message) = (next(), next(), next(), next(), next(), next());
        let time_col = if p.no_time.is_empty() {
            Int64Chunked::from_vec(s::TIME.into(), p.time)
                .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
                .into_column()
        } else {
            let mut t: Vec<Option<i64>> = p.time.into_iter().map(Some).collect();
            for r in &p.no_time {
                if let Some(v) = t.get_mut(*r as usize) {
                    *v = None;
                }
            }
            time(s::TIME, t)
        };
        let cols = vec![
            time_col,
            time(s::END_TIME, p.end),
            constant(s::SOURCE_KIND, ctx.format.source_kind().id(), n),
            constant(s::PROVIDER, ctx.format.provider(), n),
            constant(s::SOURCE_FORMAT, ctx.format.id(), n),
            pop,
            country,
            host,
            method,
            path,
            UInt16Chunked::from_slice_options(s::EDGE_STATUS.into(), &p.edge_status).into_column(),
            UInt16Chunked::from_slice_options(s::ORIGIN_STATUS.into(), &p.origin_status).into_column(),
            UInt64Chunked::from_slice_options(s::BYTES.into(), &p.bytes).into_column(),
            UInt32Chunked::from_slice_options(s::TTFB_MS.into(), &p.ttfb).into_column(),
            UInt32Chunked::from_slice_options(s::DURATION_MS.into(), &p.duration).into_column(),
            UInt32Chunked::from_slice_options(s::ORIGIN_DURATION_MS.into(), &p.origin_duration).into_column(),
            UInt32Chunked::from_slice_options(s::CLIENT_RTT_MS.into(), &p.client_rtt).into_column(),
            UInt16Chunked::from_slice_options(s::BOT_SCORE.into(), &p.bot_score).into_column(),
            bot_src,
            cache,
            tls,
            http,
            rid,
            ip,
            ua,
            zone,
            oip,
            ctype,
            sec,
            sec_sources,
            sec_rule,
            worker,
            UInt32Chunked::from_slice_options(s::CLIENT_ASN.into(), &p.client_asn).into_column(),
            err,
            BooleanChunked::from_slice(s::ORIGIN_FAILURE.into(), &p.origin_failure).into_column(),
            url,
            page,
            redirect,
            server,
            body,
            message,
            constant(s::SOURCE_FILE, ctx.file, n),
        ];
        Ok(EventChunk {
            frame: DataFrame::new(n, cols)?,
            lines: p.lines,
            abs_lines: p.abs_lines,
            har_entries: ctx.format.source_kind() == crate::vocab::source::SourceKind::Har,
        })
    }

    fn remove(&self, done: &mut EventChunk, rows: &[u32]) -> Result<()> {
        let mut keep = vec![true; done.lines.len()];
        for r in rows {
            if let Some(k) = keep.get_mut(*r as usize) {
                *k = false;
            }
        }
        let mask = BooleanChunked::from_slice("keep".into(), &keep);
        done.frame = done.frame.filter(&mask)?;
        if !done.abs_lines.is_empty() {
            // Row numbers shift down by the removed rows before them.
            let mut new_index = Vec::with_capacity(keep.len());
            let mut n = 0u32;
            for k in &keep {
                new_index.push(k.then_some(n));
                n += u32::from(*k);
            }
            done.abs_lines = done
                .abs_lines
                .iter()
                .filter_map(|(r, l)| new_index.get(*r as usize).copied().flatten().map(|nr| (nr, *l)))
                .collect();
        }
        let mut it = keep.iter();
        done.lines.retain(|_| it.next().copied().unwrap_or(false));
        Ok(())
    }
}

impl EventChunk {
    /// The chunk's frame with `source_line` made absolute by adding the lines before the chunk.
    pub fn into_frame(self, line_offset: u64) -> Result<DataFrame> {
        let mut lines: Vec<u64> = self.lines.iter().map(|l| line_offset + u64::from(*l)).collect();
        for (row, line) in &self.abs_lines {
            if let Some(l) = lines.get_mut(*row as usize) {
                *l = *line;
            }
        }
        let mut df = self.frame;
        let entry = if self.har_entries {
            UInt64Chunked::from_iter_values(s::ENTRY.into(), lines.iter().map(|l| l.saturating_sub(1))).into_column()
        } else {
            Column::full_null(s::ENTRY.into(), lines.len(), &DataType::UInt64)
        };
        df.with_column(UInt64Chunked::from_vec(s::SOURCE_LINE.into(), lines).into_column())?;
        df.with_column(entry)?;
        Ok(df)
    }
}

pub use crate::columns::{origin_failures, str_values, u64_values};

/// Parquet compression used for the event frame.
pub const PARQUET_COMPRESSION: ParquetCompression = ParquetCompression::Lz4Raw;

/// Rows per Parquet row group. A group is gathered, copied into one chunk and encoded on the
/// writing thread, so its size sets most of the writer's memory: measured on 1 M Logpush lines
/// (release build), 64 K rows gave `analyze` a peak RSS of 327 MiB and `ingest` 214 MiB; 16 K rows
/// 233 and 122 MiB, at the same speed and file size (62 MB).
const ROW_GROUP_ROWS: usize = 16 * 1024;

/// Frames in flight between the thread that parses and the thread that writes: each is one
/// parsed chunk (a few thousand rows), so this bounds the writer's queue.
const SINK_QUEUE: usize = 8;

/// Writes event chunks to a Parquet file as they arrive, in row groups of bounded size. The
/// row groups are gathered, encoded, compressed and written on a thread of their own, so that
/// encoding overlaps the parsing instead of stalling the thread that hands the chunks over.
pub struct ParquetSink {
    tx: Option<std::sync::mpsc::SyncSender<ToWriter>>,
    writer: Option<std::thread::JoinHandle<Result<()>>>,
    rows: u64,
}

type Batched = polars::io::parquet::write::BatchedWriter<BufWriter<File>>;

/// What the writing thread is sent: frames, then the end. A queue that closes without the end
/// (the sink dropped when an error stopped the run) leaves the file without its footer:
/// unreadable, never a complete-looking file of part of the events.
enum ToWriter {
    Frame(DataFrame),
    End,
}

/// The writing thread: gathers frames into row groups of [`ROW_GROUP_ROWS`] and writes them.
fn write_row_groups(mut writer: Batched, rx: std::sync::mpsc::Receiver<ToWriter>) -> Result<()> {
    let mut pending: Option<DataFrame> = None;
    let flush = |writer: &mut Batched, pending: &mut Option<DataFrame>| -> Result<()> {
        if let Some(mut p) = pending.take() {
            p.rechunk_mut();
            writer.write_batch(&p)?;
        }
        Ok(())
    };
    for msg in rx {
        let df = match msg {
            ToWriter::Frame(df) => df,
            ToWriter::End => {
                flush(&mut writer, &mut pending)?;
                writer.finish()?;
                return Ok(());
            }
        };
        match pending.as_mut() {
            Some(p) => {
                p.vstack_mut_owned(df)?;
            }
            None => pending = Some(df),
        }
        if pending.as_ref().is_some_and(|p| p.height() >= ROW_GROUP_ROWS) {
            flush(&mut writer, &mut pending)?;
        }
    }
    // The queue closed without the end: no footer.
    Ok(())
}

impl ParquetSink {
    /// Creates (truncates) `out`.
    pub fn create(out: &Path) -> Result<Self> {
        let file = File::create(out).map_err(|e| crate::Error::io(out, e))?;
        let writer = ParquetWriter::new(BufWriter::with_capacity(1 << 20, file))
            .with_compression(PARQUET_COMPRESSION)
            .set_parallel(false)
            .batched(&s::event_schema())?;
        let (tx, rx) = std::sync::mpsc::sync_channel(SINK_QUEUE);
        let handle = std::thread::Builder::new()
            .name("parquet-writer".into())
            .spawn(move || write_row_groups(writer, rx))
            .map_err(|e| crate::Error::io(out, e))?;
        Ok(ParquetSink { tx: Some(tx), writer: Some(handle), rows: 0 })
    }

    /// Adds a chunk (with the number of its file's lines before it).
    pub fn push(&mut self, chunk: EventChunk, line_offset: u64) -> Result<()> {
        let df = chunk.into_frame(line_offset)?;
        self.rows += df.height() as u64;
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(ToWriter::Frame(df)).is_ok());
        if sent {
            Ok(())
        } else {
            // The writer stopped: its error says why.
            Err(self.join().err().unwrap_or_else(|| crate::Error::Invalid("the Parquet writer stopped".into())))
        }
    }

    fn join(&mut self) -> Result<()> {
        self.tx = None;
        match self.writer.take().map(std::thread::JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(crate::Error::Invalid("the Parquet writer failed".into())),
            None => Ok(()),
        }
    }

    /// Writes what is left and the file footer; returns the number of rows written.
    pub fn finish(mut self) -> Result<u64> {
        if let Some(tx) = self.tx.take() {
            // A writer that stopped early has its error to give at the join.
            let _ = tx.send(ToWriter::End);
        }
        self.join()?;
        Ok(self.rows)
    }
}

impl Drop for ParquetSink {
    fn drop(&mut self) {
        // Unfinished (an error stopped the run): the queue closes without the end.
        let _ = self.join();
    }
}

/// Streams the events of `inputs` into a Parquet file in bounded memory; returns the accounting.
/// Rejected lines go verbatim to `quarantine` when given.
pub fn ingest_to_parquet(
    inputs: &[Input],
    opts: &IngestOptions,
    progress: &dyn Progress,
    out: &Path,
    quarantine: Option<&mut dyn Write>,
) -> Result<Accounting> {
    let mut sink = ParquetSink::create(out)?;
    let acc = ingest::run(
        inputs,
        opts,
        progress,
        &EventCollector,
        |chunk: EventChunk, _ctx, off| sink.push(chunk, off),
        quarantine,
    )?;
    sink.finish()?;
    Ok(acc)
}

/// Reads `inputs` into one in-memory event frame (for tests, notebooks and small inputs).
pub fn read_events(inputs: &[Input], opts: &IngestOptions) -> Result<(DataFrame, Accounting)> {
    let mut frames: Vec<DataFrame> = Vec::new();
    let acc = ingest::run(
        inputs,
        opts,
        &ingest::NoProgress,
        &EventCollector,
        |chunk: EventChunk, _ctx, off| {
            frames.push(chunk.into_frame(off)?);
            Ok(())
        },
        None,
    )?;
    let mut it = frames.into_iter();
    let mut df = match it.next() {
        Some(f) => f,
        None => DataFrame::empty_with_schema(&s::event_schema()),
    };
    for f in it {
        df.vstack_mut_owned(f)?;
    }
    df.rechunk_mut();
    Ok((df, acc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(c: &Column) -> Vec<Option<String>> {
        c.as_materialized_series().str().unwrap().iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn a_string_column_is_built_at_its_first_value_with_the_nulls_before_it() {
        let mut never = Strings::new("never");
        let mut late = Strings::new("late");
        for i in 0..5000 {
            never.push(None);
            late.push((i >= 4998).then_some("x"));
        }
        late.push(None);
        let (never, late) = (never.finish(), late.finish());
        assert_eq!((never.len(), never.null_count(), never.dtype()), (5000, 5000, &DataType::String));
        assert_eq!(never.name().as_str(), "never");
        let v = values(&late);
        assert_eq!(v.len(), 5001);
        assert!(v.iter().take(4998).all(Option::is_none));
        assert_eq!(&v[4998..], &[Some("x".to_string()), Some("x".to_string()), None]);
    }
}
