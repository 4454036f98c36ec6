//! Per incident: which values separate the failing requests from the healthy ones.
//!
//! The incident's window (onset to recovery, whole buckets) is compared with the rest of the
//! traffic inside it and with the baseline (every bucket outside every incident's window). For
//! each dimension the values are ranked by how much they concentrate the failures; the headline
//! cohort is the set of values of one dimension whose recall (share of the failures) times
//! precision (its error rate) is highest: on 5 Dec 2025 that is two zones failing on every
//! request, not "28 % of traffic everywhere".

use std::collections::{BTreeMap, BTreeSet};

use super::model::{Cohort, CohortValue, IncidentCohorts};
use super::{CohortCounts, CohortTable, DIMENSIONS, DIMS, HOST_PATH, OTHER};
use crate::timeline::Timeline;
use crate::vocab::time::Timestamp;

/// A dimension's best set: (score, values, counts).
type Set<'a> = (f64, Vec<&'a str>, CohortCounts);

/// Most values in a headline cohort.
const MAX_COHORT: usize = 8;
/// Most values in `top`.
const MAX_TOP: usize = 12;
/// Most values in `spared`.
const MAX_SPARED: usize = 8;
/// Most POPs named as spared.
const MAX_POPS_NAMED: usize = 20;

/// A value from the logs as the model carries it: no control characters, and no script scheme
/// (`javascript:` and the like keep their colon percent-encoded), so that no writer can turn it
/// into a link.
fn inert(v: &str) -> String {
    let mut out: String = v.chars().filter(|c| !c.is_control()).collect();
    for scheme in ["javascript:", "vbscript:", "data:"] {
        let lower = out.to_ascii_lowercase();
        if lower.contains(scheme) {
            let mut fixed = String::with_capacity(out.len() + 8);
            let mut rest = out.as_str();
            let mut rest_lower = lower.as_str();
            while let Some(i) = rest_lower.find(scheme) {
                let cut = i + scheme.len() - 1;
                fixed.push_str(rest.get(..cut).unwrap_or(""));
                fixed.push_str("%3A");
                rest = rest.get(cut + 1..).unwrap_or("");
                rest_lower = rest_lower.get(cut + 1..).unwrap_or("");
            }
            fixed.push_str(rest);
            out = fixed;
        }
    }
    out
}

