//! The library's main job, as `blastradius analyze` and Python's `report()` run it: read the
//! inputs once into the event frame and the rates table, build the timeline from the rates,
//! classify what users saw and join it to the edge, assemble the report model and write it.
//!
//! Front ends turn their raw arguments into a checked [`Method`] and [`IngestOptions`] once, then
//! call [`analyze`]; nothing here parses a command line or prints.
//!
//! ```no_run
//! use blastradius::analyze::{analyze, incident_name, Method};
//! use blastradius::ingest::{IngestOptions, NoProgress};
//! let paths = vec![std::path::PathBuf::from("samples")];
//! let method = Method::new(60, 0.01, 180, None)?; // bucket s, min excess, min failing s, baseline
//! let meta = blastradius::report::Meta { name: incident_name(&paths), command: "my-tool".into(), version: blastradius::VERSION.into() };
//! let done = analyze(&paths, "reports/samples".as_ref(), &method, &IngestOptions::default(), &NoProgress, meta)?;
//! println!("{} incidents", done.report.map_or(0, |r| r.incidents.len()));
//! # Ok::<(), blastradius::Error>(())
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::cohorts::CohortTable;
use crate::frame::{EventCollector, ParquetSink};
use crate::ingest::{self, Accounting, FileAccount, IngestOptions, Input, Progress};
use crate::rates::{RatesCollector, RatesTable};
use crate::report::model::SourceCounts;
use crate::report::{Meta, Report};
use crate::timeline::{self, model::InputSummary, Params, Timeline};
use crate::{Error, Result};

/// How the timeline is built: the bucket width and the change model's parameters, checked.
#[derive(Debug, Clone)]
pub struct Method {
    bucket_secs: i64,
    params: Params,
    changes: Vec<crate::changes::Change>,
}

impl Method {
    /// A checked method: a bucket of 1 s to 24 h, the minimum effect, the minimum failing time
    /// (s) and an optional quiet period `(from, to)` in ns for the baselines. NaN, infinities and
    /// out-of-range values are refused with the reason.
    pub fn new(bucket_secs: i64, min_excess: f64, min_failing_secs: i64, baseline: Option<(i64, i64)>) -> Result<Self> {
        crate::duration::check_seconds(bucket_secs).map_err(Error::Invalid)?;
        if min_failing_secs < 0 {
            return Err(Error::Invalid(format!("a minimum failing time of {min_failing_secs} s is below 0")));
        }
        let params = Params { min_excess, min_failing_secs, baseline, ..Params::default() };
        params.validate().map_err(Error::Invalid)?;
        Ok(Method { bucket_secs, params, changes: Vec::new() })
    }

    /// The bucket width, seconds.
    pub fn bucket_secs(&self) -> i64 {
        self.bucket_secs
    }

    /// The change model's parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// With recorded changes to place against each incident ([`crate::changes`]).
    #[must_use]
    pub fn with_changes(mut self, changes: Vec<crate::changes::Change>) -> Self {
        self.changes = changes;
        self
    }

    /// The timeline of a rates table, with who was hit (when the cohorts were counted) and the
    /// recorded changes placed against each incident.
    pub fn timeline(&self, table: &RatesTable, cohorts: Option<&CohortTable>, input: InputSummary) -> Timeline {
        let mut tl = timeline::build(table, input, &self.params);
        if let Some(c) = cohorts {
            crate::cohorts::analysis::attach(&mut tl, c);
        }
        if !self.changes.is_empty() {
            crate::changes::attach(&mut tl, &self.changes);
        }
        tl
    }
}

impl Default for Method {
    fn default() -> Self {
        Method { bucket_secs: 60, params: Params::default(), changes: Vec::new() }
    }
}

/// Expands paths and URLs into inputs (listing prefixes, pruning by the options' time window);
/// the paths that cannot be read at all become failed files.
pub fn inputs(paths: &[PathBuf], opts: &IngestOptions) -> (Vec<Input>, Vec<FileAccount>) {
    inputs_pruned(paths, opts).0
}

/// [`inputs`], with the number of objects, files and day folders the time window pruned.
pub fn inputs_pruned(paths: &[PathBuf], opts: &IngestOptions) -> ((Vec<Input>, Vec<FileAccount>), u64) {
    let d = ingest::discover_in(paths, opts);
    let failed = d
        .errors
        .into_iter()
        .map(|(file, e)| FileAccount { file, error: Some(format!("cannot read: {e}")), ..Default::default() })
        .collect();
    ((d.inputs, failed), d.pruned)
}

