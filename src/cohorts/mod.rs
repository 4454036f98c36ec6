//! Who was hit: requests and failures per time bucket × POP × dimension × value, mergeable like
//! the rates, and per incident the values that separate its failing requests from its healthy
//! ones ([`analysis`]).
//!
//! A failure is an edge status of 500 or more. The dimensions are the event frame's columns that
//! can single out a group of customers or requests: [`DIMENSIONS`]. The path is reduced to its
//! first two segments, without query string, with id-like segments collapsed to `:id` (paths are
//! already redacted when the event is read). The Worker script is `WorkerScriptName` (no value
//! when no Worker ran), the ASN `ClientASN` written `AS13335`, the bot-score source
//! `BotScoreSrc` as logged. One more dimension, `host_path` (host, a space, the
//! path prefix), lets the analysis say what kept working inside a failing cohort
//! (`/cdn-cgi/trace` on 5 Dec 2025); it is never ranked itself.
//!
//! Memory is bounded: each chunk and each merged table keeps at most [`MAX_VALUES`] distinct
//! values per dimension; later values are folded into `(other)` and counted in
//! [`CohortTable::folded`]. Fields a log does not carry are not counted for that dimension.

pub mod analysis;
/// The cohorts' output types (a leaf shared with the simulator's ground truth).
pub use crate::vocab::cohorts as model;
mod path;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::event::Event;
use crate::ingest::{self, Accounting, ChunkCtx, Collector, IngestOptions, Input, Progress};
use crate::rates::{RatesCollector, RatesPart, RatesTable};
use crate::{Error, Result};

pub use path::prefix as path_prefix;

/// The dimensions, in the order ties are broken (coarser first). The last, `host_path`, is
/// internal: what kept working inside a cohort.
pub const DIMENSIONS: [&str; 13] = [
    "zone",
    "host",
    "path",
    "security",
    "cache",
    "protocol",
    "tls",
    "country",
    "method",
    "worker",
    "asn",
    "bot_source",
    "host_path",
];
/// Number of dimensions.
pub const DIMS: usize = DIMENSIONS.len();
/// Index of the internal `host_path` dimension.
pub const HOST_PATH: usize = DIMS - 1;
/// Most distinct values kept per dimension, per chunk and per merged table.
pub const MAX_VALUES: usize = 4096;
/// The value past the cap.
pub const OTHER: &str = "(other)";

/// Requests and failures of one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CohortCounts {
    /// Requests.
    pub requests: u64,
    /// Of which edge status ≥ 500.
    pub failures: u64,
}

impl CohortCounts {
    /// Adds another cell (associative, commutative).
    pub fn merge(&mut self, o: &CohortCounts) {
        self.requests += o.requests;
        self.failures += o.failures;
    }
}

/// The key of a cohort row: bucket start (ns), POP (empty when unknown), dimension index into
/// [`DIMENSIONS`], value.
pub type CohortKey = (i64, String, u8, String);

/// Strings numbered in the order they were first seen.
#[derive(Debug, Clone, Default)]
struct Names {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Names {
    fn get(&self, v: &str) -> Option<u32> {
        self.ids.get(v).copied()
    }

    fn add(&mut self, v: &str) -> u32 {
        if let Some(id) = self.get(v) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(v.into());
        self.ids.insert(v.into(), id);
        id
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }

    fn len(&self) -> usize {
        self.names.len()
    }
}

/// A merged cohort table. Its cells are kept by number (POPs and each dimension's values are
/// numbered once), so that merging a chunk compares integers, not strings; [`CohortTable::rows`]
/// and [`CohortTable::cells`] give them back by name.
#[derive(Debug, Clone, Default)]
pub struct CohortTable {
    /// Bucket width, ns.
    pub bucket_ns: i64,
    /// Requests folded into `(other)` per dimension because the dimension had reached
    /// [`MAX_VALUES`].
    pub folded: [u64; DIMS],
    pops: Names,
    values: Vec<Names>,
    cells: FxHashMap<(i64, u32, u8, u32), CohortCounts>,
}

impl PartialEq for CohortTable {
    fn eq(&self, o: &Self) -> bool {
        self.bucket_ns == o.bucket_ns && self.folded == o.folded && self.rows() == o.rows()
    }
}

impl Eq for CohortTable {}

impl CohortTable {
    /// An empty table.
    pub fn new(bucket_ns: i64) -> Self {
        CohortTable { bucket_ns: bucket_ns.max(1), values: vec![Names::default(); DIMS], ..Default::default() }
    }

