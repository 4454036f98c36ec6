//! The parser threads' work: one chunk of whole lines into a partial result, with every line
//! accounted for (blank, header, event, filtered or rejected).

use super::{ChunkCtx, Collector, LinesOut};
use crate::formats::{self, Need, Reject};
use crate::ingest::IngestOptions;

/// What stays the same for every line of a chunk.
struct Lines<'a, 'c, C> {
    ctx: &'a ChunkCtx<'c>,
    collector: &'a C,
    opts: &'a IngestOptions,
    need: Need,
    /// Whether to keep de-duplication keys.
    dedup: bool,
    /// Whether to redact query secrets in paths.
    redact_paths: bool,
}

/// Parses the whole lines of `data` (the last may lack its newline) into a partial result.
pub(super) fn parse_chunk<C: Collector>(
    data: &[u8],
    ctx: &ChunkCtx<'_>,
    collector: &C,
    opts: &IngestOptions,
) -> LinesOut<C::Done, C::Row> {
    let mut part = collector.new_part(ctx);
    let need = collector.need();
    let lines = Lines {
        ctx,
        collector,
        opts,
        need,
        // User-side records share request ids with the edge's (a HAR's cf-ray is the edge
        // line's RayID): they are never taken for duplicates of them.
        dedup: opts.dedup && !ctx.format.reframes(),
        // Query secrets in paths are redacted for the event frame (aggregates never read paths).
        redact_paths: !opts.keep_secrets && need == Need::All,
    };
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
    let mut start = 0usize;
    let mut local: u32 = 0;
    for nl in memchr::memchr_iter(b'\n', data) {
        local += 1;
        lines.line(&mut part, data.get(start..nl).unwrap_or_default(), local, &mut out);
        start = nl + 1;
    }
    if start < data.len() {
        local += 1;
        lines.line(&mut part, data.get(start..).unwrap_or_default(), local, &mut out);
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

impl<C: Collector> Lines<'_, '_, C> {
    /// One line (`seg`, its newline excluded), at 1-based `local` within the chunk.
    #[inline]
    fn line(&self, part: &mut C::Part, seg: &[u8], local: u32, out: &mut LinesOut<(), C::Row>) {
        let (ctx, opts) = (self.ctx, self.opts);
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
            self.reject(out, local, seg, r);
            return;
        }
        match ctx.format.parse_fields(line, self.need) {
            Ok(mut ev) => {
                if !ev.time_unknown && !opts.window.contains(ev.time_ns) {
                    out.filtered += 1;
                    return;
                }
                if self.redact_paths {
                    if let Some(p) = ev.path.take() {
                        ev.path = Some(crate::redact::url_cow(p));
                    }
                }
                let row = self.collector.push(part, &ev, local);
                out.events += 1;
                if self.dedup {
                    if let Some(k) = ev.dedup_key() {
                        out.keys.push((k, local, row));
                    }
                }
            }
            Err(r) => self.reject(out, local, seg, r),
        }
    }

    /// Counts a rejected line, keeps it for the quarantine when asked, and keeps its reason
    /// while under the record limit.
    fn reject(&self, out: &mut LinesOut<(), C::Row>, local: u32, seg: &[u8], mut r: Reject) {
        let opts = self.opts;
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
    }
}
