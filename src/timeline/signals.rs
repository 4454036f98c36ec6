//! Signals other than errors, read with the same change model ([`super::detect`]).
//!
//! Each signal is a binomial count per POP × bucket, like edge-blamed errors: of the requests
//! that record it, how many show it. The bot-score signal ([`super::bot`]) counts requests whose
//! bot score was not computed; the latency signal ([`super::latency`]) counts requests whose
//! edge-added latency is well above the POP's usual. Each POP's series gets the two-state model,
//! its spans the same tests and refined onsets and recoveries, and overlapping spans become one
//! incident with the same scope and onset pattern as an error incident. Only the thresholds
//! differ ([`super::bot::MIN_EXCESS`], [`super::latency::MIN_EXCESS`]), because a signal's
//! healthy share is not an error rate near zero.

use std::collections::BTreeMap;

use super::detect::{self, Context, Span};
use super::flap::round3;
use super::incidents::{self, Placed};
use super::model::Attribution;
use super::series::{AllSeries, Axis, Dense, Sparse};
use super::signal_model::{SignalIncident, SignalKind, SignalPop};
use super::Params;
use crate::rates::Counts;
use crate::vocab::time::Timestamp;

/// One POP's series of a signal.
#[derive(Debug, Clone)]
pub struct Series {
    /// POP code.
    pub pop: String,
    /// Requests showing the signal (`k`) of those recording it (`n`), per bucket.
    pub dense: Dense,
    /// For latency: the threshold of a slow request, ms.
    pub threshold_ms: Option<f64>,
}

/// Requests pooled into each run of a series before its quietest tenth is taken for the
/// reference: enough that a run at a healthy share of a few percent shows it (at 2 %, a run of
/// 100 is empty one time in eight; a bucket of one request is empty 49 times in 50).
pub const REFERENCE_RUN: u64 = 100;

/// The healthy reference of a signal: the lower quartile of each series' quietest tenth of runs
/// (consecutive buckets pooled into runs of at least [`REFERENCE_RUN`] requests), from the floor
/// up to 1. A signal's healthy share need not be small (about a tenth of engine-scored requests
/// come from other engines than the model), and by buckets of a few requests a series' quietest
/// tenth would be 0 whatever its share: the reference would sit at the floor, and a chance
/// cluster at a quiet POP would be weighed against healthy POPs never showing the signal.
pub fn reference(series: &[Series], p: &Params) -> f64 {
    let runs = series.iter().map(|s| {
        let mut out: Vec<(u64, u64)> = Vec::new();
        let (mut k, mut n) = (0u64, 0u64);
        for (a, b) in s.dense.k.iter().zip(&s.dense.n) {
            (k, n) = (k + a, n + b);
            if n >= REFERENCE_RUN {
                out.push((k, n));
                (k, n) = (0, 0);
            }
        }
        // The remainder joins the last run (or is the only one).
        match out.last_mut() {
            Some(last) => *last = (last.0 + k, last.1 + n),
            None if n > 0 => out.push((k, n)),
            None => {}
        }
        out.into_iter()
    });
    super::quiet_quartile(runs, p.baseline_floor, 1.0)
}

/// A dense series with no per-request times (they are not kept for signals).
pub fn dense(t: usize) -> Dense {
    Dense { k: vec![0; t], n: vec![0; t], first: vec![i64::MAX; t], last: vec![i64::MIN; t], fivexx: vec![0; t] }
}

/// Evidence a signal adds to an incident from its POPs and window (bucket indices), before its
/// summary is written.
pub type Extra<'a> = &'a dyn Fn(&[String], usize, usize, &mut SignalIncident);

/// The incidents of one signal.
pub fn incidents(
    kind: SignalKind,
    series: &[Series],
    all: &AllSeries,
    axis: &Axis,
    p: &Params,
    extra: Extra<'_>,
) -> Vec<SignalIncident> {
    let cx = Context { axis, params: p, reference: reference(series, p), quiet: None, windows: &[] };
    let quiet = p.baseline.and_then(|(a, b)| {
        let lo = axis.times.partition_point(|x| *x + axis.w <= a);
        let hi = axis.times.partition_point(|x| *x < b);
        (hi > lo).then(|| (lo, hi - 1))
    });
    let cx = Context { quiet, ..cx };
    let mut items = Vec::new();
    let mut by_pop: BTreeMap<String, &Series> = BTreeMap::new();
    for s in series {
        by_pop.insert(s.pop.clone(), s);
        for span in detect::detect(&s.dense, &cx).spans {
            items.push(Placed {
                key: s.pop.clone(),
                pop: None,
                span,
                hosts: Vec::new(),
                edge_errors: 0,
                origin_errors: 0,
            });
        }
    }
    let gap_ns = p.cluster_gap_secs.saturating_mul(1_000_000_000);
    let mut out: Vec<SignalIncident> =
        incidents::cluster(items, gap_ns).into_iter().map(|g| one(kind, &g, &by_pop, all, p, extra)).collect();
    out.sort_by_key(|a| a.onset);
    let prefix = match kind {
        SignalKind::BotScoreMissing => "B",
        SignalKind::EdgeLatency => "L",
        SignalKind::BotSourceShift => "S",
    };
    for (i, inc) in out.iter_mut().enumerate() {
        inc.id = format!("{prefix}{}", i + 1);
    }
    out
}

