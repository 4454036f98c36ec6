//! Timeline reconstruction: a pure function of a merged rates table (no I/O, no clock).
//!
//! # Method
//! The input is the rates table split by bucket × POP × host ([`crate::rates`]). Two families
//! of series are examined:
//!
//! 1. **Per POP, edge-blamed errors** (`edge_500` + `edge_502`, summed over hosts) against
//!    requests. Each series gets its own two-state binomial hidden Markov model ([`hmm`]): the
//!    healthy and failing rates are fitted to that POP's own data by EM, so a POP that always
//!    returns 3 % of 502s has a 3 % baseline and is not an incident, and the failing rate must
//!    exceed the baseline by [`Params::min_excess`]. The Viterbi path (switching probability
//!    [`Params::switch`] per bucket) gives failing runs; runs closer than
//!    [`Params::split_gap_secs`] form one span, and a span needs at least
//!    [`Params::min_failing_secs`] of failing buckets to count (an isolated one-minute blip is
//!    not an incident).
//! 2. **Per host, origin-blamed errors** (`origin_5xx` + `cf_52x`, summed over POPs), with the
//!    same model: a host whose origin fails everywhere is an origin incident.
//!
//! A POP span whose edge errors come almost all from one host (≥ [`Params::host_concentration`]
//! of its errors from a host carrying less than half the POP's requests) is host-specific: it is
//! attributed to that host's origin, not to the edge.
//!
//! **Onset and recovery** are refined below the bucket. The failing run's first bucket is
//! extended backwards while earlier buckets still hold significantly more edge errors than the
//! baseline (one-sided binomial test at [`Params::alpha`]), which catches the ramp as machines
//! pick up a bad configuration; the onset is then the time of the first edge error in that
//! bucket (the rates table keeps the first and last error time of each bucket, which merge as
//! minima and maxima). Recovery is symmetric: the last edge error of the last significantly
//! elevated bucket.
//!
//! **Flapping**: transitions are the state changes inside a span; the period is the median
//! interval between the refined starts of successive failing runs (reported from three runs).
//!
//! **Incidents**: edge spans that overlap in time (within [`Params::cluster_gap_secs`]) are one
//! incident. Attribution is `edge`, or `mixed` when origin-blamed errors are at least a quarter
//! of the errors in its spans. Scope: one POP is `local`, several POPs of one region `regional`,
//! several regions `global`. The epicenter is the POP (or POPs, within
//! [`Params::epicenter_tolerance_secs`]) with the earliest onset; propagation lists the affected
//! POPs by onset with their lag.
//!
//! **Confidence** of a POP row is the mean posterior probability (forward-backward) of the
//! state it was given over its span, times a volume factor `n / (n + 30)` with `n` the mean
//! requests per bucket: a POP with 8 requests a bucket is never as sure as one with 8,000.

pub mod hmm;
pub mod model;
pub mod naive;
pub mod score;

use std::collections::{BTreeMap, BTreeSet};

pub use model::Timeline;
use model::{Attribution, Flapping, Incident, InputSummary, PopTimeline, Propagation, Scope};

use crate::geo;
use crate::rates::{Counts, RatesTable};
use crate::signatures::{self, Blame};

/// Parameters of the method. The defaults are argued in the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// How far above its baseline a failing rate must be (absolute error-rate units).
    pub min_excess: f64,
    /// Probability per bucket of switching between healthy and failing.
    pub switch: f64,
    /// Lowest baseline error rate assumed for any series.
    pub baseline_floor: f64,
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
    /// POPs whose onsets are this close to the first are also the epicenter, seconds.
    pub epicenter_tolerance_secs: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_excess: 0.05,
            switch: 0.01,
            baseline_floor: 0.0005,
            min_failing_secs: 180,
            split_gap_secs: 3600,
            cluster_gap_secs: 1800,
            host_concentration: 0.8,
            alpha: 0.01,
            epicenter_tolerance_secs: 15.0,
        }
    }
}

/// A dense series over the table's buckets.
struct Series {
    k: Vec<u64>,
    n: Vec<u64>,
    first: Vec<i64>,
    last: Vec<i64>,
    fivexx: Vec<u64>,
    sigs: Vec<[u64; signatures::COUNT]>,
}

impl Series {
    fn new(t: usize) -> Self {
        Series {
            k: vec![0; t],
            n: vec![0; t],
            first: vec![i64::MAX; t],
            last: vec![i64::MIN; t],
            fivexx: vec![0; t],
            sigs: vec![[0; signatures::COUNT]; t],
        }
    }

    fn add(&mut self, i: usize, c: &Counts, blame: Blame) {
        let (k, first, last) = match blame {
            Blame::Origin => (c.origin_errors(), c.first_origin_ns, c.last_origin_ns),
            _ => (c.edge_errors(), c.first_edge_ns, c.last_edge_ns),
        };
        if let (Some(kk), Some(nn), Some(f), Some(l), Some(x), Some(s)) = (
            self.k.get_mut(i),
            self.n.get_mut(i),
            self.first.get_mut(i),
            self.last.get_mut(i),
            self.fivexx.get_mut(i),
            self.sigs.get_mut(i),
        ) {
            *kk += k;
            *nn += c.requests;
            *f = (*f).min(first);
            *l = (*l).max(last);
            *x += c.status_5xx;
            for (a, b) in s.iter_mut().zip(c.signatures) {
                *a += b;
            }
        }
    }
}

