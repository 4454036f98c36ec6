//! Building a [`Report`](super::Report): every number the writers show is derived here, from
//! the merged rates table, the timeline and the accounting. Each derived table says in its
//! documentation which query over the rates it is.

use crate::text::rfc3339;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::geo;
use crate::ingest::{Accounting, FileAccount};
use crate::rates::{Counts, RatesTable};
use crate::signatures::{self, Signature};
use crate::timeline::Timeline;

use super::common::ratio;
use super::incidents::onset_order;
pub use super::incidents::{entries, summaries, Entry, EntryKind, IncidentSummary};
use crate::vocab::time::Timestamp;

/// Most columns of the heatmap and the signature chart.
pub const MAX_CHART_COLUMNS: i64 = 96;
/// Most columns of the propagation chart (finer, so that flapping stays visible).
pub const MAX_PROPAGATION_COLUMNS: i64 = 480;
/// Most POP rows in the propagation chart; the rest are in the POP table.
pub const MAX_PROPAGATION_ROWS: usize = 60;

const NICE_SECONDS: [i64; 14] =
    [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];
const NS: i64 = 1_000_000_000;

/// A time axis: `columns` buckets of `bucket_seconds` from `start`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Axis {
    /// Start of the first bucket, RFC 3339.
    pub start: String,
    /// Start of the first bucket, ns since the epoch.
    pub start_ns: i64,
    /// Bucket width, seconds.
    pub bucket_seconds: i64,
    /// Number of buckets.
    pub columns: usize,
    /// Labelled ticks.
    pub ticks: Vec<Tick>,
}

impl Axis {
    /// Seconds covered by the axis.
    pub fn span_seconds(&self) -> i64 {
        self.bucket_seconds.saturating_mul(self.columns as i64)
    }
}

/// A labelled time on an axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tick {
    /// Seconds from the axis start.
    pub offset_seconds: f64,
    /// `HH:MM` (UTC), with the date when the axis spans more than a day.
    pub label: String,
}

/// One cell of the region × time heatmap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct HeatCell {
    /// Requests in the cell.
    pub requests: u64,
    /// 5xx responses in the cell.
    pub errors: u64,
    /// `errors / requests`; null when there were no requests.
    pub rate: Option<f64>,
}

/// One region's row of the heatmap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeatRow {
    /// Region name.
    pub region: String,
    /// One cell per axis column.
    pub cells: Vec<HeatCell>,
}

/// One signature's counts over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureSeries {
    /// Signature id.
    pub id: String,
    /// Events per axis column.
    pub counts: Vec<u64>,
    /// Total events.
    pub total: u64,
}

/// One POP of the propagation chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropagationRow {
    /// POP code.
    pub pop: String,
    /// Its region.
    pub region: String,
    /// Onset.
    pub onset: Timestamp,
    /// Onset, seconds from the propagation axis start.
    pub onset_offset: f64,
    /// Recovery; null when still failing at the end of the data.
    pub recovery: Option<Timestamp>,
    /// Recovery (or the end of the axis), seconds from the axis start.
    pub recovery_offset: f64,
    /// Seconds after the epicenter's onset.
    pub lag_seconds: f64,
    /// Flapping transitions at this POP.
    pub transitions: u32,
    /// Edge-blamed error rate per propagation-axis column (null without requests).
    pub edge_rate: Vec<Option<f64>>,
}

/// Counts of one source kind (`edge` logs, `har` captures, `client` logs, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceSummary {
    /// The source kind of the events (the `source_kind` column).
    pub kind: String,
    /// Events.
    pub requests: u64,
    /// Responses with status ≥ 500.
    pub status_5xx: u64,
    /// Responses with status 4xx.
    pub status_4xx: u64,
    /// `status_5xx / requests`.
    pub error_rate: Option<f64>,
    /// Events per signature id (signatures with events only).
    pub signatures: BTreeMap<String, u64>,
    /// First 5xx, RFC 3339.
    pub first_error: Option<String>,
    /// Last 5xx, RFC 3339.
    pub last_error: Option<String>,
    /// Hosts with 5xx responses, most errors first (at most 10).
    pub hosts: Vec<HostErrors>,
}

