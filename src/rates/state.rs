//! The rates table as a mergeable state, for engines that read files on many machines.
//!
//! One input file becomes a [`FilePartial`]: its rates rows (every field of [`Counts`], the
//! minima and maxima too), its accounting, and one keyed row per event that carries a request
//! id. Partials of different files merge with [`Counts::merge`] in any order and grouping.
//!
//! De-duplication is the one step that does not merge per file: the same request can be
//! delivered in two files. Each file is de-duplicated on its own; across files, an engine groups
//! the keyed rows by key, keeps the copy of the lowest file index, and hands the other copies'
//! counts to [`combine`], which takes them back out. The result is the table a single run over
//! all files computes (duplicates are byte-identical copies, so which copy stays does not
//! change a count, a minimum or a maximum).
//!
//! The exchange format is one frame ([`to_frame`]) with a `kind` column: `rates` rows, `key`
//! rows and one `file` row per input holding its accounting as JSON.

use std::hash::Hasher as _;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use super::{Counts, Key, RateRow, RatesCollector, RatesPart, RatesTable};
use crate::event::Event;
use crate::ingest::{self, Accounting, ChunkCtx, Collector, FileAccount, IngestOptions, Input, Progress};
use crate::signatures;
use crate::{Error, Result};

/// One keyed event: its key, its (bucket, POP, host), its own counts (times unset) and the bin of
/// its edge-added latency in the sketch ([`super::sketch`]), when it has one.
pub type KeyedEvent = (u64, Key, Counts, Option<u16>);

/// One file's share of a distributed run.
#[derive(Debug, Clone, Default)]
pub struct FilePartial {
    /// Rates per bucket × POP × host, de-duplicated within the file.
    pub table: RatesTable,
    /// One row per edge event with a request id: its key and its own counts (times unset).
    pub keys: Vec<KeyedEvent>,
    /// The file's accounting.
    pub account: FileAccount,
}

/// A request id as a key that is the same in every process given the same `seed` (16-hex-digit
/// ids are their own value; others are hashed).
pub fn stable_key(id: &str, seed: u64) -> Option<u64> {
    if id.is_empty() {
        return None;
    }
    if id.len() == 16 {
        if let Ok(v) = u64::from_str_radix(id, 16) {
            return Some(v);
        }
    }
    let mut h = std::hash::DefaultHasher::new();
    h.write_u64(seed);
    h.write(id.as_bytes());
    Some(h.finish())
}

struct KeyedCollector {
    rates: RatesCollector,
    seed: u64,
    /// Keep keys (de-duplication on); without it, a partial is its rates and accounting only.
    keyed: bool,
}

struct KeyedPart {
    rates: RatesPart,
    /// (key, slot, the event's own counts); a removed duplicate's key becomes `None`.
    keys: Vec<(Option<u64>, u32, Counts, Option<u16>)>,
}

#[derive(Clone, Copy)]
struct KeyedRow {
    rate: RateRow,
    key: u32,
}

const NO_KEY: u32 = u32::MAX;

impl Collector for KeyedCollector {
    type Part = KeyedPart;
    type Done = KeyedPart;
    type Row = KeyedRow;

    fn need(&self) -> crate::formats::Need {
        crate::formats::Need::Counts
    }

    fn new_part(&self, ctx: &ChunkCtx<'_>) -> KeyedPart {
        KeyedPart { rates: self.rates.new_part(ctx), keys: Vec::new() }
    }

    fn push(&self, p: &mut KeyedPart, ev: &Event<'_>, local_line: u32) -> KeyedRow {
        let rate = self.rates.push(&mut p.rates, ev, local_line);
        let mut key = NO_KEY;
        if self.keyed && rate.slot != super::NONE_ID {
            if let Some(k) = ev.request_id.as_deref().and_then(|id| stable_key(id, self.seed)) {
                let mut one = Counts::EMPTY;
                let unreachable = signatures::origin_unreachable::evidence(ev.error.as_deref());
                one.add_event(0, ev.edge_status, ev.origin_status, unreachable, ev.bytes);
                one.add_security(0, rate.sec);
                one.add_rtt(ev.client_rtt_ms);
                key = p.keys.len() as u32;
                p.keys.push((Some(k), rate.slot, one, (rate.lat != super::NO_BIN).then_some(rate.lat)));
            }
        }
        KeyedRow { rate, key }
    }

    fn finish(&self, p: KeyedPart, _ctx: &ChunkCtx<'_>) -> Result<KeyedPart> {
        Ok(p)
    }

    fn remove(&self, p: &mut KeyedPart, rows: &[KeyedRow]) -> Result<()> {
        let rates: Vec<RateRow> = rows.iter().map(|r| r.rate).collect();
        self.rates.remove(&mut p.rates, &rates)?;
        for r in rows {
            if let Some(k) = p.keys.get_mut(r.key as usize) {
                k.0 = None;
            }
        }
        Ok(())
    }
}

