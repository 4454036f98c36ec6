//! The per-POP and per-region rows of the timeline.

use std::collections::BTreeMap;

use super::detect::{Detection, Span};
use super::flap::{confident_period, flapping, period, round3};
use super::incidents::dominant;
use super::model::{Flapping, PopTimeline, RegionTimeline};
use super::series::{Axis, Dense, Sparse};
use crate::geo;
use crate::signatures::Blame;
use crate::vocab::time::Timestamp;

/// The bucket with the highest 5xx rate among buckets with at least a tenth of the series' mean
/// volume; returns (bucket index, rate).
fn peak(s: &Dense, range: std::ops::RangeInclusive<usize>) -> Option<(usize, f64)> {
    let total: u64 = s.n.iter().sum();
    let active = s.n.iter().filter(|n| **n > 0).count().max(1);
    let min_n = ((total as f64 / active as f64) * 0.1).max(1.0);
    range
        .filter_map(|j| {
            let n = *s.n.get(j)?;
            let x = *s.fivexx.get(j)?;
            (n as f64 >= min_n).then(|| (j, x as f64 / n as f64))
        })
        .fold(None, |best: Option<(usize, f64)>, x| if best.is_none_or(|b| x.1 > b.1) { Some(x) } else { best })
}

fn mean_volume(s: &Sparse) -> f64 {
    let active = s.cells.iter().filter(|(_, c)| c.requests > 0).count().max(1);
    round3(s.requests() as f64 / active as f64)
}

fn pair(iv: (i64, i64)) -> [Timestamp; 2] {
    [Timestamp(iv.0), Timestamp(iv.1)]
}

/// The row of one POP. `hit` is the span that put it in an edge incident (with that incident's
/// flapping period), `det` what its series showed.
pub fn pop_row(
    pop: &str,
    sparse: &Sparse,
    dense: &Dense,
    det: &Detection,
    hit: Option<(&Span, Option<f64>)>,
    axis: &Axis,
) -> PopTimeline {
    let colo = geo::colo(pop);
    let base = PopTimeline {
        pop: pop.to_string(),
        city: colo.map(|c| c.city.clone()),
        country: colo.map(|c| c.country.clone()),
        region: geo::region(pop).to_string(),
        requests: sparse.requests(),
        volume: mean_volume(sparse),
        baseline_error_rate: Some(round6(det.baseline)),
        ..PopTimeline::default()
    };
    let Some((span, prior)) = hit else {
        let all = 0..=axis.len().saturating_sub(1);
        let pk = peak(dense, all);
        let tot = sparse.total(0, axis.len()).signatures;
        return PopTimeline {
            peak: pk.map(|(j, _)| Timestamp(axis.time(j))),
            peak_error_rate: pk.map(|(_, r)| r),
            dominant_signature: dominant(&tot, None),
            confidence: round3(det.p_outside),
            ..base
        };
    };
    let mut flap = flapping(span);
    if flap.period_seconds.is_some() {
        flap.period_seconds = period(&span.run_starts_ns, prior).map(round3);
    }
    let pk = peak(dense, span.start..=span.end);
    let tot = sparse.total(span.start, span.end).signatures;
    PopTimeline {
        affected: true,
        onset: Some(Timestamp(span.onset_ns)),
        onset_interval: Some(pair(span.onset_iv)),
        onset_censored: span.onset_censored,
        peak: pk.map(|(j, _)| Timestamp(axis.time(j))),
        peak_error_rate: pk.map(|(_, r)| r),
        recovery: Some(Timestamp(span.recovery_ns)),
        recovery_interval: Some(pair(span.recovery_iv)),
        recovery_censored: span.recovery_censored,
        flapping: flap,
        dominant_signature: dominant(&tot, Some(Blame::Edge)),
        baseline_error_rate: Some(round6(span.baseline)),
        excess_error_rate: Some(round6(span.excess_rate)),
        failed_requests: span.failed,
        confidence: round3(span.p_affected),
        ..base
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// One row per region, over the POPs whose place is known; POPs of unknown place are one
/// `unknown` row that is never a region of an incident's scope.
pub fn regions(
    pops: &[PopTimeline],
    series: &BTreeMap<String, Sparse>,
    spans: &BTreeMap<String, Span>,
    axis: &Axis,
) -> Vec<RegionTimeline> {
    let t = axis.len();
    let mut by_region: BTreeMap<String, Vec<&PopTimeline>> = BTreeMap::new();
    for p in pops {
        by_region.entry(p.region.clone()).or_default().push(p);
    }
    let mut out = Vec::new();
    for (region, rows) in by_region {
        let mut agg = Sparse::default();
        for r in &rows {
            if let Some(ps) = series.get(&r.pop) {
                for (i, c) in &ps.cells {
                    agg.cells.push((*i, *c));
                }
            }
        }
        agg.finish();
        let dense = agg.dense(t, Blame::Edge);
        let hit: Vec<&Span> = rows.iter().filter_map(|r| spans.get(&r.pop)).collect();
        let onset = hit.iter().map(|s| s.onset_ns).min();
        let recovery = hit.iter().map(|s| s.recovery_ns).max();
        let range = match (hit.iter().map(|s| s.start).min(), hit.iter().map(|s| s.end).max()) {
            (Some(a), Some(b)) => a..=b,
            _ => 0..=t.saturating_sub(1),
        };
        let pk = peak(&dense, range.clone());
        let periods: Vec<(f64, f64)> =
            rows.iter().filter_map(|r| r.flapping.period_seconds.map(|p| (p, r.confidence))).collect();
        let requests: u64 = rows.iter().map(|r| r.requests).sum();
        let tot = agg.total(*range.start(), *range.end()).signatures;
        out.push(RegionTimeline {
            region,
            pops: rows.len(),
            pops_affected: rows.iter().filter(|r| r.affected).count(),
            affected: !hit.is_empty(),
            onset: onset.map(Timestamp),
            onset_censored: hit.iter().any(|s| s.onset_censored && Some(s.onset_ns) == onset),
            peak: pk.map(|(j, _)| Timestamp(axis.time(j))),
            peak_error_rate: pk.map(|(_, r)| r),
            recovery: recovery.map(Timestamp),
            recovery_censored: hit.iter().any(|s| s.recovery_censored && Some(s.recovery_ns) == recovery),
            flapping: Flapping {
                transitions: rows.iter().map(|r| r.flapping.transitions).max().unwrap_or(0),
                period_seconds: confident_period(&periods),
            },
            dominant_signature: dominant(&tot, if hit.is_empty() { None } else { Some(Blame::Edge) }),
            requests,
            volume: mean_volume(&agg),
            failed_requests: rows.iter().map(|r| r.failed_requests).sum(),
            // The region was affected if any of its POPs was: the most probable one says how sure.
            confidence: round3(rows.iter().map(|r| r.confidence).fold(0.0, f64::max)),
        });
    }
    out
}
