//! Reading inputs: discovering files, decompressing, framing bytes into lines under explicit
//! limits, running a format's parser on both cores, de-duplicating, and accounting for every
//! line. What becomes of the parsed events is up to a [`Collector`]: the event frame
//! ([`crate::frame`]) and the rates table ([`crate::rates`]) are two.
//!
//! Accounting invariant, per file and in total: non-blank lines read = events + rejected +
//! duplicates + filtered (events outside the `--since`/`--until` window). Header and comment lines of formats that have them (CloudFront's `#Version` and
//! `#Fields`) are not records: they are counted apart (`headers`) and not among the lines read.

mod accounting;
pub mod cached;
mod pipeline;
mod source;
pub mod window;

pub use accounting::{Accounting, FileAccount, RejectRecord};
pub use pipeline::{ChunkCtx, Collector};
pub use source::{discover, discover_in, total_size as source_size, Discovery, Input};
pub use window::{name_span, parse_time, Window, NAME_SLACK_NS};

/// Explicit limits and switches for a run. Every limit produces a clear rejection or file
/// error, never a crash.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Longest accepted line, in bytes; longer lines are rejected (and skipped in bounded memory).
    pub max_line_bytes: usize,
    /// Largest accepted file, in decompressed bytes; reading stops there with a file error.
    pub max_file_bytes: u64,
    /// Drop events whose request id was already seen (costs 8 bytes per distinct id plus hash
    /// table overhead; see `BENCHMARKS.md`).
    pub dedup: bool,
    /// Parser threads (0: one per core).
    pub threads: usize,
    /// Bytes handed to a parser thread at a time.
    pub chunk_bytes: usize,
    /// Force a format by id instead of detecting it from content.
    pub format: Option<String>,
    /// An nginx `log_format` string: a configured format that comes first in detection (id
    /// `nginx_log_format`).
    pub log_format: Option<String>,
    /// Keep the verbatim bytes of rejected lines (for `--quarantine`).
    pub keep_rejected_lines: bool,
    /// How many rejected lines to keep with file, line and reason (all are counted).
    pub max_reject_records: usize,
    /// Largest record of a re-framed format (a HAR entry, a multi-line client log record), in
    /// bytes; a larger one is rejected and skipped in bounded memory.
    pub max_record_bytes: usize,
    /// Keep secrets (cookies, authorization headers, token-like values) instead of redacting
    /// them in every output.
    pub keep_secrets: bool,
    /// Read only what may fall in this time window: objects, files and day folders are pruned
    /// by the times in their names before any download, and events outside it are counted as
    /// `filtered` instead of kept.
    pub window: Window,
    /// How to reach object storage for URL inputs (`s3://`, `r2://`, `gs://`, `az://`...).
    pub store: crate::store::StoreOptions,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            max_line_bytes: 1 << 20,
            max_file_bytes: 64 << 30,
            dedup: true,
            threads: 0,
            chunk_bytes: 4 << 20,
            format: None,
            log_format: None,
            keep_rejected_lines: false,
            max_reject_records: 10_000,
            max_record_bytes: 64 << 20,
            keep_secrets: false,
            window: Window::default(),
            store: crate::store::StoreOptions::default(),
        }
    }
}

impl IngestOptions {
    /// Checks the options before any work starts.
    pub fn validate(&self) -> crate::Result<()> {
        if self.max_line_bytes < 64 {
            return Err(crate::Error::Invalid(format!("line length limit {} is below 64 bytes", self.max_line_bytes)));
        }
        if self.max_line_bytes > 1 << 30 {
            return Err(crate::Error::Invalid(format!("line length limit {} is above 1 GiB", self.max_line_bytes)));
        }
        if self.max_record_bytes < 1024 {
            return Err(crate::Error::Invalid(format!(
                "record size limit {} is below 1024 bytes",
                self.max_record_bytes
            )));
        }
        if self.threads > 1024 {
            return Err(crate::Error::Invalid(format!("{} threads is more than 1024", self.threads)));
        }
        if self.chunk_bytes > 1 << 30 {
            return Err(crate::Error::Invalid(format!("chunk size {} is above 1 GiB", self.chunk_bytes)));
        }
        if self.chunk_bytes < 4096 {
            return Err(crate::Error::Invalid(format!("chunk size {} is below 4096 bytes", self.chunk_bytes)));
        }
        self.window.validate()?;
        let formats = self.formats()?;
        if let Some(f) = &self.format {
            if formats.by_id(f).is_none() {
                let hint = if f == crate::formats::nginx::ID { " (it needs --log-format)" } else { "" };
                return Err(crate::Error::Invalid(format!(
                    "unknown format `{f}`{hint} (known: {})",
                    crate::formats::ids().join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The options of re-framing formats (HAR, client logs).
    pub fn frame_options(&self) -> crate::formats::FrameOptions {
        crate::formats::FrameOptions {
            max_record_bytes: self.max_record_bytes,
            keep_secrets: self.keep_secrets,
            ..crate::formats::FrameOptions::default()
        }
    }

    /// The formats of the run: the registry, plus the `--log-format` format when one is given.
    pub fn formats(&self) -> crate::Result<crate::formats::FormatSet> {
        match &self.log_format {
            None => Ok(crate::formats::FormatSet::new()),
            Some(f) => crate::formats::FormatSet::with_log_format(f)
                .map_err(|e| crate::Error::Invalid(format!("--log-format: {e}"))),
        }
    }

    /// Parser threads to use.
    pub fn thread_count(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        }
    }
}

/// Reads `inputs` into `collector`, handing each chunk's finished partial to `sink` with the
/// number of its file's lines before it, and accounts for every line. Event frames written by
/// `ingest` or `analyze` among the inputs are read back as events ([`cached`]); the logs are
/// parsed. Rejected lines go verbatim to `quarantine` when given.
pub fn run<C, S>(
    inputs: &[Input],
    opts: &IngestOptions,
    progress: &dyn Progress,
    collector: &C,
    mut sink: S,
    quarantine: Option<&mut dyn std::io::Write>,
) -> crate::Result<Accounting>
where
    C: Collector,
    S: FnMut(C::Done, &ChunkCtx<'_>, u64) -> crate::Result<()>,
{
    let (frames, logs): (Vec<Input>, Vec<Input>) = inputs.iter().cloned().partition(cached::is_event_frame);
    if frames.is_empty() {
        return pipeline::run(inputs, opts, progress, collector, sink, quarantine);
    }
    opts.validate()?;
    let mut acc = if logs.is_empty() {
        Accounting::default()
    } else {
        pipeline::run(&logs, opts, progress, collector, &mut sink, quarantine)?
    };
    let read = cached::run(&frames, logs.len(), opts, progress, collector, &mut sink)?;
    acc.files.extend(read.files);
    acc.total_files();
    Ok(acc)
}

/// Receives progress from a run: on-disk bytes consumed. Implementations must be cheap.
pub trait Progress: Sync {
    /// `n` more bytes of input were read from disk (compressed size for compressed files).
    fn advance(&self, n: u64);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _n: u64) {}
}