    /// The number of a dimension's value, folding a new value into `(other)` when the
    /// dimension is full; and whether it was folded.
    fn value_id(&mut self, dim: u8, value: &str) -> (u32, bool) {
        if self.values.len() < DIMS {
            self.values.resize_with(DIMS, Names::default);
        }
        let d = usize::from(dim).min(DIMS - 1);
        let Some(names) = self.values.get_mut(d) else { return (0, false) };
        if let Some(id) = names.get(value) {
            return (id, false);
        }
        // `(other)` itself does not take one of the dimension's places.
        let full = names.len() - usize::from(names.get(OTHER).is_some()) >= MAX_VALUES;
        if full && value != OTHER {
            (names.add(OTHER), true)
        } else {
            (names.add(value), false)
        }
    }

    fn add_cell(&mut self, (bucket, pop, dim): (i64, u32, u8), (id, folded): (u32, bool), c: &CohortCounts) {
        if folded {
            if let Some(f) = self.folded.get_mut(usize::from(dim)) {
                *f += c.requests;
            }
        }
        self.cells.entry((bucket, pop, dim, id)).or_default().merge(c);
    }

    /// Adds one row, folding a new value into `(other)` when its dimension is full.
    pub fn add(&mut self, key: CohortKey, c: &CohortCounts) {
        let (bucket, pop, dim, value) = key;
        let dim = dim.min(DIMS as u8 - 1);
        let pop = self.pops.add(&pop);
        let v = self.value_id(dim, &value);
        self.add_cell((bucket, pop, dim), v, c);
    }

    /// Merges another table of the same bucket width into this one.
    pub fn merge(&mut self, other: &CohortTable) {
        for (a, b) in self.folded.iter_mut().zip(other.folded) {
            *a += b;
        }
        let mut rows: Vec<_> = other.cells().collect();
        // In the order of the keys, so that which values are folded does not depend on hashing.
        rows.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
        for (bucket, pop, dim, value, c) in rows {
            let pop = self.pops.add(pop);
            let v = self.value_id(dim, value);
            self.add_cell((bucket, pop, dim), v, &c);
        }
    }

    /// Every cell: bucket, POP, dimension, value, counts (in no particular order).
    pub fn cells(&self) -> impl Iterator<Item = (i64, &str, u8, &str, CohortCounts)> + '_ {
        self.cells.iter().map(|((b, p, d, v), c)| {
            let value = self.values.get(usize::from(*d)).map_or("", |n| n.name(*v));
            (*b, self.pops.name(*p), *d, value, *c)
        })
    }

    /// The cells by key, in key order.
    pub fn rows(&self) -> BTreeMap<CohortKey, CohortCounts> {
        self.cells().map(|(b, p, d, v, c)| ((b, p.to_string(), d, v.to_string()), c)).collect()
    }