/// A failing span of one series.
#[derive(Debug, Clone)]
struct Span {
    /// Bucket index of the first and last failing bucket (after refinement).
    start: usize,
    end: usize,
    onset_ns: i64,
    recovery_ns: i64,
    runs: Vec<(usize, usize)>,
    run_starts_ns: Vec<i64>,
    confidence: f64,
}

/// The time axis: bucket start times, dense within active stretches, with any gap longer than
/// the span split collapsed into one empty bucket (so a stray event years away costs one bucket,
/// not millions).
struct Ctx<'a> {
    axis: Vec<i64>,
    w: i64,
    p: &'a Params,
}

impl Ctx<'_> {
    fn time(&self, i: usize) -> i64 {
        if let Some(t) = self.axis.get(i) {
            return *t;
        }
        let last = self.axis.last().copied().unwrap_or(0);
        let beyond = (i + 1).saturating_sub(self.axis.len()) as i64;
        last.saturating_add(beyond.saturating_mul(self.w))
    }
}

fn axis(buckets: impl Iterator<Item = i64>, w: i64, max_gap_buckets: i64) -> Vec<i64> {
    let mut axis: Vec<i64> = Vec::new();
    for b in buckets {
        if let Some(&last) = axis.last() {
            if b <= last {
                continue;
            }
            let gap = (b - last) / w;
            if gap <= max_gap_buckets {
                axis.extend((1..gap).map(|i| last + i * w));
            } else {
                axis.push(last + w);
            }
        }
        axis.push(b);
    }
    axis
}

fn detect(s: &Series, ctx: &Ctx<'_>) -> Vec<Span> {
    let p = ctx.p;
    let r = hmm::fit(&s.k, &s.n, p.baseline_floor, p.min_excess);
    if !r.has_failing {
        return Vec::new();
    }
    let path = hmm::viterbi(&s.k, &s.n, r, p.switch);
    let post = hmm::posterior(&s.k, &s.n, r, p.switch);
    // Failing runs.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < path.len() {
        if path.get(i).copied().unwrap_or(false) {
            let mut j = i;
            while path.get(j + 1).copied().unwrap_or(false) {
                j += 1;
            }
            runs.push((i, j));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    // Group runs into spans.
    let secs_to_buckets = |secs: i64| (secs.saturating_mul(1_000_000_000) + ctx.w - 1) / ctx.w;
    let gap = secs_to_buckets(p.split_gap_secs).max(1) as usize;
    let mut groups: Vec<Vec<(usize, usize)>> = Vec::new();
    for run in runs {
        match groups.last_mut() {
            Some(g) if g.last().is_some_and(|l| run.0 - l.1 <= gap) => g.push(run),
            _ => groups.push(vec![run]),
        }
    }
    let elevated = |j: usize| -> bool {
        let (k, n) = (s.k.get(j).copied().unwrap_or(0), s.n.get(j).copied().unwrap_or(0));
        k > 0 && hmm::tail(k, n, r.p0) < p.alpha
    };
    let min_buckets = secs_to_buckets(p.min_failing_secs);
    let mut spans = Vec::new();
    for g in groups {
        let failing: i64 = g.iter().map(|(a, b)| (b - a + 1) as i64).sum();
        if failing < min_buckets.max(1) {
            continue;
        }
        let (Some(&(first_a, _)), Some(&(_, last_b))) = (g.first(), g.last()) else {
            continue;
        };
        let mut start = first_a;
        while start > 0 && elevated(start - 1) {
            start -= 1;
        }
        let mut end = last_b;
        while end + 1 < s.k.len() && elevated(end + 1) {
            end += 1;
        }
        let first_err = |j: usize| s.first.get(j).copied().filter(|v| *v != i64::MAX);
        let last_err = |j: usize| s.last.get(j).copied().filter(|v| *v != i64::MIN);
        // The span as a whole must stand out from the rest of the series: an excess of at least
        // `min_excess` over the rate outside failing runs, and far beyond chance.
        let mut run_mask = vec![false; s.k.len()];
        for (a, b) in &g {
            for m in run_mask.iter_mut().take(*b + 1).skip(*a) {
                *m = true;
            }
        }
        let in_runs = |j: usize| run_mask.get(j).copied().unwrap_or(false);
        let (mut k_in, mut n_in, mut k_out, mut n_out) = (0u64, 0u64, 0u64, 0u64);
        for (j, (k, n)) in s.k.iter().zip(&s.n).enumerate() {
            if in_runs(j) {
                k_in += k;
                n_in += n;
            } else {
                k_out += k;
                n_out += n;
            }
        }
        let background = if n_out > 0 { (k_out as f64 / n_out as f64).max(p.baseline_floor) } else { p.baseline_floor };
        if n_in == 0
            || (k_in as f64 / n_in as f64) < background + p.min_excess
            || hmm::tail(k_in, n_in, background) > 1e-6
        {
            continue;
        }
        let onset_ns = onset_estimate(s, start, r.p1, ctx, first_err(start));
        let recovery_ns = recovery_estimate(s, end, r.p1, ctx, last_err(end));
        let run_starts_ns = g
            .iter()
            .map(|(a, _)| {
                let mut b = *a;
                while b > 0 && !path.get(b - 1).copied().unwrap_or(true) && elevated(b - 1) {
                    b -= 1;
                }
                first_err(b).unwrap_or_else(|| ctx.time(b))
            })
            .collect();
        let mean_post = {
            let v: Vec<f64> = g.iter().flat_map(|(a, b)| (*a..=*b).filter_map(|j| post.get(j).copied())).collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        };
        let mean_n = (start..=end).filter_map(|j| s.n.get(j)).sum::<u64>() as f64 / (end - start + 1) as f64;
        spans.push(Span {
            start,
            end,
            onset_ns,
            recovery_ns,
            runs: g,
            run_starts_ns,
            confidence: mean_post * volume_factor(mean_n),
        });
    }
    spans
}

/// Error rate of bucket `j`, when it has requests.
fn rate(s: &Series, j: usize) -> Option<f64> {
    let n = *s.n.get(j)?;
    (n > 0).then(|| s.k.get(j).copied().unwrap_or(0) as f64 / n as f64)
}

/// Least-squares line through points; returns (slope, intercept).
fn line(pts: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = pts.len() as f64;
    if pts.len() < 2 {
        return None;
    }
    let (sx, sy) = pts.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let sxx: f64 = pts.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, my - slope * mx))
}

