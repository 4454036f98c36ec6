//! The exchange frame: one file's partial as a frame of `rates`, `key`, `latency` and `file`
//! rows, and a rates table as a frame with every field of its counts; both read back.

use polars::prelude::*;

use super::FilePartial;
use crate::ingest::FileAccount;
use crate::rates::{Counts, Key, RatesTable};
use crate::signatures;
use crate::{Error, Result};

/// The kinds of rows in the exchange frame.
pub const KIND_RATES: &str = "rates";
/// A keyed event row.
pub const KIND_KEY: &str = "key";
/// A file's accounting row.
pub const KIND_FILE: &str = "file";

/// The count columns of the exchange frame, in order (after `kind, file_index, key, bucket,
/// pop, host`).
pub fn count_columns() -> Vec<String> {
    let mut v: Vec<String> =
        ["requests", "status_5xx", "edge_5xx", "status_502", "status_4xx"].iter().map(ToString::to_string).collect();
    v.extend(signatures::ALL.iter().map(|s| s.id().to_string()));
    v.push("bytes".into());
    v.extend(SECURITY_COLUMNS.iter().map(ToString::to_string));
    v.extend((0..crate::event::BOT_SOURCE_IDS).map(bot_source_column));
    v.push("missing_5xx".into());
    v
}

/// The exchange frame's column of a `BotScoreSrc` id's requests, after the security counts:
/// `bot_src_machine_learning`, …, `bot_src_other`.
pub fn bot_source_column(id: usize) -> String {
    format!("bot_src_{}", crate::event::bot_source_name(id).to_ascii_lowercase().replace(' ', "_"))
}

/// The security counts of the exchange frame, after `bytes`.
pub const SECURITY_COLUMNS: [&str; 6] =
    ["bot_scored", "bot_missing", "security_decisions", "decisions_on_missing", "rtt_ms_sum", "rtt_n"];

/// The column of a key row's latency bin (null when it has none).
pub const LATENCY_BIN: &str = "latency_bin";

/// A latency row: one bin of one bucket × POP's sketch ([`super::sketch`]), the bin in `key`
/// and its count in `requests`; rows of the same (bucket, POP, bin) merge by sum.
pub const KIND_LATENCY: &str = "latency";

/// The time columns of the exchange frame (ns; null for none), after the counts.
pub const TIME_COLUMNS: [&str; 10] = [
    "first_ns",
    "last_ns",
    "first_5xx_ns",
    "last_5xx_ns",
    "first_edge_ns",
    "last_edge_ns",
    "first_origin_ns",
    "last_origin_ns",
    "first_bot_missing_ns",
    "last_bot_missing_ns",
];

fn counts_numbers(c: &Counts) -> Vec<u64> {
    let mut v = vec![c.requests, c.status_5xx, c.edge_5xx, c.status_502, c.status_4xx];
    v.extend(c.signatures);
    v.push(c.bytes);
    v.extend([c.bot_scored, c.bot_missing, c.security_decisions, c.decisions_on_missing, c.rtt_ms_sum, c.rtt_n]);
    v.extend(c.bot_sources);
    v.push(c.missing_5xx);
    v
}

fn counts_times(c: &Counts) -> [i64; 10] {
    [
        c.first_ns,
        c.last_ns,
        c.first_5xx_ns,
        c.last_5xx_ns,
        c.first_edge_ns,
        c.last_edge_ns,
        c.first_origin_ns,
        c.last_origin_ns,
        c.first_bot_missing_ns,
        c.last_bot_missing_ns,
    ]
}

fn sentinel_to_null(v: i64) -> Option<i64> {
    (v != i64::MAX && v != i64::MIN).then_some(v)
}

#[derive(Default)]
struct Columns {
    kind: Vec<&'static str>,
    file_index: Vec<i64>,
    key: Vec<Option<i64>>,
    bucket: Vec<Option<i64>>,
    pop: Vec<Option<String>>,
    host: Vec<Option<String>>,
    counts: Vec<Vec<Option<i64>>>,
    times: Vec<Vec<Option<i64>>>,
    account: Vec<Option<String>>,
    latency_bin: Vec<Option<i64>>,
}

