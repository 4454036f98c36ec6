//! The reading pipeline: producer threads read and decompress files into line-aligned chunks,
//! parser threads turn chunks into partial results, and the calling thread puts partials back
//! in input order, de-duplicates, accounts and hands them to a sink.
//!
//! Memory is bounded: each producer owns a fixed pool of chunk buffers, and a buffer only
//! returns to its pool once the sink has consumed the chunk, so at most
//! `producers × pool × (chunk + line limit)` bytes of input are in flight whatever the input
//! size. Only the de-duplication set grows with the input.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use rustc_hash::FxHashSet;

use super::accounting::{Accounting, FileAccount, RejectRecord};
use super::source::{self, Compression, Input};
use super::{IngestOptions, Progress};
use crate::event::Event;
use crate::formats::{self, FormatSet, LineFormat, Need, Parser, Reject};
use crate::{Error, Result};

/// Most files read at the same time.
const MAX_PRODUCERS: usize = 4;

/// Mixes a de-duplication key with a per-run random seed (a bijection, so no new collisions),
/// so that crafted request ids cannot pile into one slot of the hash table.
fn mix(k: u64, seed: u64) -> u64 {
    let mut z = k ^ seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Sets the abort flag when dropped during a panic, so producers waiting for buffers give up
/// instead of waiting forever.
struct AbortOnUnwind<'a>(&'a AtomicBool);

impl Drop for AbortOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

/// What a chunk is, for the collector building from it.
#[derive(Clone, Copy)]
pub struct ChunkCtx<'a> {
    /// Index of the input in the run.
    pub file_index: usize,
    /// The input's display name.
    pub file: &'a str,
    /// The input's format (configured for the file).
    pub format: &'a dyn LineFormat,
}