/// What the timeline says of its input: the accounting's totals, unreadable paths among the files.
pub fn summary(acc: &Accounting, unreadable: usize) -> InputSummary {
    InputSummary {
        files: (acc.files.len() + unreadable) as u64,
        lines: acc.lines,
        events: acc.events,
        rejected: acc.rejected,
        duplicates: acc.duplicates,
        filtered: acc.filtered,
    }
}

/// The name of an incident: the first input's directory (or file) name; for a URL, its
/// prefix's last segment (`s3://logs/zone/20251118/` is `20251118`), else the bucket.
pub fn incident_name(paths: &[PathBuf]) -> String {
    if let Some(url) = paths.first().and_then(|p| p.to_str()).filter(|p| crate::store::is_url(p)) {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let path = rest.split(['?', '#']).next().unwrap_or(rest);
        return path.split('/').rfind(|s| !s.is_empty()).unwrap_or("incident").to_string();
    }
    // An event frame written by `analyze` is named after its report directory.
    let named = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    paths
        .first()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| match named(&p) {
            Some(n) if n == "events.parquet" => p.parent().and_then(named),
            n => n,
        })
        .unwrap_or_else(|| "incident".to_string())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// One incident analysed into its report directory.
pub struct Analysis {
    /// The report (none when nothing could be read).
    pub report: Option<Report>,
    /// The accounting of what was read.
    pub accounting: Accounting,
    /// Paths that could not be read at all.
    pub unreadable: Vec<FileAccount>,
}

impl Analysis {
    /// The accounting with the unreadable paths among its files.
    pub fn full_accounting(&self) -> Accounting {
        let mut acc = self.accounting.clone();
        acc.files.extend(self.unreadable.iter().cloned());
        acc
    }
}

/// Reads `paths`, builds the timeline and the report, and writes the report directory `out`
/// (report.html, report.md, timeline.json, events.parquet, accounting.json, charts). `meta`
/// names the incident and the command recorded in the report. Nothing is written when nothing
/// could be read (the accounting says why).
pub fn analyze(
    paths: &[PathBuf],
    out: &Path,
    method: &Method,
    opts: &IngestOptions,
    progress: &dyn Progress,
    meta: Meta,
) -> Result<Analysis> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let ((inputs, unreadable), pruned) = inputs_pruned(paths, opts);
    let events_path = out.join("events.parquet");
    // Re-analysing a report's own event frame into the same directory: the frame is written
    // beside it and takes its place once read.
    let rereading = inputs.iter().any(|i| match i {
        Input::File { path, .. } => same_file(path, &events_path),
        _ => false,
    });
    let writing = if rereading { out.join("events.parquet.new") } else { events_path.clone() };
    let read_result = read(&inputs, &writing, method, opts, progress);
    if rereading {
        match &read_result {
            Ok((.., acc)) if acc.events > 0 => {
                std::fs::rename(&writing, &events_path).map_err(|e| Error::io(&events_path, e))?;
            }
            _ => {
                let _ = std::fs::remove_file(&writing);
            }
        }
    }
    let (table, cohorts, sources, accounting) = read_result?;
    let accounting = Accounting { pruned, ..accounting };
    if accounting.events == 0 {
        let _ = std::fs::remove_file(&events_path);
        let _ = std::fs::remove_dir(out); // only when empty
        return Ok(Analysis { report: None, accounting, unreadable });
    }
    let tl = method.timeline(&table, Some(&cohorts), summary(&accounting, unreadable.len()));
    let mut full = accounting.clone();
    full.files.extend(unreadable.iter().cloned());
    let mut report = Report::build(meta, &table, tl, full, &sources);
    let user_side = sources.0.keys().any(|k| crate::vocab::source::SourceKind::user_side_id(Some(k)));
    if user_side {
        report.users = users_section(&events_path, &report.timeline)?;
    }
    report.write_to(out)?;
    Ok(Analysis { report: Some(report), accounting, unreadable })
}