fn pop_row(x: &Placed, s: Option<&Series>) -> SignalPop {
    let sp: &Span = &x.span;
    SignalPop {
        pop: x.key.clone(),
        onset: Timestamp(sp.onset_ns),
        onset_interval: [Timestamp(sp.onset_iv.0), Timestamp(sp.onset_iv.1)],
        onset_censored: sp.onset_censored,
        recovery: Timestamp(sp.recovery_ns),
        recovery_interval: [Timestamp(sp.recovery_iv.0), Timestamp(sp.recovery_iv.1)],
        recovery_censored: sp.recovery_censored,
        baseline_share: round6(sp.baseline),
        excess_share: round6(sp.excess_rate),
        affected_requests: sp.failed,
        confidence: round3(sp.p_affected),
        threshold_ms: s.and_then(|s| s.threshold_ms).map(round3),
    }
}

fn one(
    kind: SignalKind,
    g: &[Placed],
    by_pop: &BTreeMap<String, &Series>,
    all: &AllSeries,
    p: &Params,
    extra: Extra<'_>,
) -> SignalIncident {
    let pops: Vec<String> =
        g.iter().map(|x| x.key.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let inc = incidents::incident(g, pops.clone(), Vec::new(), Attribution::Edge, p);
    let (a, b) = (g.iter().map(|x| x.span.start).min().unwrap_or(0), g.iter().map(|x| x.span.end).max().unwrap_or(0));
    let (mut inside, mut whole) = (Counts::EMPTY, Counts::EMPTY);
    let (mut k_in, mut n_in, mut k_all, mut n_all) = (0u64, 0u64, 0u64, 0u64);
    for pop in &pops {
        if let Some(s) = all.pops.get(pop) {
            inside.merge(&s.total(a, b));
            whole.merge(&Sparse::total(s, 0, usize::MAX - 1));
        }
        if let Some(s) = by_pop.get(pop) {
            let (k, n) = s.dense.sum(a, b);
            let (ka, na) = s.dense.sum(0, s.dense.n.len().saturating_sub(1));
            (k_in, n_in, k_all, n_all) = (k_in + k, n_in + n, k_all + ka, n_all + na);
        }
    }
    let (k_out, n_out) = (k_all.saturating_sub(k_in), n_all.saturating_sub(n_in));
    let out_requests = whole.requests.saturating_sub(inside.requests);
    let out_decisions = whole.security_decisions.saturating_sub(inside.security_decisions);
    let share = |k: u64, n: u64| if n > 0 { round6(k as f64 / n as f64) } else { 0.0 };
    let rate = |k: u64, n: u64| (n > 0).then(|| round6(k as f64 / n as f64));
    let rows: Vec<SignalPop> = g.iter().map(|x| pop_row(x, by_pop.get(&x.key).copied())).collect();
    let affected: u64 = g.iter().map(|x| x.span.failed).sum();
    let mut s = SignalIncident {
        id: String::new(),
        kind,
        summary: String::new(),
        onset: inc.onset,
        recovery: inc.recovery,
        onset_censored: inc.onset_censored,
        recovery_censored: inc.recovery_censored,
        scope: inc.scope,
        onset_pattern: inc.onset_pattern,
        onset_spread_seconds: inc.onset_spread_seconds,
        recovery_pattern: inc.recovery_pattern,
        epicenter: inc.epicenter,
        pops: rows,
        requests: inside.requests,
        errors: inside.status_5xx,
        affected_requests: affected,
        baseline_share: share(k_out, n_out),
        share: share(k_in, n_in),
        security_decisions: inside.security_decisions,
        decisions_on_missing: inside.decisions_on_missing,
        missing_requests: inside.bot_missing,
        missing_5xx: inside.missing_5xx,
        decision_rate_before: rate(out_decisions, out_requests),
        decision_rate: rate(inside.security_decisions, inside.requests),
        latency: None,
        bot_sources: None,
    };
    extra(&pops, a, b, &mut s);
    s.summary = summary(&s);
    s
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// One sentence for the report.
fn summary(s: &SignalIncident) -> String {
    let n = s.pops.len();
    let pops = if n == 1 { "1 POP".to_string() } else { format!("{n} POPs") };
    let errors = if s.requests > 0 { s.errors as f64 / s.requests as f64 } else { 0.0 };
    match s.kind {
        SignalKind::BotScoreMissing => {
            let decisions = match (s.decision_rate_before, s.decision_rate) {
                (Some(b), Some(d)) => format!("; blocks and challenges {} → {} of requests", pct(b), pct(d)),
                (None, Some(d)) => format!("; blocks and challenges {} of requests", pct(d)),
                _ => String::new(),
            };
            let fail = |k: u64, n: u64| if n > 0 { k as f64 / n as f64 } else { 0.0 };
            // The requests without a score are the ones the incident is about: their 5xx, and
            // the POPs' when others fail beside them.
            let own = fail(s.missing_5xx, s.missing_requests);
            let all = if (errors - own).abs() >= 0.01 {
                format!(" ({} of all requests there)", pct(errors))
            } else {
                String::new()
            };
            format!(
                "{}: bot score not computed for {} of requests at {pops} (usually {}), with {} 5xx among them{all}{decisions}",
                s.kind.describe(),
                pct(s.share),
                pct(s.baseline_share),
                pct(own)
            )
        }
        SignalKind::BotSourceShift => {
            let b = s.bot_sources.as_ref();
            let reference = b.map_or("the usual engine", |b| b.reference.as_str());
            let mut during: Vec<(&String, &f64)> = b.map(|b| b.during.iter().collect()).unwrap_or_default();
            during.sort_by(|x, y| y.1.total_cmp(x.1).then_with(|| x.0.cmp(y.0)));
            let mix: Vec<String> = during.iter().take(3).map(|(k, v)| format!("{k} {}", pct(**v))).collect();
            format!(
                "{}: {} of engine-scored requests not scored by {reference} at {pops} (usually {}); sources during it: {}; with {} 5xx",
                s.kind.describe(),
                pct(s.share),
                pct(s.baseline_share),
                mix.join(", "),
                pct(errors)
            )
        }
        SignalKind::EdgeLatency => {
            let q = s.latency.as_ref();
            let p95 = |x: Option<f64>| x.map_or_else(|| "?".to_string(), |v| format!("{v:.0} ms"));
            let (b, d) = (q.and_then(|l| l.before.p95), q.and_then(|l| l.during.p95));
            let net = if q.is_some_and(|l| l.network_suspected) {
                "; the client round-trip time rose too: the network may be slow"
            } else {
                ""
            };
            format!(
                "{}: p95 edge-added latency {} → {} at {pops}, slow requests {} (usually {}), {} 5xx{net}",
                s.kind.describe(),
                p95(b),
                p95(d),
                pct(s.share),
                pct(s.baseline_share),
                pct(errors)
            )
        }
    }
}

pub(super) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(pop: &str, kn: impl Iterator<Item = (u64, u64)>) -> Series {
        let (k, n): (Vec<u64>, Vec<u64>) = kn.unzip();
        let mut dense = dense(k.len());
        (dense.k, dense.n) = (k, n);
        Series { pop: pop.to_owned(), dense, threshold_ms: None }
    }

    #[test]
    fn the_reference_of_a_common_signal_is_not_the_floor_at_quiet_pops() {
        // Eight POPs of one request a minute and four of forty, all showing the signal on 8 % of
        // requests: by buckets, every quiet POP's quietest tenth is 0.
        let mut all: Vec<Series> = (0..8)
            .map(|i| series(&format!("Q{i}"), (0..600u64).map(|j| (u64::from((j * 7 + i) % 25 < 2), 1))))
            .collect();
        all.extend((0..4).map(|i| series(&format!("B{i}"), (0..600u64).map(|j| (2 + (j + i) % 3 * 2 - 1, 40)))));
        let p = Params::default();
        let r = reference(&all, &p);
        assert!((0.04..=0.08).contains(&r), "{r}");
        // A signal no healthy POP shows keeps the floor.
        let none: Vec<Series> = (0..4).map(|i| series(&format!("N{i}"), (0..600).map(|_| (0, 30)))).collect();
        assert!((reference(&none, &p) - p.baseline_floor).abs() < 1e-12);
    }
}