/// Turns events into partial results, one partial per chunk, on the parser threads.
pub trait Collector: Sync {
    /// A chunk's partial result while it is being built.
    type Part: Send;
    /// A chunk's finished partial result.
    type Done: Send;
    /// A handle to one event inside a partial, used to take duplicates back out.
    type Row: Send + Copy;
    /// The event fields this collector reads (formats may skip decoding the rest).
    fn need(&self) -> Need {
        Need::All
    }
    /// A fresh partial for a chunk.
    fn new_part(&self, ctx: &ChunkCtx<'_>) -> Self::Part;
    /// Adds one event, at 1-based `local_line` within the chunk.
    fn push(&self, part: &mut Self::Part, ev: &Event<'_>, local_line: u32) -> Self::Row;
    /// Finishes a chunk's partial (still on the parser thread).
    fn finish(&self, part: Self::Part, ctx: &ChunkCtx<'_>) -> Result<Self::Done>;
    /// Removes events found to be duplicates (rows in ascending order).
    fn remove(&self, done: &mut Self::Done, rows: &[Self::Row]) -> Result<()>;
}

struct LinesOut<D, R> {
    done: Result<D>,
    line_count: u64,
    nonblank: u64,
    /// Header and comment lines (not records).
    headers: u64,
    events: u64,
    /// Events outside the time window.
    filtered: u64,
    /// Lines rejected, counted by kind.
    kinds: Vec<(&'static str, u64)>,
    /// The first rejected lines with their reasons (capped at the run's record limit).
    rejects: Vec<(u32, Reject)>,
    /// Every rejected line, verbatim and newline-terminated, when quarantining.
    quarantined: Vec<u8>,
    keys: Vec<(u64, u32, R)>,
}

enum Payload<D, R> {
    Lines {
        buf: Vec<u8>,
        len: usize,
        format: Parser,
    },
    Parsed {
        out: LinesOut<D, R>,
        buf: Vec<u8>,
        format: Parser,
    },
    /// A line over the length limit: its first bytes (in a pool buffer, so that such lines are
    /// throttled like any chunk) and its full length.
    Oversize {
        buf: Vec<u8>,
        prefix_len: usize,
        len: u64,
    },
    End {
        bytes: u64,
        compression: Option<Compression>,
        format: Option<&'static str>,
        error: Option<String>,
        note: Option<String>,
        /// Skipped as plainly not a log (no word on the terminal).
        not_a_log: bool,
    },
}

struct Job<D, R> {
    file: usize,
    chunk: u32,
    pool: usize,
    payload: Payload<D, R>,
}

/// Reads `inputs`, feeding every chunk's finished partial to `sink` in input order together
/// with the number of lines of that file before the chunk (add it to a chunk's local line
/// numbers). Rejected lines are written verbatim to `quarantine` when given.
#[allow(
    clippy::too_many_lines,
    reason = "one pipeline: producers, parsers and the ordered consumer read best together"
)]
pub fn run<C, S>(
    inputs: &[Input],
    opts: &IngestOptions,
    progress: &dyn Progress,
    collector: &C,
    mut sink: S,
    mut quarantine: Option<&mut dyn Write>,
) -> Result<Accounting>
where
    C: Collector,
    S: FnMut(C::Done, &ChunkCtx<'_>, u64) -> Result<()>,
{
    opts.validate()?;
    let formats = opts.formats()?;
    let forced = opts.format.as_deref().and_then(|id| formats.by_id(id));
    let threads = opts.thread_count();
    // Up to MAX_PRODUCERS files are read (decompressed) at once; each producer owns a pool big
    // enough to keep its share of the parser threads busy.
    // Objects wait on the network more than on the cores: as many as allowed are read at once.
    let remote = inputs.iter().any(|i| matches!(i, Input::Object { .. }));
    let producers = if remote { MAX_PRODUCERS } else { threads }.min(inputs.len()).clamp(1, MAX_PRODUCERS);
    let pool_size = threads.div_ceil(producers) + 2;
    let names: Vec<String> = inputs.iter().map(Input::display).collect();

    let (job_tx, job_rx) = bounded::<Job<C::Done, C::Row>>(threads * 2);
    let (res_tx, res_rx) = unbounded::<Job<C::Done, C::Row>>();
    let mut pools_tx = Vec::new();
    let mut pools_rx = Vec::new();
    for _ in 0..producers {
        let (t, r) = bounded::<Vec<u8>>(pool_size);
        pools_tx.push(t);
        pools_rx.push(r);
    }
    let next_file = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);

    let mut acc = Accounting {
        files: names.iter().map(|n| FileAccount { file: n.clone(), ..Default::default() }).collect(),
        ..Default::default()
    };
    let mut sink_error: Option<Error> = None;
    let mut seen: FxHashSet<u64> = FxHashSet::default();
    let seed = {
        use std::hash::BuildHasher;
        std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64)
    };

    std::thread::scope(|s| {
        let _guard = AbortOnUnwind(&abort);
        for (p, pool_rx) in pools_rx.into_iter().enumerate() {
            let job_tx = job_tx.clone();
            let (next_file, abort, formats, forced) = (&next_file, &abort, &formats, forced.as_ref());
            s.spawn(move || {
                let _guard = AbortOnUnwind(abort);
                let mut pool = Pool {
                    abort,
                    spare: Vec::new(),
                    rx: pool_rx,
                    made: 0,
                    max: pool_size,
                    size: opts.chunk_bytes + opts.max_line_bytes + 1,
                };
                loop {
                    if abort.load(Ordering::SeqCst) {
                        break;
                    }
                    let i = next_file.fetch_add(1, Ordering::SeqCst);
                    let Some(input) = inputs.get(i) else { break };
                    let mut send = SendFile { tx: &job_tx, file: i, chunk: 0, pool: p };
                    if produce(input, opts, formats, forced, progress, &mut pool, &mut send, abort).is_err() {
                        break; // the consumer is gone
                    }
                }
            });
        }
        drop(job_tx);
        for _ in 0..threads {
            let job_rx = job_rx.clone();
            let res_tx = res_tx.clone();
            let names = &names;
            let abort = &abort;
            s.spawn(move || {
                let _guard = AbortOnUnwind(abort);
                for job in job_rx {
                    let Job { file, chunk, pool, payload } = job;
                    let payload = match payload {
                        Payload::Lines { buf, len, format } => {
                            let name = names.get(file).map_or("", String::as_str);
                            let ctx = ChunkCtx { file_index: file, file: name, format: &*format };
                            let data = buf.get(..len).unwrap_or_default();
                            let out = parse_chunk(data, &ctx, collector, opts);
                            Payload::Parsed { out, buf, format }
                        }
                        other => other,
                    };
                    if res_tx.send(Job { file, chunk, pool, payload }).is_err() {
                        break;
                    }
                }
            });
        }
        drop(res_tx);
        drop(job_rx);

        // The consumer: this thread.
        let mut pending: BTreeMap<(usize, u32), Job<C::Done, C::Row>> = BTreeMap::new();
        let (mut nf, mut nc) = (0usize, 0u32);
        let mut line_offset = 0u64;
        for job in &res_rx {
            pending.insert((job.file, job.chunk), job);
            while let Some(job) = pending.remove(&(nf, nc)) {
                nc += 1;
                let Some(fa) = acc.files.get_mut(nf) else {
                    break;
                };
                match job.payload {
                    Payload::Parsed { out, buf, format } => {
                        let fname = fa.file.clone();
                        let ctx = ChunkCtx { file_index: nf, file: &fname, format: &*format };
                        let r = consume(
                            seed,
                            out,
                            &ctx,
                            line_offset,
                            collector,
                            opts,
                            &mut seen,
                            fa,
                            &mut acc.reject_kinds,
                            &mut acc.rejects,
                            &mut acc.duplicate_examples,
                            quarantine.as_deref_mut(),
                        );
                        match r {
                            Ok((done, lines)) => {
                                line_offset += lines;
                                if sink_error.is_none() {
                                    if let Some(d) = done {
                                        if let Err(e) = sink(d, &ctx, line_offset - lines) {
                                            sink_error = Some(e);
                                            abort.store(true, Ordering::SeqCst);
                                        }
                                    }
                                }
                            }
                            Err(e) => {
                                if sink_error.is_none() {
                                    sink_error = Some(e);
                                    abort.store(true, Ordering::SeqCst);
                                }
                            }
                        }
                        if let Some(tx) = pools_tx.get(job.pool) {
                            let _ = tx.try_send(buf);
                        }
                    }
                    Payload::Oversize { buf, prefix_len, len } => {
                        line_offset += 1;
                        fa.lines += 1;
                        fa.rejected += 1;
                        let reason = Reject::new(
                            "line too long",
                            format!("{len} bytes exceed the limit of {} (--max-line-bytes)", opts.max_line_bytes),
                        );
                        record_reject(
                            fa,
                            &reason,
                            line_offset,
                            &mut acc.reject_kinds,
                            &mut acc.rejects,
                            opts.max_reject_records,
                        );
                        if let Some(q) = quarantine.as_deref_mut() {
                            let prefix = buf.get(..prefix_len).unwrap_or_default();
                            if let Err(e) = q.write_all(prefix).and_then(|()| q.write_all(b"\n")) {
                                sink_error.get_or_insert(Error::io("quarantine", e));
                                abort.store(true, Ordering::SeqCst);
                            }
                        }
                        if let Some(tx) = pools_tx.get(job.pool) {
                            let _ = tx.try_send(buf);
                        }
                    }
                    Payload::End { bytes, compression, format, error, note, not_a_log } => {
                        fa.bytes = bytes;
                        fa.compression = compression.map(|c| format!("{c:?}").to_lowercase());
                        fa.format = format.map(str::to_string);
                        fa.error = error;
                        fa.not_a_log = not_a_log;
                        fa.note =
                            note.or_else(|| (fa.error.is_none() && fa.lines == 0).then(|| "empty file".to_string()));
                        nf += 1;
                        nc = 0;
                        line_offset = 0;
                    }
                    Payload::Lines { .. } => {} // never sent back unparsed
                }
            }
        }
        // The pools are dropped here so producers blocked on an empty pool wake up.
        drop(pools_tx);
    });

    acc.total_files();
    acc.dedup_ids = seen.len() as u64;
    if let Some(e) = sink_error {
        return Err(e);
    }
    Ok(acc)
}

#[allow(clippy::too_many_arguments)]
fn consume<'q, C: Collector>(
    seed: u64,
    out: LinesOut<C::Done, C::Row>,
    ctx: &ChunkCtx<'_>,
    line_offset: u64,
    collector: &C,
    opts: &IngestOptions,
    seen: &mut FxHashSet<u64>,
    fa: &mut FileAccount,
    kinds: &mut BTreeMap<String, u64>,
    rejects: &mut Vec<RejectRecord>,
    dup_examples: &mut Vec<RejectRecord>,
    quarantine: Option<&mut (dyn Write + 'q)>,
) -> Result<(Option<C::Done>, u64)> {
    let LinesOut {
        done,
        line_count,
        nonblank,
        headers,
        events,
        filtered,
        kinds: rej_kinds,
        rejects: rej,
        quarantined,
        keys,
    } = out;
    let mut dups: Vec<C::Row> = Vec::new();
    if opts.dedup {
        for (k, local, row) in keys {
            if !seen.insert(mix(k, seed)) {
                dups.push(row);
                if dup_examples.len() < 100 {
                    dup_examples.push(RejectRecord {
                        file: ctx.file.to_string(),
                        line: line_offset + u64::from(local),
                        reason: format!("request id seen before (key {k:016x})"),
                    });
                }
            }
        }
    }
    fa.lines += nonblank;
    fa.headers += headers;
    fa.events += events - dups.len() as u64;
    fa.duplicates += dups.len() as u64;
    fa.filtered += filtered;
    for (kind, n) in rej_kinds {
        fa.rejected += n;
        *kinds.entry(kind.to_string()).or_default() += n;
    }
    for (local, reason) in &rej {
        if rejects.len() < opts.max_reject_records {
            rejects.push(RejectRecord {
                file: fa.file.clone(),
                line: reason.line.unwrap_or(line_offset + u64::from(*local)),
                reason: reason.to_string(),
            });
        }
    }
    if let Some(q) = quarantine {
        q.write_all(&quarantined).map_err(|e| Error::io("quarantine", e))?;
    }
    let mut done = done?;
    if !dups.is_empty() {
        collector.remove(&mut done, &dups)?;
    }
    Ok((Some(done), line_count))
}

fn record_reject(
    fa: &FileAccount,
    reason: &Reject,
    line: u64,
    kinds: &mut BTreeMap<String, u64>,
    rejects: &mut Vec<RejectRecord>,
    max: usize,
) {
    *kinds.entry(reason.kind.to_string()).or_default() += 1;
    if rejects.len() < max {
        rejects.push(RejectRecord { file: fa.file.clone(), line, reason: reason.to_string() });
    }
}

fn parse_chunk<C: Collector>(
    data: &[u8],
    ctx: &ChunkCtx<'_>,
    collector: &C,
    opts: &IngestOptions,
) -> LinesOut<C::Done, C::Row> {
    let mut part = collector.new_part(ctx);
    let need = collector.need();
    let mut out = LinesOut {
        done: Ok(()),
        line_count: 0,
        nonblank: 0,
        headers: 0,
        events: 0,
        filtered: 0,
        kinds: Vec::new(),
        rejects: Vec::new(),
        quarantined: Vec::new(),
        keys: Vec::new(),
    };
    let reject = |out: &mut LinesOut<(), C::Row>, local: u32, seg: &[u8], mut r: Reject| {
        match out.kinds.iter_mut().find(|(k, _)| *k == r.kind) {
            Some((_, n)) => *n += 1,
            None => out.kinds.push((r.kind, 1)),
        }
        let seg = seg.strip_suffix(b"\r").unwrap_or(seg);
        if opts.keep_rejected_lines {
            // A rejected line is written as read, its secrets redacted (a line that could not
            // be parsed still carries the request's tokens and headers).
            if opts.keep_secrets {
                out.quarantined.extend_from_slice(seg);
            } else {
                out.quarantined.extend_from_slice(crate::redact::line(&String::from_utf8_lossy(seg)).as_bytes());
            }
            out.quarantined.push(b'\n');
        }
        if !opts.keep_secrets {
            if let std::borrow::Cow::Owned(clean) = crate::redact::line(&r.detail) {
                r.detail = clean;
            }
        }
        if out.rejects.len() < opts.max_reject_records {
            out.rejects.push((local, r));
        }
    };
    // User-side records share request ids with the edge's (a HAR's cf-ray is the edge line's
    // RayID): they are never taken for duplicates of them.
    let dedup = opts.dedup && !ctx.format.reframes();
    // Query secrets in paths are redacted for the event frame (aggregates never read paths).
    let redact_paths = !opts.keep_secrets && need == Need::All;
    let mut start = 0usize;
    let mut local: u32 = 0;
    let mut handle = |seg: &[u8], local: u32, out: &mut LinesOut<(), C::Row>| {
        let line = formats::trim_line(seg);
        if line.is_empty() {
            return;
        }
        if ctx.format.is_header(line) {
            out.headers += 1;
            return;
        }
        out.nonblank += 1;
        if line.len() > opts.max_line_bytes {
            let r = Reject::new(
                "line too long",
                format!("{} bytes exceed the limit of {} (--max-line-bytes)", line.len(), opts.max_line_bytes),
            );
            reject(out, local, seg, r);
            return;
        }
        match ctx.format.parse_fields(line, need) {
            Ok(mut ev) => {
                if !ev.time_unknown && !opts.window.contains(ev.time_ns) {
                    out.filtered += 1;
                    return;
                }
                if redact_paths {
                    if let Some(p) = ev.path.take() {
                        ev.path = Some(crate::redact::url_cow(p));
                    }
                }
                let row = collector.push(&mut part, &ev, local);
                out.events += 1;
                if dedup {
                    if let Some(k) = ev.dedup_key() {
                        out.keys.push((k, local, row));
                    }
                }
            }
            Err(r) => reject(out, local, seg, r),
        }
    };
    for nl in memchr::memchr_iter(b'\n', data) {
        local += 1;
        handle(data.get(start..nl).unwrap_or_default(), local, &mut out);
        start = nl + 1;
    }
    if start < data.len() {
        local += 1;
        handle(data.get(start..).unwrap_or_default(), local, &mut out);
    }
    out.line_count = u64::from(local);
    LinesOut {
        done: collector.finish(part, ctx),
        line_count: out.line_count,
        nonblank: out.nonblank,
        headers: out.headers,
        events: out.events,
        filtered: out.filtered,
        kinds: out.kinds,
        rejects: out.rejects,
        quarantined: out.quarantined,
        keys: out.keys,
    }
}

struct Pool<'a> {
    abort: &'a AtomicBool,
    spare: Vec<Vec<u8>>,
    rx: Receiver<Vec<u8>>,
    made: usize,
    max: usize,
    size: usize,
}

