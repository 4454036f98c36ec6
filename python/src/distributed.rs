//! The pieces of a distributed run (Spark): one file's partial state or cohort counts as a
//! frame, and merged partials put back together.

use std::path::PathBuf;

use blastradius::analyze::summary;
use blastradius::ingest::{discover, FileAccount, Input, NoProgress};
use blastradius::rates::{state, RatesTable};
use blastradius::timeline;
use polars::prelude::*;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrow::{export, import, ArrowStream};
use crate::{err, method, options, to_json};

/// One file's partial state for a distributed run (the exchange frame of
/// `blastradius::rates::state`), with plain (not view) string columns. `path` is a local path or
/// an object storage URL (streamed, never copied); `name`, when given, names the file in the
/// accounting instead.
#[pyfunction]
#[pyo3(signature = (path, file_index, seed, opts=None, bucket_secs=60, name=None))]
pub(crate) fn file_partial(
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
pub(crate) fn combine_partials(
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

/// One file's cohort counts as a frame (`bucket, pop, dimension, value, requests, failures`; see
/// `blastradius::cohorts::to_frame`), with `file_index` first; frames of many files merge by
/// summing the counts per key.
#[pyfunction]
#[pyo3(signature = (path, file_index, opts=None, bucket_secs=60))]
pub(crate) fn file_cohorts(
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
pub(crate) fn attach_cohorts(timeline_json: &str, cohorts: &Bound<'_, PyAny>, bucket_secs: i64) -> PyResult<String> {
    let mut tl: blastradius::timeline::Timeline = serde_json::from_str(timeline_json).map_err(err)?;
    let df = import(cohorts)?;
    let bucket_ns = blastradius::duration::check_seconds(bucket_secs).map_err(PyValueError::new_err)? * 1_000_000_000;
    let table = blastradius::cohorts::from_frame(&df, bucket_ns).map_err(err)?;
    blastradius::cohorts::analysis::attach(&mut tl, &table);
    to_json(&tl).map_err(err)
}

/// The exchange frame's count and time columns, in order: Spark builds its schema and its merge
/// from them, so a count the core adds crosses the shuffle without a change to the Python side.
#[pyfunction]
pub(crate) fn partial_columns() -> (Vec<String>, Vec<String>) {
    (state::count_columns(), state::TIME_COLUMNS.iter().map(ToString::to_string).collect())
}
