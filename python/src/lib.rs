//! The native half of the `blastradius` Python package: the Rust core, with frames handed to
//! Python through the Arrow C stream interface (no copies), and the GIL released while Rust
//! reads. The typed, documented API is the pure-Python `blastradius` package around it.

use std::path::PathBuf;

use blastradius::analyze::{analyze, incident_name, inputs, summary, Method};
use blastradius::ingest::{Accounting, FileAccount, IngestOptions, Input, NoProgress};
use blastradius::rates::state;
use blastradius::report::Meta;
use blastradius::timeline::{self, model::InputSummary};
use crossbeam_channel::{bounded, Receiver};
use polars::prelude::*;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

mod arrow;
mod distributed;

use arrow::{export, import, ArrowStream};

create_exception!(_core, BlastradiusError, PyException, "A run failed (bad options, a write error).");

fn err(e: impl std::fmt::Display) -> PyErr {
    BlastradiusError::new_err(e.to_string())
}

fn get<'py, T: FromPyObjectOwned<'py>>(d: Option<&Bound<'py, PyDict>>, key: &str) -> PyResult<Option<T>> {
    match d.map(|d| d.get_item(key)).transpose()?.flatten() {
        Some(v) if !v.is_none() => Ok(Some(v.extract::<T>().map_err(Into::into)?)),
        _ => Ok(None),
    }
}

/// Reading options from the keyword arguments the Python layer passes on.
fn options(d: Option<&Bound<'_, PyDict>>) -> PyResult<IngestOptions> {
    let mut o = IngestOptions::default();
    if let Some(v) = get::<String>(d, "format")? {
        o.format = Some(v);
    }
    if let Some(v) = get::<String>(d, "log_format")? {
        o.log_format = Some(v);
    }
    if let Some(v) = get::<bool>(d, "dedup")? {
        o.dedup = v;
    }
    if let Some(v) = get::<bool>(d, "keep_secrets")? {
        o.keep_secrets = v;
    }
    if let Some(v) = get::<usize>(d, "threads")? {
        o.threads = v;
    }
    if let Some(v) = get::<usize>(d, "max_line_bytes")? {
        o.max_line_bytes = v;
    }
    if let Some(v) = get::<u64>(d, "max_file_bytes")? {
        o.max_file_bytes = v;
    }
    if let Some(v) = get::<usize>(d, "max_record_bytes")? {
        o.max_record_bytes = v;
    }
    if let Some(v) = get::<usize>(d, "chunk_bytes")? {
        o.chunk_bytes = v;
    }
    if let Some(v) = get::<usize>(d, "max_reject_records")? {
        o.max_reject_records = v;
    }
    let time = |key: &str| -> PyResult<Option<i64>> {
        get::<String>(d, key)?
            .map(|t| blastradius::ingest::parse_time(&t).map_err(|e| PyValueError::new_err(format!("{key}: {e}"))))
            .transpose()
    };
    o.window = blastradius::ingest::Window { since: time("since")?, until: time("until")? };
    o.store.endpoint = get::<String>(d, "endpoint")?;
    o.store.region = get::<String>(d, "region")?;
    o.store.retries = get::<usize>(d, "retries")?.unwrap_or(0);
    if let Some(extra) = get::<std::collections::BTreeMap<String, String>>(d, "storage_options")? {
        o.store.options = extra.into_iter().collect();
    }
    o.validate().map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(o)
}

