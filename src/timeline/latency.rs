//! The latency signal: per POP and bucket, the share of requests whose edge-added latency (time
//! to first byte less the origin's time, [`crate::event::Event::edge_added_ms`]) is well above
//! the POP's usual.
//!
//! **Why a share, not a quantile.** A bucket's p95 is a statistic without a count behind it: the
//! change model could not tell a busy POP's sure rise from a quiet one's noise. The share of slow
//! requests is binomial, so the model that reads errors reads it too, with the same tests and
//! the same confidence. **Slow** means above `max(1.5 × usual p95, usual p95 + 20 ms)`, where the
//! usual p95 is the median over the POP's buckets (pooled in runs of at least [`MIN_VALUES`]
//! requests) of each bucket's p95: robust while the POP is healthy at least half of the time, and a healthy share of
//! slow requests well under 5 %. The quantiles themselves come from the merged sketches
//! ([`crate::rates::sketch`], 2 % relative error) and are reported beside.
//!
//! Only requests the edge served count (from cache or from the origin): a block, a challenge, a
//! rate limit or a 5xx is answered by the edge itself and takes no time to serve content.
//!
//! The client's TCP round-trip time (`ClientTCPRTTMs`) is kept as a mean per cell: when it rose
//! by at least half as much as the median edge-added latency, the incident says the network may
//! be the cause.

use std::collections::BTreeMap;

use super::series::{AllSeries, Axis};
use super::signal_model::{LatencyEvidence, PopLatency, Quantiles, SignalIncident, SignalKind};
use super::signals::{self, Series};
use super::Params;
use crate::rates::sketch::{self, Sketch};
use crate::rates::{Counts, RatesTable};

/// Smallest rise of the slow share that counts (absolute share): ten points.
pub const MIN_EXCESS: f64 = 0.10;
/// Buckets are pooled with their neighbours until they hold this many latencies before their
/// p95 votes for the usual one.
pub const MIN_VALUES: u64 = 10;

/// Each POP's sketches on the axis, by bucket index.
type Cells = BTreeMap<String, Vec<(usize, Sketch)>>;

fn cells(table: &RatesTable, axis: &Axis) -> Cells {
    let mut out: Cells = BTreeMap::new();
    for ((b, pop), s) in &table.latency {
        if let Some(i) = axis.index(*b) {
            out.entry(pop.clone().unwrap_or_default()).or_default().push((i, s.clone()));
        }
    }
    out
}

/// The quantiles of a sketch.
pub fn quantiles(s: &Sketch) -> Quantiles {
    let r = |q: f64| s.quantile(q).map(signals::round6).map(|v| (v * 1000.0).round() / 1000.0);
    Quantiles { requests: s.count(), p50: r(0.5), p95: r(0.95), p99: r(0.99) }
}

/// The usual p95 of a POP, ms, and its slow threshold. Runs of consecutive buckets are pooled
/// until they hold [`MIN_VALUES`] latencies (a quiet POP's buckets are too small alone); the
/// usual p95 is the median of the runs' p95s.
fn threshold(cs: &[(usize, Sketch)]) -> Option<(f64, f64)> {
    let mut p95: Vec<f64> = Vec::new();
    let mut run = Sketch::default();
    for (_, s) in cs {
        run.merge(s);
        if run.count() >= MIN_VALUES {
            p95.extend(run.quantile(0.95));
            run = Sketch::default();
        }
    }
    if p95.is_empty() {
        return None;
    }
    p95.sort_by(f64::total_cmp);
    let usual = p95.get(p95.len() / 2).copied().unwrap_or(0.0);
    Some((usual, (1.5 * usual).max(usual + 20.0)))
}

fn series(cells: &Cells, axis: &Axis) -> Vec<Series> {
    let t = axis.len();
    let mut out = Vec::new();
    for (pop, cs) in cells {
        let Some((_, thr)) = threshold(cs) else { continue };
        let bin = sketch::bin(thr.ceil() as u32);
        let mut d = signals::dense(t);
        for (i, s) in cs {
            if let (Some(k), Some(n)) = (d.k.get_mut(*i), d.n.get_mut(*i)) {
                *k += s.above(bin);
                *n += s.count();
            }
        }
        out.push(Series { pop: pop.clone(), dense: d, threshold_ms: Some(thr) });
    }
    out
}

/// The latency incidents and each POP's latency row.
pub fn build(table: &RatesTable, all: &AllSeries, axis: &Axis, p: &Params) -> (Vec<SignalIncident>, Vec<PopLatency>) {
    if table.latency.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let cells = cells(table, axis);
    let series = series(&cells, axis);
    let evidence = |pops: &[String], a: usize, b: usize| -> Option<LatencyEvidence> {
        let (mut before, mut during) = (Sketch::default(), Sketch::default());
        let (mut rin, mut rall) = (Counts::EMPTY, Counts::EMPTY);
        for pop in pops {
            for (i, s) in cells.get(pop).map(Vec::as_slice).unwrap_or_default() {
                if (a..=b).contains(i) {
                    during.merge(s);
                } else {
                    before.merge(s);
                }
            }
            if let Some(s) = all.pops.get(pop) {
                rin.merge(&s.total(a, b));
                rall.merge(&s.total(0, usize::MAX - 1));
            }
        }
        let mean = |sum: u64, n: u64| (n > 0).then(|| ((sum as f64 / n as f64) * 1000.0).round() / 1000.0);
        let rtt_during = mean(rin.rtt_ms_sum, rin.rtt_n);
        let rtt_before = mean(rall.rtt_ms_sum.saturating_sub(rin.rtt_ms_sum), rall.rtt_n.saturating_sub(rin.rtt_n));
        let (qb, qd) = (quantiles(&before), quantiles(&during));
        let rise = qd.p50.zip(qb.p50).map_or(0.0, |(d, b)| d - b);
        let rtt_rise = rtt_during.zip(rtt_before).map_or(0.0, |(d, b)| d - b);
        Some(LatencyEvidence {
            before: qb,
            during: qd,
            rtt_before_ms: rtt_before,
            rtt_during_ms: rtt_during,
            network_suspected: rise > 0.0 && rtt_rise >= 0.5 * rise,
        })
    };
    let incidents = if series.is_empty() {
        Vec::new()
    } else {
        let p = Params { min_excess: p.min_excess.max(MIN_EXCESS), ..p.clone() };
        signals::incidents(SignalKind::EdgeLatency, &series, all, axis, &p, &|pops, a, b, s| {
            s.latency = evidence(pops, a, b);
        })
    };
    let hit: std::collections::BTreeSet<&str> =
        incidents.iter().flat_map(|i| i.pops.iter().map(|p| p.pop.as_str())).collect();
    let rows = cells
        .iter()
        .map(|(pop, cs)| {
            let mut whole = Sketch::default();
            for (_, s) in cs {
                whole.merge(s);
            }
            let thr = threshold(cs);
            PopLatency {
                pop: pop.clone(),
                overall: quantiles(&whole),
                usual_p95_ms: thr.map(|t| (t.0 * 1000.0).round() / 1000.0),
                threshold_ms: thr.map(|t| (t.1 * 1000.0).round() / 1000.0),
                affected: hit.contains(pop.as_str()),
            }
        })
        .collect();
    (incidents, rows)
}
