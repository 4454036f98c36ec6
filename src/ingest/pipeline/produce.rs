//! The producer threads' work: open an input, decide its format, and frame its decompressed
//! bytes into line-aligned chunks taken from a bounded pool of buffers.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use super::{Job, Payload};
use crate::formats::{self, FormatSet, Parser};
use crate::ingest::source::{self, Compression, Input};
use crate::ingest::{IngestOptions, Progress};

pub(super) struct Pool<'a> {
    pub(super) abort: &'a AtomicBool,
    pub(super) spare: Vec<Vec<u8>>,
    pub(super) rx: Receiver<Vec<u8>>,
    pub(super) made: usize,
    pub(super) max: usize,
    pub(super) size: usize,
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

pub(super) struct SendFile<'a, D, R> {
    pub(super) tx: &'a Sender<Job<D, R>>,
    pub(super) file: usize,
    pub(super) chunk: u32,
    pub(super) pool: usize,
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

/// An input opened and its format decided.
struct Opened<'r> {
    reader: Box<dyn Read + Send + 'r>,
    compression: Compression,
    format: Option<Parser>,
    /// Bytes read from the input, for a re-framed format (whose records are not its bytes).
    input_bytes: Arc<AtomicU64>,
}

/// Opens an input and decides its format from the decompressed head; a format that re-frames
/// its files (HAR, client logs) then wraps the reader so that the rest of the pipeline sees one
/// record per line.
fn open<'p>(
    input: &Input,
    opts: &IngestOptions,
    formats: &FormatSet,
    forced: Option<&Parser>,
    progress: &'p dyn Progress,
) -> std::io::Result<Opened<'p>> {
    let (raw, compression) = source::open(input, &opts.store, progress)?;
    let (head, raw) = source::read_head(raw, 64 << 10);
    let detected: Option<Parser> = forced.cloned().or_else(|| formats.detect(&head)).map(|f| f.for_file(&head));
    let chained: Box<dyn Read + Send + '_> = Box::new(std::io::Cursor::new(head).chain(raw));
    let input_bytes = Arc::new(AtomicU64::new(0));
    let reader: Box<dyn Read + Send + '_> = match &detected {
        Some(f) if f.reframes() => {
            let counted =
                source::Counted { inner: chained, count: Arc::clone(&input_bytes), limit: opts.max_file_bytes };
            f.reframe(Box::new(std::io::BufReader::with_capacity(256 << 10, counted)), &opts.frame_options())
        }
        _ => chained,
    };
    Ok(Opened { reader, compression, format: detected, input_bytes })
}

/// Reads decompressed bytes under the file size limit, noting why reading stopped.
struct Filler<'r, 'o> {
    reader: Box<dyn Read + Send + 'r>,
    compression: Compression,
    opts: &'o IngestOptions,
    /// Decompressed bytes read so far.
    total: u64,
    eof: bool,
    error: Option<String>,
}

impl Filler<'_, '_> {
    /// Reads into `buf[filled..want]` until it is full or the input ends.
    fn fill(&mut self, buf: &mut [u8], filled: &mut usize, want: usize) {
        let max = self.opts.max_file_bytes;
        while *filled < want && !self.eof {
            let Some(space) = buf.get_mut(*filled..want) else {
                break;
            };
            match self.reader.read(space) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    *filled += n;
                    self.total += n as u64;
                    if self.total > max {
                        // Keep exactly the bytes up to the limit.
                        let over = usize::try_from(self.total - max).unwrap_or(usize::MAX);
                        *filled = filled.saturating_sub(over);
                        self.total = max;
                        self.stop(format!(
                            "file exceeds the size limit of {max} bytes (--max-file-bytes); the rest was not read"
                        ));
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e)
                    if e.get_ref().is_some_and(<dyn std::error::Error + Send + Sync>::is::<formats::FramingError>) =>
                {
                    self.stop(e.to_string());
                }
                Err(e) => {
                    let what = match self.compression {
                        Compression::Gzip => "gzip stream",
                        Compression::Zstd => "zstd stream",
                        Compression::None => "file",
                    };
                    let total = self.total;
                    self.stop(format!("truncated or corrupt {what} after {total} decompressed bytes: {e}"));
                }
            }
        }
    }

    fn stop(&mut self, error: String) {
        self.error = Some(error);
        self.eof = true;
    }
}