impl Columns {
    fn push(&mut self, kind: &'static str, file_index: i64, key: Option<u64>, row: Option<(&Key, &Counts, bool)>) {
        let ncounts = count_columns().len();
        if self.counts.is_empty() {
            self.counts = vec![Vec::new(); ncounts];
            self.times = vec![Vec::new(); TIME_COLUMNS.len()];
        }
        self.kind.push(kind);
        self.file_index.push(file_index);
        self.key.push(key.map(|k| k as i64));
        let (bucket, pop, host) = row.map_or((None, None, None), |((b, p, h), _, _)| (Some(*b), p.clone(), h.clone()));
        self.bucket.push(bucket);
        self.pop.push(pop);
        self.host.push(host);
        let numbers = row.map(|(_, c, _)| counts_numbers(c));
        for (i, col) in self.counts.iter_mut().enumerate() {
            col.push(numbers.as_ref().and_then(|n| n.get(i)).map(|v| *v as i64));
        }
        let times = row.and_then(|(_, c, with_times)| with_times.then(|| counts_times(c)));
        for (i, col) in self.times.iter_mut().enumerate() {
            col.push(times.as_ref().and_then(|t| t.get(i).copied()).and_then(sentinel_to_null));
        }
        self.account.push(None);
        self.latency_bin.push(None);
    }

    fn into_frame(self) -> Result<DataFrame> {
        let mut cols: Vec<Column> = vec![
            Column::new("kind".into(), self.kind),
            Column::new("file_index".into(), self.file_index),
            Column::new("key".into(), self.key),
            Column::new("bucket".into(), self.bucket),
            Column::new("pop".into(), self.pop),
            Column::new("host".into(), self.host),
        ];
        let names = count_columns();
        let n = self.account.len();
        for (i, name) in names.iter().enumerate() {
            let v = self.counts.get(i).cloned().unwrap_or_else(|| vec![None; n]);
            cols.push(Column::new(name.as_str().into(), v));
        }
        for (i, name) in TIME_COLUMNS.iter().enumerate() {
            let v = self.times.get(i).cloned().unwrap_or_else(|| vec![None; n]);
            cols.push(Column::new((*name).into(), v));
        }
        cols.push(Column::new("account".into(), self.account));
        cols.push(Column::new(LATENCY_BIN.into(), self.latency_bin));
        Ok(DataFrame::new(n, cols)?)
    }
}

/// The exchange frame of one file's partial.
pub fn to_frame(p: &FilePartial, file_index: i64) -> Result<DataFrame> {
    let mut c = Columns::default();
    for (k, counts) in &p.table.rows {
        c.push(KIND_RATES, file_index, None, Some((k, counts, true)));
    }
    for (key, k, counts, bin) in &p.keys {
        // A keyed row keeps its request's time (`first_ns`): copies share it, so an engine can
        // tell which files could hold copies of each other before exchanging keys.
        c.push(KIND_KEY, file_index, Some(*key), Some((k, counts, true)));
        if let Some(b) = c.latency_bin.last_mut() {
            *b = bin.map(i64::from);
        }
    }
    push_latency(&mut c, &p.table, file_index);
    c.push(KIND_FILE, file_index, None, None);
    if let Some(a) = c.account.last_mut() {
        *a = Some(serde_json::to_string(&p.account).map_err(|e| Error::Invalid(e.to_string()))?);
    }
    c.into_frame()
}

fn push_latency(c: &mut Columns, t: &RatesTable, file_index: i64) {
    for ((bucket, pop), s) in &t.latency {
        let key = (*bucket, pop.clone(), None);
        for (bin, n) in s.bins() {
            let one = Counts { requests: u64::from(n), ..Counts::EMPTY };
            c.push(KIND_LATENCY, file_index, Some(u64::from(bin)), Some((&key, &one, false)));
        }
    }
}

/// A rates state frame (`rates`, `key` and `latency` rows; other kinds are skipped, as is the `kind` column
/// when absent) read back into a table; rows with the same key are merged.
pub fn table_from_frame(df: &DataFrame, bucket_ns: i64) -> Result<RatesTable> {
    let mut t = RatesTable::new(bucket_ns.max(1), true);
    let cols = StateColumns::read(df)?;
    for i in 0..df.height() {
        if let Some(k) = &cols.kinds {
            let kind = k.get(i).and_then(Option::as_deref);
            if kind == Some(KIND_LATENCY) {
                let (Some(bucket), Some(bin)) = (cell(&cols.buckets, i), cell(&cols.keys, i)) else { continue };
                let count = cols.counts.first().and_then(|col| cell(col, i)).unwrap_or(0);
                add_latency(&mut t, (bucket, cols.pops.get(i).cloned().flatten()), Some((bin, count)), None)?;
                continue;
            }
            if !matches!(kind, Some(KIND_RATES | KIND_KEY)) {
                continue;
            }
        }
        let Some(bucket) = cell(&cols.buckets, i) else {
            return Err(Error::Invalid(format!("rates state row {i} has no bucket")));
        };
        let c = cols.counts_of(i);
        let pop = cols.pops.get(i).cloned().flatten();
        let host = cols.hosts.get(i).cloned().flatten();
        let sketch = cols.sketches.get(i).and_then(Option::as_deref);
        add_latency(&mut t, (bucket, pop.clone()), cell(&cols.bins, i).map(|b| (b, 1)), sketch)?;
        t.rows.entry((bucket, pop, host)).or_insert(Counts::EMPTY).merge(&c);
    }
    Ok(t)
}