/// A host's errors within one source kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostErrors {
    /// Host (`—` when the events had none).
    pub host: String,
    /// Events.
    pub requests: u64,
    /// 5xx responses.
    pub errors: u64,
}

/// Counts per source kind and host, collected while reading (see [`SourceCounts::add`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceCounts(pub BTreeMap<String, BTreeMap<Option<String>, Counts>>);

impl SourceCounts {
    /// Adds a chunk's rates (split by host) under its source kind.
    pub fn add(&mut self, kind: &str, chunk: &RatesTable) {
        let hosts = self.0.entry(kind.to_string()).or_default();
        for ((_, _, host), c) in &chunk.rows {
            hosts.entry(host.clone()).or_insert(Counts::EMPTY).merge(c);
        }
    }
}

/// Chart data: every value a chart shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Charts {
    /// Axis of the heatmap and the signature chart.
    pub axis: Axis,
    /// Region × time 5xx rate: from rates, `sum(status_5xx) / sum(requests)` per region × axis
    /// bucket.
    pub heatmap: Vec<HeatRow>,
    /// Signatures over time: from rates, `sum(signature count)` per signature × axis bucket.
    pub signatures: Vec<SignatureSeries>,
    /// Largest per-column sum of the signature series.
    pub signatures_max: u64,
    /// Axis of the propagation chart.
    pub propagation_axis: Axis,
    /// Affected POPs in onset order (at most [`MAX_PROPAGATION_ROWS`]); edge rate from rates,
    /// `sum(edge_500 + edge_502) / sum(requests)` per POP × propagation-axis bucket.
    pub propagation: Vec<PropagationRow>,
    /// Affected POPs left out of the propagation chart.
    pub propagation_hidden: usize,
}

/// `a / b` rounded up, for `a ≥ 0` and `b ≥ 1`.
fn ceil_div(a: i64, b: i64) -> i64 {
    let b = b.max(1);
    a.max(0) / b + i64::from(a.max(0) % b != 0)
}

/// An axis over `[first_ns, last_ns]` (bucket starts of the table, width `base_ns`) with at most
/// `max_columns` buckets of a round width that is a multiple of the table's bucket.
fn axis(first_ns: i64, last_ns: i64, base_ns: i64, max_columns: i64) -> Axis {
    let base = (base_ns / NS).max(1);
    let span = (last_ns.saturating_sub(first_ns) / NS).saturating_add(base).max(base);
    let width = NICE_SECONDS
        .iter()
        .copied()
        .filter(|w| *w >= base && w % base == 0)
        .find(|w| ceil_div(span, *w) <= max_columns)
        .unwrap_or_else(|| ceil_div(ceil_div(span, max_columns), base).saturating_mul(base))
        .max(base);
    let wn = width.saturating_mul(NS);
    let start = first_ns.div_euclid(wn).saturating_mul(wn);
    let end = last_ns.saturating_add(base_ns);
    let columns = ceil_div(end.saturating_sub(start), wn).max(1);
    let mut a = Axis {
        start: rfc3339(start),
        start_ns: start,
        bucket_seconds: width,
        columns: usize::try_from(columns).unwrap_or(1),
        ticks: Vec::new(),
    };
    a.ticks = ticks(&a);
    a
}

fn ticks(a: &Axis) -> Vec<Tick> {
    const STEPS: [i64; 12] = [300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800, 2_592_000];
    let span = a.span_seconds().max(1);
    let step = STEPS.iter().copied().find(|s| span / s <= 8).unwrap_or(span / 8 + 1);
    let with_date = span > 86_400;
    let start_s = a.start_ns.div_euclid(NS);
    let mut t = start_s.div_euclid(step).saturating_add(1).saturating_mul(step);
    if start_s.rem_euclid(step) == 0 {
        t = start_s;
    }
    let mut out = Vec::new();
    while t <= start_s.saturating_add(span) && out.len() < 20 {
        if let Some(dt) = chrono::DateTime::from_timestamp(t, 0) {
            let label = if with_date { dt.format("%m-%d %H:%M") } else { dt.format("%H:%M") };
            out.push(Tick { offset_seconds: (t - start_s) as f64, label: label.to_string() });
        }
        t = t.saturating_add(step);
    }
    out
}