/// The method's parameters: bucket width, minimum excess, minimum failing time, baseline period.
fn method(bucket: i64, min_excess: f64, min_failing: i64, baseline: Option<&str>) -> PyResult<Method> {
    let baseline = baseline.map(blastradius::duration::parse_period).transpose().map_err(PyValueError::new_err)?;
    Method::new(bucket, min_excess, min_failing, baseline.map(|b| (b.from, b.to)))
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

fn with_unreadable(mut acc: Accounting, unreadable: Vec<FileAccount>) -> PyResult<String> {
    acc.files.extend(unreadable);
    serde_json::to_string(&acc).map_err(err)
}

/// Reads paths into one event frame; returns the frame and the accounting (JSON).
#[pyfunction]
#[pyo3(signature = (paths, opts=None, classify=false, round_trips=3, window_secs=60))]
fn read_events(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    opts: Option<&Bound<'_, PyDict>>,
    classify: bool,
    round_trips: usize,
    window_secs: i64,
) -> PyResult<(ArrowStream, String)> {
    let opts = options(opts)?;
    let (inputs, unreadable) = inputs(&paths, &opts);
    let (df, acc) = py
        .detach(|| -> blastradius::Result<(DataFrame, Accounting)> {
            if classify {
                let (mut df, acc) = blastradius::frame::read_events(&inputs, &opts)?;
                let p = blastradius::signatures::oauth_loop::LoopParams {
                    round_trips,
                    window_ns: window_secs.saturating_mul(1_000_000_000),
                };
                blastradius::signatures::classify_with(&mut df, p)?;
                return Ok((df, acc));
            }
            // The chunks' frames are stacked without a copy: Python receives one record batch
            // per chunk.
            let mut whole: Option<DataFrame> = None;
            let acc = blastradius::ingest::run(
                &inputs,
                &opts,
                &NoProgress,
                &blastradius::frame::EventCollector,
                |chunk: blastradius::frame::EventChunk, _ctx, off| {
                    let df = chunk.into_frame(off)?;
                    match &mut whole {
                        None => whole = Some(df),
                        Some(w) => {
                            w.vstack_mut_owned(df)?;
                        }
                    }
                    Ok(())
                },
                None,
            )?;
            let df = whole.unwrap_or_else(|| DataFrame::empty_with_schema(&blastradius::schema::event_schema()));
            Ok((df, acc))
        })
        .map_err(err)?;
    Ok((export(df, CompatLevel::newest()), with_unreadable(acc, unreadable)?))
}

enum Batch {
    Frame(DataFrame),
    Done(std::result::Result<Accounting, String>),
}

/// Event frames one chunk at a time, read on a background thread with a queue of two: memory
/// stays bounded whatever the input's size.
#[pyclass(module = "blastradius._core")]
struct EventBatches {
    rx: Option<Receiver<Batch>>,
    accounting: Option<String>,
    unreadable: Vec<FileAccount>,
}

#[pymethods]
impl EventBatches {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<ArrowStream>> {
        let Some(rx) = &self.rx else { return Ok(None) };
        let rx = rx.clone();
        match py.detach(move || rx.recv()) {
            Ok(Batch::Frame(df)) => Ok(Some(export(df, CompatLevel::newest()))),
            Ok(Batch::Done(result)) => {
                self.rx = None;
                let acc = result.map_err(err)?;
                self.accounting = Some(with_unreadable(acc, std::mem::take(&mut self.unreadable))?);
                Ok(None)
            }
            Err(_) => {
                self.rx = None;
                Err(err("the reading thread stopped"))
            }
        }
    }

    /// The accounting (JSON), once every batch was taken.
    fn accounting(&self) -> Option<String> {
        self.accounting.clone()
    }
}

#[pyfunction]
#[pyo3(signature = (paths, opts=None))]
fn iter_events(paths: Vec<PathBuf>, opts: Option<&Bound<'_, PyDict>>) -> PyResult<EventBatches> {
    let opts = options(opts)?;
    let (inputs, unreadable) = inputs(&paths, &opts);
    let (tx, rx) = bounded::<Batch>(2);
    std::thread::spawn(move || {
        let result = blastradius::ingest::run(
            &inputs,
            &opts,
            &NoProgress,
            &blastradius::frame::EventCollector,
            |chunk: blastradius::frame::EventChunk, _ctx, off| {
                let df = chunk.into_frame(off)?;
                tx.send(Batch::Frame(df)).map_err(|_| blastradius::Error::Invalid("the reader was dropped".into()))
            },
            None,
        );
        let _ = tx.send(Batch::Done(result.map_err(|e| e.to_string())));
    });
    Ok(EventBatches { rx: Some(rx), accounting: None, unreadable })
}

/// Rates per bucket × POP (× host), with every count and time; and the accounting.
#[pyfunction]
#[pyo3(signature = (paths, opts=None, bucket_secs=60, by_host=false))]
fn rates(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    opts: Option<&Bound<'_, PyDict>>,
    bucket_secs: i64,
    by_host: bool,
) -> PyResult<(ArrowStream, String)> {
    let opts = options(opts)?;
    let (inputs, unreadable) = inputs(&paths, &opts);
    let (df, acc) = py
        .detach(|| -> blastradius::Result<(DataFrame, Accounting)> {
            let (table, acc) = blastradius::rates::compute(&inputs, &opts, &NoProgress, bucket_secs, by_host)?;
            Ok((state::rates_frame(&table)?, acc))
        })
        .map_err(err)?;
    Ok((export(df, CompatLevel::newest()), with_unreadable(acc, unreadable)?))
}

/// The timeline of paths (JSON, as `blastradius timeline --format json`) and the accounting.
#[pyfunction]
#[pyo3(signature = (paths, opts=None, bucket_secs=60, min_excess=0.01, min_failing_secs=180, baseline=None))]
fn timeline_of_paths(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    opts: Option<&Bound<'_, PyDict>>,
    bucket_secs: i64,
    min_excess: f64,
    min_failing_secs: i64,
    baseline: Option<&str>,
) -> PyResult<(Option<String>, String)> {
    let opts = options(opts)?;
    let m = method(bucket_secs, min_excess, min_failing_secs, baseline)?;
    timeline_json(
        py,
        &paths,
        &opts,
        |inputs| blastradius::rates::compute(inputs, &opts, &NoProgress, m.bucket_secs(), true),
        |table, input| timeline::build(&table, input, m.params()),
    )
}

/// Reads paths with `compute` and builds the timeline (JSON) of what it computed with `build`;
/// no timeline when no event was read. Returns it with the accounting.
fn timeline_json<T, C, B>(
    py: Python<'_>,
    paths: &[PathBuf],
    opts: &IngestOptions,
    compute: C,
    build: B,
) -> PyResult<(Option<String>, String)>
where
    C: FnOnce(&[Input]) -> blastradius::Result<(T, Accounting)> + Send,
    B: FnOnce(T, InputSummary) -> timeline::Timeline + Send,
{
    let (inputs, unreadable) = inputs(paths, opts);
    let n_unreadable = unreadable.len();
    let (tl, acc) = py
        .detach(|| -> blastradius::Result<(Option<String>, Accounting)> {
            let (computed, acc) = compute(&inputs)?;
            if acc.events == 0 {
                return Ok((None, acc));
            }
            let tl = build(computed, summary(&acc, n_unreadable));
            Ok((Some(to_json(&tl)?), acc))
        })
        .map_err(err)?;
    Ok((tl, with_unreadable(acc, unreadable)?))
}

/// The timeline of a frame: `kind` is `rates` (a frame from `rates`, by host or not) or
/// `events` (an event frame). `input` is the accounting summary to report (JSON), if known.
#[pyfunction]
#[pyo3(signature = (frame, kind, input=None, bucket_secs=60, min_excess=0.01, min_failing_secs=180, baseline=None))]
#[allow(clippy::too_many_arguments)]
fn timeline_of_frame(
    py: Python<'_>,
    frame: &Bound<'_, PyAny>,
    kind: &str,
    input: Option<(u64, u64, u64, u64, u64)>,
    bucket_secs: i64,
    min_excess: f64,
    min_failing_secs: i64,
    baseline: Option<&str>,
) -> PyResult<String> {
    let m = method(bucket_secs, min_excess, min_failing_secs, baseline)?;
    let df = import(frame)?;
    let bucket_ns = m.bucket_secs().saturating_mul(1_000_000_000);
    py.detach(|| -> blastradius::Result<String> {
        let table = match kind {
            "events" => state::from_events(&df, bucket_ns)?,
            _ => state::table_from_frame(&df, bucket_ns)?,
        };
        let input = if let Some((files, lines, events, rejected, duplicates)) = input {
            InputSummary { files, lines, events, rejected, duplicates, filtered: 0 }
        } else {
            let n = table.total().requests;
            InputSummary { files: 0, lines: n, events: n, rejected: 0, duplicates: 0, filtered: 0 }
        };
        to_json(&timeline::build(&table, input, m.params()))
    })
    .map_err(err)
}

/// One row per event with its signature and evidence (the rows of `blastradius classify` as a
/// frame, see `blastradius::classify::frame`), and the accounting.
#[pyfunction]
#[pyo3(signature = (paths, opts=None, failures_only=false, round_trips=3, window_secs=60))]
fn classify(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    opts: Option<&Bound<'_, PyDict>>,
    failures_only: bool,
    round_trips: usize,
    window_secs: i64,
) -> PyResult<(ArrowStream, String)> {
    let opts = options(opts)?;
    let (inputs, unreadable) = inputs(&paths, &opts);
    let (rows, acc) = py
        .detach(|| -> blastradius::Result<(DataFrame, Accounting)> {
            let (mut df, acc) = blastradius::frame::read_events(&inputs, &opts)?;
            let p = blastradius::signatures::oauth_loop::LoopParams {
                round_trips,
                window_ns: window_secs.saturating_mul(1_000_000_000),
            };
            blastradius::signatures::classify_with(&mut df, p)?;
            let join = blastradius::join::join(&df, blastradius::join::JoinParams::default())?;
            let mut rows = blastradius::classify::rows(&df, Some(&join))?;
            if failures_only {
                rows.retain(|r| r.signature.is_some());
            }
            Ok((blastradius::classify::frame(&rows)?, acc))
        })
        .map_err(err)?;
    Ok((export(rows, CompatLevel::newest()), with_unreadable(acc, unreadable)?))
}

/// A signature's documentation, or every signature's (id, blame, first line).
#[pyfunction]
#[pyo3(signature = (id=None))]
fn explain(id: Option<&str>) -> PyResult<Vec<(String, String, String)>> {
    use blastradius::signatures::{Signature, REGISTRY};
    match id {
        Some(id) => {
            let sig = Signature::from_id(id).ok_or_else(|| {
                let ids: Vec<&str> = REGISTRY.iter().map(|i| i.signature.id()).collect();
                PyValueError::new_err(format!("unknown signature `{id}` (known: {})", ids.join(", ")))
            })?;
            let info = sig.info();
            Ok(vec![(id.to_string(), info.blame.id().to_string(), info.doc.trim_end().to_string())])
        }
        None => Ok(REGISTRY
            .iter()
            .map(|i| (i.signature.id().to_string(), i.blame.id().to_string(), i.doc.trim_end().to_string()))
            .collect()),
    }
}

/// Writes the report directory; returns whether a report was written, and the accounting.
#[pyfunction]
#[pyo3(signature = (paths, out_dir, opts=None, bucket_secs=60, min_excess=0.01, min_failing_secs=180, command=None, baseline=None, changes=None))]
#[allow(clippy::too_many_arguments)]
fn report(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    out_dir: PathBuf,
    opts: Option<&Bound<'_, PyDict>>,
    bucket_secs: i64,
    min_excess: f64,
    min_failing_secs: i64,
    command: Option<String>,
    baseline: Option<&str>,
    changes: Option<PathBuf>,
) -> PyResult<(bool, String)> {
    let opts = options(opts)?;
    let mut m = method(bucket_secs, min_excess, min_failing_secs, baseline)?;
    if let Some(path) = changes {
        m = m.with_changes(blastradius::changes::read(&path).map_err(err)?);
    }
    let command = command.unwrap_or_else(|| "blastradius.report(...)".to_string());
    let meta = Meta { name: incident_name(&paths), command, version: blastradius::VERSION.to_string() };
    let analysis = py.detach(|| analyze(&paths, &out_dir, &m, &opts, &NoProgress, meta)).map_err(err)?;
    Ok((analysis.report.is_some(), serde_json::to_string(&analysis.full_accounting()).map_err(err)?))
}

/// Serialises to a JSON string, with the error as the core's.
fn to_json<T: serde::Serialize>(v: &T) -> blastradius::Result<String> {
    serde_json::to_string(v).map_err(|e| blastradius::Error::Invalid(e.to_string()))
}

/// Seconds of a duration as the CLI reads one (`90`, `30s`, `5m`, `1h`), whatever its size.
#[pyfunction]
fn duration_seconds(text: &str) -> PyResult<i64> {
    blastradius::duration::parse_width(text).map_err(PyValueError::new_err)
}

/// A bucket width checked as the CLI checks `--bucket` (1 s to 24 h).
#[pyfunction]
fn check_bucket(secs: i128) -> PyResult<i64> {
    i64::try_from(secs)
        .map_err(|_| format!("a bucket of {secs} s: it must be between 1s and 24h"))
        .and_then(blastradius::duration::check_seconds)
        .map_err(PyValueError::new_err)
}

/// The timeline of paths with who was hit in each incident (cohorts) and, given a changes file,
/// the changes ranked against each onset (JSON), and the accounting.
#[pyfunction]
#[pyo3(signature = (paths, opts=None, bucket_secs=60, min_excess=0.01, min_failing_secs=180, baseline=None, changes=None))]
#[allow(clippy::too_many_arguments)]
fn cohorts_of_paths(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    opts: Option<&Bound<'_, PyDict>>,
    bucket_secs: i64,
    min_excess: f64,
    min_failing_secs: i64,
    baseline: Option<&str>,
    changes: Option<PathBuf>,
) -> PyResult<(Option<String>, String)> {
    let opts = options(opts)?;
    let mut m = method(bucket_secs, min_excess, min_failing_secs, baseline)?;
    if let Some(path) = changes {
        m = m.with_changes(blastradius::changes::read(&path).map_err(err)?);
    }
    timeline_json(
        py,
        &paths,
        &opts,
        |inputs| {
            let (table, cohorts, acc) = blastradius::cohorts::compute(inputs, &opts, &NoProgress, m.bucket_secs())?;
            Ok(((table, cohorts), acc))
        },
        |(table, cohorts), input| m.timeline(&table, Some(&cohorts), input),
    )
}

/// A timeline document (JSON) with a changes file placed in it (JSON).
#[pyfunction]
fn attach_changes(timeline_json: &str, changes: PathBuf) -> PyResult<String> {
    let mut tl: blastradius::timeline::Timeline = serde_json::from_str(timeline_json).map_err(err)?;
    let c = blastradius::changes::read(&changes).map_err(err)?;
    blastradius::changes::attach(&mut tl, &c);
    to_json(&tl).map_err(err)
}

/// A changes file read (JSON list of changes).
#[pyfunction]
fn read_changes(path: PathBuf) -> PyResult<String> {
    to_json(&blastradius::changes::read(&path).map_err(err)?).map_err(err)
}

/// Two timeline documents compared: `format` is `json`, `markdown` or `html`.
#[pyfunction]
fn compare(a_name: &str, a_json: &str, b_name: &str, b_json: &str, format: &str) -> PyResult<String> {
    let a: blastradius::timeline::Timeline = serde_json::from_str(a_json).map_err(err)?;
    let b: blastradius::timeline::Timeline = serde_json::from_str(b_json).map_err(err)?;
    let c = blastradius::compare::compare((a_name, &a), (b_name, &b));
    match format {
        "json" => to_json(&c).map_err(err),
        "markdown" => Ok(blastradius::compare::markdown(&c)),
        "html" => blastradius::compare::html(&c).map_err(err),
        other => Err(PyValueError::new_err(format!("unknown format `{other}` (json, markdown or html)"))),
    }
}

/// Expands paths and object storage URLs into the inputs to read, pruned by the options'
/// `since`/`until` as the core prunes them: (inputs by name, paths that could not be read or
/// listed with why, objects/files/day folders pruned).
#[pyfunction]
#[pyo3(signature = (paths, opts=None))]
#[allow(clippy::type_complexity, reason = "a plain tuple for Python")]
fn list_inputs(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    opts: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Vec<String>, Vec<(String, String)>, u64)> {
    let opts = options(opts)?;
    let found = py.detach(|| blastradius::ingest::discover_in(&paths, &opts));
    Ok((found.inputs.iter().map(Input::display).collect(), found.errors, found.pruned))
}

/// The version of the core.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("BlastradiusError", m.py().get_type::<BlastradiusError>())?;
    m.add_class::<ArrowStream>()?;
    m.add_class::<EventBatches>()?;
    m.add_function(wrap_pyfunction!(read_events, m)?)?;
    m.add_function(wrap_pyfunction!(iter_events, m)?)?;
    m.add_function(wrap_pyfunction!(rates, m)?)?;
    m.add_function(wrap_pyfunction!(timeline_of_paths, m)?)?;
    m.add_function(wrap_pyfunction!(timeline_of_frame, m)?)?;
    m.add_function(wrap_pyfunction!(classify, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::file_partial, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::combine_partials, m)?)?;
    m.add_function(wrap_pyfunction!(duration_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(check_bucket, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::partial_columns, m)?)?;
    m.add_function(wrap_pyfunction!(cohorts_of_paths, m)?)?;
    m.add_function(wrap_pyfunction!(attach_changes, m)?)?;
    m.add_function(wrap_pyfunction!(read_changes, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::file_cohorts, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::attach_cohorts, m)?)?;
    m.add_function(wrap_pyfunction!(list_inputs, m)?)?;
    Ok(())
}
