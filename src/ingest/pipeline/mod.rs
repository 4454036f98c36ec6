//! The reading pipeline: producer threads read and decompress files into line-aligned chunks,
//! parser threads turn chunks into partial results, and the calling thread puts partials back
//! in input order, de-duplicates, accounts and hands them to a sink.
//!
//! Memory is bounded: each producer owns a fixed pool of chunk buffers, and a buffer only
//! returns to its pool once the sink has consumed the chunk, so at most
//! `producers × pool × (chunk + line limit)` bytes of input are in flight whatever the input
//! size. Only the de-duplication set grows with the input.

mod consume;
mod parse;
mod produce;
mod seen;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};

use self::consume::Ordered;
use self::parse::parse_chunk;
use self::produce::{produce, Pool, SendFile};
use super::accounting::Accounting;
use super::source::{Compression, Input};
use super::{IngestOptions, Progress};
use crate::event::Event;
use crate::formats::{LineFormat, Need, Parser, Reject};
use crate::Result;

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
pub fn run<C, S>(
    inputs: &[Input],
    opts: &IngestOptions,
    progress: &dyn Progress,
    collector: &C,
    sink: S,
    quarantine: Option<&mut dyn Write>,
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
    let (pools_tx, pools_rx): (Vec<_>, Vec<_>) = (0..producers).map(|_| bounded::<Vec<u8>>(pool_size)).unzip();
    let next_file = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let consumer = Ordered::new(collector, opts, sink, quarantine, pools_tx, &abort, &names);

    let (mut acc, distinct, error) = std::thread::scope(|s| {
        let _guard = AbortOnUnwind(&abort);
        for (p, pool_rx) in pools_rx.into_iter().enumerate() {
            let job_tx = job_tx.clone();
            let (next_file, abort, formats, forced) = (&next_file, &abort, &formats, forced.as_ref());
            s.spawn(move || {
                let _guard = AbortOnUnwind(abort);
                let size = opts.chunk_bytes + opts.max_line_bytes + 1;
                let mut pool = Pool { abort, spare: Vec::new(), rx: pool_rx, made: 0, max: pool_size, size };
                while !abort.load(Ordering::SeqCst) {
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
            let (job_rx, res_tx, names, abort) = (job_rx.clone(), res_tx.clone(), &names, &abort);
            s.spawn(move || {
                let _guard = AbortOnUnwind(abort);
                parse_jobs(&job_rx, &res_tx, names, collector, opts);
            });
        }
        drop(res_tx);
        drop(job_rx);
        // The consumer: this thread.
        consumer.drain(&res_rx)
    });

    acc.total_files();
    acc.dedup_ids = distinct;
    if let Some(e) = error {
        return Err(e);
    }
    Ok(acc)
}

/// A parser thread: parses every chunk it receives and passes every job on to the consumer.
fn parse_jobs<C: Collector>(
    jobs: &Receiver<Job<C::Done, C::Row>>,
    results: &Sender<Job<C::Done, C::Row>>,
    names: &[String],
    collector: &C,
    opts: &IngestOptions,
) {
    for job in jobs {
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
        if results.send(Job { file, chunk, pool, payload }).is_err() {
            break;
        }
    }
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
