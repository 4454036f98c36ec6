//! Timeline reconstruction: a pure function of a merged rates table (no I/O, no clock).
//!
//! # Method
//! The input is the rates table split by bucket × POP × host ([`crate::rates`]). Two families
//! of series are examined ([`series`]), each kept sparse and made dense one at a time:
//!
//! 1. **Per POP, edge-blamed errors** (the registry's edge-blamed signatures, summed over
//!    hosts) against requests.
//! 2. **Per host, origin-blamed errors** (the registry's origin-blamed signatures, summed over
//!    POPs): a host whose origin fails everywhere is an origin incident.
//!
//! **The change model** ([`hmm`], [`detect`]): each series gets a two-state hidden Markov model
//! over binomial counts, fitted by Baum–Welch from its quietest and worst buckets, with the
//! series' extra-binomial dispersion measured on its healthy buckets, so a POP that always
//! returns 2–4 % of 502s has that baseline and its wander is not a change, while a sustained
//! shift is. The failing rate must exceed the baseline by [`Params::min_excess`] (one point by
//! default) and a span must be far beyond chance (a binomial test whose power grows with the
//! requests, at the series' dispersion): a few points at a busy POP count, the same at a POP of
//! ten requests a minute only when sustained. The series is taken to be healthy just before its
//! first bucket and just after its last: failing at either end of the input costs one switch,
//! so a quiet POP's sparse tail (a request every few minutes, weak evidence each) does not keep
//! a failing state open to the end of the input after it has ended.
//!
//! **Baselines do not come from failing data.** A CDN's healthy rate of edge-generated errors
//! is near zero: the reference is the lower quartile of the POPs' quietest rates, never above
//! [`Params::reference_cap`]. A series whose healthy state is itself
//! [`Params::steady_margin`] above the reference is failing throughout the input (an input cut
//! to the outage's hours): affected, with onset and recovery censored at the input's ends. A
//! quiet period named by the user ([`Params::baseline`]) fixes each series' baseline instead.
//!
//! **Onset and recovery** ([`refine`]) are refined below the bucket: the failing run's first
//! bucket is extended backwards while earlier buckets still hold significantly more errors than
//! the baseline (a ramp), and the onset is placed by the first error and the shape of the rise.
//! Each gets an **interval**: no later than the first error, and as early as three mean gaps
//! between excess errors at the POP's peak volume (a POP of a few requests a minute cannot
//! place its onset closer than its errors allow).
//!
//! **Incidents** ([`incidents`]): spans that overlap in time (within
//! [`Params::cluster_gap_secs`]) are one incident, `edge` or `mixed` when origin-blamed errors
//! are a quarter of its errors; a POP span whose errors come almost all from one host carrying
//! less than half its requests is that host's origin problem. **Onset pattern**: when one window
//! of [`Params::push_window_secs`] holds a point of every POP's onset interval, the incident is
//! `simultaneous` (a push: no epicenter); otherwise `propagating`, with the epicenter the POP
//! surely failing first, the one whose onset interval ends earliest (those whose interval reaches
//! back before its end as alternatives: a POP of a few requests a minute can have an early but
//! vague onset), and a propagation table of lags. The same for
//! recoveries. **Scope** counts only POPs whose place is known ([`crate::geo`]).
//!
//! **Confidence** of a POP row is the posterior probability that it was affected (the
//! largest posterior of the failing state over its span, or outside any accepted span for an
//! unaffected POP); its volume is a column of its own.
//!
//! **Other signals** ([`signals`]): the share of requests whose bot score was not computed
//! ([`bot`]) and the share of requests the edge made slow ([`latency`]) are binomial series per
//! POP too, read by the same change model into incidents of their own kind (`signals`), with
//! each POP's edge-added latency quantiles (`latency`).
//!
//! **Flapping** ([`flap`]): transitions are the state changes inside a span; the period is the
//! interval between the refined starts of successive failing runs.

pub mod bot;
pub mod bot_source;
pub mod detect;
pub mod flap;
pub mod hmm;
pub mod incidents;
/// The timeline's output types (a leaf shared with the simulator's ground truth).
pub use crate::vocab::timeline as model;
pub mod latency;
/// The signals' output types (a leaf shared with the simulator's ground truth).
pub use crate::vocab::signals as signal_model;
pub mod naive;
pub mod places;
pub mod refine;
pub mod series;
pub mod signals;