impl Pool<'_> {
    /// A buffer of `size` bytes: a returned one, a new one while fewer than `max` exist, or
    /// else wait for one to come back. `None` when the run is over.
    fn take(&mut self) -> Option<Vec<u8>> {
        if let Some(b) = self.spare.pop() {
            return Some(b);
        }
        if let Ok(b) = self.rx.try_recv() {
            return Some(b);
        }
        if self.made < self.max {
            self.made += 1;
            return Some(vec![0; self.size]);
        }
        loop {
            match self.rx.recv_timeout(std::time::Duration::from_millis(50)) {
                Ok(b) => return Some(b),
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return None,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    if self.abort.load(Ordering::Relaxed) {
                        return None;
                    }
                }
            }
        }
    }

    /// Returns a buffer the producer did not send.
    fn give(&mut self, buf: Vec<u8>) {
        self.spare.push(buf);
    }
}

struct SendFile<'a, D, R> {
    tx: &'a Sender<Job<D, R>>,
    file: usize,
    chunk: u32,
    pool: usize,
}

impl<D, R> SendFile<'_, D, R> {
    fn send(&mut self, payload: Payload<D, R>) -> std::result::Result<(), ()> {
        let job = Job { file: self.file, chunk: self.chunk, pool: self.pool, payload };
        self.chunk += 1;
        self.tx.send(job).map_err(|_| ())
    }
}