/// When failing began, given the first failing bucket `b`. Errors either rise over several
/// buckets (machines pick a bad configuration up one by one) or jump within one bucket. A rise
/// is a line through the rates of the buckets below the failing rate, extended back to zero;
/// a jump is placed where the bucket's rate says it started (a bucket half as bad as the
/// failing rate failed for its second half). Either way the estimate is no later than the first
/// error and no earlier than the bucket before `b`.
fn onset_estimate(s: &Series, b: usize, p1: f64, ctx: &Ctx<'_>, first: Option<i64>) -> i64 {
    let w = ctx.w as f64;
    let start = ctx.time(b);
    let first = first.unwrap_or(start);
    let mut rising: Vec<(f64, f64)> = Vec::new();
    for j in b..b + 4 {
        let Some(x) = rate(s, j) else { continue };
        if x >= 0.8 * p1 || rising.last().is_some_and(|l| x < l.1) {
            break;
        }
        rising.push(((ctx.time(j) - start) as f64 + w / 2.0, x));
    }
    let est = match line(&rising) {
        Some((slope, icept)) if rising.len() >= 2 && slope > 0.0 => start as f64 + (-icept / slope),
        _ => {
            let frac = rate(s, b).map_or(1.0, |x| (x / p1).clamp(0.0, 1.0));
            start as f64 + w * (1.0 - frac)
        }
    };
    (est as i64).clamp(start - ctx.w, first.max(start - ctx.w))
}

/// When failing ended, given the last failing bucket `e` (the mirror of [`onset_estimate`]).
fn recovery_estimate(s: &Series, e: usize, p1: f64, ctx: &Ctx<'_>, last: Option<i64>) -> i64 {
    let w = ctx.w as f64;
    let end = ctx.time(e + 1);
    let last = last.unwrap_or(end);
    let mut falling: Vec<(f64, f64)> = Vec::new();
    for j in (e.saturating_sub(3)..=e).rev() {
        let Some(x) = rate(s, j) else { continue };
        if x >= 0.8 * p1 || falling.last().is_some_and(|l| x < l.1) {
            break;
        }
        falling.push(((ctx.time(j) - end) as f64 + w / 2.0, x));
    }
    let est = match line(&falling) {
        Some((slope, icept)) if falling.len() >= 2 && slope < 0.0 => end as f64 + (-icept / slope),
        _ => {
            let frac = rate(s, e).map_or(1.0, |x| (x / p1).clamp(0.0, 1.0));
            end as f64 - w * (1.0 - frac)
        }
    };
    (est as i64).clamp(last.min(end + ctx.w), end + ctx.w)
}

/// The fundamental period of a series of run starts: intervals are whole multiples of the
/// period when an off phase is missed, so a first guess (the lower quartile of the intervals)
/// sets how many periods each interval spans, and the period is the total time over the total
/// count.
/// With `prior` (the period seen by the busiest POPs of the same incident), the intervals are
/// counted in units of the prior instead: a flap is a property of the incident (a configuration
/// regenerated every few minutes), and a quiet POP's intervals are read against it.
fn period(starts: &[i64], prior: Option<f64>) -> Option<f64> {
    let mut d: Vec<f64> =
        starts.windows(2).filter_map(|w| Some((w.get(1)? - w.first()?) as f64 / 1e9)).filter(|x| *x > 0.0).collect();
    d.sort_by(f64::total_cmp);
    let guess = match prior {
        Some(p) if p > 0.0 => p,
        _ => *d.get(d.len() / 4)?,
    };
    if guess <= 0.0 {
        return None;
    }
    let cycles: f64 = d.iter().map(|x| (x / guess).round().max(1.0)).sum();
    Some(d.iter().sum::<f64>() / cycles)
}