fn column(a: &Axis, bucket_ns: i64) -> Option<usize> {
    let w = a.bucket_seconds.saturating_mul(NS).max(1);
    let i = bucket_ns.checked_sub(a.start_ns)?.div_euclid(w);
    usize::try_from(i).ok().filter(|i| *i < a.columns)
}

/// The chart data from a rates table and the timeline.
pub fn charts(table: &RatesTable, timeline: &Timeline) -> Charts {
    let (Some(first), Some(last)) = (table.rows.keys().next().map(|k| k.0), table.rows.keys().next_back().map(|k| k.0))
    else {
        return Charts::default();
    };
    let base = table.bucket_ns.max(1);
    let ax = axis(first, last, base, MAX_CHART_COLUMNS);
    let pax = axis(first, last, base, MAX_PROPAGATION_COLUMNS);
    // Every affected POP by onset (the timeline's propagation table lists only incidents that
    // spread; a push is drawn too).
    let by_onset = onset_order(timeline);
    let affected: Vec<&str> = by_onset.iter().take(MAX_PROPAGATION_ROWS).map(|p| p.pop.as_str()).collect();
    let tally = Tally::of(table, &ax, &pax, &affected);
    let heatmap = tally
        .regions
        .into_iter()
        .map(|(region, mut cells)| {
            for c in &mut cells {
                c.rate = ratio(c.errors, c.requests);
            }
            HeatRow { region: region.to_string(), cells }
        })
        .collect();
    let signatures: Vec<SignatureSeries> = signatures::ALL
        .iter()
        .zip(tally.sigs)
        .map(|(s, counts)| SignatureSeries { id: s.id().to_string(), total: counts.iter().sum(), counts })
        .filter(|s| s.total > 0)
        .collect();
    let signatures_max =
        (0..ax.columns).map(|i| signatures.iter().filter_map(|s| s.counts.get(i)).sum::<u64>()).max().unwrap_or(0);
    let propagation = propagation_rows(timeline, &by_onset, &pax, &tally.pop_cells);
    Charts {
        axis: ax,
        heatmap,
        signatures,
        signatures_max,
        propagation_axis: pax,
        propagation,
        propagation_hidden: by_onset.len().saturating_sub(MAX_PROPAGATION_ROWS),
    }
}

/// The rates table summed into chart columns.
struct Tally<'t> {
    /// Requests and 5xx per region and column.
    regions: BTreeMap<&'static str, Vec<HeatCell>>,
    /// Events per signature and column.
    sigs: Vec<Vec<u64>>,
    /// Edge errors and requests per affected POP and propagation column.
    pop_cells: BTreeMap<&'t str, Vec<(u64, u64)>>,
}