fn cell(v: &[Option<i64>], i: usize) -> Option<i64> {
    v.get(i).copied().flatten()
}

/// The columns of a state frame, read once; a column the frame lacks reads as nulls.
struct StateColumns {
    kinds: Option<Vec<Option<String>>>,
    buckets: Vec<Option<i64>>,
    pops: Vec<Option<String>>,
    hosts: Vec<Option<String>>,
    counts: Vec<Vec<Option<i64>>>,
    times: Vec<Vec<Option<i64>>>,
    keys: Vec<Option<i64>>,
    bins: Vec<Option<i64>>,
    sketches: Vec<Option<String>>,
}

impl StateColumns {
    fn read(df: &DataFrame) -> Result<StateColumns> {
        let n = df.height();
        let int = |name: &str| int_values(df, name);
        let int_or_null = |name: &str| if df.schema().contains(name) { int(name) } else { Ok(vec![None; n]) };
        let text = |name: &str| -> Result<Vec<Option<String>>> {
            if !df.schema().contains(name) {
                return Ok(vec![None; n]);
            }
            let c = df.column(name)?.cast(&DataType::String)?;
            Ok(c.str()?.iter().map(|v| v.map(ToString::to_string)).collect())
        };
        Ok(StateColumns {
            kinds: if df.schema().contains("kind") { Some(text("kind")?) } else { None },
            buckets: int("bucket")?,
            pops: text("pop")?,
            hosts: text("host")?,
            // A frame written before a count existed reads it as zero.
            counts: count_columns().iter().map(|c| int_or_null(c)).collect::<Result<_>>()?,
            times: TIME_COLUMNS.iter().map(|c| int_or_null(c)).collect::<Result<_>>()?,
            keys: int_or_null("key")?,
            bins: int_or_null(LATENCY_BIN)?,
            sketches: text(LATENCY_SKETCH)?,
        })
    }

    /// The counts of row `i` (nulls and negatives as zero, missing times as the empty sentinels).
    fn counts_of(&self, i: usize) -> Counts {
        let mut c = Counts::EMPTY;
        let numbers: Vec<u64> = self.counts.iter().map(|col| cell(col, i).unwrap_or(0).max(0) as u64).collect();
        let num = |j: usize| numbers.get(j).copied().unwrap_or(0);
        c.requests = num(0);
        c.status_5xx = num(1);
        c.edge_5xx = num(2);
        c.status_502 = num(3);
        c.status_4xx = num(4);
        for (s, slot) in c.signatures.iter_mut().enumerate() {
            *slot = num(5 + s);
        }
        c.bytes = num(5 + signatures::COUNT);
        c.bot_scored = num(6 + signatures::COUNT);
        c.bot_missing = num(7 + signatures::COUNT);
        c.security_decisions = num(8 + signatures::COUNT);
        c.decisions_on_missing = num(9 + signatures::COUNT);
        c.rtt_ms_sum = num(10 + signatures::COUNT);
        c.rtt_n = num(11 + signatures::COUNT);
        for (j, slot) in c.bot_sources.iter_mut().enumerate() {
            *slot = num(12 + signatures::COUNT + j);
        }
        c.missing_5xx = num(12 + signatures::COUNT + crate::event::BOT_SOURCE_IDS);
        let time = |j: usize, empty: i64| self.times.get(j).and_then(|col| cell(col, i)).unwrap_or(empty);
        c.first_ns = time(0, i64::MAX);
        c.last_ns = time(1, i64::MIN);
        c.first_5xx_ns = time(2, i64::MAX);
        c.last_5xx_ns = time(3, i64::MIN);
        c.first_edge_ns = time(4, i64::MAX);
        c.last_edge_ns = time(5, i64::MIN);
        c.first_origin_ns = time(6, i64::MAX);
        c.last_origin_ns = time(7, i64::MIN);
        c.first_bot_missing_ns = time(8, i64::MAX);
        c.last_bot_missing_ns = time(9, i64::MIN);
        c
    }
}