use std::collections::{BTreeMap, BTreeSet};

pub use model::Timeline;
use model::{Attribution, Incident, InputSummary};

use crate::rates::RatesTable;
use crate::signatures::Blame;
use detect::{Context, Detection, Span};
use incidents::Placed;
use series::{AllSeries, Axis};

/// Parameters of the method. The defaults are argued in the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Smallest failing rate above the baseline that counts (absolute error-rate units).
    pub min_excess: f64,
    /// Probability per bucket of switching between healthy and failing.
    pub switch: f64,
    /// Lowest baseline error rate assumed for any series.
    pub baseline_floor: f64,
    /// The healthy reference rate is never taken above this (a CDN's edge rarely fails 1 % of
    /// requests when healthy).
    pub reference_cap: f64,
    /// A series whose healthy state is this far above the reference fails throughout.
    pub steady_margin: f64,
    /// Minimum failing time in a span, seconds.
    pub min_failing_secs: i64,
    /// Failing runs further apart than this are separate spans, seconds.
    pub split_gap_secs: i64,
    /// Spans closer than this join one incident, seconds.
    pub cluster_gap_secs: i64,
    /// Share of a span's errors from one host that makes the span host-specific.
    pub host_concentration: f64,
    /// Significance of the binomial test used to extend onset and recovery.
    pub alpha: f64,
    /// Onsets (or recoveries) that one window this long can hold are simultaneous: the time a
    /// configuration pushed to a whole fleet takes to land, seconds.
    pub push_window_secs: f64,
    /// A quiet period (from, to), ns: when given, each series' baseline is measured there.
    pub baseline: Option<(i64, i64)>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_excess: 0.01,
            switch: 0.01,
            baseline_floor: 0.0005,
            reference_cap: 0.01,
            steady_margin: 0.10,
            min_failing_secs: 180,
            split_gap_secs: 3600,
            cluster_gap_secs: 1800,
            host_concentration: 0.8,
            alpha: 0.01,
            push_window_secs: 60.0,
            baseline: None,
        }
    }
}

impl Params {
    /// Checks every value (finite, in range); the CLI and Python call this before `build`.
    pub fn validate(&self) -> Result<(), String> {
        let unit = |name: &str, v: f64, lo: f64, hi: f64| -> Result<(), String> {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(format!("{name} must be a number from {lo} to {hi}, not {v}"))
            }
        };
        unit("min excess", self.min_excess, 0.0001, 0.9)?;
        unit("switch probability", self.switch, 1e-9, 0.5)?;
        unit("baseline floor", self.baseline_floor, 1e-9, 0.5)?;
        unit("steady margin", self.steady_margin, 0.0, 1.0)?;
        unit("push window", self.push_window_secs, 0.0, 86_400.0)?;
        if self.min_failing_secs < 0 || self.split_gap_secs < 1 || self.cluster_gap_secs < 0 {
            return Err("durations must not be negative".into());
        }
        if let Some((a, b)) = self.baseline {
            if a >= b {
                return Err("the quiet period must end after it starts".into());
            }
        }
        Ok(())
    }
}

/// The healthy reference of a family of series: the lower quartile of each series' quietest
/// tenth of buckets (pooled), between the floor and the cap. Read from the sparse cells: a bucket
/// without requests carries no rate.
fn reference<'a>(series: impl Iterator<Item = &'a series::Sparse>, blame: Blame, p: &Params) -> f64 {
    let rates = series.map(|s| {
        s.cells.iter().filter(|(_, c)| c.requests > 0).map(move |(_, c)| (series::blamed(c, blame).0, c.requests))
    });
    quiet_quartile(rates, p.baseline_floor, p.reference_cap.max(p.baseline_floor))
}

/// The lower quartile of each series' quietest tenth of buckets (pooled), between `floor` and
/// `cap`. A series is given as its buckets' (failures, requests), buckets without requests left
/// out.
fn quiet_quartile<S, B>(series: S, floor: f64, cap: f64) -> f64
where
    S: Iterator<Item = B>,
    B: Iterator<Item = (u64, u64)>,
{
    let mut quiet: Vec<f64> = Vec::new();
    for s in series {
        let mut r: Vec<(f64, u64, u64)> = s.map(|(k, n)| (k as f64 / n as f64, k, n)).collect();
        if r.is_empty() {
            continue;
        }
        r.sort_by(|a, b| a.0.total_cmp(&b.0));
        let tenth = r.len().div_ceil(10);
        let (k, n) = r.iter().take(tenth).fold((0, 0), |(a, b), x| (a + x.1, b + x.2));
        quiet.push(k as f64 / n.max(1) as f64);
    }
    quiet.sort_by(f64::total_cmp);
    quiet.get(quiet.len() / 4).copied().unwrap_or(0.0).clamp(floor, cap)
}

