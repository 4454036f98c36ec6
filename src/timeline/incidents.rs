//! Incidents: failing spans of POPs and hosts that overlap in time, with their attribution,
//! scope, onset pattern (a push everywhere at once, or propagation from an epicenter) and the
//! evidence behind them.

use std::collections::{BTreeMap, BTreeSet};

use super::detect::Span;
use super::flap::{confident_period, flapping, round3};
use super::model::{self, Attribution, Flapping, Incident, Pattern, Propagation, Scope};
use super::series::{AllSeries, Sparse};
use super::Params;
use crate::geo;
use crate::signatures;
use crate::vocab::time::Timestamp;

/// A POP or host span placed in time, for clustering.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The POP (edge spans) or host (origin spans) the span was found on.
    pub key: String,
    /// The POP of a host-specific span found on a POP's series.
    pub pop: Option<String>,
    /// The span.
    pub span: Span,
    /// Hosts with blamed errors in the span.
    pub hosts: Vec<String>,
    /// Edge-blamed errors in the span.
    pub edge_errors: u64,
    /// Origin-blamed errors in the span.
    pub origin_errors: u64,
}

/// Groups spans whose times overlap (within `gap_ns`).
pub fn cluster(mut items: Vec<Placed>, gap_ns: i64) -> Vec<Vec<Placed>> {
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

/// Scope from the POPs whose place is known; unmapped POPs never make a region of their own.
pub fn scope(pops: &[String]) -> (Scope, usize) {
    let mapped: Vec<&String> = pops.iter().filter(|p| geo::colo(p).is_some()).collect();
    let unmapped = pops.len() - mapped.len();
    let regions: BTreeSet<&str> = mapped.iter().map(|p| geo::region(p)).collect();
    let scope = if mapped.is_empty() {
        if pops.len() == 1 {
            Scope::Local
        } else {
            Scope::Unknown
        }
    } else if regions.len() >= 2 {
        Scope::Global
    } else if pops.len() >= 2 {
        Scope::Regional
    } else {
        Scope::Local
    };
    (scope, unmapped)
}

/// How a set of intervals lies in time: simultaneous when one window of `window_ns` can hold a
/// point of every interval, propagating otherwise. Returns the pattern and the spread of the
/// point estimates, seconds.
pub fn pattern(points: &[(i64, (i64, i64))], window_ns: i64) -> (Pattern, Option<f64>) {
    if points.len() < 2 {
        return (Pattern::Single, None);
    }
    let lo_max = points.iter().map(|(_, (lo, _))| *lo).max().unwrap_or(0);
    let hi_min = points.iter().map(|(_, (_, hi))| *hi).min().unwrap_or(0);
    let (first, last) =
        (points.iter().map(|(t, _)| *t).min().unwrap_or(0), points.iter().map(|(t, _)| *t).max().unwrap_or(0));
    let spread = Some(round3((last - first) as f64 / 1e9));
    if lo_max - hi_min <= window_ns {
        (Pattern::Simultaneous, spread)
    } else {
        (Pattern::Propagating, spread)
    }
}

/// The incident record of a group of spans.
pub fn incident(g: &[Placed], pops: Vec<String>, hosts: Vec<String>, attribution: Attribution, p: &Params) -> Incident {
    let onset = g.iter().map(|x| x.span.onset_ns).min().unwrap_or(0);
    let recovery = g.iter().map(|x| x.span.recovery_ns).max().unwrap_or(0);
    let window = (p.push_window_secs * 1e9) as i64;
    let per_pop = per_pop(g, attribution);
    let onsets: Vec<(i64, (i64, i64))> =
        per_pop.values().filter(|(a, _)| !a.onset_censored).map(|(a, _)| (a.onset_ns, a.onset_iv)).collect();
    let recoveries: Vec<(i64, (i64, i64))> =
        per_pop.values().filter(|(_, b)| !b.recovery_censored).map(|(_, b)| (b.recovery_ns, b.recovery_iv)).collect();
    // When some POP was already failing as the input starts (still failing as it ends), the
    // incident began before it (ended after it): the onsets seen inside the input are not its
    // pattern.
    let censored = |cut: bool, (pat, spread): (Pattern, Option<f64>)| {
        if per_pop.len() >= 2 && cut {
            (Pattern::Censored, None)
        } else {
            (pat, spread)
        }
    };
    let onset_cut = onsets.len() < per_pop.len();
    let recovery_cut = recoveries.len() < per_pop.len();
    let (onset_pattern, onset_spread_seconds) = censored(onset_cut, pattern(&onsets, window));
    let (recovery_pattern, recovery_spread_seconds) = censored(recovery_cut, pattern(&recoveries, window));
    let (epicenter, epicenter_alternatives) = epicenter(&per_pop, onset_pattern);
    let (scope, unmapped_pops) = scope(&pops);
    let onset_censored = g.iter().any(|x| x.span.onset_censored && x.span.onset_ns <= onset);
    let recovery_censored = g.iter().any(|x| x.span.recovery_censored && x.span.recovery_ns >= recovery);
    Incident {
        id: String::new(),
        attribution,
        onset: Some(Timestamp(onset)),
        recovery: Some(Timestamp(recovery)),
        onset_censored,
        recovery_censored,
        scope,
        unmapped_pops,
        onset_pattern,
        onset_spread_seconds,
        recovery_pattern,
        recovery_spread_seconds,
        failed_requests: g.iter().map(|x| x.span.failed).sum(),
        hosts,
        epicenter,
        epicenter_alternatives,
        pops,
        flapping: Flapping::default(),
        evidence: model::Evidence::default(),
        cohorts: None,
        changes: None,
    }
}

/// One point per POP (the key itself, or an origin incident's spans' POP): its first span (by
/// onset) and its last (by recovery).
fn per_pop(g: &[Placed], attribution: Attribution) -> BTreeMap<&str, (&Span, &Span)> {
    let mut per_pop: BTreeMap<&str, (&Span, &Span)> = BTreeMap::new();
    for x in g {
        let key = if attribution == Attribution::Origin { x.pop.as_deref().unwrap_or(&x.key) } else { &x.key };
        let e = per_pop.entry(key).or_insert((&x.span, &x.span));
        if x.span.onset_ns < e.0.onset_ns {
            e.0 = &x.span;
        }
        if x.span.recovery_ns > e.1.recovery_ns {
            e.1 = &x.span;
        }
    }
    per_pop
}

/// The epicenter, only when the onsets spread beyond their uncertainty: the POP surely failing
/// first, the one whose onset interval ends earliest (then the earliest onset): a POP of a few
/// requests a minute can have an early but vague onset, which makes it a possible first, not
/// the first. The POPs whose interval reaches back before the epicenter's ends could have been
/// first too, and are named as alternatives. A single POP is its own epicenter.
fn epicenter(per_pop: &BTreeMap<&str, (&Span, &Span)>, onset_pattern: Pattern) -> (Vec<String>, Vec<String>) {
    if onset_pattern == Pattern::Propagating {
        let earliest = per_pop
            .iter()
            .filter(|(_, (a, _))| !a.onset_censored)
            .min_by_key(|(k, (a, _))| (a.onset_iv.1, a.onset_ns, **k));
        match earliest {
            Some((first, (e, _))) => {
                let alternatives = per_pop
                    .iter()
                    .filter(|(k, (a, _))| *k != first && !a.onset_censored && a.onset_iv.0 <= e.onset_iv.1)
                    .map(|(k, _)| (*k).to_string())
                    .collect();
                (vec![(*first).to_string()], alternatives)
            }
            None => (Vec::new(), Vec::new()),
        }
    } else if onset_pattern == Pattern::Single && per_pop.len() == 1 {
        (per_pop.keys().map(|k| (*k).to_string()).collect(), Vec::new())
    } else {
        (Vec::new(), Vec::new())
    }
}

/// Flapping and evidence of each incident, from its group's spans and series.
pub fn finish(incidents: &mut [(Incident, Vec<Placed>)], all: &AllSeries) {
    for (inc, g) in incidents.iter_mut() {
        let (a, b) =
            (g.iter().map(|x| x.span.start).min().unwrap_or(0), g.iter().map(|x| x.span.end).max().unwrap_or(0));
        let host_ser: Vec<&Sparse> = inc.hosts.iter().filter_map(|h| all.hosts.get(h)).collect();
        let ser: Vec<&Sparse> = if inc.attribution == Attribution::Origin && !host_ser.is_empty() {
            host_ser
        } else {
            inc.pops.iter().filter_map(|p| all.pops.get(p)).collect()
        };
        let periods: Vec<(f64, f64)> =
            g.iter().filter_map(|x| flapping(&x.span).period_seconds.map(|p| (p, x.span.p_affected))).collect();
        inc.flapping = Flapping {
            transitions: g.iter().map(|x| flapping(&x.span).transitions).max().unwrap_or(0),
            period_seconds: confident_period(&periods).map(round3),
        };
        let n_hosts = inc.hosts.len();
        inc.evidence = evidence(&ser, a, b, n_hosts, &inc.pops, inc.attribution);
    }
}

/// The propagation table: affected POPs of propagating edge incidents by onset, with lags.
pub fn propagation(incidents: &[(Incident, Vec<Placed>)]) -> Vec<Propagation> {
    let mut out = Vec::new();
    for (inc, g) in incidents {
        if inc.attribution == Attribution::Origin || inc.onset_pattern != Pattern::Propagating {
            continue;
        }
        let first = g.iter().filter(|x| !x.span.onset_censored).map(|x| x.span.onset_ns).min().unwrap_or(0);
        let mut rows: Vec<&Placed> = g.iter().filter(|x| !x.span.onset_censored).collect();
        rows.sort_by_key(|x| (x.span.onset_ns, x.key.clone()));
        let mut listed: BTreeSet<&str> = BTreeSet::new();
        for x in rows {
            if !listed.insert(x.key.as_str()) {
                continue; // a second span of the same POP in this incident
            }
            out.push(Propagation {
                pop: x.key.clone(),
                onset: Timestamp(x.span.onset_ns),
                lag_seconds: round3((x.span.onset_ns - first) as f64 / 1e9),
            });
        }
    }
    out
}

/// The most frequent error signature (of the given blame) in a count vector.
pub fn dominant(tot: &[u64; signatures::COUNT], blame: Option<signatures::Blame>) -> Option<String> {
    signatures::REGISTRY
        .iter()
        .filter(|i| i.is_error && blame.is_none_or(|b| b == i.blame))
        .map(|i| (tot.get(i.signature.index()).copied().unwrap_or(0), i.signature))
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, s)| (*n, std::cmp::Reverse(*s)))
        .map(|(_, s)| s.id().to_string())
}