/// Reads one input into its partial: rates by host with buckets of `bucket_ns`, de-duplicated
/// within the file, and the keys (made with `seed`) for de-duplication across files (none when
/// `opts.dedup` is off).
pub fn file_partial(
    input: &Input,
    opts: &IngestOptions,
    progress: &dyn Progress,
    bucket_ns: i64,
    seed: u64,
) -> Result<FilePartial> {
    let bucket_ns = bucket_ns.max(1);
    let collector = KeyedCollector { rates: RatesCollector { bucket_ns, by_host: true }, seed, keyed: opts.dedup };
    let mut table = RatesTable::new(bucket_ns, true);
    let mut keys = Vec::new();
    let acc = ingest::run(
        std::slice::from_ref(input),
        opts,
        progress,
        &collector,
        |part: KeyedPart, _ctx, _off| {
            let slot_keys = part.rates.slot_keys();
            for (k, slot, c, bin) in part.keys {
                if let (Some(k), Some(key)) = (k, slot_keys.get(slot as usize).and_then(Option::as_ref)) {
                    keys.push((k, key.clone(), c, bin));
                }
            }
            part.rates.merge_into(&mut table);
            Ok(())
        },
        None,
    )?;
    let account = acc.files.into_iter().next().unwrap_or_default();
    Ok(FilePartial { table, keys, account })
}

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
        c.push(KIND_KEY, file_index, Some(*key), Some((k, counts, false)));
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
    let n = df.height();
    let int = |name: &str| int_values(df, name);
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        if !df.schema().contains(name) {
            return Ok(vec![None; n]);
        }
        let c = df.column(name)?.cast(&DataType::String)?;
        Ok(c.str()?.iter().map(|v| v.map(ToString::to_string)).collect())
    };
    let kinds = if df.schema().contains("kind") { Some(text("kind")?) } else { None };
    let buckets = int("bucket")?;
    let pops = text("pop")?;
    let hosts = text("host")?;
    // A frame written before a count existed reads it as zero.
    let counts: Vec<Vec<Option<i64>>> = count_columns()
        .iter()
        .map(|c| if df.schema().contains(c) { int(c) } else { Ok(vec![None; n]) })
        .collect::<Result<_>>()?;
    let times: Vec<Vec<Option<i64>>> = TIME_COLUMNS
        .iter()
        .map(|c| if df.schema().contains(c) { int(c) } else { Ok(vec![None; n]) })
        .collect::<Result<_>>()?;
    let get = |v: &Vec<Option<i64>>, i: usize| v.get(i).copied().flatten();
    let keys = if df.schema().contains("key") { int("key")? } else { vec![None; n] };
    let bins = if df.schema().contains(LATENCY_BIN) { int(LATENCY_BIN)? } else { vec![None; n] };
    let sketches = text(LATENCY_SKETCH)?;
    for i in 0..n {
        if let Some(k) = &kinds {
            let kind = k.get(i).and_then(Option::as_deref);
            if kind == Some(KIND_LATENCY) {
                let (Some(bucket), Some(bin)) = (get(&buckets, i), get(&keys, i)) else { continue };
                let count = counts.first().and_then(|col| get(col, i)).unwrap_or(0);
                add_latency(&mut t, (bucket, pops.get(i).cloned().flatten()), Some((bin, count)), None)?;
                continue;
            }
            if !matches!(kind, Some(KIND_RATES | KIND_KEY)) {
                continue;
            }
        }
        let Some(bucket) = get(&buckets, i) else {
            return Err(Error::Invalid(format!("rates state row {i} has no bucket")));
        };
        let mut c = Counts::EMPTY;
        let numbers: Vec<u64> = counts.iter().map(|col| get(col, i).unwrap_or(0).max(0) as u64).collect();
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
        let time = |j: usize, empty: i64| times.get(j).and_then(|col| get(col, i)).unwrap_or(empty);
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
        let pop = pops.get(i).cloned().flatten();
        let host = hosts.get(i).cloned().flatten();
        let sketch = sketches.get(i).and_then(Option::as_deref);
        add_latency(&mut t, (bucket, pop.clone()), get(&bins, i).map(|b| (b, 1)), sketch)?;
        t.rows.entry((bucket, pop, host)).or_insert(Counts::EMPTY).merge(&c);
    }
    Ok(t)
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
            t.latency.get(&(*b, p.clone())).map(super::sketch::Sketch::encode)
        })
        .collect();
    df.with_column(sketches.with_name(LATENCY_SKETCH.into()).into_column())?;
    Ok(df)
}