    /// The last bucket with a cell.
    pub fn last_bucket(&self) -> Option<i64> {
        self.cells.keys().map(|k| k.0).max()
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// No cell at all.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// A chunk's partial cohort counts, with interned POPs and values.
pub struct CohortPart {
    user_side: bool,
    pops: FxHashMap<Box<str>, u32>,
    values: Vec<FxHashMap<Box<str>, u32>>,
    folded: [u64; DIMS],
    /// The (bucket, POP) pairs counted, numbered; the last one looked up.
    groups: FxHashMap<(i64, u32), u32>,
    group_keys: Vec<(i64, u32)>,
    last_group: Option<((i64, u32), u32)>,
    /// Cells by [`slot_key`]: group, dimension and value number in one word.
    slots: FxHashMap<u64, u32>,
    counts: Vec<CohortCounts>,
    scratch: String,
    joined: String,
    asn: String,
}

/// One counted event: its slot per dimension (`u32::MAX` for none), to take a duplicate back.
#[derive(Debug, Clone, Copy)]
pub struct CohortRow {
    slots: [u32; DIMS],
    failed: bool,
}

const NONE_ID: u32 = u32::MAX;

/// Builds [`CohortTable`]s from events.
pub struct CohortCollector {
    /// Bucket width, ns.
    pub bucket_ns: i64,
}

fn intern(map: &mut FxHashMap<Box<str>, u32>, v: &str, folded: &mut u64) -> u32 {
    if let Some(id) = map.get(v) {
        return *id;
    }
    if map.len() >= MAX_VALUES {
        *folded += 1;
        return intern_other(map);
    }
    let id = map.len() as u32;
    map.insert(v.into(), id);
    id
}

fn intern_other(map: &mut FxHashMap<Box<str>, u32>) -> u32 {
    if let Some(id) = map.get(OTHER) {
        return *id;
    }
    let id = map.len() as u32;
    map.insert(OTHER.into(), id);
    id
}

/// A cell's key within a part: its (bucket, POP) group, dimension and value number. Value numbers
/// stay under 2^24 (at most [`MAX_VALUES`] + 1 per dimension) and dimensions under 2^8.
fn slot_key(group: u32, dim: usize, id: u32) -> u64 {
    (u64::from(group) << 32) | ((dim as u64 & 0xff) << 24) | u64::from(id & 0x00ff_ffff)
}

impl CohortPart {
    /// The number of the event's (bucket, POP) group.
    fn group(&mut self, bucket: i64, pop: u32) -> u32 {
        if let Some((key, g)) = self.last_group {
            if key == (bucket, pop) {
                return g;
            }
        }
        let next = self.group_keys.len() as u32;
        let g = *self.groups.entry((bucket, pop)).or_insert(next);
        if g == next {
            self.group_keys.push((bucket, pop));
        }
        self.last_group = Some(((bucket, pop), g));
        g
    }

    fn count(&mut self, group: u32, dim: usize, value: Option<&str>, failed: bool) -> u32 {
        let (Some(v), Some(map), Some(folded)) = (value, self.values.get_mut(dim), self.folded.get_mut(dim)) else {
            return NONE_ID;
        };
        if v.is_empty() {
            return NONE_ID;
        }
        let id = intern(map, v, folded);
        let next = self.counts.len() as u32;
        let slot = *self.slots.entry(slot_key(group, dim, id)).or_insert(next);
        if slot == next {
            self.counts.push(CohortCounts::default());
        }
        if let Some(c) = self.counts.get_mut(slot as usize) {
            c.requests += 1;
            c.failures += u64::from(failed);
        }
        slot
    }

    /// Merges this chunk's counts into a table.
    pub fn merge_into(self, t: &mut CohortTable) {
        let pops = local_names(&self.pops);
        let values: Vec<Vec<&str>> = self.values.iter().map(local_names).collect();
        for (a, b) in t.folded.iter_mut().zip(self.folded) {
            *a += b;
        }
        // The table's number of each of the chunk's POPs and values, found once each.
        let mut pop_ids: Vec<Option<u32>> = vec![None; pops.len()];
        let mut value_ids: Vec<Vec<Option<(u32, bool)>>> = values.iter().map(|v| vec![None; v.len()]).collect();
        let group_keys = &self.group_keys;
        let mut cells: Vec<_> = self
            .slots
            .into_iter()
            .filter_map(|(k, slot)| {
                let (bucket, pop) = *group_keys.get((k >> 32) as usize)?;
                Some(((bucket, pop, ((k >> 24) & 0xff) as u8, (k & 0x00ff_ffff) as u32), slot))
            })
            .collect();
        // In the order of the keys, so that which values are folded does not depend on hashing.
        cells.sort_unstable_by_key(|(k, _)| *k);
        for ((bucket, pop, dim, id), slot) in cells {
            let Some(c) = self.counts.get(slot as usize).filter(|c| c.requests > 0) else { continue };
            let (Some(pop_name), Some(name)) =
                (pops.get(pop as usize), values.get(usize::from(dim)).and_then(|v| v.get(id as usize)))
            else {
                continue;
            };
            let p = match pop_ids.get_mut(pop as usize) {
                Some(Some(p)) => *p,
                Some(slot) => *slot.insert(t.pops.add(pop_name)),
                None => continue,
            };
            let v = match value_ids.get_mut(usize::from(dim)).and_then(|v| v.get_mut(id as usize)) {
                Some(Some(v)) => *v,
                Some(slot) => *slot.insert(t.value_id(dim, name)),
                None => continue,
            };
            t.add_cell((bucket, p, dim), v, c);
        }
    }
}

/// A chunk's interned strings by number.
fn local_names(m: &FxHashMap<Box<str>, u32>) -> Vec<&str> {
    let mut v: Vec<&str> = vec![""; m.len()];
    for (k, id) in m {
        if let Some(x) = v.get_mut(*id as usize) {
            *x = k;
        }
    }
    v
}

impl Collector for CohortCollector {
    type Part = CohortPart;
    type Done = CohortPart;
    type Row = CohortRow;

    fn new_part(&self, ctx: &ChunkCtx<'_>) -> CohortPart {
        CohortPart {
            user_side: ctx.format.source_kind().is_user_side(),
            pops: FxHashMap::default(),
            values: vec![FxHashMap::default(); DIMS],
            folded: [0; DIMS],
            groups: FxHashMap::default(),
            group_keys: Vec::new(),
            last_group: None,
            slots: FxHashMap::default(),
            counts: Vec::new(),
            scratch: String::new(),
            joined: String::new(),
            asn: String::new(),
        }
    }

    fn push(&self, p: &mut CohortPart, ev: &Event<'_>, _local_line: u32) -> CohortRow {
        let mut row = CohortRow { slots: [NONE_ID; DIMS], failed: false };
        if p.user_side || ev.time_unknown {
            return row;
        }
        let bucket = ev.time_ns.div_euclid(self.bucket_ns) * self.bucket_ns;
        let mut ignored = 0;
        let pop = intern(&mut p.pops, ev.pop.as_deref().unwrap_or(""), &mut ignored);
        let group = p.group(bucket, pop);
        let failed = ev.edge_status.is_some_and(|s| s >= 500);
        row.failed = failed;
        let mut scratch = std::mem::take(&mut p.scratch);
        scratch.clear();
        let has_path = ev.path.as_deref().is_some_and(|raw| path::prefix_into(raw, &mut scratch));
        // The ASN as `AS13335`, written into a buffer kept across events.
        let mut asn = std::mem::take(&mut p.asn);
        asn.clear();
        if let Some(a) = ev.client_asn {
            let _ = write!(asn, "AS{a}");
        }
        let fields = [
            ev.zone.as_deref(),
            ev.host.as_deref(),
            has_path.then_some(scratch.as_str()),
            ev.security_action.as_deref(),
            ev.cache_status.as_deref(),
            ev.http_protocol.as_deref(),
            ev.tls_protocol.as_deref(),
            ev.client_country.as_deref(),
            ev.method.as_deref(),
            ev.worker_script.as_deref(),
            (!asn.is_empty()).then_some(asn.as_str()),
            ev.bot_score_src.as_deref(),
        ];
        for (d, v) in fields.iter().enumerate() {
            if let Some(s) = row.slots.get_mut(d) {
                *s = p.count(group, d, *v, failed);
            }
        }
        if let (Some(host), true) = (ev.host.as_deref(), has_path) {
            let mut joined = std::mem::take(&mut p.joined);
            joined.clear();
            joined.push_str(host);
            joined.push(' ');
            joined.push_str(&scratch);
            if let Some(s) = row.slots.get_mut(HOST_PATH) {
                *s = p.count(group, HOST_PATH, Some(joined.as_str()), failed);
            }
            p.joined = joined;
        }
        p.scratch = scratch;
        p.asn = asn;
        row
    }

    fn finish(&self, p: CohortPart, _ctx: &ChunkCtx<'_>) -> Result<CohortPart> {
        Ok(p)
    }

    fn remove(&self, p: &mut CohortPart, rows: &[CohortRow]) -> Result<()> {
        for r in rows {
            for s in r.slots {
                if let Some(c) = p.counts.get_mut(s as usize) {
                    c.requests = c.requests.saturating_sub(1);
                    c.failures = c.failures.saturating_sub(u64::from(r.failed));
                }
            }
        }
        Ok(())
    }
}

/// Reads `inputs` into a rates table split by host and a cohort table, both with buckets of
/// `bucket_secs` seconds.
pub fn compute(
    inputs: &[Input],
    opts: &IngestOptions,
    progress: &dyn Progress,
    bucket_secs: i64,
) -> Result<(RatesTable, CohortTable, Accounting)> {
    let bucket_ns = crate::duration::check_seconds(bucket_secs).map_err(Error::Invalid)? * 1_000_000_000;
    let collector = (RatesCollector { bucket_ns, by_host: true }, CohortCollector { bucket_ns });
    let mut rates = RatesTable::new(bucket_ns, true);
    let mut cohorts = CohortTable::new(bucket_ns);
    let acc = ingest::run(
        inputs,
        opts,
        progress,
        &collector,
        |(r, c): (RatesPart, CohortPart), _ctx, _off| {
            r.merge_into(&mut rates);
            c.merge_into(&mut cohorts);
            Ok(())
        },
        None,
    )?;
    Ok((rates, cohorts, acc))
}

/// The cohort table as a frame: `bucket` (ns), `pop`, `dimension`, `value`, `requests`,
/// `failures`, one row per cell. Frames of different files merge by summing `requests` and
/// `failures` per (`bucket`, `pop`, `dimension`, `value`), as a distributed engine does;
/// [`from_frame`] reads the merged frame back.
pub fn to_frame(t: &CohortTable) -> Result<polars::prelude::DataFrame> {
    use polars::prelude::{Column, DataFrame};
    let rows = t.rows();
    let n = rows.len();
    let (mut bucket, mut pop, mut dim, mut value, mut req, mut fail) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for ((b, p, d, v), c) in &rows {
        bucket.push(*b);
        pop.push(p.as_str());
        dim.push(DIMENSIONS.get(usize::from(*d)).copied().unwrap_or(""));
        value.push(v.as_str());
        req.push(c.requests as i64);
        fail.push(c.failures as i64);
    }
    Ok(DataFrame::new(
        n,
        vec![
            Column::new("bucket".into(), bucket),
            Column::new("pop".into(), pop),
            Column::new("dimension".into(), dim),
            Column::new("value".into(), value),
            Column::new("requests".into(), req),
            Column::new("failures".into(), fail),
        ],
    )?)
}

/// A cohort frame ([`to_frame`], or the sum of several) read back; rows of an unknown dimension
/// are skipped, rows with the same key merged.
pub fn from_frame(df: &polars::prelude::DataFrame, bucket_ns: i64) -> Result<CohortTable> {
    use polars::prelude::DataType;
    let int = |name: &str| -> Result<Vec<Option<i64>>> {
        Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.iter().collect())
    };
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        let c = df.column(name)?.cast(&DataType::String)?;
        Ok(c.str()?.iter().map(|v| v.map(ToString::to_string)).collect())
    };
    let (bucket, pop, dim, value, req, fail) =
        (int("bucket")?, text("pop")?, text("dimension")?, text("value")?, int("requests")?, int("failures")?);
    let mut t = CohortTable::new(bucket_ns);
    for i in 0..df.height() {
        let get = |v: &Vec<Option<i64>>| v.get(i).copied().flatten();
        let Some(b) = get(&bucket) else { continue };
        let Some(d) = dim.get(i).cloned().flatten().and_then(|d| DIMENSIONS.iter().position(|x| *x == d)) else {
            continue;
        };
        let Some(v) = value.get(i).cloned().flatten() else { continue };
        let p = pop.get(i).cloned().flatten().unwrap_or_default();
        let c = CohortCounts {
            requests: get(&req).unwrap_or(0).max(0) as u64,
            failures: get(&fail).unwrap_or(0).max(0) as u64,
        };
        t.add((b, p, d as u8, v), &c);
    }
    Ok(t)
}

#[cfg(test)]
mod tests;