/// One pass over the inputs: events to `events_path` as Parquet, rates by host, who was hit
/// (cohort counts), source counts.
fn read(
    inputs: &[Input],
    events_path: &Path,
    method: &Method,
    opts: &IngestOptions,
    progress: &dyn Progress,
) -> Result<(RatesTable, CohortTable, SourceCounts, Accounting)> {
    let bucket_ns = method.bucket_secs * 1_000_000_000;
    let mut table = RatesTable::new(bucket_ns, true);
    let mut cohorts = CohortTable::new(bucket_ns);
    let mut sources = SourceCounts::default();
    let rates = RatesCollector { bucket_ns, by_host: true };
    let who = crate::cohorts::CohortCollector { bucket_ns };
    let mut count = |part: crate::rates::RatesPart, counted: crate::cohorts::CohortPart, ctx: &ingest::ChunkCtx<'_>| {
        let mut chunk = RatesTable::new(bucket_ns, true);
        part.merge_into(&mut chunk);
        sources.add(ctx.format.source_kind().id(), &chunk);
        table.merge(chunk);
        counted.merge_into(&mut cohorts);
    };
    let acc = if let Some(frame) = frame_to_keep(inputs, opts) {
        // The input is an event frame of this version, read whole: its rows are the rows the
        // report's frame would hold, so the file is copied rather than encoded again.
        let acc = ingest::run(
            inputs,
            opts,
            progress,
            &(rates, who),
            |(part, counted), ctx, _| {
                count(part, counted, ctx);
                Ok(())
            },
            None,
        )?;
        std::fs::copy(frame, events_path).map_err(|e| Error::io(events_path, e))?;
        acc
    } else {
        let mut sink = ParquetSink::create(events_path)?;
        let acc = ingest::run(
            inputs,
            opts,
            progress,
            &(EventCollector, (rates, who)),
            |(events, (part, counted)), ctx, off| {
                count(part, counted, ctx);
                sink.push(events, off)
            },
            None,
        )?;
        sink.finish()?;
        acc
    };
    Ok((table, cohorts, sources, acc))
}

/// The event frame to copy as the report's own: the one input, when it is an event frame with
/// this version's columns and no time window leaves rows out.
fn frame_to_keep<'a>(inputs: &'a [Input], opts: &IngestOptions) -> Option<&'a Path> {
    let [input @ Input::File { path, .. }] = inputs else { return None };
    if !opts.window.is_open() || !ingest::cached::is_event_frame(input) {
        return None;
    }
    let file = File::open(path).ok()?;
    let schema = <polars::prelude::ParquetReader<File> as polars::prelude::SerReader<File>>::new(file).schema().ok()?;
    let want = crate::schema::event_schema();
    let names_and_types_match = schema.len() == want.len()
        && schema
            .iter()
            .zip(want.iter())
            .all(|((a, af), (b, bt))| a == b && &polars::prelude::DataType::from_arrow_field(af) == bt);
    names_and_types_match.then_some(path.as_path())
}

/// The "what users saw" section: the written event frame read back (only the columns the
/// signatures and the join read), classified and joined to the edge's events.
fn users_section(
    events: &Path,
    timeline: &crate::timeline::Timeline,
) -> Result<Option<crate::report::users::UsersSection>> {
    use crate::schema as s;
    use polars::prelude::SerReader;
    let cols = [
        s::TIME,
        s::SOURCE_KIND,
        s::SOURCE_FILE,
        s::SOURCE_LINE,
        s::ENTRY,
        s::POP,
        s::HOST,
        s::PATH,
        s::EDGE_STATUS,
        s::ORIGIN_STATUS,
        s::REQUEST_ID,
        s::ERROR,
        s::MESSAGE,
        s::BODY,
        s::CONTENT_TYPE,
        s::SERVER,
        s::REDIRECT_URL,
        s::CLIENT_IP,
        s::USER_AGENT,
    ];
    let file = File::open(events).map_err(|e| Error::io(events, e))?;
    let mut df = polars::prelude::ParquetReader::new(file)
        .with_columns(Some(cols.iter().map(|c| (*c).into()).collect()))
        .finish()?;
    crate::signatures::classify(&mut df)?;
    let join = crate::join::join(&df, crate::join::JoinParams::default())?;
    crate::report::users::build(&df, &join, timeline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_refuses_what_the_model_cannot_use() {
        assert!(Method::new(60, 0.01, 180, None).is_ok());
        assert!(Method::new(0, 0.01, 180, None).is_err());
        assert!(Method::new(60, f64::NAN, 180, None).is_err());
    }
}
