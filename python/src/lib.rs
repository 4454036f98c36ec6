//! The native half of the `blastradius` Python package: the Rust core, with frames handed to
//! Python through the Arrow C stream interface (no copies), and the GIL released while Rust
//! reads. The typed, documented API is the pure-Python `blastradius` package around it.

use std::path::PathBuf;

use blastradius::analyze::{analyze, incident_name, inputs, summary, Method};
use blastradius::ingest::{discover, Accounting, FileAccount, IngestOptions, Input, NoProgress};
use blastradius::rates::{state, RatesTable};
use blastradius::report::Meta;
use blastradius::timeline::{self, model::InputSummary};
use crossbeam_channel::{bounded, Receiver};
use polars::prelude::*;
use polars_arrow::array::{Array, StructArray};
use polars_arrow::datatypes::{ArrowDataType, Field};
use polars_arrow::ffi::{export_iterator, ArrowArrayStream, ArrowArrayStreamReader};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyDict};

create_exception!(_core, BlastradiusError, PyException, "A run failed (bad options, a write error).");

fn err(e: impl std::fmt::Display) -> PyErr {
    BlastradiusError::new_err(e.to_string())
}

/// An Arrow C stream owned by Rust until a consumer takes it.
#[repr(transparent)]
struct Stream(ArrowArrayStream);

// SAFETY: the stream's private data (an iterator over owned Arrow arrays) is `Send`; the raw
// pointers in the struct are only used by whoever holds the stream, one thread at a time.
unsafe impl Send for Stream {}

/// A frame on its way to Python: pass it to `polars.DataFrame(...)` or `pyarrow.table(...)`,
/// which import it through the Arrow `PyCapsule` interface, once.
#[pyclass(module = "blastradius._core")]
struct ArrowStream {
    stream: std::sync::Mutex<Option<Stream>>,
    rows: usize,
}

#[pymethods]
impl ArrowStream {
    /// The Arrow `PyCapsule` interface.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &mut self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let taken = self.stream.get_mut().map(Option::take).ok().flatten();
        let stream = taken.ok_or_else(|| PyValueError::new_err("this stream was already consumed"))?;
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    fn __len__(&self) -> usize {
        self.rows
    }
}

/// Exports a frame as a stream of record batches (struct arrays), one per chunk.
fn export(mut df: DataFrame, compat: CompatLevel) -> ArrowStream {
    let rows = df.height();
    df.align_chunks_par();
    let fields: Vec<Field> = df.columns().iter().map(|c| c.field().to_arrow(compat)).collect();
    let dtype = ArrowDataType::Struct(fields);
    let batches: Vec<PolarsResult<Box<dyn Array>>> = df
        .iter_chunks(compat, false)
        .map(|rb| {
            let len = rb.height();
            let arr: Box<dyn Array> = Box::new(StructArray::new(dtype.clone(), len, rb.into_arrays(), None));
            Ok(arr)
        })
        .collect();
    let field = Field::new("".into(), dtype, false);
    ArrowStream {
        stream: std::sync::Mutex::new(Some(Stream(export_iterator(Box::new(batches.into_iter()), field)))),
        rows,
    }
}