/// The flapping period of a group of POPs: the median over the POPs whose confidence is at least
/// half the best one's. A POP with a few requests a minute misses off phases and reports a
/// multiple of the period; the busy POPs of the same incident see it clearly.
fn confident_period(periods: &[(f64, f64)]) -> Option<f64> {
    let best = periods.iter().map(|p| p.1).fold(0.0, f64::max);
    let mut v: Vec<f64> = periods.iter().filter(|p| p.1 >= 0.5 * best).map(|p| p.0).collect();
    median(&mut v)
}

fn volume_factor(mean_n: f64) -> f64 {
    mean_n / (mean_n + 30.0)
}

fn rfc3339(ns: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(ns).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return None;
    }
    let hi = v.get(n / 2).copied()?;
    if n % 2 == 1 {
        Some(hi)
    } else {
        v.get(n / 2 - 1).map(|lo| (lo + hi) / 2.0)
    }
}

fn flapping(span: &Span) -> Flapping {
    let transitions = 2 * (span.runs.len().saturating_sub(1)) as u32;
    let period_seconds = if span.runs.len() >= 3 { period(&span.run_starts_ns, None).map(round3) } else { None };
    Flapping { transitions, period_seconds }
}

fn dominant(
    sigs: &[[u64; signatures::COUNT]],
    range: std::ops::RangeInclusive<usize>,
    blame: Option<Blame>,
) -> Option<String> {
    let mut tot = [0u64; signatures::COUNT];
    for j in range {
        if let Some(s) = sigs.get(j) {
            for (a, b) in tot.iter_mut().zip(s) {
                *a += b;
            }
        }
    }
    signatures::REGISTRY
        .iter()
        .filter(|i| i.is_error && blame.is_none_or(|b| b == i.blame))
        .map(|i| (tot.get(i.signature.index()).copied().unwrap_or(0), i.signature))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, s)| (*n, std::cmp::Reverse(*s)))
        .map(|(_, s)| s.id().to_string())
}