fn end<D, R>(error: Option<String>, note: Option<String>) -> Payload<D, R> {
    Payload::End { bytes: 0, compression: None, format: None, error, note, not_a_log: false }
}

/// Reads one input into line-aligned chunks. `Err` only when the run is being torn down.
#[allow(
    clippy::too_many_lines,
    clippy::too_many_arguments,
    reason = "the framing state machine reads best in one place"
)]
fn produce<D, R>(
    input: &Input,
    opts: &IngestOptions,
    formats: &FormatSet,
    forced: Option<&Parser>,
    progress: &dyn Progress,
    pool: &mut Pool<'_>,
    send: &mut SendFile<'_, D, R>,
    abort: &AtomicBool,
) -> std::result::Result<(), ()> {
    let from_walk = matches!(input, Input::File { from_walk: true, .. } | Input::Object { from_walk: true, .. });
    let (raw, compression) = match source::open(input, &opts.store, progress) {
        Ok(r) => r,
        Err(e) => return send.send(end(Some(format!("cannot open: {e}")), None)),
    };
    // The format is decided from the decompressed head; a format that re-frames its files (HAR,
    // client logs) then wraps the reader so that the rest of the pipeline sees one record per line.
    let (head, raw) = source::read_head(raw, 64 << 10);
    let detected: Option<Parser> = forced.cloned().or_else(|| formats.detect(&head)).map(|f| f.for_file(&head));
    let chained: Box<dyn Read + Send + '_> = Box::new(std::io::Cursor::new(head).chain(raw));
    // A re-framed file's size is that of its input, not of the records made from it.
    let input_bytes = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let reframed = detected.as_ref().is_some_and(|f| f.reframes());
    let mut reader: Box<dyn Read + Send + '_> = match &detected {
        Some(f) if f.reframes() => {
            let counted = source::Counted {
                inner: chained,
                count: std::sync::Arc::clone(&input_bytes),
                limit: opts.max_file_bytes,
            };
            f.reframe(Box::new(std::io::BufReader::with_capacity(256 << 10, counted)), &opts.frame_options())
        }
        _ => chained,
    };
    let Some(mut buf) = pool.take() else {
        return Err(());
    };
    let mut filled = 0usize;
    let mut total: u64 = 0;
    let mut eof = false;
    let mut error: Option<String> = None;
    let format: Option<Parser> = detected;
    let mut want = opts.chunk_bytes;

    let mut fill = |buf: &mut Vec<u8>,
                    filled: &mut usize,
                    want: usize,
                    eof: &mut bool,
                    error: &mut Option<String>,
                    total: &mut u64| {
        while *filled < want && !*eof {
            let Some(space) = buf.get_mut(*filled..want) else {
                break;
            };
            match reader.read(space) {
                Ok(0) => *eof = true,
                Ok(n) => {
                    *filled += n;
                    *total += n as u64;
                    if *total > opts.max_file_bytes {
                        // Keep exactly the bytes up to the limit.
                        let over = usize::try_from(*total - opts.max_file_bytes).unwrap_or(usize::MAX);
                        *filled = filled.saturating_sub(over);
                        *total = opts.max_file_bytes;
                        *error = Some(format!(
                            "file exceeds the size limit of {} bytes (--max-file-bytes); the rest was not read",
                            opts.max_file_bytes
                        ));
                        *eof = true;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e)
                    if e.get_ref().is_some_and(<dyn std::error::Error + Send + Sync>::is::<formats::FramingError>) =>
                {
                    *error = Some(e.to_string());
                    *eof = true;
                }
                Err(e) => {
                    let what = match compression {
                        Compression::Gzip => "gzip stream",
                        Compression::Zstd => "zstd stream",
                        Compression::None => "file",
                    };
                    *error = Some(format!("truncated or corrupt {what} after {total} decompressed bytes: {e}"));
                    *eof = true;
                }
            }
        }
    };

    loop {
        if abort.load(Ordering::Relaxed) {
            eof = true;
        }
        let cap = buf.len();
        fill(&mut buf, &mut filled, want.min(cap), &mut eof, &mut error, &mut total);
        if format.is_none() {
            {
                let blank = buf.get(..filled).unwrap_or_default().iter().all(u8::is_ascii_whitespace);
                let payload = if blank && eof {
                    Payload::End {
                        bytes: total,
                        compression: Some(compression),
                        format: None,
                        error,
                        note: Some("empty file".into()),
                        not_a_log: false,
                    }
                } else {
                    let msg = format!(
                        "fits no known format (expected {}; name one with --input-format)",
                        formats.expected_brief()
                    );
                    if from_walk {
                        let what = source::not_a_log(input, buf.get(..filled).unwrap_or_default());
                        Payload::End {
                            bytes: total,
                            compression: Some(compression),
                            format: None,
                            error: None,
                            note: Some(what.map_or_else(|| format!("skipped: {msg}"), |w| format!("not a log: {w}"))),
                            not_a_log: what.is_some(),
                        }
                    } else {
                        Payload::End {
                            bytes: total,
                            compression: Some(compression),
                            format: None,
                            error: Some(msg),
                            note: None,
                            not_a_log: false,
                        }
                    }
                };
                pool.give(buf);
                return send.send(payload);
            }
        }
        let Some(fmt) = format.clone() else { return Err(()) };
        if eof {
            if filled > 0 {
                send.send(Payload::Lines { buf, len: filled, format: fmt })?;
            } else {
                pool.give(buf);
            }
            break;
        }
        let data = buf.get(..filled).unwrap_or_default();
        if let Some(nl) = memchr::memrchr(b'\n', data) {
            let Some(mut next) = pool.take() else {
                return Err(());
            };
            let rest = filled - (nl + 1);
            if let (Some(dst), Some(src)) = (next.get_mut(..rest), buf.get(nl + 1..filled)) {
                dst.copy_from_slice(src);
            }
            send.send(Payload::Lines { buf, len: nl + 1, format: fmt })?;
            buf = next;
            filled = rest;
            want = opts.chunk_bytes;
        } else if filled > opts.max_line_bytes {
            // One line longer than the limit: keep a prefix, skip to its end in bounded memory.
            let keep = if opts.keep_rejected_lines { opts.max_line_bytes } else { 4096 }.min(filled);
            let Some(mut prefix) = pool.take() else { return Err(()) };
            if let (Some(dst), Some(src)) = (prefix.get_mut(..keep), buf.get(..keep)) {
                dst.copy_from_slice(src);
            }
            let mut len = filled as u64;
            filled = 0;
            loop {
                fill(&mut buf, &mut filled, cap, &mut eof, &mut error, &mut total);
                let data = buf.get(..filled).unwrap_or_default();
                if let Some(nl) = memchr::memchr(b'\n', data) {
                    len += nl as u64;
                    buf.copy_within(nl + 1..filled, 0);
                    filled -= nl + 1;
                    break;
                }
                len += filled as u64;
                filled = 0;
                if eof {
                    break;
                }
            }
            send.send(Payload::Oversize { buf: prefix, prefix_len: keep, len })?;
            want = opts.chunk_bytes;
        } else {
            want = cap; // a long line: read on until it ends or passes the limit
        }
    }
    send.send(Payload::End {
        bytes: if reframed { input_bytes.load(Ordering::Relaxed) } else { total },
        compression: Some(compression),
        format: format.as_ref().map(|f| f.id()),
        error,
        note: None,
        not_a_log: false,
    })
}