impl<'t> Tally<'t> {
    fn of(table: &RatesTable, ax: &Axis, pax: &Axis, affected: &[&'t str]) -> Tally<'t> {
        let mut regions: BTreeMap<&str, Vec<HeatCell>> = BTreeMap::new();
        let mut sigs = vec![vec![0_u64; ax.columns]; signatures::COUNT];
        let mut pop_cells: BTreeMap<&str, Vec<(u64, u64)>> =
            affected.iter().map(|p| (*p, vec![(0, 0); pax.columns])).collect();
        for ((b, pop, _), c) in &table.rows {
            let pop = pop.as_deref().unwrap_or("");
            if let Some(i) = column(ax, *b) {
                let row = regions.entry(geo::region(pop)).or_insert_with(|| vec![HeatCell::default(); ax.columns]);
                if let Some(cell) = row.get_mut(i) {
                    cell.requests += c.requests;
                    cell.errors += c.status_5xx;
                }
                for s in signatures::ALL {
                    if let Some(v) = sigs.get_mut(s.index()).and_then(|v| v.get_mut(i)) {
                        *v += c.signature(s);
                    }
                }
            }
            if let (Some(cells), Some(i)) = (pop_cells.get_mut(pop), column(pax, *b)) {
                if let Some(cell) = cells.get_mut(i) {
                    cell.0 += c.edge_errors();
                    cell.1 += c.requests;
                }
            }
        }
        Tally { regions, sigs, pop_cells }
    }
}

/// The propagation chart's rows: the first affected POPs by onset, placed on `pax`.
fn propagation_rows(
    timeline: &Timeline,
    by_onset: &[crate::timeline::model::Propagation],
    pax: &Axis,
    pop_cells: &BTreeMap<&str, Vec<(u64, u64)>>,
) -> Vec<PropagationRow> {
    let span = pax.span_seconds() as f64;
    let offset = |t: Timestamp| ((t.ns() - pax.start_ns) as f64 / NS as f64).clamp(0.0, span);
    by_onset
        .iter()
        .take(MAX_PROPAGATION_ROWS)
        .map(|p| {
            let row = timeline.pops.iter().find(|r| r.pop == p.pop);
            let recovery = row.and_then(|r| r.recovery);
            PropagationRow {
                pop: p.pop.clone(),
                region: geo::region(&p.pop).to_string(),
                onset: p.onset,
                onset_offset: offset(p.onset),
                recovery_offset: recovery.map_or(span, offset),
                recovery,
                lag_seconds: p.lag_seconds,
                transitions: row.map_or(0, |r| r.flapping.transitions),
                edge_rate: pop_cells
                    .get(p.pop.as_str())
                    .map(|v| v.iter().map(|(k, n)| ratio(*k, *n)).collect())
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Input files of one format and compression, summed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FormatSummary {
    /// Format id (`—` when none fitted).
    pub format: String,
    /// `none`, `gzip` or `zstd` (`—` when unknown).
    pub compression: String,
    /// Files.
    pub files: u64,
    /// Non-blank lines.
    pub lines: u64,
    /// Events.
    pub events: u64,
    /// Rejected lines.
    pub rejected: u64,
    /// Duplicate lines.
    pub duplicates: u64,
}

/// One rejected line, by file, line number and the kind of rejection only: the parser's detail
/// can quote the line, and log lines can carry secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedLine {
    /// The file.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// The kind of rejection (a key of [`Accounting::reject_kinds`]).
    pub kind: String,
}

/// What the report says about its input.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InputReport {
    /// Files per format and compression.
    pub formats: Vec<FormatSummary>,
    /// Files with an error, a note, or rejected lines (at most 50).
    pub problem_files: Vec<FileAccount>,
    /// Files with an error, a note, or rejected lines, in all.
    pub problem_files_total: usize,
    /// The first rejected lines (at most 10).
    pub rejected_lines: Vec<RejectedLine>,
}

/// The input section from the accounting.
pub fn input(acc: &Accounting) -> InputReport {
    let mut formats: BTreeMap<(String, String), FormatSummary> = BTreeMap::new();
    for f in &acc.files {
        let key = (
            f.format.clone().unwrap_or_else(|| "—".to_string()),
            f.compression.clone().unwrap_or_else(|| "—".to_string()),
        );
        let row = formats.entry(key.clone()).or_insert_with(|| FormatSummary {
            format: key.0,
            compression: key.1,
            ..FormatSummary::default()
        });
        row.files += 1;
        row.lines += f.lines;
        row.events += f.events;
        row.rejected += f.rejected;
        row.duplicates += f.duplicates;
    }
    let problems: Vec<&FileAccount> =
        acc.files.iter().filter(|f| f.error.is_some() || f.note.is_some() || f.rejected > 0).collect();
    let rejected_lines = acc
        .rejects
        .iter()
        .take(10)
        .map(|r| RejectedLine {
            file: r.file.clone(),
            line: r.line,
            kind: acc
                .reject_kinds
                .keys()
                .filter(|k| r.reason.starts_with(k.as_str()))
                .max_by_key(|k| k.len())
                .cloned()
                .unwrap_or_else(|| "rejected".to_string()),
        })
        .collect();
    InputReport {
        formats: formats.into_values().collect(),
        problem_files_total: problems.len(),
        problem_files: problems.into_iter().take(50).cloned().collect(),
        rejected_lines,
    }
}

/// The date (`YYYY-MM-DD`, UTC) of the times when they all share it.
pub fn common_date(times: impl Iterator<Item = Timestamp>) -> Option<String> {
    const DAY: i64 = 86_400 * NS;
    let mut date: Option<Timestamp> = None;
    for t in times {
        match date {
            Some(x) if x.ns().div_euclid(DAY) != t.ns().div_euclid(DAY) => return None,
            _ => date = Some(t),
        }
    }
    date.map(|t| t.to_string().get(..10).unwrap_or_default().to_string())
}

/// Summaries per source kind, from the counts collected while reading.
pub fn sources(counts: &SourceCounts) -> Vec<SourceSummary> {
    counts
        .0
        .iter()
        .map(|(kind, hosts)| {
            let mut total = Counts::EMPTY;
            for c in hosts.values() {
                total.merge(c);
            }
            let mut by_host: Vec<HostErrors> = hosts
                .iter()
                .filter(|(_, c)| c.status_5xx > 0)
                .map(|(h, c)| HostErrors {
                    host: h.clone().unwrap_or_else(|| "—".to_string()),
                    requests: c.requests,
                    errors: c.status_5xx,
                })
                .collect();
            by_host.sort_by(|a, b| b.errors.cmp(&a.errors).then(a.host.cmp(&b.host)));
            by_host.truncate(10);
            SourceSummary {
                kind: kind.clone(),
                requests: total.requests,
                status_5xx: total.status_5xx,
                status_4xx: total.status_4xx,
                error_rate: ratio(total.status_5xx, total.requests),
                signatures: signatures::ALL
                    .iter()
                    .map(|s: &Signature| (s.id().to_string(), total.signature(*s)))
                    .filter(|(_, n)| *n > 0)
                    .collect(),
                first_error: (total.first_5xx_ns != i64::MAX).then(|| rfc3339(total.first_5xx_ns)),
                last_error: (total.last_5xx_ns != i64::MIN).then(|| rfc3339(total.last_5xx_ns)),
                hosts: by_host,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_common_date_or_none() {
        let same = ["2025-11-18T11:19:00.000Z", "2025-11-18T17:02:00.000Z"];
        assert_eq!(common_date(same.into_iter().filter_map(Timestamp::parse)).as_deref(), Some("2025-11-18"));
        assert_eq!(
            common_date(["2025-11-18T23:59:00Z", "2025-11-19T00:01:00Z"].into_iter().filter_map(Timestamp::parse)),
            None
        );
        assert_eq!(common_date(std::iter::empty()), None);
    }

    #[test]
    fn axes_use_round_buckets_and_cap_columns() {
        let a = axis(0, 6 * 3600 * NS, 60 * NS, MAX_CHART_COLUMNS);
        assert_eq!(a.bucket_seconds, 300);
        assert_eq!(a.columns, 73);
        assert_eq!(a.ticks.first().map(|t| t.label.as_str()), Some("00:00"));
        let b = axis(0, 50 * 365 * 86_400 * NS, 60 * NS, MAX_CHART_COLUMNS);
        assert!(b.columns <= 96 && b.columns >= 1, "{b:?}");
        assert!(b.ticks.len() <= 20);
        let c = axis(60 * NS, 60 * NS, 60 * NS, MAX_CHART_COLUMNS);
        assert_eq!((c.bucket_seconds, c.columns), (60, 1));
    }
}