fn median(v: &mut [i64]) -> Option<i64> {
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

/// Adds `cohorts` to every incident of `tl` from the cohort table.
pub fn attach(tl: &mut Timeline, t: &CohortTable) {
    let last = t.last_bucket().map_or(i64::MAX, |b| b.saturating_add(t.bucket_ns));
    let windows: Vec<(i64, i64)> = tl
        .incidents
        .iter()
        .map(|i| {
            let from = i.onset.map_or(i64::MIN, Timestamp::ns).div_euclid(t.bucket_ns) * t.bucket_ns;
            (from, i.recovery.map_or(last, Timestamp::ns))
        })
        .collect();
    let pops = tl.pops.clone();
    for (inc, w) in tl.incidents.iter_mut().zip(&windows) {
        // The core of the incident: from its POPs' median onset to their median recovery (one
        // POP detected early or late does not dilute the rates), whole buckets only; the whole
        // window when that leaves nothing.
        let mut onsets: Vec<i64> = Vec::new();
        let mut recoveries: Vec<i64> = Vec::new();
        for p in pops.iter().filter(|p| p.affected && inc.pops.contains(&p.pop)) {
            onsets.extend(p.onset.map(Timestamp::ns));
            recoveries.extend(p.recovery.map(Timestamp::ns));
        }
        let (a, b) = (median(&mut onsets).unwrap_or(w.0).max(w.0), median(&mut recoveries).unwrap_or(w.1).min(w.1));
        let from = a.div_euclid(t.bucket_ns) * t.bucket_ns;
        let core =
            (from.saturating_add(if from < a { t.bucket_ns } else { 0 }), b.div_euclid(t.bucket_ns) * t.bucket_ns);
        let w = if core.1 > core.0 { core } else { *w };
        inc.cohorts = Some(for_window(t, w, &windows));
    }
}

/// Window sums per (dimension, value), per (dimension, value, POP), per dimension; and the
/// baseline per (dimension, value).
#[derive(Default)]
struct Sums<'a> {
    values: BTreeMap<(u8, &'a str), CohortCounts>,
    pops: BTreeMap<(u8, &'a str), BTreeMap<&'a str, CohortCounts>>,
    dims: [CohortCounts; DIMS],
    baseline: BTreeMap<(u8, &'a str), CohortCounts>,
    baseline_dims: [CohortCounts; DIMS],
}

impl Sums<'_> {
    /// The window's requests and failures: those of the dimension every event has a value in
    /// (the densest). Shares and the rest's error rate are taken against it, so that a sparse
    /// dimension (a security action only some requests carry) is not read as if its values
    /// held every failure.
    fn whole(&self) -> CohortCounts {
        self.dims.iter().take(HOST_PATH).max_by_key(|c| c.requests).copied().unwrap_or_default()
    }
}

fn sums<'a>(t: &'a CohortTable, (from, to): (i64, i64), windows: &[(i64, i64)]) -> Sums<'a> {
    let mut s = Sums::default();
    for (bucket, pop, dim, value, c) in t.cells() {
        let c = &c;
        let inside = bucket >= from && bucket < to;
        if inside {
            s.values.entry((dim, value)).or_default().merge(c);
            s.pops.entry((dim, value)).or_default().entry(pop).or_default().merge(c);
            if let Some(d) = s.dims.get_mut(usize::from(dim)) {
                d.merge(c);
            }
        } else if !windows.iter().any(|(a, b)| bucket >= *a && bucket < *b) {
            s.baseline.entry((dim, value)).or_default().merge(c);
            if let Some(d) = s.baseline_dims.get_mut(usize::from(dim)) {
                d.merge(c);
            }
        }
    }
    s
}

fn rate(c: &CohortCounts) -> f64 {
    if c.requests == 0 {
        0.0
    } else {
        c.failures as f64 / c.requests as f64
    }
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then_some(a / b)
}

/// POPs with traffic, POPs failing on more than half their requests, and the healthy ones.
/// POPs with the cohort's traffic, POPs where it failed, and POPs it was spared at. A POP
/// failed when its error rate reached half the cohort's (or half of all its requests); it was
/// spared when it stayed under a tenth of the cohort's: a POP that flapped in between is neither
/// (it is not named as spared).
fn pop_spread<'a>(per_pop: impl Iterator<Item = (&'a str, CohortCounts)>) -> (usize, usize, Vec<String>) {
    let rows: Vec<(&str, CohortCounts)> = per_pop.filter(|(_, c)| c.requests > 0).collect();
    let mut all = CohortCounts::default();
    for (_, c) in &rows {
        all.merge(c);
    }
    let whole = rate(&all);
    let (mut failing, mut spared) = (0, Vec::new());
    for (pop, c) in &rows {
        if rate(c) >= (0.5 * whole).min(0.5) && c.failures > 0 {
            failing += 1;
        } else if rate(c) < 0.1 * whole && spared.len() < MAX_POPS_NAMED {
            spared.push(if pop.is_empty() { "(unknown)".to_string() } else { (*pop).to_string() });
        }
    }
    (rows.len(), failing, spared)
}

/// Most a population's share of the requests may grow in the window (retries) before it counts
/// as a symptom of the failure rather than who was hit.
const MAX_SHIFT: f64 = 3.0;
/// Baseline requests of a dimension below which shifts are not judged.
const MIN_BASELINE: u64 = 200;