/// Imports a frame from any object with `__arrow_c_stream__` (a polars or pyarrow frame).
fn import(obj: &Bound<'_, PyAny>) -> PyResult<DataFrame> {
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast_into::<PyCapsule>().map_err(|_| PyValueError::new_err("not an Arrow stream"))?;
    let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?.cast::<ArrowArrayStream>();
    // SAFETY: a capsule named "arrow_array_stream" holds a valid `ArrowArrayStream` (the Arrow
    // PyCapsule interface). It is moved out, and a released (empty) stream left in its place, as
    // the interface asks of a consumer, so the capsule's destructor releases nothing twice.
    let stream = unsafe { std::ptr::replace(ptr.as_ptr(), ArrowArrayStream::empty()) };
    // SAFETY: the stream was just moved out of the capsule and is owned here.
    let mut reader = unsafe { ArrowArrayStreamReader::try_new(Box::new(stream)) }.map_err(err)?;
    let mut out: Option<DataFrame> = None;
    // SAFETY: `next` follows the stream's own callbacks; the reader owns the stream.
    while let Some(array) = unsafe { reader.next() } {
        let array = array.map_err(err)?;
        let Some(sa) = array.as_any().downcast_ref::<StructArray>() else {
            return Err(PyValueError::new_err("an Arrow stream of record batches was expected"));
        };
        let df = DataFrame::try_from(sa.clone()).map_err(err)?;
        match &mut out {
            None => out = Some(df),
            Some(o) => {
                o.vstack_mut_owned(df).map_err(err)?;
            }
        }
    }
    out.ok_or_else(|| PyValueError::new_err("the frame has no batches"))
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

/// One file's partial state for a distributed run (the exchange frame of
/// `blastradius::rates::state`), with plain (not view) string columns. `path` is a local path or
/// an object storage URL (streamed, never copied); `name`, when given, names the file in the
/// accounting instead.
#[pyfunction]
#[pyo3(signature = (path, file_index, seed, opts=None, bucket_secs=60, name=None))]
fn file_partial(
    py: Python<'_>,
    path: PathBuf,
    file_index: i64,
    seed: u64,
    opts: Option<&Bound<'_, PyDict>>,
    bucket_secs: i64,
    name: Option<String>,
) -> PyResult<ArrowStream> {
    let opts = options(opts)?;
    let bucket_ns = blastradius::duration::check_seconds(bucket_secs).map_err(PyValueError::new_err)? * 1_000_000_000;
    let df = py
        .detach(|| -> blastradius::Result<DataFrame> {
            // An object the driver listed is read as it is, without listing it again.
            let (inputs, errors) = match path.to_str().filter(|p| blastradius::store::is_url(p)) {
                Some(url) => (vec![Input::Object { url: url.to_string(), size: None, from_walk: false }], Vec::new()),
                None => discover(std::slice::from_ref(&path)),
            };
            let mut partial = match (inputs.first(), errors.first()) {
                (Some(input), _) => state::file_partial(input, &opts, &NoProgress, bucket_ns, seed)?,
                (None, e) => state::FilePartial {
                    table: RatesTable::new(bucket_ns, true),
                    keys: Vec::new(),
                    account: FileAccount {
                        file: path.display().to_string(),
                        error: Some(e.map_or_else(|| "no such file".to_string(), |(_, e)| format!("cannot read: {e}"))),
                        ..Default::default()
                    },
                },
            };
            if let Some(name) = name {
                partial.account.file = name;
            }
            state::to_frame(&partial, file_index)
        })
        .map_err(err)?;
    Ok(export(df, CompatLevel::oldest()))
}

/// Puts merged partials together into the timeline (JSON) and the accounting (JSON): `rates`
/// holds the merged `rates` rows, `removals` the merged counts of copies to take out (both
/// exchange-frame columns), `accounts` each file's account (JSON) in file order.
#[pyfunction]
#[pyo3(signature = (rates, removals, accounts, bucket_secs=60, min_excess=0.01, min_failing_secs=180))]
fn combine_partials(
    py: Python<'_>,
    rates: Option<&Bound<'_, PyAny>>,
    removals: Option<&Bound<'_, PyAny>>,
    accounts: Vec<String>,
    bucket_secs: i64,
    min_excess: f64,
    min_failing_secs: i64,
) -> PyResult<(Option<String>, String)> {
    let m = method(bucket_secs, min_excess, min_failing_secs, None)?;
    let bucket_ns = m.bucket_secs().saturating_mul(1_000_000_000);
    let rates_df = rates.map(import).transpose()?;
    let removals_df = removals.map(import).transpose()?;
    py.detach(|| -> blastradius::Result<(Option<String>, String)> {
        let table = match &rates_df {
            Some(df) => state::table_from_frame(df, bucket_ns)?,
            None => RatesTable::new(bucket_ns, true),
        };
        let removals = match &removals_df {
            Some(df) => state::table_from_frame(df, bucket_ns)?,
            None => RatesTable::new(bucket_ns, true),
        };
        let accounts: Vec<FileAccount> = accounts
            .iter()
            .map(|a| serde_json::from_str(a))
            .collect::<Result<_, _>>()
            .map_err(|e| blastradius::Error::Invalid(format!("file account: {e}")))?;
        let (table, acc) = state::combine(table, &removals, accounts);
        let tl = (acc.events > 0).then(|| timeline::build(&table, summary(&acc, 0), m.params()));
        Ok((tl.as_ref().map(to_json).transpose()?, to_json(&acc)?))
    })
    .map_err(err)
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

/// One file's cohort counts as a frame (`bucket, pop, dimension, value, requests, failures`; see
/// `blastradius::cohorts::to_frame`), with `file_index` first; frames of many files merge by
/// summing the counts per key.
#[pyfunction]
#[pyo3(signature = (path, file_index, opts=None, bucket_secs=60))]
fn file_cohorts(
    py: Python<'_>,
    path: PathBuf,
    file_index: i64,
    opts: Option<&Bound<'_, PyDict>>,
    bucket_secs: i64,
) -> PyResult<ArrowStream> {
    let opts = options(opts)?;
    blastradius::duration::check_seconds(bucket_secs).map_err(PyValueError::new_err)?;
    let df = py
        .detach(|| -> blastradius::Result<DataFrame> {
            let (inputs, _) = match path.to_str().filter(|p| blastradius::store::is_url(p)) {
                Some(url) => (vec![Input::Object { url: url.to_string(), size: None, from_walk: false }], Vec::new()),
                None => discover(std::slice::from_ref(&path)),
            };
            let (_, table, _) = blastradius::cohorts::compute(&inputs, &opts, &NoProgress, bucket_secs)?;
            let mut df = blastradius::cohorts::to_frame(&table)?;
            let n = df.height();
            df.insert_column(0, polars::prelude::Column::new("file_index".into(), vec![file_index; n]))?;
            Ok(df)
        })
        .map_err(err)?;
    Ok(export(df, CompatLevel::oldest()))
}

/// A timeline document (JSON) with who was hit attached from a merged cohort frame.
#[pyfunction]
#[pyo3(signature = (timeline_json, cohorts, bucket_secs=60))]
fn attach_cohorts(timeline_json: &str, cohorts: &Bound<'_, PyAny>, bucket_secs: i64) -> PyResult<String> {
    let mut tl: blastradius::timeline::Timeline = serde_json::from_str(timeline_json).map_err(err)?;
    let df = import(cohorts)?;
    let bucket_ns = blastradius::duration::check_seconds(bucket_secs).map_err(PyValueError::new_err)? * 1_000_000_000;
    let table = blastradius::cohorts::from_frame(&df, bucket_ns).map_err(err)?;
    blastradius::cohorts::analysis::attach(&mut tl, &table);
    to_json(&tl).map_err(err)
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

/// The exchange frame's count and time columns, in order: Spark builds its schema and its merge
/// from them, so a count the core adds crosses the shuffle without a change to the Python side.
#[pyfunction]
fn partial_columns() -> (Vec<String>, Vec<String>) {
    (state::count_columns(), state::TIME_COLUMNS.iter().map(ToString::to_string).collect())
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
    m.add_function(wrap_pyfunction!(file_partial, m)?)?;
    m.add_function(wrap_pyfunction!(combine_partials, m)?)?;
    m.add_function(wrap_pyfunction!(duration_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(check_bucket, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(partial_columns, m)?)?;
    m.add_function(wrap_pyfunction!(cohorts_of_paths, m)?)?;
    m.add_function(wrap_pyfunction!(attach_changes, m)?)?;
    m.add_function(wrap_pyfunction!(read_changes, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(file_cohorts, m)?)?;
    m.add_function(wrap_pyfunction!(attach_cohorts, m)?)?;
    m.add_function(wrap_pyfunction!(list_inputs, m)?)?;
    Ok(())
}