/// Builds the timeline from a rates table split by host (a table without hosts works too, but
/// cannot tell one host's failure from the edge's). `input` is copied into the result.
pub fn build(table: &RatesTable, input: InputSummary, p: &Params) -> Timeline {
    let w = table.bucket_ns.max(1);
    if table.rows.is_empty() {
        return Timeline { input, ..Timeline::default() };
    }
    let axis = Axis::new(table.rows.keys().map(|k| k.0), w);
    let t = axis.len();
    let all = series::collect(table, &axis);
    let quiet = p.baseline.and_then(|(a, b)| {
        let lo = axis.times.partition_point(|x| *x + w <= a);
        let hi = axis.times.partition_point(|x| *x < b);
        (hi > lo).then(|| (lo, hi - 1))
    });
    let edge_cx = Context {
        axis: &axis,
        params: p,
        reference: reference(all.pops.values(), Blame::Edge, p),
        quiet,
        windows: &[],
    };
    let origin_cx = Context { reference: reference(all.hosts.values(), Blame::Origin, p), ..edge_cx };

    let (detections, edge_items, mut origin_items) = pop_spans(&all, t, &edge_cx, p);
    origin_items.extend(host_spans(&all, t, &origin_cx));
    let incidents = ordered_incidents(edge_items, origin_items, &all, w, p);
    let hit = pop_hits(&incidents);
    let empty = Detection::default();
    let pops_out: Vec<_> = all
        .pops
        .iter()
        .map(|(pop, s)| {
            let det = detections.get(pop).unwrap_or(&empty);
            let h = hit
                .get(pop)
                .map(|(span, ii)| (span, incidents.get(*ii).and_then(|(inc, _)| inc.flapping.period_seconds)));
            places::pop_row(pop, s, &s.dense(t, Blame::Edge), det, h, &axis)
        })
        .collect();
    let spans: BTreeMap<String, Span> = hit.into_iter().map(|(k, (s, _))| (k, s)).collect();
    let regions = places::regions(&pops_out, &all.pops, &spans, &axis);
    let propagation = incidents::propagation(&incidents);
    let mut signals = bot::incidents(&all, &axis, p);
    signals.extend(bot_source::incidents(&all, &axis, p));
    let (slow, latency) = latency::build(table, &all, &axis, p);
    signals.extend(slow);
    Timeline {
        input,
        incidents: incidents.into_iter().map(|(i, _)| i).collect(),
        pops: pops_out,
        regions,
        propagation,
        changes: Vec::new(),
        signals,
        latency,
    }
}

/// Each POP's detection and its spans placed with their hosts: (detections, edge-wide spans,
/// host-specific spans).
fn pop_spans(
    all: &AllSeries,
    t: usize,
    cx: &Context<'_>,
    p: &Params,
) -> (BTreeMap<String, Detection>, Vec<Placed>, Vec<Placed>) {
    let mut detections: BTreeMap<String, Detection> =
        all.pops.iter().map(|(pop, s)| (pop.clone(), detect::detect(&s.dense(t, Blame::Edge), cx))).collect();
    // The windows in which POPs were found failing; a POP found in none is weighed again with
    // them (a quiet POP of the same incident has less evidence, and is one of fewer candidates).
    let windows = windows(detections.values().flat_map(|d| d.spans.iter()));
    if !windows.is_empty() {
        let cx = Context { windows: &windows, ..*cx };
        for (pop, det) in detections.iter_mut().filter(|(_, d)| d.spans.is_empty()) {
            if let Some(s) = all.pops.get(pop) {
                *det = detect::detect(&s.dense(t, Blame::Edge), &cx);
            }
        }
    }
    let (mut edge_items, mut origin_items) = (Vec::new(), Vec::new());
    for (pop, det) in &detections {
        let Some(s) = all.pops.get(pop) else { continue };
        for span in &det.spans {
            let (placed, specific) = place_edge(pop, span.clone(), s, all, p);
            if specific {
                origin_items.push(placed);
            } else {
                edge_items.push(placed);
            }
        }
    }
    (detections, edge_items, origin_items)
}