/// The column of a rates frame that carries each bucket × POP's latency sketch
/// ([`super::sketch::Sketch::encode`]) on the first row of that bucket and POP.
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
            if usize::from(b) < super::sketch::BINS {
                t.latency.entry(cell.clone()).or_default().add_bin(b, n);
            }
        }
    }
    if let Some(text) = text {
        let s = super::sketch::Sketch::decode(text)
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

/// Puts merged partials together: `rates` (the merged rates rows of every file), `removals`
/// (the counts of the copies that lost to an earlier file's copy, merged), and the files'
/// accounts in file order. Returns the table and accounting a single run computes.
pub fn combine(mut rates: RatesTable, removals: &RatesTable, accounts: Vec<FileAccount>) -> (RatesTable, Accounting) {
    let mut taken = 0u64;
    for (k, r) in &removals.rows {
        if let Some(c) = rates.rows.get_mut(k) {
            taken += r.requests.min(c.requests);
            c.subtract(r);
        }
    }
    rates.rows.retain(|_, c| c.requests > 0);
    for (k, s) in &removals.latency {
        if let Some(x) = rates.latency.get_mut(k) {
            x.subtract(s);
        }
    }
    rates.latency.retain(|_, s| s.count() > 0);
    let mut acc = Accounting { files: accounts, ..Default::default() };
    acc.total_files();
    acc.events = acc.events.saturating_sub(taken);
    acc.duplicates += taken;
    (rates, acc)
}

/// Groups keyed rows by key (a single-process stand-in for the engine's shuffle): every copy
/// but the one of the lowest file index becomes a removal.
pub fn removals_of(keys: &[(i64, &[KeyedEvent])]) -> RatesTable {
    let mut owner: FxHashMap<u64, i64> = FxHashMap::default();
    for (file, ks) in keys {
        for (k, _, _, _) in *ks {
            owner.entry(*k).and_modify(|o| *o = (*o).min(*file)).or_insert(*file);
        }
    }
    let mut t = RatesTable::new(1, true);
    for (file, ks) in keys {
        for (k, key, c, bin) in *ks {
            if owner.get(k).is_some_and(|o| o != file) {
                t.rows.entry(key.clone()).or_insert(Counts::EMPTY).merge(c);
                if let Some(b) = bin {
                    t.latency.entry((key.0, key.1.clone())).or_default().add_bin(*b, 1);
                }
            }
        }
    }
    t
}

/// The rates table of an event frame (as [`crate::frame::read_events`] returns it, or any
/// subset of its rows): user-side events (HAR, client logs) are left out, as in a run.
pub fn from_events(df: &DataFrame, bucket_ns: i64) -> Result<RatesTable> {
    use crate::frame::str_values;
    use crate::schema as s;
    let bucket_ns = bucket_ns.max(1);
    let n = df.height();
    let time: Vec<Option<i64>> = {
        let c = df.column(s::TIME)?.cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))?;
        c.datetime()?.physical().iter().collect()
    };
    let int = |name: &str| -> Result<Vec<Option<i64>>> {
        match df.column(name) {
            Ok(c) => Ok(c.cast(&DataType::Int64)?.i64()?.iter().collect()),
            Err(_) => Ok(vec![None; n]),
        }
    };
    let (edge, origin, bytes) = (int(s::EDGE_STATUS)?, int(s::ORIGIN_STATUS)?, int(s::BYTES)?);
    let (kind, pop, host, error) =
        (str_values(df, s::SOURCE_KIND), str_values(df, s::POP), str_values(df, s::HOST), str_values(df, s::ERROR));
    let status = |v: Option<i64>| v.and_then(|x| u16::try_from(x).ok());
    let ms = |v: &Vec<Option<i64>>, i: usize| v.get(i).copied().flatten().and_then(|x| u32::try_from(x).ok());
    let (score, ttfb, dur, odur) =
        (int(s::BOT_SCORE)?, int(s::TTFB_MS)?, int(s::DURATION_MS)?, int(s::ORIGIN_DURATION_MS)?);
    let (src, action) = (str_values(df, s::BOT_SCORE_SRC), str_values(df, s::SECURITY_ACTION));
    let mut t = RatesTable::new(bucket_ns, true);
    for i in 0..n {
        let Some(ns) = time.get(i).copied().flatten() else { continue };
        if crate::vocab::source::SourceKind::user_side_id(kind.get(i).and_then(Option::as_deref)) {
            continue;
        }
        let key = (ns.div_euclid(bucket_ns) * bucket_ns, pop.get(i).cloned().flatten(), host.get(i).cloned().flatten());
        let unreachable = signatures::origin_unreachable::evidence(error.get(i).and_then(Option::as_deref));
        let b = bytes.get(i).copied().flatten().and_then(|x| u64::try_from(x).ok());
        let cell = t.rows.entry(key.clone()).or_insert(Counts::EMPTY);
        cell.add_event(
            ns,
            status(edge.get(i).copied().flatten()),
            status(origin.get(i).copied().flatten()),
            unreachable,
            b,
        );
        let ev = Event {
            edge_status: status(edge.get(i).copied().flatten()),
            bot_score: score.get(i).copied().flatten().and_then(|x| u8::try_from(x).ok()),
            bot_score_src: src.get(i).cloned().flatten().map(std::borrow::Cow::Owned),
            security_action: action.get(i).cloned().flatten().map(std::borrow::Cow::Owned),
            ttfb_ms: ms(&ttfb, i),
            duration_ms: ms(&dur, i),
            origin_duration_ms: ms(&odur, i),
            ..Event::default()
        };
        let sec = super::security::flags(&ev);
        cell.add_security(ns, sec);
        if let Some(v) = super::served_latency(&ev, sec) {
            t.latency.entry((key.0, key.1.clone())).or_default().add(v);
        }
    }
    Ok(t)
}