/// The value's share of the window's requests over its share of the baseline's.
fn shift(s: &Sums<'_>, dim: u8, value: &str, c: &CohortCounts) -> Option<f64> {
    let total = s.dims.get(usize::from(dim))?;
    let base_total = s.baseline_dims.get(usize::from(dim)).filter(|b| b.requests >= MIN_BASELINE)?;
    let base = s.baseline.get(&(dim, value)).map_or(0, |b| b.requests);
    let window = ratio(c.requests as f64, total.requests as f64)?;
    Some(ratio(window, base as f64 / base_total.requests as f64).unwrap_or(f64::INFINITY))
}

/// Whether a value is a population (its share of the traffic did not jump with the failure).
fn population(s: &Sums<'_>, dim: u8, value: &str, c: &CohortCounts) -> bool {
    shift(s, dim, value, c).is_none_or(|x| x <= MAX_SHIFT)
}

fn value_row(s: &Sums<'_>, dim: u8, value: &str, c: &CohortCounts) -> CohortValue {
    let total = s.whole();
    let rest = CohortCounts {
        requests: total.requests.saturating_sub(c.requests),
        failures: total.failures.saturating_sub(c.failures),
    };
    let base = s.baseline.get(&(dim, value)).filter(|b| b.requests > 0);
    let expected = base.map_or(0.0, |b| rate(b) * c.requests as f64);
    let (with, failing, _) =
        s.pops.get(&(dim, value)).map_or((0, 0, Vec::new()), |m| pop_spread(m.iter().map(|(p, c)| (*p, *c))));
    CohortValue {
        dimension: DIMENSIONS.get(usize::from(dim)).copied().unwrap_or("").to_string(),
        value: inert(value),
        requests: c.requests,
        failures: c.failures,
        error_rate: rate(c),
        baseline_error_rate: base.map(rate),
        share_of_failures: ratio(c.failures as f64, total.failures as f64).unwrap_or(0.0),
        lift: ratio(rate(c), rate(&rest)),
        explained: (c.failures as f64 - expected).max(0.0).round() as u64,
        pops_with_traffic: with,
        pops_failing: failing,
        traffic_shift: shift(s, dim, value, c).map(|x| if x.is_finite() { x } else { f64::MAX }),
    }
}

/// The best set of values of one dimension: values sorted by error rate, the prefix with the
/// highest recall × precision. Returns (score, values, counts).
fn best_set<'a>(s: &Sums<'a>, dim: u8) -> Option<Set<'a>> {
    let total = s.whole();
    if total.failures == 0 {
        return None;
    }
    // A value stands out when its error rate is at least twice that of the requests without
    // it (not twice the overall rate: a cohort of most of the traffic could never be that).
    let separates = |c: &CohortCounts| {
        let rest = CohortCounts {
            requests: total.requests.saturating_sub(c.requests),
            failures: total.failures.saturating_sub(c.failures),
        };
        rest.requests > 0 && rate(c) >= 2.0 * rate(&rest)
    };
    let mut cands: Vec<(&str, CohortCounts)> = s
        .values
        .iter()
        .filter(|((d, v), c)| *d == dim && *v != OTHER && c.failures > 0 && separates(c) && population(s, dim, v, c))
        .map(|((_, v), c)| (*v, *c))
        .collect();
    cands.sort_by(|a, b| rate(&b.1).total_cmp(&rate(&a.1)).then(b.1.failures.cmp(&a.1.failures)));
    let mut best: Option<(f64, usize, CohortCounts)> = None;
    let mut acc = CohortCounts::default();
    for (k, (_, c)) in cands.iter().take(MAX_COHORT).enumerate() {
        acc.merge(c);
        let score = acc.failures as f64 / total.failures as f64 * rate(&acc);
        if best.is_none_or(|b| score > b.0) {
            best = Some((score, k + 1, acc));
        }
    }
    let (score, n, counts) = best?;
    Some((score, cands.iter().take(n).map(|(v, _)| *v).collect(), counts))
}