/// The bucket ranges covered by spans, overlapping ones merged.
fn windows<'s>(spans: impl Iterator<Item = &'s Span>) -> Vec<(usize, usize)> {
    let mut all: Vec<(usize, usize)> = spans.map(|s| (s.start, s.end)).collect();
    all.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (a, b) in all {
        match out.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Each host's spans of origin-blamed errors.
fn host_spans(all: &AllSeries, t: usize, cx: &Context<'_>) -> Vec<Placed> {
    let mut items = Vec::new();
    for (host, s) in &all.hosts {
        for span in detect::detect(&s.dense(t, Blame::Origin), cx).spans {
            let errors = s.total(span.start, span.end).origin_errors();
            let hosts = vec![host.clone()];
            items.push(Placed { key: host.clone(), pop: None, span, hosts, edge_errors: 0, origin_errors: errors });
        }
    }
    items
}

/// The incidents grouped from placed spans, finished, ordered by onset (wider first) and
/// numbered.
fn ordered_incidents(
    edge_items: Vec<Placed>,
    origin_items: Vec<Placed>,
    all: &AllSeries,
    w: i64,
    p: &Params,
) -> Vec<(Incident, Vec<Placed>)> {
    let mut incidents = edge_incidents(edge_items, p);
    incidents.extend(origin_incidents(origin_items, all, w, p));
    incidents::finish(&mut incidents, all);
    incidents.sort_by(|a, b| a.0.onset.cmp(&b.0.onset).then(a.0.pops.len().cmp(&b.0.pops.len()).reverse()));
    for (i, (inc, _)) in incidents.iter_mut().enumerate() {
        inc.id = format!("I{}", i + 1);
    }
    incidents
}

/// For POP rows: each POP's longest span among edge incidents, with the incident's index.
fn pop_hits(incidents: &[(Incident, Vec<Placed>)]) -> BTreeMap<String, (Span, usize)> {
    let mut hit: BTreeMap<String, (Span, usize)> = BTreeMap::new();
    for (ii, (inc, g)) in incidents.iter().enumerate() {
        if inc.attribution == Attribution::Origin {
            continue;
        }
        for x in g {
            let better = hit.get(&x.key).is_none_or(|(s, _)| (x.span.end - x.span.start) > (s.end - s.start));
            if better {
                hit.insert(x.key.clone(), (x.span.clone(), ii));
            }
        }
    }
    hit
}

/// A POP's span placed with its hosts; `true` when it is host-specific (almost all its errors
/// from one host that carries less than half the POP's requests, with some origin-blamed errors
/// beside them).
fn place_edge(pop: &str, span: Span, s: &series::Sparse, all: &AllSeries, p: &Params) -> (Placed, bool) {
    let mut by_host: Vec<(String, u64, u64)> = all
        .pop_host
        .range((pop.to_string(), String::new())..)
        .take_while(|((pp, _), _)| pp == pop)
        .map(|((_, h), v)| {
            let c = v.total(span.start, span.end);
            (h.clone(), c.edge_errors(), c.requests)
        })
        .collect();
    by_host.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let errors: u64 = by_host.iter().map(|h| h.1).sum();
    let tot = s.total(span.start, span.end);
    let (requests, origin_errors) = (tot.requests, tot.origin_errors());
    let top = by_host.first().cloned();
    let specific = top.as_ref().is_some_and(|(_, e, r)| {
        by_host.len() >= 2
            && errors > 0
            && *e as f64 >= p.host_concentration * errors as f64
            && (*r as f64) < 0.5 * requests as f64
            // Errors the edge generated with no sign of the origin (no origin-blamed errors at
            // all) are the edge failing for some customers, not one origin failing.
            && origin_errors as f64 >= 0.1 * errors as f64
    });
    let hosts: Vec<String> = by_host.iter().filter(|h| h.1 > 0).map(|h| h.0.clone()).collect();
    let placed = Placed { key: pop.to_string(), pop: None, span, hosts, edge_errors: errors, origin_errors };
    match (specific, top) {
        (true, Some((h, _, _))) => {
            (Placed { key: h.clone(), pop: Some(pop.to_string()), hosts: vec![h], ..placed }, true)
        }
        _ => (placed, false),
    }
}

fn edge_incidents(items: Vec<Placed>, p: &Params) -> Vec<(Incident, Vec<Placed>)> {
    let gap_ns = p.cluster_gap_secs * 1_000_000_000;
    incidents::cluster(items, gap_ns)
        .into_iter()
        .map(|g| {
            let pops: Vec<String> = g.iter().map(|x| x.key.clone()).collect::<BTreeSet<_>>().into_iter().collect();
            let hosts: BTreeSet<String> = g.iter().flat_map(|x| x.hosts.clone()).collect();
            let edge: u64 = g.iter().map(|x| x.edge_errors).sum();
            let origin: u64 = g.iter().map(|x| x.origin_errors).sum();
            let attribution = if origin * 4 >= (edge + origin).max(1) { Attribution::Mixed } else { Attribution::Edge };
            (incidents::incident(&g, pops, hosts.into_iter().collect(), attribution, p), g)
        })
        .collect()
}

/// Origin incidents: one per cluster of a host's spans, with the POPs that served its errors
/// and, as epicenter, the POPs that saw its first errors.
fn origin_incidents(items: Vec<Placed>, all: &AllSeries, w: i64, p: &Params) -> Vec<(Incident, Vec<Placed>)> {
    let gap_ns = p.cluster_gap_secs * 1_000_000_000;
    let mut by_host: BTreeMap<String, Vec<Placed>> = BTreeMap::new();
    for it in items {
        by_host.entry(it.key.clone()).or_default().push(it);
    }
    let mut out = Vec::new();
    for (host, items) in by_host {
        for g in incidents::cluster(items, gap_ns) {
            let (a, b) =
                (g.iter().map(|x| x.span.start).min().unwrap_or(0), g.iter().map(|x| x.span.end).max().unwrap_or(0));
            let mut pops: BTreeSet<String> = g.iter().filter_map(|x| x.pop.clone()).collect();
            let per_pop: Vec<(&String, u64, i64)> = all
                .host_pop
                .range((host.clone(), String::new())..)
                .take_while(|((h, _), _)| *h == host)
                .map(|((_, pop), v)| {
                    let c = v.total(a, b);
                    (pop, c.origin_errors(), c.first_origin_ns)
                })
                .collect();
            let total: u64 = per_pop.iter().map(|x| x.1).sum();
            for (pop, e, _) in &per_pop {
                if *e > 0 && *e as f64 >= 0.002 * total as f64 {
                    pops.insert((*pop).clone());
                }
            }
            let pops: Vec<String> = pops.into_iter().collect();
            let mut inc = incidents::incident(&g, pops, vec![host.clone()], Attribution::Origin, p);
            // An origin usually fails everywhere at once: the POPs within one bucket of the first.
            let firsts: Vec<(i64, &String)> = per_pop.iter().filter(|x| x.2 != i64::MAX).map(|x| (x.2, x.0)).collect();
            if let Some(first) = firsts.iter().map(|f| f.0).min() {
                inc.epicenter = firsts
                    .iter()
                    .filter(|f| f.0 <= first + w)
                    .map(|f| f.1.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
            }
            out.push((inc, g));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rates::Counts;

    #[test]
    fn a_stray_event_decades_away_costs_nothing() {
        let w = 60_000_000_000;
        let mut t = RatesTable::new(w, true);
        let mut c = Counts::EMPTY;
        c.add(700_000_000_000_000_000, Some(200), Some(200), None);
        t.rows.insert((700_000_000_000_000_000 / w * w, Some("SCL".into()), Some("h".into())), c);
        let mut c = Counts::EMPTY;
        c.add(1_763_464_800_000_000_000, Some(500), Some(0), None);
        t.rows.insert((1_763_464_800_000_000_000, Some("SCL".into()), Some("h".into())), c);
        let tl = build(&t, InputSummary::default(), &Params::default());
        assert_eq!(tl.pops.len(), 1);
        assert!(tl.incidents.is_empty());
    }

    #[test]
    fn nan_and_out_of_range_parameters_are_refused() {
        assert!(Params::default().validate().is_ok());
        for bad in [f64::NAN, f64::INFINITY, -0.1, 0.0] {
            let p = Params { min_excess: bad, ..Params::default() };
            assert!(p.validate().is_err(), "{bad}");
        }
    }
}