/// Reads one input into line-aligned chunks. `Err` only when the run is being torn down.
#[allow(clippy::too_many_arguments, reason = "the producer's whole context, passed once per input")]
pub(super) fn produce<D, R>(
    input: &Input,
    opts: &IngestOptions,
    formats: &FormatSet,
    forced: Option<&Parser>,
    progress: &dyn Progress,
    pool: &mut Pool<'_>,
    send: &mut SendFile<'_, D, R>,
    abort: &AtomicBool,
) -> std::result::Result<(), ()> {
    let opened = match open(input, opts, formats, forced, progress) {
        Ok(o) => o,
        Err(e) => return send.send(end(Some(format!("cannot open: {e}")), None)),
    };
    let Opened { reader, compression, format, input_bytes } = opened;
    let reframed = format.as_ref().is_some_and(|f| f.reframes());
    let mut filler = Filler { reader, compression, opts, total: 0, eof: false, error: None };
    if abort.load(Ordering::Relaxed) {
        filler.eof = true;
    }
    let Some(buf) = pool.take() else {
        return Err(());
    };
    let Some(fmt) = format else {
        return undetected(input, formats, pool, buf, &mut filler, send);
    };
    frame(opts, &fmt, pool, buf, &mut filler, send, abort)?;
    // A re-framed file's size is that of its input, not of the records made from it.
    send.send(Payload::End {
        bytes: if reframed { input_bytes.load(Ordering::Relaxed) } else { filler.total },
        compression: Some(compression),
        format: Some(fmt.id()),
        error: filler.error,
        note: None,
        not_a_log: false,
    })
}

/// Ends an input whose format is unknown: an empty file, a file skipped as not a log (when
/// found by walking a folder), or else an error naming the formats expected.
fn undetected<D, R>(
    input: &Input,
    formats: &FormatSet,
    pool: &mut Pool<'_>,
    mut buf: Vec<u8>,
    filler: &mut Filler<'_, '_>,
    send: &mut SendFile<'_, D, R>,
) -> std::result::Result<(), ()> {
    let from_walk = matches!(input, Input::File { from_walk: true, .. } | Input::Object { from_walk: true, .. });
    let mut filled = 0usize;
    let want = filler.opts.chunk_bytes.min(buf.len());
    filler.fill(&mut buf, &mut filled, want);
    let head = buf.get(..filled).unwrap_or_default();
    let (bytes, compression) = (filler.total, Some(filler.compression));
    let blank = head.iter().all(u8::is_ascii_whitespace);
    let payload = if blank && filler.eof {
        Payload::End {
            bytes,
            compression,
            format: None,
            error: filler.error.take(),
            note: Some("empty file".into()),
            not_a_log: false,
        }
    } else {
        let msg = format!("fits no known format (expected {}; name one with --input-format)", formats.expected_brief());
        if from_walk {
            let what = source::not_a_log(input, head);
            Payload::End {
                bytes,
                compression,
                format: None,
                error: None,
                note: Some(what.map_or_else(|| format!("skipped: {msg}"), |w| format!("not a log: {w}"))),
                not_a_log: what.is_some(),
            }
        } else {
            Payload::End { bytes, compression, format: None, error: Some(msg), note: None, not_a_log: false }
        }
    };
    pool.give(buf);
    send.send(payload)
}

/// Frames a detected input into chunks of whole lines, each sent to the parsers, and lines
/// over the length limit as their prefix.
fn frame<D, R>(
    opts: &IngestOptions,
    fmt: &Parser,
    pool: &mut Pool<'_>,
    mut buf: Vec<u8>,
    filler: &mut Filler<'_, '_>,
    send: &mut SendFile<'_, D, R>,
    abort: &AtomicBool,
) -> std::result::Result<(), ()> {
    let mut filled = 0usize;
    let mut want = opts.chunk_bytes;
    loop {
        if abort.load(Ordering::Relaxed) {
            filler.eof = true;
        }
        let cap = buf.len();
        filler.fill(&mut buf, &mut filled, want.min(cap));
        if filler.eof {
            if filled > 0 {
                send.send(Payload::Lines { buf, len: filled, format: fmt.clone() })?;
            } else {
                pool.give(buf);
            }
            return Ok(());
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
            send.send(Payload::Lines { buf, len: nl + 1, format: fmt.clone() })?;
            buf = next;
            filled = rest;
            want = opts.chunk_bytes;
        } else if filled > opts.max_line_bytes {
            let keep = if opts.keep_rejected_lines { opts.max_line_bytes } else { 4096 }.min(filled);
            let Some(mut prefix) = pool.take() else { return Err(()) };
            if let (Some(dst), Some(src)) = (prefix.get_mut(..keep), buf.get(..keep)) {
                dst.copy_from_slice(src);
            }
            let len = skip_long_line(&mut buf, &mut filled, filler);
            send.send(Payload::Oversize { buf: prefix, prefix_len: keep, len })?;
            want = opts.chunk_bytes;
        } else {
            want = cap; // a long line: read on until it ends or passes the limit
        }
    }
}

/// Skips the rest of a line longer than the limit, whose first `filled` bytes are in `buf`, in
/// bounded memory: leaves what follows its newline at the start of `buf` and returns its length.
fn skip_long_line(buf: &mut [u8], filled: &mut usize, filler: &mut Filler<'_, '_>) -> u64 {
    let cap = buf.len();
    let mut len = *filled as u64;
    *filled = 0;
    loop {
        filler.fill(buf, filled, cap);
        let data = buf.get(..*filled).unwrap_or_default();
        if let Some(nl) = memchr::memchr(b'\n', data) {
            len += nl as u64;
            buf.copy_within(nl + 1..*filled, 0);
            *filled -= nl + 1;
            return len;
        }
        len += *filled as u64;
        *filled = 0;
        if filler.eof {
            return len;
        }
    }
}