/// The cohorts of one window; `windows` are every incident's (for the baseline).
pub fn for_window(t: &CohortTable, window: (i64, i64), windows: &[(i64, i64)]) -> IncidentCohorts {
    let s = sums(t, window, windows);
    let whole = s.whole();
    let mut out = IncidentCohorts {
        requests: whole.requests,
        failures: whole.failures,
        error_rate: rate(&whole),
        ..IncidentCohorts::default()
    };
    let mut top: Vec<CohortValue> = s
        .values
        .iter()
        // A value every request has (one protocol, one method) separates nothing.
        .filter(|((d, v), c)| {
            usize::from(*d) != HOST_PATH && *v != OTHER && c.failures > 0 && c.requests < whole.requests
        })
        .map(|((d, v), c)| value_row(&s, *d, v, c))
        .filter(|v| v.lift.is_none_or(|l| l > 2.0) && v.share_of_failures >= 0.01)
        .collect();
    top.sort_by(|a, b| (b.share_of_failures * b.error_rate).total_cmp(&(a.share_of_failures * a.error_rate)));
    top.truncate(MAX_TOP);
    out.top = top;
    out.headline = headline(&s, whole);
    out.spared = spared(&s, out.headline.as_ref());
    if let Some(h) = out.headline.as_mut() {
        h.summary = summary(h, whole, &out.spared);
    }
    out
}

