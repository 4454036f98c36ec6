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

mod exchange;

use std::hash::Hasher as _;

use polars::prelude::*;
use rustc_hash::FxHashMap;

use super::{Counts, Key, RateRow, RatesCollector, RatesPart, RatesTable};
use crate::event::Event;
use crate::ingest::{self, Accounting, ChunkCtx, Collector, FileAccount, IngestOptions, Input, Progress};
use crate::Result;

pub use exchange::{
    accounts_from_frame, bot_source_column, count_columns, rates_frame, table_from_frame, to_frame, KIND_FILE,
    KIND_KEY, KIND_LATENCY, KIND_RATES, LATENCY_BIN, LATENCY_SKETCH, SECURITY_COLUMNS, TIME_COLUMNS,
};

/// One keyed event: its key, its (bucket, POP, host), its own counts (with its time) and the bin of
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
                one.add_event(ev.time_ns, ev.edge_status, ev.origin_status, ev.origin_failure, ev.bytes);
                one.add_security(ev.time_ns, rate.sec);
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
/// subset of its rows): user-side events (HAR, client logs) and rows without a time are left
/// out, as in a run. Each row is read back as its event and counted by [`RatesCollector`], the
/// code that counts parsed lines.
pub fn from_events(df: &DataFrame, bucket_ns: i64) -> Result<RatesTable> {
    let bucket_ns = bucket_ns.max(1);
    let rows = crate::columns::EventRows::new(df)?;
    let kinds = crate::frame::str_values(df, crate::schema::SOURCE_KIND);
    let collector = RatesCollector { bucket_ns, by_host: true };
    let mut part = collector.edge_part();
    for i in 0..df.height() {
        if crate::vocab::source::SourceKind::user_side_id(kinds.get(i).and_then(Option::as_deref)) {
            continue;
        }
        let ev = rows.event(i);
        if !ev.time_unknown {
            collector.push(&mut part, &ev, 0);
        }
    }
    let mut t = RatesTable::new(bucket_ns, true);
    part.merge_into(&mut t);
    Ok(t)
}