/// Two collectors fed from one pass over the input.
impl<A: Collector, B: Collector> Collector for (A, B) {
    type Part = (A::Part, B::Part);
    type Done = (A::Done, B::Done);
    type Row = (A::Row, B::Row);

    fn need(&self) -> Need {
        self.0.need().max(self.1.need())
    }
    fn new_part(&self, ctx: &ChunkCtx<'_>) -> Self::Part {
        (self.0.new_part(ctx), self.1.new_part(ctx))
    }
    fn push(&self, part: &mut Self::Part, ev: &Event<'_>, local_line: u32) -> Self::Row {
        (self.0.push(&mut part.0, ev, local_line), self.1.push(&mut part.1, ev, local_line))
    }
    fn finish(&self, part: Self::Part, ctx: &ChunkCtx<'_>) -> Result<Self::Done> {
        Ok((self.0.finish(part.0, ctx)?, self.1.finish(part.1, ctx)?))
    }
    fn remove(&self, done: &mut Self::Done, rows: &[Self::Row]) -> Result<()> {
        let a: Vec<A::Row> = rows.iter().map(|r| r.0).collect();
        let b: Vec<B::Row> = rows.iter().map(|r| r.1).collect();
        self.0.remove(&mut done.0, &a)?;
        self.1.remove(&mut done.1, &b)
    }
}