fn headline(s: &Sums<'_>, whole: CohortCounts) -> Option<Cohort> {
    let sets: Vec<(usize, Set<'_>)> = (0..HOST_PATH).filter_map(|d| Some((d, best_set(s, d as u8)?))).collect();
    let top = sets.iter().map(|(_, x)| x.0).fold(0.0, f64::max);
    let (dim, (score, values, c)) =
        sets.into_iter().filter(|(_, x)| x.0 >= 0.95 * top).min_by_key(|(d, x)| (x.1.len(), *d))?;
    if score < 0.2 {
        return None;
    }
    let total = s.whole();
    let rest = CohortCounts {
        requests: total.requests.saturating_sub(c.requests),
        failures: total.failures.saturating_sub(c.failures),
    };
    let mut per_pop: BTreeMap<&str, CohortCounts> = BTreeMap::new();
    for v in &values {
        for (p, x) in s.pops.get(&(dim as u8, *v)).into_iter().flatten() {
            per_pop.entry(p).or_default().merge(x);
        }
    }
    let (with, failing, spared) = pop_spread(per_pop.iter().map(|(p, c)| (*p, *c)));
    let mut where_failing = CohortCounts::default();
    for x in per_pop.values().filter(|x| rate(x) > 0.5) {
        where_failing.merge(x);
    }
    let mut cohort = Cohort {
        dimension: DIMENSIONS.get(dim).copied().unwrap_or("").to_string(),
        values: values.iter().map(|v| inert(v)).collect(),
        requests: c.requests,
        failures: c.failures,
        error_rate: rate(&c),
        share_of_failures: ratio(c.failures as f64, total.failures as f64).unwrap_or(0.0),
        share_of_requests: ratio(c.requests as f64, total.requests as f64).unwrap_or(0.0),
        lift: ratio(rate(&c), rate(&rest)),
        pops_with_traffic: with,
        pops_failing: failing,
        error_rate_where_failing: rate(&where_failing),
        pops_spared: spared,
        summary: String::new(),
    };
    cohort.summary = summary(&cohort, whole, &[]);
    Some(cohort)
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// "zone example.net and example.org: every request failed at all 18 POPs with their traffic
/// (lift 410×); 100.0 % of the failures, 27.1 % of the requests (the window's error rate: 27.2 %)".
fn summary(c: &Cohort, whole: CohortCounts, spared: &[CohortValue]) -> String {
    let names = match c.values.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    let r = c.error_rate_where_failing;
    // Paths that kept answering inside the cohort are named rather than averaged in.
    let kept: u64 = spared.iter().map(|v| v.requests).sum();
    let failing_requests = if r > 0.0 { c.failures as f64 / r } else { 0.0 };
    let r_rest = ratio(c.failures as f64, failing_requests - kept as f64).unwrap_or(r).min(1.0);
    let every = match (r >= 0.99, r_rest >= 0.99 && !spared.is_empty()) {
        (true, _) => "every request failed".to_string(),
        (false, true) => format!(
            "every request but {} failed",
            spared.iter().map(|v| v.value.as_str()).collect::<Vec<_>>().join(", ")
        ),
        _ => format!("{} of requests failed", pct(r)),
    };
    let pops = if c.pops_failing == c.pops_with_traffic {
        format!("at all {} POPs with their traffic", c.pops_with_traffic)
    } else {
        format!(
            "at {} of the {} POPs with their traffic (not at {})",
            c.pops_failing,
            c.pops_with_traffic,
            c.pops_spared.join(", ")
        )
    };
    let lift = c.lift.map_or_else(|| "the rest never failed".to_string(), |l| format!("lift {l:.0}×"));
    format!(
        "{} {names}: {every} {pops} ({lift}); {} of the failures, {} of the requests (the window's error rate: {})",
        c.dimension,
        pct(c.share_of_failures),
        pct(c.share_of_requests),
        pct(rate(&whole)),
    )
}

/// Whether `host` belongs to the cohort (a host, or a zone the host is under).
fn in_cohort(c: &Cohort, host: &str) -> bool {
    match c.dimension.as_str() {
        "host" => c.values.iter().any(|v| v == host),
        "zone" => c.values.iter().any(|z| host == z || host.strip_suffix(z.as_str()).is_some_and(|h| h.ends_with('.'))),
        _ => false,
    }
}

/// Paths that kept answering inside a host or zone cohort: busy, and failing at under a tenth
/// of the cohort's rate.
fn spared(s: &Sums<'_>, headline: Option<&Cohort>) -> Vec<CohortValue> {
    let Some(c) = headline.filter(|c| c.error_rate > 0.0) else { return Vec::new() };
    let mut paths: BTreeMap<&str, CohortCounts> = BTreeMap::new();
    let mut pops: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for ((d, v), x) in &s.values {
        if usize::from(*d) != HOST_PATH {
            continue;
        }
        let Some((host, path)) = v.split_once(' ') else { continue };
        if in_cohort(c, host) {
            paths.entry(path).or_default().merge(x);
            let at = s.pops.get(&(*d, *v)).into_iter().flatten().filter(|(_, x)| x.requests > 0);
            pops.entry(path).or_default().extend(at.map(|(p, _)| *p));
        }
    }
    let min = (c.requests / 2000).max(5);
    let mut out: Vec<CohortValue> = paths
        .into_iter()
        .filter(|(_, x)| x.requests >= min && rate(x) < 0.1 * c.error_rate)
        .map(|(p, x)| CohortValue {
            dimension: "path".to_string(),
            value: inert(p),
            requests: x.requests,
            failures: x.failures,
            error_rate: rate(&x),
            share_of_failures: ratio(x.failures as f64, c.failures as f64).unwrap_or(0.0),
            lift: ratio(rate(&x), c.error_rate),
            pops_with_traffic: pops.get(p).map_or(0, BTreeSet::len),
            ..CohortValue::default()
        })
        .collect();
    out.sort_by_key(|v| std::cmp::Reverse(v.requests));
    out.truncate(MAX_SPARED);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-made shape the simulator does not produce: one country and one path prefix share
    /// the failures, but only the path fails on every request.
    #[test]
    fn the_path_that_fails_everywhere_beats_a_correlated_country() {
        let mut t = CohortTable::new(60);
        let mut add = |bucket: i64, pop: &str, dim: &str, value: &str, r: u64, f: u64| {
            let d = DIMENSIONS.iter().position(|x| *x == dim).unwrap() as u8;
            t.add((bucket, pop.into(), d, value.into()), &CohortCounts { requests: r, failures: f });
        };
        for (b, bad) in [(0, false), (60, true), (120, false)] {
            for pop in ["AAA", "BBB", "CCC"] {
                let f = if bad { 50 } else { 0 };
                add(b, pop, "path", "/checkout", 50, f);
                add(b, pop, "path", "/home", 450, 0);
                add(b, pop, "country", "de", 100, f * 3 / 5);
                add(b, pop, "country", "us", 400, f * 2 / 5);
            }
        }
        let c = for_window(&t, (60, 120), &[(60, 120)]);
        let h = c.headline.unwrap();
        assert_eq!((h.dimension.as_str(), h.values.as_slice()), ("path", ["/checkout".to_string()].as_slice()));
        assert!((h.error_rate - 1.0).abs() < 1e-12);
        assert_eq!((h.pops_failing, h.pops_with_traffic), (3, 3));
        assert!(h.summary.contains("every request"), "{}", h.summary);
        assert!((c.error_rate - 0.1).abs() < 1e-9);
        assert_eq!(c.top.first().unwrap().value, "/checkout");
    }

    /// A sparse dimension (a security action only some requests carry) is measured against the
    /// whole window, and a value every request has is no separator.
    #[test]
    fn sparse_and_universal_values_are_not_read_as_holding_every_failure() {
        let mut t = CohortTable::new(60);
        let mut add = |bucket: i64, dim: &str, value: &str, r: u64, f: u64| {
            let d = DIMENSIONS.iter().position(|x| *x == dim).unwrap() as u8;
            t.add((bucket, "AAA".into(), d, value.into()), &CohortCounts { requests: r, failures: f });
        };
        for (b, bad) in [(0, false), (60, true)] {
            let f = if bad { 100 } else { 0 };
            add(b, "zone", "a.example", 100, f);
            add(b, "zone", "b.example", 900, 0);
            add(b, "protocol", "HTTP/2", 1000, f);
            // 20 challenged requests, 2 of them among the failures.
            add(b, "security", "managed_challenge", 20, f / 50);
        }
        let c = for_window(&t, (60, 120), &[(60, 120)]);
        let sec = c.top.iter().find(|v| v.dimension == "security");
        assert!(sec.is_none_or(|v| v.share_of_failures < 0.05), "{sec:?}");
        assert!(c.top.iter().all(|v| v.value != "HTTP/2"), "{:?}", c.top);
        assert_eq!(c.headline.unwrap().values, ["a.example".to_string()]);
    }

    /// The failing cohort can be most of the traffic (the new proxy's customers on 18 Nov): its
    /// error rate is then not far above the overall rate, but far above the rest's.
    #[test]
    fn a_cohort_of_most_of_the_traffic_is_named() {
        let mut t = CohortTable::new(60);
        let d = DIMENSIONS.iter().position(|x| *x == "zone").unwrap() as u8;
        for (b, bad) in [(0, false), (60, true)] {
            let f = if bad { 300 } else { 0 };
            t.add((b, "AAA".into(), d, "big.example".into()), &CohortCounts { requests: 750, failures: f });
            t.add((b, "AAA".into(), d, "small.example".into()), &CohortCounts { requests: 250, failures: 0 });
        }
        let c = for_window(&t, (60, 120), &[(60, 120)]);
        assert_eq!(c.headline.map(|h| h.values), Some(vec!["big.example".to_string()]));
    }

    #[test]
    fn values_are_inert() {
        assert_eq!(inert("a\u{1b}[2J JavaScript:alert(1) data:x"), "a[2J JavaScript%3Aalert(1) data%3Ax");
        assert_eq!(inert("example.net"), "example.net");
    }

    #[test]
    fn failures_spread_over_everything_have_no_headline() {
        let mut t = CohortTable::new(60);
        for (i, v) in ["a", "b", "c", "d"].iter().enumerate() {
            t.add((0, "AAA".into(), 1, (*v).into()), &CohortCounts { requests: 100 + i as u64, failures: 10 });
        }
        let c = for_window(&t, (0, 60), &[(0, 60)]);
        assert!(c.headline.is_none(), "{:?}", c.headline);
        assert!(c.top.is_empty());
    }
}
