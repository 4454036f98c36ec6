//! The calling thread's work: put parsed chunks back in input order, de-duplicate, account for
//! every line and hand each chunk's partial to the sink.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use super::seen::KeySet;
use super::{mix, ChunkCtx, Collector, Job, LinesOut, Payload};
use crate::formats::{Parser, Reject};
use crate::ingest::accounting::{Accounting, FileAccount, RejectRecord};
use crate::ingest::IngestOptions;
use crate::{Error, Result};
use crossbeam_channel::{Receiver, Sender};

/// The ordered consumer's state.
pub(super) struct Ordered<'a, 'q, C, S> {
    collector: &'a C,
    opts: &'a IngestOptions,
    sink: S,
    quarantine: Option<&'q mut dyn Write>,
    /// Where each producer's buffers go back once consumed.
    pools: Vec<Sender<Vec<u8>>>,
    abort: &'a AtomicBool,
    acc: Accounting,
    /// De-duplication keys seen, mixed with `seed`.
    seen: KeySet,
    seed: u64,
    /// The first error of the sink or the quarantine; the run stops at it.
    error: Option<Error>,
}

/// Where the consumer is: the file and chunk it waits for, and the lines of that file before it.
#[derive(Default)]
struct Cursor {
    file: usize,
    chunk: u32,
    line_offset: u64,
}

impl<'a, 'q, C, S> Ordered<'a, 'q, C, S>
where
    C: Collector,
    S: FnMut(C::Done, &ChunkCtx<'_>, u64) -> Result<()>,
{
    /// A consumer for the inputs named `names`, none read yet.
    pub(super) fn new(
        collector: &'a C,
        opts: &'a IngestOptions,
        sink: S,
        quarantine: Option<&'q mut dyn Write>,
        pools: Vec<Sender<Vec<u8>>>,
        abort: &'a AtomicBool,
        names: &[String],
    ) -> Self {
        Ordered {
            collector,
            opts,
            sink,
            quarantine,
            pools,
            abort,
            acc: Accounting {
                files: names.iter().map(|n| FileAccount { file: n.clone(), ..Default::default() }).collect(),
                ..Default::default()
            },
            seen: KeySet::default(),
            seed: {
                use std::hash::BuildHasher;
                std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64)
            },
            error: None,
        }
    }

    /// Consumes every parsed job in input order. Returns the accounting, the number of distinct
    /// keys seen and the first error; the pools are dropped on return so that producers blocked
    /// on an empty pool wake up.
    pub(super) fn drain(mut self, rx: &Receiver<Job<C::Done, C::Row>>) -> (Accounting, u64, Option<Error>) {
        let mut pending: BTreeMap<(usize, u32), Job<C::Done, C::Row>> = BTreeMap::new();
        let mut at = Cursor::default();
        for job in rx {
            pending.insert((job.file, job.chunk), job);
            while let Some(job) = pending.remove(&(at.file, at.chunk)) {
                at.chunk += 1;
                if at.file >= self.acc.files.len() {
                    break;
                }
                self.take(job, &mut at);
            }
        }
        (self.acc, self.seen.len() as u64, self.error)
    }

    /// Takes the next job in order.
    fn take(&mut self, job: Job<C::Done, C::Row>, at: &mut Cursor) {
        match job.payload {
            Payload::Parsed { out, buf, format } => {
                self.parsed(out, &format, at);
                self.give_back(job.pool, buf);
            }
            Payload::Oversize { buf, prefix_len, len } => {
                at.line_offset += 1;
                self.oversize(at, buf.get(..prefix_len).unwrap_or_default(), len);
                self.give_back(job.pool, buf);
            }
            Payload::End { bytes, compression, format, error, note, not_a_log } => {
                if let Some(fa) = self.acc.files.get_mut(at.file) {
                    fa.bytes = bytes;
                    fa.compression = compression.map(|c| format!("{c:?}").to_lowercase());
                    fa.format = format.map(str::to_string);
                    fa.error = error;
                    fa.not_a_log = not_a_log;
                    fa.note = note.or_else(|| (fa.error.is_none() && fa.lines == 0).then(|| "empty file".to_string()));
                }
                *at = Cursor { file: at.file + 1, chunk: 0, line_offset: 0 };
            }
            Payload::Lines { .. } => {} // never sent back unparsed
        }
    }

    fn give_back(&self, pool: usize, buf: Vec<u8>) {
        if let Some(tx) = self.pools.get(pool) {
            let _ = tx.try_send(buf);
        }
    }

    /// Keeps the first error and stops the run.
    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
            self.abort.store(true, Ordering::SeqCst);
        }
    }

    /// Accounts for a parsed chunk and hands its partial to the sink.
    fn parsed(&mut self, out: LinesOut<C::Done, C::Row>, format: &Parser, at: &mut Cursor) {
        let Some(fa) = self.acc.files.get_mut(at.file) else { return };
        let fname = fa.file.clone();
        let ctx = ChunkCtx { file_index: at.file, file: &fname, format: &**format };
        let r = consume(
            self.seed,
            out,
            &ctx,
            at.line_offset,
            self.collector,
            self.opts,
            &mut self.seen,
            fa,
            &mut self.acc.reject_kinds,
            &mut self.acc.rejects,
            &mut self.acc.duplicate_examples,
            self.quarantine.as_deref_mut(),
        );
        match r {
            Ok((done, lines)) => {
                at.line_offset += lines;
                if self.error.is_none() {
                    if let Some(d) = done {
                        if let Err(e) = (self.sink)(d, &ctx, at.line_offset - lines) {
                            self.fail(e);
                        }
                    }
                }
            }
            Err(e) => self.fail(e),
        }
    }

    /// Accounts for a line over the length limit, at `at.line_offset`, and quarantines its prefix.
    fn oversize(&mut self, at: &Cursor, prefix: &[u8], len: u64) {
        let Some(fa) = self.acc.files.get_mut(at.file) else { return };
        fa.lines += 1;
        fa.rejected += 1;
        let reason = Reject::new(
            "line too long",
            format!("{len} bytes exceed the limit of {} (--max-line-bytes)", self.opts.max_line_bytes),
        );
        record_reject(
            fa,
            &reason,
            at.line_offset,
            &mut self.acc.reject_kinds,
            &mut self.acc.rejects,
            self.opts.max_reject_records,
        );
        if let Some(q) = self.quarantine.as_deref_mut() {
            if let Err(e) = q.write_all(prefix).and_then(|()| q.write_all(b"\n")) {
                self.error.get_or_insert(Error::io("quarantine", e));
                self.abort.store(true, Ordering::SeqCst);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn consume<'q, C: Collector>(
    seed: u64,
    out: LinesOut<C::Done, C::Row>,
    ctx: &ChunkCtx<'_>,
    line_offset: u64,
    collector: &C,
    opts: &IngestOptions,
    seen: &mut KeySet,
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