/// The bucket with the highest 5xx rate among buckets with at least a tenth of the series' mean
/// volume; returns (bucket index, rate).
fn peak(s: &Series, range: std::ops::RangeInclusive<usize>) -> Option<(usize, f64)> {
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

fn scope(pops: &[String]) -> Scope {
    let regions: BTreeSet<&str> = pops.iter().map(|p| geo::region(p)).collect();
    if regions.len() >= 2 {
        Scope::Global
    } else if pops.len() >= 2 {
        Scope::Regional
    } else {
        Scope::Local
    }
}

/// A POP or host span placed in time, for clustering.
#[derive(Debug, Clone)]
struct Placed {
    /// The POP (edge spans) or host (origin spans) the span was found on.
    key: String,
    /// The POP of a host-specific span found on a POP's series.
    pop: Option<String>,
    span: Span,
    hosts: Vec<String>,
    edge_errors: u64,
    origin_errors: u64,
}

fn cluster(mut items: Vec<Placed>, gap_ns: i64) -> Vec<Vec<Placed>> {
    items.sort_by_key(|p| (p.span.onset_ns, p.key.clone()));
    let mut out: Vec<(i64, Vec<Placed>)> = Vec::new();
    for it in items {
        match out.last_mut() {
            Some((end, g)) if it.span.onset_ns <= *end + gap_ns => {
                *end = (*end).max(it.span.recovery_ns);
                g.push(it);
            }
            _ => out.push((it.span.recovery_ns, vec![it])),
        }
    }
    out.into_iter().map(|(_, g)| g).collect()
}

/// Builds the timeline from a rates table split by host (a table without hosts works too, but
/// cannot tell one host's failure from the edge's). `input` is copied into the result.
#[expect(clippy::too_many_lines, reason = "the steps of the method in order; each is commented")]
pub fn build(table: &RatesTable, input: InputSummary, p: &Params) -> Timeline {
    let w = table.bucket_ns.max(1);
    if table.rows.is_empty() {
        return Timeline { input, ..Timeline::default() };
    }
    let max_gap = (p.split_gap_secs.saturating_mul(1_000_000_000) / w).max(1);
    let mut buckets: Vec<i64> = table.rows.keys().map(|k| k.0).collect();
    buckets.dedup();
    let ctx = Ctx { axis: axis(buckets.into_iter(), w, max_gap), w, p };
    let t = ctx.axis.len();
    let position: BTreeMap<i64, usize> = ctx.axis.iter().enumerate().map(|(i, b)| (*b, i)).collect();
    let idx = |b: i64| position.get(&b).copied().unwrap_or(0);
    // Only hosts with origin-blamed errors get a host series, and only (POP, host) pairs with
    // edge-blamed errors are tracked: memory follows the failures, not the number of hosts.
    let mut origin_hosts: BTreeSet<&str> = BTreeSet::new();
    let mut edge_pairs: BTreeSet<(&str, &str)> = BTreeSet::new();
    for ((_, pop, host), c) in &table.rows {
        let (pop, host) = (pop.as_deref().unwrap_or(""), host.as_deref().unwrap_or(""));
        if c.origin_errors() > 0 {
            origin_hosts.insert(host);
        }
        if c.edge_errors() > 0 {
            edge_pairs.insert((pop, host));
        }
    }

    let mut pop_series: BTreeMap<String, Series> = BTreeMap::new();
    let mut host_series: BTreeMap<String, Series> = BTreeMap::new();
    let mut pop_host_edge: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    let mut pop_host_req: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    let mut host_pop_origin: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    let mut host_pop_first: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for ((b, pop, host), c) in &table.rows {
        let i = idx(*b);
        let (pop_s, host_s) = (pop.as_deref().unwrap_or(""), host.as_deref().unwrap_or(""));
        let origin_host = origin_hosts.contains(host_s);
        let edge_pair = edge_pairs.contains(&(pop_s, host_s));
        let pop = pop_s.to_string();
        let host = host_s.to_string();
        pop_series.entry(pop.clone()).or_insert_with(|| Series::new(t)).add(i, c, Blame::Edge);
        if origin_host {
            host_series.entry(host.clone()).or_insert_with(|| Series::new(t)).add(i, c, Blame::Origin);
        }
        let bump = |m: &mut BTreeMap<(String, String), Vec<u64>>, key: (String, String), v: u64| {
            if let Some(x) = m.entry(key).or_insert_with(|| vec![0; t]).get_mut(i) {
                *x += v;
            }
        };
        if edge_pair {
            bump(&mut pop_host_edge, (pop.clone(), host.clone()), c.edge_errors());
            bump(&mut pop_host_req, (pop.clone(), host.clone()), c.requests);
        }
        if origin_host {
            bump(&mut host_pop_origin, (host.clone(), pop.clone()), c.origin_errors());
            if let Some(x) = host_pop_first.entry((host, pop)).or_insert_with(|| vec![i64::MAX; t]).get_mut(i) {
                *x = (*x).min(c.first_origin_ns);
            }
        }
    }
    let sum_range = |v: &Vec<u64>, a: usize, b: usize| -> u64 { (a..=b).filter_map(|j| v.get(j)).sum() };

    // Edge spans per POP, minus the host-specific ones.
    let mut edge_items: Vec<Placed> = Vec::new();
    let mut host_specific: Vec<Placed> = Vec::new();
    for (pop, s) in &pop_series {
        for span in detect(s, &ctx) {
            let mut by_host: Vec<(String, u64, u64)> = pop_host_edge
                .range((pop.clone(), String::new())..)
                .take_while(|((pp, _), _)| pp == pop)
                .map(|((_, h), v)| {
                    let req =
                        pop_host_req.get(&(pop.clone(), h.clone())).map_or(0, |r| sum_range(r, span.start, span.end));
                    (h.clone(), sum_range(v, span.start, span.end), req)
                })
                .collect();
            by_host.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let errors: u64 = by_host.iter().map(|h| h.1).sum();
            let requests: u64 = (span.start..=span.end).filter_map(|j| s.n.get(j)).sum();
            let origin_errors: u64 = (span.start..=span.end)
                .filter_map(|j| s.sigs.get(j))
                .map(|x| {
                    x.get(signatures::Signature::Origin5xx.index()).unwrap_or(&0)
                        + x.get(signatures::Signature::Cf52x.index()).unwrap_or(&0)
                        + x.get(signatures::Signature::OriginUnreachable.index()).unwrap_or(&0)
                })
                .sum();
            let top = by_host.first().cloned();
            let specific = top.as_ref().is_some_and(|(_, e, r)| {
                by_host.len() >= 2
                    && errors > 0
                    && *e as f64 >= p.host_concentration * errors as f64
                    && (*r as f64) < 0.5 * requests as f64
            });
            let hosts: Vec<String> = by_host.iter().filter(|h| h.1 > 0).map(|h| h.0.clone()).collect();
            let placed = Placed { key: pop.clone(), pop: None, span, hosts, edge_errors: errors, origin_errors };
            if specific {
                if let Some((h, _, _)) = top {
                    host_specific.push(Placed { hosts: vec![h], ..placed });
                }
            } else {
                edge_items.push(placed);
            }
        }
    }

    // Origin spans per host.
    let mut origin_items: Vec<Placed> = Vec::new();
    for (host, s) in &host_series {
        for span in detect(s, &ctx) {
            let errors = (span.start..=span.end).filter_map(|j| s.k.get(j)).sum();
            origin_items.push(Placed {
                pop: None,
                key: host.clone(),
                span,
                hosts: vec![host.clone()],
                edge_errors: 0,
                origin_errors: errors,
            });
        }
    }
    for hs in host_specific {
        if let Some(h) = hs.hosts.first().cloned() {
            let pop = Some(hs.key.clone());
            origin_items.push(Placed { key: h, pop, ..hs });
        }
    }

    let gap_ns = p.cluster_gap_secs * 1_000_000_000;
    let mut incidents: Vec<(Incident, Vec<Placed>)> = Vec::new();
    for g in cluster(edge_items, gap_ns) {
        let pops: Vec<String> = g.iter().map(|x| x.key.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let hosts: BTreeSet<String> = g.iter().flat_map(|x| x.hosts.clone()).collect();
        let edge: u64 = g.iter().map(|x| x.edge_errors).sum();
        let origin: u64 = g.iter().map(|x| x.origin_errors).sum();
        let attribution = if origin * 4 >= (edge + origin).max(1) { Attribution::Mixed } else { Attribution::Edge };
        incidents.push((incident(&g, pops, hosts.into_iter().collect(), attribution, p), g));
    }
    // Origin incidents: one per host span cluster.
    let mut by_host: BTreeMap<String, Vec<Placed>> = BTreeMap::new();
    for it in origin_items {
        by_host.entry(it.key.clone()).or_default().push(it);
    }
    for (host, items) in by_host {
        for g in cluster(items, gap_ns) {
            let (a, b) =
                (g.iter().map(|x| x.span.start).min().unwrap_or(0), g.iter().map(|x| x.span.end).max().unwrap_or(0));
            // POPs: those that served this host's origin errors in the span, or host-specific POP spans.
            let mut pops: BTreeSet<String> = g.iter().filter_map(|x| x.pop.clone()).collect();
            let total: u64 = host_pop_origin
                .range((host.clone(), String::new())..)
                .take_while(|((h, _), _)| *h == host)
                .map(|(_, v)| sum_range(v, a, b))
                .sum();
            for ((_, pop), v) in
                host_pop_origin.range((host.clone(), String::new())..).take_while(|((h, _), _)| *h == host)
            {
                let e = sum_range(v, a, b);
                if e > 0 && e as f64 >= 0.002 * total as f64 {
                    pops.insert(pop.clone());
                }
            }
            let pops: Vec<String> = pops.into_iter().collect();
            let mut inc = incident(&g, pops, vec![host.clone()], Attribution::Origin, p);
            // The epicenter of an origin incident: the POPs that saw the host's first errors
            // (within one bucket of the first: an origin usually fails everywhere at once).
            let firsts: Vec<(i64, String)> = host_pop_first
                .range((host.clone(), String::new())..)
                .take_while(|((h, _), _)| *h == host)
                .filter_map(|((_, pop), v)| {
                    (a..=b).filter_map(|j| v.get(j).copied()).min().filter(|x| *x != i64::MAX).map(|x| (x, pop.clone()))
                })
                .collect();
            if let Some(first) = firsts.iter().map(|f| f.0).min() {
                inc.epicenter = firsts
                    .iter()
                    .filter(|f| f.0 <= first + w)
                    .map(|f| f.1.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
            }
            incidents.push((inc, g));
        }
    }
    for (inc, g) in &mut incidents {
        let (a, b) =
            (g.iter().map(|x| x.span.start).min().unwrap_or(0), g.iter().map(|x| x.span.end).max().unwrap_or(0));
        let host_ser: Vec<&Series> = inc.hosts.iter().filter_map(|h| host_series.get(h)).collect();
        let ser: Vec<&Series> = if inc.attribution == Attribution::Origin && !host_ser.is_empty() {
            host_ser
        } else {
            inc.pops.iter().filter_map(|p| pop_series.get(p)).collect()
        };
        let periods: Vec<(f64, f64)> =
            g.iter().filter_map(|x| flapping(&x.span).period_seconds.map(|p| (p, x.span.confidence))).collect();
        inc.flapping = Flapping {
            transitions: g.iter().map(|x| flapping(&x.span).transitions).max().unwrap_or(0),
            period_seconds: confident_period(&periods).map(round3),
        };
        let n_hosts = inc.hosts.len();
        inc.evidence = evidence(&ser, a, b, n_hosts, &inc.pops, inc.attribution);
    }
    incidents.sort_by(|a, b| a.0.onset.cmp(&b.0.onset).then(a.0.pops.len().cmp(&b.0.pops.len()).reverse()));
    for (i, (inc, _)) in incidents.iter_mut().enumerate() {
        inc.id = format!("I{}", i + 1);
    }

    // POP rows.
    let mut affected: BTreeMap<String, (Span, usize)> = BTreeMap::new();
    for (ii, (inc, g)) in incidents.iter().enumerate() {
        if inc.attribution == Attribution::Origin {
            continue;
        }
        for x in g {
            let better = affected.get(&x.key).is_none_or(|(s, _)| (x.span.end - x.span.start) > (s.end - s.start));
            if better {
                affected.insert(x.key.clone(), (x.span.clone(), ii));
            }
        }
    }
    let mut pops_out = Vec::new();
    for (pop, s) in &pop_series {
        let colo = geo::colo(pop);
        let requests: u64 = s.n.iter().sum();
        #[expect(clippy::single_match_else, reason = "two kinds of row, side by side")]
        let row = match affected.get(pop) {
            Some((span, ii)) => {
                let mut flap = flapping(span);
                let prior = incidents.get(*ii).and_then(|(inc, _)| inc.flapping.period_seconds);
                if flap.period_seconds.is_some() {
                    flap.period_seconds = period(&span.run_starts_ns, prior).map(round3);
                }
                let pk = peak(s, span.start..=span.end);
                PopTimeline {
                    pop: pop.clone(),
                    city: colo.map(|c| c.city.clone()),
                    country: colo.map(|c| c.country.clone()),
                    region: geo::region(pop).to_string(),
                    affected: true,
                    onset: Some(rfc3339(span.onset_ns)),
                    peak: pk.map(|(j, _)| rfc3339(ctx.time(j))),
                    peak_error_rate: pk.map(|(_, r)| r),
                    recovery: Some(rfc3339(span.recovery_ns)),
                    flapping: flap,
                    dominant_signature: dominant(&s.sigs, span.start..=span.end, Some(Blame::Edge)),
                    requests,
                    confidence: round3(span.confidence),
                }
            }
            None => {
                let all = 0..=t.saturating_sub(1);
                let pk = peak(s, all.clone());
                let mean_n = requests as f64 / s.n.iter().filter(|n| **n > 0).count().max(1) as f64;
                PopTimeline {
                    pop: pop.clone(),
                    city: colo.map(|c| c.city.clone()),
                    country: colo.map(|c| c.country.clone()),
                    region: geo::region(pop).to_string(),
                    affected: false,
                    onset: None,
                    peak: pk.map(|(j, _)| rfc3339(ctx.time(j))),
                    peak_error_rate: pk.map(|(_, r)| r),
                    recovery: None,
                    flapping: Flapping::default(),
                    dominant_signature: dominant(&s.sigs, all, None),
                    requests,
                    confidence: round3(volume_factor(mean_n)),
                }
            }
        };
        pops_out.push(row);
    }

    let regions = regions(&pops_out, &pop_series, &affected, &ctx, t);
    let mut propagation: Vec<Propagation> = Vec::new();
    for (inc, g) in &incidents {
        if inc.attribution == Attribution::Origin {
            continue;
        }
        let first = g.iter().map(|x| x.span.onset_ns).min().unwrap_or(0);
        let mut rows: Vec<&Placed> = g.iter().collect();
        rows.sort_by_key(|x| (x.span.onset_ns, x.key.clone()));
        let mut listed: BTreeSet<&str> = BTreeSet::new();
        for x in rows {
            if !listed.insert(x.key.as_str()) {
                continue; // a second span of the same POP in this incident
            }
            propagation.push(Propagation {
                pop: x.key.clone(),
                onset: rfc3339(x.span.onset_ns),
                lag_seconds: round3((x.span.onset_ns - first) as f64 / 1e9),
            });
        }
    }
    Timeline { input, incidents: incidents.into_iter().map(|(i, _)| i).collect(), pops: pops_out, regions, propagation }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn evidence(
    series: &[&Series],
    a: usize,
    b: usize,
    hosts_with_errors: usize,
    pops: &[String],
    attribution: Attribution,
) -> model::Evidence {
    let mut sigs = [0u64; signatures::COUNT];
    let (mut requests, mut errors) = (0u64, 0u64);
    for s in series {
        for j in a..=b {
            requests += s.n.get(j).copied().unwrap_or(0);
            errors += s.fivexx.get(j).copied().unwrap_or(0);
            if let Some(x) = s.sigs.get(j) {
                for (u, v) in sigs.iter_mut().zip(x) {
                    *u += v;
                }
            }
        }
    }
    let signatures: BTreeMap<String, u64> = signatures::ALL
        .iter()
        .map(|s| (s.id().to_string(), sigs.get(s.index()).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let regions: Vec<String> =
        pops.iter().map(|p| geo::region(p).to_string()).collect::<BTreeSet<_>>().into_iter().collect();
    let count = |id: &str| signatures.get(id).copied().unwrap_or(0);
    let edge = count("edge_500") + count("edge_502");
    let origin = count("origin_5xx") + count("cf_52x");
    let pct = |x: u64| {
        if errors > 0 {
            100.0 * x as f64 / errors as f64
        } else {
            0.0
        }
    };
    let reason = match attribution {
        Attribution::Edge => format!(
            "{:.0}% of the errors were generated by the edge with no origin status (edge_500/edge_502), across {hosts_with_errors} host(s) at {} POP(s) in {} region(s): the origin was not reached",
            pct(edge),
            pops.len(),
            regions.len()
        ),
        Attribution::Mixed => format!(
            "edge-generated errors ({:.0}%) and origin-blamed errors ({:.0}%, origin_5xx/cf_52x) both rose at these POPs",
            pct(edge),
            pct(origin)
        ),
        Attribution::Origin => format!(
            "errors concentrated on {hosts_with_errors} host(s) at {} POP(s): {} origin 5xx answered by the origin and {} Cloudflare 52x (the edge could not get a valid answer from the origin)",
            pops.len(),
            count("origin_5xx"),
            count("cf_52x")
        ),
    };
    model::Evidence { requests, errors, signatures, hosts_with_errors, regions, reason }
}

fn incident(g: &[Placed], pops: Vec<String>, hosts: Vec<String>, attribution: Attribution, p: &Params) -> Incident {
    let onset = g.iter().map(|x| x.span.onset_ns).min().unwrap_or(0);
    let recovery = g.iter().map(|x| x.span.recovery_ns).max().unwrap_or(0);
    let tol = (p.epicenter_tolerance_secs * 1e9) as i64;
    let epicenter: Vec<String> = g
        .iter()
        .filter(|x| x.span.onset_ns <= onset + tol)
        .filter_map(|x| if attribution == Attribution::Origin { x.pop.clone() } else { Some(x.key.clone()) })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Incident {
        id: String::new(),
        attribution,
        onset: Some(rfc3339(onset)),
        recovery: Some(rfc3339(recovery)),
        scope: scope(&pops),
        hosts,
        epicenter,
        pops,
        flapping: Flapping::default(),
        evidence: model::Evidence::default(),
    }
}

fn regions(
    pops: &[PopTimeline],
    series: &BTreeMap<String, Series>,
    affected: &BTreeMap<String, (Span, usize)>,
    ctx: &Ctx<'_>,
    t: usize,
) -> Vec<PopTimeline> {
    let mut by_region: BTreeMap<String, Vec<&PopTimeline>> = BTreeMap::new();
    for p in pops {
        by_region.entry(p.region.clone()).or_default().push(p);
    }
    let mut out = Vec::new();
    for (region, rows) in by_region {
        let mut s = Series::new(t);
        for r in &rows {
            if let Some(ps) = series.get(&r.pop) {
                for j in 0..t {
                    if let (Some(a), Some(b), Some(x), Some(y)) =
                        (s.n.get_mut(j), ps.n.get(j), s.fivexx.get_mut(j), ps.fivexx.get(j))
                    {
                        *a += b;
                        *x += y;
                    }
                    if let (Some(a), Some(b)) = (s.sigs.get_mut(j), ps.sigs.get(j)) {
                        for (u, v) in a.iter_mut().zip(b) {
                            *u += v;
                        }
                    }
                }
            }
        }
        let hit: Vec<&(Span, usize)> = rows.iter().filter_map(|r| affected.get(&r.pop)).collect();
        let onset = hit.iter().map(|(s, _)| s.onset_ns).min();
        let recovery = hit.iter().map(|(s, _)| s.recovery_ns).max();
        let range = match (hit.iter().map(|(s, _)| s.start).min(), hit.iter().map(|(s, _)| s.end).max()) {
            (Some(a), Some(b)) => a..=b,
            _ => 0..=t.saturating_sub(1),
        };
        let pk = peak(&s, range.clone());
        let periods: Vec<(f64, f64)> =
            rows.iter().filter_map(|r| r.flapping.period_seconds.map(|p| (p, r.confidence))).collect();
        let requests: u64 = rows.iter().map(|r| r.requests).sum();
        let conf: Vec<f64> = rows.iter().filter(|r| r.affected != hit.is_empty()).map(|r| r.confidence).collect();
        out.push(PopTimeline {
            pop: region.clone(),
            city: None,
            country: None,
            region,
            affected: !hit.is_empty(),
            onset: onset.map(rfc3339),
            peak: pk.map(|(j, _)| rfc3339(ctx.time(j))),
            peak_error_rate: pk.map(|(_, r)| r),
            recovery: recovery.map(rfc3339),
            flapping: Flapping {
                transitions: rows.iter().map(|r| r.flapping.transitions).max().unwrap_or(0),
                period_seconds: confident_period(&periods),
            },
            dominant_signature: dominant(&s.sigs, range, if hit.is_empty() { None } else { Some(Blame::Edge) }),
            requests,
            confidence: round3(conf.iter().copied().fold(0.0, f64::max)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_gaps_collapse_on_the_time_axis() {
        let w = 60_000_000_000;
        let a = axis([0, w, 3 * w, 10_000_000 * w].into_iter(), w, 60);
        assert_eq!(a, vec![0, w, 2 * w, 3 * w, 4 * w, 10_000_000 * w]);
    }

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
    fn onset_estimates_stay_within_their_bounds() {
        let w = 60_000_000_000;
        let ctx = Ctx { axis: (0..10).map(|i| i * w).collect(), w, p: &Params::default() };
        let mut s = Series::new(10);
        for j in 3..10 {
            s.n[j] = 100;
            s.k[j] = if j == 3 { 30 } else { 60 };
        }
        // A jump half-way into bucket 3 at the failing rate 0.6: the bucket ran at 0.3.
        let t = onset_estimate(&s, 3, 0.6, &ctx, Some(3 * w + 31_000_000_000));
        assert_eq!(t, 3 * w + 30_000_000_000);
        // Never after the first error.
        let t = onset_estimate(&s, 3, 0.6, &ctx, Some(3 * w + 5_000_000_000));
        assert_eq!(t, 3 * w + 5_000_000_000);
    }
}
