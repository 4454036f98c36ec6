//! Writing a rates table: CSV, JSON, Parquet (the table form is drawn by the CLI).
//!
//! Columns, in order: `bucket, pop, [host,] requests, status_5xx, edge_5xx, status_502,
//! status_4xx, edge_500, edge_502, origin_5xx, cf_52x, rate_limited, bytes, first_5xx, last_5xx`.

use std::io::Write;

use polars::prelude::*;
use serde::Serialize;

use super::{Counts, RatesTable};
use crate::Result;

/// An output format for tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A table for the terminal.
    Table,
    /// Comma-separated values with a header.
    Csv,
    /// A JSON array of objects.
    Json,
    /// Apache Parquet.
    Parquet,
}

/// Formats a bucket start as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn bucket_label(ns: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(ns).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Formats a time as RFC 3339 UTC with milliseconds; `None` for the sentinel of an empty min/max.
pub fn rfc3339(ns: i64) -> Option<String> {
    (ns != i64::MAX && ns != i64::MIN).then(|| crate::text::rfc3339(ns))
}

/// The header of the rates table.
pub fn header(by_host: bool) -> Vec<&'static str> {
    let mut h = vec!["bucket", "pop"];
    if by_host {
        h.push("host");
    }
    h.extend(["requests", "status_5xx", "edge_5xx", "status_502", "status_4xx"]);
    h.extend(crate::signatures::ALL.iter().map(|s| s.id()));
    h.extend(["bytes", "first_5xx", "last_5xx"]);
    h
}

fn numbers(c: &Counts) -> Vec<u64> {
    let mut v = vec![c.requests, c.status_5xx, c.edge_5xx, c.status_502, c.status_4xx];
    v.extend(crate::signatures::ALL.iter().map(|s| c.signature(*s)));
    v.push(c.bytes);
    v
}

/// One row as strings (for CSV and the terminal table).
pub fn row_strings(t: &RatesTable, key: &super::Key, c: &Counts) -> Vec<String> {
    let (b, pop, host) = key;
    let mut r = vec![bucket_label(*b), pop.clone().unwrap_or_default()];
    if t.by_host {
        r.push(host.clone().unwrap_or_default());
    }
    r.extend(numbers(c).iter().map(u64::to_string));
    r.push(rfc3339(c.first_5xx_ns).unwrap_or_default());
    r.push(rfc3339(c.last_5xx_ns).unwrap_or_default());
    r
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes the table as CSV.
pub fn write_csv(t: &RatesTable, w: &mut dyn Write) -> std::io::Result<()> {
    writeln!(w, "{}", header(t.by_host).join(","))?;
    for (k, c) in &t.rows {
        let r: Vec<String> = row_strings(t, k, c).iter().map(|s| csv_field(s)).collect();
        writeln!(w, "{}", r.join(","))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonRow<'a> {
    bucket: String,
    pop: Option<&'a str>,
    #[serde(skip_serializing_if = "Host::is_absent")]
    host: Host<'a>,
    requests: u64,
    status_5xx: u64,
    edge_5xx: u64,
    status_502: u64,
    status_4xx: u64,
    signatures: std::collections::BTreeMap<&'static str, u64>,
    bytes: u64,
    first_5xx: Option<String>,
    last_5xx: Option<String>,
}

/// The host of a JSON row: absent when the table is not split by host, else the host or null.
#[derive(Serialize)]
#[serde(untagged)]
enum Host<'a> {
    NotSplit,
    Split(Option<&'a str>),
}

impl Host<'_> {
    fn is_absent(&self) -> bool {
        matches!(self, Host::NotSplit)
    }
}

/// Writes the table as a JSON array.
pub fn write_json(t: &RatesTable, w: &mut dyn Write) -> Result<()> {
    let rows: Vec<JsonRow<'_>> = t
        .rows
        .iter()
        .map(|((b, p, h), c)| JsonRow {
            bucket: bucket_label(*b),
            pop: p.as_deref(),
            host: if t.by_host { Host::Split(h.as_deref()) } else { Host::NotSplit },
            requests: c.requests,
            status_5xx: c.status_5xx,
            edge_5xx: c.edge_5xx,
            status_502: c.status_502,
            status_4xx: c.status_4xx,
            signatures: crate::signatures::ALL.iter().map(|s| (s.id(), c.signature(*s))).collect(),
            bytes: c.bytes,
            first_5xx: rfc3339(c.first_5xx_ns),
            last_5xx: rfc3339(c.last_5xx_ns),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *w, &rows)?;
    writeln!(w).map_err(|e| crate::Error::io("output", e))?;
    Ok(())
}

/// The table as a frame (bucket as a UTC datetime).
pub fn to_frame(t: &RatesTable) -> Result<DataFrame> {
    let n = t.rows.len();
    let dt = |name: &str, v: Vec<Option<i64>>| {
        Int64Chunked::from_slice_options(name.into(), &v)
            .into_datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
            .into_column()
    };
    let mut cols = vec![dt("bucket", t.rows.keys().map(|k| Some(k.0)).collect())];
    let pops: StringChunked = t.rows.keys().map(|k| k.1.as_deref()).collect();
    cols.push(pops.with_name("pop".into()).into_column());
    if t.by_host {
        let hosts: StringChunked = t.rows.keys().map(|k| k.2.as_deref()).collect();
        cols.push(hosts.with_name("host".into()).into_column());
    }
    let names = header(t.by_host);
    let skip = if t.by_host { 3 } else { 2 };
    let nums: Vec<Vec<u64>> = t.rows.values().map(numbers).collect();
    for (i, name) in names.iter().skip(skip).take(nums.first().map_or(0, Vec::len)).enumerate() {
        let v: Vec<u64> = nums.iter().map(|r| r.get(i).copied().unwrap_or(0)).collect();
        cols.push(UInt64Chunked::from_vec((*name).into(), v).into_column());
    }
    let opt = |ns: i64| (ns != i64::MAX && ns != i64::MIN).then_some(ns);
    cols.push(dt("first_5xx", t.rows.values().map(|c| opt(c.first_5xx_ns)).collect()));
    cols.push(dt("last_5xx", t.rows.values().map(|c| opt(c.last_5xx_ns)).collect()));
    Ok(DataFrame::new(n, cols)?)
}

/// Writes the table as Parquet.
pub fn write_parquet(t: &RatesTable, w: &mut dyn Write) -> Result<()> {
    let mut df = to_frame(t)?;
    ParquetWriter::new(w).finish(&mut df)?;
    Ok(())
}