/// A column as 64-bit integers; times (of any unit) as ns since the epoch.
fn int_values(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let c = df.column(name)?;
    let c = match c.dtype() {
        DataType::Datetime(_, tz) => c.cast(&DataType::Datetime(TimeUnit::Nanoseconds, tz.clone()))?,
        _ => c.clone(),
    };
    let c = c.to_physical_repr().cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

/// A rates table as a frame with every field of [`Counts`]: `bucket` and the times as UTC
/// datetimes (ns), `pop`, `host` (only when the table is split by host), then the counts. It
/// reads back with [`table_from_frame`].
pub fn rates_frame(t: &RatesTable) -> Result<DataFrame> {
    let mut c = Columns::default();
    for (k, counts) in &t.rows {
        c.push(KIND_RATES, 0, None, Some((k, counts, true)));
    }
    let mut df = c.into_frame()?;
    let mut drop = vec!["kind", "file_index", "key", "account", LATENCY_BIN];
    if !t.by_host {
        drop.push("host");
    }
    df = df.drop_many(drop);
    for name in std::iter::once("bucket").chain(TIME_COLUMNS) {
        let ns = df.column(name)?.i64()?.clone();
        df.with_column(ns.into_datetime(TimeUnit::Nanoseconds, Some(polars::prelude::TimeZone::UTC)).into_column())?;
    }
    for name in count_columns() {
        let col = df.column(&name)?.cast(&DataType::UInt64)?;
        df.with_column(col)?;
    }
    // Each bucket × POP's latency sketch rides on its first row (the others are null).
    let mut last: Option<(i64, Option<&String>)> = None;
    let sketches: StringChunked = t
        .rows
        .keys()
        .map(|(b, p, _)| {
            let cell = (*b, p.as_ref());
            let first = last != Some(cell);
            last = Some(cell);
            if !first {
                return None;
            }
            t.latency.get(&(*b, p.clone())).map(crate::rates::sketch::Sketch::encode)
        })
        .collect();
    df.with_column(sketches.with_name(LATENCY_SKETCH.into()).into_column())?;
    Ok(df)
}

/// The column of a rates frame that carries each bucket × POP's latency sketch
/// ([`crate::rates::sketch::Sketch::encode`]) on the first row of that bucket and POP.
pub const LATENCY_SKETCH: &str = "latency_sketch";

/// The latency a state row carries: a `latency` row's bin and count, a key row's bin, a rates
/// frame's sketch.
fn add_latency(
    t: &mut RatesTable,
    cell: (i64, Option<String>),
    bin: Option<(i64, i64)>,
    text: Option<&str>,
) -> Result<()> {
    if let Some((b, n)) = bin {
        if let (Ok(b), Ok(n)) = (u16::try_from(b), u32::try_from(n)) {
            if usize::from(b) < crate::rates::sketch::BINS {
                t.latency.entry(cell.clone()).or_default().add_bin(b, n);
            }
        }
    }
    if let Some(text) = text {
        let s = crate::rates::sketch::Sketch::decode(text)
            .ok_or_else(|| Error::Invalid(format!("malformed {LATENCY_SKETCH}: {text:.40}")))?;
        t.latency.entry(cell).or_default().merge(&s);
    }
    Ok(())
}

/// The file accounts of an exchange frame's `file` rows.
pub fn accounts_from_frame(df: &DataFrame) -> Result<Vec<(i64, FileAccount)>> {
    let kinds = df.column("kind")?.cast(&DataType::String)?;
    let idx = df.column("file_index")?.cast(&DataType::Int64)?;
    let acc = df.column("account")?.cast(&DataType::String)?;
    let mut out = Vec::new();
    for ((k, i), a) in kinds.str()?.iter().zip(idx.i64()?.iter()).zip(acc.str()?.iter()) {
        if k != Some(KIND_FILE) {
            continue;
        }
        let Some(a) = a else { continue };
        let fa: FileAccount = serde_json::from_str(a).map_err(|e| Error::Invalid(format!("file account: {e}")))?;
        out.push((i.unwrap_or(0), fa));
    }
    out.sort_by_key(|(i, _)| *i);
    Ok(out)
}