fn evidence(
    series: &[&Sparse],
    a: usize,
    b: usize,
    hosts_with_errors: usize,
    pops: &[String],
    attribution: Attribution,
) -> model::Evidence {
    let mut sigs = [0u64; signatures::COUNT];
    let (mut requests, mut errors) = (0u64, 0u64);
    for s in series {
        let t = s.total(a, b);
        requests += t.requests;
        errors += t.status_5xx;
        for (u, v) in sigs.iter_mut().zip(t.signatures) {
            *u += v;
        }
    }
    let signatures: BTreeMap<String, u64> = signatures::ALL
        .iter()
        .map(|s| (s.id().to_string(), sigs.get(s.index()).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let regions: Vec<String> = pops
        .iter()
        .filter(|p| geo::colo(p).is_some())
        .map(|p| geo::region(p).to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &[&str]) -> Vec<String> {
        x.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn unmapped_pops_never_widen_the_scope() {
        assert_eq!(scope(&v(&["FRA", "AMS", "ZZZ"])), (Scope::Regional, 1));
        assert_eq!(scope(&v(&["FRA", "AMS", "IAD"])), (Scope::Global, 0));
        assert_eq!(scope(&v(&["23.1.2.3", "23.1.2.4", "23.1.2.5"])), (Scope::Unknown, 3));
        assert_eq!(scope(&v(&["CHI", "WDC", "NYC"])).0, Scope::Regional, "metro codes are places");
    }

    #[test]
    fn onsets_within_one_push_window_are_simultaneous() {
        let s = 1_000_000_000;
        let push: Vec<(i64, (i64, i64))> = (0..10).map(|i| (i * 4 * s, (i * 4 * s - s, i * 4 * s + s))).collect();
        assert_eq!(pattern(&push, 60 * s).0, Pattern::Simultaneous);
        let spread: Vec<(i64, (i64, i64))> = (0..10).map(|i| (i * 60 * s, (i * 60 * s - s, i * 60 * s + s))).collect();
        assert_eq!(pattern(&spread, 60 * s).0, Pattern::Propagating);
        assert_eq!(pattern(&spread[..1], 60 * s).0, Pattern::Single);
    }
}
